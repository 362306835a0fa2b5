//! 数字化水平评测: the attempts and the result that counts ([`AssessmentHome`]), the
//! questionnaire one dimension per panel ([`AnswerSheet`]) and a completed attempt's result
//! ([`AssessmentResult`]).
//!
//! The questionnaire is the one the API starts: an enterprise gets the one its 所属行业 selects,
//! a natural person chooses. Every answer is saved through the API as it is chosen (one save in
//! flight at a time, later choices sent together with the version the last save returned), so
//! an attempt can be left at any point and resumed from the history. Completing it, the score per
//! dimension, the level and what it earns for 专精特新 indicator 5 all come from the API.

use super::{Line, Sheet, fixed_hint, hint, minutes_of, number_text};
use crate::client::{ClientError, Tagged};
use crate::domain::assessment::{Dimension, Questionnaire};
use crate::domain::tiers::AssessmentCategory;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, field_errors, take};
use crate::tui::screens::{Status, text_of};
use crate::tui::theme::Role;
use crate::tui::widgets::dialog::{Confirm, ConfirmEvent};
use crate::tui::widgets::menu::{Menu, MenuItem};
use crate::tui::widgets::progress::{Progress, Unit};
use crate::tui::widgets::table::{Column, RowSource, Table, TableEvent, VecSource};
use crate::tui::widgets::{Handled, block, centered, clear, put};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;
use std::collections::BTreeMap;

/// An attempt with its questionnaire, as a start or a resume hands them to [`AnswerSheet`].
type Started = (Tagged, Value);

/// Starts (or resumes: the API returns an open attempt of the same questionnaire) an attempt;
/// the answer comes back as `start` with a [`Started`].
fn spawn_start(cx: &mut Ctx, category: Option<String>) {
    cx.spawn("start", move |c| async move {
        let a = c.start_assessment(category.as_deref()).await?;
        let id = a["id"].as_str().unwrap_or_default().to_string();
        let tagged = c.assessment(&id).await?;
        let cat = a["category"].as_str().unwrap_or_default().to_string();
        let q = c.questionnaire(&cat).await?;
        Ok::<Started, ClientError>((tagged, q))
    });
}

/// Opens an open attempt again; the answer comes back as `resume` with a [`Started`].
fn spawn_resume(cx: &mut Ctx, id: String) {
    cx.spawn("resume", move |c| async move {
        let tagged = c.assessment(&id).await?;
        let cat = tagged.value["category"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let q = c.questionnaire(&cat).await?;
        Ok::<Started, ClientError>((tagged, q))
    });
}

/// The questionnaire screen for a started attempt (or the decoding problem as a message).
fn answer_sheet(ui: &Ui, started: Started) -> Result<AnswerSheet, String> {
    let (tagged, q) = started;
    let q: Questionnaire = serde_json::from_value(q)
        .map_err(|e| crate::i18n::trf(ui.lang, "error.decode", &[("detail", &e.to_string())]))?;
    Ok(AnswerSheet::new(ui, tagged, q))
}

/// The level's name of an attempt, or "no level".
fn level_text(ui: &Ui, a: &Value) -> String {
    if a["level_name"].is_null() {
        ui.tr("ent.assess.no_level")
    } else {
        text_of(ui, &a["level_name"])
    }
}

// ---------------------------------------------------------------------------------------------
// The assessment's home: the result that counts, the history, start / resume / retake
// ---------------------------------------------------------------------------------------------

/// The attempts of the account and the result that counts.
pub struct AssessmentHome {
    items: Vec<Value>,
    table: Table,
    source: VecSource,
    /// The detail of the attempt that counts.
    counting: Option<Value>,
    loaded: bool,
    failed: Option<String>,
    /// A natural person chooses the questionnaire.
    natural: bool,
    chooser: Option<Menu>,
    /// Discarding an unfinished attempt of another questionnaire, then starting `category`.
    confirm: Option<(Confirm, String, i64, Option<String>)>,
    /// The questionnaire of the last start (a natural person's choice).
    last_category: Option<String>,
}

impl AssessmentHome {
    pub fn new(ui: &Ui) -> AssessmentHome {
        AssessmentHome {
            items: Vec::new(),
            table: Table::new(vec![
                Column::new(&ui.tr("ent.assess.col.started"), 16, 16),
                Column::new(&ui.tr("ent.assess.col.questionnaire"), 6, 16),
                Column::new(&ui.tr("ent.assess.col.status"), 6, 20),
                Column::new(&ui.tr("ent.assess.col.total"), 5, 6).right(),
                Column::new(&ui.tr("ent.assess.col.level"), 4, 10),
                Column::new(&ui.tr("ent.assess.col.completed"), 16, 16).priority(2),
            ]),
            source: VecSource::new(Vec::new()),
            counting: None,
            loaded: false,
            failed: None,
            natural: false,
            chooser: None,
            confirm: None,
            last_category: None,
        }
    }

    fn load(&mut self, cx: &mut Ctx) {
        self.natural = cx
            .session
            .account
            .as_ref()
            .is_some_and(|a| a.kind == "natural");
        cx.spawn("list", |c| async move { c.assessments().await });
    }

    fn open_attempt(&self) -> Option<&Value> {
        self.items.iter().find(|a| a["completed_at"].is_null())
    }

    fn rebuild(&mut self, ui: &Ui) {
        let rows = self
            .items
            .iter()
            .map(|a| {
                let open = a["completed_at"].is_null();
                let status = if open {
                    ui.tr("ent.assess.status.open")
                } else if a["counts"] == true {
                    ui.tr("ent.assess.status.counts")
                } else {
                    ui.tr("ent.assess.status.done")
                };
                vec![
                    minutes_of(&a["started_at"]),
                    text_of(ui, &a["category_name"]),
                    status,
                    if open {
                        String::new()
                    } else {
                        number_text(&a["total"]).unwrap_or_default()
                    },
                    if open {
                        String::new()
                    } else {
                        level_text(ui, a)
                    },
                    minutes_of(&a["completed_at"]),
                ]
            })
            .collect();
        self.source = VecSource::new(rows);
        self.source.apply(self.table.sort(), self.table.filter());
    }

    /// Starts, resumes or retakes: an enterprise gets its questionnaire (the API resumes an
    /// unfinished attempt); a natural person chooses one first.
    fn start(&mut self, cx: &mut Ctx) -> Handled {
        if self.natural {
            self.chooser = Some(Menu::new(
                AssessmentCategory::ALL
                    .iter()
                    .map(|c| {
                        MenuItem::new(
                            c.name().get(cx.lang()).to_string(),
                            Questionnaire::builtin(*c)
                                .title()
                                .get(cx.lang())
                                .to_string(),
                        )
                    })
                    .collect(),
            ));
            return Handled::Changed;
        }
        self.begin(cx, None);
        Handled::Unchanged
    }

    fn begin(&mut self, cx: &mut Ctx, category: Option<String>) {
        self.last_category = category.clone();
        spawn_start(cx, category);
    }

    fn start_label(&self) -> &'static str {
        if self.open_attempt().is_some() && !self.natural {
            "ent.key.resume"
        } else if self.items.is_empty() {
            "ent.key.start_assessment"
        } else {
            "ent.key.retake"
        }
    }

    fn summary_lines(&self, ui: &Ui) -> Vec<Line> {
        let mut lines = Vec::new();
        match &self.counting {
            Some(a) => {
                lines.push(Line::Pair(
                    ui.tr("ent.assess.current"),
                    crate::i18n::trf(
                        ui.lang,
                        "ent.assess.current_value",
                        &[
                            ("level", &level_text(ui, a)),
                            ("total", &number_text(&a["total"]).unwrap_or_default()),
                            ("date", &minutes_of(&a["completed_at"])),
                            ("questionnaire", &text_of(ui, &a["category_name"])),
                        ],
                    ),
                    Role::Success,
                ));
                if let Some(p) = number_text(&a["indicator5_points"]) {
                    lines.push(Line::Pair(
                        ui.tr("ent.result.indicator5"),
                        crate::i18n::trf(ui.lang, "ent.result.indicator5_value", &[("points", &p)]),
                        Role::Text,
                    ));
                }
            }
            None if self.loaded => {
                lines.push(Line::Para(ui.tr("ent.assess.none_yet"), Role::Muted))
            }
            None => {}
        }
        if let Some(open) = self.open_attempt() {
            lines.push(Line::Para(
                crate::i18n::trf(
                    ui.lang,
                    "ent.assess.open_note",
                    &[
                        ("date", &minutes_of(&open["started_at"])),
                        ("questionnaire", &text_of(ui, &open["category_name"])),
                    ],
                ),
                Role::Warning,
            ));
        }
        lines
    }
}

impl Screen for AssessmentHome {
    fn loading(&self) -> bool {
        self.failed.is_none() && !self.loaded
    }

    fn title(&self, ui: &Ui) -> String {
        ui.tr("ent.assess.title")
    }

    fn context(&self) -> Context {
        if self.confirm.is_some() {
            Context::Dialog
        } else if self.table.is_filtering() {
            Context::Form
        } else {
            Context::List
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.confirm.is_some() {
            return keymap.hints(Context::Dialog);
        }
        if self.chooser.is_some() {
            return keymap.hints_for(Context::List, &["open", "down", "up"]);
        }
        let mut h = Vec::new();
        h.extend(hint(keymap, Context::List, "new", self.start_label()));
        h.extend(hint(keymap, Context::List, "open", "ent.key.open_attempt"));
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
        if let Some((dialog, id, version, category)) = &mut self.confirm {
            return match dialog.handle_key(ev, cx.keymap) {
                Handled::Event(ConfirmEvent::Confirmed) => {
                    let (id, version, category) = (id.clone(), *version, category.clone());
                    self.confirm = None;
                    cx.spawn("discard", move |c| async move {
                        c.discard_assessment(&id, version).await?;
                        Ok::<Option<String>, ClientError>(category)
                    });
                    Handled::Changed
                }
                Handled::Event(ConfirmEvent::Cancelled) => {
                    self.confirm = None;
                    Handled::Changed
                }
                other => Handled::from_changed(other.changed()),
            };
        }
        if let Some(menu) = &mut self.chooser {
            if ev.code == KeyCode::Esc {
                self.chooser = None;
                return Handled::Changed;
            }
            return match menu.handle_key(ev, cx.keymap) {
                Handled::Event(i) => {
                    self.chooser = None;
                    let code = AssessmentCategory::ALL[i].code().to_string();
                    self.begin(cx, Some(code));
                    Handled::Changed
                }
                Handled::Ignored => Handled::Unchanged,
                other => Handled::from_changed(other.changed()),
            };
        }
        if !self.table.is_filtering() && cx.keymap.is(Context::List, "new", ev) {
            return self.start(cx);
        }
        match self.table.handle_key(ev, cx.keymap, &self.source) {
            Handled::Event(TableEvent::Open(i)) => {
                let at: Option<usize> = self.source.key(i).parse().ok();
                if let Some(a) = at.and_then(|at| self.items.get(at)) {
                    let id = a["id"].as_str().unwrap_or_default().to_string();
                    if a["completed_at"].is_null() {
                        spawn_resume(cx, id);
                    } else {
                        cx.spawn("open", move |c| async move { c.assessment(&id).await });
                    }
                }
                Handled::Unchanged
            }
            Handled::Event(_) => {
                self.source.apply(self.table.sort(), self.table.filter());
                Handled::Changed
            }
            other => super::plain(other),
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "list" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                self.items = v["items"].as_array().cloned().unwrap_or_default();
                self.loaded = true;
                self.failed = None;
                self.rebuild(cx.ui);
                match self
                    .items
                    .iter()
                    .find(|a| a["counts"] == true)
                    .and_then(|a| a["id"].as_str())
                {
                    Some(id) => {
                        let id = id.to_string();
                        cx.spawn("counting", move |c| async move { c.assessment(&id).await });
                    }
                    None => self.counting = None,
                }
                true
            }
            "counting" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                self.counting = Some(t.value);
                true
            }
            "open" => {
                if let Some(t) = take::<Tagged>(value) {
                    let s = AssessmentResult::new(cx.ui, t.value);
                    cx.push(s);
                }
                false
            }
            "start" | "resume" => {
                if let Some(started) = take::<Started>(value) {
                    match answer_sheet(cx.ui, started) {
                        Ok(s) => cx.push(s),
                        Err(m) => cx.info(&m),
                    }
                }
                false
            }
            "discard" => {
                if let Some(category) = take::<Option<String>>(value) {
                    self.begin(cx, category);
                }
                self.load(cx);
                false
            }
            _ => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        match kind {
            "list" => {
                self.failed = Some(error_text(cx.lang(), &error));
                self.loaded = true;
            }
            "start" if error.code() == Some("assessment_open") => {
                // an unfinished attempt of another questionnaire: offer to discard it
                match self.open_attempt() {
                    Some(open) => {
                        let id = open["id"].as_str().unwrap_or_default().to_string();
                        let version = open["version"].as_i64().unwrap_or(0);
                        let category = self.last_category.clone();
                        self.confirm = Some((
                            Confirm::new(
                                &cx.tr("ent.assess.discard_title"),
                                &error_text(cx.lang(), &error),
                                &cx.tr("ent.assess.discard_confirm"),
                                &cx.tr("ent.assess.discard_cancel"),
                            ),
                            id,
                            version,
                            category,
                        ));
                    }
                    None => cx.error(&error),
                }
            }
            _ => cx.error(&error),
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("ent.assess.title");
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        let inner = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        };
        if inner.height < 4 || inner.width < 10 {
            return;
        }
        if let Some(m) = &self.failed {
            put(buf, inner.x, inner.y, m, inner.width, ui.style(Role::Error));
            return;
        }
        if !self.loaded {
            put(
                buf,
                inner.x,
                inner.y,
                &ui.tr("common.loading"),
                inner.width,
                ui.style(Role::Muted),
            );
            return;
        }
        let mut summary = Sheet::new(self.summary_lines(ui));
        let need = summary.rows_for(inner.width) as u16;
        let top_h = need.min(inner.height / 2);
        summary.render(
            Rect {
                height: top_h,
                ..inner
            },
            buf,
            ui,
        );
        let heading_y = inner.y + top_h + u16::from(top_h > 0);
        put(
            buf,
            inner.x,
            heading_y,
            &ui.tr("ent.assess.history"),
            inner.width,
            ui.style(Role::Title),
        );
        let list = Rect {
            y: heading_y + 1,
            height: inner.bottom().saturating_sub(heading_y + 1),
            ..inner
        };
        self.table.render(list, buf, ui, &self.source);
        if let Some(menu) = &self.chooser {
            let w = 64.min(area.width);
            let rect = centered(area, w, menu.items.len() as u16 + 4);
            clear(buf, rect, ui.style(Role::Text));
            let t = ui.tr("ent.assess.choose");
            let b = block(ui, &t, true);
            let mi = b.inner(rect);
            b.render(rect, buf);
            let mi = Rect {
                y: mi.y + 1,
                height: mi.height.saturating_sub(1),
                ..mi
            };
            menu.render(mi, buf, ui, true);
        }
        if let Some((dialog, ..)) = &self.confirm {
            dialog.render(area, buf, ui);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The questionnaire
// ---------------------------------------------------------------------------------------------

/// Answering an open attempt, one dimension per panel.
pub struct AnswerSheet {
    id: String,
    version: i64,
    q: Questionnaire,
    /// Answers the API holds.
    saved: BTreeMap<String, u8>,
    /// Chosen, not sent yet.
    pending: BTreeMap<String, i64>,
    /// Sent, not confirmed yet.
    sending: BTreeMap<String, i64>,
    dims: Vec<Dimension>,
    dim: usize,
    cursor: usize,
    offset: usize,
    status: Status,
    /// Complete once the saves are through.
    completing: bool,
    confirm: Option<Confirm>,
}

impl AnswerSheet {
    pub fn new(_ui: &Ui, attempt: Tagged, q: Questionnaire) -> AnswerSheet {
        let a = &attempt.value;
        let saved: BTreeMap<String, u8> = a["answers"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), u8::try_from(v.as_u64()?).ok()?)))
                    .collect()
            })
            .unwrap_or_default();
        let dims: Vec<Dimension> = Dimension::ALL
            .into_iter()
            .filter(|d| q.questions_in(*d).next().is_some())
            .collect();
        let mut s = AnswerSheet {
            id: a["id"].as_str().unwrap_or_default().to_string(),
            version: attempt
                .version
                .or_else(|| a["version"].as_i64())
                .unwrap_or(0),
            q,
            saved,
            pending: BTreeMap::new(),
            sending: BTreeMap::new(),
            dims,
            dim: 0,
            cursor: 0,
            offset: 0,
            status: Status::None,
            completing: false,
            confirm: None,
        };
        s.go_to_first_unanswered();
        s
    }

    /// The questions of the current panel.
    fn questions(&self) -> Vec<&crate::domain::assessment::Question> {
        match self.dims.get(self.dim) {
            Some(d) => self.q.questions_in(*d).collect(),
            None => Vec::new(),
        }
    }

    fn chosen(&self, id: &str) -> Option<usize> {
        self.pending
            .get(id)
            .or_else(|| self.sending.get(id))
            .map(|v| *v as usize)
            .or_else(|| self.saved.get(id).map(|v| usize::from(*v)))
    }

    fn answered_in(&self, d: Dimension) -> (usize, usize) {
        let qs: Vec<_> = self.q.questions_in(d).collect();
        let n = qs.iter().filter(|q| self.chosen(&q.id).is_some()).count();
        (n, qs.len())
    }

    fn answered(&self) -> usize {
        self.q
            .questions()
            .iter()
            .filter(|q| self.chosen(&q.id).is_some())
            .count()
    }

    fn go_to(&mut self, id: &str) -> bool {
        let Some(question) = self.q.question(id) else {
            return false;
        };
        let Some(d) = self.dims.iter().position(|d| *d == question.dimension) else {
            return false;
        };
        self.dim = d;
        self.cursor = self
            .questions()
            .iter()
            .position(|q| q.id == id)
            .unwrap_or(0);
        true
    }

    fn go_to_first_unanswered(&mut self) {
        let first = self
            .q
            .questions()
            .iter()
            .find(|q| self.chosen(&q.id).is_none())
            .map(|q| q.id.clone());
        if let Some(id) = first {
            self.go_to(&id);
        }
    }

    fn choose(&mut self, option: usize, cx: &mut Ctx) -> Handled {
        let (id, len, options) = {
            let qs = self.questions();
            let Some(question) = qs.get(self.cursor) else {
                return Handled::Unchanged;
            };
            (question.id.clone(), qs.len(), question.options.len())
        };
        if option >= options {
            return Handled::Unchanged;
        }
        self.pending.insert(id, option as i64);
        if self.cursor + 1 < len {
            self.cursor += 1;
        } else if self.answered_in(self.dims[self.dim]).0 == len && self.move_dim(true) {
            // the panel is complete: on to the next one, at its first open question
            let next = self
                .questions()
                .iter()
                .position(|q| self.chosen(&q.id).is_none())
                .unwrap_or(0);
            self.cursor = next;
        }
        if matches!(self.status, Status::Error(_)) {
            self.status = Status::None;
        }
        self.flush(cx);
        Handled::Changed
    }

    /// Sends the pending answers unless a save is already on its way.
    fn flush(&mut self, cx: &mut Ctx) {
        if !self.sending.is_empty() || self.pending.is_empty() {
            return;
        }
        self.sending = std::mem::take(&mut self.pending);
        let (id, version, answers) = (self.id.clone(), self.version, self.sending.clone());
        self.status = Status::Working(cx.tr("ent.sheet.saving"));
        cx.spawn("save", move |c| async move {
            c.save_answers(&id, version, &answers).await
        });
    }

    fn complete(&mut self, cx: &mut Ctx) {
        if !self.pending.is_empty() || !self.sending.is_empty() {
            self.completing = true;
            self.flush(cx);
            return;
        }
        self.completing = false;
        self.status = Status::Working(cx.tr("ent.sheet.completing"));
        let (id, version) = (self.id.clone(), self.version);
        cx.spawn("complete", move |c| async move {
            c.complete_assessment(&id, version).await
        });
    }

    fn move_dim(&mut self, forward: bool) -> bool {
        let to = if forward {
            (self.dim + 1).min(self.dims.len().saturating_sub(1))
        } else {
            self.dim.saturating_sub(1)
        };
        if to == self.dim {
            return false;
        }
        self.dim = to;
        self.cursor = 0;
        self.offset = 0;
        true
    }

    fn render_sheet(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = self.q.title().get(ui.lang).to_string();
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        let inner = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        };
        if inner.height < 8 || inner.width < 20 {
            return;
        }
        // the dimensions, the current one highlighted (the others by number when the names do
        // not fit)
        let labels: Vec<(String, String)> = self
            .dims
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let (n, of) = self.answered_in(*d);
                (
                    format!("{} {n}/{of}", d.name().get(ui.lang)),
                    format!("{} {n}/{of}", i + 1),
                )
            })
            .collect();
        let sep_w = 3 * labels.len().saturating_sub(1);
        let full_w: usize = labels
            .iter()
            .map(|(l, _)| crate::display::width(l))
            .sum::<usize>()
            + sep_w;
        let compact = full_w > inner.width as usize;
        let mut x = inner.x;
        for (i, d) in self.dims.iter().enumerate() {
            if i > 0 {
                x = put(
                    buf,
                    x,
                    inner.y,
                    &format!(" {} ", ui.symbols.separator),
                    inner.right().saturating_sub(x),
                    ui.style(Role::Border),
                );
            }
            let (n, of) = self.answered_in(*d);
            let label = if compact && i != self.dim {
                labels[i].1.clone()
            } else {
                labels[i].0.clone()
            };
            let style = if i == self.dim {
                ui.style(Role::Selection)
            } else if n == of {
                ui.style(Role::Success)
            } else {
                ui.style(Role::Text)
            };
            x = put(
                buf,
                x,
                inner.y,
                &label,
                inner.right().saturating_sub(x),
                style,
            );
        }
        // overall progress
        let mut p = Progress::new(
            &ui.tr("ent.sheet.progress"),
            Some(self.q.questions().len() as u64),
            Unit::Items,
        );
        p.set(self.answered() as u64);
        p.render(
            Rect {
                y: inner.y + 1,
                height: 1,
                ..inner
            },
            buf,
            ui,
        );
        // the status line at the bottom
        let status_y = inner.bottom() - 1;
        let (text, role) = match &self.status {
            Status::None => (String::new(), Role::Muted),
            Status::Working(t) | Status::Info(t) => (t.clone(), Role::Muted),
            Status::Error(t) => (t.clone(), Role::Error),
            Status::Success(t) => (t.clone(), Role::Success),
        };
        let status_lines: Vec<String> = crate::display::wrap(&text, inner.width as usize)
            .into_iter()
            .take(3)
            .collect();
        let status_h = if text.is_empty() {
            0
        } else {
            status_lines.len() as u16
        };
        for (i, l) in status_lines.iter().enumerate() {
            put(
                buf,
                inner.x,
                status_y + 1 - status_h + i as u16,
                l,
                inner.width,
                ui.style(role),
            );
        }
        // the current question in full
        let w = inner.width as usize;
        let (detail, len) = {
            let qs = self.questions();
            let Some(question) = qs.get(self.cursor) else {
                return;
            };
            let mut detail: Vec<(String, Role)> = Vec::new();
            let head = crate::i18n::trf(
                ui.lang,
                "ent.sheet.question",
                &[
                    ("n", &(self.cursor + 1).to_string()),
                    ("title", question.title.get(ui.lang)),
                ],
            );
            detail.push((head, Role::Title));
            for l in crate::display::wrap(question.help.get(ui.lang), w) {
                detail.push((l, Role::Muted));
            }
            let chosen = self.chosen(&question.id);
            for (i, o) in question.options.iter().enumerate() {
                let mark = if chosen == Some(i) {
                    ui.symbols.checked
                } else {
                    " "
                };
                let text = format!("{mark} {} {}", i + 1, o.label(ui.lang));
                let role = if chosen == Some(i) {
                    Role::Selection
                } else {
                    Role::Text
                };
                for (j, l) in crate::display::wrap(&text, w.saturating_sub(4).max(2))
                    .into_iter()
                    .enumerate()
                {
                    let l = if j == 0 { l } else { format!("    {l}") };
                    detail.push((l, role));
                }
            }
            (detail, qs.len())
        };
        let top = inner.y + 3;
        let bottom = status_y + 1 - status_h;
        let room = bottom.saturating_sub(top);
        let detail_h = (detail.len() as u16).min(room.saturating_sub(3));
        let list_h = room.saturating_sub(detail_h + 1).min(len as u16);
        // the questions of this panel, scrolled to the cursor
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if list_h > 0 && self.cursor >= self.offset + list_h as usize {
            self.offset = self.cursor + 1 - list_h as usize;
        }
        let num_w = len.to_string().len();
        let qs = self.questions();
        for (r, (i, question)) in qs
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(list_h as usize)
            .enumerate()
        {
            let y = top - 1 + r as u16;
            let is_cursor = i == self.cursor;
            let style = if is_cursor {
                ui.style(Role::Selection)
            } else {
                ui.style(Role::Text)
            };
            if is_cursor {
                buf.set_style(
                    Rect {
                        y,
                        height: 1,
                        ..inner
                    },
                    style,
                );
            }
            let chosen = self.chosen(&question.id);
            let mark = if chosen.is_some() {
                ui.symbols.checked
            } else {
                " "
            };
            let mark_style = if is_cursor {
                style
            } else {
                ui.style(Role::Success)
            };
            let mut x = put(buf, inner.x, y, mark, 1, mark_style);
            x += 1;
            x = put(
                buf,
                x,
                y,
                &format!("{:>num_w$} {}", i + 1, question.title.get(ui.lang)),
                inner.right().saturating_sub(x),
                style,
            );
            let answer = match chosen {
                Some(o) => question
                    .options
                    .get(o)
                    .map(|o| o.label(ui.lang).to_string())
                    .unwrap_or_default(),
                None => ui.tr("ent.sheet.unanswered"),
            };
            x += 2;
            if x + 4 < inner.right() {
                put(
                    buf,
                    x,
                    y,
                    &answer,
                    inner.right() - x,
                    if is_cursor {
                        style
                    } else {
                        ui.style(Role::Muted)
                    },
                );
            }
        }
        let dy = top - 1 + list_h;
        let rule = if ui.symbols.ascii { "-" } else { "─" };
        put(
            buf,
            inner.x,
            dy,
            &rule.repeat(inner.width as usize),
            inner.width,
            ui.style(Role::Border),
        );
        for (r, (l, role)) in detail.iter().take(detail_h as usize).enumerate() {
            put(
                buf,
                inner.x,
                dy + 1 + r as u16,
                l,
                inner.width,
                ui.style(*role),
            );
        }
    }
}

impl Screen for AnswerSheet {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("ent.sheet.title")
    }

    fn context(&self) -> Context {
        if self.confirm.is_some() {
            Context::Dialog
        } else {
            Context::List
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.confirm.is_some() {
            return keymap.hints(Context::Dialog);
        }
        let n = self
            .questions()
            .get(self.cursor)
            .map_or(0, |q| q.options.len());
        let mut h = vec![fixed_hint(&format!("1-{n}"), "ent.key.answer")];
        h.push(fixed_hint("Tab", "ent.key.next_dimension"));
        h.extend(hint(keymap, Context::Form, "submit", "ent.key.complete"));
        h.extend(keymap.hints_for(Context::List, &["down", "up"]));
        h
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if let Some(dialog) = &mut self.confirm {
            return match dialog.handle_key(ev, cx.keymap) {
                Handled::Event(ConfirmEvent::Confirmed) => {
                    self.confirm = None;
                    let (id, version) = (self.id.clone(), self.version);
                    cx.spawn("discard", move |c| async move {
                        c.discard_assessment(&id, version).await
                    });
                    Handled::Changed
                }
                Handled::Event(ConfirmEvent::Cancelled) => {
                    self.confirm = None;
                    Handled::Changed
                }
                other => Handled::from_changed(other.changed()),
            };
        }
        if cx.keymap.is(Context::Form, "submit", ev) {
            self.complete(cx);
            return Handled::Changed;
        }
        if let KeyCode::Char(c @ '1'..='9') = crate::tui::keymap::Key::from_event(ev).code {
            return self.choose(c as usize - '1' as usize, cx);
        }
        match ev.code {
            KeyCode::Tab | KeyCode::Right => return Handled::from_changed(self.move_dim(true)),
            KeyCode::BackTab | KeyCode::Left => {
                return Handled::from_changed(self.move_dim(false));
            }
            _ => {}
        }
        let len = self.questions().len();
        let to = match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
            Some("up") => self.cursor.saturating_sub(1),
            Some("down") => (self.cursor + 1).min(len.saturating_sub(1)),
            Some("top") => 0,
            Some("bottom") => len.saturating_sub(1),
            Some("open") => {
                if self.cursor + 1 < len {
                    self.cursor + 1
                } else {
                    return Handled::from_changed(self.move_dim(true));
                }
            }
            _ => return Handled::Ignored,
        };
        let changed = to != self.cursor;
        self.cursor = to;
        Handled::from_changed(changed)
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "save" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                self.version = t
                    .version
                    .or_else(|| t.value["version"].as_i64())
                    .unwrap_or(self.version);
                for (k, v) in std::mem::take(&mut self.sending) {
                    if let Ok(v) = u8::try_from(v) {
                        self.saved.insert(k, v);
                    }
                }
                self.status = Status::Info(crate::i18n::trf(
                    cx.lang(),
                    "ent.sheet.saved",
                    &[
                        ("n", &self.saved.len().to_string()),
                        ("total", &self.q.questions().len().to_string()),
                    ],
                ));
                if !self.pending.is_empty() {
                    self.flush(cx);
                } else if self.completing {
                    self.complete(cx);
                }
                true
            }
            "reload" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                self.version = t
                    .version
                    .or_else(|| t.value["version"].as_i64())
                    .unwrap_or(self.version);
                if let Some(m) = t.value["answers"].as_object() {
                    self.saved = m
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), u8::try_from(v.as_u64()?).ok()?)))
                        .collect();
                }
                self.flush(cx);
                true
            }
            "complete" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                let s = AssessmentResult::new(cx.ui, t.value);
                cx.replace(s);
                true
            }
            "discard" => {
                self.pending.clear();
                self.sending.clear();
                cx.info(&cx.tr("ent.sheet.discarded"));
                cx.pop();
                true
            }
            _ => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        let text = error_text(cx.lang(), &error);
        match kind {
            "save" => {
                // nothing chosen is lost: the answers wait to be sent again
                for (k, v) in std::mem::take(&mut self.sending) {
                    self.pending.entry(k).or_insert(v);
                }
                if error.code() == Some("conflict") {
                    let id = self.id.clone();
                    cx.spawn("reload", move |c| async move { c.assessment(&id).await });
                    self.status = Status::Working(cx.tr("ent.sheet.saving"));
                } else {
                    self.completing = false;
                    self.status =
                        Status::Error(format!("{text}\n{}", cx.tr("ent.sheet.save_failed")));
                }
            }
            "complete" => {
                if let Some((field, message)) = field_errors(cx.lang(), &error).into_iter().next()
                    && let Some(id) = field.strip_prefix("answers.")
                {
                    self.go_to(id);
                    self.status = Status::Error(message);
                } else if matches!(
                    error.code(),
                    Some("questionnaire_mismatch" | "questionnaire_outdated")
                ) {
                    self.status = Status::Error(text.clone());
                    self.confirm = Some(Confirm::new(
                        &cx.tr("ent.assess.discard_title"),
                        &text,
                        &cx.tr("ent.assess.discard_confirm"),
                        &cx.tr("ent.assess.discard_cancel"),
                    ));
                } else {
                    self.status = Status::Error(text);
                }
            }
            _ => self.status = Status::Error(text),
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.render_sheet(area, buf, ui);
        if let Some(d) = &self.confirm {
            d.render(area, buf, ui);
        }
    }

    fn has_unsaved(&self) -> bool {
        !self.pending.is_empty() || !self.sending.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// The result
// ---------------------------------------------------------------------------------------------

/// A completed attempt: total, level, score per dimension, what it is worth for 专精特新
/// indicator 5 and whether it is the one that counts.
pub struct AssessmentResult {
    attempt: Value,
    sheet: Sheet,
}

impl AssessmentResult {
    pub fn new(ui: &Ui, attempt: Value) -> AssessmentResult {
        let sheet = Sheet::new(Self::lines(ui, &attempt));
        AssessmentResult { attempt, sheet }
    }

    fn lines(ui: &Ui, a: &Value) -> Vec<Line> {
        let mut lines = vec![
            Line::Head(text_of(ui, &a["questionnaire_title"])),
            Line::Pair(
                ui.tr("ent.result.completed"),
                minutes_of(&a["completed_at"]),
                Role::Text,
            ),
            Line::Pair(
                ui.tr("ent.result.total"),
                crate::i18n::trf(
                    ui.lang,
                    "ent.result.total_value",
                    &[("total", &number_text(&a["total"]).unwrap_or_default())],
                ),
                Role::Title,
            ),
            Line::Pair(ui.tr("ent.result.level"), level_text(ui, a), Role::Success),
        ];
        if let Some(p) = number_text(&a["indicator5_points"]) {
            lines.push(Line::Pair(
                ui.tr("ent.result.indicator5"),
                crate::i18n::trf(ui.lang, "ent.result.indicator5_value", &[("points", &p)]),
                Role::Text,
            ));
        }
        let counts = match (a["counts"] == true, a["enterprise_id"].is_null()) {
            (true, false) => "ent.result.counts",
            (true, true) => "ent.result.counts_natural",
            (false, _) => "ent.result.superseded",
        };
        lines.push(Line::Para(
            ui.tr(counts),
            if a["counts"] == true {
                Role::Info
            } else {
                Role::Warning
            },
        ));
        lines.push(Line::Blank);
        lines.push(Line::Head(ui.tr("ent.result.dimensions")));
        const BAR: usize = 20;
        for d in a["result"]["dimensions"].as_array().into_iter().flatten() {
            let name = d["dimension"]
                .as_str()
                .and_then(Dimension::from_code)
                .map(|x| x.name().get(ui.lang).to_string())
                .unwrap_or_default();
            let earned = d["earned"].as_f64().unwrap_or(0.0);
            let max = d["max"].as_f64().unwrap_or(0.0);
            let share = if max > 0.0 {
                (earned / max).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let full = (share * BAR as f64).round() as usize;
            let bar = format!(
                "{}{}",
                ui.symbols.bar_full.repeat(full),
                ui.symbols.bar_empty.repeat(BAR - full)
            );
            lines.push(Line::Pair(
                name,
                format!(
                    "{:>5.1} / {:<3}{bar} {:>3.0}%",
                    earned,
                    number_text(&d["max"]).unwrap_or_default(),
                    share * 100.0
                ),
                Role::Text,
            ));
        }
        lines
    }

    /// The questionnaire to take again: a natural person keeps the one of this attempt.
    fn retake_category(&self) -> Option<String> {
        if self.attempt["enterprise_id"].is_null() {
            self.attempt["category"].as_str().map(str::to_string)
        } else {
            None
        }
    }
}

impl Screen for AssessmentResult {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("ent.result.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        let mut h = Vec::new();
        h.extend(hint(keymap, Context::List, "new", "ent.key.retake"));
        h.extend(keymap.hints_for(Context::List, &["down", "up"]));
        h
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if cx.keymap.is(Context::List, "new", ev) {
            spawn_start(cx, self.retake_category());
            return Handled::Unchanged;
        }
        self.sheet.handle_key(ev, cx.keymap)
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        if kind == "start"
            && let Some(started) = take::<Started>(value)
        {
            match answer_sheet(cx.ui, started) {
                Ok(s) => cx.replace(s),
                Err(m) => cx.info(&m),
            }
        }
        false
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("ent.result.title");
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
