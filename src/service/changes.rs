//! Major-change reports (重大变更, DOMAIN.md §5): items of kind `change` whose `subtype` is the
//! [`ChangeKind`].
//!
//! - A certified enterprise reports a change within 3 months of the change date
//!   ([`calendar::change_report_deadline`]). The report date is the day of the first submission
//!   **(our rule)**: a report returned for correction and resubmitted keeps it. A late report is
//!   flagged (`late` in the payload) and shown with the 3-month rule; late or overdue reports
//!   lose 复核 eligibility (`has_late_change`).
//! - Drafts are edited and deleted freely (never-submitted ones only, like declarations).
//! - A report states the situation before and after the change (DOMAIN.md §5: "type, date,
//!   before/after, description, evidence"); see [`ChangeInput::before`] for when they may be
//!   left empty.
//! - **Review chain (our rule)**: the province level of the enterprise's authority only. Its
//!   pass is the acknowledgement (受理). When the enterprise no longer qualifies after the
//!   change, the province cancels the certification with
//!   [`CancelReason::NoLongerQualifies`](crate::service::certifications::CancelReason).
//!
//! | use case | who |
//! |---|---|
//! | [`Service::create_change`], [`Service::edit_change`], [`Service::delete_change`], [`Service::submit_change`], [`Service::withdraw_change`], [`Service::changes`] | the enterprise |
//! | [`Service::acknowledge_change`], [`Service::return_change`] | a province-level reviewer or admin in scope |
//! | [`Service::change_detail`] | the enterprise; staff in scope |

use crate::domain::calendar;
use crate::domain::rules::Ruleset;
use crate::domain::text::Text;
use crate::domain::workflow::{Action, State};
use crate::service::audit::{HistoryEntry, Who};
use crate::service::authz;
use crate::service::certifications::{
    active_certifications, check_item_version, item_with_history, load_item, not_certified,
    require_owner, tell,
};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::items::{self, Item, ItemFacts, ItemKind, NewItem};
use crate::service::messages::Category;
use crate::service::paging::{Cursor, Order, Page, PageRequest, Sql, keyset};
use crate::service::review::Figure;
use crate::service::session::Session;
use crate::service::updates::update_chain;
use crate::service::validate::{Fields, optional, required};
use crate::service::{Service, Write};
use crate::store::{Conn, ms};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// The type of a major change.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// 更名
    Rename,
    /// 合并
    Merger,
    /// 重组
    Restructuring,
    /// 跨省迁移
    Relocation,
    /// 设立境外分支机构
    OverseasBranch,
    /// 其他
    Other,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 6] = [
        ChangeKind::Rename,
        ChangeKind::Merger,
        ChangeKind::Restructuring,
        ChangeKind::Relocation,
        ChangeKind::OverseasBranch,
        ChangeKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::Rename => "rename",
            ChangeKind::Merger => "merger",
            ChangeKind::Restructuring => "restructuring",
            ChangeKind::Relocation => "relocation",
            ChangeKind::OverseasBranch => "overseas_branch",
            ChangeKind::Other => "other",
        }
    }

    pub fn from_code(s: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Whether a report of this type must state the situation before and after the change
    /// ([`crate::domain::change::needs_before_after`]: every type but 其他).
    pub fn needs_before_after(self) -> bool {
        crate::domain::change::needs_before_after(self.code())
    }

    pub fn name(self) -> Text {
        match self {
            ChangeKind::Rename => Text::new("更名", "renaming"),
            ChangeKind::Merger => Text::new("合并", "merger"),
            ChangeKind::Restructuring => Text::new("重组", "restructuring"),
            ChangeKind::Relocation => Text::new("跨省迁移", "relocation to another province"),
            ChangeKind::OverseasBranch => Text::new("设立境外分支机构", "an overseas branch"),
            ChangeKind::Other => Text::new("其他", "other"),
        }
    }
}

/// What the enterprise states about a change.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeInput {
    pub kind: ChangeKind,
    /// The day the change took effect (not after today).
    pub change_date: NaiveDate,
    /// The situation before the change (the former name, the parties, the former province …),
    /// at most [`BEFORE_AFTER_CHARS`] characters. Required for every type but 其他
    /// ([`ChangeKind::needs_before_after`]); absent reads as empty.
    #[serde(default)]
    pub before: String,
    /// The situation after the change; as [`ChangeInput::before`].
    #[serde(default)]
    pub after: String,
    pub description: String,
}

/// The longest `before` / `after` text, in characters.
pub const BEFORE_AFTER_CHARS: usize = 500;

/// The longest description, in characters.
pub const DESCRIPTION_CHARS: usize = 2000;

/// The payload of a change item. Reports made before `before`/`after` existed read as empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ChangePayload {
    change_date: NaiveDate,
    #[serde(default)]
    before: String,
    #[serde(default)]
    after: String,
    description: String,
    /// The day of the first submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reported_on: Option<NaiveDate>,
    /// Reported after the deadline (set at the first submission).
    #[serde(default)]
    late: bool,
}

/// A major-change report.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub change_date: NaiveDate,
    /// The situation before the change (empty in reports made before it was asked for).
    pub before: String,
    /// The situation after the change (as `before`).
    pub after: String,
    pub description: String,
    /// The last day to report it on time.
    pub deadline: NaiveDate,
    /// The day it was first submitted.
    pub reported_on: Option<NaiveDate>,
    /// Reported late; before it is reported: already overdue today.
    pub late: bool,
    /// The 3-month rule and where this report stands against it.
    pub rule: Text,
    pub item: Item,
}

/// A change with its workflow history.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct ChangeDetail {
    pub change: Change,
    pub history: Vec<HistoryEntry>,
    /// What the caller may do to it now (the owner's edit / submit / resubmit / withdraw /
    /// withdraw_edit / delete, from the workflow table; nothing for staff).
    pub actions: Vec<crate::domain::workflow::OfferedAction>,
}

/// Filter of [`Service::changes`].
#[derive(utoipa::IntoParams, Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct ChangeFilter {
    #[serde(default)]
    pub kind: Option<ChangeKind>,
}

fn payload_of(item: &Item) -> ServiceResult<ChangePayload> {
    Ok(serde_json::from_value(item.payload.clone())?)
}

fn rule_text(deadline: NaiveDate, reported_on: Option<NaiveDate>, late: bool) -> Text {
    let months = calendar::CHANGE_REPORT_MONTHS;
    let (zh, en) = match (reported_on, late) {
        (Some(on), true) => (
            format!("本报告于 {on} 提交，已逾期。"),
            format!("This report was made on {on}, late."),
        ),
        (Some(on), false) => (
            format!("本报告于 {on} 提交，未逾期。"),
            format!("This report was made on {on}, in time."),
        ),
        (None, true) => (
            "已超过报告期限，请尽快提交。".to_string(),
            "The deadline has passed: submit the report as soon as possible.".to_string(),
        ),
        (None, false) => (
            format!("请在 {deadline} 前提交。"),
            format!("Submit it by {deadline}."),
        ),
    };
    Text::new(
        format!(
            "重大变更须在变更发生之日起{months}个月内报告（本次截止 {deadline}）；逾期或未报告将失去复核资格，并可能被取消认定。{zh}"
        ),
        format!(
            "A major change must be reported within {months} months of the change (here by \
             {deadline}); a late or missing report loses the eligibility for review (复核) and \
             may lead to cancellation. {en}"
        ),
    )
}

/// The view of a change item as of `today`.
fn change_of(item: Item, today: NaiveDate) -> ServiceResult<Change> {
    let p = payload_of(&item)?;
    let kind = item
        .subtype
        .as_deref()
        .and_then(ChangeKind::from_code)
        .ok_or_else(|| ServiceError::internal(format!("change {} without a kind", item.id)))?;
    let deadline = calendar::change_report_deadline(p.change_date);
    let late = match p.reported_on {
        Some(_) => p.late,
        None => calendar::is_change_late(p.change_date, today),
    };
    Ok(Change {
        kind,
        change_date: p.change_date,
        before: p.before,
        after: p.after,
        description: p.description,
        deadline,
        reported_on: p.reported_on,
        late,
        rule: rule_text(deadline, p.reported_on, late),
        item,
    })
}

/// The checked texts of an input.
struct Checked {
    before: String,
    after: String,
    description: String,
}

fn check_input(input: &ChangeInput, today: NaiveDate) -> ServiceResult<Checked> {
    let mut f = Fields::default();
    if input.change_date > today {
        f.push(
            "change_date",
            Text::new(
                format!(
                    "变更日期 {} 晚于今天（{today}）：请在变更发生后再报告。",
                    input.change_date
                ),
                format!(
                    "The change date {} is after today ({today}): report a change once it has \
                     taken effect.",
                    input.change_date
                ),
            ),
        );
    }
    let kind = input.kind.name();
    let mut side = |field: &str, value: &str, zh: &str, en: &str| {
        let what = Text::new(zh, en);
        let r = if input.kind.needs_before_after() {
            required(value, BEFORE_AFTER_CHARS, what).map_err(|e| {
                if value.trim().is_empty() {
                    Text::new(
                        format!(
                            "请填写{zh}：{}类变更须写明变更前后的情况（仅“其他”类可不填）。",
                            kind.zh
                        ),
                        format!(
                            "Enter {en}: a report of {} states the situation before and after \
                             the change (only \"other\" may leave it empty).",
                            kind.en
                        ),
                    )
                } else {
                    e
                }
            })
        } else {
            optional(Some(value), BEFORE_AFTER_CHARS, what).map(Option::unwrap_or_default)
        };
        f.check(field, r).unwrap_or_default()
    };
    let before = side(
        "before",
        &input.before,
        "变更前情况",
        "the situation before the change",
    );
    let after = side(
        "after",
        &input.after,
        "变更后情况",
        "the situation after the change",
    );
    let description = f.check(
        "description",
        required(
            &input.description,
            DESCRIPTION_CHARS,
            Text::new("变更情况说明", "a description of the change"),
        ),
    );
    f.finish()?;
    Ok(Checked {
        before,
        after,
        description: description.unwrap_or_default(),
    })
}

/// What a reviewer reads of a change in the item detail (the figures of the 概况 tab): type,
/// date, before, after, description and where the report stands against the 3-month rule.
/// `None` for a payload that is not a change's.
pub(crate) fn change_figures(item: &Item) -> Option<Vec<Figure>> {
    let p: ChangePayload = serde_json::from_value(item.payload.clone()).ok()?;
    let kind = item.subtype.as_deref().and_then(ChangeKind::from_code)?;
    let fig = |id: &str, zh: &str, en: &str, value: Option<Text>| Figure {
        id: id.to_string(),
        label: Text::new(zh, en),
        value,
    };
    let plain = |s: &str| (!s.trim().is_empty()).then(|| Text::new(s, s));
    let deadline = calendar::change_report_deadline(p.change_date);
    let date = p.change_date.to_string();
    Some(vec![
        fig("kind", "变更类型", "Type", Some(kind.name())),
        fig("change_date", "变更日期", "Date", plain(&date)),
        fig("before", "变更前", "Before", plain(&p.before)),
        fig("after", "变更后", "After", plain(&p.after)),
        fig(
            "description",
            "变更情况说明",
            "Description",
            plain(&p.description),
        ),
        fig(
            "report",
            "报告情况",
            "Report",
            Some(rule_text(deadline, p.reported_on, p.late)),
        ),
    ])
}

/// Whether a certification granted on `since` is touched by a late major change of its
/// enterprise: one dated on or after `since` that was reported late, or is still unreported past
/// its deadline on `today`.
pub(crate) async fn has_late_change(
    conn: &mut Conn,
    enterprise_id: &str,
    since: NaiveDate,
    today: NaiveDate,
) -> ServiceResult<bool> {
    let rows =
        sqlx::query("SELECT payload FROM items WHERE enterprise_id = $1 AND kind = 'change'")
            .bind(enterprise_id)
            .fetch_all(conn)
            .await?;
    for row in rows {
        let p: ChangePayload = serde_json::from_str(&row.try_get::<String, _>("payload")?)?;
        if p.change_date < since {
            continue;
        }
        let late = match p.reported_on {
            Some(_) => p.late,
            None => calendar::is_change_late(p.change_date, today),
        };
        if late {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What the final pass (受理) of a change implies: the enterprise is told.
pub(crate) async fn on_final_pass(w: &mut Write, item: &Item) -> ServiceResult<()> {
    let change = change_of(item.clone(), w.today())?;
    let kind = change.kind.name();
    let (late_zh, late_en) = if change.late {
        (
            "该报告超过变更后3个月的报告期限，将影响复核资格。",
            " The report was made after the 3-month deadline, which affects the eligibility for \
             review (复核).",
        )
    } else {
        ("", "")
    };
    tell(
        w,
        &item.enterprise_id,
        Category::Certification,
        Text::new(
            format!("重大变更（{}）已受理", kind.zh),
            format!("Major change ({}) acknowledged", kind.en),
        ),
        Text::new(
            format!(
                "贵企业于 {} 发生的重大变更（{}）报告已受理。{late_zh}",
                change.change_date, kind.zh
            ),
            format!(
                "Your report of the major change ({}) of {} has been acknowledged.{late_en}",
                kind.en, change.change_date
            ),
        ),
    )
    .await
}

impl Service {
    /// Starts a major-change report (a draft) for the caller's certified enterprise.
    pub async fn create_change(
        &self,
        session: &Session,
        input: &ChangeInput,
    ) -> ServiceResult<Change> {
        let enterprise_id = authz::require_enterprise(session)?.to_string();
        let today = self.today();
        let checked = check_input(input, today)?;
        let mut w = self.write().await?;
        let today = w.today();
        let cert = active_certifications(&mut w, &enterprise_id, today)
            .await?
            .into_iter()
            .next()
            .ok_or_else(not_certified)?;
        let payload = ChangePayload {
            change_date: input.change_date,
            before: checked.before,
            after: checked.after,
            description: checked.description,
            reported_on: None,
            late: false,
        };
        let item = items::create(
            &mut w,
            &Who::from(session),
            NewItem {
                kind: ItemKind::Change,
                subtype: Some(input.kind.code().to_string()),
                enterprise_id,
                certification_id: Some(cert.id),
                tier: cert.tier,
                batch: i64::from(today.year()),
                window_id: None,
                ruleset: Ruleset::for_batch_year(today.year()).id.clone(),
                payload: serde_json::to_value(&payload)?,
            },
        )
        .await?;
        w.commit().await?;
        change_of(item, today)
    }

    /// Edits a draft (or a returned or withdrawn report): type, date, before/after and
    /// description.
    pub async fn edit_change(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
        input: &ChangeInput,
    ) -> ServiceResult<Change> {
        authz::require_enterprise(session)?;
        let mut w = self.write().await?;
        let today = w.today();
        let item = load_item(&mut w, item_id, ItemKind::Change).await?;
        require_owner(session, &item)?;
        items::act(
            &mut w,
            session,
            item_id,
            expected_version,
            &Action::Edit,
            ItemFacts::default(),
        )
        .await?;
        let checked = check_input(input, today)?;
        let old = payload_of(&item)?;
        let payload = ChangePayload {
            change_date: input.change_date,
            before: checked.before,
            after: checked.after,
            description: checked.description,
            reported_on: old.reported_on,
            late: old
                .reported_on
                .is_some_and(|on| calendar::is_change_late(input.change_date, on)),
        };
        sqlx::query("UPDATE items SET subtype = $1, payload = $2 WHERE id = $3")
            .bind(input.kind.code())
            .bind(serde_json::to_string(&payload)?)
            .bind(item_id)
            .execute(&mut *w)
            .await?;
        let item = items::load(&mut w, item_id).await?;
        w.commit().await?;
        change_of(item, today)
    }

    /// Deletes a draft that was never submitted.
    pub async fn delete_change(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
    ) -> ServiceResult<()> {
        authz::require_enterprise(session)?;
        let mut w = self.write().await?;
        let item = load_item(&mut w, item_id, ItemKind::Change).await?;
        require_owner(session, &item)?;
        items::act(
            &mut w,
            session,
            item_id,
            expected_version,
            &Action::Delete,
            ItemFacts::default(),
        )
        .await?;
        w.commit().await
    }

    /// Submits the report to the province. The first submission fixes the report date and
    /// whether it is late.
    pub async fn submit_change(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
    ) -> ServiceResult<Change> {
        authz::require_enterprise(session)?;
        let mut w = self.write().await?;
        let today = w.today();
        let item = load_item(&mut w, item_id, ItemKind::Change).await?;
        require_owner(session, &item)?;
        check_item_version(&mut w, session, &item, expected_version, &Action::Submit).await?;
        if active_certifications(&mut w, &item.enterprise_id, today)
            .await?
            .is_empty()
        {
            return Err(not_certified());
        }
        let facts = ItemFacts {
            window_open: true,
            basic_info_complete: true,
            prerequisites_met: true,
            other_open_declaration: false,
            barred: false,
            submit_chain: Some(update_chain()),
        };
        items::act(
            &mut w,
            session,
            item_id,
            expected_version,
            &Action::Submit,
            facts,
        )
        .await?;
        let mut payload = payload_of(&item)?;
        let reported_on = *payload.reported_on.get_or_insert(today);
        payload.late = calendar::is_change_late(payload.change_date, reported_on);
        sqlx::query("UPDATE items SET payload = $1 WHERE id = $2")
            .bind(serde_json::to_string(&payload)?)
            .bind(item_id)
            .execute(&mut *w)
            .await?;
        let item = items::load(&mut w, item_id).await?;
        w.commit().await?;
        change_of(item, today)
    }

    /// Withdraws a submitted report while no reviewer has acted on it.
    pub async fn withdraw_change(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
    ) -> ServiceResult<Change> {
        authz::require_enterprise(session)?;
        let mut w = self.write().await?;
        let today = w.today();
        let item = load_item(&mut w, item_id, ItemKind::Change).await?;
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
        change_of(
            done.item
                .ok_or_else(|| ServiceError::internal("withdrawn change vanished"))?,
            today,
        )
    }

    /// Acknowledges (受理) a report: the province's pass, which ends its workflow.
    pub async fn acknowledge_change(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
    ) -> ServiceResult<Change> {
        authz::require_staff_level(session)?;
        let mut w = self.write().await?;
        let today = w.today();
        load_item(&mut w, item_id, ItemKind::Change).await?;
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
            .ok_or_else(|| ServiceError::internal("acknowledged change vanished"))?;
        if item.state == State::Approved {
            on_final_pass(&mut w, &item).await?;
        }
        w.commit().await?;
        change_of(item, today)
    }

    /// Returns a report to the enterprise with a reason (it may correct and resubmit it).
    pub async fn return_change(
        &self,
        session: &Session,
        item_id: &str,
        expected_version: i64,
        reason: &str,
    ) -> ServiceResult<Change> {
        authz::require_staff_level(session)?;
        let mut f = Fields::default();
        let reason = crate::service::review::check_reason(
            &mut f,
            crate::domain::workflow::ActionKind::Return,
            reason,
        );
        f.finish()?;
        let reason = reason.unwrap_or_default();
        let mut w = self.write().await?;
        let today = w.today();
        load_item(&mut w, item_id, ItemKind::Change).await?;
        let done = items::act(
            &mut w,
            session,
            item_id,
            expected_version,
            &Action::Return {
                reason: reason.clone(),
            },
            ItemFacts::default(),
        )
        .await?;
        let item = done
            .item
            .ok_or_else(|| ServiceError::internal("returned change vanished"))?;
        let change = change_of(item, today)?;
        let kind = change.kind.name();
        tell(
            &mut w,
            &change.item.enterprise_id,
            Category::Certification,
            Text::new(
                format!("重大变更（{}）报告被退回", kind.zh),
                format!("Major change ({}) report returned", kind.en),
            ),
            Text::new(
                format!(
                    "贵企业的重大变更（{}）报告被退回，原因：{reason}。请修改后重新提交。",
                    kind.zh
                ),
                format!(
                    "Your report of the major change ({}) was returned: {reason}. Correct it and \
                     submit it again.",
                    kind.en
                ),
            ),
        )
        .await?;
        w.commit().await?;
        Ok(change)
    }

    /// The caller's major-change reports, newest first, optionally of one type.
    pub async fn changes(
        &self,
        session: &Session,
        filter: &ChangeFilter,
        page: &PageRequest,
    ) -> ServiceResult<Page<Change>> {
        let enterprise_id = authz::require_enterprise(session)?;
        let today = self.today();
        let limit = page.limit();
        let mut q = Sql::new("SELECT id, created_at FROM items WHERE enterprise_id = ");
        q.bind(enterprise_id.to_string());
        q.push(" AND kind = 'change'");
        if let Some(kind) = filter.kind {
            q.push(" AND subtype = ").bind(kind.code());
        }
        keyset(
            &mut q,
            "created_at",
            "id",
            Order::Desc,
            page.cursor()?.as_ref(),
            limit,
        );
        let mut conn = self.read().await?;
        let rows = q.fetch_all(&mut conn).await?;
        let mut changes = Vec::with_capacity(rows.len());
        for row in rows {
            let item = items::load(&mut conn, &row.try_get::<String, _>("id")?).await?;
            changes.push(change_of(item, today)?);
        }
        Ok(Page::from_rows(changes, limit, |c| {
            Cursor::new(ms(c.item.created_at), &c.item.id)
        }))
    }

    /// One report with its history.
    pub async fn change_detail(
        &self,
        session: &Session,
        item_id: &str,
    ) -> ServiceResult<ChangeDetail> {
        let mut conn = self.read().await?;
        let detail = item_with_history(&mut conn, session, item_id, ItemKind::Change).await?;
        let actions = owner_actions(&mut conn, session, &detail.item, self.today()).await?;
        Ok(ChangeDetail {
            change: change_of(detail.item, self.today())?,
            history: detail.history,
            actions,
        })
    }
}

/// The owner's actions on a change report now, from the workflow table with the facts the use
/// cases act on: no window; submitting needs a valid certification.
async fn owner_actions(
    conn: &mut Conn,
    session: &Session,
    item: &Item,
    today: NaiveDate,
) -> ServiceResult<Vec<crate::domain::workflow::OfferedAction>> {
    use crate::domain::workflow::OwnerAction;
    if session.enterprise_id.as_deref() != Some(item.enterprise_id.as_str()) {
        return Ok(Vec::new());
    }
    let certified = !active_certifications(conn, &item.enterprise_id, today)
        .await?
        .is_empty();
    // a report needs a certification to be submitted; nothing else outside the item counts
    let facts = ItemFacts {
        window_open: true,
        basic_info_complete: true,
        prerequisites_met: certified,
        other_open_declaration: false,
        barred: false,
        submit_chain: Some(update_chain()),
    };
    Ok(items::owner_actions(
        session,
        item,
        &facts,
        &[
            OwnerAction::Edit,
            OwnerAction::Submit,
            OwnerAction::Resubmit,
            OwnerAction::Withdraw,
            OwnerAction::WithdrawEdit,
            OwnerAction::Delete,
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn kinds_round_trip() {
        for k in ChangeKind::ALL {
            assert_eq!(ChangeKind::from_code(k.code()), Some(k));
        }
        assert_eq!(ChangeKind::OverseasBranch.name().zh, "设立境外分支机构");
    }

    #[test]
    fn the_rule_text_names_the_deadline_and_the_verdict() {
        let t = rule_text(d("2025-03-03"), Some(d("2025-03-04")), true);
        assert!(t.zh.contains("3个月") && t.zh.contains("2025-03-03") && t.zh.contains("已逾期"));
        assert!(t.en.contains("late"));
        let t = rule_text(d("2025-03-03"), None, false);
        assert!(t.zh.contains("请在 2025-03-03 前提交"));
    }
}
