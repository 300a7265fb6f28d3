//! [`EsxcliHost`]: the [`EsxHost`] implementation that runs esxcli and the `esxcfg-*` tools on
//! the host over SSH.
//!
//! The host's version is read once (`vmware -v`) and decides the dialect:
//!
//! | | ESX 3.x | ESX 4.x | ESXi 5.0 and later |
//! |---|---|---|---|
//! | options | `esxcfg-advcfg -g/-s` | `esxcfg-advcfg -g/-s` | `esxcli system settings advanced list/set` (LVM snapshot options refused) |
//! | listings | `esxcfg-mpath -a/-l`, `esxcfg-vmhbadevs -m`, `ls -l /vmfs/volumes` | `esxcfg-scsidevs -a/-c/-m` | `esxcli --formatter=csv storage …` |
//! | rescan | `esxcfg-rescan vmhbaN`, `vmkfstools -V` | same | `esxcli storage core adapter rescan --all`, `esxcli storage filesystem rescan` |
//! | snapshot volumes | by the LVM options on rescan | `esxcfg-volume -l/-m/-M/-r/-u` | `esxcli storage vmfs snapshot list/mount/resignature` |
//! | NFS | `esxcfg-nas -a/-d/-l` | same (`-y` read-only) | `esxcli storage nfs add/remove/list` |
//!
//! Lists are read with `--formatter=csv` on ESXi, whose columns are matched by name.
//!
//! Fail RP1 over to a Site 2 host of the simulated lab, over SSH:
//!
//! ```
//! use vrepl_esx::esxcli::{Credentials, HostKeyPolicy, Secret, SshConfig};
//! use vrepl_esx::host::{mount_copy, DatastoreName, DatastorePath, Resolution};
//! use vrepl_esx::sim::{EmulatedHost, SshServer};
//! use vrepl_esx::{EsxHost, EsxcliHost};
//! use vrepl_storage::mirror::OnTransfer;
//! use vrepl_storage::model::VolumePath;
//! use vrepl_storage::sim::Fabric;
//! use vrepl_storage::MirrorControl;
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fabric = Fabric::lab();
//! let server = SshServer::start(EmulatedHost::from_lab(&fabric, "site2-esx1")?, "root", "pw").await?;
//! let known_hosts = tempfile::NamedTempFile::new()?;
//! std::fs::write(known_hosts.path(), server.known_hosts_line())?;
//!
//! let mut config = SshConfig::new("127.0.0.1", Credentials::Password(Secret::new("pw")));
//! config.port = server.port();
//! config.host_keys = HostKeyPolicy::known_hosts(known_hosts.path());
//! let esx = EsxcliHost::connect(config);
//!
//! let sm = VolumePath::parse("fas2050upper:RG1FV1_SM")?;
//! fabric.array("fas2050")?.break_off(&sm, OnTransfer::Wait).await?;
//! let rp1 = DatastoreName::new("RP1")?;
//! let fs = mount_copy(&esx, &rp1, Resolution::KeepSignature).await?;
//! assert_eq!(fs.volume_name, "RP1");
//! let vms = esx.list_datastore(&rp1, &DatastorePath::root()).await?;
//! assert!(vms.iter().any(|e| e.name == "HR-App1"));
//! # Ok(())
//! # }
//! ```

mod command;
mod parse;
mod runner;
mod ssh;

use async_trait::async_trait;
use tokio::sync::OnceCell;

pub use command::{quote, CommandLine};
pub use runner::{CommandRunner, Output};
pub use ssh::{Credentials, HostKeyPolicy, Secret, SshConfig, SshRunner};

use crate::error::{EsxError, Result};
use crate::host::{
    Adapter, AdvancedOption, DatastoreName, DatastorePath, Device, DirEntry, EsxHost, EsxVersion,
    Filesystem, NfsDatastore, NfsMount, OptionPath, Persistence, UnresolvedVolume, VolumeRef,
};

/// An ESX host driven through its shell.
#[derive(Debug)]
pub struct EsxcliHost<R: CommandRunner = SshRunner> {
    runner: R,
    version: OnceCell<EsxVersion>,
}

impl EsxcliHost<SshRunner> {
    /// A host reached over SSH; the connection is made on first use and then reused.
    pub fn connect(config: SshConfig) -> Self {
        Self::new(SshRunner::new(config))
    }
}

const NO_SUCH_SNAPSHOT: &str = "No unresolved VMFS snapshots";

impl<R: CommandRunner> EsxcliHost<R> {
    /// A host reached through `runner`.
    pub fn new(runner: R) -> Self {
        Self {
            runner,
            version: OnceCell::new(),
        }
    }

    fn host(&self) -> String {
        self.runner.endpoint().to_string()
    }

    async fn detected(&self) -> Result<&EsxVersion> {
        self.version
            .get_or_try_init(|| async {
                let cmd = CommandLine::new(&["vmware", "-v"]);
                let out = self.exec_ok(&cmd).await?;
                let v = EsxVersion::parse(&out)
                    .ok_or_else(|| self.unparseable(&cmd, "no version in the output"))?;
                tracing::debug!(host = %self.host(), version = %v, "detected ESX version");
                Ok(v)
            })
            .await
    }

    async fn exec(&self, cmd: &CommandLine) -> Result<Output> {
        let cmd = cmd.clone().checked()?;
        self.runner.run(&cmd).await
    }

    async fn exec_ok(&self, cmd: &CommandLine) -> Result<String> {
        let out = self.exec(cmd).await?;
        if out.status != 0 {
            return Err(EsxError::CommandFailed {
                host: self.host(),
                command: cmd.to_string(),
                status: out.status,
                output: out.text(),
            });
        }
        Ok(out.stdout)
    }

    async fn exec_parsed<T>(
        &self,
        cmd: &CommandLine,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T> {
        let out = self.exec_ok(cmd).await?;
        parse(&out).map_err(|m| self.unparseable(cmd, m))
    }

    fn unparseable(&self, cmd: &CommandLine, message: impl Into<String>) -> EsxError {
        EsxError::Unparseable {
            host: self.host(),
            command: cmd.to_string(),
            message: message.into(),
        }
    }

    fn unsupported(&self, v: &EsxVersion, what: impl Into<String>, hint: &str) -> EsxError {
        EsxError::Unsupported {
            host: self.host(),
            version: v.to_string(),
            what: what.into(),
            hint: hint.to_string(),
        }
    }

    fn esxcli_csv(words: &[&'static str]) -> CommandLine {
        let mut all = vec!["esxcli", "--formatter=csv"];
        all.extend_from_slice(words);
        CommandLine::new(&all)
    }

    /// ESX 3.x has no per-volume tool: the LVM options decide on rescan.
    fn require_esxcfg_volume(&self, v: &EsxVersion, what: &str) -> Result<()> {
        if v.has_esxcfg_volume() {
            return Ok(());
        }
        Err(self.unsupported(
            v,
            what,
            "ESX 3.x resolves snapshot LUNs only on rescan, by its host-wide options: set /LVM/DisallowSnapshotLun to 0 to mount copies under their original names (only where the originals are not visible), or /LVM/EnableResignature to 1 to resignature them, then rescan",
        ))
    }

    fn snapshot_target(cmd: CommandLine, volume: &VolumeRef) -> CommandLine {
        match volume {
            VolumeRef::Label(l) => cmd.flag("-l").arg(l),
            VolumeRef::Uuid(u) => cmd.flag("-u").arg(u),
        }
    }

    /// Finds the unresolved volume and refuses early, in ESXi's words, when it cannot be mounted.
    async fn unresolved(&self, volume: &VolumeRef) -> Result<UnresolvedVolume> {
        let found = self
            .unresolved_volumes()
            .await?
            .into_iter()
            .find(|u| match volume {
                VolumeRef::Label(l) => u.label == l.as_str(),
                VolumeRef::Uuid(id) => &u.uuid == id,
            });
        found.ok_or_else(|| EsxError::NotFound {
            host: self.host(),
            kind: "unresolved VMFS volume",
            name: volume.to_string(),
            detail: Some("rescan after presenting the LUN; a LUN of a SnapMirror destination shows no VMFS until the mirror is broken".into()),
        })
    }

    fn snapshot_failure(&self, volume: &VolumeRef, out: &Output) -> EsxError {
        let text = out.text();
        if text.contains(NO_SUCH_SNAPSHOT) {
            EsxError::NotFound {
                host: self.host(),
                kind: "unresolved VMFS volume",
                name: volume.to_string(),
                detail: Some(text),
            }
        } else {
            EsxError::MountRefused {
                host: self.host(),
                volume: volume.to_string(),
                reason: text,
            }
        }
    }

    fn datastore_path(datastore: &DatastoreName, path: &DatastorePath) -> String {
        if path.as_str().is_empty() {
            format!("/vmfs/volumes/{datastore}")
        } else {
            format!("/vmfs/volumes/{datastore}/{path}")
        }
    }
}

#[async_trait]
impl<R: CommandRunner> EsxHost for EsxcliHost<R> {
    fn endpoint(&self) -> &str {
        self.runner.endpoint()
    }

    async fn version(&self) -> Result<EsxVersion> {
        self.detected().await.cloned()
    }

    async fn advanced_option(&self, path: &OptionPath) -> Result<AdvancedOption> {
        let v = self.detected().await?;
        let cmd = if v.is_legacy() {
            CommandLine::new(&["esxcfg-advcfg", "-g"]).arg(path)
        } else {
            Self::esxcli_csv(&["system", "settings", "advanced", "list"])
                .flag("-o")
                .arg(path)
        };
        let out = self.exec(&cmd).await?;
        let not_found = || EsxError::NotFound {
            host: self.host(),
            kind: "advanced option",
            name: path.to_string(),
            detail: Some(out.text()).filter(|t| !t.is_empty()),
        };
        if out.status != 0 {
            return Err(not_found());
        }
        if v.is_legacy() {
            let value = parse::advcfg_value(&out.stdout).ok_or_else(not_found)?;
            return Ok(AdvancedOption {
                path: path.clone(),
                value,
                default: None,
                range: None,
                description: None,
            });
        }
        parse::advanced_option(&out.stdout, path).map_err(|m| self.unparseable(&cmd, m))
    }

    async fn set_advanced_option(&self, path: &OptionPath, value: i64) -> Result<()> {
        let v = self.detected().await?.clone();
        if !v.is_legacy() && path.is_lvm_snapshot_option() {
            return Err(self.unsupported(
                &v,
                format!("set {path}"),
                "since ESXi 5.0 snapshot volumes are resolved one at a time: list them (esxcli storage vmfs snapshot list), then mount each keeping its signature or resignature it; the host-wide LVM options are deprecated and would act on every snapshot LUN the host sees",
            ));
        }
        let current = self.advanced_option(path).await?;
        if let Some((min, max)) = current.range {
            if !(min..=max).contains(&value) {
                return Err(EsxError::InvalidArgument {
                    what: "option value",
                    value: format!("{path} = {value}"),
                    rule: "outside the range the host gives for this option",
                });
            }
        }
        if current.value == value {
            tracing::debug!(host = %self.host(), %path, value, "option already set");
            return Ok(());
        }
        if v.is_legacy() {
            let cmd = CommandLine::new(&["esxcfg-advcfg", "-s"])
                .arg(value)
                .arg(path);
            let out = self.exec_ok(&cmd).await?;
            if parse::advcfg_value(&out) != Some(value) {
                return Err(self.unparseable(
                    &cmd,
                    format!("expected `Value of {} is {value}`", path.name()),
                ));
            }
        } else {
            let cmd = CommandLine::new(&["esxcli", "system", "settings", "advanced", "set"])
                .flag("-o")
                .arg(path)
                .flag("-i")
                .arg(value);
            self.exec_ok(&cmd).await?;
        }
        tracing::info!(host = %self.host(), %path, from = current.value, to = value, "advanced option set");
        Ok(())
    }

    async fn rescan_all_hbas(&self) -> Result<()> {
        let v = self.detected().await?;
        if v.is_legacy() {
            for adapter in self.adapters().await? {
                if adapter.uid.starts_with("fc.") || adapter.uid.starts_with("iqn.") {
                    self.exec_ok(&CommandLine::new(&["esxcfg-rescan"]).arg(&adapter.name))
                        .await?;
                }
            }
            return Ok(());
        }
        self.exec_ok(&CommandLine::new(&[
            "esxcli", "storage", "core", "adapter", "rescan", "--all",
        ]))
        .await
        .map(drop)
    }

    async fn rescan_vmfs(&self) -> Result<()> {
        let cmd = if self.detected().await?.is_legacy() {
            CommandLine::new(&["vmkfstools", "-V"])
        } else {
            CommandLine::new(&["esxcli", "storage", "filesystem", "rescan"])
        };
        self.exec_ok(&cmd).await.map(drop)
    }

    async fn adapters(&self) -> Result<Vec<Adapter>> {
        let v = self.detected().await?;
        if v.release.0 < 4 {
            let cmd = CommandLine::new(&["esxcfg-mpath", "-a"]);
            return self.exec_parsed(&cmd, parse::esx3_adapters).await;
        }
        if v.is_legacy() {
            let cmd = CommandLine::new(&["esxcfg-scsidevs", "-a"]);
            return self.exec_parsed(&cmd, parse::legacy_adapters).await;
        }
        let cmd = Self::esxcli_csv(&["storage", "core", "adapter", "list"]);
        self.exec_parsed(&cmd, parse::adapters).await
    }

    async fn devices(&self) -> Result<Vec<Device>> {
        let v = self.detected().await?;
        if v.release.0 < 4 {
            let cmd = CommandLine::new(&["esxcfg-mpath", "-l"]);
            return self.exec_parsed(&cmd, parse::esx3_devices).await;
        }
        if v.is_legacy() {
            let cmd = CommandLine::new(&["esxcfg-scsidevs", "-c"]);
            return self.exec_parsed(&cmd, parse::legacy_devices).await;
        }
        let cmd = Self::esxcli_csv(&["storage", "core", "device", "list"]);
        self.exec_parsed(&cmd, parse::devices).await
    }

    async fn filesystems(&self) -> Result<Vec<Filesystem>> {
        let v = self.detected().await?;
        if v.is_legacy() {
            let mut all = if v.release.0 < 4 {
                let cmd = CommandLine::new(&["esxcfg-vmhbadevs", "-m"]);
                let devs = self.exec_ok(&cmd).await?;
                let ls = CommandLine::new(&["ls", "-l", "/vmfs/volumes"]);
                let links = self.exec_ok(&ls).await?;
                parse::esx3_mounts(&devs, &links).map_err(|m| self.unparseable(&cmd, m))?
            } else {
                let cmd = CommandLine::new(&["esxcfg-scsidevs", "-m"]);
                self.exec_parsed(&cmd, |t| parse::legacy_mounts(t, "VMFS-3"))
                    .await?
            };
            all.extend(
                self.nfs_datastores()
                    .await?
                    .into_iter()
                    .map(|n| Filesystem {
                        mount_point: format!("/vmfs/volumes/{}", n.name),
                        volume_name: n.name,
                        uuid: String::new(),
                        mounted: n.mounted,
                        fs_type: "NFS".into(),
                        size_bytes: None,
                        free_bytes: None,
                    }),
            );
            return Ok(all);
        }
        let cmd = Self::esxcli_csv(&["storage", "filesystem", "list"]);
        self.exec_parsed(&cmd, parse::filesystems).await
    }

    async fn unresolved_volumes(&self) -> Result<Vec<UnresolvedVolume>> {
        let v = self.detected().await?;
        if v.is_legacy() {
            self.require_esxcfg_volume(v, "list unresolved VMFS volumes")?;
            let cmd = CommandLine::new(&["esxcfg-volume", "-l"]);
            return self.exec_parsed(&cmd, parse::legacy_volumes).await;
        }
        let cmd = Self::esxcli_csv(&["storage", "vmfs", "snapshot", "list"]);
        self.exec_parsed(&cmd, parse::unresolved).await
    }

    async fn mount_snapshot(&self, volume: &VolumeRef, persistence: Persistence) -> Result<()> {
        let v = self.detected().await?.clone();
        if v.is_legacy() {
            self.require_esxcfg_volume(&v, "force-mount a snapshot volume")?;
        }
        let found = self.unresolved(volume).await?;
        if !found.can_mount {
            return Err(EsxError::MountRefused {
                host: self.host(),
                volume: volume.to_string(),
                reason: found
                    .mount_blocker
                    .unwrap_or_else(|| "the host says it cannot be mounted".into()),
            });
        }
        let cmd = if v.is_legacy() {
            let flag = match persistence {
                Persistence::Persistent => "-M",
                Persistence::UntilReboot => "-m",
            };
            CommandLine::new(&["esxcfg-volume"]).flag(flag).arg(volume)
        } else {
            let mut cmd = CommandLine::new(&["esxcli", "storage", "vmfs", "snapshot", "mount"]);
            if persistence == Persistence::UntilReboot {
                cmd = cmd.flag("-n");
            }
            Self::snapshot_target(cmd, volume)
        };
        let out = self.exec(&cmd).await?;
        if out.status != 0 {
            return Err(self.snapshot_failure(volume, &out));
        }
        tracing::info!(host = %self.host(), %volume, "snapshot volume mounted keeping its signature");
        Ok(())
    }

    async fn resignature_snapshot(&self, volume: &VolumeRef) -> Result<Filesystem> {
        let v = self.detected().await?.clone();
        if v.is_legacy() {
            self.require_esxcfg_volume(&v, "resignature a snapshot volume")?;
        }
        let found = self.unresolved(volume).await?;
        if !found.can_resignature {
            return Err(EsxError::MountRefused {
                host: self.host(),
                volume: volume.to_string(),
                reason: found
                    .resignature_blocker
                    .unwrap_or_else(|| "the host says it cannot be resignatured".into()),
            });
        }
        let before: Vec<String> = self
            .filesystems()
            .await?
            .into_iter()
            .map(|f| f.uuid)
            .collect();
        let cmd = if v.is_legacy() {
            CommandLine::new(&["esxcfg-volume", "-r"]).arg(volume)
        } else {
            Self::snapshot_target(
                CommandLine::new(&["esxcli", "storage", "vmfs", "snapshot", "resignature"]),
                volume,
            )
        };
        let out = self.exec(&cmd).await?;
        if out.status != 0 {
            return Err(self.snapshot_failure(volume, &out));
        }
        let suffix = format!("-{}", found.label);
        let new = self.filesystems().await?.into_iter().find(|f| {
            !before.contains(&f.uuid)
                && f.volume_name.starts_with("snap-")
                && f.volume_name.ends_with(&suffix)
        });
        let new = new.ok_or_else(|| {
            self.unparseable(
                &cmd,
                "the resignatured volume does not show among the mounted filesystems",
            )
        })?;
        tracing::info!(host = %self.host(), %volume, new = %new.volume_name, "snapshot volume resignatured");
        Ok(new)
    }

    async fn unmount_vmfs(&self, name: &DatastoreName) -> Result<()> {
        let v = self.detected().await?.clone();
        if v.is_legacy() {
            self.require_esxcfg_volume(&v, "unmount a VMFS volume")?;
        }
        let mounted = self
            .filesystems()
            .await?
            .into_iter()
            .any(|f| f.is_vmfs() && f.mounted && f.volume_name == name.as_str());
        if !mounted {
            return Err(EsxError::NotFound {
                host: self.host(),
                kind: "mounted VMFS datastore",
                name: name.to_string(),
                detail: None,
            });
        }
        let cmd = if v.is_legacy() {
            CommandLine::new(&["esxcfg-volume", "-u"]).arg(name)
        } else {
            CommandLine::new(&["esxcli", "storage", "filesystem", "unmount"])
                .flag("-l")
                .arg(name)
        };
        self.exec_ok(&cmd).await.map(drop)
    }

    async fn mount_vmfs(&self, name: &DatastoreName) -> Result<()> {
        let v = self.detected().await?.clone();
        if v.is_legacy() {
            return Err(self.unsupported(
                &v,
                "mount an unmounted VMFS volume again",
                "ESX 3.x/4.x has no command that mounts an original VMFS volume again (esxcfg-volume -m mounts copies only): mount it from the vSphere Client, or instead of unmounting take the LUN away from the host (unmap it and rescan) and map it back",
            ));
        }
        let known: Vec<Filesystem> = self
            .filesystems()
            .await?
            .into_iter()
            .filter(|f| f.is_vmfs() && f.volume_name == name.as_str())
            .collect();
        if known.iter().any(|f| f.mounted) {
            tracing::info!(host = %self.host(), %name, "VMFS datastore already mounted");
            return Ok(());
        }
        if known.is_empty() {
            return Err(EsxError::NotFound {
                host: self.host(),
                kind: "VMFS volume",
                name: name.to_string(),
                detail: Some(
                    "the host lists no mounted or unmounted VMFS volume with this label; rescan if its LUN was just mapped".into(),
                ),
            });
        }
        let cmd = CommandLine::new(&["esxcli", "storage", "filesystem", "mount"])
            .flag("-l")
            .arg(name);
        self.exec_ok(&cmd).await?;
        tracing::info!(host = %self.host(), %name, "VMFS datastore mounted again");
        Ok(())
    }

    async fn nfs_datastores(&self) -> Result<Vec<NfsDatastore>> {
        if self.detected().await?.is_legacy() {
            let cmd = CommandLine::new(&["esxcfg-nas", "-l"]);
            return self.exec_parsed(&cmd, parse::legacy_nas).await;
        }
        let cmd = Self::esxcli_csv(&["storage", "nfs", "list"]);
        self.exec_parsed(&cmd, parse::nfs).await
    }

    async fn mount_nfs(&self, mount: &NfsMount) -> Result<()> {
        let v = self.detected().await?.clone();
        let existing = self
            .nfs_datastores()
            .await?
            .into_iter()
            .find(|n| n.name == mount.name.as_str());
        if let Some(n) = existing {
            if n.host == mount.server.as_str() && n.share == mount.share.as_str() {
                tracing::info!(host = %self.host(), name = %mount.name, "NFS datastore already mounted");
                return Ok(());
            }
            return Err(EsxError::MountRefused {
                host: self.host(),
                volume: format!("{}:{}", mount.server, mount.share),
                reason: format!(
                    "a datastore named {} is already mounted from {}:{}",
                    n.name, n.host, n.share
                ),
            });
        }
        let cmd = if v.is_legacy() {
            let mut cmd = CommandLine::new(&["esxcfg-nas", "-a", "-o"])
                .arg(&mount.server)
                .flag("-s")
                .arg(&mount.share);
            if mount.read_only {
                if v.release.0 < 4 {
                    return Err(self.unsupported(
                        &v,
                        "mount an NFS datastore read-only",
                        "ESX 3.x mounts NFS read-write only; export the volume read-only on the array instead",
                    ));
                }
                cmd = cmd.flag("-y");
            }
            cmd.arg(&mount.name)
        } else {
            let mut cmd = CommandLine::new(&["esxcli", "storage", "nfs", "add", "-H"])
                .arg(&mount.server)
                .flag("-s")
                .arg(&mount.share)
                .flag("-v")
                .arg(&mount.name);
            if mount.read_only {
                cmd = cmd.flag("-r");
            }
            cmd
        };
        let out = self.exec(&cmd).await?;
        if out.status != 0 {
            return Err(EsxError::MountRefused {
                host: self.host(),
                volume: format!("{}:{}", mount.server, mount.share),
                reason: out.text(),
            });
        }
        tracing::info!(host = %self.host(), name = %mount.name, server = %mount.server, share = %mount.share, "NFS datastore mounted");
        Ok(())
    }

    async fn unmount_nfs(&self, name: &DatastoreName) -> Result<()> {
        let known = self
            .nfs_datastores()
            .await?
            .into_iter()
            .any(|n| n.name == name.as_str());
        if !known {
            return Err(EsxError::NotFound {
                host: self.host(),
                kind: "NFS datastore",
                name: name.to_string(),
                detail: None,
            });
        }
        let cmd = if self.detected().await?.is_legacy() {
            CommandLine::new(&["esxcfg-nas", "-d"]).arg(name)
        } else {
            CommandLine::new(&["esxcli", "storage", "nfs", "remove", "-v"]).arg(name)
        };
        self.exec_ok(&cmd).await.map(drop)
    }

    async fn list_datastore(
        &self,
        datastore: &DatastoreName,
        dir: &DatastorePath,
    ) -> Result<Vec<DirEntry>> {
        let path = Self::datastore_path(datastore, dir);
        let cmd = CommandLine::new(&["ls", "-1p"]).arg(&path);
        let out = self.exec(&cmd).await?;
        if out.status != 0 {
            return Err(EsxError::NotFound {
                host: self.host(),
                kind: "datastore path",
                name: path,
                detail: Some(out.text()),
            });
        }
        Ok(parse::ls_entries(&out.stdout))
    }

    async fn read_datastore_file(
        &self,
        datastore: &DatastoreName,
        file: &DatastorePath,
    ) -> Result<Vec<u8>> {
        let path = Self::datastore_path(datastore, file);
        let out = self.exec(&CommandLine::new(&["cat"]).arg(&path)).await?;
        if out.status != 0 {
            return Err(EsxError::NotFound {
                host: self.host(),
                kind: "datastore file",
                name: path,
                detail: Some(out.text()),
            });
        }
        Ok(out.stdout.into_bytes())
    }
}

#[cfg(test)]
mod tests;
