//! The terminal user interface: the foundation every screen reuses.
//!
//! - [`theme`]: semantic roles → styles, from TOML (`themes/`); `NO_COLOR` forces `mono`.
//! - [`symbols`]: Unicode or ASCII glyphs (`--ascii`).
//! - [`keymap`]: commands bound to keys per context, user-patchable; footer and help hints.
//! - [`widgets`]: form, table, tree picker, progress, detail pane, dialogs, status bar, help.
//! - [`terminal`]: the terminal guard (raw mode, alternate screen, paste, mouse, cursor) and
//!   the panic hook; synchronized output around each frame.
//! - [`app`]: the event-loop shape — one owned state, actions, effects, draw once per batch.
//!
//! Widgets are plain structs: state plus a `render` into a [`ratatui::buffer::Buffer`]; methods
//! that change state return whether anything visible changed, so the loop redraws only then.
//! Every width is counted in display columns (CJK characters take two).

pub mod app;
pub mod keymap;
pub mod launch;
pub mod screen;
pub mod screens;
pub mod symbols;
pub mod terminal;
#[cfg(test)]
pub mod testing;
pub mod theme;
pub mod widgets;

use crate::domain::Lang;
use crate::i18n::tr;
use symbols::Symbols;
use theme::{Role, Theme};

/// What every widget needs to draw: the theme, the glyph set and the language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ui {
    pub theme: Theme,
    pub symbols: Symbols,
    pub lang: Lang,
}

impl Default for Ui {
    fn default() -> Ui {
        Ui::new(Theme::default(), false, Lang::Zh)
    }
}

impl Ui {
    pub fn new(theme: Theme, ascii: bool, lang: Lang) -> Ui {
        Ui {
            theme,
            symbols: Symbols::new(ascii),
            lang,
        }
    }

    /// The style of a role in the active theme.
    pub fn style(&self, role: Role) -> ratatui::style::Style {
        self.theme.style(role)
    }

    /// A catalogue string in the active language.
    pub fn tr(&self, key: &str) -> String {
        tr(self.lang, key)
    }
}
