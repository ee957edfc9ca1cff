//! `Client`: one typed method per protocol command, over a [`Connection`].
//!
//! Every method sends one request, reads exactly its reply (one line, or a whole `BEGIN LIST … END
//! LIST` block), checks that the reply answers *this* request (list trailers and echoed names must
//! match), and returns owned values. The whole exchange runs under the request timeout. A server `ERR`
//! becomes [`ClientError::Server`] and leaves the connection usable; anything that leaves the stream
//! out of step (timeout, protocol violation, I/O) marks it unusable, so a later call cannot read a stale
//! reply as its own.

use crate::command::{Command, EncodeError};
use crate::reply::{self, ListHeader, OkReply, Reply, VarType};
use crate::target::Target;

use super::conn::{Connection, Options};
use super::error::{excerpt, ClientError, ProtocolViolation, TlsError};
use super::types::{Accepted, Range, TrackingStatus, UpsInfo, Variable};
use crate::error::ErrCode;
use crate::secret::Secret;

/// GET requests sent per write by [`Client::get_vars_pipelined`]. Bounded so that neither side's
/// socket buffers can fill up while the other is still writing (which would deadlock both).
pub const PIPELINE_BATCH: usize = 64;

/// A session with one NUT server.
#[derive(Debug)]
pub struct Client {
    conn: Connection,
    wbuf: Vec<u8>,
}

/// Lossy text of a quoted value.
fn text(q: &reply::Quoted<'_>) -> String {
    q.to_text_lossy().into_owned()
}

/// The error for a reply that does not answer the request: the server's own `ERR` when it sent one,
/// else a protocol violation quoting the line.
fn unexpected(line: &[u8], reply: Reply<'_>, expected: &'static str) -> ClientError {
    match reply {
        Reply::Err { code, extra } => ClientError::Server {
            code,
            extra: extra.map(excerpt),
        },
        _ => ClientError::protocol(line, ProtocolViolation::Unexpected { expected }),
    }
}

fn parse<'l>(line: &'l [u8], max: usize) -> Result<Reply<'l>, ClientError> {
    reply::parse_reply_with_limit(line, max).map_err(|e| match e {
        reply::ReplyError::TooLong { max, .. } => {
            ClientError::protocol(line, ProtocolViolation::LineTooLong { max })
        }
        e => ClientError::protocol(line, ProtocolViolation::Unparseable(e.to_string())),
    })
}

/// One `VAR` item of a `LIST VAR`.
fn var_item(r: Reply<'_>) -> Option<Variable> {
    match r {
        Reply::Var { var, value, .. } => Some(Variable {
            name: var.to_string(),
            value: text(&value),
        }),
        _ => None,
    }
}

/// Accepts any `OK …` reply.
fn ok_any(line: &[u8], r: Reply<'_>) -> Result<(), ClientError> {
    match r {
        Reply::Ok(_) => Ok(()),
        r => Err(unexpected(line, r, "OK")),
    }
}

fn accepted(line: &[u8], r: Reply<'_>) -> Result<Accepted, ClientError> {
    match r {
        Reply::Ok(OkReply::Tracking(id)) => Ok(Accepted::Tracking(id.to_string())),
        Reply::Ok(_) => Ok(Accepted::Forwarded),
        r => Err(unexpected(line, r, "OK or OK TRACKING <id>")),
    }
}

fn bare_text(line: &[u8], r: Reply<'_>, expected: &'static str) -> Result<String, ClientError> {
    match r {
        Reply::Text(t) => Ok(String::from_utf8_lossy(t).into_owned()),
        r => Err(unexpected(line, r, expected)),
    }
}

impl Client {
    /// Connects to `host:port` (name, IPv4 or IPv6 literal without brackets), then upgrades with
    /// STARTTLS when [`Options::starttls`] is set (see [`Options::with_starttls`]). See
    /// [`Connection::connect`] for how failures are classified.
    pub async fn connect(host: &str, port: u16, opts: Options) -> Result<Client, ClientError> {
        let starttls = opts.starttls;
        let mut c = Client::from_connection(Connection::connect(host, port, opts).await?);
        if starttls {
            c.starttls().await?;
        }
        Ok(c)
    }

    /// Connects to the server part of a parsed `ups[@host[:port]]`.
    pub async fn connect_target(target: &Target, opts: Options) -> Result<Client, ClientError> {
        Client::connect(&target.host, target.port, opts).await
    }

    /// Wraps an open connection.
    pub fn from_connection(conn: Connection) -> Client {
        Client {
            conn,
            wbuf: Vec::with_capacity(128),
        }
    }

    /// The underlying connection (peer address, TLS state, options).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn encode(&mut self, cmd: &Command<'_>) -> Result<(), ClientError> {
        self.wbuf.clear();
        Ok(cmd.encode(&mut self.wbuf)?)
    }

    /// Sends `cmd` and hands its one reply line to `f`, all under the request timeout.
    async fn single<T, F>(&mut self, cmd: Command<'_>, f: F) -> Result<T, ClientError>
    where
        F: FnOnce(&[u8], Reply<'_>) -> Result<T, ClientError>,
    {
        self.conn.check_ready()?;
        self.encode(&cmd)?;
        let after = self.conn.opts.request_timeout;
        let max = self.conn.opts.max_line;
        let conn = &mut self.conn;
        let wbuf = &self.wbuf;
        let fut = async move {
            conn.send(wbuf).await?;
            let line = conn.read_line().await?;
            let r = parse(line, max)?;
            f(line, r)
        };
        let r = tokio::time::timeout(after, fut).await;
        self.conn.finish(cmd.verb(), r)
    }

    /// Sends a LIST command and collects its items through the matching `END LIST`, converting each
    /// with `f`. Bounded by `max_list_items` and the request timeout.
    async fn list<T, F>(&mut self, cmd: Command<'_>, mut f: F) -> Result<Vec<T>, ClientError>
    where
        F: FnMut(Reply<'_>) -> Option<T>,
    {
        let Some(header) = cmd.list_header() else {
            // invariant: only called with LIST commands; reported, not panicked, if ever broken.
            return Err(EncodeError::NotAList { verb: cmd.verb() }.into());
        };
        self.conn.check_ready()?;
        self.encode(&cmd)?;
        let after = self.conn.opts.request_timeout;
        let max = self.conn.opts.max_line;
        let max_items = self.conn.opts.max_list_items;
        let conn = &mut self.conn;
        let wbuf = &self.wbuf;
        let fut = async move {
            conn.send(wbuf).await?;
            read_list(conn, &header, max, max_items, &mut f).await
        };
        let r = tokio::time::timeout(after, fut).await;
        self.conn.finish(cmd.verb(), r)
    }

    // ----- LIST ---------------------------------------------------------------------------------

    /// `LIST UPS`: every UPS the server knows, with its description.
    pub async fn list_ups(&mut self) -> Result<Vec<UpsInfo>, ClientError> {
        self.list(Command::ListUps, |r| match r {
            Reply::Ups { ups, desc } => Some(UpsInfo {
                name: ups.to_string(),
                description: text(&desc),
            }),
            _ => None,
        })
        .await
    }

    /// `LIST VAR <ups>`: every variable and its value, in the server's order (sorted by name).
    pub async fn list_vars(&mut self, ups: &str) -> Result<Vec<Variable>, ClientError> {
        self.list(Command::ListVar { ups }, var_item).await
    }

    /// `LIST RW <ups>`: the writable variables and their values.
    ///
    /// Some NAS firmwares (Synology, QNAP, UniFi) answer `ERR INVALID-ARGUMENT` here; that arrives as
    /// [`ClientError::Server`] and leaves the connection usable, so callers can treat it as "none".
    pub async fn list_rw(&mut self, ups: &str) -> Result<Vec<Variable>, ClientError> {
        self.list(Command::ListRw { ups }, |r| match r {
            Reply::Rw { var, value, .. } => Some(Variable {
                name: var.to_string(),
                value: text(&value),
            }),
            _ => None,
        })
        .await
    }

    /// `LIST CMD <ups>`: the instant command names.
    pub async fn list_cmds(&mut self, ups: &str) -> Result<Vec<String>, ClientError> {
        self.list(Command::ListCmd { ups }, |r| match r {
            Reply::Cmd { cmd, .. } => Some(cmd.to_string()),
            _ => None,
        })
        .await
    }

    /// `LIST ENUM <ups> <var>`: the allowed values of an enumerated variable (empty if none).
    pub async fn list_enum(&mut self, ups: &str, var: &str) -> Result<Vec<String>, ClientError> {
        self.list(Command::ListEnum { ups, var }, |r| match r {
            Reply::Enum { value, .. } => Some(text(&value)),
            _ => None,
        })
        .await
    }

    /// `LIST RANGE <ups> <var>`: the allowed ranges of a numeric variable (empty if none).
    pub async fn list_range(&mut self, ups: &str, var: &str) -> Result<Vec<Range>, ClientError> {
        self.list(Command::ListRange { ups, var }, |r| match r {
            Reply::Range { min, max, .. } => Some(Range {
                min: text(&min),
                max: text(&max),
            }),
            _ => None,
        })
        .await
    }

    /// `LIST CLIENT <ups>`: addresses of the clients logged in to the UPS (upsmon instances).
    pub async fn list_clients(&mut self, ups: &str) -> Result<Vec<String>, ClientError> {
        self.list(Command::ListClient { ups }, |r| match r {
            Reply::Client { addr, .. } => Some(addr.to_string()),
            _ => None,
        })
        .await
    }

    // ----- GET ----------------------------------------------------------------------------------

    /// `GET VAR <ups> <var>`: one value.
    pub async fn get_var(&mut self, ups: &str, var: &str) -> Result<String, ClientError> {
        self.single(Command::GetVar { ups, var }, |line, r| match r {
            Reply::Var { var: v, value, .. } if v.eq_ignore_ascii_case(var) => Ok(text(&value)),
            r => Err(unexpected(line, r, "VAR <ups> <var> \"<value>\"")),
        })
        .await
    }

    /// `GET TYPE <ups> <var>`: RW/ENUM/RANGE flags and STRING:n or NUMBER.
    pub async fn get_type(&mut self, ups: &str, var: &str) -> Result<VarType, ClientError> {
        self.single(Command::GetType { ups, var }, |line, r| match r {
            Reply::Type { var: v, ty, .. } if v.eq_ignore_ascii_case(var) => Ok(ty),
            r => Err(unexpected(line, r, "TYPE <ups> <var> <flags>")),
        })
        .await
    }

    /// `GET DESC <ups> <var>`: the variable's description.
    pub async fn get_desc(&mut self, ups: &str, var: &str) -> Result<String, ClientError> {
        self.single(Command::GetDesc { ups, var }, |line, r| match r {
            Reply::Desc { var: v, desc, .. } if v.eq_ignore_ascii_case(var) => Ok(text(&desc)),
            r => Err(unexpected(line, r, "DESC <ups> <var> \"<text>\"")),
        })
        .await
    }

    /// `GET CMDDESC <ups> <cmd>`: the instant command's description.
    pub async fn get_cmd_desc(&mut self, ups: &str, cmd: &str) -> Result<String, ClientError> {
        self.single(Command::GetCmdDesc { ups, cmd }, |line, r| match r {
            Reply::CmdDesc { cmd: c, desc, .. } if c.eq_ignore_ascii_case(cmd) => Ok(text(&desc)),
            r => Err(unexpected(line, r, "CMDDESC <ups> <cmd> \"<text>\"")),
        })
        .await
    }

    /// `GET UPSDESC <ups>`: the `desc` from the server's ups.conf.
    pub async fn get_ups_desc(&mut self, ups: &str) -> Result<String, ClientError> {
        self.single(Command::GetUpsDesc { ups }, |line, r| match r {
            Reply::UpsDesc { ups: u, desc } if u.eq_ignore_ascii_case(ups) => Ok(text(&desc)),
            r => Err(unexpected(line, r, "UPSDESC <ups> \"<text>\"")),
        })
        .await
    }

    /// `GET NUMLOGINS <ups>`: how many clients did LOGIN to the UPS (what a primary waits on before
    /// powering off).
    pub async fn get_num_logins(&mut self, ups: &str) -> Result<u64, ClientError> {
        self.single(Command::GetNumLogins { ups }, |line, r| match r {
            Reply::NumLogins { ups: u, count } if u.eq_ignore_ascii_case(ups) => Ok(count),
            r => Err(unexpected(line, r, "NUMLOGINS <ups> <n>")),
        })
        .await
    }

    /// `GET VAR` for many variables in one round trip: the requests are written together (in batches
    /// of [`PIPELINE_BATCH`]) and the replies read in order. One entry per name, in order: the value, or
    /// that variable's server error (e.g. `VAR-NOT-SUPPORTED`). The outer error is for failures that
    /// end the exchange (timeout, protocol, I/O).
    pub async fn get_vars_pipelined(
        &mut self,
        ups: &str,
        names: &[&str],
    ) -> Result<Vec<Result<String, ClientError>>, ClientError> {
        let mut out = Vec::with_capacity(names.len());
        for batch in names.chunks(PIPELINE_BATCH) {
            self.conn.check_ready()?;
            self.wbuf.clear();
            for var in batch {
                Command::GetVar { ups, var }.encode(&mut self.wbuf)?;
            }
            let after = self.conn.opts.request_timeout;
            let max = self.conn.opts.max_line;
            let conn = &mut self.conn;
            let wbuf = &self.wbuf;
            let out_ref = &mut out;
            let fut = async move {
                conn.send(wbuf).await?;
                for var in batch {
                    let line = conn.read_line().await?;
                    let item = match parse(line, max)? {
                        Reply::Var { var: v, value, .. } if v.eq_ignore_ascii_case(var) => {
                            Ok(text(&value))
                        }
                        Reply::Err { code, extra } => Err(ClientError::Server {
                            code,
                            extra: extra.map(excerpt),
                        }),
                        _ => {
                            return Err(ClientError::protocol(
                                line,
                                ProtocolViolation::Unexpected {
                                    expected: "VAR <ups> <var> \"<value>\" in request order",
                                },
                            ))
                        }
                    };
                    out_ref.push(item);
                }
                Ok(())
            };
            let r = tokio::time::timeout(after, fut).await;
            self.conn.finish("GET VAR (pipelined)", r)?;
        }
        Ok(out)
    }

    /// `LIST VAR` for many UPSes in one round trip (per [`PIPELINE_BATCH`] UPSes): the requests are
    /// written together and the lists read in order. One entry per UPS, in order: its variables, or
    /// that UPS's server error (`DATA-STALE`, `UNKNOWN-UPS` …), which leaves the stream in step. The
    /// outer error is for failures that end the exchange (timeout, protocol, I/O); each batch runs
    /// under the request timeout.
    pub async fn list_vars_pipelined(
        &mut self,
        upses: &[&str],
    ) -> Result<Vec<Result<Vec<Variable>, ClientError>>, ClientError> {
        let mut out = Vec::with_capacity(upses.len());
        for batch in upses.chunks(PIPELINE_BATCH) {
            self.conn.check_ready()?;
            self.wbuf.clear();
            for ups in batch {
                Command::ListVar { ups }.encode(&mut self.wbuf)?;
            }
            let after = self.conn.opts.request_timeout;
            let max = self.conn.opts.max_line;
            let max_items = self.conn.opts.max_list_items;
            let conn = &mut self.conn;
            let wbuf = &self.wbuf;
            let out_ref = &mut out;
            let fut = async move {
                conn.send(wbuf).await?;
                read_var_lists(conn, batch, max, max_items, out_ref).await
            };
            let r = tokio::time::timeout(after, fut).await;
            self.conn.finish("LIST VAR (pipelined)", r)?;
        }
        Ok(out)
    }

    /// `LIST UPS` and the `LIST VAR` of each of `upses` (the UPSes a poller saw last time) in one
    /// round trip when `upses` has at most `PIPELINE_BATCH - 1` names (more go through
    /// [`Client::list_vars_pipelined`]). The caller compares the fresh list with `upses` and reads
    /// the new ones itself. An `ERR` to `LIST UPS` is returned after every pipelined reply has been
    /// read, so the connection stays usable.
    pub async fn list_ups_and_vars(
        &mut self,
        upses: &[&str],
    ) -> Result<(Vec<UpsInfo>, Vec<Result<Vec<Variable>, ClientError>>), ClientError> {
        let (first, rest) = upses.split_at(upses.len().min(PIPELINE_BATCH - 1));
        self.conn.check_ready()?;
        self.wbuf.clear();
        Command::ListUps.encode(&mut self.wbuf)?;
        for ups in first {
            Command::ListVar { ups }.encode(&mut self.wbuf)?;
        }
        let after = self.conn.opts.request_timeout;
        let max = self.conn.opts.max_line;
        let max_items = self.conn.opts.max_list_items;
        let conn = &mut self.conn;
        let wbuf = &self.wbuf;
        let fut = async move {
            conn.send(wbuf).await?;
            let header = ListHeader::new(reply::ListKind::Ups, None, None);
            let mut ups_item = |r: Reply<'_>| match r {
                Reply::Ups { ups, desc } => Some(UpsInfo {
                    name: ups.to_string(),
                    description: text(&desc),
                }),
                _ => None,
            };
            let list = match read_list(conn, &header, max, max_items, &mut ups_item).await {
                Ok(l) => Ok(l),
                Err(e @ ClientError::Server { .. }) => Err(e),
                Err(e) => return Err(e),
            };
            let mut vars = Vec::with_capacity(first.len());
            read_var_lists(conn, first, max, max_items, &mut vars).await?;
            Ok((list, vars))
        };
        let r = tokio::time::timeout(after, fut).await;
        let (list, mut vars) = self.conn.finish("LIST UPS + LIST VAR (pipelined)", r)?;
        let list = list?;
        if !rest.is_empty() {
            vars.extend(self.list_vars_pipelined(rest).await?);
        }
        Ok((list, vars))
    }

    // ----- authentication and control ------------------------------------------------------------

    /// `USERNAME <name>`. upsd does not check it until an action needs it.
    pub async fn username(&mut self, name: &str) -> Result<(), ClientError> {
        self.single(Command::Username(name), ok_any).await
    }

    /// `PASSWORD <pw>`. Always `OK` from upsd, even when wrong: the check happens at LOGIN, SET, ….
    pub async fn password(&mut self, password: &Secret) -> Result<(), ClientError> {
        self.single(Command::Password(password.as_borrowed()), ok_any)
            .await
    }

    /// `USERNAME` then `PASSWORD`.
    pub async fn authenticate(&mut self, user: &str, password: &Secret) -> Result<(), ClientError> {
        self.username(user).await?;
        self.password(password).await
    }

    /// `LOGIN <ups>`: register as a upsmon client of the UPS (counted in NUMLOGINS, listed by LIST
    /// CLIENT until the connection closes). Needs an `upsmon` role.
    pub async fn login(&mut self, ups: &str) -> Result<(), ClientError> {
        self.single(Command::Login { ups }, ok_any).await
    }

    /// `PRIMARY <ups>`, falling back to the legacy `MASTER <ups>` when the server does not know PRIMARY
    /// (`ERR UNKNOWN-COMMAND` before 2.8.0, `ERR INVALID-ARGUMENT` on some forks). Any `OK…` succeeds.
    pub async fn primary(&mut self, ups: &str) -> Result<(), ClientError> {
        match self.single(Command::Primary { ups }, ok_any).await {
            Err(ClientError::Server {
                code: ErrCode::UnknownCommand | ErrCode::InvalidArgument,
                ..
            }) => self.single(Command::Master { ups }, ok_any).await,
            r => r,
        }
    }

    /// `MASTER <ups>`: the pre-2.8.0 name of PRIMARY, for callers that want exactly this word on the
    /// wire. Any `OK…` succeeds (very old servers answer a bare `OK`).
    pub async fn master(&mut self, ups: &str) -> Result<(), ClientError> {
        self.single(Command::Master { ups }, ok_any).await
    }

    /// `FSD <ups>`: set the forced-shutdown latch (every upsmon of the UPS starts shutting down).
    pub async fn fsd(&mut self, ups: &str) -> Result<(), ClientError> {
        self.single(Command::Fsd { ups }, ok_any).await
    }

    /// `SET VAR <ups> <var> <value>`. `OK` only means the server forwarded it to the driver.
    pub async fn set_var(
        &mut self,
        ups: &str,
        var: &str,
        value: &str,
    ) -> Result<Accepted, ClientError> {
        let value = value.as_bytes();
        self.single(Command::SetVar { ups, var, value }, accepted)
            .await
    }

    /// `INSTCMD <ups> <cmd> [<value>]` (the value needs protocol 1.3 / NUT 2.8.0).
    pub async fn instcmd(
        &mut self,
        ups: &str,
        cmd: &str,
        value: Option<&str>,
    ) -> Result<Accepted, ClientError> {
        let value = value.map(str::as_bytes);
        self.single(Command::InstCmd { ups, cmd, value }, accepted)
            .await
    }

    /// `SET TRACKING ON|OFF` (2.8.0+): ask for `OK TRACKING <id>` replies to SET VAR/INSTCMD.
    pub async fn set_tracking(&mut self, on: bool) -> Result<(), ClientError> {
        self.single(Command::SetTracking(on), ok_any).await
    }

    /// `GET TRACKING`: whether tracking is on for this connection.
    pub async fn tracking_enabled(&mut self) -> Result<bool, ClientError> {
        self.single(Command::GetTracking { id: None }, |line, r| match r {
            Reply::Text(b"ON") => Ok(true),
            Reply::Text(b"OFF") => Ok(false),
            r => Err(unexpected(line, r, "ON or OFF")),
        })
        .await
    }

    /// `GET TRACKING <id>`: the outcome of a tracked SET VAR/INSTCMD.
    pub async fn tracking_status(&mut self, id: &str) -> Result<TrackingStatus, ClientError> {
        self.single(Command::GetTracking { id: Some(id) }, |line, r| match r {
            Reply::Text(b"PENDING") => Ok(TrackingStatus::Pending),
            Reply::Text(b"SUCCESS") => Ok(TrackingStatus::Success),
            Reply::Err {
                code: ErrCode::TrackingUnknown,
                ..
            } => Ok(TrackingStatus::Unknown),
            Reply::Err {
                code: ErrCode::TrackingFailed,
                ..
            } => Ok(TrackingStatus::Failed),
            Reply::Err {
                code: ErrCode::InvalidArgument,
                ..
            } => Ok(TrackingStatus::InvalidArgument),
            r => Err(unexpected(
                line,
                r,
                "PENDING, SUCCESS or ERR UNKNOWN/FAILED",
            )),
        })
        .await
    }

    /// `LOGOUT`: say goodbye and close, without waiting for the answer (`OK Goodbye`), which tells
    /// nothing a caller needs: a server that never answers LOGOUT cannot hold the caller for its
    /// request timeout. Only sending is bounded by the request timeout; the client is consumed.
    pub async fn logout(mut self) -> Result<(), ClientError> {
        let cmd = Command::Logout;
        self.conn.check_ready()?;
        self.encode(&cmd)?;
        let after = self.conn.opts.request_timeout;
        let conn = &mut self.conn;
        let wbuf = &self.wbuf;
        let r = tokio::time::timeout(after, conn.send(wbuf)).await;
        self.conn.finish(cmd.verb(), r)
    }

    // ----- server information -------------------------------------------------------------------

    /// `VER`: the server's banner (`Network UPS Tools upsd 2.8.0 - http://…`). May be empty: some NAS
    /// firmwares answer an empty line.
    pub async fn ver(&mut self) -> Result<String, ClientError> {
        self.single(Command::Ver, |line, r| bare_text(line, r, "a version line"))
            .await
    }

    /// `NETVER`: the protocol version (`1.3`). Servers older than 2.6.4 answer `ERR UNKNOWN-COMMAND`.
    pub async fn netver(&mut self) -> Result<String, ClientError> {
        self.single(Command::NetVer, |line, r| {
            bare_text(line, r, "a protocol version")
        })
        .await
    }

    /// `PROTVER`: alias of NETVER in 2.8.0+ (older servers: `ERR UNKNOWN-COMMAND`).
    pub async fn protver(&mut self) -> Result<String, ClientError> {
        self.single(Command::ProtVer, |line, r| {
            bare_text(line, r, "a protocol version")
        })
        .await
    }

    /// `HELP`: the server's command list line (`Commands: HELP VER …`).
    pub async fn help(&mut self) -> Result<String, ClientError> {
        self.single(Command::Help, |line, r| bare_text(line, r, "Commands: …"))
            .await
    }

    /// `STARTTLS`, then the TLS handshake with certificate verification per [`Options::tls`]
    /// (see [`super::TlsOptions`]). The TLS configuration is checked before anything is sent, so a
    /// missing CA file fails without touching the connection. A refusal (`ERR FEATURE-NOT-CONFIGURED`,
    /// the usual answer of a upsd without certificate) is [`TlsError::Refused`] and leaves the
    /// plaintext connection usable; a failed handshake makes it unusable.
    pub async fn starttls(&mut self) -> Result<(), ClientError> {
        if self.conn.is_tls() {
            return Err(TlsError::AlreadyTls.into());
        }
        #[cfg(not(feature = "tls"))]
        {
            Err(TlsError::Config(super::TlsConfigError::NotBuilt).into())
        }
        #[cfg(feature = "tls")]
        {
            let config = self.conn.opts.tls.client_config()?;
            self.conn.opts.tls.server_name(&self.conn.host)?;
            match self
                .single(Command::StartTls, |line, r| match r {
                    Reply::Ok(OkReply::StartTls) => Ok(()),
                    r => Err(unexpected(line, r, "OK STARTTLS")),
                })
                .await
            {
                Ok(()) => self.conn.upgrade_tls(config).await,
                Err(e @ ClientError::Server { .. }) => Err(TlsError::Refused(Box::new(e)).into()),
                Err(e) => Err(e),
            }
        }
    }
}

/// Reads `BEGIN LIST`, the items, and the matching `END LIST`.
/// Reads the `LIST VAR` replies of `upses`, sent together, in order into `out`: a UPS's server
/// error (`DATA-STALE`, `UNKNOWN-UPS` …) is kept in its place, as the stream stays in step; any other
/// error ends the exchange.
async fn read_var_lists(
    conn: &mut Connection,
    upses: &[&str],
    max: usize,
    max_items: usize,
    out: &mut Vec<Result<Vec<Variable>, ClientError>>,
) -> Result<(), ClientError> {
    for ups in upses {
        let header = ListHeader::new(reply::ListKind::Var, Some(ups), None);
        match read_list(conn, &header, max, max_items, &mut var_item).await {
            Ok(vars) => out.push(Ok(vars)),
            Err(e @ ClientError::Server { .. }) => out.push(Err(e)),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn read_list<T, F>(
    conn: &mut Connection,
    header: &ListHeader<'_>,
    max: usize,
    max_items: usize,
    f: &mut F,
) -> Result<Vec<T>, ClientError>
where
    F: FnMut(Reply<'_>) -> Option<T>,
{
    let line = conn.read_line().await?;
    let r = parse(line, max)?;
    if !r.begins(header) {
        return Err(match r {
            Reply::BeginList(_) => ClientError::protocol(line, ProtocolViolation::ListMismatch),
            r => unexpected(line, r, "BEGIN LIST"),
        });
    }
    let mut items = Vec::new();
    loop {
        let line = conn.read_line().await?;
        let r = parse(line, max)?;
        if r.ends(header) {
            return Ok(items);
        }
        if r.belongs_to(header) {
            if items.len() >= max_items {
                return Err(ClientError::protocol(
                    line,
                    ProtocolViolation::ListTooLong { max: max_items },
                ));
            }
            match f(r) {
                Some(item) => items.push(item),
                None => {
                    return Err(ClientError::protocol(
                        line,
                        ProtocolViolation::Unexpected {
                            expected: "a list item",
                        },
                    ))
                }
            }
            continue;
        }
        return Err(match r {
            Reply::EndList(_) => ClientError::protocol(line, ProtocolViolation::ListMismatch),
            _ if r.list_item().is_some() => {
                ClientError::protocol(line, ProtocolViolation::ListMismatch)
            }
            _ => ClientError::protocol(
                line,
                ProtocolViolation::Unexpected {
                    expected: "a list item or END LIST",
                },
            ),
        });
    }
}
