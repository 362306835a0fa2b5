//! Accounts: registration, real-name verification, log-in / log-out, forgotten password, phone
//! change, account recovery requests, staff accounts (DOMAIN.md §1, §5).
//!
//! Security constants live in [`policy`]. Public use cases (no session)
//! take an *identifier*: a login name, or — for legal-person accounts — the USCC.

use crate::domain::ids::{ResidentId, Uscc};
use crate::domain::regions::{RegionLevel, Regions};
use crate::domain::text::{Localized, Text};
use crate::domain::tiers::ReviewLevel;
use crate::service::audit::{Who, audit};
use crate::service::authz;
use crate::service::clock::china_minutes;
use crate::service::credentials::{
    check_email, check_login_name, check_password, check_phone, login_key, mask_email, mask_phone,
    verify_password,
};
use crate::service::error::{FieldError, ServiceError, ServiceResult};
use crate::service::notify::{Channel, Notice};
use crate::service::session::{self, AccountKind, Session, digest, disabled_text};
use crate::service::validate::{Fields, required};
use crate::service::{Service, Write, policy};
use crate::store::{Conn, from_ms, is_unique_violation, ms, new_id};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Views and inputs
// ---------------------------------------------------------------------------------------------

/// An account as its owner sees it (phone and e-mail masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    pub id: String,
    pub login_name: String,
    pub kind: AccountKind,
    pub level: Option<ReviewLevel>,
    pub region_code: Option<String>,
    pub enterprise_id: Option<String>,
    pub display_name: String,
    pub phone_masked: Option<String>,
    pub email_masked: Option<String>,
    /// A legal-person account that passed real-name verification.
    pub verified: bool,
    pub created_at: DateTime<Utc>,
}

/// Self-registration of an enterprise (legal) or natural-person account.
#[derive(Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub login_name: String,
    pub password: String,
    /// `legal` (法人), `natural` (自然人) …
    pub kind: AccountKind,
    pub phone: String,
    #[serde(default)]
    pub email: Option<String>,
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("login_name", &self.login_name)
            .field("password", &"***")
            .field("kind", &self.kind)
            .field("phone", &self.phone)
            .field("email", &self.email)
            .finish()
    }
}

/// Real-name verification of a legal-person account.
#[derive(Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RealName {
    pub enterprise_name: String,
    pub uscc: String,
    pub legal_rep: String,
    pub legal_rep_id: String,
}

impl fmt::Debug for RealName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RealName")
            .field("enterprise_name", &self.enterprise_name)
            .field("uscc", &self.uscc)
            .field("legal_rep", &self.legal_rep)
            .field("legal_rep_id", &"***")
            .finish()
    }
}

/// A successful log-in: the token (shown once), the session it opens and the account as
/// `GET /me` shows it (so a client on a slow link needs no second round trip).
#[derive(utoipa::ToSchema, Debug, Clone, Serialize)]
pub struct LoginOk {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub session: Session,
    pub account: AccountView,
}

/// Where a one-time code went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CodeSent {
    /// `sms` or `email`.
    pub channel: Channel,
    /// Masked phone or e-mail.
    pub sent_to: String,
    pub expires_at: DateTime<Utc>,
}

/// A manual-verification (人工核验) phone-change request.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualPhoneChange {
    /// The account's login name (or, for a legal-person account, its USCC).
    pub login_name: String,
    /// Required for a verified legal-person account.
    #[serde(default)]
    pub uscc: Option<String>,
    /// Required for a verified legal-person account.
    #[serde(default)]
    pub legal_rep: Option<String>,
    pub new_phone: String,
    pub reason: String,
    /// How support can reach the requester (phone or e-mail).
    pub contact: String,
}

/// An account recovery (账号找回) request: the enterprise's USCC is held by an account the
/// requester cannot use.
#[derive(Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryRequest {
    pub enterprise_name: String,
    pub uscc: String,
    pub legal_rep: String,
    pub legal_rep_id: String,
    /// The phone to bind to the recovered account.
    pub new_phone: String,
    pub contact_name: String,
    /// Phone or e-mail.
    pub contact: String,
    pub reason: String,
}

impl fmt::Debug for RecoveryRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoveryRequest")
            .field("enterprise_name", &self.enterprise_name)
            .field("uscc", &self.uscc)
            .field("legal_rep", &self.legal_rep)
            .field("legal_rep_id", &"***")
            .field("new_phone", &self.new_phone)
            .finish_non_exhaustive()
    }
}

/// A filed support request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Ticket {
    pub id: String,
    pub created_at: DateTime<Utc>,
}

/// A staff account to create (reviewer, admin or support).
#[derive(Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffAccount {
    /// `reviewer`, `admin` or `support`.
    pub kind: AccountKind,
    /// `county`, `city`, `province` or `ministry`.
    #[serde(default)]
    pub level: Option<ReviewLevel>,
    /// GB/T 2260 code of the scope; `None` for ministry level and support.
    #[serde(default)]
    pub region_code: Option<String>,
    pub login_name: String,
    pub display_name: String,
    pub password: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

impl fmt::Debug for StaffAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaffAccount")
            .field("kind", &self.kind)
            .field("level", &self.level)
            .field("region_code", &self.region_code)
            .field("login_name", &self.login_name)
            .field("display_name", &self.display_name)
            .field("password", &"***")
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// Account rows
// ---------------------------------------------------------------------------------------------

/// An account row (what the use cases here work on).
#[derive(Debug, Clone)]
pub(crate) struct AccountRow {
    pub id: String,
    pub login_name: String,
    pub kind: AccountKind,
    pub level: Option<ReviewLevel>,
    pub region_code: Option<String>,
    pub enterprise_id: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub display_name: String,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

pub(crate) const ACCOUNT_COLUMNS: &str = "a.id, a.login_name, a.kind, a.level, a.region_code, \
     a.enterprise_id, a.phone, a.email, a.display_name, a.password_hash, a.failed_logins, \
     a.locked_until, a.disabled, a.created_at";

pub(crate) fn account_from_row(row: &AnyRow) -> ServiceResult<AccountRow> {
    let kind: String = row.try_get("kind")?;
    let level: Option<String> = row.try_get("level")?;
    Ok(AccountRow {
        id: row.try_get("id")?,
        login_name: row.try_get("login_name")?,
        kind: AccountKind::from_code(&kind)
            .ok_or_else(|| ServiceError::internal(format!("unknown account kind {kind:?}")))?,
        level: level.as_deref().and_then(ReviewLevel::from_code),
        region_code: row.try_get("region_code")?,
        enterprise_id: row.try_get("enterprise_id")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        failed_logins: row.try_get("failed_logins")?,
        locked_until: row.try_get::<Option<i64>, _>("locked_until")?.map(from_ms),
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: from_ms(row.try_get("created_at")?),
    })
}

impl AccountRow {
    pub(crate) fn view(&self) -> AccountView {
        AccountView {
            id: self.id.clone(),
            login_name: self.login_name.clone(),
            kind: self.kind,
            level: self.level,
            region_code: self.region_code.clone(),
            enterprise_id: self.enterprise_id.clone(),
            display_name: self.display_name.clone(),
            phone_masked: self.phone.as_deref().map(mask_phone),
            email_masked: self.email.as_deref().map(mask_email),
            verified: self.kind == AccountKind::Legal && self.enterprise_id.is_some(),
            created_at: self.created_at,
        }
    }

    fn who(&self) -> Who {
        Who::account(&self.id, &self.display_name)
    }

    fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|t| *t > now)
    }
}

pub(crate) async fn account_by_id(conn: &mut Conn, id: &str) -> ServiceResult<Option<AccountRow>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(account_from_row).transpose()
}

async fn account_by_login(conn: &mut Conn, name: &str) -> ServiceResult<Option<AccountRow>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.login_key = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(login_key(name))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(account_from_row).transpose()
}

pub(crate) async fn account_by_uscc(
    conn: &mut Conn,
    uscc: &Uscc,
) -> ServiceResult<Option<AccountRow>> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts a JOIN enterprises e ON e.id = a.enterprise_id \
         WHERE e.uscc = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(uscc.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(account_from_row).transpose()
}

/// How an identifier was read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Identifier {
    Uscc(Uscc),
    LoginName(String),
}

impl Identifier {
    /// A valid USCC is one (login names can never be one); anything else is a login name.
    fn parse(input: &str) -> ServiceResult<Identifier> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ServiceError::invalid(
                "identifier",
                Text::new(
                    "请输入登录名或统一社会信用代码。",
                    "Enter a login name or a unified social credit code.",
                ),
            ));
        }
        Ok(match Uscc::parse(s) {
            Ok(u) => Identifier::Uscc(u),
            Err(_) => Identifier::LoginName(s.to_string()),
        })
    }

    async fn find(&self, conn: &mut Conn) -> ServiceResult<Option<AccountRow>> {
        match self {
            Identifier::Uscc(u) => account_by_uscc(conn, u).await,
            Identifier::LoginName(n) => account_by_login(conn, n).await,
        }
    }

    fn label(&self) -> &str {
        match self {
            Identifier::Uscc(u) => u.as_str(),
            Identifier::LoginName(n) => n,
        }
    }
}

fn no_such_account() -> ServiceError {
    ServiceError::not_found(Text::new(
        "该账号（请核对登录名或统一社会信用代码）",
        "the account (check the login name or unified social credit code)",
    ))
}

/// A contact: a mobile number or an e-mail address.
fn check_contact(value: &str) -> Result<String, Text> {
    check_phone(value)
        .or_else(|_| check_email(value))
        .map_err(|_| {
            Text::new(
                "联系方式须为手机号码或电子邮箱。",
                "The contact must be a mobile number or an e-mail address.",
            )
        })
}

fn wrong_credentials() -> Text {
    Text::new("登录名或密码错误。", "Wrong login name or password.")
}

/// The channel and address of a contact string (phone or e-mail).
fn contact_notice(contact: &str, subject: &str, body: String) -> Notice {
    let channel = if contact.contains('@') {
        Channel::Email
    } else {
        Channel::Sms
    };
    Notice {
        channel,
        recipient: contact.to_string(),
        subject: subject.to_string(),
        body,
    }
}

const SMS_SIGN: &str = "【优质中小企业梯度培育平台】";

// ---------------------------------------------------------------------------------------------
// One-time codes
// ---------------------------------------------------------------------------------------------

pub(crate) const PURPOSE_PASSWORD_RESET: &str = "password_reset";
pub(crate) const PURPOSE_PHONE_CHANGE: &str = "phone_change";

/// Issues a fresh code for (`purpose`, `account_id`), voiding older unused ones. With
/// `throttle`, refuses while the previous code is younger than the resend interval.
pub(crate) async fn issue_code(
    w: &mut Write,
    purpose: &str,
    account_id: &str,
    sent_to: &str,
    ttl: Duration,
    throttle: bool,
) -> ServiceResult<(String, DateTime<Utc>)> {
    let now = w.now;
    if throttle {
        let last: Option<i64> = sqlx::query(
            "SELECT MAX(created_at) AS last FROM codes WHERE purpose = $1 AND target = $2",
        )
        .bind(purpose)
        .bind(account_id)
        .fetch_one(&mut **w)
        .await?
        .try_get("last")?;
        if let Some(last) = last.map(from_ms) {
            let wait = last + policy::CODE_RESEND_INTERVAL - now;
            if wait > Duration::zero() {
                return Err(ServiceError::RateLimited {
                    retry_after: wait.to_std().unwrap_or_default(),
                });
            }
        }
    }
    sqlx::query(
        "UPDATE codes SET used_at = $1 WHERE purpose = $2 AND target = $3 AND used_at IS NULL",
    )
    .bind(ms(now))
    .bind(purpose)
    .bind(account_id)
    .execute(&mut **w)
    .await?;
    let id = new_id();
    let code = format!(
        "{:0width$}",
        rand::random_range(0..10_u32.pow(policy::CODE_DIGITS)),
        width = policy::CODE_DIGITS as usize
    );
    let expires_at = now + ttl;
    sqlx::query(
        "INSERT INTO codes (id, purpose, target, sent_to, code_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(purpose)
    .bind(account_id)
    .bind(sent_to)
    .bind(digest(&format!("{id}:{code}")))
    .bind(ms(now))
    .bind(ms(expires_at))
    .execute(&mut **w)
    .await?;
    Ok((code, expires_at))
}

/// Checks a code for (`purpose`, `account_id`) and consumes it when right. A wrong entry counts
/// as an attempt: the caller must commit even on `Err(Rejected)` so the count sticks.
pub(crate) async fn check_code(
    w: &mut Write,
    purpose: &str,
    account_id: &str,
    code: &str,
) -> ServiceResult<Result<(), ServiceError>> {
    let field = |zh: String, en: String| Err(ServiceError::invalid("code", Text::new(zh, en)));
    let row = sqlx::query(
        "SELECT id, code_hash, expires_at, attempts FROM codes WHERE purpose = $1 AND target = $2 \
         AND used_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(purpose)
    .bind(account_id)
    .fetch_optional(&mut **w)
    .await?;
    let Some(row) = row else {
        return Ok(field(
            "验证码无效或已使用，请重新获取。".into(),
            "The code is invalid or already used; request a new one.".into(),
        ));
    };
    let id: String = row.try_get("id")?;
    let attempts: i64 = row.try_get("attempts")?;
    if from_ms(row.try_get("expires_at")?) <= w.now {
        return Ok(field(
            "验证码已过期，请重新获取。".into(),
            "The code has expired; request a new one.".into(),
        ));
    }
    if attempts >= policy::CODE_MAX_ATTEMPTS {
        return Ok(field(
            "验证码输入错误次数过多，已失效，请重新获取。".into(),
            "Too many wrong entries: the code is void; request a new one.".into(),
        ));
    }
    let stored: String = row.try_get("code_hash")?;
    let given = digest(&format!("{id}:{}", code.trim()));
    if !constant_time_eq(stored.as_bytes(), given.as_bytes()) {
        sqlx::query("UPDATE codes SET attempts = attempts + 1 WHERE id = $1")
            .bind(&id)
            .execute(&mut **w)
            .await?;
        let left = policy::CODE_MAX_ATTEMPTS - attempts - 1;
        return Ok(if left > 0 {
            field(
                format!("验证码错误，还可尝试 {left} 次。"),
                format!("Wrong code; {left} more attempt(s) allowed."),
            )
        } else {
            field(
                "验证码错误次数过多，已失效，请重新获取。".into(),
                "Too many wrong entries: the code is void; request a new one.".into(),
            )
        });
    }
    sqlx::query("UPDATE codes SET used_at = $1 WHERE id = $2")
        .bind(w.now_ms())
        .bind(&id)
        .execute(&mut **w)
        .await?;
    Ok(Ok(()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

impl Service {
    /// Registers a legal-person or natural-person account (public).
    pub async fn register(&self, r: Registration) -> ServiceResult<AccountView> {
        let mut f = Fields::default();
        if !matches!(r.kind, AccountKind::Legal | AccountKind::Natural) {
            f.push(
                "kind",
                Text::new(
                    "只能注册法人账户或自然人账户。",
                    "Only legal-person and natural-person accounts can be registered.",
                ),
            );
        }
        let login_name = f.check("login_name", check_login_name(&r.login_name));
        f.check("password", check_password(&r.password, &r.login_name));
        let phone = f.check("phone", check_phone(&r.phone));
        let email = match r.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => f.check("email", check_email(e)),
            None => None,
        };
        f.finish()?;
        let (Some(login_name), Some(phone)) = (login_name, phone) else {
            return Err(ServiceError::internal("validated fields missing"));
        };
        let hash = self.passwords().hash(r.password).await?;

        let mut w = self.write().await?;
        if account_by_login(&mut w, &login_name).await?.is_some() {
            return Err(login_name_taken(&login_name));
        }
        let id = new_id();
        let now = w.now_ms();
        let inserted = sqlx::query(
            "INSERT INTO accounts (id, login_name, login_key, kind, phone, email, display_name, \
             password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $2, $7, $8, $8)",
        )
        .bind(&id)
        .bind(&login_name)
        .bind(login_key(&login_name))
        .bind(r.kind.code())
        .bind(&phone)
        .bind(email.as_deref())
        .bind(&hash)
        .bind(now)
        .execute(&mut *w)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e, "login_key") => {
                return Err(login_name_taken(&login_name));
            }
            other => other?,
        };
        audit(
            &mut w,
            &Who::account(&id, &login_name),
            "account.register",
            "account",
            Some(&id),
            json!({"kind": r.kind.code(), "phone": mask_phone(&phone)}),
        )
        .await?;
        let account = account_by_id(&mut w, &id)
            .await?
            .ok_or_else(|| ServiceError::internal("registered account vanished"))?;
        w.commit().await?;
        Ok(account.view())
    }

    /// Real-name verification of the caller's legal-person account: creates the enterprise and
    /// links it. A USCC another account holds is [`ServiceError::UsccRegistered`].
    pub async fn verify_real_name(
        &self,
        session: &Session,
        r: RealName,
    ) -> ServiceResult<AccountView> {
        authz::require_legal_person(session)?;
        let today = self.today();
        let mut f = Fields::default();
        let name = f.check(
            "enterprise_name",
            required(
                &r.enterprise_name,
                100,
                Text::new("企业名称", "the enterprise name"),
            ),
        );
        let uscc = f.check(
            "uscc",
            Uscc::parse(&r.uscc)
                .map_err(|e| e.text())
                .and_then(|u| {
                    if u.is_enterprise() {
                        Ok(u)
                    } else {
                        Err(Text::new(
                            format!(
                                "统一社会信用代码 {u} 的前两位为“{}”，不是企业（企业为“91”开头）；法人账户须以企业身份认证。",
                                &u.as_str()[..2]
                            ),
                            format!(
                                "The unified social credit code {u} starts with \"{}\", which is \
                                 not an enterprise (enterprises start with \"91\").",
                                &u.as_str()[..2]
                            ),
                        ))
                    }
                }),
        );
        let legal_rep = f.check(
            "legal_rep",
            required(
                &r.legal_rep,
                50,
                Text::new("法定代表人姓名", "the legal representative's name"),
            ),
        );
        let rep_id = f.check(
            "legal_rep_id",
            ResidentId::parse(&r.legal_rep_id)
                .and_then(|id| id.check_not_after(today).map(|()| id))
                .map_err(|e| e.text()),
        );
        f.finish()?;
        let (Some(name), Some(uscc), Some(legal_rep), Some(rep_id)) =
            (name, uscc, legal_rep, rep_id)
        else {
            return Err(ServiceError::internal("validated fields missing"));
        };

        let mut w = self.write().await?;
        let account = account_by_id(&mut w, &session.account_id)
            .await?
            .ok_or_else(no_such_account)?;
        if account.enterprise_id.is_some() {
            return Err(ServiceError::rule(
                "already_verified",
                Text::new(
                    "该账号已完成实名认证；企业信息的变化请通过企业信息维护或信息更新办理。",
                    "This account is already verified; change enterprise details through the \
                     enterprise information or an info update.",
                ),
            ));
        }
        let taken = sqlx::query("SELECT id FROM enterprises WHERE uscc = $1")
            .bind(uscc.as_str())
            .fetch_optional(&mut *w)
            .await?;
        if taken.is_some() {
            return Err(ServiceError::UsccRegistered {
                uscc: uscc.to_string(),
            });
        }
        let enterprise_id = new_id();
        let now = w.now_ms();
        let inserted = sqlx::query(
            "INSERT INTO enterprises (id, uscc, name, legal_rep, legal_rep_id_masked, \
             legal_rep_id_hash, contact_phone, contact_email, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(&enterprise_id)
        .bind(uscc.as_str())
        .bind(&name)
        .bind(&legal_rep)
        .bind(rep_id.masked())
        .bind(digest(rep_id.as_str()))
        .bind(account.phone.as_deref())
        .bind(account.email.as_deref())
        .bind(now)
        .execute(&mut *w)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e, "uscc") => {
                return Err(ServiceError::UsccRegistered {
                    uscc: uscc.to_string(),
                });
            }
            other => other?,
        };
        sqlx::query(
            "UPDATE accounts SET enterprise_id = $1, display_name = $2, updated_at = $3, \
             version = version + 1 WHERE id = $4",
        )
        .bind(&enterprise_id)
        .bind(&name)
        .bind(now)
        .bind(&account.id)
        .execute(&mut *w)
        .await?;
        audit(
            &mut w,
            &account.who(),
            "account.verify",
            "account",
            Some(&account.id),
            json!({
                "enterprise_id": enterprise_id,
                "uscc": uscc.as_str(),
                "enterprise_name": name,
                "legal_rep": legal_rep,
                "legal_rep_id": rep_id.masked(),
            }),
        )
        .await?;
        let account = account_by_id(&mut w, &account.id)
            .await?
            .ok_or_else(no_such_account)?;
        w.commit().await?;
        Ok(account.view())
    }

    /// Logs in with a login name, or a USCC (verified legal-person accounts only). Five
    /// consecutive failures lock the account for 15 minutes.
    pub async fn login(&self, identifier: &str, password: &str) -> ServiceResult<LoginOk> {
        let ident = Identifier::parse(identifier)?;
        if password.is_empty() {
            return Err(ServiceError::invalid(
                "password",
                Text::new("请输入密码。", "Enter the password."),
            ));
        }
        let mut conn = self.read().await?;
        let account = ident.find(&mut conn).await?;
        drop(conn);
        let Some(account) = account else {
            return Err(ServiceError::unauthorized(match ident {
                Identifier::Uscc(_) => Text::new(
                    "未找到用该统一社会信用代码完成实名认证的法人账户。统一社会信用代码登录仅适用于已实名认证的法人账户；自然人账户请用登录名登录。",
                    "No verified legal-person account has this unified social credit code. Only \
                     verified legal-person accounts can log in with it; natural-person accounts \
                     log in with their login name.",
                ),
                Identifier::LoginName(_) => wrong_credentials(),
            }));
        };
        if account.disabled {
            return Err(ServiceError::unauthorized(disabled_text()));
        }
        if let Some(until) = account.locked_at(self.now()) {
            return Err(ServiceError::Locked { until });
        }
        let ok = verify_password(password.to_string(), account.password_hash.clone()).await?;

        let mut w = self.write().await?;
        let now = w.now;
        let via = match ident {
            Identifier::Uscc(_) => "uscc",
            Identifier::LoginName(_) => "login_name",
        };
        if !ok {
            // Counted atomically; an expired lock starts the count afresh.
            let expired = "(locked_until IS NOT NULL AND locked_until <= $2)";
            let count = format!("CASE WHEN {expired} THEN 1 ELSE failed_logins + 1 END");
            let sql = format!(
                "UPDATE accounts SET failed_logins = {count}, \
                 locked_until = CASE WHEN {count} >= $3 THEN $4 \
                 WHEN {expired} THEN NULL ELSE locked_until END \
                 WHERE id = $1 RETURNING failed_logins, locked_until"
            );
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&account.id)
                .bind(ms(now))
                .bind(policy::MAX_FAILED_LOGINS)
                .bind(ms(now + policy::LOCKOUT))
                .fetch_one(&mut *w)
                .await?;
            let failures: i64 = row.try_get("failed_logins")?;
            let locked = row
                .try_get::<Option<i64>, _>("locked_until")?
                .map(from_ms)
                .filter(|t| *t > now);
            audit(
                &mut w,
                &Who::anonymous(ident.label()),
                if locked.is_some() {
                    "account.locked"
                } else {
                    "account.login_failed"
                },
                "account",
                Some(&account.id),
                json!({"via": via, "failures": failures}),
            )
            .await?;
            w.commit().await?;
            if let Some(until) = locked {
                return Err(ServiceError::Locked { until });
            }
            let left = policy::MAX_FAILED_LOGINS - failures;
            let minutes = policy::LOCKOUT.num_minutes();
            let base = wrong_credentials();
            return Err(ServiceError::unauthorized(Text::new(
                format!("{}再错 {left} 次，账号将被锁定 {minutes} 分钟。", base.zh),
                format!(
                    "{} {left} more failure(s) will lock the account for {minutes} minutes.",
                    base.en
                ),
            )));
        }
        // A lock may have been set by a concurrent failure since the read.
        let current = account_by_id(&mut w, &account.id)
            .await?
            .ok_or_else(no_such_account)?;
        if let Some(until) = current.locked_at(now) {
            return Err(ServiceError::Locked { until });
        }
        sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(&account.id)
            .execute(&mut *w)
            .await?;
        let (token, expires_at) = session::issue_token(&mut w, &account.id).await?;
        audit(
            &mut w,
            &account.who(),
            "account.login",
            "account",
            Some(&account.id),
            json!({"via": via}),
        )
        .await?;
        let session = session::session_for(&mut w, &account.id, &token, expires_at).await?;
        let view = account_by_id(&mut w, &account.id)
            .await?
            .ok_or_else(no_such_account)?
            .view();
        w.commit().await?;
        Ok(LoginOk {
            token,
            expires_at,
            session,
            account: view,
        })
    }

    /// Ends the caller's session (revokes its token).
    pub async fn logout(&self, session: &Session) -> ServiceResult<()> {
        let mut w = self.write().await?;
        let now = w.now_ms();
        sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(&session.token_hash)
            .execute(&mut *w)
            .await?;
        audit(
            &mut w,
            &Who::from(session),
            "account.logout",
            "account",
            Some(&session.account_id),
            json!({}),
        )
        .await?;
        w.commit().await
    }

    /// Revokes every token of `account_id` ("log out everywhere"): the account itself or
    /// support. Returns how many were revoked.
    pub async fn revoke_all(&self, session: &Session, account_id: &str) -> ServiceResult<u64> {
        if session.account_id != account_id {
            authz::require_support(session)?;
        }
        let mut w = self.write().await?;
        if account_by_id(&mut w, account_id).await?.is_none() {
            return Err(no_such_account());
        }
        let n = session::revoke_all_tokens(&mut w, account_id).await?;
        audit(
            &mut w,
            &Who::from(session),
            "account.revoke_all",
            "account",
            Some(account_id),
            json!({"revoked": n}),
        )
        .await?;
        w.commit().await?;
        Ok(n)
    }

    /// The caller's own account.
    pub async fn me(&self, session: &Session) -> ServiceResult<AccountView> {
        let mut conn = self.read().await?;
        Ok(account_by_id(&mut conn, &session.account_id)
            .await?
            .ok_or_else(no_such_account)?
            .view())
    }

    /// Changes the caller's password (the old one is required); other sessions are ended.
    pub async fn change_password(
        &self,
        session: &Session,
        old_password: &str,
        new_password: &str,
    ) -> ServiceResult<()> {
        let mut conn = self.read().await?;
        let account = account_by_id(&mut conn, &session.account_id)
            .await?
            .ok_or_else(no_such_account)?;
        drop(conn);
        check_password(new_password, &account.login_name)
            .map_err(|t| ServiceError::invalid("new_password", t))?;
        if !verify_password(old_password.to_string(), account.password_hash.clone()).await? {
            return Err(ServiceError::invalid(
                "old_password",
                Text::new("原密码不正确。", "The current password is wrong."),
            ));
        }
        let hash = self.passwords().hash(new_password.to_string()).await?;
        let mut w = self.write().await?;
        let now = w.now_ms();
        sqlx::query(
            "UPDATE accounts SET password_hash = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3",
        )
        .bind(&hash)
        .bind(now)
        .bind(&account.id)
        .execute(&mut *w)
        .await?;
        sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE account_id = $2 AND hash <> $3 \
             AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(&account.id)
        .bind(&session.token_hash)
        .execute(&mut *w)
        .await?;
        audit(
            &mut w,
            &account.who(),
            "account.password_changed",
            "account",
            Some(&account.id),
            json!({}),
        )
        .await?;
        w.commit().await
    }

    /// Forgotten password, step 1: sends a 6-digit code by SMS to the account's bound phone.
    pub async fn request_password_reset(&self, identifier: &str) -> ServiceResult<CodeSent> {
        let ident = Identifier::parse(identifier)?;
        let mut w = self.write().await?;
        let account = ident.find(&mut w).await?.ok_or_else(no_such_account)?;
        if account.disabled {
            return Err(ServiceError::forbidden(disabled_text()));
        }
        let Some(phone) = account.phone.clone() else {
            return Err(ServiceError::rule(
                "no_phone",
                Text::new(
                    "该账号未绑定手机号，无法通过短信找回密码；请联系客服。",
                    "This account has no bound phone, so the password cannot be reset by SMS; \
                     contact support.",
                ),
            ));
        };
        let (code, expires_at) = issue_code(
            &mut w,
            PURPOSE_PASSWORD_RESET,
            &account.id,
            &phone,
            policy::CODE_TTL,
            true,
        )
        .await?;
        let minutes = policy::CODE_TTL.num_minutes();
        self.notify(
            &mut w,
            &Notice {
                channel: Channel::Sms,
                recipient: phone.clone(),
                subject: "重置密码验证码 / Password reset code".into(),
                body: format!(
                    "{SMS_SIGN}您正在重置账号 {} 的密码，验证码 {code}，{minutes} 分钟内有效，请勿告诉他人。\
                     Your password reset code for {} is {code}, valid for {minutes} minutes.",
                    account.login_name, account.login_name
                ),
            },
        )
        .await?;
        audit(
            &mut w,
            &Who::anonymous(ident.label()),
            "account.password_reset_requested",
            "account",
            Some(&account.id),
            json!({"sent_to": mask_phone(&phone)}),
        )
        .await?;
        w.commit().await?;
        Ok(CodeSent {
            channel: Channel::Sms,
            sent_to: mask_phone(&phone),
            expires_at,
        })
    }

    /// Forgotten password, step 2: the code and a new password. Unlocks the account and ends
    /// every session.
    pub async fn reset_password(
        &self,
        identifier: &str,
        code: &str,
        new_password: &str,
    ) -> ServiceResult<()> {
        let ident = Identifier::parse(identifier)?;
        let mut conn = self.read().await?;
        let account = ident.find(&mut conn).await?.ok_or_else(no_such_account)?;
        drop(conn);
        if account.disabled {
            return Err(ServiceError::forbidden(disabled_text()));
        }
        check_password(new_password, &account.login_name)
            .map_err(|t| ServiceError::invalid("new_password", t))?;
        let hash = self.passwords().hash(new_password.to_string()).await?;

        let mut w = self.write().await?;
        if let Err(e) = check_code(&mut w, PURPOSE_PASSWORD_RESET, &account.id, code).await? {
            w.commit().await?;
            return Err(e);
        }
        let now = w.now_ms();
        sqlx::query(
            "UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = NULL, \
             updated_at = $2, version = version + 1 WHERE id = $3",
        )
        .bind(&hash)
        .bind(now)
        .bind(&account.id)
        .execute(&mut *w)
        .await?;
        let revoked = session::revoke_all_tokens(&mut w, &account.id).await?;
        let at = china_minutes(w.now);
        if let Some(phone) = &account.phone {
            self.notify(
                &mut w,
                &Notice {
                    channel: Channel::Sms,
                    recipient: phone.clone(),
                    subject: "密码已重置 / Password reset".into(),
                    body: format!(
                        "{SMS_SIGN}账号 {} 的密码已于 {} 重置；如非本人操作，请立即联系客服。\
                         The password of {} was reset; if this was not you, contact support.",
                        account.login_name, at, account.login_name
                    ),
                },
            )
            .await?;
        }
        audit(
            &mut w,
            &account.who(),
            "account.password_reset",
            "account",
            Some(&account.id),
            json!({"revoked_tokens": revoked}),
        )
        .await?;
        w.commit().await
    }

    /// Phone change by e-mail, step 1: sends a code to the account's bound e-mail address.
    pub async fn request_phone_change_code(&self, identifier: &str) -> ServiceResult<CodeSent> {
        let ident = Identifier::parse(identifier)?;
        let mut w = self.write().await?;
        let account = ident.find(&mut w).await?.ok_or_else(no_such_account)?;
        if account.disabled {
            return Err(ServiceError::forbidden(disabled_text()));
        }
        let Some(email) = account.email.clone() else {
            return Err(ServiceError::rule(
                "no_email",
                Text::new(
                    "该账号未绑定电子邮箱，无法通过邮箱验证更换手机号；请提交人工核验申请。",
                    "This account has no bound e-mail address, so the phone cannot be changed by \
                     e-mail code; file a manual verification request instead.",
                ),
            ));
        };
        let (code, expires_at) = issue_code(
            &mut w,
            PURPOSE_PHONE_CHANGE,
            &account.id,
            &email,
            policy::CODE_TTL,
            true,
        )
        .await?;
        let minutes = policy::CODE_TTL.num_minutes();
        self.notify(
            &mut w,
            &Notice {
                channel: Channel::Email,
                recipient: email.clone(),
                subject: "更换手机号验证码 / Phone change code".into(),
                body: format!(
                    "您正在为账号 {login} 更换绑定手机号，验证码 {code}，{minutes} 分钟内有效。如非本人操作，请忽略本邮件。\n\n\
                     Your code to change the phone bound to {login} is {code}, valid for \
                     {minutes} minutes. If this was not you, ignore this e-mail.",
                    login = account.login_name
                ),
            },
        )
        .await?;
        audit(
            &mut w,
            &Who::anonymous(ident.label()),
            "account.phone_change_requested",
            "account",
            Some(&account.id),
            json!({"sent_to": mask_email(&email)}),
        )
        .await?;
        w.commit().await?;
        Ok(CodeSent {
            channel: Channel::Email,
            sent_to: mask_email(&email),
            expires_at,
        })
    }

    /// Phone change by e-mail, step 2: the e-mailed code and the new phone.
    pub async fn change_phone_by_email(
        &self,
        identifier: &str,
        code: &str,
        new_phone: &str,
    ) -> ServiceResult<()> {
        let ident = Identifier::parse(identifier)?;
        let phone = check_phone(new_phone).map_err(|t| ServiceError::invalid("new_phone", t))?;
        let mut w = self.write().await?;
        let account = ident.find(&mut w).await?.ok_or_else(no_such_account)?;
        if let Err(e) = check_code(&mut w, PURPOSE_PHONE_CHANGE, &account.id, code).await? {
            w.commit().await?;
            return Err(e);
        }
        set_phone(&mut w, &account, &phone).await?;
        self.notify(&mut w, &phone_changed_notice(&account, &phone))
            .await?;
        if let Some(email) = &account.email {
            let mut n = phone_changed_notice(&account, &phone);
            n.channel = Channel::Email;
            n.recipient = email.clone();
            self.notify(&mut w, &n).await?;
        }
        audit(
            &mut w,
            &account.who(),
            "account.phone_changed",
            "account",
            Some(&account.id),
            json!({
                "via": "email_code",
                "from": account.phone.as_deref().map(mask_phone),
                "to": mask_phone(&phone),
            }),
        )
        .await?;
        w.commit().await
    }

    /// Phone change by manual verification (人工核验): files a support request with what support
    /// needs to check, and the comparison results against the stored data.
    pub async fn request_manual_phone_change(&self, r: ManualPhoneChange) -> ServiceResult<Ticket> {
        let mut f = Fields::default();
        let ident = f.check(
            "login_name",
            Identifier::parse(&r.login_name).map_err(|e| e.text()),
        );
        let phone = f.check("new_phone", check_phone(&r.new_phone));
        let reason = f.check(
            "reason",
            required(&r.reason, 500, Text::new("申请原因", "the reason")),
        );
        let contact = f.check("contact", check_contact(&r.contact));
        f.finish()?;
        let (Some(ident), Some(phone), Some(reason), Some(contact)) =
            (ident, phone, reason, contact)
        else {
            return Err(ServiceError::internal("validated fields missing"));
        };

        let mut w = self.write().await?;
        let account = ident.find(&mut w).await?.ok_or_else(|| {
            ServiceError::invalid(
                "login_name",
                Text::new(
                    "未找到该账号，请核对登录名（法人账户也可填统一社会信用代码）。",
                    "No such account; check the login name (or, for a legal-person account, the \
                     unified social credit code).",
                ),
            )
        })?;
        let mut checks = serde_json::Map::new();
        if let Some(enterprise_id) = &account.enterprise_id {
            let mut f = Fields::default();
            let uscc = f.check(
                "uscc",
                Uscc::parse(r.uscc.as_deref().unwrap_or_default()).map_err(|e| e.text()),
            );
            let rep = f.check(
                "legal_rep",
                required(
                    r.legal_rep.as_deref().unwrap_or_default(),
                    50,
                    Text::new("法定代表人姓名", "the legal representative's name"),
                ),
            );
            f.finish()?;
            let e = sqlx::query("SELECT uscc, legal_rep FROM enterprises WHERE id = $1")
                .bind(enterprise_id)
                .fetch_one(&mut *w)
                .await?;
            let stored_uscc: String = e.try_get("uscc")?;
            let stored_rep: String = e.try_get("legal_rep")?;
            checks.insert(
                "uscc_matches".into(),
                json!(uscc.as_ref().map(Uscc::as_str) == Some(stored_uscc.as_str())),
            );
            checks.insert(
                "legal_rep_matches".into(),
                json!(rep.as_deref() == Some(stored_rep.as_str())),
            );
        }
        refuse_if_pending(&mut w, "phone_change", &account.id).await?;
        let payload = json!({
            "login_name": account.login_name,
            "uscc": r.uscc.as_deref().map(str::trim),
            "legal_rep": r.legal_rep.as_deref().map(str::trim),
            "new_phone": phone,
            "reason": reason,
            "contact": contact,
            "checks": checks,
        });
        let ticket = insert_request(&mut w, "phone_change", &account.id, &payload).await?;
        self.notify(
            &mut w,
            &contact_notice(
                &contact,
                "已收到更换手机号申请 / Phone change request received",
                format!(
                    "{SMS_SIGN}已收到账号 {} 的更换手机号申请（编号 {}），客服核验后将通知您。\
                     Your phone change request ({}) was received; support will get back to you.",
                    account.login_name, ticket.id, ticket.id
                ),
            ),
        )
        .await?;
        audit(
            &mut w,
            &Who::anonymous(&account.login_name),
            "support.request_filed",
            "support_request",
            Some(&ticket.id),
            json!({"kind": "phone_change", "account_id": account.id}),
        )
        .await?;
        w.commit().await?;
        Ok(ticket)
    }

    /// Account recovery (账号找回): the enterprise's USCC is verified by an account the requester
    /// cannot reach. Files a support request with the enterprise data, the comparison against the
    /// stored data, the phone to bind and a contact.
    pub async fn request_account_recovery(&self, r: RecoveryRequest) -> ServiceResult<Ticket> {
        let today = self.today();
        let mut f = Fields::default();
        let name = f.check(
            "enterprise_name",
            required(
                &r.enterprise_name,
                100,
                Text::new("企业名称", "the enterprise name"),
            ),
        );
        let uscc = f.check("uscc", Uscc::parse(&r.uscc).map_err(|e| e.text()));
        let rep = f.check(
            "legal_rep",
            required(
                &r.legal_rep,
                50,
                Text::new("法定代表人姓名", "the legal representative's name"),
            ),
        );
        let rep_id = f.check(
            "legal_rep_id",
            ResidentId::parse(&r.legal_rep_id)
                .and_then(|id| id.check_not_after(today).map(|()| id))
                .map_err(|e| e.text()),
        );
        let phone = f.check("new_phone", check_phone(&r.new_phone));
        let contact_name = f.check(
            "contact_name",
            required(
                &r.contact_name,
                50,
                Text::new("联系人姓名", "the contact's name"),
            ),
        );
        let contact = f.check("contact", check_contact(&r.contact));
        let reason = f.check(
            "reason",
            required(&r.reason, 500, Text::new("申请原因", "the reason")),
        );
        f.finish()?;
        let (
            Some(name),
            Some(uscc),
            Some(rep),
            Some(rep_id),
            Some(phone),
            Some(contact_name),
            Some(contact),
            Some(reason),
        ) = (
            name,
            uscc,
            rep,
            rep_id,
            phone,
            contact_name,
            contact,
            reason,
        )
        else {
            return Err(ServiceError::internal("validated fields missing"));
        };

        let mut w = self.write().await?;
        let Some(account) = account_by_uscc(&mut w, &uscc).await? else {
            return Err(ServiceError::rule(
                "uscc_not_registered",
                Text::new(
                    format!(
                        "统一社会信用代码 {uscc} 尚未被任何账号实名认证，无需找回：可直接注册法人账户并完成实名认证。"
                    ),
                    format!(
                        "No account has verified the unified social credit code {uscc}: there is \
                         nothing to recover; register a legal-person account and verify it."
                    ),
                ),
            ));
        };
        let e = sqlx::query(
            "SELECT name, legal_rep, legal_rep_id_hash FROM enterprises WHERE uscc = $1",
        )
        .bind(uscc.as_str())
        .fetch_one(&mut *w)
        .await?;
        let stored_name: String = e.try_get("name")?;
        let stored_rep: String = e.try_get("legal_rep")?;
        let stored_rep_id: String = e.try_get("legal_rep_id_hash")?;
        refuse_if_pending(&mut w, "recovery", &account.id).await?;
        let payload = json!({
            "enterprise_name": name,
            "uscc": uscc.as_str(),
            "legal_rep": rep,
            "legal_rep_id": rep_id.masked(),
            "new_phone": phone,
            "contact_name": contact_name,
            "contact": contact,
            "reason": reason,
            "checks": {
                "enterprise_name_matches": name == stored_name,
                "legal_rep_matches": rep == stored_rep,
                "legal_rep_id_matches": digest(rep_id.as_str()) == stored_rep_id,
            },
        });
        let ticket = insert_request(&mut w, "recovery", &account.id, &payload).await?;
        self.notify(
            &mut w,
            &contact_notice(
                &contact,
                "已收到账号找回申请 / Account recovery request received",
                format!(
                    "{SMS_SIGN}已收到{name}的账号找回申请（编号 {}），客服人工核验后将通知您。\
                     Your account recovery request ({}) was received; support will verify it and \
                     get back to you.",
                    ticket.id, ticket.id
                ),
            ),
        )
        .await?;
        audit(
            &mut w,
            &Who::anonymous(&contact_name),
            "support.request_filed",
            "support_request",
            Some(&ticket.id),
            json!({"kind": "recovery", "account_id": account.id, "uscc": uscc.as_str()}),
        )
        .await?;
        w.commit().await?;
        Ok(ticket)
    }

    /// Creates a staff account (reviewer, admin, support): ministry admins only.
    pub async fn create_staff_account(
        &self,
        session: &Session,
        s: StaffAccount,
    ) -> ServiceResult<AccountView> {
        authz::require_ministry_admin(session)?;
        self.insert_staff(&Who::from(session), s).await
    }

    /// Creates a staff account without a session: for bootstrapping the first ministry admin and
    /// for demo seeding (never exposed through the API).
    pub async fn bootstrap_staff_account(&self, s: StaffAccount) -> ServiceResult<AccountView> {
        self.insert_staff(&Who::system(), s).await
    }

    async fn insert_staff(&self, who: &Who, s: StaffAccount) -> ServiceResult<AccountView> {
        let mut f = Fields::default();
        let (level, region) = match check_staff_scope(s.kind, s.level, s.region_code.as_deref()) {
            Ok(v) => v,
            Err(fe) => {
                f.push(&fe.field, fe.text);
                (None, None)
            }
        };
        let login_name = f.check("login_name", check_login_name(&s.login_name));
        let display = f.check(
            "display_name",
            required(&s.display_name, 50, Text::new("姓名", "the display name")),
        );
        f.check("password", check_password(&s.password, &s.login_name));
        let phone = match s.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => f.check("phone", check_phone(p)),
            None => None,
        };
        let email = match s.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => f.check("email", check_email(e)),
            None => None,
        };
        f.finish()?;
        let (Some(login_name), Some(display)) = (login_name, display) else {
            return Err(ServiceError::internal("validated fields missing"));
        };
        let hash = self.passwords().hash(s.password).await?;
        let mut w = self.write().await?;
        if account_by_login(&mut w, &login_name).await?.is_some() {
            return Err(login_name_taken(&login_name));
        }
        let id = new_id();
        let now = w.now_ms();
        sqlx::query(
            "INSERT INTO accounts (id, login_name, login_key, kind, level, region_code, phone, \
             email, display_name, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .bind(&id)
        .bind(&login_name)
        .bind(login_key(&login_name))
        .bind(s.kind.code())
        .bind(level.map(|l| l.code()))
        .bind(region.as_deref())
        .bind(phone.as_deref())
        .bind(email.as_deref())
        .bind(&display)
        .bind(&hash)
        .bind(now)
        .execute(&mut *w)
        .await?;
        audit(
            &mut w,
            who,
            "account.staff_created",
            "account",
            Some(&id),
            json!({
                "kind": s.kind.code(),
                "level": level.map(|l| l.code()),
                "region_code": region,
                "login_name": login_name,
            }),
        )
        .await?;
        let account = account_by_id(&mut w, &id)
            .await?
            .ok_or_else(no_such_account)?;
        w.commit().await?;
        Ok(account.view())
    }
}

fn login_name_taken(name: &str) -> ServiceError {
    ServiceError::invalid(
        "login_name",
        Text::new(
            format!("登录名“{name}”已被使用（不区分大小写），请换一个。"),
            format!("The login name \"{name}\" is taken (case-insensitively); choose another."),
        ),
    )
}

/// Checks a staff account's kind, level and region: reviewers at any level, admins at province
/// or ministry level, support with neither. Ministry level has no region; province level needs a
/// certifying authority (province, municipality, 计划单列市); city level a prefecture; county
/// level a county.
fn check_staff_scope(
    kind: AccountKind,
    level: Option<ReviewLevel>,
    region: Option<&str>,
) -> Result<(Option<ReviewLevel>, Option<String>), FieldError> {
    let region = region.map(str::trim).filter(|r| !r.is_empty());
    let bad_level = |zh: &str, en: &str| Err(FieldError::new("level", Text::new(zh, en)));
    let bad_region =
        |zh: String, en: String| Err(FieldError::new("region_code", Text::new(zh, en)));
    match kind {
        AccountKind::Legal | AccountKind::Natural => {
            return Err(FieldError::new(
                "kind",
                Text::new(
                    "工作人员账号只能是审核员、管理员或客服。",
                    "A staff account is a reviewer, an administrator or support.",
                ),
            ));
        }
        AccountKind::Support => {
            return if level.is_some() || region.is_some() {
                bad_level(
                    "客服账号不设审核层级和管辖地区。",
                    "A support account has no level and no region.",
                )
            } else {
                Ok((None, None))
            };
        }
        AccountKind::Reviewer | AccountKind::Admin => {}
    }
    let Some(level) = level else {
        return bad_level("请选择审核层级。", "Choose a level.");
    };
    if kind == AccountKind::Admin && !matches!(level, ReviewLevel::Province | ReviewLevel::Ministry)
    {
        return bad_level(
            "管理员只能是省级或部级。",
            "An administrator is at province or ministry level.",
        );
    }
    let regions = Regions::builtin();
    match (level, region) {
        (ReviewLevel::Ministry, None) => Ok((Some(level), None)),
        (ReviewLevel::Ministry, Some(_)) => bad_region(
            "部级账号为全国范围，不设管辖地区。".into(),
            "A ministry-level account is national and has no region.".into(),
        ),
        (_, None) => bad_region(
            "请选择管辖地区。".into(),
            "Choose the account's region.".into(),
        ),
        (_, Some(code)) => {
            let Some(r) = regions.get(code) else {
                return bad_region(
                    format!("没有代码为“{code}”的行政区划（GB/T 2260）。"),
                    format!("No administrative division has the code \"{code}\" (GB/T 2260)."),
                );
            };
            let fits = match level {
                ReviewLevel::Province => regions.authority(code).is_some_and(|a| a.code == r.code),
                ReviewLevel::City => r.level == RegionLevel::Prefecture,
                ReviewLevel::County => r.level == RegionLevel::County,
                ReviewLevel::Ministry => false,
            };
            if fits {
                Ok((Some(level), Some(r.code.clone())))
            } else {
                bad_region(
                    format!(
                        "{}账号的管辖地区须为{}，“{} {}”不是。",
                        level.name().zh,
                        expected_region(level).zh,
                        r.code,
                        r.name
                    ),
                    format!(
                        "A {}-level account's region must be {}; \"{} {}\" is not.",
                        level.name().en,
                        expected_region(level).en,
                        r.code,
                        r.name
                    ),
                )
            }
        }
    }
}

fn expected_region(level: ReviewLevel) -> Text {
    match level {
        ReviewLevel::Province => Text::new(
            "省、自治区、直辖市或计划单列市",
            "a province, autonomous region, municipality or city with independent planning status",
        ),
        ReviewLevel::City => Text::new("地级行政区", "a prefecture-level division"),
        ReviewLevel::County => Text::new("县级行政区", "a county-level division"),
        ReviewLevel::Ministry => Text::new("全国", "national"),
    }
}

/// Sets an account's phone (support approval, e-mail code).
pub(crate) async fn set_phone(
    w: &mut Write,
    account: &AccountRow,
    phone: &str,
) -> ServiceResult<()> {
    let now = w.now_ms();
    sqlx::query(
        "UPDATE accounts SET phone = $1, updated_at = $2, version = version + 1 WHERE id = $3",
    )
    .bind(phone)
    .bind(now)
    .bind(&account.id)
    .execute(&mut **w)
    .await?;
    Ok(())
}

pub(crate) fn phone_changed_notice(account: &AccountRow, phone: &str) -> Notice {
    Notice {
        channel: Channel::Sms,
        recipient: phone.to_string(),
        subject: "绑定手机已更换 / Phone changed".into(),
        body: format!(
            "{SMS_SIGN}账号 {} 的绑定手机已更换为 {}；如非本人操作，请立即联系客服。\
             The phone bound to {} is now {}; if this was not you, contact support.",
            account.login_name,
            mask_phone(phone),
            account.login_name,
            mask_phone(phone)
        ),
    }
}

async fn refuse_if_pending(w: &mut Write, kind: &str, account_id: &str) -> ServiceResult<()> {
    let pending = sqlx::query(
        "SELECT id FROM support_requests WHERE kind = $1 AND account_id = $2 AND state = 'pending'",
    )
    .bind(kind)
    .bind(account_id)
    .fetch_optional(&mut **w)
    .await?;
    if let Some(row) = pending {
        let id: String = row.try_get("id")?;
        return Err(ServiceError::rule(
            "request_pending",
            Text::new(
                format!("该账号已有一件待处理的同类申请（编号 {id}），请等待客服处理。"),
                format!(
                    "A request of this kind for the account is already pending ({id}); wait for \
                     support to decide it."
                ),
            ),
        ));
    }
    Ok(())
}

async fn insert_request(
    w: &mut Write,
    kind: &str,
    account_id: &str,
    payload: &serde_json::Value,
) -> ServiceResult<Ticket> {
    let id = new_id();
    let now = w.now;
    sqlx::query(
        "INSERT INTO support_requests (id, kind, account_id, payload, state, created_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5)",
    )
    .bind(&id)
    .bind(kind)
    .bind(account_id)
    .bind(payload.to_string())
    .bind(ms(now))
    .execute(&mut **w)
    .await?;
    Ok(Ticket {
        id,
        created_at: now,
    })
}
