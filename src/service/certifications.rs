//! Certifications (认定): the list of an enterprise's certifications, the expiry job and
//! cancellation (取消认定, DOMAIN.md §5).
//!
//! Who may do what:
//!
//! | use case | who |
//! |---|---|
//! | [`Service::certifications`], [`Service::certification`] | the enterprise itself; a reviewer or admin whose scope contains it |
//! | [`Service::expire_due`] | the system (a scheduled job; audited as `system`) |
//! | [`Service::cancel_certification`] | the province admin of the enterprise's authority; the ministry admin for 小巨人 |
//!
//! The lifecycle modules ([`crate::service::updates`], [`crate::service::changes`],
//! [`crate::service::reexam`]) share the helpers at the bottom of this file (loading, who may see
//! an enterprise, who certifies a tier, the conflict error of a stale certification version).

use crate::domain::calendar;
use crate::domain::text::{Localized, Text};
use crate::domain::tiers::{ReviewLevel, Tier};
use crate::domain::workflow::{Action, Refusal};
use crate::service::audit::{HistoryEntry, Who, audit, history_of};
use crate::service::authz;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::items::{self, Item, ItemFacts, ItemKind};
use crate::service::messages::{self, Category, Recipient};
use crate::service::session::{AccountKind, Session};
use crate::service::validate::{Fields, required};
use crate::service::{Service, Write};
use crate::store::{Conn, from_ms};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

/// The status of a certification as users see it.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertStatus {
    /// 有效
    Active,
    /// 已到期
    Expired,
    /// 已取消
    Cancelled,
}

impl CertStatus {
    pub const ALL: [CertStatus; 3] = [
        CertStatus::Active,
        CertStatus::Expired,
        CertStatus::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CertStatus::Active => "active",
            CertStatus::Expired => "expired",
            CertStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_code(s: &str) -> Option<CertStatus> {
        CertStatus::ALL.into_iter().find(|c| c.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            CertStatus::Active => Text::new("有效", "active"),
            CertStatus::Expired => Text::new("已到期", "expired"),
            CertStatus::Cancelled => Text::new("已取消", "cancelled"),
        }
    }
}

/// Why a certification is cancelled (DOMAIN.md §5). The first three also bar re-application for
/// [`BAR_YEARS`] years.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    /// 发生重大安全（含网络安全、数据安全）、质量、环境污染等事故
    MajorIncident,
    /// 有严重失信、偷税漏税等行为
    SeriousDishonesty,
    /// 提供虚假材料、数据造假
    DataFraud,
    /// 经核实，被举报的数据不实
    UntrueReport,
    /// 发生重大变更后不再符合条件
    NoLongerQualifies,
    /// 复核未通过或未参加复核
    ReviewFailed,
}

/// How long a cancellation for a serious reason bars a new declaration.
pub const BAR_YEARS: u32 = 3;

impl CancelReason {
    pub const ALL: [CancelReason; 6] = [
        CancelReason::MajorIncident,
        CancelReason::SeriousDishonesty,
        CancelReason::DataFraud,
        CancelReason::UntrueReport,
        CancelReason::NoLongerQualifies,
        CancelReason::ReviewFailed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CancelReason::MajorIncident => "major_incident",
            CancelReason::SeriousDishonesty => "serious_dishonesty",
            CancelReason::DataFraud => "data_fraud",
            CancelReason::UntrueReport => "untrue_report",
            CancelReason::NoLongerQualifies => "no_longer_qualifies",
            CancelReason::ReviewFailed => "review_failed",
        }
    }

    pub fn from_code(s: &str) -> Option<CancelReason> {
        CancelReason::ALL.into_iter().find(|c| c.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            CancelReason::MajorIncident => Text::new(
                "发生重大安全、质量或环境污染事故",
                "a major safety, quality or environmental incident",
            ),
            CancelReason::SeriousDishonesty => Text::new(
                "有严重失信或偷税漏税行为",
                "serious dishonesty or tax evasion",
            ),
            CancelReason::DataFraud => Text::new("提供虚假材料、数据造假", "data fraud"),
            CancelReason::UntrueReport => Text::new(
                "经核实被举报的数据不实",
                "a report of untrue data, verified",
            ),
            CancelReason::NoLongerQualifies => Text::new(
                "发生重大变更后不再符合认定条件",
                "no longer qualifies after a major change",
            ),
            CancelReason::ReviewFailed => Text::new(
                "复核未通过或未参加复核",
                "failed or missed the review (复核)",
            ),
        }
    }

    /// Whether this reason bars a new declaration for [`BAR_YEARS`] years.
    pub fn bars(self) -> bool {
        matches!(
            self,
            CancelReason::MajorIncident | CancelReason::SeriousDishonesty | CancelReason::DataFraud
        )
    }
}

/// The first day a barred enterprise may declare again after a cancellation on `today`: the
/// [`BAR_YEARS`]-th anniversary (29 February → 1 March), so the bar lasts at least three full
/// years. [`crate::service::facts::barred_until`] treats the bar as running while `today < barred_until`.
pub fn bar_end(today: NaiveDate) -> NaiveDate {
    let last_barred_day = calendar::expiry(today, BAR_YEARS);
    last_barred_day.succ_opt().unwrap_or(last_barred_day)
}

// ---------------------------------------------------------------------------------------------
// View
// ---------------------------------------------------------------------------------------------

/// A certification as the enterprise and the authorities see it.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct Certification {
    pub id: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub uscc: String,
    pub county_code: Option<String>,
    pub authority_code: Option<String>,
    pub tier: Tier,
    /// The declaration (or the last 复核 application) that granted it.
    pub item_id: Option<String>,
    pub certified_on: NaiveDate,
    /// The last valid day.
    pub expires_on: NaiveDate,
    /// As of today: an active row past its last valid day shows as expired even before the
    /// expiry job has run.
    pub status: CertStatus,
    /// Days from today to `expires_on` (0 on the last valid day, negative once past).
    pub days_until_expiry: i64,
    /// 满足复核条件, set by the province (the ministry for 小巨人).
    pub review_flag: bool,
    pub flagged_at: Option<DateTime<Utc>>,
    pub cancelled_on: Option<NaiveDate>,
    pub cancel_kind: Option<CancelReason>,
    pub cancel_note: Option<String>,
    /// No new declaration before this day.
    pub barred_until: Option<NaiveDate>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) const CERT_SELECT: &str = "SELECT c.id, c.enterprise_id, c.tier, c.item_id, \
     c.certified_on, c.expires_on, c.status, c.cancelled_on, c.cancel_kind, c.cancel_reason, \
     c.barred_until, c.review_flag, c.flagged_at, c.created_at, c.updated_at, c.version, \
     e.name AS enterprise_name, e.uscc, e.county_code, e.authority_code \
     FROM certifications c JOIN enterprises e ON e.id = c.enterprise_id";

pub(crate) fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_day(s: &str) -> ServiceResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(ServiceError::internal)
}

pub(crate) fn cert_from_row(row: &AnyRow, today: NaiveDate) -> ServiceResult<Certification> {
    let tier: String = row.try_get("tier")?;
    let status: String = row.try_get("status")?;
    let expires_on = parse_day(&row.try_get::<String, _>("expires_on")?)?;
    let stored = CertStatus::from_code(&status).ok_or_else(|| {
        ServiceError::internal(format!("unknown certification status {status:?}"))
    })?;
    let status = if stored == CertStatus::Active && expires_on < today {
        CertStatus::Expired
    } else {
        stored
    };
    let opt_day = |col: &str| -> ServiceResult<Option<NaiveDate>> {
        row.try_get::<Option<String>, _>(col)?
            .map(|s| parse_day(&s))
            .transpose()
    };
    let cancel_kind: Option<String> = row.try_get("cancel_kind")?;
    Ok(Certification {
        id: row.try_get("id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        enterprise_name: row.try_get("enterprise_name")?,
        uscc: row.try_get("uscc")?,
        county_code: row.try_get("county_code")?,
        authority_code: row.try_get("authority_code")?,
        tier: Tier::from_code(&tier)
            .ok_or_else(|| ServiceError::internal(format!("unknown tier {tier:?}")))?,
        item_id: row.try_get("item_id")?,
        certified_on: parse_day(&row.try_get::<String, _>("certified_on")?)?,
        expires_on,
        status,
        days_until_expiry: calendar::days_until(today, expires_on),
        review_flag: row.try_get::<i64, _>("review_flag")? != 0,
        flagged_at: row.try_get::<Option<i64>, _>("flagged_at")?.map(from_ms),
        cancelled_on: opt_day("cancelled_on")?,
        cancel_kind: cancel_kind.as_deref().and_then(CancelReason::from_code),
        cancel_note: row.try_get("cancel_reason")?,
        barred_until: opt_day("barred_until")?,
        version: row.try_get("version")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
    })
}

fn not_found() -> ServiceError {
    ServiceError::not_found(Text::new("该认定", "the certification"))
}

/// Loads one certification as of `today`.
pub(crate) async fn load(
    conn: &mut Conn,
    id: &str,
    today: NaiveDate,
) -> ServiceResult<Certification> {
    let sql = format!("{CERT_SELECT} WHERE c.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(not_found)?;
    cert_from_row(&row, today)
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

impl Service {
    /// The certifications of an enterprise, newest first within each tier (tiers in order).
    pub async fn certifications(
        &self,
        session: &Session,
        enterprise_id: &str,
    ) -> ServiceResult<Vec<Certification>> {
        let mut conn = self.read().await?;
        require_sees_enterprise(&mut conn, session, enterprise_id).await?;
        let today = self.today();
        let sql = format!(
            "{CERT_SELECT} WHERE c.enterprise_id = $1 ORDER BY c.certified_on DESC, c.id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(enterprise_id)
            .fetch_all(&mut *conn)
            .await?;
        let mut certs = rows
            .iter()
            .map(|r| cert_from_row(r, today))
            .collect::<ServiceResult<Vec<_>>>()?;
        certs.sort_by_key(|c| c.tier);
        Ok(certs)
    }

    /// One certification (same visibility as [`Service::certifications`]).
    pub async fn certification(
        &self,
        session: &Session,
        cert_id: &str,
    ) -> ServiceResult<Certification> {
        let mut conn = self.read().await?;
        let cert = load(&mut conn, cert_id, self.today()).await?;
        require_sees_enterprise(&mut conn, session, &cert.enterprise_id).await?;
        Ok(cert)
    }

    /// The expiry job: every active certification whose last valid day is before `today`
    /// becomes expired, audited as the system, with a 认定到期 message to the enterprise.
    /// Idempotent (a second run finds nothing). Returns the ids it expired.
    pub async fn expire_due(&self, today: NaiveDate) -> ServiceResult<Vec<String>> {
        let mut w = self.write().await?;
        let sql = format!(
            "{CERT_SELECT} WHERE c.status = 'active' AND c.expires_on < $1 ORDER BY c.expires_on, c.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(day(today))
            .fetch_all(&mut *w)
            .await?;
        let due = rows
            .iter()
            .map(|r| cert_from_row(r, today))
            .collect::<ServiceResult<Vec<_>>>()?;
        let now = w.now_ms();
        let mut expired = Vec::with_capacity(due.len());
        for cert in due {
            let done = sqlx::query(
                "UPDATE certifications SET status = 'expired', review_flag = 0, \
                 updated_at = $1, version = version + 1 \
                 WHERE id = $2 AND status = 'active' AND version = $3",
            )
            .bind(now)
            .bind(&cert.id)
            .bind(cert.version)
            .execute(&mut *w)
            .await?;
            if done.rows_affected() != 1 {
                continue;
            }
            audit(
                &mut w,
                &Who::system(),
                "certification.expire",
                "certification",
                Some(&cert.id),
                json!({
                    "enterprise_id": cert.enterprise_id,
                    "tier": cert.tier.code(),
                    "expires_on": day(cert.expires_on),
                    "run_for": day(today),
                }),
            )
            .await?;
            let tier = cert.tier.name();
            messages::post(
                &mut w,
                &Recipient::Enterprise(cert.enterprise_id.clone()),
                Category::Expiry,
                &Text::new(
                    format!("{}认定已到期", tier.zh),
                    format!("{} certification expired", tier.en),
                ),
                &Text::new(
                    format!(
                        "贵企业的{}认定有效期至 {}，现已到期。如需继续保持，请按当年申报通知重新申报。",
                        tier.zh, cert.expires_on
                    ),
                    format!(
                        "Your {} certification was valid until {} and has now expired. To hold \
                         it again, declare anew when a window opens.",
                        tier.en, cert.expires_on
                    ),
                ),
                Some(&format!("certification-expired:{}:{}", cert.id, day(cert.expires_on))),
            )
            .await?;
            expired.push(cert.id);
        }
        w.commit().await?;
        Ok(expired)
    }

    /// Cancels an active certification (取消认定) for `reason`, with a required note. The
    /// serious reasons ([`CancelReason::bars`]) bar a new declaration until [`bar_end`]. The
    /// enterprise gets a 取消认定 message.
    pub async fn cancel_certification(
        &self,
        session: &Session,
        cert_id: &str,
        expected_version: i64,
        reason: CancelReason,
        note: &str,
    ) -> ServiceResult<Certification> {
        require_any_admin(session)?;
        let mut w = self.write().await?;
        let today = w.today();
        let cert = load(&mut w, cert_id, today).await?;
        require_certifying_admin(session, cert.tier, cert.authority_code.as_deref())?;
        let mut f = Fields::default();
        let note = f.check(
            "note",
            required(
                note,
                1000,
                Text::new("取消认定的具体说明", "the details of the cancellation"),
            ),
        );
        f.finish()?;
        let note = note.unwrap_or_default();
        if cert.version != expected_version {
            return Err(cert_conflict(&mut w, &cert.id).await?);
        }
        if cert.status != CertStatus::Active {
            return Err(not_active(&cert));
        }
        let barred_until = reason.bars().then(|| bar_end(today));
        let done = sqlx::query(
            "UPDATE certifications SET status = 'cancelled', cancelled_on = $1, cancel_kind = $2, \
             cancel_reason = $3, barred_until = $4, review_flag = 0, updated_at = $5, \
             version = version + 1 WHERE id = $6 AND version = $7",
        )
        .bind(day(today))
        .bind(reason.code())
        .bind(&note)
        .bind(barred_until.map(day))
        .bind(w.now_ms())
        .bind(&cert.id)
        .bind(cert.version)
        .execute(&mut *w)
        .await?;
        if done.rows_affected() != 1 {
            return Err(cert_conflict(&mut w, &cert.id).await?);
        }
        audit(
            &mut w,
            &Who::from(session),
            "certification.cancel",
            "certification",
            Some(&cert.id),
            json!({
                "enterprise_id": cert.enterprise_id,
                "tier": cert.tier.code(),
                "reason": reason.code(),
                "note": note,
                "barred_until": barred_until.map(day),
                "version": cert.version,
            }),
        )
        .await?;
        let tier = cert.tier.name();
        let why = reason.name();
        let (bar_zh, bar_en) = match barred_until {
            Some(until) => (
                format!("自取消之日起 {BAR_YEARS} 年内不得再次申报（{until} 起方可申报）。"),
                format!(
                    " The enterprise may not declare again for {BAR_YEARS} years (from {until} on)."
                ),
            ),
            None => (String::new(), String::new()),
        };
        messages::post(
            &mut w,
            &Recipient::Enterprise(cert.enterprise_id.clone()),
            Category::Cancellation,
            &Text::new(
                format!("{}认定已被取消", tier.zh),
                format!("{} certification cancelled", tier.en),
            ),
            &Text::new(
                format!(
                    "贵企业的{}认定（{} 认定）已于 {today} 被取消。原因：{}。说明：{note}。{bar_zh}",
                    tier.zh, cert.certified_on, why.zh
                ),
                format!(
                    "Your {} certification (granted {}) was cancelled on {today}. Reason: {}. \
                     Details: {note}.{bar_en}",
                    tier.en, cert.certified_on, why.en
                ),
            ),
            None,
        )
        .await?;
        let cert = load(&mut w, &cert.id, today).await?;
        w.commit().await?;
        Ok(cert)
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers of the lifecycle modules
// ---------------------------------------------------------------------------------------------

/// The enterprise's county (for scope checks); `NotFound` for an unknown enterprise.
pub(crate) async fn enterprise_county(
    conn: &mut Conn,
    enterprise_id: &str,
) -> ServiceResult<Option<String>> {
    let row = sqlx::query("SELECT county_code FROM enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found(Text::new("该企业", "the enterprise")))?;
    Ok(row.try_get("county_code")?)
}

/// The enterprise itself, or a reviewer / admin whose scope contains it (ministry staff see
/// every enterprise). Natural persons, support staff and other enterprises are refused.
pub(crate) async fn require_sees_enterprise(
    conn: &mut Conn,
    session: &Session,
    enterprise_id: &str,
) -> ServiceResult<()> {
    match session.kind {
        AccountKind::Reviewer | AccountKind::Admin => {
            let level = authz::require_staff_level(session)?;
            let county = enterprise_county(conn, enterprise_id).await?;
            let visible = match county.as_deref() {
                Some(c) => authz::in_scope(session, c),
                None => level == ReviewLevel::Ministry && session.region_code.is_none(),
            };
            if visible {
                Ok(())
            } else {
                Err(ServiceError::forbidden(Refusal::OutOfScope.text()))
            }
        }
        _ => {
            let own = authz::require_enterprise(session)?;
            if own == enterprise_id {
                Ok(())
            } else {
                Err(ServiceError::forbidden(Text::new(
                    "只能查看本企业的信息。",
                    "You can only see your own enterprise's records.",
                )))
            }
        }
    }
}

/// A province or ministry admin (the coarse check before a certification is loaded).
pub(crate) fn require_any_admin(session: &Session) -> ServiceResult<()> {
    let ok = session.kind == AccountKind::Admin
        && matches!(
            session.level,
            Some(ReviewLevel::Province | ReviewLevel::Ministry)
        );
    if ok {
        Ok(())
    } else {
        Err(ServiceError::forbidden(Text::new(
            "只有省级管理员（小巨人为部级管理员）可以进行此操作。",
            "Only a provincial administrator (for Little Giants, a ministry administrator) can \
             do this.",
        )))
    }
}

/// The authority over a certification of `tier` of an enterprise under `authority_code`: the
/// ministry admin for 小巨人, the province admin of the authority otherwise.
pub(crate) fn require_certifying_admin(
    session: &Session,
    tier: Tier,
    authority_code: Option<&str>,
) -> ServiceResult<()> {
    if tier == Tier::LittleGiant {
        return authz::require_ministry_admin(session).map_err(|_| {
            ServiceError::forbidden(Text::new(
                "专精特新“小巨人”企业的认定由工业和信息化部管理，只有部级管理员可以进行此操作。",
                "Little Giant certifications are the ministry's: only a ministry administrator \
                 can do this.",
            ))
        });
    }
    match authority_code {
        Some(code) => authz::require_province_admin(session, code),
        None => Err(ServiceError::forbidden(Refusal::OutOfScope.text())),
    }
}

fn not_active(cert: &Certification) -> ServiceError {
    ServiceError::rule(
        "certification_not_active",
        Text::new(
            format!(
                "该认定当前状态为“{}”，只有有效的认定才能进行此操作。",
                cert.status.name().zh
            ),
            format!(
                "This certification is {}; only an active certification can be acted on.",
                cert.status.name().en
            ),
        ),
    )
}

/// The refusal for acting on a certification that is not active (expired or cancelled).
pub(crate) fn require_active(cert: &Certification) -> ServiceResult<()> {
    if cert.status == CertStatus::Active {
        Ok(())
    } else {
        Err(not_active(cert))
    }
}

/// The conflict error for a stale certification version: who changed it last, and when (from
/// its audit trail).
pub(crate) async fn cert_conflict(conn: &mut Conn, cert_id: &str) -> ServiceResult<ServiceError> {
    let current = sqlx::query("SELECT version FROM certifications WHERE id = $1")
        .bind(cert_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<i64, _>("version"))
        .transpose()?
        .unwrap_or_default();
    let last = sqlx::query(
        "SELECT actor_name, at FROM audit WHERE target_kind = 'certification' AND target_id = $1 \
         ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(cert_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (by, at) = match last {
        Some(r) => (
            Some(r.try_get("actor_name")?),
            Some(from_ms(r.try_get("at")?)),
        ),
        None => (None, None),
    };
    Ok(ServiceError::Conflict {
        current_version: current,
        by,
        at,
    })
}

/// The active (and unexpired) certifications of an enterprise, highest tier first.
pub(crate) async fn active_certifications(
    conn: &mut Conn,
    enterprise_id: &str,
    today: NaiveDate,
) -> ServiceResult<Vec<Certification>> {
    let sql = format!(
        "{CERT_SELECT} WHERE c.enterprise_id = $1 AND c.status = 'active' AND c.expires_on >= $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(enterprise_id)
        .bind(day(today))
        .fetch_all(conn)
        .await?;
    let mut certs = rows
        .iter()
        .map(|r| cert_from_row(r, today))
        .collect::<ServiceResult<Vec<_>>>()?;
    certs.sort_by_key(|c| std::cmp::Reverse(c.tier));
    Ok(certs)
}

/// The refusal when an enterprise holds no valid certification.
pub(crate) fn not_certified() -> ServiceError {
    ServiceError::rule(
        "not_certified",
        Text::new(
            "贵企业目前没有有效的认定，无需办理此项业务。",
            "Your enterprise holds no valid certification, so this does not apply to it.",
        ),
    )
}

/// Who acted last on an item (for audit rows written after a reviewer's decision by code that
/// has no session, such as the final-pass hooks).
pub(crate) async fn last_actor(conn: &mut Conn, item_id: &str) -> ServiceResult<Who> {
    Ok(
        match crate::service::audit::last_history(conn, item_id).await? {
            Some(h) => Who {
                id: h.actor_id,
                name: h.actor_name,
            },
            None => Who::system(),
        },
    )
}

/// Posts a message about a certification to its enterprise (no dedupe).
pub(crate) async fn tell(
    w: &mut Write,
    enterprise_id: &str,
    category: Category,
    title: Text,
    body: Text,
) -> ServiceResult<()> {
    messages::post(
        w,
        &Recipient::Enterprise(enterprise_id.to_string()),
        category,
        &title,
        &body,
        None,
    )
    .await?;
    Ok(())
}

/// Loads a workflow item of `kind` (another kind under that id is not found: its own use cases
/// handle it).
pub(crate) async fn load_item(conn: &mut Conn, id: &str, kind: ItemKind) -> ServiceResult<Item> {
    match items::load(conn, id).await {
        Ok(item) if item.kind == kind => Ok(item),
        Ok(_) | Err(ServiceError::NotFound { .. }) => Err(ServiceError::not_found(kind.name())),
        Err(e) => Err(e),
    }
}

/// The owning enterprise's own action: refuses anyone else before anything is looked at further.
pub(crate) fn require_owner(session: &Session, item: &Item) -> ServiceResult<()> {
    let own = authz::require_enterprise(session)?;
    if own == item.enterprise_id {
        Ok(())
    } else {
        Err(Refusal::NotOwner.into())
    }
}

/// Refuses a stale `expected_version` the way the executor does (a conflict naming who acted
/// last), for use cases that check other rules before calling [`items::act`].
pub(crate) async fn check_item_version(
    w: &mut Write,
    session: &Session,
    item: &Item,
    expected_version: i64,
    action: &Action,
) -> ServiceResult<()> {
    if item.version == expected_version {
        return Ok(());
    }
    items::act(
        w,
        session,
        &item.id,
        expected_version,
        action,
        ItemFacts::default(),
    )
    .await?;
    Err(ServiceError::internal("a stale item version was accepted"))
}

/// An item and its workflow history, for detail screens.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct ItemHistory {
    pub item: Item,
    pub history: Vec<HistoryEntry>,
}

/// Loads an item of `kind` with its history, for the owner or staff whose scope contains the
/// enterprise — staff once it has been submitted: a draft that was never submitted is the
/// enterprise's own business, as for declarations.
pub(crate) async fn item_with_history(
    conn: &mut Conn,
    session: &Session,
    id: &str,
    kind: ItemKind,
) -> ServiceResult<ItemHistory> {
    let item = load_item(conn, id, kind).await?;
    require_sees_enterprise(conn, session, &item.enterprise_id).await?;
    if !item.ever_submitted && matches!(session.kind, AccountKind::Reviewer | AccountKind::Admin) {
        let what = kind.name();
        return Err(ServiceError::forbidden(Text::new(
            format!("该{}尚未提交，审核人员不能查看企业的暂存内容。", what.zh),
            format!(
                "This {} has not been submitted; reviewers cannot see an enterprise's \
                 unsubmitted draft.",
                what.en
            ),
        )));
    }
    let history = history_of(conn, &item.id).await?;
    Ok(ItemHistory { item, history })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn bar_lasts_three_full_years() {
        assert_eq!(bar_end(d("2025-03-03")), d("2028-03-03"));
        assert_eq!(bar_end(d("2024-02-29")), d("2027-03-01"));
    }

    #[test]
    fn reasons_round_trip_and_three_bar() {
        for r in CancelReason::ALL {
            assert_eq!(CancelReason::from_code(r.code()), Some(r));
            assert!(!r.name().zh.is_empty() && !r.name().en.is_empty());
        }
        let barring: Vec<_> = CancelReason::ALL.into_iter().filter(|r| r.bars()).collect();
        assert_eq!(
            barring,
            [
                CancelReason::MajorIncident,
                CancelReason::SeriousDishonesty,
                CancelReason::DataFraud
            ]
        );
    }
}
