//! What each `StorageArray` call does to the world, one area per module; [`super::SimArray`]
//! wraps them with reachability, latency and fault injection.

pub(crate) mod clones;
pub(crate) mod nas;
pub(crate) mod san;
pub(crate) mod volumes;

use crate::error::{Error, ObjectKind};

pub(crate) fn busy(kind: ObjectKind, name: impl ToString, reason: impl Into<String>) -> Error {
    Error::Busy {
        kind,
        name: name.to_string(),
        reason: reason.into(),
    }
}

pub(crate) fn exists(kind: ObjectKind, name: impl ToString) -> Error {
    Error::AlreadyExists {
        kind,
        name: name.to_string(),
    }
}
