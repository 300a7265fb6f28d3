//! The command line, as clap derive types. These only check syntax; [`crate::run`] resolves them
//! against the configuration (or the lab) and the arrays.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
With no configuration file, snapctl works on an embedded two-site lab (the seed's fas2020 at
Site 1 replicating to fas2050 at Site 2), served on loopback by the ONTAP REST simulator.
`snapctl lab` says where its state lives; `snapctl config show` shows how to add real clusters.

A relationship is named by its destination volume: RG1FV1_SM when that name is unique,
otherwise fas2050upper:RG1FV1_SM (svm:volume) or fas2050:fas2050upper:RG1FV1_SM.

Examples:
  snapctl show                  all relationships, like `snapmirror show`
  snapctl break RG1FV1_SM       make the Site 2 copy writable (works with Site 1 down)
  snapctl resync RG1FV1_SM      replicate again; refuses if that would discard data
  snapctl check PG1             pre-flight checks of protection group PG1

Exit codes: 0 ok, 1 failed, 2 usage, 3 not found, 4 illegal state, 5 would lose data,
6 connection/auth, 7 timeout.";

/// snapctl: SnapMirror disaster recovery for VMware on NetApp, from the command line.
#[derive(Debug, Parser)]
#[command(name = "snapctl", version, after_help = AFTER_HELP, max_term_width = 110)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Configuration file [default: $SNAPCTL_CONFIG, then snapctl/config.toml in the user's
    /// config directory; with none, the embedded lab]
    #[arg(
        long,
        global = true,
        env = "SNAPCTL_CONFIG",
        value_name = "FILE",
        hide_env_values = true
    )]
    pub config: Option<PathBuf>,
    /// Output for people (tables) or for scripts (JSON on stdout, documented fields)
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
    /// When to use colours
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// More log output on stderr (-v info, -vv debug, -vvv trace)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Less output: no notes, warnings or progress bars
    #[arg(short, long, global = true, action = ArgAction::SetTrue, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Tables and sentences
    Human,
    /// One JSON document on stdout
    Json,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colours when stdout is a terminal
    Auto,
    /// Always
    Always,
    /// Never
    Never,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List SnapMirror relationships (like `snapmirror show`)
    Show(ShowArgs),
    /// Start a relationship's baseline transfer
    Initialize(TransferArgs),
    /// Transfer the source's changes to the destination now
    Update(TransferArgs),
    /// Stop new transfers (a running one finishes first)
    Quiesce(TargetArgs),
    /// Allow transfers again after a quiesce
    Resume(TargetArgs),
    /// Stop replication and make the destination writable (needs only the destination cluster)
    Break(BreakArgs),
    /// Replicate again in the original direction, rolling the destination back to the common snapshot
    Resync(ResyncArgs),
    /// Replicate the other way round: the destination becomes the source (for failback)
    ReverseResync(ResyncArgs),
    /// On the source cluster: forget a destination (deletes its SnapMirror snapshots unless --keep-snapshots)
    Release(ReleaseArgs),
    /// Remove a relationship from the destination cluster (the destination volume stays)
    Delete(DeleteArgs),
    /// FlexClones of volumes (for DR tests on a SnapMirror destination)
    #[command(subcommand)]
    Clone(CloneCommand),
    /// LUNs: show, online, offline, map, unmap
    #[command(subcommand)]
    Lun(LunCommand),
    /// Initiator groups: show, create, add
    #[command(subcommand)]
    Igroup(IgroupCommand),
    /// Pre-flight checks of a protection group, a relationship, or everything configured
    Check(CheckArgs),
    /// The configuration file
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The embedded two-site lab: where it lives, reset, serve, write and read files
    Lab(LabArgs),
    /// Runbooks: test start|cleanup, failover, failback, reprotect, resume-run
    #[command(flatten)]
    Runbook(crate::commands::runbook::RunbookCommand),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print the man page (roff)
    Man,
}

/// `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Only a protection group's relationships (PG1), or those whose source or destination is
    /// VOLUME, SVM:VOLUME or CLUSTER:SVM:VOLUME
    pub filter: Option<String>,
}

/// A relationship, named by its destination.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// The destination: VOLUME (when unique), SVM:VOLUME or CLUSTER:SVM:VOLUME
    pub destination: String,
    /// Print what would be called, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// `initialize` and `update`.
#[derive(Debug, Args)]
pub struct TransferArgs {
    /// The relationship.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Wait for the transfer to finish, showing its progress
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this many seconds (exit 7)
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub timeout: u64,
}

/// `break`.
#[derive(Debug, Args)]
pub struct BreakArgs {
    /// The relationship.
    #[command(flatten)]
    pub target: TargetArgs,
    /// What to do about a running transfer: fail (say so), wait for it, or abort it
    #[arg(long, value_enum, default_value_t = OnTransferArg::Fail)]
    pub on_transfer: OnTransferArg,
}

/// `--on-transfer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnTransferArg {
    /// Refuse, naming the transfer's progress
    Fail,
    /// Let it finish: the destination gets the newest data
    Wait,
    /// Abort it: the destination keeps its last complete snapshot
    Abort,
}

/// `resync` and `reverse-resync`.
#[derive(Debug, Args)]
pub struct ResyncArgs {
    /// The relationship.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Accept losing the snapshots and writes the roll-back discards (listed when refused)
    #[arg(long)]
    pub discard_changes: bool,
    /// Wait for the resync transfer to finish
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this many seconds (exit 7)
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub timeout: u64,
}

/// `release`.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The relationship.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Keep the SnapMirror snapshots on the source, so a later resync still works
    #[arg(long)]
    pub keep_snapshots: bool,
}

/// `delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The relationship.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Remove only the destination's record; leave the source and its snapshots alone
    #[arg(long)]
    pub destination_only: bool,
}

/// `clone …`.
#[derive(Debug, Subcommand)]
pub enum CloneCommand {
    /// Create a FlexClone of a volume from a snapshot (default: the newest SnapMirror snapshot)
    Create(CloneCreateArgs),
    /// Split a FlexClone from its parent, so it no longer shares blocks
    Split(CloneTargetArgs),
    /// Delete a FlexClone (unmounts it and takes it offline first; refuses other volumes)
    Delete(CloneTargetArgs),
}

/// `clone create`.
#[derive(Debug, Args)]
pub struct CloneCreateArgs {
    /// The parent volume: VOLUME, SVM:VOLUME or CLUSTER:SVM:VOLUME
    pub parent: String,
    /// The clone's name (created in the parent's SVM)
    pub name: String,
    /// The parent snapshot [default: the newest SnapMirror snapshot]
    #[arg(long)]
    pub snapshot: Option<String>,
    /// Mount the clone at this junction path (for NFS datastores), e.g. /RG2FV3_clone
    #[arg(long)]
    pub junction_path: Option<String>,
    /// Print what would be called, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// `clone split|delete`.
#[derive(Debug, Args)]
pub struct CloneTargetArgs {
    /// The clone: VOLUME, SVM:VOLUME or CLUSTER:SVM:VOLUME
    pub volume: String,
    /// Print what would be called, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// `lun …`.
#[derive(Debug, Subcommand)]
pub enum LunCommand {
    /// List LUNs with their state and maps
    Show(LunShowArgs),
    /// Bring a LUN online
    Online(LunTargetArgs),
    /// Take a LUN offline
    Offline(LunTargetArgs),
    /// Present a LUN to an igroup
    Map(LunMapArgs),
    /// Stop presenting a LUN to an igroup
    Unmap(LunMapArgs),
}

/// `lun show`.
#[derive(Debug, Args)]
pub struct LunShowArgs {
    /// Only LUNs in this volume: VOLUME, SVM:VOLUME or CLUSTER:SVM:VOLUME
    pub volume: Option<String>,
}

/// A LUN.
#[derive(Debug, Args)]
pub struct LunTargetArgs {
    /// The LUN: /vol/VOLUME/NAME, SVM:/vol/VOLUME/NAME or CLUSTER:SVM:/vol/VOLUME/NAME
    pub lun: String,
    /// Print what would be called, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// `lun map|unmap`.
#[derive(Debug, Args)]
pub struct LunMapArgs {
    /// The LUN: /vol/VOLUME/NAME, SVM:/vol/VOLUME/NAME or CLUSTER:SVM:/vol/VOLUME/NAME
    pub lun: String,
    /// The igroup, in the LUN's SVM
    pub igroup: String,
    /// LUN id the hosts see [default: the lowest free one] (map only)
    #[arg(long)]
    pub lun_id: Option<u32>,
    /// Print what would be called, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// `igroup …`.
#[derive(Debug, Subcommand)]
pub enum IgroupCommand {
    /// List igroups and their initiators
    Show(IgroupShowArgs),
    /// Create an igroup
    Create(IgroupCreateArgs),
    /// Add initiators (WWPNs or IQNs) to an igroup
    Add(IgroupAddArgs),
}

/// `igroup show`.
#[derive(Debug, Args)]
pub struct IgroupShowArgs {
    /// Only igroups of this SVM
    pub svm: Option<String>,
}

/// `igroup create`.
#[derive(Debug, Args)]
pub struct IgroupCreateArgs {
    /// SVM:IGROUP or CLUSTER:SVM:IGROUP
    pub igroup: String,
    /// Protocol
    #[arg(long, value_enum, default_value_t = ProtocolArg::Fcp)]
    pub protocol: ProtocolArg,
    /// Initial members: WWPNs (10:00:00:00:c9:6a:fb:66) or IQNs
    pub initiators: Vec<String>,
    /// Print what would be called, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// `igroup add`.
#[derive(Debug, Args)]
pub struct IgroupAddArgs {
    /// SVM:IGROUP or CLUSTER:SVM:IGROUP
    pub igroup: String,
    /// WWPNs (10:00:00:00:c9:6a:fb:66) or IQNs
    #[arg(required = true)]
    pub initiators: Vec<String>,
    /// Print what would be called, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// igroup protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolArg {
    /// Fibre Channel
    Fcp,
    /// iSCSI
    Iscsi,
    /// Both
    Mixed,
}

/// `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A protection group (PG1) or a relationship (its destination); default: every group
    pub target: Option<String>,
}

/// `config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration file and test the connection to every cluster
    Check,
    /// Print the configuration file's location and an example
    Show,
}

/// `lab`.
#[derive(Debug, Args)]
pub struct LabArgs {
    /// What to do with the lab; without one, say where it lives
    #[command(subcommand)]
    pub command: Option<LabCommand>,
}

/// `lab …`.
#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Throw the lab's state away and start afresh from the seed's two sites
    Reset,
    /// Serve the lab's clusters over ONTAP REST in the foreground until Ctrl-C
    Serve(LabServeArgs),
    /// Write a file on a lab volume, as a VM would (PATH: a volume, VOLUME/LUN, or a datastore)
    Write(LabWriteArgs),
    /// Print a file from a lab volume
    Cat(LabCatArgs),
    /// List the files on a lab volume
    Ls(LabLsArgs),
}

/// `lab serve`.
#[derive(Debug, Args)]
pub struct LabServeArgs {
    /// Address of the first cluster; the next clusters take the following ports
    /// (port 0: any free ports). Loopback only.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Serve HTTPS with a self-signed certificate (printed, so clients can pin it)
    #[arg(long)]
    pub tls: bool,
    /// Also write a snapctl configuration file pointing at the served clusters
    #[arg(long, value_name = "FILE")]
    pub write_config: Option<PathBuf>,
}

/// `lab write`.
#[derive(Debug, Args)]
pub struct LabWriteArgs {
    /// A volume (RG1FV1_SM, svm:volume), a LUN inside one (RG1FV1_SM/RP1.lun), or a datastore (RP1)
    pub path: String,
    /// The file, e.g. "Failback Test/note.txt"
    pub file: String,
    /// The text to write [default: read stdin]
    pub text: Option<String>,
}

/// `lab cat`.
#[derive(Debug, Args)]
pub struct LabCatArgs {
    /// A volume (RG1FV1_SM, svm:volume), a LUN inside one (RG1FV1_SM/RP1.lun), or a datastore (RP1)
    pub path: String,
    /// The file, e.g. "Failback Test/note.txt"
    pub file: String,
}

/// `lab ls`.
#[derive(Debug, Args)]
pub struct LabLsArgs {
    /// A volume (RG1FV1_SM, svm:volume), a LUN inside one (RG1FV1_SM/RP1.lun), or a datastore (RP1)
    pub path: String,
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn break_takes_a_bare_name_and_on_transfer() {
        let cli = Cli::try_parse_from(["snapctl", "break", "RG1FV1_SM", "--on-transfer", "abort"])
            .unwrap();
        match cli.command {
            Command::Break(b) => {
                assert_eq!(b.target.destination, "RG1FV1_SM");
                assert_eq!(b.on_transfer, OnTransferArg::Abort);
            }
            other => panic!("{other:?}"),
        }
    }
}
