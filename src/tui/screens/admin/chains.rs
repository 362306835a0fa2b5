//! 审核链: the review chain in force for each tier of the admin's authority (the default or a
//! configuration, who set it and when), and an editor that sets one. What a chain must satisfy
//! is the API's: its message shows under the levels, nothing chosen is lost. Items already
//! submitted keep the chain they were submitted with.

use super::{
    ListView, PageFrame, authority_of, failure, hints, minutes_of, plain, renamed, render_page, s,
};
use crate::client::{ClientError, Tagged};
use crate::domain::tiers::{ReviewLevel, Tier};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen, take};
use crate::tui::screens::{FormPanel, PanelEvent, Status, text_of};
use crate::tui::widgets::Handled;
use crate::tui::widgets::form::{Field, Value as FormValue};
use crate::tui::widgets::table::{Column, TableEvent};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use std::any::Any;

/// The kinds of the three loads, one per tier (each answer lands in its own slot).
const KINDS: [&str; 3] = [
    "chain_innovative",
    "chain_specialized",
    "chain_little_giant",
];

/// The chains of the admin's authority, one row per tier.
pub struct ChainsScreen {
    authority: String,
    title: String,
    list: ListView,
    chains: [Option<Tagged>; 3],
    status: Status,
}

impl ChainsScreen {
    pub fn new(ui: &Ui, account: &Account) -> ChainsScreen {
        let (authority, name) = authority_of(account);
        ChainsScreen {
            authority,
            title: crate::i18n::trf(ui.lang, "admin.chains.title", &[("authority", &name)]),
            list: ListView::new(vec![
                Column::new(&ui.tr("admin.col.tier"), 12, 12).unsortable(),
                Column::new(&ui.tr("admin.col.chain"), 14, 30).unsortable(),
                Column::new(&ui.tr("admin.col.source"), 6, 10).unsortable(),
                Column::new(&ui.tr("admin.col.updated_by"), 6, 12)
                    .unsortable()
                    .priority(1),
                Column::new(&ui.tr("admin.col.updated_at"), 16, 16)
                    .unsortable()
                    .priority(2),
            ]),
            chains: [None, None, None],
            status: Status::None,
        }
    }

    fn load(&mut self, cx: &mut Ctx) {
        self.chains = [None, None, None];
        for (tier, kind) in Tier::ALL.into_iter().zip(KINDS) {
            let authority = self.authority.clone();
            cx.spawn(kind, move |c| async move {
                c.chain(&authority, tier.code()).await
            });
        }
    }

    fn show(&mut self, ui: &Ui) {
        if self.chains.iter().any(Option::is_none) {
            return;
        }
        let rows: Vec<Value> = self
            .chains
            .iter()
            .flatten()
            .map(|t| {
                let mut v = t.value.clone();
                v["version"] = t
                    .version
                    .map(Value::from)
                    .unwrap_or_else(|| t.value["version"].clone());
                v
            })
            .collect();
        self.list.set_rows(rows, |c| {
            vec![
                super::tier_short(ui.lang, &s(c, "tier")),
                text_of(ui, &c["name"]),
                ui.tr(if c["is_default"].as_bool().unwrap_or(true) {
                    "admin.chains.default"
                } else {
                    "admin.chains.configured"
                }),
                s(c, "updated_by"),
                minutes_of(&c["updated_at"]),
            ]
        });
    }
}

impl Screen for ChainsScreen {
    fn title(&self, _ui: &Ui) -> String {
        self.title.clone()
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        hints(
            keymap,
            &[
                (Context::List, "open", "admin.chains.key_edit"),
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
        match self.list.key(ev, cx.keymap) {
            Handled::Event(TableEvent::Open(_)) => {
                if let Some(c) = self.list.current() {
                    cx.push(ChainEditor::new(cx.ui, &self.authority, c));
                }
                Handled::Unchanged
            }
            other => plain(other),
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(i) = KINDS.iter().position(|k| *k == kind) else {
            return false;
        };
        let Some(t) = take::<Tagged>(value) else {
            return false;
        };
        self.chains[i] = Some(t);
        self.show(cx.ui);
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.list
            .fail(crate::tui::screen::error_text(cx.lang(), &error));
        self.status = failure(cx, &error);
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let intro = [(ui.tr("admin.chains.intro"), crate::tui::theme::Role::Muted)];
        render_page(
            area,
            buf,
            ui,
            &PageFrame {
                title: &self.title,
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

/// The field of each level (bottom first).
fn field_id(level: ReviewLevel) -> String {
    format!("level_{}", level.code())
}

/// Sets the chain of one tier: a yes/no per level, bottom first.
pub struct ChainEditor {
    authority: String,
    tier: String,
    version: Option<i64>,
    panel: FormPanel,
}

impl ChainEditor {
    /// `chain`: the chain view as the API answered it (with its version).
    pub fn new(ui: &Ui, authority: &str, chain: &Value) -> ChainEditor {
        let tier = s(chain, "tier");
        let levels: Vec<String> = chain["chain"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let fields = ReviewLevel::ALL
            .into_iter()
            .map(|l| {
                let label = crate::i18n::trf(
                    ui.lang,
                    "admin.chains.level",
                    &[("level", l.name().get(ui.lang))],
                );
                Field::boolean(&field_id(l), &label).with_value(
                    if levels.iter().any(|x| x == l.code()) {
                        "true"
                    } else {
                        "false"
                    },
                )
            })
            .collect();
        let tier_name = Tier::from_code(&tier)
            .map(|t| t.name().get(ui.lang).to_string())
            .unwrap_or_else(|| tier.clone());
        ChainEditor {
            authority: authority.to_string(),
            version: chain["version"].as_i64(),
            panel: FormPanel::new(
                &crate::i18n::trf(ui.lang, "admin.chains.edit_title", &[("tier", &tier_name)]),
                vec![
                    crate::i18n::trf(
                        ui.lang,
                        "admin.chains.current",
                        &[("chain", &text_of(ui, &chain["name"]))],
                    ),
                    ui.tr("admin.chains.edit_intro"),
                ],
                fields,
            ),
            tier,
        }
    }

    fn submit(&mut self, cx: &mut Ctx) {
        let Some(_) = self.panel.begin_submit(&cx.tr("admin.chains.working")) else {
            return;
        };
        let levels: Vec<&'static str> = ReviewLevel::ALL
            .into_iter()
            .filter(|l| self.panel.form.value(&field_id(*l)) == Some(FormValue::Bool(true)))
            .map(ReviewLevel::code)
            .collect();
        let (authority, tier, version) = (self.authority.clone(), self.tier.clone(), self.version);
        cx.spawn("set", move |c| async move {
            c.set_chain(&authority, &tier, &levels, version).await
        });
    }
}

impl Screen for ChainEditor {
    fn title(&self, _ui: &Ui) -> String {
        self.panel.title.clone()
    }

    fn context(&self) -> Context {
        Context::Form
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        super::form_hints(keymap, "admin.chains.key_save")
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        match self.panel.key(ev, cx.keymap) {
            Handled::Event(PanelEvent::Submit) => {
                self.submit(cx);
                Handled::Changed
            }
            Handled::Event(PanelEvent::SaveDraft) => Handled::Unchanged,
            other => plain(other),
        }
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(t) = take::<Tagged>(value) else {
            return false;
        };
        cx.success(&crate::i18n::trf(
            cx.lang(),
            "admin.chains.saved",
            &[
                ("tier", &super::tier_short(cx.lang(), &self.tier)),
                ("chain", &text_of(cx.ui, &t.value["name"])),
            ],
        ));
        self.panel.edited = false;
        cx.pop();
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        // the chain as a whole is one field of the API: its message goes under the last level
        let e = renamed(&error, &[("levels", "level_ministry")]);
        self.panel.show_error(cx.ui, &e);
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
