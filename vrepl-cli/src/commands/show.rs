//! `snapctl show`: the relationships, like `snapmirror show`.

use serde::Serialize;

use super::Ctx;
use crate::cli::ShowArgs;
use crate::exit::{CliError, CliResult, ErrorKind};
use crate::output::{hms, Cell, Printer, Tone};
use crate::resolve::Target;
use crate::views::{RelationshipView, UnreachableView};

/// The JSON document.
#[derive(Debug, Serialize)]
pub struct ShowView {
    /// Relationships, by destination cluster.
    pub relationships: Vec<RelationshipView>,
    /// Clusters that did not answer.
    pub unreachable: Vec<UnreachableView>,
}

/// Runs `show`.
pub async fn run(ctx: &Ctx, args: &ShowArgs) -> CliResult<()> {
    // A protection group's name shows its relationships; anything else names a volume.
    let group: Option<Vec<Target>> = match args.filter.as_deref().and_then(|f| ctx.backend.group(f))
    {
        Some(g) => Some(
            g.relationships
                .iter()
                .map(|r| Target::parse(r))
                .collect::<CliResult<_>>()?,
        ),
        None => None,
    };
    let filter = match group {
        Some(_) => None,
        None => args.filter.as_deref().map(Target::parse).transpose()?,
    };
    let all = ctx.backend.relationships().await;
    let total = ctx.backend.clusters.len() + ctx.backend.down.len();
    if total > 0 && all.unreachable.len() == total {
        let mut e = CliError::new(ErrorKind::Connection, "no cluster answered")
            .with_hint("check the clusters' URLs and credentials with snapctl config check");
        for u in &all.unreachable {
            e = e.with_detail(format!("{}: {}", u.cluster, u.reason));
        }
        return Err(e);
    }
    let mut relationships: Vec<RelationshipView> = all
        .found
        .iter()
        .filter(|r| match &group {
            Some(members) => members
                .iter()
                .any(|t| t.matches(&r.cluster.name, &r.item.destination)),
            None => true,
        })
        .filter(|r| match &filter {
            None => true,
            Some(t) => {
                t.matches(&r.cluster.name, &r.item.destination)
                    || r.item
                        .source_cluster
                        .as_ref()
                        .map(|c| t.matches(c, &r.item.source))
                        .unwrap_or_else(|| {
                            !matches!(t, Target::Full(..))
                                && t.matches(&r.cluster.name, &r.item.source)
                        })
            }
        })
        .map(|r| RelationshipView::new(r.cluster.name.as_str(), &r.item))
        .collect();
    relationships.sort_by(|a, b| a.destination_path.cmp(&b.destination_path));
    let view = ShowView {
        relationships,
        unreachable: all.unreachable.iter().map(UnreachableView::from).collect(),
    };
    for u in &view.unreachable {
        ctx.printer.warn(format!(
            "{} did not answer; its relationships are missing: {}",
            u.cluster, u.error
        ));
    }
    ctx.printer.emit(&view, |p| render(p, &view.relationships));
    Ok(())
}

fn render(p: &Printer, rels: &[RelationshipView]) -> String {
    if rels.is_empty() {
        return "There are no entries matching your query.".to_string();
    }
    let rows: Vec<Vec<Cell>> = rels
        .iter()
        .map(|r| {
            let state_tone = match r.mirror_state {
                "snapmirrored" => Tone::Good,
                "broken_off" | "paused" => Tone::Warn,
                _ => Tone::Plain,
            };
            let status = match &r.transfer {
                Some(t) => match t.percent {
                    Some(pct) => format!("{} {pct}%", cli_status(&r.relationship_status)),
                    // ONTAP's REST API reports bytes sent but not the total.
                    None if t.bytes_transferred > 0 => format!(
                        "{} ({})",
                        cli_status(&r.relationship_status),
                        vrepl_storage::error::human_bytes(t.bytes_transferred)
                    ),
                    None => cli_status(&r.relationship_status).to_string(),
                },
                None => cli_status(&r.relationship_status).to_string(),
            };
            vec![
                Cell::plain(&r.source_path),
                Cell::plain(&r.destination_path),
                Cell::toned(cli_state(r.mirror_state), state_tone),
                Cell::plain(status),
                Cell::plain(
                    r.lag_seconds
                        .map(|s| hms(std::time::Duration::from_secs(s)))
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::toned(
                    r.healthy.to_string(),
                    if r.healthy { Tone::Good } else { Tone::Bad },
                ),
            ]
        })
        .collect();
    let mut s = p.table(
        &[
            "Source Path",
            "Destination Path",
            "Mirror State",
            "Relationship Status",
            "Lag",
            "Healthy",
        ],
        &rows,
    );
    for r in rels.iter().filter(|r| !r.healthy) {
        if let Some(reason) = &r.unhealthy_reason {
            s.push_str(&format!("{} is unhealthy: {reason}\n", r.destination_path));
        }
    }
    s
}

/// `snapmirror show`'s spelling of a REST mirror state.
pub fn cli_state(rest: &str) -> &'static str {
    match rest {
        "snapmirrored" => "Snapmirrored",
        "broken_off" => "Broken-off",
        "paused" => "Quiesced",
        "uninitialized" => "Uninitialized",
        _ => "Unknown",
    }
}

fn cli_status(s: &str) -> &'static str {
    match s {
        "idle" => "Idle",
        "transferring" => "Transferring",
        "quiescing" => "Quiescing",
        _ => "Unknown",
    }
}
