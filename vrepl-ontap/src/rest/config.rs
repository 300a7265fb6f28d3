//! How to reach one cluster: its URL, the credentials, TLS trust and the time limits.

use std::fmt;
use std::time::Duration;

use url::Url;
use vrepl_storage::{Error, Result};

/// A password that never prints: `Debug` and `Display` show `****`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a password.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The password itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

/// Which server certificates to trust.
#[derive(Clone, PartialEq, Eq)]
pub enum TlsMode {
    /// Verify the server's chain and name: against the PEM bundle given, or the public web roots
    /// when `None`.
    Verify {
        /// Trust anchors in PEM (the cluster's own self-signed certificate works here).
        ca_bundle_pem: Option<Vec<u8>>,
    },
    /// Accept exactly this certificate (DER) and nothing else, whatever its name or issuer.
    PinnedCertificate {
        /// The server's certificate, DER encoded.
        der: Vec<u8>,
    },
    /// Talk plain `http://` (simulators in tests only): credentials cross the wire unencrypted.
    PlainHttpForTesting,
}

impl Default for TlsMode {
    fn default() -> Self {
        Self::Verify {
            ca_bundle_pem: None,
        }
    }
}

impl fmt::Debug for TlsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Verify { ca_bundle_pem } => f
                .debug_struct("Verify")
                .field(
                    "ca_bundle_pem",
                    &ca_bundle_pem.as_ref().map(|b| format!("{} bytes", b.len())),
                )
                .finish(),
            Self::PinnedCertificate { der } => f
                .debug_struct("PinnedCertificate")
                .field("der", &format!("{} bytes", der.len()))
                .finish(),
            Self::PlainHttpForTesting => f.write_str("PlainHttpForTesting"),
        }
    }
}

/// Everything needed to talk to one cluster's REST API.
#[derive(Clone, Debug)]
pub struct RestConfig {
    /// `https://cluster-mgmt` (the `/api` prefix is added by the client).
    pub base_url: Url,
    /// The ONTAP user (cluster admin, so `/api/cluster` is readable).
    pub username: String,
    /// Its password.
    pub password: Secret,
    /// Which certificates to trust.
    pub tls: TlsMode,
    /// Limit on establishing a TCP + TLS connection.
    pub connect_timeout: Duration,
    /// Limit on one HTTP request and its answer.
    pub request_timeout: Duration,
    /// Limit on waiting for an asynchronous job (and the relationship change it starts).
    pub job_timeout: Duration,
}

impl RestConfig {
    /// A configuration with TLS verification against the public roots, a 10 s connect timeout,
    /// a 60 s request timeout and a 10 min job timeout.
    pub fn new(base_url: Url, username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Self {
            base_url,
            username: username.into(),
            password: password.into(),
            tls: TlsMode::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            job_timeout: Duration::from_secs(600),
        }
    }

    /// The same configuration with another TLS mode.
    pub fn with_tls(mut self, tls: TlsMode) -> Self {
        self.tls = tls;
        self
    }

    /// Refuses configurations that would leak credentials or cannot work.
    pub(crate) fn validate(&self) -> Result<()> {
        match (self.base_url.scheme(), &self.tls) {
            ("https", TlsMode::PlainHttpForTesting) => Err(Error::InvalidArgument(format!(
                "{} is https but TLS mode is PlainHttpForTesting; use http:// for a plain-HTTP simulator or choose a verifying TLS mode",
                self.base_url
            ))),
            ("https", _) | ("http", TlsMode::PlainHttpForTesting) => Ok(()),
            ("http", _) => Err(Error::InvalidArgument(format!(
                "refusing plain HTTP to {}: the password would cross the network unencrypted; use https://, or set tls to TlsMode::PlainHttpForTesting for a local simulator",
                self.base_url
            ))),
            (other, _) => Err(Error::InvalidArgument(format!(
                "unsupported URL scheme {other:?} in {}; use https://",
                self.base_url
            ))),
        }?;
        if self.base_url.host_str().is_none() {
            return Err(Error::InvalidArgument(format!(
                "{} names no host",
                self.base_url
            )));
        }
        Ok(())
    }

    /// `host[:port]`, for messages.
    pub(crate) fn endpoint(&self) -> String {
        let host = self.base_url.host_str().unwrap_or("?");
        match self.base_url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> RestConfig {
        RestConfig::new(Url::parse(url).unwrap(), "admin", "netapp1!")
    }

    #[test]
    fn password_never_prints() {
        let c = config("https://fas2050.example");
        let debug = format!("{c:?}");
        assert!(!debug.contains("netapp1!"), "{debug}");
        assert!(debug.contains("****"), "{debug}");
        assert_eq!(c.password.to_string(), "****");
        assert_eq!(c.password.expose(), "netapp1!");
    }

    #[test]
    fn plain_http_needs_explicit_opt_in() {
        let err = config("http://127.0.0.1:8080").validate().unwrap_err();
        assert!(err.to_string().contains("PlainHttpForTesting"), "{err}");
        assert!(config("http://127.0.0.1:8080")
            .with_tls(TlsMode::PlainHttpForTesting)
            .validate()
            .is_ok());
        assert!(config("https://127.0.0.1")
            .with_tls(TlsMode::PlainHttpForTesting)
            .validate()
            .is_err());
        assert!(config("ftp://x").validate().is_err());
        assert!(config("https://fas2050").validate().is_ok());
    }

    #[test]
    fn defaults_verify_tls_and_bound_waits() {
        let c = config("https://fas2050");
        assert_eq!(
            c.tls,
            TlsMode::Verify {
                ca_bundle_pem: None
            }
        );
        assert!(c.connect_timeout < c.request_timeout && c.request_timeout < c.job_timeout);
        assert_eq!(c.endpoint(), "fas2050");
    }
}
