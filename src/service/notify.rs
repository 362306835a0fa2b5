//! Outgoing SMS and e-mail.
//!
//! A [`Notifier`] is called inside the caller's write transaction. The default
//! [`OutboxNotifier`] only writes an `outbox` row there (the transactional-outbox pattern): a
//! rolled-back action sends nothing, a committed one is delivered by a relay that reads the
//! outbox (or, in the embedded demo, shown from it).

use crate::service::error::ServiceResult;
use crate::store::{Conn, from_ms, ms, new_id};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use std::fmt;

/// Where a notice goes.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    pub fn from_code(s: &str) -> Option<Channel> {
        match s {
            "sms" => Some(Channel::Sms),
            "email" => Some(Channel::Email),
            _ => None,
        }
    }
}

/// One SMS or e-mail. Bodies carry both languages (Chinese first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// Sends notices as part of a write transaction.
#[async_trait]
pub trait Notifier: Send + Sync + fmt::Debug {
    /// Records or sends `notice`; `conn` is the caller's open write transaction, `at` its time.
    async fn send(&self, conn: &mut Conn, at: DateTime<Utc>, notice: &Notice) -> ServiceResult<()>;
}

/// The default notifier: an `outbox` row in the caller's transaction.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutboxNotifier;

#[async_trait]
impl Notifier for OutboxNotifier {
    async fn send(&self, conn: &mut Conn, at: DateTime<Utc>, notice: &Notice) -> ServiceResult<()> {
        sqlx::query(
            "INSERT INTO outbox (id, channel, recipient, subject, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(notice.channel.code())
        .bind(&notice.recipient)
        .bind(&notice.subject)
        .bind(&notice.body)
        .bind(ms(at))
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// An outbox row.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    pub id: String,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The outbox rows addressed to `recipient`, newest first (for a relay, the embedded demo's
/// "simulated phone", and tests). Not a use case: no authorization here.
pub async fn outbox_to(conn: &mut Conn, recipient: &str) -> ServiceResult<Vec<OutboxMessage>> {
    let rows = sqlx::query(
        "SELECT id, channel, recipient, subject, body, created_at, sent_at FROM outbox \
         WHERE recipient = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(recipient)
    .fetch_all(conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let channel: String = row.try_get("channel")?;
        out.push(OutboxMessage {
            id: row.try_get("id")?,
            channel: Channel::from_code(&channel).unwrap_or(Channel::Sms),
            recipient: row.try_get("recipient")?,
            subject: row.try_get("subject")?,
            body: row.try_get("body")?,
            created_at: from_ms(row.try_get("created_at")?),
            sent_at: row.try_get::<Option<i64>, _>("sent_at")?.map(from_ms),
        });
    }
    Ok(out)
}
