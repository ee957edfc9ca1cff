//! Table-driven tests of the reply parser over every reply kind. The lines are real: copied from the
//! upsd 2.8.0 lab transcript (`../shared/docs/lab/raw-protocol.txt`) and nut-facts §1.4/§1.9, plus the
//! non-stock forms a client must tolerate.

use std::borrow::Cow;

use nut_proto::reply::{
    parse_reply, parse_reply_with_limit, ListHeader, ListKind, OkReply, Quoted, Reply, ReplyError,
    ValueKind, VarType, DEFAULT_MAX_LINE,
};
use nut_proto::ErrCode;

fn q(raw: &str) -> Quoted<'_> {
    Quoted::from_raw(raw.as_bytes())
}

fn ty(rw: bool, enumerated: bool, range: bool, kind: ValueKind) -> VarType {
    VarType {
        rw,
        enumerated,
        range,
        kind,
    }
}

#[test]
fn every_reply_kind() {
    use Reply::*;
    let s32 = ValueKind::String { max_len: 32 };
    let cases: Vec<(&str, Reply<'_>)> = vec![
        // Lab transcript.
        (
            "VAR pi ups.status \"OL CHRG\"",
            Var {
                ups: "pi",
                var: "ups.status",
                value: q("OL CHRG"),
            },
        ),
        (
            "VAR pi battery.charge \"96\"",
            Var {
                ups: "pi",
                var: "battery.charge",
                value: q("96"),
            },
        ),
        (
            "VAR pi ups.status \"FSD OL CHRG\"",
            Var {
                ups: "pi",
                var: "ups.status",
                value: q("FSD OL CHRG"),
            },
        ),
        (
            "VAR pi device.model \"Quoted \"",
            Var {
                ups: "pi",
                var: "device.model",
                value: q("Quoted "),
            },
        ),
        (
            "RW pi battery.charge.low \"10\"",
            Rw {
                ups: "pi",
                var: "battery.charge.low",
                value: q("10"),
            },
        ),
        (
            "TYPE pi ups.status RW STRING:32",
            Type {
                ups: "pi",
                var: "ups.status",
                ty: ty(true, false, false, s32),
            },
        ),
        (
            "TYPE pi battery.charge RW NUMBER",
            Type {
                ups: "pi",
                var: "battery.charge",
                ty: ty(true, false, false, ValueKind::Number),
            },
        ),
        (
            "TYPE x input.transfer.low RW ENUM NUMBER",
            Type {
                ups: "x",
                var: "input.transfer.low",
                ty: ty(true, true, false, ValueKind::Number),
            },
        ),
        (
            "TYPE x battery.charge.low RANGE NUMBER",
            Type {
                ups: "x",
                var: "battery.charge.low",
                ty: ty(false, false, true, ValueKind::Number),
            },
        ),
        (
            "TYPE x ups.id RW ENUM RANGE STRING:8",
            Type {
                ups: "x",
                var: "ups.id",
                ty: ty(true, true, true, ValueKind::String { max_len: 8 }),
            },
        ),
        (
            "DESC pi ups.status \"UPS status\"",
            Desc {
                ups: "pi",
                var: "ups.status",
                desc: q("UPS status"),
            },
        ),
        (
            "DESC pi x \"Description unavailable\"",
            Desc {
                ups: "pi",
                var: "x",
                desc: q("Description unavailable"),
            },
        ),
        (
            "CMDDESC pi load.off \"Turn off the load immediately\"",
            CmdDesc {
                ups: "pi",
                cmd: "load.off",
                desc: q("Turn off the load immediately"),
            },
        ),
        (
            "UPSDESC pi \"Lab UPS for the Pi\"",
            UpsDesc {
                ups: "pi",
                desc: q("Lab UPS for the Pi"),
            },
        ),
        (
            "UPSDESC pi \"Unavailable\"",
            UpsDesc {
                ups: "pi",
                desc: q("Unavailable"),
            },
        ),
        (
            "NUMLOGINS pi 0",
            NumLogins {
                ups: "pi",
                count: 0,
            },
        ),
        (
            "NUMLOGINS pi 18446744073709551615",
            NumLogins {
                ups: "pi",
                count: u64::MAX,
            },
        ),
        (
            "UPS pi \"Lab UPS for the Pi\"",
            Ups {
                ups: "pi",
                desc: q("Lab UPS for the Pi"),
            },
        ),
        (
            "CMD pi load.off",
            Cmd {
                ups: "pi",
                cmd: "load.off",
            },
        ),
        (
            "ENUM x input.transfer.low \"180\"",
            Enum {
                ups: "x",
                var: "input.transfer.low",
                value: q("180"),
            },
        ),
        (
            "RANGE x input.transfer.low \"160\" \"190\"",
            Range {
                ups: "x",
                var: "input.transfer.low",
                min: q("160"),
                max: q("190"),
            },
        ),
        (
            "CLIENT pi 127.0.0.1",
            Client {
                ups: "pi",
                addr: "127.0.0.1",
            },
        ),
        (
            "CLIENT pi ::1",
            Client {
                ups: "pi",
                addr: "::1",
            },
        ),
        (
            "BEGIN LIST UPS",
            BeginList(ListHeader::new(ListKind::Ups, None, None)),
        ),
        (
            "END LIST UPS",
            EndList(ListHeader::new(ListKind::Ups, None, None)),
        ),
        (
            "BEGIN LIST VAR pi",
            BeginList(ListHeader::new(ListKind::Var, Some("pi"), None)),
        ),
        (
            "END LIST RW pi",
            EndList(ListHeader::new(ListKind::Rw, Some("pi"), None)),
        ),
        (
            "BEGIN LIST CMD pi",
            BeginList(ListHeader::new(ListKind::Cmd, Some("pi"), None)),
        ),
        (
            "END LIST CLIENT pi",
            EndList(ListHeader::new(ListKind::Client, Some("pi"), None)),
        ),
        (
            "BEGIN LIST ENUM pi ups.status",
            BeginList(ListHeader::new(
                ListKind::Enum,
                Some("pi"),
                Some("ups.status"),
            )),
        ),
        (
            "END LIST RANGE pi battery.charge",
            EndList(ListHeader::new(
                ListKind::Range,
                Some("pi"),
                Some("battery.charge"),
            )),
        ),
        ("OK", Ok(OkReply::Plain)),
        ("OK Goodbye", Ok(OkReply::Goodbye)),
        ("OK FSD-SET", Ok(OkReply::FsdSet)),
        ("OK STARTTLS", Ok(OkReply::StartTls)),
        ("OK PRIMARY-GRANTED", Ok(OkReply::PrimaryGranted)),
        ("OK MASTER-GRANTED", Ok(OkReply::MasterGranted)),
        (
            "OK TRACKING 1bd31808-cb49-4aec-9d75-d056e6f018d2",
            Ok(OkReply::Tracking("1bd31808-cb49-4aec-9d75-d056e6f018d2")),
        ),
        ("OK something new", Ok(OkReply::Other(b"something new"))),
        (
            "ERR VAR-NOT-SUPPORTED",
            Err {
                code: ErrCode::VarNotSupported,
                extra: None,
            },
        ),
        (
            "ERR UNKNOWN-UPS",
            Err {
                code: ErrCode::UnknownUps,
                extra: None,
            },
        ),
        (
            "ERR INVALID-ARGUMENT",
            Err {
                code: ErrCode::InvalidArgument,
                extra: None,
            },
        ),
        (
            "ERR UNKNOWN-COMMAND",
            Err {
                code: ErrCode::UnknownCommand,
                extra: None,
            },
        ),
        (
            "ERR USERNAME-REQUIRED",
            Err {
                code: ErrCode::UsernameRequired,
                extra: None,
            },
        ),
        (
            "ERR FEATURE-NOT-CONFIGURED",
            Err {
                code: ErrCode::FeatureNotConfigured,
                extra: None,
            },
        ),
        (
            "ERR ALREADY-SET-USERNAME",
            Err {
                code: ErrCode::AlreadySetUsername,
                extra: None,
            },
        ),
        (
            "ERR ACCESS-DENIED",
            Err {
                code: ErrCode::AccessDenied,
                extra: None,
            },
        ),
        (
            "ERR CMD-NOT-SUPPORTED",
            Err {
                code: ErrCode::CmdNotSupported,
                extra: None,
            },
        ),
        (
            "ERR DATA-STALE",
            Err {
                code: ErrCode::DataStale,
                extra: None,
            },
        ),
        (
            "ERR DRIVER-NOT-CONNECTED",
            Err {
                code: ErrCode::DriverNotConnected,
                extra: None,
            },
        ),
        (
            "ERR ACCESS-DENIED \"SSL trust failed\"",
            Err {
                code: ErrCode::AccessDenied,
                extra: Some(b"\"SSL trust failed\""),
            },
        ),
        (
            "ERR UNKNOWN",
            Err {
                code: ErrCode::TrackingUnknown,
                extra: None,
            },
        ),
        (
            "ERR BRAND-NEW",
            Err {
                code: ErrCode::Other("BRAND-NEW".into()),
                extra: None,
            },
        ),
        // Free text: VER, NETVER/PROTVER, HELP, GET TRACKING.
        (
            "Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/",
            Text(b"Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/"),
        ),
        ("1.3", Text(b"1.3")),
        (
            "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS",
            Text(
                b"Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS",
            ),
        ),
        ("PENDING", Text(b"PENDING")),
        ("ON", Text(b"ON")),
        ("Goodbye...", Text(b"Goodbye...")),
        // Non-stock servers.
        ("", Text(b"")),
        (
            "VAR  pi   ups.status  \"OL\"  ",
            Var {
                ups: "pi",
                var: "ups.status",
                value: q("OL"),
            },
        ),
        (
            "VAR pi ups.load 23",
            Var {
                ups: "pi",
                var: "ups.load",
                value: q("23"),
            },
        ),
        (
            "TYPE pi ups.foo RW FANCY STRING:5",
            Type {
                ups: "pi",
                var: "ups.foo",
                ty: ty(true, false, false, ValueKind::String { max_len: 5 }),
            },
        ),
        (
            "TYPE pi ups.foo",
            Type {
                ups: "pi",
                var: "ups.foo",
                ty: ty(false, false, false, ValueKind::Number),
            },
        ),
        ("OK  ", Ok(OkReply::Plain)),
        (
            "\tBEGIN LIST UPS",
            BeginList(ListHeader::new(ListKind::Ups, None, None)),
        ),
        (
            "VAR pi x \"\"",
            Var {
                ups: "pi",
                var: "x",
                value: q(""),
            },
        ),
    ];
    for (line, want) in &cases {
        assert_eq!(
            parse_reply(line.as_bytes()).as_ref(),
            std::result::Result::Ok(want),
            "line {line:?}"
        );
        // A trailing CR is tolerated.
        let crlf = format!("{line}\r");
        assert_eq!(
            parse_reply(crlf.as_bytes()).as_ref(),
            std::result::Result::Ok(want),
            "line {crlf:?}"
        );
    }
}

#[test]
fn malformed_keyword_lines_are_errors_not_guesses() {
    for line in [
        "VAR pi",
        "VAR pi ups.status",
        "VAR pi ups.status \"unterminated",
        "VAR pi ups.status \"OL\" trailing",
        "TYPE pi",
        "TYPE pi x STRING:abc",
        "TYPE pi x STRING:99999999999",
        "NUMLOGINS pi x",
        "NUMLOGINS pi -1",
        "NUMLOGINS pi 99999999999999999999",
        "RANGE pi x \"1\"",
        "CMD pi",
        "CMD pi a b",
        "CLIENT pi",
        "BEGIN",
        "BEGIN LIST",
        "BEGIN LIST FOO",
        "BEGIN LIST VAR",
        "BEGIN LIST ENUM pi",
        "END LIST UPS extra",
        "BEGIN LISTX UPS",
        "ERR",
        "ERR   ",
        "UPSDESC pi",
        "DESC pi x",
    ] {
        assert!(
            matches!(
                parse_reply(line.as_bytes()),
                std::result::Result::Err(ReplyError::Malformed { .. })
            ),
            "{line:?} -> {:?}",
            parse_reply(line.as_bytes())
        );
    }
}

#[test]
fn names_that_are_not_utf8_are_refused_values_are_kept() {
    assert!(parse_reply(b"VAR p\xffi x \"v\"").is_err());
    let r = parse_reply(b"VAR pi x \"caf\xe9 \\\"q\\\"\"").unwrap();
    let Reply::Var { value, .. } = r else {
        panic!("{r:?}")
    };
    assert_eq!(&*value.unescape(), b"caf\xe9 \"q\"");
    assert_eq!(value.to_text_lossy(), "caf\u{fffd} \"q\"");
    assert_eq!(value.to_str(), None);
    let r = parse_reply(b"ERR \xff\xfe").unwrap();
    assert_eq!(
        r,
        Reply::Err {
            code: ErrCode::Other("\u{fffd}\u{fffd}".into()),
            extra: None
        }
    );
}

#[test]
fn values_borrow_unless_escaped() {
    let Reply::Var { value, .. } = parse_reply(b"VAR pi ups.status \"OL CHRG\"").unwrap() else {
        panic!()
    };
    assert!(matches!(value.unescape(), Cow::Borrowed(b"OL CHRG")));
    assert!(matches!(value.to_text_lossy(), Cow::Borrowed("OL CHRG")));
    assert!(!value.has_escapes());
    let Reply::Var { value, .. } = parse_reply(br#"VAR pi x "a \\ b""#).unwrap() else {
        panic!()
    };
    assert!(value.has_escapes());
    assert_eq!(value.raw(), br"a \\ b");
    assert_eq!(&*value.unescape(), br"a \ b");
}

#[test]
fn line_bound() {
    let long = vec![b'A'; DEFAULT_MAX_LINE + 1];
    assert_eq!(
        parse_reply(&long),
        std::result::Result::Err(ReplyError::TooLong {
            len: DEFAULT_MAX_LINE + 1,
            max: DEFAULT_MAX_LINE
        })
    );
    assert!(parse_reply(&long[..DEFAULT_MAX_LINE]).is_ok());
    assert!(parse_reply_with_limit(b"OK", 1).is_err());
    assert!(parse_reply_with_limit(&long, DEFAULT_MAX_LINE + 1).is_ok());
}

#[test]
fn list_membership() {
    let header = ListHeader::new(ListKind::Var, Some("pi"), None);
    let begin = parse_reply(b"BEGIN LIST VAR PI").unwrap();
    assert!(begin.begins(&header), "names compare ignoring case");
    assert!(parse_reply(b"VAR pi ups.load \"23\"")
        .unwrap()
        .belongs_to(&header));
    assert!(!parse_reply(b"VAR other ups.load \"23\"")
        .unwrap()
        .belongs_to(&header));
    assert!(!parse_reply(b"RW pi ups.load \"23\"")
        .unwrap()
        .belongs_to(&header));
    assert!(!parse_reply(b"ERR DATA-STALE").unwrap().belongs_to(&header));
    assert!(parse_reply(b"END LIST VAR pi").unwrap().ends(&header));
    assert!(!parse_reply(b"END LIST VAR other").unwrap().ends(&header));
    assert!(!parse_reply(b"END LIST RW pi").unwrap().ends(&header));

    let enum_h = ListHeader::new(ListKind::Enum, Some("x"), Some("input.transfer.low"));
    assert!(parse_reply(b"ENUM x input.transfer.low \"180\"")
        .unwrap()
        .belongs_to(&enum_h));
    assert!(!parse_reply(b"ENUM x input.transfer.high \"180\"")
        .unwrap()
        .belongs_to(&enum_h));
    let ups_h = ListHeader::new(ListKind::Ups, None, None);
    assert!(parse_reply(b"UPS pi \"d\"").unwrap().belongs_to(&ups_h));
}

/// Every reply line of the lab transcript parses, and none of them is mistaken for another kind.
#[test]
fn lab_transcript_lines_all_parse() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/docs/lab/raw-protocol.txt"
    );
    let Ok(text) = std::fs::read(path) else {
        println!("skipped: no ../shared");
        return;
    };
    let mut count = 0;
    for line in text.split(|&b| b == b'\n') {
        if line.starts_with(b">>>")
            || line.starts_with(b"===")
            || line.starts_with(b"<EOF>")
            || line.is_empty()
        {
            continue;
        }
        let r = parse_reply(line);
        assert!(r.is_ok(), "{:?} -> {r:?}", String::from_utf8_lossy(line));
        count += 1;
    }
    assert!(count > 100, "{count}");
}
