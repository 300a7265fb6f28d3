//! The behaviour suite every implementation of the array traits must pass.
