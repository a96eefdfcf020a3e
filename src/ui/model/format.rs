//! Numbers as people read them.
//!
//! ```
//! use ui::model::format::limit_value;
//! assert_eq!(limit_value("maxBufferSize", 1 << 30), "1 GiB (1073741824)");
//! assert_eq!(limit_value("maxComputeInvocationsPerWorkgroup", 256), "256");
//! ```

use engine::search::Objective;

/// An adapter limit: sizes (names ending in `Size`) of at least 1 KiB in binary units with the
/// exact byte count beside them; counts as they are.
pub fn limit_value(name: &str, value: u64) -> String {
    if !name.ends_with("Size") || value < 1024 {
        return value.to_string();
    }
    format!("{} ({value})", bytes(value))
}

use engine::text::bytes;

/// An objective's axis title with its unit (counts carry theirs in each value: see
/// [`objective_value`]).
pub fn objective_title(objective: Objective) -> &'static str {
    match objective {
        Objective::Error => "error (1 − accuracy)",
        Objective::Latency => "latency (ms, predicted)",
        Objective::Params => "parameters",
        Objective::Macs => "MACs",
        Objective::Energy => "energy (mJ)",
    }
}

/// A value of `objective` as people read it: parameters and MACs (objective values in
/// millions) as counts (`802`, `12.3 k`, `1.4 M`), the others as [`short`] numbers.
pub fn objective_value(objective: Option<Objective>, value: f64) -> String {
    match objective {
        Some(Objective::Params | Objective::Macs) => count(value * 1e6),
        _ => short(value),
    }
}

/// A count with at most three significant digits and an SI suffix from a thousand on: `802`,
/// `12.3 k`, `1.4 M`, `2 G`.
pub fn count(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let magnitude = value.abs();
    let (scaled, suffix) = match magnitude {
        m if m >= 1e9 => (value / 1e9, " G"),
        m if m >= 1e6 => (value / 1e6, " M"),
        m if m >= 1e3 => (value / 1e3, " k"),
        _ => return format!("{}", value.round()),
    };
    let decimals = if scaled.abs() >= 100.0 { 0 } else if scaled.abs() >= 10.0 { 1 } else { 2 };
    let text = format!("{scaled:.decimals$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
    format!("{text}{suffix}")
}

/// A fraction as a percentage with one decimal: `0.9512` → `95.1 %`.
pub fn percent(fraction: f64) -> String {
    format!("{:.1} %", fraction * 100.0)
}

/// A number with about four significant digits, without exponent for everyday magnitudes.
pub fn short(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-3..1e6).contains(&magnitude) {
        return format!("{value:.3e}");
    }
    let decimals = if magnitude >= 100.0 { 1 } else if magnitude >= 1.0 { 3 } else { 4 };
    let text = format!("{value:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

/// Seconds as `1 h 02 min`, `3 min 05 s` or `12 s`.
pub fn duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h} h {m:02} min")
    } else if m > 0 {
        format!("{m} min {s:02} s")
    } else {
        format!("{s} s")
    }
}

/// A moment (milliseconds since the Unix epoch) as `YYYY-MM-DD HH:MM UTC`.
pub fn utc_minute(ms: f64) -> String {
    let minutes = (ms / 60_000.0).floor() as i64;
    let (days, minute_of_day) = (minutes.div_euclid(1440), minutes.rem_euclid(1440));
    let (year, month, day) = engine::calendar::civil_date(days);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", minute_of_day / 60, minute_of_day % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_read_as_utc_dates() {
        assert_eq!(utc_minute(0.0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minute(1_764_322_140_000.0), "2025-11-28 09:29 UTC");
        assert_eq!(utc_minute(951_782_400_000.0), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn byte_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1 KiB");
        assert_eq!(bytes(32 * 1024), "32 KiB");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(u64::MAX), "16777216 TiB");
    }

    #[test]
    fn short_numbers_and_durations() {
        assert_eq!(short(0.123456), "0.1235");
        assert_eq!(short(12.5), "12.5");
        assert_eq!(short(1234.56), "1234.6");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(2.5e7), "2.500e7");
        assert_eq!(duration(5.4), "5 s");
        assert_eq!(duration(185.0), "3 min 05 s");
        assert_eq!(duration(3720.0), "1 h 02 min");
    }

    #[test]
    fn counts_read_in_si_units_and_objectives_in_theirs() {
        assert_eq!(count(802.0), "802");
        assert_eq!(count(12_345.0), "12.3 k");
        assert_eq!(count(1_400_000.0), "1.4 M");
        assert_eq!(count(999_499.0), "999 k");
        assert_eq!(count(2e9), "2 G");
        assert_eq!(objective_value(Some(Objective::Params), 8.02e-4), "802");
        assert_eq!(objective_value(Some(Objective::Macs), 1.4), "1.4 M");
        assert_eq!(objective_value(Some(Objective::Error), 0.1234), "0.1234");
        assert_eq!(objective_value(None, 12.5), "12.5");
    }

    #[test]
    fn only_sizes_get_units() {
        assert_eq!(limit_value("maxComputeWorkgroupStorageSize", 32768), "32 KiB (32768)");
        assert_eq!(limit_value("maxComputeWorkgroupsPerDimension", 65535), "65535");
        assert_eq!(limit_value("maxBufferSize", 512), "512");
    }
}

