//! Certifications: the list per enterprise, the expiry job, cancellation and its bar — each rule
//! on a fresh database with dates set by the test clock.

mod common;

use common::life::{certify, d, firm, messages, set_day};
use common::{Env, env};
use zjtx::domain::text::{Lang, Localized};
use zjtx::domain::tiers::{ReviewLevel, Tier};
use zjtx::service::certifications::{CancelReason, CertStatus};
use zjtx::service::{AccountKind, ServiceError, Session, facts};

use ReviewLevel::{City, County, Ministry, Province};

/// A 广州 enterprise and the staff around it.
struct World {
    env: Env,
    firm: Session,
    gd_admin: Session,
}

async fn world() -> World {
    let env = env().await;
    let firm = firm(&env, "firm_gz", 1, "440106").await;
    let gd_admin = env
        .staff(
            "gd_admin",
            AccountKind::Admin,
            Some(Province),
            Some("440000"),
        )
        .await;
    World {
        env,
        firm,
        gd_admin,
    }
}

fn eid(s: &Session) -> String {
    s.enterprise_id.clone().unwrap()
}

#[tokio::test]
async fn the_list_shows_status_validity_and_days_left() {
    let wd = world().await;
    let e = eid(&wd.firm);
    let srdi = certify(&wd.env, &e, Tier::Specialized, "2022-06-01").await;
    let old = certify(&wd.env, &e, Tier::Innovative, "2021-01-10").await;
    let certs = wd.env.svc.certifications(&wd.firm, &e).await.unwrap();
    assert_eq!(certs.len(), 2);
    assert_eq!(certs[0].id, old, "tiers in order: 创新型 first");
    assert_eq!(certs[0].status, CertStatus::Expired, "past its last day");
    let c = &certs[1];
    assert_eq!(c.id, srdi);
    assert_eq!((c.tier, c.status), (Tier::Specialized, CertStatus::Active));
    assert_eq!(
        (c.certified_on, c.expires_on),
        (d("2022-06-01"), d("2025-05-31"))
    );
    assert_eq!(c.days_until_expiry, 89, "2025-03-03 → 2025-05-31");
    assert!(!c.review_flag);
    assert_eq!(c.enterprise_name, "深圳市测试1科技有限公司");
}

#[tokio::test]
async fn who_may_see_an_enterprises_certifications() {
    let wd = world().await;
    let env = &wd.env;
    let e = eid(&wd.firm);
    certify(env, &e, Tier::Innovative, "2024-01-10").await;
    let staff = |login: &'static str, kind, level, region: Option<&'static str>| async move {
        env.staff(login, kind, level, region).await
    };
    let allowed = [
        wd.firm.clone(),
        wd.gd_admin.clone(),
        staff(
            "gd_rev",
            AccountKind::Reviewer,
            Some(Province),
            Some("440000"),
        )
        .await,
        staff("gz_rev", AccountKind::Reviewer, Some(City), Some("440100")).await,
        staff(
            "th_rev",
            AccountKind::Reviewer,
            Some(County),
            Some("440106"),
        )
        .await,
        staff("mo_admin", AccountKind::Admin, Some(Ministry), None).await,
    ];
    for s in &allowed {
        let certs = env.svc.certifications(s, &e).await;
        assert_eq!(certs.map(|c| c.len()).ok(), Some(1), "{}", s.login_name);
    }
    env.register("person", AccountKind::Natural, 50).await;
    let refused = [
        env.enterprise("other_firm", 2).await,
        env.login("person").await,
        env.support().await,
        staff(
            "yx_rev",
            AccountKind::Reviewer,
            Some(County),
            Some("440104"),
        )
        .await,
        staff(
            "zj_admin",
            AccountKind::Admin,
            Some(Province),
            Some("330000"),
        )
        .await,
        staff(
            "sz_admin",
            AccountKind::Admin,
            Some(Province),
            Some("440300"),
        )
        .await,
    ];
    for s in &refused {
        let err = env.svc.certifications(s, &e).await.unwrap_err();
        assert_eq!(err.code(), "forbidden", "{}", s.login_name);
    }
}

#[tokio::test]
async fn the_expiry_job_expires_the_day_after_the_last_valid_day_once() {
    let wd = world().await;
    let env = &wd.env;
    let e = eid(&wd.firm);
    let cert = certify(env, &e, Tier::Specialized, "2022-06-01").await;
    set_day(env, "2025-05-31");
    assert!(
        env.svc
            .expire_due(d("2025-05-31"))
            .await
            .unwrap()
            .is_empty()
    );
    let c = env.svc.certification(&wd.firm, &cert).await.unwrap();
    assert_eq!((c.status, c.days_until_expiry), (CertStatus::Active, 0));

    set_day(env, "2025-06-01");
    assert_eq!(
        env.svc.expire_due(d("2025-06-01")).await.unwrap(),
        std::slice::from_ref(&cert)
    );
    assert!(
        env.svc
            .expire_due(d("2025-06-01"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        env.svc
            .expire_due(d("2025-06-02"))
            .await
            .unwrap()
            .is_empty()
    );
    let c = env.svc.certification(&wd.firm, &cert).await.unwrap();
    assert_eq!((c.status, c.version), (CertStatus::Expired, 2));
    assert_eq!(
        env.audit_actions("certification", &cert).await,
        ["certification.expire"]
    );
    let actor = env
        .scalar("SELECT COUNT(*) FROM audit WHERE action = 'certification.expire' AND actor_name = 'system' AND actor_id IS NULL")
        .await;
    assert_eq!(actor, 1, "audited as the system");
    let msgs = messages(env, &e).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].0, "expiry");
    assert!(msgs[0].1.contains("已到期"), "{}", msgs[0].1);
    let mut conn = env.svc.read().await.unwrap();
    assert!(
        facts::active_certification(&mut conn, &e, Tier::Specialized, d("2025-06-01"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_three_serious_reasons_bar_a_new_declaration_for_three_years() {
    for reason in [
        CancelReason::MajorIncident,
        CancelReason::SeriousDishonesty,
        CancelReason::DataFraud,
    ] {
        let wd = world().await;
        let env = &wd.env;
        let e = eid(&wd.firm);
        let cert = certify(env, &e, Tier::Specialized, "2024-01-10").await;
        let c = env
            .svc
            .cancel_certification(&wd.gd_admin, &cert, 1, reason, "环保部门通报的重大污染事故")
            .await
            .unwrap();
        assert_eq!(c.status, CertStatus::Cancelled);
        assert_eq!(c.cancel_kind, Some(reason));
        assert_eq!(c.cancelled_on, Some(d("2025-03-03")));
        assert_eq!(c.barred_until, Some(d("2028-03-03")), "{reason:?}");
        assert!(!c.review_flag);
        let bar = |day: &'static str| {
            let e = e.clone();
            async move {
                let mut conn = env.svc.read().await.unwrap();
                facts::barred_until(&mut conn, &e, d(day)).await.unwrap()
            }
        };
        assert_eq!(bar("2025-03-03").await, Some(d("2028-03-03")));
        assert_eq!(bar("2028-03-02").await, Some(d("2028-03-03")));
        assert_eq!(bar("2028-03-03").await, None, "the bar ends after 3 years");
        let msgs = messages(env, &e).await;
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].0, "cancellation");
        let mut conn = env.svc.read().await.unwrap();
        let body: String = sqlx::query_scalar("SELECT body FROM messages")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert!(
            body.contains("2028-03-03") && body.contains("重大污染事故"),
            "{body}"
        );
        assert_eq!(
            env.audit_actions("certification", &cert).await,
            ["certification.cancel"]
        );
    }
}

#[tokio::test]
async fn the_other_reasons_cancel_without_a_bar() {
    for reason in [
        CancelReason::UntrueReport,
        CancelReason::NoLongerQualifies,
        CancelReason::ReviewFailed,
    ] {
        let wd = world().await;
        let e = eid(&wd.firm);
        let cert = certify(&wd.env, &e, Tier::Innovative, "2024-01-10").await;
        let c = wd
            .env
            .svc
            .cancel_certification(&wd.gd_admin, &cert, 1, reason, "经核实")
            .await
            .unwrap();
        assert_eq!((c.status, c.barred_until), (CertStatus::Cancelled, None));
        let mut conn = wd.env.svc.read().await.unwrap();
        assert_eq!(
            facts::barred_until(&mut conn, &e, d("2025-03-03"))
                .await
                .unwrap(),
            None,
            "{reason:?}"
        );
        assert!(
            !facts::is_certified(&mut conn, &e, d("2025-03-03"))
                .await
                .unwrap()
        );
    }
}

#[tokio::test]
async fn a_cancellation_needs_a_note_and_leaves_nothing_without_one() {
    let wd = world().await;
    let e = eid(&wd.firm);
    let cert = certify(&wd.env, &e, Tier::Innovative, "2024-01-10").await;
    let err = wd
        .env
        .svc
        .cancel_certification(&wd.gd_admin, &cert, 1, CancelReason::DataFraud, "   ")
        .await
        .unwrap_err();
    assert_eq!((err.code(), err.field()), ("invalid", Some("note")));
    assert!(err.message(Lang::Zh).contains("取消认定的具体说明"));
    let c = wd.env.svc.certification(&wd.firm, &cert).await.unwrap();
    assert_eq!((c.status, c.version), (CertStatus::Active, 1));
    assert!(
        wd.env
            .audit_actions("certification", &cert)
            .await
            .is_empty()
    );
    assert!(messages(&wd.env, &e).await.is_empty());
}

#[tokio::test]
async fn who_may_cancel() {
    let wd = world().await;
    let env = &wd.env;
    let e = eid(&wd.firm);
    let srdi = certify(env, &e, Tier::Specialized, "2024-01-10").await;
    let giant = certify(env, &e, Tier::LittleGiant, "2024-06-10").await;
    let zj_admin = env
        .staff(
            "zj_admin",
            AccountKind::Admin,
            Some(Province),
            Some("330000"),
        )
        .await;
    let gd_rev = env
        .staff(
            "gd_rev",
            AccountKind::Reviewer,
            Some(Province),
            Some("440000"),
        )
        .await;
    let ministry = env
        .staff("mo_admin", AccountKind::Admin, Some(Ministry), None)
        .await;
    let cancel = |s: &Session, cert: &str| {
        let (s, cert) = (s.clone(), cert.to_string());
        async move {
            env.svc
                .cancel_certification(&s, &cert, 1, CancelReason::UntrueReport, "举报属实")
                .await
        }
    };
    for (who, cert) in [
        (&zj_admin, &srdi),
        (&gd_rev, &srdi),
        (&wd.firm, &srdi),
        (&ministry, &srdi),
        (&wd.gd_admin, &giant),
        (&zj_admin, &giant),
    ] {
        let err = cancel(who, cert).await.unwrap_err();
        assert_eq!(err.code(), "forbidden", "{} on {cert}", who.login_name);
    }
    let err = cancel(&zj_admin, &srdi).await.unwrap_err();
    assert!(
        err.message(Lang::Zh).contains("广东省"),
        "{}",
        err.message(Lang::Zh)
    );
    let err = cancel(&wd.gd_admin, &giant).await.unwrap_err();
    assert!(err.message(Lang::Zh).contains("部级管理员"));
    assert_eq!(
        env.scalar("SELECT COUNT(*) FROM audit WHERE target_kind = 'certification'")
            .await,
        0
    );

    assert_eq!(
        cancel(&wd.gd_admin, &srdi).await.unwrap().status,
        CertStatus::Cancelled
    );
    assert_eq!(
        cancel(&ministry, &giant).await.unwrap().status,
        CertStatus::Cancelled
    );
}

#[tokio::test]
async fn a_stale_version_names_who_acted_and_a_cancelled_certification_stays_so() {
    let wd = world().await;
    let env = &wd.env;
    let e = eid(&wd.firm);
    let cert = certify(env, &e, Tier::Innovative, "2024-01-10").await;
    env.svc
        .cancel_certification(
            &wd.gd_admin,
            &cert,
            1,
            CancelReason::UntrueReport,
            "举报属实",
        )
        .await
        .unwrap();
    let second = env
        .staff(
            "gd_admin2",
            AccountKind::Admin,
            Some(Province),
            Some("440000"),
        )
        .await;
    let err = env
        .svc
        .cancel_certification(&second, &cert, 1, CancelReason::DataFraud, "数据造假")
        .await
        .unwrap_err();
    match &err {
        ServiceError::Conflict {
            current_version,
            by,
            ..
        } => {
            assert_eq!(*current_version, 2);
            assert_eq!(by.as_deref(), Some("gd_admin-name"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.message(Lang::Zh).contains("gd_admin-name"));
    let err = env
        .svc
        .cancel_certification(&second, &cert, 2, CancelReason::DataFraud, "数据造假")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "certification_not_active");
    let c = env.svc.certification(&wd.firm, &cert).await.unwrap();
    assert_eq!(
        (c.cancel_kind, c.barred_until),
        (Some(CancelReason::UntrueReport), None)
    );
}
