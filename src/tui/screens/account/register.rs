//! 注册: a legal-person (enterprise) or natural-person account. The two kinds are explained
//! above the form; on success the log-in opens with the new login name filled in and says what
//! comes next (a legal-person account verifies its enterprise after logging in).

use super::{Routed, form_area, form_hints, passwords_match, route};
use crate::client::ClientError;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, take};
use crate::tui::screens::public::Login;
use crate::tui::screens::{FormPanel, Status};
use crate::tui::widgets::Handled;
use crate::tui::widgets::form::Field;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use std::any::Any;

pub struct Register {
    panel: FormPanel,
}

impl Register {
    pub fn new(ui: &Ui) -> Register {
        let legal = ui.tr("account.register.kind_legal");
        let natural = ui.tr("account.register.kind_natural");
        Register {
            panel: FormPanel::new(
                &ui.tr("account.register.title"),
                vec![
                    ui.tr("account.register.intro_legal"),
                    ui.tr("account.register.intro_natural"),
                ],
                vec![
                    Field::choice(
                        "kind",
                        &ui.tr("account.register.kind"),
                        &[("legal", &legal), ("natural", &natural)],
                    )
                    .required(),
                    Field::text("login_name", &ui.tr("account.field.login_name"))
                        .required()
                        .with_placeholder(&ui.tr("account.register.login_name_hint")),
                    Field::password("password", &ui.tr("account.field.password"))
                        .required()
                        .with_placeholder(&ui.tr("account.field.password_hint")),
                    Field::password("password_repeat", &ui.tr("account.field.password_repeat"))
                        .required(),
                    Field::text("phone", &ui.tr("account.field.phone"))
                        .required()
                        .with_placeholder(&ui.tr("account.register.phone_hint")),
                    Field::text("email", &ui.tr("account.field.email"))
                        .with_placeholder(&ui.tr("account.register.email_hint")),
                ],
            ),
        }
    }

    fn submit(&mut self, cx: &mut Ctx) {
        if self.panel.is_working()
            || !passwords_match(&mut self.panel, "password", "password_repeat", cx.ui)
        {
            return;
        }
        let Some(v) = self.panel.begin_submit(&cx.tr("account.register.working")) else {
            return;
        };
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        let (login, password, kind, phone) = (
            get("login_name"),
            get("password"),
            get("kind"),
            get("phone"),
        );
        let email = v.get("email").cloned();
        cx.spawn("register", move |c| async move {
            c.register(&login, &password, &kind, &phone, email.as_deref())
                .await
        });
    }
}

impl Screen for Register {
    /// While the request is out, what is typed waits for the next screen (the home after a
    /// log-in) instead of changing the form being sent.
    fn loading(&self) -> bool {
        self.panel.is_working()
    }

    fn title(&self, ui: &Ui) -> String {
        ui.tr("account.register.title")
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
        let Some(account) = take::<Value>(value) else {
            return false;
        };
        self.panel.status = Status::None;
        self.panel.edited = false;
        let login = account["login_name"].as_str().unwrap_or_default();
        let next = if account["kind"] == "legal" {
            "account.register.done_legal"
        } else {
            "account.register.done_natural"
        };
        cx.replace(Login::new(cx.ui, None).prefilled(login, Some(cx.tr(next))));
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.panel.show_error(cx.ui, &error);
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
