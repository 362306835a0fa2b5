//! Reading messages (我的消息): the inbox with unread counts per category, the latest few for the
//! home screen, one message's detail, marking read. Posting is [`messages::post`].
//!
//! Whose messages **(our rule)**: a legal-person account with a verified enterprise reads the
//! messages of its enterprise and those addressed to the account itself; every other account
//! (natural person, staff) reads the messages addressed to it. A message's read mark is shared
//! by everyone who can read it (an enterprise has exactly one legal-person account). Reading a
//! message does not mark it read: the client does so with [`Service::mark_read`], so a preview
//! pane or a list refresh never loses an unread mark by accident.

use crate::domain::text::Text;
use crate::service::audit::{Who, audit};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::messages::{Category, stored_text};
use crate::service::paging::{Cursor, Order, Page, PageRequest, Sql, keyset};
use crate::service::session::{AccountKind, Session};
use crate::service::validate::Fields;
use crate::service::{Service, Write};
use crate::store::{Conn, from_ms, ms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// The most messages [`Service::latest_messages`] returns.
pub const LATEST_MAX: u32 = 20;
/// The most ids one [`Service::mark_read`] call accepts.
pub const MARK_READ_MAX: usize = 200;

/// A message as its reader sees it (title and body in both languages).
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageView {
    pub id: String,
    pub category: Category,
    pub category_name: Text,
    pub title: Text,
    pub body: Text,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub unread: bool,
}

/// Unread messages of one category.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryCount {
    pub category: Category,
    pub name: Text,
    pub unread: i64,
}

/// Unread counts: the total and one entry per category (all five, zeros included, in
/// [`Category::ALL`] order).
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreadCounts {
    pub total: i64,
    pub by_category: Vec<CategoryCount>,
}

impl UnreadCounts {
    /// The unread count of one category.
    pub fn of(&self, category: Category) -> i64 {
        self.by_category
            .iter()
            .find(|c| c.category == category)
            .map_or(0, |c| c.unread)
    }
}

/// One page of the inbox, with the reader's unread counts (over every category, whatever the
/// filter).
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct Inbox {
    #[schema(schema_with = crate::api::openapi::message_page)]
    pub page: Page<MessageView>,
    pub unread: UnreadCounts,
}

/// The home screen's latest messages with their unread marks, and the total unread.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatestMessages {
    pub items: Vec<MessageView>,
    pub unread_total: i64,
}

/// Who a session reads messages for.
struct Reader<'s> {
    account_id: &'s str,
    enterprise_id: Option<&'s str>,
}

impl<'s> Reader<'s> {
    fn of(session: &'s Session) -> Reader<'s> {
        let enterprise_id = match session.kind {
            AccountKind::Legal => session.enterprise_id.as_deref(),
            _ => None,
        };
        Reader {
            account_id: &session.account_id,
            enterprise_id,
        }
    }

    /// Appends ` AND (<the reader's messages>)` to a query whose `WHERE` is open.
    fn filter(&self, q: &mut Sql) {
        match self.enterprise_id {
            Some(e) => {
                let e = q.placeholder(e.to_string());
                let a = q.placeholder(self.account_id.to_string());
                q.push(&format!(" AND (enterprise_id = {e} OR account_id = {a})"));
            }
            None => {
                q.push(" AND account_id = ")
                    .bind(self.account_id.to_string());
            }
        }
    }

    fn owns(&self, enterprise_id: Option<&str>, account_id: Option<&str>) -> bool {
        account_id == Some(self.account_id)
            || (enterprise_id.is_some() && enterprise_id == self.enterprise_id)
    }
}

const MESSAGE_COLUMNS: &str =
    "id, enterprise_id, account_id, category, title, body, created_at, read_at";

fn message_from_row(row: &AnyRow) -> ServiceResult<MessageView> {
    let category: String = row.try_get("category")?;
    let category = Category::from_code(&category)
        .ok_or_else(|| ServiceError::internal(format!("unknown category {category:?}")))?;
    let read_at = row.try_get::<Option<i64>, _>("read_at")?.map(from_ms);
    Ok(MessageView {
        id: row.try_get("id")?,
        category,
        category_name: category.name(),
        title: stored_text(&row.try_get::<String, _>("title")?),
        body: stored_text(&row.try_get::<String, _>("body")?),
        created_at: from_ms(row.try_get("created_at")?),
        read_at,
        unread: read_at.is_none(),
    })
}

async fn unread_counts(conn: &mut Conn, reader: &Reader<'_>) -> ServiceResult<UnreadCounts> {
    let mut q = Sql::new("SELECT category, COUNT(*) AS n FROM messages WHERE read_at IS NULL");
    reader.filter(&mut q);
    q.push(" GROUP BY category");
    let rows = q.fetch_all(conn).await?;
    let mut by_category: Vec<CategoryCount> = Category::ALL
        .iter()
        .map(|&category| CategoryCount {
            category,
            name: category.name(),
            unread: 0,
        })
        .collect();
    for row in &rows {
        let code: String = row.try_get("category")?;
        let n: i64 = row.try_get("n")?;
        if let Some(c) = by_category.iter_mut().find(|c| c.category.code() == code) {
            c.unread = n;
        }
    }
    Ok(UnreadCounts {
        total: by_category.iter().map(|c| c.unread).sum(),
        by_category,
    })
}

fn message_not_found() -> ServiceError {
    ServiceError::not_found(Text::new("该消息", "the message"))
}

fn not_yours() -> ServiceError {
    ServiceError::forbidden(Text::new(
        "这条消息不是发给您（或您的企业）的，无权查看或操作。",
        "This message is not addressed to you (or your enterprise); you cannot read or mark it.",
    ))
}

impl Service {
    /// The caller's messages, newest first, optionally of one category and/or unread only, with
    /// the unread count of every category. Any logged-in account.
    pub async fn messages(
        &self,
        session: &Session,
        category: Option<Category>,
        unread_only: bool,
        page: &PageRequest,
    ) -> ServiceResult<Inbox> {
        let reader = Reader::of(session);
        let limit = page.limit();
        let cursor = page.cursor()?;
        let mut q = Sql::new(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE 1=1"));
        reader.filter(&mut q);
        if let Some(c) = category {
            q.push(" AND category = ").bind(c.code());
        }
        if unread_only {
            q.push(" AND read_at IS NULL");
        }
        keyset(
            &mut q,
            "created_at",
            "id",
            Order::Desc,
            cursor.as_ref(),
            limit,
        );
        let mut conn = self.read().await?;
        let rows = q.fetch_all(&mut conn).await?;
        let items = rows
            .iter()
            .map(message_from_row)
            .collect::<ServiceResult<Vec<_>>>()?;
        let unread = unread_counts(&mut conn, &reader).await?;
        Ok(Inbox {
            page: Page::from_rows(items, limit, |m| Cursor::new(ms(m.created_at), &m.id)),
            unread,
        })
    }

    /// The `limit` newest messages (1..=[`LATEST_MAX`]; the home screen asks for 5) with their
    /// unread marks, and the total unread.
    pub async fn latest_messages(
        &self,
        session: &Session,
        limit: u32,
    ) -> ServiceResult<LatestMessages> {
        let reader = Reader::of(session);
        let limit = limit.clamp(1, LATEST_MAX);
        let mut q = Sql::new(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE 1=1"));
        reader.filter(&mut q);
        q.push(&format!(" ORDER BY created_at DESC, id DESC LIMIT {limit}"));
        let mut conn = self.read().await?;
        let rows = q.fetch_all(&mut conn).await?;
        let items = rows
            .iter()
            .map(message_from_row)
            .collect::<ServiceResult<Vec<_>>>()?;
        let unread = unread_counts(&mut conn, &reader).await?;
        Ok(LatestMessages {
            items,
            unread_total: unread.total,
        })
    }

    /// One message. Does not mark it read. Forbidden when it is another enterprise's (or another
    /// account's).
    pub async fn message(&self, session: &Session, id: &str) -> ServiceResult<MessageView> {
        let reader = Reader::of(session);
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1");
        let mut conn = self.read().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.trim())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(message_not_found)?;
        let enterprise_id: Option<String> = row.try_get("enterprise_id")?;
        let account_id: Option<String> = row.try_get("account_id")?;
        if !reader.owns(enterprise_id.as_deref(), account_id.as_deref()) {
            return Err(not_yours());
        }
        message_from_row(&row)
    }

    /// Marks the given messages read (those already read keep their first read time). Every id
    /// must be one of the caller's messages, else nothing is marked. Returns how many were newly
    /// marked.
    pub async fn mark_read(&self, session: &Session, ids: &[String]) -> ServiceResult<u64> {
        let reader = Reader::of(session);
        let mut ids: Vec<&str> = ids.iter().map(|i| i.trim()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut f = Fields::default();
        if ids.is_empty() || ids.iter().any(|i| i.is_empty()) {
            f.push(
                "ids",
                Text::new(
                    "请选择要标记为已读的消息。",
                    "Choose the messages to mark as read.",
                ),
            );
        } else if ids.len() > MARK_READ_MAX {
            f.push(
                "ids",
                Text::new(
                    format!(
                        "一次最多标记 {MARK_READ_MAX} 条消息，当前 {} 条。",
                        ids.len()
                    ),
                    format!(
                        "At most {MARK_READ_MAX} messages can be marked at once; got {}.",
                        ids.len()
                    ),
                ),
            );
        }
        f.finish()?;

        let mut w = self.write().await?;
        let mut q = Sql::new("SELECT id, enterprise_id, account_id FROM messages WHERE id IN (");
        in_list(&mut q, &ids);
        q.push(")");
        let rows = q.fetch_all(&mut w).await?;
        if rows.len() != ids.len() {
            return Err(message_not_found());
        }
        for row in &rows {
            let enterprise_id: Option<String> = row.try_get("enterprise_id")?;
            let account_id: Option<String> = row.try_get("account_id")?;
            if !reader.owns(enterprise_id.as_deref(), account_id.as_deref()) {
                return Err(not_yours());
            }
        }
        let mut q = Sql::new("UPDATE messages SET read_at = ");
        q.bind(w.now_ms());
        q.push(" WHERE read_at IS NULL AND id IN (");
        in_list(&mut q, &ids);
        q.push(")");
        let marked = execute(&mut w, q).await?;
        audit(
            &mut w,
            &Who::from(session),
            "message.read",
            "message",
            if ids.len() == 1 { Some(ids[0]) } else { None },
            json!({"ids": ids, "marked": marked}),
        )
        .await?;
        w.commit().await?;
        Ok(marked)
    }

    /// Marks every unread message of the caller read (of one category, or all). Returns how many.
    pub async fn mark_all_read(
        &self,
        session: &Session,
        category: Option<Category>,
    ) -> ServiceResult<u64> {
        let reader = Reader::of(session);
        let mut w = self.write().await?;
        let mut q = Sql::new("UPDATE messages SET read_at = ");
        q.bind(w.now_ms());
        q.push(" WHERE read_at IS NULL");
        reader.filter(&mut q);
        if let Some(c) = category {
            q.push(" AND category = ").bind(c.code());
        }
        let marked = execute(&mut w, q).await?;
        if marked > 0 {
            audit(
                &mut w,
                &Who::from(session),
                "message.read_all",
                "message",
                None,
                json!({"category": category.map(Category::code), "marked": marked}),
            )
            .await?;
        }
        w.commit().await?;
        Ok(marked)
    }
}

/// Appends `$a, $b, …` for `values`.
fn in_list(q: &mut Sql, values: &[&str]) {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(v.to_string());
    }
}

/// Runs an `UPDATE` built with [`Sql`]; returns the rows it changed (counted through
/// `RETURNING`, as [`Sql`] only fetches).
async fn execute(w: &mut Write, mut q: Sql) -> ServiceResult<u64> {
    q.push(" RETURNING id");
    let rows = q.fetch_all(w).await?;
    Ok(rows.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SqliteStore, Store};

    /// An inbox page seeks the recipient indexes from the cursor on (no table scan). An
    /// enterprise reader's page merges its two recipient indexes (enterprise and account) and
    /// sorts what they yield: one enterprise's messages, a few hundred over years.
    #[tokio::test]
    async fn inbox_pages_seek_the_recipient_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("q.db")).await.unwrap();
        for enterprise_id in [Some("e1"), None] {
            let reader = Reader {
                account_id: "a1",
                enterprise_id,
            };
            let mut q = Sql::new("EXPLAIN QUERY PLAN SELECT id FROM messages WHERE 1=1");
            reader.filter(&mut q);
            q.push(" AND read_at IS NULL");
            let cursor = Cursor::new(5, "x");
            keyset(&mut q, "created_at", "id", Order::Desc, Some(&cursor), 50);
            let mut conn = store.read().await.unwrap();
            let plan = q
                .fetch_all(&mut conn)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String, _>("detail").unwrap())
                .collect::<Vec<_>>()
                .join(" | ");
            assert!(!plan.contains("SCAN messages"), "{plan}");
            assert!(
                plan.contains("INDEX messages_account (account_id=? AND (created_at,id)<(?,?))"),
                "{plan}"
            );
            if enterprise_id.is_some() {
                assert!(
                    plan.contains(
                        "INDEX messages_enterprise (enterprise_id=? AND (created_at,id)<(?,?))"
                    ),
                    "{plan}"
                );
            } else {
                assert!(!plan.contains("TEMP B-TREE"), "{plan}");
            }
        }
    }
}
