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

/// One template as a province admin writes it: Chinese text, English optional (the Chinese is
/// shown in English too when it is left out).
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateText {
    pub zh: String,
    #[serde(default)]
    pub en: Option<String>,
}

/// The whole list of one action, replacing the authority's own list (empty: the defaults again).
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateList {
    pub templates: Vec<TemplateText>,
}

/// At most this many templates per action and authority.
pub const MAX_TEMPLATES: usize = 20;
/// At most this many characters per template.
pub const MAX_TEMPLATE_CHARS: usize = 300;

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

    /// Replaces my authority's list of templates for `action` (a province or 计划单列市 admin);
    /// an empty list goes back to the defaults. Answers the list reviewers now see.
    pub async fn set_reason_templates(
        &self,
        session: &Session,
        action: ReasonAction,
        list: &TemplateList,
    ) -> ServiceResult<Vec<ReasonTemplate>> {
        let authority = authority_of(session).unwrap_or_default();
        authz::require_province_admin(session, &authority)?;
        let mut f = crate::service::validate::Fields::default();
        if list.templates.len() > MAX_TEMPLATES {
            f.push(
                "templates",
                Text::new(
                    format!(
                        "最多 {MAX_TEMPLATES} 条常用意见，当前 {} 条。",
                        list.templates.len()
                    ),
                    format!(
                        "At most {MAX_TEMPLATES} templates; there are {}.",
                        list.templates.len()
                    ),
                ),
            );
        }
        let mut texts = Vec::new();
        for (i, t) in list.templates.iter().enumerate() {
            let zh = f.check(
                &format!("templates[{i}].zh"),
                crate::service::validate::required(
                    &t.zh,
                    MAX_TEMPLATE_CHARS,
                    Text::new(
                        format!("第 {} 条意见", i + 1),
                        format!("template {}", i + 1),
                    ),
                ),
            );
            let en = f.check(
                &format!("templates[{i}].en"),
                crate::service::validate::optional(
                    t.en.as_deref(),
                    MAX_TEMPLATE_CHARS * 2,
                    Text::new(
                        format!("第 {} 条意见的英文", i + 1),
                        format!("the English of template {}", i + 1),
                    ),
                ),
            );
            if let (Some(zh), Some(en)) = (zh, en) {
                let en = en.unwrap_or_else(|| zh.clone());
                texts.push((zh, en));
            }
        }
        f.finish()?;
        let mut w = self.write().await?;
        let now = w.now_ms();
        sqlx::query("DELETE FROM reason_templates WHERE authority_code = $1 AND action = $2")
            .bind(&authority)
            .bind(action.code())
            .execute(&mut *w)
            .await?;
        for (i, (zh, en)) in texts.iter().enumerate() {
            sqlx::query(
                "INSERT INTO reason_templates (id, authority_code, action, position, text_zh, \
                 text_en, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(crate::store::new_id())
            .bind(&authority)
            .bind(action.code())
            .bind(i as i64 + 1)
            .bind(zh)
            .bind(en)
            .bind(&session.account_id)
            .bind(now)
            .execute(&mut *w)
            .await?;
        }
        crate::service::audit::audit(
            &mut w,
            &session.into(),
            "reason_templates.set",
            "reason_templates",
            Some(&format!("{authority}:{}", action.code())),
            serde_json::json!({ "count": texts.len() }),
        )
        .await?;
        w.commit().await?;
        self.reason_templates(session, Some(action)).await
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

    #[tokio::test]
    async fn a_province_admin_replaces_its_list_and_only_it_may() {
        let dir = tempfile::tempdir().unwrap();
        let svc = Service::open(
            ServiceConfig::new(dir.path())
                .with_clock(Arc::new(TestClock::at("2026-04-16T10:00:00+08:00")))
                .with_passwords(PasswordHashing::Fast),
        )
        .await
        .unwrap();
        let gd_admin = staff(
            AccountKind::Admin,
            Some(ReviewLevel::Province),
            Some("440000"),
        );
        let gz_city = staff(
            AccountKind::Reviewer,
            Some(ReviewLevel::City),
            Some("440100"),
        );
        let list = |texts: &[&str]| TemplateList {
            templates: texts
                .iter()
                .map(|t| TemplateText {
                    zh: t.to_string(),
                    en: None,
                })
                .collect(),
        };
        let set = svc
            .set_reason_templates(
                &gd_admin,
                ReasonAction::Return,
                &list(&["请补充专利证书。", "请补充审计报告。"]),
            )
            .await
            .unwrap();
        assert_eq!(set.len(), 2);
        // the reviewers of the province read it; the English falls back to the Chinese
        let seen = svc
            .reason_templates(&gz_city, Some(ReasonAction::Return))
            .await
            .unwrap();
        assert_eq!(seen[1].text.zh, "请补充审计报告。");
        assert_eq!(seen[1].text.en, "请补充审计报告。");
        // other actions keep the defaults
        let passes = svc
            .reason_templates(&gz_city, Some(ReasonAction::Pass))
            .await
            .unwrap();
        assert!(passes.iter().all(|t| t.authority_code.is_none()));
        // a reviewer, and the ministry, may not edit a province's list
        let e = svc
            .set_reason_templates(&gz_city, ReasonAction::Return, &list(&["x"]))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
        let ministry = staff(AccountKind::Admin, Some(ReviewLevel::Ministry), None);
        let e = svc
            .set_reason_templates(&ministry, ReasonAction::Pass, &list(&["x"]))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
        // an empty text is refused naming it, and nothing changes
        let e = svc
            .set_reason_templates(&gd_admin, ReasonAction::Return, &list(&["好", "  "]))
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some("templates[1].zh"));
        let seen = svc
            .reason_templates(&gz_city, Some(ReasonAction::Return))
            .await
            .unwrap();
        assert_eq!(seen.len(), 2);
        // an empty list: the defaults again
        svc.set_reason_templates(&gd_admin, ReasonAction::Return, &list(&[]))
            .await
            .unwrap();
        let seen = svc
            .reason_templates(&gz_city, Some(ReasonAction::Return))
            .await
            .unwrap();
        assert!(seen.iter().all(|t| t.authority_code.is_none()));
        assert_eq!(seen.len(), 3);
    }
}
