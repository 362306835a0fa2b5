//! The support console (客服): the request queue (manual phone changes, account recoveries) with
//! what the requester submitted and how it compares with the stored data; approve with a note or
//! reject with a reason (both asked once more; the reason goes to the requester); the account
//! look-up by USCC, login name or phone, with unlock; and, on a demo database, the outbox of the
//! texts and e-mails the platform sent (the API refuses it elsewhere, and the screen says why).

use super::Para;
use super::trail::{TrailScreen, para as trail_para};
use super::{
    Answer, Ask, ListView, PageFrame, TextScreen, answer, command, destructive, dialog_hints,
    failure, harmless, hints, minutes_of, plain, query_value, render_page, s,
};
use crate::client::{ClientError, Tagged};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, field_errors, take};
use crate::tui::screens::{FormPanel, PanelEvent, Status};
use crate::tui::theme::Role;
use crate::tui::widgets::detail::Detail;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{Column, TableEvent};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;

/// The order a request's submitted fields are shown in.
const PAYLOAD_ORDER: [&str; 9] = [
    "login_name",
    "enterprise_name",
    "uscc",
    "legal_rep",
    "legal_rep_id",
    "new_phone",
    "contact_name",
    "contact",
    "reason",
];

/// The request states the queue shows, in the order Tab steps through them.
const STATES: [&str; 3] = ["pending", "approved", "rejected"];

fn catalogue_or(ui: &Ui, key: &str, fallback: &str) -> String {
    let t = ui.tr(key);
    if t == key { fallback.to_string() } else { t }
}

fn kind_name(ui: &Ui, code: &str) -> String {
    catalogue_or(ui, &format!("admin.req.kind.{code}"), code)
}

fn state_name(ui: &Ui, code: &str) -> String {
    catalogue_or(ui, &format!("admin.req.state.{code}"), code)
}

/// `2/2 一致`: how many of the API's checks matched.
fn checks_summary(ui: &Ui, r: &Value) -> String {
    let checks = r["payload"]["checks"].as_object();
    let total = checks.map_or(0, |c| c.len());
    if total == 0 {
        return ui.tr("admin.req.no_checks");
    }
    let ok = checks
        .into_iter()
        .flatten()
        .filter(|(_, v)| v.as_bool() == Some(true))
        .count();
    crate::i18n::trf(
        ui.lang,
        "admin.req.checks",
        &[("ok", &ok.to_string()), ("total", &total.to_string())],
    )
}

/// The support request queue.
pub struct RequestsScreen {
    state: usize,
    list: ListView,
    status: Status,
}

impl RequestsScreen {
    pub fn new(ui: &Ui) -> RequestsScreen {
        RequestsScreen {
            state: 0,
            list: ListView::new(vec![
                Column::new(&ui.tr("admin.col.request_kind"), 20, 22),
                Column::new(&ui.tr("admin.col.account"), 10, 16),
                Column::new(&ui.tr("admin.col.submitted"), 16, 16),
                Column::new(&ui.tr("admin.col.checks"), 8, 10),
                Column::new(&ui.tr("admin.col.decided_by"), 6, 10).priority(3),
                Column::new(&ui.tr("admin.col.decided_at"), 16, 16).priority(4),
            ]),
            status: Status::None,
        }
    }

    fn load(&self, cx: &mut Ctx) {
        let query = format!("state={}&limit=200", STATES[self.state]);
        cx.spawn(
            "load",
            move |c| async move { c.support_requests(&query).await },
        );
    }

    fn decide(&mut self, cx: &mut Ctx, approve: bool) {
        let Some(r) = self.list.current() else {
            return;
        };
        if r["state"] != "pending" {
            self.status = Status::Info(crate::i18n::trf(
                cx.lang(),
                "admin.req.decided",
                &[("state", &state_name(cx.ui, &s(r, "state")))],
            ));
            return;
        }
        let r = r.clone();
        cx.push(DecideRequest::new(cx.ui, &r, approve));
    }
}

impl Screen for RequestsScreen {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("admin.req.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        let mut h = hints(
            keymap,
            &[
                (Context::List, "open", "admin.req.key_open"),
                (Context::List, "pass", "admin.req.key_approve"),
                (Context::List, "reject", "admin.req.key_reject"),
            ],
        );
        h.push(Hint {
            keys: "Tab".into(),
            label_key: "admin.req.key_state".into(),
        });
        h.extend(keymap.hints_for(Context::List, &["down", "up"]));
        h
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if !self.list.is_filtering() && matches!(ev.code, KeyCode::Tab | KeyCode::BackTab) {
            self.state = if ev.code == KeyCode::Tab {
                (self.state + 1) % STATES.len()
            } else {
                (self.state + STATES.len() - 1) % STATES.len()
            };
            self.status = Status::None;
            self.list.load = super::Load::Loading;
            self.load(cx);
            return Handled::Changed;
        }
        match self.list.key(ev, cx.keymap) {
            Handled::Event(TableEvent::Open(_)) => {
                if let Some(r) = self.list.current() {
                    cx.push(RequestDetail::new(cx.ui, &s(r, "id")));
                }
                return Handled::Unchanged;
            }
            Handled::Ignored => {}
            other => return plain(other),
        }
        match command(cx.keymap, ev) {
            Some("pass") => {
                self.decide(cx, true);
                Handled::Changed
            }
            Some("reject") => {
                self.decide(cx, false);
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
        self.list.set_rows(rows, |r| {
            vec![
                kind_name(ui, &s(r, "kind")),
                s(r, "login_name"),
                minutes_of(&r["created_at"]),
                checks_summary(ui, r),
                s(r, "decided_by_name"),
                minutes_of(&r["decided_at"]),
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
        let title = crate::i18n::trf(
            ui.lang,
            "admin.req.title_state",
            &[("state", &state_name(ui, STATES[self.state]))],
        );
        render_page(
            area,
            buf,
            ui,
            &PageFrame {
                title: &title,
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

/// One request: what was submitted, the checks, the decision and the trail.
pub struct RequestDetail {
    id: String,
    request: Option<Tagged>,
    trail: Option<Value>,
    paras: Vec<Para>,
    detail: Detail,
    status: Status,
}

impl RequestDetail {
    pub fn new(ui: &Ui, id: &str) -> RequestDetail {
        RequestDetail {
            id: id.to_string(),
            request: None,
            trail: None,
            detail: Detail::new(&ui.tr("admin.req.detail_title"), ""),
            paras: vec![Para::plain(ui.tr("common.loading"))],
            status: Status::None,
        }
    }

    fn load(&self, cx: &mut Ctx) {
        let id = self.id.clone();
        cx.spawn(
            "request",
            move |c| async move { c.support_request(&id).await },
        );
        let id = self.id.clone();
        cx.spawn("trail", move |c| async move {
            c.trail("support_request", &id).await
        });
    }

    fn paras(&self, ui: &Ui) -> Vec<Para> {
        let Some(t) = &self.request else {
            return vec![Para::plain(ui.tr("common.loading"))];
        };
        let r = &t.value;
        let label = |k: &str| catalogue_or(ui, &format!("admin.req.field.{k}"), k);
        let mut lines = super::pairs(
            &[
                (ui.tr("admin.req.kind"), kind_name(ui, &s(r, "kind"))),
                (ui.tr("admin.req.id"), s(r, "id")),
                (ui.tr("admin.req.account"), s(r, "login_name")),
                (ui.tr("admin.req.submitted"), minutes_of(&r["created_at"])),
                (ui.tr("admin.req.state"), state_name(ui, &s(r, "state"))),
            ],
            "",
        );
        lines.push(Para::blank());
        lines.push(Para::plain(ui.tr("admin.req.submitted_heading")));
        if let Some(p) = r["payload"].as_object() {
            // the usual fields in a reading order, then anything else the API sent
            let mut keys: Vec<&String> = p.keys().filter(|k| *k != "checks").collect();
            keys.sort_by_key(|k| {
                PAYLOAD_ORDER
                    .iter()
                    .position(|o| o == k)
                    .unwrap_or(PAYLOAD_ORDER.len())
            });
            let given: Vec<(String, String)> = keys
                .into_iter()
                .map(|k| (k, &p[k]))
                .map(|(k, v)| {
                    let value = match v {
                        Value::String(x) => x.clone(),
                        Value::Null => "—".into(),
                        other => other.to_string(),
                    };
                    (label(k), value)
                })
                .collect();
            lines.extend(super::pairs(&given, "  "));
            if let Some(checks) = p.get("checks").and_then(Value::as_object) {
                lines.push(Para::blank());
                lines.push(Para::plain(ui.tr("admin.req.checks_heading")));
                let rows: Vec<(String, String)> = checks
                    .iter()
                    .map(|(k, v)| {
                        let verdict = ui.tr(if v.as_bool() == Some(true) {
                            "admin.req.matches"
                        } else {
                            "admin.req.differs"
                        });
                        (
                            catalogue_or(ui, &format!("admin.req.check.{k}"), k),
                            verdict,
                        )
                    })
                    .collect();
                lines.extend(super::pairs(&rows, "  "));
            }
        }
        if r["state"] != "pending" {
            lines.push(Para::blank());
            lines.push(Para::plain(crate::i18n::trf(
                ui.lang,
                "admin.req.decision",
                &[
                    ("state", &state_name(ui, &s(r, "state"))),
                    ("by", &s(r, "decided_by_name")),
                    ("at", &minutes_of(&r["decided_at"])),
                ],
            )));
            if let Some(reason) = r["reason"].as_str() {
                lines.push(Para::plain(crate::i18n::trf(
                    ui.lang,
                    "admin.trail.note",
                    &[("note", reason)],
                )));
            }
        }
        lines.push(Para::blank());
        lines.push(Para::plain(ui.tr("admin.trail.heading")));
        match &self.trail {
            Some(v) => {
                for e in v.as_array().into_iter().flatten() {
                    lines.push(trail_para(ui, e));
                }
            }
            None => lines.push(Para::plain(ui.tr("common.loading"))),
        }
        lines
    }
}

impl Screen for RequestDetail {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("admin.req.detail_title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        hints(
            keymap,
            &[
                (Context::List, "pass", "admin.req.key_approve"),
                (Context::List, "reject", "admin.req.key_reject"),
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
        let approve = match command(cx.keymap, ev) {
            Some("pass") => true,
            Some("reject") => false,
            _ => return Handled::Ignored,
        };
        let Some(t) = &self.request else {
            return Handled::Unchanged;
        };
        if t.value["state"] != "pending" {
            self.status = Status::Info(crate::i18n::trf(
                cx.lang(),
                "admin.req.decided",
                &[("state", &state_name(cx.ui, &s(&t.value, "state")))],
            ));
            return Handled::Changed;
        }
        let r = t.value.clone();
        cx.push(DecideRequest::new(cx.ui, &r, approve));
        Handled::Unchanged
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "request" => self.request = take::<Tagged>(value),
            "trail" => self.trail = take::<Value>(value),
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

/// Approve (with an optional note on how the requester was verified) or reject (with the
/// reason sent to the requester) one request; asked once more.
pub struct DecideRequest {
    id: String,
    approve: bool,
    panel: FormPanel,
    ask: Option<Ask<String>>,
}

impl DecideRequest {
    pub fn new(ui: &Ui, request: &Value, approve: bool) -> DecideRequest {
        let summary = crate::i18n::trf(
            ui.lang,
            "admin.req.summary",
            &[
                ("kind", &kind_name(ui, &s(request, "kind"))),
                ("login", &s(request, "login_name")),
                ("phone", &s(&request["payload"], "new_phone")),
                ("checks", &checks_summary(ui, request)),
            ],
        );
        let (title, intro, label) = if approve {
            (
                "admin.req.approve_title",
                "admin.req.approve_intro",
                "admin.field.approve_note",
            )
        } else {
            (
                "admin.req.reject_title",
                "admin.req.reject_intro",
                "admin.field.reject_reason",
            )
        };
        let mut field = Field::multiline("reason", &ui.tr(label), 3);
        if !approve {
            field = field.required();
        }
        DecideRequest {
            id: s(request, "id"),
            approve,
            panel: FormPanel::new(&ui.tr(title), vec![summary, ui.tr(intro)], vec![field]),
            ask: None,
        }
    }

    fn submit(&mut self, cx: &mut Ctx) {
        if self.panel.is_working() || !self.panel.form.check_required() {
            return;
        }
        let reason = self
            .panel
            .strings()
            .get("reason")
            .cloned()
            .unwrap_or_default();
        let dialog = if self.approve {
            harmless(
                cx.ui,
                &cx.tr("admin.req.approve_title"),
                &cx.tr("admin.req.approve_confirm"),
                &cx.tr("admin.req.key_approve"),
            )
        } else {
            destructive(
                cx.ui,
                &cx.tr("admin.req.reject_title"),
                &crate::i18n::trf(
                    cx.lang(),
                    "admin.req.reject_confirm",
                    &[("reason", &reason)],
                ),
                &cx.tr("admin.req.key_reject"),
            )
        };
        self.ask = Some(Ask::new(dialog, reason));
    }
}

impl Screen for DecideRequest {
    fn title(&self, _ui: &Ui) -> String {
        self.panel.title.clone()
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
        super::form_hints(
            keymap,
            if self.approve {
                "admin.req.key_approve"
            } else {
                "admin.req.key_reject"
            },
        )
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if self.ask.is_some() {
            return match answer(&mut self.ask, ev, cx.keymap) {
                Answer::Open(changed) => Handled::from_changed(changed),
                Answer::Yes(reason) => {
                    self.panel.status = Status::Working(cx.tr("status.working"));
                    let id = self.id.clone();
                    let action = if self.approve { "approve" } else { "reject" };
                    cx.spawn("decide", move |c| async move {
                        c.support_action(&id, action, Some(&reason)).await
                    });
                    Handled::Changed
                }
                Answer::No => Handled::Changed,
            };
        }
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

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        cx.success(&crate::i18n::trf(
            cx.lang(),
            if self.approve {
                "admin.req.done_approve"
            } else {
                "admin.req.done_reject"
            },
            &[
                ("kind", &kind_name(cx.ui, &s(&v, "kind"))),
                ("login", &s(&v, "login_name")),
            ],
        ));
        self.panel.edited = false;
        cx.pop();
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.panel.show_error(cx.ui, &error);
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.panel.render(area, buf, ui);
        if let Some(ask) = &self.ask {
            ask.dialog.render(area, buf, ui);
        }
    }

    fn cursor(&self) -> Option<Position> {
        if self.ask.is_some() {
            None
        } else {
            self.panel.cursor()
        }
    }

    fn has_unsaved(&self) -> bool {
        self.panel.edited
    }
}

/// The account look-up: by USCC, login name or phone; the accounts found, with unlock.
pub struct LookupScreen {
    form: Form,
    list: ListView,
    on_results: bool,
    searched: bool,
    status: Status,
    last: Option<(String, String)>,
    form_cursor: Option<Position>,
}

impl LookupScreen {
    pub fn new(ui: &Ui) -> LookupScreen {
        let by = [
            ("uscc", ui.tr("admin.lookup.by_uscc")),
            ("login_name", ui.tr("admin.lookup.by_login")),
            ("phone", ui.tr("admin.lookup.by_phone")),
        ];
        let options: Vec<(&str, &str)> = by.iter().map(|(c, n)| (*c, n.as_str())).collect();
        LookupScreen {
            form: Form::new(vec![
                Field::choice("by", &ui.tr("admin.lookup.by"), &options)
                    .required()
                    .with_value("uscc"),
                Field::text("value", &ui.tr("admin.lookup.value"))
                    .required()
                    .with_placeholder(&ui.tr("admin.lookup.value_hint")),
            ]),
            list: ListView::new(vec![
                Column::new(&ui.tr("admin.col.login"), 10, 14),
                Column::new(&ui.tr("admin.col.account_kind"), 6, 10),
                Column::new(&ui.tr("admin.col.name"), 12, 28),
                Column::new(&ui.tr("admin.col.phone"), 11, 11),
                Column::new(&ui.tr("admin.col.account_state"), 6, 18),
                Column::new(&ui.tr("admin.col.failed"), 4, 4)
                    .right()
                    .priority(1),
                Column::new(&ui.tr("admin.col.uscc"), 18, 18).priority(2),
            ]),
            on_results: false,
            searched: false,
            status: Status::None,
            last: None,
            form_cursor: None,
        }
    }

    fn search(&mut self, cx: &mut Ctx) {
        if !self.form.check_required() {
            return;
        }
        let values = self.form.values();
        let text = |id: &str| match values.get(id) {
            Some(crate::tui::widgets::form::Value::Text(t)) => t.trim().to_string(),
            _ => String::new(),
        };
        let (by, value) = (text("by"), text("value"));
        self.last = Some((by.clone(), value.clone()));
        self.run(cx);
    }

    fn run(&mut self, cx: &mut Ctx) {
        let Some((by, value)) = self.last.clone() else {
            return;
        };
        self.status = Status::Working(cx.tr("admin.lookup.working"));
        cx.spawn("lookup", move |c| async move {
            c.lookup_accounts(&by, &query_value(&value)).await
        });
    }

    fn state_text(ui: &Ui, a: &Value) -> String {
        if a["disabled"].as_bool().unwrap_or(false) {
            ui.tr("admin.staff.disabled")
        } else if a["locked_until"].is_string() {
            crate::i18n::trf(
                ui.lang,
                "admin.lookup.locked",
                &[(
                    "until",
                    minutes_of(&a["locked_until"]).get(5..).unwrap_or_default(),
                )],
            )
        } else {
            ui.tr("admin.staff.active")
        }
    }
}

impl Screen for LookupScreen {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("admin.lookup.title")
    }

    fn context(&self) -> Context {
        if self.on_results {
            Context::List
        } else {
            Context::Form
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.on_results {
            let mut h = hints(
                keymap,
                &[
                    (Context::List, "unlock", "admin.lookup.key_unlock"),
                    (Context::List, "open", "admin.key.trail"),
                ],
            );
            h.extend(hints(
                keymap,
                &[(Context::List, "new", "admin.lookup.key_new_search")],
            ));
            h.extend(keymap.hints_for(Context::List, &["down", "up"]));
            h
        } else {
            let mut h = hints(
                keymap,
                &[(Context::Form, "submit", "admin.lookup.key_search")],
            );
            h.extend(keymap.hints_for(Context::Form, &["next_field", "option_next"]));
            h
        }
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if self.on_results {
            if !self.list.is_filtering()
                && (matches!(ev.code, KeyCode::Tab | KeyCode::BackTab)
                    || command(cx.keymap, ev) == Some("new"))
            {
                self.on_results = false;
                return Handled::Changed;
            }
            match self.list.key(ev, cx.keymap) {
                Handled::Event(TableEvent::Open(_)) => {
                    if let Some(a) = self.list.current() {
                        let what = format!("{} {}", s(a, "login_name"), s(a, "display_name"));
                        cx.push(TrailScreen::new(cx.ui, "account", &s(a, "id"), &what));
                    }
                    return Handled::Unchanged;
                }
                Handled::Ignored => {}
                other => return plain(other),
            }
            return match command(cx.keymap, ev) {
                Some("unlock") => {
                    if let Some(a) = self.list.current() {
                        let (id, login) = (s(a, "id"), s(a, "login_name"));
                        self.status = Status::Working(cx.tr("status.working"));
                        cx.spawn("unlock", move |c| async move {
                            c.unlock_account(&id).await.map(|()| login)
                        });
                    }
                    Handled::Changed
                }
                _ => Handled::Ignored,
            };
        }
        let last = self.form.focused() == Some("value");
        if cx.keymap.is(Context::Form, "submit", ev) || (last && ev.code == KeyCode::Enter) {
            self.search(cx);
            return Handled::Changed;
        }
        let h = self.form.handle_key(ev, cx.keymap);
        if h.changed() && matches!(self.status, Status::Error(_)) {
            self.status = Status::None;
        }
        plain(h)
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        !self.on_results && self.form.handle_paste(text)
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "lookup" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                let ui = cx.ui;
                let rows = v.as_array().cloned().unwrap_or_default();
                let n = rows.len();
                self.list.set_rows(rows, |a| {
                    vec![
                        s(a, "login_name"),
                        catalogue_or(
                            ui,
                            &format!("admin.account_kind.{}", s(a, "kind")),
                            &s(a, "kind"),
                        ),
                        a["enterprise_name"]
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| s(a, "display_name")),
                        s(a, "phone"),
                        LookupScreen::state_text(ui, a),
                        a["failed_logins"].to_string(),
                        s(a, "uscc"),
                    ]
                });
                self.searched = true;
                self.form.set_errors([]);
                if matches!(self.status, Status::Working(_)) {
                    self.status = Status::Info(crate::i18n::trf(
                        cx.lang(),
                        "admin.lookup.found",
                        &[("n", &n.to_string())],
                    ));
                }
                self.on_results = n > 0;
            }
            "unlock" => {
                let Some(login) = take::<String>(value) else {
                    return false;
                };
                self.status = Status::Success(crate::i18n::trf(
                    cx.lang(),
                    "admin.lookup.unlocked",
                    &[("login", &login)],
                ));
                let last = self.last.clone();
                if let Some((by, value)) = last {
                    cx.spawn("lookup", move |c| async move {
                        c.lookup_accounts(&by, &query_value(&value)).await
                    });
                }
            }
            _ => return false,
        }
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        let errors = field_errors(cx.lang(), &error);
        let mapped: Vec<(&str, &str)> = errors
            .iter()
            .filter(|(f, _)| f == "value" || f == "by")
            .map(|(f, m)| (f.as_str(), m.as_str()))
            .collect();
        if mapped.is_empty() {
            self.status = failure(cx, &error);
        } else {
            self.form.set_errors(mapped);
            self.form.focus("value");
            self.on_results = false;
            self.searched = false;
            self.status = Status::Error(cx.tr("form.fix_fields"));
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = self.title(ui);
        let frame = block(ui, &title, true);
        let inner = frame.inner(area);
        frame.render(area, buf);
        if inner.height < 4 || inner.width < 10 {
            return;
        }
        let intro = ui.tr("admin.lookup.intro");
        let mut y = super::draw_wrapped(buf, inner, inner.y, &intro, Role::Muted, ui, 2);
        let errors = self
            .form
            .fields()
            .iter()
            .filter(|f| f.error.is_some())
            .count() as u16;
        let form_h = (2 + errors * 2).min(inner.height.saturating_sub(y - inner.y));
        let form_area = Rect {
            x: inner.x + 1,
            y,
            width: inner.width.saturating_sub(2),
            height: form_h,
        };
        self.form.render(form_area, buf, ui);
        self.form_cursor = self.form.cursor_position();
        y += form_h + 1;
        let status_h = super::status_line(&self.status)
            .map(|(t, _)| super::wrapped_rows(inner, t, 3))
            .unwrap_or(0);
        if self.searched && y < inner.bottom() {
            let list_area = Rect {
                x: inner.x + 1,
                y,
                width: inner.width.saturating_sub(2),
                height: inner.bottom().saturating_sub(y + status_h),
            };
            self.list.render(list_area, buf, ui);
        } else if y < inner.bottom() {
            put(
                buf,
                inner.x + 1,
                y,
                &ui.tr("admin.lookup.none_yet"),
                inner.width.saturating_sub(2),
                ui.style(Role::Muted),
            );
        }
        if let Some((t, role)) = super::status_line(&self.status) {
            super::draw_wrapped(
                buf,
                inner,
                inner.bottom().saturating_sub(status_h),
                t,
                role,
                ui,
                3,
            );
        }
    }

    fn cursor(&self) -> Option<Position> {
        if self.on_results {
            self.list.cursor_position()
        } else {
            self.form_cursor
        }
    }
}

/// 发件箱 (demo databases): the texts and e-mails the platform sent, newest first.
pub struct OutboxScreen {
    list: ListView,
    status: Status,
}

impl OutboxScreen {
    pub fn new(ui: &Ui) -> OutboxScreen {
        OutboxScreen {
            list: ListView::new(vec![
                Column::new(&ui.tr("admin.col.sent_at"), 16, 16),
                Column::new(&ui.tr("admin.col.channel"), 4, 6),
                Column::new(&ui.tr("admin.col.recipient"), 11, 26),
                Column::new(&ui.tr("admin.col.subject"), 12, 60).priority(1),
            ]),
            status: Status::None,
        }
    }
}

impl Screen for OutboxScreen {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("admin.outbox.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        hints(
            keymap,
            &[
                (Context::List, "open", "admin.outbox.key_open"),
                (Context::List, "filter", "key.filter"),
                (Context::List, "down", "key.down"),
                (Context::List, "up", "key.up"),
            ],
        )
    }

    fn start(&mut self, cx: &mut Ctx) {
        cx.spawn("load", |c| async move { c.demo_outbox("limit=200").await });
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        match self.list.key(ev, cx.keymap) {
            Handled::Event(TableEvent::Open(_)) => {
                if let Some(m) = self.list.current() {
                    let text = format!(
                        "{}\n{}\n\n{}",
                        crate::i18n::trf(
                            cx.lang(),
                            "admin.outbox.to",
                            &[
                                ("recipient", &s(m, "recipient")),
                                ("at", &minutes_of(&m["created_at"])),
                            ],
                        ),
                        s(m, "subject"),
                        s(m, "body")
                    );
                    cx.push(TextScreen::new(&s(m, "subject"), &text));
                }
                Handled::Unchanged
            }
            other => plain(other),
        }
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        let ui = cx.ui;
        let rows = v["items"].as_array().cloned().unwrap_or_default();
        self.list.set_rows(rows, |m| {
            vec![
                minutes_of(&m["created_at"]),
                catalogue_or(ui, &format!("admin.outbox.channel.{}", s(m, "channel")), ""),
                s(m, "recipient"),
                s(m, "subject"),
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
        let title = self.title(ui);
        let intro = [(ui.tr("admin.outbox.intro"), Role::Muted)];
        render_page(
            area,
            buf,
            ui,
            &PageFrame {
                title: &title,
                top: &intro,
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
