//! ONTAP error codes (filled in by the simulator work).
