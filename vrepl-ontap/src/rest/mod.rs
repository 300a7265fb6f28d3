//! The ONTAP REST client.
