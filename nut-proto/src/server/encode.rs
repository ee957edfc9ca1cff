//! Reply encoder: writes the lines upsd sends, in upsd's exact format.
//!
//! ```text
//! VAR pi ups.status "OL CHRG"
//! TYPE pi ups.status RW STRING:32
//! BEGIN LIST VAR pi
//! ERR VAR-NOT-SUPPORTED
//! ```
//!
//! Values are always quoted and escaped with [`crate::quote::push_quoted`]. Every function appends to
//! `out` and ends the line with `\n`, so a whole `LIST` can be built in one buffer and sent in one
//! write (upsd writes one line per `write()`, which costs ~40 ms per list on Linux through Nagle and
//! delayed ACK).
//!
//! # Framing safety
//!
//! The encoder is total and never lets data break the line structure: in values, LF, CR and NUL are
//! replaced by a space (a client reads up to LF before unquoting, so no escape could protect them);
//! in names (UPS, variable, command, address), which upsd writes unquoted, those bytes and blanks
//! are replaced by `_`. Stock upsd never holds such bytes, so real data is unaffected.

use crate::error::ErrCode;
use crate::quote;
use crate::reply::{ListHeader, OkReply, ValueKind, VarType};

fn push_name(out: &mut Vec<u8>, name: &str) {
    out.push(b' ');
    let bytes = name.as_bytes();
    if bytes.iter().any(|&b| is_unsafe_in_name(b)) {
        out.extend(
            bytes
                .iter()
                .map(|&b| if is_unsafe_in_name(b) { b'_' } else { b }),
        );
    } else {
        out.extend_from_slice(bytes);
    }
}

fn is_unsafe_in_name(b: u8) -> bool {
    matches!(b, b'\n' | b'\r' | 0 | b' ' | b'\t')
}

fn push_value(out: &mut Vec<u8>, value: &[u8]) {
    out.push(b' ');
    if value.iter().any(|&b| matches!(b, b'\n' | b'\r' | 0)) {
        let cleaned: Vec<u8> = value
            .iter()
            .map(|&b| {
                if matches!(b, b'\n' | b'\r' | 0) {
                    b' '
                } else {
                    b
                }
            })
            .collect();
        quote::push_quoted(&cleaned, out);
    } else {
        quote::push_quoted(value, out);
    }
}

/// `VAR <ups> <var> "<value>"`.
pub fn var(out: &mut Vec<u8>, ups: &str, var: &str, value: &[u8]) {
    out.extend_from_slice(b"VAR");
    push_name(out, ups);
    push_name(out, var);
    push_value(out, value);
    out.push(b'\n');
}

/// `RW <ups> <var> "<value>"`.
pub fn rw(out: &mut Vec<u8>, ups: &str, var: &str, value: &[u8]) {
    out.extend_from_slice(b"RW");
    push_name(out, ups);
    push_name(out, var);
    push_value(out, value);
    out.push(b'\n');
}

/// `ENUM <ups> <var> "<value>"`.
pub fn enum_item(out: &mut Vec<u8>, ups: &str, var: &str, value: &[u8]) {
    out.extend_from_slice(b"ENUM");
    push_name(out, ups);
    push_name(out, var);
    push_value(out, value);
    out.push(b'\n');
}

/// `RANGE <ups> <var> "<min>" "<max>"`.
pub fn range(out: &mut Vec<u8>, ups: &str, var: &str, min: &[u8], max: &[u8]) {
    out.extend_from_slice(b"RANGE");
    push_name(out, ups);
    push_name(out, var);
    push_value(out, min);
    push_value(out, max);
    out.push(b'\n');
}

/// `TYPE <ups> <var> [RW] [ENUM] [RANGE] STRING:<n>|NUMBER`, flags in upsd's order.
pub fn type_(out: &mut Vec<u8>, ups: &str, var: &str, ty: &VarType) {
    out.extend_from_slice(b"TYPE");
    push_name(out, ups);
    push_name(out, var);
    if ty.rw {
        out.extend_from_slice(b" RW");
    }
    if ty.enumerated {
        out.extend_from_slice(b" ENUM");
    }
    if ty.range {
        out.extend_from_slice(b" RANGE");
    }
    match ty.kind {
        ValueKind::String { max_len } => {
            out.extend_from_slice(b" STRING:");
            out.extend_from_slice(max_len.to_string().as_bytes());
        }
        ValueKind::Number => out.extend_from_slice(b" NUMBER"),
    }
    out.push(b'\n');
}

/// `DESC <ups> <var> "<text>"`.
pub fn desc(out: &mut Vec<u8>, ups: &str, var: &str, text: &[u8]) {
    out.extend_from_slice(b"DESC");
    push_name(out, ups);
    push_name(out, var);
    push_value(out, text);
    out.push(b'\n');
}

/// `CMDDESC <ups> <cmd> "<text>"`.
pub fn cmd_desc(out: &mut Vec<u8>, ups: &str, cmd: &str, text: &[u8]) {
    out.extend_from_slice(b"CMDDESC");
    push_name(out, ups);
    push_name(out, cmd);
    push_value(out, text);
    out.push(b'\n');
}

/// `UPSDESC <ups> "<text>"`.
pub fn ups_desc(out: &mut Vec<u8>, ups: &str, text: &[u8]) {
    out.extend_from_slice(b"UPSDESC");
    push_name(out, ups);
    push_value(out, text);
    out.push(b'\n');
}

/// `NUMLOGINS <ups> <n>`.
pub fn num_logins(out: &mut Vec<u8>, ups: &str, count: u64) {
    out.extend_from_slice(b"NUMLOGINS");
    push_name(out, ups);
    out.push(b' ');
    out.extend_from_slice(count.to_string().as_bytes());
    out.push(b'\n');
}

/// `UPS <ups> "<desc>"` (item of LIST UPS).
pub fn ups_item(out: &mut Vec<u8>, ups: &str, text: &[u8]) {
    out.extend_from_slice(b"UPS");
    push_name(out, ups);
    push_value(out, text);
    out.push(b'\n');
}

/// `CMD <ups> <cmd>` (item of LIST CMD).
pub fn cmd(out: &mut Vec<u8>, ups: &str, cmd: &str) {
    out.extend_from_slice(b"CMD");
    push_name(out, ups);
    push_name(out, cmd);
    out.push(b'\n');
}

/// `CLIENT <ups> <addr>` (item of LIST CLIENT).
pub fn client(out: &mut Vec<u8>, ups: &str, addr: &str) {
    out.extend_from_slice(b"CLIENT");
    push_name(out, ups);
    push_name(out, addr);
    out.push(b'\n');
}

fn list_header(out: &mut Vec<u8>, h: &ListHeader<'_>) {
    out.extend_from_slice(b" LIST ");
    out.extend_from_slice(h.kind.as_str().as_bytes());
    if let Some(ups) = h.ups {
        push_name(out, ups);
    }
    if let Some(var) = h.var {
        push_name(out, var);
    }
    out.push(b'\n');
}

/// `BEGIN LIST <what>`.
pub fn begin_list(out: &mut Vec<u8>, h: &ListHeader<'_>) {
    out.extend_from_slice(b"BEGIN");
    list_header(out, h);
}

/// `END LIST <what>`.
pub fn end_list(out: &mut Vec<u8>, h: &ListHeader<'_>) {
    out.extend_from_slice(b"END");
    list_header(out, h);
}

/// `OK [...]`.
pub fn ok(out: &mut Vec<u8>, reply: &OkReply<'_>) {
    out.extend_from_slice(b"OK");
    let word: &[u8] = match reply {
        OkReply::Plain => b"",
        OkReply::Goodbye => b"Goodbye",
        OkReply::FsdSet => b"FSD-SET",
        OkReply::StartTls => b"STARTTLS",
        OkReply::PrimaryGranted => b"PRIMARY-GRANTED",
        OkReply::MasterGranted => b"MASTER-GRANTED",
        OkReply::Tracking(id) => {
            out.extend_from_slice(b" TRACKING");
            push_name(out, id);
            b""
        }
        OkReply::Other(text) => {
            out.push(b' ');
            push_text_bytes(out, text);
            b""
        }
    };
    if !word.is_empty() {
        out.push(b' ');
        out.extend_from_slice(word);
    }
    out.push(b'\n');
}

/// `ERR <CODE>`, the only form released upsd sends.
pub fn err(out: &mut Vec<u8>, code: &ErrCode) {
    out.extend_from_slice(b"ERR ");
    push_text_bytes(out, code.as_str().as_bytes());
    out.push(b'\n');
}

/// A free-text line (VER, NETVER, HELP, GET TRACKING answers), with framing bytes replaced.
pub fn text(out: &mut Vec<u8>, line: &[u8]) {
    push_text_bytes(out, line);
    out.push(b'\n');
}

fn push_text_bytes(out: &mut Vec<u8>, text: &[u8]) {
    out.extend(text.iter().map(|&b| {
        if matches!(b, b'\n' | b'\r' | 0) {
            b' '
        } else {
            b
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::ListKind;

    #[test]
    fn lines_match_upsd_byte_for_byte() {
        let mut out = Vec::new();
        var(&mut out, "pi", "ups.status", b"OL CHRG");
        type_(
            &mut out,
            "pi",
            "ups.status",
            &VarType {
                rw: true,
                enumerated: false,
                range: false,
                kind: ValueKind::String { max_len: 32 },
            },
        );
        num_logins(&mut out, "pi", 0);
        let h = ListHeader::new(ListKind::Var, Some("pi"), None);
        begin_list(&mut out, &h);
        end_list(&mut out, &h);
        ok(&mut out, &OkReply::FsdSet);
        ok(&mut out, &OkReply::Plain);
        err(&mut out, &ErrCode::VarNotSupported);
        assert_eq!(
            String::from_utf8(out).unwrap_or_default(),
            "VAR pi ups.status \"OL CHRG\"\nTYPE pi ups.status RW STRING:32\nNUMLOGINS pi 0\n\
             BEGIN LIST VAR pi\nEND LIST VAR pi\nOK FSD-SET\nOK\nERR VAR-NOT-SUPPORTED\n"
        );
    }

    #[test]
    fn framing_bytes_never_escape() {
        let mut out = Vec::new();
        var(&mut out, "p\ni", "a b", b"x\ny\r\0\"");
        assert_eq!(out, b"VAR p_i a_b \"x y  \\\"\"\n");
    }
}
