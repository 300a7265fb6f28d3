//! `ls` and `cat` under `/vmfs/volumes`: datastore contents come from the fabric (the VMFS on
//! the LUN, or the files of the NFS volume).

use std::collections::BTreeSet;

use vrepl_storage::sim::DataPath;

use super::host::{EmulatedHost, Reply};

enum Store {
    Vmfs(String),
    Nfs(vrepl_storage::model::VolumePath),
}

/// Resolves `/vmfs/volumes/<datastore>[/rest]` to a datastore and a relative path.
fn resolve(host: &EmulatedHost, path: &str) -> Option<(Store, String)> {
    let rest = path.strip_prefix("/vmfs/volumes/")?;
    let (ds, inner) = rest.split_once('/').unwrap_or((rest, ""));
    let st = host.lock();
    let store = if let Some(m) = st.vmfs.iter().find(|m| m.label == ds || m.uuid == ds) {
        Store::Vmfs(m.naa.clone())
    } else {
        let n = st.nfs.iter().find(|n| n.name == ds || n.id == ds)?;
        Store::Nfs(n.volume.clone())
    };
    Some((store, inner.trim_end_matches('/').to_string()))
}

fn files_of(host: &EmulatedHost, store: &Store) -> Vec<String> {
    match store {
        Store::Vmfs(naa) => host.fabric().vmfs_list(naa).unwrap_or_default(),
        Store::Nfs(volume) => host.fabric().list_files(volume, None).unwrap_or_default(),
    }
}

fn no_such(tool: &str, path: &str) -> Reply {
    Reply::fail(1, format!("{tool}: {path}: No such file or directory"))
}

/// `ls [-1] [-p] PATH`.
pub fn ls(host: &EmulatedHost, args: &[String]) -> Reply {
    let mark_dirs = args.iter().any(|a| a.starts_with('-') && a.contains('p'));
    let Some(path) = args.iter().find(|a| !a.starts_with('-')) else {
        return Reply::fail(1, "ls: a path is required");
    };
    let path = path.trim_end_matches('/');
    let long = args.iter().any(|a| a.starts_with('-') && a.contains('l'));
    if path == "/vmfs/volumes" && long {
        return Reply::ok(long_volumes(host));
    }
    if path == "/vmfs/volumes" {
        let st = host.lock();
        let mut names: BTreeSet<String> = BTreeSet::new();
        for m in &st.vmfs {
            names.insert(m.label.clone());
            names.insert(m.uuid.clone());
        }
        for n in &st.nfs {
            names.insert(n.name.clone());
            names.insert(n.id.clone());
        }
        let suffix = if mark_dirs { "/" } else { "" };
        return Reply::ok(
            names
                .iter()
                .map(|n| format!("{n}{suffix}\n"))
                .collect::<String>(),
        );
    }
    let Some((store, inner)) = resolve(host, path) else {
        return no_such("ls", path);
    };
    let files = files_of(host, &store);
    if !inner.is_empty() && files.contains(&inner) {
        return Reply::ok(format!("{path}\n"));
    }
    let prefix = if inner.is_empty() {
        String::new()
    } else {
        format!("{inner}/")
    };
    let mut entries: BTreeSet<(String, bool)> = BTreeSet::new();
    for f in files.iter().filter_map(|f| f.strip_prefix(&prefix)) {
        match f.split_once('/') {
            Some((dir, _)) => entries.insert((dir.to_string(), true)),
            None => entries.insert((f.to_string(), false)),
        };
    }
    if entries.is_empty() && !inner.is_empty() {
        return no_such("ls", path);
    }
    Reply::ok(
        entries
            .into_iter()
            .map(|(name, dir)| format!("{name}{}\n", if dir && mark_dirs { "/" } else { "" }))
            .collect::<String>(),
    )
}

/// `ls -l /vmfs/volumes`: a directory per volume, a `label -> uuid` link per label.
fn long_volumes(host: &EmulatedHost) -> String {
    let st = host.lock();
    let date = host.fabric().now();
    let stamp = format!(
        "{} {:>2} {:02}:{:02}",
        &format!("{:?}", date.month())[..3],
        date.day(),
        date.hour(),
        date.minute()
    );
    let mut entries: Vec<(String, String)> = Vec::new();
    for (id, label) in st
        .vmfs
        .iter()
        .map(|m| (m.uuid.clone(), m.label.clone()))
        .chain(st.nfs.iter().map(|n| (n.id.clone(), n.name.clone())))
    {
        entries.push((
            id.clone(),
            format!("drwxrwxrwt    1 root     root          980 {stamp} {id}"),
        ));
        entries.push((
            label.clone(),
            format!(
                "lrwxr-xr-x    1 root     root   {:>10} {stamp} {label} -> {id}",
                id.len()
            ),
        ));
    }
    entries.sort();
    let mut out = format!("total {}\n", 0);
    for (_, line) in entries {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `cat PATH`.
pub fn cat(host: &EmulatedHost, args: &[String]) -> Reply {
    let [path] = args else {
        return Reply::fail(1, "cat: exactly one file is supported");
    };
    let Some((store, inner)) = resolve(host, path) else {
        return Reply::fail(
            1,
            format!("cat: can't open '{path}': No such file or directory"),
        );
    };
    let data = match &store {
        Store::Vmfs(naa) => host.fabric().vmfs_read(naa, &inner),
        Store::Nfs(volume) => host
            .fabric()
            .read_file(volume, &DataPath::file(inner.as_str())),
    };
    match data {
        Ok(bytes) => Reply::ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => Reply::fail(
            1,
            format!("cat: can't open '{path}': No such file or directory"),
        ),
    }
}
