//! Calendar dates for waiver expiry: `YYYY-MM-DD`, inclusive, in UTC. Only days are needed
//! (no times, no zones), so a day count since 1970-01-01 is the whole representation; the
//! conversion is Howard Hinnant's `days_from_civil`.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable that overrides today's date (for tests and reproducible runs).
pub const TODAY_ENV: &str = "GUARDRAIL_TODAY";

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

/// A date that is not `YYYY-MM-DD` or does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date (YYYY-MM-DD)")]
pub struct DateError(pub String);

impl Date {
    /// Parses `YYYY-MM-DD` strictly (the day must exist).
    pub fn parse(s: &str) -> Result<Date, DateError> {
        let bad = || DateError(s.to_string());
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Result<i64, DateError> {
            let part = &s[r];
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse().map_err(|_| bad())
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return Err(bad());
        }
        Ok(Date {
            days: days_from_civil(y, m, d),
        })
    }

    /// Today in UTC, or `GUARDRAIL_TODAY` when set.
    pub fn today() -> Result<Date, DateError> {
        match std::env::var(TODAY_ENV) {
            Ok(v) if !v.is_empty() => Date::parse(&v),
            _ => {
                let secs = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                Ok(Date {
                    days: secs.div_euclid(86_400),
                })
            }
        }
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days - self.days
    }

    fn civil(self) -> (i64, i64, i64) {
        civil_from_days(self.days)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_counts_days() {
        for s in [
            "1970-01-01",
            "2000-02-29",
            "2024-12-31",
            "2027-03-01",
            "1969-12-31",
        ] {
            assert_eq!(Date::parse(s).unwrap().to_string(), s);
        }
        let a = Date::parse("2026-12-31").unwrap();
        let b = Date::parse("2027-03-01").unwrap();
        assert_eq!(a.days_until(b), 60);
        assert_eq!(b.days_until(a), -60);
        assert_eq!(Date::parse("1970-01-02").unwrap().days, 1);
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        for s in [
            "2027-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027-1-01",
            "27-01-01",
            "2027/01/01",
            "2027-01-32",
            "+027-01-01",
            "",
        ] {
            assert!(Date::parse(s).is_err(), "{s}");
        }
    }
}
