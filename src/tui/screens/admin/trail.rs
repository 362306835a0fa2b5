//! The trail of a record (操作记录): who did what to it, when, and the reason or note they gave,
//! newest first, from the API's audit trail. The note of the line under the cursor is shown in
//! full below the list.

use super::{ListView, PageFrame, minutes_of, render_page, s};
use crate::client::ClientError;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, take};
use crate::tui::screens::Status;
use crate::tui::theme::Role;
use crate::tui::widgets::Handled;
use crate::tui::widgets::table::Column;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use std::any::Any;

/// Who the trail names: a display name, the system, or someone not logged in.
pub(crate) fn actor(ui: &Ui, name: &str) -> String {
    if name == "system" {
        ui.tr("admin.trail.system")
    } else if let Some(who) = name.strip_prefix("anonymous:") {
        crate::i18n::trf(ui.lang, "admin.trail.anonymous", &[("who", who)])
    } else {
        name.to_string()
    }
}

/// One trail line of a detail pane: `2026-04-16 10:00  张敏  客服通过  说明：…`, wrapped under
/// the text after the time.
pub(crate) fn para(ui: &Ui, e: &Value) -> super::Para {
    let mut l = format!(
        "{}  {}",
        actor(ui, &s(e, "actor_name")),
        crate::tui::screens::text_of(ui, &e["action_name"])
    );
    if let Some(note) = e["note"].as_str() {
        l.push_str("  ");
        l.push_str(&crate::i18n::trf(
            ui.lang,
            "admin.trail.note",
            &[("note", note)],
        ));
    }
    super::Para {
        prefix: format!("{}  ", minutes_of(&e["at"])),
        text: l,
    }
}

/// The trail of one record.
pub struct TrailScreen {
    title: String,
    kind: &'static str,
    id: String,
    list: ListView,
    status: Status,
}

impl TrailScreen {
    /// `kind`: the API's record kind (`window`, `certification`, `account` …); `what` names the
    /// record in the title.
    pub fn new(ui: &Ui, kind: &'static str, id: &str, what: &str) -> TrailScreen {
        TrailScreen {
            title: crate::i18n::trf(ui.lang, "admin.trail.title", &[("what", what)]),
            kind,
            id: id.to_string(),
            list: ListView::new(vec![
                Column::new(&ui.tr("admin.trail.at"), 16, 16).unsortable(),
                Column::new(&ui.tr("admin.trail.actor"), 8, 16).unsortable(),
                Column::new(&ui.tr("admin.trail.action"), 16, 24).unsortable(),
                Column::new(&ui.tr("admin.trail.note_column"), 10, 50)
                    .unsortable()
                    .priority(1),
            ]),
            status: Status::None,
        }
    }

    fn note(&self) -> Option<String> {
        self.list
            .current()
            .and_then(|e| e["note"].as_str().map(str::to_string))
    }
}

impl Screen for TrailScreen {
    fn title(&self, _ui: &Ui) -> String {
        self.title.clone()
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["down", "up", "filter"])
    }

    fn start(&mut self, cx: &mut Ctx) {
        let (kind, id) = (self.kind, self.id.clone());
        cx.spawn("trail", move |c| async move { c.trail(kind, &id).await });
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        match self.list.key(ev, cx.keymap) {
            Handled::Event(_) => Handled::Unchanged,
            Handled::Changed => Handled::Changed,
            Handled::Unchanged => Handled::Unchanged,
            Handled::Ignored => Handled::Ignored,
        }
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        let ui = cx.ui;
        let rows = v.as_array().cloned().unwrap_or_default();
        self.list.set_rows(rows, |e| {
            vec![
                minutes_of(&e["at"]),
                actor(ui, &s(e, "actor_name")),
                crate::tui::screens::text_of(ui, &e["action_name"]),
                s(e, "note"),
            ]
        });
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.list
            .fail(crate::tui::screen::error_text(cx.lang(), &error));
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let note = self.note();
        let below = note
            .as_ref()
            .map(|n| super::wrapped_rows(area, n, 4) + 1)
            .unwrap_or(0);
        let rest = render_page(
            area,
            buf,
            ui,
            &PageFrame {
                title: &self.title,
                top: &[],
                status: &self.status,
                below,
            },
            &mut self.list,
        );
        if let Some(n) = note
            && rest.height > 1
        {
            let box_area = Rect {
                x: rest.x.saturating_sub(1),
                y: rest.y + 1,
                width: rest.width + 2,
                height: rest.height - 1,
            };
            super::draw_wrapped(buf, box_area, box_area.y, &n, Role::Text, ui, 4);
        }
    }

    fn cursor(&self) -> Option<Position> {
        self.list.cursor_position()
    }
}
