//! The host side of a runbook: mount a copy of a VMFS, unmount, and
//! fingerprint a datastore's files to check that data made it across.

use std::collections::BTreeMap;

use vrepl_esx::host::{mount_copy, DatastoreName, DatastorePath, Filesystem, Resolution};
use vrepl_esx::{EsxError, EsxHost};

use super::error::RunbookResult;

/// Whether a mount found the datastore already there.
#[derive(Debug)]
pub struct Mounted {
    /// The datastore's name on the host.
    pub name: String,
    /// It was mounted before the call.
    pub already: bool,
}

fn is_resignatured_copy(name: &str, label: &str) -> bool {
    name.starts_with("snap-") && name.ends_with(&format!("-{label}"))
}

async fn mounted_vmfs(
    host: &dyn EsxHost,
    matches: impl Fn(&str) -> bool,
) -> RunbookResult<Option<Filesystem>> {
    Ok(host
        .filesystems()
        .await?
        .into_iter()
        .find(|f| f.is_vmfs() && f.mounted && matches(&f.volume_name)))
}

/// Mounts the copy of the VMFS `label` on a host, through vrepl-esx's [`mount_copy`] (which
/// picks the host-wide LVM options on ESX 3.x and the per-volume commands on 4.x and later).
///
/// Keeping the signature is for a failover (the original is not visible at that site);
/// resignaturing is for a DR test (the read-only replica with the same UUID is visible too).
/// A copy already mounted (by an earlier, interrupted attempt) is reported as such.
pub async fn mount_vmfs_copy(
    host: &dyn EsxHost,
    label: &str,
    resignature: bool,
) -> RunbookResult<Mounted> {
    let wanted = |name: &str| {
        if resignature {
            is_resignatured_copy(name, label)
        } else {
            name == label
        }
    };
    if let Some(fs) = mounted_vmfs(host, wanted).await? {
        return Ok(Mounted {
            name: fs.volume_name,
            already: true,
        });
    }
    // Another host of the site may have resignatured this copy since our last rescan: it is
    // then an ordinary VMFS that a rescan mounts, and resignaturing again would fail.
    host.rescan_all_hbas().await?;
    host.rescan_vmfs().await?;
    if let Some(fs) = mounted_vmfs(host, wanted).await? {
        return Ok(Mounted {
            name: fs.volume_name,
            already: false,
        });
    }
    // An original unmounted by hand (planned failover on ESXi) stays unmounted across rescans
    // until it is mounted by name; a copy is not known under that name and goes on below.
    if !resignature {
        match host.mount_vmfs(&DatastoreName::new(label)?).await {
            Ok(()) => {
                if let Some(fs) = mounted_vmfs(host, wanted).await? {
                    return Ok(Mounted {
                        name: fs.volume_name,
                        already: false,
                    });
                }
            }
            Err(EsxError::NotFound { .. } | EsxError::Unsupported { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let resolution = if resignature {
        Resolution::Resignature
    } else {
        Resolution::KeepSignature
    };
    let fs = mount_copy(host, &DatastoreName::new(label)?, resolution).await?;
    Ok(Mounted {
        name: fs.volume_name,
        already: false,
    })
}

/// What an unmount did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmounted {
    /// The datastore was unmounted.
    Now,
    /// It was not mounted.
    NotMounted,
    /// The host cannot unmount a VMFS (ESX 3.x): it goes at the rescan after its LUN is
    /// unmapped or made read-only.
    AtNextRescan,
}

/// Unmounts a datastore.
pub async fn unmount(host: &dyn EsxHost, datastore: &str, nfs: bool) -> RunbookResult<Unmounted> {
    let name = DatastoreName::new(datastore)?;
    if nfs {
        if !host
            .nfs_datastores()
            .await?
            .iter()
            .any(|d| d.name == datastore)
        {
            return Ok(Unmounted::NotMounted);
        }
        host.unmount_nfs(&name).await?;
        return Ok(Unmounted::Now);
    }
    if mounted_vmfs(host, |n| n == datastore).await?.is_none() {
        return Ok(Unmounted::NotMounted);
    }
    match host.unmount_vmfs(&name).await {
        Ok(()) => Ok(Unmounted::Now),
        Err(EsxError::Unsupported { .. }) => Ok(Unmounted::AtNextRescan),
        Err(e) => Err(e.into()),
    }
}

/// Every file of a datastore, with its size and FNV-1a checksum: `path -> "size:checksum"`.
pub async fn fingerprint(
    host: &dyn EsxHost,
    datastore: &str,
) -> RunbookResult<BTreeMap<String, String>> {
    let name = DatastoreName::new(datastore)?;
    let mut out = BTreeMap::new();
    let mut dirs = vec![String::new()];
    while let Some(dir) = dirs.pop() {
        let path = if dir.is_empty() {
            DatastorePath::root()
        } else {
            DatastorePath::new(&dir)?
        };
        for entry in host.list_datastore(&name, &path).await? {
            let child = if dir.is_empty() {
                entry.name.clone()
            } else {
                format!("{dir}/{}", entry.name)
            };
            if entry.is_dir {
                dirs.push(child);
            } else {
                let data = host
                    .read_datastore_file(&name, &DatastorePath::new(&child)?)
                    .await?;
                out.insert(child, format!("{}:{:016x}", data.len(), fnv1a(&data)));
            }
        }
    }
    Ok(out)
}

fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What differs between a recorded fingerprint and a later one (missing or changed files).
pub fn differences(
    recorded: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Vec<String> {
    recorded
        .iter()
        .filter_map(|(path, sum)| match now.get(path) {
            None => Some(format!("{path} is missing")),
            Some(s) if s != sum => Some(format!("{path} differs ({s}, recorded {sum})")),
            Some(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resignatured_copies_are_recognised_by_label() {
        assert!(is_resignatured_copy("snap-1a2b3c4d-RP1", "RP1"));
        assert!(!is_resignatured_copy("snap-1a2b3c4d-RP10", "RP1"));
        assert!(!is_resignatured_copy("RP1", "RP1"));
    }

    #[test]
    fn differences_name_missing_and_changed_files() {
        let rec: BTreeMap<_, _> = [
            ("a".to_string(), "1:x".to_string()),
            ("b".into(), "2:y".into()),
        ]
        .into();
        let now: BTreeMap<_, _> = [("a".to_string(), "1:z".to_string())].into();
        let d = differences(&rec, &now);
        assert_eq!(d, ["a differs (1:z, recorded 1:x)", "b is missing"]);
        assert_ne!(fnv1a(b"a"), fnv1a(b"b"));
    }
}
