//! The seed's threshold table (load, runtime, charge), with temperature and input voltage, as a serde
//! struct with its defaults, overridable from a user file (JSON) or one limit at a time from the command
//! line ([`Thresholds::set_limit`]).
//!
//! | metric | ideal | warning | critical |
//! |---|---|---|---|
//! | `ups.load` (%) | < 50 | > 70 | > 85 |
//! | `battery.runtime` (s) | > 600 (10 min) | < 480 (8 min) | < 240 (4 min) |
//! | `battery.charge` (%) | > 80 | < 60 | < 40 |
//! | `ups.temperature`, `battery.temperature` (°C) | < 25 | > 35 | > 40 |
//! | `input.voltage`: deviation from `input.voltage.nominal` (%, either way) | < 5 | > 10 | > 15 |
//!
//! Where the new rows come from. Temperature: sealed lead-acid (VRLA) batteries are rated at 25 °C, and
//! battery makers' datasheets give the rule of thumb that their service life halves for every 8–10 °C
//! above it, so 25 °C is the ideal and 35 °C (about half the rated life) the warning; 40 °C is the top
//! of the 0–40 °C operating range UPS datasheets commonly state. Input voltage: ANSI C84.1's range A
//! is ±5 % of nominal and EN 50160 / IEC 60038 allow ±10 %, hence the ideal and the warning; the
//! critical 15 % is a choice (around where line-interactive UPSes stop trimming or boosting and go
//! to battery). The voltage is judged only when the UPS reports its nominal value.
//!
//! A value between "ideal" and "warning" is *acceptable*: not a problem, not ideal either. A user file
//! names only what it changes; everything else keeps its default:
//!
//! ```
//! let t = nut_diagnose::knowledge::Thresholds::from_json(r#"{"load": {"critical": 90}}"#)?;
//! assert_eq!((t.load.warning, t.load.critical), (70.0, 90.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::finding::Severity;

/// Limits for one metric. For load, temperature and the input voltage's deviation higher is worse; for
/// runtime and charge lower is worse.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Beyond this (below for load, above for runtime/charge) the value is ideal.
    pub ideal: f64,
    /// Past this the value deserves a warning.
    pub warning: f64,
    /// Past this the value is critical.
    pub critical: f64,
}

/// How a value compares with its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Within the ideal range.
    Ideal,
    /// Between ideal and warning: fine, with less margin than recommended.
    Acceptable,
    /// Past the warning limit.
    Warning,
    /// Past the critical limit.
    Critical,
}

impl Level {
    /// The finding severity for this level.
    pub fn severity(self) -> Severity {
        match self {
            Level::Ideal => Severity::Ok,
            Level::Acceptable => Severity::Info,
            Level::Warning => Severity::Warning,
            Level::Critical => Severity::Critical,
        }
    }

    /// The last part of a threshold finding id (`threshold.load.<this>`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ideal => "ok",
            Level::Acceptable => "acceptable",
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }
}

impl Limits {
    /// Classifies a value where higher is worse (load): `< ideal` ideal, `> warning` warning,
    /// `> critical` critical.
    pub fn classify_high_is_bad(&self, v: f64) -> Level {
        if v > self.critical {
            Level::Critical
        } else if v > self.warning {
            Level::Warning
        } else if v < self.ideal {
            Level::Ideal
        } else {
            Level::Acceptable
        }
    }

    /// Classifies a value where lower is worse (runtime, charge): `> ideal` ideal, `< warning` warning,
    /// `< critical` critical.
    pub fn classify_low_is_bad(&self, v: f64) -> Level {
        if v < self.critical {
            Level::Critical
        } else if v < self.warning {
            Level::Warning
        } else if v > self.ideal {
            Level::Ideal
        } else {
            Level::Acceptable
        }
    }
}

/// Every tunable number the rules use. `Default` is the seed's table; [`Thresholds::from_json`] overlays a
/// user file on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// `ups.load` in percent (higher is worse).
    pub load: Limits,
    /// `battery.runtime` in seconds (lower is worse).
    pub runtime: Limits,
    /// `battery.charge` in percent (lower is worse).
    pub charge: Limits,
    /// `ups.temperature` and `battery.temperature` in °C (higher is worse).
    pub temperature: Limits,
    /// `input.voltage`'s deviation from `input.voltage.nominal`, in percent of the nominal value, too
    /// low or too high alike (higher is worse).
    pub input_voltage: Limits,
    /// A battery installed (`battery.date`) longer ago than this many days is due for a check: lead-acid
    /// UPS batteries last about 3–5 years.
    pub battery_age_days: u32,
    /// A last self-test (`ups.test.date`) older than this many days counts as "no recent test".
    pub test_age_days: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            load: Limits {
                ideal: 50.0,
                warning: 70.0,
                critical: 85.0,
            },
            runtime: Limits {
                ideal: 600.0,
                warning: 480.0,
                critical: 240.0,
            },
            charge: Limits {
                ideal: 80.0,
                warning: 60.0,
                critical: 40.0,
            },
            temperature: Limits {
                ideal: 25.0,
                warning: 35.0,
                critical: 40.0,
            },
            input_voltage: Limits {
                ideal: 5.0,
                warning: 10.0,
                critical: 15.0,
            },
            battery_age_days: 3 * 365,
            test_age_days: 365,
        }
    }
}

/// Why a thresholds file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ThresholdsError {
    /// Not valid JSON, an unknown key, or a wrong type.
    #[error("thresholds file: {0}")]
    Json(#[from] serde_json::Error),
    /// The limits of one metric are out of order (for load: ideal ≤ warning ≤ critical).
    #[error("thresholds file: {metric} limits out of order (ideal {ideal}, warning {warning}, critical {critical})")]
    Order {
        /// `load`, `runtime`, `charge`, `temperature` or `input_voltage`.
        metric: &'static str,
        /// The ideal limit given.
        ideal: f64,
        /// The warning limit given.
        warning: f64,
        /// The critical limit given.
        critical: f64,
    },
    /// A command-line override ([`Thresholds::set_limit`]) that does not parse or leaves the
    /// limits out of order.
    #[error("threshold {word:?}: {reason}")]
    Override {
        /// The word given (`charge=50`).
        word: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The words [`Thresholds::set_limit`] knows, for its messages.
const METRICS: &str = "charge, runtime, load, temperature or input-voltage";

/// Which limit of a metric a command-line override sets (`check_ups`' `-w` / `-c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The warning limit.
    Warning,
    /// The critical limit.
    Critical,
}

impl Thresholds {
    /// The limits of a NUT variable the table judges by its own value, and whether higher is worse
    /// (`ups.load`, `ups.temperature`, `battery.temperature`) or lower is (`battery.runtime`,
    /// `battery.charge`); `None` for any other variable (`input.voltage` is judged against its
    /// nominal value: [`Thresholds::input_voltage_band`]).
    pub fn limits_for(&self, var: &str) -> Option<(Limits, bool)> {
        match var {
            "ups.load" => Some((self.load, true)),
            "battery.runtime" => Some((self.runtime, false)),
            "battery.charge" => Some((self.charge, false)),
            "ups.temperature" | "battery.temperature" => Some((self.temperature, true)),
            _ => None,
        }
    }

    /// `input.voltage`'s deviation from a nominal voltage in percent (`|v - nominal| / nominal`),
    /// `None` unless the nominal value is a positive number.
    pub fn input_voltage_deviation(voltage: f64, nominal: f64) -> Option<f64> {
        (nominal.is_finite() && nominal > 0.0 && voltage.is_finite())
            .then(|| (voltage - nominal).abs() / nominal * 100.0)
    }

    /// The input voltage limits in volts around `nominal`: `(warning, critical)`, each `(low, high)`;
    /// a voltage outside a band is past that limit. `None` unless the nominal value is positive.
    #[allow(clippy::type_complexity)]
    pub fn input_voltage_band(&self, nominal: f64) -> Option<((f64, f64), (f64, f64))> {
        (nominal.is_finite() && nominal > 0.0).then(|| {
            let band = |pct: f64| (nominal * (1.0 - pct / 100.0), nominal * (1.0 + pct / 100.0));
            (
                band(self.input_voltage.warning),
                band(self.input_voltage.critical),
            )
        })
    }

    /// Overrides one limit from a command-line word `METRIC=NUMBER` (`charge=50`, `runtime=300`,
    /// `load=80`, `temperature=40`, `input-voltage=10`; the units of the table, the input voltage in
    /// percent of its nominal value either way). The ideal limit moves along when the new limit
    /// passes it, so `-w charge=90` works; limits left out of order (`-w charge=30` under a critical
    /// 40) are refused.
    pub fn set_limit(&mut self, word: &str, bound: Bound) -> Result<(), ThresholdsError> {
        let bad = |reason: String| ThresholdsError::Override {
            word: word.to_string(),
            reason,
        };
        let (metric, value) = word
            .split_once('=')
            .ok_or_else(|| bad(format!("expected METRIC=NUMBER ({METRICS})")))?;
        let value: f64 = value
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| bad(format!("{value:?} is not a number")))?;
        // On a copy, so a refused override leaves the table as it was.
        let mut next = self.clone();
        let (limits, high_is_bad) = match metric.trim() {
            "load" => (&mut next.load, true),
            "runtime" => (&mut next.runtime, false),
            "charge" => (&mut next.charge, false),
            "temperature" => (&mut next.temperature, true),
            "input-voltage" | "input_voltage" => (&mut next.input_voltage, true),
            other => return Err(bad(format!("unknown metric {other:?} ({METRICS})"))),
        };
        match bound {
            Bound::Warning => limits.warning = value,
            Bound::Critical => limits.critical = value,
        }
        // The ideal range starts beyond the warning limit.
        if high_is_bad {
            limits.ideal = limits.ideal.min(limits.warning);
        } else {
            limits.ideal = limits.ideal.max(limits.warning);
        }
        next.validate().map_err(|e| match e {
            ThresholdsError::Order {
                warning, critical, ..
            } => bad(format!(
                "warning {warning} and critical {critical} are out of order ({})",
                if high_is_bad {
                    "higher is worse: warning <= critical"
                } else {
                    "lower is worse: warning >= critical"
                }
            )),
            other => other,
        })?;
        *self = next;
        Ok(())
    }

    /// Reads a user file (JSON). Keys left out keep their default; a metric object must be given whole
    /// or partially (`{"load": {"critical": 90}}` keeps load's ideal and warning). Limits are checked for
    /// order so that a typo cannot silently turn every warning off.
    pub fn from_json(text: &str) -> Result<Self, ThresholdsError> {
        // Overlay: parse into a loose map of partial limits first, so a partial metric keeps its defaults.
        #[derive(Deserialize, Default)]
        #[serde(default, deny_unknown_fields)]
        struct PartialLimits {
            ideal: Option<f64>,
            warning: Option<f64>,
            critical: Option<f64>,
        }
        #[derive(Deserialize, Default)]
        #[serde(default, deny_unknown_fields)]
        struct File {
            load: PartialLimits,
            runtime: PartialLimits,
            charge: PartialLimits,
            temperature: PartialLimits,
            input_voltage: PartialLimits,
            battery_age_days: Option<u32>,
            test_age_days: Option<u32>,
        }
        fn overlay(base: Limits, p: PartialLimits) -> Limits {
            Limits {
                ideal: p.ideal.unwrap_or(base.ideal),
                warning: p.warning.unwrap_or(base.warning),
                critical: p.critical.unwrap_or(base.critical),
            }
        }
        let file: File = serde_json::from_str(text)?;
        let d = Thresholds::default();
        let t = Thresholds {
            load: overlay(d.load, file.load),
            runtime: overlay(d.runtime, file.runtime),
            charge: overlay(d.charge, file.charge),
            temperature: overlay(d.temperature, file.temperature),
            input_voltage: overlay(d.input_voltage, file.input_voltage),
            battery_age_days: file.battery_age_days.unwrap_or(d.battery_age_days),
            test_age_days: file.test_age_days.unwrap_or(d.test_age_days),
        };
        t.validate()?;
        Ok(t)
    }

    /// Checks that each metric's limits are in order and finite.
    pub fn validate(&self) -> Result<(), ThresholdsError> {
        let check = |metric, l: &Limits, high_is_bad: bool| {
            let finite = l.ideal.is_finite() && l.warning.is_finite() && l.critical.is_finite();
            let ordered = if high_is_bad {
                l.ideal <= l.warning && l.warning <= l.critical
            } else {
                l.ideal >= l.warning && l.warning >= l.critical
            };
            if finite && ordered {
                Ok(())
            } else {
                Err(ThresholdsError::Order {
                    metric,
                    ideal: l.ideal,
                    warning: l.warning,
                    critical: l.critical,
                })
            }
        };
        check("load", &self.load, true)?;
        check("runtime", &self.runtime, false)?;
        check("charge", &self.charge, false)?;
        check("temperature", &self.temperature, true)?;
        check("input_voltage", &self.input_voltage, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_seed_table() {
        let t = Thresholds::default();
        let load = |v| t.load.classify_high_is_bad(v);
        assert_eq!(
            [
                load(10.0),
                load(50.0),
                load(70.0),
                load(71.0),
                load(85.0),
                load(86.0)
            ],
            [
                Level::Ideal,
                Level::Acceptable,
                Level::Acceptable,
                Level::Warning,
                Level::Warning,
                Level::Critical
            ]
        );
        let rt = |v| t.runtime.classify_low_is_bad(v);
        assert_eq!(
            [
                rt(601.0),
                rt(600.0),
                rt(480.0),
                rt(479.0),
                rt(240.0),
                rt(239.0)
            ],
            [
                Level::Ideal,
                Level::Acceptable,
                Level::Acceptable,
                Level::Warning,
                Level::Warning,
                Level::Critical
            ]
        );
        let ch = |v| t.charge.classify_low_is_bad(v);
        assert_eq!(
            [ch(100.0), ch(70.0), ch(59.0), ch(39.9)],
            [
                Level::Ideal,
                Level::Acceptable,
                Level::Warning,
                Level::Critical
            ]
        );
        assert!(t.validate().is_ok());
    }

    #[test]
    fn user_file_overlays_defaults() {
        let t = Thresholds::from_json(r#"{"load": {"warning": 60}, "battery_age_days": 1000}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            t.load,
            Limits {
                ideal: 50.0,
                warning: 60.0,
                critical: 85.0
            }
        );
        assert_eq!(t.runtime, Thresholds::default().runtime);
        assert_eq!(t.battery_age_days, 1000);
        assert_eq!(
            Thresholds::from_json("{}").ok(),
            Some(Thresholds::default())
        );
    }

    #[test]
    fn user_file_mistakes_are_refused() {
        assert!(matches!(
            Thresholds::from_json(r#"{"lod": {}}"#),
            Err(ThresholdsError::Json(_))
        ));
        assert!(matches!(
            Thresholds::from_json(r#"{"load": {"warnin": 1}}"#),
            Err(ThresholdsError::Json(_))
        ));
        assert!(matches!(
            Thresholds::from_json(r#"{"load": {"critical": 60}}"#),
            Err(ThresholdsError::Order { metric: "load", .. })
        ));
        assert!(matches!(
            Thresholds::from_json(r#"{"runtime": {"critical": 900}}"#),
            Err(ThresholdsError::Order {
                metric: "runtime",
                ..
            })
        ));
        assert!(Thresholds::from_json("not json").is_err());
    }

    #[test]
    fn command_line_overrides() {
        let mut t = Thresholds::default();
        t.set_limit("charge=90", Bound::Warning).unwrap();
        t.set_limit("charge=50", Bound::Critical).unwrap();
        assert_eq!(
            (t.charge.ideal, t.charge.warning, t.charge.critical),
            (90.0, 90.0, 50.0)
        );
        assert_eq!(t.charge.classify_low_is_bad(85.0), Level::Warning);
        t.set_limit("load=40", Bound::Warning).unwrap();
        assert_eq!((t.load.ideal, t.load.warning), (40.0, 40.0));
        t.set_limit(" runtime = 300 ", Bound::Critical).unwrap();
        assert_eq!(t.runtime.critical, 300.0);
        assert_eq!(t.limits_for("battery.runtime"), Some((t.runtime, false)));
        assert_eq!(t.limits_for("ups.load"), Some((t.load, true)));
        assert_eq!(t.limits_for("input.voltage"), None);
        let before = t.clone();
        for (word, bound) in [
            ("charge", Bound::Warning),
            ("charge=lots", Bound::Warning),
            ("charge=NaN", Bound::Warning),
            ("volts=3", Bound::Critical),
            ("load=95", Bound::Warning),
            ("charge=95", Bound::Critical),
        ] {
            let mut t2 = before.clone();
            let e = t2.set_limit(word, bound).unwrap_err();
            assert!(e.to_string().contains(word), "{e}");
            assert_eq!(t2, before, "a refused override changes nothing");
        }
    }

    #[test]
    fn temperature_and_input_voltage_rows() {
        let mut t = Thresholds::default();
        let temp = |t: &Thresholds, v| t.temperature.classify_high_is_bad(v);
        assert_eq!(
            [
                temp(&t, 20.0),
                temp(&t, 30.0),
                temp(&t, 36.0),
                temp(&t, 41.0)
            ],
            [
                Level::Ideal,
                Level::Acceptable,
                Level::Warning,
                Level::Critical
            ]
        );
        for var in ["ups.temperature", "battery.temperature"] {
            assert_eq!(t.limits_for(var), Some((t.temperature, true)), "{var}");
        }
        // Two-sided: 207 V and 253 V are both 10 % off 230 V.
        let dev = |v| Thresholds::input_voltage_deviation(v, 230.0).unwrap_or(f64::NAN);
        assert!((dev(207.0) - 10.0).abs() < 1e-9 && (dev(253.0) - 10.0).abs() < 1e-9);
        assert_eq!(Thresholds::input_voltage_deviation(230.0, 0.0), None);
        assert_eq!(
            t.input_voltage.classify_high_is_bad(dev(200.0)),
            Level::Warning
        );
        assert_eq!(
            t.input_voltage.classify_high_is_bad(dev(270.0)),
            Level::Critical
        );
        let ((wl, wh), (cl, ch)) = t.input_voltage_band(120.0).unwrap_or_default();
        assert!((wl - 108.0).abs() < 1e-9 && (wh - 132.0).abs() < 1e-9);
        assert!((cl - 102.0).abs() < 1e-9 && (ch - 138.0).abs() < 1e-9);
        assert_eq!(t.input_voltage_band(-1.0), None);

        t.set_limit("temperature=30", Bound::Warning).unwrap();
        assert_eq!((t.temperature.ideal, t.temperature.warning), (25.0, 30.0));
        assert_eq!(temp(&t, 32.0), Level::Warning);
        t.set_limit("input-voltage=4", Bound::Warning).unwrap();
        assert_eq!((t.input_voltage.ideal, t.input_voltage.warning), (4.0, 4.0));
        t.set_limit("input_voltage=8", Bound::Critical).unwrap();
        assert_eq!(t.input_voltage.critical, 8.0);
        for word in ["temperature=50", "input-voltage=20"] {
            let e = t.clone().set_limit(word, Bound::Warning).unwrap_err();
            assert!(e.to_string().contains("out of order"), "{e}");
        }
        let e = t.clone().set_limit("temp=1", Bound::Warning).unwrap_err();
        assert!(e.to_string().contains("input-voltage"), "{e}");

        let t = Thresholds::from_json(
            r#"{"temperature": {"critical": 45}, "input_voltage": {"warning": 8}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (t.temperature.warning, t.temperature.critical),
            (35.0, 45.0)
        );
        assert_eq!(t.input_voltage.warning, 8.0);
        assert!(matches!(
            Thresholds::from_json(r#"{"temperature": {"critical": 30}}"#),
            Err(ThresholdsError::Order {
                metric: "temperature",
                ..
            })
        ));
        assert!(matches!(
            Thresholds::from_json(r#"{"input_voltage": {"warning": 20}}"#),
            Err(ThresholdsError::Order {
                metric: "input_voltage",
                ..
            })
        ));
    }

    #[test]
    fn serde_round_trip() {
        let t = Thresholds::default();
        let json = serde_json::to_string(&t).unwrap_or_default();
        assert_eq!(Thresholds::from_json(&json).ok(), Some(t));
    }
}
