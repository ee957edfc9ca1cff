//! Property tests: both directions of the codec round-trip.
//!
//! - command → [`Command::encode`] → the server's upsd-rules tokenizer → the same command.
//! - values → the server's reply encoder → [`parse_reply`] → the same values (non-UTF-8 bytes, quotes,
//!   backslashes and `#` included).
//! - Both parsers are total: arbitrary bytes give a value or an error, never a panic.

use nut_proto::command::{Command, EncodeError, Secret};
use nut_proto::reply::{parse_reply, ListHeader, ListKind, OkReply, Reply, ValueKind, VarType};
use nut_proto::server::encode;
use nut_proto::server::request::{parse_request_line, tokenize};
use nut_proto::ErrCode;
use proptest::prelude::*;

/// Any text an argument may hold: everything but LF, CR and NUL (unicode, blanks, quotes, `#`, `=`, `\`).
fn arg() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^\n\r\0]{0,24}",
        "[a-z.\\\\\"#= \t]{0,12}",
        Just(String::new()),
        Just("\"".to_string()),
        Just("\\".to_string()),
    ]
}

/// Any bytes a value may hold (non-UTF-8 included).
fn value_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(
            any::<u8>().prop_filter("no LF/CR/NUL", |b| !matches!(b, b'\n' | b'\r' | 0)),
            0..32
        ),
        arg().prop_map(String::into_bytes),
    ]
}

/// An owned description of a command (proptest needs owned values; the command borrows from it).
#[derive(Debug, Clone)]
struct Args {
    kind: u8,
    a: String,
    b: String,
    v: Vec<u8>,
    flag: bool,
}

impl Args {
    fn command(&self) -> Command<'_> {
        let (a, b, v) = (self.a.as_str(), self.b.as_str(), self.v.as_slice());
        match self.kind % 29 {
            0 => Command::GetVar { ups: a, var: b },
            1 => Command::GetType { ups: a, var: b },
            2 => Command::GetDesc { ups: a, var: b },
            3 => Command::GetCmdDesc { ups: a, cmd: b },
            4 => Command::GetUpsDesc { ups: a },
            5 => Command::GetNumLogins { ups: a },
            6 => Command::GetTracking {
                id: self.flag.then_some(a),
            },
            7 => Command::ListUps,
            8 => Command::ListVar { ups: a },
            9 => Command::ListRw { ups: a },
            10 => Command::ListCmd { ups: a },
            11 => Command::ListEnum { ups: a, var: b },
            12 => Command::ListRange { ups: a, var: b },
            13 => Command::ListClient { ups: a },
            14 => Command::SetVar {
                ups: a,
                var: b,
                value: v,
            },
            15 => Command::SetTracking(self.flag),
            16 => Command::InstCmd {
                ups: a,
                cmd: b,
                value: self.flag.then_some(v),
            },
            17 => Command::Username(a),
            18 => Command::Password(Secret::borrowed(b)),
            19 => Command::Login { ups: a },
            20 => Command::Logout,
            21 => Command::Primary { ups: a },
            22 => Command::Master { ups: a },
            23 => Command::Fsd { ups: a },
            24 => Command::StartTls,
            25 => Command::Ver,
            26 => Command::NetVer,
            27 => Command::ProtVer,
            _ => Command::Help,
        }
    }
}

fn args() -> impl Strategy<Value = Args> {
    (any::<u8>(), arg(), arg(), value_bytes(), any::<bool>()).prop_map(|(kind, a, b, v, flag)| {
        Args {
            kind,
            a,
            b,
            v,
            flag,
        }
    })
}

/// A name as a server prints it: one word, no blanks or control bytes, not empty.
fn name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z0-9._:-]{1,20}", "[^\\s\\x00-\\x1f\\x7f]{1,12}"]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn command_encode_then_server_tokenizer_gives_it_back(a in args()) {
        let cmd = a.command();
        let line = cmd.to_line().unwrap();
        prop_assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        prop_assert_eq!(line.last(), Some(&b'\n'));
        let words = parse_request_line(&line).unwrap();
        let back = words.command().unwrap();
        prop_assert_eq!(back, cmd);
    }

    #[test]
    fn forbidden_bytes_are_rejected_before_writing(a in args(), pos in any::<prop::sample::Index>(), bad in prop::sample::select(vec![b'\n', b'\r', 0u8])) {
        let mut a = a;
        // Put the forbidden byte into whichever argument the command uses.
        let insert = |text: &str| {
            let mut chars: Vec<char> = text.chars().collect();
            chars.insert(pos.index(chars.len() + 1), char::from(bad));
            chars.into_iter().collect::<String>()
        };
        a.a = insert(&a.a);
        a.b = insert(&a.b);
        a.v.insert(pos.index(a.v.len() + 1), bad);
        let cmd = a.command();
        let mut out = b"untouched".to_vec();
        match cmd.encode(&mut out) {
            Ok(()) => {
                // Only commands without free arguments may succeed.
                prop_assert!(matches!(cmd, Command::ListUps | Command::Logout | Command::StartTls | Command::Ver
                    | Command::NetVer | Command::ProtVer | Command::Help | Command::SetTracking(_)
                    | Command::GetTracking { id: None }), "{:?}", cmd);
            }
            Err(EncodeError::ForbiddenByte { byte, .. }) => {
                prop_assert_eq!(byte, bad);
                prop_assert_eq!(&out[..], b"untouched");
            }
            Err(e) => prop_assert!(false, "{e}"),
        }
    }

    #[test]
    fn value_replies_round_trip(ups in name(), var in name(), v in value_bytes(), w in value_bytes()) {
        let mut out = Vec::new();
        encode::var(&mut out, &ups, &var, &v);
        encode::rw(&mut out, &ups, &var, &v);
        encode::enum_item(&mut out, &ups, &var, &v);
        encode::desc(&mut out, &ups, &var, &v);
        encode::cmd_desc(&mut out, &ups, &var, &v);
        encode::ups_desc(&mut out, &ups, &v);
        encode::ups_item(&mut out, &ups, &v);
        encode::range(&mut out, &ups, &var, &v, &w);
        let lines: Vec<&[u8]> = out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
        prop_assert_eq!(lines.len(), 8);
        for line in lines {
            let r = parse_reply(line).unwrap();
            let (u, n, val) = match r {
                Reply::Var { ups, var, value } | Reply::Rw { ups, var, value } | Reply::Enum { ups, var, value } => (ups, Some(var), value),
                Reply::Desc { ups, var, desc } => (ups, Some(var), desc),
                Reply::CmdDesc { ups, cmd, desc } => (ups, Some(cmd), desc),
                Reply::UpsDesc { ups, desc } | Reply::Ups { ups, desc } => (ups, None, desc),
                Reply::Range { ups, var, min, max } => {
                    prop_assert_eq!(&*max.unescape(), &w[..]);
                    (ups, Some(var), min)
                }
                other => { prop_assert!(false, "{:?}", other); unreachable!() }
            };
            prop_assert_eq!(u, ups.as_str());
            if let Some(n) = n { prop_assert_eq!(n, var.as_str()); }
            prop_assert_eq!(&*val.unescape(), &v[..]);
            prop_assert_eq!(val.to_text_lossy(), String::from_utf8_lossy(&v));
        }
    }

    #[test]
    fn other_replies_round_trip(ups in name(), var in name(), n in any::<u64>(), len in any::<u32>(),
                                rw in any::<bool>(), en in any::<bool>(), ra in any::<bool>(), num in any::<bool>(),
                                kind in prop::sample::select(ListKind::ALL.to_vec()), code in name()) {
        let ty = VarType { rw, enumerated: en, range: ra, kind: if num { ValueKind::Number } else { ValueKind::String { max_len: len } } };
        let header = ListHeader::new(kind, kind.takes_ups().then_some(ups.as_str()), kind.takes_var().then_some(var.as_str()));
        let err = ErrCode::parse(&code);
        let mut out = Vec::new();
        encode::type_(&mut out, &ups, &var, &ty);
        encode::num_logins(&mut out, &ups, n);
        encode::cmd(&mut out, &ups, &var);
        encode::client(&mut out, &ups, &var);
        encode::begin_list(&mut out, &header);
        encode::end_list(&mut out, &header);
        encode::err(&mut out, &err);
        encode::ok(&mut out, &OkReply::Tracking(&var));
        let want = vec![
            Reply::Type { ups: &ups, var: &var, ty },
            Reply::NumLogins { ups: &ups, count: n },
            Reply::Cmd { ups: &ups, cmd: &var },
            Reply::Client { ups: &ups, addr: &var },
            Reply::BeginList(header),
            Reply::EndList(header),
            Reply::Err { code: err.clone(), extra: None },
            Reply::Ok(OkReply::Tracking(&var)),
        ];
        let got: Vec<Reply<'_>> = out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(|l| parse_reply(l).unwrap()).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn reply_parser_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        for line in bytes.split(|&b| b == b'\n') {
            let _ = parse_reply(line);
        }
    }

    #[test]
    fn reply_parser_is_total_on_near_misses(kw in prop::sample::select(vec!["VAR", "TYPE", "BEGIN LIST", "END LIST", "RANGE", "OK", "ERR", "NUMLOGINS", "CLIENT"]),
                                            rest in "[ a-zA-Z0-9\"\\\\:\t]{0,40}") {
        let _ = parse_reply(format!("{kw}{rest}").as_bytes());
    }

    #[test]
    fn request_tokenizer_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        for line in bytes.split(|&b| b == b'\n') {
            let _ = tokenize(line);
            if let Ok(words) = parse_request_line(line) {
                let _ = words.command();
            }
        }
    }
}
