//! A lab under test: the simulated fabric, and the backend's arrays in front of it.

use std::any::Any;
use std::fmt;

use crate::array::DynArray;
use crate::sim::Fabric;

/// The Site 1 cluster of the seed's lab (`fas2020`).
pub const SITE1: &str = "fas2020";
/// The Site 2 cluster of the seed's lab (`fas2050`).
pub const SITE2: &str = "fas2050";

/// One fresh lab for one check: a [`DynArray`] per cluster, built by the backend under test, and
/// the [`Fabric`] behind them.
///
/// The checks drive the operations under test only through the arrays; they use the fabric to
/// write and read content (what a VM or an ESX host would do), to inject faults, and to read
/// ground truth such as what the source cluster lists as its destinations.
pub struct Lab {
    fabric: Fabric,
    arrays: Vec<DynArray>,
    keep_alive: Vec<Box<dyn Any + Send + Sync>>,
}

impl Lab {
    /// A lab whose arrays front `fabric`'s clusters, one array per cluster.
    pub fn new(fabric: Fabric, arrays: impl IntoIterator<Item = DynArray>) -> Self {
        Self {
            fabric,
            arrays: arrays.into_iter().collect(),
            keep_alive: Vec::new(),
        }
    }

    /// Keeps `guard` (a server handle, a temporary directory) alive as long as the lab.
    pub fn keep_alive(mut self, guard: impl Any + Send + Sync) -> Self {
        self.keep_alive.push(Box::new(guard));
        self
    }

    /// The simulated fabric behind the arrays.
    pub fn fabric(&self) -> &Fabric {
        &self.fabric
    }

    /// The array of `cluster`.
    ///
    /// # Panics
    ///
    /// When the backend built no array for that cluster (a broken harness).
    pub fn array(&self, cluster: &str) -> &DynArray {
        self.arrays
            .iter()
            .find(|a| a.cluster().as_str() == cluster)
            .unwrap_or_else(|| panic!("the harness built no array for cluster {cluster}"))
    }

    /// The Site 1 array (`fas2020`).
    pub fn site1(&self) -> &DynArray {
        self.array(SITE1)
    }

    /// The Site 2 array (`fas2050`).
    pub fn site2(&self) -> &DynArray {
        self.array(SITE2)
    }
}

impl fmt::Debug for Lab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lab")
            .field(
                "clusters",
                &self
                    .arrays
                    .iter()
                    .map(|a| a.cluster().to_string())
                    .collect::<Vec<_>>(),
            )
            .field("keep_alive", &self.keep_alive.len())
            .finish()
    }
}
