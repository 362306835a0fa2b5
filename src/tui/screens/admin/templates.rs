//! 审核意见模板: a province admin edits the reason templates its reviewers start from, one list
//! per decision (pass, return, reject), one template per line. An empty list gives the
//! reviewers the platform's defaults again.

use crate::client::ClientError;
use crate::tui::Ui;
use crate::tui::keymap::Context;
use crate::tui::keymap::{Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, take};
use crate::tui::screens::{FormPanel, PanelEvent, Status};
use crate::tui::widgets::Handled;
use crate::tui::widgets::form::{Field, Value as FieldValue};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use std::any::Any;

const ACTIONS: [&str; 3] = ["pass", "return", "reject"];

/// The template editor.
pub struct TemplatesScreen {
    panel: FormPanel,
    /// The decision whose list the text field holds.
    loaded: Option<String>,
}

impl TemplatesScreen {
    pub fn new(ui: &Ui) -> TemplatesScreen {
        let options: Vec<(String, String)> = ACTIONS
            .iter()
            .map(|a| (a.to_string(), ui.tr(&format!("admin.templates.action_{a}"))))
            .collect();
        let options: Vec<(&str, &str)> = options
            .iter()
            .map(|(v, l)| (v.as_str(), l.as_str()))
            .collect();
        TemplatesScreen {
            panel: FormPanel::new(
                &ui.tr("admin.templates.title"),
                vec![ui.tr("admin.templates.intro")],
                vec![
                    Field::choice("action", &ui.tr("admin.templates.action"), &options)
                        .with_value("return"),
                    Field::multiline("templates", &ui.tr("admin.templates.list"), 10),
                ],
            ),
            loaded: None,
        }
    }

    fn action(&self) -> String {
        match self.panel.form.value("action") {
            Some(FieldValue::Text(a)) => a,
            _ => "return".to_string(),
        }
    }

    fn load(&mut self, cx: &mut Ctx) {
        let action = self.action();
        self.panel.status = Status::Working(cx.tr("common.loading"));
        cx.spawn("load", move |c| async move {
            c.reason_templates(Some(&action)).await.map(|v| (action, v))
        });
    }

    fn show(&mut self, ui: &Ui, action: String, list: &Value) {
        let own = list
            .as_array()
            .is_some_and(|a| a.iter().any(|t| t["authority_code"].is_string()));
        let lines: Vec<String> = list
            .as_array()
            // the Chinese text, whatever the interface language: that is what is edited
            .map(|a| {
                a.iter()
                    .map(|t| t["text"]["zh"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default();
        self.panel.form.set_value("templates", &lines.join("\n"));
        self.panel.edited = false;
        self.panel.status = Status::Info(ui.tr(if own {
            "admin.templates.own"
        } else {
            "admin.templates.defaults"
        }));
        self.loaded = Some(action);
    }
}

impl Screen for TemplatesScreen {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("admin.templates.title")
    }

    fn context(&self) -> Context {
        Context::Form
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        self.panel.hints(keymap)
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        match self.panel.key(ev, cx.keymap) {
            Handled::Event(PanelEvent::Submit | PanelEvent::SaveDraft) => {
                if self.panel.is_working() {
                    return Handled::Unchanged;
                }
                let action = self.action();
                let text = self.panel.form.field("templates").map(|f| f.text_value());
                let templates: Vec<(String, Option<String>)> = text
                    .unwrap_or_default()
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| (l.to_string(), None))
                    .collect();
                self.panel.status = Status::Working(cx.tr("admin.templates.saving"));
                cx.spawn("save", move |c| async move {
                    c.set_reason_templates(&action, &templates)
                        .await
                        .map(|v| (action, v))
                });
                Handled::Changed
            }
            Handled::Changed => {
                // another decision chosen: its list replaces the text
                if self.loaded.as_deref() != Some(self.action().as_str()) {
                    self.load(cx);
                }
                Handled::Changed
            }
            h => match h {
                Handled::Unchanged => Handled::Unchanged,
                _ => Handled::Ignored,
            },
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        self.panel.paste(text)
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some((action, list)) = take::<(String, Value)>(value) else {
            return false;
        };
        let n = list.as_array().map_or(0, Vec::len);
        self.show(cx.ui, action, &list);
        if kind == "save" {
            self.panel.status = Status::Success(crate::i18n::trf(
                cx.lang(),
                "admin.templates.saved",
                &[("n", &n.to_string())],
            ));
        }
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.panel.show_error(cx.ui, &error);
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.panel.render(area, buf, ui);
    }

    fn cursor(&self) -> Option<Position> {
        self.panel.cursor()
    }

    fn has_unsaved(&self) -> bool {
        self.panel.edited
    }
}
