//! Walks the seed's two-site lab through a failover and a failback of `RG1FV1_SM`, printing a
//! `snapmirror show`-like table at each step:
//!
//! show, break, a write at Site 2, a resync that refuses to discard it, reverse resync, another
//! write, the final update, break, and the reverse resync that restores Site 1 -> Site 2.
//!
//! ```text
//! cargo run -p vrepl-storage --example lab_walkthrough
//! ```

use std::time::Duration;

use vrepl_storage::error::human_bytes;
use vrepl_storage::mirror::{DiscardPolicy, MirrorRelationship, OnTransfer};
use vrepl_storage::model::{LunName, VolumePath};
use vrepl_storage::sim::{DataPath, Fabric, LabOptions, SimArray};
use vrepl_storage::wait::{wait_idle, Poll};
use vrepl_storage::MirrorControl;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = LabOptions {
        bandwidth_bytes_per_sec: 1 << 30,
        ..LabOptions::default()
    };
    let lab = Fabric::lab_with(options);
    let site1 = lab.array("fas2020")?;
    let site2 = lab.array("fas2050")?;
    let rg1fv1 = VolumePath::parse("fas2020upper:RG1FV1")?;
    let rg1fv1_sm = VolumePath::parse("fas2050upper:RG1FV1_SM")?;
    let poll = Poll {
        interval: Duration::from_millis(10),
        ..Poll::default()
    };

    step("snapmirror show: the lab as it starts");
    show(&site1, &site2).await?;

    step("snapmirror break -destination-path fas2050upper:RG1FV1_SM");
    let report = site2.break_off(&rg1fv1_sm, OnTransfer::Fail).await?;
    say(&report
        .already
        .unwrap_or_else(|| "broken off: RG1FV1_SM is writable".into()));
    show(&site1, &site2).await?;

    step("HR-App1 runs at Site 2 and writes into datastore RP1");
    let note = DataPath::Vmfs {
        lun: LunName::new("RP1.lun")?,
        path: "HR-App1/orders-during-outage.txt".into(),
    };
    let written = b"orders taken at Site 2 during the outage\n";
    lab.write_file(&rg1fv1_sm, &note, written)?;
    say(&format!(
        "wrote {} bytes to [RP1.lun] {}",
        written.len(),
        path_of(&note)
    ));

    step("snapmirror resync -destination-path fas2050upper:RG1FV1_SM (would lose that write)");
    let preview = site2.resync_preview(&rg1fv1_sm).await?;
    say(&format!(
        "preview: roll {} back to {} and discard {}",
        preview.rolled_back,
        preview
            .common_snapshot
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "nothing in common".into()),
        human_bytes(preview.discard.total_bytes())
    ));
    match site2.resync(&rg1fv1_sm, DiscardPolicy::Refuse).await {
        Err(refusal) => say(&format!("refused: {refusal}")),
        Ok(_) => return Err("resync discarded the Site 2 write without being allowed to".into()),
    }

    step("snapmirror resync -source-path fas2050upper:RG1FV1_SM -destination-path fas2020upper:RG1FV1 (reverse)");
    site2
        .reverse_resync(&rg1fv1_sm, DiscardPolicy::Refuse)
        .await?;
    wait_idle(&site1, &rg1fv1, poll).await?;
    show(&site1, &site2).await?;

    step("HR-App1 keeps working at Site 2 until it is shut down for the failback");
    let last = DataPath::Vmfs {
        lun: LunName::new("RP1.lun")?,
        path: "HR-App1/last-orders.txt".into(),
    };
    let last_written = b"orders taken just before the failback\n";
    lab.write_file(&rg1fv1_sm, &last, last_written)?;
    say(&format!(
        "wrote {} bytes to [RP1.lun] {}",
        last_written.len(),
        path_of(&last)
    ));

    step("snapmirror update -destination-path fas2020upper:RG1FV1 (final update)");
    site1.update(&rg1fv1).await?;
    wait_idle(&site1, &rg1fv1, poll).await?;
    show(&site1, &site2).await?;

    step("snapmirror break -destination-path fas2020upper:RG1FV1");
    site1.break_off(&rg1fv1, OnTransfer::Fail).await?;
    show(&site1, &site2).await?;

    step("snapmirror resync -source-path fas2020upper:RG1FV1 -destination-path fas2050upper:RG1FV1_SM (back)");
    site1.reverse_resync(&rg1fv1, DiscardPolicy::Refuse).await?;
    wait_idle(&site2, &rg1fv1_sm, poll).await?;
    show(&site1, &site2).await?;

    step("what Site 1 holds now");
    for (at, expected) in [(&note, &written[..]), (&last, &last_written[..])] {
        let found = lab.read_file(&rg1fv1, at)?;
        say(&format!(
            "[RP1.lun] {}: {}",
            path_of(at),
            String::from_utf8_lossy(&found).trim_end()
        ));
        if found != expected {
            return Err(format!("{} did not reach Site 1 intact", path_of(at)).into());
        }
    }
    Ok(())
}

fn step(title: &str) {
    println!("\n== {title}");
}

fn say(line: &str) {
    println!("   {line}");
}

fn path_of(at: &DataPath) -> &str {
    match at {
        DataPath::File(p) | DataPath::Vmfs { path: p, .. } => p,
    }
}

/// The relationships both clusters hold, as `snapmirror show` lists them.
async fn show(site1: &SimArray, site2: &SimArray) -> vrepl_storage::Result<()> {
    let mut rows = site1.list_relationships().await?;
    rows.extend(site2.list_relationships().await?);
    rows.sort_by_key(|r| r.source.to_string());
    print!("{}", table(&rows));
    Ok(())
}

fn table(rows: &[MirrorRelationship]) -> String {
    let header = [
        "Source Path",
        "Destination Path",
        "Mirror State",
        "Relationship Status",
        "Healthy",
        "Last Transfer",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.source.to_string(),
                r.destination.to_string(),
                r.state.as_cli().to_string(),
                r.transfer.as_cli().to_string(),
                r.healthy.to_string(),
                r.last_transfer
                    .as_ref()
                    .map(|t| format!("{} {}", t.kind, human_bytes(t.bytes_transferred)))
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cols: &[String]| {
        let padded: Vec<String> = cols
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("   {}\n", padded.join("  ").trim_end())
    };
    let mut out = line(&header.map(String::from));
    out += &line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
    for c in &cells {
        out += &line(c);
    }
    out
}
