//! The request throttling model ([`Throttle`], re-exported at the crate root) and the parsing of
//! `msi-emulator --throttle off|arm|<numbers>`.
//!
//! ARM (azure-facts §4.5, from `articles/azure-resource-manager/management/
//! request-limits-and-throttling.md`, current version): token buckets per subscription + principal +
//! operation type — reads 250 with a refill of 25 per second, writes 200 / 10 per second, deletes
//! 200 / 10 per second — and a global bucket per subscription holding 15 times those. Compute:
//! token buckets per policy category, per resource and per subscription, with the numbers of
//! Microsoft's "Compute throttling limits" page, all in one table ([`compute`]); which category a
//! request is: [`classify`]. The buckets themselves live in [`buckets`].

pub mod buckets;
pub mod classify;
pub mod compute;
pub mod decision;

use std::fmt;
use std::str::FromStr;

/// A token bucket's size: it holds at most `capacity` requests and regains `refill_per_sec` a second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BucketLimit {
    pub capacity: u32,
    pub refill_per_sec: f64,
}

/// The numbers of the throttling model; [`ThrottleLimits::default`] is Azure's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThrottleLimits {
    /// GET and HEAD, per subscription + principal.
    pub reads: BucketLimit,
    /// PUT, PATCH and POST, per subscription + principal.
    pub writes: BucketLimit,
    /// DELETE, per subscription + principal.
    pub deletes: BucketLimit,
    /// The global per-subscription bucket of each operation type is this many times the
    /// per-principal one (capacity and refill).
    pub global_factor: u32,
    /// Scales every capacity and refill of Compute's policies ([`compute::TABLE`]); 1 is Azure's
    /// numbers, below 1 tightens them (a capacity stays at least 1).
    pub compute_factor: f64,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        ThrottleLimits {
            reads: BucketLimit {
                capacity: 250,
                refill_per_sec: 25.0,
            },
            writes: BucketLimit {
                capacity: 200,
                refill_per_sec: 10.0,
            },
            deletes: BucketLimit {
                capacity: 200,
                refill_per_sec: 10.0,
            },
            global_factor: 15,
            compute_factor: 1.0,
        }
    }
}

/// Whether and how ARM requests are throttled (`Config::throttle`).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Throttle {
    /// Never throttle (bulk tests); no `x-ms-ratelimit-remaining-*` headers are sent.
    Off,
    /// Azure's published numbers ([`ThrottleLimits::default`]).
    #[default]
    Arm,
    /// Other numbers (tests that want to reach the limits quickly).
    Custom(ThrottleLimits),
}

impl Throttle {
    /// The limits in force, `None` when throttling is off.
    pub fn limits(&self) -> Option<ThrottleLimits> {
        match self {
            Throttle::Off => None,
            Throttle::Arm => Some(ThrottleLimits::default()),
            Throttle::Custom(l) => Some(*l),
        }
    }
}

/// Why a `--throttle` value was refused; the message names the bad part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleParseError(pub String);

impl fmt::Display for ThrottleParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ThrottleParseError {}

const SYNTAX: &str = "expected off, arm, or comma-separated parts such as \
    reads=250/25,writes=200/10,deletes=200/10,global=15,compute=1";

/// The largest `compute=` factor (keeps every bucket's numbers finite).
const MAX_COMPUTE_FACTOR: f64 = 1e6;

impl FromStr for Throttle {
    type Err = ThrottleParseError;

    /// `off`, `arm`, or `reads=C/R,writes=C/R,deletes=C/R,global=F,compute=F` (capacity / refill per
    /// second; global factor; the factor scaling Compute's policies); parts left out keep Azure's
    /// numbers.
    fn from_str(s: &str) -> Result<Throttle, ThrottleParseError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("off") {
            return Ok(Throttle::Off);
        }
        if s.eq_ignore_ascii_case("arm") {
            return Ok(Throttle::Arm);
        }
        let bad = |part: &str, why: &str| ThrottleParseError(format!("'{part}': {why}"));
        if s.is_empty() {
            return Err(ThrottleParseError(format!("empty value; {SYNTAX}")));
        }
        let mut limits = ThrottleLimits::default();
        for part in s.split(',') {
            let part = part.trim();
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| bad(part, &format!("not name=value; {SYNTAX}")))?;
            let name = name.trim().to_ascii_lowercase();
            let value = value.trim();
            let pair = || -> Result<(u32, f64), ThrottleParseError> {
                let (a, b) = value
                    .split_once('/')
                    .ok_or_else(|| bad(part, "expected two numbers as N/M"))?;
                let a: u32 =
                    a.trim().parse().ok().filter(|a| *a > 0).ok_or_else(|| {
                        bad(part, &format!("'{a}' is not a whole number above 0"))
                    })?;
                let b: f64 = b
                    .trim()
                    .parse()
                    .ok()
                    .filter(|b: &f64| b.is_finite() && *b > 0.0 && *b <= 1e9)
                    .ok_or_else(|| bad(part, &format!("'{b}' is not a number above 0")))?;
                Ok((a, b))
            };
            match name.as_str() {
                "reads" | "writes" | "deletes" => {
                    let (capacity, refill_per_sec) = pair()?;
                    let limit = BucketLimit {
                        capacity,
                        refill_per_sec,
                    };
                    match name.as_str() {
                        "reads" => limits.reads = limit,
                        "writes" => limits.writes = limit,
                        _ => limits.deletes = limit,
                    }
                }
                "global" => {
                    limits.global_factor = value
                        .parse()
                        .ok()
                        .filter(|f| *f > 0)
                        .ok_or_else(|| bad(part, "expected a whole factor above 0"))?;
                }
                "compute" => {
                    limits.compute_factor = value
                        .parse()
                        .ok()
                        .filter(|f: &f64| f.is_finite() && *f > 0.0 && *f <= MAX_COMPUTE_FACTOR)
                        .ok_or_else(|| {
                            bad(
                                part,
                                &format!(
                                    "expected a factor above 0 and at most {MAX_COMPUTE_FACTOR}"
                                ),
                            )
                        })?;
                }
                _ => return Err(bad(part, &format!("unknown part '{name}'; {SYNTAX}"))),
            }
        }
        Ok(Throttle::Custom(limits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_arm_and_numbers() {
        assert_eq!("off".parse::<Throttle>().unwrap(), Throttle::Off);
        assert_eq!("ARM".parse::<Throttle>().unwrap(), Throttle::Arm);
        assert_eq!(Throttle::default(), Throttle::Arm);
        assert_eq!(Throttle::Arm.limits(), Some(ThrottleLimits::default()));
        assert_eq!(Throttle::Off.limits(), None);
        let Throttle::Custom(l) = "writes=5/1, compute=0.25".parse().unwrap() else {
            panic!("custom");
        };
        assert_eq!(
            l.writes,
            BucketLimit {
                capacity: 5,
                refill_per_sec: 1.0
            }
        );
        assert_eq!(l.compute_factor, 0.25);
        // Parts left out keep Azure's numbers.
        assert_eq!(l.reads, ThrottleLimits::default().reads);
        assert_eq!(l.global_factor, 15);
        let Throttle::Custom(l) = "global=2,reads=10/0.5".parse().unwrap() else {
            panic!("custom");
        };
        assert_eq!(l.global_factor, 2);
        assert_eq!(l.compute_factor, 1.0);
        assert_eq!(l.reads.refill_per_sec, 0.5);
    }

    #[test]
    fn bad_values_name_the_bad_part() {
        for (input, named) in [
            ("", "empty"),
            ("fast", "'fast'"),
            ("writes=5", "'writes=5'"),
            ("writes=0/1", "'0'"),
            ("writes=x/1", "'x'"),
            ("reads=5/-1", "'-1'"),
            ("reads=5/inf", "'inf'"),
            ("reads=5/1,bogus=1/1", "unknown part 'bogus'"),
            ("global=0", "'global=0'"),
            ("compute=0", "'compute=0'"),
            ("compute=-1", "'compute=-1'"),
            ("compute=NaN", "'compute=NaN'"),
            ("compute=1e7", "'compute=1e7'"),
            ("compute=x", "'compute=x'"),
            ("vm-updates=12/60", "unknown part 'vm-updates'"),
        ] {
            let e = input.parse::<Throttle>().unwrap_err().to_string();
            assert!(e.contains(named), "{input}: {e}");
        }
    }
}
