//! `upsc -j`'s output (NUT ≥ 2.8.5), byte for byte: the layout and escaping are facts of NUT's
//! format (a flat object of strings, two-space indent, `{"error": …}` on failure), written here
//! because serde's pretty printer lays out an empty object and its errors differently.

use nut_proto::client::Variable;

/// `s` as a JSON string body the way upsc escapes it: `"` `\` and the named control characters
/// by name, other bytes below 0x20 as `\u00XX`, everything else as it is.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `upsc -j UPS`: every variable, in the server's order.
pub(crate) fn vars(vars: &[Variable]) -> String {
    let body: Vec<String> = vars
        .iter()
        .map(|v| format!("  \"{}\": \"{}\"", escape(&v.name), escape(&v.value)))
        .collect();
    format!("{{\n{}\n}}\n", body.join(",\n"))
}

/// `upsc -j UPS VAR`: the one value as a JSON string.
pub(crate) fn value(value: &str) -> String {
    format!("\"{}\"\n", escape(value))
}

/// upsc -j's error before any listing started (connecting, or the one-value form).
pub(crate) fn error(msg: &str) -> String {
    format!("{{\"error\": \"{}\"}}\n", escape(msg))
}

/// upsc -j's error once the listing object was opened (`LIST VAR` refused).
pub(crate) fn list_error(msg: &str) -> String {
    format!("{{\n  \"error\": \"{}\"\n}}\n", escape(msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, value: &str) -> Variable {
        Variable {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn layout_is_upsc_js() {
        let v = [var("battery.charge", "100"), var("ups.status", "OL")];
        assert_eq!(
            vars(&v),
            "{\n  \"battery.charge\": \"100\",\n  \"ups.status\": \"OL\"\n}\n"
        );
        // upsc opens and closes the object around an empty listing: a blank line between.
        assert_eq!(vars(&[]), "{\n\n}\n");
        assert_eq!(value("OL CHRG"), "\"OL CHRG\"\n");
        assert_eq!(error("Unknown UPS"), "{\"error\": \"Unknown UPS\"}\n");
        assert_eq!(
            list_error("Unknown UPS"),
            "{\n  \"error\": \"Unknown UPS\"\n}\n"
        );
    }

    #[test]
    fn escaping_is_upscs_and_valid_json() {
        let raw = "a\"b\\c\u{8}\u{c}\n\r\t\u{1}\u{1f} é\u{7f}";
        let e = escape(raw);
        assert_eq!(e, "a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f é\u{7f}");
        // What upsc prints is JSON that decodes back to the value.
        let back: serde_json::Value = serde_json::from_str(&value(raw)).unwrap();
        assert_eq!(back, raw);
        let obj: serde_json::Value = serde_json::from_str(&vars(&[var("x.y", raw)])).unwrap();
        assert_eq!(obj["x.y"], raw);
    }
}
