//! 复核 — the review of a certification at its expiry (DOMAIN.md §5).
//!
//! 1. The product proposes candidates ([`Service::review_candidates`]): certifications of a tier
//!    expiring in the year, each with the four facts of [`calendar::review_candidacy`] — expires
//!    this year; this year's info update done or not required; no late major change (dated
//!    since the certification was granted, reported late or overdue unreported); not cancelled.
//! 2. The province admin of the enterprise's authority (the ministry admin for 小巨人) sets or
//!    clears 满足复核条件 in bulk ([`Service::set_review_flags`]), each certification checked and
//!    audited on its own; the proposal is advice, the admin decides.
//! 3. A flagged enterprise applies ([`Service::apply_reexam`]): an item of kind `review` is
//!    submitted through the review chain of its tier ([`facts::chain_for`]) and goes through the
//!    normal review queue. A returned or withdrawn application is resubmitted by applying again.
//! 4. On the final pass (`on_final_pass`) the certification is extended by 3 years
//!    ([`calendar::extend_after_review`]), its flag cleared, and the enterprise told (认定到期).
//!
//! | use case | who |
//! |---|---|
//! | [`Service::review_candidates`], [`Service::set_review_flags`] | province admin of the authority; ministry admin for 小巨人 |
//! | [`Service::reexam_status`], [`Service::apply_reexam`], [`Service::withdraw_reexam`] | the enterprise |
//! | [`Service::pass_reexam`] | the reviewer of the application's current level, in scope |

use crate::domain::calendar::{self, Candidacy, CandidacyFacts, review_candidacy};
use crate::domain::rules::Ruleset;
use crate::domain::text::Text;
use crate::domain::tiers::Tier;
use crate::domain::workflow::{Action, OfferedAction, OwnerAction, State};
use crate::service::audit::{Who, audit};
use crate::service::authz;
use crate::service::certifications::{
    self, CERT_SELECT, CertStatus, Certification, active_certifications, cert_conflict,
    cert_from_row, day, last_actor, load_item, require_active, require_any_admin,
    require_certifying_admin, require_owner, tell,
};
use crate::service::changes::has_late_change;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::facts;
use crate::service::items::{self, Item, ItemFacts, ItemKind, NewItem};
use crate::service::messages::Category;
use crate::service::paging::{Cursor, Order, Page, PageRequest, Sql, keyset};
use crate::service::session::Session;
use crate::service::updates::done_or_not_required;
use crate::service::validate::Fields;
use crate::service::{Service, Write};
use crate::store::Conn;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

/// The most certifications one bulk flag call takes.
pub const MAX_FLAG_BATCH: usize = 500;

/// A proposed 复核 candidate: a certification and the facts for and against it.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub certification: Certification,
    pub candidacy: Candidacy,
}

/// The outcome of one certification in [`Service::set_review_flags`].
#[derive(Debug, Clone, PartialEq)]
pub struct FlagOutcome {
    pub cert_id: String,
    /// The certification after the call, or why it was refused.
    pub result: ServiceResult<Certification>,
    /// The flag changed (false when it already had the asked value, or on a refusal).
    pub changed: bool,
}

/// The 复核 situation of one of the caller's certifications.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct ReexamStatus {
    pub tier: Tier,
    pub certification: Certification,
    /// 满足复核条件 is set.
    pub flagged: bool,
    /// [`Service::apply_reexam`] would be accepted now.
    pub can_apply: bool,
    /// Why not (empty when it can apply): the missing flag with the unmet facts, or the state of
    /// the current application.
    pub why_not: Vec<Text>,
    /// The product's proposal, as the authority sees it.
    pub candidacy: Candidacy,
    /// The application for the current validity period, if any.
    pub application: Option<Item>,
}

/// The four candidacy facts of a certification on `today`.
async fn candidacy_of(
    conn: &mut Conn,
    cert: &Certification,
    today: NaiveDate,
) -> ServiceResult<Candidacy> {
    let update_ok = done_or_not_required(conn, &cert.enterprise_id, today).await?;
    let late = has_late_change(conn, &cert.enterprise_id, cert.certified_on, today).await?;
    Ok(review_candidacy(&CandidacyFacts {
        expires_on: cert.expires_on,
        today,
        update_done_this_year_or_not_required: update_ok,
        has_late_change: late,
        cancelled: cert.status == CertStatus::Cancelled,
    }))
}

/// The application for the certification's current validity period (an approved one extended
/// the validity, so it belongs to the previous period).
async fn current_application(conn: &mut Conn, cert: &Certification) -> ServiceResult<Option<Item>> {
    let row = sqlx::query(
        "SELECT id FROM items WHERE kind = 'review' AND certification_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(&cert.id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let item = items::load(conn, &row.try_get::<String, _>("id")?).await?;
    let for_period = item.payload.get("expires_on").and_then(|v| v.as_str());
    Ok((for_period == Some(day(cert.expires_on).as_str())).then_some(item))
}

/// The owner's actions on a 复核 application now: `withdraw` while no reviewer has acted, and
/// `resubmit` (applying again, [`Service::apply_reexam`]) of a returned or withdrawn application
/// while it is the current one of an active certification and nothing blocks applying (the
/// flag is still set …). An application is never edited or deleted.
pub(crate) async fn owner_actions(
    conn: &mut Conn,
    session: &Session,
    item: &Item,
    today: NaiveDate,
) -> ServiceResult<Vec<OfferedAction>> {
    if session.enterprise_id.as_deref() != Some(item.enterprise_id.as_str()) {
        return Ok(Vec::new());
    }
    let cert = active_certifications(conn, &item.enterprise_id, today)
        .await?
        .into_iter()
        .find(|c| c.tier == item.tier);
    let may_apply = match cert {
        Some(cert) if item.certification_id.as_deref() == Some(cert.id.as_str()) => {
            let current = current_application(conn, &cert).await?;
            current.as_ref().is_some_and(|a| a.id == item.id)
                && apply_block(&cert, current.as_ref()).is_none()
                && cert.authority_code.is_some()
        }
        _ => false,
    };
    // applying again is the application's prerequisite; there is no window
    let item_facts = ItemFacts {
        window_open: true,
        basic_info_complete: facts::basic_info_complete(conn, &item.enterprise_id).await?,
        prerequisites_met: may_apply,
        other_open_declaration: false,
        barred: false,
        submit_chain: None,
    };
    Ok(items::owner_actions(
        session,
        item,
        &item_facts,
        &[
            OwnerAction::Submit,
            OwnerAction::Resubmit,
            OwnerAction::Withdraw,
        ],
    ))
}

/// Why the enterprise may not apply now: (code, text).
fn apply_block(cert: &Certification, application: Option<&Item>) -> Option<(&'static str, Text)> {
    if cert.status != CertStatus::Active {
        return Some((
            "certification_not_active",
            Text::new(
                format!(
                    "该认定当前状态为“{}”，不能申请复核。",
                    cert.status.name().zh
                ),
                format!(
                    "This certification is {}; it cannot be reviewed.",
                    cert.status.name().en
                ),
            ),
        ));
    }
    match application.map(|a| a.state) {
        Some(State::Submitted(_) | State::InReview(_)) => {
            return Some((
                "reexam_in_progress",
                Text::new(
                    "复核申请已提交，正在审核中。",
                    "The review application has been submitted and is being reviewed.",
                ),
            ));
        }
        Some(State::Rejected) => {
            return Some((
                "reexam_rejected",
                Text::new(
                    "本期复核申请未通过，流程已结束。",
                    "The review application for this period was rejected; the process is over.",
                ),
            ));
        }
        _ => {}
    }
    if !cert.review_flag {
        let by = if cert.tier == Tier::LittleGiant {
            Text::new("工业和信息化部", "the ministry")
        } else {
            Text::new("省级主管部门", "the provincial authority")
        };
        return Some((
            "not_flagged",
            Text::new(
                format!("{}尚未将贵企业设为“满足复核条件”，暂不能申请复核。", by.zh),
                format!(
                    "{} has not marked your enterprise as eligible for review (满足复核条件); \
                     you cannot apply yet.",
                    capitalise(&by.en)
                ),
            ),
        ));
    }
    None
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The authority whose certifications of `tier` the session manages: `None` = national (the
/// ministry, for 小巨人).
fn managed_authority(session: &Session, tier: Tier) -> ServiceResult<Option<String>> {
    require_certifying_admin(session, tier, session.region_code.as_deref())?;
    Ok(if tier == Tier::LittleGiant {
        None
    } else {
        session.region_code.clone()
    })
}

/// Sets or clears the flag of one certification inside the batch's transaction; refusals
/// write nothing.
async fn flag_one(
    w: &mut Write,
    session: &Session,
    cert_id: &str,
    flag: bool,
) -> ServiceResult<(Certification, bool)> {
    let today = w.today();
    let cert = certifications::load(w, cert_id, today).await?;
    require_certifying_admin(session, cert.tier, cert.authority_code.as_deref())?;
    require_active(&cert)?;
    if cert.review_flag == flag {
        return Ok((cert, false));
    }
    let now = w.now_ms();
    let done = sqlx::query(
        "UPDATE certifications SET review_flag = $1, flagged_by = $2, flagged_at = $3, \
         updated_at = $4, version = version + 1 WHERE id = $5 AND version = $6",
    )
    .bind(i64::from(flag))
    .bind(flag.then(|| session.account_id.clone()))
    .bind(flag.then_some(now))
    .bind(now)
    .bind(&cert.id)
    .bind(cert.version)
    .execute(&mut **w)
    .await?;
    if done.rows_affected() != 1 {
        return Err(cert_conflict(w, &cert.id).await?);
    }
    audit(
        w,
        &Who::from(session),
        if flag {
            "certification.review_flag_set"
        } else {
            "certification.review_flag_cleared"
        },
        "certification",
        Some(&cert.id),
        json!({"enterprise_id": cert.enterprise_id, "tier": cert.tier.code(), "version": cert.version}),
    )
    .await?;
    let tier = cert.tier.name();
    let (title, body) = if flag {
        (
            Text::new("可以申请复核", "You may apply for review"),
            Text::new(
                format!(
                    "贵企业的{}认定（有效期至 {}）已被设为“满足复核条件”，请在“认证到期管理”中提交复核申请。",
                    tier.zh, cert.expires_on
                ),
                format!(
                    "Your {} certification (valid until {}) was marked eligible for review \
                     (满足复核条件); apply under certification expiry management.",
                    tier.en, cert.expires_on
                ),
            ),
        )
    } else {
        (
            Text::new("满足复核条件已取消", "Review eligibility withdrawn"),
            Text::new(
                format!("贵企业的{}认定的“满足复核条件”标记已被取消。", tier.zh),
                format!(
                    "The review eligibility (满足复核条件) of your {} certification was withdrawn.",
                    tier.en
                ),
            ),
        )
    };
    tell(w, &cert.enterprise_id, Category::Expiry, title, body).await?;
    let cert = certifications::load(w, &cert.id, today).await?;
    Ok((cert, true))
}

/// What the final pass of a 复核 application implies, in the deciding transaction: the
/// certification is extended by 3 years from the day after its current expiry, becomes active
/// again if the expiry job got to it meanwhile, its flag is cleared (audited), and the
/// enterprise is told. A certification cancelled meanwhile cannot be extended.
pub(crate) async fn on_final_pass(w: &mut Write, item: &Item) -> ServiceResult<()> {
    let cert_id = item.certification_id.as_deref().ok_or_else(|| {
        ServiceError::internal(format!("review {} without a certification", item.id))
    })?;
    let today = w.today();
    let cert = certifications::load(w, cert_id, today).await?;
    if cert.status == CertStatus::Cancelled {
        return Err(ServiceError::rule(
            "certification_cancelled",
            Text::new(
                "该认定已被取消，复核不能通过；请驳回该复核申请。",
                "The certification has been cancelled, so the review cannot pass; reject the \
                 application instead.",
            ),
        ));
    }
    if cert.status == CertStatus::Expired {
        let other = sqlx::query(
            "SELECT COUNT(*) AS n FROM certifications WHERE enterprise_id = $1 AND tier = $2 \
             AND status = 'active' AND id <> $3",
        )
        .bind(&cert.enterprise_id)
        .bind(cert.tier.code())
        .bind(&cert.id)
        .fetch_one(&mut **w)
        .await?;
        if other.try_get::<i64, _>("n")? > 0 {
            return Err(ServiceError::rule(
                "another_active_certification",
                Text::new(
                    "企业已持有同一层级的另一有效认定，不能再延长此认定。",
                    "The enterprise already holds another active certification of this tier; \
                     this one cannot be extended.",
                ),
            ));
        }
    }
    let extended = calendar::extend_after_review(cert.expires_on);
    let done = sqlx::query(
        "UPDATE certifications SET expires_on = $1, status = 'active', review_flag = 0, \
         flagged_by = NULL, flagged_at = NULL, item_id = $2, updated_at = $3, \
         version = version + 1 WHERE id = $4 AND version = $5",
    )
    .bind(day(extended))
    .bind(&item.id)
    .bind(w.now_ms())
    .bind(&cert.id)
    .bind(cert.version)
    .execute(&mut **w)
    .await?;
    if done.rows_affected() != 1 {
        return Err(cert_conflict(w, &cert.id).await?);
    }
    let who = last_actor(w, &item.id).await?;
    audit(
        w,
        &who,
        "certification.extend",
        "certification",
        Some(&cert.id),
        json!({
            "item_id": item.id,
            "from": day(cert.expires_on),
            "to": day(extended),
            "version": cert.version,
        }),
    )
    .await?;
    let tier = cert.tier.name();
    tell(
        w,
        &cert.enterprise_id,
        Category::Expiry,
        Text::new(
            format!("{}认定复核通过", tier.zh),
            format!("{} certification review passed", tier.en),
        ),
        Text::new(
            format!(
                "贵企业的{}认定复核通过，有效期由 {} 延长至 {extended}。",
                tier.zh, cert.expires_on
            ),
            format!(
                "Your {} certification passed its review (复核): it is now valid until \
                 {extended} (was {}).",
                tier.en, cert.expires_on
            ),
        ),
    )
    .await
}

impl Service {
    /// The certifications of `tier` in the caller's authority (national for 小巨人) expiring in
    /// `year`, active or cancelled, soonest first, each with the candidacy facts as of today.
    pub async fn review_candidates(
        &self,
        session: &Session,
        tier: Tier,
        year: i32,
        page: &PageRequest,
    ) -> ServiceResult<Page<Candidate>> {
        let authority = managed_authority(session, tier)?;
        let mut f = Fields::default();
        if !(2000..=2100).contains(&year) {
            f.push(
                "year",
                Text::new(
                    format!("年份应在 2000 至 2100 之间，当前为 {year}。"),
                    format!("The year must be from 2000 to 2100; got {year}."),
                ),
            );
        }
        f.finish()?;
        let today = self.today();
        let limit = page.limit();
        let mut q = Sql::new(CERT_SELECT);
        q.push(" WHERE c.tier = ").bind(tier.code());
        q.push(" AND c.expires_on >= ")
            .bind(format!("{year:04}-01-01"));
        q.push(" AND c.expires_on <= ")
            .bind(format!("{year:04}-12-31"));
        q.push(" AND c.status IN ('active', 'cancelled')");
        if let Some(a) = authority {
            q.push(" AND e.authority_code = ").bind(a);
        }
        keyset(
            &mut q,
            "c.expires_on",
            "c.id",
            Order::Asc,
            page.cursor()?.as_ref(),
            limit,
        );
        let mut conn = self.read().await?;
        let rows = q.fetch_all(&mut conn).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let cert = cert_from_row(row, today)?;
            let candidacy = candidacy_of(&mut conn, &cert, today).await?;
            out.push(Candidate {
                certification: cert,
                candidacy,
            });
        }
        Ok(Page::from_rows(out, limit, |c| {
            Cursor::new(day(c.certification.expires_on), &c.certification.id)
        }))
    }

    /// Sets (`flag`) or clears 满足复核条件 on each certification, each checked (authority,
    /// active) and audited on its own; one outcome per distinct id, in order.
    pub async fn set_review_flags(
        &self,
        session: &Session,
        cert_ids: &[String],
        flag: bool,
    ) -> ServiceResult<Vec<FlagOutcome>> {
        require_any_admin(session)?;
        let mut ids: Vec<&str> = Vec::with_capacity(cert_ids.len());
        for id in cert_ids {
            let id = id.trim();
            if !id.is_empty() && !ids.contains(&id) {
                ids.push(id);
            }
        }
        let mut f = Fields::default();
        if ids.is_empty() {
            f.push(
                "cert_ids",
                Text::new("请至少选择一项认定。", "Select at least one certification."),
            );
        } else if ids.len() > MAX_FLAG_BATCH {
            f.push(
                "cert_ids",
                Text::new(
                    format!(
                        "一次最多处理 {MAX_FLAG_BATCH} 项认定，当前选择了 {} 项。",
                        ids.len()
                    ),
                    format!(
                        "At most {MAX_FLAG_BATCH} certifications at a time; {} were selected.",
                        ids.len()
                    ),
                ),
            );
        }
        f.finish()?;
        let mut w = self.write().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let (result, changed) = match flag_one(&mut w, session, id, flag).await {
                Ok((cert, changed)) => (Ok(cert), changed),
                Err(e @ ServiceError::Internal { .. }) => return Err(e),
                Err(e) => (Err(e), false),
            };
            out.push(FlagOutcome {
                cert_id: id.to_string(),
                result,
                changed,
            });
        }
        w.commit().await?;
        Ok(out)
    }

    /// The 复核 situation of each of the caller's active certifications, by tier.
    pub async fn reexam_status(&self, session: &Session) -> ServiceResult<Vec<ReexamStatus>> {
        let enterprise_id = authz::require_enterprise(session)?;
        let today = self.today();
        let mut conn = self.read().await?;
        let mut certs = active_certifications(&mut conn, enterprise_id, today).await?;
        certs.sort_by_key(|c| c.tier);
        let mut out = Vec::with_capacity(certs.len());
        for cert in certs {
            let candidacy = candidacy_of(&mut conn, &cert, today).await?;
            let application = current_application(&mut conn, &cert).await?;
            let mut why_not = Vec::new();
            if let Some((code, text)) = apply_block(&cert, application.as_ref()) {
                why_not.push(text);
                if code == "not_flagged" {
                    why_not.extend(
                        candidacy
                            .reasons
                            .iter()
                            .filter(|r| r.zh.starts_with("【不满足】"))
                            .cloned(),
                    );
                }
            }
            out.push(ReexamStatus {
                tier: cert.tier,
                flagged: cert.review_flag,
                can_apply: why_not.is_empty(),
                why_not,
                candidacy,
                application,
                certification: cert,
            });
        }
        Ok(out)
    }

    /// Applies for 复核 of the caller's `tier` certification (only when flagged): the
    /// application is submitted through the tier's review chain. A returned or withdrawn
    /// application of the current period is resubmitted instead of a new one.
    pub async fn apply_reexam(&self, session: &Session, tier: Tier) -> ServiceResult<Item> {
        let enterprise_id = authz::require_enterprise(session)?.to_string();
        let mut w = self.write().await?;
        let today = w.today();
        let cert = active_certifications(&mut w, &enterprise_id, today)
            .await?
            .into_iter()
            .find(|c| c.tier == tier)
            .ok_or_else(|| {
                let t = tier.name();
                ServiceError::rule(
                    "no_active_certification",
                    Text::new(
                        format!("贵企业没有有效的{}认定，无需复核。", t.zh),
                        format!(
                            "Your enterprise holds no valid {} certification to review.",
                            t.en
                        ),
                    ),
                )
            })?;
        let application = current_application(&mut w, &cert).await?;
        if let Some((code, text)) = apply_block(&cert, application.as_ref()) {
            return Err(ServiceError::rule(code, text));
        }
        let authority = cert.authority_code.clone().ok_or_else(|| {
            ServiceError::from(crate::domain::workflow::Refusal::BasicInfoIncomplete)
        })?;
        let item = match application {
            Some(a) if matches!(a.state, State::Draft | State::Returned | State::Withdrawn) => a,
            _ => {
                items::create(
                    &mut w,
                    &Who::from(session),
                    NewItem {
                        kind: ItemKind::Review,
                        subtype: None,
                        enterprise_id: enterprise_id.clone(),
                        certification_id: Some(cert.id.clone()),
                        tier,
                        batch: i64::from(today.year()),
                        window_id: None,
                        ruleset: Ruleset::for_batch_year(today.year()).id.clone(),
                        payload: json!({"expires_on": day(cert.expires_on)}),
                    },
                )
                .await?
            }
        };
        let chain = facts::chain_for(&mut w, &authority, tier).await?;
        let item_facts = ItemFacts {
            window_open: true,
            basic_info_complete: facts::basic_info_complete(&mut w, &enterprise_id).await?,
            prerequisites_met: true,
            other_open_declaration: false,
            barred: false,
            submit_chain: Some(chain),
        };
        let done = items::act(
            &mut w,
            session,
            &item.id,
            item.version,
            &Action::Submit,
            item_facts,
        )
        .await?;
        w.commit().await?;
        done.item
            .ok_or_else(|| ServiceError::internal("submitted review application vanished"))
    }

    /// Withdraws a submitted application while no reviewer has acted on it.
    pub async fn withdraw_reexam(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
    ) -> ServiceResult<Item> {
        authz::require_enterprise(session)?;
        let mut w = self.write().await?;
        let item = load_item(&mut w, item_id, ItemKind::Review).await?;
        require_owner(session, &item)?;
        let facts = ItemFacts {
            window_open: true,
            ..ItemFacts::default()
        };
        let done = items::act(
            &mut w,
            session,
            item_id,
            expected_version,
            &Action::Withdraw,
            facts,
        )
        .await?;
        w.commit().await?;
        done.item
            .ok_or_else(|| ServiceError::internal("withdrawn review application vanished"))
    }

    /// Passes a 复核 application at the reviewer's level; the final pass extends the
    /// certification (`on_final_pass`).
    pub async fn pass_reexam(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
    ) -> ServiceResult<Item> {
        authz::require_staff_level(session)?;
        let mut w = self.write().await?;
        load_item(&mut w, item_id, ItemKind::Review).await?;
        let done = items::act(
            &mut w,
            session,
            item_id,
            expected_version,
            &Action::Pass,
            ItemFacts::default(),
        )
        .await?;
        let item = done
            .item
            .ok_or_else(|| ServiceError::internal("passed review application vanished"))?;
        if item.state == State::Approved {
            on_final_pass(&mut w, &item).await?;
        }
        w.commit().await?;
        Ok(item)
    }
}
