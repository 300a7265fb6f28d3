//! snapctl, built inside this package so its end-to-end tests can run it as a process
//! (`CARGO_BIN_EXE_snapctl-e2e`): the same `vrepl_cli::main` as the real binary.

fn main() -> std::process::ExitCode {
    vrepl_cli::main()
}
