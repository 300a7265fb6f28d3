//! The `esxcli` namespaces the emulator implements (ESXi 5 and later), printed as real esxcli
//! prints them: text tables and lists, or `--formatter=csv`.

use vrepl_storage::sim::VmfsHeader;

use super::host::{EmulatedHost, Reply, OPTIONS};
use super::messages;
use super::render::{self, f, s, Record, Val};
use super::shell::{flag, val, OptSpec, Opts};
use super::state::{HostState, SeenLun};

enum Layout {
    Table,
    List,
}

/// What a command produced.
enum Out {
    Nothing,
    Records(Layout, Vec<(Option<String>, Record)>),
}

type CmdResult = Result<Out, String>;

struct Command {
    path: &'static [&'static str],
    opts: &'static [OptSpec],
}

const LABEL_UUID: &[OptSpec] = &[val('l', "volume-label"), val('u', "volume-uuid")];

const COMMANDS: &[Command] = &[
    Command {
        path: &["system", "settings", "advanced", "list"],
        opts: &[val('o', "option"), flag('d', "delta")],
    },
    Command {
        path: &["system", "settings", "advanced", "set"],
        opts: &[
            val('o', "option"),
            val('i', "int-value"),
            val('s', "string-value"),
            flag('d', "default"),
        ],
    },
    Command {
        path: &["storage", "core", "adapter", "list"],
        opts: &[],
    },
    Command {
        path: &["storage", "core", "adapter", "rescan"],
        opts: &[
            flag('a', "all"),
            val('A', "adapter"),
            flag('S', "skip-claim"),
            flag('F', "skip-fs-scan"),
            val('t', "type"),
        ],
    },
    Command {
        path: &["storage", "core", "device", "list"],
        opts: &[val('d', "device")],
    },
    Command {
        path: &["storage", "filesystem", "list"],
        opts: &[],
    },
    Command {
        path: &["storage", "filesystem", "rescan"],
        opts: &[],
    },
    Command {
        path: &["storage", "filesystem", "mount"],
        opts: &[
            val('l', "volume-label"),
            val('u', "volume-uuid"),
            flag('n', "no-persist"),
        ],
    },
    Command {
        path: &["storage", "filesystem", "unmount"],
        opts: &[
            val('l', "volume-label"),
            val('u', "volume-uuid"),
            val('p', "volume-path"),
        ],
    },
    Command {
        path: &["storage", "vmfs", "snapshot", "list"],
        opts: LABEL_UUID,
    },
    Command {
        path: &["storage", "vmfs", "snapshot", "mount"],
        opts: &[
            val('l', "volume-label"),
            val('u', "volume-uuid"),
            flag('n', "no-persist"),
        ],
    },
    Command {
        path: &["storage", "vmfs", "snapshot", "resignature"],
        opts: LABEL_UUID,
    },
    Command {
        path: &["storage", "nfs", "list"],
        opts: &[],
    },
    Command {
        path: &["storage", "nfs", "add"],
        opts: &[
            val('H', "host"),
            val('s', "share"),
            val('v', "volume-name"),
            flag('r', "readonly"),
        ],
    },
    Command {
        path: &["storage", "nfs", "remove"],
        opts: &[val('v', "volume-name")],
    },
];

/// Runs `esxcli ARGS`.
pub async fn run(host: &EmulatedHost, args: &[String]) -> Reply {
    let mut args = args.to_vec();
    let mut csv = false;
    if let Some(at) = args.iter().position(|a| a.starts_with("--formatter")) {
        let value = match args[at].split_once('=') {
            Some((_, v)) => v.to_string(),
            None if at + 1 < args.len() => args.remove(at + 1),
            None => String::new(),
        };
        args.remove(at);
        match value.as_str() {
            "csv" => csv = true,
            "xml" | "keyvalue" => {
                return Reply::fail(
                    1,
                    format!("Runtime error: the emulator prints text and csv, not {value}"),
                )
            }
            other => return Reply::fail(1, format!("Unable to find requested formatter: {other}")),
        }
    }
    let words: Vec<&str> = args
        .iter()
        .take_while(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    let Some(cmd) = COMMANDS.iter().find(|c| c.path == words.as_slice()) else {
        return Reply::fail(
            1,
            format!("Error: Unknown command or namespace {}", words.join(" ")),
        );
    };
    let usage = |msg: String| {
        Reply::fail(
            1,
            format!(
                "Error: {msg}\n\nUsage: esxcli {} [cmd options]",
                cmd.path.join(" ")
            ),
        )
    };
    let opts = match Opts::parse(&args[words.len()..], cmd.opts) {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    let result = match cmd.path {
        ["system", "settings", "advanced", "list"] => advanced_list(host, &opts),
        ["system", "settings", "advanced", "set"] => advanced_set(host, &opts),
        ["storage", "core", "adapter", "list"] => Ok(adapter_list(host)),
        ["storage", "core", "adapter", "rescan"] => adapter_rescan(host, &opts),
        ["storage", "core", "device", "list"] => device_list(host, &opts),
        ["storage", "filesystem", "list"] => Ok(filesystem_list(host).await),
        ["storage", "filesystem", "rescan"] => {
            host.vmfs_scan(&mut host.lock());
            Ok(Out::Nothing)
        }
        ["storage", "filesystem", "mount"] => filesystem_mount(host, &opts),
        ["storage", "filesystem", "unmount"] => filesystem_unmount(host, &opts),
        ["storage", "vmfs", "snapshot", "list"] => Ok(snapshot_list(host, &opts)),
        ["storage", "vmfs", "snapshot", "mount"] => snapshot_mount(host, &opts),
        ["storage", "vmfs", "snapshot", "resignature"] => snapshot_resignature(host, &opts),
        ["storage", "nfs", "list"] => Ok(nfs_list(host)),
        ["storage", "nfs", "add"] => nfs_add(host, &opts),
        ["storage", "nfs", "remove"] => nfs_remove(host, &opts),
        _ => unreachable!("every command of the table has a handler"),
    };
    match result {
        Ok(Out::Nothing) => Reply::ok(""),
        Ok(Out::Records(layout, items)) => Reply::ok(if csv {
            render::csv(&items.into_iter().map(|(_, r)| r).collect::<Vec<_>>())
        } else {
            match layout {
                Layout::Table => {
                    render::table(&items.into_iter().map(|(_, r)| r).collect::<Vec<_>>())
                }
                Layout::List => render::list(&items),
            }
        }),
        Err(e) if e.starts_with("Missing required parameter") => usage(e),
        Err(e) => Reply::fail(1, e),
    }
}

fn required<'a>(opts: &'a Opts, short: char, long: &str) -> Result<&'a str, String> {
    opts.get(long)
        .ok_or_else(|| format!("Missing required parameter -{short}|--{long}"))
}

fn table(records: Vec<Record>) -> Out {
    Out::Records(
        Layout::Table,
        records.into_iter().map(|r| (None, r)).collect(),
    )
}

fn advanced_list(host: &EmulatedHost, opts: &Opts) -> CmdResult {
    let st = host.lock();
    let defs: Vec<_> = match opts.get("option") {
        Some(path) => {
            vec![EmulatedHost::option_def(path).ok_or_else(|| messages::unknown_option(path))?]
        }
        None => OPTIONS.iter().collect(),
    };
    let items = defs
        .into_iter()
        .filter(|d| !opts.has("delta") || EmulatedHost::option(&st, d) != d.default)
        .map(|d| {
            (
                None,
                vec![
                    f("Path", "Path", s(d.path)),
                    f("Type", "Type", s("integer")),
                    f(
                        "IntValue",
                        "Int Value",
                        Val::Int(EmulatedHost::option(&st, d)),
                    ),
                    f("DefaultIntValue", "Default Int Value", Val::Int(d.default)),
                    f("MinValue", "Min Value", Val::Int(d.min)),
                    f("MaxValue", "Max Value", Val::Int(d.max)),
                    f("StringValue", "String Value", s("")),
                    f("DefaultStringValue", "Default String Value", s("")),
                    f("ValidCharacters", "Valid Characters", s("")),
                    f("Description", "Description", s(d.description)),
                ],
            )
        })
        .collect();
    Ok(Out::Records(Layout::List, items))
}

fn advanced_set(host: &EmulatedHost, opts: &Opts) -> CmdResult {
    let path = required(opts, 'o', "option")?;
    let def = EmulatedHost::option_def(path).ok_or_else(|| messages::unknown_option(path))?;
    let value = match (opts.get("int-value"), opts.has("default")) {
        (_, true) => def.default,
        (Some(v), _) => v
            .parse::<i64>()
            .map_err(|_| format!("Invalid value {v} for option {}: not an integer", def.path))?,
        (None, _) => return Err("Missing required parameter -i|--int-value".into()),
    };
    if !(def.min..=def.max).contains(&value) {
        return Err(format!(
            "Invalid value {value} for option {}: it must be between {} and {}",
            def.path, def.min, def.max
        ));
    }
    host.lock().options.insert(def.path.to_string(), value);
    Ok(Out::Nothing)
}

/// The local controller and the FC ports, as `adapter list` rows.
pub(crate) fn adapters(host: &EmulatedHost) -> Vec<(String, String, String, String, String)> {
    let mut out = vec![(
        "vmhba0".to_string(),
        "mptspi".to_string(),
        "link-n/a".to_string(),
        "pscsi.vmhba0".to_string(),
        "(0000:03:00.0) LSI Logic / Symbios Logic LSI Logic Parallel SCSI Controller".to_string(),
    )];
    for (i, (name, wwpn)) in host.fc_adapters().into_iter().enumerate() {
        let mut wwnn = wwpn.bytes();
        wwnn[0] = 0x20;
        let hex = |b: [u8; 8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        out.push((
            name,
            "lpfc".into(),
            "link-up".into(),
            format!("fc.{}:{}", hex(wwnn), hex(wwpn.bytes())),
            format!("(0000:0b:00.{i}) Emulex Corporation LPe11000 4Gb Fibre Channel Host Adapter"),
        ));
    }
    out
}

fn adapter_list(host: &EmulatedHost) -> Out {
    table(
        adapters(host)
            .into_iter()
            .map(|(name, driver, link, uid, desc)| {
                let caps = if uid.starts_with("fc.") {
                    "Second Level Lun ID"
                } else {
                    ""
                };
                vec![
                    f("HBAName", "HBA Name", s(name)),
                    f("Driver", "Driver", s(driver)),
                    f("LinkState", "Link State", s(link)),
                    f("UID", "UID", s(uid)),
                    f("Capabilities", "Capabilities", s(caps)),
                    f("Description", "Description", s(desc)),
                ]
            })
            .collect(),
    )
}

fn adapter_rescan(host: &EmulatedHost, opts: &Opts) -> CmdResult {
    let mut st = host.lock();
    match (opts.has("all"), opts.get("adapter")) {
        (true, _) => host.rescan_all(&mut st),
        (false, Some(adapter)) => {
            if !host.rescan_adapter(&mut st, adapter) {
                return Err(format!("Unable to find adapter {adapter}"));
            }
            if !opts.has("skip-fs-scan") {
                host.vmfs_scan(&mut st);
            }
        }
        (false, None) => return Err("Missing required parameter -A|--adapter".into()),
    }
    Ok(Out::Nothing)
}

fn device_record(d: &SeenLun) -> Record {
    let vml = format!(
        "vml.02000{:03x}{}",
        d.lun_id,
        d.naa.trim_start_matches("naa.")
    );
    vec![
        f("Device", "", s(&d.naa)),
        f(
            "DisplayName",
            "Display Name",
            s(format!("NETAPP Fibre Channel Disk ({})", d.naa)),
        ),
        f(
            "HasSettableDisplayName",
            "Has Settable Display Name",
            Val::Bool(true),
        ),
        f(
            "Size",
            "Size",
            Val::Int((d.size_bytes / (1024 * 1024)) as i64),
        ),
        f("DeviceType", "Device Type", s("Direct-Access ")),
        f("MultipathPlugin", "Multipath Plugin", s("NMP")),
        f(
            "DevfsPath",
            "Devfs Path",
            s(format!("/vmfs/devices/disks/{}", d.naa)),
        ),
        f("Vendor", "Vendor", s("NETAPP  ")),
        f("Model", "Model", s("LUN             ")),
        f("Revision", "Revision", s("7310")),
        f("SCSILevel", "SCSI Level", Val::Int(4)),
        f("IsPseudo", "Is Pseudo", Val::Bool(false)),
        f("Status", "Status", s(if d.online { "on" } else { "off" })),
        f("IsRDMCapable", "Is RDM Capable", Val::Bool(true)),
        f("IsLocal", "Is Local", Val::Bool(false)),
        f("IsRemovable", "Is Removable", Val::Bool(false)),
        f("IsSSD", "Is SSD", Val::Bool(false)),
        f("IsOffline", "Is Offline", Val::Bool(!d.online)),
        f(
            "IsPerenniallyReserved",
            "Is Perennially Reserved",
            Val::Bool(false),
        ),
        f("QueueFullSampleSize", "Queue Full Sample Size", Val::Int(0)),
        f("QueueFullThreshold", "Queue Full Threshold", Val::Int(0)),
        f(
            "ThinProvisioningStatus",
            "Thin Provisioning Status",
            s("yes"),
        ),
        f("AttachedFilters", "Attached Filters", s("")),
        f("VAAIStatus", "VAAI Status", s("unknown")),
        f("OtherUIDs", "Other UIDs", Val::List(vec![vml])),
    ]
}

fn device_list(host: &EmulatedHost, opts: &Opts) -> CmdResult {
    let st = host.lock();
    let wanted = opts.get("device");
    let items: Vec<_> = st
        .devices()
        .into_iter()
        .filter(|d| wanted.map_or(true, |w| w == d.naa))
        .map(|d| (Some(d.naa.clone()), device_record(d)))
        .collect();
    if let (Some(w), true) = (wanted, items.is_empty()) {
        return Err(format!("Unable to find device {w}"));
    }
    Ok(Out::Records(Layout::List, items))
}

/// Bytes used by the files of a mounted datastore.
pub(crate) fn used_bytes(host: &EmulatedHost, naa: &str) -> u64 {
    let fabric = host.fabric();
    fabric
        .vmfs_list(naa)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            fabric
                .vmfs_read(naa, p)
                .map(|d| d.len() as u64)
                .unwrap_or(0)
        })
        .sum()
}

async fn filesystem_list(host: &EmulatedHost) -> Out {
    let st = host.state();
    let mut rows = Vec::new();
    let fs_row = |mp: String, name: &str, uuid: &str, ty: &str, size: u64, free: u64| {
        vec![
            f("MountPoint", "Mount Point", s(&mp)),
            f("VolumeName", "Volume Name", s(name)),
            f("UUID", "UUID", s(uuid)),
            f("Mounted", "Mounted", Val::Bool(!mp.is_empty())),
            f("Type", "Type", s(ty)),
            f("Size", "Size", Val::Int(size as i64)),
            f("Free", "Free", Val::Int(free as i64)),
        ]
    };
    for m in &st.vmfs {
        let size = st.device(&m.naa).map(|d| d.size_bytes).unwrap_or(0);
        let free = size.saturating_sub(used_bytes(host, &m.naa));
        rows.push(fs_row(
            format!("/vmfs/volumes/{}", m.uuid),
            &m.label,
            &m.uuid,
            host.config().vmfs_type(),
            size,
            free,
        ));
    }
    // Unmounted volumes are listed too, without a mount point or sizes (the host cannot read
    // them without mounting): `[mem]` type text.
    for (_, h) in host.unmounted_originals(&st) {
        rows.push(fs_row(
            String::new(),
            &h.label,
            &h.uuid,
            "VMFS-unknown version",
            0,
            0,
        ));
    }
    for n in &st.nfs {
        let size = nfs_size(host, &n.volume).await;
        let used: u64 = host
            .fabric()
            .list_files(&n.volume, None)
            .unwrap_or_default()
            .iter()
            .map(|p| {
                host.fabric()
                    .read_file(&n.volume, &vrepl_storage::sim::DataPath::file(p.as_str()))
                    .map(|d| d.len() as u64)
                    .unwrap_or(0)
            })
            .sum();
        rows.push(fs_row(
            format!("/vmfs/volumes/{}", n.id),
            &n.name,
            &n.id,
            "NFS",
            size,
            size.saturating_sub(used),
        ));
    }
    table(rows)
}

async fn nfs_size(host: &EmulatedHost, volume: &vrepl_storage::model::VolumePath) -> u64 {
    use vrepl_storage::StorageArray;
    let Some(cluster) = host.fabric().cluster_of_svm(&volume.svm) else {
        return 0;
    };
    match host.fabric().array(cluster.as_str()) {
        Ok(array) => array
            .volume(volume)
            .await
            .map(|v| v.size_bytes)
            .unwrap_or(0),
        Err(_) => 0,
    }
}

/// Mounts an original VMFS volume that was unmounted by hand; it is then mounted on every rescan
/// again. Mounting a mounted volume prints nothing, as success does.
fn filesystem_mount(host: &EmulatedHost, opts: &Opts) -> CmdResult {
    let mut st = host.lock();
    let (label, uuid) = (opts.get("volume-label"), opts.get("volume-uuid"));
    let target = label
        .or(uuid)
        .ok_or("Missing required parameter -l|--volume-label")?
        .to_string();
    let matches = |h_label: &str, h_uuid: &str| {
        label.map_or(true, |l| l == h_label)
            && uuid.map_or(true, |u| u.eq_ignore_ascii_case(h_uuid))
    };
    if st.vmfs.iter().any(|m| matches(&m.label, &m.uuid)) {
        return Ok(Out::Nothing);
    }
    let (dev, h) = host
        .unmounted_originals(&st)
        .into_iter()
        .find(|(_, h)| matches(&h.label, &h.uuid))
        .ok_or_else(|| messages::no_such_volume(&target))?;
    st.unmounted.remove(&h.uuid);
    st.vmfs.push(super::state::VmfsMount {
        naa: dev.naa,
        uuid: h.uuid,
        label: h.label,
        persistent: !opts.has("no-persist"),
    });
    Ok(Out::Nothing)
}

fn filesystem_unmount(host: &EmulatedHost, opts: &Opts) -> CmdResult {
    let mut st = host.lock();
    let target = opts
        .get("volume-label")
        .or(opts.get("volume-uuid"))
        .or(opts
            .get("volume-path")
            .map(|p| p.trim_start_matches("/vmfs/volumes/")))
        .ok_or("Missing required parameter -l|--volume-label")?
        .to_string();
    let at = st
        .vmfs
        .iter()
        .position(|m| m.label == target || m.uuid == target)
        .ok_or_else(|| messages::no_such_volume(&target))?;
    let m = st.vmfs.remove(at);
    st.unmounted.insert(m.uuid);
    Ok(Out::Nothing)
}

/// Which unresolved copies `-l`/`-u` select (all when neither is given).
pub(crate) fn select_unresolved(
    host: &EmulatedHost,
    st: &HostState,
    label: Option<&str>,
    uuid: Option<&str>,
) -> Vec<(SeenLun, VmfsHeader)> {
    host.unresolved(st)
        .into_iter()
        .filter(|(_, h)| label.map_or(true, |l| h.label == l))
        .filter(|(_, h)| uuid.map_or(true, |u| h.uuid.eq_ignore_ascii_case(u)))
        .collect()
}

/// Why a copy cannot be mounted keeping its signature, if it cannot.
pub(crate) fn mount_blocker(st: &HostState, h: &VmfsHeader) -> Option<&'static str> {
    st.uuid_mounted(&h.uuid)
        .then_some(messages::ORIGINAL_ONLINE)
}

fn snapshot_list(host: &EmulatedHost, opts: &Opts) -> Out {
    let st = host.lock();
    let mut seen = std::collections::BTreeSet::new();
    let items = select_unresolved(host, &st, opts.get("volume-label"), opts.get("volume-uuid"))
        .into_iter()
        .filter(|(_, h)| seen.insert(h.uuid.clone()))
        .map(|(_, h)| {
            let blocker = mount_blocker(&st, &h);
            (
                Some(h.uuid.clone()),
                vec![
                    f("VolumeName", "Volume Name", s(&h.label)),
                    f("VMFSUUID", "VMFS UUID", s(&h.uuid)),
                    f("Canmount", "Can mount", Val::Bool(blocker.is_none())),
                    f(
                        "Reasonforunmountability",
                        "Reason for un-mountability",
                        s(blocker.unwrap_or("")),
                    ),
                    f("Canresignature", "Can resignature", Val::Bool(true)),
                    f(
                        "Reasonfornonresignaturability",
                        "Reason for non-resignaturability",
                        s(""),
                    ),
                    f(
                        "UnresolvedExtentCount",
                        "Unresolved Extent Count",
                        Val::Int(1),
                    ),
                ],
            )
        })
        .collect();
    Out::Records(Layout::List, items)
}

fn pick_one(
    host: &EmulatedHost,
    st: &HostState,
    opts: &Opts,
) -> Result<(SeenLun, VmfsHeader), String> {
    let (label, uuid) = (opts.get("volume-label"), opts.get("volume-uuid"));
    if label.is_none() && uuid.is_none() {
        return Err("Missing required parameter -l|--volume-label".into());
    }
    select_unresolved(host, st, label, uuid)
        .into_iter()
        .next()
        .ok_or_else(|| match (label, uuid) {
            (Some(l), _) => messages::no_snapshot_label(l),
            (None, Some(u)) => messages::no_snapshot_uuid(u),
            (None, None) => unreachable!("checked above"),
        })
}

fn snapshot_mount(host: &EmulatedHost, opts: &Opts) -> CmdResult {
    let mut st = host.lock();
    let (dev, h) = pick_one(host, &st, opts)?;
    if let Some(reason) = mount_blocker(&st, &h) {
        return Err(messages::cannot_mount(&h.label, reason));
    }
    st.unmounted.remove(&h.uuid);
    st.vmfs.push(super::state::VmfsMount {
        naa: dev.naa,
        uuid: h.uuid,
        label: h.label,
        persistent: !opts.has("no-persist"),
    });
    Ok(Out::Nothing)
}

fn snapshot_resignature(host: &EmulatedHost, opts: &Opts) -> CmdResult {
    let mut st = host.lock();
    let (dev, h) = pick_one(host, &st, opts)?;
    host.resignature(&mut st, &dev.naa, &h)?;
    Ok(Out::Nothing)
}

fn nfs_list(host: &EmulatedHost) -> Out {
    let st = host.lock();
    let modern = host.config().version().release.0 >= 6;
    table(
        st.nfs
            .iter()
            .map(|n| {
                let mut r = vec![
                    f("VolumeName", "Volume Name", s(&n.name)),
                    f("Host", "Host", s(&n.host)),
                    f("Share", "Share", s(&n.share)),
                    f("Accessible", "Accessible", Val::Bool(true)),
                    f("Mounted", "Mounted", Val::Bool(true)),
                ];
                if modern {
                    r.push(f("ReadOnly", "Read-Only", Val::Bool(n.read_only)));
                    r.push(f("isPE", "isPE", Val::Bool(false)));
                }
                r.push(f(
                    "HardwareAcceleration",
                    "Hardware Acceleration",
                    s("Not Supported"),
                ));
                r
            })
            .collect(),
    )
}

/// Mounts an NFS export, as `nfs add` and `esxcfg-nas -a` do; the error is the VMkernel's.
pub(crate) fn mount_nfs(
    host: &EmulatedHost,
    server: &str,
    share: &str,
    name: &str,
    read_only: bool,
) -> Result<(), String> {
    if host.lock().nfs.iter().any(|n| n.name == name) {
        return Err(messages::nfs_exists(name));
    }
    let export = host
        .fabric()
        .nfs_lookup(server, share, &host.config().ip)
        .map_err(|e| {
            let vmk = match e {
                vrepl_storage::Error::NotFound {
                    kind: vrepl_storage::ObjectKind::Svm,
                    ..
                } => messages::NFS_UNREACHABLE,
                _ => messages::NFS_DENIED,
            };
            tracing::debug!(host = %host.config().name, %server, %share, "NFS mount refused: {e}");
            messages::sysinfo(vmk)
        })?;
    host.lock().nfs.push(super::state::NfsMountState {
        name: name.to_string(),
        host: server.to_string(),
        share: share.to_string(),
        volume: export.volume,
        read_only,
        id: format!(
            "{:08x}-{:08x}",
            rand::random::<u32>(),
            rand::random::<u32>()
        ),
    });
    Ok(())
}

fn nfs_add(host: &EmulatedHost, opts: &Opts) -> CmdResult {
    let server = required(opts, 'H', "host")?;
    let share = required(opts, 's', "share")?;
    let name = required(opts, 'v', "volume-name")?;
    mount_nfs(host, server, share, name, opts.has("readonly"))?;
    Ok(Out::Nothing)
}

fn nfs_remove(host: &EmulatedHost, opts: &Opts) -> CmdResult {
    let name = required(opts, 'v', "volume-name")?;
    let mut st = host.lock();
    let before = st.nfs.len();
    st.nfs.retain(|n| n.name != name);
    if st.nfs.len() == before {
        return Err(messages::nfs_unknown(name));
    }
    Ok(Out::Nothing)
}
