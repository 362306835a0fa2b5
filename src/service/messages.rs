//! Posting a message (我的消息) to an enterprise or an account, inside the caller's transaction.
//! Titles and bodies are stored in both languages (JSON `{"zh", "en"}`); the reading side picks
//! one. A `dedupe_key` makes repeated jobs (reminders) post a message once.

use crate::domain::text::Text;
use crate::service::Write;
use crate::service::error::{ServiceError, ServiceResult};
use crate::store::new_id;
use serde::{Deserialize, Serialize};

/// The five message categories (DOMAIN.md §5).
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 认定到期
    Expiry,
    /// 信息更新
    Update,
    /// 认定通知
    Certification,
    /// 取消认定
    Cancellation,
    /// 申报提醒
    Reminder,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Expiry,
        Category::Update,
        Category::Certification,
        Category::Cancellation,
        Category::Reminder,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::Expiry => "expiry",
            Category::Update => "update",
            Category::Certification => "certification",
            Category::Cancellation => "cancellation",
            Category::Reminder => "reminder",
        }
    }

    pub fn from_code(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            Category::Expiry => Text::new("认定到期", "certification expiry"),
            Category::Update => Text::new("信息更新", "info update"),
            Category::Certification => Text::new("认定通知", "certification notice"),
            Category::Cancellation => Text::new("取消认定", "cancellation"),
            Category::Reminder => Text::new("申报提醒", "declaration reminder"),
        }
    }
}

/// Who a message is for: an enterprise (every account of it) or one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    Enterprise(String),
    Account(String),
}

/// Posts a message in the write transaction. Returns false when `dedupe_key` was already used
/// (the message exists; nothing was written).
pub async fn post(
    w: &mut Write,
    to: &Recipient,
    category: Category,
    title: &Text,
    body: &Text,
    dedupe_key: Option<&str>,
) -> ServiceResult<bool> {
    let (enterprise_id, account_id) = match to {
        Recipient::Enterprise(e) => (Some(e.as_str()), None),
        Recipient::Account(a) => (None, Some(a.as_str())),
    };
    let now = w.now_ms();
    let done = sqlx::query(
        "INSERT INTO messages (id, enterprise_id, account_id, category, title, body, created_at, dedupe_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(enterprise_id)
    .bind(account_id)
    .bind(category.code())
    .bind(serde_json::to_string(title).map_err(ServiceError::internal)?)
    .bind(serde_json::to_string(body).map_err(ServiceError::internal)?)
    .bind(now)
    .bind(dedupe_key)
    .execute(&mut **w)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Reads a stored bilingual text (a message title or body).
pub fn stored_text(s: &str) -> Text {
    serde_json::from_str(s).unwrap_or_else(|_| Text::new(s, s))
}
