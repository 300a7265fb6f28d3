//! `esxi-shell STATE_FILE [COMMAND]`: runs one command on an emulated ESX host whose fabric,
//! configuration and state are kept in STATE_FILE (JSON, see `EmulatedHost::save`), then
//! saves the state back. The command comes from the argument, or from `SSH_ORIGINAL_COMMAND`
//! when run as an OpenSSH forced command (`command="esxi-shell /path/state.json"`).

use std::io::Write;
use std::process::ExitCode;

use vrepl_esx::sim::EmulatedHost;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(state_file) = args.next() else {
        eprintln!("usage: esxi-shell STATE_FILE [COMMAND]");
        return ExitCode::from(2);
    };
    let command = match args
        .next()
        .or_else(|| std::env::var("SSH_ORIGINAL_COMMAND").ok())
    {
        Some(c) => c,
        None => {
            eprintln!("esxi-shell: no command (give one, or set SSH_ORIGINAL_COMMAND)");
            return ExitCode::from(2);
        }
    };
    let loaded = std::fs::read_to_string(&state_file)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
        .and_then(EmulatedHost::load);
    let host = match loaded {
        Ok(h) => h,
        Err(e) => {
            eprintln!("esxi-shell: cannot load {state_file}: {e}");
            return ExitCode::from(2);
        }
    };
    let reply = host.execute(&command).await;
    let saved = serde_json::to_string(&host.save())
        .map_err(|e| e.to_string())
        .and_then(|text| {
            let tmp = format!("{state_file}.tmp");
            std::fs::write(&tmp, text)
                .and_then(|()| std::fs::rename(&tmp, &state_file))
                .map_err(|e| e.to_string())
        });
    if let Err(e) = saved {
        eprintln!("esxi-shell: cannot save {state_file}: {e}");
        return ExitCode::from(2);
    }
    let _ = std::io::stdout().write_all(reply.stdout.as_bytes());
    let _ = std::io::stderr().write_all(reply.stderr.as_bytes());
    ExitCode::from(u8::try_from(reply.status).unwrap_or(1))
}
