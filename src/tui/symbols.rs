//! The glyphs the widgets draw: box-drawing borders, the password mask, tree and sort markers,
//! the progress bar. Many of them are East Asian *ambiguous-width* characters, which some
//! terminals with CJK fonts draw two columns wide and so break every line; `--ascii` switches
//! to a pure-ASCII set (`+-|`, `*`, `>`, `^`, `#`).

use ratatui::symbols::border;

/// One complete glyph set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbols {
    pub ascii: bool,
    pub border: border::Set<'static>,
    /// Shown for each character of a password.
    pub mask: char,
    /// Tree node markers.
    pub expanded: &'static str,
    pub collapsed: &'static str,
    pub leaf: &'static str,
    /// Sort indicators in a table header.
    pub sort_asc: &'static str,
    pub sort_desc: &'static str,
    /// Multi-select mark in a table row.
    pub checked: &'static str,
    /// Progress bar cells.
    pub bar_full: &'static str,
    pub bar_empty: &'static str,
    /// Separator between status-bar items.
    pub separator: &'static str,
    /// More content above / below a scrolled area.
    pub more_above: &'static str,
    pub more_below: &'static str,
}

/// ASCII borders: `+` corners, `-` and `|` lines.
pub const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Symbols {
    pub const UNICODE: Symbols = Symbols {
        ascii: false,
        border: border::PLAIN,
        mask: '•',
        expanded: "▾",
        collapsed: "▸",
        leaf: " ",
        sort_asc: "▲",
        sort_desc: "▼",
        checked: "✓",
        bar_full: "█",
        bar_empty: "░",
        separator: "│",
        more_above: "↑",
        more_below: "↓",
    };

    pub const ASCII: Symbols = Symbols {
        ascii: true,
        border: ASCII_BORDER,
        mask: '*',
        expanded: "-",
        collapsed: "+",
        leaf: " ",
        sort_asc: "^",
        sort_desc: "v",
        checked: "*",
        bar_full: "#",
        bar_empty: "-",
        separator: "|",
        more_above: "^",
        more_below: "v",
    };

    /// The set for the `--ascii` flag.
    pub fn new(ascii: bool) -> Symbols {
        if ascii {
            Symbols::ASCII
        } else {
            Symbols::UNICODE
        }
    }
}

impl Default for Symbols {
    fn default() -> Symbols {
        Symbols::UNICODE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_set_is_pure_ascii() {
        let s = Symbols::new(true);
        let b = s.border;
        let all = [
            b.top_left,
            b.top_right,
            b.bottom_left,
            b.bottom_right,
            b.vertical_left,
            b.vertical_right,
            b.horizontal_top,
            b.horizontal_bottom,
            s.expanded,
            s.collapsed,
            s.leaf,
            s.sort_asc,
            s.sort_desc,
            s.checked,
            s.bar_full,
            s.bar_empty,
            s.separator,
            s.more_above,
            s.more_below,
        ];
        assert!(all.iter().all(|g| g.is_ascii() && g.len() == 1), "{all:?}");
        assert_eq!(s.mask, '*');
        assert_eq!(
            (b.top_left, b.horizontal_top, b.vertical_left),
            ("+", "-", "|")
        );
    }

    #[test]
    fn every_glyph_is_one_column() {
        for s in [Symbols::UNICODE, Symbols::ASCII] {
            for g in [
                s.expanded,
                s.collapsed,
                s.sort_asc,
                s.sort_desc,
                s.checked,
                s.bar_full,
                s.bar_empty,
                s.separator,
            ] {
                assert_eq!(crate::display::width(g), 1, "{g}");
            }
        }
    }
}
