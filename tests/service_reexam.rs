//! 复核: candidates with their reasons (each fact alone flipping candidacy), 满足复核条件 set and
//! cleared in bulk, applications only when flagged, through the tier's chain, and the final pass
//! extending validity by exactly 3 years — each on a fresh database with dates set by the test
//! clock (today 2025-03-03 unless moved).

mod common;

use common::life::{certify, d, firm, messages, set_day};
use common::{Env, env};
use zjtx::domain::calendar;
use zjtx::domain::text::{Lang, Localized};
use zjtx::domain::tiers::{ReviewLevel, Tier};
use zjtx::domain::workflow::State;
use zjtx::service::certifications::{CancelReason, CertStatus};
use zjtx::service::changes::{ChangeInput, ChangeKind};
use zjtx::service::reexam::Candidate;
use zjtx::service::{AccountKind, PageRequest, ServiceError, Session};

use ReviewLevel::{City, Ministry, Province};

struct World {
    env: Env,
    gd_admin: Session,
    gd_rev: Session,
    gz_rev: Session,
}

async fn world() -> World {
    let env = env().await;
    let gd_admin = env
        .staff(
            "gd_admin",
            AccountKind::Admin,
            Some(Province),
            Some("440000"),
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
    let gz_rev = env
        .staff("gz_rev", AccountKind::Reviewer, Some(City), Some("440100"))
        .await;
    World {
        env,
        gd_admin,
        gd_rev,
        gz_rev,
    }
}

fn eid(s: &Session) -> String {
    s.enterprise_id.clone().unwrap()
}

impl World {
    /// A 广州 enterprise with a certification of `tier` granted on `on`; returns (session, cert).
    async fn certified(&self, login: &str, n: u32, tier: Tier, on: &str) -> (Session, String) {
        let s = firm(&self.env, login, n, "440106").await;
        let cert = certify(&self.env, &eid(&s), tier, on).await;
        (s, cert)
    }

    /// Files and gets this year's info update accepted.
    async fn update_done(&self, s: &Session) {
        let svc = &self.env.svc;
        let item = svc.start_update(s).await.unwrap();
        let item = svc.submit_update(s, &item.id, item.version).await.unwrap();
        svc.accept_update(&self.gd_rev, &item.id, item.version)
            .await
            .unwrap();
    }

    async fn flag(&self, who: &Session, cert: &str) {
        let out = self
            .env
            .svc
            .set_review_flags(who, &[cert.to_string()], true)
            .await
            .unwrap();
        assert!(out[0].result.is_ok(), "{:?}", out[0].result);
    }

    async fn candidates(&self, who: &Session, tier: Tier, year: i32) -> Vec<Candidate> {
        self.env
            .svc
            .review_candidates(who, tier, year, &PageRequest::first(50))
            .await
            .unwrap()
            .items
    }
}

/// Which of the four facts hold, in order (expiry, update, change, cancellation).
fn facts_met(c: &Candidate) -> Vec<bool> {
    c.candidacy
        .reasons
        .iter()
        .map(|r| r.zh.starts_with("【满足】"))
        .collect()
}

#[tokio::test]
async fn candidates_come_with_reasons_and_each_fact_alone_flips_candidacy() {
    let wd = world().await;
    let svc = &wd.env.svc;
    // Every one certified 2022-06-01, so valid until 2025-05-31.
    let (good, good_cert) = wd
        .certified("good", 1, Tier::Innovative, "2022-06-01")
        .await;
    wd.update_done(&good).await;
    let (_no_update, no_update_cert) = wd
        .certified("no_update", 2, Tier::Innovative, "2022-06-01")
        .await;
    let (late, late_cert) = wd
        .certified("late", 3, Tier::Innovative, "2022-06-01")
        .await;
    wd.update_done(&late).await;
    let c = svc
        .create_change(&late, &change(ChangeKind::Rename, "2024-11-01"))
        .await
        .unwrap();
    svc.submit_change(&late, &c.item.id, 1).await.unwrap();
    let (overdue, overdue_cert) = wd
        .certified("overdue", 4, Tier::Innovative, "2022-06-01")
        .await;
    wd.update_done(&overdue).await;
    svc.create_change(&overdue, &change(ChangeKind::Merger, "2024-10-01"))
        .await
        .unwrap();
    let (cancelled, cancelled_cert) = wd
        .certified("cancelled", 5, Tier::Innovative, "2022-06-01")
        .await;
    wd.update_done(&cancelled).await;
    svc.cancel_certification(
        &wd.gd_admin,
        &cancelled_cert,
        1,
        CancelReason::UntrueReport,
        "举报属实",
    )
    .await
    .unwrap();
    let (old_change, old_change_cert) = wd
        .certified("old_change", 6, Tier::Innovative, "2022-06-01")
        .await;
    wd.update_done(&old_change).await;
    let c = svc
        .create_change(&old_change, &change(ChangeKind::Other, "2022-01-10"))
        .await
        .unwrap();
    let c = svc.submit_change(&old_change, &c.item.id, 1).await.unwrap();
    assert!(c.late, "late, but before this certification was granted");
    let (next_year, next_year_cert) = wd
        .certified("next_year", 7, Tier::Innovative, "2023-06-01")
        .await;
    wd.update_done(&next_year).await;

    let list = wd.candidates(&wd.gd_admin, Tier::Innovative, 2025).await;
    let by_cert = |id: &str| list.iter().find(|c| c.certification.id == id).unwrap();
    assert_eq!(list.len(), 6, "expiring in 2025, active or cancelled");
    assert!(list.iter().all(|c| c.candidacy.reasons.len() == 4));
    let good = by_cert(&good_cert);
    assert!(good.candidacy.candidate);
    assert!(good.candidacy.reasons[0].zh.contains("2025-05-31"));
    assert!(by_cert(&old_change_cert).candidacy.candidate);
    for (cert, unmet) in [
        (&no_update_cert, 1),
        (&late_cert, 2),
        (&overdue_cert, 2),
        (&cancelled_cert, 3),
    ] {
        let c = by_cert(cert);
        assert!(!c.candidacy.candidate, "{cert}");
        let expected: Vec<bool> = (0..4).map(|i| i != unmet).collect();
        assert_eq!(facts_met(c), expected, "{cert}");
    }
    assert_eq!(
        by_cert(&cancelled_cert).certification.status,
        CertStatus::Cancelled
    );
    assert!(
        by_cert(&no_update_cert).candidacy.reasons[1]
            .zh
            .contains("信息更新尚未完成")
    );
    assert!(list.iter().all(|c| c.certification.id != next_year_cert));

    let later = wd.candidates(&wd.gd_admin, Tier::Innovative, 2026).await;
    assert_eq!(later.len(), 1);
    assert_eq!(facts_met(&later[0]), [false, true, true, true]);
    assert!(later[0].candidacy.reasons[0].zh.contains("不在今年"));
}

fn change(kind: ChangeKind, date: &str) -> ChangeInput {
    ChangeInput {
        kind,
        change_date: d(date),
        before: "变更前".into(),
        after: "变更后".into(),
        description: "变更说明".into(),
    }
}

#[tokio::test]
async fn candidates_are_per_authority_and_little_giants_are_the_ministrys() {
    let wd = world().await;
    let env = &wd.env;
    let (_gd, gd_cert) = wd
        .certified("gd_firm", 1, Tier::Specialized, "2022-06-01")
        .await;
    let sz = firm(env, "sz_firm", 2, "440305").await;
    let sz_cert = certify(env, &eid(&sz), Tier::Specialized, "2022-07-01").await;
    let zj = firm(env, "zj_firm", 3, "330106").await;
    let zj_cert = certify(env, &eid(&zj), Tier::Specialized, "2022-08-01").await;
    let giant = certify(env, &eid(&zj), Tier::LittleGiant, "2022-09-01").await;
    let sz_admin = env
        .staff(
            "sz_admin",
            AccountKind::Admin,
            Some(Province),
            Some("440300"),
        )
        .await;
    let zj_admin = env
        .staff(
            "zj_admin",
            AccountKind::Admin,
            Some(Province),
            Some("330000"),
        )
        .await;
    let ministry = env
        .staff("mo_admin", AccountKind::Admin, Some(Ministry), None)
        .await;
    let ids = |list: Vec<Candidate>| -> Vec<String> {
        list.into_iter().map(|c| c.certification.id).collect()
    };
    assert_eq!(
        ids(wd.candidates(&wd.gd_admin, Tier::Specialized, 2025).await),
        [gd_cert]
    );
    assert_eq!(
        ids(wd.candidates(&sz_admin, Tier::Specialized, 2025).await),
        [sz_cert]
    );
    assert_eq!(
        ids(wd.candidates(&zj_admin, Tier::Specialized, 2025).await),
        [zj_cert]
    );
    assert_eq!(
        ids(wd.candidates(&ministry, Tier::LittleGiant, 2025).await),
        [giant]
    );

    let svc = &env.svc;
    let page = PageRequest::first(10);
    for (who, tier) in [
        (&wd.gd_admin, Tier::LittleGiant),
        (&zj_admin, Tier::LittleGiant),
        (&ministry, Tier::Specialized),
        (&wd.gd_rev, Tier::Specialized),
        (&zj, Tier::Specialized),
    ] {
        let err = svc
            .review_candidates(who, tier, 2025, &page)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "forbidden", "{} {tier:?}", who.login_name);
    }
    let err = svc
        .review_candidates(&wd.gd_admin, Tier::Specialized, 1999, &page)
        .await
        .unwrap_err();
    assert_eq!((err.code(), err.field()), ("invalid", Some("year")));
}

#[tokio::test]
async fn flags_are_set_and_cleared_in_bulk_each_checked_and_audited_on_its_own() {
    let wd = world().await;
    let env = &wd.env;
    let (a, a_cert) = wd
        .certified("firm_a", 1, Tier::Innovative, "2022-06-01")
        .await;
    let (_b, b_cert) = wd
        .certified("firm_b", 2, Tier::Innovative, "2022-06-01")
        .await;
    let (_c, c_cert) = wd
        .certified("firm_c", 3, Tier::Innovative, "2022-06-01")
        .await;
    let (_g, giant) = wd
        .certified("firm_g", 4, Tier::LittleGiant, "2022-06-01")
        .await;
    let zj = firm(env, "zj_firm", 5, "330106").await;
    let zj_cert = certify(env, &eid(&zj), Tier::Innovative, "2022-06-01").await;
    env.svc
        .cancel_certification(
            &wd.gd_admin,
            &c_cert,
            1,
            CancelReason::ReviewFailed,
            "未参加复核",
        )
        .await
        .unwrap();
    let asked: Vec<String> = [
        &a_cert,
        &b_cert,
        &zj_cert,
        "no-such-id",
        &c_cert,
        &giant,
        &a_cert,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = env
        .svc
        .set_review_flags(&wd.gd_admin, &asked, true)
        .await
        .unwrap();
    let got: Vec<(&str, Result<bool, &str>, bool)> = out
        .iter()
        .map(|o| {
            (
                o.cert_id.as_str(),
                o.result
                    .as_ref()
                    .map(|c| c.review_flag)
                    .map_err(|e| e.code()),
                o.changed,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (a_cert.as_str(), Ok(true), true),
            (b_cert.as_str(), Ok(true), true),
            (zj_cert.as_str(), Err("forbidden"), false),
            ("no-such-id", Err("not_found"), false),
            (c_cert.as_str(), Err("certification_not_active"), false),
            (giant.as_str(), Err("forbidden"), false),
        ]
    );
    assert_eq!(
        env.audit_actions("certification", &a_cert).await,
        ["certification.review_flag_set"]
    );
    assert!(
        env.audit_actions("certification", &zj_cert)
            .await
            .is_empty()
    );
    let msgs = messages(env, &eid(&a)).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].0, "expiry");
    assert!(msgs[0].1.contains("申请复核"));

    // Setting again changes nothing; clearing clears.
    let again = env
        .svc
        .set_review_flags(&wd.gd_admin, std::slice::from_ref(&a_cert), true)
        .await
        .unwrap();
    assert!(!again[0].changed && again[0].result.as_ref().unwrap().review_flag);
    assert_eq!(env.audit_actions("certification", &a_cert).await.len(), 1);
    let cleared = env
        .svc
        .set_review_flags(&wd.gd_admin, &[a_cert.clone(), b_cert.clone()], false)
        .await
        .unwrap();
    assert!(
        cleared
            .iter()
            .all(|o| o.changed && !o.result.as_ref().unwrap().review_flag)
    );
    assert_eq!(
        env.audit_actions("certification", &b_cert).await,
        [
            "certification.review_flag_set",
            "certification.review_flag_cleared"
        ]
    );
    let c = env.svc.certification(&a, &a_cert).await.unwrap();
    assert!(!c.review_flag && c.flagged_at.is_none());

    // Whole-call refusals.
    let err = env
        .svc
        .set_review_flags(&wd.gd_admin, &[], true)
        .await
        .unwrap_err();
    assert_eq!((err.code(), err.field()), ("invalid", Some("cert_ids")));
    for who in [&a, &wd.gd_rev] {
        let err = env
            .svc
            .set_review_flags(who, std::slice::from_ref(&b_cert), true)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "forbidden");
    }
    let ministry = env
        .staff("mo_admin", AccountKind::Admin, Some(Ministry), None)
        .await;
    let out = env
        .svc
        .set_review_flags(&ministry, &[giant.clone(), b_cert.clone()], true)
        .await
        .unwrap();
    assert!(out[0].result.as_ref().unwrap().review_flag);
    assert_eq!(out[1].result.as_ref().unwrap_err().code(), "forbidden");
}

#[tokio::test]
async fn an_enterprise_applies_only_when_flagged() {
    let wd = world().await;
    let env = &wd.env;
    let (s, cert) = wd
        .certified("firm", 1, Tier::Innovative, "2022-06-01")
        .await;
    let st = env.svc.reexam_status(&s).await.unwrap();
    assert_eq!(st.len(), 1);
    assert!(!st[0].flagged && !st[0].can_apply);
    assert!(
        st[0].why_not[0].zh.contains("满足复核条件"),
        "{:?}",
        st[0].why_not
    );
    assert!(
        st[0]
            .why_not
            .iter()
            .any(|t| t.zh.contains("信息更新尚未完成")),
        "the unmet facts are shown: {:?}",
        st[0].why_not
    );
    let err = env
        .svc
        .apply_reexam(&s, Tier::Innovative)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_flagged");
    assert!(err.message(Lang::Zh).contains("省级主管部门"));
    assert_eq!(env.scalar("SELECT COUNT(*) FROM items").await, 0);
    let err = env
        .svc
        .apply_reexam(&s, Tier::Specialized)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "no_active_certification");

    wd.flag(&wd.gd_admin, &cert).await;
    let st = env.svc.reexam_status(&s).await.unwrap();
    assert!(st[0].flagged && st[0].can_apply && st[0].why_not.is_empty());
    let app = env.svc.apply_reexam(&s, Tier::Innovative).await.unwrap();
    assert_eq!(app.state, State::Submitted(City), "创新型: city → province");
    assert_eq!(app.chain.as_ref().unwrap().levels(), [City, Province]);
    assert_eq!(app.certification_id.as_deref(), Some(cert.as_str()));
    let err = env
        .svc
        .apply_reexam(&s, Tier::Innovative)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reexam_in_progress");
    let st = env.svc.reexam_status(&s).await.unwrap();
    assert!(!st[0].can_apply);
    assert_eq!(
        st[0].application.as_ref().map(|a| a.id.as_str()),
        Some(app.id.as_str())
    );

    for who in [env.support().await, wd.gd_admin.clone()] {
        let err = env
            .svc
            .apply_reexam(&who, Tier::Innovative)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "forbidden");
    }
}

#[tokio::test]
async fn a_withdrawn_application_is_resubmitted_by_applying_again() {
    let wd = world().await;
    let env = &wd.env;
    let (s, cert) = wd
        .certified("firm", 1, Tier::Innovative, "2022-06-01")
        .await;
    wd.flag(&wd.gd_admin, &cert).await;
    let app = env.svc.apply_reexam(&s, Tier::Innovative).await.unwrap();
    let other = env.enterprise("other", 2).await;
    assert_eq!(
        env.svc
            .withdraw_reexam(&other, &app.id, app.version)
            .await
            .unwrap_err()
            .code(),
        "not_owner"
    );
    let back = env
        .svc
        .withdraw_reexam(&s, &app.id, app.version)
        .await
        .unwrap();
    assert_eq!(back.state, State::Withdrawn);
    assert!(env.svc.reexam_status(&s).await.unwrap()[0].can_apply);
    let again = env.svc.apply_reexam(&s, Tier::Innovative).await.unwrap();
    assert_eq!(again.id, app.id, "the same application");
    assert_eq!(again.state, State::Submitted(City));
    assert_eq!(env.scalar("SELECT COUNT(*) FROM items").await, 1);
}

#[tokio::test]
async fn passing_extends_validity_by_exactly_three_years() {
    let wd = world().await;
    let env = &wd.env;
    let (s, cert) = wd
        .certified("firm", 1, Tier::Innovative, "2022-06-01")
        .await;
    wd.flag(&wd.gd_admin, &cert).await;
    let app = env.svc.apply_reexam(&s, Tier::Innovative).await.unwrap();

    let zj_city = env
        .staff("hz_rev", AccountKind::Reviewer, Some(City), Some("330100"))
        .await;
    for (who, code) in [
        (&s, "forbidden"),
        (&wd.gd_rev, "wrong_level"),
        (&zj_city, "out_of_scope"),
    ] {
        let err = env
            .svc
            .pass_reexam(who, &app.id, app.version)
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{}", who.login_name);
    }
    let app = env
        .svc
        .pass_reexam(&wd.gz_rev, &app.id, app.version)
        .await
        .unwrap();
    assert_eq!(app.state, State::Submitted(Province));
    let c = env.svc.certification(&s, &cert).await.unwrap();
    assert_eq!(
        c.expires_on,
        d("2025-05-31"),
        "unchanged until the final pass"
    );
    let app = env
        .svc
        .pass_reexam(&wd.gd_admin, &app.id, app.version)
        .await
        .unwrap();
    assert_eq!(app.state, State::Approved);

    let c = env.svc.certification(&s, &cert).await.unwrap();
    assert_eq!(c.expires_on, d("2028-05-31"));
    assert_eq!(c.expires_on, calendar::extend_after_review(d("2025-05-31")));
    assert_eq!((c.status, c.review_flag), (CertStatus::Active, false));
    assert_eq!(c.certified_on, d("2022-06-01"));
    assert_eq!(c.item_id.as_deref(), Some(app.id.as_str()));
    assert_eq!(
        env.audit_actions("certification", &cert).await,
        ["certification.review_flag_set", "certification.extend"]
    );
    let by: String = {
        let mut conn = env.svc.read().await.unwrap();
        sqlx::query_scalar("SELECT actor_name FROM audit WHERE action = 'certification.extend'")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    assert_eq!(by, "gd_admin-name");
    let msgs = messages(env, &eid(&s)).await;
    let last = msgs.last().unwrap();
    assert_eq!(last.0, "expiry");
    assert!(last.1.contains("复核通过"));
    let st = env.svc.reexam_status(&s).await.unwrap();
    assert!(!st[0].flagged && !st[0].can_apply && st[0].application.is_none());
}

#[tokio::test]
async fn a_little_giant_review_ends_at_the_ministry() {
    let wd = world().await;
    let env = &wd.env;
    let (s, cert) = wd
        .certified("giant", 1, Tier::LittleGiant, "2022-09-01")
        .await;
    let ministry = env
        .staff("mo_admin", AccountKind::Admin, Some(Ministry), None)
        .await;
    let out = env
        .svc
        .set_review_flags(&wd.gd_admin, std::slice::from_ref(&cert), true)
        .await
        .unwrap();
    assert_eq!(out[0].result.as_ref().unwrap_err().code(), "forbidden");
    let err = env
        .svc
        .apply_reexam(&s, Tier::LittleGiant)
        .await
        .unwrap_err();
    assert!(
        err.message(Lang::Zh).contains("工业和信息化部"),
        "{}",
        err.message(Lang::Zh)
    );
    wd.flag(&ministry, &cert).await;
    let app = env.svc.apply_reexam(&s, Tier::LittleGiant).await.unwrap();
    assert_eq!(
        app.chain.as_ref().unwrap().levels(),
        [City, Province, Ministry]
    );
    let app = env
        .svc
        .pass_reexam(&wd.gz_rev, &app.id, app.version)
        .await
        .unwrap();
    let app = env
        .svc
        .pass_reexam(&wd.gd_rev, &app.id, app.version)
        .await
        .unwrap();
    assert_eq!(app.state, State::Submitted(Ministry));
    let app = env
        .svc
        .pass_reexam(&ministry, &app.id, app.version)
        .await
        .unwrap();
    assert_eq!(app.state, State::Approved);
    let c = env.svc.certification(&s, &cert).await.unwrap();
    assert_eq!(c.expires_on, d("2028-08-31"));
}

#[tokio::test]
async fn a_certification_cancelled_during_its_review_is_not_extended() {
    let wd = world().await;
    let env = &wd.env;
    let (s, cert) = wd
        .certified("firm", 1, Tier::Innovative, "2022-06-01")
        .await;
    wd.flag(&wd.gd_admin, &cert).await;
    let app = env.svc.apply_reexam(&s, Tier::Innovative).await.unwrap();
    let app = env
        .svc
        .pass_reexam(&wd.gz_rev, &app.id, app.version)
        .await
        .unwrap();
    env.svc
        .cancel_certification(&wd.gd_admin, &cert, 2, CancelReason::DataFraud, "数据造假")
        .await
        .unwrap();
    let err = env
        .svc
        .pass_reexam(&wd.gd_rev, &app.id, app.version)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "certification_cancelled");
    let mut conn = env.svc.read().await.unwrap();
    let item = zjtx::service::items::load(&mut conn, &app.id)
        .await
        .unwrap();
    assert_eq!(
        (item.state, item.version),
        (State::Submitted(Province), app.version)
    );
    drop(conn);
    let c = env.svc.certification(&s, &cert).await.unwrap();
    assert_eq!(
        (c.status, c.expires_on),
        (CertStatus::Cancelled, d("2025-05-31"))
    );
}

#[tokio::test]
async fn a_review_passed_after_the_expiry_job_reactivates_the_certification() {
    let wd = world().await;
    let env = &wd.env;
    let (s, cert) = wd
        .certified("firm", 1, Tier::Innovative, "2022-06-01")
        .await;
    wd.flag(&wd.gd_admin, &cert).await;
    let app = env.svc.apply_reexam(&s, Tier::Innovative).await.unwrap();
    let app = env
        .svc
        .pass_reexam(&wd.gz_rev, &app.id, app.version)
        .await
        .unwrap();
    set_day(env, "2025-06-01");
    assert_eq!(
        env.svc.expire_due(d("2025-06-01")).await.unwrap(),
        std::slice::from_ref(&cert)
    );
    let app = env
        .svc
        .pass_reexam(&wd.gd_rev, &app.id, app.version)
        .await
        .unwrap();
    assert_eq!(app.state, State::Approved);
    let c = env.svc.certification(&s, &cert).await.unwrap();
    assert_eq!(
        (c.status, c.expires_on),
        (CertStatus::Active, d("2028-05-31"))
    );
    match env
        .svc
        .cancel_certification(&wd.gd_admin, &cert, 1, CancelReason::DataFraud, "x")
        .await
        .unwrap_err()
    {
        ServiceError::Conflict {
            current_version, ..
        } => assert!(current_version > 1),
        other => panic!("{other:?}"),
    }
}

/// A 复核 application runs through the ordinary review queue: the reviewers' generic `pass`
/// reaches the same final-pass effect (validity extended by three years).
#[tokio::test]
async fn the_generic_review_pass_extends_validity() {
    let wd = world().await;
    let env = &wd.env;
    let (s, cert) = wd
        .certified("firm", 1, Tier::Innovative, "2022-06-01")
        .await;
    wd.flag(&wd.gd_admin, &cert).await;
    let app = env.svc.apply_reexam(&s, Tier::Innovative).await.unwrap();
    let done = env
        .svc
        .pass(&wd.gz_rev, &app.id, app.version, None)
        .await
        .unwrap();
    let done = env
        .svc
        .pass(&wd.gd_admin, &done.item.id, done.item.version, None)
        .await
        .unwrap();
    assert_eq!(done.item.state, State::Approved);
    let c = env.svc.certification(&s, &cert).await.unwrap();
    assert_eq!(c.expires_on, d("2028-05-31"));
}

#[tokio::test]
async fn the_enterprise_sees_its_own_applications_with_the_last_reason_and_the_history() {
    let wd = world().await;
    let env = &wd.env;
    let (s, cert) = wd
        .certified("firm", 1, Tier::Innovative, "2022-06-01")
        .await;
    wd.flag(&wd.gd_admin, &cert).await;
    let app = env.svc.apply_reexam(&s, Tier::Innovative).await.unwrap();
    env.svc
        .return_item(
            &wd.gz_rev,
            &app.id,
            app.version,
            "请补充近两年财务审计报告".into(),
        )
        .await
        .unwrap();
    let again = env.svc.apply_reexam(&s, Tier::Innovative).await.unwrap();
    assert_eq!(again.id, app.id);

    let page = env
        .svc
        .reexam_history(&s, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let a = &page.items[0];
    assert_eq!(a.id, app.id);
    assert_eq!(a.tier, Tier::Innovative);
    assert_eq!(a.year, 2025);
    assert_eq!(a.state, State::Submitted(City));
    assert_eq!(a.level, Some(City), "the current level");
    assert_eq!(
        a.expires_on,
        Some(d("2025-05-31")),
        "the period applied for"
    );
    assert!(a.submitted_at.is_some() && a.decided_at.is_none());
    let last = a.last_reason.as_ref().expect("the return's reason");
    assert_eq!(
        (last.action.as_str(), last.reason.as_deref()),
        ("return", Some("请补充近两年财务审计报告"))
    );

    // the detail: who did what, when and why
    let detail = env.svc.reexam_detail(&s, &app.id).await.unwrap();
    let steps: Vec<&str> = detail
        .detail
        .history
        .iter()
        .map(|h| h.action.as_str())
        .collect();
    assert_eq!(steps, ["submit", "return", "submit"]);
    assert_eq!(detail.expires_on, Some(d("2025-05-31")));

    // another enterprise: an empty list, and the detail is refused
    let other = firm(env, "other", 2, "440106").await;
    assert!(
        env.svc
            .reexam_history(&other, &PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let err = env.svc.reexam_detail(&other, &app.id).await.unwrap_err();
    assert_eq!(err.code(), "forbidden");
    // staff have no such list
    let err = env
        .svc
        .reexam_history(&wd.gd_admin, &PageRequest::first(10))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "forbidden");
}

/// A fresh world's 创新型 application (city → province) brought into `state`; returns the
/// world, the enterprise and the application.
async fn application_in(state: &str) -> (World, Session, String) {
    let wd = world().await;
    let svc = &wd.env.svc;
    let (s, cert) = wd
        .certified("firm", 1, Tier::Innovative, "2022-06-01")
        .await;
    wd.flag(&wd.gd_admin, &cert).await;
    let app = svc.apply_reexam(&s, Tier::Innovative).await.unwrap();
    let (id, v) = (app.id.clone(), app.version);
    match state {
        "submitted" => {}
        "in_review" => {
            svc.claim(&wd.gz_rev, &id, v).await.unwrap();
        }
        "returned" | "returned_unflagged" => {
            svc.return_item(&wd.gz_rev, &id, v, "请补充审计报告".into())
                .await
                .unwrap();
            if state == "returned_unflagged" {
                let out = svc
                    .set_review_flags(&wd.gd_admin, std::slice::from_ref(&cert), false)
                    .await
                    .unwrap();
                assert!(out[0].changed);
            }
        }
        "withdrawn" => {
            svc.withdraw_reexam(&s, &id, v).await.unwrap();
        }
        "approved" => {
            let passed = svc.pass(&wd.gz_rev, &id, v, None).await.unwrap();
            svc.pass(&wd.gd_rev, &id, passed.item.version, None)
                .await
                .unwrap();
        }
        "rejected" => {
            svc.reject(&wd.gz_rev, &id, v, "研发投入不达标".into())
                .await
                .unwrap();
        }
        other => panic!("unknown state {other}"),
    }
    (wd, s, id)
}

/// Performs `op` (`submit`: apply again; `withdraw`) as the enterprise.
async fn perform_reexam(wd: &World, s: &Session, id: &str, op: &str) -> Result<(), ServiceError> {
    let svc = &wd.env.svc;
    let v = svc.reexam_detail(s, id).await.unwrap().detail.item.version;
    match op {
        "submit" => svc.apply_reexam(s, Tier::Innovative).await.map(drop),
        "withdraw" => svc.withdraw_reexam(s, id, v).await.map(drop),
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn the_detail_offers_exactly_the_actions_the_service_then_accepts() {
    let table: &[(&str, &[&str])] = &[
        ("submitted", &["withdraw"]),
        ("in_review", &[]),
        ("returned", &["resubmit"]),
        ("returned_unflagged", &[]),
        ("withdrawn", &["resubmit"]),
        ("approved", &[]),
        ("rejected", &[]),
    ];
    for (state, expected) in table {
        let (wd, s, id) = application_in(state).await;
        let detail = wd.env.svc.reexam_detail(&s, &id).await.unwrap();
        let shown: Vec<&str> = detail.actions.iter().map(|a| a.action.code()).collect();
        assert_eq!(&shown, expected, "{state}");
        assert!(
            detail.actions.iter().all(|a| a.confirm.is_none()),
            "no window"
        );
        let offered: Vec<&str> = shown
            .iter()
            .map(|c| if *c == "resubmit" { "submit" } else { c })
            .collect();
        for op in ["submit", "withdraw"] {
            if offered.contains(&op) {
                let (wd, s, id) = application_in(state).await;
                perform_reexam(&wd, &s, &id, op)
                    .await
                    .unwrap_or_else(|e| panic!("{state}: {op} offered but refused: {e:?}"));
                if op == "submit" {
                    let again = wd.env.svc.reexam_detail(&s, &id).await.unwrap();
                    assert_eq!(again.detail.item.state, State::Submitted(City), "{state}");
                }
            } else {
                let before = wd.env.svc.reexam_detail(&s, &id).await.unwrap().detail.item;
                let items = wd.env.scalar("SELECT COUNT(*) FROM items").await;
                assert!(
                    perform_reexam(&wd, &s, &id, op).await.is_err(),
                    "{state}: {op} not offered but accepted"
                );
                let after = wd.env.svc.reexam_detail(&s, &id).await.unwrap().detail.item;
                assert_eq!(
                    (after.state, after.version),
                    (before.state, before.version),
                    "{state}: {op}"
                );
                assert_eq!(
                    wd.env.scalar("SELECT COUNT(*) FROM items").await,
                    items,
                    "{state}: {op} created nothing"
                );
            }
        }
        // staff reading it are offered nothing
        let theirs = wd.env.svc.reexam_detail(&wd.gz_rev, &id).await.unwrap();
        assert!(theirs.actions.is_empty(), "{state}");
    }
}
