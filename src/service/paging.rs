//! Keyset (cursor) paging for every list, and a small SQL builder that numbers `$N` parameters.
//!
//! A list is ordered by `(sort_key, id)` — ids are UUIDv7, so the pair is unique and stable —
//! and a page continues strictly after the last row of the previous one. The cursor handed to the
//! client is opaque (base64url of `[key, id]`); a page costs one index range scan however deep it
//! is, unlike `OFFSET`.
//!
//! ```text
//! let mut q = Sql::new("SELECT … FROM support_requests WHERE state = ");
//! q.bind("pending");
//! let limit = page.limit();
//! keyset(&mut q, "created_at", "id", Order::Asc, page.cursor()?.as_ref(), limit);
//! let rows = q.fetch_all(conn).await?;
//! let page = Page::from_rows(rows, limit, |r| Cursor::new(r.created_ms, &r.id));
//! ```

use crate::domain::text::Text;
use crate::service::error::{ServiceError, ServiceResult};
use crate::store::Conn;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Arguments, Encode, Type};

/// Rows per page unless the caller asks otherwise.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page a caller may ask for.
pub const MAX_LIMIT: u32 = 200;

/// What a caller asks for: continue after `cursor` (None = first page), at most `limit` rows.
#[derive(utoipa::IntoParams, Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct PageRequest {
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

impl PageRequest {
    pub fn first(limit: u32) -> PageRequest {
        PageRequest {
            cursor: None,
            limit: Some(limit),
        }
    }

    pub fn after(cursor: &str, limit: u32) -> PageRequest {
        PageRequest {
            cursor: Some(cursor.to_string()),
            limit: Some(limit),
        }
    }

    /// The effective limit: 1..=[`MAX_LIMIT`], [`DEFAULT_LIMIT`] when unset.
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// The decoded cursor (an invalid one is a field error on `cursor`).
    pub fn cursor(&self) -> ServiceResult<Option<Cursor>> {
        self.cursor.as_deref().map(Cursor::decode).transpose()
    }
}

/// One page of results and the cursor of the next page (None on the last page).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched by [`keyset`]: the extra row only tells
    /// that there is a next page.
    pub fn from_rows(mut rows: Vec<T>, limit: u32, cursor_of: impl Fn(&T) -> Cursor) -> Page<T> {
        let limit = limit as usize;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| cursor_of(r).encode())
        } else {
            None
        };
        Page { items: rows, next }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// The sort key of a cursor: an integer (timestamps, numbers) or a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortKey {
    Int(i64),
    Text(String),
}

impl From<i64> for SortKey {
    fn from(v: i64) -> SortKey {
        SortKey::Int(v)
    }
}

impl From<&str> for SortKey {
    fn from(v: &str) -> SortKey {
        SortKey::Text(v.to_string())
    }
}

impl From<String> for SortKey {
    fn from(v: String) -> SortKey {
        SortKey::Text(v)
    }
}

/// A position in a list: the last row's sort key and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub key: SortKey,
    pub id: String,
}

impl Cursor {
    pub fn new(key: impl Into<SortKey>, id: &str) -> Cursor {
        Cursor {
            key: key.into(),
            id: id.to_string(),
        }
    }

    /// The opaque form: base64url (no padding) of the JSON `[key, id]`.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(&(&self.key, &self.id)).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(s: &str) -> ServiceResult<Cursor> {
        let bad = || {
            ServiceError::invalid(
                "cursor",
                Text::new(
                    "翻页位置无效，请从第一页重新加载。",
                    "The page cursor is invalid; reload from the first page.",
                ),
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(s.trim()).map_err(|_| bad())?;
        let (key, id): (SortKey, String) = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        Ok(Cursor { key, id })
    }
}

/// Sort direction of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

/// A SQL text with its arguments; [`Sql::bind`] appends the next `$N` placeholder.
pub struct Sql {
    text: String,
    args: AnyArguments,
    count: usize,
    error: Option<String>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: AnyArguments::default(),
            count: 0,
            error: None,
        }
    }

    /// Appends literal SQL (never user input).
    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind<'t, T>(&mut self, value: T) -> &mut Sql
    where
        T: Encode<'t, sqlx::Any> + Type<sqlx::Any>,
    {
        let placeholder = self.placeholder(value);
        self.text.push_str(&placeholder);
        self
    }

    /// Adds `value` as the next argument and returns its placeholder (`$N`) without appending it,
    /// for a value used more than once.
    pub fn placeholder<'t, T>(&mut self, value: T) -> String
    where
        T: Encode<'t, sqlx::Any> + Type<sqlx::Any>,
    {
        if let Err(e) = self.args.add(value)
            && self.error.is_none()
        {
            self.error = Some(e.to_string());
        }
        self.count += 1;
        format!("${}", self.count)
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub async fn fetch_all(self, conn: &mut Conn) -> ServiceResult<Vec<AnyRow>> {
        if let Some(e) = self.error {
            return Err(ServiceError::internal(e));
        }
        Ok(sqlx::query_with(sqlx::AssertSqlSafe(self.text), self.args)
            .fetch_all(conn)
            .await?)
    }
}

/// Appends the keyset condition (` AND (…)`, only with a cursor), `ORDER BY` and `LIMIT limit+1`
/// to a query whose `WHERE` clause is already open (end it with `WHERE 1=1` if it has no other
/// condition). `sort_col` and `id_col` are column names (literals, not input).
pub fn keyset(
    q: &mut Sql,
    sort_col: &str,
    id_col: &str,
    order: Order,
    cursor: Option<&Cursor>,
    limit: u32,
) {
    let (cmp, dir) = match order {
        Order::Asc => (">", "ASC"),
        Order::Desc => ("<", "DESC"),
    };
    if let Some(c) = cursor {
        let key = match &c.key {
            SortKey::Int(v) => q.placeholder(*v),
            SortKey::Text(v) => q.placeholder(v.clone()),
        };
        let id = q.placeholder(c.id.clone());
        // A row-value comparison: SQLite (≥ 3.15) and PostgreSQL both turn it into an index
        // range seek, so a deep page costs the same as the first.
        q.push(&format!(" AND ({sort_col}, {id_col}) {cmp} ({key}, {id})"));
    }
    q.push(&format!(
        " ORDER BY {sort_col} {dir}, {id_col} {dir} LIMIT {}",
        i64::from(limit) + 1
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SqliteStore, Store};
    use sqlx::Row;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        for c in [
            Cursor::new(1_700_000_000_000, "id-1"),
            Cursor::new("王", "x"),
        ] {
            assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        }
        let e = Cursor::decode("not a cursor!").unwrap_err();
        assert_eq!(e.field(), Some("cursor"));
        assert_eq!(PageRequest::default().limit(), DEFAULT_LIMIT);
        assert_eq!(PageRequest::first(10_000).limit(), MAX_LIMIT);
        assert_eq!(PageRequest::first(0).limit(), 1);
    }

    #[tokio::test]
    async fn pages_walk_every_row_once_in_order_with_ties() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("p.db")).await.unwrap();
        let mut tx = store.begin_write().await.unwrap();
        // 23 rows, sort keys with ties (created_at = i / 3).
        for i in 0..23_i64 {
            sqlx::query(
                "INSERT INTO outbox (id, channel, recipient, subject, body, created_at) \
                 VALUES ($1, 'sms', 'r', 's', 'b', $2)",
            )
            .bind(format!("id-{i:02}"))
            .bind(i / 3)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        for order in [Order::Asc, Order::Desc] {
            let mut seen = Vec::new();
            let mut req = PageRequest::first(5);
            loop {
                let mut q = Sql::new("SELECT id, created_at FROM outbox WHERE recipient = ");
                q.bind("r");
                keyset(
                    &mut q,
                    "created_at",
                    "id",
                    order,
                    req.cursor().unwrap().as_ref(),
                    req.limit(),
                );
                let mut conn = store.read().await.unwrap();
                let rows: Vec<(i64, String)> = q
                    .fetch_all(&mut conn)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| (r.try_get("created_at").unwrap(), r.try_get("id").unwrap()))
                    .collect();
                let page = Page::from_rows(rows, req.limit(), |(k, id)| Cursor::new(*k, id));
                assert!(page.items.len() <= 5);
                seen.extend(page.items.into_iter().map(|(_, id)| id));
                match page.next {
                    Some(next) => req = PageRequest::after(&next, 5),
                    None => break,
                }
            }
            let mut expected: Vec<String> = (0..23).map(|i| format!("id-{i:02}")).collect();
            if order == Order::Desc {
                expected.reverse();
            }
            assert_eq!(seen, expected);
        }
    }
}
