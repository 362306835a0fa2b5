//! Bulk benchmark data: the declared number of rows, valid identifiers, every state present.

mod common;

use zjtx::domain::Uscc;
use zjtx::service::bulk::generate_declarations;

#[tokio::test]
async fn bulk_data_has_every_state_and_valid_codes() {
    let env = common::env().await;
    assert_eq!(generate_declarations(&env.svc, 1234).await.unwrap(), 1234);
    assert_eq!(
        env.scalar("SELECT COUNT(*) FROM items WHERE kind = 'declaration'")
            .await,
        1234
    );
    assert_eq!(env.scalar("SELECT COUNT(*) FROM enterprises").await, 124);
    for state in [
        "draft",
        "submitted",
        "in_review",
        "approved",
        "returned",
        "rejected",
        "withdrawn",
    ] {
        let mut conn = env.svc.read().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE state = $1")
            .bind(state)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert!(n > 0, "no {state} declarations");
    }
    assert_eq!(
        env.scalar(
            "SELECT COUNT(*) FROM items WHERE state IN ('submitted', 'in_review') AND level IS NULL"
        )
        .await,
        0
    );
    let mut conn = env.svc.read().await.unwrap();
    let usccs: Vec<String> = sqlx::query_scalar("SELECT uscc FROM enterprises")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    for u in usccs {
        Uscc::parse(&u).unwrap_or_else(|e| panic!("{u}: {e}"));
    }
}
