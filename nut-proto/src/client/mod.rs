//! The async tokio client.
