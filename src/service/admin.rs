//! What the administration and support screens need besides the workflow use cases: the
//! service's calendar day, the cancellation reasons, the certifications an admin manages, the
//! staff accounts (list, disable, enable), the demo outbox for support, and the audit trail of a
//! record (who did what, when, and why).
//!
//! | use case | who |
//! |---|---|
//! | [`Service::calendar_today`], [`cancel_reasons`] | anyone (reference data) |
//! | [`Service::managed_certifications`] | a province admin (创新型 and 专精特新 of the authority); the ministry admin (小巨人, national) |
//! | [`Service::staff_accounts`], [`Service::set_staff_disabled`] | the ministry admin |
//! | [`Service::demo_outbox`] | support, and only on a database seeded by the demo (its passwords and codes are public) |
//! | [`Service::trail`] | who may manage the record: see [`TrailKind`] |

use crate::domain::regions::Regions;
use crate::domain::text::Text;
use crate::domain::tiers::{ReviewLevel, Tier};
use crate::service::audit::{AuditEntry, Who, audit, audit_of};
use crate::service::authz;
use crate::service::certifications::{
    self, CERT_SELECT, CancelReason, CertStatus, Certification, cert_from_row, day,
    require_any_admin, require_sees_enterprise,
};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::notify::{Channel, OutboxMessage};
use crate::service::paging::{Cursor, Order, Page, PageRequest, Sql, keyset};
use crate::service::session::{self, AccountKind, Session};
use crate::service::validate::Fields;
use crate::service::windows::{load_window, record_conflict};
use crate::service::{Service, demo};
use crate::store::{from_ms, ms};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Longest search text of [`Service::managed_certifications`], in characters.
pub const SEARCH_MAX: usize = 100;
/// Most audit rows [`Service::trail`] returns (the latest ones).
pub const TRAIL_LIMIT: usize = 200;

// ---------------------------------------------------------------------------------------------
// Reference data
// ---------------------------------------------------------------------------------------------

/// The service's date in China: what "today" and "this year" mean for windows, batches and 复核.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CalendarToday {
    pub today: NaiveDate,
    pub year: i32,
}

/// A cancellation reason as offered to the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CancelReasonView {
    pub code: CancelReason,
    pub name: Text,
    /// Whether the reason bars a new declaration for [`certifications::BAR_YEARS`] years.
    pub bars: bool,
    pub bar_years: u32,
}

/// Every cancellation reason (DOMAIN.md §5), in the order of the rule.
pub fn cancel_reasons() -> Vec<CancelReasonView> {
    CancelReason::ALL
        .into_iter()
        .map(|r| CancelReasonView {
            code: r,
            name: r.name(),
            bars: r.bars(),
            bar_years: if r.bars() {
                certifications::BAR_YEARS
            } else {
                0
            },
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Views and inputs
// ---------------------------------------------------------------------------------------------

/// The filter of [`Service::managed_certifications`]: a part of the enterprise name or the start
/// of its USCC, a tier, a status (as of today).
#[derive(utoipa::IntoParams, Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct ManagedFilter {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub tier: Option<Tier>,
    #[serde(default)]
    pub status: Option<CertStatus>,
}

/// A staff account as the ministry admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StaffView {
    pub id: String,
    pub login_name: String,
    pub kind: AccountKind,
    pub level: Option<ReviewLevel>,
    pub region_code: Option<String>,
    /// The region's full name (e.g. 广东省 广州市 天河区); `None` for national accounts.
    pub region_name: Option<String>,
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

const STAFF_SELECT: &str = "SELECT a.id, a.login_name, a.login_key, a.kind, a.level, \
     a.region_code, a.display_name, a.phone, a.email, a.failed_logins, a.locked_until, \
     a.disabled, a.created_at, a.version FROM accounts a";

fn staff_from_row(row: &AnyRow) -> ServiceResult<StaffView> {
    let kind: String = row.try_get("kind")?;
    let level: Option<String> = row.try_get("level")?;
    let region_code: Option<String> = row.try_get("region_code")?;
    Ok(StaffView {
        id: row.try_get("id")?,
        login_name: row.try_get("login_name")?,
        kind: AccountKind::from_code(&kind)
            .ok_or_else(|| ServiceError::internal(format!("unknown account kind {kind:?}")))?,
        level: level.as_deref().and_then(ReviewLevel::from_code),
        region_name: region_code.as_deref().map(|c| {
            Regions::builtin()
                .full_name(c)
                .unwrap_or_else(|| c.to_string())
        }),
        region_code,
        display_name: row.try_get("display_name")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        failed_logins: row.try_get("failed_logins")?,
        locked_until: row.try_get::<Option<i64>, _>("locked_until")?.map(from_ms),
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: from_ms(row.try_get("created_at")?),
        version: row.try_get("version")?,
    })
}

async fn load_staff(conn: &mut crate::store::Conn, id: &str) -> ServiceResult<StaffView> {
    let sql = format!("{STAFF_SELECT} WHERE a.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found(Text::new("该账号", "the account")))?;
    staff_from_row(&row)
}

/// The records whose audit trail [`Service::trail`] shows, and who may read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrailKind {
    /// A declaration window: the province admin of its authority.
    Window,
    /// A review chain (`{authority}:{tier}`): the province admin of the authority.
    Chain,
    /// A certification: an admin whose scope holds the enterprise.
    Certification,
    /// An announcement: the admins of its publisher.
    Announcement,
    /// An account: the ministry admin (staff accounts), support (any account).
    Account,
    /// A support request: support.
    SupportRequest,
}

impl TrailKind {
    pub const ALL: [TrailKind; 6] = [
        TrailKind::Window,
        TrailKind::Chain,
        TrailKind::Certification,
        TrailKind::Announcement,
        TrailKind::Account,
        TrailKind::SupportRequest,
    ];

    /// Every code, as `{kind}` in `/trail/{kind}/{id}` takes it.
    pub const CODES: [&'static str; 6] = [
        "window",
        "chain",
        "certification",
        "announcement",
        "account",
        "support_request",
    ];

    /// The `target_kind` of the audit rows.
    pub fn code(self) -> &'static str {
        match self {
            TrailKind::Window => "window",
            TrailKind::Chain => "chain",
            TrailKind::Certification => "certification",
            TrailKind::Announcement => "announcement",
            TrailKind::Account => "account",
            TrailKind::SupportRequest => "support_request",
        }
    }

    pub fn from_code(s: &str) -> Option<TrailKind> {
        TrailKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// One line of a record's trail.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TrailEntry {
    pub at: DateTime<Utc>,
    /// The actor's name as recorded: a display name, `system`, or `anonymous:<what they gave>`.
    pub actor_name: String,
    /// The action's code (`window.open`, `support.approve` …).
    pub action: String,
    /// The action in words.
    pub action_name: Text,
    /// The reason or note given with it, if any.
    pub note: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// The words of the audited actions a trail shows (the code itself for others).
pub fn action_name(action: &str) -> Text {
    let (zh, en) = match action {
        "window.open" => ("开放申报窗口", "window opened"),
        "window.close" => ("提前关闭窗口", "window closed early"),
        "chain.set" => ("设置审核链", "review chain set"),
        "certification.create" => ("认定", "certified"),
        "certification.extend" => ("复核通过，延长有效期", "extended after review"),
        "certification.expire" => ("到期", "expired"),
        "certification.cancel" => ("取消认定", "cancelled"),
        "certification.review_flag_set" => ("设置满足复核条件", "flagged for review"),
        "certification.review_flag_cleared" => ("清除满足复核条件", "review flag cleared"),
        "announcement.create" => ("新建草稿", "draft created"),
        "announcement.update" => ("修改草稿", "draft edited"),
        "announcement.publish" => ("发布", "published"),
        "announcement.withdraw" => ("撤回", "withdrawn"),
        "announcement.delete" => ("删除草稿", "draft deleted"),
        "account.staff_created" => ("创建工作人员账号", "staff account created"),
        "account.disable" => ("停用账号", "account disabled"),
        "account.enable" => ("启用账号", "account enabled"),
        "account.register" => ("注册", "registered"),
        "account.verify" => ("实名认证", "real-name verified"),
        "account.login" => ("登录", "logged in"),
        "account.logout" => ("退出登录", "logged out"),
        "account.locked" => ("连续登录失败，账号锁定", "locked after failed log-ins"),
        "account.revoke_all" => ("结束全部会话", "all sessions ended"),
        "account.password_changed" => ("修改密码", "password changed"),
        "account.password_reset_requested" => ("申请重置密码", "password reset requested"),
        "account.password_reset" => ("重置密码", "password reset"),
        "account.phone_change_requested" => ("申请更换手机号", "phone change requested"),
        "account.phone_changed" => ("更换手机号", "phone changed"),
        "support.request_filed" => ("提交申请", "request filed"),
        "support.approve" => ("客服通过", "approved by support"),
        "support.reject" => ("客服驳回", "rejected by support"),
        "support.unlock" => ("客服解锁", "unlocked by support"),
        other => (other, other),
    };
    Text::new(zh, en)
}

fn trail_entry(e: AuditEntry) -> TrailEntry {
    let note = ["note", "reason"]
        .iter()
        .filter_map(|k| e.detail.get(*k).and_then(|v| v.as_str()))
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(str::to_string);
    TrailEntry {
        action_name: action_name(&e.action),
        at: e.at,
        actor_name: e.actor_name,
        action: e.action,
        note,
        detail: e.detail,
    }
}

/// `%text%` for `LIKE … ESCAPE '\'` with `\`, `%` and `_` taken literally.
fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn not_demo() -> ServiceError {
    ServiceError::rule(
        "not_demo",
        Text::new(
            "发件箱只在演示数据库中开放：正式环境的短信和邮件由发送服务投递，验证码不向任何工作人员显示。",
            "The outbox is shown only on a demo database: in production, texts and e-mails go \
             out through the delivery service and no staff member sees the codes.",
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

impl Service {
    /// Today in China as the service sees it (its clock), and the year.
    pub fn calendar_today(&self) -> CalendarToday {
        let today = self.today();
        CalendarToday {
            today,
            year: today.year(),
        }
    }

    /// The certifications the caller manages (may flag for 复核 and cancel): a province admin's
    /// 创新型 and 专精特新 certifications of enterprises under the authority, the ministry
    /// admin's 小巨人 certifications nationwide. Filtered by a part of the enterprise name or the
    /// start of the USCC, tier and status; soonest expiry first, paged.
    pub async fn managed_certifications(
        &self,
        session: &Session,
        filter: &ManagedFilter,
        page: &PageRequest,
    ) -> ServiceResult<Page<Certification>> {
        require_any_admin(session)?;
        let ministry = session.level == Some(ReviewLevel::Ministry);
        let mut f = Fields::default();
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
        match (filter.tier, ministry) {
            (Some(Tier::LittleGiant), false) => f.push(
                "tier",
                Text::new(
                    "专精特新“小巨人”企业的认定由工业和信息化部管理。",
                    "Little Giant certifications are managed by the ministry.",
                ),
            ),
            (Some(t), true) if t != Tier::LittleGiant => f.push(
                "tier",
                Text::new(
                    "部级管理员管理专精特新“小巨人”企业的认定；其他层级由省级认定机构管理。",
                    "The ministry manages Little Giant certifications; the other tiers are \
                     managed by the provincial authorities.",
                ),
            ),
            _ => {}
        }
        let cursor = page.cursor()?;
        f.finish()?;
        let today = self.today();
        let limit = page.limit();
        let mut q = Sql::new(CERT_SELECT);
        if ministry {
            q.push(" WHERE c.tier = ").bind(Tier::LittleGiant.code());
        } else {
            let authority = session.region_code.clone().unwrap_or_default();
            q.push(" WHERE e.authority_code = ").bind(authority);
            q.push(" AND c.tier <> ").bind(Tier::LittleGiant.code());
            if let Some(t) = filter.tier {
                q.push(" AND c.tier = ").bind(t.code());
            }
        }
        match filter.status {
            None => {}
            Some(CertStatus::Active) => {
                q.push(" AND c.status = 'active' AND c.expires_on >= ")
                    .bind(day(today));
            }
            Some(CertStatus::Expired) => {
                let p = q.placeholder(day(today));
                q.push(&format!(
                    " AND (c.status = 'expired' OR (c.status = 'active' AND c.expires_on < {p}))"
                ));
            }
            Some(CertStatus::Cancelled) => {
                q.push(" AND c.status = 'cancelled'");
            }
        }
        if let Some(t) = text {
            let escaped = like_escape(t);
            let contains = q.placeholder(format!("%{escaped}%"));
            let prefix = q.placeholder(format!("{}%", escaped.to_uppercase()));
            q.push(&format!(
                " AND (e.name LIKE {contains} ESCAPE '\\' OR e.uscc LIKE {prefix} ESCAPE '\\')"
            ));
        }
        keyset(
            &mut q,
            "c.expires_on",
            "c.id",
            Order::Asc,
            cursor.as_ref(),
            limit,
        );
        let mut conn = self.read().await?;
        let rows = q.fetch_all(&mut conn).await?;
        let items = rows
            .iter()
            .map(|r| cert_from_row(r, today))
            .collect::<ServiceResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |c| {
            Cursor::new(day(c.expires_on), &c.id)
        }))
    }

    /// Every staff account (reviewers, admins, support), by login name, paged. The ministry
    /// admin only.
    pub async fn staff_accounts(
        &self,
        session: &Session,
        page: &PageRequest,
    ) -> ServiceResult<Page<StaffView>> {
        authz::require_ministry_admin(session)?;
        let limit = page.limit();
        let cursor = page.cursor()?;
        let mut q = Sql::new(STAFF_SELECT);
        q.push(" WHERE a.kind IN ('reviewer', 'admin', 'support')");
        keyset(
            &mut q,
            "a.login_key",
            "a.id",
            Order::Asc,
            cursor.as_ref(),
            limit,
        );
        let mut conn = self.read().await?;
        let rows = q.fetch_all(&mut conn).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let key: String = row.try_get("login_key")?;
            out.push((key, staff_from_row(row)?));
        }
        Ok(
            Page::from_rows(out, limit, |(key, s)| Cursor::new(key.as_str(), &s.id))
                .map(|(_, s)| s),
        )
    }

    /// Disables (`disabled`) or enables a staff account. The ministry admin only, never their own
    /// account; `expected_version` as last read. Disabling ends every session of the account at
    /// once; a disabled account cannot log in until it is enabled again.
    pub async fn set_staff_disabled(
        &self,
        session: &Session,
        account_id: &str,
        expected_version: i64,
        disabled: bool,
    ) -> ServiceResult<StaffView> {
        authz::require_ministry_admin(session)?;
        if account_id == session.account_id {
            return Err(ServiceError::rule(
                "own_account",
                Text::new(
                    "不能停用或启用自己的账号。",
                    "You cannot disable or enable your own account.",
                ),
            ));
        }
        let mut w = self.write().await?;
        let account = load_staff(&mut w, account_id).await?;
        if !account.kind.is_staff() {
            return Err(ServiceError::rule(
                "not_staff",
                Text::new(
                    "只能停用或启用工作人员（审核员、管理员、客服）的账号；企业和个人账号由客服处理。",
                    "Only staff accounts (reviewers, administrators, support) are disabled or \
                     enabled here; enterprise and personal accounts are support's.",
                ),
            ));
        }
        if account.version != expected_version {
            return Err(record_conflict(&mut w, "account", account_id, account.version).await?);
        }
        if account.disabled == disabled {
            return Err(ServiceError::rule(
                if disabled {
                    "already_disabled"
                } else {
                    "already_enabled"
                },
                if disabled {
                    Text::new(
                        format!("账号 {} 已经是停用状态。", account.login_name),
                        format!("The account {} is already disabled.", account.login_name),
                    )
                } else {
                    Text::new(
                        format!("账号 {} 未被停用。", account.login_name),
                        format!("The account {} is not disabled.", account.login_name),
                    )
                },
            ));
        }
        let now = w.now_ms();
        let done = sqlx::query(
            "UPDATE accounts SET disabled = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3 AND version = $4",
        )
        .bind(i64::from(disabled))
        .bind(now)
        .bind(account_id)
        .bind(expected_version)
        .execute(&mut *w)
        .await?;
        if done.rows_affected() != 1 {
            return Err(record_conflict(&mut w, "account", account_id, account.version).await?);
        }
        let revoked = if disabled {
            session::revoke_all_tokens(&mut w, account_id).await?
        } else {
            0
        };
        audit(
            &mut w,
            &Who::from(session),
            if disabled {
                "account.disable"
            } else {
                "account.enable"
            },
            "account",
            Some(account_id),
            json!({
                "login_name": account.login_name,
                "version": expected_version,
                "revoked_tokens": revoked,
            }),
        )
        .await?;
        let view = load_staff(&mut w, account_id).await?;
        w.commit().await?;
        Ok(view)
    }

    /// The SMS and e-mail the platform sent, newest first (codes included): support only, and
    /// only on a database seeded by the demo, where every password and code is public anyway.
    pub async fn demo_outbox(
        &self,
        session: &Session,
        page: &PageRequest,
    ) -> ServiceResult<Page<OutboxMessage>> {
        authz::require_support(session)?;
        if !matches!(
            demo::database_state(self).await?,
            demo::DatabaseState::Demo { .. }
        ) {
            return Err(not_demo());
        }
        let limit = page.limit();
        let cursor = page.cursor()?;
        let mut q = Sql::new(
            "SELECT id, channel, recipient, subject, body, created_at, sent_at FROM outbox \
             WHERE 1=1",
        );
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
        Ok(Page::from_rows(out, limit, |m| {
            Cursor::new(ms(m.created_at), &m.id)
        }))
    }

    /// The audit trail of one record, newest first (at most [`TRAIL_LIMIT`] lines): who did
    /// what, when, and the reason or note they gave. Readable by whoever manages the record (see
    /// [`TrailKind`]).
    pub async fn trail(
        &self,
        session: &Session,
        kind: TrailKind,
        id: &str,
    ) -> ServiceResult<Vec<TrailEntry>> {
        let today = self.today();
        let mut conn = self.read().await?;
        match kind {
            TrailKind::Window => {
                let w = load_window(&mut conn, id, today).await?;
                authz::require_province_admin(session, &w.authority_code)?;
            }
            TrailKind::Chain => {
                let (authority, tier) = id.split_once(':').unwrap_or((id, ""));
                if Tier::from_code(tier).is_none() {
                    return Err(ServiceError::not_found(Text::new(
                        "该审核链",
                        "the review chain",
                    )));
                }
                authz::require_province_admin(session, authority)?;
            }
            TrailKind::Certification => {
                require_any_admin(session)?;
                let cert = certifications::load(&mut conn, id, today).await?;
                require_sees_enterprise(&mut conn, session, &cert.enterprise_id).await?;
            }
            TrailKind::Announcement => {
                drop(conn);
                self.own_announcement(session, id).await?;
                conn = self.read().await?;
            }
            TrailKind::Account => {
                let account = load_staff(&mut conn, id).await?;
                match session.kind {
                    AccountKind::Support => {}
                    _ => {
                        authz::require_ministry_admin(session)?;
                        if !account.kind.is_staff() {
                            return Err(ServiceError::forbidden(Text::new(
                                "部级管理员只能查看工作人员账号的记录。",
                                "The ministry administrator sees the records of staff accounts \
                                 only.",
                            )));
                        }
                    }
                }
            }
            TrailKind::SupportRequest => {
                authz::require_support(session)?;
                let found = sqlx::query("SELECT id FROM support_requests WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
                if found.is_none() {
                    return Err(ServiceError::not_found(Text::new("该申请", "the request")));
                }
            }
        }
        let mut rows = audit_of(&mut conn, kind.code(), id).await?;
        rows.reverse();
        rows.truncate(TRAIL_LIMIT);
        Ok(rows.into_iter().map(trail_entry).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_in_rule_order_with_bars() {
        let r = cancel_reasons();
        assert_eq!(r.len(), 6);
        assert_eq!(r[0].code, CancelReason::MajorIncident);
        assert!(r[0].bars && r[0].bar_years == 3);
        assert!(!r[5].bars && r[5].bar_years == 0);
    }

    #[test]
    fn trail_kinds_round_trip_and_notes_come_from_reason_or_note() {
        for k in TrailKind::ALL {
            assert_eq!(TrailKind::from_code(k.code()), Some(k));
        }
        let e = trail_entry(AuditEntry {
            id: "1".into(),
            at: from_ms(0),
            actor_id: None,
            actor_name: "张敏".into(),
            action: "support.approve".into(),
            target_kind: "support_request".into(),
            target_id: Some("r".into()),
            detail: json!({"note": " 已电话核实 ", "reason": "data_fraud"}),
        });
        assert_eq!(e.note.as_deref(), Some("已电话核实"));
        assert_eq!(e.action_name.zh, "客服通过");
        assert_eq!(action_name("x.y").en, "x.y");
    }
}

#[cfg(test)]
mod trail_kind_tests {
    use super::TrailKind;

    #[test]
    fn the_documented_codes_are_the_codes() {
        let codes: Vec<&str> = TrailKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes, TrailKind::CODES);
    }
}
