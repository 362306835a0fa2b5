//! Declarations (申报), the enterprise side: create in an open window, the form, save drafts
//! (nothing typed is ever lost), the live evaluation, delete, submit with every precondition,
//! withdraw, edit after a return and resubmit, the enterprise's list and the detail with its
//! history.
//!
//! A declaration is an [`items`] row of kind `declaration`; its payload is the form's inputs
//! ([`rules::Inputs`]). State changes go through [`items::act`]; this module supplies the facts
//! (window, basic info, prerequisites, other open declaration, bar, the chain to snapshot) and,
//! when the workflow refuses a submission, turns the refusal into one that names the missing
//! thing. The score, the verdict, the breakdown, the ruleset id and the digital-level snapshot are
//! computed and stored in the submission's own transaction.
//!
//! Who reads a declaration: the owning enterprise, and reviewers or admins whose region contains
//! the enterprise's registered county — once it has been submitted (a draft that was never
//! submitted is the enterprise's own business). Support staff and other enterprises never.

use crate::domain::chain::{Chain, default_chain};
use crate::domain::rules::{self, Breakdown, Context, InputKind, Inputs, Ruleset, Value};
use crate::domain::text::{Localized, Text};
use crate::domain::tiers::{DigitalLevel, ReviewLevel, Tier};
use crate::domain::workflow::{self, Action, Refusal, State};
use crate::service::audit::{HistoryEntry, Who, history_of};
use crate::service::authz;
use crate::service::clock::china_minutes;
use crate::service::error::{FieldError, ServiceError, ServiceResult};
use crate::service::evidence::{EvidenceView, evidence_of};
use crate::service::facts::{self, LatestAssessment, authority_name};
use crate::service::items::{self, Item, ItemFacts, ItemKind, NewItem};
use crate::service::messages::{self, Category, Recipient};
use crate::service::paging::{Cursor, Order, Page, PageRequest, Sql, keyset};
use crate::service::session::{AccountKind, Session};
use crate::service::windows::{WindowStatus, basic_info_text, capitalise, load_window};
use crate::service::{Service, Write};
use crate::store::{Conn, from_ms, ms, real};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The most fields a saved declaration may carry (the largest form has about 30) **(our rule)**.
pub const MAX_INPUT_FIELDS: usize = 200;
/// The longest text value (a statement) in characters **(our rule)**.
pub const MAX_TEXT_CHARS: usize = 5000;

// ---------------------------------------------------------------------------------------------
// Views and inputs
// ---------------------------------------------------------------------------------------------

/// A declaration in a list.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct DeclarationSummary {
    pub id: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub uscc: String,
    pub tier: Tier,
    pub tier_name: Text,
    pub batch: i64,
    pub window_id: Option<String>,
    pub state: State,
    /// 暂存, 待审核(市级) …
    pub state_name: Text,
    /// 当前处理层级: the level it waits at or is in review at.
    pub level: Option<ReviewLevel>,
    pub score: Option<f64>,
    pub qualifies: Option<bool>,
    pub version: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl DeclarationSummary {
    fn of(item: &Item) -> DeclarationSummary {
        DeclarationSummary {
            id: item.id.clone(),
            enterprise_id: item.enterprise_id.clone(),
            enterprise_name: item.enterprise_name.clone(),
            uscc: item.uscc.clone(),
            tier: item.tier,
            tier_name: item.tier.name(),
            batch: item.batch,
            window_id: item.window_id.clone(),
            state: item.state,
            state_name: item.state.name(),
            level: item.state.level(),
            score: item.score,
            qualifies: item.qualifies,
            version: item.version,
            submitted_at: item.submitted_at,
            created_at: item.created_at,
            updated_at: item.updated_at,
        }
    }
}

/// A declaration in full: the summary, what was typed, the breakdown stored at submission, the
/// evidence and the history.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct DeclarationDetail {
    #[serde(flatten)]
    pub summary: DeclarationSummary,
    pub ruleset: String,
    pub ruleset_title: Text,
    #[schema(value_type = BTreeMap<String, rules::InputValue>)]
    pub inputs: Inputs,
    /// Stored at the last submission (`None` before the first one).
    pub breakdown: Option<Breakdown>,
    /// The review chain snapshotted at the last submission.
    pub chain: Option<Chain>,
    /// The digital-assessment level snapshotted at the last submission.
    pub digital_level: Option<DigitalLevel>,
    pub evidence: Vec<EvidenceView>,
    /// Every workflow step, oldest first.
    pub history: Vec<HistoryEntry>,
    /// What the caller may do to it now, computed from the workflow table with today's facts
    /// (window, basic information, prerequisites, other declarations, bar): the owner's
    /// edit / submit / resubmit / withdraw / withdraw_edit (the last two with
    /// `confirm: window_closed_cannot_resubmit` once the window has closed) / delete, and
    /// export for whoever may read it.
    pub actions: Vec<workflow::OfferedAction>,
    /// For the owner of an editable declaration that cannot be submitted now: why, each
    /// naming the missing thing (empty otherwise).
    pub submit_blockers: Vec<Text>,
}

/// Filter of [`Service::my_declarations`].
#[derive(utoipa::IntoParams, Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct DeclarationFilter {
    #[serde(default)]
    pub tier: Option<Tier>,
    #[serde(default)]
    pub batch: Option<i64>,
    /// A state code (`draft`, `submitted` …; see [`State::CODES`]).
    #[serde(default)]
    #[param(schema_with = crate::api::openapi::state_codes)]
    pub state: Option<String>,
}

/// One choice of a form field.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct FormOption {
    pub id: String,
    pub label: Text,
}

/// One field of the declaration form with its current value.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct FormField {
    pub id: String,
    pub kind: InputKind,
    pub label: Text,
    pub help: Option<Text>,
    pub unit: Text,
    pub options: Vec<FormOption>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// A qualitative statement judged by reviewers.
    pub statement: bool,
    #[schema(value_type = Option<rules::InputValue>)]
    pub value: Option<Value>,
}

/// A titled part of the form.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct FormSectionView {
    pub id: String,
    pub title: Text,
    pub fields: Vec<FormField>,
}

/// The declaration form: the ruleset's inputs for the tier and the enterprise's authority (local
/// indicators included) plus the tier's statements, with the values saved so far.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct DeclarationForm {
    pub id: String,
    pub tier: Tier,
    pub batch: i64,
    pub ruleset: String,
    pub ruleset_title: Text,
    pub authority_code: Option<String>,
    pub sections: Vec<FormSectionView>,
    pub version: i64,
    /// Whether the enterprise may change it now (draft, returned, withdrawn).
    pub editable: bool,
    /// Saved values that are not fields of this form (kept, reported as warnings on save).
    pub unknown_fields: Vec<String>,
}

/// What [`Service::save_declaration`] answers: the saved declaration, the problems with what was
/// typed (saved anyway) and the live evaluation.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct Saved {
    pub declaration: DeclarationSummary,
    pub warnings: Vec<FieldError>,
    pub evaluation: Breakdown,
}

// ---------------------------------------------------------------------------------------------
// Helpers shared with evidence and export
// ---------------------------------------------------------------------------------------------

/// Loads a declaration (any other kind of item is "not found" here).
pub(crate) async fn load_declaration(conn: &mut Conn, id: &str) -> ServiceResult<Item> {
    let item = items::load(conn, id).await?;
    if item.kind != ItemKind::Declaration {
        return Err(not_found());
    }
    Ok(item)
}

fn not_found() -> ServiceError {
    ServiceError::not_found(Text::new("该申报", "the declaration"))
}

fn read_refused() -> ServiceError {
    ServiceError::forbidden(Text::new(
        "只有申报企业本身及其注册地所在地区的审核人员可以查看该申报。",
        "Only the declaring enterprise and the reviewers of the region it is registered in can \
         see this declaration.",
    ))
}

/// The roles that may read declarations at all (checked before anything is loaded).
pub(crate) fn require_reader_role(session: &Session) -> ServiceResult<()> {
    match session.kind {
        AccountKind::Legal => authz::require_enterprise(session).map(|_| ()),
        AccountKind::Reviewer | AccountKind::Admin => {
            authz::require_staff_level(session).map(|_| ())
        }
        AccountKind::Natural => Err(authz::require_enterprise(session)
            .err()
            .unwrap_or_else(read_refused)),
        AccountKind::Support => Err(read_refused()),
    }
}

/// May `session` read `item`: its owner, or staff whose scope contains the enterprise once the
/// item has been submitted at least once.
pub(crate) fn authorize_read(session: &Session, item: &Item) -> ServiceResult<()> {
    match session.kind {
        AccountKind::Legal if session.enterprise_id.as_deref() == Some(&item.enterprise_id) => {
            Ok(())
        }
        AccountKind::Reviewer | AccountKind::Admin => {
            authz::require_staff_level(session)?;
            let national = matches!(authz::scope(session)?, authz::Scope::National);
            let in_scope = item
                .county_code
                .as_deref()
                .is_some_and(|c| authz::in_scope(session, c));
            if !(national || in_scope) {
                return Err(ServiceError::forbidden(Refusal::OutOfScope.text()));
            }
            if !item.ever_submitted {
                return Err(ServiceError::forbidden(Text::new(
                    "该申报尚未提交，审核人员不能查看企业的暂存内容。",
                    "This declaration has not been submitted; reviewers cannot see an \
                     enterprise's unsubmitted draft.",
                )));
            }
            Ok(())
        }
        _ => Err(read_refused()),
    }
}

/// The enterprise's inputs stored in an item's payload (values that are not a bool, number or
/// text are dropped).
pub(crate) fn inputs_of(payload: &serde_json::Value) -> Inputs {
    payload
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| {
                    serde_json::from_value::<Value>(v.clone())
                        .ok()
                        .map(|v| (k.clone(), v))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The ruleset of a declaration's batch.
pub(crate) fn ruleset_of(item: &Item) -> &'static Ruleset {
    Ruleset::for_batch_year(i32::try_from(item.batch).unwrap_or(i32::MAX))
}

/// The enterprise's current certifying authority (from its registered county).
pub(crate) async fn enterprise_authority(
    conn: &mut Conn,
    enterprise_id: &str,
) -> ServiceResult<Option<String>> {
    Ok(
        sqlx::query("SELECT authority_code FROM enterprises WHERE id = $1")
            .bind(enterprise_id)
            .fetch_optional(conn)
            .await?
            .map(|r| r.try_get::<Option<String>, _>("authority_code"))
            .transpose()?
            .flatten(),
    )
}

/// The live evaluation of an item's inputs: the batch's ruleset, the enterprise's authority (its
/// local indicators) and its latest assessment level.
pub(crate) async fn live_evaluation(conn: &mut Conn, item: &Item) -> ServiceResult<Breakdown> {
    let authority = enterprise_authority(conn, &item.enterprise_id)
        .await?
        .or_else(|| item.authority_code.clone());
    let assessment = facts::latest_assessment(conn, &item.enterprise_id).await?;
    evaluate(
        item,
        &inputs_of(&item.payload),
        authority,
        assessment.as_ref(),
    )
}

fn evaluate(
    item: &Item,
    inputs: &Inputs,
    authority: Option<String>,
    assessment: Option<&LatestAssessment>,
) -> ServiceResult<Breakdown> {
    let ctx = Context {
        batch_year: i32::try_from(item.batch).unwrap_or(i32::MAX),
        authority,
        digital_level: assessment.and_then(|a| a.level),
    };
    ruleset_of(item)
        .evaluate(item.tier, inputs, &ctx)
        .ok_or_else(|| {
            ServiceError::internal(format!(
                "ruleset {} has no rules for tier {}",
                ruleset_of(item).id,
                item.tier.code()
            ))
        })
}

fn field_errors(errors: Vec<rules::FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| FieldError::new(e.field.clone(), e.text()))
        .collect()
}

/// Hard limits on what a save may carry (beyond them nothing is stored).
fn check_limits(inputs: &Inputs) -> ServiceResult<()> {
    let mut errors = Vec::new();
    if inputs.len() > MAX_INPUT_FIELDS {
        errors.push(FieldError::new(
            "inputs",
            Text::new(
                format!(
                    "申报表最多 {MAX_INPUT_FIELDS} 项，收到 {} 项。",
                    inputs.len()
                ),
                format!(
                    "A declaration has at most {MAX_INPUT_FIELDS} fields; got {}.",
                    inputs.len()
                ),
            ),
        ));
    }
    for (k, v) in inputs {
        if let Value::Text(t) = v {
            let n = t.chars().count();
            if n > MAX_TEXT_CHARS {
                errors.push(FieldError::new(
                    k.clone(),
                    Text::new(
                        format!("{k}：最多 {MAX_TEXT_CHARS} 个字，当前 {n} 个。"),
                        format!("{k}: at most {MAX_TEXT_CHARS} characters; got {n}."),
                    ),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid { fields: errors })
    }
}

/// Another declaration of the same enterprise, tier and batch that blocks this one: submitted,
/// in review, returned, withdrawn or approved (DESIGN.md §2, the domain's recommendation); with
/// `drafts`, a draft counts too (used when creating).
async fn other_declaration(
    conn: &mut Conn,
    enterprise_id: &str,
    tier: Tier,
    batch: i64,
    except: Option<&str>,
    drafts: bool,
) -> ServiceResult<Option<(String, State)>> {
    let states = if drafts {
        "('draft', 'submitted', 'in_review', 'returned', 'withdrawn', 'approved')"
    } else {
        "('submitted', 'in_review', 'returned', 'withdrawn', 'approved')"
    };
    let sql = format!(
        "SELECT id, state, level FROM items WHERE enterprise_id = $1 AND kind = 'declaration' \
         AND tier = $2 AND batch = $3 AND id <> $4 AND state IN {states} \
         ORDER BY created_at, id LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(enterprise_id)
        .bind(tier.code())
        .bind(batch)
        .bind(except.unwrap_or(""))
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        let state: String = r.try_get("state")?;
        let level: Option<String> = r.try_get("level")?;
        Ok((
            r.try_get("id")?,
            items::state_from_columns(&state, level.as_deref())?,
        ))
    })
    .transpose()
}

// ---------------------------------------------------------------------------------------------
// Submission facts
// ---------------------------------------------------------------------------------------------

/// Everything a submission depends on, gathered in the submit transaction, with the details that
/// let a refusal name the missing thing.
struct SubmitContext {
    authority: Option<String>,
    window_open: bool,
    /// The latest window of the authority, tier and batch (for the window-closed message).
    last_window: Option<crate::service::windows::WindowView>,
    missing: Vec<(&'static str, Text)>,
    assessment: Option<LatestAssessment>,
    prerequisite: Option<Text>,
    other: Option<(String, State)>,
    barred_until: Option<NaiveDate>,
    chain: Chain,
}

impl SubmitContext {
    async fn gather(conn: &mut Conn, item: &Item, today: NaiveDate) -> ServiceResult<Self> {
        let authority = enterprise_authority(conn, &item.enterprise_id).await?;
        let (window_open, last_window, chain) = match authority.as_deref() {
            Some(a) => {
                let open = facts::window_open(conn, a, item.tier, item.batch, today).await?;
                let last: Option<String> = sqlx::query(
                    "SELECT id FROM windows WHERE authority_code = $1 AND tier = $2 AND batch = $3 \
                     ORDER BY start_date DESC, id DESC LIMIT 1",
                )
                .bind(a)
                .bind(item.tier.code())
                .bind(item.batch)
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| r.try_get("id"))
                .transpose()?;
                let last = match last {
                    Some(id) => Some(load_window(conn, &id, today).await?),
                    None => None,
                };
                (open, last, facts::chain_for(conn, a, item.tier).await?)
            }
            None => (false, None, default_chain(item.tier, false)),
        };
        let missing = facts::basic_info_missing(conn, &item.enterprise_id).await?;
        let assessment = facts::latest_assessment(conn, &item.enterprise_id).await?;
        let prerequisite = match item.tier {
            Tier::Innovative => None,
            Tier::Specialized => assessment.is_none().then(|| {
                Text::new(
                    "申报专精特新中小企业须先完成中小企业数字化水平评测：目前没有已完成的评测记录。请先在“数字化水平评测”中完成评测。",
                    "An SRDI declaration needs a completed digital-level assessment on record; \
                     there is none yet. Complete the assessment first.",
                )
            }),
            Tier::LittleGiant => facts::active_certification(
                conn,
                &item.enterprise_id,
                Tier::Specialized,
                today,
            )
            .await?
            .is_none()
            .then(|| {
                Text::new(
                    "申报专精特新“小巨人”企业须持有有效期内的省级专精特新中小企业认定：未找到有效认定。",
                    "A Little Giant declaration needs a valid provincial SRDI certification; \
                     none is in force.",
                )
            }),
        };
        let other = other_declaration(
            conn,
            &item.enterprise_id,
            item.tier,
            item.batch,
            Some(&item.id),
            false,
        )
        .await?;
        let barred_until = facts::barred_until(conn, &item.enterprise_id, today).await?;
        Ok(SubmitContext {
            authority,
            window_open,
            last_window,
            missing,
            assessment,
            prerequisite,
            other,
            barred_until,
            chain,
        })
    }

    fn item_facts(&self) -> ItemFacts {
        ItemFacts {
            window_open: self.window_open,
            basic_info_complete: self.missing.is_empty() && self.authority.is_some(),
            prerequisites_met: self.prerequisite.is_none(),
            other_open_declaration: self.other.is_some(),
            barred: self.barred_until.is_some(),
            submit_chain: Some(self.chain.clone()),
        }
    }

    /// The detailed text of one submit blocker.
    fn explain(&self, refusal: &Refusal, item: &Item, today: NaiveDate) -> Text {
        match refusal {
            Refusal::Barred => {
                let until = self.barred_until.map(|d| d.to_string()).unwrap_or_default();
                Text::new(
                    format!("企业因被取消认定，在 {until} 之前不得再次申报。"),
                    format!(
                        "After the cancellation of its certification the enterprise may not \
                         declare again before {until}."
                    ),
                )
            }
            Refusal::WindowClosed => {
                let authority = self
                    .authority
                    .as_deref()
                    .map(authority_name)
                    .unwrap_or_default();
                let last = match &self.last_window {
                    Some(w) => {
                        let d = w.describe();
                        let s = w.status.name();
                        Text::new(
                            format!("（{}：{}）", d.zh, s.zh),
                            format!(" ({}: {})", d.en, s.en),
                        )
                    }
                    None => Text::new("", ""),
                };
                Text::new(
                    format!(
                        "{authority}{}{}年度批次的申报窗口今天（{today}）未开放{}，不能提交；可以先暂存，待申报窗口开放后再提交。",
                        item.tier.short_name().zh,
                        item.batch,
                        last.zh
                    ),
                    format!(
                        "The {authority} {} window of batch {} is not open today ({today}){}; \
                         save the declaration and submit it when a window opens.",
                        item.tier.short_name().en,
                        item.batch,
                        last.en
                    ),
                )
            }
            Refusal::AlreadyOpenDeclaration => {
                let state = self
                    .other
                    .as_ref()
                    .map(|(_, s)| s.name())
                    .unwrap_or_else(|| Text::new("", ""));
                Text::new(
                    format!(
                        "贵企业在{}年度批次已有一份{}申报（状态：{}），同一层级同一批次不能重复申报；请继续办理该申报。",
                        item.batch,
                        item.tier.short_name().zh,
                        state.zh
                    ),
                    format!(
                        "The enterprise already has a {} declaration in batch {} (state: {}); \
                         one per tier and batch — continue with that one.",
                        item.tier.short_name().en,
                        item.batch,
                        state.en
                    ),
                )
            }
            Refusal::BasicInfoIncomplete => basic_info_text(&self.missing),
            Refusal::PrerequisitesMissing => {
                self.prerequisite.clone().unwrap_or_else(|| refusal.text())
            }
            other => other.text(),
        }
    }

    /// A refusal of the workflow turned into one naming the missing thing; every other blocker
    /// is listed after the first.
    fn refused(&self, err: ServiceError, item: &Item, today: NaiveDate) -> ServiceError {
        let Some(first) = err.refusal().cloned() else {
            return err;
        };
        let facts = self.item_facts();
        let domain = facts.for_item(item, &self.chain);
        let blockers = workflow::submit_blockers(item.state, &domain);
        if !blockers.contains(&first) {
            return err;
        }
        let mut text = self.explain(&first, item, today);
        let more: Vec<Text> = blockers
            .iter()
            .filter(|b| **b != first)
            .map(|b| self.explain(b, item, today))
            .collect();
        if !more.is_empty() {
            text = Text::new(
                format!(
                    "{}另外：{}",
                    text.zh,
                    more.iter()
                        .map(|t| t.zh.as_str())
                        .collect::<Vec<_>>()
                        .join("")
                ),
                format!(
                    "{} Also: {}",
                    text.en,
                    more.iter()
                        .map(|t| t.en.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            );
        }
        ServiceError::rule(first.code(), text)
    }
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

impl Service {
    /// Creates a draft declaration for `tier` in window `window_id`. A verified legal-person
    /// account only (a natural-person account is told how to get one); the window must be of
    /// that tier, belong to the enterprise's certifying authority and be open today; the
    /// enterprise may not already have a declaration of the tier in the batch (other than a
    /// rejected one).
    pub async fn create_declaration(
        &self,
        session: &Session,
        tier: Tier,
        window_id: &str,
    ) -> ServiceResult<DeclarationSummary> {
        let enterprise_id = authz::require_enterprise(session)?.to_string();
        let mut w = self.write().await?;
        let today = w.today();
        let window = load_window(&mut w, window_id, today).await?;
        if window.tier != tier {
            return Err(ServiceError::invalid(
                "tier",
                Text::new(
                    format!(
                        "所选窗口是{}的申报窗口，不能申报{}；请选择{}的窗口。",
                        window.tier.name().zh,
                        tier.name().zh,
                        tier.name().zh
                    ),
                    format!(
                        "The chosen window is for {}, not {}; choose a {} window.",
                        window.tier.name().en,
                        tier.name().en,
                        tier.name().en
                    ),
                ),
            ));
        }
        let authority = enterprise_authority(&mut w, &enterprise_id).await?;
        let Some(authority) = authority else {
            return Err(ServiceError::rule(
                "registered_county_missing",
                Text::new(
                    "尚未填写注册地（区县），无法确定所属认定机构；请先在“企业信息”中填写注册地。",
                    "The registered county is not filled in, so the certifying authority is \
                     unknown; fill it in under \"Enterprise information\" first.",
                ),
            ));
        };
        if authority != window.authority_code {
            return Err(ServiceError::rule(
                "window_other_authority",
                Text::new(
                    format!(
                        "该窗口属于{}，贵企业注册地所属的认定机构是{}；请选择{}的申报窗口。",
                        window.authority_name,
                        authority_name(&authority),
                        authority_name(&authority)
                    ),
                    format!(
                        "That window belongs to {}, but the enterprise is certified by {}; \
                         choose a window of {}.",
                        window.authority_name,
                        authority_name(&authority),
                        authority_name(&authority)
                    ),
                ),
            ));
        }
        if window.status != WindowStatus::Open {
            let d = window.describe();
            let (zh, en) = match window.status {
                WindowStatus::Upcoming => (
                    format!("{}尚未开始，{} 起可以申报。", d.zh, window.start),
                    format!(
                        "{} has not started; declarations open on {}.",
                        capitalise(&d.en),
                        window.start
                    ),
                ),
                WindowStatus::Ended => (
                    format!("{}已于 {} 结束，不能再新建申报。", d.zh, window.end),
                    format!(
                        "{} ended on {}; no new declarations.",
                        capitalise(&d.en),
                        window.end
                    ),
                ),
                _ => (
                    format!("{}已提前关闭，不能再新建申报。", d.zh),
                    format!(
                        "{} was closed early; no new declarations.",
                        capitalise(&d.en)
                    ),
                ),
            };
            return Err(ServiceError::rule("window_not_open", Text::new(zh, en)));
        }
        if let Some((_, state)) =
            other_declaration(&mut w, &enterprise_id, tier, window.batch, None, true).await?
        {
            return Err(ServiceError::rule(
                "declaration_exists",
                Text::new(
                    format!(
                        "贵企业在{}年度批次已有{}申报（状态：{}）；请继续办理该申报，不必重复新建。",
                        window.batch,
                        tier.short_name().zh,
                        state.name().zh
                    ),
                    format!(
                        "The enterprise already has a {} declaration in batch {} (state: {}); \
                         continue with it instead of creating another.",
                        tier.short_name().en,
                        window.batch,
                        state.name().en
                    ),
                ),
            ));
        }
        let ruleset = Ruleset::for_batch_year(i32::try_from(window.batch).unwrap_or(i32::MAX));
        // the figures the basic information already holds start the form
        let basic =
            sqlx::query("SELECT revenue, total_assets, employees FROM enterprises WHERE id = $1")
                .bind(&enterprise_id)
                .fetch_optional(&mut *w)
                .await?;
        let prefill = match &basic {
            Some(r) => ruleset.prefill(
                tier,
                Some(&authority),
                r.try_get::<Option<f64>, _>("revenue")?,
                r.try_get::<Option<f64>, _>("total_assets")?,
                r.try_get::<Option<i64>, _>("employees")?.map(|e| e as f64),
            ),
            None => Default::default(),
        };
        let item = items::create(
            &mut w,
            &Who::from(session),
            NewItem {
                kind: ItemKind::Declaration,
                subtype: None,
                enterprise_id,
                certification_id: None,
                tier,
                batch: window.batch,
                window_id: Some(window.id.clone()),
                ruleset: ruleset.id.clone(),
                payload: serde_json::to_value(&prefill)?,
            },
        )
        .await?;
        w.commit().await?;
        Ok(DeclarationSummary::of(&item))
    }

    /// The form of a declaration with the values saved so far. Readable by whoever may read the
    /// declaration.
    pub async fn declaration_form(
        &self,
        session: &Session,
        id: &str,
    ) -> ServiceResult<DeclarationForm> {
        require_reader_role(session)?;
        let mut conn = self.read().await?;
        let item = load_declaration(&mut conn, id).await?;
        authorize_read(session, &item)?;
        let authority = enterprise_authority(&mut conn, &item.enterprise_id)
            .await?
            .or_else(|| item.authority_code.clone());
        let ruleset = ruleset_of(&item);
        let inputs = inputs_of(&item.payload);
        let statements: &[String] = ruleset
            .tier(item.tier)
            .map(|t| t.statements.as_slice())
            .unwrap_or(&[]);
        let sections = ruleset
            .form(item.tier, authority.as_deref())
            .into_iter()
            .map(|fs| FormSectionView {
                id: fs.section.id.clone(),
                title: fs.section.title.clone(),
                fields: fs
                    .inputs
                    .iter()
                    .map(|d| FormField {
                        id: d.id.clone(),
                        kind: d.kind,
                        label: d.label.clone(),
                        help: d.help.clone(),
                        unit: d.unit_text(),
                        options: d
                            .option_ids()
                            .into_iter()
                            .map(|o| FormOption {
                                id: o.to_string(),
                                label: d.option_label(o).unwrap_or_else(|| Text::new(o, o)),
                            })
                            .collect(),
                        min: d.min_value(),
                        max: d.max_value(),
                        statement: statements.contains(&d.id),
                        value: inputs.get(&d.id).cloned(),
                    })
                    .collect(),
            })
            .collect::<Vec<_>>();
        let known: Vec<&str> = sections
            .iter()
            .flat_map(|s| s.fields.iter().map(|f| f.id.as_str()))
            .collect();
        let unknown_fields = inputs
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect();
        Ok(DeclarationForm {
            id: item.id.clone(),
            tier: item.tier,
            batch: item.batch,
            ruleset: ruleset.id.clone(),
            ruleset_title: ruleset.title.clone(),
            authority_code: authority,
            sections,
            version: item.version,
            editable: matches!(
                item.state,
                State::Draft | State::Returned | State::Withdrawn
            ),
            unknown_fields,
        })
    }

    /// Saves what the enterprise typed (the whole form: it replaces the saved values) on a
    /// draft, returned or withdrawn declaration, at `expected_version`. Values that are wrong
    /// are saved all the same — nothing typed is lost — and come back as `warnings` with the live
    /// evaluation; only the hard limits ([`MAX_INPUT_FIELDS`], [`MAX_TEXT_CHARS`]) refuse a save.
    pub async fn save_declaration(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
        inputs: Inputs,
    ) -> ServiceResult<Saved> {
        authz::require_enterprise(session)?;
        check_limits(&inputs)?;
        let mut w = self.write().await?;
        load_declaration(&mut w, id).await?;
        let done = items::act(
            &mut w,
            session,
            id,
            expected_version,
            &Action::Edit,
            ItemFacts::default(),
        )
        .await?;
        sqlx::query("UPDATE items SET payload = $1 WHERE id = $2")
            .bind(serde_json::to_string(&inputs)?)
            .bind(id)
            .execute(&mut *w)
            .await?;
        let mut item = done
            .item
            .ok_or_else(|| ServiceError::internal("edit removed the item"))?;
        item.payload = serde_json::to_value(&inputs)?;
        let authority = enterprise_authority(&mut w, &item.enterprise_id)
            .await?
            .or_else(|| item.authority_code.clone());
        let warnings = field_errors(ruleset_of(&item).validate_inputs(
            item.tier,
            authority.as_deref(),
            &inputs,
            false,
        ));
        let assessment = facts::latest_assessment(&mut w, &item.enterprise_id).await?;
        let evaluation = evaluate(&item, &inputs, authority, assessment.as_ref())?;
        w.commit().await?;
        Ok(Saved {
            declaration: DeclarationSummary::of(&item),
            warnings,
            evaluation,
        })
    }

    /// The live evaluation of a declaration as it stands (the current assessment level and the
    /// enterprise's authority).
    pub async fn evaluate_declaration(
        &self,
        session: &Session,
        id: &str,
    ) -> ServiceResult<Breakdown> {
        require_reader_role(session)?;
        let mut conn = self.read().await?;
        let item = load_declaration(&mut conn, id).await?;
        authorize_read(session, &item)?;
        live_evaluation(&mut conn, &item).await
    }

    /// Deletes a draft that was never submitted (with its evidence rows).
    pub async fn delete_declaration(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
    ) -> ServiceResult<()> {
        authz::require_enterprise(session)?;
        let mut w = self.write().await?;
        load_declaration(&mut w, id).await?;
        items::act(
            &mut w,
            session,
            id,
            expected_version,
            &Action::Delete,
            ItemFacts::default(),
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Submits (or resubmits) a declaration at `expected_version`: the workflow's preconditions
    /// (bar, open window — not for a returned one —, no other open declaration of the tier and
    /// batch, complete basic info, the tier's prerequisite), each refusal naming what is missing;
    /// then every field complete and valid (all field errors at once). In the same transaction:
    /// the review chain in force is snapshotted, the item starts at its first level, and the
    /// score, verdict, breakdown, ruleset and digital-level snapshot are stored; the enterprise
    /// gets a 申报提醒 message.
    pub async fn submit_declaration(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
    ) -> ServiceResult<DeclarationSummary> {
        let enterprise_id = authz::require_enterprise(session)?.to_string();
        let mut w = self.write().await?;
        let today = w.today();
        let item = load_declaration(&mut w, id).await?;
        if item.enterprise_id != enterprise_id {
            return Err(Refusal::NotOwner.into());
        }
        let ctx = SubmitContext::gather(&mut w, &item, today).await?;
        let done = items::act(
            &mut w,
            session,
            id,
            expected_version,
            &Action::Submit,
            ctx.item_facts(),
        )
        .await
        .map_err(|e| ctx.refused(e, &item, today))?;
        let mut item = done
            .item
            .ok_or_else(|| ServiceError::internal("submit removed the item"))?;

        let ruleset = ruleset_of(&item);
        let inputs = inputs_of(&item.payload);
        let errors = ruleset.validate_inputs(item.tier, ctx.authority.as_deref(), &inputs, true);
        if !errors.is_empty() {
            return Err(ServiceError::Invalid {
                fields: field_errors(errors),
            });
        }
        let breakdown = evaluate(
            &item,
            &inputs,
            ctx.authority.clone(),
            ctx.assessment.as_ref(),
        )?;
        let digital_level = ctx
            .assessment
            .as_ref()
            .and_then(|a| a.level)
            .map(|l| i64::from(l.number()));
        sqlx::query(
            "UPDATE items SET score = $1, qualifies = $2, breakdown = $3, digital_level = $4, \
             ruleset = $5 WHERE id = $6",
        )
        .bind(real(breakdown.total))
        .bind(i64::from(breakdown.verdict.qualifies))
        .bind(serde_json::to_string(&breakdown)?)
        .bind(digital_level)
        .bind(&ruleset.id)
        .bind(id)
        .execute(&mut *w)
        .await?;
        item.score = breakdown.total;
        item.qualifies = Some(breakdown.verdict.qualifies);
        item.digital_level = digital_level;
        item.ruleset = ruleset.id.clone();
        post_submitted(&mut w, &item).await?;
        w.commit().await?;
        Ok(DeclarationSummary::of(&item))
    }

    /// Withdraws a submitted declaration no reviewer has acted on yet. When the window is
    /// closed it could not be resubmitted: without `confirm` that is refused with code
    /// `confirm_withdraw_closed_window` and the warning to show; with `confirm` it is withdrawn.
    pub async fn withdraw_declaration(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
        confirm: bool,
    ) -> ServiceResult<DeclarationSummary> {
        let enterprise_id = authz::require_enterprise(session)?.to_string();
        let mut w = self.write().await?;
        let today = w.today();
        let item = load_declaration(&mut w, id).await?;
        if item.enterprise_id != enterprise_id {
            return Err(Refusal::NotOwner.into());
        }
        let window_open = match enterprise_authority(&mut w, &enterprise_id).await? {
            Some(a) => facts::window_open(&mut w, &a, item.tier, item.batch, today).await?,
            None => false,
        };
        let done = items::act(
            &mut w,
            session,
            id,
            expected_version,
            &Action::Withdraw,
            ItemFacts {
                window_open,
                ..ItemFacts::default()
            },
        )
        .await?;
        if let Some(warning) = done.outcome.warning
            && !confirm
        {
            return Err(ServiceError::rule(
                "confirm_withdraw_closed_window",
                warning.text(),
            ));
        }
        let item = done
            .item
            .ok_or_else(|| ServiceError::internal("withdraw removed the item"))?;
        w.commit().await?;
        Ok(DeclarationSummary::of(&item))
    }

    /// The enterprise's own declarations, most recently changed first, paged.
    pub async fn my_declarations(
        &self,
        session: &Session,
        filter: &DeclarationFilter,
        page: &PageRequest,
    ) -> ServiceResult<Page<DeclarationSummary>> {
        let enterprise_id = authz::require_enterprise(session)?.to_string();
        let state = match filter.state.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => {
                Some(State::CODES.into_iter().find(|c| *c == s).ok_or_else(|| {
                    ServiceError::invalid(
                        "state",
                        Text::new(
                            format!("未知的状态“{s}”，可选：{}。", State::CODES.join("、")),
                            format!(
                                "Unknown state \"{s}\"; expected one of: {}.",
                                State::CODES.join(", ")
                            ),
                        ),
                    )
                })?)
            }
            _ => None,
        };
        let limit = page.limit();
        let mut q = Sql::new(&format!("SELECT {SUMMARY_COLUMNS} FROM items"));
        q.push(" WHERE kind = 'declaration' AND enterprise_id = ")
            .bind(enterprise_id);
        if let Some(tier) = filter.tier {
            q.push(" AND tier = ").bind(tier.code());
        }
        if let Some(batch) = filter.batch {
            q.push(" AND batch = ").bind(batch);
        }
        if let Some(state) = state {
            q.push(" AND state = ").bind(state);
        }
        keyset(
            &mut q,
            "updated_at",
            "id",
            Order::Desc,
            page.cursor()?.as_ref(),
            limit,
        );
        let mut conn = self.read().await?;
        let rows = q.fetch_all(&mut conn).await?;
        let items = rows
            .iter()
            .map(summary_from_row)
            .collect::<ServiceResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |s| {
            Cursor::new(ms(s.updated_at), &s.id)
        }))
    }

    /// A declaration in full (payload, stored breakdown, evidence, history): its enterprise, and
    /// reviewers or admins in scope once submitted.
    pub async fn declaration(
        &self,
        session: &Session,
        id: &str,
    ) -> ServiceResult<DeclarationDetail> {
        require_reader_role(session)?;
        let mut conn = self.read().await?;
        let item = load_declaration(&mut conn, id).await?;
        authorize_read(session, &item)?;
        let evidence = evidence_of(&mut conn, id).await?;
        let history = history_of(&mut conn, id).await?;
        let mut d = detail(&item, evidence, history)?;
        let actor =
            authz::workflow_actor(session, &item.enterprise_id, item.county_code.as_deref());
        if actor == workflow::Actor::Owner {
            let today = self.today();
            let ctx = SubmitContext::gather(&mut conn, &item, today).await?;
            let facts = ctx.item_facts();
            // Withdrawing is judged against the item's own chain, submitting against the chain
            // in force (as `items::act` does).
            let chain = match item.state {
                State::Draft | State::Returned | State::Withdrawn => ctx.chain.clone(),
                _ => item.chain.clone().unwrap_or_else(|| ctx.chain.clone()),
            };
            let domain = facts.for_item(&item, &chain);
            d.actions = workflow::owner_actions(item.state, &actor, &domain);
            if matches!(
                item.state,
                State::Draft | State::Returned | State::Withdrawn
            ) {
                d.submit_blockers = workflow::submit_blockers(item.state, &domain)
                    .iter()
                    .map(|r| ctx.explain(r, &item, today))
                    .collect();
            }
        }
        d.actions.push(workflow::OfferedAction {
            action: workflow::OwnerAction::Export,
            confirm: None,
        });
        Ok(d)
    }
}

pub(crate) fn detail(
    item: &Item,
    evidence: Vec<EvidenceView>,
    history: Vec<HistoryEntry>,
) -> ServiceResult<DeclarationDetail> {
    let ruleset = Ruleset::builtin(&item.ruleset).unwrap_or_else(|| ruleset_of(item));
    Ok(DeclarationDetail {
        summary: DeclarationSummary::of(item),
        ruleset: ruleset.id.clone(),
        ruleset_title: ruleset.title.clone(),
        inputs: inputs_of(&item.payload),
        breakdown: item
            .breakdown
            .clone()
            .map(serde_json::from_value)
            .transpose()?,
        chain: item.chain.clone(),
        digital_level: item
            .digital_level
            .and_then(|l| u8::try_from(l).ok())
            .and_then(DigitalLevel::from_number),
        evidence,
        history,
        actions: Vec::new(),
        submit_blockers: Vec::new(),
    })
}

const SUMMARY_COLUMNS: &str = "id, enterprise_id, enterprise_name, uscc, tier, batch, window_id, \
     state, level, score, qualifies, version, submitted_at, created_at, updated_at";

fn summary_from_row(row: &AnyRow) -> ServiceResult<DeclarationSummary> {
    let tier: String = row.try_get("tier")?;
    let tier = Tier::from_code(&tier)
        .ok_or_else(|| ServiceError::internal(format!("unknown tier {tier:?}")))?;
    let state: String = row.try_get("state")?;
    let level: Option<String> = row.try_get("level")?;
    let state = items::state_from_columns(&state, level.as_deref())?;
    Ok(DeclarationSummary {
        id: row.try_get("id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        enterprise_name: row.try_get("enterprise_name")?,
        uscc: row.try_get("uscc")?,
        tier,
        tier_name: tier.name(),
        batch: row.try_get("batch")?,
        window_id: row.try_get("window_id")?,
        state,
        state_name: state.name(),
        level: state.level(),
        score: row.try_get("score")?,
        qualifies: row.try_get::<Option<i64>, _>("qualifies")?.map(|q| q != 0),
        version: row.try_get("version")?,
        submitted_at: row.try_get::<Option<i64>, _>("submitted_at")?.map(from_ms),
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
    })
}

/// The 申报提醒 message confirming a submission and naming the level that reviews it first.
async fn post_submitted(w: &mut Write, item: &Item) -> ServiceResult<()> {
    let level = item
        .state
        .level()
        .map(|l| l.name())
        .unwrap_or_else(|| Text::new("", ""));
    let at = china_minutes(w.now);
    messages::post(
        w,
        &Recipient::Enterprise(item.enterprise_id.clone()),
        Category::Reminder,
        &Text::new(
            format!("{}申报已提交", item.tier.short_name().zh),
            format!("{} declaration submitted", item.tier.short_name().en),
        ),
        &Text::new(
            format!(
                "贵企业的{}申报（{}年度批次）已于 {at} 提交，当前由{}审核。审核人员处理前可以撤回修改。",
                item.tier.name().zh,
                item.batch,
                level.zh
            ),
            format!(
                "Your {} declaration (batch {}) was submitted at {at} (Beijing time) and awaits \
                 {}-level review. You can withdraw it to make changes until a reviewer acts.",
                item.tier.name().en,
                item.batch,
                level.en
            ),
        ),
        None,
    )
    .await?;
    Ok(())
}
