//! Support (客服) use cases: the request queue (phone changes by manual verification, account
//! recoveries), approve / reject, unlock, account look-up. Support staff only; every call is
//! audited (look-ups included: they show personal data).

use crate::domain::ids::Uscc;
use crate::domain::text::{Localized, Text};
use crate::service::accounts::{
    ACCOUNT_COLUMNS, PURPOSE_PASSWORD_RESET, account_by_id, account_from_row, issue_code,
    phone_changed_notice, set_phone,
};
use crate::service::audit::{Who, audit};
use crate::service::authz;
use crate::service::clock::china_minutes;
use crate::service::credentials::{check_phone, login_key};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::notify::{Channel, Notice};
use crate::service::paging::{Cursor, Order, Page, PageRequest, Sql, keyset};
use crate::service::session::{self, AccountKind, Session};
use crate::service::{Service, Write, policy};
use crate::store::{Conn, from_ms, ms};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// What a support request asks for.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Phone change by manual verification (人工核验).
    PhoneChange,
    /// Account recovery (账号找回).
    Recovery,
}

impl RequestKind {
    pub fn code(self) -> &'static str {
        match self {
            RequestKind::PhoneChange => "phone_change",
            RequestKind::Recovery => "recovery",
        }
    }

    pub fn from_code(s: &str) -> Option<RequestKind> {
        [RequestKind::PhoneChange, RequestKind::Recovery]
            .into_iter()
            .find(|k| k.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            RequestKind::PhoneChange => {
                Text::new("更换手机号（人工核验）", "phone change (manual)")
            }
            RequestKind::Recovery => Text::new("账号找回", "account recovery"),
        }
    }
}

/// Where a support request stands.
#[derive(
    utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    #[default]
    Pending,
    Approved,
    Rejected,
}

impl RequestState {
    pub fn code(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Approved => "approved",
            RequestState::Rejected => "rejected",
        }
    }

    pub fn from_code(s: &str) -> Option<RequestState> {
        [
            RequestState::Pending,
            RequestState::Approved,
            RequestState::Rejected,
        ]
        .into_iter()
        .find(|k| k.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            RequestState::Pending => Text::new("待处理", "pending"),
            RequestState::Approved => Text::new("已通过", "approved"),
            RequestState::Rejected => Text::new("已驳回", "rejected"),
        }
    }
}

/// A support request as support sees it.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct SupportRequest {
    pub id: String,
    pub kind: RequestKind,
    pub account_id: Option<String>,
    pub login_name: Option<String>,
    /// What the requester stated, plus `checks` (does it match the stored data).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub state: RequestState,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The reason of a rejection, or the note support gave with an approval.
    pub reason: Option<String>,
    pub version: i64,
}

/// Filter of the request queue (default: pending requests of every kind, oldest first).
#[derive(utoipa::IntoParams, Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct RequestFilter {
    #[serde(default)]
    pub state: RequestState,
    #[serde(default)]
    pub kind: Option<RequestKind>,
}

const REQUEST_SELECT: &str = "SELECT r.id, r.kind, r.account_id, r.payload, r.state, \
     r.created_at, r.decided_by, r.decided_at, r.reason, r.version, a.login_name, \
     d.display_name AS decided_by_name FROM support_requests r \
     LEFT JOIN accounts a ON a.id = r.account_id LEFT JOIN accounts d ON d.id = r.decided_by";

fn request_from_row(row: &AnyRow) -> ServiceResult<SupportRequest> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let payload: String = row.try_get("payload")?;
    Ok(SupportRequest {
        id: row.try_get("id")?,
        kind: RequestKind::from_code(&kind)
            .ok_or_else(|| ServiceError::internal(format!("unknown request kind {kind:?}")))?,
        account_id: row.try_get("account_id")?,
        login_name: row.try_get("login_name")?,
        payload: serde_json::from_str(&payload)?,
        state: RequestState::from_code(&state)
            .ok_or_else(|| ServiceError::internal(format!("unknown request state {state:?}")))?,
        created_at: from_ms(row.try_get("created_at")?),
        decided_by: row.try_get("decided_by")?,
        decided_by_name: row.try_get("decided_by_name")?,
        decided_at: row.try_get::<Option<i64>, _>("decided_at")?.map(from_ms),
        reason: row.try_get("reason")?,
        version: row.try_get("version")?,
    })
}

async fn load_request(conn: &mut Conn, id: &str) -> ServiceResult<SupportRequest> {
    let sql = format!("{REQUEST_SELECT} WHERE r.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found(Text::new("该申请", "the request")))?;
    request_from_row(&row)
}

/// An account as support sees it (unmasked contact data).
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountSummary {
    pub id: String,
    pub login_name: String,
    pub kind: AccountKind,
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub enterprise_id: Option<String>,
    pub enterprise_name: Option<String>,
    pub uscc: Option<String>,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// How support looks an account up.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
pub enum AccountLookup {
    Uscc(String),
    LoginName(String),
    Phone(String),
}

/// The most rows a look-up returns.
pub const LOOKUP_LIMIT: i64 = 50;

impl Service {
    /// The support queue, oldest first, paged.
    pub async fn support_requests(
        &self,
        session: &Session,
        filter: &RequestFilter,
        page: &PageRequest,
    ) -> ServiceResult<Page<SupportRequest>> {
        authz::require_support(session)?;
        let limit = page.limit();
        let mut q = Sql::new(REQUEST_SELECT);
        q.push(" WHERE r.state = ").bind(filter.state.code());
        if let Some(kind) = filter.kind {
            q.push(" AND r.kind = ").bind(kind.code());
        }
        keyset(
            &mut q,
            "r.created_at",
            "r.id",
            Order::Asc,
            page.cursor()?.as_ref(),
            limit,
        );
        let mut conn = self.read().await?;
        let rows = q.fetch_all(&mut conn).await?;
        let items = rows
            .iter()
            .map(request_from_row)
            .collect::<ServiceResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |r| {
            Cursor::new(ms(r.created_at), &r.id)
        }))
    }

    /// One support request.
    pub async fn support_request(
        &self,
        session: &Session,
        id: &str,
    ) -> ServiceResult<SupportRequest> {
        authz::require_support(session)?;
        let mut conn = self.read().await?;
        load_request(&mut conn, id).await
    }

    /// Approves a pending request. Phone change: binds the new phone. Recovery: binds the new
    /// phone, unlocks the account, ends its sessions and texts the login name with a password
    /// reset code (valid [`policy::RECOVERY_CODE_TTL`]) to the new phone.
    pub async fn approve_support_request(
        &self,
        session: &Session,
        id: &str,
    ) -> ServiceResult<SupportRequest> {
        self.approve_support_request_with_note(session, id, "")
            .await
    }

    /// [`Service::approve_support_request`] with the note support gives (how the requester
    /// was verified, at most 500 characters; may be empty), kept with the decision and in the
    /// audit trail.
    pub async fn approve_support_request_with_note(
        &self,
        session: &Session,
        id: &str,
        note: &str,
    ) -> ServiceResult<SupportRequest> {
        authz::require_support(session)?;
        let note = note.trim();
        if note.chars().count() > 500 {
            return Err(ServiceError::invalid(
                "reason",
                Text::new(
                    format!("说明最多 500 个字，当前 {} 个。", note.chars().count()),
                    format!(
                        "The note has at most 500 characters; got {}.",
                        note.chars().count()
                    ),
                ),
            ));
        }
        let note = (!note.is_empty()).then_some(note);
        let mut w = self.write().await?;
        let request = pending(&mut w, id).await?;
        let account_id = request.account_id.clone().ok_or_else(|| {
            ServiceError::rule(
                "request_without_account",
                Text::new(
                    "该申请未关联账号，无法通过；请驳回并说明原因。",
                    "The request concerns no account and cannot be approved; reject it with a \
                     reason.",
                ),
            )
        })?;
        let account = account_by_id(&mut w, &account_id).await?.ok_or_else(|| {
            ServiceError::not_found(Text::new("申请所涉账号", "the request's account"))
        })?;
        let new_phone = request
            .payload
            .get("new_phone")
            .and_then(|p| p.as_str())
            .map(check_phone)
            .and_then(Result::ok)
            .ok_or_else(|| {
                ServiceError::internal(format!("request {id} has no valid new_phone"))
            })?;
        set_phone(&mut w, &account, &new_phone).await?;
        let mut detail = json!({
            "kind": request.kind.code(),
            "account_id": account.id,
            "from": account.phone,
            "to": new_phone,
        });
        match request.kind {
            RequestKind::PhoneChange => {
                self.notify(&mut w, &phone_changed_notice(&account, &new_phone))
                    .await?;
            }
            RequestKind::Recovery => {
                sqlx::query(
                    "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1",
                )
                .bind(&account.id)
                .execute(&mut *w)
                .await?;
                let revoked = session::revoke_all_tokens(&mut w, &account.id).await?;
                let (code, expires_at) = issue_code(
                    &mut w,
                    PURPOSE_PASSWORD_RESET,
                    &account.id,
                    &new_phone,
                    policy::RECOVERY_CODE_TTL,
                    false,
                )
                .await?;
                let until = china_minutes(expires_at);
                self.notify(
                    &mut w,
                    &Notice {
                        channel: Channel::Sms,
                        recipient: new_phone.clone(),
                        subject: "账号找回已通过 / Account recovery approved".into(),
                        body: format!(
                            "【优质中小企业梯度培育平台】您的账号找回申请已通过。登录名 {login}，请用重置密码验证码 {code} 设置新密码（{until} 前有效）。\
                             Your account recovery was approved. Login name {login}; set a new \
                             password with the reset code {code} (valid until {until}, Beijing time).",
                            login = account.login_name
                        ),
                    },
                )
                .await?;
                detail["revoked_tokens"] = json!(revoked);
            }
        }
        if let Some(n) = note {
            detail["note"] = json!(n);
        }
        decide(&mut w, session, &request, RequestState::Approved, note).await?;
        audit(
            &mut w,
            &Who::from(session),
            "support.approve",
            "support_request",
            Some(id),
            detail,
        )
        .await?;
        let done = load_request(&mut w, id).await?;
        w.commit().await?;
        Ok(done)
    }

    /// Rejects a pending request with a reason, which is sent to the requester.
    pub async fn reject_support_request(
        &self,
        session: &Session,
        id: &str,
        reason: &str,
    ) -> ServiceResult<SupportRequest> {
        authz::require_support(session)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid(
                "reason",
                Text::new("请填写驳回理由。", "Give a reason for the rejection."),
            ));
        }
        let mut w = self.write().await?;
        let request = pending(&mut w, id).await?;
        decide(
            &mut w,
            session,
            &request,
            RequestState::Rejected,
            Some(reason),
        )
        .await?;
        if let Some(contact) = request.payload.get("contact").and_then(|c| c.as_str()) {
            let channel = if contact.contains('@') {
                Channel::Email
            } else {
                Channel::Sms
            };
            let kind = request.kind.name();
            self.notify(
                &mut w,
                &Notice {
                    channel,
                    recipient: contact.to_string(),
                    subject: format!("{}申请未通过 / Request rejected", kind.zh),
                    body: format!(
                        "【优质中小企业梯度培育平台】您的{}申请（编号 {id}）未通过，原因：{reason}。\
                         Your {} request ({id}) was rejected: {reason}.",
                        kind.zh, kind.en
                    ),
                },
            )
            .await?;
        }
        audit(
            &mut w,
            &Who::from(session),
            "support.reject",
            "support_request",
            Some(id),
            json!({"kind": request.kind.code(), "reason": reason}),
        )
        .await?;
        let done = load_request(&mut w, id).await?;
        w.commit().await?;
        Ok(done)
    }

    /// Lifts a lock-out (and resets the failure count).
    pub async fn unlock_account(&self, session: &Session, account_id: &str) -> ServiceResult<()> {
        authz::require_support(session)?;
        let mut w = self.write().await?;
        let account = account_by_id(&mut w, account_id)
            .await?
            .ok_or_else(|| ServiceError::not_found(Text::new("该账号", "the account")))?;
        sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(account_id)
            .execute(&mut *w)
            .await?;
        audit(
            &mut w,
            &Who::from(session),
            "support.unlock",
            "account",
            Some(account_id),
            json!({
                "failed_logins": account.failed_logins,
                "locked_until": account.locked_until.map(ms),
            }),
        )
        .await?;
        w.commit().await
    }

    /// Finds accounts by USCC, login name (case-insensitive, exact) or bound phone.
    pub async fn lookup_accounts(
        &self,
        session: &Session,
        query: &AccountLookup,
    ) -> ServiceResult<Vec<AccountSummary>> {
        authz::require_support(session)?;
        let base = format!(
            "SELECT {ACCOUNT_COLUMNS}, e.name AS enterprise_name, e.uscc FROM accounts a \
             LEFT JOIN enterprises e ON e.id = a.enterprise_id"
        );
        let mut q = Sql::new(&base);
        let (by, value) = match query {
            AccountLookup::Uscc(v) => {
                let u = Uscc::parse(v).map_err(|e| ServiceError::invalid("value", e.text()))?;
                q.push(" WHERE e.uscc = ").bind(u.as_str().to_string());
                ("uscc", u.to_string())
            }
            AccountLookup::LoginName(v) => {
                if v.trim().is_empty() {
                    return Err(ServiceError::invalid(
                        "value",
                        Text::new("请输入登录名。", "Enter a login name."),
                    ));
                }
                q.push(" WHERE a.login_key = ").bind(login_key(v));
                ("login_name", v.trim().to_string())
            }
            AccountLookup::Phone(v) => {
                let p = check_phone(v).map_err(|t| ServiceError::invalid("value", t))?;
                q.push(" WHERE a.phone = ").bind(p.clone());
                ("phone", p)
            }
        };
        q.push(&format!(
            " ORDER BY a.created_at, a.id LIMIT {LOOKUP_LIMIT}"
        ));
        let mut w = self.write().await?;
        let rows = q.fetch_all(&mut w).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let a = account_from_row(row)?;
            out.push(AccountSummary {
                id: a.id,
                login_name: a.login_name,
                kind: a.kind,
                display_name: a.display_name,
                phone: a.phone,
                email: a.email,
                enterprise_id: a.enterprise_id,
                enterprise_name: row.try_get("enterprise_name")?,
                uscc: row.try_get("uscc")?,
                failed_logins: a.failed_logins,
                locked_until: a.locked_until,
                disabled: a.disabled,
                created_at: a.created_at,
            });
        }
        audit(
            &mut w,
            &Who::from(session),
            "support.lookup",
            "account",
            None,
            json!({"by": by, "value": value, "found": out.len()}),
        )
        .await?;
        w.commit().await?;
        Ok(out)
    }
}

/// Loads a request that must still be pending; a decided one is refused naming who decided it
/// and when.
async fn pending(w: &mut Write, id: &str) -> ServiceResult<SupportRequest> {
    let request = load_request(w, id).await?;
    if request.state == RequestState::Pending {
        return Ok(request);
    }
    let by = request
        .decided_by_name
        .clone()
        .unwrap_or_else(|| "—".into());
    let at = request.decided_at.map(china_minutes).unwrap_or_default();
    let state = request.state.name();
    Err(ServiceError::rule(
        "request_decided",
        Text::new(
            format!("该申请已由{by}于 {at} 处理（{}），不能再次处理。", state.zh),
            format!(
                "This request was already decided by {by} at {at} (Beijing time): {}.",
                state.en
            ),
        ),
    ))
}

async fn decide(
    w: &mut Write,
    session: &Session,
    request: &SupportRequest,
    to: RequestState,
    reason: Option<&str>,
) -> ServiceResult<()> {
    let now = w.now_ms();
    let done = sqlx::query(
        "UPDATE support_requests SET state = $1, decided_by = $2, decided_at = $3, reason = $4, \
         version = version + 1 WHERE id = $5 AND state = 'pending'",
    )
    .bind(to.code())
    .bind(&session.account_id)
    .bind(now)
    .bind(reason)
    .bind(&request.id)
    .execute(&mut **w)
    .await?;
    if done.rows_affected() != 1 {
        return Err(ServiceError::Conflict {
            current_version: request.version + 1,
            by: None,
            at: None,
        });
    }
    Ok(())
}
