//! 满足复核条件: the certifications of a tier expiring in a year, each with the API's proposal
//! (候选 or not) and the facts behind it; the admin sets or clears the flag on one or many
//! (Space selects, Ctrl-a all). A province admin works on 创新型 and 专精特新 of the
//! authority, the ministry admin on 小巨人 nationwide. The outcome of each certification is the
//! API's: a refusal names the enterprise and why.

use super::trail::TrailScreen;
use super::{ListView, PageFrame, command, failure, hints, plain, render_page, s, tier_short};
use crate::client::ClientError;
use crate::domain::tiers::Tier;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen, take};
use crate::tui::screens::{Status, text_of};
use crate::tui::theme::Role;
use crate::tui::widgets::Handled;
use crate::tui::widgets::table::{Column, TableEvent};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use std::any::Any;

/// The 复核 candidates of a tier and year.
pub struct ReexamScreen {
    tiers: Vec<Tier>,
    tier: usize,
    year: Option<i64>,
    list: ListView,
    status: Status,
}

impl ReexamScreen {
    pub fn new(ui: &Ui, account: &Account) -> ReexamScreen {
        let tiers = if account.level.as_deref() == Some("ministry") {
            vec![Tier::LittleGiant]
        } else {
            vec![Tier::Specialized, Tier::Innovative]
        };
        ReexamScreen {
            tiers,
            tier: 0,
            year: None,
            list: ListView::new(vec![
                Column::new(&ui.tr("admin.col.enterprise"), 16, 36),
                Column::new(&ui.tr("admin.col.expires"), 10, 10),
                Column::new(&ui.tr("admin.col.proposal"), 6, 10),
                Column::new(&ui.tr("admin.col.flag"), 6, 8),
                Column::new(&ui.tr("admin.col.status"), 6, 8).priority(1),
                Column::new(&ui.tr("admin.col.uscc"), 18, 18).priority(2),
            ])
            .multi_select(),
            status: Status::None,
        }
    }

    fn tier(&self) -> Tier {
        self.tiers[self.tier.min(self.tiers.len() - 1)]
    }

    fn load(&self, cx: &mut Ctx) {
        let Some(year) = self.year else {
            return;
        };
        let tier = self.tier().code();
        cx.spawn("load", move |c| async move {
            c.reexam_candidates(tier, year as i32).await
        });
    }

    fn flag(&mut self, cx: &mut Ctx, flag: bool) {
        let ids: Vec<String> = self
            .list
            .chosen()
            .iter()
            .map(|c| s(&c["certification"], "id"))
            .filter(|id| !id.is_empty())
            .collect();
        if ids.is_empty() {
            return;
        }
        self.status = Status::Working(cx.tr("status.working"));
        cx.spawn("flag", move |c| async move {
            c.set_review_flags(&ids, flag).await.map(|v| (v, flag))
        });
    }

    /// The filter line: tier and year.
    fn filter_line(&self, ui: &Ui) -> String {
        crate::i18n::trf(
            ui.lang,
            "admin.reexam.filter",
            &[
                ("tier", self.tier().name().get(ui.lang)),
                (
                    "year",
                    &self.year.map(|y| y.to_string()).unwrap_or_default(),
                ),
            ],
        )
    }

    /// What the API says about the certification under the cursor.
    fn reasons(&self, ui: &Ui) -> Vec<(String, Role)> {
        let Some(c) = self.list.current() else {
            return Vec::new();
        };
        let candidacy = &c["candidacy"];
        let candidate = candidacy["candidate"].as_bool().unwrap_or(false);
        let mut out = vec![(
            crate::i18n::trf(
                ui.lang,
                if candidate {
                    "admin.reexam.is_candidate"
                } else {
                    "admin.reexam.not_candidate"
                },
                &[("name", &s(&c["certification"], "enterprise_name"))],
            ),
            if candidate {
                Role::Success
            } else {
                Role::Warning
            },
        )];
        for r in candidacy["reasons"].as_array().into_iter().flatten() {
            out.push((format!("· {}", text_of(ui, r)), Role::Text));
        }
        out
    }
}

impl Screen for ReexamScreen {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("admin.reexam.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        let mut h = hints(
            keymap,
            &[
                (Context::List, "flag", "admin.reexam.key_flag"),
                (Context::List, "unflag", "admin.reexam.key_unflag"),
                (Context::List, "toggle_select", "key.toggle_select"),
            ],
        );
        if self.tiers.len() > 1 {
            h.push(Hint {
                keys: "Tab".into(),
                label_key: "admin.reexam.key_tier".into(),
            });
        }
        h.extend(hints(
            keymap,
            &[
                (Context::List, "prev_tab", "admin.reexam.key_prev_year"),
                (Context::List, "next_tab", "admin.reexam.key_next_year"),
                (Context::List, "open", "admin.key.trail"),
            ],
        ));
        h
    }

    fn start(&mut self, cx: &mut Ctx) {
        cx.spawn("today", |c| async move { c.calendar_today().await });
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if !self.list.is_filtering() && matches!(ev.code, KeyCode::Tab | KeyCode::BackTab) {
            if self.tiers.len() < 2 {
                return Handled::Unchanged;
            }
            self.tier = (self.tier + 1) % self.tiers.len();
            self.status = Status::None;
            self.list.load = super::Load::Loading;
            self.load(cx);
            return Handled::Changed;
        }
        match self.list.key(ev, cx.keymap) {
            Handled::Event(TableEvent::Open(_)) => {
                if let Some(c) = self.list.current() {
                    let cert = &c["certification"];
                    let what = format!(
                        "{} {}",
                        s(cert, "enterprise_name"),
                        tier_short(cx.lang(), &s(cert, "tier"))
                    );
                    cx.push(TrailScreen::new(
                        cx.ui,
                        "certification",
                        &s(cert, "id"),
                        &what,
                    ));
                }
                return Handled::Unchanged;
            }
            Handled::Ignored => {}
            other => return plain(other),
        }
        match command(cx.keymap, ev) {
            Some("flag") => {
                self.flag(cx, true);
                Handled::Changed
            }
            Some("unflag") => {
                self.flag(cx, false);
                Handled::Changed
            }
            Some(step @ ("prev_tab" | "next_tab")) => {
                let Some(y) = self.year else {
                    return Handled::Unchanged;
                };
                self.year = Some(if step == "prev_tab" { y - 1 } else { y + 1 });
                self.status = Status::None;
                self.list.load = super::Load::Loading;
                self.load(cx);
                Handled::Changed
            }
            _ => Handled::Ignored,
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "today" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                self.year = v["year"].as_i64();
                self.load(cx);
            }
            "load" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                let ui = cx.ui;
                let rows = v["items"].as_array().cloned().unwrap_or_default();
                self.list.set_rows(rows, |c| {
                    let cert = &c["certification"];
                    let yes_no = |b: bool| ui.tr(if b { "admin.yes" } else { "admin.no" });
                    vec![
                        s(cert, "enterprise_name"),
                        s(cert, "expires_on"),
                        ui.tr(if c["candidacy"]["candidate"].as_bool().unwrap_or(false) {
                            "admin.reexam.proposed"
                        } else {
                            "admin.reexam.not_proposed"
                        }),
                        yes_no(cert["review_flag"].as_bool().unwrap_or(false)),
                        cert_status(ui, &s(cert, "status")),
                        s(cert, "uscc"),
                    ]
                });
            }
            "flag" => {
                let Some((v, flag)) = take::<(Value, bool)>(value) else {
                    return false;
                };
                let outcomes = v.as_array().cloned().unwrap_or_default();
                let changed = outcomes
                    .iter()
                    .filter(|o| o["changed"].as_bool().unwrap_or(false))
                    .count();
                let refused: Vec<String> = outcomes
                    .iter()
                    .filter_map(|o| {
                        let p = o.get("problem")?;
                        let name = self
                            .list
                            .rows
                            .iter()
                            .find(|c| c["certification"]["id"] == o["cert_id"])
                            .map(|c| s(&c["certification"], "enterprise_name"))
                            .unwrap_or_else(|| s(o, "cert_id"));
                        let detail = match cx.lang() {
                            crate::domain::Lang::Zh => s(p, "detail"),
                            crate::domain::Lang::En => s(p, "detail_en"),
                        };
                        Some(format!("{name}: {detail}"))
                    })
                    .collect();
                let mut text = crate::i18n::trf(
                    cx.lang(),
                    if flag {
                        "admin.reexam.flagged"
                    } else {
                        "admin.reexam.unflagged"
                    },
                    &[
                        ("n", &changed.to_string()),
                        (
                            "unchanged",
                            &(outcomes.len() - changed - refused.len()).to_string(),
                        ),
                    ],
                );
                for r in &refused {
                    text.push('\n');
                    text.push_str(r);
                }
                self.status = if refused.is_empty() {
                    Status::Success(text)
                } else {
                    Status::Error(text)
                };
                self.load(cx);
            }
            _ => return false,
        }
        true
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        match kind {
            "flag" => self.status = failure(cx, &error),
            _ => self
                .list
                .fail(crate::tui::screen::error_text(cx.lang(), &error)),
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let top = [(self.filter_line(ui), Role::Info)];
        let reasons = self.reasons(ui);
        let below = if reasons.is_empty() {
            0
        } else {
            reasons.len() as u16 + 1
        };
        let title = self.title(ui);
        let rest = render_page(
            area,
            buf,
            ui,
            &PageFrame {
                title: &title,
                top: &top,
                status: &self.status,
                below,
            },
            &mut self.list,
        );
        let mut y = rest.y + 1;
        let box_area = Rect {
            x: rest.x.saturating_sub(1),
            width: rest.width + 2,
            ..rest
        };
        for (text, role) in reasons {
            if y >= rest.bottom() {
                break;
            }
            y = super::draw_wrapped(buf, box_area, y, &text, role, ui, 1);
        }
    }

    fn cursor(&self) -> Option<Position> {
        self.list.cursor_position()
    }
}

/// A certification status code in words.
pub(crate) fn cert_status(ui: &Ui, code: &str) -> String {
    let key = format!("admin.cert_status.{code}");
    let t = ui.tr(&key);
    if t == key { code.to_string() } else { t }
}
