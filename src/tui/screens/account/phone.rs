//! 更换手机号: by a code sent to the bound e-mail address (at once), or by a manual-verification
//! request (人工核验) that support decides. An account without an e-mail address is moved to the
//! manual request with what was typed.

use super::password::{Step, sent_text};
use super::{Known, Outcome, Routed, form_area, form_hints, route};
use crate::client::ClientError;
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::screens::{FormPanel, Status};
use crate::tui::widgets::Handled;
use crate::tui::widgets::form::Field;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use std::any::Any;

/// 更换手机号（邮箱验证码）: step 1 names the account and sends the code to its e-mail; step 2
/// takes the code and the new phone. Esc in step 2 goes back to step 1.
pub struct PhoneByEmail {
    identify: FormPanel,
    confirm: FormPanel,
    step: Step,
    identifier: String,
}

impl PhoneByEmail {
    pub fn new(ui: &Ui, known: &Known) -> PhoneByEmail {
        let title = ui.tr("account.phone_email.title");
        PhoneByEmail {
            identify: FormPanel::new(
                &title,
                vec![
                    ui.tr("account.phone_email.intro"),
                    ui.tr("account.phone_email.intro_manual"),
                ],
                vec![
                    Field::text("identifier", &ui.tr("account.field.identifier"))
                        .required()
                        .with_placeholder(&ui.tr("account.field.identifier_hint"))
                        .with_value(&known.identifier),
                ],
            ),
            confirm: FormPanel::new(
                &title,
                Vec::new(),
                vec![
                    Field::text("code", &ui.tr("account.field.code")).required(),
                    Field::text("new_phone", &ui.tr("account.field.new_phone")).required(),
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

    fn submit(&mut self, cx: &mut Ctx) {
        match self.step {
            Step::Identify => {
                let Some(v) = self
                    .identify
                    .begin_submit(&cx.tr("account.code.sending_email"))
                else {
                    return;
                };
                self.identifier = v.get("identifier").cloned().unwrap_or_default();
                let id = self.identifier.clone();
                cx.spawn("request", move |c| async move {
                    c.request_phone_change_code(&id).await
                });
            }
            Step::Confirm => {
                let Some(v) = self
                    .confirm
                    .begin_submit(&cx.tr("account.phone_email.working"))
                else {
                    return;
                };
                let id = self.identifier.clone();
                let code = v.get("code").cloned().unwrap_or_default();
                let phone = v.get("new_phone").cloned().unwrap_or_default();
                cx.spawn("confirm", move |c| async move {
                    c.change_phone_by_email(&id, &code, &phone).await?;
                    Ok(phone)
                });
            }
        }
    }
}

impl Screen for PhoneByEmail {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("account.phone_email.title")
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
                self.confirm.intro = vec![
                    sent_text(cx.ui, "account.phone_email.sent", &sent),
                    trf(
                        cx.lang(),
                        "account.code.account",
                        &[("id", self.identifier.as_str())],
                    ),
                    cx.tr("account.code.back"),
                ];
                self.confirm.status = Status::None;
                self.step = Step::Confirm;
            }
            _ => {
                let Some(phone) = take::<String>(value) else {
                    return false;
                };
                self.confirm.status = Status::None;
                cx.replace(Outcome::new(
                    cx.tr("account.phone_email.title"),
                    trf(
                        cx.lang(),
                        "account.phone_email.done",
                        &[("id", self.identifier.as_str()), ("phone", phone.as_str())],
                    ),
                    vec![cx.tr("account.phone_email.done_next")],
                ));
            }
        }
        true
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        if kind == "request" && error.code() == Some("no_email") {
            // nothing to send a code to: the manual request is the way, with what was typed
            let known = Known {
                identifier: self.identifier.clone(),
                ..Known::default()
            };
            let why = error_text(cx.lang(), &error);
            cx.replace(super::SupportRequestForm::phone_manual(
                cx.ui,
                &known,
                Some(why),
            ));
            return true;
        }
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
