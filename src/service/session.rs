//! Who is acting: [`Session`], obtained from an opaque token by [`Service::authenticate`].
//!
//! Tokens are 32 random bytes in base64url, given to the client once and stored only as their
//! SHA-256. They expire [`policy::TOKEN_TTL`] after issue (fixed, not sliding) and can be revoked
//! one by one (log out) or all at once (password reset, recovery, "log out everywhere").

use crate::domain::text::Text;
use crate::domain::tiers::ReviewLevel;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::{Service, Write, policy};
use crate::store::{Conn, from_ms, ms};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The kind of an account (the `kind` column).
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// 法人账户: an enterprise (after real-name verification).
    Legal,
    /// 自然人账户: a person; may browse and take the assessment, never declare.
    Natural,
    /// 审核员 at a level, scoped to a region.
    Reviewer,
    /// Province (or 计划单列市) admin, or ministry admin (level `ministry`).
    Admin,
    /// 客服: account triage only.
    Support,
}

impl AccountKind {
    pub const ALL: [AccountKind; 5] = [
        AccountKind::Legal,
        AccountKind::Natural,
        AccountKind::Reviewer,
        AccountKind::Admin,
        AccountKind::Support,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AccountKind::Legal => "legal",
            AccountKind::Natural => "natural",
            AccountKind::Reviewer => "reviewer",
            AccountKind::Admin => "admin",
            AccountKind::Support => "support",
        }
    }

    pub fn from_code(s: &str) -> Option<AccountKind> {
        AccountKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            AccountKind::Legal => Text::new("法人账户", "legal-person account"),
            AccountKind::Natural => Text::new("自然人账户", "natural-person account"),
            AccountKind::Reviewer => Text::new("审核员", "reviewer"),
            AccountKind::Admin => Text::new("管理员", "administrator"),
            AccountKind::Support => Text::new("客服", "support staff"),
        }
    }

    /// Reviewer, admin or support.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            AccountKind::Reviewer | AccountKind::Admin | AccountKind::Support
        )
    }
}

/// The authenticated caller of a use case.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub account_id: String,
    pub login_name: String,
    pub display_name: String,
    pub kind: AccountKind,
    /// Staff level (reviewers and admins).
    pub level: Option<ReviewLevel>,
    /// Staff scope (GB/T 2260 code); `None` = national (ministry level).
    pub region_code: Option<String>,
    /// The verified enterprise of a legal-person account.
    pub enterprise_id: Option<String>,
    pub expires_at: DateTime<Utc>,
    #[serde(skip)]
    pub(crate) token_hash: String,
}

/// SHA-256 (hex) of a token or code: what is stored.
pub(crate) fn digest(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A fresh random token (base64url, no padding).
fn random_token() -> String {
    let bytes: [u8; policy::TOKEN_BYTES] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Issues a token for `account_id` in `w`; returns the token (shown once) and its expiry.
pub(crate) async fn issue_token(
    w: &mut Write,
    account_id: &str,
) -> ServiceResult<(String, DateTime<Utc>)> {
    let token = random_token();
    let expires_at = w.now + policy::TOKEN_TTL;
    let now = w.now_ms();
    sqlx::query(
        "INSERT INTO tokens (hash, account_id, created_at, expires_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $3)",
    )
    .bind(digest(&token))
    .bind(account_id)
    .bind(now)
    .bind(ms(expires_at))
    .execute(&mut **w)
    .await?;
    Ok((token, expires_at))
}

/// Revokes every live token of an account; returns how many.
pub(crate) async fn revoke_all_tokens(w: &mut Write, account_id: &str) -> ServiceResult<u64> {
    let now = w.now_ms();
    let done = sqlx::query(
        "UPDATE tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL \
         AND expires_at > $1",
    )
    .bind(now)
    .bind(account_id)
    .execute(&mut **w)
    .await?;
    Ok(done.rows_affected())
}

const SESSION_COLUMNS: &str = "a.id, a.login_name, a.display_name, a.kind, a.level, \
     a.region_code, a.enterprise_id, a.disabled";

/// Builds a session from an account row (columns of [`SESSION_COLUMNS`]).
fn session_from_row(
    row: &AnyRow,
    token_hash: String,
    expires_at: DateTime<Utc>,
) -> ServiceResult<Session> {
    let kind: String = row.try_get("kind")?;
    let level: Option<String> = row.try_get("level")?;
    Ok(Session {
        account_id: row.try_get("id")?,
        login_name: row.try_get("login_name")?,
        display_name: row.try_get("display_name")?,
        kind: AccountKind::from_code(&kind)
            .ok_or_else(|| ServiceError::internal(format!("unknown account kind {kind:?}")))?,
        level: match level {
            Some(l) => Some(
                ReviewLevel::from_code(&l)
                    .ok_or_else(|| ServiceError::internal(format!("unknown level {l:?}")))?,
            ),
            None => None,
        },
        region_code: row.try_get("region_code")?,
        enterprise_id: row.try_get("enterprise_id")?,
        expires_at,
        token_hash,
    })
}

/// The session of a freshly issued token (read inside the issuing transaction).
pub(crate) async fn session_for(
    conn: &mut Conn,
    account_id: &str,
    token: &str,
    expires_at: DateTime<Utc>,
) -> ServiceResult<Session> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM accounts a WHERE a.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_one(conn)
        .await?;
    session_from_row(&row, digest(token), expires_at)
}

fn logged_out() -> Text {
    Text::new(
        "未登录或登录已失效，请重新登录。",
        "You are not logged in, or your login is no longer valid; log in again.",
    )
}

impl Service {
    /// The session of a token: refused when unknown, expired, revoked, or the account is
    /// disabled.
    pub async fn authenticate(&self, token: &str) -> ServiceResult<Session> {
        let hash = digest(token.trim());
        let now = self.now();
        let sql = format!(
            "SELECT {SESSION_COLUMNS}, t.expires_at, t.revoked_at, t.last_used_at \
             FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.hash = $1"
        );
        let mut conn = self.read().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&hash)
            .fetch_optional(&mut *conn)
            .await?;
        drop(conn);
        let row = row.ok_or_else(|| ServiceError::unauthorized(logged_out()))?;
        let expires_at = from_ms(row.try_get("expires_at")?);
        if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
            return Err(ServiceError::unauthorized(Text::new(
                "您已退出登录（或密码已重置），请重新登录。",
                "This login was ended (logged out or password reset); log in again.",
            )));
        }
        if expires_at <= now {
            return Err(ServiceError::unauthorized(Text::new(
                "登录已过期，请重新登录。",
                "Your login has expired; log in again.",
            )));
        }
        if row.try_get::<i64, _>("disabled")? != 0 {
            return Err(ServiceError::unauthorized(disabled_text()));
        }
        let last_used = row.try_get::<Option<i64>, _>("last_used_at")?.map(from_ms);
        let session = session_from_row(&row, hash, expires_at)?;
        if last_used.is_none_or(|t| now - t >= policy::TOKEN_TOUCH_INTERVAL) {
            let mut w = self.write().await?;
            let at = w.now_ms();
            sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE hash = $2")
                .bind(at)
                .bind(&session.token_hash)
                .execute(&mut *w)
                .await?;
            w.commit().await?;
        }
        Ok(session)
    }
}

pub(crate) fn disabled_text() -> Text {
    Text::new(
        "该账号已停用，请联系客服。",
        "This account is disabled; contact support.",
    )
}
