//! No password ever shows in Debug, Display, an error, JSON or a redacted render — whatever shape the
//! line holding it has (valid, misspelt, broken, commented out, too many words).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns; clippy.toml covers the tests themselves

use nut_config::files::nut_conf::NutConf;
use nut_config::files::ups_conf::UpsConf;
use nut_config::files::upsd_conf::UpsdConf;
use nut_config::files::upsd_users::UpsdUsers;
use nut_config::files::upsmon_conf::UpsmonConf;
use nut_config::files::upssched_conf::UpsschedConf;
use nut_config::{ConfigDir, Document, FileKind};
use proptest::prelude::*;

/// Every way a secret can be written, with `{pw}` standing for it.
const SHAPES: &[(FileKind, &str)] = &[
    (FileKind::UpsdUsers, "[u]\n\tpassword = {pw}\n"),
    (FileKind::UpsdUsers, "[u]\n\tpassword = \"{pw}\"  # note\n"),
    (FileKind::UpsdUsers, "[u]\n\tPASSWORD={pw}\n"),
    (FileKind::UpsdUsers, "[u]\n\tpassword {pw}\n"),
    (FileKind::UpsdUsers, "[u]\n\tpasword = {pw}\n"),
    (FileKind::UpsdUsers, "[u]\n\t{pw}\n"),
    (FileKind::UpsdUsers, "{pw}\n[u]\n"),
    (FileKind::UpsdUsers, "[u]\n\tpassword = \"{pw}#\"\n"),
    (FileKind::UpsdUsers, "[u]\n\tpassword = \"{pw}\n"),
    (FileKind::UpsdUsers, "[u]\n#\tpassword = {pw}\n"),
    (
        FileKind::UpsdUsers,
        "[u]\n\tpassword = a b c d e f g h i j k l m n o p q r s t u v w x y z 1 2 3 4 5 {pw}\n",
    ),
    (FileKind::UpsdUsers, "[u]\n\tupsmon {pw}\n"),
    (
        FileKind::UpsmonConf,
        "MONITOR ups@host 1 user {pw} primary\n",
    ),
    (
        FileKind::UpsmonConf,
        "MONITOR ups@host 1 user \"{pw}\" slave\n",
    ),
    (FileKind::UpsmonConf, "MONITOR ups@host 1 user {pw}\n"),
    (FileKind::UpsmonConf, "MONITOR ups@host 1 user {pw} boss\n"),
    (
        FileKind::UpsmonConf,
        "MONITOR ups@host x user {pw} primary\n",
    ),
    (
        FileKind::UpsmonConf,
        "MONITOR ups@host:0 1 user {pw} primary\n",
    ),
    (
        FileKind::UpsmonConf,
        "MONITOR ups@host 1 user {pw} primary extra\n",
    ),
    (
        FileKind::UpsmonConf,
        "MONITOR ups@host 1 user \"{pw}#x\" primary\n",
    ),
    (
        FileKind::UpsmonConf,
        "# MONITOR ups@host 1 user {pw} primary\n",
    ),
    (
        FileKind::UpsmonConf,
        "MONITOR ups@host 1 user \"{pw}\0x\" primary\n",
    ),
    (FileKind::UpsmonConf, "CERTIDENT name {pw}\n"),
    (FileKind::UpsmonConf, "CERTIDENT name {pw} more\n"),
    (FileKind::UpsdConf, "CERTIDENT \"my cert\" {pw}\n"),
    (FileKind::UpsdConf, "# CERTIDENT \"my cert\" \"{pw}\"\n"),
    (
        FileKind::UpsConf,
        "[s]\n\tdriver = snmp-ups\n\tport = h\n\tcommunity = {pw}\n",
    ),
    (
        FileKind::UpsConf,
        "[s]\n\tprivPassword = {pw}\n\tauthPassword = \"{pw}\"\n",
    ),
    (FileKind::UpsConf, "[s]\n\tpassword = {pw} extra\n"),
    (FileKind::NutConf, "SOME_PASSWORD={pw}\n"),
];

fn every_output(kind: FileKind, text: &str) -> Vec<String> {
    let doc = Document::parse_str(kind, "f", text);
    let mut out = vec![
        doc.render_redacted(),
        format!("{doc:?}"),
        format!("{doc:#?}"),
    ];
    let diag = |d: &[nut_config::ConfigError]| {
        d.iter()
            .map(|e| format!("{e} {e:?} {}", serde_json::to_string(e).unwrap()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    macro_rules! view {
        ($t:ty) => {{
            let p = <$t>::from_document(&doc);
            out.push(format!("{:?}", p.view));
            out.push(serde_json::to_string(&p).unwrap());
            out.push(diag(&p.diagnostics));
        }};
    }
    match kind {
        FileKind::NutConf => view!(NutConf),
        FileKind::UpsConf => view!(UpsConf),
        FileKind::UpsdConf => view!(UpsdConf),
        FileKind::UpsdUsers => view!(UpsdUsers),
        FileKind::UpsmonConf => view!(UpsmonConf),
        FileKind::UpsschedConf => view!(UpsschedConf),
        FileKind::Other => {}
    }
    out.push(diag(&doc.diagnostics()));
    for line in doc.lines() {
        out.push(format!("{line:?}"));
        for t in line.tokens() {
            out.push(format!("{t:?}"));
        }
    }
    out
}

#[test]
fn no_shape_leaks_the_password() {
    let pw = "Zq8SecretValue";
    for (kind, shape) in SHAPES {
        let text = shape.replace("{pw}", pw);
        let doc = Document::parse_str(*kind, "f", &text);
        assert!(
            String::from_utf8(doc.render()).unwrap().contains(pw),
            "shape must hold it"
        );
        for o in every_output(*kind, &text) {
            assert!(!o.contains(pw), "{kind:?} {shape:?} leaks in:\n{o}");
            assert!(
                !o.contains("Zq8"),
                "{kind:?} {shape:?} leaks a part in:\n{o}"
            );
        }
    }
}

#[test]
fn the_directory_json_has_no_password() {
    let dir = tempfile::tempdir().unwrap();
    let pw = "Dir9Secret";
    for (kind, shape) in SHAPES {
        std::fs::write(dir.path().join(kind.file_name()), shape.replace("{pw}", pw)).unwrap();
        let c = ConfigDir::load(dir.path());
        let all = format!(
            "{}\n{c:?}\n{}",
            serde_json::to_string(&c).unwrap(),
            c.diagnostics()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(!all.contains(pw), "{kind:?} {shape:?}:\n{all}");
    }
}

proptest! {
    #[test]
    fn generated_passwords_never_leak(pw in "[A-Za-z0-9!$%&()*+,./:;<>?@^_{|}~-]{6,20}", shape in 0..SHAPES.len()) {
        // Tokens that also occur in the surrounding text cannot be told apart from it.
        let (kind, tmpl) = SHAPES[shape];
        let filler = tmpl.replace("{pw}", "");
        prop_assume!(!filler.contains(&pw) && !pw.contains("redacted"));
        let text = tmpl.replace("{pw}", &pw);
        for o in every_output(kind, &text) {
            prop_assert!(!o.contains(&pw), "{:?} {:?} leaks in:\n{}", kind, tmpl, o);
        }
    }
}
