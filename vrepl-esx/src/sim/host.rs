//! [`EmulatedHost`]: one ESX host on the simulated fabric. It sees LUNs through its HBAs'
//! WWPNs (only as of its last rescan), decides which VMFS volumes are originals and which are
//! copies, mounts NFS exports, and runs the command lines an SSH client sends.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use vrepl_storage::model::Initiator;
use vrepl_storage::sim::{Fabric, VmfsHeader};

use super::state::{HostConfig, HostState, SeenLun, VmfsMount};
use super::{esxcli, files, legacy, shell};
use crate::error::{EsxError, Result};

/// What a command printed, and its exit status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// Exit status.
    pub status: u32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Reply {
    /// Success with this output.
    pub fn ok(stdout: impl Into<String>) -> Self {
        Self {
            status: 0,
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    /// Failure with this message on standard error (a newline is added if missing).
    pub fn fail(status: u32, message: impl Into<String>) -> Self {
        let mut stderr = message.into();
        if !stderr.ends_with('\n') {
            stderr.push('\n');
        }
        Self {
            status,
            stdout: String::new(),
            stderr,
        }
    }
}

/// An advanced option the emulated host knows.
pub(crate) struct OptionDef {
    pub path: &'static str,
    pub default: i64,
    pub min: i64,
    pub max: i64,
    pub description: &'static str,
}

pub(crate) const OPTIONS: &[OptionDef] = &[
    OptionDef {
        path: "/LVM/EnableResignature",
        default: 0,
        min: 0,
        max: 1,
        description: "Enable Volume Resignaturing. This option will be deprecated in future releases.",
    },
    OptionDef {
        path: "/LVM/DisallowSnapshotLun",
        default: 1,
        min: 0,
        max: 1,
        description: "Disallow access to snapshot LUN if resignaturing is off. This option will be deprecated in future releases.",
    },
    OptionDef {
        path: "/Disk/MaxLUN",
        default: 256,
        min: 1,
        max: 256,
        description: "Maximum LUN id that is scanned on a target",
    },
];

/// One emulated ESX host. Clones share the host.
#[derive(Clone)]
pub struct EmulatedHost {
    fabric: Fabric,
    config: Arc<HostConfig>,
    state: Arc<Mutex<HostState>>,
    latency: Arc<Mutex<std::time::Duration>>,
}

impl fmt::Debug for EmulatedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatedHost")
            .field("name", &self.config.name)
            .field("version", &self.config.esx_version)
            .finish_non_exhaustive()
    }
}

impl EmulatedHost {
    /// A host on `fabric`; it has seen nothing until its first rescan.
    pub fn new(fabric: Fabric, config: HostConfig) -> Self {
        Self::with_state(fabric, config, HostState::default())
    }

    /// A host with remembered state (see [`EmulatedHost::save`]).
    pub fn with_state(fabric: Fabric, config: HostConfig, state: HostState) -> Self {
        Self {
            fabric,
            config: Arc::new(config),
            state: Arc::new(Mutex::new(state)),
            latency: Arc::default(),
        }
    }

    /// The lab host of this name (`site2-esx1`), with the release the lab gives it.
    pub fn from_lab(fabric: &Fabric, name: &str) -> Result<Self> {
        Self::from_lab_as(fabric, name, None)
    }

    /// The lab host of this name, running `esx_version` instead of the lab's release.
    pub fn from_lab_as(fabric: &Fabric, name: &str, esx_version: Option<&str>) -> Result<Self> {
        let topology = fabric.topology();
        let spec = topology
            .hosts
            .iter()
            .find(|h| h.name == name)
            .ok_or_else(|| EsxError::NotFound {
                host: name.to_string(),
                kind: "lab host",
                name: name.to_string(),
                detail: Some(format!(
                    "the lab has {}",
                    topology
                        .hosts
                        .iter()
                        .map(|h| h.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            })?;
        Ok(Self::new(
            fabric.clone(),
            HostConfig {
                name: spec.name.clone(),
                ip: spec.ip.clone(),
                esx_version: esx_version.unwrap_or(&spec.esx_version).to_string(),
                wwpns: spec.wwpns.clone(),
            },
        ))
    }

    /// Who the host is.
    pub fn config(&self) -> &HostConfig {
        &self.config
    }

    /// The fabric it sits on.
    pub fn fabric(&self) -> &Fabric {
        &self.fabric
    }

    /// A copy of what the host remembers.
    pub fn state(&self) -> HostState {
        self.lock().clone()
    }

    /// Every command line received so far.
    pub fn commands(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    /// The fabric, the configuration and the state, for a later [`EmulatedHost::load`].
    pub fn save(&self) -> serde_json::Value {
        serde_json::json!({
            "fabric": self.fabric.to_json(),
            "config": *self.config,
            "state": self.state(),
        })
    }

    /// Restores a host saved with [`EmulatedHost::save`].
    pub fn load(v: serde_json::Value) -> std::result::Result<Self, String> {
        let fabric = Fabric::from_json(v["fabric"].clone()).map_err(|e| e.to_string())?;
        let config = serde_json::from_value(v["config"].clone()).map_err(|e| e.to_string())?;
        let state = serde_json::from_value(v["state"].clone()).map_err(|e| e.to_string())?;
        Ok(Self::with_state(fabric, config, state))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, HostState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn is_legacy(&self) -> bool {
        self.config.version().is_legacy()
    }

    /// Makes every command take this long first (a slow or hung host), on tokio's clock.
    pub fn set_latency(&self, latency: std::time::Duration) {
        *self.latency.lock().unwrap_or_else(|p| p.into_inner()) = latency;
    }

    /// Runs one command line as the host's shell would, and returns what it printed.
    pub async fn execute(&self, line: &str) -> Reply {
        let latency = *self.latency.lock().unwrap_or_else(|p| p.into_inner());
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        self.lock().log.push(line.to_string());
        let commands = match shell::split(line) {
            Ok(c) => c,
            Err(e) => return Reply::fail(2, format!("sh: syntax error: {e}")),
        };
        let mut all = Reply::default();
        for words in commands {
            let reply = self.run(&words).await;
            all.stdout.push_str(&reply.stdout);
            all.stderr.push_str(&reply.stderr);
            all.status = reply.status;
        }
        all
    }

    async fn run(&self, words: &[String]) -> Reply {
        let args = &words[1..];
        match words[0].as_str() {
            "vmware" if args.iter().any(|a| a == "-v" || a == "--version") => {
                Reply::ok(format!("{}\n", self.config.version()))
            }
            "reboot" => {
                self.reboot();
                Reply::ok("")
            }
            "esxcli" if !self.is_legacy() => esxcli::run(self, args).await,
            "esxcfg-advcfg" => legacy::advcfg(self, args),
            "esxcfg-rescan" => legacy::rescan(self, args),
            "vmkfstools" if args.iter().any(|a| a == "-V") => {
                self.vmfs_scan(&mut self.lock());
                Reply::ok("")
            }
            "esxcfg-scsidevs" if self.config.version().release.0 >= 4 => {
                legacy::scsidevs(self, args)
            }
            "esxcfg-mpath" if self.config.version().release.0 < 4 => legacy::mpath(self, args),
            "esxcfg-vmhbadevs" if self.config.version().release.0 < 4 => {
                legacy::vmhbadevs(self, args)
            }
            "esxcfg-volume" if self.config.version().has_esxcfg_volume() => {
                legacy::volume(self, args)
            }
            "esxcfg-nas" => legacy::nas(self, args),
            "ls" => files::ls(self, args),
            "cat" => files::cat(self, args),
            other => self.not_found(other),
        }
    }

    fn not_found(&self, program: &str) -> Reply {
        if self.is_legacy() {
            Reply::fail(127, format!("bash: {program}: command not found"))
        } else {
            Reply::fail(127, format!("-sh: {program}: not found"))
        }
    }

    fn reboot(&self) {
        let mut st = self.lock();
        st.boots += 1;
        st.vmfs.retain(|m| m.persistent);
        st.view.clear();
        tracing::info!(host = %self.config.name, "emulated host rebooted");
    }

    /// The value of an advanced option (by its path, any case).
    pub(crate) fn option(st: &HostState, def: &OptionDef) -> i64 {
        st.options.get(def.path).copied().unwrap_or(def.default)
    }

    pub(crate) fn option_def(path: &str) -> Option<&'static OptionDef> {
        OPTIONS.iter().find(|d| d.path.eq_ignore_ascii_case(path))
    }

    fn lvm(st: &HostState, path: &str) -> i64 {
        Self::option(st, Self::option_def(path).expect("a known option"))
    }

    /// FC adapter names and their WWPNs: vmhba1, vmhba2, … (vmhba0 is the local controller).
    pub(crate) fn fc_adapters(&self) -> Vec<(String, vrepl_storage::model::Wwpn)> {
        self.config
            .wwpns
            .iter()
            .enumerate()
            .map(|(i, w)| (format!("vmhba{}", i + 1), *w))
            .collect()
    }

    /// Rescans one adapter's view of the SAN.
    pub(crate) fn rescan_adapter(&self, st: &mut HostState, adapter: &str) -> bool {
        let Some((_, wwpn)) = self.fc_adapters().into_iter().find(|(a, _)| a == adapter) else {
            return adapter == "vmhba0";
        };
        st.view.retain(|l| l.adapter != adapter);
        for v in self.fabric.visible_luns(&[Initiator::Fc(wwpn)]) {
            if st
                .view
                .iter()
                .any(|l| l.naa == v.naa && l.adapter == adapter)
            {
                continue;
            }
            st.view.push(SeenLun {
                adapter: adapter.to_string(),
                naa: v.naa,
                lun_id: v.lun_id,
                size_bytes: v.lun.size_bytes,
                read_only: v.read_only,
                online: v.online,
            });
        }
        true
    }

    /// Rescans every adapter, then the filesystems.
    pub(crate) fn rescan_all(&self, st: &mut HostState) {
        for (adapter, _) in self.fc_adapters() {
            self.rescan_adapter(st, &adapter);
        }
        self.vmfs_scan(st);
    }

    pub(crate) fn header(&self, naa: &str) -> Option<VmfsHeader> {
        self.fabric.vmfs_header(naa).ok().flatten()
    }

    /// VMFS discovery on the devices of the last rescan: volumes whose device went away or
    /// became read-only are dropped; originals are mounted; copies are mounted or resignatured
    /// only where an ESX 3.x/4.x host's LVM options say so.
    pub(crate) fn vmfs_scan(&self, st: &mut HostState) {
        let keep: Vec<bool> = st
            .vmfs
            .iter()
            .map(|m| {
                st.device(&m.naa).is_some_and(|d| d.online && !d.read_only)
                    && self.header(&m.naa).is_some_and(|h| h.uuid == m.uuid)
            })
            .collect();
        let mut keep = keep.into_iter();
        st.vmfs.retain(|_| keep.next().unwrap_or(false));

        let devices: Vec<SeenLun> = st.devices().into_iter().cloned().collect();
        for dev in devices {
            if !dev.online || dev.read_only || st.vmfs.iter().any(|m| m.naa == dev.naa) {
                continue;
            }
            let Some(h) = self.header(&dev.naa) else {
                continue;
            };
            if st.unmounted.contains(&h.uuid) {
                continue;
            }
            if h.formatted_on == dev.naa {
                if !st.uuid_mounted(&h.uuid) {
                    st.vmfs.push(VmfsMount {
                        naa: dev.naa.clone(),
                        uuid: h.uuid,
                        label: h.label,
                        persistent: true,
                    });
                }
            } else if self.is_legacy() {
                tracing::debug!(host = %self.config.name, naa = %dev.naa, "LVM: device is a snapshot");
                if Self::lvm(st, "/LVM/EnableResignature") == 1 {
                    if let Err(e) = self.resignature(st, &dev.naa, &h) {
                        tracing::warn!(host = %self.config.name, naa = %dev.naa, "resignature failed: {e}");
                    }
                } else if Self::lvm(st, "/LVM/DisallowSnapshotLun") == 0
                    && !st.uuid_mounted(&h.uuid)
                {
                    st.vmfs.push(VmfsMount {
                        naa: dev.naa.clone(),
                        uuid: h.uuid,
                        label: h.label,
                        persistent: true,
                    });
                }
            }
        }
    }

    /// Original volumes on the devices of the last rescan that were unmounted by hand and stay
    /// so until `esxcli storage filesystem mount`: (device, header).
    pub(crate) fn unmounted_originals(&self, st: &HostState) -> Vec<(SeenLun, VmfsHeader)> {
        st.devices()
            .into_iter()
            .filter(|d| d.online && !d.read_only)
            .filter_map(|d| {
                let h = self.header(&d.naa)?;
                (h.formatted_on == d.naa
                    && st.unmounted.contains(&h.uuid)
                    && !st.uuid_mounted(&h.uuid))
                .then(|| (d.clone(), h))
            })
            .collect()
    }

    /// Copies found at the last rescan that are not mounted: (device, header).
    pub(crate) fn unresolved(&self, st: &HostState) -> Vec<(SeenLun, VmfsHeader)> {
        st.devices()
            .into_iter()
            .filter(|d| d.online && !d.read_only && !st.vmfs.iter().any(|m| m.naa == d.naa))
            .filter_map(|d| {
                let h = self.header(&d.naa)?;
                (h.formatted_on != d.naa).then(|| (d.clone(), h))
            })
            .collect()
    }

    /// Gives the copy on `naa` a new signature, writes it to the LUN and mounts it.
    pub(crate) fn resignature(
        &self,
        st: &mut HostState,
        naa: &str,
        old: &VmfsHeader,
    ) -> std::result::Result<String, String> {
        let label = format!("snap-{:08x}-{}", rand::random::<u32>(), old.label);
        let uuid = self.new_vmfs_uuid();
        self.fabric
            .write_vmfs_header(
                naa,
                VmfsHeader {
                    label: label.clone(),
                    uuid: uuid.clone(),
                    formatted_on: naa.to_string(),
                },
            )
            .map_err(|e| e.to_string())?;
        st.vmfs.push(VmfsMount {
            naa: naa.to_string(),
            uuid,
            label: label.clone(),
            persistent: true,
        });
        tracing::info!(host = %self.config.name, %naa, %label, "VMFS resignatured");
        Ok(label)
    }

    /// time - random - random - "MAC" (from the host's address), as VMFS writes them.
    fn new_vmfs_uuid(&self) -> String {
        let secs = self.fabric.now().unix_timestamp() as u32;
        let mac: String = self
            .config
            .ip
            .split('.')
            .filter_map(|o| o.parse::<u8>().ok())
            .map(|b| format!("{b:02x}"))
            .collect();
        format!(
            "{secs:08x}-{:08x}-{:04x}-0050{mac:0>8}",
            rand::random::<u32>(),
            rand::random::<u16>()
        )
    }
}
