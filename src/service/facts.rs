//! Facts about an enterprise that several use cases rely on — is its basic info complete, its
//! latest assessment, the open window, its certifications, a re-application bar, the review chain
//! of its authority. One definition each, shared by the enterprise, declaration, review and
//! lifecycle modules.

use crate::domain::chain::{Chain, default_chain};
use crate::domain::regions::{self, Regions};
use crate::domain::text::Text;
use crate::domain::tiers::{DigitalLevel, ReviewLevel, Tier};
use crate::service::error::{ServiceError, ServiceResult};
use crate::store::{Conn, from_ms};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;

/// The basic-info fields a declaration needs (DOMAIN.md §1: 注册地 and 所属行业 above all), with
/// their labels, in form order.
pub const BASIC_INFO_FIELDS: &[(&str, &str, &str)] = &[
    ("name", "企业名称", "enterprise name"),
    ("county_code", "注册地（区县）", "registered county"),
    ("industry_code", "所属行业（小类）", "industry class"),
    ("segment", "细分领域", "market segment"),
    ("main_products", "主导产品", "main products"),
    ("employees", "从业人员数", "employees"),
    ("revenue", "上年度营业收入", "prior-year revenue"),
    ("total_assets", "上年末资产总额", "prior-year total assets"),
    ("contact_name", "联系人", "contact person"),
    ("contact_phone", "联系电话", "contact phone"),
];

/// The basic-info fields of an enterprise that are still empty: `(field, label)`.
pub async fn basic_info_missing(
    conn: &mut Conn,
    enterprise_id: &str,
) -> ServiceResult<Vec<(&'static str, Text)>> {
    let row = sqlx::query(
        "SELECT name, county_code, industry_code, segment, main_products, employees, revenue, \
         total_assets, contact_name, contact_phone FROM enterprises WHERE id = $1",
    )
    .bind(enterprise_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ServiceError::not_found(Text::new("该企业", "the enterprise")))?;
    let mut missing = Vec::new();
    for (field, zh, en) in BASIC_INFO_FIELDS {
        let present = match *field {
            "employees" => row.try_get::<Option<i64>, _>(*field)?.is_some(),
            "revenue" | "total_assets" => row.try_get::<Option<f64>, _>(*field)?.is_some(),
            _ => row
                .try_get::<Option<String>, _>(*field)?
                .is_some_and(|s| !s.trim().is_empty()),
        };
        if !present {
            missing.push((*field, Text::new(*zh, *en)));
        }
    }
    Ok(missing)
}

/// Whether every basic-info field a declaration needs is filled in.
pub async fn basic_info_complete(conn: &mut Conn, enterprise_id: &str) -> ServiceResult<bool> {
    Ok(basic_info_missing(conn, enterprise_id).await?.is_empty())
}

/// The latest completed digital-level assessment of an enterprise (the one that counts).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatestAssessment {
    pub id: String,
    pub total: f64,
    pub level: Option<DigitalLevel>,
    pub completed_at: DateTime<Utc>,
}

pub async fn latest_assessment(
    conn: &mut Conn,
    enterprise_id: &str,
) -> ServiceResult<Option<LatestAssessment>> {
    let row = sqlx::query(
        "SELECT id, total, level, completed_at FROM assessments \
         WHERE enterprise_id = $1 AND completed_at IS NOT NULL \
         ORDER BY completed_at DESC, id DESC LIMIT 1",
    )
    .bind(enterprise_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(LatestAssessment {
            id: r.try_get("id")?,
            total: r.try_get::<Option<f64>, _>("total")?.unwrap_or_default(),
            level: r
                .try_get::<Option<i64>, _>("level")?
                .and_then(|l| u8::try_from(l).ok())
                .and_then(DigitalLevel::from_number),
            completed_at: from_ms(r.try_get("completed_at")?),
        })
    })
    .transpose()
}

/// A declaration window as the rules see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenWindow {
    pub id: String,
    pub authority_code: String,
    pub tier: Tier,
    pub batch: i64,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

fn date(s: &str) -> ServiceResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(ServiceError::internal)
}

/// The windows open on `today` for an authority (every tier, or one), not closed early.
pub async fn open_windows(
    conn: &mut Conn,
    authority_code: &str,
    tier: Option<Tier>,
    today: NaiveDate,
) -> ServiceResult<Vec<OpenWindow>> {
    let day = today.format("%Y-%m-%d").to_string();
    let rows = sqlx::query(
        "SELECT id, authority_code, tier, batch, start_date, end_date FROM windows \
         WHERE authority_code = $1 AND start_date <= $2 AND end_date >= $2 AND closed_at IS NULL \
         AND ($3 = '' OR tier = $3) ORDER BY tier, batch, start_date",
    )
    .bind(authority_code)
    .bind(&day)
    .bind(tier.map(Tier::code).unwrap_or(""))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OpenWindow {
                id: r.try_get("id")?,
                authority_code: r.try_get("authority_code")?,
                tier: Tier::from_code(&r.try_get::<String, _>("tier")?)
                    .ok_or_else(|| ServiceError::internal("bad tier in windows"))?,
                batch: r.try_get("batch")?,
                start: date(&r.try_get::<String, _>("start_date")?)?,
                end: date(&r.try_get::<String, _>("end_date")?)?,
            })
        })
        .collect()
}

/// Whether the window for (authority, tier, batch) is open on `today`.
pub async fn window_open(
    conn: &mut Conn,
    authority_code: &str,
    tier: Tier,
    batch: i64,
    today: NaiveDate,
) -> ServiceResult<bool> {
    Ok(open_windows(conn, authority_code, Some(tier), today)
        .await?
        .iter()
        .any(|w| w.batch == batch))
}

/// An active certification.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct ActiveCertification {
    pub id: String,
    pub tier: Tier,
    pub certified_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub review_flag: bool,
}

/// The enterprise's active certification of a tier that is still valid on `today`.
pub async fn active_certification(
    conn: &mut Conn,
    enterprise_id: &str,
    tier: Tier,
    today: NaiveDate,
) -> ServiceResult<Option<ActiveCertification>> {
    let row = sqlx::query(
        "SELECT id, certified_on, expires_on, review_flag FROM certifications \
         WHERE enterprise_id = $1 AND tier = $2 AND status = 'active' AND expires_on >= $3",
    )
    .bind(enterprise_id)
    .bind(tier.code())
    .bind(today.format("%Y-%m-%d").to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(ActiveCertification {
            id: r.try_get("id")?,
            tier,
            certified_on: date(&r.try_get::<String, _>("certified_on")?)?,
            expires_on: date(&r.try_get::<String, _>("expires_on")?)?,
            review_flag: r.try_get::<i64, _>("review_flag")? != 0,
        })
    })
    .transpose()
}

/// Whether the enterprise holds any active, unexpired certification (its basic info then changes
/// only through an accepted info update).
pub async fn is_certified(
    conn: &mut Conn,
    enterprise_id: &str,
    today: NaiveDate,
) -> ServiceResult<bool> {
    for tier in Tier::ALL {
        if active_certification(conn, enterprise_id, tier, today)
            .await?
            .is_some()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The end of a re-application bar from a cancellation (DOMAIN.md §5), if one runs on `today`.
pub async fn barred_until(
    conn: &mut Conn,
    enterprise_id: &str,
    today: NaiveDate,
) -> ServiceResult<Option<NaiveDate>> {
    let row = sqlx::query(
        "SELECT MAX(barred_until) AS until FROM certifications \
         WHERE enterprise_id = $1 AND barred_until IS NOT NULL AND barred_until > $2",
    )
    .bind(enterprise_id)
    .bind(today.format("%Y-%m-%d").to_string())
    .fetch_one(&mut *conn)
    .await?;
    row.try_get::<Option<String>, _>("until")?
        .map(|s| date(&s))
        .transpose()
}

/// The review chain of an authority and tier: the one its admin set, else the default
/// (DOMAIN.md §2; a municipality or 计划单列市 starts at district level).
pub async fn chain_for(conn: &mut Conn, authority_code: &str, tier: Tier) -> ServiceResult<Chain> {
    let row = sqlx::query("SELECT levels FROM chains WHERE authority_code = $1 AND tier = $2")
        .bind(authority_code)
        .bind(tier.code())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(r) = row {
        let codes: Vec<String> = serde_json::from_str(&r.try_get::<String, _>("levels")?)
            .map_err(ServiceError::internal)?;
        let levels: Option<Vec<ReviewLevel>> =
            codes.iter().map(|c| ReviewLevel::from_code(c)).collect();
        let levels = levels.ok_or_else(|| ServiceError::internal("bad level in chains"))?;
        return Chain::for_tier(tier, levels).map_err(ServiceError::internal);
    }
    Ok(default_chain(tier, is_city_authority(authority_code)))
}

/// A municipality (北京, 天津, 上海, 重庆) or a 计划单列市: the city is the provincial level.
pub fn is_city_authority(authority_code: &str) -> bool {
    regions::is_municipality(authority_code) || regions::is_plan_city(authority_code)
}

/// The name of an authority code, for messages.
pub fn authority_name(authority_code: &str) -> String {
    Regions::builtin()
        .get(authority_code)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| authority_code.to_string())
}
