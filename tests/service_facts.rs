//! Shared enterprise facts and message posting, on a fresh database each.

mod common;

use common::env;
use zjtx::domain::Text;
use zjtx::domain::tiers::{DigitalLevel, ReviewLevel, Tier};
use zjtx::service::facts;
use zjtx::service::messages::{self, Category, Recipient};

#[tokio::test]
async fn basic_info_lists_what_is_missing_until_filled() {
    let env = env().await;
    let s = env.enterprise("acme", 1).await;
    let ent = s.enterprise_id.clone().unwrap();
    let mut conn = env.svc.read().await.unwrap();
    let missing = facts::basic_info_missing(&mut conn, &ent).await.unwrap();
    let fields: Vec<&str> = missing.iter().map(|(f, _)| *f).collect();
    assert!(fields.contains(&"county_code"), "{fields:?}");
    assert!(fields.contains(&"industry_code"), "{fields:?}");
    assert!(!fields.contains(&"name"), "the verified name is there");
    drop(conn);
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "UPDATE enterprises SET county_code = '440305', industry_code = '3973', segment = '芯片', \
         main_products = '传感器', employees = 80, revenue = 5000, total_assets = 6000, \
         contact_name = '李四', contact_phone = '13800000001' WHERE id = $1",
    )
    .bind(&ent)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
    let mut conn = env.svc.read().await.unwrap();
    assert!(facts::basic_info_complete(&mut conn, &ent).await.unwrap());
}

#[tokio::test]
async fn latest_completed_assessment_counts() {
    let env = env().await;
    let s = env.enterprise("acme", 1).await;
    let ent = s.enterprise_id.clone().unwrap();
    let mut w = env.svc.write().await.unwrap();
    for (id, completed, level) in [
        ("a1", Some(1_000), Some(3)),
        ("a2", Some(2_000), Some(2)),
        ("a3", None, None),
    ] {
        sqlx::query(
            "INSERT INTO assessments (id, account_id, enterprise_id, category, questionnaire_id, \
             questionnaire_version, started_at, completed_at, total, level, updated_at) \
             VALUES ($1, $2, $3, 'manufacturing', 'manufacturing', '2022.1', 0, $4, 50, $5, 0)",
        )
        .bind(id)
        .bind(&s.account_id)
        .bind(&ent)
        .bind(completed)
        .bind(level)
        .execute(&mut *w)
        .await
        .unwrap();
    }
    w.commit().await.unwrap();
    let mut conn = env.svc.read().await.unwrap();
    let latest = facts::latest_assessment(&mut conn, &ent)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        latest.id, "a2",
        "the latest completed one, not the open one"
    );
    assert_eq!(latest.level, Some(DigitalLevel::L2));
}

#[tokio::test]
async fn chain_defaults_and_windows() {
    let env = env().await;
    let admin = env
        .staff(
            "gd_admin",
            zjtx::service::AccountKind::Admin,
            Some(ReviewLevel::Province),
            Some("440000"),
        )
        .await;
    let mut conn = env.svc.read().await.unwrap();
    let gd = facts::chain_for(&mut conn, "440000", Tier::Specialized)
        .await
        .unwrap();
    assert_eq!(
        gd.levels(),
        &[
            ReviewLevel::County,
            ReviewLevel::City,
            ReviewLevel::Province
        ]
    );
    let sz = facts::chain_for(&mut conn, "440300", Tier::Specialized)
        .await
        .unwrap();
    assert_eq!(sz.levels(), &[ReviewLevel::County, ReviewLevel::Province]);
    drop(conn);
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "INSERT INTO windows (id, authority_code, tier, batch, start_date, end_date, created_by, created_at, updated_at) \
         VALUES ('w1', '440000', 'specialized', 2025, '2025-03-01', '2025-03-31', $1, 0, 0)",
    )
    .bind(&admin.account_id)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
    let mut conn = env.svc.read().await.unwrap();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    for (day, open) in [
        ("2025-02-28", false),
        ("2025-03-01", true),
        ("2025-03-31", true),
        ("2025-04-01", false),
    ] {
        assert_eq!(
            facts::window_open(&mut conn, "440000", Tier::Specialized, 2025, d(day))
                .await
                .unwrap(),
            open,
            "{day}"
        );
    }
    assert!(
        !facts::window_open(&mut conn, "440000", Tier::Innovative, 2025, d("2025-03-10"))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_message_with_a_dedupe_key_is_posted_once() {
    let env = env().await;
    let s = env.enterprise("acme", 1).await;
    let ent = s.enterprise_id.clone().unwrap();
    for _ in 0..2 {
        let mut w = env.svc.write().await.unwrap();
        messages::post(
            &mut w,
            &Recipient::Enterprise(ent.clone()),
            Category::Expiry,
            &Text::new("认定即将到期", "certification expires soon"),
            &Text::new("请申请复核", "apply for review"),
            Some("expiry:x:2025"),
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
    }
    assert_eq!(env.scalar("SELECT COUNT(*) FROM messages").await, 1);
}
