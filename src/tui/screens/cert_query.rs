//! 企业认定查询 (public, no log-in): the enterprise name and unified social credit code, and the
//! answer to a challenge the API issues (`POST /certification-query/challenge`) → the
//! enterprise's certifications (tier, certifying authority, valid from / until, status) in a
//! table, or the API's "none found" sentence.
//!
//! The challenge's question is the label of the answer field. A challenge is good for one
//! query: after every query that used it (found, none found, or a wrong answer) a new one is
//! asked for at once, and F5 asks for a new one on demand; the name and the credit code are
//! never cleared. Bad input comes back from the API as field errors shown under the fields
//! (the credit code's check character, for instance); a wrong answer shows the API's message
//! under the answer field; the rate limit (429 with `Retry-After`) is a plain sentence with the
//! wait.

use super::{FormPanel, PanelEvent, Status, text_of};
use crate::client::ClientError;
use crate::display;
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap, keys_text};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::theme::Role;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;

/// The answer field's id (its label is the challenge's question).
const ANSWER: &str = "answer";

/// What the screen got back.
enum Answer {
    Challenge(Value),
    Query(Value),
}

/// The certification query.
pub struct CertQuery {
    panel: FormPanel,
    /// The challenge to answer: its `id` and `prompt`.
    challenge: Option<Value>,
    challenge_loading: bool,
    /// What the status line shows once the asked-for challenge arrives.
    status_after_challenge: Option<Status>,
    /// The last answer of the API.
    result: Option<Value>,
}

impl CertQuery {
    pub fn new(ui: &Ui) -> CertQuery {
        CertQuery {
            panel: FormPanel::new(
                &ui.tr("cert_query.title"),
                vec![ui.tr("cert_query.intro")],
                vec![
                    Field::text("name", &ui.tr("cert_query.name"))
                        .required()
                        .with_placeholder(&ui.tr("cert_query.name_hint")),
                    Field::text("uscc", &ui.tr("cert_query.uscc"))
                        .required()
                        .with_placeholder(&ui.tr("cert_query.uscc_hint")),
                    Field::text(ANSWER, &ui.tr("cert_query.answer_loading"))
                        .required()
                        .with_placeholder(&ui.tr("cert_query.answer_hint")),
                ],
            ),
            challenge: None,
            challenge_loading: false,
            status_after_challenge: None,
            result: None,
        }
    }

    /// Shows `label` before the answer field; everything typed, the errors and the focus stay.
    fn set_answer_label(&mut self, label: &str) {
        let form = &self.panel.form;
        if form.field(ANSWER).is_some_and(|f| f.label == label) {
            return;
        }
        let focus = form.focused().map(str::to_string);
        let mut fields = form.fields().to_vec();
        for f in fields.iter_mut().filter(|f| f.id == ANSWER) {
            f.label = label.to_string();
        }
        self.panel.form = Form::new(fields);
        if let Some(id) = focus {
            self.panel.form.focus(&id);
        }
    }

    /// Asks for a new challenge; `then` is the status line once it is there. The old answer
    /// goes (it was for the old question).
    fn new_challenge(&mut self, cx: &mut Ctx, then: Option<Status>) {
        self.challenge = None;
        self.challenge_loading = true;
        self.status_after_challenge = then;
        self.panel.form.set_value(ANSWER, "");
        self.set_answer_label(&cx.tr("cert_query.answer_loading"));
        cx.spawn("challenge", |c| async move {
            c.query_challenge().await.map(Answer::Challenge)
        });
    }

    fn submit(&mut self, cx: &mut Ctx) {
        if self.panel.is_working() {
            return;
        }
        let Some(challenge_id) = self
            .challenge
            .as_ref()
            .and_then(|c| c["id"].as_str())
            .map(str::to_string)
        else {
            self.panel.status = if self.challenge_loading {
                Status::Info(cx.tr("cert_query.challenge_working"))
            } else {
                let key = keys_text(cx.keymap.keys(Context::Form, "new_challenge"));
                Status::Error(trf(cx.lang(), "cert_query.no_challenge", &[("key", &key)]))
            };
            return;
        };
        let Some(v) = self.panel.begin_submit(&cx.tr("cert_query.working")) else {
            return;
        };
        // the API's earlier messages go; the required-field marks were just checked
        self.panel.form.set_errors(std::iter::empty());
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        let (name, uscc, answer) = (get("name"), get("uscc"), get(ANSWER));
        cx.spawn("query", move |c| async move {
            c.query_certifications(&name, &uscc, &challenge_id, &answer)
                .await
                .map(Answer::Query)
        });
    }

    /// The rate limit as a sentence with the wait.
    fn rate_limited(ui: &Ui, e: &ClientError) -> String {
        let secs = e.problem().and_then(|p| p.retry_after).unwrap_or(60);
        let (m, s) = ((secs / 60).to_string(), (secs % 60).to_string());
        let wait = match (secs / 60, secs % 60) {
            (0, _) => trf(ui.lang, "cert_query.wait_sec", &[("s", &s)]),
            (_, 0) => trf(ui.lang, "cert_query.wait_min", &[("m", &m)]),
            _ => trf(ui.lang, "cert_query.wait_min_sec", &[("m", &m), ("s", &s)]),
        };
        trf(ui.lang, "cert_query.rate_limited", &[("wait", &wait)])
    }

    fn render_result(&self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("cert_query.results");
        let frame = block(ui, &title, false);
        let inner = frame.inner(area);
        frame.render(area, buf);
        if inner.height == 0 || inner.width < 4 {
            return;
        }
        let x = inner.x + 1;
        let w = inner.width - 2;
        let Some(r) = &self.result else {
            put(
                buf,
                x,
                inner.y,
                &ui.tr("cert_query.not_yet"),
                w,
                ui.style(Role::Muted),
            );
            return;
        };
        let certs = r["certifications"].as_array().cloned().unwrap_or_default();
        let mut lines: Vec<(String, Role)> = vec![(
            format!(
                "{}  {}",
                r["name"].as_str().unwrap_or_default(),
                r["uscc"].as_str().unwrap_or_default()
            ),
            Role::Title,
        )];
        let found = if certs.is_empty() {
            Role::Warning
        } else {
            Role::Success
        };
        for l in display::wrap(&text_of(ui, &r["message"]), w as usize) {
            lines.push((l, found));
        }
        let mut y = inner.y;
        for (line, role) in &lines {
            if y >= inner.bottom() {
                return;
            }
            put(buf, x, y, line, w, ui.style(*role));
            y += 1;
        }
        if certs.is_empty() || y + 2 >= inner.bottom() {
            return;
        }
        y += 1;
        let header: Vec<String> = ["tier", "authority", "from", "to", "status"]
            .iter()
            .map(|c| ui.tr(&format!("cert_query.col.{c}")))
            .collect();
        let rows: Vec<(Vec<String>, Role)> = certs.iter().map(|c| cert_row(ui, c)).collect();
        let widths = column_widths(&header, &rows, w as usize);
        draw_row(buf, x, y, &header, &widths, ui.style(Role::Title));
        y += 1;
        let room = inner.bottom().saturating_sub(y) as usize;
        for (i, (cells, status_role)) in rows.iter().enumerate() {
            if i + 1 == room && rows.len() > room {
                let more = format!("… +{}", rows.len() - i);
                put(buf, x, y, &more, w, ui.style(Role::Muted));
                break;
            }
            let end = draw_row(buf, x, y, &cells[..4], &widths[..4], ui.style(Role::Text));
            put(
                buf,
                end + 2,
                y,
                &cells[4],
                widths[4] as u16,
                ui.style(*status_role),
            );
            y += 1;
        }
    }
}

/// The challenge's question as the answer field's label, padded to the width it has with
/// two-digit numbers, so the fields do not move when a new challenge comes.
fn challenge_label(ui: &Ui, challenge: &Value) -> String {
    let prompt = text_of(ui, &challenge["prompt"]);
    let widest = match challenge["expression"].as_str() {
        Some(e) if !e.is_empty() => prompt.replace(e, "00 + 00 = ?"),
        _ => prompt.clone(),
    };
    let w = display::width(&widest).max(display::width(&prompt));
    display::pad(&prompt, w)
}

/// A certification's cells and the role of its status.
fn cert_row(ui: &Ui, c: &Value) -> (Vec<String>, Role) {
    let status_name = text_of(ui, &c["status_name"]);
    let status = match c["cancelled_on"].as_str() {
        Some(date) => trf(
            ui.lang,
            "cert_query.cancelled_on",
            &[("status", &status_name), ("date", date)],
        ),
        None => status_name,
    };
    let role = match c["status"].as_str() {
        Some("valid") => Role::Success,
        Some("cancelled") => Role::Error,
        _ => Role::Muted,
    };
    let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
    (
        vec![
            text_of(ui, &c["tier_name"]),
            text_of(ui, &c["authority"]),
            s("certified_on"),
            s("expires_on"),
            status,
        ],
        role,
    )
}

/// Column widths by display width, the first two (tier, authority) narrowed until the row
/// fits `avail` with two-column gaps.
fn column_widths(header: &[String], rows: &[(Vec<String>, Role)], avail: usize) -> Vec<usize> {
    let mut widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|(cells, _)| display::width(&cells[c]))
                .chain([display::width(&header[c])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let gaps = 2 * (header.len() - 1);
    while widths.iter().sum::<usize>() + gaps > avail {
        let widest = if widths[0] >= widths[1] { 0 } else { 1 };
        if widths[widest] <= 6 {
            break;
        }
        widths[widest] -= 1;
    }
    widths
}

/// Draws cells padded to their widths with two-column gaps; returns the column after the last.
fn draw_row(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    cells: &[String],
    widths: &[usize],
    style: ratatui::style::Style,
) -> u16 {
    let mut at = x;
    for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            at += 2;
        }
        at = put(buf, at, y, &display::pad(cell, *w), *w as u16, style);
    }
    at
}

impl Screen for CertQuery {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("cert_query.title")
    }

    fn context(&self) -> Context {
        Context::Form
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(
            Context::Form,
            &["submit", "new_challenge", "next_field", "prev_field"],
        )
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.new_challenge(cx, None);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if cx.keymap.is(Context::Form, "new_challenge", ev) {
            if self.panel.is_working() {
                return Handled::Unchanged;
            }
            let then = Status::Info(cx.tr("cert_query.challenge_ready"));
            self.panel.status = Status::Info(cx.tr("cert_query.challenge_working"));
            self.new_challenge(cx, Some(then));
            return Handled::Changed;
        }
        match self.panel.key(ev, cx.keymap) {
            Handled::Event(PanelEvent::Submit) => {
                self.submit(cx);
                Handled::Changed
            }
            Handled::Event(PanelEvent::SaveDraft) => Handled::Unchanged,
            Handled::Changed => Handled::Changed,
            Handled::Unchanged => Handled::Unchanged,
            Handled::Ignored => Handled::Ignored,
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        self.panel.paste(text)
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match take::<Answer>(value) {
            Some(Answer::Challenge(c)) => {
                self.set_answer_label(&challenge_label(cx.ui, &c));
                self.challenge = Some(c);
                self.challenge_loading = false;
                if let Some(s) = self.status_after_challenge.take() {
                    self.panel.status = s;
                }
                true
            }
            Some(Answer::Query(v)) => {
                self.result = Some(v);
                self.panel.status = Status::None;
                // the challenge is spent: the next query needs a new one
                self.new_challenge(cx, None);
                true
            }
            None => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        let rate_limited = error.status() == Some(429);
        if kind == "challenge" {
            self.challenge_loading = false;
            self.status_after_challenge = None;
            self.set_answer_label(&cx.tr("cert_query.answer_missing"));
            self.panel.status = Status::Error(if rate_limited {
                CertQuery::rate_limited(cx.ui, &error)
            } else {
                error_text(cx.lang(), &error)
            });
            return true;
        }
        if rate_limited {
            // refused before the challenge was looked at: it is still good
            self.panel.status = Status::Error(CertQuery::rate_limited(cx.ui, &error));
            return true;
        }
        if error.code().is_some_and(|c| c.starts_with("challenge_")) {
            // the challenge is spent whatever the answer: a new one, the rest kept
            let message = error_text(cx.lang(), &error);
            let issued = Status::Info(cx.tr("cert_query.new_challenge_issued"));
            self.new_challenge(cx, None);
            self.panel.form.set_error(ANSWER, Some(&message));
            self.panel.form.focus(ANSWER);
            self.panel.status = issued;
            return true;
        }
        self.panel.show_error(cx.ui, &error);
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let form_h = (area.height * 6 / 10).clamp(13, 16).min(area.height);
        let top = Rect {
            height: form_h,
            ..area
        };
        self.panel.render(top, buf, ui);
        if area.height > form_h {
            let bottom = Rect {
                y: area.y + form_h,
                height: area.height - form_h,
                ..area
            };
            self.render_result(bottom, buf, ui);
        }
    }

    fn cursor(&self) -> Option<Position> {
        self.panel.cursor()
    }
}

#[cfg(test)]
mod tests;
