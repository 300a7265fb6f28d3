//! Running commands on a host over SSH with `ssh2` (libssh2): one session per host, reused
//! across calls behind a mutex; blocking work on tokio's blocking pool; host keys checked
//! against a known_hosts file; connection failures classified.

use std::fmt;
use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use ssh2::{CheckResult, KnownHostFileKind, Session};

use super::command::CommandLine;
use super::runner::{CommandRunner, Output};
use crate::error::{EsxError, Result};

/// A secret that never shows in Debug output, logs or errors.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How to log in.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// Password authentication.
    Password(Secret),
    /// Public-key authentication with an OpenSSH private key file.
    KeyFile {
        /// The private key.
        private_key: PathBuf,
        /// Its passphrase, if it has one.
        passphrase: Option<Secret>,
    },
}

/// How to check the host's key.
#[derive(Clone, Debug)]
pub struct HostKeyPolicy {
    /// The OpenSSH known_hosts file to check against.
    pub known_hosts: PathBuf,
    /// Accept a host whose key is not in the file (a different key is always refused).
    pub accept_unknown: bool,
}

impl HostKeyPolicy {
    /// Checks against this file; unknown hosts are refused.
    pub fn known_hosts(path: impl Into<PathBuf>) -> Self {
        Self {
            known_hosts: path.into(),
            accept_unknown: false,
        }
    }
}

impl Default for HostKeyPolicy {
    /// `~/.ssh/known_hosts`, unknown hosts refused.
    fn default() -> Self {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        Self::known_hosts(home.join(".ssh/known_hosts"))
    }
}

/// Where and how to connect.
#[derive(Clone, Debug)]
pub struct SshConfig {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// User name (`root` on ESX).
    pub user: String,
    /// Password or key.
    pub credentials: Credentials,
    /// Host key checking.
    pub host_keys: HostKeyPolicy,
    /// How long connecting and logging in may take.
    pub connect_timeout: Duration,
    /// How long one command may take.
    pub command_timeout: Duration,
}

impl SshConfig {
    /// Port 22, user `root`, `~/.ssh/known_hosts`, 10 s to connect, 120 s per command.
    pub fn new(host: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            host: host.into(),
            port: 22,
            user: "root".into(),
            credentials,
            host_keys: HostKeyPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(120),
        }
    }
}

/// Runs commands over one reused SSH session.
#[derive(Clone)]
pub struct SshRunner {
    config: Arc<SshConfig>,
    endpoint: String,
    session: Arc<Mutex<Option<Session>>>,
}

impl fmt::Debug for SshRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SshRunner")
            .field("endpoint", &self.endpoint)
            .field("user", &self.config.user)
            .finish_non_exhaustive()
    }
}

impl SshRunner {
    /// A runner for this host; it connects on first use.
    pub fn new(config: SshConfig) -> Self {
        let endpoint = if config.port == 22 {
            config.host.clone()
        } else {
            format!("{}:{}", config.host, config.port)
        };
        Self {
            config: Arc::new(config),
            endpoint,
            session: Arc::new(Mutex::new(None)),
        }
    }
}

#[async_trait]
impl CommandRunner for SshRunner {
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn run(&self, command: &CommandLine) -> Result<Output> {
        let this = self.clone();
        let command = command.clone();
        tokio::task::spawn_blocking(move || this.run_blocking(&command))
            .await
            .map_err(|e| EsxError::Transport {
                host: self.endpoint.clone(),
                message: format!("the SSH worker failed: {e}"),
                retryable: false,
            })?
    }
}

impl SshRunner {
    fn run_blocking(&self, command: &CommandLine) -> Result<Output> {
        let mut slot = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let reused = slot.is_some();
        if slot.is_none() {
            *slot = Some(self.connect()?);
        }
        let session = slot.as_ref().expect("session was just set");
        match self.exec(session, command) {
            Ok(out) => Ok(out),
            // A reused session may have been closed by the host in the meantime: one fresh try.
            Err(EsxError::Transport { .. }) if reused => {
                *slot = None;
                let fresh = self.connect()?;
                let out = self.exec(&fresh, command);
                if out.is_ok() {
                    *slot = Some(fresh);
                }
                out
            }
            Err(e) => {
                *slot = None;
                Err(e)
            }
        }
    }

    fn transport(&self, message: impl fmt::Display, retryable: bool) -> EsxError {
        EsxError::Transport {
            host: self.endpoint.clone(),
            message: message.to_string(),
            retryable,
        }
    }

    fn connect(&self) -> Result<Session> {
        let c = &*self.config;
        let addrs: Vec<_> = (c.host.as_str(), c.port)
            .to_socket_addrs()
            .map_err(|e| EsxError::UnknownHost {
                host: c.host.clone(),
                message: e.to_string(),
            })?
            .collect();
        let addr = addrs.first().ok_or_else(|| EsxError::UnknownHost {
            host: c.host.clone(),
            message: "the name has no address".into(),
        })?;
        let tcp = TcpStream::connect_timeout(addr, c.connect_timeout)
            .map_err(|e| self.transport(format!("connect to {addr}: {e}"), true))?;
        let _ = tcp.set_nodelay(true);
        let mut session = Session::new().map_err(|e| self.transport(e, false))?;
        session.set_timeout(millis(c.connect_timeout));
        session.set_tcp_stream(tcp);
        session.handshake().map_err(|e| {
            if is_timeout(&e) {
                EsxError::Timeout {
                    host: self.endpoint.clone(),
                    command: "SSH handshake".into(),
                    after: c.connect_timeout,
                }
            } else {
                self.transport(format!("SSH handshake: {e}"), true)
            }
        })?;
        self.verify_host_key(&session)?;
        self.authenticate(&session)?;
        session.set_timeout(millis(c.command_timeout));
        tracing::debug!(host = %self.endpoint, user = %c.user, "SSH session established");
        Ok(session)
    }

    fn verify_host_key(&self, session: &Session) -> Result<()> {
        let c = &*self.config;
        let policy = &c.host_keys;
        let (key, _) = session
            .host_key()
            .ok_or_else(|| self.transport("the host sent no host key", false))?;
        let mut known = session
            .known_hosts()
            .map_err(|e| self.transport(e, false))?;
        if policy.known_hosts.exists() {
            known
                .read_file(&policy.known_hosts, KnownHostFileKind::OpenSSH)
                .map_err(|e| {
                    self.transport(
                        format!("cannot read {}: {e}", policy.known_hosts.display()),
                        false,
                    )
                })?;
        }
        match known.check_port(&c.host, c.port, key) {
            CheckResult::Match => Ok(()),
            CheckResult::Mismatch => Err(EsxError::HostKeyMismatch {
                host: self.endpoint.clone(),
                known_hosts: policy.known_hosts.clone(),
            }),
            CheckResult::NotFound if policy.accept_unknown => {
                tracing::warn!(host = %self.endpoint, "accepting a host key not in known_hosts, as configured");
                Ok(())
            }
            CheckResult::NotFound | CheckResult::Failure => Err(EsxError::HostKeyUnknown {
                host: self.endpoint.clone(),
                known_hosts: policy.known_hosts.clone(),
            }),
        }
    }

    fn authenticate(&self, session: &Session) -> Result<()> {
        let c = &*self.config;
        let attempt = match &c.credentials {
            Credentials::Password(p) => session.userauth_password(&c.user, p.expose()),
            Credentials::KeyFile {
                private_key,
                passphrase,
            } => session.userauth_pubkey_file(
                &c.user,
                None,
                Path::new(private_key),
                passphrase.as_ref().map(Secret::expose),
            ),
        };
        match attempt {
            Ok(()) if session.authenticated() => Ok(()),
            Ok(()) => Err(self.auth_error()),
            Err(e) if is_auth_failure(&e) => Err(self.auth_error()),
            Err(e) => Err(self.transport(format!("login: {e}"), true)),
        }
    }

    fn auth_error(&self) -> EsxError {
        EsxError::Auth {
            host: self.endpoint.clone(),
            user: self.config.user.clone(),
        }
    }

    fn exec(&self, session: &Session, command: &CommandLine) -> Result<Output> {
        let failed = |e: ssh2::Error| -> EsxError {
            if is_timeout(&e) {
                EsxError::Timeout {
                    host: self.endpoint.clone(),
                    command: command.to_string(),
                    after: self.config.command_timeout,
                }
            } else {
                self.transport(format!("running `{command}`: {e}"), true)
            }
        };
        let io_failed = |e: std::io::Error| -> EsxError {
            if e.kind() == std::io::ErrorKind::TimedOut {
                EsxError::Timeout {
                    host: self.endpoint.clone(),
                    command: command.to_string(),
                    after: self.config.command_timeout,
                }
            } else {
                self.transport(format!("reading the output of `{command}`: {e}"), true)
            }
        };
        tracing::debug!(host = %self.endpoint, %command, "exec");
        let mut channel = session.channel_session().map_err(failed)?;
        channel.exec(command.as_str()).map_err(failed)?;
        let mut stdout = String::new();
        channel.read_to_string(&mut stdout).map_err(io_failed)?;
        let mut stderr = String::new();
        channel
            .stderr()
            .read_to_string(&mut stderr)
            .map_err(io_failed)?;
        channel.wait_close().map_err(failed)?;
        let status = channel.exit_status().map_err(failed)?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

const LIBSSH2_ERROR_TIMEOUT: i32 = -9;
const LIBSSH2_ERROR_AUTHENTICATION_FAILED: i32 = -18;
const LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED: i32 = -19;
const LIBSSH2_ERROR_FILE: i32 = -16;

fn session_code(e: &ssh2::Error) -> Option<i32> {
    match e.code() {
        ssh2::ErrorCode::Session(c) => Some(c),
        ssh2::ErrorCode::SFTP(_) => None,
    }
}

fn is_timeout(e: &ssh2::Error) -> bool {
    session_code(e) == Some(LIBSSH2_ERROR_TIMEOUT)
}

fn is_auth_failure(e: &ssh2::Error) -> bool {
    matches!(
        session_code(e),
        Some(
            LIBSSH2_ERROR_AUTHENTICATION_FAILED
                | LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED
                | LIBSSH2_ERROR_FILE
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_secrets() {
        let c = SshConfig::new("esx3", Credentials::Password(Secret::new("hunter2")));
        let runner = SshRunner::new(c.clone());
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(!format!("{runner:?}").contains("hunter2"));
        let k = Credentials::KeyFile {
            private_key: "/k".into(),
            passphrase: Some(Secret::new("s3cret")),
        };
        assert!(!format!("{k:?}").contains("s3cret"));
    }

    #[tokio::test]
    async fn unresolvable_name_is_unknown_host() {
        let c = SshConfig::new(
            "no-such-host.invalid",
            Credentials::Password(Secret::new("x")),
        );
        let err = SshRunner::new(c)
            .run(&CommandLine::new(&["vmware", "-v"]))
            .await
            .unwrap_err();
        assert!(matches!(err, EsxError::UnknownHost { .. }), "{err}");
    }

    #[tokio::test]
    async fn closed_port_is_retryable_transport_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let mut c = SshConfig::new("127.0.0.1", Credentials::Password(Secret::new("x")));
        c.port = port;
        let err = SshRunner::new(c)
            .run(&CommandLine::new(&["vmware", "-v"]))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                EsxError::Transport {
                    retryable: true,
                    ..
                }
            ),
            "{err}"
        );
    }
}
