//! Append-only trails, always written inside the transaction of the change they record:
//! `audit` for every action of every use case, `history` for workflow items.

use crate::domain::workflow::State;
use crate::service::Write;
use crate::service::error::ServiceResult;
use crate::service::session::Session;
use crate::store::{Conn, from_ms, new_id};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Who acted, as recorded (the name is kept so the trail reads well after renames).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Who {
    pub id: Option<String>,
    pub name: String,
}

impl Who {
    /// The system itself (bootstrap, scheduled jobs).
    pub fn system() -> Who {
        Who {
            id: None,
            name: "system".into(),
        }
    }

    /// Someone not logged in, described by what they gave (e.g. the login name they typed).
    pub fn anonymous(label: &str) -> Who {
        Who {
            id: None,
            name: format!("anonymous:{label}"),
        }
    }

    pub fn account(id: &str, name: &str) -> Who {
        Who {
            id: Some(id.to_string()),
            name: name.to_string(),
        }
    }
}

impl From<&Session> for Who {
    fn from(s: &Session) -> Who {
        Who::account(&s.account_id, &s.display_name)
    }
}

/// Appends an audit row: `action` like `account.login`, `target_kind` like `account`.
pub async fn audit(
    w: &mut Write,
    who: &Who,
    action: &str,
    target_kind: &str,
    target_id: Option<&str>,
    detail: serde_json::Value,
) -> ServiceResult<()> {
    let at = w.now_ms();
    sqlx::query(
        "INSERT INTO audit (id, at, actor_id, actor_name, action, target_kind, target_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(at)
    .bind(who.id.as_deref())
    .bind(&who.name)
    .bind(action)
    .bind(target_kind)
    .bind(target_id)
    .bind(detail.to_string())
    .execute(&mut **w)
    .await?;
    Ok(())
}

/// Appends a workflow history row for item `item_id`; `version` is the item's version after the
/// action.
#[allow(clippy::too_many_arguments)]
pub async fn history(
    w: &mut Write,
    item_id: &str,
    who: &Who,
    action: &str,
    from: Option<State>,
    to: Option<State>,
    reason: Option<&str>,
    version: i64,
) -> ServiceResult<()> {
    let at = w.now_ms();
    sqlx::query(
        "INSERT INTO history (id, item_id, at, actor_id, actor_name, action, from_state, \
         from_level, to_state, to_level, reason, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(new_id())
    .bind(item_id)
    .bind(at)
    .bind(who.id.as_deref())
    .bind(&who.name)
    .bind(action)
    .bind(from.map(|s| s.code()))
    .bind(from.and_then(|s| s.level()).map(|l| l.code()))
    .bind(to.map(|s| s.code()))
    .bind(to.and_then(|s| s.level()).map(|l| l.code()))
    .bind(reason)
    .bind(version)
    .execute(&mut **w)
    .await?;
    Ok(())
}

/// An audit row as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub detail: serde_json::Value,
}

/// The audit rows about one target, oldest first.
pub async fn audit_of(
    conn: &mut Conn,
    target_kind: &str,
    target_id: &str,
) -> ServiceResult<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT id, at, actor_id, actor_name, action, target_kind, target_id, detail FROM audit \
         WHERE target_kind = $1 AND target_id = $2 ORDER BY at, id",
    )
    .bind(target_kind)
    .bind(target_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(audit_entry).collect()
}

fn audit_entry(row: &AnyRow) -> ServiceResult<AuditEntry> {
    let detail: String = row.try_get("detail")?;
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: from_ms(row.try_get("at")?),
        actor_id: row.try_get("actor_id")?,
        actor_name: row.try_get("actor_name")?,
        action: row.try_get("action")?,
        target_kind: row.try_get("target_kind")?,
        target_id: row.try_get("target_id")?,
        detail: serde_json::from_str(&detail)?,
    })
}

/// A workflow history row as read back.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub id: String,
    pub item_id: String,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub from: Option<State>,
    pub to: Option<State>,
    pub reason: Option<String>,
    pub version: i64,
}

/// An item's history, oldest first.
pub async fn history_of(conn: &mut Conn, item_id: &str) -> ServiceResult<Vec<HistoryEntry>> {
    let rows = sqlx::query(
        "SELECT id, item_id, at, actor_id, actor_name, action, from_state, from_level, \
         to_state, to_level, reason, version FROM history WHERE item_id = $1 ORDER BY at, id",
    )
    .bind(item_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(history_entry).collect()
}

/// The latest history row of an item (who acted last, and when).
pub async fn last_history(conn: &mut Conn, item_id: &str) -> ServiceResult<Option<HistoryEntry>> {
    let row = sqlx::query(
        "SELECT id, item_id, at, actor_id, actor_name, action, from_state, from_level, \
         to_state, to_level, reason, version FROM history WHERE item_id = $1 \
         ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(item_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(history_entry).transpose()
}

fn history_entry(row: &AnyRow) -> ServiceResult<HistoryEntry> {
    let state = |code: &str, level: &str| -> ServiceResult<Option<State>> {
        let code: Option<String> = row.try_get(code)?;
        let level: Option<String> = row.try_get(level)?;
        code.map(|c| crate::service::items::state_from_columns(&c, level.as_deref()))
            .transpose()
    };
    Ok(HistoryEntry {
        id: row.try_get("id")?,
        item_id: row.try_get("item_id")?,
        at: from_ms(row.try_get("at")?),
        actor_id: row.try_get("actor_id")?,
        actor_name: row.try_get("actor_name")?,
        action: row.try_get("action")?,
        from: state("from_state", "from_level")?,
        to: state("to_state", "to_level")?,
        reason: row.try_get("reason")?,
        version: row.try_get("version")?,
    })
}
