//! The enterprise's past applications of one kind: its 复核 applications and its 信息更新, each
//! with its tier and year, where it stands (state, current level), its dates and the last
//! reason given on it (a return, a rejection or a reviewer's note). The list is the
//! enterprise's own and nobody else's; the detail of one 复核 application (its status history
//! with who, when and why) is [`Service::reexam_detail`] — an update's is
//! [`Service::update_detail`].
//!
//! | use case | who |
//! |---|---|
//! | [`Service::reexam_history`], [`Service::update_history`] | the enterprise (its own items only) |
//! | [`Service::reexam_detail`] | the enterprise, and staff whose scope holds it once submitted |

use crate::domain::text::Text;
use crate::domain::tiers::{ReviewLevel, Tier};
use crate::domain::workflow::{OfferedAction, State};
use crate::service::Service;
use crate::service::audit::{HistoryEntry, history_of};
use crate::service::authz;
use crate::service::certifications::{ItemHistory, item_with_history};
use crate::service::error::ServiceResult;
use crate::service::items::{self, Item, ItemKind};
use crate::service::paging::{Cursor, Order, Page, PageRequest, Sql, keyset};
use crate::service::session::Session;
use crate::store::{Conn, ms};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Row;

/// One past (or current) application of the enterprise, as its history list shows it.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct PastApplication {
    pub id: String,
    pub kind: ItemKind,
    pub tier: Tier,
    pub tier_name: Text,
    /// The year it belongs to: the year a 复核 application was made, an update's year.
    pub year: i64,
    pub state: State,
    /// 暂存, 待审核(省级), 已通过 …
    pub state_name: Text,
    /// 当前处理层级: the level it waits at or is in review at.
    pub level: Option<ReviewLevel>,
    /// 复核 only: the end of the validity period the application is for.
    pub expires_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    /// The last submission.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When it was approved or rejected.
    pub decided_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The latest step that carried a reason (a return, a rejection, a reviewer's note).
    pub last_reason: Option<HistoryEntry>,
    pub version: i64,
}

/// One 复核 application with its status history.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct ReexamDetail {
    /// The end of the validity period the application is for.
    pub expires_on: Option<NaiveDate>,
    #[serde(flatten)]
    pub detail: ItemHistory,
    /// What the enterprise may do now: `withdraw` while no reviewer has acted; `resubmit`
    /// (apply again, `POST /reexam`) a returned or withdrawn application while applying is
    /// possible. Empty for anyone else.
    pub actions: Vec<OfferedAction>,
}

fn expires_on(item: &Item) -> Option<NaiveDate> {
    item.payload
        .get("expires_on")
        .and_then(|v| v.as_str())
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

async fn past_application(conn: &mut Conn, item: Item) -> ServiceResult<PastApplication> {
    let last_reason = history_of(conn, &item.id)
        .await?
        .into_iter()
        .rev()
        .find(|h| h.reason.as_deref().is_some_and(|r| !r.trim().is_empty()));
    Ok(PastApplication {
        expires_on: if item.kind == ItemKind::Review {
            expires_on(&item)
        } else {
            None
        },
        id: item.id,
        kind: item.kind,
        tier: item.tier,
        tier_name: item.tier.name(),
        year: item.batch,
        state: item.state,
        state_name: item.state.name(),
        level: item.state.level(),
        created_at: item.created_at,
        submitted_at: item.submitted_at,
        decided_at: item.decided_at,
        updated_at: item.updated_at,
        last_reason,
        version: item.version,
    })
}

/// The enterprise's items of `kind`, newest first, paged by `(created_at, id)`.
async fn own_items(
    conn: &mut Conn,
    enterprise_id: &str,
    kind: ItemKind,
    page: &PageRequest,
) -> ServiceResult<Page<PastApplication>> {
    let limit = page.limit();
    let mut q = Sql::new("SELECT id FROM items WHERE kind = ");
    q.bind(kind.code());
    q.push(" AND enterprise_id = ")
        .bind(enterprise_id.to_string());
    keyset(
        &mut q,
        "created_at",
        "id",
        Order::Desc,
        page.cursor()?.as_ref(),
        limit,
    );
    let rows = q.fetch_all(conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let item = items::load(conn, &row.try_get::<String, _>("id")?).await?;
        out.push(past_application(conn, item).await?);
    }
    Ok(Page::from_rows(out, limit, |a| {
        Cursor::new(ms(a.created_at), &a.id)
    }))
}

impl Service {
    /// The caller's 复核 applications, newest first (every tier, every period).
    pub async fn reexam_history(
        &self,
        session: &Session,
        page: &PageRequest,
    ) -> ServiceResult<Page<PastApplication>> {
        let enterprise_id = authz::require_enterprise(session)?;
        let mut conn = self.read().await?;
        own_items(&mut conn, enterprise_id, ItemKind::Review, page).await
    }

    /// The caller's info updates, newest first, each with its outcome.
    pub async fn update_history(
        &self,
        session: &Session,
        page: &PageRequest,
    ) -> ServiceResult<Page<PastApplication>> {
        let enterprise_id = authz::require_enterprise(session)?;
        let mut conn = self.read().await?;
        own_items(&mut conn, enterprise_id, ItemKind::Update, page).await
    }

    /// One 复核 application with its status history: its enterprise, and staff whose scope
    /// holds the enterprise once it has been submitted.
    pub async fn reexam_detail(&self, session: &Session, id: &str) -> ServiceResult<ReexamDetail> {
        let mut conn = self.read().await?;
        let detail = item_with_history(&mut conn, session, id, ItemKind::Review).await?;
        let actions =
            crate::service::reexam::owner_actions(&mut conn, session, &detail.item, self.today())
                .await?;
        Ok(ReexamDetail {
            expires_on: expires_on(&detail.item),
            detail,
            actions,
        })
    }
}
