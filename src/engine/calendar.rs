//! Dates from days since the Unix epoch, for the figures the page and the CLI stamp with a date
//! (no clock is read here).
//!
//! ```
//! use engine::calendar::civil_date;
//! assert_eq!(civil_date(0), (1970, 1, 1));
//! assert_eq!(civil_date(20_788), (2026, 12, 1));
//! assert_eq!(civil_date(-1), (1969, 12, 31));
//! ```

/// The (year, month, day) of the day `days` after 1970-01-01, in the proleptic Gregorian
/// calendar (Howard Hinnant's algorithm).
pub fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}
