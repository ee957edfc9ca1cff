//! The descriptions `GET DESC` and `GET CMDDESC` answer with, read the way upsd reads NUT's
//! `cmdvartab` data file at run time (nothing of its text is built in here).
//!
//! Facts (NUT's server/desc.c, 2.8.0 to 2.8.5): upsd reads `<DATAPATH>/cmdvartab`, where DATAPATH is
//! upsd.conf's `DATAPATH` or, by default, NUT's data directory (`/usr/share/nut` in Debian's
//! nut-server package). The file is parseconf text; a line `VARDESC <name> <text>` or
//! `CMDDESC <name> <text>` with at least three words gives a description (further words are
//! ignored), a later line for the same name (ignoring ASCII case) replaces an earlier one, every
//! other line is ignored, and a missing file disables descriptions. upsd looks names up ignoring
//! case and answers `Description unavailable` for a name the table lacks, whether or not the UPS
//! has that variable or command.

use std::collections::HashMap;

use crate::server::store::for_each_logical_line;

/// The file name upsd reads in its DATAPATH.
pub const CMDVARTAB: &str = "cmdvartab";

/// upsd's default DATAPATH on Debian (`dpkg -L nut-server` lists `/usr/share/nut/cmdvartab`).
pub const DEFAULT_DATAPATH: &str = "/usr/share/nut";

/// What upsd answers for a name without a description.
pub const NO_DESCRIPTION: &str = "Description unavailable";

/// Descriptions of variables and instant commands, by name ignoring ASCII case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Descriptions {
    vars: HashMap<String, Vec<u8>>,
    cmds: HashMap<String, Vec<u8>>,
}

impl Descriptions {
    /// No descriptions (upsd without a cmdvartab): every lookup answers [`NO_DESCRIPTION`].
    pub fn new() -> Self {
        Descriptions::default()
    }

    /// Reads cmdvartab text as upsd does (see the module doc). Total: lines it cannot tokenize are
    /// skipped, as upsd logs them and goes on; memory is bounded by the input's size.
    pub fn parse(text: impl AsRef<[u8]>) -> Descriptions {
        let mut d = Descriptions::new();
        for_each_logical_line(text.as_ref(), |words| {
            let [kind, name, desc, ..] = words else {
                return;
            };
            let Ok(name) = std::str::from_utf8(name) else {
                return;
            };
            let table = match kind.as_ref() {
                b"VARDESC" => &mut d.vars,
                b"CMDDESC" => &mut d.cmds,
                _ => return,
            };
            table.insert(name.to_ascii_lowercase(), desc.to_vec());
        });
        d
    }

    /// A variable's description.
    pub fn var(&self, name: &str) -> Option<&[u8]> {
        self.vars.get(&name.to_ascii_lowercase()).map(Vec::as_slice)
    }

    /// An instant command's description.
    pub fn cmd(&self, name: &str) -> Option<&[u8]> {
        self.cmds.get(&name.to_ascii_lowercase()).map(Vec::as_slice)
    }

    /// How many variable and command descriptions there are.
    pub fn len(&self) -> (usize, usize) {
        (self.vars.len(), self.cmds.len())
    }

    /// Whether there is no description at all.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty() && self.cmds.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn grammar_as_upsd_reads_it() {
        let d = Descriptions::parse(
            "# comment\nVARDESC ups.load \"Load on UPS\"\nCMDDESC load.off \"Turn it off\"\n\
             VARDESC short\nVARDESC Ups.Load \"later one wins\" extra words\n\
             vardesc lower.case \"kind is case-sensitive\"\nOTHER a \"b\"\n\
             VARDESC cont.var \"joined \\\n line\"\nCMDDESC \"bad\n",
        );
        assert_eq!(d.var("UPS.LOAD"), Some(&b"later one wins"[..]));
        assert_eq!(d.cmd("Load.Off"), Some(&b"Turn it off"[..]));
        assert_eq!(d.var("short"), None);
        assert_eq!(d.var("lower.case"), None);
        assert_eq!(d.var("a"), None);
        assert_eq!(d.var("cont.var"), Some(&b"joined  line"[..]));
        assert_eq!(d.cmd("ups.load"), None, "commands and variables are apart");
        assert_eq!(d.len(), (2, 1));
        assert!(Descriptions::parse("").is_empty());
    }

    proptest! {
        // Whatever the bytes, parsing ends; a table written with the protocol's word encoder
        // reads back to the same descriptions, less the bytes parseconf drops.
        #[test]
        fn total_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Descriptions::parse(&bytes);
        }

        #[test]
        fn round_trip(entries in proptest::collection::btree_map(
            "[a-z][a-z0-9.]{0,20}", proptest::collection::vec(1u8..=255, 1..40), 0..8)) {
            let mut text = Vec::new();
            for (name, desc) in &entries {
                text.extend_from_slice(b"VARDESC ");
                crate::quote::push_word(name.as_bytes(), &mut text);
                text.push(b' ');
                // Quoted always: LF/CR inside a description cannot be written; drop them.
                let clean: Vec<u8> = desc.iter().copied().filter(|b| !matches!(b, b'\n' | b'\r')).collect();
                crate::quote::push_quoted(&clean, &mut text);
                text.push(b'\n');
            }
            let d = Descriptions::parse(&text);
            for (name, desc) in &entries {
                // parseconf keeps only the bytes 0x20..=0x7F of a word.
                let kept: Vec<u8> = desc.iter().copied().filter(|b| (0x20..=0x7f).contains(b)).collect();
                prop_assert_eq!(d.var(name), Some(kept.as_slice()));
            }
        }
    }
}
