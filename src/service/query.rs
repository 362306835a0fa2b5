//! The public certification query (企业认定查询): enterprise name + USCC + the answer to a
//! challenge → the enterprise's certifications. No session; the API layer passes a `client_key`
//! (the client address or terminal id) for the rate limit.
//!
//! - A challenge is a short sum a terminal can show ("7 + 5 = ?"), valid
//!   [`CHALLENGE_TTL`], stored hashed in `codes` (purpose `query_challenge`, target = the hash of
//!   the client key: a challenge only works for the client it was given to), and single use: a
//!   query consumes it whatever the answer, so an answer cannot be guessed twice on one challenge.
//! - The rate limit ([`QUERY_LIMIT`] queries per [`RATE_WINDOW`] per client; challenges
//!   separately, [`CHALLENGE_LIMIT`]) is kept in the database (`rate_limits`, migration 6) rather
//!   than in the memory of one [`Service`]: several `zjtx serve` instances share one database, so
//!   an in-memory counter would multiply the limit by the number of instances and reset on every
//!   restart. One upsert per call (atomic on SQLite and PostgreSQL alike) in the write transaction
//!   the query needs anyway to consume its challenge. A fixed window per client: simple and one
//!   row per client, at the price of a burst of up to twice the limit across a window boundary.
//! - The answer never tells whether a USCC exists: a name that does not match reads exactly like
//!   an enterprise without certifications ("none found").
//!
//! Deliberate exception to "a failed call leaves no row behind": a query refused for a wrong,
//! expired or used challenge still commits the consumed challenge and the rate-limit count —
//! otherwise both could be retried for free. A call refused by the rate limit itself, or for
//! invalid input, writes nothing.

use crate::domain::ids::Uscc;
use crate::domain::text::{Localized, Text};
use crate::domain::tiers::Tier;
use crate::service::audit::{Who, audit};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::session::digest;
use crate::service::validate::{Fields, required};
use crate::service::{Service, Write};
use crate::store::{from_ms, ms, new_id};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

/// The `codes.purpose` of a query challenge.
pub const PURPOSE_QUERY_CHALLENGE: &str = "query_challenge";
/// How long a challenge can be answered.
pub const CHALLENGE_TTL: Duration = Duration::minutes(5);
/// Queries per client per [`RATE_WINDOW`].
pub const QUERY_LIMIT: i64 = 10;
/// Challenges per client per [`RATE_WINDOW`].
pub const CHALLENGE_LIMIT: i64 = 30;
/// The rate-limit window.
pub const RATE_WINDOW: Duration = Duration::minutes(10);
/// Rate-limit rows whose window started longer ago than this are pruned.
const RATE_ROW_RETENTION: Duration = Duration::days(1);
/// Longest client key accepted.
pub const CLIENT_KEY_MAX: usize = 200;

/// A challenge to show: `expression` is what a terminal prints ("7 + 5 = ?").
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Challenge {
    pub id: String,
    pub expression: String,
    pub prompt: Text,
    pub expires_at: DateTime<Utc>,
}

/// A certification query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    pub name: String,
    pub uscc: String,
    pub challenge_id: String,
    pub answer: String,
}

/// Where a certification stands, as the public sees it.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificationStatus {
    /// 有效
    Valid,
    /// 已过期
    Expired,
    /// 已取消
    Cancelled,
}

impl CertificationStatus {
    pub fn name(self) -> Text {
        match self {
            CertificationStatus::Valid => Text::new("有效", "valid"),
            CertificationStatus::Expired => Text::new("已过期", "expired"),
            CertificationStatus::Cancelled => Text::new("已取消", "cancelled"),
        }
    }
}

/// One certification in a query answer.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicCertification {
    pub tier: Tier,
    pub tier_name: Text,
    pub certified_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub status: CertificationStatus,
    pub status_name: Text,
    pub cancelled_on: Option<NaiveDate>,
    /// The certifying authority: the ministry for 小巨人, else the enterprise's provincial
    /// authority (a province, municipality or 计划单列市).
    pub authority: Text,
}

/// The answer of a query: the certifications found (newest first; empty = none found) and a
/// sentence saying so.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryAnswer {
    pub name: String,
    pub uscc: String,
    pub certifications: Vec<PublicCertification>,
    pub message: Text,
}

fn check_client_key(f: &mut Fields, client_key: &str) -> Option<String> {
    let key = client_key.trim();
    if key.is_empty() || key.chars().count() > CLIENT_KEY_MAX {
        f.push(
            "client_key",
            Text::new(
                "无法识别查询来源（客户端标识为空或过长）。",
                "The client cannot be identified (its key is empty or too long).",
            ),
        );
        return None;
    }
    Some(format!("client:{}", digest(key)))
}

/// Counts one request of `bucket` against `limit` per [`RATE_WINDOW`]; `Err(RateLimited)` once
/// the limit is passed, with the time until the window ends.
pub(crate) async fn rate_hit(w: &mut Write, bucket: &str, limit: i64) -> ServiceResult<()> {
    let now = w.now_ms();
    let window = RATE_WINDOW.num_milliseconds();
    let row = sqlx::query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
         hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
         window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 \
             ELSE rate_limits.window_start END \
         RETURNING window_start, hits",
    )
    .bind(bucket)
    .bind(now)
    .bind(now - window)
    .fetch_one(&mut **w)
    .await?;
    let start: i64 = row.try_get("window_start")?;
    let hits: i64 = row.try_get("hits")?;
    if hits > limit {
        let wait = (start + window - now).max(1_000);
        return Err(ServiceError::RateLimited {
            retry_after: std::time::Duration::from_millis(u64::try_from(wait).unwrap_or(1_000)),
        });
    }
    Ok(())
}

fn challenge_error(code: &'static str) -> ServiceError {
    let (zh, en) = match code {
        "challenge_wrong_answer" => (
            "验证题答案错误。请获取新的验证题后重新查询。",
            "The answer to the challenge is wrong. Get a new challenge and query again.",
        ),
        "challenge_expired" => {
            let m = CHALLENGE_TTL.num_minutes();
            return ServiceError::rule(
                code,
                Text::new(
                    format!("验证题已过期（有效期 {m} 分钟）。请获取新的验证题后重新查询。"),
                    format!(
                        "The challenge has expired (it is valid for {m} minutes). Get a new \
                         challenge and query again."
                    ),
                ),
            );
        }
        "challenge_used" => (
            "该验证题已使用过（每道题只能用于一次查询）。请获取新的验证题。",
            "This challenge was already used (each is good for one query). Get a new challenge.",
        ),
        _ => (
            "验证题不存在或不是发给本客户端的。请获取新的验证题。",
            "The challenge does not exist or was not issued to this client. Get a new challenge.",
        ),
    };
    ServiceError::rule(code, Text::new(zh, en))
}

/// Compares enterprise names: trimmed, with ASCII and full-width parentheses taken as the same
/// (business licences print （）, people type ()).
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().replace('(', "（").replace(')', "）");
    norm(a) == norm(b)
}

/// The name of the authority that certifies `tier` for an enterprise under `authority_code`.
fn certifying_authority(tier: Tier, authority_code: Option<&str>) -> Text {
    if tier == Tier::LittleGiant {
        return Text::new(
            "工业和信息化部",
            "Ministry of Industry and Information Technology",
        );
    }
    match authority_code {
        Some(code) => {
            let name = crate::domain::regions::Regions::builtin()
                .get(code)
                .map(|r| r.name.clone())
                .unwrap_or_else(|| code.to_string());
            Text::new(name.clone(), format!("{name} ({code})"))
        }
        None => Text::new("未登记", "not recorded"),
    }
}

fn parse_day(s: &str) -> ServiceResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(ServiceError::internal)
}

/// A random sum or difference of small numbers, and its result.
fn new_question() -> (String, i64) {
    let a: i64 = rand::random_range(1..=20);
    let b: i64 = rand::random_range(1..=20);
    if rand::random_bool(0.5) {
        (format!("{a} + {b} = ?"), a + b)
    } else {
        let (x, y) = (a.max(b), a.min(b));
        (format!("{x} - {y} = ?"), x - y)
    }
}

impl Service {
    /// A new challenge for `client_key` (public). Rate-limited per client.
    pub async fn query_challenge(&self, client_key: &str) -> ServiceResult<Challenge> {
        let mut f = Fields::default();
        let client = check_client_key(&mut f, client_key);
        f.finish()?;
        let client = client.unwrap_or_default();
        let mut w = self.write().await?;
        rate_hit(&mut w, &format!("challenge:{client}"), CHALLENGE_LIMIT).await?;
        let now = w.now;
        // This client's spent challenges, and long-finished rate windows of anyone.
        sqlx::query(
            "DELETE FROM codes WHERE purpose = $1 AND target = $2 \
             AND (expires_at <= $3 OR used_at IS NOT NULL)",
        )
        .bind(PURPOSE_QUERY_CHALLENGE)
        .bind(&client)
        .bind(ms(now))
        .execute(&mut *w)
        .await?;
        sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(ms(now - RATE_ROW_RETENTION))
            .execute(&mut *w)
            .await?;
        let (expression, answer) = new_question();
        let id = new_id();
        let expires_at = now + CHALLENGE_TTL;
        sqlx::query(
            "INSERT INTO codes (id, purpose, target, sent_to, code_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, 'terminal', $4, $5, $6)",
        )
        .bind(&id)
        .bind(PURPOSE_QUERY_CHALLENGE)
        .bind(&client)
        .bind(digest(&format!("{id}:{answer}")))
        .bind(ms(now))
        .bind(ms(expires_at))
        .execute(&mut *w)
        .await?;
        w.commit().await?;
        Ok(Challenge {
            prompt: Text::new(
                format!("请计算：{expression}"),
                format!("Work out: {expression}"),
            ),
            id,
            expression,
            expires_at,
        })
    }

    /// The certifications of the enterprise with this USCC and exactly this name (public), after
    /// the challenge; rate-limited per client. See the module documentation.
    pub async fn query_certifications(
        &self,
        client_key: &str,
        request: &QueryRequest,
    ) -> ServiceResult<QueryAnswer> {
        let mut f = Fields::default();
        let client = check_client_key(&mut f, client_key);
        let name = f.check(
            "name",
            required(
                &request.name,
                100,
                Text::new("企业名称", "the enterprise name"),
            ),
        );
        let uscc = f.check("uscc", Uscc::parse(&request.uscc).map_err(|e| e.text()));
        let challenge_id = request.challenge_id.trim();
        if challenge_id.is_empty() {
            f.push(
                "challenge_id",
                Text::new("请先获取验证题。", "Get a challenge first."),
            );
        }
        let answer = f.check(
            "answer",
            request.answer.trim().parse::<i64>().map_err(|_| {
                Text::new(
                    "请填写验证题的答案（一个整数）。",
                    "Enter the answer to the challenge (a whole number).",
                )
            }),
        );
        f.finish()?;
        let (Some(client), Some(name), Some(uscc), Some(answer)) = (client, name, uscc, answer)
        else {
            return Err(ServiceError::internal("query checked without values"));
        };

        let mut w = self.write().await?;
        rate_hit(&mut w, &format!("query:{client}"), QUERY_LIMIT).await?;
        if let Err(e) = consume_challenge(&mut w, &client, challenge_id, answer).await? {
            // The consumed challenge and the count stay: commit, then refuse.
            w.commit().await?;
            return Err(e);
        }

        let today = crate::service::clock::china_date(w.now);
        let enterprise =
            sqlx::query("SELECT id, name, authority_code FROM enterprises WHERE uscc = $1")
                .bind(uscc.as_str())
                .fetch_optional(&mut *w)
                .await?;
        let (enterprise_id, authority_code) = match enterprise {
            Some(row) if same_name(&row.try_get::<String, _>("name")?, &name) => (
                Some(row.try_get::<String, _>("id")?),
                row.try_get::<Option<String>, _>("authority_code")?,
            ),
            _ => (None, None),
        };
        let mut certifications = Vec::new();
        if let Some(id) = &enterprise_id {
            let rows = sqlx::query(
                "SELECT tier, certified_on, expires_on, status, cancelled_on FROM certifications \
                 WHERE enterprise_id = $1 ORDER BY certified_on DESC, tier, id",
            )
            .bind(id)
            .fetch_all(&mut *w)
            .await?;
            for row in &rows {
                let tier: String = row.try_get("tier")?;
                let tier = Tier::from_code(&tier)
                    .ok_or_else(|| ServiceError::internal(format!("unknown tier {tier:?}")))?;
                let expires_on = parse_day(&row.try_get::<String, _>("expires_on")?)?;
                let status: String = row.try_get("status")?;
                let status = match status.as_str() {
                    "cancelled" => CertificationStatus::Cancelled,
                    "expired" => CertificationStatus::Expired,
                    _ if expires_on < today => CertificationStatus::Expired,
                    _ => CertificationStatus::Valid,
                };
                certifications.push(PublicCertification {
                    tier,
                    tier_name: tier.name(),
                    certified_on: parse_day(&row.try_get::<String, _>("certified_on")?)?,
                    expires_on,
                    status,
                    status_name: status.name(),
                    cancelled_on: row
                        .try_get::<Option<String>, _>("cancelled_on")?
                        .map(|d| parse_day(&d))
                        .transpose()?,
                    authority: certifying_authority(tier, authority_code.as_deref()),
                });
            }
        }
        audit(
            &mut w,
            &Who::anonymous(&client[..client.len().min(19)]),
            "query.certifications",
            "enterprise",
            enterprise_id.as_deref(),
            json!({"uscc": uscc.as_str(), "found": certifications.len()}),
        )
        .await?;
        w.commit().await?;
        let n = certifications.len();
        let message = if n == 0 {
            Text::new(
                "未查询到认定记录。请核对企业名称（须与营业执照一致）和统一社会信用代码。",
                "No certification found. Check that the enterprise name (exactly as on the \
                 business licence) and the unified social credit code are right.",
            )
        } else {
            Text::new(
                format!("查询到 {n} 条认定记录。"),
                format!("{n} certification record(s) found."),
            )
        };
        Ok(QueryAnswer {
            name,
            uscc: uscc.as_str().to_string(),
            certifications,
            message,
        })
    }
}

/// Checks and consumes the challenge: `Ok(Err(_))` for a refusal that must still be committed.
async fn consume_challenge(
    w: &mut Write,
    client: &str,
    challenge_id: &str,
    answer: i64,
) -> ServiceResult<Result<(), ServiceError>> {
    let row = sqlx::query(
        "SELECT id, target, code_hash, expires_at, used_at FROM codes \
         WHERE id = $1 AND purpose = $2",
    )
    .bind(challenge_id)
    .bind(PURPOSE_QUERY_CHALLENGE)
    .fetch_optional(&mut **w)
    .await?;
    let Some(row) =
        row.filter(|r| r.try_get::<String, _>("target").ok().as_deref() == Some(client))
    else {
        return Ok(Err(challenge_error("challenge_unknown")));
    };
    if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
        return Ok(Err(challenge_error("challenge_used")));
    }
    if from_ms(row.try_get("expires_at")?) <= w.now {
        return Ok(Err(challenge_error("challenge_expired")));
    }
    sqlx::query("UPDATE codes SET used_at = $1, attempts = attempts + 1 WHERE id = $2")
        .bind(w.now_ms())
        .bind(challenge_id)
        .execute(&mut **w)
        .await?;
    let stored: String = row.try_get("code_hash")?;
    if stored != digest(&format!("{challenge_id}:{answer}")) {
        return Ok(Err(challenge_error("challenge_wrong_answer")));
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_trimmed_with_either_parentheses() {
        assert!(same_name(
            " 深圳市某某（集团）有限公司 ",
            "深圳市某某(集团)有限公司"
        ));
        assert!(!same_name("深圳市某某有限公司", "深圳市某某科技有限公司"));
    }

    #[test]
    fn questions_are_small_and_answerable() {
        for _ in 0..200 {
            let (q, a) = new_question();
            let parts: Vec<&str> = q.split(' ').collect();
            let (x, y): (i64, i64) = (parts[0].parse().unwrap(), parts[2].parse().unwrap());
            let expected = if parts[1] == "+" { x + y } else { x - y };
            assert_eq!(a, expected, "{q}");
            assert!((0..=40).contains(&a));
        }
    }
}
