//! The embedded lab: the seed's two sites (fas2020 at Site 1, fas2050 at Site 2) as a simulated
//! fabric, kept in a state file between runs and served on loopback by the ONTAP REST simulator,
//! so every snapctl command goes through the real REST driver.
//!
//! A run takes the lab's lock (so two snapctl processes never interleave), loads the world from
//! `state.json` (or builds it fresh), starts one [`RestSimulator`] per cluster on 127.0.0.1,
//! connects an [`OntapRestClient`] to each, runs the command, stops the simulators and writes the
//! world back atomically. The state lives in `SNAPCTL_LAB_DIR`, or `snapctl/lab` in the user's
//! data directory.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use vrepl_ontap::rest::{pem_to_der, OntapRestClient, RestConfig, TlsMode};
use vrepl_ontap::sim::{RestSimulator, SimServerOptions};
use vrepl_storage::model::ClusterName;
use vrepl_storage::sim::Fabric;
use vrepl_storage::DynArray;

use crate::backend::{Backend, Cluster, ProtectionGroup};
use crate::exit::{CliError, CliResult, ErrorKind};

/// The user the lab's simulators accept.
pub const LAB_USER: &str = "admin";

/// How long a run waits for another snapctl to release the lab.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// Where the lab's state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabDir {
    /// The directory.
    pub root: PathBuf,
}

impl LabDir {
    /// `SNAPCTL_LAB_DIR`, else `snapctl/lab` in the platform's data directory.
    pub fn locate() -> CliResult<Self> {
        if let Some(dir) = std::env::var_os("SNAPCTL_LAB_DIR") {
            return Ok(Self { root: dir.into() });
        }
        dirs::data_dir()
            .map(|d| Self {
                root: d.join("snapctl").join("lab"),
            })
            .ok_or_else(|| {
                CliError::usage("this platform has no data directory for the lab's state")
                    .with_hint("set SNAPCTL_LAB_DIR to a directory snapctl may use")
            })
    }

    /// The world, as JSON.
    pub fn state_file(&self) -> PathBuf {
        self.root.join("state.json")
    }

    fn lock_file(&self) -> PathBuf {
        self.root.join("state.lock")
    }
}

/// The lab's lock, held while a run uses the state file; released when dropped.
#[derive(Debug)]
pub struct LabLock {
    _file: File,
}

/// Takes the lab's lock, waiting up to 30 s for another snapctl to finish. While
/// `snapctl lab serve` holds the lab it fails at once, saying so.
pub async fn lock(dir: &LabDir) -> CliResult<LabLock> {
    match acquire(dir).await? {
        Ok(lock) => Ok(lock),
        Err(marker) => Err(CliError::new(
            ErrorKind::IllegalState,
            format!(
                "the lab in {} is being served by snapctl lab serve (pid {})",
                dir.root.display(),
                marker.pid
            ),
        )
        .with_hint(
            "stop it (Ctrl-C) first; snapctl commands such as show and break work meanwhile",
        )),
    }
}

/// The lab's lock, or, while `snapctl lab serve` holds it, where that serves the lab.
async fn acquire(dir: &LabDir) -> CliResult<Result<LabLock, ServedMarker>> {
    std::fs::create_dir_all(&dir.root).map_err(|e| {
        CliError::new(
            ErrorKind::Failure,
            format!(
                "cannot create the lab directory {}: {e}",
                dir.root.display()
            ),
        )
        .with_hint("set SNAPCTL_LAB_DIR to a directory snapctl may write")
    })?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.lock_file())?;
    let start = tokio::time::Instant::now();
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Ok(LabLock { _file: file })),
            Err(TryLockError::WouldBlock) => {
                if let Some(marker) = read_marker(dir) {
                    return Ok(Err(marker));
                }
                if start.elapsed() >= LOCK_WAIT {
                    return Err(CliError::new(
                        ErrorKind::Timeout,
                        format!(
                            "another snapctl has held the lab in {} for {}s",
                            dir.root.display(),
                            LOCK_WAIT.as_secs()
                        ),
                    )
                    .with_hint("try again when it has finished"));
                }
                if !said {
                    tracing::warn!("waiting for another snapctl to release the lab");
                    said = true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(TryLockError::Error(e)) => {
                return Err(CliError::new(
                    ErrorKind::Failure,
                    format!("cannot lock {}: {e}", dir.lock_file().display()),
                ))
            }
        }
    }
}

/// What `snapctl lab serve` leaves in the lab directory while it runs, so that lab-mode
/// commands use its servers instead of waiting for the lab. Mode 0600: it holds passwords.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServedMarker {
    /// The serving process.
    pub pid: u32,
    /// Its clusters.
    pub clusters: Vec<Endpoint>,
    /// The lab's protection groups.
    pub groups: Vec<ProtectionGroup>,
}

/// How to reach one served cluster.
#[derive(Clone, Serialize, Deserialize)]
pub struct Endpoint {
    /// The cluster.
    pub cluster: ClusterName,
    /// Its site.
    pub site: Option<String>,
    /// Its base URL.
    pub url: String,
    /// The user it accepts.
    pub username: String,
    /// The password it accepts.
    pub password: String,
    /// Its certificate, when it serves TLS.
    pub certificate_pem: Option<String>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("cluster", &self.cluster)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

fn marker_file(dir: &LabDir) -> PathBuf {
    dir.root.join("served.json")
}

fn read_marker(dir: &LabDir) -> Option<ServedMarker> {
    let text = std::fs::read_to_string(marker_file(dir)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Records where `lab serve` serves the lab.
pub fn write_marker(dir: &LabDir, marker: &ServedMarker) -> CliResult<()> {
    let text = serde_json::to_string(marker)
        .map_err(|e| CliError::new(ErrorKind::Failure, e.to_string()))?;
    crate::config::write_private(&marker_file(dir), &text)
}

/// Forgets where `lab serve` served the lab.
pub fn remove_marker(dir: &LabDir) {
    let _ = std::fs::remove_file(marker_file(dir));
}

/// REST clients of served clusters, peered with each other.
pub async fn connect(endpoints: &[Endpoint], groups: Vec<ProtectionGroup>) -> CliResult<Backend> {
    let mut clusters = Vec::new();
    let mut clients = Vec::new();
    for e in endpoints {
        let url = url::Url::parse(&e.url).map_err(|err| {
            CliError::new(
                ErrorKind::Failure,
                format!("the lab serves {} at a bad url {}: {err}", e.cluster, e.url),
            )
        })?;
        let tls = match &e.certificate_pem {
            Some(pem) => TlsMode::PinnedCertificate {
                der: pem_to_der(pem.as_bytes())?,
            },
            None => TlsMode::PlainHttpForTesting,
        };
        let config = RestConfig::new(url, e.username.clone(), e.password.clone()).with_tls(tls);
        let client = OntapRestClient::connect(config).await.map_err(|err| {
            CliError::from(err).context(format!("connecting to the lab's {}", e.cluster))
        })?;
        clients.push(client.clone());
        let array: DynArray = Arc::new(client);
        clusters.push(Cluster {
            name: e.cluster.clone(),
            site: e.site.clone(),
            array,
        });
    }
    crate::connect::peer_all(&clients);
    Ok(Backend {
        clusters,
        groups,
        down: Vec::new(),
    })
}

/// The saved world, or the seed's lab when there is none yet.
pub fn load(dir: &LabDir) -> CliResult<Fabric> {
    let path = dir.state_file();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Fabric::lab()),
        Err(e) => {
            return Err(CliError::new(
                ErrorKind::Failure,
                format!("cannot read the lab state {}: {e}", path.display()),
            ))
        }
    };
    let damaged = |why: String| {
        CliError::new(
            ErrorKind::Failure,
            format!("the lab state {} is damaged: {why}", path.display()),
        )
        .with_hint("snapctl lab reset starts the lab afresh")
    };
    // The simulator's clock catches up with the wall clock on load, so transfers go on and
    // lag grows between commands, as on a real array.
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
    Fabric::from_json(value).map_err(|e| damaged(e.to_string()))
}

/// Writes the world atomically: a temporary file in the same directory, synced, then renamed.
pub fn save(dir: &LabDir, fabric: &Fabric) -> CliResult<()> {
    let path = dir.state_file();
    let tmp = dir
        .root
        .join(format!("state.json.{}.tmp", std::process::id()));
    let write = |p: &Path| -> std::io::Result<()> {
        let mut f = File::create(p)?;
        serde_json::to_writer(&mut f, &fabric.to_json())?;
        f.write_all(b"\n")?;
        f.sync_all()
    };
    write(&tmp)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            CliError::new(
                ErrorKind::Failure,
                format!("cannot save the lab state to {}: {e}", path.display()),
            )
        })
}

/// Deletes the saved world, so the next run starts from the seed's lab.
pub fn reset(dir: &LabDir) -> CliResult<()> {
    match std::fs::remove_file(dir.state_file()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// One cluster served over ONTAP REST.
#[derive(Debug)]
pub struct Served {
    /// The cluster.
    pub cluster: ClusterName,
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    /// The user name it accepts.
    pub username: String,
    /// The password it accepts (made up per run).
    pub password: String,
    /// Its certificate, when serving TLS.
    pub certificate_pem: Option<String>,
    simulator: RestSimulator,
}

impl Served {
    /// How to reach it.
    pub fn endpoint(&self, fabric: &Fabric) -> Endpoint {
        Endpoint {
            cluster: self.cluster.clone(),
            site: site_of(fabric, &self.cluster),
            url: self.url.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            certificate_pem: self.certificate_pem.clone(),
        }
    }

    /// Stops the server.
    pub async fn shutdown(self) {
        self.simulator.shutdown().await;
    }
}

/// The ONTAP release the lab's simulators answer as: `SNAPCTL_LAB_ONTAP_VERSION` (`9.8`,
/// `9.11.1`), else the lab's own (9.16.1). An older release shows what snapctl does against one:
/// before 9.12 a cluster cannot measure what a resync would discard, and before 9.9.1 a reverse
/// resync takes three requests.
fn lab_ontap_version() -> CliResult<Option<(u8, u8, u8)>> {
    const VAR: &str = "SNAPCTL_LAB_ONTAP_VERSION";
    let Some(raw) = std::env::var_os(VAR) else {
        return Ok(None);
    };
    let raw = raw.to_string_lossy();
    let parts: Option<Vec<u8>> = raw.trim().split('.').map(|p| p.parse().ok()).collect();
    match parts.as_deref() {
        Some([9, minor]) => Ok(Some((9, *minor, 0))),
        Some([9, minor, micro]) => Ok(Some((9, *minor, *micro))),
        _ => Err(CliError::usage(format!(
            "{VAR}={raw:?} is not an ONTAP 9 release; write it as 9.8 or 9.11.1"
        ))),
    }
}

/// Starts one REST simulator per cluster. With a fixed port, cluster N listens on port + N.
pub async fn serve(fabric: &Fabric, first: SocketAddr, tls: bool) -> CliResult<Vec<Served>> {
    if !first.ip().is_loopback() {
        return Err(CliError::usage(format!(
            "{first} is not a loopback address; the lab only listens on 127.0.0.1"
        )));
    }
    let version = lab_ontap_version()?;
    let mut served = Vec::new();
    for (i, cluster) in fabric.clusters().into_iter().enumerate() {
        let listen = if first.port() == 0 {
            first
        } else {
            let port = first.port().checked_add(i as u16).ok_or_else(|| {
                CliError::usage(format!(
                    "no port left after {} for cluster {cluster}",
                    first.port()
                ))
            })?;
            SocketAddr::new(first.ip(), port)
        };
        let password = uuid::Uuid::new_v4().simple().to_string();
        let options = SimServerOptions {
            listen,
            tls,
            username: LAB_USER.to_string(),
            password: password.clone(),
            version,
        };
        let sim = RestSimulator::start(fabric.clone(), cluster.as_str(), options)
            .await
            .map_err(|e| {
                CliError::from(e).context(format!("starting the lab's {cluster} on {listen}"))
            })?;
        served.push(Served {
            cluster,
            url: sim.url().to_string(),
            username: LAB_USER.to_string(),
            password,
            certificate_pem: sim.certificate_pem().map(|s| s.to_string()),
            simulator: sim,
        });
    }
    Ok(served)
}

/// The lab during one run: its lock, its world, and REST clients to its simulators; or, while
/// `snapctl lab serve` runs, clients of that process's simulators.
#[derive(Debug)]
pub struct LabRun {
    /// The clusters, reached through the REST driver.
    pub backend: Backend,
    /// The world, when this run holds it (not while `lab serve` does).
    own: Option<(Fabric, LabLock)>,
    served: Vec<Served>,
    dir: LabDir,
}

impl LabRun {
    /// The world, when this run holds it (not while `lab serve` does).
    pub fn fabric(&self) -> Option<&Fabric> {
        self.own.as_ref().map(|(fabric, _)| fabric)
    }

    /// Locks and loads the lab, serves it on loopback, and connects to it.
    pub async fn open(dir: &LabDir) -> CliResult<Self> {
        let lock = match acquire(dir).await? {
            Ok(lock) => lock,
            Err(marker) => {
                tracing::info!(
                    pid = marker.pid,
                    "using the lab served by snapctl lab serve"
                );
                return Ok(Self {
                    backend: connect(&marker.clusters, marker.groups).await?,
                    own: None,
                    served: Vec::new(),
                    dir: dir.clone(),
                });
            }
        };
        let fabric = load(dir)?;
        let served = serve(
            &fabric,
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            false,
        )
        .await?;
        let endpoints: Vec<Endpoint> = served.iter().map(|s| s.endpoint(&fabric)).collect();
        let backend = connect(&endpoints, groups(&fabric)).await?;
        Ok(Self {
            backend,
            own: Some((fabric, lock)),
            served,
            dir: dir.clone(),
        })
    }

    /// Stops the simulators and saves the world.
    pub async fn close(self) -> CliResult<()> {
        for s in self.served {
            s.shutdown().await;
        }
        match self.own {
            Some((fabric, _lock)) => save(&self.dir, &fabric),
            None => Ok(()),
        }
    }
}

/// The site a lab cluster stands at.
pub fn site_of(fabric: &Fabric, cluster: &ClusterName) -> Option<String> {
    fabric
        .topology()
        .clusters
        .iter()
        .find(|c| &c.name == cluster)
        .map(|c| c.site.clone())
}

/// The RPO the lab gives its protection groups (the topology names none).
pub const LAB_RPO: Duration = Duration::from_secs(3600);

/// The lab's protection groups (PG1: RP1, RP2; PG2: RP3, RP4, RP5), each relationship named by
/// the destination that replicates its datastore.
pub fn groups(fabric: &Fabric) -> Vec<ProtectionGroup> {
    let topo = fabric.topology();
    topo.protection_groups
        .iter()
        .map(|g| ProtectionGroup {
            name: g.name.clone(),
            relationships: g
                .datastores
                .iter()
                .filter_map(|d| topo.datastore(d).and_then(|d| d.replica.as_ref()))
                .map(|r| r.to_string())
                .collect(),
            datastores: g.datastores.clone(),
            rpo: Some(LAB_RPO),
        })
        .collect()
}

/// The lab's clusters as in-process arrays, for what stands in for VMs and hosts (`lab write`),
/// which act on the fabric rather than through an array's API.
pub fn direct_backend(fabric: &Fabric) -> CliResult<Backend> {
    let mut clusters = Vec::new();
    for name in fabric.clusters() {
        let array: DynArray = Arc::new(fabric.array(name.as_str())?);
        clusters.push(Cluster {
            site: site_of(fabric, &name),
            name,
            array,
        });
    }
    Ok(Backend {
        clusters,
        groups: groups(fabric),
        down: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_state_survives_a_save_and_load() {
        let dir = tempfile::tempdir().unwrap();
        let lab = LabDir {
            root: dir.path().to_path_buf(),
        };
        let _lock = lock(&lab).await.unwrap();
        let fabric = load(&lab).unwrap();
        fabric.set_bandwidth(12345);
        save(&lab, &fabric).unwrap();
        let again = load(&lab).unwrap();
        assert_eq!(again.to_json()["world"]["bandwidth"], 12345);
        std::fs::write(lab.state_file(), "{ not json").unwrap();
        let e = load(&lab).unwrap_err();
        assert!(e.message.contains("damaged"), "{}", e.message);
        assert!(e.hint.unwrap().contains("lab reset"));
    }
}
