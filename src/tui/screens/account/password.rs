//! 忘记密码 (public: a code by SMS to the bound phone, then the code and a new password) and
//! 修改密码 (logged in: the old password and a new one).

use super::{Known, Routed, beijing_time, form_area, form_hints, passwords_match, route};
use crate::client::ClientError;
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, take};
use crate::tui::screens::public::Login;
use crate::tui::screens::{FormPanel, Status};
use crate::tui::widgets::Handled;
use crate::tui::widgets::form::{Field, Value as FieldValue};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use std::any::Any;

/// The two steps of a code flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Who the account is (and whether a code is already at hand).
    Identify,
    /// The code and what it unlocks.
    Confirm,
}

/// 忘记密码: step 1 names the account (login name or USCC) and asks for a code — or says one is
/// already at hand (an approved account recovery sends one); step 2 takes the code and the new
/// password twice. Esc in step 2 goes back to step 1 (to ask for a new code) with everything
/// typed kept. Success opens the log-in with the account filled in.
pub struct ForgotPassword {
    identify: FormPanel,
    confirm: FormPanel,
    step: Step,
    identifier: String,
}

impl ForgotPassword {
    pub fn new(ui: &Ui, known: &Known) -> ForgotPassword {
        let title = ui.tr("account.forgot.title");
        ForgotPassword {
            identify: FormPanel::new(
                &title,
                vec![
                    ui.tr("account.forgot.intro"),
                    ui.tr("account.forgot.intro_have"),
                    ui.tr("account.forgot.intro_phone"),
                ],
                vec![
                    Field::text("identifier", &ui.tr("account.field.identifier"))
                        .required()
                        .with_placeholder(&ui.tr("account.field.identifier_hint"))
                        .with_value(&known.identifier),
                    Field::boolean("have_code", &ui.tr("account.forgot.have_code")),
                ],
            ),
            confirm: FormPanel::new(
                &title,
                Vec::new(),
                vec![
                    Field::text("code", &ui.tr("account.field.code")).required(),
                    Field::password("new_password", &ui.tr("account.field.new_password"))
                        .required()
                        .with_placeholder(&ui.tr("account.field.password_hint")),
                    Field::password("repeat", &ui.tr("account.field.new_password_repeat"))
                        .required(),
                ],
            ),
            step: Step::Identify,
            identifier: String::new(),
        }
    }

    fn panel(&mut self) -> &mut FormPanel {
        match self.step {
            Step::Identify => &mut self.identify,
            Step::Confirm => &mut self.confirm,
        }
    }

    /// Step 2, with `sent` saying where the code went (or that one is at hand).
    fn open_confirm(&mut self, ui: &Ui, sent: String) {
        self.confirm.intro = vec![
            sent,
            trf(
                ui.lang,
                "account.code.account",
                &[("id", self.identifier.as_str())],
            ),
            ui.tr("account.code.back"),
        ];
        self.confirm.status = Status::None;
        self.step = Step::Confirm;
    }

    fn submit(&mut self, cx: &mut Ctx) {
        match self.step {
            Step::Identify => {
                let have = self.identify.form.value("have_code") == Some(FieldValue::Bool(true));
                let working = cx.tr("account.code.sending");
                let Some(v) = self.identify.begin_submit(&working) else {
                    return;
                };
                self.identifier = v.get("identifier").cloned().unwrap_or_default();
                if have {
                    self.identify.status = Status::None;
                    self.open_confirm(cx.ui, cx.tr("account.forgot.have_intro"));
                    return;
                }
                let id = self.identifier.clone();
                cx.spawn("request", move |c| async move {
                    c.request_password_reset(&id).await
                });
            }
            Step::Confirm => {
                if self.confirm.is_working()
                    || !passwords_match(&mut self.confirm, "new_password", "repeat", cx.ui)
                {
                    return;
                }
                let Some(v) = self.confirm.begin_submit(&cx.tr("account.forgot.working")) else {
                    return;
                };
                let id = self.identifier.clone();
                let code = v.get("code").cloned().unwrap_or_default();
                let password = v.get("new_password").cloned().unwrap_or_default();
                cx.spawn("reset", move |c| async move {
                    c.reset_password(&id, &code, &password).await
                });
            }
        }
    }
}

/// "The code went to … and is valid until …" from the API's `CodeSent`.
pub(super) fn sent_text(ui: &Ui, key: &str, sent: &Value) -> String {
    trf(
        ui.lang,
        key,
        &[
            ("to", sent["sent_to"].as_str().unwrap_or_default()),
            ("until", &beijing_time(&sent["expires_at"])),
        ],
    )
}

impl Screen for ForgotPassword {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("account.forgot.title")
    }

    fn context(&self) -> Context {
        Context::Form
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        form_hints(keymap)
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if self.step == Step::Confirm && ev.code == KeyCode::Esc && !self.confirm.is_working() {
            self.step = Step::Identify;
            return Handled::Changed;
        }
        match route(self.panel(), ev, cx.keymap) {
            Routed::Submit => {
                self.submit(cx);
                Handled::Changed
            }
            Routed::Key(h) => h,
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        self.panel().paste(text)
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "request" => {
                let Some(sent) = take::<Value>(value) else {
                    return false;
                };
                self.identify.status = Status::None;
                let text = sent_text(cx.ui, "account.forgot.sent", &sent);
                self.open_confirm(cx.ui, text);
            }
            _ => {
                self.confirm.status = Status::None;
                let notice = cx.tr("account.forgot.done");
                cx.replace(Login::new(cx.ui, None).prefilled(&self.identifier, Some(notice)));
            }
        }
        true
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        match kind {
            "request" => self.identify.show_error(cx.ui, &error),
            _ => self.confirm.show_error(cx.ui, &error),
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.panel().render(form_area(area), buf, ui);
    }

    fn cursor(&self) -> Option<Position> {
        match self.step {
            Step::Identify => self.identify.cursor(),
            Step::Confirm => self.confirm.cursor(),
        }
    }
}

/// 修改密码: the old password and the new one twice. Success ends every other session (the API
/// does) and goes back with a note saying so.
pub struct ChangePassword {
    panel: FormPanel,
}

impl ChangePassword {
    pub fn new(ui: &Ui) -> ChangePassword {
        ChangePassword {
            panel: FormPanel::new(
                &ui.tr("account.password.title"),
                vec![ui.tr("account.password.intro")],
                vec![
                    Field::password("old_password", &ui.tr("account.field.old_password"))
                        .required(),
                    Field::password("new_password", &ui.tr("account.field.new_password"))
                        .required()
                        .with_placeholder(&ui.tr("account.field.password_hint")),
                    Field::password("repeat", &ui.tr("account.field.new_password_repeat"))
                        .required(),
                ],
            ),
        }
    }

    fn submit(&mut self, cx: &mut Ctx) {
        if self.panel.is_working()
            || !passwords_match(&mut self.panel, "new_password", "repeat", cx.ui)
        {
            return;
        }
        let Some(v) = self.panel.begin_submit(&cx.tr("account.password.working")) else {
            return;
        };
        let old = v.get("old_password").cloned().unwrap_or_default();
        let new = v.get("new_password").cloned().unwrap_or_default();
        cx.spawn("change", move |c| async move {
            c.change_password(&old, &new).await
        });
    }
}

impl Screen for ChangePassword {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("account.password.title")
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
        if take::<()>(value).is_none() {
            return false;
        }
        self.panel.status = Status::None;
        cx.pop();
        cx.success(&cx.tr("account.password.done"));
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
}
