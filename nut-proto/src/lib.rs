//! The Network UPS Tools (NUT) network protocol, as spoken by `upsd` on TCP port 3493 (RFC 9271).
//!
//! # Layout
//! - [`target`]: `ups[@host[:port]]`, the one definition of a target (no tokio needed).
//! - [`quote`]: NUT's word syntax, once: the parseconf tokenizer and the word encoder.
//! - [`reply`]: zero-copy nom parser for every line the server sends.
//! - [`command`]: encoder for every client command, with the injection check.
//! - [`secret`]: [`Secret`], the one password type (never printed; one marker, [`REDACTED`]).
//! - [`error`]: every `ERR` code the server can send.
//! - [`server`]: the server side of the codec (request tokenizer, reply encoder) and, with the
//!   `server` feature, an embeddable in-process NUT server.
//! - `client` (feature `client`): the async tokio client.
//!
//! # Example
//!
//! ```
//! use nut_proto::reply::{parse_reply, Reply};
//! use nut_proto::Command;
//!
//! // Encode a request line; arguments are escaped and quoted as upsd expects.
//! let mut out = Vec::new();
//! Command::SetVar { ups: "pi", var: "device.model", value: b"Smart \"UPS\"" }.encode(&mut out)?;
//! assert_eq!(out, b"SET VAR pi device.model \"Smart \\\"UPS\\\"\"\n");
//!
//! // Parse a reply line (without its LF): names and values borrow from the line.
//! let Reply::Var { ups, var, value } = parse_reply(b"VAR pi ups.status \"OL CHRG\"")? else {
//!     return Err("not a VAR reply".into());
//! };
//! assert_eq!((ups, var), ("pi", "ups.status"));
//! assert_eq!(value.to_text_lossy(), "OL CHRG");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod command;
pub mod error;
pub mod quote;
pub mod reply;
pub mod safe_file;
pub mod secret;
pub mod server;
pub mod target;

#[cfg(feature = "client")]
pub mod client;

pub use command::{Command, EncodeError};
pub use error::ErrCode;
pub use reply::{
    parse_reply, ListHeader, ListKind, OkReply, Quoted, Reply, ReplyError, ValueKind, VarType,
    DEFAULT_MAX_LINE,
};
pub use secret::{Secret, REDACTED};
pub use target::{HostKind, Target, TargetError, DEFAULT_PORT};
