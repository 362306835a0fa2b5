//! The due-reminders job: messages before a certification expires, before the info-update
//! deadline, when a declaration window opens and before it closes.
//!
//! [`Service::run_reminders`] can run at any date, any number of times: every reminder carries a
//! dedupe key (see [`messages::post`]), so a second run on the same day posts nothing, and a job
//! that missed a day catches up once.
//!
//! Catching up **(our rule)**: reminders come in stages (90 / 30 / 7 days before expiry; 30 / 7
//! days before the update deadline). A run posts the *latest* stage reached and skips earlier
//! stages that were never sent — a job that first runs 5 days before expiry sends the 7-day
//! reminder only, not three reminders at once. Each message states the real number of days left.
//!
//! Cost: each kind of reminder is one set-based query over indexes (certifications by expiry,
//! enterprises by authority, items by kind and state) that already leaves out what was posted
//! (`NOT EXISTS` on the unique dedupe key) — no query per enterprise. New messages are then
//! posted through [`messages::post`] in write transactions of at most [`CHUNK`] messages, each
//! with its audit row, so a run over 100 000 enterprises never holds the single writer for long;
//! a run interrupted half-way is completed by the next one.

use crate::domain::calendar::{self, days_until};
use crate::domain::text::Text;
use crate::domain::tiers::Tier;
use crate::service::Service;
use crate::service::audit::{Who, audit};
use crate::service::clock::china;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::facts::authority_name;
use crate::service::messages::{self, Category, Recipient};
use crate::store::ms;
use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;

/// Days before `expires_on` at which a certification-expiry reminder is due.
pub const EXPIRY_STAGES: [u64; 3] = [90, 30, 7];
/// Days before the end of the info-update period at which an update reminder is due.
pub const UPDATE_STAGES: [u64; 2] = [30, 7];
/// Days before a window's last day from which enterprises with an unsubmitted declaration in it
/// are reminded.
pub const WINDOW_CLOSING_DAYS: u64 = 7;
/// Messages posted per write transaction.
pub const CHUNK: usize = 500;

/// What one run posted, per kind of reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReminderReport {
    pub today: NaiveDate,
    /// 认定到期: certification expiry (Category::Expiry).
    pub expiry: u64,
    /// 信息更新: the info-update deadline (Category::Update).
    pub update: u64,
    /// 申报提醒: a declaration window of the enterprise's authority is open (Category::Reminder).
    pub window_opened: u64,
    /// 申报提醒: a window closes soon and the enterprise has an unsubmitted declaration in it.
    pub window_closing: u64,
}

impl ReminderReport {
    pub fn total(&self) -> u64 {
        self.expiry + self.update + self.window_opened + self.window_closing
    }
}

/// A message the job wants to post.
struct Due {
    enterprise_id: String,
    title: Text,
    body: Text,
    dedupe_key: String,
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> ServiceResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(ServiceError::internal)
}

fn plus_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(NaiveDate::MAX)
}

/// The first instant (ms) of a calendar year in China.
fn year_start_ms(year: i32) -> i64 {
    china()
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .map(|t| ms(t.with_timezone(&Utc)))
        .unwrap_or(i64::MAX)
}

fn china_day_of(at_ms: i64) -> NaiveDate {
    crate::service::clock::china_date(crate::store::from_ms(at_ms))
}

/// `tier IN ('innovative', …)`: lets the `(tier, status, expires_on)` index seek per tier.
fn tier_list() -> String {
    Tier::ALL
        .iter()
        .map(|t| format!("'{}'", t.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stage a deadline `days_left` away is in: the smallest stage ≥ `days_left`.
fn stage(stages: &[u64], days_left: i64) -> Option<u64> {
    let left = u64::try_from(days_left).ok()?;
    stages.iter().copied().filter(|s| left <= *s).min()
}

fn authority_label(code: &str) -> Text {
    let name = authority_name(code);
    Text::new(name.clone(), format!("{name} ({code})"))
}

impl Service {
    /// Posts every reminder due on `today` that was not posted before (system job; callable at
    /// any date, idempotent). See the module documentation for the rules.
    pub async fn run_reminders(&self, today: NaiveDate) -> ServiceResult<ReminderReport> {
        let mut report = ReminderReport {
            today,
            expiry: 0,
            update: 0,
            window_opened: 0,
            window_closing: 0,
        };
        let due = self.expiry_due(today).await?;
        report.expiry = self
            .post_due(Category::Expiry, "expiry", today, due)
            .await?;
        let due = self.update_due(today).await?;
        report.update = self
            .post_due(Category::Update, "update", today, due)
            .await?;
        let due = self.window_opened_due(today).await?;
        report.window_opened = self
            .post_due(Category::Reminder, "window_opened", today, due)
            .await?;
        let due = self.window_closing_due(today).await?;
        report.window_closing = self
            .post_due(Category::Reminder, "window_closing", today, due)
            .await?;
        Ok(report)
    }

    /// Active certifications inside a stage band not yet reminded of that stage.
    async fn expiry_due(&self, today: NaiveDate) -> ServiceResult<Vec<Due>> {
        let mut stages = EXPIRY_STAGES;
        stages.sort_unstable();
        let sql = format!(
            "SELECT c.id, c.enterprise_id, c.tier, c.expires_on FROM certifications c \
             WHERE c.tier IN ({}) AND c.status = 'active' \
             AND c.expires_on >= $1 AND c.expires_on <= $2 \
             AND NOT EXISTS (SELECT 1 FROM messages m \
                 WHERE m.dedupe_key = 'expiry:' || c.id || ':' || $3)",
            tier_list()
        );
        let mut conn = self.read().await?;
        let mut due = Vec::new();
        let mut from = today;
        for s in stages {
            let to = plus_days(today, s);
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(day(from))
                .bind(day(to))
                .bind(s.to_string())
                .fetch_all(&mut *conn)
                .await?;
            for row in &rows {
                let id: String = row.try_get("id")?;
                let tier: String = row.try_get("tier")?;
                let tier = Tier::from_code(&tier)
                    .ok_or_else(|| ServiceError::internal(format!("unknown tier {tier:?}")))?
                    .name();
                let expires_on = parse_day(&row.try_get::<String, _>("expires_on")?)?;
                let left = days_until(today, expires_on);
                due.push(Due {
                    enterprise_id: row.try_get("enterprise_id")?,
                    title: Text::new(
                        format!("您的{}认定将于 {expires_on} 到期", tier.zh),
                        format!("Your {} certification expires on {expires_on}", tier.en),
                    ),
                    body: Text::new(
                        format!(
                            "贵企业的{}认定有效期至 {expires_on}，还有 {left} 天。如需继续保持认定，\
                             请关注复核通知，按要求完成信息更新并在有效期届满前申请复核。",
                            tier.zh
                        ),
                        format!(
                            "Your {} certification is valid until {expires_on}, {left} day(s) \
                             from now. To keep it, watch for the review (复核) notice, keep your \
                             info updates current and apply for the review before it expires.",
                            tier.en
                        ),
                    ),
                    dedupe_key: format!("expiry:{id}:{s}"),
                });
            }
            from = plus_days(to, 1);
        }
        Ok(due)
    }

    /// Enterprises that must file this year's info update (DOMAIN.md §5) and have not submitted
    /// it, once per stage before the period ends.
    ///
    /// "Submitted" **(our rule)**: an `update` item created this year that is with the reviewers
    /// or decided; a draft, a withdrawn or a returned one is back in the enterprise's hands and
    /// still has to be (re)submitted before the deadline.
    async fn update_due(&self, today: NaiveDate) -> ServiceResult<Vec<Due>> {
        let year = today.year();
        let period = calendar::update_period(year).window(year);
        if !period.is_open(today) {
            return Ok(Vec::new());
        }
        let Some(stage) = stage(&UPDATE_STAGES, days_until(today, period.end)) else {
            return Ok(Vec::new());
        };
        let y0 = year_start_ms(year);
        let y1 = year_start_ms(year.saturating_add(1));
        // Certified before this year (a certification of this year needs no update), valid
        // today, no submitted update this year, not yet reminded at this stage. Whether a 复核
        // passed this year (then no update is needed) is decided by the domain below.
        let sql = format!(
            "SELECT c.enterprise_id, c.certified_on, \
                 (SELECT MAX(r.decided_at) FROM items r WHERE r.enterprise_id = c.enterprise_id \
                  AND r.kind = 'review' AND r.tier = c.tier AND r.state = 'approved') AS review_at \
             FROM certifications c \
             WHERE c.tier IN ({}) AND c.status = 'active' AND c.expires_on >= $1 \
             AND c.certified_on < $2 \
             AND NOT EXISTS (SELECT 1 FROM items u WHERE u.enterprise_id = c.enterprise_id \
                 AND u.kind = 'update' AND u.created_at >= $3 AND u.created_at < $4 \
                 AND u.state NOT IN ('draft', 'withdrawn', 'returned')) \
             AND NOT EXISTS (SELECT 1 FROM messages m \
                 WHERE m.dedupe_key = 'update:' || c.enterprise_id || ':' || $5)",
            tier_list()
        );
        let suffix = format!("{year}:{stage}");
        let mut conn = self.read().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(day(today))
            .bind(format!("{year:04}-01-01"))
            .bind(y0)
            .bind(y1)
            .bind(&suffix)
            .fetch_all(&mut *conn)
            .await?;
        // One reminder per enterprise, if any of its certifications requires the update.
        let mut must: HashMap<String, bool> = HashMap::new();
        for row in &rows {
            let enterprise_id: String = row.try_get("enterprise_id")?;
            let certified_on = parse_day(&row.try_get::<String, _>("certified_on")?)?;
            let review_on = row
                .try_get::<Option<i64>, _>("review_at")?
                .map(china_day_of);
            let required = calendar::update_required(certified_on, review_on, year);
            *must.entry(enterprise_id).or_default() |= required;
        }
        let end = period.end;
        let left = days_until(today, end);
        let mut enterprises: Vec<String> = must
            .into_iter()
            .filter_map(|(e, required)| required.then_some(e))
            .collect();
        enterprises.sort_unstable();
        Ok(enterprises
            .into_iter()
            .map(|enterprise_id| Due {
                dedupe_key: format!("update:{enterprise_id}:{suffix}"),
                enterprise_id,
                title: Text::new(
                    format!("请在 {end} 前完成 {year} 年度信息更新"),
                    format!("File your {year} info update by {end}"),
                ),
                body: Text::new(
                    format!(
                        "贵企业须在 {end} 前提交 {year} 年度信息更新，距截止还有 {left} 天。\
                         未按时完成信息更新将失去复核资格。"
                    ),
                    format!(
                        "Your enterprise must submit its {year} info update by {end}, {left} \
                         day(s) from now. Missing it loses the eligibility for the review (复核)."
                    ),
                ),
            })
            .collect())
    }

    /// Every enterprise of an authority with an open window, once per window.
    async fn window_opened_due(&self, today: NaiveDate) -> ServiceResult<Vec<Due>> {
        let rows = {
            let mut conn = self.read().await?;
            sqlx::query(
                "SELECT w.id AS window_id, w.authority_code, w.tier, w.batch, w.start_date, \
                 w.end_date, e.id AS enterprise_id \
                 FROM windows w JOIN enterprises e ON e.authority_code = w.authority_code \
                 WHERE w.start_date <= $1 AND w.end_date >= $1 AND w.closed_at IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM messages m \
                     WHERE m.dedupe_key = 'window:' || w.id || ':' || e.id) \
                 ORDER BY w.id, e.id",
            )
            .bind(day(today))
            .fetch_all(&mut *conn)
            .await?
        };
        let mut due = Vec::with_capacity(rows.len());
        let mut texts: HashMap<String, (Text, Text)> = HashMap::new();
        for row in &rows {
            let window_id: String = row.try_get("window_id")?;
            let enterprise_id: String = row.try_get("enterprise_id")?;
            if !texts.contains_key(&window_id) {
                let tier: String = row.try_get("tier")?;
                let tier = Tier::from_code(&tier)
                    .ok_or_else(|| ServiceError::internal(format!("unknown tier {tier:?}")))?
                    .name();
                let authority = authority_label(&row.try_get::<String, _>("authority_code")?);
                let batch: i64 = row.try_get("batch")?;
                let start: String = row.try_get("start_date")?;
                let end: String = row.try_get("end_date")?;
                texts.insert(
                    window_id.clone(),
                    (
                        Text::new(
                            format!("{}{batch}年度{}申报已开始", authority.zh, tier.zh),
                            format!(
                                "{}: declarations for {} (batch {batch}) are open",
                                authority.en, tier.en
                            ),
                        ),
                        Text::new(
                            format!(
                                "申报时间：{start} 至 {end}。请先完善企业基本信息（注册地、所属行业等），\
                                 并在 {end} 前提交申报。"
                            ),
                            format!(
                                "Declarations are open from {start} to {end}. Complete your \
                                 enterprise's basic info (registered county, industry …) and \
                                 submit by {end}."
                            ),
                        ),
                    ),
                );
            }
            let (title, body) = texts[&window_id].clone();
            due.push(Due {
                dedupe_key: format!("window:{window_id}:{enterprise_id}"),
                enterprise_id,
                title,
                body,
            });
        }
        Ok(due)
    }

    /// Enterprises with a draft or withdrawn declaration in a window that closes within
    /// [`WINDOW_CLOSING_DAYS`] days, once per window. (A returned declaration may be resubmitted
    /// after the window closes, so it is not reminded.)
    async fn window_closing_due(&self, today: NaiveDate) -> ServiceResult<Vec<Due>> {
        let rows = {
            let mut conn = self.read().await?;
            sqlx::query(
                "SELECT DISTINCT w.id AS window_id, w.tier, w.end_date, i.enterprise_id \
                 FROM windows w \
                 JOIN items i ON i.kind = 'declaration' AND i.state IN ('draft', 'withdrawn') \
                     AND i.tier = w.tier AND i.batch = w.batch \
                 JOIN enterprises e ON e.id = i.enterprise_id \
                 WHERE w.start_date <= $1 AND w.end_date >= $1 AND w.end_date <= $2 \
                 AND w.closed_at IS NULL \
                 AND (i.window_id = w.id \
                      OR (i.window_id IS NULL AND e.authority_code = w.authority_code)) \
                 AND NOT EXISTS (SELECT 1 FROM messages m \
                     WHERE m.dedupe_key = 'window_closing:' || w.id || ':' || i.enterprise_id) \
                 ORDER BY w.id, i.enterprise_id",
            )
            .bind(day(today))
            .bind(day(plus_days(today, WINDOW_CLOSING_DAYS)))
            .fetch_all(&mut *conn)
            .await?
        };
        let mut due = Vec::with_capacity(rows.len());
        for row in &rows {
            let window_id: String = row.try_get("window_id")?;
            let enterprise_id: String = row.try_get("enterprise_id")?;
            let tier: String = row.try_get("tier")?;
            let tier = Tier::from_code(&tier)
                .ok_or_else(|| ServiceError::internal(format!("unknown tier {tier:?}")))?
                .name();
            let end = parse_day(&row.try_get::<String, _>("end_date")?)?;
            let left = days_until(today, end);
            due.push(Due {
                dedupe_key: format!("window_closing:{window_id}:{enterprise_id}"),
                enterprise_id,
                title: Text::new(
                    format!("{}申报将于 {end} 截止", tier.zh),
                    format!("{} declarations close on {end}", tier.en),
                ),
                body: Text::new(
                    format!(
                        "贵企业有尚未提交的{}申报（暂存或已撤回），申报将于 {end} 截止（还有 {left} 天）。\
                         截止后将无法提交，请尽快完成并提交。",
                        tier.zh
                    ),
                    format!(
                        "Your enterprise has a {} declaration that is not submitted (draft or \
                         withdrawn). Declarations close on {end}, {left} day(s) from now; after \
                         that it cannot be submitted.",
                        tier.en
                    ),
                ),
            });
        }
        Ok(due)
    }

    /// Posts `due` in chunks of [`CHUNK`], each chunk one write transaction with an audit row;
    /// returns how many were posted (a key posted meanwhile by another run is skipped).
    async fn post_due(
        &self,
        category: Category,
        kind: &str,
        today: NaiveDate,
        due: Vec<Due>,
    ) -> ServiceResult<u64> {
        let mut posted = 0;
        for chunk in due.chunks(CHUNK) {
            let mut w = self.write().await?;
            let mut n: u64 = 0;
            for d in chunk {
                let to = Recipient::Enterprise(d.enterprise_id.clone());
                if messages::post(
                    &mut w,
                    &to,
                    category,
                    &d.title,
                    &d.body,
                    Some(&d.dedupe_key),
                )
                .await?
                {
                    n += 1;
                }
            }
            if n > 0 {
                audit(
                    &mut w,
                    &Who::system(),
                    "reminders.post",
                    "message",
                    None,
                    json!({"kind": kind, "today": day(today), "posted": n}),
                )
                .await?;
            }
            w.commit().await?;
            posted += n;
        }
        Ok(posted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_pick_the_latest_reached() {
        let s = [90, 30, 7];
        assert_eq!(stage(&s, 91), None);
        assert_eq!(stage(&s, 90), Some(90));
        assert_eq!(stage(&s, 31), Some(90));
        assert_eq!(stage(&s, 30), Some(30));
        assert_eq!(stage(&s, 8), Some(30));
        assert_eq!(stage(&s, 7), Some(7));
        assert_eq!(stage(&s, 0), Some(7));
        assert_eq!(stage(&s, -1), None);
    }

    #[test]
    fn year_start_is_midnight_in_china() {
        let t: chrono::DateTime<Utc> = crate::store::from_ms(year_start_ms(2025));
        assert_eq!(t.to_rfc3339(), "2024-12-31T16:00:00+00:00");
    }
}
