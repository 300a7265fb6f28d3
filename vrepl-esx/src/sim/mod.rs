//! An ESXi host emulator (feature `sim`).
pub mod render;
