//! The HTTP client: TLS trust as configured, timeouts, keep-alive.
//!
//! A pinned certificate is checked by [`PinnedVerifier`]: the server must present exactly that
//! certificate (and prove it holds the key, as in any handshake); its name and issuer do not
//! matter, which is what a cluster's self-signed certificate needs.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use vrepl_storage::{Error, Result};

use super::config::{RestConfig, TlsMode};

/// Accepts exactly one certificate.
#[derive(Debug)]
pub struct PinnedVerifier {
    der: Vec<u8>,
    provider: Arc<CryptoProvider>,
}

impl PinnedVerifier {
    /// A verifier for this DER certificate.
    pub fn new(der: Vec<u8>, provider: Arc<CryptoProvider>) -> Self {
        Self { der, provider }
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "the server's certificate is not the pinned one".to_string(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn bad_tls(message: String) -> Error {
    Error::InvalidArgument(message)
}

/// Builds the reqwest client for `config`.
pub fn http_client(config: &RestConfig) -> Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_keepalive(Duration::from_secs(60))
        .user_agent(concat!("vrepl-ontap/", env!("CARGO_PKG_VERSION")));
    let builder = match &config.tls {
        TlsMode::PlainHttpForTesting => builder,
        TlsMode::Verify {
            ca_bundle_pem: None,
        } => builder.https_only(true),
        TlsMode::Verify {
            ca_bundle_pem: Some(pem),
        } => {
            let mut roots = rustls::RootCertStore::empty();
            let mut found = 0;
            for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
                let cert = cert.map_err(|e| bad_tls(format!("cannot read the CA bundle: {e}")))?;
                roots.add(cert).map_err(|e| {
                    bad_tls(format!("the CA bundle holds an unusable certificate: {e}"))
                })?;
                found += 1;
            }
            if found == 0 {
                return Err(bad_tls(
                    "the CA bundle holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
                        .to_string(),
                ));
            }
            let tls = rustls::ClientConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()
                .map_err(|e| bad_tls(e.to_string()))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            builder.https_only(true).use_preconfigured_tls(tls)
        }
        TlsMode::PinnedCertificate { der } => {
            let provider = provider();
            let tls = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
                .with_safe_default_protocol_versions()
                .map_err(|e| bad_tls(e.to_string()))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(PinnedVerifier::new(
                    der.clone(),
                    provider,
                )))
                .with_no_client_auth();
            builder.https_only(true).use_preconfigured_tls(tls)
        }
    };
    builder.build().map_err(|e| Error::Transport {
        endpoint: config.endpoint(),
        message: format!("cannot build the HTTP client: {e}"),
        retryable: false,
    })
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads the first certificate of a PEM text as DER, for [`TlsMode::PinnedCertificate`].
pub fn pem_to_der(pem: &[u8]) -> Result<Vec<u8>> {
    rustls_pemfile::certs(&mut &*pem)
        .next()
        .ok_or_else(|| bad_tls("no PEM certificate found".to_string()))?
        .map(|c| c.as_ref().to_vec())
        .map_err(|e| bad_tls(format!("cannot read the PEM certificate: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    #[test]
    fn an_empty_ca_bundle_is_refused_with_the_reason() {
        let c = RestConfig::new(Url::parse("https://x").unwrap(), "admin", "p").with_tls(
            TlsMode::Verify {
                ca_bundle_pem: Some(b"not a certificate".to_vec()),
            },
        );
        let e = http_client(&c).unwrap_err();
        assert!(e.to_string().contains("no PEM certificate"), "{e}");
        assert!(pem_to_der(b"nothing").is_err());
    }
}
