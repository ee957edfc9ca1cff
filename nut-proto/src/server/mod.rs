//! The server side of the codec, and (feature `server`) an embeddable in-process NUT server.
//!
//! - [`request`]: tokenizes client lines by upsd's rules and turns them into [`crate::Command`]s.
//! - [`encode`]: writes every reply line in upsd's format.
//! - [`store`]: the data a server answers from (UPSes, variables, commands, users), with a loader for
//!   dummy-ups `.dev` files.
//! - [`cmdvartab`]: the descriptions of variables and commands, read from NUT's `cmdvartab` as
//!   upsd reads it.
//! - `Server` (feature `server`): a tokio TCP server on `127.0.0.1:0` that answers like upsd, for
//!   tests, demos and benchmarks.
//!
//! Nothing here opens a socket unless the `server` feature is on; the tokenizer and encoder are plain
//! functions over bytes.

pub mod cmdvartab;
pub mod encode;
pub mod request;
pub mod store;

#[cfg(feature = "server")]
mod admit;
#[cfg(feature = "server")]
mod net;
#[cfg(feature = "server")]
mod tls;

#[cfg(feature = "server")]
pub use admit::{default_max_connections, fd_limit, raise_fd_limit};
pub use cmdvartab::Descriptions;
#[cfg(feature = "server")]
pub use net::{InstCmdRecord, Server, ServerConfig, ServerHandle};
pub use request::{parse_command, tokenize, RequestError, Tokenized, Verb};
pub use store::{
    sequence, CmdData, DriverReply, DriverState, Frame, Store, TimerError, UpsData, UpsmonRole,
    User, VarData, MAX_TIMER,
};
#[cfg(feature = "server")]
pub use tls::ServerTls;
