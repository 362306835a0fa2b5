//! The annual info update (信息更新): who must file one, the period under ruleset 2022, the
//! workflow (save, submit, withdraw until reviewed, accept applies the data, return) and who may
//! do what — each on a fresh database with dates set by the test clock.

mod common;

use common::life::{certify, d, firm, messages, set_day, set_time};
use common::{Env, env};
use sqlx::Row;
use zjtx::domain::text::{Lang, Localized};
use zjtx::domain::tiers::{ReviewLevel, Tier};
use zjtx::domain::workflow::{Action, State};
use zjtx::service::items::{self, ItemFacts};
use zjtx::service::updates::InfoChanges;
use zjtx::service::{AccountKind, ServiceError, Session};

use ReviewLevel::{City, Province};

struct World {
    env: Env,
    firm: Session,
    gd_rev: Session,
}

/// A 广州天河 enterprise certified 专精特新 on 2023-09-15, and a 广东 province reviewer.
async fn world() -> World {
    let env = env().await;
    let firm = firm(&env, "firm_gz", 1, "440106").await;
    certify(&env, &eid(&firm), Tier::Specialized, "2023-09-15").await;
    let gd_rev = env
        .staff(
            "gd_rev",
            AccountKind::Reviewer,
            Some(Province),
            Some("440000"),
        )
        .await;
    World { env, firm, gd_rev }
}

fn eid(s: &Session) -> String {
    s.enterprise_id.clone().unwrap()
}

fn changes() -> InfoChanges {
    InfoChanges {
        county_code: Some("440104".into()),
        employees: Some(120),
        revenue: Some(8800.5),
        contact_phone: Some("139-1234-5678".into()),
        main_products: Some("MEMS 压力传感器".into()),
        ..InfoChanges::default()
    }
}

#[tokio::test]
async fn a_certified_enterprise_must_update_within_the_period() {
    let wd = world().await;
    let st = wd.env.svc.update_status(&wd.firm).await.unwrap();
    assert_eq!(st.year, 2025);
    assert!(st.required, "{}", st.why.zh);
    assert!(st.why.zh.contains("2025-01-01") && st.why.zh.contains("2025-04-30"));
    assert!(st.why.zh.contains("复核资格"));
    assert_eq!(
        (st.period.start, st.period.end),
        (d("2025-01-01"), d("2025-04-30"))
    );
    assert!(st.in_period && st.can_start && !st.done && st.current.is_none());
    assert_eq!(st.days_left, Some(58));
}

#[tokio::test]
async fn no_update_in_the_year_of_certification_or_without_one() {
    let env = env().await;
    let new = firm(&env, "new_firm", 1, "440106").await;
    certify(&env, &eid(&new), Tier::Innovative, "2025-01-10").await;
    let st = env.svc.update_status(&new).await.unwrap();
    assert!(!st.required && !st.can_start);
    assert!(st.why.zh.contains("认定当年"), "{}", st.why.zh);
    let err = env.svc.start_update(&new).await.unwrap_err();
    assert_eq!(err.code(), "update_not_required");

    let none = firm(&env, "plain_firm", 2, "440106").await;
    let st = env.svc.update_status(&none).await.unwrap();
    assert!(!st.required);
    assert!(st.why.zh.contains("没有有效的认定"));
    assert_eq!(
        env.svc.start_update(&none).await.unwrap_err().code(),
        "update_not_required"
    );
    assert_eq!(env.scalar("SELECT COUNT(*) FROM items").await, 0);
}

#[tokio::test]
async fn no_update_in_the_year_the_certification_passed_its_review() {
    let env = env().await;
    let f = firm(&env, "firm_gz", 1, "440106").await;
    let cert = certify(&env, &eid(&f), Tier::Innovative, "2022-06-01").await;
    assert!(env.svc.update_status(&f).await.unwrap().required);
    let admin = env
        .staff(
            "gd_admin",
            AccountKind::Admin,
            Some(Province),
            Some("440000"),
        )
        .await;
    let city = env
        .staff("gz_rev", AccountKind::Reviewer, Some(City), Some("440100"))
        .await;
    env.svc
        .set_review_flags(&admin, std::slice::from_ref(&cert), true)
        .await
        .unwrap();
    let app = env.svc.apply_reexam(&f, Tier::Innovative).await.unwrap();
    let app = env
        .svc
        .pass_reexam(&city, &app.id, app.version)
        .await
        .unwrap();
    let app = env
        .svc
        .pass_reexam(&admin, &app.id, app.version)
        .await
        .unwrap();
    assert_eq!(app.state, State::Approved);
    let st = env.svc.update_status(&f).await.unwrap();
    assert!(!st.required);
    assert!(st.why.zh.contains("通过复核"), "{}", st.why.zh);
    // Next year it is due again.
    set_day(&env, "2026-02-02");
    let st = env.svc.update_status(&f).await.unwrap();
    assert!(st.required);
    assert_eq!(
        st.period.end,
        d("2026-05-31"),
        "the 2026 rule: until 31 May"
    );
}

#[tokio::test]
async fn the_2022_period_ends_with_the_30th_of_april_in_beijing() {
    let wd = world().await;
    let env = &wd.env;
    set_time(env, "2025-04-30", "23:59");
    let st = env.svc.update_status(&wd.firm).await.unwrap();
    assert!(st.in_period && st.can_start);
    assert_eq!(st.days_left, Some(0));
    let item = env.svc.start_update(&wd.firm).await.unwrap();
    assert_eq!((item.state, item.batch), (State::Draft, 2025));
    assert_eq!(item.ruleset, "2022");

    set_time(env, "2025-05-01", "00:00");
    let st = env.svc.update_status(&wd.firm).await.unwrap();
    assert!(!st.in_period && !st.can_start && st.days_left.is_none());
    let err = env
        .svc
        .submit_update(&wd.firm, &item.id, item.version)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "update_period_closed");
    let msg = err.message(Lang::Zh);
    assert!(
        msg.contains("2025-04-30") && msg.contains("2026-01-01"),
        "{msg}"
    );
    assert_eq!(
        env.svc.load_state(&item.id).await,
        (State::Draft, 1),
        "nothing changed"
    );
}

#[tokio::test]
async fn one_update_a_year() {
    let wd = world().await;
    let first = wd.env.svc.start_update(&wd.firm).await.unwrap();
    let err = wd.env.svc.start_update(&wd.firm).await.unwrap_err();
    assert_eq!(err.code(), "update_exists");
    let st = wd.env.svc.update_status(&wd.firm).await.unwrap();
    assert_eq!(st.current.map(|i| i.id), Some(first.id));
    assert!(!st.can_start);
}

#[tokio::test]
async fn save_reports_every_bad_field_and_keeps_the_draft() {
    let wd = world().await;
    let item = wd.env.svc.start_update(&wd.firm).await.unwrap();
    let bad = InfoChanges {
        county_code: Some("330106".into()),
        industry_code: Some("C39".into()),
        employees: Some(-3),
        contact_email: Some("not-an-email".into()),
        ..InfoChanges::default()
    };
    let err = wd
        .env
        .svc
        .save_update(&wd.firm, &item.id, 1, &bad)
        .await
        .unwrap_err();
    let ServiceError::Invalid { fields } = &err else {
        panic!("{err:?}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        names,
        ["county_code", "industry_code", "employees", "contact_email"]
    );
    assert!(
        fields[0].text.zh.contains("跨省迁移"),
        "{}",
        fields[0].text.zh
    );
    assert_eq!(wd.env.svc.load_state(&item.id).await, (State::Draft, 1));

    let saved = wd
        .env
        .svc
        .save_update(&wd.firm, &item.id, 1, &changes())
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(saved.payload["contact_phone"], "13912345678", "normalised");
    assert_eq!(saved.payload["county_code"], "440104");
    assert!(
        saved.payload.get("segment").is_none(),
        "absent fields keep their value"
    );
}

#[tokio::test]
async fn withdraw_until_a_reviewer_acts() {
    let wd = world().await;
    let env = &wd.env;
    let item = env.svc.start_update(&wd.firm).await.unwrap();
    let item = env.svc.submit_update(&wd.firm, &item.id, 1).await.unwrap();
    assert_eq!(item.state, State::Submitted(Province));
    assert_eq!(
        item.chain.as_ref().unwrap().levels(),
        [Province],
        "our rule"
    );
    let item = env
        .svc
        .withdraw_update(&wd.firm, &item.id, item.version)
        .await
        .unwrap();
    assert_eq!(item.state, State::Withdrawn);
    let item = env
        .svc
        .submit_update(&wd.firm, &item.id, item.version)
        .await
        .unwrap();
    // The province reviewer claims it (the review side's use case; here through the executor).
    let mut w = env.svc.write().await.unwrap();
    let claimed = items::act(
        &mut w,
        &wd.gd_rev,
        &item.id,
        item.version,
        &Action::Claim,
        ItemFacts::default(),
    )
    .await
    .unwrap()
    .item
    .unwrap();
    w.commit().await.unwrap();
    let err = env
        .svc
        .withdraw_update(&wd.firm, &claimed.id, claimed.version)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reviewer_already_acted");
}

#[tokio::test]
async fn accepting_applies_the_data_to_the_enterprise() {
    let wd = world().await;
    let env = &wd.env;
    let e = eid(&wd.firm);
    let item = env.svc.start_update(&wd.firm).await.unwrap();
    let item = env
        .svc
        .save_update(&wd.firm, &item.id, 1, &changes())
        .await
        .unwrap();
    let item = env
        .svc
        .submit_update(&wd.firm, &item.id, item.version)
        .await
        .unwrap();
    let done = env
        .svc
        .accept_update(&wd.gd_rev, &item.id, item.version)
        .await
        .unwrap();
    assert_eq!(done.state, State::Approved);
    let mut conn = env.svc.read().await.unwrap();
    let row = sqlx::query(
        "SELECT county_code, city_code, authority_code, employees, revenue, contact_phone, \
         main_products, segment, version FROM enterprises WHERE id = $1",
    )
    .bind(&e)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>("county_code"), "440104");
    assert_eq!(row.get::<String, _>("city_code"), "440100");
    assert_eq!(row.get::<String, _>("authority_code"), "440000");
    assert_eq!(row.get::<i64, _>("employees"), 120);
    assert_eq!(row.get::<f64, _>("revenue"), 8800.5);
    assert_eq!(row.get::<String, _>("contact_phone"), "13912345678");
    assert_eq!(
        zjtx::service::enterprise::main_products_of(Some(&row.get::<String, _>("main_products"))),
        vec!["MEMS 压力传感器".to_string()],
        "stored in the enterprise module's list form"
    );
    assert_eq!(row.get::<String, _>("segment"), "传感器", "untouched");
    assert_eq!(row.get::<i64, _>("version"), 2);
    drop(conn);
    let trail = env.audit_actions("enterprise", &e).await;
    assert_eq!(trail, ["enterprise.update_applied"]);
    let by: String = {
        let mut conn = env.svc.read().await.unwrap();
        sqlx::query_scalar(
            "SELECT actor_name FROM audit WHERE action = 'enterprise.update_applied'",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap()
    };
    assert_eq!(by, "gd_rev-name");
    let msgs = messages(env, &e).await;
    assert_eq!(msgs.last().unwrap().0, "update");
    assert!(msgs.last().unwrap().1.contains("已通过"));
    let st = env.svc.update_status(&wd.firm).await.unwrap();
    assert!(st.done && !st.can_start);
    let detail = env.svc.update_detail(&wd.firm, &item.id).await.unwrap();
    let actions: Vec<&str> = detail
        .detail
        .history
        .iter()
        .map(|h| h.action.as_str())
        .collect();
    assert_eq!(actions, ["submit", "pass"]);
    assert_eq!(detail.changes.employees, Some(120));
}

#[tokio::test]
async fn a_returned_update_comes_back_with_the_reason_and_may_be_resubmitted_late() {
    let wd = world().await;
    let env = &wd.env;
    let item = env.svc.start_update(&wd.firm).await.unwrap();
    let item = env.svc.submit_update(&wd.firm, &item.id, 1).await.unwrap();
    let err = env
        .svc
        .return_update(&wd.gd_rev, &item.id, item.version, "  ")
        .await
        .unwrap_err();
    assert_eq!((err.code(), err.field()), ("invalid", Some("reason")));
    let back = env
        .svc
        .return_update(&wd.gd_rev, &item.id, item.version, "营业收入与年报不符")
        .await
        .unwrap();
    assert_eq!(back.state, State::Returned);
    let msgs = messages(env, &eid(&wd.firm)).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].0, "update");
    assert!(msgs[0].1.contains("被退回"));
    set_day(env, "2025-05-06");
    let again = env
        .svc
        .save_update(&wd.firm, &back.id, back.version, &changes())
        .await
        .unwrap();
    let again = env
        .svc
        .submit_update(&wd.firm, &again.id, again.version)
        .await
        .unwrap();
    assert_eq!(again.state, State::Submitted(Province));
}

#[tokio::test]
async fn who_may_act_on_an_update() {
    let wd = world().await;
    let env = &wd.env;
    let item = env.svc.start_update(&wd.firm).await.unwrap();
    let other = env.enterprise("other_firm", 2).await;
    let err = env
        .svc
        .save_update(&other, &item.id, 1, &InfoChanges::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_owner");
    assert_eq!(
        env.svc
            .submit_update(&other, &item.id, 1)
            .await
            .unwrap_err()
            .code(),
        "not_owner"
    );
    env.register("person", AccountKind::Natural, 60).await;
    let person = env.login("person").await;
    assert_eq!(
        env.svc.start_update(&person).await.unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(
        env.svc.update_status(&person).await.unwrap_err().code(),
        "forbidden"
    );

    let item = env.svc.submit_update(&wd.firm, &item.id, 1).await.unwrap();
    let v = item.version;
    let city = env
        .staff("gz_rev", AccountKind::Reviewer, Some(City), Some("440100"))
        .await;
    let zj = env
        .staff(
            "zj_rev",
            AccountKind::Reviewer,
            Some(Province),
            Some("330000"),
        )
        .await;
    let support = env.support().await;
    let cases: [(&Session, &str); 5] = [
        (&city, "wrong_level"),
        (&zj, "out_of_scope"),
        (&wd.firm, "forbidden"),
        (&support, "forbidden"),
        (&other, "forbidden"),
    ];
    for (who, code) in cases {
        let err = env.svc.accept_update(who, &item.id, v).await.unwrap_err();
        assert_eq!(err.code(), code, "{}", who.login_name);
        let err = env
            .svc
            .return_update(who, &item.id, v, "理由")
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{}", who.login_name);
    }
    assert_eq!(
        env.svc.load_state(&item.id).await,
        (State::Submitted(Province), v)
    );
    let err = env.svc.update_detail(&zj, &item.id).await.unwrap_err();
    assert_eq!(err.code(), "forbidden");
    assert!(env.svc.update_detail(&wd.gd_rev, &item.id).await.is_ok());
    // A stale version is a conflict naming who acted last.
    env.svc
        .accept_update(&wd.gd_rev, &item.id, v)
        .await
        .unwrap();
    let gd2 = env
        .staff(
            "gd_rev2",
            AccountKind::Reviewer,
            Some(Province),
            Some("440000"),
        )
        .await;
    match env.svc.accept_update(&gd2, &item.id, v).await.unwrap_err() {
        ServiceError::Conflict { by, .. } => assert_eq!(by.as_deref(), Some("gd_rev-name")),
        other => panic!("{other:?}"),
    }
}

/// Reads an item's state and version (test helper).
trait LoadState {
    async fn load_state(&self, id: &str) -> (State, i64);
}

impl LoadState for zjtx::service::Service {
    async fn load_state(&self, id: &str) -> (State, i64) {
        let mut conn = self.read().await.unwrap();
        let item = items::load(&mut conn, id).await.unwrap();
        (item.state, item.version)
    }
}

#[tokio::test]
async fn the_history_lists_past_updates_with_their_outcome_and_last_reason() {
    let wd = world().await;
    let env = &wd.env;
    // 2025: returned with a reason, corrected, accepted
    let item = env.svc.start_update(&wd.firm).await.unwrap();
    let item = env
        .svc
        .submit_update(&wd.firm, &item.id, item.version)
        .await
        .unwrap();
    let back = env
        .svc
        .return_update(&wd.gd_rev, &item.id, item.version, "营业收入与年报不符")
        .await
        .unwrap();
    let again = env
        .svc
        .save_update(&wd.firm, &back.id, back.version, &changes())
        .await
        .unwrap();
    let again = env
        .svc
        .submit_update(&wd.firm, &again.id, again.version)
        .await
        .unwrap();
    env.svc
        .accept_update(&wd.gd_rev, &again.id, again.version)
        .await
        .unwrap();
    // 2026: rejected
    set_day(env, "2026-03-03");
    let y26 = env.svc.start_update(&wd.firm).await.unwrap();
    let y26 = env
        .svc
        .submit_update(&wd.firm, &y26.id, y26.version)
        .await
        .unwrap();
    env.svc
        .reject(
            &wd.gd_rev,
            &y26.id,
            y26.version,
            "社保缴纳人数与员工人数不符".into(),
        )
        .await
        .unwrap();

    let page = env
        .svc
        .update_history(&wd.firm, &zjtx::service::PageRequest::first(10))
        .await
        .unwrap();
    let rows: Vec<(i64, State, Option<String>)> = page
        .items
        .iter()
        .map(|a| {
            (
                a.year,
                a.state,
                a.last_reason.as_ref().and_then(|h| h.reason.clone()),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                2026,
                State::Rejected,
                Some("社保缴纳人数与员工人数不符".into())
            ),
            (2025, State::Approved, Some("营业收入与年报不符".into())),
        ],
        "newest first, each with its outcome and the last reason given"
    );
    assert!(page.items.iter().all(|a| a.decided_at.is_some()));
    assert_eq!(page.items[0].last_reason.as_ref().unwrap().action, "reject");
    // one per page: the cursor reaches the older one
    let first = env
        .svc
        .update_history(&wd.firm, &zjtx::service::PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 1);
    let next = first.next.clone().expect("a second page");
    let second = env
        .svc
        .update_history(
            &wd.firm,
            &zjtx::service::PageRequest {
                cursor: Some(next),
                limit: Some(1),
            },
        )
        .await
        .unwrap();
    assert_eq!(second.items[0].year, 2025);

    // another enterprise sees none of it; staff have no such list
    let other = firm(env, "firm_other", 2, "440106").await;
    let theirs = env
        .svc
        .update_history(&other, &zjtx::service::PageRequest::first(10))
        .await
        .unwrap();
    assert!(theirs.items.is_empty());
    let err = env
        .svc
        .update_history(&wd.gd_rev, &zjtx::service::PageRequest::first(10))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "forbidden");
}

/// A fresh world's update brought into `state` (`_closed`: then the period ends — today
/// 2025-05-06).
async fn update_in(state: &str) -> (World, String) {
    let wd = world().await;
    let svc = &wd.env.svc;
    let item = svc.start_update(&wd.firm).await.unwrap();
    let id = item.id.clone();
    let base = state.trim_end_matches("_closed");
    let item = if base == "draft" {
        item
    } else {
        svc.submit_update(&wd.firm, &id, item.version)
            .await
            .unwrap()
    };
    let v = item.version;
    match base {
        "draft" | "submitted" => {}
        "in_review" => {
            svc.claim(&wd.gd_rev, &id, v).await.unwrap();
        }
        "returned" => {
            svc.return_update(&wd.gd_rev, &id, v, "营业收入与年报不符")
                .await
                .unwrap();
        }
        "withdrawn" => {
            svc.withdraw_update(&wd.firm, &id, v).await.unwrap();
        }
        "approved" => {
            svc.accept_update(&wd.gd_rev, &id, v).await.unwrap();
        }
        "rejected" => {
            svc.reject(&wd.gd_rev, &id, v, "社保人数不符".into())
                .await
                .unwrap();
        }
        other => panic!("unknown state {other}"),
    }
    if state.ends_with("_closed") {
        set_day(&wd.env, "2025-05-06");
    }
    (wd, id)
}

/// Performs the update operation `op` (`edit`, `submit`, `withdraw`) as the enterprise.
async fn perform_update(wd: &World, id: &str, op: &str) -> Result<(), ServiceError> {
    let svc = &wd.env.svc;
    let (_, v) = svc.load_state(id).await;
    match op {
        "edit" => svc.save_update(&wd.firm, id, v, &changes()).await.map(drop),
        "submit" => svc.submit_update(&wd.firm, id, v).await.map(drop),
        "withdraw" => svc.withdraw_update(&wd.firm, id, v).await.map(drop),
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn the_detail_offers_exactly_the_actions_the_service_then_accepts() {
    // (state, the actions offered, in order; `?` marks the closed-period confirmation)
    let table: &[(&str, &[&str])] = &[
        ("draft", &["edit", "submit"]),
        ("draft_closed", &["edit"]),
        ("submitted", &["withdraw", "withdraw_edit"]),
        ("submitted_closed", &["withdraw?", "withdraw_edit?"]),
        ("in_review", &[]),
        ("returned", &["edit", "resubmit"]),
        ("returned_closed", &["edit", "resubmit"]),
        ("withdrawn", &["edit", "resubmit"]),
        ("withdrawn_closed", &["edit"]),
        ("approved", &[]),
        ("rejected", &[]),
    ];
    fn op_of(code: &str) -> &str {
        match code.trim_end_matches('?') {
            "resubmit" => "submit",
            "withdraw_edit" => "withdraw",
            c => c,
        }
    }
    for (state, expected) in table {
        let (wd, id) = update_in(state).await;
        let detail = wd.env.svc.update_detail(&wd.firm, &id).await.unwrap();
        let shown: Vec<String> = detail
            .actions
            .iter()
            .map(|a| {
                format!(
                    "{}{}",
                    a.action.code(),
                    if a.confirm.is_some() { "?" } else { "" }
                )
            })
            .collect();
        assert_eq!(&shown, expected, "{state}");
        let offered: Vec<&str> = shown.iter().map(|c| op_of(c)).collect();
        for op in ["edit", "submit", "withdraw"] {
            if offered.contains(&op) {
                let (wd, id) = update_in(state).await;
                perform_update(&wd, &id, op)
                    .await
                    .unwrap_or_else(|e| panic!("{state}: {op} offered but refused: {e:?}"));
            } else {
                let before = wd.env.svc.load_state(&id).await;
                assert!(
                    perform_update(&wd, &id, op).await.is_err(),
                    "{state}: {op} not offered but accepted"
                );
                assert_eq!(wd.env.svc.load_state(&id).await, before, "{state}: {op}");
            }
        }
        // staff reading it are offered nothing
        if !state.starts_with("draft") {
            let theirs = wd.env.svc.update_detail(&wd.gd_rev, &id).await.unwrap();
            assert!(theirs.actions.is_empty(), "{state}");
        }
    }
}

#[tokio::test]
async fn without_a_valid_certification_an_update_is_not_offered_for_submission() {
    let (wd, id) = update_in("returned").await;
    // the certification expires meanwhile (valid 3 years from 2023-09-15)
    set_day(&wd.env, "2026-10-01");
    let detail = wd.env.svc.update_detail(&wd.firm, &id).await.unwrap();
    let shown: Vec<&str> = detail.actions.iter().map(|a| a.action.code()).collect();
    assert_eq!(shown, ["edit"]);
    let err = perform_update(&wd, &id, "submit").await.unwrap_err();
    assert_eq!(err.code(), "not_certified");
}
