//! Validated names and paths, checked against ONTAP's rules when they are built.
//!
//! Every name that can reach a command line or a URL goes through one of these types, so a
//! value such as `RP1; reboot` is refused here, with the rule it breaks, long before a driver
//! sees it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

fn invalid(kind: &'static str, name: &str, rule: &'static str) -> Error {
    Error::InvalidName {
        kind,
        name: name.to_string(),
        rule,
    }
}

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $check:path) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates `name` and wraps it.
            pub fn new(name: impl Into<String>) -> Result<Self> {
                let name = name.into();
                $check(&name).map_err(|rule| invalid($kind, &name, rule))?;
                Ok(Self(name))
            }

            /// The name as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(n: $name) -> String {
                n.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

fn check_volume(name: &str) -> std::result::Result<(), &'static str> {
    const RULE: &str = "a volume name is letters, digits and '_', starts with a letter or '_', and has at most 203 characters";
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return Err(RULE),
    }
    if name.len() > 203 || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(RULE);
    }
    Ok(())
}

fn check_svm(name: &str) -> std::result::Result<(), &'static str> {
    const RULE: &str = "an SVM name is letters, digits, '.', '-' and '_', starts with a letter or '_', and has at most 47 characters";
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return Err(RULE),
    }
    if name.len() > 47 || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(RULE);
    }
    Ok(())
}

fn check_object(name: &str) -> std::result::Result<(), &'static str> {
    const RULE: &str = "a name is 1 to 255 letters, digits, '.', '-', '_', '+' or ':', and does not start with '.' or '-'";
    if name.is_empty()
        || name.len() > 255
        || name.starts_with('.')
        || name.starts_with('-')
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | ':'))
    {
        return Err(RULE);
    }
    Ok(())
}

fn check_igroup(name: &str) -> std::result::Result<(), &'static str> {
    const RULE: &str = "an igroup name is 1 to 96 letters, digits, '.', '-', '_' or ':', and starts with a letter, digit or '_'";
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => {}
        _ => return Err(RULE),
    }
    if name.len() > 96
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        return Err(RULE);
    }
    Ok(())
}

fn check_cluster(name: &str) -> std::result::Result<(), &'static str> {
    const RULE: &str =
        "a cluster name is 1 to 44 letters, digits, '-' and '_', and starts with a letter";
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return Err(RULE),
    }
    if name.len() > 44 || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')) {
        return Err(RULE);
    }
    Ok(())
}

string_newtype!(
    /// A FlexVol name: letters, digits and `_`, starting with a letter or `_`, at most 203 characters.
    VolumeName, "volume", check_volume
);
string_newtype!(
    /// A storage VM (vserver) name, such as `fas2050upper`.
    SvmName, "SVM", check_svm
);
string_newtype!(
    /// A cluster name, such as `fas2050`.
    ClusterName, "cluster", check_cluster
);
string_newtype!(
    /// A snapshot name, such as `snapmirror.1f3e…_2147484682.2026-11-22_001500`.
    SnapshotName, "snapshot", check_object
);
string_newtype!(
    /// A LUN's file name inside its volume, such as `RP1.lun`.
    LunName, "LUN", check_object
);
string_newtype!(
    /// An initiator group name, such as `Fibre`.
    IgroupName, "igroup", check_igroup
);
string_newtype!(
    /// An NFS export policy name, such as `default`.
    PolicyName, "export policy", check_object
);

/// A volume's place in the cluster: `svm:volume`, as SnapMirror paths are written.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VolumePath {
    /// The SVM holding the volume.
    pub svm: SvmName,
    /// The volume's name.
    pub volume: VolumeName,
}

impl VolumePath {
    /// Builds a path from its two parts.
    pub fn new(svm: SvmName, volume: VolumeName) -> Self {
        Self { svm, volume }
    }

    /// Parses `svm:volume` (spaces around the colon are tolerated, as in the seed's
    /// `fas2050upper: RG1FV1_SM`).
    pub fn parse(s: &str) -> Result<Self> {
        const RULE: &str = "a volume path is written svm:volume";
        let (svm, volume) = s
            .split_once(':')
            .ok_or_else(|| invalid("volume path", s, RULE))?;
        Ok(Self {
            svm: SvmName::new(svm.trim())?,
            volume: VolumeName::new(volume.trim())?,
        })
    }
}

impl fmt::Display for VolumePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.svm, self.volume)
    }
}

impl fmt::Debug for VolumePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

impl FromStr for VolumePath {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl TryFrom<String> for VolumePath {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<VolumePath> for String {
    fn from(p: VolumePath) -> String {
        p.to_string()
    }
}

/// A LUN's path: `/vol/VOLUME/NAME`, such as `/vol/RG1FV1/RP1.lun`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LunPath {
    /// The volume holding the LUN.
    pub volume: VolumeName,
    /// The LUN's name inside the volume.
    pub name: LunName,
}

impl LunPath {
    /// Builds a path from its two parts.
    pub fn new(volume: VolumeName, name: LunName) -> Self {
        Self { volume, name }
    }

    /// Parses `/vol/VOLUME/NAME`.
    pub fn parse(s: &str) -> Result<Self> {
        const RULE: &str = "a LUN path is written /vol/VOLUME/NAME";
        let rest = s
            .strip_prefix("/vol/")
            .ok_or_else(|| invalid("LUN path", s, RULE))?;
        let (volume, name) = rest
            .split_once('/')
            .ok_or_else(|| invalid("LUN path", s, RULE))?;
        Ok(Self {
            volume: VolumeName::new(volume)?,
            name: LunName::new(name)?,
        })
    }

    /// The same LUN name inside another volume (as a FlexClone carries its parent's LUNs).
    pub fn in_volume(&self, volume: &VolumeName) -> Self {
        Self {
            volume: volume.clone(),
            name: self.name.clone(),
        }
    }
}

impl fmt::Display for LunPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/vol/{}/{}", self.volume, self.name)
    }
}

impl fmt::Debug for LunPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

impl FromStr for LunPath {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl TryFrom<String> for LunPath {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<LunPath> for String {
    fn from(p: LunPath) -> String {
        p.to_string()
    }
}

/// A junction path in an SVM's NFS namespace, such as `/RG2FV3_Clone`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JunctionPath(String);

impl JunctionPath {
    /// Validates a junction path: starts with `/`, does not end with one, and holds only
    /// letters, digits, `_`, `-`, `.` and `/`.
    pub fn new(path: impl Into<String>) -> Result<Self> {
        const RULE: &str = "a junction path starts with '/', does not end with '/', and holds only letters, digits, '_', '-', '.' and '/'";
        let path = path.into();
        let ok = path.starts_with('/')
            && path.len() > 1
            && !path.ends_with('/')
            && !path.contains("//")
            && path.len() <= 255
            && path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
        if !ok {
            return Err(invalid("junction path", &path, RULE));
        }
        Ok(Self(path))
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JunctionPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for JunctionPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl TryFrom<String> for JunctionPath {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl From<JunctionPath> for String {
    fn from(p: JunctionPath) -> String {
        p.0
    }
}

impl FromStr for JunctionPath {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_names_follow_ontap_rules() {
        assert!(VolumeName::new("RG1FV1_SM").is_ok());
        assert!(VolumeName::new("_hidden").is_ok());
        assert!(VolumeName::new("a".repeat(203)).is_ok());
        for bad in ["", "1abc", "RP1; reboot", "a b", "vol-1", &"a".repeat(204)] {
            let err = VolumeName::new(bad).unwrap_err();
            assert!(err.to_string().contains("letters, digits and '_'"), "{err}");
        }
    }

    #[test]
    fn volume_path_parses_seed_spelling() {
        let p = VolumePath::parse("fas2050upper: RG1FV1_SM").unwrap();
        assert_eq!(p.svm, "fas2050upper");
        assert_eq!(p.volume, "RG1FV1_SM");
        assert_eq!(p.to_string(), "fas2050upper:RG1FV1_SM");
        assert!(VolumePath::parse("RG1FV1_SM").is_err());
        assert!(VolumePath::parse("svm:vol;rm").is_err());
    }

    #[test]
    fn lun_path_round_trips() {
        let p = LunPath::parse("/vol/RG1FV1/RP1.lun").unwrap();
        assert_eq!(p.volume, "RG1FV1");
        assert_eq!(p.name, "RP1.lun");
        assert_eq!(p.to_string(), "/vol/RG1FV1/RP1.lun");
        assert!(LunPath::parse("/vol/RG1FV1").is_err());
        assert!(LunPath::parse("vol/RG1FV1/x").is_err());
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"/vol/RG1FV1/RP1.lun\"");
        assert_eq!(serde_json::from_str::<LunPath>(&json).unwrap(), p);
    }

    #[test]
    fn junction_paths_are_checked() {
        assert!(JunctionPath::new("/RG2FV3_Clone").is_ok());
        assert!(JunctionPath::new("/vol/RG2FV3").is_ok());
        for bad in ["", "/", "x", "/a/", "/a b", "/a;b", "/a//b"] {
            assert!(JunctionPath::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn serde_rejects_invalid_names() {
        assert!(serde_json::from_str::<VolumeName>("\"bad name\"").is_err());
        assert!(serde_json::from_str::<VolumePath>("\"svm:vol\"").is_ok());
    }
}
