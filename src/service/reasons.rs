//! Reason templates (常用审核意见): the texts a reviewer starts from when passing, returning or
//! rejecting an item. Each provincial authority (a province, municipality or 计划单列市) may keep
//! its own list per action; an authority without its own list for an action gets the defaults
//! (rows with `authority_code = ''`, seeded by migration 3). A template is only a starting
//! point: what the enterprise receives is the text the reviewer submits with the decision.
//!
//! Who may read: staff (reviewers and admins). A reviewer reads the list of the authority their
//! region belongs to; ministry staff read the defaults. Province admins edit their authority's
//! list (the admin console).

use crate::domain::regions::Regions;
use crate::domain::text::Text;
use crate::service::Service;
use crate::service::authz;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::session::Session;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// The decision a template is for.
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonAction {
    Pass,
    Return,
    Reject,
}

impl ReasonAction {
    pub const ALL: [ReasonAction; 3] = [
        ReasonAction::Pass,
        ReasonAction::Return,
        ReasonAction::Reject,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReasonAction::Pass => "pass",
            ReasonAction::Return => "return",
            ReasonAction::Reject => "reject",
        }
    }

    pub fn from_code(s: &str) -> Option<ReasonAction> {
        ReasonAction::ALL.into_iter().find(|a| a.code() == s)
    }
}

/// One template.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonTemplate {
    pub id: String,
    pub action: ReasonAction,
    pub text: Text,
    /// The authority whose list it belongs to; None for a default.
    pub authority_code: Option<String>,
}

/// The authority whose list a staff member reads (None: the defaults).
fn authority_of(session: &Session) -> Option<String> {
    let region = session.region_code.as_deref()?;
    Regions::builtin().authority(region).map(|a| a.code)
}

impl Service {
    /// The reason templates of my authority for `action` (every action when None), in list
    /// order: the authority's own list where it has one for an action, else the defaults.
    pub async fn reason_templates(
        &self,
        session: &Session,
        action: Option<ReasonAction>,
    ) -> ServiceResult<Vec<ReasonTemplate>> {
        authz::require_staff_level(session)?;
        let authority = authority_of(session).unwrap_or_default();
        let mut conn = self.read().await?;
        let rows = sqlx::query(
            "SELECT id, authority_code, action, text_zh, text_en FROM reason_templates \
             WHERE authority_code IN ($1, '') ORDER BY action, position, id",
        )
        .bind(&authority)
        .fetch_all(&mut *conn)
        .await?;
        let mut all = Vec::with_capacity(rows.len());
        for row in rows {
            let code: String = row.try_get("action")?;
            let kind = ReasonAction::from_code(&code).ok_or_else(|| {
                ServiceError::internal(format!("unknown reason template action {code:?}"))
            })?;
            let owner: String = row.try_get("authority_code")?;
            all.push(ReasonTemplate {
                id: row.try_get("id")?,
                action: kind,
                text: Text::new(
                    row.try_get::<String, _>("text_zh")?,
                    row.try_get::<String, _>("text_en")?,
                ),
                authority_code: (!owner.is_empty()).then_some(owner),
            });
        }
        let wanted = |a: ReasonAction| action.is_none_or(|w| w == a);
        let mut out = Vec::new();
        for a in ReasonAction::ALL.into_iter().filter(|a| wanted(*a)) {
            let own: Vec<&ReasonTemplate> = all
                .iter()
                .filter(|t| t.action == a && t.authority_code.is_some())
                .collect();
            let list = if own.is_empty() {
                all.iter()
                    .filter(|t| t.action == a && t.authority_code.is_none())
                    .collect()
            } else {
                own
            };
            out.extend(list.into_iter().cloned());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tiers::ReviewLevel;
    use crate::service::session::AccountKind;
    use crate::service::{PasswordHashing, ServiceConfig, TestClock};
    use chrono::Utc;
    use std::sync::Arc;

    fn staff(kind: AccountKind, level: Option<ReviewLevel>, region: Option<&str>) -> Session {
        Session {
            account_id: "a".into(),
            login_name: "a".into(),
            display_name: "a".into(),
            kind,
            level,
            region_code: region.map(str::to_string),
            enterprise_id: None,
            expires_at: Utc::now(),
            token_hash: String::new(),
        }
    }

    #[tokio::test]
    async fn an_authority_list_replaces_the_defaults_per_action() {
        let dir = tempfile::tempdir().unwrap();
        let svc = Service::open(
            ServiceConfig::new(dir.path())
                .with_clock(Arc::new(TestClock::at("2026-04-16T10:00:00+08:00")))
                .with_passwords(PasswordHashing::Fast),
        )
        .await
        .unwrap();
        let gz_city = staff(
            AccountKind::Reviewer,
            Some(ReviewLevel::City),
            Some("440100"),
        );
        // the seeded defaults: every action, in list order
        let all = svc.reason_templates(&gz_city, None).await.unwrap();
        let actions: Vec<&str> = all.iter().map(|t| t.action.code()).collect();
        assert_eq!(
            actions,
            [
                "pass", "pass", "return", "return", "return", "reject", "reject"
            ]
        );
        assert!(all.iter().all(|t| t.authority_code.is_none()));
        assert!(all[2].text.zh.contains("证明材料"), "{:?}", all[2]);
        // 广东 keeps its own return list: it replaces the default returns only
        let mut w = svc.write().await.unwrap();
        sqlx::query(
            "INSERT INTO reason_templates (id, authority_code, action, position, text_zh, \
             text_en, updated_at) VALUES ('gd-1', '440000', 'return', 1, '请补充专利证书。', \
             'Add the patent certificates.', 0)",
        )
        .execute(&mut *w)
        .await
        .unwrap();
        w.commit().await.unwrap();
        let returns = svc
            .reason_templates(&gz_city, Some(ReasonAction::Return))
            .await
            .unwrap();
        assert_eq!(returns.len(), 1);
        assert_eq!(returns[0].authority_code.as_deref(), Some("440000"));
        let passes = svc
            .reason_templates(&gz_city, Some(ReasonAction::Pass))
            .await
            .unwrap();
        assert_eq!(passes.len(), 2);
        // 深圳 is its own authority: the defaults
        let sz = staff(
            AccountKind::Reviewer,
            Some(ReviewLevel::County),
            Some("440305"),
        );
        let sz_returns = svc
            .reason_templates(&sz, Some(ReasonAction::Return))
            .await
            .unwrap();
        assert_eq!(sz_returns.len(), 3);
        // ministry staff read the defaults; enterprises may not read at all
        let ministry = staff(AccountKind::Admin, Some(ReviewLevel::Ministry), None);
        assert_eq!(
            svc.reason_templates(&ministry, None).await.unwrap().len(),
            7
        );
        let firm = staff(AccountKind::Legal, None, None);
        assert!(svc.reason_templates(&firm, None).await.is_err());
    }
}
