//! The workflow executor (`service::items::act`) on real rows: a declaration through submit →
//! claim → pass → return, stale versions, concurrent decisions, refusals that leave no trace.

mod common;

use chrono::Duration;
use common::{Env, env};
use serde_json::json;
use zjtx::domain::text::{Lang, Localized};
use zjtx::domain::tiers::{ReviewLevel, Tier};
use zjtx::domain::workflow::{Action, Chain, Refusal, State};
use zjtx::service::audit::{Who, history_of};
use zjtx::service::items::{self, Executed, Item, ItemFacts, ItemKind, NewItem};
use zjtx::service::{AccountKind, ServiceError, ServiceResult, Session};

use ReviewLevel::{City, County, Province};

struct World {
    env: Env,
    firm: Session,
    county1: Session,
    county2: Session,
    city: Session,
    province: Session,
    other_county: Session,
}

/// An enterprise registered in 广州市天河区 (440106) and reviewers around it.
async fn world() -> World {
    let env = env().await;
    let firm = env.enterprise("firm_one", 1).await;
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "UPDATE enterprises SET county_code = '440106', city_code = '440100', \
         authority_code = '440000'",
    )
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
    let r = |login: &'static str, level, region: &'static str| {
        let env = &env;
        async move {
            env.staff(login, AccountKind::Reviewer, Some(level), Some(region))
                .await
        }
    };
    World {
        county1: r("rev_th1", County, "440106").await,
        county2: r("rev_th2", County, "440106").await,
        city: r("rev_gz", City, "440100").await,
        province: r("rev_gd", Province, "440000").await,
        other_county: r("rev_yx", County, "440104").await,
        firm,
        env,
    }
}

fn open_facts() -> ItemFacts {
    ItemFacts {
        window_open: true,
        basic_info_complete: true,
        prerequisites_met: true,
        other_open_declaration: false,
        barred: false,
        submit_chain: Some(Chain::new(vec![County, City, Province]).unwrap()),
    }
}

impl World {
    async fn draft(&self) -> Item {
        let mut w = self.env.svc.write().await.unwrap();
        let item = items::create(
            &mut w,
            &Who::from(&self.firm),
            NewItem {
                kind: ItemKind::Declaration,
                subtype: None,
                enterprise_id: self.firm.enterprise_id.clone().unwrap(),
                certification_id: None,
                tier: Tier::Specialized,
                batch: 2025,
                window_id: None,
                ruleset: "2022".into(),
                payload: json!({"revenue": 5000}),
            },
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        item
    }

    /// One action in its own transaction, committed when it succeeds.
    async fn act(
        &self,
        who: &Session,
        item: &str,
        version: i64,
        action: Action,
    ) -> ServiceResult<Executed> {
        let mut w = self.env.svc.write().await?;
        let done = items::act(&mut w, who, item, version, &action, open_facts()).await?;
        w.commit().await?;
        Ok(done)
    }

    async fn item(&self, id: &str) -> Item {
        let mut conn = self.env.svc.read().await.unwrap();
        items::load(&mut conn, id).await.unwrap()
    }

    async fn counts(&self, id: &str) -> (i64, usize, usize) {
        let item = self.item(id).await;
        let mut conn = self.env.svc.read().await.unwrap();
        let history = history_of(&mut conn, id).await.unwrap().len();
        drop(conn);
        let audit = self.env.audit_actions("item", id).await.len();
        (item.version, history, audit)
    }
}

#[tokio::test]
async fn submit_claim_pass_return() {
    let wd = world().await;
    let draft = wd.draft().await;
    assert_eq!((draft.state, draft.version), (State::Draft, 1));
    assert_eq!(draft.enterprise_name, "深圳市测试1科技有限公司");
    assert_eq!(draft.county_code.as_deref(), Some("440106"));

    let submitted_at = wd.env.svc.now();
    let done = wd
        .act(&wd.firm, &draft.id, 1, Action::Submit)
        .await
        .unwrap();
    let item = done.item.unwrap();
    assert_eq!(item.state, State::Submitted(County));
    assert_eq!(item.version, 2);
    assert!(item.ever_submitted && !item.reviewer_acted);
    assert_eq!(item.submitted_at, Some(submitted_at));
    assert_eq!(
        item.chain.as_ref().unwrap().levels(),
        [County, City, Province]
    );

    wd.env.clock.advance(Duration::hours(1));
    let item = wd
        .act(&wd.county1, &draft.id, 2, Action::Claim)
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!((item.state, item.version), (State::InReview(County), 3));
    assert!(item.reviewer_acted);
    let done = wd
        .act(&wd.county1, &draft.id, 3, Action::Pass)
        .await
        .unwrap();
    assert!(!done.outcome.certify);
    assert_eq!(done.item.as_ref().unwrap().state, State::Submitted(City));

    // Once a reviewer has acted the enterprise cannot withdraw.
    let e = wd
        .act(&wd.firm, &draft.id, 4, Action::Withdraw)
        .await
        .unwrap_err();
    assert_eq!(e.refusal(), Some(&Refusal::ReviewerAlreadyActed));

    let done = wd
        .act(
            &wd.city,
            &draft.id,
            4,
            Action::Return {
                reason: "  缺少财务报表  ".into(),
            },
        )
        .await
        .unwrap();
    let item = done.item.unwrap();
    assert_eq!((item.state, item.version), (State::Returned, 5));

    let mut conn = wd.env.svc.read().await.unwrap();
    let history = history_of(&mut conn, &draft.id).await.unwrap();
    drop(conn);
    let steps: Vec<(&str, Option<State>, Option<State>, &str)> = history
        .iter()
        .map(|h| (h.action.as_str(), h.from, h.to, h.actor_name.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                "submit",
                Some(State::Draft),
                Some(State::Submitted(County)),
                "深圳市测试1科技有限公司"
            ),
            (
                "claim",
                Some(State::Submitted(County)),
                Some(State::InReview(County)),
                "rev_th1-name"
            ),
            (
                "pass",
                Some(State::InReview(County)),
                Some(State::Submitted(City)),
                "rev_th1-name"
            ),
            (
                "return",
                Some(State::Submitted(City)),
                Some(State::Returned),
                "rev_gz-name"
            ),
        ]
    );
    assert_eq!(history[3].reason.as_deref(), Some("缺少财务报表"));
    assert_eq!(
        history.iter().map(|h| h.version).collect::<Vec<_>>(),
        [2, 3, 4, 5]
    );
    assert_eq!(
        wd.env.audit_actions("item", &draft.id).await,
        [
            "item.create",
            "item.submit",
            "item.claim",
            "item.pass",
            "item.return"
        ]
    );

    // Resubmitting after a return restarts at the first level, even with the window closed.
    let closed = ItemFacts {
        window_open: false,
        ..open_facts()
    };
    let mut w = wd.env.svc.write().await.unwrap();
    let done = items::act(&mut w, &wd.firm, &draft.id, 5, &Action::Submit, closed)
        .await
        .unwrap();
    w.commit().await.unwrap();
    let item = done.item.unwrap();
    assert_eq!(item.state, State::Submitted(County));
    assert!(!item.reviewer_acted);
}

#[tokio::test]
async fn the_final_pass_approves_and_asks_for_a_certification() {
    let wd = world().await;
    let d = wd.draft().await;
    wd.act(&wd.firm, &d.id, 1, Action::Submit).await.unwrap();
    wd.act(&wd.county1, &d.id, 2, Action::Pass).await.unwrap();
    wd.act(&wd.city, &d.id, 3, Action::Pass).await.unwrap();
    wd.env.clock.advance(Duration::days(3));
    let done = wd.act(&wd.province, &d.id, 4, Action::Pass).await.unwrap();
    assert!(done.outcome.certify);
    let item = done.item.unwrap();
    assert_eq!(item.state, State::Approved);
    assert_eq!(item.decided_at, Some(wd.env.svc.now()));
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_naming_who_acted_first() {
    let wd = world().await;
    let d = wd.draft().await;
    wd.act(&wd.firm, &d.id, 1, Action::Submit).await.unwrap();
    wd.env.clock.advance(Duration::minutes(90)); // 10:30 Beijing time
    wd.act(&wd.county1, &d.id, 2, Action::Claim).await.unwrap();
    wd.env.clock.advance(Duration::minutes(5));
    let e = wd
        .act(&wd.county2, &d.id, 2, Action::Claim)
        .await
        .unwrap_err();
    match &e {
        ServiceError::Conflict {
            current_version,
            by,
            at,
        } => {
            assert_eq!(*current_version, 3);
            assert_eq!(by.as_deref(), Some("rev_th1-name"));
            assert_eq!(*at, Some(wd.env.svc.now() - Duration::minutes(5)));
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(e.http_status(), 412);
    let zh = e.message(Lang::Zh);
    assert!(
        zh.contains("rev_th1-name") && zh.contains("2025-03-03 10:30"),
        "{zh}"
    );

    // Someone who may never act learns nothing about versions.
    let e = wd
        .act(&wd.other_county, &d.id, 2, Action::Pass)
        .await
        .unwrap_err();
    assert_eq!(e.refusal(), Some(&Refusal::OutOfScope));
    let e = wd.act(&wd.firm, &d.id, 2, Action::Pass).await.unwrap_err();
    assert_eq!(e.refusal(), Some(&Refusal::NotReviewer));
    let stranger = wd.env.enterprise("firm_two", 2).await;
    let e = wd.act(&stranger, &d.id, 1, Action::Edit).await.unwrap_err();
    assert_eq!(e.refusal(), Some(&Refusal::NotOwner));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_passes_exactly_one_wins() {
    let wd = world().await;
    let d = wd.draft().await;
    wd.act(&wd.firm, &d.id, 1, Action::Submit).await.unwrap();
    wd.act(&wd.county1, &d.id, 2, Action::Claim).await.unwrap();
    let svc = wd.env.svc.clone();
    let mut tasks = Vec::new();
    for who in [wd.county1.clone(), wd.county2.clone()] {
        let svc = svc.clone();
        let id = d.id.clone();
        tasks.push(tokio::spawn(async move {
            let mut w = svc.write().await?;
            let done = items::act(&mut w, &who, &id, 3, &Action::Pass, open_facts()).await?;
            w.commit().await?;
            Ok::<_, ServiceError>(done)
        }));
    }
    let mut wins = 0;
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => wins += 1,
            Err(ServiceError::Conflict {
                current_version, ..
            }) => {
                assert_eq!(current_version, 4);
                conflicts += 1;
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((wins, conflicts), (1, 1));
    let (version, history, _) = wd.counts(&d.id).await;
    assert_eq!((version, history), (4, 3));
    assert_eq!(wd.item(&d.id).await.state, State::Submitted(City));
}

#[tokio::test]
async fn refusals_leave_no_trace() {
    let wd = world().await;
    let d = wd.draft().await;
    // Window closed: a draft cannot be submitted.
    let mut w = wd.env.svc.write().await.unwrap();
    let e = items::act(
        &mut w,
        &wd.firm,
        &d.id,
        1,
        &Action::Submit,
        ItemFacts {
            window_open: false,
            ..open_facts()
        },
    )
    .await
    .unwrap_err();
    drop(w);
    assert_eq!(e.code(), "window_closed");
    assert_eq!(e.http_status(), 409);
    assert_eq!(wd.counts(&d.id).await, (1, 0, 1));

    wd.act(&wd.firm, &d.id, 1, Action::Submit).await.unwrap();
    let before = wd.counts(&d.id).await;
    let e = wd.act(&wd.city, &d.id, 2, Action::Pass).await.unwrap_err();
    assert_eq!(
        e.refusal(),
        Some(&Refusal::WrongLevel {
            item_level: County,
            actor_level: City
        })
    );
    let e = wd
        .act(&wd.county1, &d.id, 2, Action::Reject { reason: " ".into() })
        .await
        .unwrap_err();
    assert_eq!(e.code(), "reason_required");
    assert_eq!(wd.counts(&d.id).await, before);
}

#[tokio::test]
async fn edit_bumps_the_version_and_a_fresh_draft_can_be_deleted() {
    let wd = world().await;
    let d = wd.draft().await;
    let done = wd.act(&wd.firm, &d.id, 1, Action::Edit).await.unwrap();
    assert_eq!(done.item.unwrap().version, 2);
    // Edits are audited but are not workflow history.
    assert_eq!(wd.counts(&d.id).await, (2, 0, 2));
    // A stale edit names the editor (from the audit trail).
    let e = wd.act(&wd.firm, &d.id, 1, Action::Edit).await.unwrap_err();
    assert!(
        matches!(e, ServiceError::Conflict { by: Some(ref b), .. } if b == "深圳市测试1科技有限公司")
    );
    let done = wd.act(&wd.firm, &d.id, 2, Action::Delete).await.unwrap();
    assert!(done.item.is_none());
    assert_eq!(wd.env.scalar("SELECT COUNT(*) FROM items").await, 0);
    assert_eq!(
        wd.env.audit_actions("item", &d.id).await,
        ["item.create", "item.edit", "item.delete"]
    );
}

#[tokio::test]
async fn queues_list_by_scope_level_and_text_in_pages() {
    use zjtx::service::PageRequest;
    use zjtx::service::authz::{Scope, scope};
    use zjtx::service::items::ItemQuery;
    let wd = world().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let d = wd.draft().await;
        wd.act(&wd.firm, &d.id, 1, Action::Submit).await.unwrap();
        ids.push(d.id);
        wd.env.clock.advance(Duration::minutes(1));
    }
    let q = |scope: Scope, text: Option<&str>| ItemQuery {
        kind: ItemKind::Declaration,
        scope,
        level: Some(County),
        state: None,
        tier: Some(Tier::Specialized),
        text: text.map(str::to_string),
    };
    let mut conn = wd.env.svc.read().await.unwrap();
    let mine = scope(&wd.county1).unwrap();
    let first = items::list(&mut conn, &q(mine.clone(), None), &PageRequest::first(2))
        .await
        .unwrap();
    let rest = items::list(
        &mut conn,
        &q(mine.clone(), None),
        &PageRequest::after(first.next.as_deref().unwrap(), 2),
    )
    .await
    .unwrap();
    assert!(rest.next.is_none());
    let seen: Vec<String> = first
        .items
        .iter()
        .chain(&rest.items)
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(seen, ids);
    for (text, n) in [
        (Some("测试1"), 3),
        (Some("91440300"), 3),
        (Some("不存在"), 0),
        (Some("100%"), 0),
    ] {
        let page = items::list(&mut conn, &q(mine.clone(), text), &PageRequest::default())
            .await
            .unwrap();
        assert_eq!(page.items.len(), n, "{text:?}");
    }
    let elsewhere = scope(&wd.other_county).unwrap();
    let page = items::list(&mut conn, &q(elsewhere, None), &PageRequest::default())
        .await
        .unwrap();
    assert!(page.items.is_empty());
    let province = items::list(
        &mut conn,
        &ItemQuery {
            level: Some(Province),
            ..q(scope(&wd.province).unwrap(), None)
        },
        &PageRequest::default(),
    )
    .await
    .unwrap();
    assert!(
        province.items.is_empty(),
        "nothing waits at province level yet"
    );
}
