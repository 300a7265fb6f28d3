//! SAN initiators: Fibre Channel WWPNs and iSCSI qualified names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A Fibre Channel world-wide port name, written `10:00:00:00:c9:50:33:0a`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Wwpn([u8; 8]);

impl Wwpn {
    /// Parses eight colon-separated hex bytes (or sixteen bare hex digits); case is ignored.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || Error::InvalidName {
            kind: "WWPN",
            name: s.to_string(),
            rule: "a WWPN is eight hex bytes separated by ':', such as 10:00:00:00:c9:50:33:0a",
        };
        let hex: String = if s.contains(':') {
            let parts: Vec<&str> = s.split(':').collect();
            if parts.len() != 8 || parts.iter().any(|p| p.len() != 2) {
                return Err(bad());
            }
            parts.concat()
        } else {
            s.to_string()
        };
        if hex.len() != 16 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let mut bytes = [0u8; 8];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Self(bytes))
    }

    /// The eight bytes.
    pub fn bytes(&self) -> [u8; 8] {
        self.0
    }
}

impl fmt::Display for Wwpn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|b| format!("{b:02x}")).collect();
        f.write_str(&parts.join(":"))
    }
}

impl fmt::Debug for Wwpn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Wwpn({self})")
    }
}

impl FromStr for Wwpn {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Wwpn {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<Wwpn> for String {
    fn from(w: Wwpn) -> String {
        w.to_string()
    }
}

/// An iSCSI qualified name, such as `iqn.1998-01.com.vmware:esx1-4f3a2b1c`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iqn(String);

impl Iqn {
    /// Validates `iqn.YYYY-MM.reversed.domain[:identifier]` (lower-cased, as ONTAP stores it).
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || {
            Error::InvalidName {
            kind: "iSCSI name",
            name: s.to_string(),
            rule: "an IQN is written iqn.YYYY-MM.reversed.domain[:identifier] with letters, digits, '.', '-' and ':'",
        }
        };
        let lower = s.to_ascii_lowercase();
        let rest = lower.strip_prefix("iqn.").ok_or_else(bad)?;
        let date = rest.get(..7).ok_or_else(bad)?;
        let date_ok =
            date.chars()
                .enumerate()
                .all(|(i, c)| if i == 4 { c == '-' } else { c.is_ascii_digit() });
        let tail = &rest[7..];
        if !date_ok
            || !tail.starts_with('.')
            || tail.len() < 2
            || lower.len() > 223
            || !tail
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        {
            return Err(bad());
        }
        Ok(Self(lower))
    }

    /// The name as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Iqn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Iqn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl TryFrom<String> for Iqn {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<Iqn> for String {
    fn from(i: Iqn) -> String {
        i.0
    }
}

/// An initiator in an igroup: a host's FC port or iSCSI node.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Initiator {
    /// A Fibre Channel port.
    Fc(Wwpn),
    /// An iSCSI node.
    Iscsi(Iqn),
}

impl Initiator {
    /// Parses a WWPN or an IQN, telling them apart by the `iqn.` prefix.
    pub fn parse(s: &str) -> Result<Self> {
        if s.to_ascii_lowercase().starts_with("iqn.") {
            Iqn::parse(s).map(Self::Iscsi)
        } else {
            Wwpn::parse(s).map(Self::Fc)
        }
    }
}

impl fmt::Display for Initiator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fc(w) => w.fmt(f),
            Self::Iscsi(i) => i.fmt(f),
        }
    }
}

impl fmt::Debug for Initiator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

impl FromStr for Initiator {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Initiator {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<Initiator> for String {
    fn from(i: Initiator) -> String {
        i.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wwpn_accepts_seed_values_and_normalises_case() {
        let w = Wwpn::parse("10:00:00:00:C9:50:33:0A").unwrap();
        assert_eq!(w.to_string(), "10:00:00:00:c9:50:33:0a");
        assert_eq!(Wwpn::parse("10000000c950330a").unwrap(), w);
        for bad in [
            "10:00:00:00:c9:50:33",
            "10:00:00:00:c9:50:33:0g",
            "1:00:00:00:c9:50:33:0a",
            "",
        ] {
            assert!(Wwpn::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn iqn_is_validated() {
        assert!(Iqn::parse("iqn.1998-01.com.vmware:esx1-4f3a2b1c").is_ok());
        assert!(Iqn::parse("iqn.1991-05.com.microsoft:hostA").is_ok());
        for bad in [
            "iqn.98-01.com",
            "iqn.1998-01",
            "eui.123",
            "iqn.1998-01.com vmware",
        ] {
            assert!(Iqn::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn initiator_tells_kinds_apart() {
        assert!(matches!(
            Initiator::parse("10:00:00:00:c9:6a:fb:66").unwrap(),
            Initiator::Fc(_)
        ));
        assert!(matches!(
            Initiator::parse("iqn.1998-01.com.vmware:esx1").unwrap(),
            Initiator::Iscsi(_)
        ));
    }
}
