//! Two reviewers deciding on the same item at the same moment, on one shared Service: exactly one
//! decision is recorded, the other is refused with a conflict naming the first reviewer.

mod common;

use common::{env, set_county, submitted};
use serde_json::json;
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
    let env = env().await;
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
