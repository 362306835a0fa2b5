//! The reason of a decision: a popup over the queue or the detail with the province's reason
//! templates (常用审核意见) and the text itself. A template fills the text only while the text
//! is empty or still a template, so nothing typed is ever replaced. Whether a reason is needed
//! and how long it may be is the API's rule: its field error shows under the text.

use crate::client::ClientError;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screens::{FormPanel, PanelEvent, Status, text_of};
use crate::tui::theme::Role;
use crate::tui::widgets::form::{Field, Value as FieldValue};
use crate::tui::widgets::{Handled, centered, clear};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Pass,
    Return,
    Reject,
}

impl Decision {
    /// The API's action code.
    pub fn code(self) -> &'static str {
        match self {
            Decision::Pass => "pass",
            Decision::Return => "return",
            Decision::Reject => "reject",
        }
    }

    /// The keymap command (list context) that asks for it.
    pub fn from_command(cmd: &str) -> Option<Decision> {
        match cmd {
            "pass" => Some(Decision::Pass),
            "return" => Some(Decision::Return),
            "reject" => Some(Decision::Reject),
            _ => None,
        }
    }
}

/// An item a decision is made on: the version it was seen at goes with the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: String,
    pub version: i64,
    pub name: String,
}

/// The popup.
pub struct ReasonPanel {
    pub decision: Decision,
    pub targets: Vec<Target>,
    panel: FormPanel,
    /// Template texts in the active language, in list order (option values are indexes).
    templates: Vec<String>,
    cursor: Option<Position>,
}

const NO_TEMPLATE: &str = "-";

impl ReasonPanel {
    pub fn new(ui: &Ui, decision: Decision, targets: Vec<Target>) -> ReasonPanel {
        let code = decision.code();
        let title = ui.tr(&format!("review.decide.{code}.title"));
        let mut intro = Vec::new();
        intro.push(match targets.as_slice() {
            [one] => crate::i18n::trf(
                ui.lang,
                &format!("review.decide.{code}.one"),
                &[("name", &one.name)],
            ),
            many => crate::i18n::trf(
                ui.lang,
                &format!("review.decide.{code}.many"),
                &[("n", &many.len().to_string())],
            ),
        });
        intro.push(ui.tr(&format!("review.decide.{code}.intro")));
        let label = ui.tr(&format!("review.decide.{code}.text"));
        // a bulk pass records no note (the API's bulk decision has none): a plain confirmation
        let fields = if decision == Decision::Pass && targets.len() > 1 {
            Vec::new()
        } else {
            vec![
                template_field(ui, &[]),
                Field::multiline("reason", &label, 4)
                    .with_placeholder(&ui.tr(&format!("review.decide.{code}.placeholder"))),
            ]
        };
        let panel = FormPanel::new(&title, intro, fields);
        ReasonPanel {
            decision,
            targets,
            panel,
            templates: Vec::new(),
            cursor: None,
        }
    }

    /// The templates from the API (`[{id, action, text: {zh, en}}]`).
    pub fn set_templates(&mut self, ui: &Ui, list: &Value) {
        if self.panel.form.field("template").is_none() {
            return;
        }
        self.templates = list
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|t| t["action"] == self.decision.code())
                    .map(|t| text_of(ui, &t["text"]))
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let reason = self.reason_text();
        let focused = self.panel.form.focused().map(str::to_string);
        let mut fields: Vec<Field> = self.panel.form.fields().to_vec();
        fields[0] = template_field(ui, &self.templates);
        let errors: Vec<(String, String)> = fields
            .iter()
            .filter_map(|f| f.error.clone().map(|e| (f.id.clone(), e)))
            .collect();
        self.panel.form = crate::tui::widgets::form::Form::new(fields);
        self.panel.form.set_value("reason", &reason);
        for (id, e) in &errors {
            self.panel.form.set_error(id, Some(e));
        }
        if let Some(f) = focused {
            self.panel.form.focus(&f);
        }
    }

    /// Whether templates were offered.
    pub fn has_templates(&self) -> bool {
        !self.templates.is_empty()
    }

    fn reason_text(&self) -> String {
        self.panel
            .form
            .field("reason")
            .map(|f| f.text_value())
            .unwrap_or_default()
    }

    fn chosen_template(&self) -> Option<usize> {
        match self.panel.form.value("template") {
            Some(FieldValue::Text(v)) => v.parse().ok(),
            _ => None,
        }
    }

    pub fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::Form, &["submit", "next_field", "option_next"])
    }

    /// Whether the user typed a reason (Esc then asks before dropping it).
    pub fn has_text(&self) -> bool {
        let t = self.reason_text();
        !t.trim().is_empty() && !self.templates.contains(&t)
    }

    pub fn key(&mut self, ev: &KeyEvent, keymap: &Keymap) -> Handled<PanelEvent> {
        let before = self.chosen_template();
        let h = self.panel.key(ev, keymap);
        let after = self.chosen_template();
        if before != after {
            let text = self.reason_text();
            let untouched =
                text.trim().is_empty() || before.and_then(|i| self.templates.get(i)) == Some(&text);
            if untouched {
                let new = after
                    .and_then(|i| self.templates.get(i))
                    .cloned()
                    .unwrap_or_default();
                self.panel.form.set_value("reason", &new);
            }
        }
        h
    }

    pub fn paste(&mut self, text: &str) -> bool {
        self.panel.paste(text)
    }

    /// Starts the request: the status shows it is on its way; the text (trimmed, maybe empty)
    /// is handed out. `None` while a request is already in flight.
    pub fn begin(&mut self, ui: &Ui) -> Option<String> {
        let values = self.panel.begin_submit(&ui.tr("review.decide.working"))?;
        Some(values.get("reason").cloned().unwrap_or_default())
    }

    /// The text handed out by the last [`ReasonPanel::begin`] (trimmed).
    pub fn last_text(&self) -> Option<String> {
        let t = self.reason_text();
        let t = t.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// A refusal: field errors under the text, anything else in the status line.
    pub fn show_error(&mut self, ui: &Ui, e: &ClientError) {
        self.panel.show_error(ui, e);
    }

    /// The status line (e.g. a refusal that names no field).
    pub fn status(&self) -> &Status {
        &self.panel.status
    }

    pub fn cursor(&self) -> Option<Position> {
        self.cursor
    }

    /// Draws the popup centred in `area`.
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let width = area.width.min(76);
        let text_w = width.saturating_sub(4).max(2) as usize;
        let intro: usize = self
            .panel
            .intro
            .iter()
            .map(|p| crate::display::wrap(p, text_w).len())
            .sum();
        // borders, intro and a gap, the fields (template, 4 text rows, 2 error rows), status
        let fields = if self.panel.form.fields().is_empty() {
            0
        } else {
            7
        };
        let height = (intro + fields + 6) as u16;
        let rect = centered(area, width, height);
        clear(buf, rect, ui.style(Role::Text));
        self.panel.render(rect, buf, ui);
        self.cursor = self.panel.cursor();
    }
}

/// The template choice: "none" first, then each template (cut to a line in the option label).
fn template_field(ui: &Ui, templates: &[String]) -> Field {
    let none = ui.tr(if templates.is_empty() {
        "review.decide.no_templates"
    } else {
        "review.decide.template_none"
    });
    let values: Vec<String> = (0..templates.len()).map(|i| i.to_string()).collect();
    let mut options: Vec<(&str, &str)> = vec![(NO_TEMPLATE, none.as_str())];
    for (v, t) in values.iter().zip(templates) {
        options.push((v.as_str(), t.as_str()));
    }
    Field::choice("template", &ui.tr("review.decide.template"), &options).with_value(NO_TEMPLATE)
}
