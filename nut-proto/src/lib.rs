//! The Network UPS Tools (NUT) network protocol, as spoken by `upsd` on TCP port 3493 (RFC 9271).
//!
//! # Layout
//! - [`target`]: `ups[@host[:port]]`, the one definition of a target (no tokio needed).
//! - [`quote`]: the one quoting/unquoting routine both directions use.
//! - [`reply`]: zero-copy nom parser for every line the server sends.
//! - [`command`]: encoder for every client command, with the injection check.
//! - [`error`]: every `ERR` code the server can send.
//! - [`server`]: the server side of the codec (request tokenizer, reply encoder) and, with the
//!   `server` feature, an embeddable in-process NUT server.
//! - `client` (feature `client`): the async tokio client.
#![deny(missing_docs)]

pub mod command;
pub mod error;
pub mod quote;
pub mod reply;
pub mod server;
pub mod target;

#[cfg(feature = "client")]
pub mod client;

pub use command::{Command, EncodeError, Secret};
pub use error::ErrCode;
pub use reply::{
    parse_reply, ListHeader, ListKind, OkReply, Quoted, Reply, ReplyError, ValueKind, VarType,
    DEFAULT_MAX_LINE,
};
pub use target::{HostKind, Target, TargetError, DEFAULT_PORT};
