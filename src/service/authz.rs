//! Authorization helpers used by every use case. Pure: they look only at the [`Session`] and the
//! code lists.
//!
//! Scope **(our rule)**: a reviewer or admin of a region sees an enterprise when the region
//! contains the enterprise's registered county ([`Regions::contains`]) *and* both fall under the
//! same certifying authority — so a 广东省 reviewer does not see 深圳 (a 计划单列市, its own
//! provincial authority), while a 深圳 reviewer does. Ministry staff (no region) see everything.
//! The same rule is available as a column filter ([`Scope`]) for queue queries, over the
//! denormalised `county_code`, `city_code` and `authority_code` columns ([`Place`]).

use crate::domain::regions::{RegionLevel, Regions, is_plan_city};
use crate::domain::text::{Localized, Text};
use crate::domain::tiers::ReviewLevel;
use crate::domain::workflow::{Actor, Refusal};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::session::{AccountKind, Session};

/// Where an enterprise is registered, as the three columns queues filter on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub county_code: String,
    /// The prefecture-level division (the county itself for 东莞 and the like).
    pub city_code: String,
    /// The certifying authority: the province, municipality or 计划单列市.
    pub authority_code: String,
}

/// The place of a registered county; `None` for an unknown code.
pub fn place_of(county_code: &str) -> Option<Place> {
    let regions = Regions::builtin();
    let path = regions.path(county_code);
    let county = path.last()?;
    let city = path
        .iter()
        .find(|r| r.level == RegionLevel::Prefecture)
        .unwrap_or(county);
    let authority = regions.authority(county_code)?;
    Some(Place {
        county_code: county.code.clone(),
        city_code: city.code.clone(),
        authority_code: authority.code,
    })
}

/// A staff member's scope as a filter on one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    National,
    Authority(String),
    City(String),
    County(String),
}

impl Scope {
    /// The column of `items` / `enterprises` to compare with [`Scope::code`] (None = no filter).
    pub fn column(&self) -> Option<&'static str> {
        match self {
            Scope::National => None,
            Scope::Authority(_) => Some("authority_code"),
            Scope::City(_) => Some("city_code"),
            Scope::County(_) => Some("county_code"),
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            Scope::National => None,
            Scope::Authority(c) | Scope::City(c) | Scope::County(c) => Some(c),
        }
    }

    pub fn contains(&self, place: &Place) -> bool {
        match self {
            Scope::National => true,
            Scope::Authority(c) => place.authority_code == *c,
            Scope::City(c) => place.city_code == *c,
            Scope::County(c) => place.county_code == *c,
        }
    }
}

/// The scope of a reviewer or admin (from their level and region).
pub fn scope(session: &Session) -> ServiceResult<Scope> {
    let level = require_staff_level(session)?;
    let Some(region) = session.region_code.as_deref() else {
        return if level == ReviewLevel::Ministry {
            Ok(Scope::National)
        } else {
            Err(no_region())
        };
    };
    let regions = Regions::builtin();
    let r = regions.get(region).ok_or_else(no_region)?;
    Ok(match r.level {
        RegionLevel::Province => Scope::Authority(r.code.clone()),
        RegionLevel::Prefecture if is_plan_city(&r.code) && level >= ReviewLevel::Province => {
            Scope::Authority(r.code.clone())
        }
        RegionLevel::Prefecture => Scope::City(r.code.clone()),
        RegionLevel::County => Scope::County(r.code.clone()),
    })
}

/// Whether the session's scope contains an enterprise registered in `county_code`.
pub fn in_scope(session: &Session, county_code: &str) -> bool {
    match (scope(session), place_of(county_code)) {
        (Ok(s), Some(p)) => s.contains(&p),
        (Ok(Scope::National), None) => true,
        _ => false,
    }
}

fn no_region() -> ServiceError {
    ServiceError::forbidden(Text::new(
        "您的账号未配置有效的管辖地区，请联系管理员。",
        "Your account has no valid region configured; contact an administrator.",
    ))
}

/// A legal-person account, verified or not (e.g. for real-name verification itself).
pub fn require_legal_person(session: &Session) -> ServiceResult<()> {
    match session.kind {
        AccountKind::Legal => Ok(()),
        AccountKind::Natural => Err(natural_person_refused()),
        _ => Err(enterprise_only()),
    }
}

/// A legal-person account with a verified enterprise; returns the enterprise id.
pub fn require_enterprise(session: &Session) -> ServiceResult<&str> {
    require_legal_person(session)?;
    session.enterprise_id.as_deref().ok_or_else(|| {
        ServiceError::forbidden(Text::new(
            "请先完成法人实名认证（企业名称、统一社会信用代码、法定代表人及其身份证号）。",
            "Complete the real-name verification first (enterprise name, unified social credit \
             code, legal representative and their ID number).",
        ))
    })
}

fn natural_person_refused() -> ServiceError {
    ServiceError::forbidden(Text::new(
        "自然人账户不能办理企业业务（如申报）。请以企业身份注册法人账户，并用统一社会信用代码完成实名认证。",
        "A natural-person account cannot act for an enterprise (e.g. declare). Register a \
         legal-person account for the enterprise and verify it with its unified social credit code.",
    ))
}

fn enterprise_only() -> ServiceError {
    ServiceError::forbidden(Text::new(
        "只有企业（法人账户）可以办理此项业务。",
        "Only an enterprise (legal-person account) can do this.",
    ))
}

/// A reviewer or admin; returns their level.
pub fn require_staff_level(session: &Session) -> ServiceResult<ReviewLevel> {
    match (session.kind, session.level) {
        (AccountKind::Reviewer | AccountKind::Admin, Some(level)) => Ok(level),
        _ => Err(ServiceError::forbidden(Refusal::NotReviewer.text())),
    }
}

/// A reviewer (or admin) of `level` whose scope contains `county_code`.
pub fn require_reviewer_in_scope(
    session: &Session,
    county_code: &str,
    level: ReviewLevel,
) -> ServiceResult<()> {
    let own = require_staff_level(session)?;
    if !in_scope(session, county_code) {
        return Err(ServiceError::forbidden(Refusal::OutOfScope.text()));
    }
    if own != level {
        return Err(Refusal::WrongLevel {
            item_level: level,
            actor_level: own,
        }
        .into());
    }
    Ok(())
}

/// The admin of the provincial authority `authority_code` (a province, municipality or
/// 计划单列市).
pub fn require_province_admin(session: &Session, authority_code: &str) -> ServiceResult<()> {
    let ok = session.kind == AccountKind::Admin
        && session.level == Some(ReviewLevel::Province)
        && session.region_code.as_deref() == Some(authority_code);
    if ok {
        Ok(())
    } else {
        let name = Regions::builtin()
            .get(authority_code)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| authority_code.to_string());
        Err(ServiceError::forbidden(Text::new(
            format!("只有{name}的省级管理员可以进行此操作。"),
            format!("Only a provincial administrator of {name} ({authority_code}) can do this."),
        )))
    }
}

/// A ministry (工业和信息化部) admin.
pub fn require_ministry_admin(session: &Session) -> ServiceResult<()> {
    if session.kind == AccountKind::Admin && session.level == Some(ReviewLevel::Ministry) {
        Ok(())
    } else {
        Err(ServiceError::forbidden(Text::new(
            "只有部级管理员可以进行此操作。",
            "Only a ministry administrator can do this.",
        )))
    }
}

/// Support staff (客服).
pub fn require_support(session: &Session) -> ServiceResult<()> {
    if session.kind == AccountKind::Support {
        Ok(())
    } else {
        Err(ServiceError::forbidden(Text::new(
            "只有客服人员可以进行此操作。",
            "Only support staff can do this.",
        )))
    }
}

/// The session's relation to an item owned by `owner_enterprise_id` whose enterprise is
/// registered in `county_code`, as the workflow table sees it.
pub fn workflow_actor(
    session: &Session,
    owner_enterprise_id: &str,
    county_code: Option<&str>,
) -> Actor {
    match session.kind {
        AccountKind::Legal if session.enterprise_id.as_deref() == Some(owner_enterprise_id) => {
            Actor::Owner
        }
        AccountKind::Legal => Actor::OtherEnterprise,
        AccountKind::Natural => Actor::Public,
        AccountKind::Support => Actor::Support,
        AccountKind::Reviewer | AccountKind::Admin => match session.level {
            Some(level) => Actor::Reviewer {
                level,
                in_scope: county_code.is_some_and(|c| in_scope(session, c)),
            },
            None => Actor::Public,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn staff(kind: AccountKind, level: Option<ReviewLevel>, region: Option<&str>) -> Session {
        Session {
            account_id: "a".into(),
            login_name: "x".into(),
            display_name: "X".into(),
            kind,
            level,
            region_code: region.map(str::to_string),
            enterprise_id: None,
            expires_at: Utc::now(),
            token_hash: String::new(),
        }
    }

    #[test]
    fn places() {
        let p = place_of("440305").unwrap();
        assert_eq!(
            (p.city_code.as_str(), p.authority_code.as_str()),
            ("440300", "440300")
        );
        let p = place_of("440106").unwrap();
        assert_eq!(
            (p.city_code.as_str(), p.authority_code.as_str()),
            ("440100", "440000")
        );
        let p = place_of("110105").unwrap();
        assert_eq!(
            (p.city_code.as_str(), p.authority_code.as_str()),
            ("110100", "110000")
        );
        assert!(place_of("999999").is_none());
    }

    #[test]
    fn scopes_follow_region_and_authority() {
        use ReviewLevel::*;
        let gd = staff(AccountKind::Reviewer, Some(Province), Some("440000"));
        assert!(in_scope(&gd, "440106"));
        assert!(!in_scope(&gd, "440305"), "Shenzhen is its own authority");
        let sz = staff(AccountKind::Admin, Some(Province), Some("440300"));
        assert_eq!(scope(&sz).unwrap(), Scope::Authority("440300".into()));
        assert!(in_scope(&sz, "440305"));
        let sz_city = staff(AccountKind::Reviewer, Some(City), Some("440300"));
        assert_eq!(scope(&sz_city).unwrap(), Scope::City("440300".into()));
        let county = staff(AccountKind::Reviewer, Some(County), Some("440106"));
        assert!(in_scope(&county, "440106") && !in_scope(&county, "440105"));
        let ministry = staff(AccountKind::Admin, Some(Ministry), None);
        assert!(in_scope(&ministry, "440305"));
        let lost = staff(AccountKind::Reviewer, Some(City), None);
        assert!(!in_scope(&lost, "440305"));
        assert_eq!(scope(&lost).unwrap_err().code(), "forbidden");
    }

    #[test]
    fn requirements() {
        use ReviewLevel::*;
        let county = staff(AccountKind::Reviewer, Some(County), Some("440106"));
        assert!(require_reviewer_in_scope(&county, "440106", County).is_ok());
        assert_eq!(
            require_reviewer_in_scope(&county, "440105", County)
                .unwrap_err()
                .code(),
            "forbidden"
        );
        assert_eq!(
            require_reviewer_in_scope(&county, "440106", City)
                .unwrap_err()
                .code(),
            "wrong_level"
        );
        let support = staff(AccountKind::Support, None, None);
        assert!(require_support(&support).is_ok());
        assert_eq!(require_support(&county).unwrap_err().code(), "forbidden");
        assert!(require_reviewer_in_scope(&support, "440106", County).is_err());
        let gd = staff(AccountKind::Admin, Some(Province), Some("440000"));
        assert!(require_province_admin(&gd, "440000").is_ok());
        assert!(require_province_admin(&gd, "440300").is_err());
        assert!(require_ministry_admin(&gd).is_err());
        let mut natural = staff(AccountKind::Natural, None, None);
        let e = require_enterprise(&natural).unwrap_err();
        assert!(e.text().zh.contains("自然人账户不能"));
        natural.kind = AccountKind::Legal;
        assert!(
            require_enterprise(&natural)
                .unwrap_err()
                .text()
                .zh
                .contains("实名认证")
        );
        natural.enterprise_id = Some("e1".into());
        assert_eq!(require_enterprise(&natural).unwrap(), "e1");
        assert_eq!(workflow_actor(&natural, "e1", Some("440106")), Actor::Owner);
        assert_eq!(
            workflow_actor(&natural, "e2", Some("440106")),
            Actor::OtherEnterprise
        );
        assert_eq!(
            workflow_actor(&county, "e1", Some("440105")),
            Actor::Reviewer {
                level: County,
                in_scope: false
            }
        );
        assert_eq!(workflow_actor(&support, "e1", None), Actor::Support);
    }
}
