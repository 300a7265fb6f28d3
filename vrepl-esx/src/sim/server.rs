//! The emulated host behind an SSH server (russh) on 127.0.0.1: password authentication, a
//! generated host key that tests export to a known_hosts file, one `exec` per channel.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use russh::keys::{Algorithm, PrivateKey};
use russh::server::{Auth, Handler, Msg, Session};
use russh::{Channel, ChannelId, CryptoVec};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::host::EmulatedHost;

/// A host key, generated fresh for each server.
#[derive(Clone)]
pub struct HostKey(PrivateKey);

impl HostKey {
    /// A new Ed25519 key.
    pub fn generate() -> Self {
        let key = PrivateKey::random(&mut rand::rngs::OsRng, Algorithm::Ed25519)
            .expect("generating an Ed25519 key cannot fail");
        Self(key)
    }

    /// The public key in OpenSSH form (`ssh-ed25519 AAAA…`).
    pub fn public_openssh(&self) -> String {
        let mut public = self.0.public_key().clone();
        public.set_comment("");
        public
            .to_openssh()
            .expect("an Ed25519 public key always encodes")
            .trim()
            .to_string()
    }

    /// The private key in OpenSSH PEM form (for a real sshd's `HostKey` file).
    pub fn private_openssh(&self) -> String {
        self.0
            .to_openssh(russh::keys::ssh_key::LineEnding::LF)
            .expect("an Ed25519 key always encodes")
            .to_string()
    }
}

impl fmt::Debug for HostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostKey({})", self.public_openssh())
    }
}

/// An SSH server in front of one emulated host; stops when dropped.
pub struct SshServer {
    addr: SocketAddr,
    key: HostKey,
    task: JoinHandle<()>,
}

impl fmt::Debug for SshServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SshServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl SshServer {
    /// Serves `host` on 127.0.0.1 (a free port), accepting `user` with `password`.
    pub async fn start(host: EmulatedHost, user: &str, password: &str) -> std::io::Result<Self> {
        Self::start_with_key(host, user, password, HostKey::generate()).await
    }

    /// As [`SshServer::start`], with a given host key.
    pub async fn start_with_key(
        host: EmulatedHost,
        user: &str,
        password: &str,
        key: HostKey,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let config = Arc::new(russh::server::Config {
            keys: vec![key.0.clone()],
            auth_rejection_time: std::time::Duration::from_millis(50),
            auth_rejection_time_initial: Some(std::time::Duration::ZERO),
            inactivity_timeout: Some(std::time::Duration::from_secs(600)),
            ..Default::default()
        });
        let login = Arc::new((user.to_string(), password.to_string()));
        let task = tokio::spawn(async move {
            while let Ok((stream, peer)) = listener.accept().await {
                // Small request/response exchanges: without this each command waits for a
                // delayed ACK.
                let _ = stream.set_nodelay(true);
                let handler = Connection {
                    host: host.clone(),
                    login: Arc::clone(&login),
                };
                let config = Arc::clone(&config);
                tokio::spawn(async move {
                    match russh::server::run_stream(config, stream, handler).await {
                        Ok(session) => {
                            if let Err(e) = session.await {
                                tracing::debug!(%peer, "SSH session ended: {e}");
                            }
                        }
                        Err(e) => tracing::debug!(%peer, "SSH handshake failed: {e}"),
                    }
                });
            }
        });
        tracing::debug!(%addr, "emulated ESX host listening");
        Ok(Self { addr, key, task })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its TCP port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Its host key.
    pub fn host_key(&self) -> &HostKey {
        &self.key
    }

    /// A known_hosts line for it: `[127.0.0.1]:PORT ssh-ed25519 AAAA…`.
    pub fn known_hosts_line(&self) -> String {
        format!(
            "[{}]:{} {}",
            self.addr.ip(),
            self.addr.port(),
            self.key.public_openssh()
        )
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Connection {
    host: EmulatedHost,
    login: Arc<(String, String)>,
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        if same(user, &self.login.0) && same(password, &self.login.1) {
            Ok(Auth::Accept)
        } else {
            Ok(Auth::Reject {
                proceed_with_methods: None,
                partial_success: false,
            })
        }
    }

    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        _key: &russh::keys::PublicKey,
    ) -> Result<Auth, Self::Error> {
        Ok(Auth::Reject {
            proceed_with_methods: None,
            partial_success: false,
        })
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let line = String::from_utf8_lossy(data).into_owned();
        let reply = self.host.execute(&line).await;
        if !reply.stdout.is_empty() {
            session.data(channel, CryptoVec::from(reply.stdout.into_bytes()))?;
        }
        if !reply.stderr.is_empty() {
            session.extended_data(channel, 1, CryptoVec::from(reply.stderr.into_bytes()))?;
        }
        session.exit_status_request(channel, reply.status)?;
        session.eof(channel)?;
        session.close(channel)?;
        Ok(())
    }
}
