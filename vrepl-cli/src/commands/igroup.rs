//! `igroup show|create|add`.

use serde::Serialize;
use vrepl_storage::model::{IgroupName, IgroupProtocol, Initiator, NewIgroup, OsType, SvmName};

use super::{print_dry_run, Ctx};
use crate::cli::{IgroupAddArgs, IgroupCommand, IgroupCreateArgs, IgroupShowArgs, ProtocolArg};
use crate::exit::{CliError, CliResult, ErrorKind};
use crate::output::Cell;
use crate::resolve;

/// One igroup.
#[derive(Debug, Serialize)]
pub struct IgroupView {
    /// The cluster.
    pub cluster: String,
    /// The SVM.
    pub svm: String,
    /// Its name.
    pub name: String,
    /// `fcp`, `iscsi`, `mixed`.
    pub protocol: String,
    /// `vmware`, …
    pub os_type: String,
    /// WWPNs and IQNs.
    pub initiators: Vec<String>,
}

/// Runs an `igroup` subcommand.
pub async fn run(ctx: &Ctx, cmd: &IgroupCommand) -> CliResult<()> {
    match cmd {
        IgroupCommand::Show(a) => show(ctx, a).await,
        IgroupCommand::Create(a) => create(ctx, a).await,
        IgroupCommand::Add(a) => add(ctx, a).await,
    }
}

async fn show(ctx: &Ctx, args: &IgroupShowArgs) -> CliResult<()> {
    let svm = args.svm.as_deref().map(SvmName::new).transpose()?;
    let all = ctx
        .backend
        .gather(|c| {
            let a = std::sync::Arc::clone(&c.array);
            let svm = svm.clone();
            async move {
                // Only one cluster serves the SVM; the others rightly do not know it.
                match a.list_igroups(svm.as_ref()).await {
                    Err(e) if e.is_not_found() && svm.is_some() => Ok(Vec::new()),
                    other => other,
                }
            }
        })
        .await;
    for u in &all.unreachable {
        ctx.printer
            .warn(format!("{} did not answer: {}", u.cluster, u.reason));
    }
    let views: Vec<IgroupView> = all
        .found
        .iter()
        .map(|g| IgroupView {
            cluster: g.cluster.name.to_string(),
            svm: g.item.svm.to_string(),
            name: g.item.name.to_string(),
            protocol: g.item.protocol.to_string(),
            os_type: g.item.os_type.to_string(),
            initiators: g.item.initiators.iter().map(|i| i.to_string()).collect(),
        })
        .collect();
    ctx.printer.emit(&views, |p| {
        if views.is_empty() {
            return "There are no entries matching your query.".into();
        }
        let rows: Vec<Vec<Cell>> = views
            .iter()
            .map(|g| {
                vec![
                    Cell::plain(&g.cluster),
                    Cell::plain(&g.svm),
                    Cell::plain(&g.name),
                    Cell::plain(&g.protocol),
                    Cell::plain(&g.os_type),
                    Cell::plain(g.initiators.join(", ")),
                ]
            })
            .collect();
        p.table(
            &["Cluster", "SVM", "Igroup", "Protocol", "OS", "Initiators"],
            &rows,
        )
    });
    Ok(())
}

fn initiators(args: &[String]) -> CliResult<Vec<Initiator>> {
    args.iter()
        .map(|s| {
            Initiator::parse(s).map_err(|e| {
                CliError::from(e)
                    .with_hint("an initiator is a WWPN (10:00:00:00:c9:6a:fb:66) or an IQN (iqn.1998-01.com.vmware:esx1)")
            })
        })
        .collect()
}

async fn create(ctx: &Ctx, args: &IgroupCreateArgs) -> CliResult<()> {
    let (cluster, svm, name) = resolve::split_svm_object(&args.igroup)?;
    let name = IgroupName::new(name)?;
    let cluster = resolve::svm(&ctx.backend, cluster.as_ref(), &svm).await?;
    let spec = NewIgroup {
        svm: svm.clone(),
        name: name.clone(),
        protocol: match args.protocol {
            ProtocolArg::Fcp => IgroupProtocol::Fcp,
            ProtocolArg::Iscsi => IgroupProtocol::Iscsi,
            ProtocolArg::Mixed => IgroupProtocol::Mixed,
        },
        os_type: OsType::Vmware,
        initiators: initiators(&args.initiators)?,
    };
    let existing = cluster
        .array
        .list_igroups(Some(&svm))
        .await?
        .into_iter()
        .find(|g| g.name == name);
    if args.dry_run {
        return print_dry_run(
            ctx,
            vec![format!("{}: create_igroup({spec:?})", cluster.name)],
            Some(match existing {
                Some(_) => format!("igroup {svm}:{name} already exists; nothing would change"),
                None => format!("igroup {svm}:{name} is created"),
            }),
        );
    }
    if let Some(g) = existing {
        if g.protocol != spec.protocol {
            return Err(CliError::new(
                ErrorKind::IllegalState,
                format!(
                    "igroup {svm}:{name} exists already with protocol {}",
                    g.protocol
                ),
            )
            .with_hint("choose another name, or use the existing igroup"));
        }
        ctx.printer.emit(
            &serde_json::json!({"igroup": format!("{svm}:{name}"), "cluster": cluster.name.to_string(), "already": true}),
            |_| format!("igroup {svm}:{name} already exists; nothing to do (add initiators with snapctl igroup add)"),
        );
        return Ok(());
    }
    let g = cluster.array.create_igroup(&spec).await?;
    ctx.printer.emit(
        &serde_json::json!({"igroup": format!("{svm}:{name}"), "cluster": cluster.name.to_string(), "already": false,
            "initiators": g.initiators.iter().map(|i| i.to_string()).collect::<Vec<_>>()}),
        |_| format!("created igroup {svm}:{name} ({}, {} initiators)", g.protocol, g.initiators.len()),
    );
    Ok(())
}

async fn add(ctx: &Ctx, args: &IgroupAddArgs) -> CliResult<()> {
    let (cluster, svm, name) = resolve::split_svm_object(&args.igroup)?;
    let name = IgroupName::new(name)?;
    let cluster = resolve::svm(&ctx.backend, cluster.as_ref(), &svm).await?;
    let wanted = initiators(&args.initiators)?;
    let group = cluster
        .array
        .list_igroups(Some(&svm))
        .await?
        .into_iter()
        .find(|g| g.name == name)
        .ok_or_else(|| {
            CliError::not_found(format!("no igroup {svm}:{name} on {}", cluster.name))
                .with_hint("snapctl igroup show lists them; snapctl igroup create makes one")
        })?;
    let (present, missing): (Vec<Initiator>, Vec<Initiator>) = wanted
        .into_iter()
        .partition(|i| group.initiators.contains(i));
    if args.dry_run {
        return print_dry_run(
            ctx,
            missing
                .iter()
                .map(|i| format!("{}: add_initiator({svm}, {name}, {i})", cluster.name))
                .collect(),
            Some(format!(
                "{} added, {} already members",
                missing.len(),
                present.len()
            )),
        );
    }
    for i in &missing {
        cluster.array.add_initiator(&svm, &name, i).await?;
    }
    let view = serde_json::json!({
        "igroup": format!("{svm}:{name}"), "cluster": cluster.name.to_string(),
        "added": missing.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
        "already": present.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
    });
    ctx.printer.emit(&view, |_| {
        let mut s = String::new();
        for i in &missing {
            s.push_str(&format!("added {i} to {svm}:{name}\n"));
        }
        for i in &present {
            s.push_str(&format!("{i} is already in {svm}:{name}\n"));
        }
        s
    });
    Ok(())
}
