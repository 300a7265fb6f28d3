//! Presenting a copy of a VMFS datastore on a host, whatever its ESX release: the one call a
//! runbook makes after the array has made the copy writable and mapped it.

use super::{DatastoreName, EsxHost, Filesystem, OptionPath, Persistence, VolumeRef};
use crate::error::{EsxError, Result};

/// How to resolve a copy of a VMFS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Mount it under its original name and UUID (DR failover, where the original is not
    /// visible to the host).
    KeepSignature,
    /// Give it a new UUID and a `snap-XXXXXXXX-` name (a DR test next to the original).
    Resignature,
    /// Keep the signature when the host allows it, resignature otherwise.
    Auto,
}

/// Rescans the host and mounts the copy of the datastore `label`.
///
/// ESX 4.x and ESXi resolve the one volume (`esxcfg-volume`, `esxcli storage vmfs snapshot`).
/// ESX 3.x can only act host-wide on rescan: keeping the signature sets
/// `/LVM/DisallowSnapshotLun` to 0 (and leaves it so, as the seed's recovery site does);
/// resignaturing sets `/LVM/EnableResignature` to 1 for one rescan and restores it.
/// Returns the mounted datastore.
pub async fn mount_copy(
    host: &dyn EsxHost,
    label: &DatastoreName,
    resolution: Resolution,
) -> Result<Filesystem> {
    host.rescan_all_hbas().await?;
    let version = host.version().await?;
    if resolution != Resolution::Resignature {
        if let Some(fs) = mounted(host, |name| name == label.as_str()).await? {
            return Ok(fs);
        }
    }
    if version.is_legacy() && !version.has_esxcfg_volume() {
        return mount_copy_by_lvm_options(host, label, resolution).await;
    }
    let copy = host
        .unresolved_volumes()
        .await?
        .into_iter()
        .find(|u| u.label == label.as_str())
        .ok_or_else(|| EsxError::NotFound {
            host: host.endpoint().to_string(),
            kind: "unresolved VMFS volume",
            name: label.to_string(),
            detail: Some("is the LUN mapped to this host, online, and writable (its mirror broken, or a FlexClone)?".into()),
        })?;
    let keep = match resolution {
        Resolution::KeepSignature => true,
        Resolution::Resignature => false,
        Resolution::Auto => copy.can_mount,
    };
    let by_uuid = VolumeRef::Uuid(copy.uuid.clone());
    if keep {
        host.mount_snapshot(&by_uuid, Persistence::Persistent)
            .await?;
        mounted(host, |name| name == label.as_str())
            .await?
            .ok_or_else(|| not_shown(host, label))
    } else {
        host.resignature_snapshot(&by_uuid).await
    }
}

async fn mount_copy_by_lvm_options(
    host: &dyn EsxHost,
    label: &DatastoreName,
    resolution: Resolution,
) -> Result<Filesystem> {
    let before: Vec<String> = host
        .filesystems()
        .await?
        .into_iter()
        .map(|f| f.uuid)
        .collect();
    let suffix = format!("-{label}");
    let is_new_resignatured = |f: &Filesystem| {
        !before.contains(&f.uuid)
            && f.volume_name.starts_with("snap-")
            && f.volume_name.ends_with(&suffix)
    };

    if resolution != Resolution::Resignature {
        host.set_advanced_option(&OptionPath::disallow_snapshot_lun(), 0)
            .await?;
        host.rescan_all_hbas().await?;
        if let Some(fs) = mounted(host, |name| name == label.as_str()).await? {
            return Ok(fs);
        }
        if resolution == Resolution::KeepSignature {
            return Err(EsxError::MountRefused {
                host: host.endpoint().to_string(),
                volume: label.to_string(),
                reason: "no copy was mounted on rescan: the LUN is not visible or not writable, or a volume with the same VMFS UUID is already mounted on this host (resignature instead)".into(),
            });
        }
    }
    let option = OptionPath::enable_resignature();
    let previous = host.advanced_option(&option).await?.value;
    host.set_advanced_option(&option, 1).await?;
    let rescanned = host.rescan_all_hbas().await;
    let restored = host.set_advanced_option(&option, previous).await;
    rescanned?;
    restored?;
    host.filesystems()
        .await?
        .into_iter()
        .find(is_new_resignatured)
        .ok_or_else(|| not_shown(host, label))
}

async fn mounted(host: &dyn EsxHost, name: impl Fn(&str) -> bool) -> Result<Option<Filesystem>> {
    Ok(host
        .filesystems()
        .await?
        .into_iter()
        .find(|f| f.is_vmfs() && f.mounted && name(&f.volume_name)))
}

fn not_shown(host: &dyn EsxHost, label: &DatastoreName) -> EsxError {
    EsxError::MountRefused {
        host: host.endpoint().to_string(),
        volume: label.to_string(),
        reason: "the host accepted the request but the datastore does not show among its mounted filesystems".into(),
    }
}
