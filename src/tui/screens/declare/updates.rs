//! 信息更新: the annual info update of a certified enterprise — whether one is due this year
//! and why (not), the period, starting it, the form (the enterprise's basic info, changed where
//! it changed; nothing changed confirms the data), submitting, withdrawing until a reviewer has
//! acted, evidence, and the history.

use super::drafts::DraftStore;
use super::evidence::EvidenceScreen;
use super::history::{ApplicationHistory, Kind as HistoryKind};
use super::kept::KeptForm;
use super::render_placeholder;
use super::{
    MapUnit, Pending, history_lines, is_offline, number_text, render_page, state_label, state_of,
};
use crate::client::{ClientError, Tagged};
use crate::domain::Lang;
use crate::domain::workflow::{OfferedAction, OwnerAction, State};
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::screens::{FormPanel, PanelEvent, Status, text_of};
use crate::tui::theme::Role;
use crate::tui::widgets::Handled;
use crate::tui::widgets::detail::Detail;
use crate::tui::widgets::dialog::Confirm;
use crate::tui::widgets::form::{Field, Value as FieldValue};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::{Map, Value};
use std::any::Any;
use std::collections::BTreeMap;

/// The fields of an update, as the API names them, and their kind.
const FIELDS: [(&str, Kind); 12] = [
    ("county_code", Kind::Text),
    ("industry_code", Kind::Text),
    ("segment", Kind::Text),
    ("main_products", Kind::Text),
    ("established_on", Kind::Text),
    ("address", Kind::Text),
    ("employees", Kind::Whole),
    ("revenue", Kind::Amount),
    ("total_assets", Kind::Amount),
    ("contact_name", Kind::Text),
    ("contact_phone", Kind::Text),
    ("contact_email", Kind::Text),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Whole,
    Amount,
}

/// A basic-info value of the enterprise as a field text.
fn info_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(number_text(n.as_f64().unwrap_or_default())),
        Value::Array(a) if !a.is_empty() => Some(
            a.iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        ),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Submit,
    Withdraw,
}

pub struct UpdateScreen {
    status: Option<Value>,
    detail: Option<Value>,
    enterprise: Option<Value>,
    version: Option<i64>,
    kept: KeptForm,
    page: Detail,
    note: String,
    note_role: Role,
    pending: Option<Pending<Act>>,
    sending: Option<BTreeMap<String, String>>,
    error: Option<String>,
    started: bool,
    /// The latest updates with their outcome (`GET /updates/history`), newest first.
    past: Vec<Value>,
}

impl UpdateScreen {
    pub fn new(ui: &Ui) -> UpdateScreen {
        let label = |k: &str| ui.tr(&format!("declare.update.field.{k}"));
        let fields = FIELDS
            .iter()
            .map(|(id, kind)| match kind {
                Kind::Text if *id == "established_on" => {
                    Field::text(id, &label(id)).with_placeholder("YYYY-MM-DD")
                }
                Kind::Text => Field::text(id, &label(id)),
                Kind::Whole => Field::number(id, &label(id), Some(&ui.tr("declare.unit.people"))),
                Kind::Amount => Field::number(id, &label(id), Some(&ui.tr("declare.unit.wan"))),
            })
            .collect();
        UpdateScreen {
            status: None,
            detail: None,
            enterprise: None,
            version: None,
            kept: KeptForm::new(
                FormPanel::new(&ui.tr("declare.update.form_title"), Vec::new(), fields),
                "update",
            ),
            page: Detail::new(&ui.tr("declare.update.title"), ""),
            note: String::new(),
            note_role: Role::Muted,
            pending: None,
            sending: None,
            error: None,
            started: false,
            past: Vec::new(),
        }
    }

    fn load(&mut self, cx: &mut Ctx) {
        cx.spawn("status", |c| async move { c.update_status().await });
        cx.spawn("enterprise", |c| async move { c.own_enterprise().await });
        cx.spawn("past", |c| async move { c.update_history("limit=5").await });
    }

    fn state(&self) -> Option<State> {
        self.detail
            .as_ref()
            .and_then(|d| state_of(&d["item"]["state"]))
    }

    fn item_id(&self) -> Option<String> {
        self.detail
            .as_ref()
            .and_then(|d| d["item"]["id"].as_str())
            .map(str::to_string)
    }

    /// The action as the server offers it now (`actions` of the detail: the one source of
    /// what may be done, with the confirmation it needs).
    fn offered(&self, action: OwnerAction) -> Option<OfferedAction> {
        self.detail.as_ref()?["actions"]
            .as_array()?
            .iter()
            .filter_map(|a| serde_json::from_value::<OfferedAction>(a.clone()).ok())
            .find(|a| a.action == action)
    }

    fn editable(&self) -> bool {
        self.offered(OwnerAction::Edit).is_some()
    }

    fn withdrawable(&self) -> bool {
        self.offered(OwnerAction::Withdraw).is_some()
    }

    /// `submit` or `resubmit`, whichever is offered.
    fn submit_offer(&self) -> Option<OwnerAction> {
        [OwnerAction::Submit, OwnerAction::Resubmit]
            .into_iter()
            .find(|a| self.offered(*a).is_some())
    }

    fn can_start(&self) -> bool {
        self.status.as_ref().is_some_and(|s| s["can_start"] == true)
    }

    /// The enterprise's values, with the update's proposed changes over them.
    fn fill(&mut self) {
        let (Some(e), Some(d)) = (&self.enterprise, &self.detail) else {
            return;
        };
        let mut v = BTreeMap::new();
        for (id, _) in FIELDS {
            let value = d["changes"]
                .get(id)
                .and_then(info_text)
                .or_else(|| info_text(&e[id]));
            if let Some(x) = value {
                v.insert(id.to_string(), x);
            }
        }
        self.kept.set_server(v);
    }

    /// The changes to send: the fields that differ from the enterprise's current values.
    fn changes(&self, ui: &Ui) -> Result<Value, Vec<(String, String)>> {
        let values = self.kept.values();
        let e = self.enterprise.clone().unwrap_or_default();
        let mut out = Map::new();
        let mut errors = Vec::new();
        for (id, kind) in FIELDS {
            let Some(typed) = values.get(id) else {
                continue;
            };
            if info_text(&e[id]).as_deref() == Some(typed.as_str()) {
                continue;
            }
            let value = match kind {
                Kind::Text if id == "main_products" => Value::from(typed.trim()),
                Kind::Text => Value::from(typed.trim()),
                Kind::Whole | Kind::Amount => match self.kept.panel.form.value(id) {
                    Some(FieldValue::Number(n)) if kind == Kind::Amount => Value::from(n),
                    Some(FieldValue::Number(n)) if n.fract() == 0.0 => Value::from(n as i64),
                    _ => {
                        errors.push((id.to_string(), ui.tr("declare.update.not_a_number")));
                        continue;
                    }
                },
            };
            out.insert(id.to_string(), value);
        }
        if errors.is_empty() {
            Ok(Value::Object(out))
        } else {
            Err(errors)
        }
    }

    fn save(&mut self, cx: &mut Ctx, submit: bool) {
        if self.sending.is_some() {
            return;
        }
        let (Some(id), Some(version)) = (self.item_id(), self.version) else {
            return;
        };
        let body = match self.changes(cx.ui) {
            Ok(b) => b,
            Err(errors) => {
                let e: Vec<(&str, &str)> = errors
                    .iter()
                    .map(|(a, b)| (a.as_str(), b.as_str()))
                    .collect();
                self.kept.panel.form.set_errors(e);
                self.kept.panel.status = Status::Error(cx.tr("form.fix_fields"));
                return;
            }
        };
        self.sending = Some(self.kept.values());
        self.kept.panel.status = Status::Working(cx.tr(if submit {
            "declare.update.submitting"
        } else {
            "declare.form.saving"
        }));
        cx.spawn(
            if submit { "submit" } else { "save" },
            move |c| async move {
                let saved = c.save_update(&id, version, &body).await?;
                if !submit {
                    return Ok(saved);
                }
                let v = saved
                    .version
                    .or(saved.value["version"].as_i64())
                    .unwrap_or_default();
                let after = c.update_action(&id, v, "submit", None).await?;
                Ok(Tagged {
                    version: after["version"].as_i64(),
                    value: after,
                })
            },
        );
    }

    fn rebuild_page(&mut self, ui: &Ui) {
        let text = self.info_text(ui);
        self.page.set_text(&text);
        self.kept.panel.intro = self.intro(ui);
    }

    /// What is due this year, why, the period, and where this year's update stands.
    fn summary(&self, ui: &Ui) -> Vec<String> {
        let Some(s) = &self.status else {
            return Vec::new();
        };
        let lang = ui.lang;
        let p = &s["period"];
        let period = format!(
            "{} – {}",
            p["start"].as_str().unwrap_or_default(),
            p["end"].as_str().unwrap_or_default()
        );
        let year = s["year"].as_i64().unwrap_or_default().to_string();
        let mut out = Vec::new();
        if s["done"] == true {
            out.push(trf(lang, "declare.update.done", &[("year", &year)]));
        } else if s["required"] == true {
            let left = s["days_left"]
                .as_i64()
                .map(|d| trf(lang, "declare.update.days_left", &[("n", &d.to_string())]))
                .unwrap_or_else(|| ui.tr("declare.update.period_closed"));
            out.push(trf(
                lang,
                "declare.update.due",
                &[("year", &year), ("period", &period), ("left", &left)],
            ));
        } else {
            out.push(trf(lang, "declare.update.not_due", &[("year", &year)]));
        }
        let why = text_of(ui, &s["why"]);
        if !why.is_empty() {
            out.push(why);
        }
        if let Some(d) = &self.detail {
            out.push(trf(
                lang,
                "declare.update.current",
                &[("state", &state_label(ui, &d["item"]["state"]))],
            ));
            if self.state() == Some(State::Returned)
                && let Some(r) = super::latest_reason(&d["history"])
            {
                out.push(trf(lang, "declare.history.reason", &[("reason", &r)]));
            }
        } else if self.can_start() {
            out.push(ui.tr("declare.update.start_hint"));
        }
        // the earlier updates (this year's current one is stated above)
        let current = &s["current"]["id"];
        let earlier: Vec<&Value> = self.past.iter().filter(|a| &a["id"] != current).collect();
        if !earlier.is_empty() {
            let list: Vec<String> = earlier
                .iter()
                .map(|a| {
                    format!(
                        "{} {}",
                        a["year"].as_i64().unwrap_or_default(),
                        state_label(ui, &a["state"])
                    )
                })
                .collect();
            let sep = if lang == Lang::Zh { "；" } else { "; " };
            out.push(trf(
                lang,
                "declare.update.past",
                &[("list", &list.join(sep))],
            ));
        }
        out
    }

    fn intro(&self, ui: &Ui) -> Vec<String> {
        let mut out = self.summary(ui);
        out.push(ui.tr("declare.update.form_hint"));
        out
    }

    fn info_text(&self, ui: &Ui) -> String {
        let mut out = self.summary(ui);
        if let Some(d) = &self.detail {
            let changes = d["changes"].as_object().cloned().unwrap_or_default();
            out.push(String::new());
            if changes.is_empty() {
                out.push(ui.tr("declare.update.no_changes"));
            } else {
                out.push(ui.tr("declare.update.changes"));
                let sep = if ui.lang == Lang::Zh { "：" } else { ": " };
                for (id, kind) in FIELDS {
                    if let Some(v) = changes.get(id).and_then(info_text) {
                        let unit = match kind {
                            Kind::Text => String::new(),
                            Kind::Whole => format!(" {}", ui.tr("declare.unit.people")),
                            Kind::Amount => format!(" {}", ui.tr("declare.unit.wan")),
                        };
                        out.push(format!(
                            "  {}{sep}{v}{unit}",
                            ui.tr(&format!("declare.update.field.{id}"))
                        ));
                    }
                }
            }
            out.push(String::new());
            out.push(ui.tr("declare.detail.history"));
            out.extend(
                history_lines(ui, &d["history"])
                    .into_iter()
                    .map(|l| format!("  {l}")),
            );
        }
        out.join("\n")
    }
}

impl Screen for UpdateScreen {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("declare.update.title")
    }

    fn context(&self) -> Context {
        if self.pending.is_some() {
            Context::Dialog
        } else if self.editable() {
            Context::Form
        } else {
            Context::List
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.pending.is_some() {
            return keymap.hints(Context::Dialog);
        }
        if self.editable() {
            let mut h = keymap.hints_for(Context::Form, &["save_draft"]);
            if let Some(submit) = self.submit_offer() {
                let mut s = keymap.hints_for(Context::Form, &["submit"]);
                if submit == OwnerAction::Resubmit {
                    for x in &mut s {
                        x.label_key = "declare.key.resubmit".into();
                    }
                }
                h.extend(s);
            }
            h.extend(keymap.hints_for(Context::Form, &["next_field", "evidence"]));
            return h;
        }
        let mut cmds = Vec::new();
        if self.detail.is_none() && self.can_start() {
            cmds.push("new");
        }
        if self.withdrawable() {
            cmds.push("withdraw");
        }
        if self.detail.is_some() {
            cmds.push("evidence");
        }
        cmds.extend(["history", "down", "up"]);
        let mut h = keymap.hints_for(Context::List, &cmds);
        for x in &mut h {
            if x.label_key == "key.new" {
                x.label_key = "declare.key.start_update".into();
            }
            if x.label_key == "key.history" {
                x.label_key = "declare.key.update_history".into();
            }
        }
        h
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.kept.attach(DraftStore::of(cx.session));
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if let Some(p) = &mut self.pending {
            let (h, outcome) = p.key(ev, cx.keymap);
            match outcome {
                Some(Some(Act::Submit)) => {
                    self.pending = None;
                    self.save(cx, true);
                }
                Some(Some(Act::Withdraw)) => {
                    self.pending = None;
                    if let (Some(id), Some(v)) = (self.item_id(), self.version) {
                        cx.spawn("withdraw", move |c| async move {
                            c.update_action(&id, v, "withdraw", None).await
                        });
                    }
                }
                Some(None) => self.pending = None,
                None => {}
            }
            return h;
        }
        if self.editable() {
            if cx.keymap.is(Context::Form, "evidence", ev) {
                if let Some(id) = self.item_id() {
                    cx.push(EvidenceScreen::new(cx.ui, &id));
                }
                return Handled::Unchanged;
            }
            return match self.kept.panel.key(ev, cx.keymap) {
                Handled::Event(PanelEvent::SaveDraft) => {
                    self.save(cx, false);
                    Handled::Changed
                }
                Handled::Event(PanelEvent::Submit) if self.submit_offer().is_none() => {
                    self.kept.panel.status = Status::Error(cx.tr("declare.update.cannot_submit"));
                    Handled::Changed
                }
                Handled::Event(PanelEvent::Submit) => {
                    if !self.kept.panel.form.check_required() {
                        self.kept.panel.status = Status::Error(cx.tr("form.fix_fields"));
                        return Handled::Changed;
                    }
                    let body = if self
                        .changes(cx.ui)
                        .is_ok_and(|c| c.as_object().is_some_and(|o| o.is_empty()))
                    {
                        cx.tr("declare.update.submit_confirm_data")
                    } else {
                        cx.tr("declare.update.submit_body")
                    };
                    self.pending = Some(Pending::new(
                        Confirm::new(
                            &cx.tr("declare.update.submit_title"),
                            &body,
                            &cx.tr("declare.update.submit_confirm"),
                            &cx.tr("declare.withdraw.cancel"),
                        )
                        .harmless(),
                        Act::Submit,
                    ));
                    Handled::Changed
                }
                Handled::Changed => {
                    self.kept.persist();
                    Handled::Changed
                }
                other => other.map_unit(),
            };
        }
        match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
            Some("new") if self.detail.is_none() => {
                if self.can_start() {
                    if !self.started {
                        self.started = true;
                        cx.spawn("start", |c| async move { c.start_update().await });
                    }
                } else {
                    self.note = self
                        .status
                        .as_ref()
                        .map(|s| text_of(cx.ui, &s["why"]))
                        .unwrap_or_default();
                    if self.note.is_empty() {
                        self.note = cx.tr("declare.update.cannot_start");
                    }
                    self.note_role = Role::Warning;
                }
                Handled::Changed
            }
            Some("withdraw") if self.withdrawable() => {
                // outside the period a withdrawn update could not be submitted again
                let closed = self
                    .offered(OwnerAction::Withdraw)
                    .is_some_and(|a| a.confirm.is_some());
                let (body, confirm) = if closed {
                    (
                        "declare.update.withdraw_closed_body",
                        "declare.withdraw.closed_confirm",
                    )
                } else {
                    ("declare.update.withdraw_body", "declare.withdraw.confirm")
                };
                self.pending = Some(Pending::new(
                    Confirm::new(
                        &cx.tr("declare.update.withdraw_title"),
                        &cx.tr(body),
                        &cx.tr(confirm),
                        &cx.tr("declare.withdraw.cancel"),
                    ),
                    Act::Withdraw,
                ));
                Handled::Changed
            }
            Some("withdraw") => {
                let state = self
                    .detail
                    .as_ref()
                    .map(|d| state_label(cx.ui, &d["item"]["state"]))
                    .unwrap_or_default();
                self.note = trf(cx.lang(), "declare.detail.not_now", &[("state", &state)]);
                self.note_role = Role::Warning;
                Handled::Changed
            }
            Some("evidence") => {
                if let Some(id) = self.item_id() {
                    cx.push(EvidenceScreen::new(cx.ui, &id));
                }
                Handled::Unchanged
            }
            Some("history") => {
                cx.push(ApplicationHistory::new(cx.ui, HistoryKind::Update));
                Handled::Unchanged
            }
            _ => self.page.handle_key(ev, cx.keymap),
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        if !self.editable() {
            return false;
        }
        let changed = self.kept.panel.paste(text);
        if changed {
            self.kept.persist();
        }
        changed
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "status" => {
                let v = take::<Value>(value).unwrap_or_default();
                match v["current"]["id"].as_str() {
                    Some(id) => {
                        let id = id.to_string();
                        cx.spawn("detail", move |c| async move { c.update_detail(&id).await });
                    }
                    None => self.detail = None,
                }
                self.status = Some(v);
                self.error = None;
                self.rebuild_page(cx.ui);
                true
            }
            "enterprise" => {
                self.enterprise = take::<Tagged>(value).map(|t| t.value);
                self.fill();
                true
            }
            "detail" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                self.version = t.version.or(t.value["item"]["version"].as_i64());
                let id = t.value["item"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                self.detail = Some(t.value);
                self.kept = KeptForm::new(
                    std::mem::replace(
                        &mut self.kept.panel,
                        FormPanel::new("", Vec::new(), Vec::new()),
                    ),
                    &format!("update-{id}"),
                );
                self.kept.attach(DraftStore::of(cx.session));
                self.fill();
                if self.editable() {
                    match self.kept.restore() {
                        Some(true) => {
                            self.save(cx, false);
                            self.kept.panel.status = Status::Info(cx.tr("declare.form.syncing"));
                        }
                        Some(false) => {
                            self.kept.panel.status = Status::Info(cx.tr("declare.form.restored"))
                        }
                        None => {}
                    }
                }
                self.rebuild_page(cx.ui);
                true
            }
            "start" => {
                self.started = false;
                self.note = cx.tr("declare.update.started");
                self.note_role = Role::Success;
                self.load(cx);
                true
            }
            "save" | "submit" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                self.version = t.version.or(t.value["version"].as_i64());
                let sent = self.sending.take().unwrap_or_default();
                self.kept.stored(sent);
                self.kept.panel.form.set_errors([]);
                if kind == "submit" {
                    self.kept.forget();
                    self.kept.panel.status = Status::None;
                    cx.success(&cx.tr("declare.update.submitted"));
                    self.load(cx);
                } else {
                    self.kept.panel.status = Status::Success(cx.tr("declare.form.saved"));
                }
                true
            }
            "withdraw" => {
                self.note = cx.tr("declare.update.withdrawn");
                self.note_role = Role::Success;
                self.load(cx);
                true
            }
            "retry" => {
                self.kept.retried();
                if self.kept.unsynced() && self.editable() {
                    self.save(cx, false);
                }
                true
            }
            "past" => {
                let v = take::<Value>(value).unwrap_or_default();
                self.past = v["items"].as_array().cloned().unwrap_or_default();
                self.rebuild_page(cx.ui);
                true
            }
            _ => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        match kind {
            "status" => self.error = Some(error_text(cx.lang(), &error)),
            "enterprise" | "past" => {}
            "retry" => {
                self.kept.retried();
                self.kept.schedule_retry(cx);
            }
            "save" | "submit" if is_offline(&error) => {
                self.sending = None;
                self.kept.persist();
                self.kept.panel.status = Status::Error(cx.tr("declare.form.kept_offline"));
                self.kept.schedule_retry(cx);
            }
            "save" | "submit" => {
                self.sending = None;
                self.kept.panel.show_error(cx.ui, &error);
            }
            _ => {
                self.started = false;
                self.note = error_text(cx.lang(), &error);
                self.note_role = Role::Error;
            }
        }
        true
    }

    fn loading(&self) -> bool {
        self.error.is_none() && self.status.is_none()
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("declare.update.title");
        if render_placeholder(
            area,
            buf,
            ui,
            &title,
            self.error.as_deref(),
            !self.loading(),
        ) {
            return;
        }
        if self.editable() {
            self.kept.panel.render(area, buf, ui);
        } else {
            render_page(area, buf, ui, &mut self.page, &self.note, self.note_role);
        }
        if let Some(p) = &self.pending {
            p.dialog.render(area, buf, ui);
        }
    }

    fn cursor(&self) -> Option<Position> {
        if self.pending.is_some() || !self.editable() {
            return None;
        }
        self.kept.panel.cursor()
    }
}
