//! The whole DR story on the embedded lab (one ONTAP REST simulator per cluster behind the REST
//! driver, one ESXi emulator per host behind SSH and the esxcli driver), printing each report: a DR test of PG1 and
//! PG2 on FlexClones and its cleanup, a planned failover of PG1, a write at Site 2 during the
//! outage, and the failback that brings it home and protects Site 1 again.
//!
//! `cargo run -p vrepl-tests --example dr_story` (add `-- --plan` to print each plan first).

use std::time::Instant;

use vrepl_cli::runbook::{plan, Plan, RunResult, Runner};
use vrepl_esx::host::{DatastoreName, DatastorePath};
use vrepl_tests::FullLab;

async fn run(
    runner: &Runner,
    plan: Plan,
    show_plan: bool,
) -> Result<RunResult, Box<dyn std::error::Error>> {
    if show_plan {
        println!("{}", plan.to_text());
    }
    let done = runner.run(plan).await?;
    println!("{}", done.report.to_text());
    println!("  journal and report: {}\n", done.dir.display());
    Ok(done)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match story().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Test, cleanup, planned failover, a write at Site 2, failback: each runbook's report printed.
async fn story() -> Result<(), Box<dyn std::error::Error>> {
    let show_plan = std::env::args().any(|a| a == "--plan");
    let clock = Instant::now();
    let lab = FullLab::start().await;
    let runs = std::env::temp_dir().join("vrepl-dr-story");
    let runner = Runner::new(lab.env.clone(), vrepl_cli::runbook::RunOptions::new(&runs));
    let (pg1, pg2) = (lab.group("PG1"), lab.group("PG2"));

    println!("== DR test of PG1 and PG2 on FlexClones (replication keeps running)");
    let test = run(&runner, plan::test_start(&[pg1.clone(), pg2])?, show_plan).await?;
    println!("== DR test cleanup");
    run(
        &runner,
        plan::test_cleanup(&vrepl_cli::runbook::journal::replay(&test.dir).await?)?,
        show_plan,
    )
    .await?;

    println!("== planned failover of PG1 to Site 2");
    run(
        &runner,
        plan::failover_planned(std::slice::from_ref(&pg1))?,
        show_plan,
    )
    .await?;
    let note = "HR-App3/Failback Test/readme.txt";
    lab.write_vmfs(
        "fas2050upper:RG1FV1_SM",
        "RP1.lun",
        note,
        b"written at Site 2 during the outage",
    )?;
    println!("== (HR-App3 writes \"{note}\" at Site 2)\n");

    println!("== failback of PG1 to Site 1");
    run(
        &runner,
        plan::failback(std::slice::from_ref(&pg1), false)?,
        show_plan,
    )
    .await?;
    let back = lab.read_vmfs("fas2020upper:RG1FV1", "RP1.lun", note)?;
    println!(
        "Site 1 now holds {note}: {:?}",
        String::from_utf8_lossy(&back)
    );
    let esx = lab.env.host("site1-esx4")?;
    let seen = esx
        .read_datastore_file(&DatastoreName::new("RP1")?, &DatastorePath::new(note)?)
        .await?;
    println!(
        "site1-esx4 reads it in datastore RP1: {:?}",
        String::from_utf8_lossy(&seen)
    );
    let rel = lab
        .relationship("fas2050upper:RG1FV1_SM")
        .await
        .ok_or("relationship gone")?;
    println!("{} is {}", rel.describe(), rel.state);
    println!("the whole story took {:.2}s", clock.elapsed().as_secs_f64());
    Ok(())
}
