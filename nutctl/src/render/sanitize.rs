//! The one output sanitizer: text from servers, files and logs may hold control characters (ESC
//! starting an OSC or cursor sequence, CR overwriting a line, a NUL). Every text byte nutctl writes
//! passes through [`sanitize`] on its way out ([`super::emit`], and the error line of `main`), so
//! such characters are shown escaped (`\x1b`, `\r`, `\u009b`), never interpreted by the terminal.
//!
//! Let through: LF, TAB, and exactly the SGR colour codes the renderer itself writes
//! ([`super::text::paint`], [`super::text::bold`]). A server string holding one of those colour codes
//! can change a colour, nothing more (no OSC, no cursor movement, no concealed text).
//!
//! JSON stays exact: a JSON document is written as serde made it (serde escapes C0 controls), and a
//! JSON line that passes here only sees DEL/C1 turned into `\u00XX`, the JSON escape of the same
//! character.

use std::borrow::Cow;

/// The SGR parameter strings the renderer uses (`ESC [ <p> m`).
const OWN_SGR: &[&str] = &["0", "1", "32", "33", "35", "36", "1;31"];

/// Length of an own colour code at the start of `s` (which starts with ESC), if it is one.
fn own_sgr_len(s: &str) -> Option<usize> {
    let rest = s.strip_prefix("\x1b[")?;
    let end = rest.find('m')?;
    let params = rest.get(..end)?;
    OWN_SGR.contains(&params).then_some(2 + end + 1)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || c == '\u{2028}' || c == '\u{2029}'
}

/// `text` with every control character but LF and TAB escaped (except the renderer's own colour
/// codes). Borrows when there is nothing to escape.
pub(crate) fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b' {
            if let Some(n) = own_sgr_len(rest) {
                out.push_str(rest.get(..n).unwrap_or_default());
                rest = rest.get(n..).unwrap_or_default();
                continue;
            }
        }
        if needs_escape(c) {
            match c {
                '\r' => out.push_str("\\r"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
                // DEL, C1 and the line separators: `\u009b`, which is also a valid JSON escape of the
                // same character, so JSON lines written through here keep their exact value.
                c => out.push_str(&format!("\\u{:04x}", c as u32)),
            }
        } else {
            out.push(c);
        }
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(sanitize("OL\n"), "OL\n");
        assert!(matches!(sanitize("plain\ttext\n"), Cow::Borrowed(_)));
        assert_eq!(
            sanitize("a\x1b]0;owned\x07b"),
            "a\\x1b]0;owned\\x07b",
            "OSC title"
        );
        assert_eq!(sanitize("O\0L"), "O\\x00L");
        assert_eq!(sanitize("x\ry"), "x\\ry");
        assert_eq!(sanitize("\x1b[2J\x1b[8m"), "\\x1b[2J\\x1b[8m");
        assert_eq!(sanitize("C1 \u{9b}31m"), "C1 \\u009b31m");
        assert_eq!(sanitize("del\x7f"), "del\\u007f");
    }

    #[test]
    fn json_lines_keep_their_value() {
        let v = serde_json::json!({"s": "a\u{1b}]0;x\u{7}\u{9b}\u{7f}\u{2028}b\r\n"});
        let line = serde_json::to_string(&v).unwrap_or_default();
        let back: serde_json::Value = serde_json::from_str(&sanitize(&line)).unwrap_or_default();
        assert_eq!(back, v);
        assert!(!sanitize(&line).contains('\u{9b}'));
    }

    #[test]
    fn own_colour_codes_pass() {
        let painted = super::super::text::paint("ok", Some(nut_diagnose::Severity::Critical), true);
        assert_eq!(
            sanitize(&format!("{painted}\x1b]8;;x\x07")),
            format!("{painted}\\x1b]8;;x\\x07")
        );
        let b = super::super::text::bold("title", true);
        assert_eq!(sanitize(&b), b);
    }
}
