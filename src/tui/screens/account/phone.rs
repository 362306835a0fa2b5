//! 更换手机号: by a code sent to the bound e-mail address (at once), or by a manual-verification
//! request (人工核验) that support decides. An account without an e-mail address is moved to the
//! manual request with what was typed.

use super::password::{Step, sent_text};
use super::{Known, Outcome, Routed, beijing_time, form_area, form_hints, route};
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
use serde_json::{Value, json};
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
            cx.replace(PhoneManual::new(cx.ui, &known, Some(why)));
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

/// 更换手机号（人工核验）: a support request with what support checks against the platform's
/// records; the outcome says how it goes on.
pub struct PhoneManual {
    panel: FormPanel,
}

impl PhoneManual {
    /// `why`: shown first when the user was sent here (e.g. no e-mail address is bound).
    pub fn new(ui: &Ui, known: &Known, why: Option<String>) -> PhoneManual {
        let mut panel = FormPanel::new(
            &ui.tr("account.phone_manual.title"),
            vec![
                ui.tr("account.phone_manual.intro"),
                ui.tr("account.phone_manual.intro_time"),
            ],
            vec![
                Field::text("login_name", &ui.tr("account.field.identifier"))
                    .required()
                    .with_placeholder(&ui.tr("account.field.identifier_hint"))
                    .with_value(&known.identifier),
                Field::text("uscc", &ui.tr("account.field.uscc"))
                    .with_placeholder(&ui.tr("account.phone_manual.legal_hint"))
                    .with_value(&known.uscc),
                Field::text("legal_rep", &ui.tr("account.field.legal_rep"))
                    .with_placeholder(&ui.tr("account.phone_manual.legal_hint"))
                    .with_value(&known.legal_rep),
                Field::text("new_phone", &ui.tr("account.field.new_phone")).required(),
                Field::multiline("reason", &ui.tr("account.field.reason"), 2)
                    .required()
                    .with_placeholder(&ui.tr("account.phone_manual.reason_hint")),
                Field::text("contact", &ui.tr("account.field.contact"))
                    .required()
                    .with_placeholder(&ui.tr("account.field.contact_hint")),
            ],
        );
        if let Some(why) = why {
            panel.status = Status::Info(why);
        }
        PhoneManual { panel }
    }

    fn submit(&mut self, cx: &mut Ctx) {
        let Some(v) = self
            .panel
            .begin_submit(&cx.tr("account.phone_manual.working"))
        else {
            return;
        };
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        let opt = |k: &str| v.get(k).cloned();
        let body = json!({
            "login_name": get("login_name"),
            "uscc": opt("uscc"),
            "legal_rep": opt("legal_rep"),
            "new_phone": get("new_phone"),
            "reason": get("reason"),
            "contact": get("contact"),
        });
        cx.spawn("manual", move |c| async move {
            let ticket = c.request_manual_phone_change(&body).await?;
            Ok((ticket, body))
        });
    }
}

impl Screen for PhoneManual {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("account.phone_manual.title")
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
        let Some((ticket, sent)) = take::<(Value, Value)>(value) else {
            return false;
        };
        self.panel.status = Status::None;
        self.panel.edited = false;
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        cx.replace(Outcome::new(
            cx.tr("account.phone_manual.title"),
            trf(
                cx.lang(),
                "account.request.filed",
                &[
                    ("id", &s(&ticket["id"])),
                    ("at", &beijing_time(&ticket["created_at"])),
                ],
            ),
            vec![
                trf(
                    cx.lang(),
                    "account.phone_manual.done_next",
                    &[
                        ("contact", &s(&sent["contact"])),
                        ("phone", &s(&sent["new_phone"])),
                    ],
                ),
                cx.tr("account.phone_manual.intro_time"),
            ],
        ));
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
