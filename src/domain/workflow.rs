//! The declaration workflow (DESIGN.md §2), reused by 复核 applications and info updates.
//!
//! [`transition`] is the single transition table: one `match` over (state, action) whose arms carry
//! the conditions. Everything the UI offers ([`allowed_actions`]) and everything the service
//! enforces goes through it. The function is pure: the service computes the actor's relation to
//! the item and the [`Facts`] (window, bars, the review-chain snapshot …) and records the outcome.
//!
//! Order of checks, so a refusal names the most basic problem first and never tells an outsider
//! more than it needs to: (1) who may perform this kind of action at all (the owning enterprise
//! for edit/delete/submit/withdraw, a reviewer for claim/pass/return/reject), (2) for reviewers,
//! whether the enterprise is in their region, (3) whether the state allows the action,
//! (4) whether the reviewer's level is the item's current level, (5) the action's own conditions.

use crate::domain::text::{Localized, Text};
use crate::domain::tiers::ReviewLevel;
use serde::{Deserialize, Serialize};
use std::fmt;

pub use crate::domain::chain::{Chain, ChainError, default_chain, final_level};

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/// The state of a declaration (or 复核 application, or info update).
///
/// Stored as two columns: [`State::code`] and [`State::level`]; rebuilt with [`State::from_parts`].
/// Serialises the same way: `{"state":"submitted","level":"city"}`, `{"state":"draft"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "StateParts", try_from = "StateParts")]
pub enum State {
    /// 暂存
    Draft,
    /// 待审核(level): waiting for a reviewer of that level.
    Submitted(ReviewLevel),
    /// 审核中(level): claimed by a reviewer of that level.
    InReview(ReviewLevel),
    /// 已通过
    Approved,
    /// 未通过 (final)
    Rejected,
    /// 已退回: back with the enterprise for changes.
    Returned,
    /// 已撤回: taken back by the enterprise before any reviewer acted.
    Withdrawn,
}

impl State {
    /// Every state code, in workflow order.
    pub const CODES: [&'static str; 7] = [
        "draft",
        "submitted",
        "in_review",
        "approved",
        "rejected",
        "returned",
        "withdrawn",
    ];

    /// Stable machine name (the `state` column).
    pub fn code(&self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted(_) => "submitted",
            State::InReview(_) => "in_review",
            State::Approved => "approved",
            State::Rejected => "rejected",
            State::Returned => "returned",
            State::Withdrawn => "withdrawn",
        }
    }

    /// The current review level (the `level` column); only for submitted and in-review items.
    pub fn level(&self) -> Option<ReviewLevel> {
        match self {
            State::Submitted(l) | State::InReview(l) => Some(*l),
            _ => None,
        }
    }

    /// Rebuilds a state from its two columns. A level is required exactly for `submitted` and
    /// `in_review`.
    pub fn from_parts(code: &str, level: Option<ReviewLevel>) -> Result<State, StateError> {
        let needs_level = matches!(code, "submitted" | "in_review");
        match (needs_level, level) {
            (true, None) => return Err(StateError::LevelMissing(code.to_string())),
            (false, Some(l)) if State::CODES.contains(&code) => {
                return Err(StateError::LevelUnexpected {
                    code: code.to_string(),
                    level: l,
                });
            }
            _ => {}
        }
        match (code, level) {
            ("draft", None) => Ok(State::Draft),
            ("submitted", Some(l)) => Ok(State::Submitted(l)),
            ("in_review", Some(l)) => Ok(State::InReview(l)),
            ("approved", None) => Ok(State::Approved),
            ("rejected", None) => Ok(State::Rejected),
            ("returned", None) => Ok(State::Returned),
            ("withdrawn", None) => Ok(State::Withdrawn),
            _ => Err(StateError::UnknownCode(code.to_string())),
        }
    }

    /// Display name: 暂存, 待审核(市级), 审核中(市级), 已通过, 未通过, 已退回, 已撤回.
    pub fn name(&self) -> Text {
        match self {
            State::Draft => Text::new("暂存", "Draft"),
            State::Submitted(l) => Text::new(
                format!("待审核({})", l.name().zh),
                format!("Awaiting review ({})", l.name().en),
            ),
            State::InReview(l) => Text::new(
                format!("审核中({})", l.name().zh),
                format!("In review ({})", l.name().en),
            ),
            State::Approved => Text::new("已通过", "Approved"),
            State::Rejected => Text::new("未通过", "Rejected"),
            State::Returned => Text::new("已退回", "Returned"),
            State::Withdrawn => Text::new("已撤回", "Withdrawn"),
        }
    }

    /// Approved and rejected items never change again.
    pub fn is_terminal(&self) -> bool {
        matches!(self, State::Approved | State::Rejected)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name().zh)
    }
}

/// The column form of a [`State`] (also its serde form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateParts {
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<ReviewLevel>,
}

impl From<State> for StateParts {
    fn from(s: State) -> StateParts {
        StateParts {
            state: s.code().to_string(),
            level: s.level(),
        }
    }
}

impl TryFrom<StateParts> for State {
    type Error = StateError;

    fn try_from(p: StateParts) -> Result<State, StateError> {
        State::from_parts(&p.state, p.level)
    }
}

/// A stored state that cannot be read back (a corrupt row or a bad request body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    UnknownCode(String),
    LevelMissing(String),
    LevelUnexpected { code: String, level: ReviewLevel },
}

impl Localized for StateError {
    fn text(&self) -> Text {
        match self {
            StateError::UnknownCode(c) => Text::new(
                format!("未知的流程状态“{c}”。"),
                format!("Unknown workflow state \"{c}\"."),
            ),
            StateError::LevelMissing(c) => Text::new(
                format!("流程状态“{c}”缺少审核层级。"),
                format!("Workflow state \"{c}\" needs a review level."),
            ),
            StateError::LevelUnexpected { code, level } => Text::new(
                format!("流程状态“{code}”不应带有审核层级（{}）。", level.name().zh),
                format!(
                    "Workflow state \"{code}\" takes no review level (got {}).",
                    level.name().en
                ),
            ),
        }
    }
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().en)
    }
}

impl std::error::Error for StateError {}

// ---------------------------------------------------------------------------------------------
// Actions and actors
// ---------------------------------------------------------------------------------------------

/// What someone asks to do to an item. Serialises as `{"action":"return","reason":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Edit / save (修改, 暂存).
    Edit,
    Delete,
    Submit,
    Withdraw,
    /// Take a submitted item into review at the reviewer's level (领取).
    Claim,
    Pass,
    Return {
        reason: String,
    },
    Reject {
        reason: String,
    },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Edit => ActionKind::Edit,
            Action::Delete => ActionKind::Delete,
            Action::Submit => ActionKind::Submit,
            Action::Withdraw => ActionKind::Withdraw,
            Action::Claim => ActionKind::Claim,
            Action::Pass => ActionKind::Pass,
            Action::Return { .. } => ActionKind::Return,
            Action::Reject { .. } => ActionKind::Reject,
        }
    }

    /// The reason of a return or rejection, trimmed (what the service should record).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Action::Return { reason } | Action::Reject { reason } => Some(reason.trim()),
            _ => None,
        }
    }
}

/// An [`Action`] without its data: what a menu or a key binding offers.
#[derive(
    utoipa::ToSchema,
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Edit,
    Delete,
    Submit,
    Withdraw,
    Claim,
    Pass,
    Return,
    Reject,
}

/// Who may perform a kind of action at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Performer {
    Owner,
    Reviewer,
}

impl ActionKind {
    pub const ALL: [ActionKind; 8] = [
        ActionKind::Edit,
        ActionKind::Delete,
        ActionKind::Submit,
        ActionKind::Withdraw,
        ActionKind::Claim,
        ActionKind::Pass,
        ActionKind::Return,
        ActionKind::Reject,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActionKind::Edit => "edit",
            ActionKind::Delete => "delete",
            ActionKind::Submit => "submit",
            ActionKind::Withdraw => "withdraw",
            ActionKind::Claim => "claim",
            ActionKind::Pass => "pass",
            ActionKind::Return => "return",
            ActionKind::Reject => "reject",
        }
    }

    pub fn from_code(s: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            ActionKind::Edit => Text::new("修改", "edit"),
            ActionKind::Delete => Text::new("删除", "delete"),
            ActionKind::Submit => Text::new("提交", "submit"),
            ActionKind::Withdraw => Text::new("撤回", "withdraw"),
            ActionKind::Claim => Text::new("领取审核", "claim"),
            ActionKind::Pass => Text::new("通过", "pass"),
            ActionKind::Return => Text::new("退回", "return"),
            ActionKind::Reject => Text::new("不通过", "reject"),
        }
    }

    /// Return and reject need a reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, ActionKind::Return | ActionKind::Reject)
    }

    /// True for the enterprise's own actions (edit, delete, submit, withdraw).
    pub fn is_owner_action(self) -> bool {
        self.performer() == Performer::Owner
    }

    fn performer(self) -> Performer {
        match self {
            ActionKind::Edit | ActionKind::Delete | ActionKind::Submit | ActionKind::Withdraw => {
                Performer::Owner
            }
            ActionKind::Claim | ActionKind::Pass | ActionKind::Return | ActionKind::Reject => {
                Performer::Reviewer
            }
        }
    }

    /// A full action of this kind with a placeholder reason: used to ask the table whether the
    /// kind is allowed at all.
    pub fn probe(self) -> Action {
        match self {
            ActionKind::Edit => Action::Edit,
            ActionKind::Delete => Action::Delete,
            ActionKind::Submit => Action::Submit,
            ActionKind::Withdraw => Action::Withdraw,
            ActionKind::Claim => Action::Claim,
            ActionKind::Pass => Action::Pass,
            ActionKind::Return => Action::Return {
                reason: "-".to_string(),
            },
            ActionKind::Reject => Action::Reject {
                reason: "-".to_string(),
            },
        }
    }
}

/// The relation of the acting user to the item; computed by the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// The enterprise (legal-person account) that owns the item.
    Owner,
    /// Any other enterprise.
    OtherEnterprise,
    /// A reviewer (or an admin acting as a reviewer of their level); `in_scope` when the
    /// enterprise's registered county lies inside the reviewer's region.
    Reviewer { level: ReviewLevel, in_scope: bool },
    /// Help-desk staff: account triage only, never declarations.
    Support,
    /// Not logged in, or a natural-person account.
    Public,
}

/// What the service knows about the item and its context when an action is asked for.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// A declaration window for the enterprise's authority and the item's tier is open today.
    pub window_open: bool,
    /// The item has been submitted at least once (its history has a submission).
    pub ever_submitted: bool,
    /// Any reviewer has acted on the item (claim, pass …) since its last submission.
    pub reviewer_acted: bool,
    /// The enterprise's basic information is complete (注册地, 所属行业 …).
    pub basic_info_complete: bool,
    /// The tier's prerequisites hold (assessment on record; valid 专精特新 for 小巨人).
    pub prerequisites_met: bool,
    /// The enterprise has another open declaration for the same tier and batch (recommended:
    /// any other one that is submitted, in review, returned, withdrawn or approved).
    pub other_open_declaration: bool,
    /// The enterprise is barred from applying (cancellation for a serious reason, ≥ 3 years).
    pub barred: bool,
    /// The review chain: on submit, the chain to snapshot (its first level is where the item
    /// starts); afterwards, the item's snapshot (pass moves along it).
    pub chain: &'a Chain,
}

/// The result of an allowed action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The new state; `None` when the item is deleted.
    pub to: Option<State>,
    /// The final pass: the service creates the certification (valid 3 years).
    pub certify: bool,
    /// Something the user must confirm before the action is carried out.
    pub warning: Option<Warning>,
}

impl Outcome {
    fn to(state: State) -> Outcome {
        Outcome {
            to: Some(state),
            certify: false,
            warning: None,
        }
    }

    fn deleted() -> Outcome {
        Outcome {
            to: None,
            certify: false,
            warning: None,
        }
    }
}

/// A warning attached to an allowed action (the UI shows it in the confirm step).
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// Withdrawing while the window is closed: the item cannot be resubmitted.
    WindowClosedCannotResubmit,
}

impl Warning {
    pub fn code(self) -> &'static str {
        match self {
            Warning::WindowClosedCannotResubmit => "window_closed_cannot_resubmit",
        }
    }
}

impl Localized for Warning {
    fn text(&self) -> Text {
        match self {
            Warning::WindowClosedCannotResubmit => Text::new(
                "申报窗口已关闭：撤回后将不能再次提交，须等下一次申报窗口开放。确定要撤回吗？",
                "The declaration window is closed: once withdrawn, this declaration cannot be \
                 resubmitted until a window opens again. Withdraw anyway?",
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------

/// Why an action is refused: one variant per reason, each with a message saying what to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    /// Only the owning enterprise may do this.
    NotOwner,
    /// Only a reviewer may do this.
    NotReviewer,
    /// The item waits at another level than the reviewer's.
    WrongLevel {
        item_level: ReviewLevel,
        actor_level: ReviewLevel,
    },
    /// The enterprise is registered outside the reviewer's region.
    OutOfScope,
    WindowClosed,
    BasicInfoIncomplete,
    PrerequisitesMissing,
    AlreadyOpenDeclaration,
    Barred,
    /// Withdraw after a reviewer has acted.
    ReviewerAlreadyActed,
    /// Return or reject without a (non-blank) reason.
    ReasonRequired {
        action: ActionKind,
    },
    /// The state does not allow this action.
    NotAllowedInState {
        state: State,
        action: ActionKind,
    },
    /// Delete of an item that has been submitted before (its history must be kept).
    AlreadySubmittedOnce,
    /// The item's level is not in its chain snapshot (inconsistent data).
    LevelNotInChain {
        level: ReviewLevel,
    },
}

impl Refusal {
    /// Stable machine name (e.g. the problem `type` suffix in the API).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotOwner => "not_owner",
            Refusal::NotReviewer => "not_reviewer",
            Refusal::WrongLevel { .. } => "wrong_level",
            Refusal::OutOfScope => "out_of_scope",
            Refusal::WindowClosed => "window_closed",
            Refusal::BasicInfoIncomplete => "basic_info_incomplete",
            Refusal::PrerequisitesMissing => "prerequisites_missing",
            Refusal::AlreadyOpenDeclaration => "already_open_declaration",
            Refusal::Barred => "barred",
            Refusal::ReviewerAlreadyActed => "reviewer_already_acted",
            Refusal::ReasonRequired { .. } => "reason_required",
            Refusal::NotAllowedInState { .. } => "not_allowed_in_state",
            Refusal::AlreadySubmittedOnce => "already_submitted_once",
            Refusal::LevelNotInChain { .. } => "level_not_in_chain",
        }
    }
}

/// What to do next after an action was refused in a state (appended to the refusal message).
fn next_step(state: State, action: ActionKind) -> Text {
    match (state, action) {
        (State::Draft, ActionKind::Withdraw) => Text::new(
            "尚未提交，无需撤回；可以继续修改或删除。",
            "It has not been submitted, so there is nothing to withdraw; edit or delete it.",
        ),
        (State::Draft | State::Returned | State::Withdrawn, _) => Text::new(
            "企业尚未（重新）提交，暂时无需审核。",
            "The enterprise has not (re)submitted it yet; there is nothing to review.",
        ),
        (State::Submitted(_), ActionKind::Edit | ActionKind::Submit | ActionKind::Delete) => {
            Text::new(
                "已提交待审核；如需修改，请在审核人员处理前撤回。",
                "It is awaiting review; to change it, withdraw it before a reviewer acts.",
            )
        }
        (State::InReview(_), ActionKind::Claim) => Text::new(
            "已有审核人员领取，正在审核中；请直接审核或刷新队列。",
            "A reviewer has already claimed it; decide on it directly or refresh the queue.",
        ),
        (State::InReview(_), _) => Text::new(
            "正在审核中，不能修改；如需修改请联系审核人员退回。",
            "It is in review and cannot be changed; ask the reviewer to return it.",
        ),
        (State::Submitted(_), _) => Text::new(
            "已提交，正在等待审核。",
            "It has been submitted and is awaiting review.",
        ),
        (State::Approved, _) => Text::new(
            "申报已通过，流程已结束；认定信息的变化请通过信息更新或重大变更报告。",
            "It has been approved and the process is over; report later changes through an \
             info update or a major-change report.",
        ),
        (State::Rejected, _) => Text::new(
            "申报未通过，流程已结束；可在下一次申报窗口开放时重新申报。",
            "It was rejected and the process is over; declare again when the next window opens.",
        ),
    }
}

impl Localized for Refusal {
    fn text(&self) -> Text {
        match self {
            Refusal::NotOwner => Text::new(
                "只有申报企业本身（法人账户）可以进行此操作。",
                "Only the declaring enterprise (its legal-person account) can do this.",
            ),
            Refusal::NotReviewer => Text::new(
                "只有审核人员可以进行此操作。",
                "Only a reviewer can do this.",
            ),
            Refusal::WrongLevel {
                item_level,
                actor_level,
            } => Text::new(
                format!(
                    "该申报当前由{}审核，您是{}审核人员，不能处理；请等待流转到本级。",
                    item_level.name().zh,
                    actor_level.name().zh
                ),
                format!(
                    "This item is awaiting {}-level review; as a {}-level reviewer you cannot act \
                     on it until it reaches your level.",
                    item_level.name().en,
                    actor_level.name().en
                ),
            ),
            Refusal::OutOfScope => Text::new(
                "该企业的注册地不在您的管辖范围内，不能处理；请转交所属地区的审核人员。",
                "This enterprise is registered outside your region; leave it to the reviewers \
                 of its region.",
            ),
            Refusal::WindowClosed => Text::new(
                "申报窗口未开放，不能提交；可以先暂存，待申报窗口开放后再提交。",
                "The declaration window is not open; save it as a draft and submit it when a \
                 window opens.",
            ),
            Refusal::BasicInfoIncomplete => Text::new(
                "企业基本信息不完整（如注册地、所属行业）；请先在“企业信息”中补全后再提交。",
                "The enterprise's basic information is incomplete (e.g. registered address, \
                 industry); complete it under \"Enterprise information\" first.",
            ),
            Refusal::PrerequisitesMissing => Text::new(
                "不满足该层级的申报前提：专精特新须先完成数字化水平评测，小巨人须持有有效的专精特新认定。",
                "The tier's prerequisite is not met: an SRDI declaration needs a digital-level \
                 assessment on record, a Little Giant declaration a valid SRDI certification.",
            ),
            Refusal::AlreadyOpenDeclaration => Text::new(
                "本批次已有同一层级的申报，不能重复提交；请继续办理已有的申报。",
                "There is already a declaration for this tier in this batch; continue with that \
                 one instead.",
            ),
            Refusal::Barred => Text::new(
                "因被取消认定，企业在限制期内不得再次申报；限制期满后方可申报。",
                "After the cancellation of its certification the enterprise may not declare \
                 again until the bar expires.",
            ),
            Refusal::ReviewerAlreadyActed => Text::new(
                "审核人员已开始处理，不能撤回；如需修改请联系审核人员退回。",
                "A reviewer has already started on it, so it can no longer be withdrawn; to \
                 change it, ask the reviewer to return it.",
            ),
            Refusal::ReasonRequired { action } => Text::new(
                format!("请填写{}理由。", action.name().zh),
                format!("Give a reason to {}.", action.name().en),
            ),
            Refusal::NotAllowedInState { state, action } => {
                let hint = next_step(*state, *action);
                Text::new(
                    format!(
                        "当前状态为“{}”，不能{}。{}",
                        state.name().zh,
                        action.name().zh,
                        hint.zh
                    ),
                    format!(
                        "Cannot {} an item that is \"{}\". {}",
                        action.name().en,
                        state.name().en,
                        hint.en
                    ),
                )
            }
            Refusal::AlreadySubmittedOnce => Text::new(
                "已提交过的申报不能删除（审核记录需保留）；可以修改后重新提交。",
                "A declaration that has been submitted cannot be deleted (its review history is \
                 kept); edit it and submit it again instead.",
            ),
            Refusal::LevelNotInChain { level } => Text::new(
                format!(
                    "该申报当前的审核层级（{}）不在其审核链中，数据不一致；请联系管理员。",
                    level.name().zh
                ),
                format!(
                    "The item's current level ({}) is not in its review chain; the data is \
                     inconsistent, contact an administrator.",
                    level.name().en
                ),
            ),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().zh)
    }
}

impl std::error::Error for Refusal {}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

/// The single transition table (DESIGN.md §2):
///
/// | from | action | by | condition | to |
/// |---|---|---|---|---|
/// | Draft, Returned, Withdrawn | edit | owner | — | same |
/// | Draft | delete | owner | never submitted | deleted |
/// | Returned, Withdrawn | delete | — | refused: [`Refusal::AlreadySubmittedOnce`] | — |
/// | Draft, Withdrawn | submit | owner | not barred, window open, no other open declaration, basic info, prerequisites | Submitted(first) |
/// | Returned | submit | owner | the same **without the window** (our rule) | Submitted(first) |
/// | Submitted(L) | withdraw | owner | no reviewer acted (and L is the chain's first level) | Withdrawn (+ warning if the window is closed) |
/// | InReview | withdraw | — | refused: [`Refusal::ReviewerAlreadyActed`] | — |
/// | Submitted(L) | claim | reviewer L in scope | — | InReview(L) |
/// | Submitted(L), InReview(L) | pass | reviewer L in scope | L in chain | Submitted(next) or Approved + certify |
/// | Submitted(L), InReview(L) | return | reviewer L in scope | non-blank reason | Returned |
/// | Submitted(L), InReview(L) | reject | reviewer L in scope | non-blank reason | Rejected |
///
/// Anything else is refused ([`Refusal::NotAllowedInState`] once the actor's role and scope are
/// right).
pub fn transition(
    state: State,
    action: &Action,
    actor: &Actor,
    facts: &Facts<'_>,
) -> Result<Outcome, Refusal> {
    use State::*;
    let kind = action.kind();
    authorize(kind, actor)?;
    match (state, action) {
        (Draft | Returned | Withdrawn, Action::Edit) => Ok(Outcome::to(state)),

        (Draft, Action::Delete) if facts.ever_submitted => Err(Refusal::AlreadySubmittedOnce),
        (Draft, Action::Delete) => Ok(Outcome::deleted()),
        (Returned | Withdrawn, Action::Delete) => Err(Refusal::AlreadySubmittedOnce),

        (Draft | Withdrawn | Returned, Action::Submit) => match first_blocker(state, facts) {
            Some(refusal) => Err(refusal),
            None => Ok(Outcome::to(Submitted(facts.chain.first()))),
        },

        (Submitted(level), Action::Withdraw) => {
            // Past the first level, some reviewer has necessarily passed it.
            if facts.reviewer_acted || level != facts.chain.first() {
                Err(Refusal::ReviewerAlreadyActed)
            } else {
                Ok(Outcome {
                    to: Some(Withdrawn),
                    certify: false,
                    warning: (!facts.window_open).then_some(Warning::WindowClosedCannotResubmit),
                })
            }
        }
        (InReview(_), Action::Withdraw) => Err(Refusal::ReviewerAlreadyActed),

        (Submitted(level), Action::Claim) => {
            at_level(level, actor)?;
            Ok(Outcome::to(InReview(level)))
        }

        (Submitted(level) | InReview(level), Action::Pass) => {
            at_level(level, actor)?;
            if !facts.chain.contains(level) {
                return Err(Refusal::LevelNotInChain { level });
            }
            Ok(match facts.chain.next_after(level) {
                Some(next) => Outcome::to(Submitted(next)),
                None => Outcome {
                    to: Some(Approved),
                    certify: true,
                    warning: None,
                },
            })
        }

        (Submitted(level) | InReview(level), Action::Return { reason }) => {
            at_level(level, actor)?;
            reason_given(reason, kind)?;
            Ok(Outcome::to(Returned))
        }

        (Submitted(level) | InReview(level), Action::Reject { reason }) => {
            at_level(level, actor)?;
            reason_given(reason, kind)?;
            Ok(Outcome::to(Rejected))
        }

        _ => Err(Refusal::NotAllowedInState {
            state,
            action: kind,
        }),
    }
}

/// Every unmet precondition for submitting from `state`, in the order [`transition`] reports
/// them (so a form can show them all at once): bar, window (not for a returned item), other open
/// declaration, basic information, prerequisites. Empty when a submit would pass its conditions.
pub fn submit_blockers(state: State, facts: &Facts<'_>) -> Vec<Refusal> {
    let window_required = state != State::Returned;
    let checks = [
        (facts.barred, Refusal::Barred),
        (window_required && !facts.window_open, Refusal::WindowClosed),
        (
            facts.other_open_declaration,
            Refusal::AlreadyOpenDeclaration,
        ),
        (!facts.basic_info_complete, Refusal::BasicInfoIncomplete),
        (!facts.prerequisites_met, Refusal::PrerequisitesMissing),
    ];
    checks
        .into_iter()
        .filter_map(|(blocked, refusal)| blocked.then_some(refusal))
        .collect()
}

fn first_blocker(state: State, facts: &Facts<'_>) -> Option<Refusal> {
    submit_blockers(state, facts).into_iter().next()
}

/// The action kinds `actor` may perform on an item in `state` now, derived from [`transition`]
/// (return and reject are listed when they would be allowed with a reason).
pub fn allowed_actions(state: State, actor: &Actor, facts: &Facts<'_>) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|kind| transition(state, &kind.probe(), actor, facts).is_ok())
        .collect()
}

/// What the owning enterprise may do to its item, as its detail screen offers it: the
/// workflow's owner actions (edit, submit, withdraw, delete) split the way the enterprise sees
/// them, plus `export`, which is not a transition (the service offers it where there is a
/// document to export).
#[derive(
    utoipa::ToSchema,
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum OwnerAction {
    /// 编辑: open the form and save (a draft, a returned or a withdrawn item).
    Edit,
    /// 提交: the first submission of a draft.
    Submit,
    /// 重新提交: submit again after a return or a withdrawal.
    Resubmit,
    /// 撤回.
    Withdraw,
    /// 撤回修改: withdraw, then edit.
    WithdrawEdit,
    /// 删除: a draft that was never submitted.
    Delete,
    /// 导出 the application document.
    Export,
}

impl OwnerAction {
    pub fn code(self) -> &'static str {
        match self {
            OwnerAction::Edit => "edit",
            OwnerAction::Submit => "submit",
            OwnerAction::Resubmit => "resubmit",
            OwnerAction::Withdraw => "withdraw",
            OwnerAction::WithdrawEdit => "withdraw_edit",
            OwnerAction::Delete => "delete",
            OwnerAction::Export => "export",
        }
    }

    /// The workflow action this one performs (`None` for export).
    pub fn kind(self) -> Option<ActionKind> {
        match self {
            OwnerAction::Edit => Some(ActionKind::Edit),
            OwnerAction::Submit | OwnerAction::Resubmit => Some(ActionKind::Submit),
            OwnerAction::Withdraw | OwnerAction::WithdrawEdit => Some(ActionKind::Withdraw),
            OwnerAction::Delete => Some(ActionKind::Delete),
            OwnerAction::Export => None,
        }
    }
}

/// An action offered to the owner, with the confirmation it needs, if any: withdrawing while
/// the window is closed (`window_closed_cannot_resubmit`) must be confirmed, because the item
/// could not be resubmitted. Serialises as `{"action":"withdraw","confirm":"window_closed_cannot_resubmit"}`.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OfferedAction {
    pub action: OwnerAction,
    /// What the user must confirm first (the service refuses the action without it).
    pub confirm: Option<Warning>,
}

/// The owner's actions on an item in `state` now, in menu order, derived from [`transition`]
/// with the same facts the service will act on: nothing for anyone but the owner; `submit` or
/// `resubmit` (after a first submission) when every precondition holds; `withdraw` and
/// `withdraw_edit` with the closed-window confirmation when the window is closed. The form's
/// own field checks still run at submission.
pub fn owner_actions(state: State, actor: &Actor, facts: &Facts<'_>) -> Vec<OfferedAction> {
    let allowed = |kind: ActionKind| transition(state, &kind.probe(), actor, facts).ok();
    let mut out = Vec::new();
    let mut offer = |action, confirm| out.push(OfferedAction { action, confirm });
    if allowed(ActionKind::Edit).is_some() {
        offer(OwnerAction::Edit, None);
    }
    if allowed(ActionKind::Submit).is_some() {
        let action = if facts.ever_submitted {
            OwnerAction::Resubmit
        } else {
            OwnerAction::Submit
        };
        offer(action, None);
    }
    if let Some(outcome) = allowed(ActionKind::Withdraw) {
        offer(OwnerAction::Withdraw, outcome.warning);
        offer(OwnerAction::WithdrawEdit, outcome.warning);
    }
    if allowed(ActionKind::Delete).is_some() {
        offer(OwnerAction::Delete, None);
    }
    out
}

/// Role and scope: who may perform this kind of action at all.
fn authorize(kind: ActionKind, actor: &Actor) -> Result<(), Refusal> {
    match (kind.performer(), actor) {
        (Performer::Owner, Actor::Owner) => Ok(()),
        (Performer::Owner, _) => Err(Refusal::NotOwner),
        (Performer::Reviewer, Actor::Reviewer { in_scope: true, .. }) => Ok(()),
        (
            Performer::Reviewer,
            Actor::Reviewer {
                in_scope: false, ..
            },
        ) => Err(Refusal::OutOfScope),
        (Performer::Reviewer, _) => Err(Refusal::NotReviewer),
    }
}

/// The reviewer's level must be the item's current level.
fn at_level(item_level: ReviewLevel, actor: &Actor) -> Result<(), Refusal> {
    match actor {
        Actor::Reviewer { level, .. } if *level == item_level => Ok(()),
        Actor::Reviewer { level, .. } => Err(Refusal::WrongLevel {
            item_level,
            actor_level: *level,
        }),
        _ => Err(Refusal::NotReviewer),
    }
}

fn reason_given(reason: &str, action: ActionKind) -> Result<(), Refusal> {
    if reason.trim().is_empty() {
        Err(Refusal::ReasonRequired { action })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::Lang;
    use crate::domain::tiers::Tier;
    use ReviewLevel::*;

    fn chain() -> Chain {
        // 专精特新 in an ordinary province: county → city → province.
        Chain::new(vec![County, City, Province]).unwrap()
    }

    /// Everything in order: window open, never submitted, nobody acted, info complete,
    /// prerequisites met, no other declaration, not barred.
    fn good(chain: &Chain) -> Facts<'_> {
        Facts {
            window_open: true,
            ever_submitted: false,
            reviewer_acted: false,
            basic_info_complete: true,
            prerequisites_met: true,
            other_open_declaration: false,
            barred: false,
            chain,
        }
    }

    fn action(kind: ActionKind) -> Action {
        match kind {
            ActionKind::Return => Action::Return {
                reason: "材料不全".into(),
            },
            ActionKind::Reject => Action::Reject {
                reason: "不符合条件".into(),
            },
            k => k.probe(),
        }
    }

    fn parse_state(s: &str) -> State {
        let level = |l: &str| ReviewLevel::from_code(l).unwrap();
        match s.split_once(':') {
            Some(("sub", l)) => State::Submitted(level(l)),
            Some(("rev", l)) => State::InReview(level(l)),
            _ => State::from_parts(s, None).unwrap(),
        }
    }

    // The expected table, written by hand from DESIGN.md §2 (chain county → city → province,
    // facts all in order). Columns: the owner, another enterprise, a reviewer of the item's
    // level in scope, the same level out of scope, another level in scope, support, public.
    // For states without a level the "item's level" is the chain's first (county).
    //
    // Cells: `=` same state, `gone` deleted, `sub:L` Submitted(L), `rev:L` InReview(L),
    // `approved+cert`, `returned`, `rejected`, `withdrawn`; refusals: `!owner` NotOwner,
    // `!reviewer` NotReviewer, `!scope` OutOfScope, `!level` WrongLevel, `!state`
    // NotAllowedInState, `!acted` ReviewerAlreadyActed, `!once` AlreadySubmittedOnce.
    const TABLE: &str = "
    # state          action    owner         other    rev            rev_out  rev_wrong  support    public
    draft            edit      =             !owner   !owner         !owner   !owner     !owner     !owner
    draft            delete    gone          !owner   !owner         !owner   !owner     !owner     !owner
    draft            submit    sub:county    !owner   !owner         !owner   !owner     !owner     !owner
    draft            withdraw  !state        !owner   !owner         !owner   !owner     !owner     !owner
    draft            claim     !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    draft            pass      !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    draft            return    !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    draft            reject    !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer

    sub:county       edit      !state        !owner   !owner         !owner   !owner     !owner     !owner
    sub:county       delete    !state        !owner   !owner         !owner   !owner     !owner     !owner
    sub:county       submit    !state        !owner   !owner         !owner   !owner     !owner     !owner
    sub:county       withdraw  withdrawn     !owner   !owner         !owner   !owner     !owner     !owner
    sub:county       claim     !reviewer     !reviewer rev:county    !scope   !level     !reviewer  !reviewer
    sub:county       pass      !reviewer     !reviewer sub:city      !scope   !level     !reviewer  !reviewer
    sub:county       return    !reviewer     !reviewer returned      !scope   !level     !reviewer  !reviewer
    sub:county       reject    !reviewer     !reviewer rejected      !scope   !level     !reviewer  !reviewer

    sub:city         edit      !state        !owner   !owner         !owner   !owner     !owner     !owner
    sub:city         delete    !state        !owner   !owner         !owner   !owner     !owner     !owner
    sub:city         submit    !state        !owner   !owner         !owner   !owner     !owner     !owner
    sub:city         withdraw  !acted        !owner   !owner         !owner   !owner     !owner     !owner
    sub:city         claim     !reviewer     !reviewer rev:city      !scope   !level     !reviewer  !reviewer
    sub:city         pass      !reviewer     !reviewer sub:province  !scope   !level     !reviewer  !reviewer
    sub:city         return    !reviewer     !reviewer returned      !scope   !level     !reviewer  !reviewer
    sub:city         reject    !reviewer     !reviewer rejected      !scope   !level     !reviewer  !reviewer

    sub:province     edit      !state        !owner   !owner         !owner   !owner     !owner     !owner
    sub:province     delete    !state        !owner   !owner         !owner   !owner     !owner     !owner
    sub:province     submit    !state        !owner   !owner         !owner   !owner     !owner     !owner
    sub:province     withdraw  !acted        !owner   !owner         !owner   !owner     !owner     !owner
    sub:province     claim     !reviewer     !reviewer rev:province  !scope   !level     !reviewer  !reviewer
    sub:province     pass      !reviewer     !reviewer approved+cert !scope   !level     !reviewer  !reviewer
    sub:province     return    !reviewer     !reviewer returned      !scope   !level     !reviewer  !reviewer
    sub:province     reject    !reviewer     !reviewer rejected      !scope   !level     !reviewer  !reviewer

    rev:county       edit      !state        !owner   !owner         !owner   !owner     !owner     !owner
    rev:county       delete    !state        !owner   !owner         !owner   !owner     !owner     !owner
    rev:county       submit    !state        !owner   !owner         !owner   !owner     !owner     !owner
    rev:county       withdraw  !acted        !owner   !owner         !owner   !owner     !owner     !owner
    rev:county       claim     !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    rev:county       pass      !reviewer     !reviewer sub:city      !scope   !level     !reviewer  !reviewer
    rev:county       return    !reviewer     !reviewer returned      !scope   !level     !reviewer  !reviewer
    rev:county       reject    !reviewer     !reviewer rejected      !scope   !level     !reviewer  !reviewer

    rev:city         edit      !state        !owner   !owner         !owner   !owner     !owner     !owner
    rev:city         delete    !state        !owner   !owner         !owner   !owner     !owner     !owner
    rev:city         submit    !state        !owner   !owner         !owner   !owner     !owner     !owner
    rev:city         withdraw  !acted        !owner   !owner         !owner   !owner     !owner     !owner
    rev:city         claim     !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    rev:city         pass      !reviewer     !reviewer sub:province  !scope   !level     !reviewer  !reviewer
    rev:city         return    !reviewer     !reviewer returned      !scope   !level     !reviewer  !reviewer
    rev:city         reject    !reviewer     !reviewer rejected      !scope   !level     !reviewer  !reviewer

    rev:province     edit      !state        !owner   !owner         !owner   !owner     !owner     !owner
    rev:province     delete    !state        !owner   !owner         !owner   !owner     !owner     !owner
    rev:province     submit    !state        !owner   !owner         !owner   !owner     !owner     !owner
    rev:province     withdraw  !acted        !owner   !owner         !owner   !owner     !owner     !owner
    rev:province     claim     !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    rev:province     pass      !reviewer     !reviewer approved+cert !scope   !level     !reviewer  !reviewer
    rev:province     return    !reviewer     !reviewer returned      !scope   !level     !reviewer  !reviewer
    rev:province     reject    !reviewer     !reviewer rejected      !scope   !level     !reviewer  !reviewer

    approved         edit      !state        !owner   !owner         !owner   !owner     !owner     !owner
    approved         delete    !state        !owner   !owner         !owner   !owner     !owner     !owner
    approved         submit    !state        !owner   !owner         !owner   !owner     !owner     !owner
    approved         withdraw  !state        !owner   !owner         !owner   !owner     !owner     !owner
    approved         claim     !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    approved         pass      !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    approved         return    !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    approved         reject    !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer

    rejected         edit      !state        !owner   !owner         !owner   !owner     !owner     !owner
    rejected         delete    !state        !owner   !owner         !owner   !owner     !owner     !owner
    rejected         submit    !state        !owner   !owner         !owner   !owner     !owner     !owner
    rejected         withdraw  !state        !owner   !owner         !owner   !owner     !owner     !owner
    rejected         claim     !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    rejected         pass      !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    rejected         return    !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    rejected         reject    !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer

    returned         edit      =             !owner   !owner         !owner   !owner     !owner     !owner
    returned         delete    !once         !owner   !owner         !owner   !owner     !owner     !owner
    returned         submit    sub:county    !owner   !owner         !owner   !owner     !owner     !owner
    returned         withdraw  !state        !owner   !owner         !owner   !owner     !owner     !owner
    returned         claim     !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    returned         pass      !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    returned         return    !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    returned         reject    !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer

    withdrawn        edit      =             !owner   !owner         !owner   !owner     !owner     !owner
    withdrawn        delete    !once         !owner   !owner         !owner   !owner     !owner     !owner
    withdrawn        submit    sub:county    !owner   !owner         !owner   !owner     !owner     !owner
    withdrawn        withdraw  !state        !owner   !owner         !owner   !owner     !owner     !owner
    withdrawn        claim     !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    withdrawn        pass      !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    withdrawn        return    !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    withdrawn        reject    !reviewer     !reviewer !state        !scope   !state     !reviewer  !reviewer
    ";

    const ACTOR_COLUMNS: [&str; 7] = [
        "owner",
        "other",
        "rev",
        "rev_out",
        "rev_wrong",
        "support",
        "public",
    ];

    /// The actor of a column, for an item in `state`.
    fn actor_for(column: &str, state: State) -> Actor {
        let right = state.level().unwrap_or(County);
        let wrong = if right == County { City } else { County };
        match column {
            "owner" => Actor::Owner,
            "other" => Actor::OtherEnterprise,
            "rev" => Actor::Reviewer {
                level: right,
                in_scope: true,
            },
            "rev_out" => Actor::Reviewer {
                level: right,
                in_scope: false,
            },
            "rev_wrong" => Actor::Reviewer {
                level: wrong,
                in_scope: true,
            },
            "support" => Actor::Support,
            "public" => Actor::Public,
            other => panic!("unknown column {other}"),
        }
    }

    fn expected(
        cell: &str,
        state: State,
        kind: ActionKind,
        actor: Actor,
    ) -> Result<Outcome, Refusal> {
        let to = |s: State| {
            Ok(Outcome {
                to: Some(s),
                certify: false,
                warning: None,
            })
        };
        match cell {
            "=" => to(state),
            "gone" => Ok(Outcome {
                to: None,
                certify: false,
                warning: None,
            }),
            "approved+cert" => Ok(Outcome {
                to: Some(State::Approved),
                certify: true,
                warning: None,
            }),
            "returned" | "rejected" | "withdrawn" => to(State::from_parts(cell, None).unwrap()),
            c if c.starts_with("sub:") || c.starts_with("rev:") => to(parse_state(c)),
            "!owner" => Err(Refusal::NotOwner),
            "!reviewer" => Err(Refusal::NotReviewer),
            "!scope" => Err(Refusal::OutOfScope),
            "!state" => Err(Refusal::NotAllowedInState {
                state,
                action: kind,
            }),
            "!acted" => Err(Refusal::ReviewerAlreadyActed),
            "!once" => Err(Refusal::AlreadySubmittedOnce),
            "!level" => {
                let Actor::Reviewer { level, .. } = actor else {
                    panic!("!level for a non-reviewer")
                };
                Err(Refusal::WrongLevel {
                    item_level: state.level().unwrap(),
                    actor_level: level,
                })
            }
            other => panic!("unknown cell {other}"),
        }
    }

    fn table_rows() -> Vec<(State, ActionKind, Vec<&'static str>)> {
        TABLE
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|line| {
                let cells: Vec<&str> = line.split_whitespace().collect();
                assert_eq!(cells.len(), 2 + ACTOR_COLUMNS.len(), "bad row: {line}");
                let state = parse_state(cells[0]);
                let kind = ActionKind::from_code(cells[1]).unwrap();
                (state, kind, cells[2..].to_vec())
            })
            .collect()
    }

    fn all_states() -> Vec<State> {
        let mut states = vec![State::Draft];
        for l in [County, City, Province] {
            states.push(State::Submitted(l));
        }
        for l in [County, City, Province] {
            states.push(State::InReview(l));
        }
        states.extend([
            State::Approved,
            State::Rejected,
            State::Returned,
            State::Withdrawn,
        ]);
        states
    }

    #[test]
    fn the_table_covers_every_state_and_action_once() {
        let rows = table_rows();
        assert_eq!(rows.len(), all_states().len() * ActionKind::ALL.len());
        for state in all_states() {
            for kind in ActionKind::ALL {
                let n = rows
                    .iter()
                    .filter(|(s, k, _)| *s == state && *k == kind)
                    .count();
                assert_eq!(n, 1, "{state:?} {kind:?}");
            }
        }
    }

    #[test]
    fn every_cell_matches_the_expected_table() {
        let chain = chain();
        let facts = good(&chain);
        for (state, kind, cells) in table_rows() {
            for (column, cell) in ACTOR_COLUMNS.iter().zip(cells) {
                let actor = actor_for(column, state);
                let got = transition(state, &action(kind), &actor, &facts);
                let want = expected(cell, state, kind, actor);
                assert_eq!(got, want, "{state:?} {kind:?} by {column} ({actor:?})");
            }
        }
    }

    #[test]
    fn allowed_actions_match_the_expected_table() {
        let chain = chain();
        let facts = good(&chain);
        for state in all_states() {
            for column in ACTOR_COLUMNS {
                let actor = actor_for(column, state);
                let want: Vec<ActionKind> = table_rows()
                    .into_iter()
                    .filter(|(s, _, _)| *s == state)
                    .filter(|(_, _, cells)| {
                        let i = ACTOR_COLUMNS.iter().position(|c| *c == column).unwrap();
                        !cells[i].starts_with('!')
                    })
                    .map(|(_, k, _)| k)
                    .collect();
                assert_eq!(
                    allowed_actions(state, &actor, &facts),
                    want,
                    "{state:?} by {column}"
                );
            }
        }
    }

    #[test]
    fn allowed_actions_examples() {
        let chain = chain();
        let facts = good(&chain);
        use ActionKind::*;
        assert_eq!(
            allowed_actions(State::Draft, &Actor::Owner, &facts),
            vec![Edit, Delete, Submit]
        );
        assert_eq!(
            allowed_actions(State::Returned, &Actor::Owner, &facts),
            vec![Edit, Submit]
        );
        let reviewer = Actor::Reviewer {
            level: County,
            in_scope: true,
        };
        assert_eq!(
            allowed_actions(State::Submitted(County), &reviewer, &facts),
            vec![Claim, Pass, Return, Reject]
        );
        assert_eq!(
            allowed_actions(State::InReview(County), &reviewer, &facts),
            vec![Pass, Return, Reject]
        );
        assert!(allowed_actions(State::Approved, &Actor::Owner, &facts).is_empty());
        // A closed window removes submit from a draft but not from a returned item.
        let closed = Facts {
            window_open: false,
            ..good(&chain)
        };
        assert_eq!(
            allowed_actions(State::Draft, &Actor::Owner, &closed),
            vec![Edit, Delete]
        );
        assert_eq!(
            allowed_actions(State::Returned, &Actor::Owner, &closed),
            vec![Edit, Submit]
        );
    }

    #[test]
    fn withdraw_after_a_reviewer_acted_is_refused() {
        let chain = chain();
        let facts = Facts {
            reviewer_acted: true,
            ..good(&chain)
        };
        let got = transition(
            State::Submitted(County),
            &Action::Withdraw,
            &Actor::Owner,
            &facts,
        );
        assert_eq!(got, Err(Refusal::ReviewerAlreadyActed));
        assert_eq!(
            Refusal::ReviewerAlreadyActed.message(Lang::Zh),
            "审核人员已开始处理，不能撤回；如需修改请联系审核人员退回。"
        );
    }

    #[test]
    fn withdraw_with_the_window_closed_is_allowed_with_a_warning() {
        let chain = chain();
        let facts = Facts {
            window_open: false,
            ..good(&chain)
        };
        let got = transition(
            State::Submitted(County),
            &Action::Withdraw,
            &Actor::Owner,
            &facts,
        )
        .unwrap();
        assert_eq!(got.to, Some(State::Withdrawn));
        assert!(!got.certify);
        assert_eq!(got.warning, Some(Warning::WindowClosedCannotResubmit));
        let w = got.warning.unwrap();
        assert!(w.message(Lang::Zh).contains("不能再次提交"));
        assert!(w.message(Lang::En).contains("cannot be"));
        // With the window open there is nothing to warn about.
        let open = transition(
            State::Submitted(County),
            &Action::Withdraw,
            &Actor::Owner,
            &good(&chain),
        )
        .unwrap();
        assert_eq!(open.warning, None);
    }

    #[test]
    fn resubmit_after_return_with_the_window_closed_restarts_at_the_first_level() {
        let chain = chain();
        let facts = Facts {
            window_open: false,
            ever_submitted: true,
            reviewer_acted: true,
            ..good(&chain)
        };
        let got = transition(State::Returned, &Action::Submit, &Actor::Owner, &facts).unwrap();
        assert_eq!(got.to, Some(State::Submitted(County)));
        assert_eq!(got.warning, None);
    }

    #[test]
    fn submit_from_draft_with_the_window_closed_is_refused() {
        let chain = chain();
        let facts = Facts {
            window_open: false,
            ..good(&chain)
        };
        for state in [State::Draft, State::Withdrawn] {
            assert_eq!(
                transition(state, &Action::Submit, &Actor::Owner, &facts),
                Err(Refusal::WindowClosed)
            );
        }
    }

    #[test]
    fn each_submit_precondition_alone_refuses_naming_it() {
        let chain = chain();
        type Spoil = fn(&mut Facts<'_>);
        let cases: [(Spoil, Refusal, bool); 5] = [
            (|f| f.window_open = false, Refusal::WindowClosed, false),
            (
                |f| f.basic_info_complete = false,
                Refusal::BasicInfoIncomplete,
                true,
            ),
            (
                |f| f.prerequisites_met = false,
                Refusal::PrerequisitesMissing,
                true,
            ),
            (
                |f| f.other_open_declaration = true,
                Refusal::AlreadyOpenDeclaration,
                true,
            ),
            (|f| f.barred = true, Refusal::Barred, true),
        ];
        for (spoil, refusal, applies_to_returned) in cases {
            let mut facts = good(&chain);
            spoil(&mut facts);
            for state in [State::Draft, State::Withdrawn, State::Returned] {
                let got = transition(state, &Action::Submit, &Actor::Owner, &facts);
                if state == State::Returned && !applies_to_returned {
                    assert_eq!(got.unwrap().to, Some(State::Submitted(County)));
                } else {
                    assert_eq!(got, Err(refusal.clone()), "{state:?}");
                    assert_eq!(submit_blockers(state, &facts), vec![refusal.clone()]);
                }
            }
        }
    }

    #[test]
    fn submit_blockers_lists_every_unmet_condition_in_order() {
        let chain = chain();
        let facts = Facts {
            window_open: false,
            ever_submitted: false,
            reviewer_acted: false,
            basic_info_complete: false,
            prerequisites_met: false,
            other_open_declaration: true,
            barred: true,
            chain: &chain,
        };
        assert_eq!(
            submit_blockers(State::Draft, &facts),
            vec![
                Refusal::Barred,
                Refusal::WindowClosed,
                Refusal::AlreadyOpenDeclaration,
                Refusal::BasicInfoIncomplete,
                Refusal::PrerequisitesMissing,
            ]
        );
        assert_eq!(
            transition(State::Draft, &Action::Submit, &Actor::Owner, &facts),
            Err(Refusal::Barred)
        );
        assert!(!submit_blockers(State::Returned, &facts).contains(&Refusal::WindowClosed));
        assert!(submit_blockers(State::Draft, &good(&chain)).is_empty());
    }

    #[test]
    fn return_and_reject_need_a_non_blank_reason() {
        let chain = chain();
        let facts = good(&chain);
        let reviewer = Actor::Reviewer {
            level: County,
            in_scope: true,
        };
        for blank in ["", "   ", "\t\n ", "\u{3000}"] {
            let ret = Action::Return {
                reason: blank.into(),
            };
            let rej = Action::Reject {
                reason: blank.into(),
            };
            for state in [State::Submitted(County), State::InReview(County)] {
                assert_eq!(
                    transition(state, &ret, &reviewer, &facts),
                    Err(Refusal::ReasonRequired {
                        action: ActionKind::Return
                    })
                );
                assert_eq!(
                    transition(state, &rej, &reviewer, &facts),
                    Err(Refusal::ReasonRequired {
                        action: ActionKind::Reject
                    })
                );
            }
        }
        let ret = Action::Return {
            reason: "  缺少财务报表  ".into(),
        };
        assert_eq!(ret.reason(), Some("缺少财务报表"));
        assert_eq!(
            transition(State::InReview(County), &ret, &reviewer, &facts)
                .unwrap()
                .to,
            Some(State::Returned)
        );
        assert_eq!(
            Refusal::ReasonRequired {
                action: ActionKind::Return
            }
            .message(Lang::Zh),
            "请填写退回理由。"
        );
    }

    #[test]
    fn pass_at_the_last_level_approves_and_certifies() {
        let chain = chain();
        let facts = good(&chain);
        let province = Actor::Reviewer {
            level: Province,
            in_scope: true,
        };
        for state in [State::Submitted(Province), State::InReview(Province)] {
            let got = transition(state, &Action::Pass, &province, &facts).unwrap();
            assert_eq!(got.to, Some(State::Approved));
            assert!(got.certify);
        }
        // Little Giant: the province passes on to the ministry, the ministry certifies.
        let giant = default_chain(Tier::LittleGiant, false);
        let facts = good(&giant);
        let got = transition(State::InReview(Province), &Action::Pass, &province, &facts).unwrap();
        assert_eq!(got.to, Some(State::Submitted(Ministry)));
        assert!(!got.certify);
        let ministry = Actor::Reviewer {
            level: Ministry,
            in_scope: true,
        };
        let got = transition(State::InReview(Ministry), &Action::Pass, &ministry, &facts).unwrap();
        assert_eq!(got.to, Some(State::Approved));
        assert!(got.certify);
    }

    #[test]
    fn pass_moves_county_to_city() {
        let chain = chain();
        let county = Actor::Reviewer {
            level: County,
            in_scope: true,
        };
        let got = transition(
            State::InReview(County),
            &Action::Pass,
            &county,
            &good(&chain),
        )
        .unwrap();
        assert_eq!(got.to, Some(State::Submitted(City)));
        assert!(!got.certify);
    }

    #[test]
    fn pass_at_a_level_missing_from_the_chain_is_refused() {
        let chain = Chain::new(vec![City, Province]).unwrap();
        let county = Actor::Reviewer {
            level: County,
            in_scope: true,
        };
        assert_eq!(
            transition(
                State::Submitted(County),
                &Action::Pass,
                &county,
                &good(&chain)
            ),
            Err(Refusal::LevelNotInChain { level: County })
        );
    }

    #[test]
    fn submit_starts_at_the_first_level_of_the_given_chain() {
        let chain = default_chain(Tier::Innovative, false);
        let got = transition(State::Draft, &Action::Submit, &Actor::Owner, &good(&chain)).unwrap();
        assert_eq!(got.to, Some(State::Submitted(City)));
    }

    #[test]
    fn delete_after_ever_submitted_is_refused() {
        let chain = chain();
        let facts = Facts {
            ever_submitted: true,
            ..good(&chain)
        };
        for state in [State::Draft, State::Returned, State::Withdrawn] {
            assert_eq!(
                transition(state, &Action::Delete, &Actor::Owner, &facts),
                Err(Refusal::AlreadySubmittedOnce)
            );
        }
        assert_eq!(
            transition(State::Draft, &Action::Delete, &Actor::Owner, &good(&chain))
                .unwrap()
                .to,
            None
        );
    }

    #[test]
    fn state_parts_round_trip() {
        for state in all_states() {
            assert_eq!(State::from_parts(state.code(), state.level()), Ok(state));
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(serde_json::from_str::<State>(&json).unwrap(), state);
        }
        assert_eq!(
            serde_json::to_string(&State::Submitted(City)).unwrap(),
            r#"{"state":"submitted","level":"city"}"#
        );
        assert_eq!(
            serde_json::to_string(&State::Draft).unwrap(),
            r#"{"state":"draft"}"#
        );
        assert_eq!(
            State::from_parts("submitted", None),
            Err(StateError::LevelMissing("submitted".into()))
        );
        assert!(matches!(
            State::from_parts("draft", Some(City)),
            Err(StateError::LevelUnexpected { .. })
        ));
        assert_eq!(
            State::from_parts("lost", None),
            Err(StateError::UnknownCode("lost".into()))
        );
        assert!(serde_json::from_str::<State>(r#"{"state":"in_review"}"#).is_err());
        let codes: Vec<&str> = all_states().iter().map(|s| s.code()).collect();
        for code in State::CODES {
            assert!(codes.contains(&code));
        }
    }

    #[test]
    fn state_names_are_bilingual() {
        assert_eq!(State::Draft.name().zh, "暂存");
        assert_eq!(State::Submitted(City).name().zh, "待审核(市级)");
        assert_eq!(State::InReview(Province).name().zh, "审核中(省级)");
        assert_eq!(State::Approved.name().zh, "已通过");
        assert_eq!(State::Rejected.name().zh, "未通过");
        assert_eq!(State::Returned.name().zh, "已退回");
        assert_eq!(State::Withdrawn.name().zh, "已撤回");
        assert_eq!(State::Submitted(City).name().en, "Awaiting review (city)");
    }

    #[test]
    fn action_and_refusal_serde() {
        let a = Action::Return {
            reason: "缺材料".into(),
        };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#"{"action":"return","reason":"缺材料"}"#);
        assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), a);
        let r = Refusal::NotAllowedInState {
            state: State::InReview(City),
            action: ActionKind::Edit,
        };
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Refusal>(&json).unwrap(), r);
        for k in ActionKind::ALL {
            assert_eq!(ActionKind::from_code(k.code()), Some(k));
            assert_eq!(k.probe().kind(), k);
        }
    }

    #[test]
    fn every_refusal_has_both_languages_and_a_code() {
        let refusals = [
            Refusal::NotOwner,
            Refusal::NotReviewer,
            Refusal::WrongLevel {
                item_level: City,
                actor_level: County,
            },
            Refusal::OutOfScope,
            Refusal::WindowClosed,
            Refusal::BasicInfoIncomplete,
            Refusal::PrerequisitesMissing,
            Refusal::AlreadyOpenDeclaration,
            Refusal::Barred,
            Refusal::ReviewerAlreadyActed,
            Refusal::ReasonRequired {
                action: ActionKind::Reject,
            },
            Refusal::NotAllowedInState {
                state: State::InReview(City),
                action: ActionKind::Edit,
            },
            Refusal::AlreadySubmittedOnce,
            Refusal::LevelNotInChain { level: County },
        ];
        let mut codes = std::collections::HashSet::new();
        for r in &refusals {
            assert!(codes.insert(r.code()), "duplicate code {}", r.code());
            let t = r.text();
            assert!(!t.zh.is_empty() && !t.en.is_empty());
            assert!(t.zh.chars().any(|c| c > '\u{2e80}'), "{r:?} zh: {}", t.zh);
            assert!(t.en.is_ascii(), "{r:?} en: {}", t.en);
        }
        let msg = refusals[11].message(Lang::Zh);
        assert!(
            msg.contains("审核中(市级)") && msg.contains("退回"),
            "{msg}"
        );
        let msg = refusals[2].message(Lang::En);
        assert!(msg.contains("city") && msg.contains("county"), "{msg}");
    }

    #[test]
    fn owner_actions_follow_the_table_and_flag_the_closed_window() {
        let c = chain();
        let codes = |state: &str, facts: &Facts<'_>, actor: &Actor| -> Vec<String> {
            owner_actions(parse_state(state), actor, facts)
                .into_iter()
                .map(|o| match o.confirm {
                    Some(w) => format!("{}?{}", o.action.code(), w.code()),
                    None => o.action.code().to_string(),
                })
                .collect()
        };
        let owner = Actor::Owner;
        let fresh = good(&c);
        assert_eq!(codes("draft", &fresh, &owner), ["edit", "submit", "delete"]);
        let once = Facts {
            ever_submitted: true,
            ..good(&c)
        };
        assert_eq!(codes("returned", &once, &owner), ["edit", "resubmit"]);
        assert_eq!(codes("withdrawn", &once, &owner), ["edit", "resubmit"]);
        assert_eq!(
            codes("sub:county", &once, &owner),
            ["withdraw", "withdraw_edit"]
        );
        let closed = Facts {
            window_open: false,
            ever_submitted: true,
            ..good(&c)
        };
        // a returned item may be resubmitted after the window closed, a withdrawn one not
        assert_eq!(codes("returned", &closed, &owner), ["edit", "resubmit"]);
        assert_eq!(codes("withdrawn", &closed, &owner), ["edit"]);
        assert_eq!(
            codes("sub:county", &closed, &owner),
            [
                "withdraw?window_closed_cannot_resubmit",
                "withdraw_edit?window_closed_cannot_resubmit"
            ]
        );
        let acted = Facts {
            reviewer_acted: true,
            ever_submitted: true,
            ..good(&c)
        };
        assert!(codes("sub:county", &acted, &owner).is_empty());
        for state in ["rev:county", "sub:city", "approved", "rejected"] {
            assert!(codes(state, &once, &owner).is_empty(), "{state}");
        }
        // nobody but the owner is offered anything
        let reviewer = Actor::Reviewer {
            level: County,
            in_scope: true,
        };
        assert!(codes("draft", &fresh, &reviewer).is_empty());
        assert!(codes("sub:county", &once, &Actor::OtherEnterprise).is_empty());
        // every offered action maps back to a kind the table allows
        for o in owner_actions(State::Draft, &owner, &fresh) {
            let kind = o.action.kind().unwrap();
            assert!(transition(State::Draft, &kind.probe(), &owner, &fresh).is_ok());
        }
    }
}
