//! Formatting figures for breakdowns: numbers without noise, units in both languages.

use crate::domain::text::Text;

/// A number with at most two decimals and no trailing zeros: `3`, `3.5`, `33.33`, `-12.4`.
pub fn num(v: f64) -> String {
    num_prec(v, 2)
}

fn num_prec(v: f64, prec: usize) -> String {
    let s = format!("{v:.prec$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// A number shown next to a bound it is compared with: when two decimals would make it look equal
/// to the bound while it is not (2.996 vs 3), more decimals are shown so the comparison reads true.
pub fn num_near(v: f64, bound: f64) -> String {
    let s = num(v);
    if s == num(bound) && (v - bound).abs() > super::eval::tolerance(bound) {
        num_prec(v, 6)
    } else {
        s
    }
}

/// A value with its unit: `120 万元` / `120 ×10k yuan`; `3.2%`; `5 年` / `5 years`.
pub fn with_unit(v: &str, unit: &Text) -> Text {
    let join = |u: &str, space: bool| {
        if u.is_empty() {
            v.to_string()
        } else if u == "%" || !space {
            format!("{v}{u}")
        } else {
            format!("{v} {u}")
        }
    };
    Text::new(join(&unit.zh, true), join(&unit.en, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_drop_trailing_zeros() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(3.5), "3.5");
        assert_eq!(num(100.0 / 3.0), "33.33");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(-12.4), "-12.4");
    }

    #[test]
    fn near_a_bound_more_decimals_are_shown() {
        assert_eq!(num_near(2.9996, 3.0), "2.9996");
        assert_eq!(num_near(3.0, 3.0), "3");
        assert_eq!(num_near(2.5, 3.0), "2.5");
    }

    #[test]
    fn units_are_attached_per_language() {
        let t = with_unit("120", &Text::new("万元", "×10k yuan"));
        assert_eq!(t.zh, "120 万元");
        assert_eq!(t.en, "120 ×10k yuan");
        assert_eq!(with_unit("3.2", &Text::new("%", "%")).zh, "3.2%");
    }
}
