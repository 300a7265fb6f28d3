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

/// `esxcfg-scsidevs -a|-c|-m`.
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

/// `esxcfg-volume -l | -m|-M|-r|-u <UUID|label>` (ESX 4.x).
pub fn volume(host: &EmulatedHost, args: &[String]) -> Reply {
    let mut st = host.lock();
    match args {
        [l] if l == "-l" => {
            let mut seen = std::collections::BTreeSet::new();
            let blocks: Vec<String> = select_unresolved(host, &st, None, None)
                .into_iter()
                .filter(|(_, h)| seen.insert(h.uuid.clone()))
                .map(|(d, h)| {
                    let can_mount = match mount_blocker(&st, &h) {
                        None => "Yes".to_string(),
                        Some(why) => format!("No ({why})"),
                    };
                    format!(
                        "VMFS3 UUID/label: {}/{}\nCan mount: {can_mount}\nCan resignature: Yes\nExtent name: {}:1     range: 0 - {} (MB)\n",
                        h.uuid,
                        h.label,
                        d.naa,
                        (d.size_bytes / (1024 * 1024)).saturating_sub(1)
                    )
                })
                .collect();
            Reply::ok(blocks.join("\n"))
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
