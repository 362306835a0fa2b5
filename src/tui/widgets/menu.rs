//! A menu: a short vertical list of entries with a label and a one-line description. Arrows
//! and `j/k` move, Enter opens, and the digits 1–9 open an entry at once (digits work with an
//! active Chinese IME, which swallows bare letters).

use super::{Handled, cols, put};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::Role;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuItem {
    pub label: String,
    pub detail: String,
}

impl MenuItem {
    pub fn new(label: impl Into<String>, detail: impl Into<String>) -> MenuItem {
        MenuItem {
            label: label.into(),
            detail: detail.into(),
        }
    }
}

/// The menu state.
#[derive(Debug, Clone, Default)]
pub struct Menu {
    pub items: Vec<MenuItem>,
    cursor: usize,
}

impl Menu {
    pub fn new(items: Vec<MenuItem>) -> Menu {
        Menu { items, cursor: 0 }
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn set_cursor(&mut self, i: usize) -> bool {
        let i = i.min(self.items.len().saturating_sub(1));
        let changed = i != self.cursor;
        self.cursor = i;
        changed
    }

    /// Moves and opens: `Event(i)` when entry `i` is to be opened.
    pub fn handle_key(&mut self, ev: &KeyEvent, keymap: &Keymap) -> Handled<usize> {
        if self.items.is_empty() {
            return Handled::Ignored;
        }
        if let KeyCode::Char(c @ '1'..='9') = ev.code {
            let i = c as usize - '1' as usize;
            if i < self.items.len() {
                self.cursor = i;
                return Handled::Event(i);
            }
            return Handled::Unchanged;
        }
        let last = self.items.len() - 1;
        match keymap.resolve(Context::List, ev).map(|(_, c)| c) {
            Some("up") => Handled::from_changed(self.set_cursor(self.cursor.saturating_sub(1))),
            Some("down") => Handled::from_changed(self.set_cursor((self.cursor + 1).min(last))),
            Some("top") => Handled::from_changed(self.set_cursor(0)),
            Some("bottom") => Handled::from_changed(self.set_cursor(last)),
            Some("open") => Handled::Event(self.cursor),
            _ => Handled::Ignored,
        }
    }

    /// Draws one entry per line: `1 label  detail`, labels aligned by display width; the
    /// cursor row is highlighted only when `focused`.
    pub fn render(&self, area: Rect, buf: &mut Buffer, ui: &Ui, focused: bool) {
        let label_w = self.items.iter().map(|i| cols(&i.label)).max().unwrap_or(0);
        let first = self
            .cursor
            .saturating_sub(area.height.saturating_sub(1) as usize);
        for (row, (i, item)) in self
            .items
            .iter()
            .enumerate()
            .skip(first)
            .take(area.height as usize)
            .enumerate()
        {
            let y = area.y + row as u16;
            let selected = i == self.cursor;
            let line = Rect {
                y,
                height: 1,
                ..area
            };
            let base = if selected && focused {
                ui.style(Role::Selection)
            } else {
                ui.style(Role::Text)
            };
            buf.set_style(line, base);
            let mut x = area.x;
            let marker = if selected { ">" } else { " " };
            x = put(buf, x, y, marker, area.width, base);
            let key = if i < 9 {
                format!("{} ", i + 1)
            } else {
                "  ".to_string()
            };
            let key_style = if selected && focused {
                base
            } else {
                ui.style(Role::FooterKey)
            };
            x = put(buf, x, y, &key, area.right().saturating_sub(x), key_style);
            let room = area.right().saturating_sub(x);
            put(buf, x, y, &item.label, room, base);
            x += (label_w + 2).min(room);
            let room = area.right().saturating_sub(x);
            if room > 4 {
                let dim = if selected && focused {
                    base
                } else {
                    ui.style(Role::Muted)
                };
                put(buf, x, y, &item.detail, room, dim);
            }
        }
    }
}
