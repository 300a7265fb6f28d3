//! The ONTAP REST simulator.
