//! Property tests: parse → render is the identity on any bytes, edits touch one line only, and values
//! written by the editor read back unchanged.

use nut_config::document::EditError;
use nut_config::files::upsmon_conf::UpsmonConf;
use nut_config::lexer::{encode_shell, encode_word};
use nut_config::{Document, FileKind};
use proptest::prelude::*;

const KINDS: [FileKind; 7] = [
    FileKind::NutConf,
    FileKind::UpsConf,
    FileKind::UpsdConf,
    FileKind::UpsdUsers,
    FileKind::UpsmonConf,
    FileKind::UpsschedConf,
    FileKind::Other,
];

/// Pieces that exercise every tokenizer rule: quotes, escapes, comments, `=`, headers, odd bytes.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z_]{1,8}",
        "[0-9]{1,4}",
        Just("=".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("#".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("'".to_string()),
        "\"[ a-z#=]{0,6}\"",
        "[ \t]{1,3}",
        Just("\u{e9}".to_string()),
        Just("\u{0}".to_string()),
    ]
}

fn line() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(piece(), 0..8),
        prop_oneof![Just("\n"), Just("\r\n"), Just("\\\n")],
    )
        .prop_map(|(p, end)| format!("{}{}", p.concat(), end))
}

fn file() -> impl Strategy<Value = String> {
    (prop::collection::vec(line(), 0..12), any::<bool>()).prop_map(|(lines, drop_last_lf)| {
        let mut s = lines.concat();
        if drop_last_lf && s.ends_with('\n') {
            s.pop();
        }
        s
    })
}

fn physical_lines(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\n').count() + 1
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_round_trip(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        for kind in KINDS {
            let doc = Document::parse(kind, "f", &bytes);
            prop_assert_eq!(doc.render(), bytes.clone());
            for d in doc.diagnostics() {
                prop_assert!(d.line >= 1 && d.line <= physical_lines(&bytes));
                prop_assert!(d.col >= 1);
            }
        }
    }

    #[test]
    fn config_like_files_round_trip(s in file()) {
        for kind in KINDS {
            let doc = Document::parse_str(kind, "f", &s);
            prop_assert_eq!(doc.render(), s.as_bytes().to_vec());
            let _ = doc.render_redacted();
            // Parsing the rendered text again gives the same lines.
            let again = Document::parse(kind, "f", &doc.render());
            prop_assert_eq!(again.lines().len(), doc.lines().len());
        }
    }

    #[test]
    fn set_touches_one_line(
        s in file(),
        key in "[A-Z]{1,6}",
        value in "[ -~]{0,12}",
        kind in prop_oneof![Just(FileKind::UpsmonConf), Just(FileKind::UpsConf), Just(FileKind::NutConf)],
    ) {
        let mut doc = Document::parse_str(kind, "f", &s);
        let before: Vec<Vec<u8>> = doc.lines().iter().map(|l| l.raw().to_vec()).collect();
        if let Err(e) = doc.set(None, &key, &[&value]) {
            prop_assert!(matches!(e, EditError::UnterminatedQuote { .. }), "{}", e);
            return Ok(());
        }
        let after: Vec<Vec<u8>> = doc.lines().iter().map(|l| l.raw().to_vec()).collect();
        // Every old line is still there, in order, except one rewritten line (or the one before a
        // line appended at the end, which gains its missing newline).
        let kept = before.iter().filter(|l| after.contains(l)).count();
        prop_assert!(kept + 1 >= before.len(), "{:?} -> {:?}", before, after);
        prop_assert!(after.len() == before.len() || after.len() == before.len() + 1);
        // The value reads back.
        let reread = Document::parse(kind, "f", &doc.render());
        let last = reread.find(&key).filter(|e| e.section.is_none()).last().map(|e| {
            e.line.args().iter().map(|t| t.text().to_string()).collect::<Vec<_>>()
        });
        prop_assert_eq!(last, Some(vec![value.clone()]));
    }

    #[test]
    fn encoded_words_read_back(value in "[ -~]{0,40}") {
        let enc = encode_word(&value).unwrap();
        let doc = Document::parse_str(FileKind::UpsdConf, "f", &format!("KEY {enc} # c\n"));
        let args: Vec<String> = doc.find("KEY").flat_map(|e| e.line.args().iter().map(|t| t.text().to_string()).collect::<Vec<_>>()).collect();
        prop_assert_eq!(args, vec![value.clone()]);
        let sh = encode_shell(&value).unwrap();
        let doc = Document::parse_str(FileKind::NutConf, "f", &format!("KEY={sh}\n"));
        let v: Vec<String> = doc.find("KEY").filter_map(|e| e.line.tokens().get(1).map(|t| t.text().to_string())).collect();
        prop_assert_eq!(v, vec![value]);
    }

    #[test]
    fn monitor_targets_read_back(ups in "[a-z][a-z0-9_-]{0,8}", host in "[a-z][a-z0-9.-]{0,12}", port in 1u16..) {
        let system = format!("{ups}@{host}:{port}");
        let text = format!("MONITOR {system} 1 u p primary\n");
        let p = UpsmonConf::from_document(&Document::parse_str(FileKind::UpsmonConf, "f", &text));
        let m = p.view.monitors.first().unwrap();
        prop_assert_eq!(&m.target.ups, &ups);
        prop_assert_eq!(&m.target.host, &host);
        prop_assert_eq!(m.target.port, port);
        prop_assert_eq!(m.target.to_string(), system);
    }
}
