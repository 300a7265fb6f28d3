//! The embedded lab: the seed's two sites (fas2020 at Site 1, fas2050 at Site 2) as a simulated
//! fabric, kept in a state file between runs and served on loopback by the ONTAP REST simulator,
//! so every snapctl command goes through the real REST driver.
//!
//! A run takes the lab's lock (so two snapctl processes never interleave), loads the world from
//! `state.json` (or builds it fresh), starts one [`RestSimulator`] per cluster on 127.0.0.1,
//! connects an [`OntapRestClient`] to each, runs the command, stops the simulators and writes the
//! world back atomically. The state lives in `SNAPCTL_LAB_DIR`, or `snapctl/lab` in the user's
//! data directory.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

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

/// Takes the lab's lock, waiting up to 30 s for another snapctl to finish.
pub async fn lock(dir: &LabDir) -> CliResult<LabLock> {
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
            Ok(()) => return Ok(LabLock { _file: file }),
            Err(TryLockError::WouldBlock) => {
                if start.elapsed() >= LOCK_WAIT {
                    return Err(CliError::new(
                        ErrorKind::Timeout,
                        format!(
                            "another snapctl has held the lab in {} for {}s",
                            dir.root.display(),
                            LOCK_WAIT.as_secs()
                        ),
                    )
                    .with_hint(
                        "if it is `snapctl lab serve`, point snapctl at it with the --config file it \
                         wrote (lab serve --write-config), or stop it with Ctrl-C",
                    ));
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
    let mut value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
    catch_up_clock(&mut value, time::OffsetDateTime::now_utc());
    Fabric::from_json(value).map_err(|e| damaged(e.to_string()))
}

/// Moves the saved world's clock forward to `now`, so that time passes between runs as it does
/// on a real array: transfers started by one command progress before the next, and lag grows.
/// The simulator resumes its clock where it was saved, so this edits the saved clock
/// (`world.wall_at_origin`); a world without that field is left as it is.
fn catch_up_clock(saved: &mut serde_json::Value, now: time::OffsetDateTime) {
    use time::format_description::well_known::Rfc3339;
    let Some(field) = saved.pointer_mut("/world/wall_at_origin") else {
        return;
    };
    let Some(then) = field
        .as_str()
        .and_then(|s| time::OffsetDateTime::parse(s, &Rfc3339).ok())
    else {
        return;
    };
    if now > then {
        if let Ok(s) = now.format(&Rfc3339) {
            *field = serde_json::Value::String(s);
        }
    }
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

/// The lab during one run: its lock, its world, and REST clients to its simulators.
#[derive(Debug)]
pub struct LabRun {
    /// The world.
    pub fabric: Fabric,
    /// The clusters, reached through the REST driver.
    pub backend: Backend,
    dir: LabDir,
    _lock: LabLock,
}

impl LabRun {
    /// Locks and loads the lab, and hands out its clusters.
    pub async fn open(dir: &LabDir) -> CliResult<Self> {
        let lock = lock(dir).await?;
        let fabric = load(dir)?;
        let backend = direct_backend(&fabric)?;
        Ok(Self {
            fabric,
            backend,
            dir: dir.clone(),
            _lock: lock,
        })
    }

    /// Stops the simulators and saves the world.
    pub async fn close(self) -> CliResult<()> {
        save(&self.dir, &self.fabric)
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

/// The lab's clusters as in-process arrays.
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
    async fn time_passes_between_runs() {
        let fabric = Fabric::lab();
        let mut saved = fabric.to_json();
        let later = fabric.now() + time::Duration::hours(2);
        catch_up_clock(&mut saved, later);
        let loaded = Fabric::from_json(saved).unwrap();
        assert!(loaded.now() >= later, "{} < {later}", loaded.now());

        // A clock already ahead (saved on a machine whose clock runs fast) is not turned back.
        let mut saved = loaded.to_json();
        catch_up_clock(&mut saved, time::OffsetDateTime::UNIX_EPOCH);
        assert!(Fabric::from_json(saved).unwrap().now() >= later);
    }

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
