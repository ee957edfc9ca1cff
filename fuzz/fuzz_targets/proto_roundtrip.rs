//! `arbitrary` values through both encoders and back: command -> encode -> server tokenizer -> same
//! command; values -> reply encoder -> parse_reply -> same values.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nut_proto::command::{Command, Secret};
use nut_proto::reply::{parse_reply_with_limit, Reply};
use nut_proto::server::encode;
use nut_proto::server::request::parse_request_line;

#[derive(Debug, Arbitrary)]
struct Input {
    kind: u8,
    a: String,
    b: String,
    value: Vec<u8>,
    flag: bool,
}

fn command(i: &Input) -> Command<'_> {
    let (a, b, v) = (i.a.as_str(), i.b.as_str(), i.value.as_slice());
    match i.kind % 12 {
        0 => Command::GetVar { ups: a, var: b },
        1 => Command::SetVar {
            ups: a,
            var: b,
            value: v,
        },
        2 => Command::InstCmd {
            ups: a,
            cmd: b,
            value: i.flag.then_some(v),
        },
        3 => Command::Username(a),
        4 => Command::Password(Secret::borrowed(b)),
        5 => Command::ListEnum { ups: a, var: b },
        6 => Command::GetTracking {
            id: i.flag.then_some(a),
        },
        7 => Command::Login { ups: a },
        8 => Command::Fsd { ups: a },
        9 => Command::GetCmdDesc { ups: a, cmd: b },
        10 => Command::ListVar { ups: a },
        _ => Command::Primary { ups: a },
    }
}

fuzz_target!(|input: Input| {
    let cmd = command(&input);
    if let Ok(line) = cmd.to_line() {
        let words = parse_request_line(&line).expect("encoded line tokenizes");
        assert_eq!(words.command().expect("encoded line parses"), cmd);
    }

    // Values: any bytes but the three the encoder must replace.
    if input.value.iter().any(|b| matches!(b, b'\n' | b'\r' | 0)) {
        return;
    }
    let mut out = Vec::new();
    encode::var(&mut out, "pi", "ups.status", &input.value);
    let line = out.strip_suffix(b"\n").expect("one line");
    match parse_reply_with_limit(line, usize::MAX) {
        Ok(Reply::Var { value, .. }) => assert_eq!(&*value.unescape(), &input.value[..]),
        other => panic!("{other:?}"),
    }
});
