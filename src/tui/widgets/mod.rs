//! Reusable widgets. Each is a plain struct holding its state, with a `render` into a buffer
//! area and methods that report whether something visible changed.

pub mod detail;
pub mod dialog;
pub mod form;
pub mod help;
pub mod progress;
pub mod statusbar;
pub mod table;
pub mod tree_picker;

use super::Ui;
use super::theme::Role;
use crate::display;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders};

/// What a widget did with a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled<E = ()> {
    /// Not for this widget: the caller may try its own bindings.
    Ignored,
    /// Used, but nothing visible changed: no redraw needed.
    Unchanged,
    /// Used, and the widget looks different: redraw.
    Changed,
    /// Used, and the caller has something to do (the widget may also have changed).
    Event(E),
}

impl<E> Handled<E> {
    /// Whether the key was used.
    pub fn consumed(&self) -> bool {
        !matches!(self, Handled::Ignored)
    }

    /// Whether the screen needs a redraw because of the widget itself.
    pub fn changed(&self) -> bool {
        matches!(self, Handled::Changed | Handled::Event(_))
    }

    /// `Changed` if `changed`, else `Unchanged`.
    pub fn from_changed(changed: bool) -> Handled<E> {
        if changed {
            Handled::Changed
        } else {
            Handled::Unchanged
        }
    }
}

/// A bordered block in the theme's border style and the active glyph set, with a title.
pub fn block<'a>(ui: &Ui, title: &'a str, focused: bool) -> Block<'a> {
    let border = if focused {
        Role::BorderFocus
    } else {
        Role::Border
    };
    let mut b = Block::default()
        .borders(Borders::ALL)
        .border_set(ui.symbols.border)
        .border_style(ui.style(border));
    if !title.is_empty() {
        b = b.title(ratatui::text::Span::styled(
            format!(" {title} "),
            ui.style(Role::Title),
        ));
    }
    b
}

/// Writes `text` at (x, y), cut to `max` display columns with `…` (never half a CJK
/// character). Returns the column after the text.
pub fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, max: u16, style: Style) -> u16 {
    if max == 0 || y >= buf.area.bottom() || x >= buf.area.right() {
        return x;
    }
    let t = display::truncate(text, max as usize);
    buf.set_stringn(x, y, &t, max as usize, style).0
}

/// A rectangle of at most `width` × `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Fills `area` with spaces in `style` (clears what was drawn below a popup).
pub fn clear(buf: &mut Buffer, area: Rect, style: Style) {
    let area = area.intersection(buf.area);
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            buf[(x, y)].reset();
            buf[(x, y)].set_style(style);
        }
    }
}

/// Display width of a string as `u16` (saturating).
pub(crate) fn cols(s: &str) -> u16 {
    display::width(s).min(u16::MAX as usize) as u16
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for widget tests: draw into a `TestBackend` and show it as text.
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    /// Draws with `f` into a `width` × `height` test terminal and returns the screen as text.
    pub fn draw(width: u16, height: u16, f: impl FnOnce(Rect, &mut Buffer)) -> String {
        let mut term = Terminal::new(TestBackend::new(width, height)).unwrap();
        term.draw(|frame| {
            let area = frame.area();
            f(area, frame.buffer_mut());
        })
        .unwrap();
        screen_text(term.backend().buffer())
    }

    /// The buffer as text, one line per row, trailing blanks cut, with a ruler of the width on
    /// top so the snapshot shows the terminal size. A wide character's hidden cell is skipped,
    /// so every line is exactly as wide on screen as in the buffer.
    pub fn screen_text(buf: &Buffer) -> String {
        let area = buf.area;
        let mut out = format!("{}x{}\n", area.width, area.height);
        for y in area.top()..area.bottom() {
            let mut line = String::new();
            let mut skip = 0;
            for x in area.left()..area.right() {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let sym = buf[(x, y)].symbol();
                line.push_str(sym);
                skip = crate::display::width(sym).saturating_sub(1);
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    pub fn key(code: crossterm::event::KeyCode) -> crossterm::event::KeyEvent {
        crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE)
    }

    pub fn ctrl(c: char) -> crossterm::event::KeyEvent {
        crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::CONTROL,
        )
    }
}
