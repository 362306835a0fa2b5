//! The screens (DESIGN.md §4 screen map) and the pieces they share.
//!
//! - [`public`]: the public home, log-in.
//! - [`home`]: the home of a logged-in role, with its navigation.
//! - [`account`]: register, real-name verification, forgotten password, phone change, account
//!   recovery, change of password.
//! - [`enterprise`]: the enterprise workspace (home, 企业信息, 数字化水平评测, 我的消息).
//! - [`announcements`]: 通知公告 — the public list (level filter, search, paging) and detail.
//! - [`cert_query`]: 企业认定查询 — name + credit code + challenge → certifications.
//! - [`declare`]: the enterprise's declarations, major changes, certifications (复核) and info
//!   updates, with local drafts kept while the server is unreachable.
//!
//! [`FormPanel`] is the page every form-like screen embeds: an explanation above, the form,
//! and a status line below; it maps the API's field errors onto the fields (nothing typed is
//! lost) and reports Submit / SaveDraft.

pub mod account;
pub mod admin;
pub mod announcements;
pub mod cert_query;
pub mod declare;
pub mod enterprise;
pub mod home;
pub mod public;
pub mod review;
#[cfg(test)]
mod tests;

use super::Ui;
use super::keymap::{Context, Hint, Keymap};
use super::screen::field_errors;
use super::theme::Role;
use super::widgets::form::{Field, Form, FormEvent, Value};
use super::widgets::{Handled, block, put};
use crate::client::ClientError;
use crate::display;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use std::collections::BTreeMap;

/// What a [`FormPanel`] asks its screen to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelEvent {
    /// F9 / Ctrl-G, or Enter on the last field: send the form.
    Submit,
    /// Ctrl-S / F2.
    SaveDraft,
}

/// The state of the panel's status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    None,
    /// A request is in flight.
    Working(String),
    Error(String),
    Success(String),
    Info(String),
}

/// A titled form with an explanation and a status line.
pub struct FormPanel {
    pub title: String,
    /// Paragraphs shown above the form (wrapped to the width).
    pub intro: Vec<String>,
    pub form: Form,
    pub status: Status,
    /// Whether the user typed anything since the last submit.
    pub edited: bool,
    cursor: Option<Position>,
}

impl FormPanel {
    pub fn new(title: &str, intro: Vec<String>, fields: Vec<Field>) -> FormPanel {
        FormPanel {
            title: title.to_string(),
            intro,
            form: Form::new(fields),
            status: Status::None,
            edited: false,
            cursor: None,
        }
    }

    /// The footer hints of a form: submit, next/previous field, options.
    pub fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(
            Context::Form,
            &["submit", "next_field", "prev_field", "option_next"],
        )
    }

    /// Whether a request is in flight (further submits are ignored).
    pub fn is_working(&self) -> bool {
        matches!(self.status, Status::Working(_))
    }

    pub fn key(&mut self, ev: &KeyEvent, keymap: &Keymap) -> Handled<PanelEvent> {
        let last = self.form.fields().last().map(|f| f.id.clone());
        let on_last = self.form.focused().map(str::to_string) == last;
        if keymap.is(Context::Form, "submit", ev)
            || (on_last && ev.code == KeyCode::Enter && !self.focused_is_multiline())
        {
            return Handled::Event(PanelEvent::Submit);
        }
        match self.form.handle_key(ev, keymap) {
            Handled::Event(FormEvent::SaveDraft) => Handled::Event(PanelEvent::SaveDraft),
            Handled::Changed => {
                self.edited = true;
                if matches!(self.status, Status::Error(_)) {
                    self.status = Status::None;
                }
                Handled::Changed
            }
            Handled::Unchanged => Handled::Unchanged,
            Handled::Ignored => Handled::Ignored,
        }
    }

    fn focused_is_multiline(&self) -> bool {
        let Some(id) = self.form.focused() else {
            return false;
        };
        self.form
            .field(id)
            .is_some_and(|f| matches!(f.kind, super::widgets::form::FieldKind::MultiLine { .. }))
    }

    pub fn paste(&mut self, text: &str) -> bool {
        let changed = self.form.handle_paste(text);
        self.edited |= changed;
        changed
    }

    /// Checks required fields; on success the status shows `working` and the values are
    /// handed out as trimmed strings (empty fields left out).
    pub fn begin_submit(&mut self, working: &str) -> Option<BTreeMap<String, String>> {
        if self.is_working() {
            return None;
        }
        if !self.form.check_required() {
            return None;
        }
        self.status = Status::Working(working.to_string());
        Some(self.strings())
    }

    /// The values as trimmed strings (choices as their value, booleans as `true`/`false`).
    pub fn strings(&self) -> BTreeMap<String, String> {
        self.form
            .values()
            .into_iter()
            .filter_map(|(k, v)| {
                let s = match v {
                    Value::Text(t) => t.trim().to_string(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    Value::Invalid(t) => t,
                    Value::Empty => return None,
                };
                Some((k, s))
            })
            .collect()
    }

    /// Shows an API failure: field errors under their fields (the focus moves to the first),
    /// the rest in the status line. Nothing typed is touched.
    pub fn show_error(&mut self, ui: &Ui, e: &ClientError) {
        let errors = field_errors(ui.lang, e);
        let ids: Vec<String> = self.form.fields().iter().map(|f| f.id.clone()).collect();
        let mapped: Vec<(&str, &str)> = errors
            .iter()
            .filter(|(f, _)| ids.contains(f))
            .map(|(f, m)| (f.as_str(), m.as_str()))
            .collect();
        self.form.set_errors(mapped.iter().copied());
        if let Some((first, _)) = mapped.first() {
            self.form.focus(first);
        }
        let unmapped = errors.iter().any(|(f, _)| !ids.contains(f));
        self.status = if mapped.is_empty() || unmapped {
            Status::Error(super::screen::error_text(ui.lang, e))
        } else {
            Status::Error(ui.tr("form.fix_fields"))
        };
    }

    pub fn cursor(&self) -> Option<Position> {
        self.cursor
    }

    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let frame = block(ui, &self.title, true);
        let inner = frame.inner(area);
        frame.render(area, buf);
        if inner.width < 4 || inner.height < 2 {
            self.cursor = None;
            return;
        }
        let text_w = inner.width.saturating_sub(2) as usize;
        let mut y = inner.y;
        let status_lines = self.status_lines(text_w);
        let reserve = status_lines.len() as u16 + u16::from(!status_lines.is_empty());
        for para in &self.intro {
            for line in display::wrap(para, text_w) {
                if y + 3 + reserve > inner.bottom() {
                    break;
                }
                put(
                    buf,
                    inner.x + 1,
                    y,
                    &line,
                    inner.width - 2,
                    ui.style(Role::Muted),
                );
                y += 1;
            }
        }
        if !self.intro.is_empty() && y < inner.bottom() {
            y += 1;
        }
        let form_area = Rect {
            x: inner.x + 1,
            y,
            width: inner.width - 2,
            height: inner.bottom().saturating_sub(y + reserve),
        };
        self.form.render(form_area, buf, ui);
        self.cursor = if self.is_working() {
            None
        } else {
            self.form.cursor_position()
        };
        let first = inner.bottom().saturating_sub(status_lines.len() as u16);
        for (sy, (line, role)) in (first..).zip(status_lines) {
            put(buf, inner.x + 1, sy, &line, inner.width - 2, ui.style(role));
        }
    }

    fn status_lines(&self, width: usize) -> Vec<(String, Role)> {
        let (text, role) = match &self.status {
            Status::None => return Vec::new(),
            Status::Working(t) => (t, Role::Muted),
            Status::Error(t) => (t, Role::Error),
            Status::Success(t) => (t, Role::Success),
            Status::Info(t) => (t, Role::Info),
        };
        let mut lines = display::wrap(text, width);
        lines.truncate(4);
        lines.into_iter().map(|l| (l, role)).collect()
    }
}

/// A date-time from the API (RFC 3339) as a Beijing date `YYYY-MM-DD`.
pub fn date_of(v: &serde_json::Value) -> String {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default()
}

/// A bilingual `{zh, en}` object from the API in the active language (or a plain string).
pub fn text_of(ui: &Ui, v: &serde_json::Value) -> String {
    if let Some(s) = v.as_str() {
        return s.to_string();
    }
    let key = match ui.lang {
        crate::domain::Lang::Zh => "zh",
        crate::domain::Lang::En => "en",
    };
    v[key].as_str().unwrap_or_default().to_string()
}
