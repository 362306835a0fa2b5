//! Announcements (公告): ministry-level ones by the ministry admin, provincial ones by the admin of
//! a provincial authority (a province, municipality or 计划单列市), for that authority only.
//!
//! Life of an announcement: a draft (`published_at` NULL), editable with its version by any admin
//! of its authority and level → published (public, newest first, searchable) → withdrawn
//! (`withdrawn_at` set; gone from the public list and detail, still visible to its authority).
//! A published announcement is not edited **(our rule)**: it is withdrawn and a corrected one
//! published, so what the public read stays on record. A draft that was never published may be
//! deleted.

use crate::domain::regions::Regions;
use crate::domain::text::Text;
use crate::domain::tiers::ReviewLevel;
use crate::service::Service;
use crate::service::audit::{Who, audit};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::paging::{Cursor, Order, Page, PageRequest, Sql, keyset};
use crate::service::session::{AccountKind, Session};
use crate::service::validate::{Fields, required};
use crate::store::{Conn, from_ms, ms, new_id};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Longest title, in characters.
pub const TITLE_MAX: usize = 100;
/// Longest body, in characters.
pub const BODY_MAX: usize = 20_000;
/// Longest search text, in characters.
pub const SEARCH_MAX: usize = 100;
/// Characters of the body shown in public lists.
pub const EXCERPT_CHARS: usize = 120;

/// Who publishes an announcement.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnouncementLevel {
    /// 工业和信息化部
    Ministry,
    /// A provincial authority (province, municipality, 计划单列市).
    Province,
}

impl AnnouncementLevel {
    pub fn code(self) -> &'static str {
        match self {
            AnnouncementLevel::Ministry => "ministry",
            AnnouncementLevel::Province => "province",
        }
    }

    pub fn from_code(s: &str) -> Option<AnnouncementLevel> {
        [AnnouncementLevel::Ministry, AnnouncementLevel::Province]
            .into_iter()
            .find(|l| l.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            AnnouncementLevel::Ministry => Text::new("部级公告", "ministry announcement"),
            AnnouncementLevel::Province => Text::new("省级公告", "provincial announcement"),
        }
    }
}

/// Where an announcement stands.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnouncementState {
    Draft,
    Published,
    Withdrawn,
}

impl AnnouncementState {
    pub fn name(self) -> Text {
        match self {
            AnnouncementState::Draft => Text::new("草稿", "draft"),
            AnnouncementState::Published => Text::new("已发布", "published"),
            AnnouncementState::Withdrawn => Text::new("已撤回", "withdrawn"),
        }
    }
}

/// The input of a new announcement or a draft edit. `level`, when given, must be the caller's
/// own (it is otherwise taken from the caller's role).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementDraft {
    pub title: String,
    pub body: String,
    /// The publishing level's code; defaults to the caller's own.
    #[serde(default)]
    pub level: Option<AnnouncementLevel>,
}

/// An announcement as its authority's admins see it.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Announcement {
    pub id: String,
    pub level: AnnouncementLevel,
    /// The provincial authority; `None` for the ministry.
    pub authority_code: Option<String>,
    pub publisher: Text,
    pub title: String,
    pub body: String,
    pub state: AnnouncementState,
    pub author_id: String,
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// A published announcement in a public list (the body shortened to an excerpt).
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnouncementSummary {
    pub id: String,
    pub level: AnnouncementLevel,
    pub authority_code: Option<String>,
    pub publisher: Text,
    pub title: String,
    pub excerpt: String,
    pub published_at: DateTime<Utc>,
}

/// A published announcement as the public reads it.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicAnnouncement {
    pub id: String,
    pub level: AnnouncementLevel,
    pub authority_code: Option<String>,
    pub publisher: Text,
    pub title: String,
    pub body: String,
    pub published_at: DateTime<Utc>,
}

/// The public list's filter: level, provincial authority code, text in the title or body.
#[derive(utoipa::IntoParams, Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct AnnouncementFilter {
    #[serde(default)]
    pub level: Option<AnnouncementLevel>,
    #[serde(default)]
    pub authority: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

/// The caller as a publisher: the level and authority they publish for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Publisher {
    level: AnnouncementLevel,
    authority_code: Option<String>,
}

/// A ministry admin, or the admin of a provincial authority (its region is the authority
/// itself); everyone else is refused.
fn publisher(session: &Session) -> ServiceResult<Publisher> {
    if session.kind == AccountKind::Admin {
        match (session.level, session.region_code.as_deref()) {
            (Some(ReviewLevel::Ministry), _) => {
                return Ok(Publisher {
                    level: AnnouncementLevel::Ministry,
                    authority_code: None,
                });
            }
            (Some(ReviewLevel::Province), Some(region)) if is_authority(region) => {
                return Ok(Publisher {
                    level: AnnouncementLevel::Province,
                    authority_code: Some(region.to_string()),
                });
            }
            _ => {}
        }
    }
    Err(ServiceError::forbidden(Text::new(
        "只有部级管理员（部级公告）和省级管理员（本省公告）可以管理公告。",
        "Only the ministry administrator (ministry announcements) and provincial administrators \
         (announcements of their own province) can manage announcements.",
    )))
}

/// Whether `code` is a provincial certifying authority (province, municipality, 计划单列市).
fn is_authority(code: &str) -> bool {
    Regions::builtin()
        .authority(code)
        .is_some_and(|a| a.code == code)
}

fn publisher_text(level: AnnouncementLevel, authority_code: Option<&str>) -> Text {
    match (level, authority_code) {
        (AnnouncementLevel::Province, Some(code)) => {
            let name = Regions::builtin()
                .get(code)
                .map(|r| r.name.clone())
                .unwrap_or_else(|| code.to_string());
            Text::new(name.clone(), format!("{name} ({code})"))
        }
        _ => Text::new(
            "工业和信息化部",
            "Ministry of Industry and Information Technology",
        ),
    }
}

fn not_found() -> ServiceError {
    ServiceError::not_found(Text::new("该公告", "the announcement"))
}

const ANNOUNCEMENT_SELECT: &str = "SELECT n.id, n.level, n.authority_code, n.title, n.body, \
     n.author_id, a.display_name AS author_name, n.created_at, n.updated_at, n.published_at, \
     n.withdrawn_at, n.version FROM announcements n LEFT JOIN accounts a ON a.id = n.author_id";

fn level_of(row: &AnyRow) -> ServiceResult<AnnouncementLevel> {
    let level: String = row.try_get("level")?;
    AnnouncementLevel::from_code(&level)
        .ok_or_else(|| ServiceError::internal(format!("unknown announcement level {level:?}")))
}

fn announcement_from_row(row: &AnyRow) -> ServiceResult<Announcement> {
    let level = level_of(row)?;
    let authority_code: Option<String> = row.try_get("authority_code")?;
    let published_at = row.try_get::<Option<i64>, _>("published_at")?.map(from_ms);
    let withdrawn_at = row.try_get::<Option<i64>, _>("withdrawn_at")?.map(from_ms);
    let state = match (published_at, withdrawn_at) {
        (_, Some(_)) => AnnouncementState::Withdrawn,
        (Some(_), None) => AnnouncementState::Published,
        (None, None) => AnnouncementState::Draft,
    };
    Ok(Announcement {
        id: row.try_get("id")?,
        level,
        publisher: publisher_text(level, authority_code.as_deref()),
        authority_code,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        state,
        author_id: row.try_get("author_id")?,
        author_name: row.try_get("author_name")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
        published_at,
        withdrawn_at,
        version: row.try_get("version")?,
    })
}

async fn load(conn: &mut Conn, id: &str) -> ServiceResult<Announcement> {
    let sql = format!("{ANNOUNCEMENT_SELECT} WHERE n.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.trim())
        .fetch_optional(conn)
        .await?
        .ok_or_else(not_found)?;
    announcement_from_row(&row)
}

/// Loads an announcement the caller's authority owns.
async fn load_own(conn: &mut Conn, who: &Publisher, id: &str) -> ServiceResult<Announcement> {
    let a = load(conn, id).await?;
    if a.level != who.level || a.authority_code != who.authority_code {
        let owner = publisher_text(a.level, a.authority_code.as_deref());
        return Err(ServiceError::forbidden(Text::new(
            format!("这条公告由{}发布，您无权操作。", owner.zh),
            format!(
                "This announcement belongs to {}; you cannot manage it.",
                owner.en
            ),
        )));
    }
    Ok(a)
}

/// A stale version: who changed the announcement last, and when (from its audit trail).
async fn conflict(conn: &mut Conn, a: &Announcement) -> ServiceResult<ServiceError> {
    let last = sqlx::query(
        "SELECT actor_name, at FROM audit WHERE target_kind = 'announcement' AND target_id = $1 \
         ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(&a.id)
    .fetch_optional(conn)
    .await?;
    let (by, at) = match last {
        Some(r) => (
            Some(r.try_get::<String, _>("actor_name")?),
            Some(from_ms(r.try_get("at")?)),
        ),
        None => (None, None),
    };
    Ok(ServiceError::Conflict {
        current_version: a.version,
        by,
        at,
    })
}

/// Checks the caller's version, then that the announcement is in `allowed` state.
async fn expect(
    conn: &mut Conn,
    a: &Announcement,
    expected_version: i64,
    allowed: AnnouncementState,
) -> ServiceResult<()> {
    if a.version != expected_version {
        return Err(conflict(conn, a).await?);
    }
    if a.state == allowed {
        return Ok(());
    }
    Err(match a.state {
        AnnouncementState::Draft => ServiceError::rule(
            "announcement_not_published",
            Text::new(
                "该公告尚未发布（草稿），不能撤回；不需要时可删除草稿。",
                "This announcement is a draft, not published: it cannot be withdrawn; delete \
                 the draft if it is not needed.",
            ),
        ),
        AnnouncementState::Published => ServiceError::rule(
            "announcement_published",
            Text::new(
                "该公告已发布，不能修改、删除或再次发布；如需更正，请撤回后发布一条新公告。",
                "This announcement is published: it cannot be edited, deleted or published \
                 again; to correct it, withdraw it and publish a new one.",
            ),
        ),
        AnnouncementState::Withdrawn => ServiceError::rule(
            "announcement_withdrawn",
            Text::new(
                "该公告已撤回，不能再修改或发布；如需重新公告，请新建一条。",
                "This announcement was withdrawn: it cannot be edited or published again; \
                 create a new one instead.",
            ),
        ),
    })
}

/// Validates a draft for `who`: the level (if given) must be the caller's; title and body
/// lengths; all field errors at once.
fn check_draft(who: &Publisher, draft: &AnnouncementDraft) -> ServiceResult<(String, String)> {
    if let Some(level) = draft.level.filter(|l| *l != who.level) {
        let (own, asked) = (who.level.name(), level.name());
        return Err(ServiceError::forbidden(Text::new(
            format!("您只能发布{}，不能发布{}。", own.zh, asked.zh),
            format!("You can publish a {} only, not a {}.", own.en, asked.en),
        )));
    }
    let mut f = Fields::default();
    let title = f.check(
        "title",
        required(
            &draft.title,
            TITLE_MAX,
            Text::new("公告标题", "the announcement title"),
        )
        .and_then(|t| {
            if t.contains(['\n', '\r']) {
                Err(Text::new(
                    "公告标题只能有一行，请去掉换行。",
                    "The announcement title must be a single line; remove the line breaks.",
                ))
            } else {
                Ok(t)
            }
        }),
    );
    let body = f.check(
        "body",
        required(
            &draft.body,
            BODY_MAX,
            Text::new("公告正文", "the announcement body"),
        ),
    );
    f.finish()?;
    match (title, body) {
        (Some(t), Some(b)) => Ok((t, b)),
        _ => Err(ServiceError::internal("draft checked without values")),
    }
}

/// `%text%` for `LIKE … ESCAPE '\'`, with `\`, `%` and `_` of the text taken literally and
/// lower-cased (compared against `LOWER(column)`, so the search is case-insensitive on both
/// SQLite and PostgreSQL).
fn like_contains(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(EXCERPT_CHARS).collect();
    if s.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

impl Service {
    /// A new draft announcement at the caller's level (and authority).
    pub async fn create_announcement(
        &self,
        session: &Session,
        draft: &AnnouncementDraft,
    ) -> ServiceResult<Announcement> {
        let who = publisher(session)?;
        let (title, body) = check_draft(&who, draft)?;
        let mut w = self.write().await?;
        let id = new_id();
        let now = w.now_ms();
        sqlx::query(
            "INSERT INTO announcements (id, level, authority_code, title, body, author_id, \
             created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1)",
        )
        .bind(&id)
        .bind(who.level.code())
        .bind(who.authority_code.as_deref())
        .bind(&title)
        .bind(&body)
        .bind(&session.account_id)
        .bind(now)
        .execute(&mut *w)
        .await?;
        audit(
            &mut w,
            &Who::from(session),
            "announcement.create",
            "announcement",
            Some(&id),
            json!({"level": who.level.code(), "authority": who.authority_code, "title": title}),
        )
        .await?;
        let created = load(&mut w, &id).await?;
        w.commit().await?;
        Ok(created)
    }

    /// Edits a draft (title and body), expecting it at `expected_version`.
    pub async fn update_announcement(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
        draft: &AnnouncementDraft,
    ) -> ServiceResult<Announcement> {
        let who = publisher(session)?;
        let (title, body) = check_draft(&who, draft)?;
        let mut w = self.write().await?;
        let a = load_own(&mut w, &who, id).await?;
        expect(&mut w, &a, expected_version, AnnouncementState::Draft).await?;
        let now = w.now_ms();
        sqlx::query(
            "UPDATE announcements SET title = $1, body = $2, updated_at = $3, \
             version = version + 1 WHERE id = $4 AND version = $5",
        )
        .bind(&title)
        .bind(&body)
        .bind(now)
        .bind(&a.id)
        .bind(a.version)
        .execute(&mut *w)
        .await?;
        audit(
            &mut w,
            &Who::from(session),
            "announcement.update",
            "announcement",
            Some(&a.id),
            json!({"from_title": a.title, "title": title, "version": a.version}),
        )
        .await?;
        let updated = load(&mut w, &a.id).await?;
        w.commit().await?;
        Ok(updated)
    }

    /// Publishes a draft: from now on it is in the public list.
    pub async fn publish_announcement(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
    ) -> ServiceResult<Announcement> {
        self.announcement_step(session, id, expected_version, Step::Publish)
            .await
    }

    /// Withdraws a published announcement: it disappears from the public list and detail.
    pub async fn withdraw_announcement(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
    ) -> ServiceResult<Announcement> {
        self.announcement_step(session, id, expected_version, Step::Withdraw)
            .await
    }

    /// Deletes a draft that was never published.
    pub async fn delete_announcement(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
    ) -> ServiceResult<()> {
        let who = publisher(session)?;
        let mut w = self.write().await?;
        let a = load_own(&mut w, &who, id).await?;
        expect(&mut w, &a, expected_version, AnnouncementState::Draft).await?;
        sqlx::query("DELETE FROM announcements WHERE id = $1 AND version = $2")
            .bind(&a.id)
            .bind(a.version)
            .execute(&mut *w)
            .await?;
        audit(
            &mut w,
            &Who::from(session),
            "announcement.delete",
            "announcement",
            Some(&a.id),
            json!({"title": a.title, "version": a.version}),
        )
        .await?;
        w.commit().await
    }

    async fn announcement_step(
        &self,
        session: &Session,
        id: &str,
        expected_version: i64,
        step: Step,
    ) -> ServiceResult<Announcement> {
        let who = publisher(session)?;
        let mut w = self.write().await?;
        let a = load_own(&mut w, &who, id).await?;
        let (from, column, action) = match step {
            Step::Publish => (
                AnnouncementState::Draft,
                "published_at",
                "announcement.publish",
            ),
            Step::Withdraw => (
                AnnouncementState::Published,
                "withdrawn_at",
                "announcement.withdraw",
            ),
        };
        expect(&mut w, &a, expected_version, from).await?;
        let now = w.now_ms();
        let sql = format!(
            "UPDATE announcements SET {column} = $1, updated_at = $1, version = version + 1 \
             WHERE id = $2 AND version = $3"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(&a.id)
            .bind(a.version)
            .execute(&mut *w)
            .await?;
        audit(
            &mut w,
            &Who::from(session),
            action,
            "announcement",
            Some(&a.id),
            json!({"title": a.title, "version": a.version}),
        )
        .await?;
        let done = load(&mut w, &a.id).await?;
        w.commit().await?;
        Ok(done)
    }

    /// The announcements of the caller's authority (drafts, published, withdrawn — or one
    /// state), last changed first.
    pub async fn own_announcements(
        &self,
        session: &Session,
        state: Option<AnnouncementState>,
        page: &PageRequest,
    ) -> ServiceResult<Page<Announcement>> {
        let who = publisher(session)?;
        let limit = page.limit();
        let cursor = page.cursor()?;
        let mut q = Sql::new(ANNOUNCEMENT_SELECT);
        q.push(" WHERE n.level = ").bind(who.level.code());
        match &who.authority_code {
            Some(code) => {
                q.push(" AND n.authority_code = ").bind(code.clone());
            }
            None => {
                q.push(" AND n.authority_code IS NULL");
            }
        }
        q.push(match state {
            None => "",
            Some(AnnouncementState::Draft) => " AND n.published_at IS NULL",
            Some(AnnouncementState::Published) => {
                " AND n.published_at IS NOT NULL AND n.withdrawn_at IS NULL"
            }
            Some(AnnouncementState::Withdrawn) => " AND n.withdrawn_at IS NOT NULL",
        });
        keyset(
            &mut q,
            "n.updated_at",
            "n.id",
            Order::Desc,
            cursor.as_ref(),
            limit,
        );
        let mut conn = self.read().await?;
        let rows = q.fetch_all(&mut conn).await?;
        let items = rows
            .iter()
            .map(announcement_from_row)
            .collect::<ServiceResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |a| {
            Cursor::new(ms(a.updated_at), &a.id)
        }))
    }

    /// One announcement of the caller's authority, in any state.
    pub async fn own_announcement(
        &self,
        session: &Session,
        id: &str,
    ) -> ServiceResult<Announcement> {
        let who = publisher(session)?;
        let mut conn = self.read().await?;
        load_own(&mut conn, &who, id).await
    }

    /// Public: published announcements, newest first, filtered by level, authority and text
    /// (in the title or body; `%` and `_` are literal).
    pub async fn announcements(
        &self,
        filter: &AnnouncementFilter,
        page: &PageRequest,
    ) -> ServiceResult<Page<AnnouncementSummary>> {
        let mut f = Fields::default();
        let authority = filter
            .authority
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        if let Some(code) = authority
            && !is_authority(code)
        {
            f.push(
                "authority",
                Text::new(
                    format!(
                        "“{code}”不是省级发布单位的代码；请填写省、直辖市或计划单列市的 6 位代码（如 440000、440300）。"
                    ),
                    format!(
                        "“{code}” is not the code of a provincial authority; give the 6-digit \
                         code of a province, municipality or city with independent planning \
                         status (e.g. 440000, 440300)."
                    ),
                ),
            );
        }
        let text = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        if let Some(t) = text {
            let n = t.chars().count();
            if n > SEARCH_MAX {
                f.push(
                    "text",
                    Text::new(
                        format!("搜索内容最多 {SEARCH_MAX} 个字，当前 {n} 个。"),
                        format!("The search text has at most {SEARCH_MAX} characters; got {n}."),
                    ),
                );
            }
        }
        let cursor = match page.cursor() {
            Ok(c) => c,
            Err(ServiceError::Invalid { fields }) => {
                for e in fields {
                    f.push(&e.field, e.text);
                }
                None
            }
            Err(e) => return Err(e),
        };
        f.finish()?;
        let limit = page.limit();
        let mut q = Sql::new(
            "SELECT id, level, authority_code, title, SUBSTR(body, 1, 121) AS excerpt, \
             published_at FROM announcements \
             WHERE published_at IS NOT NULL AND withdrawn_at IS NULL",
        );
        if let Some(level) = filter.level {
            q.push(" AND level = ").bind(level.code());
        }
        if let Some(code) = authority {
            q.push(" AND authority_code = ").bind(code.to_string());
        }
        if let Some(t) = text {
            let p = q.placeholder(like_contains(t));
            q.push(&format!(
                " AND (LOWER(title) LIKE {p} ESCAPE '\\' OR LOWER(body) LIKE {p} ESCAPE '\\')"
            ));
        }
        keyset(
            &mut q,
            "published_at",
            "id",
            Order::Desc,
            cursor.as_ref(),
            limit,
        );
        let mut conn = self.read().await?;
        let rows = q.fetch_all(&mut conn).await?;
        let items = rows
            .iter()
            .map(|row| {
                let level = level_of(row)?;
                let authority_code: Option<String> = row.try_get("authority_code")?;
                Ok(AnnouncementSummary {
                    id: row.try_get("id")?,
                    level,
                    publisher: publisher_text(level, authority_code.as_deref()),
                    authority_code,
                    title: row.try_get("title")?,
                    excerpt: excerpt(&row.try_get::<String, _>("excerpt")?),
                    published_at: from_ms(row.try_get("published_at")?),
                })
            })
            .collect::<ServiceResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |a| {
            Cursor::new(ms(a.published_at), &a.id)
        }))
    }

    /// Public: one published announcement (a draft or a withdrawn one is not found).
    pub async fn announcement(&self, id: &str) -> ServiceResult<PublicAnnouncement> {
        let mut conn = self.read().await?;
        let a = load(&mut conn, id).await?;
        match (a.state, a.published_at) {
            (AnnouncementState::Published, Some(published_at)) => Ok(PublicAnnouncement {
                id: a.id,
                level: a.level,
                authority_code: a.authority_code,
                publisher: a.publisher,
                title: a.title,
                body: a.body,
                published_at,
            }),
            _ => Err(not_found()),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Publish,
    Withdraw,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_contains("50%_A\\b"), "%50\\%\\_a\\\\b%");
        assert_eq!(excerpt("短"), "短");
        let long = "字".repeat(EXCERPT_CHARS + 1);
        assert_eq!(excerpt(&long).chars().count(), EXCERPT_CHARS + 1);
        assert!(excerpt(&long).ends_with('…'));
    }

    #[test]
    fn authorities() {
        assert!(is_authority("440000"));
        assert!(is_authority("440300"), "Shenzhen, a 计划单列市");
        assert!(is_authority("110000"));
        assert!(!is_authority("440100"), "Guangzhou is not an authority");
        assert!(!is_authority("440106"));
    }
}
