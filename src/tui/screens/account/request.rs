//! Requests that support decides: 更换手机号（人工核验） — what support checks against the
//! platform's records — and 账户找回 — the enterprise's USCC is verified by an account the
//! requester cannot use; support compares what is typed with the records and hands the account
//! over (a new phone, and a reset code by SMS that 忘记密码 takes). Both end on a page with the
//! request's number and what happens next.

use super::{Known, Outcome, Routed, beijing_time, form_area, form_hints, route};
use crate::client::ClientError;
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, take};
use crate::tui::screens::{FormPanel, Status};
use crate::tui::widgets::Handled;
use crate::tui::widgets::form::Field;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::{Value, json};
use std::any::Any;

/// The fields of a recovery request, in the order of the form.
const RECOVERY_FIELDS: [&str; 8] = [
    "enterprise_name",
    "uscc",
    "legal_rep",
    "legal_rep_id",
    "new_phone",
    "contact_name",
    "contact",
    "reason",
];

/// Which request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    PhoneManual,
    Recovery,
}

impl Kind {
    /// The catalogue prefix of its texts (`title`, `working`, `done_next` follow it).
    fn prefix(self) -> &'static str {
        match self {
            Kind::PhoneManual => "account.phone_manual.",
            Kind::Recovery => "account.recovery.",
        }
    }
}

/// A request form for support.
pub struct SupportRequestForm {
    panel: FormPanel,
    kind: Kind,
}

impl SupportRequestForm {
    /// 更换手机号（人工核验）; `why`: shown first when the user was sent here (e.g. no e-mail
    /// address is bound).
    pub fn phone_manual(ui: &Ui, known: &Known, why: Option<String>) -> SupportRequestForm {
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
        SupportRequestForm {
            panel,
            kind: Kind::PhoneManual,
        }
    }

    /// 账户找回.
    pub fn recovery(ui: &Ui, known: &Known) -> SupportRequestForm {
        let panel = FormPanel::new(
            &ui.tr("account.recovery.title"),
            vec![
                ui.tr("account.recovery.intro"),
                ui.tr("account.recovery.intro_next"),
            ],
            vec![
                Field::text("enterprise_name", &ui.tr("account.field.enterprise_name"))
                    .required()
                    .with_value(&known.enterprise_name),
                Field::text("uscc", &ui.tr("account.field.uscc"))
                    .required()
                    .with_placeholder(&ui.tr("account.field.uscc_hint"))
                    .with_value(&known.uscc),
                Field::text("legal_rep", &ui.tr("account.field.legal_rep"))
                    .required()
                    .with_value(&known.legal_rep),
                Field::text("legal_rep_id", &ui.tr("account.field.legal_rep_id"))
                    .required()
                    .with_placeholder(&ui.tr("account.field.legal_rep_id_hint"))
                    .with_value(&known.legal_rep_id),
                Field::text("new_phone", &ui.tr("account.field.new_phone"))
                    .required()
                    .with_placeholder(&ui.tr("account.recovery.new_phone_hint")),
                Field::text("contact_name", &ui.tr("account.field.contact_name")).required(),
                Field::text("contact", &ui.tr("account.field.contact"))
                    .required()
                    .with_placeholder(&ui.tr("account.field.contact_hint")),
                Field::multiline("reason", &ui.tr("account.field.reason"), 2)
                    .required()
                    .with_placeholder(&ui.tr("account.recovery.reason_hint")),
            ],
        );
        SupportRequestForm {
            panel,
            kind: Kind::Recovery,
        }
    }

    fn tr(&self, cx: &Ctx, what: &str) -> String {
        cx.tr(&format!("{}{what}", self.kind.prefix()))
    }

    fn submit(&mut self, cx: &mut Ctx) {
        let working = self.tr(cx, "working");
        let Some(v) = self.panel.begin_submit(&working) else {
            return;
        };
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        let opt = |k: &str| v.get(k).cloned();
        match self.kind {
            Kind::PhoneManual => {
                let body = json!({
                    "login_name": get("login_name"),
                    "uscc": opt("uscc"),
                    "legal_rep": opt("legal_rep"),
                    "new_phone": get("new_phone"),
                    "reason": get("reason"),
                    "contact": get("contact"),
                });
                cx.spawn("request", move |c| async move {
                    let ticket = c.request_manual_phone_change(&body).await?;
                    Ok((ticket, body))
                });
            }
            Kind::Recovery => {
                let body: serde_json::Map<String, Value> = RECOVERY_FIELDS
                    .iter()
                    .map(|k| (k.to_string(), json!(get(k))))
                    .collect();
                let body = Value::Object(body);
                cx.spawn("request", move |c| async move {
                    let ticket = c.request_account_recovery(&body).await?;
                    Ok((ticket, body))
                });
            }
        }
    }
}

impl Screen for SupportRequestForm {
    fn title(&self, ui: &Ui) -> String {
        ui.tr(&format!("{}title", self.kind.prefix()))
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
            self.tr(cx, "title"),
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
                    &format!("{}done_next", self.kind.prefix()),
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
