//! Two reviewers deciding on the same item at the same moment, on one shared Service: exactly one
//! decision is recorded, the other is refused with a conflict naming the first reviewer. Then the
//! same through two services on one database (two `zjtx serve` processes), and a rule no index
//! enforces (one draft per tier) under two services at once. Each runs on SQLite and on
//! PostgreSQL (`ZJTX_TEST_PG`, see `tests/common`).

mod common;

use common::{Backend, Env, env_on, set_county, submitted};
use serde_json::json;
use sqlx::Row;
use std::sync::Arc;
use tokio::sync::Barrier;
use zjtx::domain::tiers::{ReviewLevel, Tier};
use zjtx::domain::workflow::State;
use zjtx::service::audit::history_of;
use zjtx::service::items::{self, ItemKind};
use zjtx::service::{AccountKind, ServiceError};

use ReviewLevel::{City, County, Province};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_reviewers_passing_the_same_item_at_once_one_wins() {
    if let Some(env) = env_on(Backend::Sqlite).await {
        two_reviewers_one_wins(env).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_reviewers_passing_the_same_item_at_once_one_wins_on_postgres() {
    if let Some(env) = env_on(Backend::Postgres).await {
        two_reviewers_one_wins(env).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_decisions_at_once_through_two_services_one_wins() {
    if let Some(env) = env_on(Backend::Sqlite).await {
        three_decisions_two_services_one_wins(env).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_decisions_at_once_through_two_services_one_wins_on_postgres() {
    if let Some(env) = env_on(Backend::Postgres).await {
        three_decisions_two_services_one_wins(env).await;
    }
}

async fn two_reviewers_one_wins(env: Env) {
    let firm = env.enterprise("firm", 1).await;
    set_county(&env, firm.enterprise_id.as_deref().unwrap(), "440305").await;
    let first = env
        .staff("rev_a", AccountKind::Reviewer, Some(County), Some("440305"))
        .await;
    let second = env
        .staff("rev_b", AccountKind::Reviewer, Some(County), Some("440305"))
        .await;

    // Several rounds, so either reviewer gets to win some of them.
    for round in 0..5 {
        let item = submitted(
            &env,
            &firm,
            ItemKind::Declaration,
            Tier::Specialized,
            &[County, City, Province],
            json!({}),
        )
        .await;
        let barrier = Arc::new(Barrier::new(2));
        let mut tasks = Vec::new();
        for who in [first.clone(), second.clone()] {
            let svc = env.svc.clone();
            let barrier = barrier.clone();
            let id = item.id.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let result = svc.pass(&who, &id, item.version, None).await;
                (who.display_name.clone(), result)
            }));
        }
        let mut winners = Vec::new();
        let mut conflicts = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                (name, Ok(done)) => {
                    assert_eq!(done.item.state, State::Submitted(City));
                    winners.push(name);
                }
                (
                    name,
                    Err(ServiceError::Conflict {
                        current_version,
                        by,
                        at,
                    }),
                ) => {
                    assert_eq!(current_version, item.version + 1);
                    assert!(at.is_some());
                    conflicts.push((name, by));
                }
                (_, Err(other)) => panic!("round {round}: unexpected {other:?}"),
            }
        }
        assert_eq!((winners.len(), conflicts.len()), (1, 1), "round {round}");
        let (loser, named) = &conflicts[0];
        assert_ne!(loser, &winners[0]);
        assert_eq!(named.as_deref(), Some(winners[0].as_str()), "round {round}");

        // Exactly one pass in the record.
        let mut conn = env.svc.read().await.unwrap();
        let stored = items::load(&mut conn, &item.id).await.unwrap();
        let history = history_of(&mut conn, &item.id).await.unwrap();
        drop(conn);
        assert_eq!(
            (stored.state, stored.version),
            (State::Submitted(City), item.version + 1)
        );
        let passes: Vec<&str> = history
            .iter()
            .filter(|h| h.action == "pass")
            .map(|h| h.actor_name.as_str())
            .collect();
        assert_eq!(passes, [winners[0].as_str()]);
        assert_eq!(
            env.audit_actions("item", &item.id).await,
            ["item.create", "item.submit", "item.pass"]
        );
    }
}

/// Two services on one database (two `zjtx serve` processes sharing the store): three reviewers
/// pass, return and reject the same item at once. The write lock is then SQLite's file lock or
/// PostgreSQL's advisory lock, not one pool's; still exactly one decision is recorded and both
/// others are refused with a conflict naming the reviewer who decided.
async fn three_decisions_two_services_one_wins(env: Env) {
    use zjtx::service::{PasswordHashing, Service, ServiceConfig};
    let mut config = ServiceConfig::new(env.svc.data_dir())
        .with_clock(Arc::new(env.clock.clone()))
        .with_passwords(PasswordHashing::Fast);
    if let Some(pg) = &env.pg {
        config = config.with_database(pg.location());
    }
    let other = Service::open(config).await.unwrap();
    let firm = env.enterprise("firm", 1).await;
    set_county(&env, firm.enterprise_id.as_deref().unwrap(), "440305").await;
    let mut reviewers = Vec::new();
    for login in ["rev_a", "rev_b", "rev_c"] {
        reviewers.push(
            env.staff(login, AccountKind::Reviewer, Some(County), Some("440305"))
                .await,
        );
    }

    for round in 0..6 {
        let item = submitted(
            &env,
            &firm,
            ItemKind::Declaration,
            Tier::Specialized,
            &[County, City, Province],
            json!({}),
        )
        .await;
        let barrier = Arc::new(Barrier::new(3));
        let mut tasks = Vec::new();
        for (k, who) in reviewers.iter().enumerate() {
            // Alternate which service and which decision each reviewer gets, round by round.
            let svc = if (k + round) % 2 == 0 {
                env.svc.clone()
            } else {
                other.clone()
            };
            let who = who.clone();
            let barrier = barrier.clone();
            let id = item.id.clone();
            let version = item.version;
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let result = match (k + round) % 3 {
                    0 => svc.pass(&who, &id, version, None).await,
                    1 => svc.return_item(&who, &id, version, "补充材料".into()).await,
                    _ => svc.reject(&who, &id, version, "不符合条件".into()).await,
                };
                (who.display_name.clone(), result)
            }));
        }
        let mut winners = Vec::new();
        let mut conflicts = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                (name, Ok(done)) => winners.push((name, done.item.state)),
                (name, Err(ServiceError::Conflict { by, .. })) => conflicts.push((name, by)),
                (_, Err(other)) => panic!("round {round}: unexpected {other:?}"),
            }
        }
        assert_eq!((winners.len(), conflicts.len()), (1, 2), "round {round}");
        let (winner, state) = &winners[0];
        for (_, by) in &conflicts {
            assert_eq!(by.as_deref(), Some(winner.as_str()), "round {round}");
        }

        // Both services read the one decision back.
        for svc in [&env.svc, &other] {
            let mut conn = svc.read().await.unwrap();
            let stored = items::load(&mut conn, &item.id).await.unwrap();
            assert_eq!(
                (stored.state, stored.version),
                (*state, item.version + 1),
                "round {round}"
            );
            let history = history_of(&mut conn, &item.id).await.unwrap();
            let decisions: Vec<&str> = history
                .iter()
                .filter(|h| h.action != "submit")
                .map(|h| h.actor_name.as_str())
                .collect();
            assert_eq!(decisions, [winner.as_str()], "round {round}");
        }
        let trail = env.audit_actions("item", &item.id).await;
        assert_eq!(trail.len(), 3, "round {round}: {trail:?}");
        assert_eq!(&trail[..2], ["item.create", "item.submit"], "round {round}");
    }
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_draft_per_tier_when_two_services_create_at_once() {
    if let Some(env) = env_on(Backend::Sqlite).await {
        one_draft_per_tier(env).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_draft_per_tier_when_two_services_create_at_once_on_postgres() {
    if let Some(env) = env_on(Backend::Postgres).await {
        one_draft_per_tier(env).await;
    }
}

/// A rule that only the one-writer rule enforces (no unique index): one open declaration per
/// enterprise, tier and batch. The same enterprise creates a draft through two services at the
/// same moment, several times (a new enterprise each round): exactly one draft is created, the
/// other request is refused with `declaration_exists`.
async fn one_draft_per_tier(env: Env) {
    use zjtx::service::windows::NewWindow;
    use zjtx::service::{PasswordHashing, Service, ServiceConfig};
    let mut config = ServiceConfig::new(env.svc.data_dir())
        .with_clock(Arc::new(env.clock.clone()))
        .with_passwords(PasswordHashing::Fast);
    if let Some(pg) = &env.pg {
        config = config.with_database(pg.location());
    }
    let other = Service::open(config).await.unwrap();
    let admin = env
        .staff(
            "gd_admin",
            AccountKind::Admin,
            Some(Province),
            Some("440000"),
        )
        .await;
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let window = env
        .svc
        .open_window(
            &admin,
            NewWindow {
                authority_code: "440000".into(),
                tier: Tier::Specialized,
                batch: 2025,
                start: day("2025-03-03"),
                end: day("2025-03-31"),
            },
        )
        .await
        .unwrap();

    for round in 1..=6 {
        let firm = env.enterprise(&format!("firm{round}"), round).await;
        let enterprise_id = firm.enterprise_id.clone().unwrap();
        set_county(&env, &enterprise_id, "440106").await;
        let barrier = Arc::new(Barrier::new(2));
        let mut tasks = Vec::new();
        for svc in [env.svc.clone(), other.clone()] {
            let (firm, barrier, window) = (firm.clone(), barrier.clone(), window.id.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                svc.create_declaration(&firm, Tier::Specialized, &window)
                    .await
            }));
        }
        let mut created = 0;
        let mut refused = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => created += 1,
                Err(e) => refused.push(e.code()),
            }
        }
        assert_eq!(created, 1, "round {round}: refused {refused:?}");
        assert_eq!(refused, ["declaration_exists"], "round {round}");
        let mut conn = other.read().await.unwrap();
        let drafts: i64 = sqlx::query("SELECT COUNT(*) AS n FROM items WHERE enterprise_id = $1")
            .bind(&enterprise_id)
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(drafts, 1, "round {round}");
    }
    other.close().await;
}
