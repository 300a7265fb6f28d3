//! Simulated arrays on one simulated fabric.
