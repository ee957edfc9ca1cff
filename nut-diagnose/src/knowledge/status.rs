//! Every `ups.status` token NUT defines, with what it means and what to do: the seed's status table as data.
//!
//! Facts: nut-facts §2.2 (drivers' `status_set`, upsmon's reactions). Unknown tokens are legal (drivers
//! add their own) and must be reported, never dropped: [`lookup`] returns `None` for them and the status
//! rule says so.

use crate::finding::Severity;

/// One status token and its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusToken {
    /// The token as drivers send it (upper case).
    pub token: &'static str,
    /// The stable finding id this token produces (`status.on-battery`).
    pub id: &'static str,
    /// Severity of the token seen on its own (combinations such as `OB LB` are judged by the rule).
    pub severity: Severity,
    /// Short name (`on battery`).
    pub title: &'static str,
    /// What it means for the protected machines.
    pub meaning: &'static str,
    /// What to do (empty when nothing is needed).
    pub action: &'static str,
}

/// The token table, sorted by token (a test keeps it sorted and unique).
#[rustfmt::skip]
pub const STATUS_TOKENS: &[StatusToken] = &[
    StatusToken { token: "ALARM", id: "status.alarm", severity: Severity::Warning, title: "alarm active",
        meaning: "The UPS reports at least one active alarm; the text is in ups.alarm.",
        action: "Read ups.alarm and the UPS front panel; fix the cause (wiring, temperature, battery)." },
    StatusToken { token: "BOOST", id: "status.boost", severity: Severity::Info, title: "boosting low input voltage",
        meaning: "Automatic voltage regulation is raising a low mains voltage; the load stays on mains.",
        action: "Nothing unless it is frequent: then have the mains supply checked." },
    StatusToken { token: "BYPASS", id: "status.bypass", severity: Severity::Warning, title: "on bypass",
        meaning: "The load is fed straight from the input: powered, but not protected by the battery.",
        action: "Find out why the UPS went to bypass (overload, fault, maintenance switch) and return it to normal mode." },
    StatusToken { token: "CAL", id: "status.calibrating", severity: Severity::Warning, title: "runtime calibration",
        meaning: "A runtime calibration is running, usually on battery; low battery during it is not treated as critical.",
        action: "Let it finish; do not start one during a storm or with a weak battery." },
    StatusToken { token: "CHRG", id: "status.charging", severity: Severity::Ok, title: "charging",
        meaning: "The battery is being charged.",
        action: "" },
    StatusToken { token: "DISCHRG", id: "status.discharging", severity: Severity::Info, title: "discharging",
        meaning: "The battery is feeding the inverter (expected together with OB, or during a test).",
        action: "If the UPS is not on battery or testing, check the battery and charger." },
    StatusToken { token: "ECO", id: "status.eco", severity: Severity::Info, title: "ECO mode",
        meaning: "High-efficiency mode as the vendor defines it; transfers may take longer.",
        action: "Nothing, unless the protected hardware is sensitive to transfer times." },
    StatusToken { token: "FSD", id: "status.fsd", severity: Severity::Critical, title: "forced shutdown",
        meaning: "A forced shutdown is in progress: every upsmon watching this UPS shuts its host down now. upsd keeps the flag until it restarts.",
        action: "If mains is back and no shutdown is wanted, restart upsd to clear the latched FSD before starting upsmon again." },
    StatusToken { token: "HB", id: "status.high-battery", severity: Severity::Ok, title: "high battery",
        meaning: "The battery is fully charged.",
        action: "" },
    StatusToken { token: "LB", id: "status.low-battery", severity: Severity::Warning, title: "low battery",
        meaning: "The battery has reached its low threshold. On battery this starts the shutdown; on line power it means the battery is still recharging or worn.",
        action: "On line power: let it charge and check battery.charge; if it stays low, test and replace the battery." },
    StatusToken { token: "OB", id: "status.on-battery", severity: Severity::Warning, title: "on battery",
        meaning: "Mains input is missing; the load runs from the battery and the runtime is counting down.",
        action: "Restore mains power or prepare for the shutdown; check that every host will shut down in time." },
    StatusToken { token: "OFF", id: "status.off", severity: Severity::Warning, title: "output off",
        meaning: "The UPS output is administratively off or asleep: the load is not powered.",
        action: "Turn the output back on if the load should be running." },
    StatusToken { token: "OL", id: "status.online", severity: Severity::Ok, title: "on line power",
        meaning: "Mains input is present.",
        action: "" },
    StatusToken { token: "OVER", id: "status.overload", severity: Severity::Warning, title: "overloaded",
        meaning: "The load exceeds what the UPS can carry; it may cut the output or refuse to go on battery.",
        action: "Move equipment to another UPS or circuit until ups.load is well below 100 %." },
    StatusToken { token: "RB", id: "status.replace-battery", severity: Severity::Warning, title: "replace battery",
        meaning: "The UPS says its battery must be replaced; the runtime estimate can no longer be trusted.",
        action: "Replace the battery, then run a battery test." },
    StatusToken { token: "TEST", id: "status.testing", severity: Severity::Info, title: "self-test running",
        meaning: "A battery self-test is in progress (sent by a few drivers only).",
        action: "Wait for ups.test.result." },
    StatusToken { token: "TRIM", id: "status.trim", severity: Severity::Info, title: "trimming high input voltage",
        meaning: "Automatic voltage regulation is lowering a high mains voltage; the load stays on mains.",
        action: "Nothing unless it is frequent: then have the mains supply checked." },
    StatusToken { token: "WAIT", id: "status.waiting", severity: Severity::Info, title: "waiting for the driver",
        meaning: "upsd has (re)connected to the driver and waits for its first data; not a power event.",
        action: "If it persists, check the driver (nut-driver@ unit) and its log." },
];

/// Looks a token up, case-insensitively as upsmon does.
pub fn lookup(token: &str) -> Option<&'static StatusToken> {
    let upper = token.to_ascii_uppercase();
    STATUS_TOKENS
        .binary_search_by(|t| t.token.cmp(upper.as_str()))
        .ok()
        .and_then(|i| STATUS_TOKENS.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in STATUS_TOKENS.windows(2) {
            if let [a, b] = w {
                assert!(
                    a.token < b.token,
                    "{} must sort before {}",
                    a.token,
                    b.token
                );
            }
        }
        let mut ids: Vec<_> = STATUS_TOKENS.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), STATUS_TOKENS.len(), "finding ids must be unique");
    }

    #[test]
    fn every_token_the_issue_names_is_known() {
        for t in [
            "OL", "OB", "LB", "HB", "RB", "CHRG", "DISCHRG", "BYPASS", "CAL", "OFF", "OVER",
            "TRIM", "BOOST", "FSD", "ALARM", "ECO", "TEST",
        ] {
            assert!(lookup(t).is_some(), "{t}");
        }
        assert_eq!(lookup("ob").map(|t| t.id), Some("status.on-battery"));
        assert!(lookup("OVERHEAT").is_none());
    }

    #[test]
    fn non_ok_tokens_say_what_to_do() {
        for t in STATUS_TOKENS {
            assert!(t.id.starts_with("status."), "{}", t.id);
            if t.severity > Severity::Info {
                assert!(!t.action.is_empty(), "{} needs an action", t.token);
            }
        }
    }
}
