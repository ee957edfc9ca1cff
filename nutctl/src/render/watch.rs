//! What `watch` (and the demo's watch scene) reports, as one type for JSON Lines and its text form.

use std::fmt::Write as _;

use nut_diagnose::timeline::Episode;
use nut_diagnose::watch::{Change, WatchEvent};
use nut_diagnose::Severity;
use serde::Serialize;

use super::text::paint;

/// Something `watch` reports.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum WatchLine {
    /// A transition (nut-diagnose's `Change`, with when it was seen).
    Change {
        /// When it was seen (ISO 8601, UTC; on the demo's virtual clock, `+12.000000s`).
        time: String,
        /// The change.
        #[serde(flatten)]
        change: Change,
    },
    /// A failed poll and when the next attempt is.
    Reconnect {
        /// When it was seen.
        time: String,
        /// The UPS.
        target: String,
        /// How many polls in a row failed.
        attempt: u32,
        /// Seconds until the next attempt (doubles up to 30 s).
        retry_in_secs: f64,
        /// What failed.
        error: String,
    },
    /// An episode of the running log ended.
    Episode {
        /// The episode (nut-diagnose's `Episode`; times are relative to the start of the watch).
        episode: Episode,
    },
}

impl WatchLine {
    /// A watcher's event, seen at `time`.
    pub(crate) fn of(event: WatchEvent, time: &str) -> Self {
        match event {
            WatchEvent::Change(change) => WatchLine::Change {
                time: time.to_string(),
                change,
            },
            WatchEvent::Episode(episode) => WatchLine::Episode { episode },
        }
    }
}

/// Renders one reported line as text.
pub(crate) fn text_line(l: &WatchLine, color: bool) -> String {
    let mut out = String::new();
    match l {
        WatchLine::Change { time, change: c } => {
            let tag = paint(&format!("[{}]", c.severity), Some(c.severity), color);
            let _ = writeln!(out, "{time}  {tag} {}", c.title);
            if c.severity >= Severity::Warning && !c.meaning.is_empty() {
                let _ = writeln!(out, "{:width$}    {}", "", c.meaning, width = time.len());
            }
        }
        WatchLine::Reconnect {
            time,
            target,
            attempt,
            retry_in_secs,
            error,
        } => {
            let _ = writeln!(
                out,
                "{time}  -- {target}: poll failed ({error}); reconnecting in {retry_in_secs:.1} s (attempt {attempt})"
            );
        }
        WatchLine::Episode { episode } => {
            let _ = writeln!(
                out,
                "== episode: {}",
                super::episodes::episode_line(episode)
            );
        }
    }
    out
}
