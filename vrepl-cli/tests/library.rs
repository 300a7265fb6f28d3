//! The library called directly, as a runbook would, on in-process simulated arrays that measure
//! what was written since the break (as ONTAP 9.12+ does with its snapshot delta): resync lists
//! it and refuses until the loss is accepted.

use clap::Parser;
use vrepl_cli::cli::{Cli, Command, OutputFormat};
use vrepl_cli::commands::{resync, Ctx};
use vrepl_cli::exit::ErrorKind;
use vrepl_cli::output::Printer;
use vrepl_storage::mirror::OnTransfer;
use vrepl_storage::model::VolumePath;
use vrepl_storage::sim::{DataPath, Fabric};
use vrepl_storage::{MirrorControl, StorageArray};

fn resync_args(line: &[&str]) -> vrepl_cli::cli::ResyncArgs {
    match Cli::try_parse_from(line).unwrap().command {
        Command::Resync(a) => a,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn resync_measures_the_writes_since_the_break_and_keeps_them_until_accepted() {
    let fabric = Fabric::lab();
    let ctx = Ctx {
        backend: vrepl_cli::lab::direct_backend(&fabric).unwrap(),
        printer: Printer::plain(OutputFormat::Json),
    };
    let site2 = fabric.array("fas2050").unwrap();
    let sm = VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap();

    // Broken off and untouched: nothing to lose, so no flag is needed.
    site2.break_off(&sm, OnTransfer::Fail).await.unwrap();
    resync::resync(&ctx, &resync_args(&["snapctl", "resync", "RG1FV1_SM"]))
        .await
        .unwrap();
    vrepl_storage::wait::wait_idle(&site2, &sm, Default::default())
        .await
        .unwrap();

    // Broken off and written: refused, naming the bytes. This backend measures the writes
    // itself, so snapctl leaves no measuring snapshot behind and the data stays where it is.
    site2.break_off(&sm, OnTransfer::Fail).await.unwrap();
    let note = DataPath::vmfs("RP1.lun".parse().unwrap(), "Failback Test/note.txt");
    fabric.write_file(&sm, &note, &[b'x'; 5000]).unwrap();
    let before = site2.list_snapshots(&sm).await.unwrap();
    let e = resync::resync(&ctx, &resync_args(&["snapctl", "resync", "RG1FV1_SM"]))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::WouldLoseData, "{}", e.message);
    assert!(e.message.contains("4.9 KiB"), "{}", e.message);
    assert!(e.hint.as_deref().unwrap().contains("--discard-changes"));
    assert_eq!(site2.list_snapshots(&sm).await.unwrap(), before);
    assert_eq!(fabric.read_file(&sm, &note).unwrap().len(), 5000);

    // Accepted: rolled back to the common snapshot; the write is gone.
    resync::resync(
        &ctx,
        &resync_args(&[
            "snapctl",
            "resync",
            "RG1FV1_SM",
            "--discard-changes",
            "--wait",
        ]),
    )
    .await
    .unwrap();
    let after = site2.list_snapshots(&sm).await.unwrap();
    assert!(!after
        .iter()
        .any(|s| s.name.as_str().starts_with("snapctl.")));
    assert!(fabric.read_file(&sm, &note).is_err());
}
