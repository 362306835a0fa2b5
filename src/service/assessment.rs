//! The digital-level assessment (中小企业数字化水平评测, DOMAIN.md §3): start the questionnaire
//! the enterprise's industry selects (or, for a natural person, the one chosen), save answers as
//! they come, complete, read the history.
//!
//! Rules:
//! - a legal-person account with a verified enterprise takes the questionnaire of its 所属行业
//!   ([`Industries::category`]); a natural-person account chooses one; staff take none;
//! - one open (uncompleted) attempt per account: starting again resumes it; an open attempt of
//!   another questionnaire must be completed or discarded first;
//! - answers are checked against the questionnaire (question ids, option indices) and merged
//!   into the stored ones; every save and the completion carry the attempt's version;
//! - completion needs every question answered; it stores the total (rounded to one decimal,
//!   never across a level edge), the level and the per-dimension result; no message is posted;
//! - the latest completed attempt is the one that counts ([`facts::latest_assessment`]), even
//!   when it is lower than an earlier one;
//! - the owner reads its attempts; staff whose scope contains the enterprise's 注册地 read an
//!   enterprise's attempts; nobody else.

use crate::domain::assessment::{
    self, AnswerOption, Answers, AssessmentError, AssessmentResult, Progress, Questionnaire,
    indicator5_points, round_total,
};
use crate::domain::industries::Industries;
use crate::domain::text::{Localized, Text};
use crate::domain::tiers::{AssessmentCategory, DigitalLevel};
use crate::service::audit::{Who, audit};
use crate::service::authz;
use crate::service::clock::china_minutes;
use crate::service::enterprise::{last_actor, require_reader};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::facts;
use crate::service::paging::{Cursor, Order, Page, PageRequest, Sql, keyset};
use crate::service::session::{AccountKind, Session};
use crate::service::validate::Fields;
use crate::service::{Service, Write};
use crate::store::{Conn, from_ms, ms, new_id};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;

/// Answers as a caller sends them: question id → option index (0, 1, 2 …). Wider than the
/// stored [`Answers`] so that a negative or huge index is a field error, not a parse failure.
pub type AnswerInput = BTreeMap<String, i64>;

/// An attempt in a history list.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct AssessmentSummary {
    pub id: String,
    pub account_id: String,
    pub enterprise_id: Option<String>,
    pub category: AssessmentCategory,
    pub category_name: Text,
    pub questionnaire_id: String,
    pub questionnaire_version: String,
    pub started_at: DateTime<Utc>,
    /// `None` while the attempt is open (resumable).
    pub completed_at: Option<DateTime<Utc>>,
    /// The total (0–100, one decimal) of a completed attempt.
    pub total: Option<f64>,
    /// The level of a completed attempt (`None` below 20 points, or while open).
    pub level: Option<DigitalLevel>,
    pub level_name: Option<Text>,
    /// Whether this is the latest completed attempt — the one that counts.
    pub counts: bool,
    pub version: i64,
}

/// One attempt in full.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct AssessmentDetail {
    #[serde(flatten)]
    pub summary: AssessmentSummary,
    pub questionnaire_title: Text,
    /// Question id → the index of the chosen option.
    #[schema(value_type = BTreeMap<String, u8>)]
    pub answers: Answers,
    /// Answered / total questions per dimension.
    pub progress: Progress,
    /// Per-dimension result of a completed attempt.
    pub result: Option<AssessmentResult>,
    /// For a completed attempt of an enterprise: the points of 专精特新 indicator 5 (数字化水平)
    /// its level earns.
    pub indicator5_points: Option<u32>,
}

/// What a save returns.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct SavedAnswers {
    pub id: String,
    /// The attempt's version after the save (send it with the next save).
    pub version: i64,
    /// How many answers this save set.
    pub saved: usize,
    pub progress: Progress,
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct AttemptRow {
    id: String,
    account_id: String,
    enterprise_id: Option<String>,
    category: AssessmentCategory,
    questionnaire_id: String,
    questionnaire_version: String,
    answers: Answers,
    started_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    total: Option<f64>,
    level: Option<DigitalLevel>,
    result: Option<AssessmentResult>,
    version: i64,
}

const ATTEMPT_COLUMNS: &str = "id, account_id, enterprise_id, category, questionnaire_id, \
     questionnaire_version, answers, started_at, completed_at, total, level, result, version";

fn attempt_from_row(row: &AnyRow) -> ServiceResult<AttemptRow> {
    let category: String = row.try_get("category")?;
    let answers: String = row.try_get("answers")?;
    let result: Option<String> = row.try_get("result")?;
    Ok(AttemptRow {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        category: AssessmentCategory::from_code(&category)
            .ok_or_else(|| ServiceError::internal(format!("unknown category {category:?}")))?,
        questionnaire_id: row.try_get("questionnaire_id")?,
        questionnaire_version: row.try_get("questionnaire_version")?,
        answers: serde_json::from_str(&answers)?,
        started_at: from_ms(row.try_get("started_at")?),
        completed_at: row.try_get::<Option<i64>, _>("completed_at")?.map(from_ms),
        total: row.try_get("total")?,
        level: row
            .try_get::<Option<i64>, _>("level")?
            .and_then(|l| u8::try_from(l).ok())
            .and_then(DigitalLevel::from_number),
        result: result.as_deref().map(serde_json::from_str).transpose()?,
        version: row.try_get("version")?,
    })
}

async fn load(conn: &mut Conn, id: &str) -> ServiceResult<AttemptRow> {
    let sql = format!("SELECT {ATTEMPT_COLUMNS} FROM assessments WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found(Text::new("该次评测", "the assessment attempt")))?;
    attempt_from_row(&row)
}

async fn open_attempt(conn: &mut Conn, account_id: &str) -> ServiceResult<Option<AttemptRow>> {
    let sql = format!(
        "SELECT {ATTEMPT_COLUMNS} FROM assessments WHERE account_id = $1 \
         AND completed_at IS NULL ORDER BY started_at DESC, id DESC LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(attempt_from_row).transpose()
}

/// The id of the attempt that counts for the owner of `row`: the enterprise's latest completed
/// one, or (natural person) the account's.
async fn counting_id(
    conn: &mut Conn,
    enterprise_id: Option<&str>,
    account_id: &str,
) -> ServiceResult<Option<String>> {
    if let Some(e) = enterprise_id {
        return Ok(facts::latest_assessment(conn, e).await?.map(|l| l.id));
    }
    let row = sqlx::query(
        "SELECT id FROM assessments WHERE account_id = $1 AND enterprise_id IS NULL \
         AND completed_at IS NOT NULL ORDER BY completed_at DESC, id DESC LIMIT 1",
    )
    .bind(account_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

impl AttemptRow {
    fn summary(&self, counting: Option<&str>) -> AssessmentSummary {
        AssessmentSummary {
            id: self.id.clone(),
            account_id: self.account_id.clone(),
            enterprise_id: self.enterprise_id.clone(),
            category: self.category,
            category_name: self.category.name(),
            questionnaire_id: self.questionnaire_id.clone(),
            questionnaire_version: self.questionnaire_version.clone(),
            started_at: self.started_at,
            completed_at: self.completed_at,
            total: self.total,
            level: self.level,
            level_name: self.level.map(DigitalLevel::name),
            counts: counting == Some(self.id.as_str()),
            version: self.version,
        }
    }

    fn is_open(&self) -> bool {
        self.completed_at.is_none()
    }
}

async fn detail(conn: &mut Conn, row: AttemptRow) -> ServiceResult<AssessmentDetail> {
    let counting = counting_id(conn, row.enterprise_id.as_deref(), &row.account_id).await?;
    let q = Questionnaire::builtin(row.category);
    let progress = assessment::partial(q, &row.answers).map_err(ServiceError::internal)?;
    let completed = !row.is_open();
    Ok(AssessmentDetail {
        summary: row.summary(counting.as_deref()),
        questionnaire_title: q.title().clone(),
        progress,
        indicator5_points: (completed && row.enterprise_id.is_some())
            .then(|| indicator5_points(row.level)),
        answers: row.answers,
        result: row.result,
    })
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

fn takers_only() -> ServiceError {
    ServiceError::forbidden(Text::new(
        "只有企业（法人账户）和自然人账户可以参加数字化水平评测。",
        "Only enterprises (legal-person accounts) and natural-person accounts take the \
         digital-level assessment.",
    ))
}

/// A legal-person or natural-person account.
fn require_taker(session: &Session) -> ServiceResult<()> {
    match session.kind {
        AccountKind::Legal | AccountKind::Natural => Ok(()),
        _ => Err(takers_only()),
    }
}

fn require_owner(session: &Session, row: &AttemptRow) -> ServiceResult<()> {
    if row.account_id == session.account_id {
        Ok(())
    } else {
        Err(ServiceError::forbidden(Text::new(
            "这不是您的评测，只有评测人本人可以作答或提交。",
            "This is not your assessment; only the account that started it can answer or \
             complete it.",
        )))
    }
}

fn require_open(row: &AttemptRow) -> ServiceResult<()> {
    match row.completed_at {
        None => Ok(()),
        Some(at) => Err(ServiceError::rule(
            "assessment_completed",
            Text::new(
                format!(
                    "该次评测已于 {} 完成，答案不能再修改；如需重新评测，请开始新的评测（以最近一次完成的评测为准）。",
                    china_minutes(at)
                ),
                format!(
                    "This assessment was completed at {} (Beijing time) and can no longer be \
                     changed; start a new one to be assessed again (the latest completed one \
                     counts).",
                    china_minutes(at)
                ),
            ),
        )),
    }
}

async fn check_version(conn: &mut Conn, row: &AttemptRow, expected: i64) -> ServiceResult<()> {
    if row.version == expected {
        return Ok(());
    }
    let (by, at) = last_actor(conn, "assessment", &row.id).await?;
    Err(ServiceError::Conflict {
        current_version: row.version,
        by,
        at,
    })
}

/// The questionnaire of an attempt, which must still be the built-in one it was started with.
fn questionnaire_of(row: &AttemptRow) -> ServiceResult<&'static Questionnaire> {
    let q = Questionnaire::builtin(row.category);
    if q.id() == row.questionnaire_id && q.version() == row.questionnaire_version {
        Ok(q)
    } else {
        Err(ServiceError::rule(
            "questionnaire_outdated",
            Text::new(
                format!(
                    "该次评测使用的问卷版本 {} 已更新为 {}，请放弃该次评测并重新开始。",
                    row.questionnaire_version,
                    q.version()
                ),
                format!(
                    "The questionnaire of this attempt (version {}) has been replaced by version \
                     {}; discard the attempt and start again.",
                    row.questionnaire_version,
                    q.version()
                ),
            ),
        ))
    }
}

/// The questionnaire category of the enterprise's 所属行业; a field error naming 所属行业 when
/// it is not set.
async fn enterprise_category(
    conn: &mut Conn,
    enterprise_id: &str,
) -> ServiceResult<AssessmentCategory> {
    let class: Option<String> = sqlx::query("SELECT industry_code FROM enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| ServiceError::not_found(Text::new("该企业", "the enterprise")))?
        .try_get("industry_code")?;
    let class = class.filter(|c| !c.trim().is_empty()).ok_or_else(|| {
        ServiceError::invalid(
            "industry_code",
            Text::new(
                "请先在企业信息中填写所属行业（国民经济行业小类）：数字化水平评测的问卷由所属行业决定。",
                "Fill in the enterprise's industry (所属行业, a GB/T 4754 class) in the \
                 enterprise information first: it decides the assessment questionnaire.",
            ),
        )
    })?;
    Industries::builtin()
        .category(&class)
        .ok_or_else(|| ServiceError::internal(format!("stored industry {class:?} is no class")))
}

fn class_label(class: &str) -> String {
    Industries::builtin()
        .get(class)
        .map(|i| format!("{} {}", i.code, i.name))
        .unwrap_or_else(|| class.to_string())
}

/// Checks answers against the questionnaire: every unknown question and every option out of
/// range is a field error `answers.<question id>`.
fn check_answers(q: &Questionnaire, input: &AnswerInput) -> ServiceResult<Answers> {
    let mut f = Fields::default();
    let mut out = Answers::new();
    for (id, &index) in input {
        let field = format!("answers.{id}");
        let Some(question) = q.question(id) else {
            let t = AssessmentError::UnknownQuestion { id: id.clone() }.text();
            f.push(
                &field,
                Text::new(
                    format!("{}（{}）。", t.zh, q.title().zh),
                    format!("{} ({}).", capitalise(&t.en), q.title().en),
                ),
            );
            continue;
        };
        let options: &[AnswerOption] = &question.options;
        match u8::try_from(index) {
            Ok(i) if usize::from(i) < options.len() => {
                out.insert(id.clone(), i);
            }
            _ => {
                let last = options.len() - 1;
                f.push(
                    &field,
                    Text::new(
                        format!(
                            "题目 {id}「{}」没有序号为 {index} 的选项，有效序号为 0–{last}。",
                            question.title.zh
                        ),
                        format!(
                            "Question {id} (\"{}\") has no option {index}; valid options are \
                             0–{last}.",
                            question.title.en
                        ),
                    ),
                );
            }
        }
    }
    f.finish()?;
    Ok(out)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

impl Service {
    /// The questionnaire of a category (public: the questions and options to show).
    pub fn questionnaire(&self, category: AssessmentCategory) -> &'static Questionnaire {
        Questionnaire::builtin(category)
    }

    /// Starts (or resumes) the caller's assessment. A legal-person account takes the
    /// questionnaire of its enterprise's 所属行业 (refused with a field error on `industry_code`
    /// while it is not set); a natural-person account must choose one with
    /// [`Service::start_assessment_for_category`].
    pub async fn start_assessment(&self, session: &Session) -> ServiceResult<AssessmentDetail> {
        match session.kind {
            AccountKind::Legal => {
                let enterprise_id = authz::require_enterprise(session)?.to_string();
                let mut w = self.write().await?;
                let category = enterprise_category(&mut w, &enterprise_id).await?;
                start(w, session, Some(enterprise_id), category).await
            }
            AccountKind::Natural => Err(ServiceError::invalid(
                "category",
                Text::new(
                    "自然人账户请选择评测问卷：制造业、生产性服务业或其他行业。",
                    "A natural-person account chooses the questionnaire: manufacturing, producer \
                     services or other industries.",
                ),
            )),
            _ => Err(takers_only()),
        }
    }

    /// Starts (or resumes) an assessment with an explicitly chosen questionnaire: for a natural
    /// person. A legal-person account may only choose the one its 所属行业 selects.
    pub async fn start_assessment_for_category(
        &self,
        session: &Session,
        category: AssessmentCategory,
    ) -> ServiceResult<AssessmentDetail> {
        require_taker(session)?;
        if session.kind == AccountKind::Natural {
            let w = self.write().await?;
            return start(w, session, None, category).await;
        }
        let enterprise_id = authz::require_enterprise(session)?.to_string();
        let mut w = self.write().await?;
        let own = enterprise_category(&mut w, &enterprise_id).await?;
        if own != category {
            let class: String = sqlx::query("SELECT industry_code FROM enterprises WHERE id = $1")
                .bind(&enterprise_id)
                .fetch_one(&mut *w)
                .await?
                .try_get("industry_code")?;
            let (class, own_name, chosen) = (class_label(&class), own.name(), category.name());
            return Err(ServiceError::invalid(
                "category",
                Text::new(
                    format!(
                        "企业的评测问卷由所属行业决定：{class} 对应“{}”问卷，不能选择“{}”。",
                        own_name.zh, chosen.zh
                    ),
                    format!(
                        "An enterprise's questionnaire follows its industry: {class} takes the \
                         {} questionnaire, not {}.",
                        own_name.en, chosen.en
                    ),
                ),
            ));
        }
        start(w, session, Some(enterprise_id), category).await
    }

    /// Saves some answers into an open attempt (merged with the stored ones); returns the new
    /// version and the progress per dimension.
    pub async fn save_answers(
        &self,
        session: &Session,
        assessment_id: &str,
        expected_version: i64,
        answers: &AnswerInput,
    ) -> ServiceResult<SavedAnswers> {
        require_taker(session)?;
        let mut w = self.write().await?;
        let row = load(&mut w, assessment_id).await?;
        require_owner(session, &row)?;
        require_open(&row)?;
        check_version(&mut w, &row, expected_version).await?;
        let q = questionnaire_of(&row)?;
        let new = check_answers(q, answers)?;
        let mut merged = row.answers.clone();
        merged.extend(new.iter().map(|(k, v)| (k.clone(), *v)));
        let progress = assessment::partial(q, &merged).map_err(ServiceError::internal)?;
        if new.is_empty() {
            return Ok(SavedAnswers {
                id: row.id,
                version: row.version,
                saved: 0,
                progress,
            });
        }
        let now = w.now_ms();
        let done = sqlx::query(
            "UPDATE assessments SET answers = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3 AND version = $4 AND completed_at IS NULL",
        )
        .bind(serde_json::to_string(&merged)?)
        .bind(now)
        .bind(&row.id)
        .bind(row.version)
        .execute(&mut *w)
        .await?;
        if done.rows_affected() != 1 {
            return Err(ServiceError::internal(
                "assessment changed inside the writer",
            ));
        }
        audit(
            &mut w,
            &Who::from(session),
            "assessment.save",
            "assessment",
            Some(&row.id),
            json!({"answers": new, "answered": progress.answered, "of": progress.total}),
        )
        .await?;
        w.commit().await?;
        Ok(SavedAnswers {
            id: row.id,
            version: row.version + 1,
            saved: new.len(),
            progress,
        })
    }

    /// Completes an open attempt: every question must be answered (else a field error on the
    /// first unanswered question, saying how many are missing). Stores the total, the level and
    /// the per-dimension result. Posts no message.
    pub async fn complete_assessment(
        &self,
        session: &Session,
        assessment_id: &str,
        expected_version: i64,
    ) -> ServiceResult<AssessmentDetail> {
        require_taker(session)?;
        let mut w = self.write().await?;
        let row = load(&mut w, assessment_id).await?;
        require_owner(session, &row)?;
        require_open(&row)?;
        check_version(&mut w, &row, expected_version).await?;
        let q = questionnaire_of(&row)?;
        if let Some(enterprise_id) = &row.enterprise_id {
            let now_category = enterprise_category(&mut w, enterprise_id).await?;
            if now_category != row.category {
                let (was, now) = (row.category.name(), now_category.name());
                return Err(ServiceError::rule(
                    "questionnaire_mismatch",
                    Text::new(
                        format!(
                            "企业的所属行业已变更，现应使用“{}”问卷，而该次评测使用“{}”问卷；请放弃该次评测并重新开始。",
                            now.zh, was.zh
                        ),
                        format!(
                            "The enterprise's industry has changed: it now takes the {} \
                             questionnaire, but this attempt uses the {} one; discard it and \
                             start again.",
                            now.en, was.en
                        ),
                    ),
                ));
            }
        }
        let result = match assessment::complete_score(q, &row.answers) {
            Ok(r) => r,
            Err(e @ AssessmentError::MissingAnswers { .. }) => {
                let AssessmentError::MissingAnswers { first, .. } = &e else {
                    unreachable!("matched above")
                };
                let t = e.text();
                return Err(ServiceError::invalid(
                    format!("answers.{first}"),
                    Text::new(format!("{}。", t.zh), format!("{}.", capitalise(&t.en))),
                ));
            }
            Err(e) => return Err(ServiceError::internal(e)),
        };
        let total = round_total(result.total);
        let now = w.now_ms();
        let done = sqlx::query(
            "UPDATE assessments SET completed_at = $1, total = $2, level = $3, result = $4, \
             updated_at = $1, version = version + 1 \
             WHERE id = $5 AND version = $6 AND completed_at IS NULL",
        )
        .bind(now)
        .bind(total)
        .bind(result.level.map(|l| i64::from(l.number())))
        .bind(serde_json::to_string(&result)?)
        .bind(&row.id)
        .bind(row.version)
        .execute(&mut *w)
        .await?;
        if done.rows_affected() != 1 {
            return Err(ServiceError::internal(
                "assessment changed inside the writer",
            ));
        }
        audit(
            &mut w,
            &Who::from(session),
            "assessment.complete",
            "assessment",
            Some(&row.id),
            json!({
                "category": row.category.code(),
                "total": total,
                "level": result.level.map(DigitalLevel::number),
            }),
        )
        .await?;
        let done = load(&mut w, &row.id).await?;
        let d = detail(&mut w, done).await?;
        w.commit().await?;
        Ok(d)
    }

    /// Discards the caller's open attempt (e.g. after the enterprise's industry changed). A
    /// completed attempt stays on record.
    pub async fn discard_assessment(
        &self,
        session: &Session,
        assessment_id: &str,
        expected_version: i64,
    ) -> ServiceResult<()> {
        require_taker(session)?;
        let mut w = self.write().await?;
        let row = load(&mut w, assessment_id).await?;
        require_owner(session, &row)?;
        require_open(&row)?;
        check_version(&mut w, &row, expected_version).await?;
        sqlx::query("DELETE FROM assessments WHERE id = $1 AND completed_at IS NULL")
            .bind(&row.id)
            .execute(&mut *w)
            .await?;
        audit(
            &mut w,
            &Who::from(session),
            "assessment.discard",
            "assessment",
            Some(&row.id),
            json!({"category": row.category.code(), "answered": row.answers.len()}),
        )
        .await?;
        w.commit().await
    }

    /// One attempt: its owner, or staff whose scope contains the enterprise's 注册地 (for an
    /// enterprise's attempt).
    pub async fn assessment(&self, session: &Session, id: &str) -> ServiceResult<AssessmentDetail> {
        let mut conn = self.read().await?;
        let row = load(&mut conn, id).await?;
        if row.account_id != session.account_id {
            match &row.enterprise_id {
                Some(e) => require_reader(&mut conn, session, e).await?,
                None => {
                    return Err(ServiceError::forbidden(Text::new(
                        "您无权查看他人的评测。",
                        "You may not see another person's assessment.",
                    )));
                }
            }
        }
        detail(&mut conn, row).await
    }

    /// The caller's attempts, newest first (an open one included, to resume).
    pub async fn assessments(
        &self,
        session: &Session,
        page: &PageRequest,
    ) -> ServiceResult<Page<AssessmentSummary>> {
        require_taker(session)?;
        let mut conn = self.read().await?;
        let counting = counting_id(
            &mut conn,
            session.enterprise_id.as_deref(),
            &session.account_id,
        )
        .await?;
        list(
            &mut conn,
            "account_id",
            &session.account_id,
            counting.as_deref(),
            page,
        )
        .await
    }

    /// An enterprise's attempts, newest first: the enterprise itself, or staff whose scope
    /// contains its 注册地.
    pub async fn enterprise_assessments(
        &self,
        session: &Session,
        enterprise_id: &str,
        page: &PageRequest,
    ) -> ServiceResult<Page<AssessmentSummary>> {
        let mut conn = self.read().await?;
        require_reader(&mut conn, session, enterprise_id).await?;
        let counting = facts::latest_assessment(&mut conn, enterprise_id)
            .await?
            .map(|l| l.id);
        list(
            &mut conn,
            "enterprise_id",
            enterprise_id,
            counting.as_deref(),
            page,
        )
        .await
    }
}

/// Starts an attempt in `w`, or returns the caller's open one of the same questionnaire.
async fn start(
    mut w: Write,
    session: &Session,
    enterprise_id: Option<String>,
    category: AssessmentCategory,
) -> ServiceResult<AssessmentDetail> {
    if let Some(open) = open_attempt(&mut w, &session.account_id).await? {
        if open.category == category {
            return detail(&mut w, open).await;
        }
        let (was, want) = (open.category.name(), category.name());
        let at = china_minutes(open.started_at);
        return Err(ServiceError::rule(
            "assessment_open",
            Text::new(
                format!(
                    "您有一份 {at} 开始的“{}”评测尚未完成。请先完成或放弃该次评测，再开始“{}”评测。",
                    was.zh, want.zh
                ),
                format!(
                    "You have an unfinished {} assessment started at {at} (Beijing time). \
                     Complete or discard it before starting a {} one.",
                    was.en, want.en
                ),
            ),
        ));
    }
    let q = Questionnaire::builtin(category);
    let id = new_id();
    let now = w.now_ms();
    sqlx::query(
        "INSERT INTO assessments (id, account_id, enterprise_id, category, questionnaire_id, \
         questionnaire_version, answers, started_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, '{}', $7, $7)",
    )
    .bind(&id)
    .bind(&session.account_id)
    .bind(enterprise_id.as_deref())
    .bind(category.code())
    .bind(q.id())
    .bind(q.version())
    .bind(now)
    .execute(&mut *w)
    .await?;
    audit(
        &mut w,
        &Who::from(session),
        "assessment.start",
        "assessment",
        Some(&id),
        json!({
            "category": category.code(),
            "questionnaire": q.id(),
            "version": q.version(),
            "enterprise_id": enterprise_id,
        }),
    )
    .await?;
    let row = load(&mut w, &id).await?;
    let d = detail(&mut w, row).await?;
    w.commit().await?;
    Ok(d)
}

/// Attempts whose `column` (`account_id` or `enterprise_id`, a literal) is `value`, newest first.
async fn list(
    conn: &mut Conn,
    column: &'static str,
    value: &str,
    counting: Option<&str>,
    page: &PageRequest,
) -> ServiceResult<Page<AssessmentSummary>> {
    let limit = page.limit();
    let mut q = Sql::new(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM assessments WHERE {column} = "
    ));
    q.bind(value.to_string());
    keyset(
        &mut q,
        "started_at",
        "id",
        Order::Desc,
        page.cursor()?.as_ref(),
        limit,
    );
    let rows = q.fetch_all(conn).await?;
    let items = rows
        .iter()
        .map(|r| attempt_from_row(r).map(|a| a.summary(counting)))
        .collect::<ServiceResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |s| {
        Cursor::new(ms(s.started_at), &s.id)
    }))
}
