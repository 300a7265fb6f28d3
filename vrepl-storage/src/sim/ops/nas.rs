//! The NAS side: export policies and their rules.

use super::exists;
use crate::error::{Error, ObjectKind, Result};
use crate::model::{ExportRule, NewExportRule, PolicyName, SvmName, VolumePath};
use crate::sim::world::World;

/// An export rule's client match: an IPv4 address, `a.b.c.d/len`, or a host name.
fn check_client_match(clients: &str) -> Result<()> {
    let ok = !clients.is_empty()
        && clients
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-' | '_' | ':'));
    let subnet_ok = match clients.split_once('/') {
        Some((net, len)) => {
            net.split('.').count() == 4
                && net.split('.').all(|p| p.parse::<u8>().is_ok())
                && len.parse::<u8>().is_ok_and(|l| l <= 32)
        }
        None => true,
    };
    if ok && subnet_ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "export rule client match {clients:?} is not an address, a subnet such as 192.168.2.0/24, or a host name"
        )))
    }
}

pub(crate) fn list_export_rules(
    w: &World,
    cluster: &str,
    svm: &SvmName,
    policy: &PolicyName,
) -> Result<Vec<ExportRule>> {
    w.svm_on(cluster, svm.as_str())?
        .export_policies
        .get(policy.as_str())
        .cloned()
        .ok_or_else(|| Error::not_found(ObjectKind::ExportPolicy, format!("{policy} in {svm}")))
}

pub(crate) fn create_export_policy(
    w: &mut World,
    cluster: &str,
    svm: &SvmName,
    policy: &PolicyName,
) -> Result<()> {
    let s = w.svm_on_mut(cluster, svm.as_str())?;
    if s.export_policies.contains_key(policy.as_str()) {
        return Err(exists(
            ObjectKind::ExportPolicy,
            format!("{policy} in {svm}"),
        ));
    }
    s.export_policies.insert(policy.to_string(), Vec::new());
    Ok(())
}

pub(crate) fn add_export_rule(
    w: &mut World,
    cluster: &str,
    svm: &SvmName,
    policy: &PolicyName,
    rule: &NewExportRule,
) -> Result<ExportRule> {
    check_client_match(&rule.clients)?;
    let rules = w
        .svm_on_mut(cluster, svm.as_str())?
        .export_policies
        .get_mut(policy.as_str())
        .ok_or_else(|| Error::not_found(ObjectKind::ExportPolicy, format!("{policy} in {svm}")))?;
    let rule = ExportRule {
        index: rules.iter().map(|r| r.index).max().unwrap_or(0) + 1,
        clients: rule.clients.clone(),
        read_write: rule.read_write,
        superuser: rule.superuser,
    };
    rules.push(rule.clone());
    Ok(rule)
}

pub(crate) fn set_export_policy(
    w: &mut World,
    cluster: &str,
    volume: &VolumePath,
    policy: &PolicyName,
) -> Result<()> {
    if !w
        .svm_on(cluster, volume.svm.as_str())?
        .export_policies
        .contains_key(policy.as_str())
    {
        return Err(Error::not_found(
            ObjectKind::ExportPolicy,
            format!("{policy} in {} (create it first)", volume.svm),
        ));
    }
    w.volume_on_mut(cluster, volume)?.info.export_policy = Some(policy.clone());
    Ok(())
}
