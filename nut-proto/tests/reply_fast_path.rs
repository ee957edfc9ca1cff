//! Differential tests: `parse_reply` (hand-written fast path for canonical list items, nom grammar for
//! the rest) must give exactly what the pure nom grammar (`parse_reply_grammar`) gives, for arbitrary
//! lines and for lines the server encoder builds from arbitrary names and values. Also the whole-buffer
//! iterator `reply::lines`.

use nut_proto::reply::{
    lines, parse_reply, parse_reply_grammar, parse_reply_with_limit, Reply, DEFAULT_MAX_LINE,
};
use nut_proto::server::encode;
use proptest::prelude::*;

fn same(line: &[u8]) -> Result<(), TestCaseError> {
    for max in [DEFAULT_MAX_LINE, 16, line.len()] {
        prop_assert_eq!(
            parse_reply_with_limit(line, max),
            parse_reply_grammar(line, max),
            "line {:?} max {}",
            String::from_utf8_lossy(line),
            max
        );
    }
    Ok(())
}

/// Keyword-ish starts: the fast path's prefixes, their near misses, and other keywords.
fn prefix() -> impl Strategy<Value = Vec<u8>> {
    prop::sample::select(vec![
        "VAR ", "RW ", "ENUM ", "CMD ", "UPS ", "VAR", "VAR  ", "VAR\t", " VAR ", "RWX ",
        "UPSDESC ", "CMDDESC ", "RANGE ", "DESC ", "END ", "E", "V", "C", "U", "R", "",
    ])
    .prop_map(|s| s.as_bytes().to_vec())
}

/// Bytes that matter to either parser, weighted towards name bytes so that canonical lines come up.
fn body_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        6 => prop::sample::select(b"abcxyz.-_019:".to_vec()),
        3 => Just(b' '),
        2 => Just(b'"'),
        1 => Just(b'\\'),
        1 => prop::sample::select(vec![b'\t', b'\r', 0x0b, 0x7f, 0x80, 0xc3, 0xa9, 0xff, 0, b'#', b'=', b'~', b'!']),
        1 => any::<u8>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9.]{1,30}", "[^\n]{0,12}", "[a-zé\"\\\\ \t.]{0,10}",]
}

fn value_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40),
        "[a-z0-9.\" \\\\#]{0,40}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fast_path_agrees_with_grammar_on_arbitrary_lines(
        p in prefix(),
        body in proptest::collection::vec(body_byte(), 0..48),
        suffix in prop::sample::select(vec!["", "\r", " ", "\r\r", "\"", " \r"]),
    ) {
        let mut line = p;
        line.extend_from_slice(&body);
        line.extend_from_slice(suffix.as_bytes());
        same(&line)?;
    }

    #[test]
    fn fast_path_agrees_with_grammar_on_arbitrary_bytes(line in proptest::collection::vec(any::<u8>(), 0..64)) {
        same(&line)?;
    }

    #[test]
    fn fast_path_agrees_with_grammar_on_encoded_lines(
        kind in 0u8..5,
        ups in text(),
        name in text(),
        value in value_bytes(),
        crlf in any::<bool>(),
    ) {
        let mut out = Vec::new();
        match kind {
            0 => encode::var(&mut out, &ups, &name, &value),
            1 => encode::rw(&mut out, &ups, &name, &value),
            2 => encode::enum_item(&mut out, &ups, &name, &value),
            3 => encode::cmd(&mut out, &ups, &name),
            _ => encode::ups_item(&mut out, &ups, &value),
        }
        prop_assert_eq!(out.pop(), Some(b'\n'));
        if crlf {
            out.push(b'\r');
        }
        same(&out)?;
        // And the encoder's value comes back (names are altered only for blanks/CR/LF/NUL/empty).
        if kind == 0 && ups.bytes().all(|b| b.is_ascii_graphic()) && name.bytes().all(|b| b.is_ascii_graphic()) && !ups.is_empty() && !name.is_empty() && !value.iter().any(|b| matches!(b, b'\n' | b'\r' | 0)) {
            match parse_reply(&out).unwrap() {
                Reply::Var { ups: u, var, value: v } => {
                    prop_assert_eq!((u, var), (ups.as_str(), name.as_str()));
                    prop_assert_eq!(v.unescape().into_owned(), value);
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }

    #[test]
    fn lines_iterator_is_parse_reply_per_line(
        body in proptest::collection::vec(prop_oneof![4 => body_byte(), 1 => Just(b'\n')], 0..200)
    ) {
        let got: Vec<_> = lines(&body).collect();
        let mut want: Vec<_> = body.split(|&b| b == b'\n').map(parse_reply).collect();
        // `split` gives a last empty piece after a final LF (or for an empty buffer); `lines` does not.
        if body.last().is_none_or(|&b| b == b'\n') {
            want.pop();
        }
        prop_assert_eq!(got, want);
    }
}

#[test]
fn edge_cases_agree() {
    let cases: &[&[u8]] = &[
        b"VAR pi ups.status \"OL CHRG\"",
        b"VAR pi ups.status \"OL CHRG\"\r",
        b"VAR pi ups.status \"OL CHRG\"\r\r",
        b"VAR pi ups.status \"OL CHRG\" ",
        b"VAR pi ups.status \"OL CHRG\"x",
        b"VAR pi ups.status \"a\\\"b\\\\\"",
        b"VAR pi ups.status \"a\\\"",
        b"VAR pi ups.status \"\\",
        b"VAR pi ups.status \"\"",
        b"VAR pi ups.status \"",
        b"VAR pi ups.status bare",
        b"VAR pi ups.status",
        b"VAR pi  ups.status \"x\"",
        b"VAR\tpi ups.status \"x\"",
        b"VAR pi\tups.status \"x\"",
        b"VAR p\xc3\xa9 ups.status \"x\"",
        b"VAR p\xff ups.status \"x\"",
        b"VAR p\"i ups.status \"x\"",
        b"VAR p\x7fi ups.status \"x\"",
        b"VAR  ",
        b"VAR ",
        b"VAR",
        b"VARX pi v \"x\"",
        b"RW pi battery.charge \"96\"",
        b"ENUM pi input.transfer.low \"180\"",
        b"CMD pi load.off",
        b"CMD pi load.off ",
        b"CMD pi load.off\r",
        b"CMD pi",
        b"CMD pi load.off extra",
        b"CMDDESC pi load.off \"Turn off\"",
        b"UPS pi \"Lab UPS\"",
        b"UPS pi  \"Lab UPS\"",
        b"UPS pi",
        b"UPSDESC pi \"x\"",
        b"END LIST VAR pi",
        b"",
        b"\r",
        b"  ",
    ];
    for line in cases {
        assert_eq!(
            parse_reply(line),
            parse_reply_grammar(line, DEFAULT_MAX_LINE),
            "{:?}",
            String::from_utf8_lossy(line)
        );
    }
    let mut long = b"VAR pi x \"".to_vec();
    long.resize(DEFAULT_MAX_LINE, b'a');
    long.push(b'"');
    assert_eq!(
        parse_reply(&long),
        parse_reply_grammar(&long, DEFAULT_MAX_LINE)
    );
    assert!(parse_reply(&long).is_err());
}

#[test]
fn lines_frames_a_list_body() {
    let body = b"BEGIN LIST VAR pi\nVAR pi a \"1\"\r\nVAR pi b \"x y\"\nEND LIST VAR pi\n";
    let got: Vec<_> = lines(body).map(|r| r.unwrap()).collect();
    assert_eq!(got.len(), 4);
    assert!(matches!(got[0], Reply::BeginList(_)));
    assert!(matches!(got[1], Reply::Var { var: "a", .. }));
    assert!(matches!(got[2], Reply::Var { var: "b", .. }));
    assert!(matches!(got[3], Reply::EndList(_)));
    assert_eq!(lines(b"").count(), 0);
    assert_eq!(lines(b"OK").count(), 1);
    assert_eq!(lines(b"OK\n").count(), 1);
    assert_eq!(lines(b"\n").collect::<Vec<_>>(), vec![Ok(Reply::Text(b""))]);
    assert!(lines(b"OK OK OK\n").with_limit(4).next().unwrap().is_err());
}
