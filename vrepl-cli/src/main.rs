//! `snapctl`: see the `vrepl_cli` crate for everything it does.

fn main() -> std::process::ExitCode {
    vrepl_cli::main()
}
