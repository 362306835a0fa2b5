//! A declaration window's read-only detail: the certifying authority, the tier, the batch, the
//! dates and where it stands. [`super::open_declaration`] opens it until the declaration
//! screens take over.

use super::{Line, Sheet, tier_name};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen};
use crate::tui::theme::Role;
use crate::tui::widgets::{Handled, block};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;

/// The detail of one window (the API's window view).
pub struct WindowDetail {
    sheet: Sheet,
}

impl WindowDetail {
    pub fn new(ui: &Ui, window: Value) -> WindowDetail {
        let s = |k: &str| window[k].as_str().unwrap_or_default().to_string();
        let status = window["status"].as_str().unwrap_or_default();
        let mut lines = vec![
            Line::Pair(
                ui.tr("ent.window.authority"),
                crate::i18n::trf(
                    ui.lang,
                    "ent.window.authority_value",
                    &[
                        ("name", &s("authority_name")),
                        ("code", &s("authority_code")),
                    ],
                ),
                Role::Text,
            ),
            Line::Pair(
                ui.tr("ent.window.tier"),
                tier_name(ui, &s("tier")),
                Role::Text,
            ),
            Line::Pair(
                ui.tr("ent.window.batch"),
                super::number_text(&window["batch"]).unwrap_or_default(),
                Role::Text,
            ),
            Line::Pair(
                ui.tr("ent.window.period"),
                crate::i18n::trf(
                    ui.lang,
                    "ent.window.period_value",
                    &[("start", &s("start")), ("end", &s("end"))],
                ),
                Role::Text,
            ),
            Line::Pair(
                ui.tr("ent.window.status"),
                ui.tr(&format!("ent.window.status.{status}")),
                if status == "open" {
                    Role::Success
                } else {
                    Role::Warning
                },
            ),
        ];
        if !window["closed_at"].is_null() {
            lines.push(Line::Pair(
                ui.tr("ent.window.closed_at"),
                super::minutes_of(&window["closed_at"]),
                Role::Warning,
            ));
        }
        lines.push(Line::Blank);
        lines.push(Line::Para(ui.tr("ent.window.note"), Role::Muted));
        WindowDetail {
            sheet: Sheet::new(lines),
        }
    }
}

impl Screen for WindowDetail {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("ent.window.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["down", "up"])
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        self.sheet.handle_key(ev, cx.keymap)
    }

    fn done(&mut self, _kind: &'static str, _value: Box<dyn Any + Send>, _cx: &mut Ctx) -> bool {
        false
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("ent.window.title");
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        let inner = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        };
        self.sheet.render(inner, buf, ui);
    }
}
