//! The async tokio client.
//!
//! - [`Connection`]: one TCP/TLS stream read as bounded lines, with connect/request timeouts and the
//!   QUICKACK re-arm that makes `LIST` replies from stock upsd arrive at full speed.
//! - [`ClientError`]: errors that keep DNS, refused, unreachable, timeout, TLS, protocol and server
//!   `ERR` failures apart.
//! - [`TlsOptions`]: STARTTLS with certificate verification on by default.
//! - [`Client`]: one typed method per command, returning owned values.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use nut_proto::client::{Client, Options};
//! let target: nut_proto::Target = "ups@127.0.0.1:3493".parse()?;
//! let mut client = Client::connect_target(&target, Options::default()).await?;
//! for v in client.list_vars(&target.ups).await? {
//!     println!("{}: {}", v.name, v.value);
//! }
//! # Ok(()) }
//! ```

mod conn;
mod error;
mod lines;
mod session;
mod tls;
mod types;

pub use crate::reply::{ValueKind, VarType};
pub use conn::{Connection, Options, DEFAULT_MAX_LIST_ITEMS};
pub use error::{ClientError, ProtocolViolation, TlsConfigError, TlsError, MAX_ERROR_LINE};
pub use lines::MAX_LINE_LIMIT;
#[doc(hidden)]
pub use lines::{LineBuffer, READ_CHUNK};
pub use session::{Client, PIPELINE_BATCH};
pub use tls::TlsOptions;
pub use types::{Accepted, Range, TrackingStatus, UpsInfo, Variable};
