//! Parsers for what esxcli (`--formatter=csv`) and the legacy `esxcfg-*` tools print.
//!
//! The CSV parser maps columns by their header (esxcli sorts property names alphabetically and
//! releases add properties), so unknown columns are ignored and order does not matter.

use std::collections::HashMap;

use crate::host::{
    Adapter, AdvancedOption, Device, DirEntry, Filesystem, NfsDatastore, OptionPath,
    UnresolvedVolume, VmfsUuid,
};

/// One parsed CSV row: property name (lower-cased) to value.
#[derive(Debug, Default)]
pub struct Row(HashMap<String, String>);

impl Row {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(&key.to_ascii_lowercase()).map(String::as_str)
    }

    fn text(&self, key: &str) -> Result<String, String> {
        self.get(key)
            .map(|v| v.trim_end().to_string())
            .ok_or_else(|| format!("no column {key}"))
    }

    fn boolean(&self, key: &str) -> Result<bool, String> {
        match self.get(key).map(str::trim) {
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            other => Err(format!("column {key} is {other:?}, not true/false")),
        }
    }

    fn number<T: std::str::FromStr>(&self, key: &str) -> Result<T, String> {
        let v = self.get(key).map(str::trim).unwrap_or_default();
        v.parse()
            .map_err(|_| format!("column {key} is {v:?}, not a number"))
    }

    fn optional(&self, key: &str) -> Option<String> {
        self.get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }
}

/// Splits one CSV line into fields (`"` quotes, `""` inside quotes is a quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    // esxcli ends every line with a comma; anything after the last one is a last field.
    if !field.is_empty() {
        fields.push(field);
    }
    fields
}

/// Parses `esxcli --formatter=csv` output into rows.
pub fn csv(text: &str) -> Result<Vec<Row>, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = csv_fields(header)
        .into_iter()
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    lines
        .map(|line| {
            let values = csv_fields(line);
            if values.len() < names.len() {
                return Err(format!(
                    "a row has {} fields where the header has {}",
                    values.len(),
                    names.len()
                ));
            }
            Ok(Row(names.iter().cloned().zip(values).collect()))
        })
        .collect()
}

/// `esxcli --formatter=csv storage core adapter list`.
pub fn adapters(text: &str) -> Result<Vec<Adapter>, String> {
    csv(text)?
        .iter()
        .map(|r| {
            Ok(Adapter {
                name: r.text("HBAName")?,
                driver: r.text("Driver")?,
                link_state: r.text("LinkState")?,
                uid: r.text("UID")?,
                description: r.text("Description")?,
            })
        })
        .collect()
}

/// `esxcli --formatter=csv storage core device list`.
pub fn devices(text: &str) -> Result<Vec<Device>, String> {
    csv(text)?
        .iter()
        .map(|r| {
            Ok(Device {
                id: r.text("Device")?,
                display_name: r.text("DisplayName")?,
                size_mb: r.number("Size")?,
                vendor: r.text("Vendor")?.trim().to_string(),
                offline: r.boolean("IsOffline").unwrap_or(false),
            })
        })
        .collect()
}

/// `esxcli --formatter=csv storage filesystem list`.
pub fn filesystems(text: &str) -> Result<Vec<Filesystem>, String> {
    csv(text)?
        .iter()
        .map(|r| {
            Ok(Filesystem {
                mount_point: r.text("MountPoint")?,
                volume_name: r.text("VolumeName")?,
                uuid: r.text("UUID")?,
                mounted: r.boolean("Mounted")?,
                fs_type: r.text("Type")?,
                size_bytes: r.number("Size").ok(),
                free_bytes: r.number("Free").ok(),
            })
        })
        .collect()
}

/// `esxcli --formatter=csv storage vmfs snapshot list`.
pub fn unresolved(text: &str) -> Result<Vec<UnresolvedVolume>, String> {
    csv(text)?
        .iter()
        .map(|r| {
            let uuid = r.text("VMFSUUID")?;
            Ok(UnresolvedVolume {
                uuid: VmfsUuid::new(&uuid).map_err(|e| e.to_string())?,
                label: r.text("VolumeName")?,
                can_mount: r.boolean("Canmount")?,
                mount_blocker: r.optional("Reasonforunmountability"),
                can_resignature: r.boolean("Canresignature")?,
                resignature_blocker: r.optional("Reasonfornonresignaturability"),
                extent_count: r.number("UnresolvedExtentCount")?,
            })
        })
        .collect()
}

/// `esxcli --formatter=csv storage nfs list` (ESXi 5 has no `ReadOnly` column).
pub fn nfs(text: &str) -> Result<Vec<NfsDatastore>, String> {
    csv(text)?
        .iter()
        .map(|r| {
            Ok(NfsDatastore {
                name: r.text("VolumeName")?,
                host: r.text("Host")?,
                share: r.text("Share")?,
                accessible: r.boolean("Accessible")?,
                mounted: r.boolean("Mounted")?,
                read_only: r.boolean("ReadOnly").ok(),
            })
        })
        .collect()
}

/// `esxcli --formatter=csv system settings advanced list -o PATH`.
pub fn advanced_option(text: &str, path: &OptionPath) -> Result<AdvancedOption, String> {
    let rows = csv(text)?;
    let r = rows
        .iter()
        .find(|r| {
            r.get("Path")
                .is_some_and(|p| p.eq_ignore_ascii_case(path.as_str()))
        })
        .ok_or_else(|| format!("no row for {path}"))?;
    Ok(AdvancedOption {
        path: path.clone(),
        value: r.number("IntValue")?,
        default: r.number("DefaultIntValue").ok(),
        range: r.number("MinValue").ok().zip(r.number("MaxValue").ok()),
        description: r.optional("Description"),
    })
}

/// `esxcfg-advcfg -g|-s`: `Value of EnableResignature is 0`.
pub fn advcfg_value(text: &str) -> Option<i64> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Value of "))
        .and_then(|rest| rest.rsplit_once(" is "))
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// `esxcfg-scsidevs -a`: `vmhba1  lpfc820  link-up  fc.2000…:1000…  (0:11:0.0) Emulex …`.
pub fn legacy_adapters(text: &str) -> Result<Vec<Adapter>, String> {
    text.lines()
        .filter(|l| l.starts_with("vmhba"))
        .map(|l| {
            let mut words = l.split_whitespace();
            let mut next = |what: &str| {
                words
                    .next()
                    .map(str::to_string)
                    .ok_or_else(|| format!("adapter line without {what}: {l:?}"))
            };
            let name = next("name")?;
            let driver = next("driver")?;
            let link_state = next("link state")?;
            let uid = next("UID")?;
            let description = words.collect::<Vec<_>>().join(" ");
            Ok(Adapter {
                name,
                driver,
                link_state,
                uid,
                description,
            })
        })
        .collect()
}

/// `esxcfg-scsidevs -c`: a header, then `UID  Type  Console  SizeMB  Plugin  Display Name`.
pub fn legacy_devices(text: &str) -> Result<Vec<Device>, String> {
    text.lines()
        .skip_while(|l| !l.starts_with("Device UID"))
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            if words.len() < 6 {
                return Err(format!("short device line: {l:?}"));
            }
            let size_mb = words[3]
                .trim_end_matches("MB")
                .parse()
                .map_err(|_| format!("device size {:?} is not NNNMB", words[3]))?;
            let display_name = words[5..].join(" ");
            Ok(Device {
                id: words[0].to_string(),
                vendor: words[5].to_string(),
                display_name,
                size_mb,
                offline: false,
            })
        })
        .collect()
}

/// `esxcfg-scsidevs -m`: `naa.…:1  /vmfs/devices/disks/naa.…:1  <uuid>  0  <label>`.
pub fn legacy_mounts(text: &str, fs_type: &str) -> Result<Vec<Filesystem>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            if words.len() < 5 {
                return Err(format!("short VMFS line: {l:?}"));
            }
            Ok(Filesystem {
                mount_point: format!("/vmfs/volumes/{}", words[2]),
                volume_name: words[4..].join(" "),
                uuid: words[2].to_string(),
                mounted: true,
                fs_type: fs_type.to_string(),
                size_bytes: None,
                free_bytes: None,
            })
        })
        .collect()
}

/// `esxcfg-nas -l`: `RP5 is /vol/RG2FV3 from 192.168.2.10 mounted`.
pub fn legacy_nas(text: &str) -> Result<Vec<NfsDatastore>, String> {
    text.lines()
        .filter(|l| l.contains(" is ") && l.contains(" from "))
        .map(|l| {
            let (name, rest) = l.split_once(" is ").ok_or("no ' is '")?;
            let (share, rest) = rest.split_once(" from ").ok_or("no ' from '")?;
            let mut words = rest.split_whitespace();
            let host = words.next().ok_or_else(|| format!("no server: {l:?}"))?;
            let state: Vec<&str> = words.collect();
            let mounted = state.first() == Some(&"mounted");
            Ok(NfsDatastore {
                name: name.to_string(),
                host: host.to_string(),
                share: share.to_string(),
                accessible: mounted,
                mounted,
                read_only: None,
            })
        })
        .collect()
}

/// `esxcfg-volume -l`: blocks of `VMFS UUID/label: <uuid>/<label>`, `Can mount: Yes|No (why)`,
/// `Can resignature: …`, `Extent name: …`.
pub fn legacy_volumes(text: &str) -> Result<Vec<UnresolvedVolume>, String> {
    let mut out: Vec<UnresolvedVolume> = Vec::new();
    fn yes_no(v: &str) -> (bool, Option<String>) {
        let v = v.trim();
        let reason = v
            .split_once('(')
            .map(|(_, r)| r.trim_end_matches(')').trim().to_string());
        (v.starts_with("Yes"), reason)
    }
    for line in text.lines() {
        let line = line.trim();
        if let Some((_, value)) = line.split_once("UUID/label:") {
            let (uuid, label) = value
                .trim()
                .split_once('/')
                .ok_or_else(|| format!("no '/' in {line:?}"))?;
            out.push(UnresolvedVolume {
                uuid: VmfsUuid::new(uuid).map_err(|e| e.to_string())?,
                label: label.to_string(),
                can_mount: false,
                mount_blocker: None,
                can_resignature: false,
                resignature_blocker: None,
                extent_count: 0,
            });
        } else if let Some(current) = out.last_mut() {
            if let Some(v) = line.strip_prefix("Can mount:") {
                (current.can_mount, current.mount_blocker) = yes_no(v);
            } else if let Some(v) = line.strip_prefix("Can resignature:") {
                (current.can_resignature, current.resignature_blocker) = yes_no(v);
            } else if line.starts_with("Extent name:") {
                current.extent_count += 1;
            }
        }
    }
    Ok(out)
}

/// ESX 3.x `esxcfg-mpath -a`: `vmhba1 10000000c96afb66 11:0.0` (adapter, WWPN, PCI slot).
pub fn esx3_adapters(text: &str) -> Result<Vec<Adapter>, String> {
    text.lines()
        .filter(|l| l.starts_with("vmhba"))
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let [name, wwpn, pci, ..] = words[..] else {
                return Err(format!("short HBA line: {l:?}"));
            };
            Ok(Adapter {
                name: name.to_string(),
                driver: String::new(),
                link_state: String::new(),
                uid: format!("fc.{wwpn}"),
                description: format!("({pci})"),
            })
        })
        .collect()
}

/// ESX 3.x `esxcfg-mpath -l`: `Disk vmhba1:0:6 /dev/sdc (10240MB) has 2 paths and policy of …`.
pub fn esx3_devices(text: &str) -> Result<Vec<Device>, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("Disk "))
        .map(|rest| {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let [name, _console, size, ..] = words[..] else {
                return Err(format!("short disk line: {rest:?}"));
            };
            let size_mb = size
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim_end_matches("MB")
                .parse()
                .map_err(|_| format!("disk size {size:?} is not (NNNMB)"))?;
            Ok(Device {
                id: name.to_string(),
                display_name: name.to_string(),
                size_mb,
                vendor: String::new(),
                offline: false,
            })
        })
        .collect()
}

/// ESX 3.x `esxcfg-vmhbadevs -m`: `vmhba1:0:6:1  /dev/sdc1  <vmfs uuid>`, and the labels from
/// `ls -l /vmfs/volumes` (`RP1 -> <uuid>` symlinks).
pub fn esx3_mounts(vmhbadevs: &str, ls: &str) -> Result<Vec<Filesystem>, String> {
    let labels: HashMap<String, String> = ls
        .lines()
        .filter_map(|l| l.split_once(" -> "))
        .map(|(left, target)| {
            let label: Vec<&str> = left.split_whitespace().skip(8).collect();
            (target.trim().to_string(), label.join(" "))
        })
        .collect();
    vmhbadevs
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let [_, _, uuid, ..] = words[..] else {
                return Err(format!("short VMFS line: {l:?}"));
            };
            Ok(Filesystem {
                mount_point: format!("/vmfs/volumes/{uuid}"),
                volume_name: labels.get(uuid).cloned().unwrap_or_default(),
                uuid: uuid.to_string(),
                mounted: true,
                fs_type: "VMFS-3".into(),
                size_bytes: None,
                free_bytes: None,
            })
        })
        .collect()
}

/// `ls -1p`: one name a line, directories end in `/`.
pub fn ls_entries(text: &str) -> Vec<DirEntry> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| match l.strip_suffix('/') {
            Some(dir) => DirEntry {
                name: dir.to_string(),
                is_dir: true,
            },
            None => DirEntry {
                name: l.to_string(),
                is_dir: false,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/esxcli/",
                $name
            ))
        };
    }

    #[test]
    fn real_device_csv_with_quoted_lists_and_padding() {
        let d = devices(fixture!("device_list.csv")).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].id, "mpx.vmhba33:C0:T0:L0");
        assert_eq!(d[0].size_mb, 3819);
        assert_eq!(d[0].vendor, "SanDisk");
        assert_eq!(
            d[0].display_name,
            "Local USB Direct-Access (mpx.vmhba33:C0:T0:L0)"
        );
        assert!(!d[0].offline);
    }

    #[test]
    fn snapshot_csv_gives_mountability_and_reason() {
        let v = unresolved(fixture!("snapshot_list.csv")).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].label, "vmfs-01");
        assert!(!v[0].can_mount);
        assert_eq!(
            v[0].mount_blocker.as_deref(),
            Some("the original volume is still online")
        );
        assert!(v[1].can_mount && v[1].mount_blocker.is_none());
        assert_eq!(v[1].uuid.as_str(), "5fd23c30-16acc074-006d-d09466c6d6af");
        assert!(
            unresolved("").unwrap().is_empty(),
            "no snapshots prints nothing"
        );
    }

    #[test]
    fn filesystem_adapter_nfs_and_option_csv() {
        let f = filesystems(fixture!("filesystem_list.csv")).unwrap();
        assert_eq!(f[0].volume_name, "VMs");
        assert_eq!(f[0].size_bytes, Some(1192121860096));
        assert!(f[0].is_vmfs() && !f[1].is_vmfs());
        assert_eq!(f[1].volume_name, "");

        let a = adapters(fixture!("adapter_list.csv")).unwrap();
        assert_eq!(a[1].name, "vmhba1");
        assert_eq!(a[1].wwpn().unwrap().to_string(), "10:00:00:00:c9:6a:fb:66");

        let n = nfs(fixture!("nfs_list.csv")).unwrap();
        assert_eq!(n[0].share, "/volume1/vmnfsbackup");
        assert_eq!(n[0].read_only, Some(false));

        let path = OptionPath::new("/Net/TcpipDefLROEnabled").unwrap();
        let o = advanced_option(fixture!("advanced_list.csv"), &path).unwrap();
        assert_eq!((o.value, o.default, o.range), (0, Some(1), Some((0, 1))));
        assert_eq!(o.description.as_deref(), Some("LRO enabled for TCP/IP"));
    }

    #[test]
    fn extra_columns_in_any_order_are_ignored() {
        let text = "Zeta,VolumeName,Share,Host,Mounted,Accessible,\nq,RP5,/RG2FV3,192.168.2.10,true,false,\n";
        let n = nfs(text).unwrap();
        assert_eq!(n[0].name, "RP5");
        assert!(!n[0].accessible && n[0].read_only.is_none());
        assert!(nfs("VolumeName,Host,\nonly-one").is_err());
    }

    #[test]
    fn legacy_tools() {
        assert_eq!(advcfg_value(fixture!("esxcfg-advcfg-s.txt")), Some(0));
        let v = legacy_volumes(fixture!("esxcfg-volume-l.esxi6.txt")).unwrap();
        assert_eq!(v[0].label, "esxi6-flash-ds");
        assert!(v[0].can_mount && v[0].can_resignature);
        assert_eq!(v[0].extent_count, 1);
        let v = legacy_volumes(
            "VMFS3 UUID/label: 49d22e2e-996a0dea-b555-001f2960aed8/RP1\nCan mount: No (the original volume is still online)\nCan resignature: Yes\n",
        )
        .unwrap();
        assert_eq!(
            v[0].mount_blocker.as_deref(),
            Some("the original volume is still online")
        );
        let a = legacy_adapters(fixture!("esxcfg-scsidevs-a.esx4.txt")).unwrap();
        assert_eq!(a[1].wwpn().unwrap().to_string(), "10:00:00:00:c9:6a:fb:66");
        let d = legacy_devices(fixture!("esxcfg-scsidevs-c.esx4.txt")).unwrap();
        assert_eq!((d[0].size_mb, d[0].vendor.as_str()), (10240, "NETAPP"));
        let m = legacy_mounts(fixture!("esxcfg-scsidevs-m.esx4.txt"), "VMFS-3").unwrap();
        assert_eq!(m[0].volume_name, "RP1");
        let n = legacy_nas(fixture!("esxcfg-nas-l.esx4.txt")).unwrap();
        assert_eq!(
            (n[0].name.as_str(), n[0].host.as_str()),
            ("RP5", "192.168.2.10")
        );
        assert!(n[0].mounted);
    }

    #[test]
    fn esx3_tools() {
        let a = esx3_adapters(fixture!("esxcfg-mpath-a.esx3.txt")).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].wwpn().unwrap().to_string(), "10:00:00:00:c9:50:33:0a");
        let d = esx3_devices(fixture!("esxcfg-mpath-l.esx3.txt")).unwrap();
        assert_eq!((d[0].id.as_str(), d[0].size_mb), ("vmhba1:0:6", 10240));
        let m = esx3_mounts(
            fixture!("esxcfg-vmhbadevs-m.esx3.txt"),
            fixture!("ls-l-vmfs-volumes.esx3.txt"),
        )
        .unwrap();
        assert_eq!(m[0].volume_name, "RP1");
        assert_eq!(m[0].uuid, "48e2d5c2-1bb3e0d8-5f9a-001a6436ad3a");
    }

    #[test]
    fn ls_marks_directories() {
        let e = ls_entries("HR-App1/\nHR-App1.vmx\n");
        assert!(e[0].is_dir && e[0].name == "HR-App1");
        assert!(!e[1].is_dir);
    }
}
