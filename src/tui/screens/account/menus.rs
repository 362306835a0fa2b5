//! The two menus of the account flows: 账户帮助 (public: forgotten password, phone change,
//! account recovery) and 账户与安全 (logged in: change of password, phone change, and real-name
//! verification for a legal-person account that has not done it).

use super::{Flow, Known, open_flow, render_paragraphs};
use crate::client::ClientError;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen, error_text, take};
use crate::tui::theme::Role;
use crate::tui::widgets::menu::{Menu, MenuItem};
use crate::tui::widgets::{Handled, block};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;

/// A menu of flows above a panel of notes.
struct FlowMenu {
    flows: Vec<Flow>,
    menu: Menu,
}

impl FlowMenu {
    fn new(ui: &Ui, entries: &[(Flow, &str, &str)]) -> FlowMenu {
        FlowMenu {
            flows: entries.iter().map(|(f, _, _)| *f).collect(),
            menu: Menu::new(
                entries
                    .iter()
                    .map(|(_, l, d)| MenuItem::new(ui.tr(l), ui.tr(d)))
                    .collect(),
            ),
        }
    }

    fn key(&mut self, ev: &KeyEvent, known: &Known, cx: &mut Ctx) -> Handled {
        match self.menu.handle_key(ev, cx.keymap) {
            Handled::Event(i) => {
                if let Some(f) = self.flows.get(i) {
                    open_flow(*f, known, cx);
                }
                Handled::Changed
            }
            Handled::Changed => Handled::Changed,
            Handled::Unchanged => Handled::Unchanged,
            Handled::Ignored => Handled::Ignored,
        }
    }

    /// The menu on top, `notes` (titled `notes_title`) below.
    fn render(
        &self,
        area: Rect,
        buf: &mut Buffer,
        ui: &Ui,
        title: &str,
        notes_title: &str,
        notes: &[(String, Role)],
    ) {
        let menu_h = (self.menu.items.len() as u16 + 2).min(area.height);
        let top = Rect {
            height: menu_h,
            ..area
        };
        let bottom = Rect {
            y: area.y + menu_h,
            height: area.height - menu_h,
            ..area
        };
        let b = block(ui, title, true);
        let inner = b.inner(top);
        b.render(top, buf);
        self.menu.render(inner, buf, ui, true);
        if bottom.height < 3 {
            return;
        }
        let b = block(ui, notes_title, false);
        let inner = b.inner(bottom);
        b.render(bottom, buf);
        let text = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        };
        render_paragraphs(notes, text, buf, ui, 0);
    }
}

fn menu_hints(keymap: &Keymap) -> Vec<Hint> {
    keymap.hints_for(Context::List, &["open", "down", "up"])
}

/// 账户帮助: the public way into the flows for someone who cannot log in.
pub struct AccountHelp {
    menu: FlowMenu,
}

impl AccountHelp {
    pub fn new(ui: &Ui) -> AccountHelp {
        AccountHelp {
            menu: FlowMenu::new(
                ui,
                &[
                    (
                        Flow::ForgotPassword,
                        "account.help.forgot",
                        "account.help.forgot_detail",
                    ),
                    (
                        Flow::PhoneByEmail,
                        "account.help.phone_email",
                        "account.help.phone_email_detail",
                    ),
                    (
                        Flow::PhoneManual,
                        "account.help.phone_manual",
                        "account.help.phone_manual_detail",
                    ),
                    (
                        Flow::Recovery,
                        "account.help.recovery",
                        "account.help.recovery_detail",
                    ),
                ],
            ),
        }
    }
}

impl Screen for AccountHelp {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("account.help.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        menu_hints(keymap)
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        self.menu.key(ev, &Known::default(), cx)
    }

    fn done(&mut self, _kind: &'static str, _value: Box<dyn Any + Send>, _cx: &mut Ctx) -> bool {
        false
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let notes: Vec<(String, Role)> = [
            "account.help.note_forgot",
            "account.help.note_phone",
            "account.help.note_recovery",
        ]
        .iter()
        .map(|k| (ui.tr(k), Role::Text))
        .collect();
        self.menu.render(
            area,
            buf,
            ui,
            &ui.tr("account.help.title"),
            &ui.tr("account.help.which"),
            &notes,
        );
    }
}

/// 账户与安全: the logged-in account's password, phone and (legal person, not yet verified)
/// real-name verification, with the bound phone and e-mail as the API shows them (masked).
pub struct Security {
    menu: FlowMenu,
    me: Option<Value>,
    failed: Option<String>,
}

impl Security {
    pub fn new(ui: &Ui, account: &Account) -> Security {
        let mut entries = vec![
            (
                Flow::ChangePassword,
                "account.security.password",
                "account.security.password_detail",
            ),
            (
                Flow::PhoneByEmail,
                "account.help.phone_email",
                "account.security.phone_email_detail",
            ),
            (
                Flow::PhoneManual,
                "account.help.phone_manual",
                "account.help.phone_manual_detail",
            ),
        ];
        if needs_verification(account) {
            entries.push((
                Flow::RealName,
                "account.verify.title",
                "account.security.verify_detail",
            ));
        }
        Security {
            menu: FlowMenu::new(ui, &entries),
            me: None,
            failed: None,
        }
    }

    fn load(&mut self, cx: &mut Ctx) {
        cx.spawn("me", |c| async move { c.me().await });
    }
}

/// A legal-person account that has not passed real-name verification.
pub fn needs_verification(account: &Account) -> bool {
    account.kind == "legal" && !account.verified
}

impl Screen for Security {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("account.security.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        menu_hints(keymap)
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        // a phone change may have happened meanwhile
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        let known = Known::of_session(cx);
        self.menu.key(ev, &known, cx)
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, _cx: &mut Ctx) -> bool {
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        let changed = self.me.as_ref() != Some(&v) || self.failed.is_some();
        self.me = Some(v);
        self.failed = None;
        changed
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.failed = Some(error_text(cx.lang(), &error));
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let mut notes = Vec::new();
        if let Some(msg) = &self.failed {
            notes.push((msg.clone(), Role::Error));
        } else if let Some(me) = &self.me {
            let shown = |v: &Value| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| ui.tr("account.security.none"))
            };
            let (phone, email) = (
                ui.tr("account.security.phone"),
                ui.tr("account.security.email"),
            );
            let w = crate::display::width(&phone).max(crate::display::width(&email));
            notes.push((
                format!(
                    "{}  {}\n{}  {}",
                    crate::display::pad(&phone, w),
                    shown(&me["phone_masked"]),
                    crate::display::pad(&email, w),
                    shown(&me["email_masked"]),
                ),
                Role::Text,
            ));
            if me["email_masked"].is_null() {
                notes.push((ui.tr("account.security.no_email"), Role::Muted));
            }
        } else {
            notes.push((ui.tr("common.loading"), Role::Muted));
        }
        notes.push((ui.tr("account.security.note"), Role::Muted));
        self.menu.render(
            area,
            buf,
            ui,
            &ui.tr("account.security.title"),
            &ui.tr("account.security.bound"),
            &notes,
        );
    }
}
