//! `snapctl lab [reset|serve|write|cat|ls]`: the embedded lab itself.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use vrepl_storage::model::LunName;
use vrepl_storage::sim::{DataPath, Fabric};

use crate::cli::{LabArgs, LabCatArgs, LabCommand, LabLsArgs, LabServeArgs, LabWriteArgs};
use crate::exit::{CliError, CliResult, ErrorKind};
use crate::lab::{self, LabDir, Served};
use crate::output::{Cell, Printer};
use crate::resolve;

/// Runs `lab` and its subcommands. These always work on the lab, whatever the configuration.
pub async fn run(printer: &Printer, args: &LabArgs) -> CliResult<()> {
    let dir = LabDir::locate()?;
    match &args.command {
        None => about(printer, &dir).await,
        Some(LabCommand::Reset) => reset(printer, &dir).await,
        Some(LabCommand::Serve(a)) => serve(printer, &dir, a).await,
        Some(LabCommand::Write(a)) => write(printer, &dir, a).await,
        Some(LabCommand::Cat(a)) => cat(printer, &dir, a).await,
        Some(LabCommand::Ls(a)) => ls(printer, &dir, a).await,
    }
}

#[derive(Debug, Serialize)]
struct AboutView {
    dir: String,
    state_file: String,
    exists: bool,
    clusters: Vec<ClusterView>,
}

#[derive(Debug, Serialize)]
struct ClusterView {
    name: String,
    site: Option<String>,
    svms: Vec<String>,
}

async fn about(printer: &Printer, dir: &LabDir) -> CliResult<()> {
    let _lock = lab::lock(dir).await?;
    let exists = dir.state_file().exists();
    let fabric = lab::load(dir)?;
    let mut clusters = Vec::new();
    for name in fabric.clusters() {
        let svms = fabric
            .cluster_info(name.as_str())
            .map(|i| i.svms.iter().map(|s| s.name.to_string()).collect())
            .unwrap_or_default();
        clusters.push(ClusterView {
            site: lab::site_of(&fabric, &name),
            name: name.to_string(),
            svms,
        });
    }
    let view = AboutView {
        dir: dir.root.display().to_string(),
        state_file: dir.state_file().display().to_string(),
        exists,
        clusters,
    };
    printer.emit(&view, |p| {
        let mut s = format!(
            "The lab lives in {}\nstate: {} ({})\n\n",
            view.dir,
            view.state_file,
            if view.exists {
                "saved by earlier commands"
            } else {
                "not yet written: the next command starts the seed's two sites"
            }
        );
        let rows: Vec<Vec<Cell>> = view
            .clusters
            .iter()
            .map(|c| {
                vec![
                    Cell::plain(&c.name),
                    Cell::plain(c.site.as_deref().unwrap_or("-")),
                    Cell::plain(c.svms.join(", ")),
                ]
            })
            .collect();
        s.push_str(&p.table(&["Cluster", "Site", "SVMs"], &rows));
        s.push_str(
            "\nEach command serves these clusters on 127.0.0.1 with the ONTAP REST simulator and\n\
             talks to them through the REST driver. snapctl lab reset starts afresh; snapctl lab\n\
             serve keeps them running for other clients; SNAPCTL_LAB_DIR moves the lab.",
        );
        s
    });
    Ok(())
}

async fn reset(printer: &Printer, dir: &LabDir) -> CliResult<()> {
    let _lock = lab::lock(dir).await?;
    lab::reset(dir)?;
    let fabric = Fabric::lab();
    lab::save(dir, &fabric)?;
    let view =
        serde_json::json!({ "reset": true, "state_file": dir.state_file().display().to_string() });
    printer.emit(&view, |_| {
        format!(
            "lab reset: the seed's two sites, replication initialized ({})",
            dir.state_file().display()
        )
    });
    Ok(())
}

#[derive(Debug, Serialize)]
struct ServedView {
    cluster: String,
    site: Option<String>,
    url: String,
    username: String,
    password: String,
    certificate_pem: Option<String>,
}

async fn serve(printer: &Printer, dir: &LabDir, args: &LabServeArgs) -> CliResult<()> {
    // Held for the whole serve: lab-mode commands wait for it (and then say how to reach it).
    let _lock = lab::lock(dir).await?;
    let fabric = lab::load(dir)?;
    let served = lab::serve(&fabric, args.listen, args.tls).await?;
    let views: Vec<ServedView> = served
        .iter()
        .map(|s| ServedView {
            cluster: s.cluster.to_string(),
            site: lab::site_of(&fabric, &s.cluster),
            url: s.url.clone(),
            username: s.username.clone(),
            password: s.password.clone(),
            certificate_pem: s.certificate_pem.clone(),
        })
        .collect();
    let hosts = serve_hosts(&fabric).await?;
    if let Some(path) = &args.write_config {
        write_config(path, &fabric, &served)?;
        if !hosts.is_empty() {
            let lines: Vec<&str> = hosts.iter().map(|h| h.known_hosts.as_str()).collect();
            std::fs::write(sibling(path, "known_hosts"), lines.join("\n") + "\n")?;
        }
    }
    lab::write_marker(
        dir,
        &lab::ServedMarker {
            pid: std::process::id(),
            clusters: served.iter().map(|s| s.endpoint(&fabric)).collect(),
            groups: lab::groups(&fabric),
        },
    )?;
    let doc = serde_json::json!({
        "state_file": dir.state_file().display().to_string(),
        "config_file": args.write_config.as_ref().map(|p| p.display().to_string()),
        "clusters": views,
        "hosts": hosts,
    });
    printer.emit(&doc, |p| {
        let rows: Vec<Vec<Cell>> = views
            .iter()
            .map(|v| {
                vec![
                    Cell::plain(&v.cluster),
                    Cell::plain(v.site.as_deref().unwrap_or("-")),
                    Cell::plain(&v.url),
                    Cell::plain(&v.username),
                    Cell::plain(&v.password),
                ]
            })
            .collect();
        let mut s = p.table(&["Cluster", "Site", "URL", "User", "Password"], &rows);
        if !hosts.is_empty() {
            let rows: Vec<Vec<Cell>> = hosts
                .iter()
                .map(|h| {
                    vec![
                        Cell::plain(&h.host),
                        Cell::plain(&h.site),
                        Cell::plain(format!("ssh -p {} {}@127.0.0.1", h.port, h.username)),
                        Cell::plain(&h.password),
                    ]
                })
                .collect();
            s.push('\n');
            s.push_str(&p.table(&["ESX host", "Site", "SSH", "Password"], &rows));
        }
        for v in &views {
            if let Some(pem) = &v.certificate_pem {
                s.push_str(&format!(
                    "\n{} certificate (pin it, or trust it as a CA):\n{pem}",
                    v.cluster
                ));
            }
        }
        if let Some(path) = &args.write_config {
            s.push_str(&format!(
                "\nconfiguration for snapctl: {} (snapctl --config {} show)\n",
                path.display(),
                path.display()
            ));
        }
        s.push_str("serving until Ctrl-C or SIGTERM");
        s
    });
    let stopped = wait_for_stop(dir, &fabric).await;
    lab::remove_marker(dir);
    drop(hosts);
    for s in served {
        s.shutdown().await;
    }
    lab::save(dir, &fabric)?;
    printer.note("lab stopped; state saved");
    stopped
}

/// One emulated ESX host served over SSH.
#[derive(Debug, Serialize)]
struct ServedHost {
    host: String,
    site: String,
    port: u16,
    username: String,
    password: String,
    known_hosts: String,
    #[serde(skip)]
    _server: vrepl_esx::sim::SshServer,
}

/// The lab's ESX hosts, each an emulator behind an SSH server on 127.0.0.1 that sees the
/// fabric's LUNs through its HBAs.
async fn serve_hosts(fabric: &Fabric) -> CliResult<Vec<ServedHost>> {
    let mut out = Vec::new();
    for spec in fabric.topology().hosts {
        let host = vrepl_esx::sim::EmulatedHost::from_lab(fabric, &spec.name).map_err(|e| {
            CliError::new(
                ErrorKind::Failure,
                format!("cannot emulate ESX host {}: {e}", spec.name),
            )
        })?;
        let password = uuid::Uuid::new_v4().simple().to_string();
        let server = vrepl_esx::sim::SshServer::start(host, "root", &password)
            .await
            .map_err(|e| {
                CliError::new(
                    ErrorKind::Failure,
                    format!("cannot serve ESX host {}: {e}", spec.name),
                )
            })?;
        out.push(ServedHost {
            host: spec.name.clone(),
            site: spec.site.clone(),
            port: server.port(),
            username: "root".into(),
            password,
            known_hosts: server.known_hosts_line(),
            _server: server,
        });
    }
    Ok(out)
}

/// Waits for Ctrl-C or SIGTERM, saving the world every few seconds meanwhile.
async fn wait_for_stop(dir: &LabDir, fabric: &Fabric) -> CliResult<()> {
    let mut save_every = tokio::time::interval(Duration::from_secs(5));
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        #[cfg(unix)]
        let terminated = term.recv();
        #[cfg(not(unix))]
        let terminated = std::future::pending::<Option<()>>();
        tokio::select! {
            r = tokio::signal::ctrl_c() => return r.map_err(CliError::from),
            _ = terminated => return Ok(()),
            _ = save_every.tick() => {
                if let Err(e) = lab::save(dir, fabric) {
                    tracing::warn!(error = %e, "could not save the lab state");
                }
            }
        }
    }
}

/// Writes a snapctl configuration for the served clusters, with a 0600 credentials file (and the
/// certificate to pin) per cluster next to it.
fn write_config(path: &Path, fabric: &Fabric, served: &[Served]) -> CliResult<()> {
    let mut toml =
        String::from("# Written by snapctl lab serve: the lab's clusters on loopback.\n");
    for s in served {
        let cred = sibling(path, &format!("{}.cred", s.cluster));
        crate::config::write_private(
            &cred,
            &format!("username = {:?}\npassword = {:?}\n", s.username, s.password),
        )?;
        toml.push_str(&format!(
            "\n[[cluster]]\nname = {:?}\nurl = {:?}\ncredentials_file = {:?}\n",
            s.cluster.as_str(),
            s.url,
            cred.display().to_string()
        ));
        if let Some(site) = lab::site_of(fabric, &s.cluster) {
            toml.push_str(&format!("site = {site:?}\n"));
        }
        if let Some(pem) = &s.certificate_pem {
            let cert = sibling(path, &format!("{}.pem", s.cluster));
            std::fs::write(&cert, pem)?;
            toml.push_str(&format!("pinned_cert = {:?}\n", cert.display().to_string()));
        }
    }
    for g in lab::groups(fabric) {
        toml.push_str(&format!(
            "\n[[group]]\nname = {:?}\nrelationships = {:?}\ndatastores = {:?}\n",
            g.name, g.relationships, g.datastores
        ));
        if let Some(rpo) = g.rpo {
            toml.push_str(&format!("rpo = \"{}s\"\n", rpo.as_secs()));
        }
    }
    std::fs::write(path, toml).map_err(|e| {
        CliError::new(
            ErrorKind::Failure,
            format!("cannot write {}: {e}", path.display()),
        )
    })
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "snapctl".into());
    path.with_file_name(format!("{name}.{suffix}"))
}

/// Where a `lab write|cat|ls` PATH points.
struct Place {
    volume: vrepl_storage::model::VolumePath,
    lun: Option<LunName>,
}

impl Place {
    fn describe(&self) -> String {
        match &self.lun {
            Some(l) => format!("{}/{l}", self.volume),
            None => self.volume.to_string(),
        }
    }

    fn data_path(&self, file: &str) -> DataPath {
        match &self.lun {
            Some(lun) => DataPath::Vmfs {
                lun: lun.clone(),
                path: file.to_string(),
            },
            None => DataPath::File(file.to_string()),
        }
    }
}

/// Resolves VOLUME, VOLUME/LUN or a datastore name to a volume and, on SAN volumes, its LUN.
async fn place(fabric: &Fabric, arg: &str) -> CliResult<Place> {
    let backend = lab::direct_backend(fabric)?;
    let (vol_arg, lun_arg) = match arg.split_once('/') {
        Some((v, l)) => (v.to_string(), Some(LunName::new(l)?)),
        None => (arg.to_string(), None),
    };
    let volume = match resolve::volume(&backend, &vol_arg).await {
        Ok(v) => v,
        Err(e) if e.kind == ErrorKind::NotFound && lun_arg.is_none() => {
            // A datastore label (RP1): the volume that carries it at its primary site.
            let topo = fabric.topology();
            let ds = topo.datastores.iter().find(|d| d.name == arg).ok_or_else(|| {
                e.with_hint(format!(
                    "write a volume (RG1FV1_SM), VOLUME/LUN (RG1FV1_SM/RP1.lun) or a datastore ({})",
                    {
                        let mut names: Vec<&str> = topo.datastores.iter().map(|d| d.name.as_str()).collect();
                        names.sort_unstable();
                        names.dedup();
                        names.join(", ")
                    }
                ))
            })?;
            return Ok(Place {
                volume: ds.volume.clone(),
                lun: ds.lun.clone(),
            });
        }
        Err(e) => return Err(e),
    };
    let luns = volume
        .cluster
        .array
        .list_luns(Some(&volume.item.path))
        .await?;
    let lun = match (lun_arg, luns.len()) {
        (Some(l), _) => {
            if !luns.iter().any(|x| x.path.name == l) {
                return Err(
                    CliError::not_found(format!("no LUN {l} in {}", volume.item.path))
                        .with_hint("snapctl lun show lists the LUNs"),
                );
            }
            Some(l)
        }
        (None, 0) => None,
        (None, 1) => Some(luns[0].path.name.clone()),
        (None, _) => {
            return Err(
                CliError::usage(format!("{} holds several LUNs", volume.item.path))
                    .with_hint("name one as VOLUME/LUN")
                    .with_details(luns.iter().map(|l| l.path.to_string()).collect()),
            )
        }
    };
    Ok(Place {
        volume: volume.item.path,
        lun,
    })
}

async fn write(printer: &Printer, dir: &LabDir, args: &LabWriteArgs) -> CliResult<()> {
    let data = match &args.text {
        Some(t) => t.clone().into_bytes(),
        None => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf)?;
            buf
        }
    };
    let _lock = lab::lock(dir).await?;
    let fabric = lab::load(dir)?;
    let place = place(&fabric, &args.path).await?;
    fabric
        .write_file(&place.volume, &place.data_path(&args.file), &data)
        .map_err(|e| {
            let e = CliError::from(e);
            if e.message.contains("read-only") && !e.message.contains("break") {
                e.with_hint(
                    "a SnapMirror destination is read-only until it is broken off (snapctl break VOLUME)",
                )
            } else {
                e
            }
        })?;
    lab::save(dir, &fabric)?;
    let view =
        serde_json::json!({ "path": place.describe(), "file": args.file, "bytes": data.len() });
    printer.emit(&view, |_| {
        format!(
            "wrote {} bytes to {} on {}",
            data.len(),
            args.file,
            place.describe()
        )
    });
    Ok(())
}

async fn cat(printer: &Printer, dir: &LabDir, args: &LabCatArgs) -> CliResult<()> {
    let _lock = lab::lock(dir).await?;
    let fabric = lab::load(dir)?;
    let place = place(&fabric, &args.path).await?;
    let data = fabric
        .read_file(&place.volume, &place.data_path(&args.file))
        .map_err(|e| {
            CliError::from(e).with_hint(format!("snapctl lab ls {} lists the files", args.path))
        })?;
    if printer.is_json() {
        let view = serde_json::json!({
            "path": place.describe(), "file": args.file,
            "text": String::from_utf8_lossy(&data),
        });
        printer.emit(&view, |_| String::new());
    } else {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(&data)?;
        if !data.ends_with(b"\n") {
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

async fn ls(printer: &Printer, dir: &LabDir, args: &LabLsArgs) -> CliResult<()> {
    let _lock = lab::lock(dir).await?;
    let fabric = lab::load(dir)?;
    let place = place(&fabric, &args.path).await?;
    let files = fabric.list_files(&place.volume, place.lun.as_ref())?;
    let view = serde_json::json!({ "path": place.describe(), "files": files });
    printer.emit(&view, |_| {
        if files.is_empty() {
            format!("{} holds no files", place.describe())
        } else {
            files.join("\n")
        }
    });
    Ok(())
}
