//! From what the user typed to the object on its cluster: `RG1FV1_SM`, `fas2050upper:RG1FV1_SM`
//! or `fas2050:fas2050upper:RG1FV1_SM` for volumes and relationships (named by destination),
//! `/vol/RG1FV1/RP1.lun` with the same optional prefixes for LUNs.
//!
//! ```
//! use vrepl_cli::resolve::Target;
//! assert!(matches!(Target::parse("RG1FV1_SM").unwrap(), Target::Bare(_)));
//! assert!(matches!(Target::parse("fas2050upper:RG1FV1_SM").unwrap(), Target::Svm(_)));
//! assert!(matches!(Target::parse("fas2050:fas2050upper:RG1FV1_SM").unwrap(), Target::Full(..)));
//! assert!(Target::parse("a:b:c:d").is_err());
//! ```

use std::fmt;

use vrepl_storage::mirror::MirrorRelationship;
use vrepl_storage::model::{ClusterName, Lun, LunPath, SvmName, Volume, VolumeName, VolumePath};

use crate::backend::{Backend, Cluster, OnCluster, Unreachable};
use crate::exit::{CliError, CliResult, ErrorKind};

/// A volume as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `RG1FV1_SM`: any SVM on any cluster.
    Bare(VolumeName),
    /// `fas2050upper:RG1FV1_SM`.
    Svm(VolumePath),
    /// `fas2050:fas2050upper:RG1FV1_SM`.
    Full(ClusterName, VolumePath),
}

impl Target {
    /// Parses the three spellings.
    pub fn parse(s: &str) -> CliResult<Self> {
        let parts: Vec<&str> = s.split(':').map(str::trim).collect();
        let bad = |e: vrepl_storage::Error| {
            CliError::from(e).with_hint("write VOLUME, SVM:VOLUME or CLUSTER:SVM:VOLUME")
        };
        match parts.as_slice() {
            [v] => Ok(Self::Bare(VolumeName::new(*v).map_err(bad)?)),
            [svm, v] => Ok(Self::Svm(VolumePath::new(
                SvmName::new(*svm).map_err(bad)?,
                VolumeName::new(*v).map_err(bad)?,
            ))),
            [c, svm, v] => Ok(Self::Full(
                ClusterName::new(*c).map_err(bad)?,
                VolumePath::new(
                    SvmName::new(*svm).map_err(bad)?,
                    VolumeName::new(*v).map_err(bad)?,
                ),
            )),
            _ => Err(CliError::usage(format!(
                "{s:?} is not a volume name: write VOLUME, SVM:VOLUME or CLUSTER:SVM:VOLUME"
            ))),
        }
    }

    /// Whether the volume `path` on `cluster` is what the user named.
    pub fn matches(&self, cluster: &ClusterName, path: &VolumePath) -> bool {
        match self {
            Self::Bare(v) => &path.volume == v,
            Self::Svm(p) => p == path,
            Self::Full(c, p) => c == cluster && p == path,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bare(v) => write!(f, "{v}"),
            Self::Svm(p) => write!(f, "{p}"),
            Self::Full(c, p) => write!(f, "{c}:{p}"),
        }
    }
}

/// The relationship whose destination the user named.
pub async fn relationship(
    backend: &Backend,
    arg: &str,
) -> CliResult<OnCluster<MirrorRelationship>> {
    let target = Target::parse(arg)?;
    if let Target::Full(cluster, path) = &target {
        // Ask only the named cluster: with the other site down, this is the path that must work.
        let cluster = backend.cluster(cluster)?;
        let rel = cluster
            .array
            .relationship(path)
            .await
            .map_err(|e| not_a_destination(e, &target))?;
        return Ok(OnCluster {
            cluster: cluster.clone(),
            item: rel,
        });
    }
    let all = backend.relationships().await;
    let mut hits: Vec<OnCluster<MirrorRelationship>> = all
        .found
        .iter()
        .filter(|r| target.matches(&r.cluster.name, &r.item.destination))
        .cloned()
        .collect();
    match hits.len() {
        1 => Ok(hits.remove(0)),
        0 => {
            let as_source: Vec<&OnCluster<MirrorRelationship>> = all
                .found
                .iter()
                .filter(|r| match &target {
                    Target::Bare(v) => &r.item.source.volume == v,
                    other => {
                        r.item.source.to_string() == other.to_string()
                            || r.item
                                .source_cluster
                                .as_ref()
                                .map(|c| format!("{c}:{}", r.item.source))
                                == Some(other.to_string())
                    }
                })
                .collect();
            if let Some(first) = as_source.first() {
                return Err(CliError::not_found(format!(
                    "{target} is the source of a relationship; SnapMirror commands name the destination"
                ))
                .with_hint(format!(
                    "use the destination: snapctl <verb> {}",
                    first.item.destination
                )));
            }
            Err(missing(
                format!("no SnapMirror relationship has the destination {target}"),
                &all.unreachable,
                "snapctl show lists the relationships",
            ))
        }
        _ => Err(ambiguous(
            &target,
            hits.iter()
                .map(|h| {
                    format!(
                        "{}:{}  (from {})",
                        h.cluster.name, h.item.destination, h.item.source
                    )
                })
                .collect(),
        )),
    }
}

/// The volume the user named.
pub async fn volume(backend: &Backend, arg: &str) -> CliResult<OnCluster<Volume>> {
    let target = Target::parse(arg)?;
    if let Target::Full(cluster, path) = &target {
        let cluster = backend.cluster(cluster)?;
        let v = cluster.array.volume(path).await.map_err(CliError::from)?;
        return Ok(OnCluster {
            cluster: cluster.clone(),
            item: v,
        });
    }
    let all = backend.volumes().await;
    let mut hits: Vec<OnCluster<Volume>> = all
        .found
        .into_iter()
        .filter(|v| target.matches(&v.cluster.name, &v.item.path))
        .collect();
    match hits.len() {
        1 => Ok(hits.remove(0)),
        0 => Err(missing(
            format!("no volume {target}"),
            &all.unreachable,
            "names are case-sensitive; write VOLUME, SVM:VOLUME or CLUSTER:SVM:VOLUME",
        )),
        _ => Err(ambiguous(
            &target,
            hits.iter()
                .map(|h| format!("{}:{}", h.cluster.name, h.item.path))
                .collect(),
        )),
    }
}

/// The LUN the user named: `/vol/V/L`, `svm:/vol/V/L` or `cluster:svm:/vol/V/L`.
pub async fn lun(backend: &Backend, arg: &str) -> CliResult<OnCluster<Lun>> {
    let (prefix, path) =
        match arg.find("/vol/") {
            Some(0) => ("", arg),
            Some(i) if arg[..i].ends_with(':') => (&arg[..i - 1], &arg[i..]),
            _ => return Err(
                CliError::usage(format!("{arg:?} is not a LUN path")).with_hint(
                    "write /vol/VOLUME/NAME, SVM:/vol/VOLUME/NAME or CLUSTER:SVM:/vol/VOLUME/NAME",
                ),
            ),
        };
    let path = LunPath::parse(path).map_err(CliError::from)?;
    let (cluster, svm) = match prefix.split(':').collect::<Vec<_>>().as_slice() {
        [""] => (None, None),
        [svm] => (None, Some(SvmName::new(*svm)?)),
        [c, svm] => (Some(ClusterName::new(*c)?), Some(SvmName::new(*svm)?)),
        _ => return Err(CliError::usage(format!("{arg:?} is not a LUN path"))),
    };
    let all = backend
        .gather(|c| {
            let array = std::sync::Arc::clone(&c.array);
            async move { array.list_luns(None).await }
        })
        .await;
    let mut hits: Vec<OnCluster<Lun>> = all
        .found
        .into_iter()
        .filter(|l| {
            l.item.path == path
                && svm.as_ref().is_none_or(|s| &l.item.svm == s)
                && cluster.as_ref().is_none_or(|c| &l.cluster.name == c)
        })
        .collect();
    match hits.len() {
        1 => Ok(hits.remove(0)),
        0 => Err(missing(
            format!("no LUN {arg}"),
            &all.unreachable,
            "snapctl lun show lists the LUNs",
        )),
        _ => Err(
            CliError::usage(format!("{arg} is ambiguous: it names {} LUNs", hits.len()))
                .with_hint("name one as SVM:/vol/VOLUME/NAME or CLUSTER:SVM:/vol/VOLUME/NAME")
                .with_details(
                    hits.iter()
                        .map(|h| format!("{}:{}:{}", h.cluster.name, h.item.svm, h.item.path))
                        .collect(),
                ),
        ),
    }
}

/// The cluster serving an SVM (`svm` or `cluster:svm`), for objects named `svm:name`.
pub async fn svm(
    backend: &Backend,
    cluster: Option<&ClusterName>,
    svm: &SvmName,
) -> CliResult<Cluster> {
    if let Some(c) = cluster {
        return backend.cluster(c).cloned();
    }
    let all = backend
        .gather(|c| {
            let array = std::sync::Arc::clone(&c.array);
            async move { array.list_svms().await }
        })
        .await;
    all.found
        .into_iter()
        .find(|s| &s.item == svm)
        .map(|s| s.cluster)
        .ok_or_else(|| {
            missing(
                format!("no cluster serves SVM {svm}"),
                &all.unreachable,
                "check the SVM's name (snapctl config check lists each cluster's SVMs)",
            )
        })
}

/// Splits `svm:name` or `cluster:svm:name`.
pub fn split_svm_object(arg: &str) -> CliResult<(Option<ClusterName>, SvmName, String)> {
    match arg.split(':').collect::<Vec<_>>().as_slice() {
        [svm, name] => Ok((None, SvmName::new(*svm)?, name.to_string())),
        [c, svm, name] => Ok((
            Some(ClusterName::new(*c)?),
            SvmName::new(*svm)?,
            name.to_string(),
        )),
        _ => Err(CliError::usage(format!(
            "{arg:?} must be written SVM:NAME or CLUSTER:SVM:NAME"
        ))),
    }
}

fn not_a_destination(e: vrepl_storage::Error, target: &Target) -> CliError {
    if e.is_not_found() {
        CliError::not_found(format!(
            "no SnapMirror relationship has the destination {target}"
        ))
        .with_hint("snapctl show lists the relationships")
    } else {
        CliError::from(e)
    }
}

/// Not found, unless a cluster that did not answer might have held it.
fn missing(message: String, unreachable: &[Unreachable], hint: &str) -> CliError {
    if unreachable.is_empty() {
        return CliError::not_found(message).with_hint(hint);
    }
    let mut e = CliError::new(
        ErrorKind::Connection,
        format!("{message} on the clusters that answered"),
    )
    .with_hint("name it with CLUSTER:SVM:VOLUME to ask only the cluster that holds it");
    for u in unreachable {
        e = e.with_detail(format!("{} did not answer: {}", u.cluster, u.reason));
    }
    e
}

fn ambiguous(target: &Target, candidates: Vec<String>) -> CliError {
    CliError::usage(format!(
        "{target} is ambiguous: it names {} volumes",
        candidates.len()
    ))
    .with_hint("name one as SVM:VOLUME or CLUSTER:SVM:VOLUME")
    .with_details(candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_match_their_spelling() {
        let c: ClusterName = "fas2050".parse().unwrap();
        let p = VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap();
        for s in [
            "RG1FV1_SM",
            "fas2050upper:RG1FV1_SM",
            "fas2050:fas2050upper:RG1FV1_SM",
        ] {
            assert!(Target::parse(s).unwrap().matches(&c, &p), "{s}");
        }
        for s in [
            "RG1FV1",
            "fas2050lower:RG1FV1_SM",
            "fas2020:fas2050upper:RG1FV1_SM",
        ] {
            assert!(!Target::parse(s).unwrap().matches(&c, &p), "{s}");
        }
    }

    #[test]
    fn bad_names_say_how_to_write_them() {
        let e = Target::parse("RG1FV1; reboot").unwrap_err();
        assert_eq!(e.exit_code(), crate::exit::USAGE);
        assert!(e.hint.unwrap().contains("SVM:VOLUME"));
    }

    #[test]
    fn svm_objects_split() {
        let (c, s, n) = split_svm_object("fas2050:fas2050upper:Fibre").unwrap();
        assert_eq!(c.unwrap(), "fas2050");
        assert_eq!(s, "fas2050upper");
        assert_eq!(n, "Fibre");
        assert!(split_svm_object("Fibre").is_err());
    }
}
