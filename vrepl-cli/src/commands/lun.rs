//! `lun show|online|offline|map|unmap`.

use serde::Serialize;
use vrepl_storage::model::IgroupName;

use super::{print_dry_run, Ctx};
use crate::cli::{LunCommand, LunMapArgs, LunShowArgs, LunTargetArgs};
use crate::exit::{CliError, CliResult};
use crate::output::{Cell, Tone};
use crate::resolve::{self, Target};

/// One LUN.
#[derive(Debug, Serialize)]
pub struct LunView {
    /// The cluster.
    pub cluster: String,
    /// The SVM.
    pub svm: String,
    /// `/vol/VOLUME/NAME`.
    pub path: String,
    /// Administratively online.
    pub online: bool,
    /// Read-only to hosts (its volume is a SnapMirror destination).
    pub read_only: bool,
    /// The serial number.
    pub serial: String,
    /// The NAA id hosts see.
    pub naa: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// `igroup:lun_id` for each map.
    pub maps: Vec<LunMapView>,
}

/// One LUN map.
#[derive(Debug, Serialize)]
pub struct LunMapView {
    /// The igroup.
    pub igroup: String,
    /// The LUN id hosts see.
    pub lun_id: u32,
}

/// Runs a `lun` subcommand.
pub async fn run(ctx: &Ctx, cmd: &LunCommand) -> CliResult<()> {
    match cmd {
        LunCommand::Show(a) => show(ctx, a).await,
        LunCommand::Online(a) => set_online(ctx, a, true).await,
        LunCommand::Offline(a) => set_online(ctx, a, false).await,
        LunCommand::Map(a) => map(ctx, a).await,
        LunCommand::Unmap(a) => unmap(ctx, a).await,
    }
}

async fn show(ctx: &Ctx, args: &LunShowArgs) -> CliResult<()> {
    let filter = args.volume.as_deref().map(Target::parse).transpose()?;
    let all = ctx
        .backend
        .gather(|c| {
            let a = std::sync::Arc::clone(&c.array);
            async move {
                let luns = a.list_luns(None).await?;
                let maps = a.list_lun_maps(None).await?;
                Ok(vec![(luns, maps)])
            }
        })
        .await;
    for u in &all.unreachable {
        ctx.printer
            .warn(format!("{} did not answer: {}", u.cluster, u.reason));
    }
    let mut views = Vec::new();
    for found in &all.found {
        let (luns, maps) = &found.item;
        for l in luns {
            let vol = vrepl_storage::model::VolumePath::new(l.svm.clone(), l.path.volume.clone());
            if let Some(t) = &filter {
                if !t.matches(&found.cluster.name, &vol) {
                    continue;
                }
            }
            views.push(LunView {
                cluster: found.cluster.name.to_string(),
                svm: l.svm.to_string(),
                path: l.path.to_string(),
                online: l.online,
                read_only: l.read_only,
                serial: l.serial.clone(),
                naa: l.naa_id(),
                size_bytes: l.size_bytes,
                maps: maps
                    .iter()
                    .filter(|m| m.svm == l.svm && m.lun == l.path)
                    .map(|m| LunMapView {
                        igroup: m.igroup.to_string(),
                        lun_id: m.lun_id,
                    })
                    .collect(),
            });
        }
    }
    ctx.printer.emit(&views, |p| {
        if views.is_empty() {
            return "There are no entries matching your query.".into();
        }
        let rows: Vec<Vec<Cell>> = views
            .iter()
            .map(|l| {
                vec![
                    Cell::plain(&l.cluster),
                    Cell::plain(&l.svm),
                    Cell::plain(&l.path),
                    Cell::toned(
                        if l.online { "online" } else { "offline" },
                        if l.online { Tone::Good } else { Tone::Warn },
                    ),
                    Cell::plain(if l.read_only {
                        "read-only"
                    } else {
                        "read-write"
                    }),
                    Cell::plain(vrepl_storage::error::human_bytes(l.size_bytes)),
                    Cell::plain(
                        l.maps
                            .iter()
                            .map(|m| format!("{}:{}", m.igroup, m.lun_id))
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                    Cell::toned(&l.naa, Tone::Dim),
                ]
            })
            .collect();
        p.table(
            &[
                "Cluster", "SVM", "Path", "State", "Access", "Size", "Mapped", "NAA",
            ],
            &rows,
        )
    });
    Ok(())
}

async fn set_online(ctx: &Ctx, args: &LunTargetArgs, online: bool) -> CliResult<()> {
    let lun = resolve::lun(&ctx.backend, &args.lun).await?;
    let word = if online { "online" } else { "offline" };
    let name = format!("{}:{}", lun.item.svm, lun.item.path);
    if args.dry_run {
        return print_dry_run(
            ctx,
            vec![format!(
                "{}: set_lun_online({}, {}, {online})",
                lun.cluster.name, lun.item.svm, lun.item.path
            )],
            Some(if lun.item.online == online {
                format!("{name} is already {word}; nothing would change")
            } else {
                format!("{name} goes {word}")
            }),
        );
    }
    let already = lun.item.online == online;
    if !already {
        lun.cluster
            .array
            .set_lun_online(&lun.item.svm, &lun.item.path, online)
            .await?;
    }
    let view = serde_json::json!({ "lun": name, "cluster": lun.cluster.name.to_string(), "online": online, "already": already });
    ctx.printer.emit(&view, |_| {
        if already {
            format!("{name} is already {word}; nothing to do")
        } else {
            format!("{name} is now {word}")
        }
    });
    Ok(())
}

async fn map(ctx: &Ctx, args: &LunMapArgs) -> CliResult<()> {
    let lun = resolve::lun(&ctx.backend, &args.lun).await?;
    let igroup = IgroupName::new(&args.igroup)?;
    let array = &lun.cluster.array;
    let existing = array.list_lun_maps(Some(&lun.item.svm)).await?;
    let name = format!("{}:{}", lun.item.svm, lun.item.path);
    let current = existing
        .iter()
        .find(|m| m.lun == lun.item.path && m.igroup == igroup);
    if args.dry_run {
        return print_dry_run(
            ctx,
            vec![format!(
                "{}: map_lun({}, {}, {igroup}, lun_id={:?})",
                lun.cluster.name, lun.item.svm, lun.item.path, args.lun_id
            )],
            Some(match current {
                Some(m) => format!("{name} is already mapped to {igroup} as LUN {}", m.lun_id),
                None => format!("{name} is presented to igroup {igroup}"),
            }),
        );
    }
    let (m, already) = match current {
        Some(m) if args.lun_id.is_none_or(|id| id == m.lun_id) => (m.clone(), true),
        Some(m) => {
            return Err(CliError::new(
                crate::exit::ErrorKind::IllegalState,
                format!("{name} is already mapped to {igroup} as LUN {}", m.lun_id),
            )
            .with_hint("unmap it first to change its LUN id"))
        }
        None => (
            array
                .map_lun(&lun.item.svm, &lun.item.path, &igroup, args.lun_id)
                .await?,
            false,
        ),
    };
    let view = serde_json::json!({ "lun": name, "cluster": lun.cluster.name.to_string(), "igroup": igroup.to_string(), "lun_id": m.lun_id, "already": already });
    ctx.printer.emit(&view, |_| {
        if already {
            format!(
                "{name} is already mapped to {igroup} as LUN {}; nothing to do",
                m.lun_id
            )
        } else {
            format!("mapped {name} to {igroup} as LUN {}", m.lun_id)
        }
    });
    Ok(())
}

async fn unmap(ctx: &Ctx, args: &LunMapArgs) -> CliResult<()> {
    let lun = resolve::lun(&ctx.backend, &args.lun).await?;
    let igroup = IgroupName::new(&args.igroup)?;
    let array = &lun.cluster.array;
    let name = format!("{}:{}", lun.item.svm, lun.item.path);
    let mapped = array
        .list_lun_maps(Some(&lun.item.svm))
        .await?
        .iter()
        .any(|m| m.lun == lun.item.path && m.igroup == igroup);
    if args.dry_run {
        return print_dry_run(
            ctx,
            vec![format!(
                "{}: unmap_lun({}, {}, {igroup})",
                lun.cluster.name, lun.item.svm, lun.item.path
            )],
            Some(if mapped {
                format!("{name} is no longer presented to {igroup}")
            } else {
                format!("{name} is not mapped to {igroup}; nothing would change")
            }),
        );
    }
    if mapped {
        array
            .unmap_lun(&lun.item.svm, &lun.item.path, &igroup)
            .await?;
    }
    let view = serde_json::json!({ "lun": name, "cluster": lun.cluster.name.to_string(), "igroup": igroup.to_string(), "already": !mapped });
    ctx.printer.emit(&view, |_| {
        if mapped {
            format!("unmapped {name} from {igroup}")
        } else {
            format!("{name} is already not mapped to {igroup}; nothing to do")
        }
    });
    Ok(())
}
