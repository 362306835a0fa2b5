//! Enterprise basic info (企业信息): the view, the owner's edit, the shared validation that the
//! info-update module applies after acceptance, and the cascading picker data (regions,
//! industries, segment suggestions).
//!
//! Rules (DOMAIN.md §1, §5, §6):
//! - the enterprise itself and staff whose scope contains its 注册地 may read it; nobody else;
//! - only the legal-person owner edits it, with an expected version, and never the real-name
//!   data (name, USCC) — a rename is a major change (重大变更 · 更名);
//! - a certified enterprise cannot edit it: its basic info changes only through an accepted
//!   annual info update (信息更新), which calls [`apply_basic_info`];
//! - the SME size (工信部联企业〔2011〕300号) is shown as a fact, never enforced here.
//!
//! An edit is a *patch*: a field left `None` keeps its stored value. A field that is given is
//! validated; every bad field is reported at once ([`ServiceError::Invalid`]).
//!
//! `main_products` is stored as a JSON array of strings (see [`main_products_of`]).

use crate::domain::assessment::Questionnaire;
use crate::domain::calendar::{Window, next_update_opens};
use crate::domain::industries::{Industries, Industry, IndustryLevel};
use crate::domain::regions::{Authority, Region, Regions};
use crate::domain::rules::Ruleset;
use crate::domain::size::{SizeFact, SizeFigures, SizeSector, classify};
use crate::domain::text::{Localized, Text};
use crate::domain::tiers::AssessmentCategory;
use crate::service::audit::{Who, audit};
use crate::service::authz;
use crate::service::credentials::{check_email, check_phone};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::facts;
use crate::service::session::Session;
use crate::service::validate::{Fields, optional, required};
use crate::service::{Service, Write};
use crate::store::{Conn, from_ms, real};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

/// At most this many main products (主导产品).
pub const MAIN_PRODUCTS_MAX: usize = 10;
/// A main product's name has at most this many characters.
pub const MAIN_PRODUCT_CHARS: usize = 50;
/// A segment (细分领域) has at most this many characters.
pub const SEGMENT_CHARS: usize = 50;
/// An address has at most this many characters.
pub const ADDRESS_CHARS: usize = 200;
/// A contact name has at most this many characters.
pub const CONTACT_NAME_CHARS: usize = 50;
/// Segment suggestions returned at most.
pub const SEGMENT_SUGGESTIONS: i64 = 20;
/// The most 主导产品 suggestions given at once.
pub const PRODUCT_SUGGESTIONS: usize = 20;
/// How many enterprises of a class (most recently updated first) product suggestions read.
pub const PRODUCT_SUGGESTION_SOURCES: i64 = 500;
/// Industry search results returned at most.
pub const INDUSTRY_SEARCH_LIMIT: usize = 50;

// ---------------------------------------------------------------------------------------------
// Inputs and views
// ---------------------------------------------------------------------------------------------

/// An edit of the basic info: a patch, `None` = keep the stored value. Optional fields
/// (`established_on`, `address`, `contact_email`) are cleared with an empty string; the fields a
/// declaration needs cannot be cleared once set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EnterpriseUpdate {
    /// Real-name data, not editable: a value different from the stored one is refused.
    pub name: Option<String>,
    /// Real-name data, not editable: a value different from the stored one is refused.
    pub uscc: Option<String>,
    /// 注册地: a county-level GB/T 2260 code.
    pub county_code: Option<String>,
    /// 所属行业: a GB/T 4754-2017 class (4 digits).
    pub industry_code: Option<String>,
    /// 细分领域 (free text; see [`Service::segment_suggestions`]).
    pub segment: Option<String>,
    /// 主导产品: 1–10 names of at most 50 characters each.
    pub main_products: Option<Vec<String>>,
    /// 成立日期, `YYYY-MM-DD`, not in the future.
    pub established_on: Option<String>,
    pub address: Option<String>,
    /// 从业人员数: a whole number ≥ 0.
    pub employees: Option<f64>,
    /// 上年度营业收入, 万元, ≥ 0.
    pub revenue: Option<f64>,
    /// 上年末资产总额, 万元, ≥ 0.
    pub total_assets: Option<f64>,
    pub contact_name: Option<String>,
    /// A mainland mobile number, or a landline with its area code (0755-12345678).
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

/// The editable basic info of an enterprise, as stored (normalised).
#[derive(utoipa::ToSchema, Debug, Clone, Default, PartialEq, Serialize)]
pub struct BasicInfo {
    pub county_code: Option<String>,
    pub city_code: Option<String>,
    pub authority_code: Option<String>,
    pub industry_code: Option<String>,
    pub segment: Option<String>,
    pub main_products: Vec<String>,
    pub established_on: Option<NaiveDate>,
    pub address: Option<String>,
    pub employees: Option<i64>,
    pub revenue: Option<f64>,
    pub total_assets: Option<f64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

/// A basic-info field that a declaration needs and that is still empty.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingField {
    pub field: String,
    pub label: Text,
}

/// The assessment questionnaire an enterprise's class selects.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionnaireRef {
    pub category: AssessmentCategory,
    pub name: Text,
    pub questionnaire_id: String,
    pub questionnaire_version: String,
}

impl QuestionnaireRef {
    pub fn of(category: AssessmentCategory) -> QuestionnaireRef {
        let q = Questionnaire::builtin(category);
        QuestionnaireRef {
            category,
            name: category.name(),
            questionnaire_id: q.id().to_string(),
            questionnaire_version: q.version().to_string(),
        }
    }
}

/// The annual info-update period (信息更新) that is open now, or the next one.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UpdateWindow {
    pub open_now: bool,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

impl UpdateWindow {
    /// The period open on `today` (ruleset of this year), else the next one.
    pub fn on(today: NaiveDate) -> UpdateWindow {
        let year = today.year();
        let this = ruleset_window(year);
        if this.is_open(today) {
            return UpdateWindow {
                open_now: true,
                opens_on: this.start,
                closes_on: this.end,
            };
        }
        let opens = next_update_opens(today);
        let next = ruleset_window(opens.year());
        UpdateWindow {
            open_now: false,
            opens_on: opens,
            closes_on: next.end,
        }
    }

    /// What a certified enterprise is told about changing its basic info.
    pub fn note(&self) -> Text {
        let (start, end) = (self.opens_on, self.closes_on);
        if self.open_now {
            Text::new(
                format!(
                    "企业已获认定，基本信息不能直接修改，须通过信息更新提交，经审核通过后生效。本年度信息更新填报期为 {start} 至 {end}，现已开放。"
                ),
                format!(
                    "The enterprise is certified: its basic info cannot be edited directly; \
                     submit the changes as an info update (信息更新), which takes effect once \
                     accepted. This year's info-update period runs from {start} to {end} and is \
                     open now."
                ),
            )
        } else {
            Text::new(
                format!(
                    "企业已获认定，基本信息不能直接修改，须通过信息更新提交，经审核通过后生效。下一次信息更新填报期自 {start} 开放，至 {end} 截止。"
                ),
                format!(
                    "The enterprise is certified: its basic info cannot be edited directly; \
                     submit the changes as an info update (信息更新), which takes effect once \
                     accepted. The next info-update period opens on {start} and ends on {end}."
                ),
            )
        }
    }
}

fn ruleset_window(year: i32) -> Window {
    Ruleset::for_batch_year(year).update_period().window(year)
}

/// An enterprise as its owner and the staff in scope see it.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct EnterpriseView {
    pub id: String,
    pub uscc: String,
    pub name: String,
    pub legal_rep: String,
    pub legal_rep_id_masked: String,
    #[serde(flatten)]
    pub info: BasicInfo,
    /// Province → prefecture → county of the 注册地.
    pub region_path: Vec<Region>,
    /// "广东省 深圳市 南山区".
    pub region_name: Option<String>,
    /// The certifying authority (province, municipality or 计划单列市).
    pub authority: Option<Authority>,
    /// Section → division → group → class of the 所属行业.
    pub industry_path: Vec<Industry>,
    /// The questionnaire the class selects.
    pub questionnaire: Option<QuestionnaireRef>,
    /// The fields a declaration needs that are still empty.
    pub missing: Vec<MissingField>,
    /// The SME size fact; `None` while the figures it needs are missing (see `size_note`).
    pub size: Option<SizeFact>,
    pub size_note: Option<Text>,
    /// Holds an active certification: basic info changes only through 信息更新.
    pub certified: bool,
    /// For a certified enterprise: the info-update period and what to do.
    pub update_window: Option<UpdateWindow>,
    pub certified_note: Option<Text>,
    /// Whether the caller may edit it now (the owner, not certified).
    pub editable: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// An industry entry for the picker.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndustryEntry {
    pub code: String,
    pub name: String,
    pub level: IndustryLevel,
    pub parent: Option<String>,
    /// Whether it has subdivisions (false for a class).
    pub has_children: bool,
    /// For a class: the questionnaire it selects.
    pub category: Option<AssessmentCategory>,
}

impl IndustryEntry {
    fn of(i: &Industry) -> IndustryEntry {
        let industries = Industries::builtin();
        IndustryEntry {
            code: i.code.clone(),
            name: i.name.clone(),
            level: i.level,
            parent: i.parent.clone(),
            has_children: i.level != IndustryLevel::Class,
            category: industries.category(&i.code),
        }
    }
}

/// A region entry for the 注册地 picker.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionEntry {
    pub code: String,
    pub name: String,
    /// "广东省 深圳市 南山区".
    pub full_name: String,
    pub parent: Option<String>,
    /// Whether it can be chosen as 注册地 (a county, or a prefecture without counties).
    pub selectable: bool,
}

impl RegionEntry {
    fn of(r: &Region) -> RegionEntry {
        let regions = Regions::builtin();
        RegionEntry {
            code: r.code.clone(),
            name: r.name.clone(),
            full_name: regions.full_name(&r.code).unwrap_or_else(|| r.name.clone()),
            parent: r.parent.clone(),
            selectable: regions.require_county(&r.code).is_ok(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

/// An enterprise row.
#[derive(Debug, Clone)]
struct EnterpriseRow {
    id: String,
    uscc: String,
    name: String,
    legal_rep: String,
    legal_rep_id_masked: String,
    info: BasicInfo,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

const ENTERPRISE_COLUMNS: &str = "id, uscc, name, legal_rep, legal_rep_id_masked, county_code, \
     city_code, authority_code, industry_code, segment, main_products, established_on, address, \
     employees, revenue, total_assets, contact_name, contact_phone, contact_email, created_at, \
     updated_at, version";

/// The stored `main_products` as a list: a JSON array of strings; a plain text (set up by hand)
/// is one product.
pub fn main_products_of(stored: Option<&str>) -> Vec<String> {
    match stored.map(str::trim).filter(|s| !s.is_empty()) {
        None => Vec::new(),
        Some(s) => serde_json::from_str::<Vec<String>>(s).unwrap_or_else(|_| vec![s.to_string()]),
    }
}

fn enterprise_from_row(row: &AnyRow) -> ServiceResult<EnterpriseRow> {
    let established: Option<String> = row.try_get("established_on")?;
    let main_products: Option<String> = row.try_get("main_products")?;
    Ok(EnterpriseRow {
        id: row.try_get("id")?,
        uscc: row.try_get("uscc")?,
        name: row.try_get("name")?,
        legal_rep: row.try_get("legal_rep")?,
        legal_rep_id_masked: row.try_get("legal_rep_id_masked")?,
        info: BasicInfo {
            county_code: row.try_get("county_code")?,
            city_code: row.try_get("city_code")?,
            authority_code: row.try_get("authority_code")?,
            industry_code: row.try_get("industry_code")?,
            segment: row.try_get("segment")?,
            main_products: main_products_of(main_products.as_deref()),
            established_on: established
                .as_deref()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()),
            address: row.try_get("address")?,
            employees: row.try_get("employees")?,
            revenue: row.try_get("revenue")?,
            total_assets: row.try_get("total_assets")?,
            contact_name: row.try_get("contact_name")?,
            contact_phone: row.try_get("contact_phone")?,
            contact_email: row.try_get("contact_email")?,
        },
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
        version: row.try_get("version")?,
    })
}

async fn load(conn: &mut Conn, id: &str) -> ServiceResult<EnterpriseRow> {
    let sql = format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprises WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(not_found)?;
    enterprise_from_row(&row)
}

fn not_found() -> ServiceError {
    ServiceError::not_found(Text::new("该企业", "the enterprise"))
}

/// The county an enterprise is registered in, for scope checks (`None` if not set yet).
pub(crate) async fn county_of(
    conn: &mut Conn,
    enterprise_id: &str,
) -> ServiceResult<Option<String>> {
    let row = sqlx::query("SELECT county_code FROM enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(not_found)?;
    Ok(row.try_get("county_code")?)
}

/// Who may read an enterprise's data: the enterprise itself, or staff (reviewer / admin) whose
/// scope contains its registered county. Everyone else is refused.
pub(crate) async fn require_reader(
    conn: &mut Conn,
    session: &Session,
    enterprise_id: &str,
) -> ServiceResult<()> {
    if session.enterprise_id.as_deref() == Some(enterprise_id) {
        return Ok(());
    }
    let forbidden = || {
        ServiceError::forbidden(Text::new(
            "您无权查看该企业的信息：只有企业本身和注册地在您管辖范围内的审核人员可以查看。",
            "You may not see this enterprise's data: only the enterprise itself and staff whose \
             region contains its registered location can.",
        ))
    };
    if authz::require_staff_level(session).is_err() {
        return Err(forbidden());
    }
    let county = county_of(conn, enterprise_id).await?;
    if authz::in_scope(session, county.as_deref().unwrap_or("")) {
        Ok(())
    } else {
        Err(forbidden())
    }
}

/// Who changed a record last and when (the latest audit row about it), for conflicts.
pub(crate) async fn last_actor(
    conn: &mut Conn,
    target_kind: &str,
    target_id: &str,
) -> ServiceResult<(Option<String>, Option<DateTime<Utc>>)> {
    let row = sqlx::query(
        "SELECT actor_name, at FROM audit WHERE target_kind = $1 AND target_id = $2 \
         ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(target_kind)
    .bind(target_id)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(r) => Ok((
            Some(r.try_get("actor_name")?),
            Some(from_ms(r.try_get("at")?)),
        )),
        None => Ok((None, None)),
    }
}

// ---------------------------------------------------------------------------------------------
// Validation (shared with the info-update module)
// ---------------------------------------------------------------------------------------------

fn whole_number_text(what: &Text, got: f64) -> Text {
    Text::new(
        format!("{}应为不小于 0 的整数，收到 {got}。", what.zh),
        format!(
            "{} must be a whole number of at least 0; got {got}.",
            what.en
        ),
    )
}

fn check_whole(v: f64, what: Text) -> Result<i64, Text> {
    // 2^53: beyond it f64 no longer holds every whole number.
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_992.0 {
        Ok(v as i64)
    } else {
        Err(whole_number_text(&what, v))
    }
}

fn check_amount(v: f64, what: Text) -> Result<f64, Text> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(Text::new(
            format!("{}（万元）应为不小于 0 的数字，收到 {v}。", what.zh),
            format!(
                "{} (in 10,000 yuan) must be a number of at least 0; got {v}.",
                what.en
            ),
        ))
    }
}

fn check_date(value: &str, today: NaiveDate) -> Result<Option<NaiveDate>, Text> {
    let s = value.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        Text::new(
            format!("成立日期应为“年-月-日”格式的有效日期（如 2015-06-30），收到“{s}”。"),
            format!(
                "The date of establishment must be a valid date as YYYY-MM-DD (e.g. 2015-06-30); \
                 got \"{s}\"."
            ),
        )
    })?;
    if d > today {
        return Err(Text::new(
            format!("成立日期 {d} 晚于今天（{today}），成立日期不能是将来的日期。"),
            format!(
                "The date of establishment {d} is after today ({today}); it cannot lie in the \
                 future."
            ),
        ));
    }
    Ok(Some(d))
}

fn check_products(list: &[String]) -> Vec<Text> {
    let mut errors = Vec::new();
    let items: Vec<String> = list.iter().map(|p| p.trim().to_string()).collect();
    if items.is_empty() {
        errors.push(Text::new(
            format!("请至少填写 1 项主导产品（1–{MAIN_PRODUCTS_MAX} 项）。"),
            format!("Enter at least one main product (1–{MAIN_PRODUCTS_MAX})."),
        ));
    }
    if items.len() > MAIN_PRODUCTS_MAX {
        errors.push(Text::new(
            format!(
                "主导产品最多 {MAIN_PRODUCTS_MAX} 项，当前 {} 项。",
                items.len()
            ),
            format!(
                "At most {MAIN_PRODUCTS_MAX} main products; got {}.",
                items.len()
            ),
        ));
    }
    for (i, p) in items.iter().enumerate() {
        let n = i + 1;
        let chars = p.chars().count();
        if chars == 0 {
            errors.push(Text::new(
                format!("第 {n} 项主导产品为空，请填写产品名称或删除该项。"),
                format!("Main product {n} is empty; enter a product name or remove it."),
            ));
        } else if chars > MAIN_PRODUCT_CHARS {
            errors.push(Text::new(
                format!("第 {n} 项主导产品“{p}”有 {chars} 个字，最多 {MAIN_PRODUCT_CHARS} 个字。"),
                format!(
                    "Main product {n} (\"{p}\") has {chars} characters; at most \
                     {MAIN_PRODUCT_CHARS} are allowed."
                ),
            ));
        } else if let Some(j) = items[..i].iter().position(|q| q == p) {
            errors.push(Text::new(
                format!("第 {n} 项主导产品“{p}”与第 {} 项重复。", j + 1),
                format!("Main product {n} (\"{p}\") repeats product {}.", j + 1),
            ));
        }
    }
    errors
}

/// A landline with its area code: `0755-12345678`, `(010)12345678`, `0755 1234567`, with an
/// optional extension (`-123` or `转123`). Returns `AREA-NUMBER[-EXT]`.
fn check_landline(input: &str) -> Option<String> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '—' | '－' => '-',
            c => c,
        })
        .collect();
    let s = s.replace('转', "-");
    let (area, rest) = if let Some(after) = s.strip_prefix('(') {
        let (area, rest) = after.split_once(')')?;
        (area.to_string(), rest.trim_start_matches('-').to_string())
    } else if let Some((area, rest)) = s.split_once('-') {
        (area.to_string(), rest.to_string())
    } else {
        let len = if s.starts_with("010") || s.starts_with("02") {
            3
        } else {
            4
        };
        let area = s.get(..len)?.to_string();
        (area, s.get(len..)?.to_string())
    };
    let (number, ext) = match rest.split_once('-') {
        Some((n, e)) => (n.to_string(), Some(e.to_string())),
        None => (rest, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let area_ok = digits(&area)
        && area.starts_with('0')
        && match area.len() {
            3 => area == "010" || area.starts_with("02"),
            4 => !area.starts_with("00") && !area.starts_with("01") && !area.starts_with("02"),
            _ => false,
        };
    let number_ok = digits(&number) && (7..=8).contains(&number.len()) && !number.starts_with('0');
    let ext_ok = ext.as_deref().is_none_or(|e| digits(e) && e.len() <= 6);
    if !(area_ok && number_ok && ext_ok) {
        return None;
    }
    Some(match ext {
        Some(e) => format!("{area}-{number}-{e}"),
        None => format!("{area}-{number}"),
    })
}

/// A contact phone: a mainland mobile number (11 digits) or a landline with its area code.
/// Returns it normalised (`13912345678`, `0755-12345678`).
pub fn check_contact_phone(input: &str) -> Result<String, Text> {
    let s = input.trim();
    if s.is_empty() {
        return Err(Text::new("请填写联系电话。", "Enter the contact phone."));
    }
    check_phone(s)
        .ok()
        .or_else(|| check_landline(s))
        .ok_or_else(|| {
            Text::new(
                format!(
                    "联系电话应为 11 位手机号码，或带区号的固定电话（如 0755-12345678），“{s}”不符合。"
                ),
                format!(
                    "The contact phone must be an 11-digit mobile number or a landline with its \
                     area code (e.g. 0755-12345678); \"{s}\" is neither."
                ),
            )
        })
}

/// Validates an edit against the current data and returns the resulting basic info; every bad
/// field is reported at once. `name` and `uscc` are the stored real-name data: an edit that
/// tries to change them is refused with a field error saying why.
pub fn validate_update(
    name: &str,
    uscc: &str,
    current: &BasicInfo,
    u: &EnterpriseUpdate,
    today: NaiveDate,
) -> ServiceResult<BasicInfo> {
    let mut f = Fields::default();
    let mut next = current.clone();
    if let Some(n) = &u.name
        && n.trim() != name
    {
        f.push(
            "name",
            Text::new(
                format!(
                    "企业名称“{name}”是实名认证信息，不能在企业信息中修改；企业更名请通过重大变更（更名）报告。"
                ),
                format!(
                    "The enterprise name \"{name}\" is real-name verified data and cannot be \
                     edited here; report a rename as a major change (重大变更 · 更名)."
                ),
            ),
        );
    }
    if let Some(c) = &u.uscc
        && c.trim().to_ascii_uppercase() != uscc
    {
        f.push(
            "uscc",
            Text::new(
                format!("统一社会信用代码 {uscc} 是实名认证信息，不能修改。"),
                format!(
                    "The unified social credit code {uscc} is real-name verified data and cannot \
                     be changed."
                ),
            ),
        );
    }
    if let Some(code) = &u.county_code {
        let r = if code.trim().is_empty() {
            Err(Text::new(
                "请选择注册地（区县）。",
                "Choose the registered location (a district or county).",
            ))
        } else {
            Regions::builtin()
                .require_county(code)
                .map_err(|e| e.text())
                .and_then(|county| {
                    authz::place_of(&county.code).ok_or_else(|| {
                        Text::new(
                            format!("无法确定“{code}”的认定机关。"),
                            format!("No certifying authority is known for \"{code}\"."),
                        )
                    })
                })
        };
        if let Some(place) = f.check("county_code", r) {
            next.county_code = Some(place.county_code);
            next.city_code = Some(place.city_code);
            next.authority_code = Some(place.authority_code);
        }
    }
    if let Some(code) = &u.industry_code {
        let r = if code.trim().is_empty() {
            Err(Text::new(
                "请选择所属行业（国民经济行业小类）。",
                "Choose the industry (a GB/T 4754 class).",
            ))
        } else {
            Industries::builtin()
                .require_class(code)
                .map(|i| i.code.clone())
                .map_err(|e| e.text())
        };
        if let Some(c) = f.check("industry_code", r) {
            next.industry_code = Some(c);
        }
    }
    if let Some(s) = &u.segment
        && let Some(v) = f.check(
            "segment",
            required(
                s,
                SEGMENT_CHARS,
                Text::new("细分领域", "the market segment"),
            ),
        )
    {
        next.segment = Some(v);
    }
    if let Some(list) = &u.main_products {
        let errors = check_products(list);
        if errors.is_empty() {
            next.main_products = list.iter().map(|p| p.trim().to_string()).collect();
        }
        for e in errors {
            f.push("main_products", e);
        }
    }
    if let Some(d) = &u.established_on
        && let Some(v) = f.check("established_on", check_date(d, today))
    {
        next.established_on = v;
    }
    if let Some(a) = &u.address
        && let Some(v) = f.check(
            "address",
            optional(Some(a), ADDRESS_CHARS, Text::new("地址", "the address")),
        )
    {
        next.address = v;
    }
    if let Some(v) = u.employees
        && let Some(v) = f.check(
            "employees",
            check_whole(v, Text::new("从业人员数", "The number of employees")),
        )
    {
        next.employees = Some(v);
    }
    if let Some(v) = u.revenue
        && let Some(v) = f.check(
            "revenue",
            check_amount(v, Text::new("上年度营业收入", "The prior-year revenue")),
        )
    {
        next.revenue = Some(v);
    }
    if let Some(v) = u.total_assets
        && let Some(v) = f.check(
            "total_assets",
            check_amount(
                v,
                Text::new("上年末资产总额", "The prior-year total assets"),
            ),
        )
    {
        next.total_assets = Some(v);
    }
    if let Some(n) = &u.contact_name
        && let Some(v) = f.check(
            "contact_name",
            required(
                n,
                CONTACT_NAME_CHARS,
                Text::new("联系人", "the contact person"),
            ),
        )
    {
        next.contact_name = Some(v);
    }
    if let Some(p) = &u.contact_phone
        && let Some(v) = f.check("contact_phone", check_contact_phone(p))
    {
        next.contact_phone = Some(v);
    }
    if let Some(e) = &u.contact_email {
        let r = if e.trim().is_empty() {
            Ok(None)
        } else {
            check_email(e).map(Some)
        };
        if let Some(v) = f.check("contact_email", r) {
            next.contact_email = v;
        }
    }
    f.finish()?;
    Ok(next)
}

/// The changed fields between two versions of the basic info: `{field: {before, after}}`.
fn diff(before: &BasicInfo, after: &BasicInfo) -> serde_json::Map<String, Value> {
    let (Value::Object(b), Value::Object(a)) = (json!(before), json!(after)) else {
        return serde_json::Map::new();
    };
    a.into_iter()
        .filter_map(|(k, av)| {
            let bv = b.get(&k).cloned().unwrap_or(Value::Null);
            (bv != av).then(|| (k, json!({"before": bv, "after": av})))
        })
        .collect()
}

/// Writes the basic info, bumps the version and audits the changed fields. Returns the changes
/// (empty = nothing written).
async fn write_info(
    w: &mut Write,
    row: &EnterpriseRow,
    next: &BasicInfo,
    who: &Who,
    action: &str,
) -> ServiceResult<serde_json::Map<String, Value>> {
    let changes = diff(&row.info, next);
    if changes.is_empty() {
        return Ok(changes);
    }
    let now = w.now_ms();
    let products = if next.main_products.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&next.main_products)?)
    };
    let done = sqlx::query(
        "UPDATE enterprises SET county_code = $1, city_code = $2, authority_code = $3, \
         industry_code = $4, segment = $5, main_products = $6, established_on = $7, \
         address = $8, employees = $9, revenue = $10, total_assets = $11, contact_name = $12, \
         contact_phone = $13, contact_email = $14, updated_at = $15, version = version + 1 \
         WHERE id = $16 AND version = $17",
    )
    .bind(next.county_code.as_deref())
    .bind(next.city_code.as_deref())
    .bind(next.authority_code.as_deref())
    .bind(next.industry_code.as_deref())
    .bind(next.segment.as_deref())
    .bind(products)
    .bind(
        next.established_on
            .map(|d| d.format("%Y-%m-%d").to_string()),
    )
    .bind(next.address.as_deref())
    .bind(next.employees)
    .bind(real(next.revenue))
    .bind(real(next.total_assets))
    .bind(next.contact_name.as_deref())
    .bind(next.contact_phone.as_deref())
    .bind(next.contact_email.as_deref())
    .bind(now)
    .bind(&row.id)
    .bind(row.version)
    .execute(&mut **w)
    .await?;
    if done.rows_affected() != 1 {
        return Err(conflict(w, &row.id).await?);
    }
    audit(
        w,
        who,
        action,
        "enterprise",
        Some(&row.id),
        json!({"version": row.version + 1, "changes": changes}),
    )
    .await?;
    Ok(changes)
}

async fn conflict(conn: &mut Conn, id: &str) -> ServiceResult<ServiceError> {
    let current: i64 = sqlx::query("SELECT version FROM enterprises WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("version")?;
    let (by, at) = last_actor(conn, "enterprise", id).await?;
    Ok(ServiceError::Conflict {
        current_version: current,
        by,
        at,
    })
}

/// Validates `update` against the enterprise's current data without writing (for a module that
/// files the change for review first, e.g. an info update at submission).
pub async fn validate_basic_info(
    conn: &mut Conn,
    enterprise_id: &str,
    update: &EnterpriseUpdate,
    today: NaiveDate,
) -> ServiceResult<BasicInfo> {
    let row = load(conn, enterprise_id).await?;
    validate_update(&row.name, &row.uscc, &row.info, update, today)
}

/// Applies an accepted info update (信息更新) to the enterprise inside the caller's
/// transaction: the same validation as [`Service::update_enterprise`], no certified check, no
/// version check (the caller's item carries the version). Bumps the enterprise's version and
/// audits the changed fields as `enterprise.update_applied` (the caller audits the acceptance
/// itself, with its reviewer).
pub async fn apply_basic_info(
    w: &mut Write,
    who: &Who,
    enterprise_id: &str,
    update: &EnterpriseUpdate,
) -> ServiceResult<()> {
    let row = load(w, enterprise_id).await?;
    let next = validate_update(&row.name, &row.uscc, &row.info, update, w.today())?;
    write_info(w, &row, &next, who, "enterprise.update_applied").await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The view
// ---------------------------------------------------------------------------------------------

/// The SME size fact of the figures, or a note saying which figures it needs.
fn size_of(info: &BasicInfo) -> (Option<SizeFact>, Option<Text>) {
    let industries = Industries::builtin();
    let Some(class) = info.industry_code.as_deref() else {
        return (
            None,
            Some(Text::new(
                "填写所属行业和规模数据（从业人员、营业收入、资产总额）后，显示是否属于中小企业。",
                "Fill in the industry and the size figures (employees, revenue, total assets) to \
                 see whether the enterprise is an SME.",
            )),
        );
    };
    let section = industries
        .section_of(class)
        .map(|s| s.code.clone())
        .unwrap_or_default();
    let sector = SizeSector::of(&section, class);
    let figures = SizeFigures {
        employees: info.employees.map(|e| e as f64),
        revenue: info.revenue,
        total_assets: info.total_assets,
    };
    if let Some(fact) = classify(sector, &figures) {
        return (Some(fact), None);
    }
    // Which missing figures the sector's rule needs: each one that, alone left missing, still
    // prevents a judgement.
    let labels = [
        ("从业人员数", "employees"),
        ("上年度营业收入", "prior-year revenue"),
        ("上年末资产总额", "prior-year total assets"),
    ];
    let filled = |skip: usize| SizeFigures {
        employees: figures.employees.or((skip != 0).then_some(0.0)),
        revenue: figures.revenue.or((skip != 1).then_some(0.0)),
        total_assets: figures.total_assets.or((skip != 2).then_some(0.0)),
    };
    let needed: Vec<usize> = (0..3)
        .filter(|&i| classify(sector, &filled(i)).is_none())
        .collect();
    let zh: Vec<&str> = needed.iter().map(|&i| labels[i].0).collect();
    let en: Vec<&str> = needed.iter().map(|&i| labels[i].1).collect();
    let name = sector.name();
    (
        None,
        Some(Text::new(
            format!("按{}标准判定企业规模还需填写：{}。", name.zh, zh.join("、")),
            format!(
                "Judging the size by the rule for {} also needs: {}.",
                name.en,
                en.join(", ")
            ),
        )),
    )
}

async fn view(
    conn: &mut Conn,
    row: EnterpriseRow,
    session: &Session,
    today: NaiveDate,
) -> ServiceResult<EnterpriseView> {
    let regions = Regions::builtin();
    let industries = Industries::builtin();
    let missing = facts::basic_info_missing(conn, &row.id)
        .await?
        .into_iter()
        .map(|(field, label)| MissingField {
            field: field.to_string(),
            label,
        })
        .collect();
    let certified = facts::is_certified(conn, &row.id, today).await?;
    let window = certified.then(|| UpdateWindow::on(today));
    let county = row.info.county_code.as_deref();
    let class = row.info.industry_code.as_deref();
    let (size, size_note) = size_of(&row.info);
    Ok(EnterpriseView {
        region_path: county
            .map(|c| regions.path(c).into_iter().cloned().collect())
            .unwrap_or_default(),
        region_name: county.and_then(|c| regions.full_name(c)),
        authority: county.and_then(|c| regions.authority(c)),
        industry_path: class
            .map(|c| industries.path(c).into_iter().cloned().collect())
            .unwrap_or_default(),
        questionnaire: class
            .and_then(|c| industries.category(c))
            .map(QuestionnaireRef::of),
        missing,
        size,
        size_note,
        certified,
        update_window: window,
        certified_note: window.map(|w| w.note()),
        editable: session.enterprise_id.as_deref() == Some(row.id.as_str()) && !certified,
        id: row.id,
        uscc: row.uscc,
        name: row.name,
        legal_rep: row.legal_rep,
        legal_rep_id_masked: row.legal_rep_id_masked,
        info: row.info,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    })
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

impl Service {
    /// An enterprise's basic info with its facts. The enterprise itself, or staff whose scope
    /// contains its registered county.
    pub async fn enterprise(&self, session: &Session, id: &str) -> ServiceResult<EnterpriseView> {
        let mut conn = self.read().await?;
        require_reader(&mut conn, session, id).await?;
        let row = load(&mut conn, id).await?;
        view(&mut conn, row, session, self.today()).await
    }

    /// Edits the caller's own enterprise (legal-person owner only), as a patch with the version
    /// the form was read at. A certified enterprise is refused (`certified_read_only`): its
    /// changes go through 信息更新.
    pub async fn update_enterprise(
        &self,
        session: &Session,
        expected_version: i64,
        update: EnterpriseUpdate,
    ) -> ServiceResult<EnterpriseView> {
        let id = authz::require_enterprise(session)?.to_string();
        let mut w = self.write().await?;
        let today = w.today();
        let row = load(&mut w, &id).await?;
        if facts::is_certified(&mut w, &id, today).await? {
            return Err(ServiceError::rule(
                "certified_read_only",
                UpdateWindow::on(today).note(),
            ));
        }
        if row.version != expected_version {
            return Err(conflict(&mut w, &id).await?);
        }
        let next = validate_update(&row.name, &row.uscc, &row.info, &update, today)?;
        write_info(
            &mut w,
            &row,
            &next,
            &Who::from(session),
            "enterprise.update",
        )
        .await?;
        let row = load(&mut w, &id).await?;
        let v = view(&mut w, row, session, today).await?;
        w.commit().await?;
        Ok(v)
    }

    /// Industry picker: the sections (no `parent`), or the subdivisions of a code.
    pub fn industry_children(&self, parent: Option<&str>) -> ServiceResult<Vec<IndustryEntry>> {
        let industries = Industries::builtin();
        let list = match parent.map(str::trim).filter(|p| !p.is_empty()) {
            None => industries.sections(),
            Some(code) => {
                if industries.get(code).is_none() {
                    return Err(ServiceError::invalid(
                        "industry_code",
                        crate::domain::industries::IndustryError::Unknown {
                            code: code.to_string(),
                        }
                        .text(),
                    ));
                }
                industries.children(code)
            }
        };
        Ok(list.into_iter().map(IndustryEntry::of).collect())
    }

    /// Industry picker search: by code prefix or name, classes first, at most 50.
    pub fn industry_search(&self, text: &str) -> Vec<IndustryEntry> {
        let text = text.trim();
        if text.is_empty() {
            return Vec::new();
        }
        Industries::builtin()
            .search(text, INDUSTRY_SEARCH_LIMIT)
            .into_iter()
            .map(IndustryEntry::of)
            .collect()
    }

    /// 注册地 picker: the provinces (no `parent`), or the subdivisions of a code.
    pub fn region_children(&self, parent: Option<&str>) -> ServiceResult<Vec<RegionEntry>> {
        let regions = Regions::builtin();
        let list = match parent.map(str::trim).filter(|p| !p.is_empty()) {
            None => regions.provinces(),
            Some(code) => {
                if regions.get(code).is_none() {
                    return Err(ServiceError::invalid(
                        "county_code",
                        crate::domain::regions::RegionError::Unknown {
                            code: code.to_string(),
                        }
                        .text(),
                    ));
                }
                regions
                    .children(code)
                    .into_iter()
                    .filter(|r| r.code != code)
                    .collect()
            }
        };
        Ok(list.into_iter().map(RegionEntry::of).collect())
    }

    /// 注册地 picker search: prefectures and counties by code prefix or name.
    pub fn region_search(&self, text: &str) -> Vec<RegionEntry> {
        let text = text.trim();
        if text.is_empty() {
            return Vec::new();
        }
        Regions::builtin()
            .search(text)
            .into_iter()
            .map(RegionEntry::of)
            .collect()
    }

    /// Segment (细分领域) suggestions: the distinct segments other enterprises of the same class
    /// entered, starting with `prefix`, alphabetical, at most 20. Public.
    pub async fn segment_suggestions(
        &self,
        class: &str,
        prefix: &str,
    ) -> ServiceResult<Vec<String>> {
        let class = Industries::builtin()
            .require_class(class)
            .map_err(|e| ServiceError::invalid("industry_code", e.text()))?
            .code
            .clone();
        let prefix = prefix.trim();
        if prefix.chars().count() > SEGMENT_CHARS {
            return Ok(Vec::new());
        }
        let escaped: String = prefix
            .chars()
            .flat_map(|c| match c {
                '\\' | '%' | '_' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let rows = sqlx::query(
            "SELECT DISTINCT segment FROM enterprises WHERE industry_code = $1 \
             AND segment IS NOT NULL AND segment <> '' AND LOWER(segment) LIKE LOWER($2) ESCAPE '\\' \
             ORDER BY segment LIMIT $3",
        )
        .bind(class)
        .bind(format!("{escaped}%"))
        .bind(SEGMENT_SUGGESTIONS)
        .fetch_all(&mut *self.read().await?)
        .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>("segment")?))
            .collect()
    }
}

impl Service {
    /// 主导产品 suggestions: the distinct main products that enterprises of the same class —
    /// and, when `segment` is given, of the same 细分领域 (ignoring case and surrounding
    /// blanks) — entered, starting with `prefix` (ignoring case), alphabetical, at most
    /// [`PRODUCT_SUGGESTIONS`]. The products of the [`PRODUCT_SUGGESTION_SOURCES`] most recently
    /// updated enterprises of the class are read. Public, like [`Service::segment_suggestions`].
    pub async fn product_suggestions(
        &self,
        class: &str,
        segment: Option<&str>,
        prefix: &str,
    ) -> ServiceResult<Vec<String>> {
        let class = Industries::builtin()
            .require_class(class)
            .map_err(|e| ServiceError::invalid("industry_code", e.text()))?
            .code
            .clone();
        let prefix = prefix.trim().to_lowercase();
        if prefix.chars().count() > MAIN_PRODUCT_CHARS {
            return Ok(Vec::new());
        }
        let segment = segment
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
        let rows = sqlx::query(
            "SELECT segment, main_products FROM enterprises WHERE industry_code = $1 \
             AND main_products IS NOT NULL AND main_products <> '' \
             ORDER BY updated_at DESC, id LIMIT $2",
        )
        .bind(class)
        .bind(PRODUCT_SUGGESTION_SOURCES)
        .fetch_all(&mut *self.read().await?)
        .await?;
        let mut found = std::collections::BTreeSet::new();
        for r in rows {
            if let Some(want) = &segment {
                let theirs: Option<String> = r.try_get("segment")?;
                if theirs.map(|t| t.trim().to_lowercase()).as_ref() != Some(want) {
                    continue;
                }
            }
            let stored: Option<String> = r.try_get("main_products")?;
            for p in main_products_of(stored.as_deref()) {
                let p = p.trim();
                if !p.is_empty() && p.to_lowercase().starts_with(&prefix) {
                    found.insert(p.to_string());
                }
            }
        }
        Ok(found.into_iter().take(PRODUCT_SUGGESTIONS).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landlines_and_mobiles() {
        for (input, want) in [
            ("13912345678", "13912345678"),
            ("+86 139 1234 5678", "13912345678"),
            ("0755-12345678", "0755-12345678"),
            ("(010)12345678", "010-12345678"),
            ("（021）5555666", "021-5555666"),
            ("0755 8765432", "0755-8765432"),
            ("075512345678", "0755-12345678"),
            ("01012345678", "010-12345678"),
            ("0755-12345678-801", "0755-12345678-801"),
            ("0755-12345678转801", "0755-12345678-801"),
        ] {
            assert_eq!(check_contact_phone(input).as_deref(), Ok(want), "{input}");
        }
        for bad in [
            "12345678",
            "0755-0123456",
            "0755-123456",
            "011-12345678",
            "0755-123456789",
            "1391234567",
            "0755-12345678-1234567",
            "abc",
        ] {
            assert!(check_contact_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn products_are_counted_sized_and_unique() {
        assert!(check_products(&["传感器".into()]).is_empty());
        assert_eq!(check_products(&[]).len(), 1);
        let eleven: Vec<String> = (0..11).map(|i| format!("产品{i}")).collect();
        assert_eq!(check_products(&eleven).len(), 1);
        let errs = check_products(&["a".into(), " ".into(), "a".into(), "长".repeat(51)]);
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].zh.contains("第 2 项"));
        assert!(errs[1].zh.contains("与第 1 项重复"));
        assert!(errs[2].zh.contains("51 个字"));
    }

    #[test]
    fn update_window_open_or_next() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let w = UpdateWindow::on(d("2025-03-03"));
        assert!(w.open_now);
        assert_eq!(
            (w.opens_on, w.closes_on),
            (d("2025-01-01"), d("2025-04-30"))
        );
        let w = UpdateWindow::on(d("2025-06-01"));
        assert!(!w.open_now);
        assert_eq!(w.opens_on, d("2026-01-01"));
        assert!(w.note().zh.contains("2026-01-01"));
    }
}
