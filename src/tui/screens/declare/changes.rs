//! 企业重大变更: the enterprise's major-change reports with a type filter, a new report (type,
//! date, before and after, description, evidence), editing and deleting drafts, submitting,
//! withdrawing, and the detail with the 3-month rule and the history.
//!
//! The API takes a type, a date, before, after and a description. Reports written before the
//! API had `before`/`after` carried them as the first two lines of the description
//! (`变更前：…` / `变更后：…`): such a report is read back with them split out.
//!
//! An edit sends the version the form stands on (`If-Match`); when the report was changed
//! meanwhile (412), the form says who changed it, reloads the report and keeps what was typed
//! (fields left untouched take the current values).

use super::drafts::DraftStore;
use super::evidence::EvidenceScreen;
use super::kept::KeptForm;
use super::render_placeholder;
use super::{
    MapUnit, Pending, history_lines, is_offline, render_message, render_page, state_label, time_of,
};
use crate::client::{ClientError, Tagged};
use crate::domain::Lang;
use crate::domain::calendar;
use crate::domain::change;
use crate::i18n::{tr, trf};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::screens::{FormPanel, PanelEvent, Status};
use crate::tui::theme::Role;
use crate::tui::widgets::detail::Detail;
use crate::tui::widgets::dialog::Confirm;
use crate::tui::widgets::form::{Field, Value as FieldValue};
use crate::tui::widgets::table::{Column, RowSource, Table, TableEvent, VecSource};
use crate::tui::widgets::{Handled, block};
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::{Value, json};
use std::any::Any;
use std::collections::BTreeMap;

/// The change types, as the API names them.
pub const KINDS: [&str; 6] = [
    "rename",
    "merger",
    "restructuring",
    "relocation",
    "overseas_branch",
    "other",
];

fn kind_label(ui: &Ui, code: &str) -> String {
    ui.tr(&format!("declare.change.kind.{code}"))
}

/// Splits a stored description into (before, after, the rest).
pub fn split_description(text: &str) -> (String, String, String) {
    let prefixes = |key: &str| [tr(Lang::Zh, key), tr(Lang::En, key)];
    let before_p = prefixes("declare.change.before_prefix");
    let after_p = prefixes("declare.change.after_prefix");
    let mut before = String::new();
    let mut after = String::new();
    let mut rest = Vec::new();
    for line in text.lines() {
        if let Some(b) = before_p.iter().find_map(|p| line.strip_prefix(p.as_str()))
            && before.is_empty()
            && rest.is_empty()
        {
            before = b.trim().to_string();
        } else if let Some(a) = after_p.iter().find_map(|p| line.strip_prefix(p.as_str()))
            && after.is_empty()
            && rest.is_empty()
        {
            after = a.trim().to_string();
        } else {
            rest.push(line);
        }
    }
    (before, after, rest.join("\n"))
}

/// (before, after, description) of a change as the API returns it; a report stored before
/// `before`/`after` existed has them split out of its description.
pub fn change_parts(c: &Value) -> (String, String, String) {
    let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
    let (before, after, description) = (text("before"), text("after"), text("description"));
    if before.is_empty() && after.is_empty() {
        split_description(&description)
    } else {
        (before, after, description)
    }
}

/// The field texts of a change as the API returns it (the `change` object).
fn form_values(c: &Value) -> BTreeMap<String, String> {
    let (before, after, rest) = change_parts(c);
    let mut v = BTreeMap::new();
    v.insert(
        "kind".to_string(),
        c["kind"].as_str().unwrap_or_default().to_string(),
    );
    v.insert(
        "change_date".to_string(),
        c["change_date"].as_str().unwrap_or_default().to_string(),
    );
    v.insert("before".to_string(), before);
    v.insert("after".to_string(), after);
    v.insert("description".to_string(), rest);
    v
}

/// The 3-month rule for a change date as of today: the deadline, and whether it has passed.
pub fn rule_hint(ui: &Ui, date: &str, today: NaiveDate) -> Option<(String, Role)> {
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    if d > today {
        return Some((
            trf(
                ui.lang,
                "declare.change.rule_future",
                &[("today", &today.to_string())],
            ),
            Role::Error,
        ));
    }
    let deadline = calendar::change_report_deadline(d);
    let args = [
        ("months", calendar::CHANGE_REPORT_MONTHS.to_string()),
        ("deadline", deadline.to_string()),
    ];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Some(if today > deadline {
        (
            trf(ui.lang, "declare.change.rule_late", &args),
            Role::Warning,
        )
    } else {
        (
            trf(ui.lang, "declare.change.rule_in_time", &args),
            Role::Info,
        )
    })
}

// ---------------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------------

/// 企业重大变更: the reports, newest first, filtered by type.
pub struct ChangeList {
    table: Table,
    source: VecSource,
    items: Vec<Value>,
    /// Index into [`KINDS`], or none.
    filter: Option<usize>,
    loaded: bool,
    error: Option<String>,
}

impl ChangeList {
    pub fn new(ui: &Ui) -> ChangeList {
        ChangeList {
            table: Table::new(vec![
                Column::new(&ui.tr("declare.change.col.kind"), 8, 18),
                Column::new(&ui.tr("declare.change.col.date"), 10, 10),
                Column::new(&ui.tr("declare.change.col.deadline"), 10, 10).priority(2),
                Column::new(&ui.tr("declare.change.col.state"), 8, 14),
                Column::new(&ui.tr("declare.change.col.report"), 12, 26).priority(1),
            ]),
            source: VecSource::default(),
            items: Vec::new(),
            filter: None,
            loaded: false,
            error: None,
        }
    }

    fn load(&self, cx: &mut Ctx) {
        let q = match self.filter {
            Some(i) => format!("kind={}&limit=100", KINDS[i]),
            None => "limit=100".to_string(),
        };
        cx.spawn("list", move |c| async move { c.changes(&q).await });
    }

    fn heading(&self, ui: &Ui) -> String {
        match self.filter {
            Some(i) => trf(
                ui.lang,
                "declare.change.list_filtered",
                &[("kind", &kind_label(ui, KINDS[i]))],
            ),
            None => ui.tr("declare.change.list_title"),
        }
    }
}

impl Screen for ChangeList {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("declare.change.list_title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["open", "new", "type_filter", "down", "up"])
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if !self.table.is_filtering() {
            match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
                Some("new") => {
                    cx.push(ChangeForm::new(cx.ui, None));
                    return Handled::Unchanged;
                }
                Some("type_filter") => {
                    self.filter = match self.filter {
                        None => Some(0),
                        Some(i) if i + 1 < KINDS.len() => Some(i + 1),
                        Some(_) => None,
                    };
                    self.table.set_cursor(0, 0);
                    self.load(cx);
                    return Handled::Changed;
                }
                _ => {}
            }
        }
        match self.table.handle_key(ev, cx.keymap, &self.source) {
            Handled::Event(TableEvent::Open(_)) => {
                if !self.source.is_empty()
                    && let Some(id) = self
                        .source
                        .key(self.table.cursor())
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| self.items.get(i))
                        .and_then(|c| c["item"]["id"].as_str())
                {
                    cx.push(ChangeDetail::new(cx.ui, id));
                }
                Handled::Unchanged
            }
            Handled::Event(TableEvent::FilterChanged(f)) => {
                self.source.apply(self.table.sort(), &f);
                Handled::Changed
            }
            Handled::Event(TableEvent::SortChanged(s)) => {
                self.source.apply(s, self.table.filter());
                Handled::Changed
            }
            other => other.map_unit(),
        }
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let v = take::<Value>(value).unwrap_or_default();
        self.items = v["items"].as_array().cloned().unwrap_or_default();
        let ui = cx.ui;
        self.source = VecSource::new(
            self.items
                .iter()
                .map(|c| {
                    let report = match (c["reported_on"].as_str(), c["late"].as_bool()) {
                        (Some(on), Some(true)) => {
                            trf(ui.lang, "declare.change.reported_late", &[("on", on)])
                        }
                        (Some(on), _) => trf(ui.lang, "declare.change.reported_on", &[("on", on)]),
                        (None, Some(true)) => ui.tr("declare.change.overdue"),
                        (None, _) => ui.tr("declare.change.not_reported"),
                    };
                    vec![
                        kind_label(ui, c["kind"].as_str().unwrap_or_default()),
                        c["change_date"].as_str().unwrap_or_default().to_string(),
                        c["deadline"].as_str().unwrap_or_default().to_string(),
                        state_label(ui, &c["item"]["state"]),
                        report,
                    ]
                })
                .collect(),
        );
        self.source.apply(self.table.sort(), self.table.filter());
        self.loaded = true;
        self.error = None;
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.error = Some(error_text(cx.lang(), &error));
        self.loaded = true;
        true
    }

    fn loading(&self) -> bool {
        self.error.is_none() && !self.loaded
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = self.heading(ui);
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
        if self.items.is_empty() {
            let text = if self.filter.is_some() {
                ui.tr("declare.change.none_of_kind")
            } else {
                ui.tr("declare.change.none")
            };
            render_message(area, buf, ui, &title, &text, Role::Muted);
            return;
        }
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        self.table.render(inner, buf, ui, &self.source);
    }

    fn cursor(&self) -> Option<Position> {
        self.table.cursor_position()
    }
}

// ---------------------------------------------------------------------------------------------
// The form
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormAct {
    Submit,
}

/// A new report, or a draft (or a returned or withdrawn report) being changed.
pub struct ChangeForm {
    id: Option<String>,
    version: Option<i64>,
    kept: KeptForm,
    /// The fields may be typed in (the server answered, or a kept draft stands in for it).
    loaded: bool,
    /// The server's values are known.
    fetched: bool,
    /// The values of the save in flight.
    sending: Option<BTreeMap<String, String>>,
    pending: Option<Pending<FormAct>>,
    lang: Lang,
    /// The conflict explanation while the current report is reloaded.
    conflict: Option<String>,
}

fn change_key(id: Option<&str>) -> String {
    match id {
        Some(id) => format!("change-{id}"),
        None => "change-new".to_string(),
    }
}

impl ChangeForm {
    pub fn new(ui: &Ui, id: Option<&str>) -> ChangeForm {
        let kinds: Vec<(String, String)> = KINDS
            .iter()
            .map(|k| (k.to_string(), kind_label(ui, k)))
            .collect();
        let opts: Vec<(&str, &str)> = kinds
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let panel = FormPanel::new(
            &ui.tr(if id.is_some() {
                "declare.change.edit_title"
            } else {
                "declare.change.new_title"
            }),
            vec![ui.tr("declare.change.intro")],
            vec![
                Field::choice("kind", &ui.tr("declare.change.kind"), &opts).required(),
                Field::text("change_date", &ui.tr("declare.change.date"))
                    .required()
                    .with_placeholder("YYYY-MM-DD"),
                Field::text("before", &ui.tr("declare.change.before"))
                    .with_placeholder(&ui.tr("declare.change.before_hint")),
                Field::text("after", &ui.tr("declare.change.after"))
                    .with_placeholder(&ui.tr("declare.change.after_hint")),
                Field::multiline("description", &ui.tr("declare.change.description"), 4).required(),
            ],
        );
        ChangeForm {
            id: id.map(str::to_string),
            version: None,
            kept: KeptForm::new(panel, &change_key(id)),
            loaded: id.is_none(),
            fetched: id.is_none(),
            sending: None,
            pending: None,
            lang: ui.lang,
            conflict: None,
        }
    }

    /// The body the API takes, or the field errors to show first.
    fn body(&self, ui: &Ui) -> Result<Value, Vec<(String, String)>> {
        let v = self.kept.values();
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        let mut errors = Vec::new();
        let kind = get("kind");
        if kind.is_empty() {
            errors.push(("kind".to_string(), ui.tr("declare.change.kind_missing")));
        }
        // 变更前 / 变更后: required for every type but 其他 (the server's rule)
        if !kind.is_empty() && change::needs_before_after(&kind) {
            let args = [("kind", kind_label(ui, &kind))];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            for (field, key) in [
                ("before", "declare.change.before_missing"),
                ("after", "declare.change.after_missing"),
            ] {
                if get(field).trim().is_empty() {
                    errors.push((field.to_string(), trf(ui.lang, key, &args)));
                }
            }
        }
        let date = get("change_date");
        let parsed = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d");
        if parsed.is_err() {
            errors.push((
                "change_date".to_string(),
                trf(
                    ui.lang,
                    "declare.change.date_format",
                    &[("given", date.trim())],
                ),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(json!({
            "kind": kind,
            "change_date": date.trim(),
            "before": get("before").trim(),
            "after": get("after").trim(),
            "description": get("description"),
        }))
    }

    fn show_errors(&mut self, ui: &Ui, errors: &[(String, String)]) {
        let e: Vec<(&str, &str)> = errors
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        self.kept.panel.form.set_errors(e);
        if let Some((f, _)) = errors.first() {
            self.kept.panel.form.focus(f);
        }
        self.kept.panel.status = Status::Error(ui.tr("form.fix_fields"));
    }

    /// Saves (creates the report the first time); with `submit`, submits after the save.
    fn save(&mut self, cx: &mut Ctx, submit: bool) {
        if self.sending.is_some() {
            return;
        }
        if !self.fetched {
            // the report's version is not known yet: the draft waits for the server
            self.kept.panel.status = Status::Error(cx.tr("declare.form.kept_offline"));
            return;
        }
        let body = match self.body(cx.ui) {
            Ok(b) => b,
            Err(errors) => {
                self.show_errors(cx.ui, &errors);
                return;
            }
        };
        self.sending = Some(self.kept.values());
        self.kept.panel.status = Status::Working(cx.tr(if submit {
            "declare.change.submitting"
        } else {
            "declare.form.saving"
        }));
        let (id, version) = (self.id.clone(), self.version);
        cx.spawn(
            if submit { "submit" } else { "save" },
            move |c| async move {
                let saved = match (&id, version) {
                    (Some(id), Some(v)) => c.edit_change(id, v, &body).await?,
                    _ => c.create_change(&body).await?,
                };
                if !submit {
                    return Ok(saved);
                }
                let id = saved.value["item"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let v = saved.version.unwrap_or_default();
                let after = c.change_action(&id, v, "submit", None).await?;
                Ok(Tagged {
                    version: after["item"]["version"].as_i64(),
                    value: after,
                })
            },
        );
    }

    /// Marks 变更前 / 变更后 required exactly when the chosen type needs them.
    fn sync_required(&mut self) {
        let needed = match self.kept.panel.form.value("kind") {
            Some(FieldValue::Text(kind)) => change::needs_before_after(&kind),
            _ => false,
        };
        for id in ["before", "after"] {
            self.kept.panel.form.set_required(id, needed);
        }
    }

    fn rule_line(&self, ui: &Ui) -> Option<(String, Role)> {
        let date = self
            .kept
            .panel
            .form
            .field("change_date")
            .map(|f| f.text_value())
            .unwrap_or_default();
        rule_hint(ui, &date, super::today())
    }
}

impl Screen for ChangeForm {
    fn title(&self, ui: &Ui) -> String {
        ui.tr(if self.id.is_some() {
            "declare.change.edit_title"
        } else {
            "declare.change.new_title"
        })
    }

    fn context(&self) -> Context {
        if self.pending.is_some() {
            Context::Dialog
        } else {
            Context::Form
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.pending.is_some() {
            return keymap.hints(Context::Dialog);
        }
        let mut h = keymap.hints_for(Context::Form, &["save_draft", "submit", "next_field"]);
        h.extend(keymap.hints_for(Context::Form, &["evidence", "option_next"]));
        h
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.kept.attach(DraftStore::of(cx.session));
        self.lang = cx.lang();
        match &self.id {
            Some(id) => {
                let id = id.clone();
                cx.spawn("load", move |c| async move { c.change_detail(&id).await });
            }
            None => {
                if self.kept.restore().is_some() {
                    self.kept.panel.status = Status::Info(cx.tr("declare.form.restored"));
                }
            }
        }
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if let Some(p) = &mut self.pending {
            let (h, outcome) = p.key(ev, cx.keymap);
            match outcome {
                Some(Some(FormAct::Submit)) => {
                    self.pending = None;
                    self.save(cx, true);
                }
                Some(None) => self.pending = None,
                None => {}
            }
            return h;
        }
        if !self.loaded {
            return Handled::Ignored;
        }
        if cx.keymap.is(Context::Form, "evidence", ev) {
            match &self.id {
                Some(id) => cx.push(EvidenceScreen::new(cx.ui, id)),
                None => self.kept.panel.status = Status::Info(cx.tr("declare.change.save_first")),
            }
            return Handled::Changed;
        }
        match self.kept.panel.key(ev, cx.keymap) {
            Handled::Event(PanelEvent::SaveDraft) => {
                self.save(cx, false);
                Handled::Changed
            }
            Handled::Event(PanelEvent::Submit) => {
                self.sync_required();
                if let Err(errors) = self.body(cx.ui) {
                    self.show_errors(cx.ui, &errors);
                    return Handled::Changed;
                }
                if !self.kept.panel.form.check_required() {
                    self.kept.panel.status = Status::Error(cx.tr("form.fix_fields"));
                    return Handled::Changed;
                }
                let mut body = cx.tr("declare.change.submit_body");
                if let Some((rule, _)) = self.rule_line(cx.ui) {
                    body = format!("{rule}\n{body}");
                }
                self.pending = Some(Pending::new(
                    Confirm::new(
                        &cx.tr("declare.change.submit_title"),
                        &body,
                        &cx.tr("declare.change.submit_confirm"),
                        &cx.tr("declare.withdraw.cancel"),
                    )
                    .harmless(),
                    FormAct::Submit,
                ));
                Handled::Changed
            }
            Handled::Changed => {
                self.kept.persist();
                Handled::Changed
            }
            other => other.map_unit(),
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        let changed = self.kept.panel.paste(text);
        if changed {
            self.kept.persist();
        }
        changed
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "load" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                let c = &t.value["change"];
                self.version = t.version.or(c["item"]["version"].as_i64());
                self.kept.set_server(form_values(c));
                self.loaded = true;
                self.fetched = true;
                match self.kept.restore() {
                    Some(true) => {
                        // kept while the server was away: send it now that it answers
                        self.save(cx, false);
                        self.kept.panel.status = Status::Info(cx.tr("declare.form.syncing"));
                    }
                    Some(false) => {
                        self.kept.panel.status = Status::Info(cx.tr("declare.form.restored"))
                    }
                    None => {}
                }
                true
            }
            "save" | "submit" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                let sent = self.sending.take().unwrap_or_default();
                let id = t.value["item"]["id"].as_str().map(str::to_string);
                self.version = t.version.or(t.value["item"]["version"].as_i64());
                if self.id.is_none()
                    && let Some(id) = &id
                {
                    self.id = Some(id.clone());
                    self.kept.rekey(&change_key(Some(id)));
                }
                self.kept.stored(sent);
                self.kept.panel.form.set_errors([]);
                if kind == "submit" {
                    self.kept.forget();
                    cx.success(&cx.tr("declare.change.submitted"));
                    if let Some(id) = &self.id {
                        cx.replace(ChangeDetail::new(cx.ui, id));
                    }
                } else {
                    self.kept.panel.status = Status::Success(cx.tr("declare.form.saved"));
                    self.kept.panel.edited = false;
                }
                true
            }
            "reload" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                let c = &t.value["change"];
                self.version = t.version.or(c["item"]["version"].as_i64());
                self.kept.rebase(form_values(c));
                let version = self.version.unwrap_or_default().to_string();
                let text = format!(
                    "{}\n{}",
                    self.conflict.take().unwrap_or_default(),
                    trf(
                        cx.lang(),
                        "declare.change.reloaded",
                        &[("version", &version)]
                    )
                );
                self.kept.panel.status = Status::Error(text.trim().to_string());
                true
            }
            "retry" => {
                self.kept.retried();
                if self.kept.unsynced() && self.fetched {
                    self.save(cx, false);
                } else if !self.fetched
                    && let Some(id) = self.id.clone()
                {
                    cx.spawn("load", move |c| async move { c.change_detail(&id).await });
                }
                true
            }
            _ => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        let lang = cx.lang();
        match kind {
            "retry" => {
                self.kept.retried();
                self.kept.schedule_retry(cx);
            }
            "load" if is_offline(&error) => {
                // type on from the kept draft; the server's copy comes when it answers
                if self.kept.restore().is_some() {
                    self.loaded = true;
                }
                self.kept.panel.status = Status::Error(cx.tr("declare.form.kept_offline"));
                self.kept.schedule_retry(cx);
            }
            "save" | "submit" if error.code() == Some("conflict") => {
                // changed meanwhile: say by whom, reload, keep what was typed
                self.sending = None;
                self.kept.persist();
                self.conflict = Some(error_text(lang, &error));
                self.kept.panel.status = Status::Working(cx.tr("declare.change.reloading"));
                if let Some(id) = self.id.clone() {
                    cx.spawn("reload", move |c| async move { c.change_detail(&id).await });
                }
            }
            _ if is_offline(&error) => {
                self.sending = None;
                self.kept.persist();
                self.kept.panel.status = Status::Error(cx.tr("declare.form.kept_offline"));
                self.kept.schedule_retry(cx);
            }
            _ => {
                self.sending = None;
                self.kept.panel.show_error(cx.ui, &error);
                if kind == "load" {
                    self.kept.panel.status = Status::Error(error_text(lang, &error));
                }
            }
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.sync_required();
        let rule = self.rule_line(ui);
        let base = ui.tr("declare.change.intro");
        self.kept.panel.intro = match &rule {
            Some((r, _)) => vec![base, r.clone()],
            None => vec![base],
        };
        if !self.loaded {
            render_message(
                area,
                buf,
                ui,
                &self.title(ui),
                &ui.tr("common.loading"),
                Role::Muted,
            );
            return;
        }
        self.kept.panel.render(area, buf, ui);
        if let Some(p) = &self.pending {
            p.dialog.render(area, buf, ui);
        }
    }

    fn cursor(&self) -> Option<Position> {
        if self.pending.is_some() {
            return None;
        }
        self.kept.panel.cursor()
    }
}

// ---------------------------------------------------------------------------------------------
// The detail
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Submit,
    Withdraw,
    Delete,
}

/// A report in full: type, date, deadline, where it stands against the 3-month rule, the
/// description and the history.
pub struct ChangeDetail {
    id: String,
    value: Option<Value>,
    version: Option<i64>,
    page: Detail,
    status: String,
    status_role: Role,
    pending: Option<Pending<Act>>,
    error: Option<String>,
}

impl ChangeDetail {
    pub fn new(ui: &Ui, id: &str) -> ChangeDetail {
        ChangeDetail {
            id: id.to_string(),
            value: None,
            version: None,
            page: Detail::new(&ui.tr("declare.change.detail_title"), ""),
            status: String::new(),
            status_role: Role::Muted,
            pending: None,
            error: None,
        }
    }

    fn load(&self, cx: &mut Ctx) {
        let id = self.id.clone();
        cx.spawn("load", move |c| async move { c.change_detail(&id).await });
    }

    /// Whether the server offers `action` now (the detail's `actions`).
    fn offers(&self, action: &str) -> bool {
        self.value
            .as_ref()
            .and_then(|v| v["actions"].as_array())
            .is_some_and(|a| a.iter().any(|x| x["action"] == action))
    }

    fn editable(&self) -> bool {
        self.offers("edit")
    }

    fn submittable(&self) -> bool {
        self.offers("submit") || self.offers("resubmit")
    }

    fn deletable(&self) -> bool {
        self.offers("delete")
    }

    fn withdrawable(&self) -> bool {
        self.offers("withdraw")
    }

    fn ask(&mut self, cx: &mut Ctx, act: Act) {
        let (t, b, c) = match act {
            Act::Submit => (
                "declare.change.submit_title",
                "declare.change.submit_body",
                "declare.change.submit_confirm",
            ),
            Act::Withdraw => (
                "declare.change.withdraw_title",
                "declare.change.withdraw_body",
                "declare.withdraw.confirm",
            ),
            Act::Delete => (
                "declare.change.delete_title",
                "declare.change.delete_body",
                "declare.delete.confirm",
            ),
        };
        let mut body = cx.tr(b);
        if act == Act::Submit
            && let Some(rule) = self
                .value
                .as_ref()
                .map(|v| crate::tui::screens::text_of(cx.ui, &v["change"]["rule"]))
        {
            body = format!("{rule}\n{body}");
        }
        let dialog = Confirm::new(
            &cx.tr(t),
            &body,
            &cx.tr(c),
            &cx.tr("declare.withdraw.cancel"),
        );
        let dialog = if act == Act::Submit {
            dialog.harmless()
        } else {
            dialog
        };
        self.pending = Some(Pending::new(dialog, act));
    }
}

impl Screen for ChangeDetail {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("declare.change.detail_title")
    }

    fn context(&self) -> Context {
        if self.pending.is_some() {
            Context::Dialog
        } else {
            Context::List
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.pending.is_some() {
            return keymap.hints(Context::Dialog);
        }
        let mut cmds = Vec::new();
        if self.editable() {
            cmds.push("edit");
        }
        if self.submittable() {
            cmds.push("submit");
        }
        if self.deletable() {
            cmds.push("delete");
        }
        if self.withdrawable() {
            cmds.push("withdraw");
        }
        cmds.extend(["evidence", "down", "up"]);
        keymap.hints_for(Context::List, &cmds)
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if let Some(p) = &mut self.pending {
            let (h, outcome) = p.key(ev, cx.keymap);
            match outcome {
                Some(Some(act)) => {
                    self.pending = None;
                    let (id, v) = (self.id.clone(), self.version.unwrap_or_default());
                    match act {
                        Act::Submit => cx.spawn("act", move |c| async move {
                            c.change_action(&id, v, "submit", None).await
                        }),
                        Act::Withdraw => cx.spawn("act", move |c| async move {
                            c.change_action(&id, v, "withdraw", None).await
                        }),
                        Act::Delete => {
                            cx.spawn(
                                "delete",
                                move |c| async move { c.delete_change(&id, v).await },
                            )
                        }
                    }
                }
                Some(None) => self.pending = None,
                None => {}
            }
            return h;
        }
        if self.value.is_none() {
            return self.page.handle_key(ev, cx.keymap);
        }
        match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
            Some("edit") if self.editable() => {
                cx.push(ChangeForm::new(cx.ui, Some(&self.id)));
                Handled::Unchanged
            }
            Some("submit") if self.submittable() => {
                self.ask(cx, Act::Submit);
                Handled::Changed
            }
            Some("withdraw") if self.withdrawable() => {
                self.ask(cx, Act::Withdraw);
                Handled::Changed
            }
            Some("delete") if self.deletable() => {
                self.ask(cx, Act::Delete);
                Handled::Changed
            }
            Some("edit" | "submit" | "withdraw" | "delete") => {
                let state = self
                    .value
                    .as_ref()
                    .map(|v| state_label(cx.ui, &v["change"]["item"]["state"]))
                    .unwrap_or_default();
                self.status = trf(cx.lang(), "declare.detail.not_now", &[("state", &state)]);
                self.status_role = Role::Warning;
                Handled::Changed
            }
            Some("evidence") => {
                cx.push(EvidenceScreen::new(cx.ui, &self.id));
                Handled::Unchanged
            }
            _ => self.page.handle_key(ev, cx.keymap),
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "load" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                self.version = t.version.or(t.value["change"]["item"]["version"].as_i64());
                let text = change_text(cx.ui, &t.value);
                self.value = Some(t.value);
                self.error = None;
                let scroll = self.page.scroll();
                self.page.set_text(&text);
                self.page.scroll_by(scroll as isize);
                true
            }
            "act" => {
                self.status = cx.tr("declare.change.done");
                self.status_role = Role::Success;
                self.load(cx);
                true
            }
            "delete" => {
                if let Some(d) = DraftStore::of(cx.session) {
                    d.clear(&change_key(Some(&self.id)));
                }
                cx.success(&cx.tr("declare.change.deleted"));
                cx.pop();
                true
            }
            _ => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        if kind == "load" && self.value.is_none() {
            self.error = Some(error_text(cx.lang(), &error));
        } else {
            self.status = error_text(cx.lang(), &error);
            self.status_role = Role::Error;
        }
        true
    }

    fn loading(&self) -> bool {
        self.error.is_none() && self.value.is_none()
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("declare.change.detail_title");
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
        render_page(
            area,
            buf,
            ui,
            &mut self.page,
            &self.status,
            self.status_role,
        );
        if let Some(p) = &self.pending {
            p.dialog.render(area, buf, ui);
        }
    }
}

fn change_text(ui: &Ui, v: &Value) -> String {
    let c = &v["change"];
    let sep = if ui.lang == Lang::Zh { "：" } else { ": " };
    let line = |k: &str, v: String| format!("{}{sep}{v}", ui.tr(k));
    let (before, after, rest) = change_parts(c);
    let mut out = vec![
        line(
            "declare.change.kind",
            kind_label(ui, c["kind"].as_str().unwrap_or_default()),
        ),
        line(
            "declare.change.date",
            c["change_date"].as_str().unwrap_or_default().to_string(),
        ),
        line(
            "declare.change.col.deadline",
            c["deadline"].as_str().unwrap_or_default().to_string(),
        ),
        line(
            "declare.change.col.state",
            state_label(ui, &c["item"]["state"]),
        ),
    ];
    if let Some(on) = c["reported_on"].as_str() {
        out.push(line("declare.change.reported", on.to_string()));
    }
    if !c["item"]["submitted_at"].is_null() {
        out.push(line(
            "declare.detail.submitted_at",
            time_of(&c["item"]["submitted_at"]),
        ));
    }
    out.push(String::new());
    out.push(crate::tui::screens::text_of(ui, &c["rule"]));
    out.push(String::new());
    if !before.is_empty() {
        out.push(line("declare.change.before", before));
    }
    if !after.is_empty() {
        out.push(line("declare.change.after", after));
    }
    out.push(line("declare.change.description", rest));
    out.push(String::new());
    out.push(ui.tr("declare.detail.history"));
    out.extend(
        history_lines(ui, &v["history"])
            .into_iter()
            .map(|l| format!("  {l}")),
    );
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_report_has_before_and_after_split_out_of_its_description() {
        let text = "变更前：杭州天目\n变更后：天目生物\n股东会决议更名。\n第二行";
        assert_eq!(
            change_parts(&json!({"description": text})),
            (
                "杭州天目".to_string(),
                "天目生物".to_string(),
                "股东会决议更名。\n第二行".to_string()
            )
        );
        // English labels are read back too; a description without them is all "rest"
        assert_eq!(split_description("Before: A\nAfter: B\nwhy").0, "A");
        // a report with before/after of its own is taken as it is
        assert_eq!(
            change_parts(&json!({"before": "A", "after": "", "description": "变更前：X"})),
            ("A".to_string(), String::new(), "变更前：X".to_string())
        );
        assert_eq!(
            split_description("只有说明"),
            (String::new(), String::new(), "只有说明".to_string())
        );
    }

    #[test]
    fn the_rule_is_explained_when_the_date_is_older_than_three_months() {
        let ui = Ui::default();
        let today = NaiveDate::from_ymd_opt(2026, 4, 16).unwrap();
        let (late, role) = rule_hint(&ui, "2025-12-01", today).unwrap();
        assert_eq!(role, Role::Warning);
        assert!(late.contains("2026-03-01"), "{late}");
        let (ok, role) = rule_hint(&ui, "2026-03-01", today).unwrap();
        assert_eq!(role, Role::Info);
        assert!(ok.contains("2026-06-01"), "{ok}");
        assert_eq!(rule_hint(&ui, "2026-05-01", today).unwrap().1, Role::Error);
        assert!(rule_hint(&ui, "2026-4-1x", today).is_none());
    }
}
