//! Command lines for the host's shell: every argument is quoted unless it is plainly inert,
//! and no line that creates or relabels a filesystem can be built at all.

use std::borrow::Cow;
use std::fmt;

use crate::error::{EsxError, Result};

/// A command line, built from words that are each quoted for a POSIX shell (ESXi's busybox
/// `ash`, ESX 3/4's `bash`).
#[derive(Clone, PartialEq, Eq)]
pub struct CommandLine(String);

impl CommandLine {
    /// Starts a command with its program and fixed leading words (not quoted: they are
    /// literals of this crate).
    pub fn new(words: &[&'static str]) -> Self {
        Self(words.join(" "))
    }

    /// Appends a literal word of this crate (an option such as `-l`).
    pub fn flag(mut self, flag: &'static str) -> Self {
        self.0.push(' ');
        self.0.push_str(flag);
        self
    }

    /// Appends a caller-supplied value, quoted.
    pub fn arg(mut self, value: impl fmt::Display) -> Self {
        self.0.push(' ');
        self.0.push_str(&quote(&value.to_string()));
        self
    }

    /// The line as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Refuses lines that would create, format or repartition a filesystem. This crate never
    /// builds one; the check stands guard should a future caller try.
    pub fn checked(self) -> Result<Self> {
        if let Some(why) = destructive(&self.0) {
            return Err(EsxError::InvalidArgument {
                what: "command",
                value: self.0,
                rule: why,
            });
        }
        Ok(self)
    }
}

impl fmt::Display for CommandLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CommandLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Quotes one word for a POSIX shell: inert words pass unchanged, everything else goes in
/// single quotes (inside which nothing is special but `'` itself, written `'\''`).
pub fn quote(word: &str) -> Cow<'_, str> {
    let inert = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '-' | '.' | '/' | ':' | '=' | '@' | ',' | '+')
        });
    if inert {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
    }
}

/// Why a command line is destructive to filesystems, if it is.
fn destructive(line: &str) -> Option<&'static str> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let program = words.first().map(|w| w.rsplit('/').next().unwrap_or(w));
    match program {
        Some("vmkfstools")
            if words
                .iter()
                .any(|w| matches!(*w, "-C" | "--createfs" | "-G" | "--growfs" | "-U" | "--deletedisk")) =>
        {
            Some("this crate never creates, grows or deletes a filesystem: a copied LUN carries a VMFS whose data would be destroyed")
        }
        Some("partedUtil")
            if words
                .iter()
                .any(|w| matches!(*w, "mklabel" | "setptbl" | "delete" | "add" | "resize")) =>
        {
            Some("this crate never changes a partition table")
        }
        Some("esxcli") if line.contains("storage vmfs extent") || line.contains("vmfs upgrade") => {
            Some("this crate never changes a VMFS's extents or version")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_labels_are_one_quoted_word() {
        let line = CommandLine::new(&["esxcli", "storage", "vmfs", "snapshot", "mount"])
            .flag("-l")
            .arg("RP1; reboot");
        assert_eq!(
            line.as_str(),
            "esxcli storage vmfs snapshot mount -l 'RP1; reboot'"
        );
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$(reboot)"), "'$(reboot)'");
        assert_eq!(quote("`id`"), "'`id`'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("/vmfs/volumes/RP1"), "/vmfs/volumes/RP1");
    }

    #[test]
    fn formatting_a_device_cannot_be_sent() {
        for line in [
            "vmkfstools -C vmfs6 -S RP1 /vmfs/devices/disks/naa.60a98000:1",
            "/sbin/vmkfstools --createfs vmfs3 /vmfs/devices/disks/vmhba1:0:6:1",
            "partedUtil setptbl /vmfs/devices/disks/naa.60a98000 gpt '1 2048 100 AA31E02A400F11DB9590000C2911D1B8 0'",
        ] {
            let cmd = CommandLine(line.to_string());
            assert!(cmd.checked().is_err(), "{line}");
        }
        assert!(CommandLine::new(&["vmkfstools", "-V"]).checked().is_ok());
    }
}
