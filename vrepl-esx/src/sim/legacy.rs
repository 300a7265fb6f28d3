//! The ESX 3.x/4.x service-console tools: `esxcfg-advcfg`, `esxcfg-rescan`, `esxcfg-scsidevs`,
//! `esxcfg-volume` (4.x) and `esxcfg-nas`.

use super::esxcli::{adapters, mount_blocker, mount_nfs, select_unresolved};
use super::host::{EmulatedHost, Reply};
use super::messages;
use super::state::VmfsMount;

fn usage(tool: &str) -> Reply {
    Reply::fail(1, format!("{tool}: invalid arguments; see {tool} -h"))
}

/// `esxcfg-advcfg -g PATH` / `-s VALUE PATH`: `Value of NAME is N`.
pub fn advcfg(host: &EmulatedHost, args: &[String]) -> Reply {
    let (value, path) = match args {
        [g, path] if g == "-g" => (None, path),
        [s, v, path] if s == "-s" => match v.parse::<i64>() {
            Ok(v) => (Some(v), path),
            Err(_) => return usage("esxcfg-advcfg"),
        },
        _ => return usage("esxcfg-advcfg"),
    };
    let Some(def) = EmulatedHost::option_def(path) else {
        return Reply::fail(1, messages::unknown_option(path));
    };
    let name = def.path.rsplit('/').next().unwrap_or(def.path);
    let mut st = host.lock();
    if let Some(v) = value {
        if !(def.min..=def.max).contains(&v) {
            return Reply::fail(
                1,
                format!(
                    "Invalid value {v} for option {}: it must be between {} and {}",
                    def.path, def.min, def.max
                ),
            );
        }
        st.options.insert(def.path.to_string(), v);
    }
    Reply::ok(format!(
        "Value of {name} is {}\n",
        EmulatedHost::option(&st, def)
    ))
}

/// `esxcfg-rescan vmhbaN`: rescans one adapter and the filesystems.
pub fn rescan(host: &EmulatedHost, args: &[String]) -> Reply {
    let [adapter] = args else {
        return usage("esxcfg-rescan");
    };
    let mut st = host.lock();
    if !host.rescan_adapter(&mut st, adapter) {
        return Reply::fail(1, format!("Invalid adapter name {adapter}"));
    }
    host.vmfs_scan(&mut st);
    Reply::ok("")
}

/// ESX 3.x names a device by its first path: `vmhba1:0:6`.
fn esx3_name(st: &super::state::HostState, naa: &str) -> String {
    st.view
        .iter()
        .find(|l| l.naa == naa)
        .map(|l| format!("{}:0:{}", l.adapter, l.lun_id))
        .unwrap_or_else(|| naa.to_string())
}

/// ESX 3.x `esxcfg-mpath -a` (HBAs and WWPNs) and `-l` (disks and their paths).
pub fn mpath(host: &EmulatedHost, args: &[String]) -> Reply {
    let st = host.lock();
    match args.first().map(String::as_str) {
        Some("-a") => Reply::ok(
            host.fc_adapters()
                .into_iter()
                .enumerate()
                .map(|(i, (name, wwpn))| {
                    let hex: String = wwpn.bytes().iter().map(|b| format!("{b:02x}")).collect();
                    format!("{name} {hex} 11:0.{i}\n")
                })
                .collect::<String>(),
        ),
        Some("-l") => {
            let mut out = String::new();
            for (letter, d) in st.devices().into_iter().enumerate() {
                let paths: Vec<_> = st.view.iter().filter(|l| l.naa == d.naa).collect();
                let console = format!("/dev/sd{}", (b'b' + (letter % 24) as u8) as char);
                out.push_str(&format!(
                    "Disk {} {console} ({}MB) has {} paths and policy of Most Recently Used\n",
                    esx3_name(&st, &d.naa),
                    d.size_bytes / (1024 * 1024),
                    paths.len()
                ));
                for (i, p) in paths.iter().enumerate() {
                    let state = if i == 0 { "On active preferred" } else { "On" };
                    out.push_str(&format!(
                        " FC 11:0.{i} {}:0:{} {state}\n",
                        p.adapter, p.lun_id
                    ));
                }
                out.push('\n');
            }
            Reply::ok(out)
        }
        _ => usage("esxcfg-mpath"),
    }
}

/// ESX 3.x `esxcfg-vmhbadevs -m`: VMFS partitions and their UUIDs.
pub fn vmhbadevs(host: &EmulatedHost, args: &[String]) -> Reply {
    if args.first().map(String::as_str) != Some("-m") {
        return usage("esxcfg-vmhbadevs");
    }
    let st = host.lock();
    Reply::ok(
        st.vmfs
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let dev = format!("{}:1", esx3_name(&st, &m.naa));
                let console = format!("/dev/sd{}1", (b'b' + (i % 24) as u8) as char);
                format!("{dev:<15} {console:<31} {}\n", m.uuid)
            })
            .collect::<String>(),
    )
}

/// `esxcfg-scsidevs -a|-c|-m` (ESX 4.0 and later).
pub fn scsidevs(host: &EmulatedHost, args: &[String]) -> Reply {
    let st = host.lock();
    match args.first().map(String::as_str) {
        Some("-a") => Reply::ok(
            adapters(host)
                .into_iter()
                .map(|(name, _, link, uid, desc)| {
                    let driver = if uid.starts_with("fc.") {
                        "lpfc820"
                    } else {
                        "mptspi"
                    };
                    format!("{name:<6}  {driver:<16}  {link:<8}  {uid:<38}  {desc}\n")
                })
                .collect::<String>(),
        ),
        Some("-c") => {
            let mut out = format!(
                "{:<40}  {:<15}  {:<60}  {:<8}  Multipath PluginDisplay Name\n",
                "Device UID", "Device Type", "Console Device", "Size"
            );
            for d in st.devices() {
                let console = format!("/vmfs/devices/disks/{}", d.naa);
                let size = format!("{}MB", d.size_bytes / (1024 * 1024));
                out.push_str(&format!(
                    "{:<40}  {:<15}  {console:<60}  {size:<8}  NMP     NETAPP Fibre Channel Disk ({})\n",
                    d.naa, "Direct-Access", d.naa
                ));
            }
            Reply::ok(out)
        }
        Some("-m") => Reply::ok(
            st.vmfs
                .iter()
                .map(|m| {
                    format!(
                        "{naa}:1 /vmfs/devices/disks/{naa}:1 {}  0  {}\n",
                        m.uuid,
                        m.label,
                        naa = m.naa
                    )
                })
                .collect::<String>(),
        ),
        _ => usage("esxcfg-scsidevs"),
    }
}

/// One volume of `esxcfg-volume -l`, as ESXi 6 prints it (ESX 4.x says `VMFS3 UUID/label`).
pub(crate) fn volume_block(
    uuid: &str,
    label: &str,
    blocker: Option<&str>,
    naa: &str,
    size_mb: u64,
) -> String {
    let can_mount = match blocker {
        None => "Yes".to_string(),
        Some(why) => format!("No ({why})"),
    };
    format!(
        "VMFS UUID/label: {uuid}/{label}\nCan mount: {can_mount}\nCan resignature: Yes\nExtent name: {naa}:1     range: 0 - {} (MB)\n",
        size_mb.saturating_sub(1)
    )
}

/// `esxcfg-volume -l | -m|-M|-r|-u <UUID|label>` (ESX 4.0 and later).
pub fn volume(host: &EmulatedHost, args: &[String]) -> Reply {
    let mut st = host.lock();
    match args {
        [l] if l == "-l" => {
            let mut seen = std::collections::BTreeSet::new();
            let blocks: Vec<String> = select_unresolved(host, &st, None, None)
                .into_iter()
                .filter(|(_, h)| seen.insert(h.uuid.clone()))
                .map(|(d, h)| {
                    volume_block(
                        &h.uuid,
                        &h.label,
                        mount_blocker(&st, &h),
                        &d.naa,
                        d.size_bytes / (1024 * 1024),
                    )
                })
                .collect();
            if blocks.is_empty() {
                return Reply::ok("");
            }
            let scanning = match host.config().vmfs_type() {
                "VMFS-6" => "Scanning for VMFS-6 host activity (4096 bytes/HB, 1024 HBs).\n",
                "VMFS-5" => "Scanning for VMFS-5 host activity (512 bytes/HB, 2048 HBs).\n",
                _ => "",
            };
            let blocks = if scanning.is_empty() {
                blocks
                    .iter()
                    .map(|b| b.replacen("VMFS UUID/label", "VMFS3 UUID/label", 1))
                    .collect()
            } else {
                blocks
            };
            Reply::ok(format!("{scanning}{}", blocks.join("\n")))
        }
        [op, target] if matches!(op.as_str(), "-m" | "-M" | "-r") => {
            let by_label = select_unresolved(host, &st, Some(target), None);
            let found = if by_label.is_empty() {
                select_unresolved(host, &st, None, Some(target))
            } else {
                by_label
            };
            let Some((dev, h)) = found.into_iter().next() else {
                return Reply::fail(1, format!("No matching volume {target} found"));
            };
            if op == "-r" {
                return match host.resignature(&mut st, &dev.naa, &h) {
                    Ok(_) => Reply::ok(format!("Resignaturing volume {target}\n")),
                    Err(e) => Reply::fail(1, e),
                };
            }
            if let Some(why) = mount_blocker(&st, &h) {
                return Reply::fail(1, messages::cannot_mount(target, why));
            }
            st.vmfs.push(VmfsMount {
                naa: dev.naa,
                uuid: h.uuid,
                label: h.label,
                persistent: op == "-M",
            });
            Reply::ok(if op == "-M" {
                format!("Persistently mounting volume {target}\n")
            } else {
                format!("Mounting volume {target}\n")
            })
        }
        [u, target] if u == "-u" => {
            let Some(at) = st
                .vmfs
                .iter()
                .position(|m| &m.label == target || &m.uuid == target)
            else {
                return Reply::fail(1, format!("No matching volume {target} found"));
            };
            let m = st.vmfs.remove(at);
            st.unmounted.insert(m.uuid);
            Reply::ok(format!("Unmounting volume {target}\n"))
        }
        _ => usage("esxcfg-volume"),
    }
}

/// `esxcfg-nas -l | -a -o HOST -s SHARE [-y] NAME | -d NAME`.
pub fn nas(host: &EmulatedHost, args: &[String]) -> Reply {
    match args.first().map(String::as_str) {
        Some("-l") => {
            let st = host.lock();
            if st.nfs.is_empty() {
                return Reply::ok("No NAS datastore found\n");
            }
            Reply::ok(
                st.nfs
                    .iter()
                    .map(|n| format!("{} is {} from {} mounted\n", n.name, n.share, n.host))
                    .collect::<String>(),
            )
        }
        Some("-a") => {
            let (mut server, mut share, mut read_only, mut name) = (None, None, false, None);
            let mut it = args[1..].iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "-o" => server = it.next(),
                    "-s" => share = it.next(),
                    "-y" if host.config().version().release.0 >= 4 => read_only = true,
                    other if !other.starts_with('-') && name.is_none() => name = Some(a),
                    _ => return usage("esxcfg-nas"),
                }
            }
            let (Some(server), Some(share), Some(name)) = (server, share, name) else {
                return usage("esxcfg-nas");
            };
            let connecting = format!("Connecting to NAS volume: {name}\n");
            match mount_nfs(host, server, share, name, read_only) {
                Ok(()) => Reply::ok(format!("{connecting}{name} created and connected.\n")),
                Err(e) => Reply {
                    status: 1,
                    stdout: connecting,
                    stderr: format!("Unable to connect to NAS volume {name}: {e}\n"),
                },
            }
        }
        Some("-d") => {
            let Some(name) = args.get(1) else {
                return usage("esxcfg-nas");
            };
            let mut st = host.lock();
            let before = st.nfs.len();
            st.nfs.retain(|n| &n.name != name);
            if st.nfs.len() == before {
                return Reply::fail(1, messages::nfs_unknown(name));
            }
            Reply::ok(format!("NAS volume {name} deleted.\n"))
        }
        _ => usage("esxcfg-nas"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esxcfg_volume_block_matches_the_real_esxi6_sample() {
        let real = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/esxcli/esxcfg-volume-l.esxi6.txt"
        ));
        let block = volume_block(
            "5fd23c30-16acc074-006d-d09466c6d6af",
            "esxi6-flash-ds",
            None,
            "naa.6589cfc0000003c710fbb298e0d059e7",
            511744,
        );
        assert_eq!(
            format!("Scanning for VMFS-6 host activity (4096 bytes/HB, 1024 HBs).\n{block}"),
            real
        );
    }
}
