//! 申报窗口: the declaration windows of the admin's authority, per tier and batch — open a new
//! one (a form whose dates the API checks: the end not before the start, no overlap with another
//! window of the same tier and batch, the start not in the past), close one early (asked first),
//! and the trail of each (Enter).

use super::trail::TrailScreen;
use super::{
    Answer, Ask, ListView, PageFrame, answer, authority_of, command, destructive, dialog_hints,
    failure, hints, plain, render_page, s, tier_short,
};
use crate::client::{ClientError, Tagged};
use crate::domain::tiers::Tier;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen, take};
use crate::tui::screens::{FormPanel, PanelEvent, Status};
use crate::tui::widgets::Handled;
use crate::tui::widgets::form::Field;
use crate::tui::widgets::table::{Column, TableEvent};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use std::any::Any;

/// A date as typed (full-width digits and `/` or `.` separators accepted) in `YYYY-MM-DD`, or
/// `None` when it is not a date.
pub(crate) fn parse_date(text: &str) -> Option<String> {
    let ascii: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '/' | '.' | '／' | '．' | '－' => '-',
            other => other,
        })
        .collect();
    chrono::NaiveDate::parse_from_str(&ascii, "%Y-%m-%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// The windows of the admin's authority.
pub struct WindowsScreen {
    authority: String,
    authority_name: String,
    title: String,
    list: ListView,
    status: Status,
    ask: Option<Ask<(String, i64, String)>>,
}

impl WindowsScreen {
    pub fn new(ui: &Ui, account: &Account) -> WindowsScreen {
        let (authority, name) = authority_of(account);
        WindowsScreen {
            authority,
            title: crate::i18n::trf(ui.lang, "admin.windows.title", &[("authority", &name)]),
            authority_name: name,
            list: ListView::new(vec![
                Column::new(&ui.tr("admin.col.tier"), 8, 12),
                Column::new(&ui.tr("admin.col.batch"), 6, 6).right(),
                Column::new(&ui.tr("admin.col.start"), 10, 10),
                Column::new(&ui.tr("admin.col.end"), 10, 10),
                Column::new(&ui.tr("admin.col.status"), 10, 14),
                Column::new(&ui.tr("admin.col.closed_at"), 10, 16).priority(2),
            ]),
            status: Status::None,
            ask: None,
        }
    }

    fn load(&self, cx: &mut Ctx) {
        let authority = self.authority.clone();
        cx.spawn("load", move |c| async move {
            c.authority_windows(&authority).await
        });
    }

    fn describe(ui: &Ui, w: &Value) -> String {
        crate::i18n::trf(
            ui.lang,
            "admin.windows.describe",
            &[
                ("tier", &tier_short(ui.lang, &s(w, "tier"))),
                ("batch", &w["batch"].to_string()),
                ("start", &s(w, "start")),
                ("end", &s(w, "end")),
            ],
        )
    }

    fn close(&mut self, cx: &mut Ctx) {
        let Some(w) = self.list.current() else {
            return;
        };
        let status = s(w, "status");
        if !matches!(status.as_str(), "open" | "upcoming") {
            self.status = Status::Info(crate::i18n::trf(
                cx.lang(),
                "admin.windows.nothing_to_close",
                &[("status", &window_status(cx.ui, &status))],
            ));
            return;
        }
        let what = Self::describe(cx.ui, w);
        let body = crate::i18n::trf(cx.lang(), "admin.windows.close_body", &[("what", &what)]);
        self.ask = Some(Ask::new(
            destructive(
                cx.ui,
                &cx.tr("admin.windows.close_title"),
                &body,
                &cx.tr("admin.windows.close_confirm"),
            ),
            (s(w, "id"), w["version"].as_i64().unwrap_or_default(), what),
        ));
    }
}

/// A window status code in words.
fn window_status(ui: &Ui, code: &str) -> String {
    let key = format!("admin.window_status.{code}");
    let t = ui.tr(&key);
    if t == key { code.to_string() } else { t }
}

impl Screen for WindowsScreen {
    fn title(&self, _ui: &Ui) -> String {
        self.title.clone()
    }

    fn context(&self) -> Context {
        if self.ask.is_some() {
            Context::Dialog
        } else {
            Context::List
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.ask.is_some() {
            return dialog_hints(keymap);
        }
        hints(
            keymap,
            &[
                (Context::List, "new", "admin.windows.key_new"),
                (Context::List, "remove", "admin.windows.key_close"),
                (Context::List, "open", "admin.key.trail"),
                (Context::List, "down", "key.down"),
                (Context::List, "up", "key.up"),
            ],
        )
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if self.ask.is_some() {
            return match answer(&mut self.ask, ev, cx.keymap) {
                Answer::Open(changed) => Handled::from_changed(changed),
                Answer::Yes((id, version, what)) => {
                    self.status = Status::Working(cx.tr("status.working"));
                    cx.spawn("close", move |c| async move {
                        c.close_window(&id, version).await.map(|t| (t, what))
                    });
                    Handled::Changed
                }
                Answer::No => Handled::Changed,
            };
        }
        match self.list.key(ev, cx.keymap) {
            Handled::Event(TableEvent::Open(_)) => {
                if let Some(w) = self.list.current() {
                    let what = Self::describe(cx.ui, w);
                    cx.push(TrailScreen::new(cx.ui, "window", &s(w, "id"), &what));
                }
                return Handled::Unchanged;
            }
            Handled::Ignored => {}
            h => return Handled::from_changed(h.changed()),
        }
        match command(cx.keymap, ev) {
            Some("new") => {
                cx.push(NewWindow::new(cx.ui, &self.authority, &self.authority_name));
                Handled::Unchanged
            }
            Some("remove") => {
                self.close(cx);
                Handled::Changed
            }
            _ => Handled::Ignored,
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "load" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                let ui = cx.ui;
                let rows = v["items"].as_array().cloned().unwrap_or_default();
                self.list.set_rows(rows, |w| {
                    vec![
                        tier_short(ui.lang, &s(w, "tier")),
                        w["batch"].to_string(),
                        s(w, "start"),
                        s(w, "end"),
                        window_status(ui, &s(w, "status")),
                        super::minutes_of(&w["closed_at"]),
                    ]
                });
            }
            "close" => {
                if let Some((_, what)) = take::<(Tagged, String)>(value) {
                    self.status = Status::Success(crate::i18n::trf(
                        cx.lang(),
                        "admin.windows.closed",
                        &[("what", &what)],
                    ));
                }
                self.load(cx);
            }
            _ => return false,
        }
        true
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        if kind == "load" {
            self.list
                .fail(crate::tui::screen::error_text(cx.lang(), &error));
        } else {
            self.status = failure(cx, &error);
            self.load(cx);
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        render_page(
            area,
            buf,
            ui,
            &PageFrame {
                title: &self.title,
                top: &[],
                status: &self.status,
                below: 0,
            },
            &mut self.list,
        );
        if let Some(ask) = &self.ask {
            ask.dialog.render(area, buf, ui);
        }
    }

    fn cursor(&self) -> Option<Position> {
        self.list.cursor_position()
    }
}

/// 开放申报窗口: tier, batch and dates; the API checks them and its messages show under the
/// fields, with everything typed kept.
pub struct NewWindow {
    authority: String,
    panel: FormPanel,
}

impl NewWindow {
    pub fn new(ui: &Ui, authority: &str, authority_name: &str) -> NewWindow {
        let tiers: Vec<(String, String)> = Tier::ALL
            .iter()
            .map(|t| (t.code().to_string(), t.name().get(ui.lang).to_string()))
            .collect();
        let options: Vec<(&str, &str)> = tiers
            .iter()
            .map(|(c, n)| (c.as_str(), n.as_str()))
            .collect();
        let date_hint = ui.tr("admin.date_hint");
        NewWindow {
            authority: authority.to_string(),
            panel: FormPanel::new(
                &crate::i18n::trf(
                    ui.lang,
                    "admin.windows.new_title",
                    &[("authority", authority_name)],
                ),
                vec![ui.tr("admin.windows.new_intro")],
                vec![
                    Field::choice("tier", &ui.tr("admin.field.tier"), &options).required(),
                    Field::number("batch", &ui.tr("admin.field.batch"), None).required(),
                    Field::text("start", &ui.tr("admin.field.start"))
                        .required()
                        .with_placeholder(&date_hint),
                    Field::text("end", &ui.tr("admin.field.end"))
                        .required()
                        .with_placeholder(&date_hint),
                ],
            ),
        }
    }

    fn submit(&mut self, cx: &mut Ctx) {
        if self.panel.is_working() {
            return;
        }
        let mut bad = Vec::new();
        let mut dates = [String::new(), String::new()];
        for (i, id) in ["start", "end"].into_iter().enumerate() {
            let typed = self.panel.strings().get(id).cloned().unwrap_or_default();
            if typed.is_empty() {
                continue;
            }
            match parse_date(&typed) {
                Some(d) => dates[i] = d,
                None => bad.push(id),
            }
        }
        let msg = cx.tr("admin.err.date");
        if !bad.is_empty() {
            self.panel.form.check_required();
            for id in &bad {
                self.panel.form.set_error(id, Some(&msg));
            }
            self.panel.form.focus(bad[0]);
            self.panel.status = Status::Error(cx.tr("form.fix_fields"));
            return;
        }
        let Some(v) = self.panel.begin_submit(&cx.tr("admin.windows.working")) else {
            return;
        };
        let tier = v.get("tier").cloned().unwrap_or_default();
        let batch: i64 = v
            .get("batch")
            .and_then(|b| b.parse::<f64>().ok())
            .map(|b| b as i64)
            .unwrap_or_default();
        let authority = self.authority.clone();
        let [start, end] = dates;
        cx.spawn("open", move |c| async move {
            c.open_window(&authority, &tier, batch, &start, &end).await
        });
    }
}

impl Screen for NewWindow {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("admin.windows.key_new")
    }

    fn context(&self) -> Context {
        Context::Form
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        super::form_hints(keymap, "admin.windows.key_new")
    }

    fn start(&mut self, cx: &mut Ctx) {
        cx.spawn("today", |c| async move { c.calendar_today().await });
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        match self.panel.key(ev, cx.keymap) {
            Handled::Event(PanelEvent::Submit) => {
                self.submit(cx);
                Handled::Changed
            }
            Handled::Event(PanelEvent::SaveDraft) => Handled::Unchanged,
            other => plain(other),
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        self.panel.paste(text)
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "today" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                // defaults only where nothing was typed yet
                if self.panel.form.value("batch") == Some(crate::tui::widgets::form::Value::Empty) {
                    self.panel.form.set_value("batch", &v["year"].to_string());
                }
                if self.panel.form.value("start") == Some(crate::tui::widgets::form::Value::Empty) {
                    self.panel.form.set_value("start", &s(&v, "today"));
                }
                true
            }
            "open" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                let w = &t.value;
                cx.success(&crate::i18n::trf(
                    cx.lang(),
                    "admin.windows.opened",
                    &[
                        ("tier", &tier_short(cx.lang(), &s(w, "tier"))),
                        ("batch", &w["batch"].to_string()),
                        ("start", &s(w, "start")),
                        ("end", &s(w, "end")),
                    ],
                ));
                self.panel.edited = false;
                cx.pop();
                true
            }
            _ => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        if kind == "today" {
            return false;
        }
        self.panel.show_error(cx.ui, &error);
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.panel.render(area, buf, ui);
    }

    fn cursor(&self) -> Option<Position> {
        self.panel.cursor()
    }

    fn has_unsaved(&self) -> bool {
        self.panel.edited
    }
}
