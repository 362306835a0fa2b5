//! 取消认定: the certifications the admin manages (the API decides which: a province's 创新型 and
//! 专精特新, the ministry's 小巨人), searched by a part of the name or the start of the USCC
//! (`/`, asked of the API as typed, the latest answer wins); the detail of one with its trail;
//! and the cancellation itself — a reason from the API's list and a required note, asked once
//! more before it is done (a serious reason bars the enterprise for years, and the dialog says
//! so).

use super::Para;
use super::reexam::cert_status;
use super::trail::para as trail_para;
use super::{
    Answer, Ask, ListView, PageFrame, answer, command, destructive, dialog_hints, failure, hints,
    plain, query_value, render_page, s, tier_short, version_of,
};
use crate::client::{ClientError, Tagged};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen, take};
use crate::tui::screens::{FormPanel, PanelEvent, Status, text_of};
use crate::tui::widgets::Handled;
use crate::tui::widgets::detail::Detail;
use crate::tui::widgets::form::Field;
use crate::tui::widgets::table::{Column, TableEvent};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use std::any::Any;

fn describe(ui: &Ui, c: &Value) -> String {
    format!(
        "{} · {}",
        s(c, "enterprise_name"),
        tier_short(ui.lang, &s(c, "tier"))
    )
}

/// Whether the API says the certification is active (only those are offered for cancellation).
fn is_active(c: &Value) -> bool {
    c["status"] == "active"
}

fn not_active(ui: &Ui, c: &Value) -> Status {
    Status::Info(crate::i18n::trf(
        ui.lang,
        "admin.cancel.not_active",
        &[("status", &cert_status(ui, &s(c, "status")))],
    ))
}

/// The certifications the admin manages.
pub struct CertificationsScreen {
    title: String,
    list: ListView,
    status: Status,
}

impl CertificationsScreen {
    pub fn new(ui: &Ui, account: &Account) -> CertificationsScreen {
        let ministry = account.level.as_deref() == Some("ministry");
        CertificationsScreen {
            title: ui.tr(if ministry {
                "admin.cancel.title_giant"
            } else {
                "admin.cancel.title"
            }),
            list: ListView::new(vec![
                Column::new(&ui.tr("admin.col.enterprise"), 16, 34),
                Column::new(&ui.tr("admin.col.tier"), 8, 12),
                Column::new(&ui.tr("admin.col.expires"), 10, 10),
                Column::new(&ui.tr("admin.col.status"), 6, 8),
                Column::new(&ui.tr("admin.col.uscc"), 18, 18).priority(1),
                Column::new(&ui.tr("admin.col.certified"), 10, 10).priority(2),
                Column::new(&ui.tr("admin.col.flag"), 6, 8).priority(3),
            ])
            .remote_filter(),
            status: Status::None,
        }
    }

    fn load(&self, cx: &mut Ctx) {
        let mut query = "limit=200".to_string();
        let text = self.list.table.filter().trim().to_string();
        if !text.is_empty() {
            query.push_str("&text=");
            query.push_str(&query_value(&text));
        }
        cx.spawn("load", move |c| async move {
            c.managed_certifications(&query).await
        });
    }
}

impl Screen for CertificationsScreen {
    fn title(&self, _ui: &Ui) -> String {
        self.title.clone()
    }

    fn context(&self) -> Context {
        if self.list.is_filtering() {
            Context::Form
        } else {
            Context::List
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        hints(
            keymap,
            &[
                (Context::List, "remove", "admin.cancel.key_cancel"),
                (Context::List, "open", "admin.cancel.key_detail"),
                (Context::List, "filter", "admin.cancel.key_search"),
                (Context::List, "down", "key.down"),
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
        match self.list.key(ev, cx.keymap) {
            Handled::Event(TableEvent::Open(_)) => {
                if let Some(c) = self.list.current() {
                    cx.push(CertificationDetail::new(cx.ui, c));
                }
                return Handled::Unchanged;
            }
            Handled::Event(TableEvent::FilterChanged(_)) => {
                self.load(cx);
                return Handled::Changed;
            }
            Handled::Ignored => {}
            other => return plain(other),
        }
        match command(cx.keymap, ev) {
            Some("remove") => {
                if let Some(c) = self.list.current() {
                    if is_active(c) {
                        let c = c.clone();
                        cx.push(CancelForm::new(cx.ui, &c));
                    } else {
                        self.status = not_active(cx.ui, c);
                    }
                }
                Handled::Changed
            }
            _ => Handled::Ignored,
        }
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        let ui = cx.ui;
        let rows = v["items"].as_array().cloned().unwrap_or_default();
        self.list.set_rows(rows, |c| {
            vec![
                s(c, "enterprise_name"),
                tier_short(ui.lang, &s(c, "tier")),
                s(c, "expires_on"),
                cert_status(ui, &s(c, "status")),
                s(c, "uscc"),
                s(c, "certified_on"),
                ui.tr(if c["review_flag"].as_bool().unwrap_or(false) {
                    "admin.yes"
                } else {
                    "admin.no"
                }),
            ]
        });
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.status = failure(cx, &error);
        if self.list.load != super::Load::Loaded {
            self.list
                .fail(crate::tui::screen::error_text(cx.lang(), &error));
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
    }

    fn cursor(&self) -> Option<Position> {
        self.list.cursor_position()
    }
}

/// One certification: its facts, its cancellation if any, and its trail.
pub struct CertificationDetail {
    id: String,
    title: String,
    cert: Option<Tagged>,
    trail: Option<Value>,
    reasons: Option<Value>,
    paras: Vec<Para>,
    detail: Detail,
    status: Status,
}

impl CertificationDetail {
    pub fn new(ui: &Ui, cert: &Value) -> CertificationDetail {
        let title = describe(ui, cert);
        CertificationDetail {
            id: s(cert, "id"),
            detail: Detail::new(&title, ""),
            paras: vec![Para::plain(ui.tr("common.loading"))],
            title,
            cert: None,
            trail: None,
            reasons: None,
            status: Status::None,
        }
    }

    fn load(&mut self, cx: &mut Ctx) {
        if self.reasons.is_none() {
            cx.spawn("reasons", |c| async move { c.cancel_reasons().await });
        }
        let id = self.id.clone();
        cx.spawn("cert", move |c| async move { c.certification(&id).await });
        let id = self.id.clone();
        cx.spawn("trail", move |c| async move {
            c.trail("certification", &id).await
        });
    }

    fn paras(&self, ui: &Ui) -> Vec<Para> {
        let Some(t) = &self.cert else {
            return vec![Para::plain(ui.tr("common.loading"))];
        };
        let c = &t.value;
        let tr = |k: &str| ui.tr(k);
        let mut rows = vec![
            (tr("admin.cert.enterprise"), s(c, "enterprise_name")),
            (tr("admin.cert.uscc"), s(c, "uscc")),
            (
                tr("admin.cert.tier"),
                crate::domain::tiers::Tier::from_code(&s(c, "tier"))
                    .map(|t| t.name().get(ui.lang).to_string())
                    .unwrap_or_default(),
            ),
            (
                tr("admin.cert.validity"),
                format!("{} — {}", s(c, "certified_on"), s(c, "expires_on")),
            ),
            (tr("admin.cert.status"), cert_status(ui, &s(c, "status"))),
            (
                tr("admin.cert.flag"),
                tr(if c["review_flag"].as_bool().unwrap_or(false) {
                    "admin.yes"
                } else {
                    "admin.no"
                }),
            ),
        ];
        if c["status"] == "cancelled" {
            rows.push((tr("admin.cert.cancelled_on"), s(c, "cancelled_on")));
            rows.push((
                tr("admin.cert.cancel_reason"),
                self.reason_name(ui, &s(c, "cancel_kind")),
            ));
            rows.push((tr("admin.cert.cancel_note"), s(c, "cancel_note")));
            if let Some(until) = c["barred_until"].as_str() {
                rows.push((tr("admin.cert.barred_until"), until.to_string()));
            }
        }
        let mut lines = super::pairs(&rows, "");
        lines.push(Para::blank());
        lines.push(Para::plain(tr("admin.trail.heading")));
        match &self.trail {
            Some(v) => {
                for e in v.as_array().into_iter().flatten() {
                    lines.push(trail_para(ui, e));
                }
            }
            None => lines.push(Para::plain(tr("common.loading"))),
        }
        lines
    }

    /// A cancellation reason's name, from the API's list.
    fn reason_name(&self, ui: &Ui, code: &str) -> String {
        self.reasons
            .iter()
            .flat_map(|r| r.as_array().into_iter().flatten())
            .find(|r| r["code"] == code)
            .map(|r| text_of(ui, &r["name"]))
            .unwrap_or_else(|| code.to_string())
    }
}

impl Screen for CertificationDetail {
    fn title(&self, _ui: &Ui) -> String {
        self.title.clone()
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        hints(
            keymap,
            &[
                (Context::List, "remove", "admin.cancel.key_cancel"),
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
        match self.detail.handle_key(ev, cx.keymap) {
            Handled::Ignored => {}
            other => return other,
        }
        match command(cx.keymap, ev) {
            Some("remove") => {
                if let Some(t) = &self.cert {
                    let mut c = t.value.clone();
                    c["version"] = Value::from(version_of(t));
                    if is_active(&c) {
                        cx.push(CancelForm::new(cx.ui, &c));
                    } else {
                        self.status = not_active(cx.ui, &c);
                    }
                }
                Handled::Changed
            }
            _ => Handled::Ignored,
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "cert" => self.cert = take::<Tagged>(value),
            "trail" => self.trail = take::<Value>(value),
            "reasons" => self.reasons = take::<Value>(value),
            _ => return false,
        }
        self.paras = self.paras(cx.ui);
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.status = failure(cx, &error);
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        super::render_detail(&mut self.detail, &self.paras, &self.status, area, buf, ui);
    }
}

/// The cancellation of one certification: a reason and a note, asked once more.
pub struct CancelForm {
    cert: Value,
    reasons: Option<Vec<Value>>,
    panel: Option<FormPanel>,
    ask: Option<Ask<(String, String)>>,
    failed: Option<String>,
}

impl CancelForm {
    /// `cert`: the certification as the API answered it (with its `version`).
    pub fn new(_ui: &Ui, cert: &Value) -> CancelForm {
        CancelForm {
            cert: cert.clone(),
            reasons: None,
            panel: None,
            ask: None,
            failed: None,
        }
    }

    fn build(&mut self, ui: &Ui, reasons: Vec<Value>) {
        let names: Vec<(String, String)> = reasons
            .iter()
            .map(|r| (s(r, "code"), text_of(ui, &r["name"])))
            .collect();
        let options: Vec<(&str, &str)> = names
            .iter()
            .map(|(c, n)| (c.as_str(), n.as_str()))
            .collect();
        let c = &self.cert;
        let summary = crate::i18n::trf(
            ui.lang,
            "admin.cancel.summary",
            &[
                ("name", &s(c, "enterprise_name")),
                ("uscc", &s(c, "uscc")),
                ("tier", &tier_short(ui.lang, &s(c, "tier"))),
                ("certified", &s(c, "certified_on")),
                ("expires", &s(c, "expires_on")),
            ],
        );
        self.panel = Some(FormPanel::new(
            &crate::i18n::trf(
                ui.lang,
                "admin.cancel.form_title",
                &[("what", &describe(ui, c))],
            ),
            vec![summary, ui.tr("admin.cancel.intro")],
            vec![
                Field::choice("reason", &ui.tr("admin.field.cancel_reason"), &options).required(),
                Field::multiline("note", &ui.tr("admin.field.cancel_note"), 4)
                    .required()
                    .with_placeholder(&ui.tr("admin.cancel.note_hint")),
            ],
        ));
        self.reasons = Some(reasons);
    }

    fn submit(&mut self, cx: &mut Ctx) {
        let Some(panel) = self.panel.as_mut() else {
            return;
        };
        if panel.is_working() || !panel.form.check_required() {
            return;
        }
        let v = panel.strings();
        let code = v.get("reason").cloned().unwrap_or_default();
        let note = v.get("note").cloned().unwrap_or_default();
        let reason = self
            .reasons
            .iter()
            .flatten()
            .find(|r| r["code"] == code.as_str())
            .cloned()
            .unwrap_or_default();
        let mut body = crate::i18n::trf(
            cx.lang(),
            "admin.cancel.confirm_body",
            &[
                ("what", &describe(cx.ui, &self.cert)),
                ("reason", &text_of(cx.ui, &reason["name"])),
            ],
        );
        if reason["bars"].as_bool().unwrap_or(false) {
            body.push_str(&crate::i18n::trf(
                cx.lang(),
                "admin.cancel.confirm_bars",
                &[("years", &reason["bar_years"].to_string())],
            ));
        }
        self.ask = Some(Ask::new(
            destructive(
                cx.ui,
                &cx.tr("admin.cancel.confirm_title"),
                &body,
                &cx.tr("admin.cancel.key_cancel"),
            ),
            (code, note),
        ));
    }
}

impl Screen for CancelForm {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("admin.cancel.key_cancel")
    }

    fn context(&self) -> Context {
        if self.ask.is_some() {
            Context::Dialog
        } else {
            Context::Form
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.ask.is_some() {
            return dialog_hints(keymap);
        }
        super::form_hints(keymap, "admin.cancel.key_cancel")
    }

    fn start(&mut self, cx: &mut Ctx) {
        cx.spawn("reasons", |c| async move { c.cancel_reasons().await });
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if self.ask.is_some() {
            return match answer(&mut self.ask, ev, cx.keymap) {
                Answer::Open(changed) => Handled::from_changed(changed),
                Answer::Yes((reason, note)) => {
                    if let Some(p) = self.panel.as_mut() {
                        p.status = Status::Working(cx.tr("admin.cancel.working"));
                    }
                    let id = s(&self.cert, "id");
                    let version = self.cert["version"].as_i64().unwrap_or_default();
                    cx.spawn("cancel", move |c| async move {
                        c.cancel_certification(&id, version, &reason, &note).await
                    });
                    Handled::Changed
                }
                Answer::No => Handled::Changed,
            };
        }
        let Some(panel) = self.panel.as_mut() else {
            return Handled::Ignored;
        };
        match panel.key(ev, cx.keymap) {
            Handled::Event(PanelEvent::Submit) => {
                self.submit(cx);
                Handled::Changed
            }
            Handled::Event(PanelEvent::SaveDraft) => Handled::Unchanged,
            other => plain(other),
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        self.panel.as_mut().is_some_and(|p| p.paste(text))
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        match kind {
            "reasons" => {
                let reasons = v.as_array().cloned().unwrap_or_default();
                self.build(cx.ui, reasons);
            }
            "cancel" => {
                cx.success(&crate::i18n::trf(
                    cx.lang(),
                    "admin.cancel.done",
                    &[("what", &describe(cx.ui, &v))],
                ));
                if let Some(p) = self.panel.as_mut() {
                    p.edited = false;
                }
                cx.pop();
            }
            _ => return false,
        }
        true
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        match (kind, self.panel.as_mut()) {
            ("cancel", Some(p)) => p.show_error(cx.ui, &error),
            _ => self.failed = Some(crate::tui::screen::error_text(cx.lang(), &error)),
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        match self.panel.as_mut() {
            Some(p) => p.render(area, buf, ui),
            None => {
                let title = ui.tr("admin.cancel.key_cancel");
                let frame = crate::tui::widgets::block(ui, &title, true);
                let inner = frame.inner(area);
                ratatui::widgets::Widget::render(frame, area, buf);
                let (text, role) = match &self.failed {
                    Some(e) => (e.clone(), crate::tui::theme::Role::Error),
                    None => (ui.tr("common.loading"), crate::tui::theme::Role::Muted),
                };
                super::draw_wrapped(buf, inner, inner.y, &text, role, ui, 6);
            }
        }
        if let Some(ask) = &self.ask {
            ask.dialog.render(area, buf, ui);
        }
    }

    fn cursor(&self) -> Option<Position> {
        if self.ask.is_some() {
            return None;
        }
        self.panel.as_ref().and_then(FormPanel::cursor)
    }

    fn has_unsaved(&self) -> bool {
        self.panel.as_ref().is_some_and(|p| p.edited)
    }
}
