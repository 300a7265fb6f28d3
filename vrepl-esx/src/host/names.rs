//! Validated arguments: everything that can reach a host's command line goes through one of
//! these types first, and is quoted on top of that when the command is built.

use std::fmt;

use crate::error::{EsxError, Result};

fn invalid(what: &'static str, value: &str, rule: &'static str) -> EsxError {
    EsxError::InvalidArgument {
        what,
        value: value.to_string(),
        rule,
    }
}

macro_rules! display_as_str {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl $name {
            /// The value as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

/// A datastore name (a VMFS label or an NFS datastore's local name), such as `RP1` or
/// `snap-4bd2e1a0-RP1`.
///
/// vSphere allows almost any printable text here, so the name is checked only for what can
/// never be a datastore name (control characters, `/`, a leading `-`, more than 42 characters)
/// and is always quoted on a command line: `RP1; reboot` is a legal, harmless name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DatastoreName(String);

impl DatastoreName {
    /// Validates a datastore name.
    pub fn new(name: impl Into<String>) -> Result<Self> {
        const RULE: &str = "a datastore name is 1 to 42 printable characters, without '/' and not starting with '-'";
        let name = name.into();
        let ok = !name.is_empty()
            && name.chars().count() <= 42
            && !name.starts_with('-')
            && !name.contains('/')
            && !name.chars().any(char::is_control);
        if !ok {
            return Err(invalid("datastore name", &name, RULE));
        }
        Ok(Self(name))
    }
}
display_as_str!(DatastoreName);

/// A VMFS UUID, `49d22e2e-996a0dea-b555-001f2960aed8` (time, CPU stamp, random, MAC).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VmfsUuid(String);

impl VmfsUuid {
    /// Validates the 8-8-4-12 hex layout; case is normalised to lower.
    pub fn new(uuid: impl Into<String>) -> Result<Self> {
        const RULE: &str =
            "a VMFS UUID is written as 8-8-4-12 hex digits, such as 49d22e2e-996a0dea-b555-001f2960aed8";
        let uuid = uuid.into().to_ascii_lowercase();
        let parts: Vec<&str> = uuid.split('-').collect();
        let ok = parts.len() == 4
            && parts
                .iter()
                .zip([8, 8, 4, 12])
                .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()));
        if !ok {
            return Err(invalid("VMFS UUID", &uuid, RULE));
        }
        Ok(Self(uuid))
    }
}
display_as_str!(VmfsUuid);

/// An advanced option's path, such as `/LVM/EnableResignature`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OptionPath(String);

impl OptionPath {
    /// Validates `/Group/Name` (letters, digits, `_` and `.`).
    pub fn new(path: impl Into<String>) -> Result<Self> {
        const RULE: &str = "an advanced option path is /Group/Name, such as /LVM/EnableResignature";
        let path = path.into();
        let ok = path
            .strip_prefix('/')
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(group, name)| {
                let word = |s: &str| {
                    !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                };
                word(group) && word(name)
            });
        if !ok {
            return Err(invalid("advanced option", &path, RULE));
        }
        Ok(Self(path))
    }

    /// `/LVM/EnableResignature`: resignature every snapshot LUN found on rescan (ESX 3.x/4.x).
    pub fn enable_resignature() -> Self {
        Self("/LVM/EnableResignature".into())
    }

    /// `/LVM/DisallowSnapshotLun`: ignore snapshot LUNs on rescan unless resignaturing is on;
    /// 0 mounts them under their original name (ESX 3.x/4.x).
    pub fn disallow_snapshot_lun() -> Self {
        Self("/LVM/DisallowSnapshotLun".into())
    }

    /// The option's name without its group (`EnableResignature`).
    pub fn name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// Whether this is one of the host-wide LVM snapshot options.
    pub fn is_lvm_snapshot_option(&self) -> bool {
        self.0.eq_ignore_ascii_case("/LVM/EnableResignature")
            || self.0.eq_ignore_ascii_case("/LVM/DisallowSnapshotLun")
    }
}
display_as_str!(OptionPath);

/// An NFS server as ESX is told it: an IPv4 address or a host name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NfsServer(String);

impl NfsServer {
    /// Validates an address or DNS name.
    pub fn new(host: impl Into<String>) -> Result<Self> {
        const RULE: &str =
            "an NFS server is an IPv4 address or a host name (letters, digits, '-' and '.')";
        let host = host.into();
        let ok = !host.is_empty()
            && host.len() <= 253
            && !host.starts_with('-')
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !ok {
            return Err(invalid("NFS server", &host, RULE));
        }
        Ok(Self(host))
    }
}
display_as_str!(NfsServer);

/// An exported path on an NFS server: `/vol/NAME` or a junction path such as `/RG2FV3_Clone`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NfsShare(String);

impl NfsShare {
    /// Validates an absolute path of letters, digits, `_`, `-`, `.` and `/`.
    pub fn new(share: impl Into<String>) -> Result<Self> {
        const RULE: &str = "an NFS share is an absolute path of letters, digits, '_', '-', '.' and '/', such as /vol/RG2FV3";
        let share = share.into();
        let ok = share.starts_with('/')
            && share.len() > 1
            && share.len() <= 255
            && !share.split('/').any(|c| c == "..")
            && share
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
        if !ok {
            return Err(invalid("NFS share", &share, RULE));
        }
        Ok(Self(share))
    }
}
display_as_str!(NfsShare);

/// A relative path inside a datastore, such as `HR-App1/HR-App1.vmx` (empty for the root).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct DatastorePath(String);

impl DatastorePath {
    /// Validates a relative path: no `..`, no leading `/`, no control characters.
    pub fn new(path: impl Into<String>) -> Result<Self> {
        const RULE: &str =
            "a datastore path is relative, without '..' components or control characters";
        let path = path.into();
        let trimmed = path.trim_end_matches('/').to_string();
        let ok = !trimmed.starts_with('/')
            && !trimmed.split('/').any(|c| c == ".." || c == ".")
            && !trimmed.contains("//")
            && !trimmed.chars().any(char::is_control);
        if !ok {
            return Err(invalid("datastore path", &path, RULE));
        }
        Ok(Self(trimmed))
    }

    /// The datastore's root.
    pub fn root() -> Self {
        Self::default()
    }
}
display_as_str!(DatastorePath);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datastore_names_allow_odd_but_legal_text() {
        assert!(DatastoreName::new("RP1").is_ok());
        assert!(DatastoreName::new("snap-4bd2e1a0-RP1").is_ok());
        assert!(
            DatastoreName::new("RP1; reboot").is_ok(),
            "quoted, not refused"
        );
        for bad in ["", "-rf", "a/b", "a\nb", &"x".repeat(43)] {
            assert!(DatastoreName::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn uuids_and_options_are_checked() {
        assert_eq!(
            VmfsUuid::new("49D22E2E-996a0dea-b555-001f2960aed8")
                .unwrap()
                .as_str(),
            "49d22e2e-996a0dea-b555-001f2960aed8"
        );
        assert!(VmfsUuid::new("49d22e2e-996a0dea-b555").is_err());
        assert!(VmfsUuid::new("49d22e2e-996a0dea-b555-001f2960aed8;id").is_err());
        assert_eq!(OptionPath::enable_resignature().name(), "EnableResignature");
        assert!(OptionPath::new("/LVM/EnableResignature")
            .unwrap()
            .is_lvm_snapshot_option());
        for bad in ["LVM.EnableResignature", "/LVM/", "/LVM/x y", "/LVM/a;b"] {
            assert!(OptionPath::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nfs_and_paths_refuse_shell_and_traversal() {
        assert!(NfsShare::new("/vol/RG2FV3_Clone").is_ok());
        assert!(NfsShare::new("/RG2FV3_Clone").is_ok());
        assert!(NfsShare::new("/vol/x;reboot").is_err());
        assert!(NfsShare::new("/vol/../etc").is_err());
        assert!(NfsServer::new("192.168.2.10").is_ok());
        assert!(NfsServer::new("$(reboot)").is_err());
        assert!(DatastorePath::new("HR-App1/HR-App1.vmx").is_ok());
        assert_eq!(DatastorePath::new("HR-App1/").unwrap().as_str(), "HR-App1");
        assert!(DatastorePath::new("../etc/passwd").is_err());
        assert!(DatastorePath::new("/etc").is_err());
    }
}
