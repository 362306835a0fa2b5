//! 实名认证 of a legal-person account (enterprise name, USCC, legal representative and the
//! representative's ID number), and — when the API answers that the USCC is already verified by
//! another account — the ways out it offers, each one a key away, with what was typed carried
//! into the flow it opens.

use super::{Flow, Known, Routed, form_area, form_hints, open_flow, route};
use crate::api::problem::Problem;
use crate::client::ClientError;
use crate::display;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen, take};
use crate::tui::screens::FormPanel;
use crate::tui::screens::Status;
use crate::tui::screens::home::RoleHome;
use crate::tui::theme::Role;
use crate::tui::widgets::form::Field;
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;

pub struct RealName {
    panel: FormPanel,
}

impl RealName {
    /// `after_login`: offered right after logging in (the intro says it can wait).
    pub fn new(ui: &Ui, after_login: bool) -> RealName {
        let mut intro = Vec::new();
        if after_login {
            intro.push(ui.tr("account.verify.intro_after_login"));
        }
        intro.push(ui.tr("account.verify.intro"));
        RealName {
            panel: FormPanel::new(
                &ui.tr("account.verify.title"),
                intro,
                vec![
                    Field::text("enterprise_name", &ui.tr("account.field.enterprise_name"))
                        .required()
                        .with_placeholder(&ui.tr("account.field.enterprise_name_hint")),
                    Field::text("uscc", &ui.tr("account.field.uscc"))
                        .required()
                        .with_placeholder(&ui.tr("account.field.uscc_hint")),
                    Field::text("legal_rep", &ui.tr("account.field.legal_rep")).required(),
                    Field::text("legal_rep_id", &ui.tr("account.field.legal_rep_id"))
                        .required()
                        .with_placeholder(&ui.tr("account.field.legal_rep_id_hint")),
                ],
            ),
        }
    }

    fn typed(&self) -> Known {
        let v = self.panel.strings();
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        Known {
            identifier: get("uscc"),
            enterprise_name: get("enterprise_name"),
            uscc: get("uscc"),
            legal_rep: get("legal_rep"),
            legal_rep_id: get("legal_rep_id"),
        }
    }

    fn submit(&mut self, cx: &mut Ctx) {
        let Some(_) = self.panel.begin_submit(&cx.tr("account.verify.working")) else {
            return;
        };
        let k = self.typed();
        cx.spawn("verify", move |c| async move {
            c.verify_real_name(&k.enterprise_name, &k.uscc, &k.legal_rep, &k.legal_rep_id)
                .await
        });
    }
}

impl Screen for RealName {
    /// While the request is out, what is typed waits for the next screen (the home after a
    /// log-in) instead of changing the form being sent.
    fn loading(&self) -> bool {
        self.panel.is_working()
    }

    fn title(&self, ui: &Ui) -> String {
        ui.tr("account.verify.title")
    }

    fn context(&self) -> Context {
        Context::Form
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        form_hints(keymap)
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        match route(&mut self.panel, ev, cx.keymap) {
            Routed::Submit => {
                self.submit(cx);
                Handled::Changed
            }
            Routed::Key(h) => h,
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        self.panel.paste(text)
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(account) = take::<Value>(value).as_ref().and_then(Account::from_json) else {
            self.panel.status = Status::Error(cx.tr("error.decode_account"));
            return true;
        };
        self.panel.edited = false;
        self.panel.status = Status::None;
        cx.session.account = Some(account.clone());
        cx.reset(RoleHome::new(cx.ui, &account));
        let done = crate::i18n::trf(
            cx.lang(),
            "account.verify.done",
            &[("name", account.display_name.as_str())],
        );
        cx.success(&done);
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        match error.problem() {
            Some(p) if p.code == "uscc_registered" => {
                let short = cx.tr("account.verify.taken_field");
                self.panel.form.set_errors([("uscc", short.as_str())]);
                self.panel.form.focus("uscc");
                self.panel.status = Status::Error(cx.tr("account.verify.taken_status"));
                let known = self.typed();
                cx.push(UsccTaken::new(cx.ui, p, known));
            }
            _ => self.panel.show_error(cx.ui, &error),
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.panel.render(form_area(area), buf, ui);
    }

    fn cursor(&self) -> Option<Position> {
        self.panel.cursor()
    }

    fn has_unsaved(&self) -> bool {
        self.panel.edited
    }
}

/// One way out: what it opens, its label, and the API's explanation (on the first entry of
/// each way).
struct Way {
    flow: Flow,
    label: String,
    detail: Option<String>,
}

/// The USCC is verified by another account: the API's ways out, each opening its flow with what
/// was typed. Esc goes back to the form, everything typed still there.
pub struct UsccTaken {
    lead: String,
    ways: Vec<Way>,
    /// Ways out the API offers that this build has no screen for: shown as text.
    others: Vec<String>,
    cursor: usize,
    known: Known,
}

impl UsccTaken {
    pub fn new(ui: &Ui, problem: &Problem, known: Known) -> UsccTaken {
        let lead = crate::i18n::trf(
            ui.lang,
            "account.taken.lead",
            &[("uscc", known.uscc.as_str())],
        );
        let mut ways = Vec::new();
        let mut others = Vec::new();
        for w in &problem.ways_out {
            let detail = match ui.lang {
                crate::domain::Lang::Zh => w.detail.clone(),
                crate::domain::Lang::En => w.detail_en.clone(),
            };
            let flows: &[(Flow, &str)] = match w.code.as_str() {
                "log_in" => &[
                    (Flow::LogIn, "account.taken.login"),
                    (Flow::ForgotPassword, "account.taken.forgot"),
                ],
                "account_recovery" => &[(Flow::Recovery, "account.taken.recovery")],
                "phone_change" => &[
                    (Flow::PhoneByEmail, "account.taken.phone_email"),
                    (Flow::PhoneManual, "account.taken.phone_manual"),
                ],
                _ => {
                    others.push(detail);
                    continue;
                }
            };
            for (i, (flow, label)) in flows.iter().enumerate() {
                ways.push(Way {
                    flow: *flow,
                    label: ui.tr(label),
                    detail: (i == 0).then(|| detail.clone()),
                });
            }
        }
        UsccTaken {
            lead,
            ways,
            others,
            cursor: 0,
            known,
        }
    }

    fn set_cursor(&mut self, i: usize) -> Handled {
        let i = i.min(self.ways.len().saturating_sub(1));
        let changed = i != self.cursor;
        self.cursor = i;
        Handled::from_changed(changed)
    }
}

impl Screen for UsccTaken {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("account.taken.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["open", "down", "up"])
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if let KeyCode::Char(c @ '1'..='9') = ev.code {
            let i = c as usize - '1' as usize;
            if let Some(w) = self.ways.get(i) {
                self.cursor = i;
                open_flow(w.flow, &self.known, cx);
                return Handled::Changed;
            }
            return Handled::Unchanged;
        }
        match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
            Some("up") => self.set_cursor(self.cursor.saturating_sub(1)),
            Some("down") => self.set_cursor(self.cursor + 1),
            Some("top") => self.set_cursor(0),
            Some("bottom") => self.set_cursor(usize::MAX),
            Some("open") => {
                if let Some(w) = self.ways.get(self.cursor) {
                    open_flow(w.flow, &self.known, cx);
                }
                Handled::Changed
            }
            _ => Handled::Ignored,
        }
    }

    fn done(&mut self, _kind: &'static str, _value: Box<dyn Any + Send>, _cx: &mut Ctx) -> bool {
        false
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let area = form_area(area);
        let title = ui.tr("account.taken.title");
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        if inner.width < 8 || inner.height == 0 {
            return;
        }
        let x = inner.x + 1;
        let width = inner.width - 2;
        let mut rows: Vec<(u16, String, Role, Option<usize>)> = Vec::new();
        // every row starts after the one-column cursor marker
        let text_w = width.saturating_sub(1) as usize;
        for line in display::wrap(&self.lead, text_w) {
            rows.push((0, line, Role::Warning, None));
        }
        for other in &self.others {
            for line in display::wrap(other, text_w) {
                rows.push((0, line, Role::Text, None));
            }
        }
        rows.push((0, String::new(), Role::Text, None));
        for (i, w) in self.ways.iter().enumerate() {
            rows.push((0, format!("{} {}", i + 1, w.label), Role::Text, Some(i)));
            if let Some(d) = &w.detail {
                for line in display::wrap(d, text_w.saturating_sub(4)) {
                    rows.push((4, line, Role::Muted, None));
                }
            }
        }
        rows.push((0, String::new(), Role::Text, None));
        for line in display::wrap(&ui.tr("account.taken.back"), text_w) {
            rows.push((0, line, Role::Muted, None));
        }
        // keep the selected way in view
        let selected_row = rows
            .iter()
            .position(|r| r.3 == Some(self.cursor))
            .unwrap_or(0);
        let first = selected_row.saturating_sub(inner.height.saturating_sub(1) as usize);
        for (r, (indent, text, role, way)) in rows
            .iter()
            .skip(first)
            .take(inner.height as usize)
            .enumerate()
        {
            let y = inner.y + r as u16;
            let selected = *way == Some(self.cursor);
            let style = if selected {
                ui.style(Role::Selection)
            } else {
                ui.style(*role)
            };
            if selected {
                buf.set_style(
                    Rect {
                        x,
                        y,
                        width,
                        height: 1,
                    },
                    style,
                );
            }
            let marker = if selected { ">" } else { " " };
            let tx = if way.is_some() {
                put(buf, x, y, marker, 1, style)
            } else {
                x + 1
            };
            put(
                buf,
                tx + indent,
                y,
                text,
                width.saturating_sub(1 + indent),
                style,
            );
        }
    }
}
