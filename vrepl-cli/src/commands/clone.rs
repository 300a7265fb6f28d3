//! `clone create|split|delete`: FlexClones, as a DR test makes of a SnapMirror destination.

use serde::Serialize;
use vrepl_storage::model::{
    CloneSpec, JunctionPath, SnapshotName, Volume, VolumeName, VolumeState,
};

use super::{print_dry_run, Ctx};
use crate::backend::OnCluster;
use crate::cli::{CloneCommand, CloneCreateArgs, CloneTargetArgs};
use crate::exit::{CliError, CliResult, ErrorKind};
use crate::resolve;

/// A volume, as `clone` prints it.
#[derive(Debug, Serialize)]
pub struct VolumeView {
    /// The cluster.
    pub cluster: String,
    /// `svm:volume`.
    pub path: String,
    /// `rw` or `dp`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `online`, `restricted`, `offline`.
    pub state: String,
    /// Junction path, if mounted.
    pub junction_path: Option<String>,
    /// The parent volume, for a FlexClone.
    pub clone_parent_volume: Option<String>,
    /// The parent snapshot, for a FlexClone.
    pub clone_parent_snapshot: Option<String>,
}

impl VolumeView {
    fn new(cluster: &str, v: &Volume) -> Self {
        Self {
            cluster: cluster.to_string(),
            path: v.path.to_string(),
            kind: v.kind.to_string(),
            state: v.state.to_string(),
            junction_path: v.junction_path.as_ref().map(|j| j.to_string()),
            clone_parent_volume: v.clone_parent.as_ref().map(|p| p.volume.to_string()),
            clone_parent_snapshot: v.clone_parent.as_ref().map(|p| p.snapshot.to_string()),
        }
    }
}

/// Runs a `clone` subcommand.
pub async fn run(ctx: &Ctx, cmd: &CloneCommand) -> CliResult<()> {
    match cmd {
        CloneCommand::Create(a) => create(ctx, a).await,
        CloneCommand::Split(a) => split(ctx, a).await,
        CloneCommand::Delete(a) => delete(ctx, a).await,
    }
}

async fn create(ctx: &Ctx, args: &CloneCreateArgs) -> CliResult<()> {
    let parent = resolve::volume(&ctx.backend, &args.parent).await?;
    let spec = CloneSpec {
        parent: parent.item.path.clone(),
        name: VolumeName::new(&args.name)?,
        parent_snapshot: args
            .snapshot
            .as_deref()
            .map(SnapshotName::new)
            .transpose()?,
        junction_path: args
            .junction_path
            .as_deref()
            .map(JunctionPath::new)
            .transpose()?,
    };
    if let Some(wanted) = &spec.parent_snapshot {
        // Checked here so that a typo reads as a missing snapshot, not as whatever the array's
        // failed clone job says.
        let snapshots = parent.cluster.array.list_snapshots(&spec.parent).await?;
        if !snapshots.iter().any(|s| &s.name == wanted) {
            let newest: Vec<String> = snapshots
                .iter()
                .rev()
                .take(3)
                .map(|s| s.name.to_string())
                .collect();
            return Err(
                CliError::not_found(format!("{} has no snapshot {wanted}", spec.parent)).with_hint(
                    format!(
                "leave out --snapshot to use the newest SnapMirror snapshot; the newest are: {}",
                newest.join(", ")
            ),
                ),
            );
        }
    }
    if args.dry_run {
        return print_dry_run(
            ctx,
            vec![format!("{}: create_clone({spec:?})", parent.cluster.name)],
            Some(format!(
                "FlexClone {}:{} of {} from {}",
                parent.item.path.svm,
                spec.name,
                spec.parent,
                spec.parent_snapshot
                    .as_ref()
                    .map(|s| format!("snapshot {s}"))
                    .unwrap_or_else(|| "its newest SnapMirror snapshot".into())
            )),
        );
    }
    let clone = parent.cluster.array.create_clone(&spec).await?;
    let view = VolumeView::new(parent.cluster.name.as_str(), &clone);
    ctx.printer.emit(&view, |_| {
        format!(
            "created FlexClone {} from {} snapshot {}",
            view.path,
            view.clone_parent_volume.as_deref().unwrap_or("?"),
            view.clone_parent_snapshot.as_deref().unwrap_or("?")
        )
    });
    Ok(())
}

async fn flexclone(ctx: &Ctx, arg: &str) -> CliResult<OnCluster<Volume>> {
    let v = resolve::volume(&ctx.backend, arg).await?;
    if !v.item.is_flexclone() {
        return Err(CliError::new(
            ErrorKind::IllegalState,
            format!(
                "{} is not a FlexClone (or was split from its parent already)",
                v.item.path
            ),
        )
        .with_hint(
            "snapctl clone only splits and deletes FlexClones; it never deletes other volumes",
        ));
    }
    Ok(v)
}

async fn split(ctx: &Ctx, args: &CloneTargetArgs) -> CliResult<()> {
    let v = flexclone(ctx, &args.volume).await?;
    if args.dry_run {
        return print_dry_run(
            ctx,
            vec![format!("{}: split_clone({})", v.cluster.name, v.item.path)],
            None,
        );
    }
    v.cluster.array.split_clone(&v.item.path).await?;
    let after = v.cluster.array.volume(&v.item.path).await?;
    let view = VolumeView::new(v.cluster.name.as_str(), &after);
    ctx.printer
        .emit(&view, |_| format!("split {} from its parent", view.path));
    Ok(())
}

async fn delete(ctx: &Ctx, args: &CloneTargetArgs) -> CliResult<()> {
    let v = flexclone(ctx, &args.volume).await?;
    let array = &v.cluster.array;
    let path = &v.item.path;
    let luns = array.list_luns(Some(path)).await?;
    let maps = array.list_lun_maps(Some(&path.svm)).await?;
    let mapped: Vec<String> = maps
        .iter()
        .filter(|m| luns.iter().any(|l| l.path == m.lun))
        .map(|m| format!("{} -> igroup {} (LUN id {})", m.lun, m.igroup, m.lun_id))
        .collect();
    if !mapped.is_empty() {
        return Err(CliError::new(
            ErrorKind::IllegalState,
            format!("{path} still has mapped LUNs: hosts may be using it"),
        )
        .with_details(mapped)
        .with_hint(format!(
            "unmount its datastore on the hosts, then snapctl lun unmap {}:LUN IGROUP",
            path.svm
        )));
    }
    let mut calls = Vec::new();
    if v.item.junction_path.is_some() {
        calls.push(format!("{}: unmount_volume({path})", v.cluster.name));
    }
    if v.item.state != VolumeState::Offline {
        calls.push(format!(
            "{}: set_volume_state({path}, offline)",
            v.cluster.name
        ));
    }
    calls.push(format!("{}: delete_volume({path})", v.cluster.name));
    if args.dry_run {
        return print_dry_run(ctx, calls, Some(format!("FlexClone {path} is deleted")));
    }
    if v.item.junction_path.is_some() {
        array.unmount_volume(path).await?;
    }
    if v.item.state != VolumeState::Offline {
        array.set_volume_state(path, VolumeState::Offline).await?;
    }
    array.delete_volume(path).await?;
    let view =
        serde_json::json!({ "deleted": path.to_string(), "cluster": v.cluster.name.to_string() });
    ctx.printer
        .emit(&view, |_| format!("deleted FlexClone {path}"));
    Ok(())
}
