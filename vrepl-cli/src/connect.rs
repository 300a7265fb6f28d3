//! From a `[[cluster]]` table to a connected REST client: credentials, TLS trust, timeouts.

use std::sync::Arc;
use std::time::Duration;

use vrepl_ontap::rest::{pem_to_der, OntapRestClient, RestConfig, TlsMode};
use vrepl_storage::StorageArray;

use crate::config::ClusterConfig;
use crate::exit::{CliError, CliResult};

/// Connects to one configured cluster (which reads its name and release, proving the URL,
/// the credentials and the TLS trust).
pub async fn connect(c: &ClusterConfig) -> CliResult<OntapRestClient> {
    let creds = c.credentials()?;
    let url = url::Url::parse(&c.url).map_err(|e| {
        CliError::usage(format!("cluster {}: invalid url {:?}: {e}", c.name, c.url))
    })?;
    let tls = tls_mode(c, &url)?;
    let mut config = RestConfig::new(url, creds.username, creds.password).with_tls(tls);
    // An admin in an outage wants a fast "cannot reach", not a long hang.
    config.connect_timeout = Duration::from_secs(5);
    let client = OntapRestClient::connect(config)
        .await
        .map_err(CliError::from)?;
    if client.cluster().as_str() != c.name {
        tracing::warn!(
            configured = %c.name,
            actual = %client.cluster(),
            "the cluster at this url calls itself by another name"
        );
    }
    Ok(client)
}

/// Peers every client with the others, so resync previews can read the source's snapshots.
pub fn peer_all(clients: &[OntapRestClient]) {
    for a in clients {
        for b in clients {
            if a.cluster() != b.cluster() {
                a.add_peer(b);
            }
        }
    }
}

/// The array handle commands use.
pub fn into_array(client: OntapRestClient) -> vrepl_storage::DynArray {
    Arc::new(client)
}

fn tls_mode(c: &ClusterConfig, url: &url::Url) -> CliResult<TlsMode> {
    let read = |p: &std::path::Path, what: &str| {
        std::fs::read(p).map_err(|e| {
            CliError::usage(format!(
                "cluster {}: cannot read {what} {}: {e}",
                c.name,
                p.display()
            ))
        })
    };
    if url.scheme() == "http" {
        return Ok(TlsMode::PlainHttpForTesting);
    }
    if let Some(p) = &c.pinned_cert {
        let der = pem_to_der(&read(p, "pinned certificate")?)
            .map_err(|e| CliError::from(e).context(format!("cluster {}: pinned_cert", c.name)))?;
        return Ok(TlsMode::PinnedCertificate { der });
    }
    Ok(TlsMode::Verify {
        ca_bundle_pem: c
            .ca_file
            .as_deref()
            .map(|p| read(p, "CA file"))
            .transpose()?,
    })
}
