//! NFS presentation: an export policy with a rule, applied to a clone mounted at a junction, is
//! what an NFS client at the recovery site can mount.

use super::support::{assert_not_found, file, holds, mirror, open, payload, settle};
use super::Harness;
use crate::error::Error;
use crate::model::{CloneSpec, JunctionPath, NewExportRule, PolicyName, VolumeName};
use crate::ObjectKind;

/// Export policy + rule + junction make a clone of the NFS datastore's mirror mountable by the
/// clients the rule admits, and no others; unmounting takes it away again.
pub async fn export_policy_rule_and_junction_make_a_clone_mountable(h: &dyn Harness) {
    let lab = open(h).await;
    let (site2, fabric) = (lab.site2(), lab.fabric());
    let rel = mirror(&lab, super::support::NFS_MIRROR).await;
    let data = payload(2000, 11);
    fabric
        .write_file(&rel.source, &file("vm.vmx"), &data)
        .expect("write at Site 1");
    site2.update(&rel.destination).await.expect("update");
    settle(site2, &rel.destination).await;

    let svm = rel.destination.svm.clone();
    let policy = PolicyName::new("drtest").expect("name");
    let missing = site2
        .add_export_rule(&svm, &policy, &rule("192.0.2.0/24"))
        .await
        .expect_err("no such policy yet");
    assert_not_found(&missing, ObjectKind::ExportPolicy);
    site2
        .create_export_policy(&svm, &policy)
        .await
        .expect("create policy");
    let twice = site2
        .create_export_policy(&svm, &policy)
        .await
        .expect_err("exists");
    assert!(
        matches!(
            twice,
            Error::AlreadyExists {
                kind: ObjectKind::ExportPolicy,
                ..
            }
        ),
        "{twice:?}"
    );
    let added = site2
        .add_export_rule(&svm, &policy, &rule("192.0.2.0/24"))
        .await
        .expect("add rule");
    assert_eq!(
        site2.list_export_rules(&svm, &policy).await.expect("rules"),
        vec![added.clone()]
    );
    assert!(added.read_write && added.matches("192.0.2.10"));

    let clone = site2
        .create_clone(&CloneSpec {
            parent: rel.destination.clone(),
            name: VolumeName::new("RG2FV3_SM_drtest").expect("name"),
            parent_snapshot: None,
            junction_path: None,
        })
        .await
        .expect("clone");
    let junction = JunctionPath::new("/RG2FV3_drtest").expect("junction");
    site2
        .set_export_policy(&clone.path, &policy)
        .await
        .expect("apply policy");
    site2
        .mount_volume(&clone.path, &junction)
        .await
        .expect("mount");
    let volume = site2.volume(&clone.path).await.expect("volume");
    assert_eq!(volume.junction_path.as_ref(), Some(&junction));
    assert_eq!(volume.export_policy.as_ref(), Some(&policy));

    let export = fabric
        .nfs_lookup(svm.as_str(), junction.as_str(), "192.0.2.10")
        .expect("an admitted client mounts the clone");
    assert_eq!(export.volume, clone.path);
    assert!(!export.read_only);
    assert!(holds(&lab, &export.volume, &file("vm.vmx"), &data));
    assert!(
        fabric
            .nfs_lookup(svm.as_str(), junction.as_str(), "198.51.100.7")
            .is_err(),
        "a client outside the rule is refused"
    );

    site2.unmount_volume(&clone.path).await.expect("unmount");
    assert!(fabric
        .nfs_lookup(svm.as_str(), junction.as_str(), "192.0.2.10")
        .is_err());
    assert_eq!(
        site2
            .volume(&clone.path)
            .await
            .expect("volume")
            .junction_path,
        None
    );
}

fn rule(clients: &str) -> NewExportRule {
    NewExportRule {
        clients: clients.into(),
        read_write: true,
        superuser: true,
    }
}
