//! JSON output: one pretty-printed document on stdout, followed by a newline. The field names are
//! those of the report structs (`cmd/*.rs`), documented in nutctl/README.md.

use serde::Serialize;

/// Serializes `value` and writes it to stdout.
pub(crate) fn emit<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    super::emit_exact(&text)?;
    Ok(())
}
