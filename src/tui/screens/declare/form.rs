//! The declaration form (申报表): built from the form endpoint, one page per section (company
//! figures, innovation, specialisation, direct conditions, statements), with the live score
//! panel beside it (120 columns and more) or below it (80 columns).
//!
//! - Every change is kept at once in a local draft ([`super::drafts`]); Ctrl-S (F2) saves to
//!   the server. When the server cannot be reached the draft stays marked as pending, the header
//!   shows offline, and the form keeps asking the server (2 s, 4 s … 60 s) and sends the draft
//!   as soon as it answers; a draft left pending is sent the next time the form opens.
//! - F9 (Ctrl-G) checks the form as the server will (all fields, the same checks), saves, then
//!   shows a summary of what will be sent with the server's evaluation and the confirmations to
//!   give; F9 again submits. Field errors of the server show under their fields.

use super::declarations::{draft_key, value_text};
use super::drafts::{Draft, DraftStore, keep};
use super::evidence::EvidenceScreen;
use super::score::{ScorePanel, Scorer, counting_level};
use super::{TextScreen, is_offline, number_text, render_message, render_status, retry_delay};
use crate::client::{ClientError, Tagged};
use crate::domain::Lang;
use crate::domain::rules::{Breakdown, InputKind, Inputs, Value as RuleValue};
use crate::domain::tiers::DigitalLevel;
use crate::domain::workflow::State;
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, field_errors, take};
use crate::tui::theme::Role;
use crate::tui::widgets::detail::Detail;
use crate::tui::widgets::form::{Field, FieldKind, Form, FormEvent, Value as FieldValue};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;
use std::collections::BTreeMap;

/// One page of the form.
struct Section {
    title: String,
    form: Form,
    /// Field id → (full label, help).
    help: BTreeMap<String, (String, Option<String>)>,
}

/// The submission summary.
struct Summary {
    text: Detail,
    /// (label, given) of each confirmation.
    confirms: Vec<(String, bool)>,
    focus: usize,
    working: bool,
    error: Option<String>,
}

enum Mode {
    Edit,
    Summary(Box<Summary>),
}

/// What a save-before-submit job brings back.
struct Prepared {
    saved: Tagged,
    evidence: Value,
}

/// The declaration form.
pub struct DeclarationForm {
    id: String,
    form: Option<Value>,
    version: Option<i64>,
    editable: bool,
    sections: Vec<Section>,
    kinds: BTreeMap<String, InputKind>,
    current: usize,
    level: Option<Option<DigitalLevel>>,
    scorer: Option<Scorer>,
    panel: ScorePanel,
    status: String,
    status_role: Role,
    drafts: Option<DraftStore>,
    /// What the server holds (as field texts).
    server_values: BTreeMap<String, String>,
    /// What the local draft holds.
    kept_values: BTreeMap<String, String>,
    /// The values of the save in flight.
    sending: Option<BTreeMap<String, String>>,
    /// Built from the copy kept with the local draft (the server could not be reached).
    offline_copy: bool,
    failures: u32,
    retrying: bool,
    mode: Mode,
    submit_on_load: bool,
    load_error: Option<String>,
    cursor: Option<Position>,
    lang: Lang,
}

impl DeclarationForm {
    pub fn new(ui: &Ui, id: &str) -> DeclarationForm {
        DeclarationForm {
            id: id.to_string(),
            form: None,
            version: None,
            editable: false,
            sections: Vec::new(),
            kinds: BTreeMap::new(),
            current: 0,
            level: None,
            scorer: None,
            panel: ScorePanel::default(),
            status: String::new(),
            status_role: Role::Muted,
            drafts: None,
            server_values: BTreeMap::new(),
            kept_values: BTreeMap::new(),
            sending: None,
            offline_copy: false,
            failures: 0,
            retrying: false,
            mode: Mode::Edit,
            submit_on_load: false,
            load_error: None,
            cursor: None,
            lang: ui.lang,
        }
    }

    /// Opens straight on the submission (F9 from the detail).
    pub fn submitting(mut self) -> DeclarationForm {
        self.submit_on_load = true;
        self
    }

    /// The score the panel shows now.
    pub fn panel_total(&self) -> Option<f64> {
        self.panel.total()
    }

    fn key_name(&self) -> String {
        draft_key(&self.id)
    }

    fn load(&self, cx: &mut Ctx) {
        let id = self.id.clone();
        cx.spawn(
            "form",
            move |c| async move { c.declaration_form(&id).await },
        );
    }

    // -- building ---------------------------------------------------------------------------

    /// Builds the pages from a form description; values: the server's, then the local draft's.
    fn build(&mut self, ui: &Ui, form: Value, cx_drafts: Option<Draft>) {
        let text_of = |v: &Value| crate::tui::screens::text_of(ui, v);
        self.sections.clear();
        self.kinds.clear();
        self.server_values.clear();
        for s in form["sections"].as_array().into_iter().flatten() {
            let mut fields = Vec::new();
            let mut help = BTreeMap::new();
            for f in s["fields"].as_array().into_iter().flatten() {
                let id = f["id"].as_str().unwrap_or_default().to_string();
                let label = text_of(&f["label"]);
                let kind: InputKind =
                    serde_json::from_value(f["kind"].clone()).unwrap_or(InputKind::Text);
                let options: Vec<(String, String)> = f["options"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|o| {
                        (
                            o["id"].as_str().unwrap_or_default().to_string(),
                            text_of(&o["label"]),
                        )
                    })
                    .collect();
                let opts: Vec<(&str, &str)> = options
                    .iter()
                    .map(|(a, b)| (a.as_str(), b.as_str()))
                    .collect();
                let unit = text_of(&f["unit"]);
                let field = match kind {
                    k if k.is_numeric() => {
                        Field::number(&id, &label, (!unit.is_empty()).then_some(unit.as_str()))
                    }
                    InputKind::Bool | InputKind::Choice => Field::choice(&id, &label, &opts),
                    _ => Field::multiline(&id, &label, 3),
                };
                let value = match &f["value"] {
                    Value::Number(n) => Some(number_text(n.as_f64().unwrap_or_default())),
                    Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_string()),
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                };
                let field = match &value {
                    Some(v) => {
                        self.server_values.insert(id.clone(), v.clone());
                        field.with_value(v)
                    }
                    None => field,
                };
                let h = f["help"].as_object().map(|_| text_of(&f["help"]));
                help.insert(id.clone(), (label, h.filter(|h| !h.is_empty())));
                self.kinds.insert(id, kind);
                fields.push(field);
            }
            self.sections.push(Section {
                title: text_of(&s["title"]),
                form: Form::new(fields),
                help,
            });
        }
        self.version = form["version"].as_i64().or(self.version);
        self.editable = form["editable"].as_bool().unwrap_or(false);
        self.kept_values = self.server_values.clone();
        if let Some(d) = cx_drafts {
            for (k, v) in &d.values {
                for s in &mut self.sections {
                    s.form.set_value(k, v);
                }
            }
            // values the server no longer has a field for are dropped from the form, not
            // from the draft file until the next change
            self.kept_values = self.values();
            if self.values() != self.server_values {
                self.status = ui.tr(if self.editable {
                    "declare.form.restored"
                } else {
                    "declare.form.restored_locked"
                });
                self.status_role = Role::Info;
            }
        }
        self.current = self.current.min(self.sections.len().saturating_sub(1));
        self.form = Some(form);
        self.rescore();
    }

    fn rescore(&mut self) {
        let (Some(form), Some(level)) = (&self.form, self.level) else {
            return;
        };
        if self.scorer.is_none() {
            self.scorer = Scorer::from_form(form, level);
        }
        let focused = self.focused_id();
        if let Some(s) = &self.scorer {
            let inputs = self.inputs();
            self.panel.update(s, &inputs, focused.as_deref(), self.lang);
        }
    }

    fn focused_id(&self) -> Option<String> {
        self.sections
            .get(self.current)
            .and_then(|s| s.form.focused())
            .map(str::to_string)
    }

    /// Every field's text (a choice as its option id), empty fields left out.
    fn values(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for s in &self.sections {
            for f in s.form.fields() {
                let text = match (&f.kind, f.value()) {
                    (FieldKind::Choice { .. }, FieldValue::Text(t)) => t,
                    (FieldKind::Choice { .. }, _) => continue,
                    _ => {
                        let t = f.text_value();
                        if t.trim().is_empty() {
                            continue;
                        }
                        t
                    }
                };
                out.insert(f.id.clone(), text);
            }
        }
        out
    }

    /// The inputs as the API takes them. A number that is not one is sent as typed: the
    /// server keeps it and says what is wrong.
    fn inputs(&self) -> Inputs {
        let mut out = Inputs::new();
        for s in &self.sections {
            for (id, v) in s.form.values() {
                let kind = self.kinds.get(&id).copied().unwrap_or(InputKind::Text);
                let value = match v {
                    FieldValue::Empty => continue,
                    FieldValue::Number(n) => RuleValue::Number(n),
                    FieldValue::Invalid(t) => RuleValue::Text(t),
                    FieldValue::Bool(b) => RuleValue::Bool(b),
                    FieldValue::Text(t) if kind == InputKind::Bool => RuleValue::Bool(t == "yes"),
                    FieldValue::Text(t) if kind == InputKind::Text => RuleValue::Text(t),
                    FieldValue::Text(t) => RuleValue::Text(t.trim().to_string()),
                };
                out.insert(id, value);
            }
        }
        out
    }

    /// Keeps what is typed on disk (only when it changed).
    fn persist(&mut self) {
        let values = self.values();
        if values == self.kept_values {
            return;
        }
        let key = self.key_name();
        if values == self.server_values {
            if let Some(d) = &self.drafts {
                d.clear(&key);
            }
        } else {
            keep(
                self.drafts.as_ref(),
                &key,
                &Draft {
                    values: values.clone(),
                    base_version: self.version,
                    pending: true,
                    context: self.form.clone(),
                },
            );
        }
        self.kept_values = values;
    }

    fn unsynced(&self) -> bool {
        self.values() != self.server_values
    }

    // -- errors -----------------------------------------------------------------------------

    /// Shows messages under their fields (every section), moves to the first; returns how many
    /// were placed.
    fn show_field_errors(&mut self, errors: &[(String, String)]) -> usize {
        let mut placed = 0;
        let mut first: Option<(usize, String)> = None;
        for (i, s) in self.sections.iter_mut().enumerate() {
            let mine: Vec<(&str, &str)> = errors
                .iter()
                .filter(|(f, _)| s.form.field(f).is_some())
                .map(|(f, m)| (f.as_str(), m.as_str()))
                .collect();
            placed += mine.len();
            if first.is_none()
                && let Some(f) = s
                    .form
                    .fields()
                    .iter()
                    .find(|f| mine.iter().any(|(id, _)| *id == f.id))
            {
                first = Some((i, f.id.clone()));
            }
            s.form.set_errors(mine);
        }
        if let Some((i, id)) = first {
            self.current = i;
            self.sections[i].form.focus(&id);
        }
        placed
    }

    // -- saving and submitting ----------------------------------------------------------------

    fn save(&mut self, cx: &mut Ctx) {
        if !self.editable {
            self.status = cx.tr("declare.form.locked");
            self.status_role = Role::Warning;
            return;
        }
        let Some(version) = self.version else {
            return;
        };
        if self.sending.is_some() {
            return;
        }
        let inputs = self.inputs();
        self.sending = Some(self.values());
        self.status = cx.tr("declare.form.saving");
        self.status_role = Role::Muted;
        let id = self.id.clone();
        cx.spawn("save", move |c| async move {
            let body = serde_json::to_value(&inputs).unwrap_or_default();
            c.save_declaration(&id, version, &body).await
        });
    }

    fn begin_submit(&mut self, cx: &mut Ctx) {
        if !self.editable {
            self.status = cx.tr("declare.form.locked");
            self.status_role = Role::Warning;
            return;
        }
        let (Some(scorer), Some(version)) = (&self.scorer, self.version) else {
            return;
        };
        if self.sending.is_some() {
            return;
        }
        let inputs = self.inputs();
        // the same checks the server makes at submission, so every problem shows at once
        let errors: Vec<(String, String)> = scorer
            .ruleset
            .validate_inputs(
                scorer.tier,
                scorer.context.authority.as_deref(),
                &inputs,
                true,
            )
            .into_iter()
            .map(|e| {
                use crate::domain::Localized;
                (e.field.clone(), e.text().get(cx.lang()).to_string())
            })
            .collect();
        if !errors.is_empty() {
            self.show_field_errors(&errors);
            self.rescore();
            self.status = trf(
                cx.lang(),
                "declare.form.fix_before_submit",
                &[("n", &errors.len().to_string())],
            );
            self.status_role = Role::Error;
            return;
        }
        for s in &mut self.sections {
            s.form.set_errors([]);
        }
        self.sending = Some(self.values());
        self.status = cx.tr("declare.form.preparing");
        self.status_role = Role::Muted;
        let id = self.id.clone();
        cx.spawn("prepare", move |c| async move {
            let body = serde_json::to_value(&inputs).unwrap_or_default();
            let saved = c.save_declaration(&id, version, &body).await?;
            let evidence = c.evidence_list(&id).await?;
            Ok(Prepared { saved, evidence })
        });
    }

    /// After a save reached the server: the version, what the server holds, the warnings.
    fn saved(&mut self, t: &Tagged, ui: &Ui) -> usize {
        self.version = t.version.or(t.value["declaration"]["version"].as_i64());
        if let Some(sent) = self.sending.take() {
            self.server_values = sent;
        }
        self.failures = 0;
        self.offline_copy = false;
        let key = self.key_name();
        if self.unsynced() {
            keep(
                self.drafts.as_ref(),
                &key,
                &Draft {
                    values: self.values(),
                    base_version: self.version,
                    pending: true,
                    context: self.form.clone(),
                },
            );
        } else if let Some(d) = &self.drafts {
            d.clear(&key);
        }
        self.kept_values = self.values();
        let warnings: Vec<(String, String)> = t.value["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|w| {
                (
                    w["field"].as_str().unwrap_or_default().to_string(),
                    crate::tui::screens::text_of(ui, &w["text"]),
                )
            })
            .collect();
        self.show_field_errors(&warnings);
        if warnings.is_empty() {
            for s in &mut self.sections {
                s.form.set_errors([]);
            }
        }
        warnings.len()
    }

    fn schedule_retry(&mut self, cx: &mut Ctx) {
        if self.retrying || super::gives_up(self.failures) {
            return;
        }
        self.retrying = true;
        self.failures += 1;
        let wait = retry_delay(self.failures);
        cx.spawn("retry", move |c| async move {
            tokio::time::sleep(wait).await;
            c.healthz().await
        });
    }

    fn enter_summary(&mut self, ui: &Ui, p: &Prepared) {
        let saved = &p.saved.value;
        let breakdown: Option<Breakdown> = serde_json::from_value(saved["evaluation"].clone()).ok();
        let qualifies = breakdown.as_ref().is_some_and(|b| b.verdict.qualifies);
        let mut panel = ScorePanel::default();
        panel.set_breakdown(breakdown.clone(), self.scorer.as_ref(), ui.lang);
        self.panel = panel;
        let state = super::state_of(&saved["declaration"]["state"]);
        let text = summary_text(
            ui,
            self.form.as_ref(),
            &self.panel,
            breakdown.as_ref(),
            &p.evidence,
            state,
            &self.values_for_summary(),
        );
        let mut confirms = vec![(ui.tr("declare.summary.confirm_true"), false)];
        if !qualifies {
            confirms.push((ui.tr("declare.summary.confirm_not_qualified"), false));
        }
        self.mode = Mode::Summary(Box::new(Summary {
            text: Detail::new(&ui.tr("declare.summary.title"), &text),
            confirms,
            focus: 0,
            working: false,
            error: None,
        }));
        self.status.clear();
    }

    /// The form description with the values as they are now (for the summary).
    fn values_for_summary(&self) -> Value {
        let mut form = self.form.clone().unwrap_or_default();
        let inputs = self.inputs();
        if let Some(sections) = form["sections"].as_array_mut() {
            for s in sections {
                if let Some(fields) = s["fields"].as_array_mut() {
                    for f in fields {
                        let id = f["id"].as_str().unwrap_or_default().to_string();
                        f["value"] = inputs
                            .get(&id)
                            .and_then(|v| serde_json::to_value(v).ok())
                            .unwrap_or(Value::Null);
                    }
                }
            }
        }
        form
    }

    fn submit(&mut self, cx: &mut Ctx) {
        let Mode::Summary(s) = &mut self.mode else {
            return;
        };
        if s.working {
            return;
        }
        if let Some(i) = s.confirms.iter().position(|(_, given)| !given) {
            s.focus = i;
            s.error = Some(cx.tr("declare.summary.confirm_first"));
            return;
        }
        let Some(version) = self.version else {
            return;
        };
        s.working = true;
        s.error = None;
        let id = self.id.clone();
        cx.spawn("submit", move |c| async move {
            c.submit_declaration(&id, version).await
        });
    }

    // -- keys -------------------------------------------------------------------------------

    fn summary_key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        let Mode::Summary(s) = &mut self.mode else {
            return Handled::Ignored;
        };
        if ev.code == KeyCode::Esc {
            if !s.working {
                self.mode = Mode::Edit;
                self.rescore();
            }
            return Handled::Changed;
        }
        match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
            Some("submit" | "open") => {
                self.submit(cx);
                Handled::Changed
            }
            Some("toggle_select") => {
                if let Some(c) = s.confirms.get_mut(s.focus) {
                    c.1 = !c.1;
                    s.error = None;
                }
                Handled::Changed
            }
            _ if ev.code == KeyCode::Tab || ev.code == KeyCode::BackTab => {
                let n = s.confirms.len().max(1);
                s.focus = if ev.code == KeyCode::Tab {
                    (s.focus + 1) % n
                } else {
                    (s.focus + n - 1) % n
                };
                Handled::Changed
            }
            _ => s.text.handle_key(ev, cx.keymap),
        }
    }

    fn switch_section(&mut self, to: usize, first: bool) -> bool {
        if to >= self.sections.len() || to == self.current {
            return false;
        }
        self.current = to;
        let form = &mut self.sections[to].form;
        let target = if first {
            form.fields().first()
        } else {
            form.fields().last()
        }
        .map(|f| f.id.clone());
        if let Some(id) = target {
            form.focus(&id);
        }
        true
    }
}

impl Screen for DeclarationForm {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("declare.form.crumb")
    }

    fn context(&self) -> Context {
        match self.mode {
            Mode::Edit => Context::Form,
            Mode::Summary(_) => Context::List,
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        match &self.mode {
            Mode::Edit => {
                let mut h = keymap.hints_for(Context::Form, &["save_draft", "submit"]);
                h.extend(keymap.hints_for(
                    Context::Form,
                    &["next_section", "next_field", "evidence", "breakdown"],
                ));
                h
            }
            Mode::Summary(_) => {
                let mut h = keymap.hints_for(Context::List, &["submit", "toggle_select"]);
                h.push(Hint {
                    keys: "Tab".into(),
                    label_key: "declare.key.next_confirm".into(),
                });
                h.extend(keymap.hints_for(Context::List, &["down", "up"]));
                h
            }
        }
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.drafts = DraftStore::of(cx.session);
        self.lang = cx.lang();
        self.load(cx);
        cx.spawn("level", |c| async move { c.assessments().await });
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if matches!(self.mode, Mode::Summary(_)) {
            return self.summary_key(ev, cx);
        }
        if self.sections.is_empty() {
            return Handled::Ignored;
        }
        let cmd = cx.keymap.resolve(Context::Form, ev).map(|(_, c)| c);
        match cmd {
            Some("submit") => {
                self.begin_submit(cx);
                return Handled::Changed;
            }
            Some("next_section") => {
                let to = self.current + 1;
                let changed = self.switch_section(to, true);
                self.rescore();
                return Handled::from_changed(changed);
            }
            Some("prev_section") if self.current > 0 => {
                let to = self.current - 1;
                let changed = self.switch_section(to, true);
                self.rescore();
                return Handled::from_changed(changed);
            }
            Some("prev_section") => return Handled::Unchanged,
            Some("evidence") => {
                cx.push(EvidenceScreen::new(cx.ui, &self.id));
                return Handled::Unchanged;
            }
            Some("breakdown") => {
                cx.push(TextScreen::new(
                    &cx.tr("declare.score.full_title"),
                    &self.panel.text(cx.ui),
                ));
                return Handled::Unchanged;
            }
            _ => {}
        }
        let form = &self.sections[self.current].form;
        let at_last = form.focused() == form.fields().last().map(|f| f.id.as_str());
        let at_first = form.focused() == form.fields().first().map(|f| f.id.as_str());
        let multiline = form
            .focused()
            .and_then(|id| form.field(id))
            .is_some_and(|f| matches!(f.kind, FieldKind::MultiLine { .. }));
        match cmd {
            Some("next_field") if at_last && !(multiline && ev.code == KeyCode::Enter) => {
                let to = self.current + 1;
                let changed = self.switch_section(to, true);
                self.rescore();
                return Handled::from_changed(changed);
            }
            Some("prev_field") if at_first && self.current > 0 => {
                let to = self.current - 1;
                self.switch_section(to, false);
                self.rescore();
                return Handled::Changed;
            }
            _ => {}
        }
        if !self.editable {
            // a locked form still moves between fields
            return match cmd {
                Some("next_field" | "prev_field") => {
                    let r = self.sections[self.current].form.handle_key(ev, cx.keymap);
                    self.rescore();
                    Handled::from_changed(r.changed())
                }
                Some("save_draft") => {
                    self.save(cx);
                    Handled::Changed
                }
                _ if crate::tui::keymap::Key::from_event(ev).is_printable() => {
                    self.status = cx.tr("declare.form.locked");
                    self.status_role = Role::Warning;
                    Handled::Changed
                }
                _ => Handled::Ignored,
            };
        }
        match self.sections[self.current].form.handle_key(ev, cx.keymap) {
            Handled::Event(FormEvent::SaveDraft) => {
                self.save(cx);
                Handled::Changed
            }
            Handled::Changed => {
                if self.status_role == Role::Error {
                    self.status.clear();
                }
                self.persist();
                self.rescore();
                Handled::Changed
            }
            other => other.map_unit_form(),
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        if !self.editable || !matches!(self.mode, Mode::Edit) {
            return false;
        }
        let Some(s) = self.sections.get_mut(self.current) else {
            return false;
        };
        let changed = s.form.handle_paste(text);
        if changed {
            self.persist();
            self.rescore();
        }
        changed
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "form" => {
                let Some(form) = take::<Value>(value) else {
                    return false;
                };
                let draft = self.drafts.as_ref().and_then(|d| d.load(&self.key_name()));
                let pending = draft.as_ref().is_some_and(|d| d.pending);
                self.build(cx.ui, form, draft);
                self.offline_copy = false;
                self.load_error = None;
                if pending && self.editable && self.unsynced() {
                    // the server is back (it just answered): send what was kept
                    self.save(cx);
                    self.status = cx.tr("declare.form.syncing");
                    self.status_role = Role::Info;
                }
                if self.submit_on_load && self.level.is_some() {
                    self.submit_on_load = false;
                    self.begin_submit(cx);
                }
                true
            }
            "level" => {
                let v = take::<Value>(value).unwrap_or_default();
                self.level = Some(counting_level(&v));
                self.rescore();
                if self.submit_on_load && self.form.is_some() {
                    self.submit_on_load = false;
                    self.begin_submit(cx);
                }
                true
            }
            "save" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                let n = self.saved(&t, cx.ui);
                if n == 0 {
                    self.status = cx.tr("declare.form.saved");
                    self.status_role = Role::Success;
                } else {
                    self.status = trf(
                        cx.lang(),
                        "declare.form.saved_warnings",
                        &[("n", &n.to_string())],
                    );
                    self.status_role = Role::Warning;
                }
                self.rescore();
                true
            }
            "prepare" => {
                let Some(p) = take::<Prepared>(value) else {
                    return false;
                };
                let n = self.saved(&p.saved, cx.ui);
                if n > 0 {
                    self.status = trf(
                        cx.lang(),
                        "declare.form.saved_warnings",
                        &[("n", &n.to_string())],
                    );
                    self.status_role = Role::Error;
                    self.rescore();
                } else {
                    self.enter_summary(cx.ui, &p);
                }
                true
            }
            "submit" => {
                let v = take::<Value>(value).unwrap_or_default();
                if let Some(d) = &self.drafts {
                    d.clear(&self.key_name());
                }
                let state = crate::tui::screens::text_of(cx.ui, &v["state_name"]);
                cx.success(&trf(
                    cx.lang(),
                    "declare.summary.submitted",
                    &[("state", &state)],
                ));
                // back to where the form was opened from (the detail or the list, which
                // reload and show the new state)
                cx.pop();
                true
            }
            "retry" => {
                self.retrying = false;
                if self.offline_copy || self.form.is_none() {
                    self.load(cx);
                } else if self.unsynced() {
                    self.save(cx);
                }
                true
            }
            _ => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        let lang = cx.lang();
        match kind {
            "level" => {
                // without the assessment level the panel scores indicator 5 as none
                self.level = Some(None);
                self.rescore();
                if is_offline(&error) {
                    self.schedule_retry(cx);
                }
            }
            "form" => {
                let kept = self.drafts.as_ref().and_then(|d| d.load(&self.key_name()));
                match kept {
                    Some(d) if is_offline(&error) && d.context.is_some() && self.form.is_none() => {
                        let context = d.context.clone().unwrap_or_default();
                        self.build(cx.ui, context, Some(d));
                        self.offline_copy = true;
                        self.status = cx.tr("declare.form.offline_copy");
                        self.status_role = Role::Warning;
                        self.schedule_retry(cx);
                    }
                    _ if self.form.is_some() && is_offline(&error) => self.schedule_retry(cx),
                    _ => {
                        self.load_error = Some(error_text(lang, &error));
                        if is_offline(&error) {
                            self.schedule_retry(cx);
                        }
                    }
                }
            }
            "save" | "prepare" => {
                self.sending = None;
                if is_offline(&error) {
                    keep(
                        self.drafts.as_ref(),
                        &self.key_name(),
                        &Draft {
                            values: self.values(),
                            base_version: self.version,
                            pending: true,
                            context: self.form.clone(),
                        },
                    );
                    self.kept_values = self.values();
                    self.status = cx.tr("declare.form.kept_offline");
                    self.status_role = Role::Warning;
                    self.schedule_retry(cx);
                } else if let Some(p) = error.problem().filter(|p| p.code == "conflict") {
                    self.version = p.current_version.or(self.version);
                    self.status = format!(
                        "{}\n{}",
                        error_text(lang, &error),
                        cx.tr("declare.form.conflict_hint")
                    );
                    self.status_role = Role::Warning;
                } else {
                    let errors = field_errors(lang, &error);
                    let placed = self.show_field_errors(&errors);
                    self.status = if placed > 0 && placed == errors.len() {
                        cx.tr("form.fix_fields")
                    } else {
                        error_text(lang, &error)
                    };
                    self.status_role = Role::Error;
                }
            }
            "submit" => {
                let errors = field_errors(lang, &error);
                let placed = self.show_field_errors(&errors);
                if placed > 0 {
                    self.mode = Mode::Edit;
                    self.status = cx.tr("form.fix_fields");
                    self.status_role = Role::Error;
                    self.rescore();
                } else if let Mode::Summary(s) = &mut self.mode {
                    s.working = false;
                    s.error = Some(error_text(lang, &error));
                }
            }
            "retry" => {
                self.retrying = false;
                self.schedule_retry(cx);
            }
            _ => cx.error(&error),
        }
        true
    }

    fn loading(&self) -> bool {
        // what is typed before the form is there goes into it once it is
        self.sections.is_empty() && self.form.is_none() && self.load_error.is_none()
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.cursor = None;
        let title = self.heading(ui);
        if self.sections.is_empty() {
            let (text, role) = match &self.load_error {
                Some(e) => (e.clone(), Role::Error),
                None if self.form.is_some() => (ui.tr("declare.form.empty"), Role::Muted),
                None => (ui.tr("common.loading"), Role::Muted),
            };
            render_message(area, buf, ui, &title, &text, role);
            return;
        }
        let wide = area.width >= 110;
        let (main, side) = if wide {
            let w = area.width * 11 / 20;
            (
                Rect { width: w, ..area },
                Rect {
                    x: area.x + w,
                    width: area.width - w,
                    ..area
                },
            )
        } else {
            // the form keeps room for its longest page; the panel takes the rest
            let need = self
                .sections
                .iter()
                .map(|s| {
                    s.form
                        .fields()
                        .iter()
                        .map(|f| match f.kind {
                            FieldKind::MultiLine { rows } => rows,
                            _ => 1,
                        })
                        .sum::<u16>()
                })
                .max()
                .unwrap_or(0)
                + 6;
            let h = area
                .height
                .saturating_sub(need)
                .max(7)
                .min(area.height.saturating_sub(9));
            (
                Rect {
                    height: area.height - h,
                    ..area
                },
                Rect {
                    y: area.y + area.height - h,
                    height: h,
                    ..area
                },
            )
        };
        let panel_title = ui.tr(match self.mode {
            Mode::Edit => "declare.score.title",
            Mode::Summary(_) => "declare.score.server_title",
        });
        self.panel.render(side, buf, ui, &panel_title);
        if let Mode::Summary(summary) = &mut self.mode {
            render_summary(summary, main, buf, ui);
            return;
        }
        let b = block(ui, &title, true);
        let inner = b.inner(main);
        b.render(main, buf);
        if inner.height < 4 || inner.width < 10 {
            return;
        }
        let content = Rect {
            x: inner.x + 1,
            width: inner.width - 2,
            ..inner
        };
        self.render_edit(content, buf, ui);
    }

    fn cursor(&self) -> Option<Position> {
        self.cursor
    }
}

trait MapUnitForm {
    fn map_unit_form(self) -> Handled;
}

impl MapUnitForm for Handled<FormEvent> {
    fn map_unit_form(self) -> Handled {
        match self {
            Handled::Ignored => Handled::Ignored,
            Handled::Unchanged => Handled::Unchanged,
            _ => Handled::Changed,
        }
    }
}

impl DeclarationForm {
    fn heading(&self, ui: &Ui) -> String {
        match &self.form {
            Some(f) => trf(
                ui.lang,
                "declare.form.title",
                &[
                    ("tier", &super::tier_label(ui, &f["tier"])),
                    (
                        "batch",
                        &f["batch"].as_i64().unwrap_or_default().to_string(),
                    ),
                ],
            ),
            None => ui.tr("declare.form.crumb"),
        }
    }

    fn render_edit(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        // the tabs
        let tabs: Vec<String> = self
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{} {}", i + 1, s.title))
            .collect();
        let full: usize = tabs.iter().map(|t| crate::display::width(t) + 3).sum();
        if full <= area.width as usize {
            let mut x = area.x;
            for (i, t) in tabs.iter().enumerate() {
                let style = if i == self.current {
                    ui.style(Role::Selection)
                } else {
                    ui.style(Role::Muted)
                };
                let label = format!(" {t} ");
                x = put(
                    buf,
                    x,
                    area.y,
                    &label,
                    area.right().saturating_sub(x),
                    style,
                );
                x += 1;
            }
        } else {
            let t = format!(
                "‹ {}/{} {} ›",
                self.current + 1,
                self.sections.len(),
                self.sections[self.current].title
            );
            put(
                buf,
                area.x,
                area.y,
                &t,
                area.width,
                ui.style(Role::Selection),
            );
        }
        // the status and the focused field's full label and help, from the bottom up
        let mut bottom = area.bottom();
        let status_rows = if self.status.is_empty() {
            0
        } else {
            render_status(
                buf,
                Rect {
                    y: area.y + 1,
                    height: bottom - area.y - 1,
                    ..area
                },
                &self.status,
                self.status_role,
                ui,
                3,
            )
        };
        bottom -= status_rows;
        let section = &mut self.sections[self.current];
        // the focused field's full label and help (its error, when it has one, says enough)
        let help = section
            .form
            .focused()
            .filter(|id| section.form.field(id).is_some_and(|f| f.error.is_none()))
            .and_then(|id| section.help.get(id))
            .map(|(label, help)| match help {
                Some(h) => format!(
                    "{label}{}{h}",
                    if ui.lang == Lang::Zh { "：" } else { ": " }
                ),
                None => label.clone(),
            })
            .unwrap_or_default();
        let help_rows = if help.is_empty() || bottom <= area.y + 4 {
            0
        } else {
            render_status(
                buf,
                Rect {
                    y: area.y + 1,
                    height: bottom - area.y - 1,
                    ..area
                },
                &help,
                Role::Info,
                ui,
                2,
            )
        };
        bottom -= help_rows;
        let form_area = Rect {
            y: area.y + 1,
            height: bottom.saturating_sub(area.y + 1),
            ..area
        };
        section.form.render(form_area, buf, ui);
        self.cursor = section.form.cursor_position();
    }
}

/// The summary: what will be sent (scrollable), then the confirmations in their own box.
fn render_summary(s: &mut Summary, area: Rect, buf: &mut Buffer, ui: &Ui) {
    let w = area.width.saturating_sub(4).max(2) as usize;
    let mut lines: Vec<(String, Role)> = Vec::new();
    for (i, (label, given)) in s.confirms.iter().enumerate() {
        let mark = if *given { "[x]" } else { "[ ]" };
        let role = if i == s.focus {
            Role::Selection
        } else if *given {
            Role::Success
        } else {
            Role::Text
        };
        for (j, l) in crate::display::wrap(label, w.saturating_sub(4).max(2))
            .into_iter()
            .enumerate()
        {
            let l = if j == 0 {
                format!("{mark} {l}")
            } else {
                format!("    {l}")
            };
            lines.push((l, role));
        }
    }
    if s.working {
        lines.push((ui.tr("declare.summary.working"), Role::Muted));
    }
    if let Some(e) = &s.error {
        for l in crate::display::wrap(e, w).into_iter().take(4) {
            lines.push((l, Role::Error));
        }
    }
    let n = (lines.len() as u16).min(area.height.saturating_sub(6));
    let text = Rect {
        height: area.height - n - 2,
        ..area
    };
    s.text.render(text, buf, ui);
    let boxed = Rect {
        y: text.bottom(),
        height: n + 2,
        ..area
    };
    let title = ui.tr("declare.summary.confirm_title");
    let b = block(ui, &title, true);
    let inner = b.inner(boxed);
    b.render(boxed, buf);
    for (i, (l, r)) in lines.iter().take(n as usize).enumerate() {
        put(
            buf,
            inner.x + 1,
            inner.y + i as u16,
            l,
            inner.width.saturating_sub(2),
            ui.style(*r),
        );
    }
}

/// What will be sent: the declaration, the server's evaluation, the evidence, every field.
fn summary_text(
    ui: &Ui,
    form: Option<&Value>,
    panel: &ScorePanel,
    breakdown: Option<&Breakdown>,
    evidence: &Value,
    state: Option<State>,
    values: &Value,
) -> String {
    let lang = ui.lang;
    let text_of = |v: &Value| crate::tui::screens::text_of(ui, v);
    let mut out = Vec::new();
    if let Some(f) = form {
        let authority = f["authority_code"]
            .as_str()
            .map(|c| {
                crate::domain::regions::Regions::builtin()
                    .get(c)
                    .map(|r| r.name.to_string())
                    .unwrap_or_else(|| c.to_string())
            })
            .unwrap_or_default();
        out.push(trf(
            lang,
            "declare.summary.what",
            &[
                ("tier", &super::tier_label(ui, &f["tier"])),
                (
                    "batch",
                    &f["batch"].as_i64().unwrap_or_default().to_string(),
                ),
                ("authority", &authority),
            ],
        ));
    }
    out.push(panel.headline(ui));
    if let Some(b) = breakdown {
        for t in b.gates.iter().filter(|t| !t.status.holds()) {
            out.push(format!(
                "  {}{}{}",
                t.label.get(lang),
                if lang == Lang::Zh { "：" } else { ": " },
                t.status.name().get(lang)
            ));
        }
    }
    if state == Some(State::Returned) {
        out.push(ui.tr("declare.summary.returned"));
    }
    out.push(String::new());
    let files = evidence.as_array().cloned().unwrap_or_default();
    if files.is_empty() {
        out.push(ui.tr("declare.summary.no_evidence"));
    } else {
        out.push(trf(
            lang,
            "declare.summary.evidence",
            &[("n", &files.len().to_string())],
        ));
        for e in &files {
            out.push(format!("  {}", e["name"].as_str().unwrap_or_default()));
        }
    }
    for s in values["sections"].as_array().into_iter().flatten() {
        out.push(String::new());
        out.push(format!("【{}】", text_of(&s["title"])));
        for f in s["fields"].as_array().into_iter().flatten() {
            out.push(format!(
                "  {}{}{}",
                text_of(&f["label"]),
                if lang == Lang::Zh { "：" } else { ": " },
                value_text(ui, f)
            ));
        }
    }
    out.join("\n")
}
