//! The one error type of every use case.
//!
//! Each variant has a stable machine [`code`](ServiceError::code) (the problem+json `type` of the
//! API), a bilingual message ([`Localized`]), an HTTP status hint, and — where one field is to
//! blame — the field's name. Internal failures are logged with an incident id and reported only
//! by that id: no SQL, path or stack ever reaches a user.

use crate::domain::text::{Localized, Text};
use crate::domain::workflow::Refusal;
use crate::service::clock::china_minutes;
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// One offending input field and what is expected of it.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub text: Text,
}

impl FieldError {
    pub fn new(field: impl Into<String>, text: Text) -> FieldError {
        FieldError {
            field: field.into(),
            text,
        }
    }
}

/// A rule refusing an otherwise well-formed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The workflow transition table said no.
    Workflow(Refusal),
    /// Any other business rule; `code` is stable (snake_case).
    Rule { code: &'static str, text: Text },
}

impl Refused {
    pub fn code(&self) -> &'static str {
        match self {
            Refused::Workflow(r) => r.code(),
            Refused::Rule { code, .. } => code,
        }
    }

    pub fn text(&self) -> Text {
        match self {
            Refused::Workflow(r) => r.text(),
            Refused::Rule { text, .. } => text.clone(),
        }
    }
}

/// What someone can do when the USCC they try to verify is already registered (DOMAIN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WayOut {
    /// Log in with the existing account (forgotten password: reset by phone code).
    LogIn,
    /// Ask support to hand the enterprise's account over (账号找回, manual verification).
    AccountRecovery,
    /// The existing account's phone is lost: change it (e-mail code or manual verification).
    PhoneChange,
}

impl WayOut {
    pub const ALL: [WayOut; 3] = [WayOut::LogIn, WayOut::AccountRecovery, WayOut::PhoneChange];

    pub fn code(self) -> &'static str {
        match self {
            WayOut::LogIn => "log_in",
            WayOut::AccountRecovery => "account_recovery",
            WayOut::PhoneChange => "phone_change",
        }
    }
}

impl Localized for WayOut {
    fn text(&self) -> Text {
        match self {
            WayOut::LogIn => Text::new(
                "用已有账号登录；忘记密码可通过绑定手机的验证码重置（忘记密码）",
                "log in with the existing account; if the password is forgotten, reset it with a \
                 code sent to the bound phone (forgot password)",
            ),
            WayOut::AccountRecovery => Text::new(
                "无法使用已有账号时，提交账号找回申请，由客服人工核验后交还",
                "if the existing account cannot be used, file an account recovery request; \
                 support verifies it by hand and hands the account over",
            ),
            WayOut::PhoneChange => Text::new(
                "已有账号绑定的手机号不再使用时，申请更换手机号（邮箱验证或人工核验）",
                "if the phone bound to the existing account is lost, change it (by e-mail code \
                 or manual verification)",
            ),
        }
    }
}

/// The error of every service call.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceError {
    /// Not logged in, bad credentials, an expired or revoked token.
    Unauthorized {
        reason: Text,
    },
    /// Logged in, but this role may never do this.
    Forbidden {
        reason: Text,
    },
    NotFound {
        what: Text,
    },
    /// Bad input: every offending field with what is expected.
    Invalid {
        fields: Vec<FieldError>,
    },
    /// The record changed since the caller read it (stale `If-Match` version).
    Conflict {
        current_version: i64,
        by: Option<String>,
        at: Option<DateTime<Utc>>,
    },
    /// A business rule refuses the action now.
    Refused(Refused),
    /// Real-name verification with a USCC that another account holds; see [`WayOut::ALL`].
    UsccRegistered {
        uscc: String,
    },
    /// Too many requests; try again after this long.
    RateLimited {
        retry_after: Duration,
    },
    /// The account is locked after repeated failed log-ins.
    Locked {
        until: DateTime<Utc>,
    },
    /// Something broke inside; logged under `incident`, never detailed to the user.
    Internal {
        incident: String,
    },
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn unauthorized(reason: Text) -> ServiceError {
        ServiceError::Unauthorized { reason }
    }

    pub fn forbidden(reason: Text) -> ServiceError {
        ServiceError::Forbidden { reason }
    }

    pub fn not_found(what: Text) -> ServiceError {
        ServiceError::NotFound { what }
    }

    /// One invalid field.
    pub fn invalid(field: impl Into<String>, text: Text) -> ServiceError {
        ServiceError::Invalid {
            fields: vec![FieldError::new(field, text)],
        }
    }

    /// A business-rule refusal with a stable code.
    pub fn rule(code: &'static str, text: Text) -> ServiceError {
        ServiceError::Refused(Refused::Rule { code, text })
    }

    /// Logs `err` under a fresh incident id and returns the opaque error.
    pub fn internal(err: impl fmt::Display) -> ServiceError {
        let incident = uuid::Uuid::now_v7().simple().to_string()[20..].to_string();
        tracing::error!(%incident, error = %err, "internal error");
        ServiceError::Internal { incident }
    }

    /// Stable machine code (the problem `type` suffix): `unauthorized`, `forbidden`,
    /// `not_found`, `invalid`, `conflict`, the refusal's own code, `uscc_registered`,
    /// `rate_limited`, `locked`, `internal`.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Unauthorized { .. } => "unauthorized",
            ServiceError::Forbidden { .. } => "forbidden",
            ServiceError::NotFound { .. } => "not_found",
            ServiceError::Invalid { .. } => "invalid",
            ServiceError::Conflict { .. } => "conflict",
            ServiceError::Refused(r) => r.code(),
            ServiceError::UsccRegistered { .. } => "uscc_registered",
            ServiceError::RateLimited { .. } => "rate_limited",
            ServiceError::Locked { .. } => "locked",
            ServiceError::Internal { .. } => "internal",
        }
    }

    /// The HTTP status the API answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            ServiceError::Unauthorized { .. } => 401,
            ServiceError::Forbidden { .. } => 403,
            ServiceError::NotFound { .. } => 404,
            ServiceError::Invalid { .. } => 422,
            ServiceError::Conflict { .. } => 412,
            ServiceError::Refused(_) | ServiceError::UsccRegistered { .. } => 409,
            ServiceError::RateLimited { .. } => 429,
            ServiceError::Locked { .. } => 423,
            ServiceError::Internal { .. } => 500,
        }
    }

    /// The (first) offending field, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            ServiceError::Invalid { fields } => fields.first().map(|f| f.field.as_str()),
            ServiceError::UsccRegistered { .. } => Some("uscc"),
            _ => None,
        }
    }

    /// The ways out offered with [`ServiceError::UsccRegistered`] (empty otherwise).
    pub fn ways_out(&self) -> &'static [WayOut] {
        match self {
            ServiceError::UsccRegistered { .. } => &WayOut::ALL,
            _ => &[],
        }
    }

    /// The workflow refusal inside, if that is what this is.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            ServiceError::Refused(Refused::Workflow(r)) => Some(r),
            _ => None,
        }
    }
}

impl Localized for ServiceError {
    fn text(&self) -> Text {
        match self {
            ServiceError::Unauthorized { reason } | ServiceError::Forbidden { reason } => {
                reason.clone()
            }
            ServiceError::NotFound { what } => Text::new(
                format!("未找到{}。", what.zh),
                format!("{} not found.", capitalise(&what.en)),
            ),
            ServiceError::Invalid { fields } => Text::new(
                fields
                    .iter()
                    .map(|f| f.text.zh.as_str())
                    .collect::<Vec<_>>()
                    .join("；"),
                fields
                    .iter()
                    .map(|f| f.text.en.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ServiceError::Conflict {
                current_version,
                by,
                at,
            } => {
                let (who_zh, who_en) = match by {
                    Some(name) => (name.clone(), name.clone()),
                    None => ("其他用户".to_string(), "someone else".to_string()),
                };
                let (when_zh, when_en) = match at {
                    Some(t) => {
                        let t = china_minutes(*t);
                        (format!("于 {t} "), format!(" at {t} (Beijing time)"))
                    }
                    None => (String::new(), String::new()),
                };
                Text::new(
                    format!(
                        "该记录已被{who_zh}{when_zh}处理（当前版本 {current_version}），\
                         请刷新后再操作。"
                    ),
                    format!(
                        "This record was changed by {who_en}{when_en} (now version \
                         {current_version}); refresh and try again."
                    ),
                )
            }
            ServiceError::Refused(r) => r.text(),
            ServiceError::UsccRegistered { uscc } => {
                let ways: Vec<Text> = WayOut::ALL.iter().map(|w| w.text()).collect();
                Text::new(
                    format!(
                        "统一社会信用代码 {uscc} 已被其他账号实名认证。您可以：{}。",
                        ways.iter()
                            .enumerate()
                            .map(|(i, t)| format!("（{}）{}", i + 1, t.zh))
                            .collect::<Vec<_>>()
                            .join("；")
                    ),
                    format!(
                        "The unified social credit code {uscc} is already verified by another \
                         account. You can: {}.",
                        ways.iter()
                            .enumerate()
                            .map(|(i, t)| format!("({}) {}", i + 1, t.en))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                )
            }
            ServiceError::RateLimited { retry_after } => {
                let s = retry_after.as_secs().max(1);
                Text::new(
                    format!("操作过于频繁，请 {s} 秒后再试。"),
                    format!("Too many requests; try again in {s} seconds."),
                )
            }
            ServiceError::Locked { until } => {
                let t = china_minutes(*until);
                Text::new(
                    format!(
                        "连续登录失败次数过多，账号已锁定至 {t}（北京时间），届时可再次登录；也可联系客服解锁。"
                    ),
                    format!(
                        "Too many failed log-ins: the account is locked until {t} (Beijing \
                         time). Try again then, or ask support to unlock it."
                    ),
                )
            }
            ServiceError::Internal { incident } => Text::new(
                format!("系统内部错误（事件编号 {incident}），请稍后重试或联系客服。"),
                format!(
                    "Internal error (incident {incident}); try again later or contact support."
                ),
            ),
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.text().en)
    }
}

impl std::error::Error for ServiceError {}

impl From<Refusal> for ServiceError {
    fn from(r: Refusal) -> Self {
        ServiceError::Refused(Refused::Workflow(r))
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        ServiceError::internal(e)
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        ServiceError::internal(e)
    }
}

impl From<tokio::task::JoinError> for ServiceError {
    fn from(e: tokio::task::JoinError) -> Self {
        ServiceError::internal(e)
    }
}

impl From<serde_json::Error> for ServiceError {
    fn from(e: serde_json::Error) -> Self {
        ServiceError::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::Lang;

    #[test]
    fn codes_statuses_and_messages() {
        let e = ServiceError::invalid("phone", Text::new("手机号有误", "bad phone"));
        assert_eq!(
            (e.code(), e.http_status(), e.field()),
            ("invalid", 422, Some("phone"))
        );
        assert_eq!(e.message(Lang::En), "bad phone");

        let e: ServiceError = Refusal::WindowClosed.into();
        assert_eq!(e.code(), "window_closed");
        assert_eq!(e.refusal(), Some(&Refusal::WindowClosed));
        assert!(e.message(Lang::Zh).contains("申报窗口未开放"));

        let e = ServiceError::UsccRegistered {
            uscc: "91110108551385082Q".into(),
        };
        assert_eq!(e.ways_out().len(), 3);
        let zh = e.message(Lang::Zh);
        assert!(zh.contains("账号找回") && zh.contains("忘记密码") && zh.contains("更换手机号"));

        let e = ServiceError::internal("disk on fire at /secret/path");
        assert!(!e.message(Lang::En).contains("secret"));
        assert_eq!(e.http_status(), 500);
    }
}
