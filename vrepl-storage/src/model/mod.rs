//! The vendor-neutral storage model: validated names, and the objects an array holds.

mod initiator;
mod name;
mod objects;

pub use initiator::{Initiator, Iqn, Wwpn};
pub use name::{
    ClusterName, IgroupName, JunctionPath, LunName, LunPath, PolicyName, SnapshotName, SvmName,
    VolumeName, VolumePath,
};
pub use objects::{
    client_matches, naa_id_for_serial, CloneParent, CloneSpec, ExportRule, Igroup, IgroupProtocol,
    Lun, LunMap, NewExportRule, NewIgroup, NewLun, NewVolume, OsType, Snapshot, Volume,
    VolumeState, VolumeType,
};
