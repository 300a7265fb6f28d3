//! What the emulated host prints when things go wrong. Texts marked `[real]` are verbatim from
//! the reference samples; texts marked `[gap]` had no real sample and are this emulator's best
//! guess in esxcli's style (clients must not match on them).

/// `[real]` esxcli's prefix for VMkernel sysinfo failures, with a VMkernel error text.
pub fn sysinfo(vmk: &str) -> String {
    format!("Unable to complete Sysinfo operation.  Please see the VMkernel log file for more details.: Sysinfo error: {vmk}See VMkernel log for details.")
}

/// `[real]` VMkernel texts.
pub const NFS_DENIED: &str = "The NFS server denied the mount request";
/// `[real]`
pub const NFS_UNREACHABLE: &str = "Unable to connect to NFS server";

/// `[real]` prefix; `[mem]` quoting and suffix.
pub fn no_snapshot_label(label: &str) -> String {
    format!("No unresolved VMFS snapshots with volume label '{label}' found.")
}

/// `[mem]`
pub fn no_snapshot_uuid(uuid: &str) -> String {
    format!("No unresolved VMFS snapshots with volume UUID '{uuid}' found.")
}

/// `[real]` the reason `snapshot list` gives.
pub const ORIGINAL_ONLINE: &str = "the original volume is still online";

/// `[gap]` `snapshot mount` refused.
pub fn cannot_mount(volume: &str, reason: &str) -> String {
    format!("Cannot mount volume {volume}: {reason}")
}

/// `[gap]`
pub fn unknown_option(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    format!("Unable to find option {name}")
}

/// `[gap]` `filesystem unmount` / `filesystem mount` of an unknown volume.
pub fn no_such_volume(label: &str) -> String {
    format!("No volume with label '{label}' was found")
}

/// `[gap]`
pub fn nfs_exists(name: &str) -> String {
    format!("A NAS volume named {name} already exists")
}

/// `[gap]`
pub fn nfs_unknown(name: &str) -> String {
    format!("NAS volume {name} does not exist")
}
