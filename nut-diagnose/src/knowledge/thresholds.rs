//! The seed's threshold table (load, runtime, charge) as a serde struct with its defaults, overridable from a
//! user file (JSON).
//!
//! | metric | ideal | warning | critical |
//! |---|---|---|---|
//! | `ups.load` (%) | < 50 | > 70 | > 85 |
//! | `battery.runtime` (s) | > 600 (10 min) | < 480 (8 min) | < 240 (4 min) |
//! | `battery.charge` (%) | > 80 | < 60 | < 40 |
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

/// Limits for one metric. For load higher is worse; for runtime and charge lower is worse.
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
        /// `load`, `runtime` or `charge`.
        metric: &'static str,
        /// The ideal limit given.
        ideal: f64,
        /// The warning limit given.
        warning: f64,
        /// The critical limit given.
        critical: f64,
    },
}

impl Thresholds {
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
        check("charge", &self.charge, false)
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
    fn serde_round_trip() {
        let t = Thresholds::default();
        let json = serde_json::to_string(&t).unwrap_or_default();
        assert_eq!(Thresholds::from_json(&json).ok(), Some(t));
    }
}
