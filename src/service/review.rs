//! Review (审核) use cases: the queue of items at my level inside my region, its filter-chip
//! counts, the detail a reviewer decides on, and the decisions — claim, pass, return, reject, one
//! item at a time or many (each on its own transaction).
//!
//! Who may do what comes from the domain: every decision goes through [`items::act`] with the
//! caller's [`workflow::Actor`](crate::domain::workflow::Actor) (from
//! [`authz::workflow_actor`]), so level, scope, state and reason rules are the transition
//! table's. This module checks up front only that the caller is staff at all (reviewer or admin)
//! and that the input is well-formed, then adds what a decision implies beyond the item's state,
//! in the same transaction: on the final pass the effects of [`on_final_pass`] (for a
//! declaration, the certification valid 3 years and its 认定通知), on a return or a rejection a
//! message to the enterprise with the reason.
//!
//! Visibility **(our rule)**: a reviewer or admin sees items whose enterprise lies in their scope
//! ([`authz::scope`]) and whose review chain snapshot passes through their level or one below it
//! (a supervisor may look at the queues below; acting stays limited to the item's current level).
//! Drafts that were never submitted are not shown to staff.

use crate::domain::calendar;
use crate::domain::industries::Industries;
use crate::domain::regions::{RegionLevel, Regions};
use crate::domain::rules::{Breakdown, InputKind, Ruleset, Value};
use crate::domain::size::{self, SizeFact, SizeFigures, SizeSector};
use crate::domain::text::{Localized, Text};
use crate::domain::tiers::{DigitalLevel, ReviewLevel, Tier};
use crate::domain::workflow::{self, Action, ActionKind, Chain, Facts, Refusal, State};
use crate::service::audit::{self, HistoryEntry, Who};
use crate::service::authz::{self, Scope};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::facts::{self, ActiveCertification};
use crate::service::items::{self, Item, ItemFacts, ItemKind, state_from_columns};
use crate::service::messages::{self, Category, Recipient};
use crate::service::paging::{Cursor, Order, Page, PageRequest, Sql, keyset};
use crate::service::session::Session;
use crate::service::validate::{Fields, optional, required};
use crate::service::{Service, Write};
use crate::store::{Conn, from_ms, ms, new_id};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// The longest reason for a return or a rejection, and the longest note on a pass.
pub const MAX_REASON_CHARS: usize = 500;
/// The longest search text of a queue filter.
pub const MAX_SEARCH_CHARS: usize = 100;
/// The most items one bulk decision takes.
pub const MAX_BULK_ITEMS: usize = 200;

// ---------------------------------------------------------------------------------------------
// Queue
// ---------------------------------------------------------------------------------------------

/// The states a queue can be filtered by. `submitted` and `in_review` are the work at a level;
/// the others are items that have left the queue after passing through the level (已退回,
/// 已通过, 未通过, 已撤回).
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueState {
    Submitted,
    InReview,
    Returned,
    Approved,
    Rejected,
    Withdrawn,
}

impl QueueState {
    pub const ALL: [QueueState; 6] = [
        QueueState::Submitted,
        QueueState::InReview,
        QueueState::Returned,
        QueueState::Approved,
        QueueState::Rejected,
        QueueState::Withdrawn,
    ];

    /// The [`State::code`] it stands for.
    pub fn code(self) -> &'static str {
        match self {
            QueueState::Submitted => "submitted",
            QueueState::InReview => "in_review",
            QueueState::Returned => "returned",
            QueueState::Approved => "approved",
            QueueState::Rejected => "rejected",
            QueueState::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(s: &str) -> Option<QueueState> {
        QueueState::ALL.into_iter().find(|q| q.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            QueueState::Submitted => Text::new("待审核", "awaiting review"),
            QueueState::InReview => Text::new("审核中", "in review"),
            QueueState::Returned => Text::new("已退回", "returned"),
            QueueState::Approved => Text::new("已通过", "approved"),
            QueueState::Rejected => Text::new("未通过", "rejected"),
            QueueState::Withdrawn => Text::new("已撤回", "withdrawn"),
        }
    }

    /// Submitted and in review: waiting at a level (the `level` column is set).
    pub fn is_at_level(self) -> bool {
        matches!(self, QueueState::Submitted | QueueState::InReview)
    }
}

/// The order of a queue page, by the time an item reached its current state.
#[derive(
    utoipa::ToSchema, Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum QueueSort {
    /// First come, first served (the default).
    #[default]
    OldestFirst,
    NewestFirst,
}

/// What a reviewer filters the queue by. Every field is optional; the default is the work
/// waiting at the reviewer's own level (待审核 and 审核中), every kind, oldest first.
#[derive(utoipa::IntoParams, Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct QueueFilter {
    #[serde(default)]
    pub kind: Option<ItemKind>,
    #[serde(default)]
    pub tier: Option<Tier>,
    /// None: submitted and in review.
    #[serde(default)]
    pub state: Option<QueueState>,
    /// The reviewer's own level when None; a lower level shows the queue below (supervision).
    #[serde(default)]
    pub level: Option<ReviewLevel>,
    /// A region code (province, prefecture or county) inside the reviewer's scope: its subtree.
    #[serde(default)]
    pub region: Option<String>,
    /// Part of the enterprise name or of its USCC.
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub sort: QueueSort,
}

/// One row of a queue page.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct QueueEntry {
    pub id: String,
    pub kind: ItemKind,
    pub subtype: Option<String>,
    pub tier: Tier,
    pub batch: i64,
    pub state: State,
    /// The version a decision on this row must name.
    pub version: i64,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub uscc: String,
    pub county_code: Option<String>,
    /// "广东省 深圳市 南山区".
    pub region_name: Option<String>,
    pub score: Option<f64>,
    pub qualifies: Option<bool>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// When the item reached its current state (the queue's sort key).
    pub updated_at: DateTime<Utc>,
}

/// A number of items in one state.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StateCount {
    pub state: QueueState,
    pub count: i64,
}

/// A number of items of one tier.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TierCount {
    pub tier: Tier,
    pub count: i64,
}

/// The counts behind a queue's filter chips. `by_state` applies every filter but the state,
/// `by_tier` every filter but the tier, so each chip tells how many items selecting it shows;
/// `total` applies them all (the size of the current list).
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    pub total: i64,
    pub by_state: Vec<StateCount>,
    pub by_tier: Vec<TierCount>,
}

impl QueueCounts {
    pub fn state(&self, state: QueueState) -> i64 {
        self.by_state
            .iter()
            .find(|c| c.state == state)
            .map_or(0, |c| c.count)
    }

    pub fn tier(&self, tier: Tier) -> i64 {
        self.by_tier
            .iter()
            .find(|c| c.tier == tier)
            .map_or(0, |c| c.count)
    }
}

/// A validated filter: what the SQL is built from.
#[derive(Debug, Clone, PartialEq)]
struct Resolved {
    kinds: Vec<ItemKind>,
    scope: Scope,
    level: ReviewLevel,
    state: Option<QueueState>,
    tier: Option<Tier>,
    text: Option<String>,
    sort: QueueSort,
}

/// Which rows a query selects by state and level.
#[derive(Debug, Clone, Copy, PartialEq)]
enum StateClause {
    /// Waiting at the level: submitted and in review (`level = L`).
    AtLevel,
    /// One state: at the level for submitted / in review, otherwise having passed through it.
    One(QueueState),
    /// Every state that has left the level's queue, having passed through it (for counts).
    Left,
}

const QUEUE_COLUMNS: &str = "id, kind, subtype, tier, batch, state, level, version, \
     enterprise_id, enterprise_name, uscc, county_code, score, qualifies, submitted_at, updated_at";

/// The states an item leaves a queue for.
const LEFT_STATES: [QueueState; 4] = [
    QueueState::Returned,
    QueueState::Approved,
    QueueState::Rejected,
    QueueState::Withdrawn,
];

impl Resolved {
    /// Appends the conditions (after an open `WHERE`) for kinds, scope, state/level, tier and
    /// text. With one kind and `AtLevel` or a single state, the equality prefix is one of the
    /// `items_queue_*` / `items_state_*` indexes, so the page is an index range scan in order.
    fn conditions(&self, q: &mut Sql, kinds: &[ItemKind], states: StateClause, tier: bool) {
        match kinds {
            [one] => {
                q.push("kind = ").bind(one.code());
            }
            many => {
                let list: Vec<String> = many.iter().map(|k| q.placeholder(k.code())).collect();
                q.push(&format!("kind IN ({})", list.join(", ")));
            }
        }
        if let (Some(col), Some(code)) = (self.scope.column(), self.scope.code()) {
            q.push(&format!(" AND {col} = ")).bind(code.to_string());
        }
        let level = self.level.code();
        // An item that left the queue has no level; whether it passed through this level is in
        // its chain snapshot (a JSON array of level codes). For city and county scopes
        // `level IS NULL` keeps the `items_queue_*` index usable (there is no state index for
        // them); for authority and national scopes the `items_state_*` indexes serve the state.
        let passed_through = |q: &mut Sql, states: &[QueueState]| {
            // Without statistics SQLite would rather seek the national state index
            // (kind, state) than (kind, scope, level IS NULL); `state || ''` keeps the state
            // out of index selection (portable: an expression, in both dialects).
            let state_col = if matches!(self.scope, Scope::City(_) | Scope::County(_)) {
                q.push(" AND level IS NULL");
                "state || ''"
            } else {
                "state"
            };
            match states {
                [one] => {
                    q.push(&format!(" AND {state_col} = ")).bind(one.code());
                }
                many => {
                    let list: Vec<String> = many.iter().map(|s| q.placeholder(s.code())).collect();
                    q.push(&format!(" AND {state_col} IN ({})", list.join(", ")));
                }
            }
            q.push(" AND chain LIKE ").bind(format!("%\"{level}\"%"));
        };
        match states {
            StateClause::AtLevel => {
                q.push(" AND level = ").bind(level);
            }
            StateClause::One(s) if s.is_at_level() => {
                q.push(" AND level = ").bind(level);
                q.push(" AND state = ").bind(s.code());
            }
            StateClause::One(s) => passed_through(q, &[s]),
            StateClause::Left => passed_through(q, &LEFT_STATES),
        }
        if tier && let Some(t) = self.tier {
            q.push(" AND tier = ").bind(t.code());
        }
        if let Some(text) = &self.text {
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let name = q.placeholder(format!("%{escaped}%"));
            let uscc = q.placeholder(format!("%{}%", escaped.to_uppercase()));
            q.push(&format!(
                " AND (LOWER(enterprise_name) LIKE LOWER({name}) ESCAPE '\\' OR uscc LIKE {uscc} ESCAPE '\\')"
            ));
        }
    }

    fn state_clause(&self) -> StateClause {
        match self.state {
            None => StateClause::AtLevel,
            Some(s) => StateClause::One(s),
        }
    }

    /// One page of one kind: `select` (`SELECT … FROM items`), the conditions, the keyset.
    fn page_sql(&self, select: &str, kind: ItemKind, cursor: Option<&Cursor>, limit: u32) -> Sql {
        let mut q = Sql::new(select);
        q.push(" WHERE ");
        self.conditions(&mut q, &[kind], self.state_clause(), true);
        let order = match self.sort {
            QueueSort::OldestFirst => Order::Asc,
            QueueSort::NewestFirst => Order::Desc,
        };
        keyset(&mut q, "updated_at", "id", order, cursor, limit);
        q
    }

    /// Counts grouped by state and tier, without the state and tier filters.
    fn count_sql(&self, states: StateClause) -> Sql {
        let mut q = Sql::new("SELECT state, tier, COUNT(*) AS n FROM items WHERE ");
        self.conditions(&mut q, &self.kinds, states, false);
        q.push(" GROUP BY state, tier");
        q
    }
}

fn queue_entry(row: &AnyRow) -> ServiceResult<QueueEntry> {
    let kind: String = row.try_get("kind")?;
    let tier: String = row.try_get("tier")?;
    let state: String = row.try_get("state")?;
    let level: Option<String> = row.try_get("level")?;
    let county_code: Option<String> = row.try_get("county_code")?;
    Ok(QueueEntry {
        id: row.try_get("id")?,
        kind: ItemKind::from_code(&kind)
            .ok_or_else(|| ServiceError::internal(format!("unknown item kind {kind:?}")))?,
        subtype: row.try_get("subtype")?,
        tier: Tier::from_code(&tier)
            .ok_or_else(|| ServiceError::internal(format!("unknown tier {tier:?}")))?,
        batch: row.try_get("batch")?,
        state: state_from_columns(&state, level.as_deref())?,
        version: row.try_get("version")?,
        enterprise_id: row.try_get("enterprise_id")?,
        enterprise_name: row.try_get("enterprise_name")?,
        uscc: row.try_get("uscc")?,
        region_name: county_code
            .as_deref()
            .and_then(|c| Regions::builtin().full_name(c)),
        county_code,
        score: row.try_get("score")?,
        qualifies: row.try_get::<Option<i64>, _>("qualifies")?.map(|q| q != 0),
        submitted_at: row.try_get::<Option<i64>, _>("submitted_at")?.map(from_ms),
        updated_at: from_ms(row.try_get("updated_at")?),
    })
}

/// The scope of a region filter, if the region lies inside `mine`.
fn region_scope(mine: &Scope, code: &str) -> Result<Scope, Text> {
    let regions = Regions::builtin();
    let Some(region) = regions.get(code) else {
        return Err(Text::new(
            format!("地区代码“{code}”不存在；请填写 6 位行政区划代码（省、市或区县）。"),
            format!(
                "There is no region with code \"{code}\"; give a six-digit division code \
                 (province, prefecture or county)."
            ),
        ));
    };
    let inside = match mine {
        Scope::National => true,
        Scope::Authority(a) => regions.authority(code).is_some_and(|auth| auth.code == *a),
        Scope::City(c) => regions.contains(c, code),
        Scope::County(k) => k == code,
    };
    if !inside {
        return Err(Text::new(
            format!(
                "{}（{code}）不在您的管辖范围内；请选择您管辖地区内的省、市或区县。",
                region.name
            ),
            format!(
                "{} ({code}) is outside your region; choose a province, prefecture or county \
                 inside it.",
                region.name
            ),
        ));
    }
    Ok(match region.level {
        RegionLevel::Province => Scope::Authority(region.code.clone()),
        RegionLevel::Prefecture => Scope::City(region.code.clone()),
        RegionLevel::County => Scope::County(region.code.clone()),
    })
}

/// Checks the caller (reviewer or admin) and the filter; every bad field at once.
fn resolve(session: &Session, filter: &QueueFilter) -> ServiceResult<Resolved> {
    let own = authz::require_staff_level(session)?;
    let mine = authz::scope(session)?;
    let mut f = Fields::default();
    let level = match filter.level {
        Some(l) if l > own => {
            f.push(
                "level",
                Text::new(
                    format!(
                        "您是{}审核人员，只能查看本级及以下的审核队列，不能查看{}队列。",
                        own.name().zh,
                        l.name().zh
                    ),
                    format!(
                        "As a {}-level reviewer you can see the queues of your level and below, \
                         not the {}-level queue.",
                        own.name().en,
                        l.name().en
                    ),
                ),
            );
            own
        }
        Some(l) => l,
        None => own,
    };
    let scope = match filter.region.as_deref().map(str::trim) {
        Some(code) if !code.is_empty() => f
            .check("region", region_scope(&mine, code))
            .unwrap_or_else(|| mine.clone()),
        _ => mine,
    };
    let text = f
        .check(
            "text",
            optional(
                filter.text.as_deref(),
                MAX_SEARCH_CHARS,
                Text::new("搜索内容", "the search text"),
            ),
        )
        .flatten();
    f.finish()?;
    Ok(Resolved {
        kinds: match filter.kind {
            Some(k) => vec![k],
            None => ItemKind::ALL.to_vec(),
        },
        scope,
        level,
        state: filter.state,
        tier: filter.tier,
        text,
        sort: filter.sort,
    })
}

impl Service {
    /// A page of the review queue: items at my level (or the filter's lower level) inside my
    /// scope (or the filter's region), filtered by kind, tier, state and text, oldest first
    /// unless asked otherwise. Each kind's page is one index range scan; with every kind the
    /// pages are merged, so a cursor walks every item once.
    pub async fn queue(
        &self,
        session: &Session,
        filter: &QueueFilter,
        page: &PageRequest,
    ) -> ServiceResult<Page<QueueEntry>> {
        let r = resolve(session, filter)?;
        let limit = page.limit();
        let cursor = page.cursor()?;
        let select = format!("SELECT {QUEUE_COLUMNS} FROM items");
        let mut conn = self.read().await?;
        let mut rows = Vec::new();
        for kind in &r.kinds {
            let q = r.page_sql(&select, *kind, cursor.as_ref(), limit);
            for row in q.fetch_all(&mut conn).await? {
                rows.push(queue_entry(&row)?);
            }
        }
        if r.kinds.len() > 1 {
            rows.sort_by(|a, b| {
                let asc = (a.updated_at, &a.id).cmp(&(b.updated_at, &b.id));
                match r.sort {
                    QueueSort::OldestFirst => asc,
                    QueueSort::NewestFirst => asc.reverse(),
                }
            });
        }
        Ok(Page::from_rows(rows, limit, |e| {
            Cursor::new(ms(e.updated_at), &e.id)
        }))
    }

    /// The counts for the queue's filter chips (see [`QueueCounts`]).
    pub async fn queue_counts(
        &self,
        session: &Session,
        filter: &QueueFilter,
    ) -> ServiceResult<QueueCounts> {
        let r = resolve(session, filter)?;
        let mut conn = self.read().await?;
        let mut cells: Vec<(QueueState, Tier, i64)> = Vec::new();
        for clause in [StateClause::AtLevel, StateClause::Left] {
            for row in r.count_sql(clause).fetch_all(&mut conn).await? {
                let state: String = row.try_get("state")?;
                let tier: String = row.try_get("tier")?;
                let (Some(state), Some(tier)) =
                    (QueueState::from_code(&state), Tier::from_code(&tier))
                else {
                    return Err(ServiceError::internal(format!(
                        "unexpected state/tier {state:?}/{tier:?} in queue counts"
                    )));
                };
                cells.push((state, tier, row.try_get("n")?));
            }
        }
        let state_ok = |s: QueueState| match r.state {
            None => s.is_at_level(),
            Some(want) => s == want,
        };
        let tier_ok = |t: Tier| r.tier.is_none_or(|want| t == want);
        let sum = |keep: &dyn Fn(QueueState, Tier) -> bool| -> i64 {
            cells
                .iter()
                .filter(|(s, t, _)| keep(*s, *t))
                .map(|(_, _, n)| n)
                .sum()
        };
        Ok(QueueCounts {
            total: sum(&|s, t| state_ok(s) && tier_ok(t)),
            by_state: QueueState::ALL
                .into_iter()
                .map(|state| StateCount {
                    state,
                    count: sum(&|s, t| s == state && tier_ok(t)),
                })
                .collect(),
            by_tier: Tier::ALL
                .into_iter()
                .map(|tier| TierCount {
                    tier,
                    count: sum(&|s, t| t == tier && state_ok(s)),
                })
                .collect(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Detail
// ---------------------------------------------------------------------------------------------

/// One figure of the enterprise's form, labelled by the item's ruleset, in form order.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// The ruleset input id.
    pub id: String,
    pub label: Text,
    /// The value as given, with its unit; None when left empty.
    pub value: Option<Text>,
}

/// An evidence file attached to an item.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceFile {
    pub id: String,
    pub name: String,
    pub sha256: String,
    pub size: i64,
    pub content_type: String,
    pub uploaded_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The enterprise behind an item, as a reviewer needs it beside the form.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct EnterpriseSummary {
    pub id: String,
    pub name: String,
    pub uscc: String,
    pub legal_rep: String,
    pub county_code: Option<String>,
    pub region_name: Option<String>,
    pub industry_code: Option<String>,
    pub industry_name: Option<String>,
    pub segment: Option<String>,
    pub main_products: Option<String>,
    pub established_on: Option<String>,
    pub employees: Option<i64>,
    /// 万元, prior year.
    pub revenue: Option<f64>,
    /// 万元, prior year.
    pub total_assets: Option<f64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// The SME size judgement (DOMAIN.md §6), when the figures allow one.
    pub size: Option<SizeFact>,
    /// Basic-info fields still empty (`field`, label).
    pub missing: Vec<(String, Text)>,
    /// Its certifications valid today (a 小巨人 declaration needs a valid 专精特新 one).
    pub certifications: Vec<ActiveCertification>,
}

/// Everything a reviewer decides on.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct ReviewDetail {
    /// The item with its payload (the form as submitted); `item.version` is what a decision
    /// must name.
    pub item: Item,
    /// The enterprise's figures, labelled and in form order.
    pub figures: Vec<Figure>,
    /// The stored evaluation (score, gates, indicators with the figures behind them) computed
    /// at submission, when it reads as a [`Breakdown`]; the raw JSON is `item.breakdown`.
    pub evaluation: Option<Breakdown>,
    /// The digital-level assessment snapshot taken at submission.
    pub digital_level: Option<DigitalLevel>,
    pub evidence: Vec<EvidenceFile>,
    /// The workflow history, oldest first.
    pub history: Vec<HistoryEntry>,
    pub enterprise: EnterpriseSummary,
    /// What this reviewer may do to the item now.
    pub allowed_actions: Vec<ActionKind>,
}

/// The domain facts of a reviewer's action: only the chain and the item's own flags matter to
/// claim, pass, return and reject.
fn reviewer_facts<'a>(item: &Item, chain: &'a Chain) -> Facts<'a> {
    items::own_facts(item, chain)
}

fn render_value(def: Option<&crate::domain::rules::InputDef>, v: &serde_json::Value) -> Text {
    let parsed: Option<Value> = serde_json::from_value(v.clone()).ok();
    match (def, parsed) {
        (Some(d), Some(Value::Number(n))) => {
            let unit = d.unit_text();
            let sep = |u: &str| if u.is_empty() || u == "%" { "" } else { " " };
            Text::new(
                format!("{n}{}{}", sep(&unit.zh), unit.zh),
                format!("{n}{}{}", sep(&unit.en), unit.en),
            )
        }
        (Some(d), Some(Value::Bool(b))) => d
            .option_label(if b { "yes" } else { "no" })
            .unwrap_or_else(|| Text::new(b.to_string(), b.to_string())),
        (Some(d), Some(Value::Text(t))) if d.kind == InputKind::Choice => {
            d.option_label(&t).unwrap_or_else(|| Text::new(&t, &t))
        }
        (_, Some(Value::Text(t))) => Text::new(&t, &t),
        _ => {
            let s = v.to_string();
            Text::new(&s, &s)
        }
    }
}

/// The form inputs of the item's ruleset, with the values of the payload (either the payload
/// object itself or its `inputs` member), in form order; values the ruleset does not know follow.
fn figures(item: &Item) -> Vec<Figure> {
    if item.kind == ItemKind::Change
        && let Some(f) = crate::service::changes::change_figures(item)
    {
        return f;
    }
    let values = item
        .payload
        .get("inputs")
        .and_then(|v| v.as_object())
        .or_else(|| item.payload.as_object());
    let value_of = |id: &str| {
        values
            .and_then(|m| m.get(id))
            .filter(|v| !v.is_null() && v.as_str() != Some(""))
    };
    let mut out = Vec::new();
    let mut known = std::collections::BTreeSet::new();
    if let Some(rs) = Ruleset::builtin(&item.ruleset) {
        for def in rs.form_inputs(item.tier, item.authority_code.as_deref()) {
            known.insert(def.id.clone());
            out.push(Figure {
                id: def.id.clone(),
                label: def.label.clone(),
                value: value_of(&def.id).map(|v| render_value(Some(def), v)),
            });
        }
        if let Some(m) = values {
            for (id, v) in m {
                if known.contains(id) || id == "inputs" || v.is_null() {
                    continue;
                }
                out.push(Figure {
                    id: id.clone(),
                    label: rs.figure_label(id),
                    value: Some(render_value(rs.input(id), v)),
                });
            }
        }
    } else if let Some(m) = values {
        for (id, v) in m {
            out.push(Figure {
                id: id.clone(),
                label: Text::new(id, id),
                value: Some(render_value(None, v)),
            });
        }
    }
    out
}

async fn evidence_of(conn: &mut Conn, item_id: &str) -> ServiceResult<Vec<EvidenceFile>> {
    let rows = sqlx::query(
        "SELECT id, name, sha256, size, content_type, uploaded_by, created_at FROM evidence \
         WHERE item_id = $1 ORDER BY created_at, id",
    )
    .bind(item_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(EvidenceFile {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                sha256: r.try_get("sha256")?,
                size: r.try_get("size")?,
                content_type: r.try_get("content_type")?,
                uploaded_by: r.try_get("uploaded_by")?,
                created_at: from_ms(r.try_get("created_at")?),
            })
        })
        .collect()
}

async fn enterprise_summary(
    conn: &mut Conn,
    enterprise_id: &str,
    today: NaiveDate,
) -> ServiceResult<EnterpriseSummary> {
    let row = sqlx::query(
        "SELECT id, name, uscc, legal_rep, county_code, industry_code, segment, main_products, \
         established_on, employees, revenue, total_assets, contact_name, contact_phone \
         FROM enterprises WHERE id = $1",
    )
    .bind(enterprise_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ServiceError::not_found(Text::new("该企业", "the enterprise")))?;
    let county_code: Option<String> = row.try_get("county_code")?;
    let industry_code: Option<String> = row.try_get("industry_code")?;
    let employees: Option<i64> = row.try_get("employees")?;
    let revenue: Option<f64> = row.try_get("revenue")?;
    let total_assets: Option<f64> = row.try_get("total_assets")?;
    let industries = Industries::builtin();
    let size = industry_code.as_deref().and_then(|code| {
        let section = industries.section_of(code)?;
        let figures = SizeFigures {
            employees: employees.map(|e| e as f64),
            revenue,
            total_assets,
        };
        size::classify(SizeSector::of(&section.code, code), &figures)
    });
    let mut certifications = Vec::new();
    for tier in Tier::ALL {
        if let Some(c) = facts::active_certification(conn, enterprise_id, tier, today).await? {
            certifications.push(c);
        }
    }
    let missing = facts::basic_info_missing(conn, enterprise_id)
        .await?
        .into_iter()
        .map(|(f, t)| (f.to_string(), t))
        .collect();
    Ok(EnterpriseSummary {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        uscc: row.try_get("uscc")?,
        legal_rep: row.try_get("legal_rep")?,
        region_name: county_code
            .as_deref()
            .and_then(|c| Regions::builtin().full_name(c)),
        county_code,
        industry_name: industry_code
            .as_deref()
            .and_then(|c| industries.get(c))
            .map(|i| i.name.clone()),
        industry_code,
        segment: row.try_get("segment")?,
        main_products: row.try_get("main_products")?,
        established_on: row.try_get("established_on")?,
        employees,
        revenue,
        total_assets,
        contact_name: row.try_get("contact_name")?,
        contact_phone: row.try_get("contact_phone")?,
        size,
        missing,
        certifications,
    })
}

/// May this staff member (of level `own`) look at `item`? See the module docs.
fn check_visible(session: &Session, own: ReviewLevel, item: &Item) -> ServiceResult<()> {
    let in_scope = item
        .county_code
        .as_deref()
        .is_some_and(|c| authz::in_scope(session, c));
    if !in_scope {
        return Err(ServiceError::forbidden(Refusal::OutOfScope.text()));
    }
    let chain = match &item.chain {
        Some(c) if item.ever_submitted => c,
        // Never submitted: not the reviewers' business (as if it did not exist).
        _ => return Err(ServiceError::not_found(Text::new("该事项", "the item"))),
    };
    if !chain.levels().iter().any(|l| *l <= own) {
        return Err(ServiceError::forbidden(Text::new(
            format!(
                "该事项的审核流程（{}）不经过{}，您无权查看。",
                chain.name().zh,
                own.name().zh
            ),
            format!(
                "This item's review chain ({}) does not pass the {} level; you cannot see it.",
                chain.name().en,
                own.name().en
            ),
        )));
    }
    Ok(())
}

impl Service {
    /// The detail a reviewer decides on (reviewers and admins whose scope holds the enterprise
    /// and whose level the item's chain passes through, or one above it).
    pub async fn review_item(&self, session: &Session, id: &str) -> ServiceResult<ReviewDetail> {
        let own = authz::require_staff_level(session)?;
        let mut conn = self.read().await?;
        // One snapshot: the version shown matches the history shown.
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let item = items::load(&mut tx, id).await?;
        check_visible(session, own, &item)?;
        let evidence = evidence_of(&mut tx, id).await?;
        let history = audit::history_of(&mut tx, id).await?;
        let enterprise = enterprise_summary(&mut tx, &item.enterprise_id, self.today()).await?;
        tx.rollback().await?;

        let actor =
            authz::workflow_actor(session, &item.enterprise_id, item.county_code.as_deref());
        let allowed_actions = match &item.chain {
            Some(chain) => {
                workflow::allowed_actions(item.state, &actor, &reviewer_facts(&item, chain))
            }
            None => Vec::new(),
        };
        let evaluation = item
            .breakdown
            .as_ref()
            .and_then(|b| serde_json::from_value::<Breakdown>(b.clone()).ok());
        let digital_level = item
            .digital_level
            .and_then(|l| u8::try_from(l).ok())
            .and_then(DigitalLevel::from_number);
        Ok(ReviewDetail {
            figures: figures(&item),
            evaluation,
            digital_level,
            evidence,
            history,
            enterprise,
            allowed_actions,
            item,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------

/// A certification granted (or, for module D's kinds, renewed) by a final pass.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedCertification {
    pub id: String,
    pub enterprise_id: String,
    pub tier: Tier,
    pub item_id: String,
    pub certified_on: NaiveDate,
    /// The last valid day.
    pub expires_on: NaiveDate,
    /// The earlier active certification of the tier it replaced (now expired).
    pub superseded: Option<String>,
}

/// What a decision did.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct Decided {
    /// The item after the decision (its new state and version).
    pub item: Item,
    /// The certification the final pass granted, if any.
    pub certification: Option<IssuedCertification>,
}

/// A decision for many items at once.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, tag = "decision", rename_all = "snake_case")]
pub enum BulkDecision {
    // A struct variant, not a unit one, so that serde refuses unknown fields here too.
    Pass {},
    Return { reason: String },
    Reject { reason: String },
}

/// The outcome for one item of a bulk decision.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkResult {
    pub id: String,
    pub outcome: Result<Decided, ServiceError>,
}

fn reason_label(kind: ActionKind) -> Text {
    match kind {
        ActionKind::Return => Text::new("退回理由", "the reason for returning it"),
        _ => Text::new("不通过理由", "the reason for rejecting it"),
    }
}

/// The reason of a return or a rejection: trimmed, non-empty, at most [`MAX_REASON_CHARS`].
pub(crate) fn check_reason(f: &mut Fields, kind: ActionKind, reason: &str) -> Option<String> {
    f.check(
        "reason",
        required(reason, MAX_REASON_CHARS, reason_label(kind)),
    )
}

fn check_note(f: &mut Fields, note: Option<&str>) -> Option<String> {
    f.check(
        "note",
        optional(
            note,
            MAX_REASON_CHARS,
            Text::new("审核意见", "the review note"),
        ),
    )
    .flatten()
}

/// Makes a decision inside `w` (the caller commits): the transition through [`items::act`], the
/// pass note into the history row, the final-pass effects, the message to the enterprise.
async fn decide_in(
    w: &mut Write,
    session: &Session,
    id: &str,
    expected_version: i64,
    action: &Action,
    note: Option<&str>,
) -> ServiceResult<Decided> {
    let done = items::act(
        w,
        session,
        id,
        expected_version,
        action,
        ItemFacts::default(),
    )
    .await?;
    let item = done
        .item
        .ok_or_else(|| ServiceError::internal(format!("decision on item {id} deleted it")))?;
    if let Some(note) = note {
        // The reviewer's opinion is the comment of the history row `act` just appended, in the
        // same transaction: the committed row is written once.
        sqlx::query(
            "UPDATE history SET reason = $1 WHERE item_id = $2 AND version = $3 \
             AND reason IS NULL",
        )
        .bind(note)
        .bind(&item.id)
        .bind(item.version)
        .execute(&mut **w)
        .await?;
    }
    let who = Who::from(session);
    let certification = if done.outcome.certify {
        on_final_pass(w, &who, &item).await?
    } else {
        None
    };
    if let (Some(reason), Some(level)) = (action.reason(), done.from.level()) {
        post_decision_message(w, &item, action.kind(), level, reason).await?;
    }
    Ok(Decided {
        item,
        certification,
    })
}

/// What the final pass of an item brings about beyond its state (already `approved`), in the
/// decision's transaction. One arm per kind: a declaration is certified here; module D
/// (certifications, info updates, major changes, 复核) registers its arms at merge — 复核
/// extends the certification by 3 years, an accepted info update applies its data, an
/// acknowledged major change is recorded — and returns the certification it touched, if any.
pub(crate) async fn on_final_pass(
    w: &mut Write,
    who: &Who,
    item: &Item,
) -> ServiceResult<Option<IssuedCertification>> {
    match item.kind {
        ItemKind::Declaration => certify_declaration(w, who, item).await.map(Some),
        // 复核 extends the certification; an accepted update applies its data; an acknowledged
        // change is recorded and announced (each module's own hook).
        ItemKind::Review => crate::service::reexam::on_final_pass(w, item)
            .await
            .map(|()| None),
        ItemKind::Update => crate::service::updates::on_final_pass(w, item)
            .await
            .map(|()| None),
        ItemKind::Change => crate::service::changes::on_final_pass(w, item)
            .await
            .map(|()| None),
    }
}

/// The certification of an approved declaration: valid from today for the tier's validity
/// (3 years, last day by [`calendar::expiry`]). An earlier active certification of the same
/// tier is expired first (one active per enterprise and tier). Audited, and announced to the
/// enterprise (认定通知).
async fn certify_declaration(
    w: &mut Write,
    who: &Who,
    item: &Item,
) -> ServiceResult<IssuedCertification> {
    let today = w.today();
    let expires_on = calendar::expiry(today, item.tier.validity_years());
    let now = w.now_ms();
    let earlier = sqlx::query(
        "SELECT id FROM certifications WHERE enterprise_id = $1 AND tier = $2 \
         AND status = 'active'",
    )
    .bind(&item.enterprise_id)
    .bind(item.tier.code())
    .fetch_optional(&mut **w)
    .await?
    .map(|r| r.try_get::<String, _>("id"))
    .transpose()?;
    if let Some(old) = &earlier {
        sqlx::query(
            "UPDATE certifications SET status = 'expired', updated_at = $1, \
             version = version + 1 WHERE id = $2 AND status = 'active'",
        )
        .bind(now)
        .bind(old)
        .execute(&mut **w)
        .await?;
        audit::audit(
            w,
            who,
            "certification.expire",
            "certification",
            Some(old),
            json!({"reason": "superseded", "by_item": item.id}),
        )
        .await?;
    }
    let id = new_id();
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    sqlx::query(
        "INSERT INTO certifications (id, enterprise_id, tier, item_id, certified_on, expires_on, \
         status, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $7, 1)",
    )
    .bind(&id)
    .bind(&item.enterprise_id)
    .bind(item.tier.code())
    .bind(&item.id)
    .bind(day(today))
    .bind(day(expires_on))
    .bind(now)
    .execute(&mut **w)
    .await?;
    audit::audit(
        w,
        who,
        "certification.create",
        "certification",
        Some(&id),
        json!({
            "enterprise_id": item.enterprise_id,
            "tier": item.tier.code(),
            "item_id": item.id,
            "certified_on": day(today),
            "expires_on": day(expires_on),
            "superseded": earlier,
        }),
    )
    .await?;
    let tier = item.tier.name();
    messages::post(
        w,
        &Recipient::Enterprise(item.enterprise_id.clone()),
        Category::Certification,
        &Text::new(
            format!("认定通知：已认定为{}", tier.zh),
            format!("Certified: {}", tier.en),
        ),
        &Text::new(
            format!(
                "贵企业的{}申报（{}年批次）已通过审核，自 {} 起认定为{}，有效期至 {}。",
                tier.zh,
                item.batch,
                day(today),
                tier.zh,
                day(expires_on)
            ),
            format!(
                "Your declaration as {} (batch {}) has been approved: the enterprise is \
                 certified from {} and the certification is valid until {}.",
                tier.en,
                item.batch,
                day(today),
                day(expires_on)
            ),
        ),
        Some(&format!("certified:{}", item.id)),
    )
    .await?;
    Ok(IssuedCertification {
        id,
        enterprise_id: item.enterprise_id.clone(),
        tier: item.tier,
        item_id: item.id.clone(),
        certified_on: today,
        expires_on,
        superseded: earlier,
    })
}

/// The message telling the enterprise its item was returned or rejected, with the reason
/// (认定通知; 信息更新 for info updates).
async fn post_decision_message(
    w: &mut Write,
    item: &Item,
    kind: ActionKind,
    level: ReviewLevel,
    reason: &str,
) -> ServiceResult<()> {
    let what = item.kind.name();
    let tier = item.tier.name();
    let lvl = level.name();
    let category = match item.kind {
        ItemKind::Update => Category::Update,
        ItemKind::Declaration | ItemKind::Review | ItemKind::Change => Category::Certification,
    };
    let is_declaration = item.kind == ItemKind::Declaration;
    let (title, body) = match kind {
        ActionKind::Return => (
            Text::new(
                format!("{}已退回", what.zh),
                format!("{} returned", capitalise(&what.en)),
            ),
            Text::new(
                format!(
                    "贵企业的{}{}（{}年批次）已被{}审核退回。退回理由：{reason}。请按要求修改后重新提交{}",
                    tier.zh,
                    what.zh,
                    item.batch,
                    lvl.zh,
                    if is_declaration {
                        "（退回的申报在申报窗口关闭后仍可重新提交）。"
                    } else {
                        "。"
                    }
                ),
                format!(
                    "Your {} ({}, batch {}) was returned at {} level. Reason: {reason}. Change it \
                     as asked and submit it again{}",
                    what.en,
                    tier.en,
                    item.batch,
                    lvl.en,
                    if is_declaration {
                        " (a returned declaration can be resubmitted even after the window has \
                         closed)."
                    } else {
                        "."
                    }
                ),
            ),
        ),
        _ => (
            Text::new(
                format!("{}未通过", what.zh),
                format!("{} rejected", capitalise(&what.en)),
            ),
            Text::new(
                format!(
                    "贵企业的{}{}（{}年批次）经{}审核未通过。理由：{reason}。{}",
                    tier.zh,
                    what.zh,
                    item.batch,
                    lvl.zh,
                    if is_declaration {
                        "可在下一次申报窗口开放时重新申报。"
                    } else {
                        ""
                    }
                ),
                format!(
                    "Your {} ({}, batch {}) was rejected at {} level. Reason: {reason}.{}",
                    what.en,
                    tier.en,
                    item.batch,
                    lvl.en,
                    if is_declaration {
                        " You may declare again when the next window opens."
                    } else {
                        ""
                    }
                ),
            ),
        ),
    };
    messages::post(
        w,
        &Recipient::Enterprise(item.enterprise_id.clone()),
        category,
        &title,
        &body,
        Some(&format!("decision:{}:{}", item.id, item.version)),
    )
    .await?;
    Ok(())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Service {
    /// One decision in its own transaction, after the staff check and input validation.
    async fn decide(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
        action: Action,
        note: Option<String>,
    ) -> ServiceResult<Decided> {
        authz::require_staff_level(session)?;
        let mut f = Fields::default();
        let action = match action {
            Action::Return { reason } => check_reason(&mut f, ActionKind::Return, &reason)
                .map(|reason| Action::Return { reason }),
            Action::Reject { reason } => check_reason(&mut f, ActionKind::Reject, &reason)
                .map(|reason| Action::Reject { reason }),
            other => Some(other),
        };
        let note = check_note(&mut f, note.as_deref());
        f.finish()?;
        let action = action.ok_or_else(|| ServiceError::internal("validated action missing"))?;
        let mut w = self.write().await?;
        let done = decide_in(
            &mut w,
            session,
            id,
            expected_version,
            &action,
            note.as_deref(),
        )
        .await?;
        w.commit().await?;
        Ok(done)
    }

    /// Takes a submitted item at my level into review (领取): 待审核 → 审核中.
    pub async fn claim(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
    ) -> ServiceResult<Decided> {
        self.decide(session, id, expected_version, Action::Claim, None)
            .await
    }

    /// Passes an item at my level: on to the next level of its chain snapshot, or approved
    /// (with a certification, for a declaration) at the last one. `note` (≤ 500 characters) is
    /// recorded as the review opinion in the history.
    pub async fn pass(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
        note: Option<String>,
    ) -> ServiceResult<Decided> {
        self.decide(session, id, expected_version, Action::Pass, note)
            .await
    }

    /// Returns an item at my level to the enterprise for changes (退回), with a reason that is
    /// recorded in the history and sent to the enterprise.
    pub async fn return_item(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
        reason: String,
    ) -> ServiceResult<Decided> {
        self.decide(
            session,
            id,
            expected_version,
            Action::Return { reason },
            None,
        )
        .await
    }

    /// Rejects an item at my level (不通过, final), with a reason that is recorded in the history
    /// and sent to the enterprise.
    pub async fn reject(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
        reason: String,
    ) -> ServiceResult<Decided> {
        self.decide(
            session,
            id,
            expected_version,
            Action::Reject { reason },
            None,
        )
        .await
    }

    /// The same decision on many items, each checked and recorded in its own transaction: one
    /// refusal (stale version, another level …) does not stop the others. Results come in the
    /// order of `items`.
    pub async fn bulk_decide(
        &self,
        session: &Session,
        items: Vec<(String, i64)>,
        decision: BulkDecision,
    ) -> ServiceResult<Vec<BulkResult>> {
        authz::require_staff_level(session)?;
        let mut f = Fields::default();
        if items.is_empty() || items.len() > MAX_BULK_ITEMS {
            f.push(
                "items",
                Text::new(
                    format!(
                        "请选择 1 至 {MAX_BULK_ITEMS} 个事项，当前 {} 个。",
                        items.len()
                    ),
                    format!(
                        "Choose between 1 and {MAX_BULK_ITEMS} items; got {}.",
                        items.len()
                    ),
                ),
            );
        }
        let action = match decision {
            BulkDecision::Pass {} => Some(Action::Pass),
            BulkDecision::Return { reason } => check_reason(&mut f, ActionKind::Return, &reason)
                .map(|reason| Action::Return { reason }),
            BulkDecision::Reject { reason } => check_reason(&mut f, ActionKind::Reject, &reason)
                .map(|reason| Action::Reject { reason }),
        };
        f.finish()?;
        let action = action.ok_or_else(|| ServiceError::internal("validated action missing"))?;
        let mut results = Vec::with_capacity(items.len());
        for (id, version) in items {
            let outcome = async {
                let mut w = self.write().await?;
                let done = decide_in(&mut w, session, &id, version, &action, None).await?;
                w.commit().await?;
                Ok(done)
            }
            .await;
            results.push(BulkResult { id, outcome });
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SqliteStore, Store};

    fn resolved(scope: Scope, level: ReviewLevel, state: Option<QueueState>) -> Resolved {
        Resolved {
            kinds: ItemKind::ALL.to_vec(),
            scope,
            level,
            state,
            tier: Some(Tier::Specialized),
            text: None,
            sort: QueueSort::OldestFirst,
        }
    }

    async fn plan(store: &SqliteStore, sql: Sql) -> String {
        let mut conn = store.read().await.unwrap();
        let rows = sql.fetch_all(&mut conn).await.unwrap();
        rows.iter()
            .map(|r| r.try_get::<String, _>("detail").unwrap())
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// Every queue page is one index range scan in index order (no table scan, no sort), in
    /// both directions and for every scope; states that left the queue use the state indexes
    /// (authority, national) or the queue indexes with `level IS NULL` (city, county).
    #[tokio::test]
    async fn queue_pages_are_index_range_scans() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("q.db")).await.unwrap();
        let cursor = Cursor::new(1_700_000_000_000, "0190-x");
        let select = "EXPLAIN QUERY PLAN SELECT id FROM items";
        let scopes = [
            (Scope::Authority("440000".into()), "authority"),
            (Scope::City("440100".into()), "city"),
            (Scope::County("440106".into()), "county"),
            (Scope::National, "national"),
        ];
        let states = [
            None,
            Some(QueueState::InReview),
            Some(QueueState::Approved),
            Some(QueueState::Returned),
        ];
        for (scope, name) in scopes {
            for state in states {
                for sort in [QueueSort::OldestFirst, QueueSort::NewestFirst] {
                    for c in [None, Some(&cursor)] {
                        let r = Resolved {
                            sort,
                            ..resolved(scope.clone(), ReviewLevel::City, state)
                        };
                        let p =
                            plan(&store, r.page_sql(select, ItemKind::Declaration, c, 50)).await;
                        // With a state at the level, both the queue index (kind, scope,
                        // level) and the state index (kind, scope, state) are range scans.
                        let indexes = match (state, name) {
                            (Some(s), "authority" | "national") if !s.is_at_level() => {
                                vec![format!("items_state_{name}")]
                            }
                            (Some(_), "authority" | "national") => {
                                vec![format!("items_queue_{name}"), format!("items_state_{name}")]
                            }
                            _ => vec![format!("items_queue_{name}")],
                        };
                        assert!(
                            indexes.iter().any(|i| p.contains(&format!("INDEX {i} ("))),
                            "{state:?} {p}"
                        );
                        assert!(!p.contains("TEMP B-TREE"), "{state:?} {sort:?} {p}");
                        if c.is_some() {
                            let cmp = match sort {
                                QueueSort::OldestFirst => ">",
                                QueueSort::NewestFirst => "<",
                            };
                            assert!(p.contains(&format!("(updated_at,id){cmp}(?,?)")), "{p}");
                        }
                    }
                }
            }
        }
        // The counts read an index range too (no table scan).
        for (scope, index) in [
            (Scope::Authority("440000".into()), "authority"),
            (Scope::County("440106".into()), "queue_county"),
        ] {
            for clause in [StateClause::AtLevel, StateClause::Left] {
                let r = resolved(scope.clone(), ReviewLevel::County, None);
                let mut q =
                    Sql::new("EXPLAIN QUERY PLAN SELECT state, tier, COUNT(*) FROM items WHERE ");
                r.conditions(&mut q, &r.kinds, clause, false);
                q.push(" GROUP BY state, tier");
                let p = plan(&store, q).await;
                assert!(
                    p.contains("USING INDEX items_") && p.contains(index),
                    "{clause:?} {p}"
                );
            }
        }
    }

    /// The DESIGN.md §5 targets through the use cases, measured by hand:
    /// `cargo test --release --lib -- --ignored review_at_a_million`.
    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "slow: builds a million-row table"]
    async fn review_at_a_million() {
        use crate::service::{PasswordHashing, ServiceConfig, TestClock};
        use std::sync::Arc;
        use std::time::{Duration, Instant};
        let dir = tempfile::tempdir().unwrap();
        let svc = Service::open(
            ServiceConfig::new(dir.path())
                .with_clock(Arc::new(TestClock::at("2025-03-03T09:00:00+08:00")))
                .with_passwords(PasswordHashing::Fast),
        )
        .await
        .unwrap();
        let mut w = svc.write().await.unwrap();
        // 1 000 000 declarations spread over 31 authorities (广东 holds 1/31); a fifth approved,
        // the rest waiting at county, city or province level.
        sqlx::raw_sql(
            "INSERT INTO enterprises (id, uscc, name, legal_rep, legal_rep_id_masked, \
             legal_rep_id_hash, created_at, updated_at) VALUES ('e', 'u', 'n', 'r', 'm', 'h', 0, 0);
             WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000)
             INSERT INTO items (id, kind, enterprise_id, tier, batch, ruleset, state, level, chain,
                 version, ever_submitted, created_at, updated_at, enterprise_name, uscc,
                 county_code, city_code, authority_code)
             SELECT printf('%012d', x), 'declaration', 'e', 'specialized', 2025, '2022',
                 CASE x % 5 WHEN 0 THEN 'approved' ELSE 'submitted' END,
                 CASE x % 5 WHEN 0 THEN NULL WHEN 1 THEN 'county' WHEN 2 THEN 'city'
                     ELSE 'province' END,
                 '[\"county\",\"city\",\"province\"]', 2, 1,
                 x, x, 'n' || x, 'u' || x, '440106', '440100', CASE WHEN x % 31 = 0 THEN '440000' ELSE printf('%02d', x % 31) || '0000' END
             FROM c;",
        )
        .execute(&mut *w)
        .await
        .unwrap();
        w.commit().await.unwrap();
        let reviewer = Session {
            account_id: "r".into(),
            login_name: "r".into(),
            display_name: "r".into(),
            kind: crate::service::session::AccountKind::Reviewer,
            level: Some(ReviewLevel::Province),
            region_code: Some("440000".into()),
            enterprise_id: None,
            expires_at: Utc::now(),
            token_hash: String::new(),
        };
        let filter = QueueFilter {
            kind: Some(ItemKind::Declaration),
            ..QueueFilter::default()
        };
        let mut page = PageRequest::first(50);
        let mut worst = Duration::ZERO;
        let mut ids = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            let got = svc.queue(&reviewer, &filter, &page).await.unwrap();
            worst = worst.max(started.elapsed());
            assert_eq!(got.items.len(), 50);
            ids.extend(got.items.iter().map(|e| (e.id.clone(), e.version)));
            page = PageRequest::after(&got.next.unwrap(), 50);
        }
        eprintln!("queue page of 50 (one kind): worst {worst:?}");
        let started = Instant::now();
        svc.queue(&reviewer, &QueueFilter::default(), &PageRequest::first(50))
            .await
            .unwrap();
        eprintln!("queue page of 50 (every kind): {:?}", started.elapsed());
        let mut took = Vec::new();
        for (id, version) in ids.iter().take(200) {
            let started = Instant::now();
            let done = svc.pass(&reviewer, id, *version, None).await.unwrap();
            took.push(started.elapsed());
            assert_eq!(done.item.state, State::Approved);
        }
        took.sort();
        eprintln!(
            "final pass with certification: median {:?}, p95 {:?}, worst {:?}",
            took[took.len() / 2],
            took[took.len() * 95 / 100],
            took[took.len() - 1]
        );
    }

    #[test]
    fn region_filters_stay_inside_the_scope() {
        let gd = Scope::Authority("440000".into());
        assert_eq!(
            region_scope(&gd, "440100"),
            Ok(Scope::City("440100".into()))
        );
        assert_eq!(
            region_scope(&gd, "440106"),
            Ok(Scope::County("440106".into()))
        );
        assert_eq!(region_scope(&gd, "440000"), Ok(gd.clone()));
        // 深圳 is its own authority: not inside 广东's scope.
        assert!(region_scope(&gd, "440300").is_err());
        assert!(region_scope(&gd, "440305").is_err());
        assert!(region_scope(&gd, "999999").is_err());
        let sz_city = Scope::City("440300".into());
        assert_eq!(
            region_scope(&sz_city, "440305"),
            Ok(Scope::County("440305".into()))
        );
        assert!(region_scope(&sz_city, "440106").is_err());
        let county = Scope::County("440305".into());
        assert!(region_scope(&county, "440305").is_ok());
        assert!(region_scope(&county, "440306").is_err());
        assert_eq!(
            region_scope(&Scope::National, "440300"),
            Ok(Scope::City("440300".into()))
        );
    }
}
