//! Display-width helpers: CJK characters take two terminal columns, so widths, padding,
//! truncation and wrapping are counted in columns, never in bytes or chars.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Terminal columns the text occupies.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts the text to at most `max` columns, ending with `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > max - 1 {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Pads (or truncates) the text to exactly `cols` columns, left-aligned.
pub fn pad(s: &str, cols: usize) -> String {
    let t = truncate(s, cols);
    let w = width(&t);
    format!("{t}{}", " ".repeat(cols.saturating_sub(w)))
}

/// Pads (or truncates) the text to exactly `cols` columns, right-aligned.
pub fn pad_left(s: &str, cols: usize) -> String {
    let t = truncate(s, cols);
    let w = width(&t);
    format!("{}{t}", " ".repeat(cols.saturating_sub(w)))
}

/// Wraps text into lines of at most `cols` columns. Breaks at spaces for Latin text and between
/// any two CJK characters; a word longer than a line is split. Chinese line-breaking rules
/// (避头尾) are kept where the line allows: closing punctuation (，。、）》 …) does not start a
/// line — it takes the character before it along — and opening punctuation (（《“ …) does not
/// end one.
pub fn wrap(s: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(2);
    let mut lines = Vec::new();
    for para in s.split('\n') {
        // Tokens: a run of non-space non-CJK characters, a single CJK character, or a space.
        let mut tokens: Vec<String> = Vec::new();
        for c in para.chars() {
            let wide = c.width().unwrap_or(0) > 1;
            match tokens.last_mut() {
                Some(t) if !wide && c != ' ' && !t.ends_with(' ') && !is_wide(t) => t.push(c),
                _ => tokens.push(c.to_string()),
            }
        }
        let mut line: Vec<String> = Vec::new();
        let mut w = 0;
        for tok in tokens {
            let tw = width(&tok);
            if w + tw > cols && w > 0 {
                let mut carry: Vec<String> = Vec::new();
                if is_no_start(&tok)
                    && line.len() > 1
                    && line.last().is_some_and(|t| t != " ")
                    && line.last().map_or(0, |t| width(t)) + tw <= cols
                {
                    carry.extend(line.pop());
                }
                while line.len() > 1
                    && line.last().is_some_and(|t| is_no_end(t))
                    && width(&carry.concat()) + line.last().map_or(0, |t| width(t)) + tw <= cols
                {
                    carry.insert(0, line.pop().unwrap_or_default());
                }
                lines.push(line.concat().trim_end().to_string());
                line = carry;
                w = width(&line.concat());
                if tok == " " && line.is_empty() {
                    continue;
                }
            }
            if tw > cols {
                for c in tok.chars() {
                    let cw = c.width().unwrap_or(0);
                    if w + cw > cols {
                        lines.push(std::mem::take(&mut line).concat());
                        w = 0;
                    }
                    line.push(c.to_string());
                    w += cw;
                }
            } else {
                line.push(tok);
                w += tw;
            }
        }
        lines.push(line.concat().trim_end().to_string());
    }
    lines
}

/// Punctuation that must not start a line (避头).
fn is_no_start(t: &str) -> bool {
    let mut chars = t.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if "，。、；：？！）》」』〕】〉”’…—·％".contains(c))
}

/// Punctuation that must not end a line (避尾).
fn is_no_end(t: &str) -> bool {
    let mut chars = t.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if "（《「『〔【〈“‘".contains(c))
}

fn is_wide(t: &str) -> bool {
    t.chars().any(|c| c.width().unwrap_or(0) > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_two_columns() {
        assert_eq!(width("专精特新"), 8);
        assert_eq!(width("R&D 研发"), 8);
    }

    #[test]
    fn truncate_by_columns() {
        assert_eq!(truncate("上年度营业收入", 7), "上年度…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(width(&truncate("上年度营业收入", 8)), 7);
    }

    #[test]
    fn pad_aligns_mixed_text() {
        assert_eq!(width(&pad("创新型", 10)), 10);
        assert_eq!(pad_left("5", 3), "  5");
        assert_eq!(width(&pad("很长很长很长的名字", 6)), 6);
    }

    #[test]
    fn wrap_respects_columns() {
        let lines = wrap(
            "上年度研发费用总额 120 万元 ≥ 100 万元；上年度研发费用占比 5% ≥ 3%",
            20,
        );
        assert!(lines.iter().all(|l| width(l) <= 20), "{lines:?}");
        assert_eq!(
            lines.concat().replace(' ', ""),
            "上年度研发费用总额120万元≥100万元；上年度研发费用占比5%≥3%"
        );
        assert_eq!(wrap("hello world again", 11), vec!["hello world", "again"]);
    }

    #[test]
    fn wrap_keeps_chinese_punctuation_rules() {
        // "，" would start the second line: the character before it goes along
        assert_eq!(wrap("一二三四，五六", 8), vec!["一二三", "四，五六"]);
        // "（" would end the first line: it moves down
        assert_eq!(wrap("一二三（四五）", 8), vec!["一二三", "（四五）"]);
        // too narrow to carry: the rule gives way to the width
        assert_eq!(wrap("一，", 2), vec!["一", "，"]);
        for cols in 2..30 {
            let text = "各区（县）主管部门：为深入贯彻落实党中央、国务院关于促进中小企业高质量发展的决策部署。";
            let lines = wrap(text, cols);
            assert!(lines.iter().all(|l| width(l) <= cols), "{cols}: {lines:?}");
            assert_eq!(lines.concat(), text);
        }
    }
}
