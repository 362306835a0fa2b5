//! Declaration windows (申报窗口) and review chains (审核链), configured per certifying authority
//! (a province, municipality or 计划单列市) and tier by that authority's admin (DOMAIN.md §2, §5).
//!
//! - [`Service::open_window`] / [`Service::close_window`]: the province admin of the authority
//!   (the 计划单列市 admin for its city; 小巨人 windows are opened by the province too, which
//!   recommends). A window is a period of whole days (both ends inclusive) for one tier and batch;
//!   two windows of the same authority, tier and batch may not overlap.
//! - [`Service::windows`]: the public list of an authority's windows.
//! - [`Service::open_windows_for_enterprise`]: what the enterprise's home screen shows — the
//!   windows open today for its authority, or why it cannot declare now.
//! - [`Service::chain`] / [`Service::set_chain`]: the review chain in force (default or
//!   configured). Items snapshot the chain when they are submitted
//!   ([`crate::service::items::act`]), so a change
//!   here never strands an item in flight.
//!
//! Opening a window posts a 申报提醒 message to every enterprise registered under the authority.

use crate::domain::calendar::Window;
use crate::domain::chain::Chain;
use crate::domain::regions::Regions;
use crate::domain::rules::Ruleset;
use crate::domain::text::{Localized, Text};
use crate::domain::tiers::{ReviewLevel, Tier};
use crate::service::audit::{Who, audit};
use crate::service::authz;
use crate::service::clock::china_minutes;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::facts::{self, authority_name};
use crate::service::messages::{self, Category, Recipient};
use crate::service::paging::{Cursor, Order, Page, PageRequest, Sql, keyset};
use crate::service::session::{AccountKind, Session};
use crate::service::validate::Fields;
use crate::service::{Service, Write};
use crate::store::{Conn, from_ms, new_id};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// The earliest batch year a window may be opened for: the first ruleset's year.
pub const FIRST_BATCH_YEAR: i64 = 2022;

// ---------------------------------------------------------------------------------------------
// Views and inputs
// ---------------------------------------------------------------------------------------------

/// Where a window stands on a given day.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowStatus {
    /// Opens on a later day.
    Upcoming,
    /// Open today.
    Open,
    /// Its last day has passed.
    Ended,
    /// Closed early by the admin.
    Closed,
}

impl WindowStatus {
    pub fn code(self) -> &'static str {
        match self {
            WindowStatus::Upcoming => "upcoming",
            WindowStatus::Open => "open",
            WindowStatus::Ended => "ended",
            WindowStatus::Closed => "closed",
        }
    }

    pub fn name(self) -> Text {
        match self {
            WindowStatus::Upcoming => Text::new("未开始", "upcoming"),
            WindowStatus::Open => Text::new("开放中", "open"),
            WindowStatus::Ended => Text::new("已结束", "ended"),
            WindowStatus::Closed => Text::new("已提前关闭", "closed early"),
        }
    }
}

/// A declaration window as shown to anyone.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct WindowView {
    pub id: String,
    pub authority_code: String,
    pub authority_name: String,
    pub tier: Tier,
    pub batch: i64,
    /// First day (inclusive).
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
    pub closed_at: Option<DateTime<Utc>>,
    /// As of the service's today.
    pub status: WindowStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl WindowView {
    /// "广东省 专精特新 2025 批次 2025-03-01 至 2025-03-31".
    pub fn describe(&self) -> Text {
        describe_window(
            &self.authority_name,
            self.tier,
            self.batch,
            self.start,
            self.end,
        )
    }
}

fn describe_window(
    authority: &str,
    tier: Tier,
    batch: i64,
    start: NaiveDate,
    end: NaiveDate,
) -> Text {
    Text::new(
        format!(
            "{authority}{}{batch}年度批次申报窗口（{start} 至 {end}）",
            tier.short_name().zh
        ),
        format!(
            "the {authority} {} window of batch {batch} ({start} to {end})",
            tier.short_name().en
        ),
    )
}

/// A window to open.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWindow {
    /// The certifying authority: a province, municipality or 计划单列市 code.
    pub authority_code: String,
    /// `innovative`, `specialized` or `little_giant`.
    pub tier: Tier,
    /// The batch year.
    pub batch: i64,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Filter of [`Service::windows`] (default: every window of the authority).
#[derive(utoipa::IntoParams, Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct WindowFilter {
    #[serde(default)]
    pub tier: Option<Tier>,
    #[serde(default)]
    pub batch: Option<i64>,
    #[serde(default)]
    pub status: Option<WindowStatus>,
}

/// What the enterprise's home screen shows about declaring.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct EnterpriseWindows {
    /// The windows open today for the enterprise's authority.
    pub windows: Vec<WindowView>,
    /// Why the enterprise cannot declare now (empty when it can).
    pub reasons: Vec<Text>,
}

/// A review chain as configured (or defaulted) for an authority and tier.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct ChainView {
    pub authority_code: String,
    pub authority_name: String,
    pub tier: Tier,
    pub chain: Chain,
    /// Display form: `县级 → 市级 → 省级`.
    pub name: Text,
    /// No configuration stored: the default of DOMAIN.md §2 is in force.
    pub is_default: bool,
    /// The configuration's version (`None` while the default is in force): pass it back to
    /// [`Service::set_chain`].
    pub version: Option<i64>,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

const WINDOW_COLUMNS: &str = "id, authority_code, tier, batch, start_date, end_date, closed_at, \
     version, created_at, updated_at";

fn parse_date(s: &str) -> ServiceResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(ServiceError::internal)
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn status_on(start: NaiveDate, end: NaiveDate, closed: bool, today: NaiveDate) -> WindowStatus {
    if closed {
        WindowStatus::Closed
    } else if today < start {
        WindowStatus::Upcoming
    } else if today > end {
        WindowStatus::Ended
    } else {
        WindowStatus::Open
    }
}

fn window_from_row(row: &AnyRow, today: NaiveDate) -> ServiceResult<WindowView> {
    let authority_code: String = row.try_get("authority_code")?;
    let tier: String = row.try_get("tier")?;
    let start = parse_date(&row.try_get::<String, _>("start_date")?)?;
    let end = parse_date(&row.try_get::<String, _>("end_date")?)?;
    let closed_at = row.try_get::<Option<i64>, _>("closed_at")?.map(from_ms);
    Ok(WindowView {
        id: row.try_get("id")?,
        authority_name: authority_name(&authority_code),
        authority_code,
        tier: Tier::from_code(&tier)
            .ok_or_else(|| ServiceError::internal(format!("unknown tier {tier:?}")))?,
        batch: row.try_get("batch")?,
        start,
        end,
        status: status_on(start, end, closed_at.is_some(), today),
        closed_at,
        version: row.try_get("version")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
    })
}

/// Loads a window (as of `today`).
pub async fn load_window(conn: &mut Conn, id: &str, today: NaiveDate) -> ServiceResult<WindowView> {
    let sql = format!("SELECT {WINDOW_COLUMNS} FROM windows WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| {
            ServiceError::not_found(Text::new("该申报窗口", "the declaration window"))
        })?;
    window_from_row(&row, today)
}

/// The conflict error for a stale version of a non-item record: who changed it last (from the
/// audit trail of `target_kind`/`target_id`), and when.
pub(crate) async fn record_conflict(
    conn: &mut Conn,
    target_kind: &str,
    target_id: &str,
    current_version: i64,
) -> ServiceResult<ServiceError> {
    let last = sqlx::query(
        "SELECT actor_name, at FROM audit WHERE target_kind = $1 AND target_id = $2 \
         ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(target_kind)
    .bind(target_id)
    .fetch_optional(conn)
    .await?;
    let (by, at) = match last {
        Some(r) => (
            Some(r.try_get::<String, _>("actor_name")?),
            Some(from_ms(r.try_get("at")?)),
        ),
        None => (None, None),
    };
    Ok(ServiceError::Conflict {
        current_version,
        by,
        at,
    })
}

/// Whether `code` is a certifying authority itself (a province, municipality or 计划单列市).
fn is_authority(code: &str) -> bool {
    Regions::builtin()
        .authority(code)
        .is_some_and(|a| a.code == code)
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

impl Service {
    /// Opens a declaration window. Only the province admin of the authority (the 计划单列市
    /// admin for its city) may; the ministry opens none (小巨人 windows are provincial too).
    ///
    /// Checks, all reported at once: the end is not before the start (both dates named), the
    /// start is not in the past (today is allowed), the batch is a year from
    /// [`FIRST_BATCH_YEAR`] to next year; then that no window of the same authority, tier and
    /// batch (not closed early) shares a day with it (the other window's dates are named).
    pub async fn open_window(
        &self,
        session: &Session,
        new: NewWindow,
    ) -> ServiceResult<WindowView> {
        authz::require_province_admin(session, &new.authority_code)?;
        if !is_authority(&new.authority_code) {
            return Err(ServiceError::invalid(
                "authority_code",
                Text::new(
                    format!(
                        "“{}”不是省级认定机构（省、自治区、直辖市或计划单列市）的行政区划代码。",
                        new.authority_code
                    ),
                    format!(
                        "\"{}\" is not the code of a provincial authority (province, \
                         municipality or city with independent planning status).",
                        new.authority_code
                    ),
                ),
            ));
        }
        let today = self.today();
        let mut f = Fields::default();
        let last_batch = i64::from(today.year()) + 1;
        if !(FIRST_BATCH_YEAR..=last_batch).contains(&new.batch) {
            f.push(
                "batch",
                Text::new(
                    format!(
                        "批次年度应在 {FIRST_BATCH_YEAR} 至 {last_batch} 之间，收到 {}。",
                        new.batch
                    ),
                    format!(
                        "The batch year must be between {FIRST_BATCH_YEAR} and {last_batch}; \
                         got {}.",
                        new.batch
                    ),
                ),
            );
        }
        if new.start < today {
            f.push(
                "start",
                Text::new(
                    format!(
                        "开始日期 {} 已经过去：开始日期最早为今天（{today}）。",
                        new.start
                    ),
                    format!(
                        "The start date {} is in the past: the earliest start is today \
                         ({today}).",
                        new.start
                    ),
                ),
            );
        }
        let window = f.check("end", Window::new(new.start, new.end).map_err(|e| e.text()));
        f.finish()?;
        let window = window.ok_or_else(|| ServiceError::internal("validated window missing"))?;

        let mut w = self.write().await?;
        let rows = sqlx::query(
            "SELECT start_date, end_date FROM windows WHERE authority_code = $1 AND tier = $2 \
             AND batch = $3 AND closed_at IS NULL ORDER BY start_date",
        )
        .bind(&new.authority_code)
        .bind(new.tier.code())
        .bind(new.batch)
        .fetch_all(&mut *w)
        .await?;
        for r in &rows {
            let other = Window {
                start: parse_date(&r.try_get::<String, _>("start_date")?)?,
                end: parse_date(&r.try_get::<String, _>("end_date")?)?,
            };
            if other.overlaps(&window) {
                let name = describe_window(
                    &authority_name(&new.authority_code),
                    new.tier,
                    new.batch,
                    other.start,
                    other.end,
                );
                return Err(ServiceError::invalid(
                    "start",
                    Text::new(
                        format!(
                            "{} 至 {} 与已有的{}重叠：同一层级同一批次的窗口不能有重叠的日期。请调整日期，或先关闭已有窗口。",
                            window.start, window.end, name.zh
                        ),
                        format!(
                            "{} to {} overlaps {}: windows of the same tier and batch may not \
                             share a day. Change the dates, or close the other window first.",
                            window.start, window.end, name.en
                        ),
                    ),
                ));
            }
        }
        let id = new_id();
        let now = w.now_ms();
        sqlx::query(
            "INSERT INTO windows (id, authority_code, tier, batch, start_date, end_date, \
             created_by, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             $8, 1)",
        )
        .bind(&id)
        .bind(&new.authority_code)
        .bind(new.tier.code())
        .bind(new.batch)
        .bind(day(window.start))
        .bind(day(window.end))
        .bind(&session.account_id)
        .bind(now)
        .execute(&mut *w)
        .await?;
        audit(
            &mut w,
            &Who::from(session),
            "window.open",
            "window",
            Some(&id),
            json!({
                "authority_code": new.authority_code,
                "tier": new.tier.code(),
                "batch": new.batch,
                "start": day(window.start),
                "end": day(window.end),
            }),
        )
        .await?;
        let view = load_window(&mut w, &id, today).await?;
        announce_window(&mut w, &view).await?;
        w.commit().await?;
        Ok(view)
    }

    /// Closes a window early (it stays listed, as closed). The province admin of its authority
    /// only; `expected_version` as last read (a stale one is a conflict naming who changed it).
    pub async fn close_window(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
    ) -> ServiceResult<WindowView> {
        let today = self.today();
        let authority = {
            let mut conn = self.read().await?;
            load_window(&mut conn, id, today).await?.authority_code
        };
        authz::require_province_admin(session, &authority)?;
        let mut w = self.write().await?;
        let window = load_window(&mut w, id, today).await?;
        if window.version != expected_version {
            return Err(record_conflict(&mut w, "window", id, window.version).await?);
        }
        match window.status {
            WindowStatus::Closed => {
                return Err(ServiceError::rule(
                    "window_already_closed",
                    Text::new(
                        format!(
                            "{}已于 {} 关闭。",
                            window.describe().zh,
                            window.closed_at.map(china_minutes).unwrap_or_default()
                        ),
                        format!(
                            "{} was already closed at {} (Beijing time).",
                            capitalise(&window.describe().en),
                            window.closed_at.map(china_minutes).unwrap_or_default()
                        ),
                    ),
                ));
            }
            WindowStatus::Ended => {
                return Err(ServiceError::rule(
                    "window_already_ended",
                    Text::new(
                        format!("{}已经结束，无需关闭。", window.describe().zh),
                        format!(
                            "{} has already ended; there is nothing to close.",
                            capitalise(&window.describe().en)
                        ),
                    ),
                ));
            }
            WindowStatus::Upcoming | WindowStatus::Open => {}
        }
        let now = w.now_ms();
        let done = sqlx::query(
            "UPDATE windows SET closed_at = $1, updated_at = $1, version = version + 1 \
             WHERE id = $2 AND version = $3",
        )
        .bind(now)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *w)
        .await?;
        if done.rows_affected() != 1 {
            return Err(record_conflict(&mut w, "window", id, window.version).await?);
        }
        audit(
            &mut w,
            &Who::from(session),
            "window.close",
            "window",
            Some(id),
            json!({"status_before": window.status.code(), "version": expected_version}),
        )
        .await?;
        let view = load_window(&mut w, id, today).await?;
        w.commit().await?;
        Ok(view)
    }

    /// The windows of an authority, latest start first, paged. Public.
    pub async fn windows(
        &self,
        authority_code: &str,
        filter: &WindowFilter,
        page: &PageRequest,
    ) -> ServiceResult<Page<WindowView>> {
        let today = self.today();
        let limit = page.limit();
        let mut q = Sql::new(&format!("SELECT {WINDOW_COLUMNS} FROM windows"));
        q.push(" WHERE authority_code = ")
            .bind(authority_code.trim());
        if let Some(tier) = filter.tier {
            q.push(" AND tier = ").bind(tier.code());
        }
        if let Some(batch) = filter.batch {
            q.push(" AND batch = ").bind(batch);
        }
        if let Some(status) = filter.status {
            let t = day(today);
            match status {
                WindowStatus::Closed => {
                    q.push(" AND closed_at IS NOT NULL");
                }
                WindowStatus::Upcoming => {
                    q.push(" AND closed_at IS NULL AND start_date > ").bind(t);
                }
                WindowStatus::Ended => {
                    q.push(" AND closed_at IS NULL AND end_date < ").bind(t);
                }
                WindowStatus::Open => {
                    let p = q.placeholder(t);
                    q.push(&format!(
                        " AND closed_at IS NULL AND start_date <= {p} AND end_date >= {p}"
                    ));
                }
            }
        }
        keyset(
            &mut q,
            "start_date",
            "id",
            Order::Desc,
            page.cursor()?.as_ref(),
            limit,
        );
        let mut conn = self.read().await?;
        let rows = q.fetch_all(&mut conn).await?;
        let items = rows
            .iter()
            .map(|r| window_from_row(r, today))
            .collect::<ServiceResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |w| {
            Cursor::new(day(w.start), &w.id)
        }))
    }

    /// For the enterprise's home screen: the windows open today for its authority, and every
    /// reason it cannot declare now — a natural-person account (with how to get a legal-person
    /// one), no real-name verification, incomplete basic information (the missing fields), no
    /// open window for its authority (with the next one, if any is planned).
    pub async fn open_windows_for_enterprise(
        &self,
        session: &Session,
    ) -> ServiceResult<EnterpriseWindows> {
        match session.kind {
            AccountKind::Legal | AccountKind::Natural => {}
            _ => authz::require_legal_person(session)?,
        }
        let none = |reason: Text| EnterpriseWindows {
            windows: Vec::new(),
            reasons: vec![reason],
        };
        if session.kind == AccountKind::Natural {
            return Ok(none(
                authz::require_enterprise(session)
                    .err()
                    .map(|e| e.text())
                    .unwrap_or_else(|| Text::new("", "")),
            ));
        }
        let enterprise_id = match authz::require_enterprise(session) {
            Ok(id) => id.to_string(),
            Err(e) => return Ok(none(e.text())),
        };
        let today = self.today();
        let mut conn = self.read().await?;
        let mut reasons = Vec::new();
        let missing = facts::basic_info_missing(&mut conn, &enterprise_id).await?;
        if !missing.is_empty() {
            reasons.push(basic_info_text(&missing));
        }
        let authority: Option<String> =
            sqlx::query("SELECT authority_code FROM enterprises WHERE id = $1")
                .bind(&enterprise_id)
                .fetch_one(&mut *conn)
                .await?
                .try_get("authority_code")?;
        let Some(authority) = authority else {
            reasons.push(Text::new(
                "尚未填写注册地，无法确定所属的认定机构及其申报窗口。",
                "No registered county yet, so the certifying authority and its windows are \
                 unknown.",
            ));
            return Ok(EnterpriseWindows {
                windows: Vec::new(),
                reasons,
            });
        };
        let open = facts::open_windows(&mut conn, &authority, None, today).await?;
        let mut windows = Vec::with_capacity(open.len());
        for o in &open {
            windows.push(load_window(&mut conn, &o.id, today).await?);
        }
        if windows.is_empty() {
            let name = authority_name(&authority);
            let next = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {WINDOW_COLUMNS} FROM windows WHERE authority_code = $1 \
                 AND closed_at IS NULL AND start_date > $2 ORDER BY start_date, id LIMIT 1"
            )))
            .bind(&authority)
            .bind(day(today))
            .fetch_optional(&mut *conn)
            .await?;
            let next = next.map(|r| window_from_row(&r, today)).transpose()?;
            reasons.push(match next {
                Some(n) => Text::new(
                    format!(
                        "{name}目前没有开放的申报窗口；下一个是{}。",
                        n.describe().zh
                    ),
                    format!(
                        "{name} has no declaration window open today; the next one is {}.",
                        n.describe().en
                    ),
                ),
                None => Text::new(
                    format!("{name}目前没有开放的申报窗口，请留意申报通知。"),
                    format!(
                        "{name} has no declaration window open today; watch for the next \
                         announcement."
                    ),
                ),
            });
        }
        Ok(EnterpriseWindows { windows, reasons })
    }

    /// The review chain in force for an authority and tier (the default unless configured).
    /// Reviewers and admins.
    pub async fn chain(
        &self,
        session: &Session,
        authority_code: &str,
        tier: Tier,
    ) -> ServiceResult<ChainView> {
        authz::require_staff_level(session)?;
        let mut conn = self.read().await?;
        chain_view(&mut conn, authority_code, tier).await
    }

    /// Sets the review chain of an authority and tier (the province admin of that authority).
    /// `levels` bottom first, checked by [`Chain::for_tier`]; `expected_version` is the
    /// [`ChainView::version`] last read (`None` while the default is in force). Items already
    /// submitted keep the chain they were submitted with.
    pub async fn set_chain(
        &self,
        session: &Session,
        authority_code: &str,
        tier: Tier,
        levels: Vec<ReviewLevel>,
        expected_version: Option<i64>,
    ) -> ServiceResult<ChainView> {
        authz::require_province_admin(session, authority_code)?;
        let chain =
            Chain::for_tier(tier, levels).map_err(|e| ServiceError::invalid("levels", e.text()))?;
        let mut w = self.write().await?;
        let before = chain_view(&mut w, authority_code, tier).await?;
        let target = format!("{authority_code}:{}", tier.code());
        if before.version != expected_version {
            return Err(
                record_conflict(&mut w, "chain", &target, before.version.unwrap_or(0)).await?,
            );
        }
        let now = w.now_ms();
        let levels_json = serde_json::to_string(&chain)?;
        let done = match expected_version {
            None => {
                sqlx::query(
                    "INSERT INTO chains (authority_code, tier, levels, updated_by, updated_at, \
                     version) VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (authority_code, tier) \
                     DO NOTHING",
                )
                .bind(authority_code)
                .bind(tier.code())
                .bind(&levels_json)
                .bind(&session.account_id)
                .bind(now)
                .execute(&mut *w)
                .await?
            }
            Some(v) => {
                sqlx::query(
                    "UPDATE chains SET levels = $1, updated_by = $2, updated_at = $3, \
                     version = version + 1 WHERE authority_code = $4 AND tier = $5 AND version = $6",
                )
                .bind(&levels_json)
                .bind(&session.account_id)
                .bind(now)
                .bind(authority_code)
                .bind(tier.code())
                .bind(v)
                .execute(&mut *w)
                .await?
            }
        };
        if done.rows_affected() != 1 {
            return Err(
                record_conflict(&mut w, "chain", &target, before.version.unwrap_or(0)).await?,
            );
        }
        audit(
            &mut w,
            &Who::from(session),
            "chain.set",
            "chain",
            Some(&target),
            json!({"from": before.chain, "to": chain, "was_default": before.is_default}),
        )
        .await?;
        let view = chain_view(&mut w, authority_code, tier).await?;
        w.commit().await?;
        Ok(view)
    }
}

/// The chain in force with its configuration row, if any.
async fn chain_view(conn: &mut Conn, authority_code: &str, tier: Tier) -> ServiceResult<ChainView> {
    let chain = facts::chain_for(conn, authority_code, tier).await?;
    let row = sqlx::query(
        "SELECT c.version, c.updated_at, a.display_name FROM chains c \
         LEFT JOIN accounts a ON a.id = c.updated_by WHERE c.authority_code = $1 AND c.tier = $2",
    )
    .bind(authority_code)
    .bind(tier.code())
    .fetch_optional(&mut *conn)
    .await?;
    let (version, updated_at, updated_by) = match row {
        Some(r) => (
            Some(r.try_get::<i64, _>("version")?),
            Some(from_ms(r.try_get("updated_at")?)),
            r.try_get::<Option<String>, _>("display_name")?,
        ),
        None => (None, None, None),
    };
    Ok(ChainView {
        authority_code: authority_code.to_string(),
        authority_name: authority_name(authority_code),
        tier,
        name: chain.name(),
        chain,
        is_default: version.is_none(),
        version,
        updated_by,
        updated_at,
    })
}

/// The 申报提醒 message to every enterprise registered under the window's authority (once per
/// window and enterprise).
async fn announce_window(w: &mut Write, window: &WindowView) -> ServiceResult<()> {
    let rows = sqlx::query("SELECT id FROM enterprises WHERE authority_code = $1")
        .bind(&window.authority_code)
        .fetch_all(&mut **w)
        .await?;
    let ruleset = Ruleset::for_batch_year(i32::try_from(window.batch).unwrap_or(i32::MAX));
    let what = window.describe();
    let title = Text::new(
        format!("{}申报窗口已发布", window.tier.short_name().zh),
        format!(
            "{} declaration window announced",
            window.tier.short_name().en
        ),
    );
    let body = Text::new(
        format!(
            "{}已发布，适用{}。请在窗口期内完成{}申报（基本信息须完整）。",
            what.zh,
            ruleset.title.zh,
            window.tier.name().zh
        ),
        format!(
            "{} has been announced, under {}. Declare for {} within the window (your basic \
             information must be complete).",
            capitalise(&what.en),
            ruleset.title.en,
            window.tier.name().en
        ),
    );
    for r in rows {
        let enterprise_id: String = r.try_get("id")?;
        let key = format!("window_open:{}:{enterprise_id}", window.id);
        messages::post(
            w,
            &Recipient::Enterprise(enterprise_id),
            Category::Reminder,
            &title,
            &body,
            Some(&key),
        )
        .await?;
    }
    Ok(())
}

/// "企业基本信息不完整，缺少：注册地（区县）、所属行业（小类）".
pub(crate) fn basic_info_text(missing: &[(&'static str, Text)]) -> Text {
    let zh: Vec<&str> = missing.iter().map(|(_, t)| t.zh.as_str()).collect();
    let en: Vec<&str> = missing.iter().map(|(_, t)| t.en.as_str()).collect();
    Text::new(
        format!(
            "企业基本信息不完整，缺少：{}。请先在“企业信息”中补全。",
            zh.join("、")
        ),
        format!(
            "The enterprise's basic information is incomplete; missing: {}. Complete it under \
             \"Enterprise information\" first.",
            en.join(", ")
        ),
    )
}

pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
