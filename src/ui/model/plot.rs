//! Plot geometry: data in, SVG coordinates out. Pure and tested, so components only draw.
//!
//! ```
//! use efficientnas::ui::model::plot::{Frame, line_from_data};
//! let frame = Frame { width: 100.0, height: 50.0, margin: 10.0 };
//! let line = line_from_data(&[2.0, 1.0], &frame).unwrap();
//! assert_eq!(line.points, vec![(10.0, 10.0), (90.0, 40.0)]);
//! ```

/// The drawing area: the plot spans `[margin, width − margin] × [margin, height − margin]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Width of the SVG in user units.
    pub width: f64,
    /// Height of the SVG in user units.
    pub height: f64,
    /// Empty border on every side.
    pub margin: f64,
}

/// A series mapped into a [`Frame`].
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// SVG coordinates, one per value, left to right.
    pub points: Vec<(f64, f64)>,
    /// The value at the bottom of the plot.
    pub y_min: f64,
    /// The value at the top of the plot.
    pub y_max: f64,
}

impl Line {
    /// The points in the form of an SVG `points` attribute.
    pub fn svg_points(&self) -> String {
        self.points.iter().map(|(x, y)| format!("{x:.2},{y:.2}")).collect::<Vec<_>>().join(" ")
    }
}

/// Maps `values` (index on x, value on y, larger values higher) into `frame`.
///
/// Non-finite values are skipped. `None` when no finite value is left. A single value sits at
/// the left edge; a constant series is drawn at mid-height.
pub fn line_from_data(values: &[f64], frame: &Frame) -> Option<Line> {
    let finite: Vec<(usize, f64)> = values.iter().copied().enumerate().filter(|(_, v)| v.is_finite()).collect();
    let y_min = finite.iter().map(|(_, v)| *v).reduce(f64::min)?;
    let y_max = finite.iter().map(|(_, v)| *v).reduce(f64::max)?;
    let inner_width = (frame.width - 2.0 * frame.margin).max(0.0);
    let inner_height = (frame.height - 2.0 * frame.margin).max(0.0);
    let last_index = values.len().saturating_sub(1).max(1) as f64;
    let points = finite
        .iter()
        .map(|(index, value)| {
            let x = frame.margin + inner_width * (*index as f64) / last_index;
            let share = if y_max > y_min { (value - y_min) / (y_max - y_min) } else { 0.5 };
            let y = frame.margin + inner_height * (1.0 - share);
            (x, y)
        })
        .collect();
    Some(Line { points, y_min, y_max })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: Frame = Frame { width: 120.0, height: 60.0, margin: 10.0 };

    #[test]
    fn empty_and_all_nan_series_have_no_line() {
        assert_eq!(line_from_data(&[], &FRAME), None);
        assert_eq!(line_from_data(&[f64::NAN, f64::INFINITY], &FRAME), None);
    }

    #[test]
    fn falling_series_spans_the_frame_from_top_left_to_bottom_right() {
        let line = line_from_data(&[3.0, 2.0, 1.0], &FRAME).unwrap();
        assert_eq!(line.points, vec![(10.0, 10.0), (60.0, 30.0), (110.0, 50.0)]);
        assert_eq!((line.y_min, line.y_max), (1.0, 3.0));
        assert_eq!(line.svg_points(), "10.00,10.00 60.00,30.00 110.00,50.00");
    }

    #[test]
    fn constant_and_single_values_sit_at_mid_height() {
        let line = line_from_data(&[5.0, 5.0], &FRAME).unwrap();
        assert_eq!(line.points, vec![(10.0, 30.0), (110.0, 30.0)]);
        let single = line_from_data(&[7.0], &FRAME).unwrap();
        assert_eq!(single.points, vec![(10.0, 30.0)]);
    }

    #[test]
    fn non_finite_values_are_skipped_but_keep_their_slot() {
        let line = line_from_data(&[1.0, f64::NAN, 0.0], &FRAME).unwrap();
        assert_eq!(line.points, vec![(10.0, 10.0), (110.0, 50.0)]);
    }
}
