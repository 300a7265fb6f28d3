//! What an ESX host reports, as typed values.

use std::fmt;

use vrepl_storage::model::Wwpn;

use super::names::{DatastoreName, NfsServer, NfsShare, OptionPath, VmfsUuid};
use crate::error::{EsxError, Result};

/// The product and release a host runs, from `vmware -v`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EsxVersion {
    /// `VMware ESX Server`, `VMware ESX` or `VMware ESXi`.
    pub product: String,
    /// Major, minor, update: `(6, 7, 0)`.
    pub release: (u8, u8, u8),
    /// The build number.
    pub build: Option<u32>,
}

impl EsxVersion {
    /// Parses `vmware -v` output, such as `VMware ESXi 6.7.0 build-8169922` or
    /// `VMware ESX Server 3.5.0 build-153875`.
    pub fn parse(text: &str) -> Option<Self> {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("VMware"))?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words
            .iter()
            .position(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))?;
        let mut nums = words[at].split('.').map(|n| n.parse::<u8>());
        let release = (
            nums.next()?.ok()?,
            nums.next().unwrap_or(Ok(0)).ok()?,
            nums.next().unwrap_or(Ok(0)).ok()?,
        );
        let build = words
            .get(at + 1)
            .and_then(|b| b.strip_prefix("build-"))
            .and_then(|b| b.parse().ok());
        Some(Self {
            product: words[..at].join(" "),
            release,
            build,
        })
    }

    /// ESX 3.x and 4.x: snapshot LUNs are handled by the host-wide LVM options on rescan, and
    /// the `esxcfg-*` tools do the work.
    pub fn is_legacy(&self) -> bool {
        self.release.0 < 5
    }

    /// Whether `esxcfg-volume` exists (ESX 4.0 and later).
    pub fn has_esxcfg_volume(&self) -> bool {
        self.release.0 >= 4
    }
}

impl fmt::Display for EsxVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b, c) = self.release;
        write!(f, "{} {a}.{b}.{c}", self.product)?;
        if let Some(build) = self.build {
            write!(f, " build-{build}")?;
        }
        Ok(())
    }
}

/// An advanced option's current setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdvancedOption {
    /// Its path.
    pub path: OptionPath,
    /// The current integer value.
    pub value: i64,
    /// The default, where the host says.
    pub default: Option<i64>,
    /// Allowed range, where the host says.
    pub range: Option<(i64, i64)>,
    /// The host's description, where it gives one.
    pub description: Option<String>,
}

/// A storage adapter (HBA).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adapter {
    /// `vmhba1`.
    pub name: String,
    /// The driver, such as `lpfc`.
    pub driver: String,
    /// `link-up`, `link-down`, `link-n/a`.
    pub link_state: String,
    /// `fc.<wwnn>:<wwpn>` for Fibre Channel, `iqn.…` for iSCSI, `pscsi.vmhba0` for local.
    pub uid: String,
    /// The adapter's description.
    pub description: String,
}

impl Adapter {
    /// The port name of a Fibre Channel adapter, from its `fc.<wwnn>:<wwpn>` UID (ESX 3.x
    /// reports only the port name: `fc.<wwpn>`).
    pub fn wwpn(&self) -> Option<Wwpn> {
        let names = self.uid.strip_prefix("fc.")?;
        let wwpn = names.split_once(':').map_or(names, |(_, p)| p);
        Wwpn::parse(wwpn).ok()
    }
}

/// A SCSI device (LUN) the host sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    /// `naa.60a98000…`.
    pub id: String,
    /// `NETAPP Fibre Channel Disk (naa.60a98000…)`.
    pub display_name: String,
    /// Size in MB, as ESX reports it.
    pub size_mb: u64,
    /// Vendor, trimmed (`NETAPP`).
    pub vendor: String,
    /// Whether the device is offline.
    pub offline: bool,
}

/// A mounted (or known) filesystem: a VMFS or NFS datastore.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filesystem {
    /// `/vmfs/volumes/<uuid>`.
    pub mount_point: String,
    /// The datastore name (VMFS label).
    pub volume_name: String,
    /// The filesystem UUID.
    pub uuid: String,
    /// Whether it is mounted.
    pub mounted: bool,
    /// `VMFS-3`, `VMFS-5`, `VMFS-6`, `NFS`, `vfat`, …
    pub fs_type: String,
    /// Size in bytes, where the host reports it.
    pub size_bytes: Option<u64>,
    /// Free bytes, where the host reports it.
    pub free_bytes: Option<u64>,
}

impl Filesystem {
    /// Whether this is a VMFS datastore.
    pub fn is_vmfs(&self) -> bool {
        self.fs_type.starts_with("VMFS")
    }
}

/// An unresolved VMFS volume: a copy (snapshot, replica, clone) whose recorded device differs
/// from the device it sits on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnresolvedVolume {
    /// The VMFS UUID it carries (the original's).
    pub uuid: VmfsUuid,
    /// Its label (the original's datastore name).
    pub label: String,
    /// Whether it can be mounted keeping its signature.
    pub can_mount: bool,
    /// Why not, in ESXi's words (`the original volume is still online`).
    pub mount_blocker: Option<String>,
    /// Whether it can be resignatured.
    pub can_resignature: bool,
    /// Why not, in ESXi's words.
    pub resignature_blocker: Option<String>,
    /// Extents found (1 for a single-LUN datastore).
    pub extent_count: u32,
}

/// Which unresolved volume: by label or by UUID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VolumeRef {
    /// By its label.
    Label(DatastoreName),
    /// By its VMFS UUID.
    Uuid(VmfsUuid),
}

impl fmt::Display for VolumeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Label(l) => l.fmt(f),
            Self::Uuid(u) => u.fmt(f),
        }
    }
}

/// How long a force mount lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persistence {
    /// Survives reboots.
    Persistent,
    /// Gone at the next reboot (`--no-persist`).
    UntilReboot,
}

/// An NFS datastore to mount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NfsMount {
    /// The NFS server (a data LIF address).
    pub server: NfsServer,
    /// `/vol/NAME` or a junction path.
    pub share: NfsShare,
    /// The datastore's name on the host.
    pub name: DatastoreName,
    /// Mount read-only.
    pub read_only: bool,
}

impl NfsMount {
    /// Builds a mount from `server:/path`, the way the seed writes it (`192.168.2.10:/vol/RG2FV3`).
    pub fn parse(remote: &str, name: &str, read_only: bool) -> Result<Self> {
        let (server, share) = remote.split_once(':').ok_or(EsxError::InvalidArgument {
            what: "NFS export",
            value: remote.to_string(),
            rule: "an NFS export is written server:/path",
        })?;
        Ok(Self {
            server: NfsServer::new(server)?,
            share: NfsShare::new(share)?,
            name: DatastoreName::new(name)?,
            read_only,
        })
    }
}

/// A mounted NFS datastore.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NfsDatastore {
    /// The datastore name.
    pub name: String,
    /// The server.
    pub host: String,
    /// The share.
    pub share: String,
    /// Whether the host can reach it.
    pub accessible: bool,
    /// Whether it is mounted.
    pub mounted: bool,
    /// Whether it is mounted read-only, where the host says.
    pub read_only: Option<bool>,
}

/// An entry of a datastore directory.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DirEntry {
    /// The name.
    pub name: String,
    /// Whether it is a directory.
    pub is_dir: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_from_vmware_v() {
        let v = EsxVersion::parse("VMware ESXi 6.7.0 build-8169922\n").unwrap();
        assert_eq!(v.release, (6, 7, 0));
        assert_eq!(v.build, Some(8169922));
        assert_eq!(v.product, "VMware ESXi");
        assert!(!v.is_legacy());
        let v = EsxVersion::parse("VMware ESX Server 3.5.0 build-153875").unwrap();
        assert_eq!(v.product, "VMware ESX Server");
        assert!(v.is_legacy() && !v.has_esxcfg_volume());
        assert_eq!(v.to_string(), "VMware ESX Server 3.5.0 build-153875");
        let v = EsxVersion::parse("VMware ESX 4.1.0 build-260247").unwrap();
        assert!(v.is_legacy() && v.has_esxcfg_volume());
        assert!(EsxVersion::parse("-sh: vmware: not found").is_none());
    }

    #[test]
    fn fc_adapter_uid_yields_the_wwpn() {
        let a = Adapter {
            name: "vmhba1".into(),
            driver: "lpfc".into(),
            link_state: "link-up".into(),
            uid: "fc.20000000c96afb66:10000000c96afb66".into(),
            description: String::new(),
        };
        assert_eq!(a.wwpn().unwrap().to_string(), "10:00:00:00:c9:6a:fb:66");
    }

    #[test]
    fn nfs_mount_parses_seed_spelling() {
        let m = NfsMount::parse("192.168.2.10:/vol/RG2FV3_Clone", "RP5_Clone", false).unwrap();
        assert_eq!(m.share.as_str(), "/vol/RG2FV3_Clone");
        assert!(NfsMount::parse("192.168.2.10", "x", false).is_err());
    }
}
