//! One decision for many items: sent a few at a time (each item is decided in its own
//! transaction by the API, so one refusal never stops the others), with a progress bar and a
//! result per item — decided (and where it went), refused with the API's reason, or taken by
//! another reviewer first. Esc while it runs stops after the items already sent.

use super::decide::{Decision, Target};
use super::{conflict_parts, state_text};
use crate::client::ClientError;
use crate::i18n::{tr, trf};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::theme::Role;
use crate::tui::widgets::progress::{Progress, Unit};
use crate::tui::widgets::table::{Column, Table, VecSource};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use serde_json::{Value, json};
use std::any::Any;

/// Items per request: small enough for the bar to move, large enough to be quick.
pub const CHUNK: usize = 10;

/// How one item ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Decided; the new state as shown.
    Done(String),
    /// Another reviewer acted first (plain words).
    Conflict(String),
    /// Refused by the API (its reason).
    Refused(String),
    /// Not sent: the user stopped.
    Skipped,
}

/// The bulk decision screen.
pub struct BulkScreen {
    targets: Vec<Target>,
    decision: Decision,
    reason: String,
    /// The next target to send.
    next: usize,
    results: Vec<Option<Outcome>>,
    progress: Progress,
    table: Table,
    source: VecSource,
    running: bool,
    stopped: bool,
    failed: Option<String>,
}

impl BulkScreen {
    pub fn new(ui: &Ui, targets: Vec<Target>, decision: Decision, reason: String) -> BulkScreen {
        let n = targets.len();
        let t = |k: &str| ui.tr(&format!("review.bulk.col.{k}"));
        BulkScreen {
            results: vec![None; n],
            progress: Progress::new(&ui.tr("review.bulk.progress"), Some(n as u64), Unit::Items),
            table: Table::new(vec![
                Column::new(&t("name"), 16, 36).unsortable(),
                Column::new(&t("result"), 8, 10).unsortable(),
                Column::new(&t("detail"), 20, 80).priority(1).unsortable(),
            ]),
            source: VecSource::default(),
            targets,
            decision,
            reason,
            next: 0,
            running: false,
            stopped: false,
            failed: None,
        }
    }

    /// Takes the answers for the first items, sent before the screen opened.
    pub fn with_first(mut self, ui: &Ui, answers: &Value) -> BulkScreen {
        self.next = CHUNK.min(self.targets.len());
        self.apply(ui, answers);
        self
    }

    /// The outcome of each item, in order (None: not answered yet).
    pub fn outcomes(&self) -> &[Option<Outcome>] {
        &self.results
    }

    fn send_next(&mut self, cx: &mut Ctx) {
        if self.stopped || self.next >= self.targets.len() {
            self.finish(cx);
            return;
        }
        let end = (self.next + CHUNK).min(self.targets.len());
        let chunk: Vec<(String, i64)> = self.targets[self.next..end]
            .iter()
            .map(|t| (t.id.clone(), t.version))
            .collect();
        self.next = end;
        self.running = true;
        let decision = match self.decision {
            Decision::Pass => json!({"decision": "pass"}),
            d => json!({"decision": d.code(), "reason": self.reason}),
        };
        cx.spawn("chunk", move |c| async move {
            c.bulk_decide(&chunk, &decision).await
        });
    }

    fn finish(&mut self, cx: &mut Ctx) {
        self.running = false;
        for r in self.results.iter_mut().filter(|r| r.is_none()) {
            *r = Some(Outcome::Skipped);
        }
        self.progress.finish();
        self.rebuild(cx.ui);
    }

    fn apply(&mut self, ui: &Ui, answers: &Value) {
        let lang = ui.lang;
        for a in answers.as_array().into_iter().flatten() {
            let id = a["id"].as_str().unwrap_or_default();
            let Some(i) = self.targets.iter().position(|t| t.id == id) else {
                continue;
            };
            let outcome = if a["ok"].as_bool() == Some(true) {
                Outcome::Done(state_text(lang, &a["result"]["item"]["state"]))
            } else {
                match serde_json::from_value::<crate::api::problem::Problem>(a["problem"].clone()) {
                    Ok(p) => {
                        let e = ClientError::Problem(Box::new(p));
                        match conflict_parts(lang, &e) {
                            Some((who, at)) => Outcome::Conflict(trf(
                                lang,
                                "review.bulk.conflict_detail",
                                &[("who", &who), ("at", &at)],
                            )),
                            None => Outcome::Refused(error_text(lang, &e)),
                        }
                    }
                    Err(_) => Outcome::Refused(tr(lang, "review.bulk.unknown")),
                }
            };
            self.results[i] = Some(outcome);
        }
        let answered = self.results.iter().filter(|r| r.is_some()).count();
        self.progress.set(answered as u64);
        self.rebuild(ui);
    }

    fn rebuild(&mut self, ui: &Ui) {
        let lang = ui.lang;
        let rows = self
            .targets
            .iter()
            .zip(&self.results)
            .filter_map(|(t, r)| {
                let (label, detail) = match r.as_ref()? {
                    Outcome::Done(state) => (
                        tr(lang, "review.bulk.ok"),
                        trf(lang, "review.bulk.now", &[("state", state)]),
                    ),
                    Outcome::Conflict(m) => (tr(lang, "review.bulk.conflict"), m.clone()),
                    Outcome::Refused(m) => (tr(lang, "review.bulk.refused"), m.replace('\n', " ")),
                    Outcome::Skipped => (
                        tr(lang, "review.bulk.skipped"),
                        tr(lang, "review.bulk.skipped_detail"),
                    ),
                };
                Some(vec![t.name.clone(), label, detail])
            })
            .collect();
        self.source = VecSource::new(rows);
    }

    fn summary(&self, ui: &Ui) -> (String, Role) {
        let count = |f: fn(&Outcome) -> bool| {
            self.results
                .iter()
                .flatten()
                .filter(|o| f(o))
                .count()
                .to_string()
        };
        let ok = count(|o| matches!(o, Outcome::Done(_)));
        let bad = count(|o| matches!(o, Outcome::Conflict(_) | Outcome::Refused(_)));
        let skipped = count(|o| matches!(o, Outcome::Skipped));
        let key = if self.running {
            "review.bulk.running"
        } else {
            "review.bulk.summary"
        };
        let role = if bad != "0" {
            Role::Warning
        } else {
            Role::Success
        };
        (
            trf(
                ui.lang,
                key,
                &[("ok", &ok), ("bad", &bad), ("skipped", &skipped)],
            ),
            role,
        )
    }
}

impl Screen for BulkScreen {
    fn title(&self, ui: &Ui) -> String {
        trf(
            ui.lang,
            &format!("review.bulk.{}.title", self.decision.code()),
            &[("n", &self.targets.len().to_string())],
        )
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["down", "up", "half_page_down"])
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.rebuild(cx.ui);
        self.send_next(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if self.running && super::is_back(ev, cx.keymap) {
            if !self.stopped {
                self.stopped = true;
                cx.info(&cx.tr("review.bulk.stopping"));
            }
            return Handled::Changed;
        }
        match self.table.handle_key(ev, cx.keymap, &self.source) {
            Handled::Event(_) => Handled::Unchanged,
            h => super::plain(h),
        }
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        self.apply(cx.ui, &v);
        self.send_next(cx);
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        // the whole request was refused (e.g. the reason): nothing more is sent
        self.failed = Some(error_text(cx.lang(), &error));
        self.stopped = true;
        self.progress.fail(&cx.tr("review.bulk.failed"));
        self.finish(cx);
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = self.title(ui);
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        if inner.height < 5 {
            return;
        }
        let w = inner.width.saturating_sub(2);
        let mut y = inner.y;
        if !self.reason.is_empty() {
            let r = trf(ui.lang, "review.bulk.reason", &[("reason", &self.reason)]);
            put(buf, inner.x + 1, y, &r, w, ui.style(Role::Muted));
            y += 1;
        }
        self.progress.render(
            Rect {
                x: inner.x + 1,
                y,
                width: w,
                height: 1,
            },
            buf,
            ui,
        );
        y += 1;
        let (summary, role) = self.summary(ui);
        put(buf, inner.x + 1, y, &summary, w, ui.style(role));
        y += 1;
        if let Some(f) = &self.failed {
            put(buf, inner.x + 1, y, f, w, ui.style(Role::Error));
            y += 1;
        }
        let rest = Rect {
            x: inner.x + 1,
            y: y + 1,
            width: w,
            height: inner.bottom().saturating_sub(y + 1),
        };
        self.table.render(rest, buf, ui, &self.source);
    }
}
