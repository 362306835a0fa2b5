//! The demo data set (`zjtx demo`), seeded through the use cases into a fresh database whose
//! clock says when "today" is (Monday 2025-03-03 09:00 Beijing time unless a test moves it): the
//! story every listed account can walk through.

mod common;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use common::{Env, env};
use zjtx::domain::text::Localized;
use zjtx::domain::tiers::{ReviewLevel, Tier};
use zjtx::domain::workflow::State;
use zjtx::service::announcements::{AnnouncementFilter, AnnouncementLevel};
use zjtx::service::authz::Scope;
use zjtx::service::changes::{ChangeFilter, ChangeKind};
use zjtx::service::demo::{
    DEMO_PASSWORD, DatabaseState, DemoReport, add_bulk_declarations, database_state, demo_counts,
    seed_demo,
};
use zjtx::service::items::{self, Item, ItemKind, ItemQuery};
use zjtx::service::review::QueueFilter;
use zjtx::service::support::{RequestFilter, RequestKind};
use zjtx::service::{AccountKind, PageRequest, Session};

fn page() -> PageRequest {
    PageRequest::first(100)
}

async fn seeded_at(when: Option<&str>) -> (Env, DemoReport) {
    let env = env().await;
    if let Some(t) = when {
        env.clock.set(
            DateTime::parse_from_rfc3339(t)
                .expect("an instant")
                .with_timezone(&Utc),
        );
    }
    let report = seed_demo(&env.svc).await.expect("the demo seeds");
    (env, report)
}

async fn login(env: &Env, login: &str) -> Session {
    env.svc
        .login(login, DEMO_PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("{login} logs in: {e}"))
        .session
}

/// Declarations of every enterprise in `state` (at `level`), nationwide.
async fn declarations(env: &Env, state: &'static str, level: Option<ReviewLevel>) -> Vec<Item> {
    let mut conn = env.svc.read().await.unwrap();
    items::list(
        &mut conn,
        &ItemQuery {
            kind: ItemKind::Declaration,
            scope: Scope::National,
            level,
            state: Some(state),
            tier: None,
            text: None,
        },
        &page(),
    )
    .await
    .unwrap()
    .items
}

/// The names of the enterprises with a declaration in `state` (at `level`).
async fn names(env: &Env, state: &'static str, level: Option<ReviewLevel>) -> Vec<String> {
    declarations(env, state, level)
        .await
        .into_iter()
        .map(|i| i.enterprise_name)
        .collect()
}

/// What every seeded story must show on its last day, whatever the date.
async fn assert_story(env: &Env, report: &DemoReport) {
    let today = env.svc.today();
    assert_eq!(report.today, today, "the story ends on the service's today");

    // Every state of the workflow, at every level.
    use ReviewLevel::*;
    assert_eq!(
        names(env, "draft", None).await,
        ["北京智芯测控科技有限公司"]
    );
    assert_eq!(
        names(env, "submitted", Some(County)).await,
        ["广州瑞芯智能传感股份有限公司"]
    );
    assert_eq!(
        names(env, "submitted", Some(City)).await,
        ["广州华科精密机械有限公司"]
    );
    assert_eq!(
        names(env, "submitted", Some(Province)).await,
        ["广州岭南新材料科技有限公司"]
    );
    let at_ministry = declarations(env, "submitted", Some(Ministry)).await;
    assert_eq!(at_ministry.len(), 1);
    assert_eq!(at_ministry[0].tier, Tier::LittleGiant);
    assert_eq!(
        names(env, "in_review", Some(County)).await,
        ["深圳海云微电子有限公司"]
    );
    assert_eq!(
        names(env, "returned", None).await,
        ["深圳前海智航无人机技术有限公司"]
    );
    assert_eq!(
        names(env, "withdrawn", None).await,
        ["深圳康宁医疗器械有限公司"]
    );
    let rejected = declarations(env, "rejected", None).await;
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        rejected[0].qualifies,
        Some(false),
        "rejected on its figures"
    );
    let approved = declarations(env, "approved", None).await;
    assert_eq!(approved.len(), 4);
    let tiers: Vec<Tier> = approved.iter().map(|i| i.tier).collect();
    assert!(tiers.contains(&Tier::Innovative) && tiers.contains(&Tier::Specialized));

    // The current batch is open today; the enterprise home screen says so.
    let firm = login(env, "gz_ruixin").await;
    let windows = env.svc.open_windows_for_enterprise(&firm).await.unwrap();
    assert!(!windows.windows.is_empty(), "{:?}", windows.reasons);
    assert!(
        windows
            .windows
            .iter()
            .all(|w| w.batch == i64::from(today.year()))
    );

    // The county reviewer has work waiting.
    let county = login(env, "th_county").await;
    let queue = env
        .svc
        .queue(&county, &QueueFilter::default(), &page())
        .await
        .unwrap();
    assert_eq!(queue.items.len(), 1);
    assert_eq!(
        queue.items[0].enterprise_name,
        "广州瑞芯智能传感股份有限公司"
    );
    assert_eq!(queue.items[0].state, State::Submitted(County));
    let ministry = login(env, "mi_admin").await;
    let queue = env
        .svc
        .queue(&ministry, &QueueFilter::default(), &page())
        .await
        .unwrap();
    assert_eq!(queue.items.len(), 1, "the Little Giant final review");

    // A certification expiring this year, flagged for 复核 by the province, a real candidate.
    let gd = login(env, "gd_admin").await;
    let candidates = env
        .svc
        .review_candidates(&gd, Tier::Specialized, today.year(), &page())
        .await
        .unwrap()
        .items;
    let flagged: Vec<_> = candidates
        .iter()
        .filter(|c| c.certification.review_flag)
        .collect();
    assert_eq!(flagged.len(), 1);
    let cert = &flagged[0].certification;
    assert_eq!(cert.enterprise_name, "广州金鹏数控装备有限公司");
    assert_eq!(cert.expires_on.year(), today.year());
    assert!(cert.expires_on >= today, "still valid today");
    assert!(flagged[0].candidacy.candidate, "{:?}", flagged[0].candidacy);
    let jinpeng = login(env, "gz_jinpeng").await;
    let status = env.svc.reexam_status(&jinpeng).await.unwrap();
    assert!(
        status[0].flagged && status[0].can_apply,
        "{:?}",
        status[0].why_not
    );
    let update = env.svc.update_status(&jinpeng).await.unwrap();
    assert!(update.done, "this year's info update was accepted");

    // 杭州天目 reported a major change late: it is no 复核 candidate.
    let tianmu = login(env, "hz_tianmu").await;
    let changes = env
        .svc
        .changes(&tianmu, &ChangeFilter::default(), &page())
        .await
        .unwrap()
        .items;
    assert_eq!(changes.len(), 1);
    let change = &changes[0];
    assert_eq!(change.kind, ChangeKind::OverseasBranch);
    assert!(change.late, "reported after {}", change.deadline);
    assert!(change.reported_on.is_some_and(|on| on > change.deadline));
    assert_eq!(change.item.state, State::Approved, "acknowledged (受理)");
    let zj = login(env, "zj_admin").await;
    let zj_candidates = env
        .svc
        .review_candidates(&zj, Tier::Specialized, today.year(), &page())
        .await
        .unwrap()
        .items;
    assert_eq!(zj_candidates.len(), 1);
    assert!(!zj_candidates[0].candidacy.candidate);
    assert!(!zj_candidates[0].certification.review_flag);

    // Messages for every enterprise; announcements of both levels.
    for a in report
        .accounts
        .iter()
        .filter(|a| a.kind == AccountKind::Legal)
    {
        let s = login(env, &a.login).await;
        let inbox = env.svc.messages(&s, None, false, &page()).await.unwrap();
        assert!(!inbox.page.items.is_empty(), "{} has messages", a.login);
    }
    let published = env
        .svc
        .announcements(&AnnouncementFilter::default(), &page())
        .await
        .unwrap()
        .items;
    assert!(
        published
            .iter()
            .any(|a| a.level == AnnouncementLevel::Ministry)
    );
    assert!(
        published
            .iter()
            .any(|a| a.level == AnnouncementLevel::Province)
    );

    // The support queue: a manual phone change and an account recovery, pending.
    let support = login(env, "kf_support").await;
    let requests = env
        .svc
        .support_requests(&support, &RequestFilter::default(), &page())
        .await
        .unwrap()
        .items;
    let mut kinds: Vec<RequestKind> = requests.iter().map(|r| r.kind).collect();
    kinds.sort_by_key(|k| k.code());
    assert_eq!(kinds, [RequestKind::PhoneChange, RequestKind::Recovery]);
}

#[tokio::test]
async fn the_story_has_every_state_and_every_account_logs_in() {
    let (env, report) = seeded_at(None).await;
    assert_story(&env, &report).await;

    // Every listed account logs in with the listed password.
    assert_eq!(report.accounts.len(), 27);
    assert_eq!(report.counts.accounts, 27);
    for a in &report.accounts {
        assert_eq!(a.password, DEMO_PASSWORD);
        let s = login(&env, &a.login).await;
        assert_eq!(s.kind, a.kind, "{}", a.login);
    }
    for kind in [
        AccountKind::Admin,
        AccountKind::Reviewer,
        AccountKind::Support,
        AccountKind::Legal,
        AccountKind::Natural,
    ] {
        assert!(report.accounts.iter().any(|a| a.kind == kind), "{kind:?}");
    }
    // Admins of the ministry, of provinces, of a 计划单列市; reviewers of every level.
    let staff: Vec<(Option<ReviewLevel>, Option<String>)> = {
        let mut v = Vec::new();
        for a in report
            .accounts
            .iter()
            .filter(|a| matches!(a.kind, AccountKind::Admin | AccountKind::Reviewer))
        {
            let s = login(&env, &a.login).await;
            v.push((s.level, s.region_code));
        }
        v
    };
    for level in ReviewLevel::ALL {
        assert!(staff.iter().any(|(l, _)| *l == Some(level)), "{level:?}");
    }
    assert!(staff.iter().any(|(_, r)| r.as_deref() == Some("440300")));

    // The returned and the rejected declarations carry their reasons; evidence is a real PDF.
    let returned = &declarations(&env, "returned", None).await[0];
    let qianhai = login(&env, "sz_qianhai").await;
    let detail = env.svc.declaration(&qianhai, &returned.id).await.unwrap();
    let last = detail.history.last().unwrap();
    assert!(
        last.reason
            .as_deref()
            .is_some_and(|r| r.contains("研发费用")),
        "{last:?}"
    );
    assert!(!detail.evidence.is_empty());
    assert!(
        detail
            .evidence
            .iter()
            .all(|e| e.content_type == "application/pdf")
    );
    let rejected = &declarations(&env, "rejected", None).await[0];
    let xiyue = login(&env, "hz_xiyue").await;
    let detail = env.svc.declaration(&xiyue, &rejected.id).await.unwrap();
    assert!(detail.history.last().unwrap().reason.is_some());

    // The natural person took the assessment and cannot declare.
    let natural = login(&env, "np_chenming").await;
    assert_eq!(
        env.svc
            .assessments(&natural, &page())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        env.svc
            .open_windows_for_enterprise(&natural)
            .await
            .unwrap()
            .windows
            .len(),
        0
    );

    // Seeding twice into the same database is refused, and writes nothing.
    let before = demo_counts(&env.svc).await.unwrap();
    let err = seed_demo(&env.svc).await.unwrap_err();
    assert_eq!(err.code(), "demo_database_not_empty");
    assert!(err.text().zh.contains("新的数据目录"), "{}", err.text().zh);
    assert_eq!(demo_counts(&env.svc).await.unwrap(), before);
    assert_eq!(
        database_state(&env.svc).await.unwrap(),
        DatabaseState::Demo { bulk: false }
    );
}

#[tokio::test]
async fn the_story_fits_the_first_and_the_last_days_of_a_year() {
    for when in ["2026-01-02T08:30:00+08:00", "2026-12-30T17:00:00+08:00"] {
        let (env, report) = seeded_at(Some(when)).await;
        assert_eq!(
            report.today,
            NaiveDate::parse_from_str(&when[..10], "%Y-%m-%d").unwrap()
        );
        assert_story(&env, &report).await;
    }
}

#[tokio::test]
async fn bulk_declarations_go_into_an_empty_or_demo_database_once() {
    // After the demo set.
    let (env, _) = seeded_at(None).await;
    let before = demo_counts(&env.svc).await.unwrap();
    assert_eq!(add_bulk_declarations(&env.svc, 40).await.unwrap(), 40);
    let after = demo_counts(&env.svc).await.unwrap();
    assert_eq!(after.declarations, before.declarations + 40);
    assert_eq!(
        database_state(&env.svc).await.unwrap(),
        DatabaseState::Demo { bulk: true }
    );
    let err = add_bulk_declarations(&env.svc, 40).await.unwrap_err();
    assert_eq!(err.code(), "demo_bulk_exists");
    assert_eq!(demo_counts(&env.svc).await.unwrap(), after);

    // Without it, into an empty database; the demo set cannot follow.
    let bare = env_empty().await;
    assert_eq!(
        database_state(&bare.svc).await.unwrap(),
        DatabaseState::Empty
    );
    assert_eq!(add_bulk_declarations(&bare.svc, 10).await.unwrap(), 10);
    assert_eq!(
        database_state(&bare.svc).await.unwrap(),
        DatabaseState::BulkOnly
    );
    assert_eq!(
        seed_demo(&bare.svc).await.unwrap_err().code(),
        "demo_database_not_empty"
    );
}

async fn env_empty() -> Env {
    env().await
}

#[tokio::test]
async fn a_database_with_real_data_is_never_touched() {
    let env = env().await;
    env.enterprise("real_firm", 1).await;
    assert_eq!(
        database_state(&env.svc).await.unwrap(),
        DatabaseState::Other
    );
    let before = demo_counts(&env.svc).await.unwrap();
    assert_eq!(
        seed_demo(&env.svc).await.unwrap_err().code(),
        "demo_database_not_empty"
    );
    assert_eq!(
        add_bulk_declarations(&env.svc, 10)
            .await
            .unwrap_err()
            .code(),
        "demo_database_not_empty"
    );
    assert_eq!(demo_counts(&env.svc).await.unwrap(), before);
    assert_eq!(before.accounts, 1);
}

#[tokio::test]
async fn a_day_before_2025_is_refused_before_anything_is_written() {
    let env = env().await;
    env.clock.set(
        DateTime::parse_from_rfc3339("2024-06-01T09:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc),
    );
    let err = seed_demo(&env.svc).await.unwrap_err();
    assert_eq!(err.code(), "demo_too_early");
    assert_eq!(
        database_state(&env.svc).await.unwrap(),
        DatabaseState::Empty
    );
}
