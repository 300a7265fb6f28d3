//! placeholder
pub mod runbook;
