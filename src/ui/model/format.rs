//! Numbers as people read them.
//!
//! ```
//! use efficientnas::ui::model::format::limit_value;
//! assert_eq!(limit_value("maxBufferSize", 1 << 30), "1 GiB (1073741824)");
//! assert_eq!(limit_value("maxComputeInvocationsPerWorkgroup", 256), "256");
//! ```

/// An adapter limit: sizes (names ending in `Size`) of at least 1 KiB in binary units with the
/// exact byte count beside them; counts as they are.
pub fn limit_value(name: &str, value: u64) -> String {
    if !name.ends_with("Size") || value < 1024 {
        return value.to_string();
    }
    format!("{} ({value})", bytes(value))
}

/// Bytes in the largest binary unit that keeps the number at least 1, to at most one decimal.
pub fn bytes(value: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut amount = value as f64;
    let mut unit = 0;
    while amount >= 1024.0 && unit + 1 < UNITS.len() {
        amount /= 1024.0;
        unit += 1;
    }
    let text = format!("{amount:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn only_sizes_get_units() {
        assert_eq!(limit_value("maxComputeWorkgroupStorageSize", 32768), "32 KiB (32768)");
        assert_eq!(limit_value("maxComputeWorkgroupsPerDimension", 65535), "65535");
        assert_eq!(limit_value("maxBufferSize", 512), "512");
    }
}
