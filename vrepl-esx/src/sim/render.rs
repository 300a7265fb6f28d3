//! esxcli's output formatters, as its front end implements them (reference §2.0): the text
//! table and list layouts, and `--formatter=csv`.

/// One value of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    /// Text (left-justified in tables).
    Str(String),
    /// An integer (right-justified).
    Int(i64),
    /// A boolean (right-justified, since esxcli's bool is an int).
    Bool(bool),
    /// A list of strings.
    List(Vec<String>),
}

impl Val {
    fn text(&self) -> String {
        match self {
            Self::Str(s) => s.clone(),
            Self::Int(i) => i.to_string(),
            Self::Bool(b) => b.to_string(),
            Self::List(items) => items.join(", "),
        }
    }

    fn right_justified(&self) -> bool {
        matches!(self, Self::Int(_) | Self::Bool(_))
    }

    fn csv(&self) -> String {
        match self {
            Self::List(items) => format!(
                "\"{}\"",
                items.iter().map(|i| format!("{i},")).collect::<String>()
            ),
            other => {
                let t = other.text();
                if t.contains(',') || t.contains('"') {
                    format!("\"{}\"", t.replace('"', "\"\""))
                } else {
                    t
                }
            }
        }
    }
}

/// A field: property name (CSV), display name (text), value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Property name, as CSV headers show it.
    pub prop: &'static str,
    /// Display name, as text output shows it.
    pub display: &'static str,
    /// The value.
    pub val: Val,
}

/// Shorthand for a field.
pub fn f(prop: &'static str, display: &'static str, val: Val) -> Field {
    Field { prop, display, val }
}

/// A string value.
pub fn s(v: impl Into<String>) -> Val {
    Val::Str(v.into())
}

/// A record: fields in display order.
pub type Record = Vec<Field>;

/// The text table layout: two-space gaps, dashes under headers, numbers right-justified, the
/// last column unpadded, every line right-trimmed. Prints nothing for no records.
pub fn table(records: &[Record]) -> String {
    let Some(first) = records.first() else {
        return String::new();
    };
    let n = first.len();
    let right: Vec<bool> = first.iter().map(|f| f.val.right_justified()).collect();
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            records
                .iter()
                .map(|r| r[i].val.text().chars().count())
                .chain([first[i].display.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| -> String {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            let last = i == n - 1;
            if right[i] {
                out.push_str(&format!("{cell:>w$}", w = widths[i]));
            } else if last {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}", w = widths[i]));
            }
        }
        out.trim_end().to_string()
    };
    let mut lines = vec![line(first.iter().map(|f| f.display.to_string()).collect())];
    lines.push(line(
        (0..n)
            .map(|i| {
                let w = if i == n - 1 && !right[i] {
                    first[i].display.chars().count()
                } else {
                    widths[i]
                };
                "-".repeat(w)
            })
            .collect(),
    ));
    for r in records {
        lines.push(line(r.iter().map(|f| f.val.text()).collect()));
    }
    lines.join("\n") + "\n"
}

/// The list layout: an optional header line per item, then `   Field: value` lines (an empty
/// value keeps the space after the colon); items separated by one blank line. Fields with an
/// empty display name are the item's header and show only in CSV.
pub fn list(items: &[(Option<String>, Record)]) -> String {
    let blocks: Vec<String> = items
        .iter()
        .map(|(header, record)| {
            let mut out = String::new();
            if let Some(h) = header {
                out.push_str(h);
                out.push('\n');
            }
            for field in record.iter().filter(|f| !f.display.is_empty()) {
                out.push_str(&format!("   {}: {}\n", field.display, field.val.text()));
            }
            out
        })
        .collect();
    blocks.join("\n")
}

/// `--formatter=csv`: property names sorted, every line ending in a comma.
pub fn csv(records: &[Record]) -> String {
    let Some(first) = records.first() else {
        return String::new();
    };
    let mut order: Vec<usize> = (0..first.len()).collect();
    order.sort_by_key(|&i| first[i].prop);
    let mut out: String = order
        .iter()
        .map(|&i| format!("{},", first[i].prop))
        .collect();
    out.push('\n');
    for r in records {
        out.extend(order.iter().map(|&i| format!("{},", r[i].val.csv())));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/esxcli/",
                $name
            ))
        };
    }

    fn fs_row(mp: &str, name: &str, uuid: &str, ty: &str, size: i64, free: i64) -> Record {
        vec![
            f("MountPoint", "Mount Point", s(mp)),
            f("VolumeName", "Volume Name", s(name)),
            f("UUID", "UUID", s(uuid)),
            f("Mounted", "Mounted", Val::Bool(true)),
            f("Type", "Type", s(ty)),
            f("Size", "Size", Val::Int(size)),
            f("Free", "Free", Val::Int(free)),
        ]
    }

    #[test]
    fn filesystem_table_matches_the_real_layout() {
        let rows = vec![
            fs_row(
                "/vmfs/volumes/5bc7459f-967eeb48-b3f7-20677cd9a16c",
                "VMs",
                "5bc7459f-967eeb48-b3f7-20677cd9a16c",
                "VMFS-6",
                1192121860096,
                556500254720,
            ),
            fs_row(
                "/vmfs/volumes/ddae0775-664c51a1-87b5-6510bda38aac",
                "",
                "ddae0775-664c51a1-87b5-6510bda38aac",
                "vfat",
                261853184,
                261844992,
            ),
        ];
        assert_eq!(table(&rows), fixture!("filesystem_list.esxi6.txt"));
        assert_eq!(csv(&rows), fixture!("filesystem_list.csv"));
    }

    #[test]
    fn nfs_and_adapter_tables_match_the_real_layout() {
        let nfs7 = vec![vec![
            f("VolumeName", "Volume Name", s("nfsbackup")),
            f("Host", "Host", s("192.168.1.22")),
            f("Share", "Share", s("/volume1/vmnfsbackup")),
            f("Accessible", "Accessible", Val::Bool(true)),
            f("Mounted", "Mounted", Val::Bool(true)),
            f("ReadOnly", "Read-Only", Val::Bool(false)),
            f("isPE", "isPE", Val::Bool(false)),
            f(
                "HardwareAcceleration",
                "Hardware Acceleration",
                s("Not Supported"),
            ),
        ]];
        assert_eq!(table(&nfs7), fixture!("nfs_list.esxi7.txt"));
        assert_eq!(csv(&nfs7), fixture!("nfs_list.csv"));
        let nfs5 = vec![vec![
            f("VolumeName", "Volume Name", s("ISOs")),
            f("Host", "Host", s("fileserver2")),
            f("Share", "Share", s("/data/files/ISOs")),
            f("Accessible", "Accessible", Val::Bool(true)),
            f("Mounted", "Mounted", Val::Bool(true)),
            f(
                "HardwareAcceleration",
                "Hardware Acceleration",
                s("Not Supported"),
            ),
        ]];
        assert_eq!(table(&nfs5), fixture!("nfs_list.esxi5.txt"));
        let adapters = vec![vec![
            f("HBAName", "HBA Name", s("vmhba0")),
            f("Driver", "Driver", s("pvscsi")),
            f("LinkState", "Link State", s("link-n/a")),
            f("UID", "UID", s("pscsi.vmhba0")),
            f("Capabilities", "Capabilities", s("")),
            f(
                "Description",
                "Description",
                s("(0000:02:00.0) VMware Inc. PVSCSI SCSI Controller"),
            ),
        ]];
        assert_eq!(table(&adapters), fixture!("adapter_list.esxi8.txt"));
    }

    #[test]
    fn snapshot_and_option_lists_match_the_real_layout() {
        let uuid = "5fd23c30-16acc074-006d-d09466c6d6af";
        let snap = vec![(
            Some(uuid.to_string()),
            vec![
                f("VolumeName", "Volume Name", s("esxi6-flash-ds")),
                f("VMFSUUID", "VMFS UUID", s(uuid)),
                f("Canmount", "Can mount", Val::Bool(true)),
                f(
                    "Reasonforunmountability",
                    "Reason for un-mountability",
                    s(""),
                ),
                f("Canresignature", "Can resignature", Val::Bool(true)),
                f(
                    "Reasonfornonresignaturability",
                    "Reason for non-resignaturability",
                    s(""),
                ),
                f(
                    "UnresolvedExtentCount",
                    "Unresolved Extent Count",
                    Val::Int(1),
                ),
            ],
        )];
        assert_eq!(list(&snap), fixture!("snapshot_list.esxi6.txt"));
        let option = vec![(
            None,
            vec![
                f("Path", "Path", s("/Net/TcpipDefLROEnabled")),
                f("Type", "Type", s("integer")),
                f("IntValue", "Int Value", Val::Int(0)),
                f("DefaultIntValue", "Default Int Value", Val::Int(1)),
                f("MinValue", "Min Value", Val::Int(0)),
                f("MaxValue", "Max Value", Val::Int(1)),
                f("StringValue", "String Value", s("")),
                f("DefaultStringValue", "Default String Value", s("")),
                f("ValidCharacters", "Valid Characters", s("")),
                f("Description", "Description", s("LRO enabled for TCP/IP")),
            ],
        )];
        assert_eq!(list(&option), fixture!("advanced_list.esxi6.txt"));
        assert_eq!(csv(&[option[0].1.clone()]), fixture!("advanced_list.csv"));
    }

    #[test]
    fn csv_quotes_lists_and_commas() {
        let r = vec![vec![
            f("OtherUIDs", "Other UIDs", Val::List(vec!["vml.01".into()])),
            f("Description", "Description", s("a, \"b\"")),
        ]];
        assert_eq!(
            csv(&r),
            "Description,OtherUIDs,\n\"a, \"\"b\"\"\",\"vml.01,\",\n"
        );
        assert_eq!(table(&[]), "");
    }
}
