//! The due-reminders job at each offset (the day before, on, after), idempotence, who gets the
//! info-update reminder, and window reminders once per enterprise.
//!
//! Certifications, windows and items belong to other areas (lifecycle, windows, declarations):
//! the tests set those rows up directly with SQL (items through `items::create` plus a state
//! written in SQL), clearly marked, and run the job at chosen dates.

mod common;

use chrono::NaiveDate;
use common::{Env, env, uscc};
use sqlx::Row;
use zjtx::domain::tiers::{ReviewLevel, Tier};
use zjtx::service::audit::Who;
use zjtx::service::authz::place_of;
use zjtx::service::items::{self, ItemKind, NewItem};
use zjtx::service::messages::Category;
use zjtx::service::{AccountKind, PageRequest};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn days_before(date: &str, n: u64) -> NaiveDate {
    d(date).checked_sub_days(chrono::Days::new(n)).unwrap()
}

/// SET-UP (accounts area): an enterprise row registered in `county` (None = basic info not yet
/// filled in). Returns its id.
async fn enterprise_row(env: &Env, n: u32, county: Option<&str>) -> String {
    let id = format!("ent-{n:03}");
    let place = county.map(|c| place_of(c).unwrap());
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "INSERT INTO enterprises (id, uscc, name, legal_rep, legal_rep_id_masked, \
         legal_rep_id_hash, county_code, city_code, authority_code, created_at, updated_at) \
         VALUES ($1, $2, $3, '张三', '1101**********002X', 'h', $4, $5, $6, 0, 0)",
    )
    .bind(&id)
    .bind(uscc(n))
    .bind(format!("测试企业{n}有限公司"))
    .bind(place.as_ref().map(|p| p.county_code.clone()))
    .bind(place.as_ref().map(|p| p.city_code.clone()))
    .bind(place.as_ref().map(|p| p.authority_code.clone()))
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
    id
}

/// SET-UP (lifecycle area): a certification row.
async fn certification(
    env: &Env,
    enterprise: &str,
    tier: Tier,
    certified_on: &str,
    expires_on: &str,
    status: &str,
) -> String {
    let id = format!("cert-{enterprise}-{}", tier.code());
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "INSERT INTO certifications (id, enterprise_id, tier, certified_on, expires_on, status, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, 0)",
    )
    .bind(&id)
    .bind(enterprise)
    .bind(tier.code())
    .bind(certified_on)
    .bind(expires_on)
    .bind(status)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
    id
}

/// SET-UP (windows area): a declaration window of `authority`.
#[allow(clippy::too_many_arguments)]
async fn window(
    env: &Env,
    id: &str,
    admin: &str,
    authority: &str,
    tier: Tier,
    start: &str,
    end: &str,
    closed: bool,
) {
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "INSERT INTO windows (id, authority_code, tier, batch, start_date, end_date, closed_at, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, 2025, $4, $5, $6, $7, 0, 0)",
    )
    .bind(id)
    .bind(authority)
    .bind(tier.code())
    .bind(start)
    .bind(end)
    .bind(closed.then_some(1_i64))
    .bind(admin)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
}

/// SET-UP (declarations / lifecycle areas): an item created through `items::create`, then put
/// in `state` (at `level`) with SQL, as the other areas' use cases would leave it.
#[allow(clippy::too_many_arguments)]
async fn item(
    env: &Env,
    enterprise: &str,
    kind: ItemKind,
    tier: Tier,
    window_id: Option<&str>,
    state: &str,
    level: Option<&str>,
    decided_now: bool,
) -> String {
    let mut w = env.svc.write().await.unwrap();
    let created = items::create(
        &mut w,
        &Who::system(),
        NewItem {
            kind,
            subtype: None,
            enterprise_id: enterprise.to_string(),
            certification_id: None,
            tier,
            batch: 2025,
            window_id: window_id.map(str::to_string),
            ruleset: "2022".into(),
            payload: serde_json::json!({}),
        },
    )
    .await
    .unwrap();
    let now = w.now_ms();
    sqlx::query("UPDATE items SET state = $1, level = $2, decided_at = $3 WHERE id = $4")
        .bind(state)
        .bind(level)
        .bind(decided_now.then_some(now))
        .bind(&created.id)
        .execute(&mut *w)
        .await
        .unwrap();
    w.commit().await.unwrap();
    created.id
}

/// (category, dedupe key, Chinese title, Chinese body) of an enterprise's messages, oldest first.
async fn messages_of(env: &Env, enterprise: &str) -> Vec<(String, String, String, String)> {
    let mut conn = env.svc.read().await.unwrap();
    sqlx::query(
        "SELECT category, dedupe_key, title, body FROM messages WHERE enterprise_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(enterprise)
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let title: String = r.try_get("title").unwrap();
        let body: String = r.try_get("body").unwrap();
        (
            r.try_get("category").unwrap(),
            r.try_get("dedupe_key").unwrap(),
            zjtx::service::messages::stored_text(&title).zh,
            zjtx::service::messages::stored_text(&body).zh,
        )
    })
    .collect()
}

async fn admin(env: &Env) -> String {
    env.staff(
        "sz_admin",
        AccountKind::Admin,
        Some(ReviewLevel::Province),
        Some("440300"),
    )
    .await
    .account_id
}

#[tokio::test]
async fn expiry_reminders_at_90_30_and_7_days_the_day_before_on_and_after() {
    let env = env().await;
    // A real enterprise account, so the reminders are also read through the inbox.
    let s = env.enterprise("acme", 1).await;
    let e = s.enterprise_id.clone().unwrap();
    let cert = certification(
        &env,
        &e,
        Tier::Specialized,
        "2022-12-31",
        "2025-12-30",
        "active",
    )
    .await;
    let expires = "2025-12-30";
    let mut expected_posts = Vec::new();
    for stage in [90_u64, 30, 7] {
        let before = env
            .svc
            .run_reminders(days_before(expires, stage + 1))
            .await
            .unwrap();
        assert_eq!(before.expiry, 0, "the day before the {stage}-day mark");
        let on = env
            .svc
            .run_reminders(days_before(expires, stage))
            .await
            .unwrap();
        assert_eq!(on.expiry, 1, "on the {stage}-day mark");
        assert_eq!(on.total(), 1);
        let after = env
            .svc
            .run_reminders(days_before(expires, stage - 1))
            .await
            .unwrap();
        assert_eq!(after.expiry, 0, "the day after: already sent");
        expected_posts.push(format!("expiry:{cert}:{stage}"));
    }
    // On the last valid day and after expiry: nothing more.
    assert_eq!(env.svc.run_reminders(d(expires)).await.unwrap().expiry, 0);
    assert_eq!(
        env.svc.run_reminders(d("2025-12-31")).await.unwrap().expiry,
        0
    );

    let got = messages_of(&env, &e).await;
    let keys: Vec<&str> = got.iter().map(|m| m.1.as_str()).collect();
    assert_eq!(keys, expected_posts);
    assert!(got.iter().all(|m| m.0 == "expiry"));
    assert!(got[0].2.contains("专精特新中小企业") && got[0].2.contains("2025-12-30"));
    assert!(got[0].3.contains("还有 90 天"), "{}", got[0].3);
    assert!(got[2].3.contains("还有 7 天"), "{}", got[2].3);

    // The enterprise reads them in its inbox, under 认定到期.
    let inbox = env
        .svc
        .messages(&s, Some(Category::Expiry), false, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(inbox.page.items.len(), 3);
    assert_eq!(inbox.unread.of(Category::Expiry), 3);
    assert!(
        inbox.page.items[0]
            .title
            .en
            .contains("expires on 2025-12-30")
    );
}

#[tokio::test]
async fn a_job_that_missed_the_day_sends_the_latest_stage_once() {
    let env = env().await;
    let e = enterprise_row(&env, 1, Some("440305")).await;
    let cert = certification(
        &env,
        &e,
        Tier::Innovative,
        "2022-07-01",
        "2025-06-30",
        "active",
    )
    .await;
    // First run 60 days before: the 90-day reminder, saying 60 days.
    let r = env
        .svc
        .run_reminders(days_before("2025-06-30", 60))
        .await
        .unwrap();
    assert_eq!(r.expiry, 1);
    // The job is down for weeks; first run again 5 days before: the 7-day stage only (the
    // 30-day one is superseded), once.
    let r = env
        .svc
        .run_reminders(days_before("2025-06-30", 5))
        .await
        .unwrap();
    assert_eq!(r.expiry, 1);
    let r = env
        .svc
        .run_reminders(days_before("2025-06-30", 5))
        .await
        .unwrap();
    assert_eq!(r.expiry, 0, "a second run on the same day posts nothing");
    let r = env
        .svc
        .run_reminders(days_before("2025-06-30", 2))
        .await
        .unwrap();
    assert_eq!(r.expiry, 0);
    let got = messages_of(&env, &e).await;
    let keys: Vec<&str> = got.iter().map(|m| m.1.as_str()).collect();
    assert_eq!(
        keys,
        [format!("expiry:{cert}:90"), format!("expiry:{cert}:7")]
    );
    assert!(got[0].3.contains("还有 60 天"), "{}", got[0].3);
    assert!(got[1].3.contains("还有 5 天"), "{}", got[1].3);
}

#[tokio::test]
async fn cancelled_and_expired_certifications_get_no_expiry_reminder() {
    let env = env().await;
    let cancelled = enterprise_row(&env, 1, Some("440305")).await;
    let expired = enterprise_row(&env, 2, Some("440305")).await;
    let active = enterprise_row(&env, 3, Some("440305")).await;
    certification(
        &env,
        &cancelled,
        Tier::Specialized,
        "2022-09-01",
        "2025-08-31",
        "cancelled",
    )
    .await;
    certification(
        &env,
        &expired,
        Tier::Specialized,
        "2022-09-01",
        "2025-08-31",
        "expired",
    )
    .await;
    certification(
        &env,
        &active,
        Tier::Specialized,
        "2022-09-01",
        "2025-08-31",
        "active",
    )
    .await;
    let r = env.svc.run_reminders(d("2025-08-25")).await.unwrap();
    assert_eq!(r.expiry, 1);
    assert!(messages_of(&env, &cancelled).await.is_empty());
    assert!(messages_of(&env, &expired).await.is_empty());
    assert_eq!(messages_of(&env, &active).await.len(), 1);
}

#[tokio::test]
async fn update_reminders_go_only_to_those_who_must_and_have_not_submitted() {
    let env = env().await;
    // The 2025 period (ruleset 2022) ends on 30 April: stages from 31 March and 23 April.
    let must = enterprise_row(&env, 1, Some("440305")).await;
    let certified_this_year = enterprise_row(&env, 2, Some("440305")).await;
    let submitted = enterprise_row(&env, 3, Some("440305")).await;
    let reviewed_this_year = enterprise_row(&env, 4, Some("440305")).await;
    let draft_only = enterprise_row(&env, 5, Some("440305")).await;
    let cancelled = enterprise_row(&env, 6, Some("440305")).await;
    let returned = enterprise_row(&env, 7, Some("440305")).await;
    let two_certs = enterprise_row(&env, 8, Some("440305")).await;
    for e in [&must, &submitted, &draft_only, &returned] {
        certification(
            &env,
            e,
            Tier::Specialized,
            "2023-06-01",
            "2026-05-31",
            "active",
        )
        .await;
    }
    certification(
        &env,
        &certified_this_year,
        Tier::Specialized,
        "2025-01-15",
        "2028-01-14",
        "active",
    )
    .await;
    certification(
        &env,
        &reviewed_this_year,
        Tier::Specialized,
        "2022-05-01",
        "2028-04-30",
        "active",
    )
    .await;
    certification(
        &env,
        &cancelled,
        Tier::Specialized,
        "2023-06-01",
        "2026-05-31",
        "cancelled",
    )
    .await;
    // One certification of this year, one older: the older one requires the update.
    certification(
        &env,
        &two_certs,
        Tier::Innovative,
        "2023-03-01",
        "2026-02-28",
        "active",
    )
    .await;
    certification(
        &env,
        &two_certs,
        Tier::Specialized,
        "2025-02-01",
        "2028-01-31",
        "active",
    )
    .await;
    // SET-UP: this year's update items (info-update area) and a passed 复核 (复核 area).
    item(
        &env,
        &submitted,
        ItemKind::Update,
        Tier::Specialized,
        None,
        "submitted",
        Some("province"),
        false,
    )
    .await;
    item(
        &env,
        &draft_only,
        ItemKind::Update,
        Tier::Specialized,
        None,
        "draft",
        None,
        false,
    )
    .await;
    item(
        &env,
        &returned,
        ItemKind::Update,
        Tier::Specialized,
        None,
        "returned",
        None,
        false,
    )
    .await;
    item(
        &env,
        &reviewed_this_year,
        ItemKind::Review,
        Tier::Specialized,
        None,
        "approved",
        None,
        true,
    )
    .await;

    let reminded = [&must, &draft_only, &returned, &two_certs];
    let r = env.svc.run_reminders(d("2025-03-30")).await.unwrap();
    assert_eq!(r.update, 0, "the day before the 30-day mark");
    let r = env.svc.run_reminders(d("2025-03-31")).await.unwrap();
    assert_eq!(r.update, 4, "on the 30-day mark");
    assert_eq!(
        env.svc.run_reminders(d("2025-04-01")).await.unwrap().update,
        0
    );
    assert_eq!(
        env.svc.run_reminders(d("2025-04-22")).await.unwrap().update,
        0
    );
    assert_eq!(
        env.svc.run_reminders(d("2025-04-23")).await.unwrap().update,
        4
    );
    assert_eq!(
        env.svc.run_reminders(d("2025-04-23")).await.unwrap().update,
        0
    );
    assert_eq!(
        env.svc.run_reminders(d("2025-04-30")).await.unwrap().update,
        0
    );
    assert_eq!(
        env.svc.run_reminders(d("2025-05-01")).await.unwrap().update,
        0,
        "after the period"
    );

    for e in reminded {
        let got = messages_of(&env, e).await;
        let keys: Vec<&str> = got.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(
            keys,
            [format!("update:{e}:2025:30"), format!("update:{e}:2025:7")],
            "{e}"
        );
        assert!(got.iter().all(|m| m.0 == "update"));
        assert!(got[0].2.contains("2025-04-30"), "{}", got[0].2);
        assert!(got[0].3.contains("还有 30 天"), "{}", got[0].3);
        assert!(got[1].3.contains("还有 7 天"), "{}", got[1].3);
    }
    for e in [
        &certified_this_year,
        &submitted,
        &reviewed_this_year,
        &cancelled,
    ] {
        assert!(
            messages_of(&env, e).await.is_empty(),
            "{e} must not be reminded"
        );
    }
}

#[tokio::test]
async fn update_reminders_follow_the_2026_deadline() {
    let env = env().await;
    let e = enterprise_row(&env, 1, Some("440305")).await;
    certification(
        &env,
        &e,
        Tier::Innovative,
        "2024-06-01",
        "2027-05-31",
        "active",
    )
    .await;
    // Ruleset 2026: the period runs to 31 May, so the 30-day mark is 1 May.
    assert_eq!(
        env.svc.run_reminders(d("2026-04-30")).await.unwrap().update,
        0
    );
    assert_eq!(
        env.svc.run_reminders(d("2026-05-01")).await.unwrap().update,
        1
    );
    let got = messages_of(&env, &e).await;
    assert!(got[0].2.contains("2026-05-31"), "{}", got[0].2);
}

#[tokio::test]
async fn window_reminders_reach_every_enterprise_of_the_authority_once_per_window() {
    let env = env().await;
    let admin = admin(&env).await;
    let sz1 = enterprise_row(&env, 1, Some("440305")).await;
    let sz2 = enterprise_row(&env, 2, Some("440306")).await;
    let gd = enterprise_row(&env, 3, Some("440106")).await;
    let unplaced = enterprise_row(&env, 4, None).await;
    window(
        &env,
        "w-spec",
        &admin,
        "440300",
        Tier::Specialized,
        "2025-03-10",
        "2025-04-10",
        false,
    )
    .await;
    window(
        &env,
        "w-closed",
        &admin,
        "440300",
        Tier::LittleGiant,
        "2025-03-01",
        "2025-04-30",
        true,
    )
    .await;

    let r = env.svc.run_reminders(d("2025-03-09")).await.unwrap();
    assert_eq!(r.window_opened, 0, "the day before the window opens");
    let r = env.svc.run_reminders(d("2025-03-10")).await.unwrap();
    assert_eq!(
        r.window_opened, 2,
        "both 深圳 enterprises, on the opening day"
    );
    let r = env.svc.run_reminders(d("2025-03-11")).await.unwrap();
    assert_eq!(r.window_opened, 0, "once per window");

    // A second window of the same authority opens; an enterprise registers meanwhile.
    window(
        &env,
        "w-inno",
        &admin,
        "440300",
        Tier::Innovative,
        "2025-03-12",
        "2025-03-31",
        false,
    )
    .await;
    let late = enterprise_row(&env, 5, Some("440305")).await;
    let r = env.svc.run_reminders(d("2025-03-12")).await.unwrap();
    assert_eq!(
        r.window_opened, 4,
        "the new window to all three, the open one to the newcomer"
    );
    assert_eq!(
        env.svc
            .run_reminders(d("2025-03-12"))
            .await
            .unwrap()
            .total(),
        0
    );
    // Not after the window ended.
    assert_eq!(
        env.svc
            .run_reminders(d("2025-04-11"))
            .await
            .unwrap()
            .window_opened,
        0
    );

    for e in [&sz1, &sz2] {
        let got = messages_of(&env, e).await;
        let keys: Vec<&str> = got.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(
            keys,
            [format!("window:w-spec:{e}"), format!("window:w-inno:{e}")]
        );
        assert!(got.iter().all(|m| m.0 == "reminder"));
        assert!(
            got[0].2.contains("深圳市") && got[0].2.contains("专精特新中小企业"),
            "{}",
            got[0].2
        );
        assert!(
            got[0].3.contains("2025-03-10 至 2025-04-10"),
            "{}",
            got[0].3
        );
    }
    assert_eq!(messages_of(&env, &late).await.len(), 2);
    assert!(
        messages_of(&env, &gd).await.is_empty(),
        "广东 is another authority"
    );
    assert!(messages_of(&env, &unplaced).await.is_empty());
}

#[tokio::test]
async fn closing_reminders_go_to_enterprises_with_an_unsubmitted_declaration() {
    let env = env().await;
    let admin = admin(&env).await;
    let with_draft = enterprise_row(&env, 1, Some("440305")).await;
    let with_submitted = enterprise_row(&env, 2, Some("440305")).await;
    let with_withdrawn = enterprise_row(&env, 3, Some("440305")).await;
    let draft_no_window_id = enterprise_row(&env, 4, Some("440305")).await;
    let draft_other_tier = enterprise_row(&env, 5, Some("440305")).await;
    let two_drafts = enterprise_row(&env, 6, Some("440305")).await;
    window(
        &env,
        "w1",
        &admin,
        "440300",
        Tier::Specialized,
        "2025-03-01",
        "2025-03-31",
        false,
    )
    .await;
    let decl = |e: &String, tier, w: Option<&'static str>, state: &'static str, level| {
        let e = e.clone();
        let env = &env;
        async move { item(env, &e, ItemKind::Declaration, tier, w, state, level, false).await }
    };
    decl(&with_draft, Tier::Specialized, Some("w1"), "draft", None).await;
    decl(
        &with_submitted,
        Tier::Specialized,
        Some("w1"),
        "submitted",
        Some("county"),
    )
    .await;
    decl(
        &with_withdrawn,
        Tier::Specialized,
        Some("w1"),
        "withdrawn",
        None,
    )
    .await;
    decl(&draft_no_window_id, Tier::Specialized, None, "draft", None).await;
    decl(&draft_other_tier, Tier::Innovative, None, "draft", None).await;
    decl(&two_drafts, Tier::Specialized, Some("w1"), "draft", None).await;
    decl(
        &two_drafts,
        Tier::Specialized,
        Some("w1"),
        "withdrawn",
        None,
    )
    .await;

    let r = env.svc.run_reminders(d("2025-03-23")).await.unwrap();
    assert_eq!(r.window_closing, 0, "8 days before the last day");
    let r = env.svc.run_reminders(d("2025-03-24")).await.unwrap();
    assert_eq!(r.window_closing, 4, "7 days before the last day");
    assert_eq!(
        env.svc
            .run_reminders(d("2025-03-25"))
            .await
            .unwrap()
            .window_closing,
        0
    );
    assert_eq!(
        env.svc
            .run_reminders(d("2025-04-01"))
            .await
            .unwrap()
            .window_closing,
        0
    );

    for e in [
        &with_draft,
        &with_withdrawn,
        &draft_no_window_id,
        &two_drafts,
    ] {
        let closing: Vec<_> = messages_of(&env, e)
            .await
            .into_iter()
            .filter(|m| m.1.starts_with("window_closing:"))
            .collect();
        assert_eq!(closing.len(), 1, "{e}: once per window");
        assert_eq!(closing[0].1, format!("window_closing:w1:{e}"));
        assert_eq!(closing[0].0, "reminder");
        assert!(closing[0].2.contains("2025-03-31"), "{}", closing[0].2);
        assert!(closing[0].3.contains("还有 7 天"), "{}", closing[0].3);
    }
    for e in [&with_submitted, &draft_other_tier] {
        assert!(
            !messages_of(&env, e)
                .await
                .iter()
                .any(|m| m.1.starts_with("window_closing:")),
            "{e}"
        );
    }
}

#[tokio::test]
async fn a_run_is_audited_and_a_second_run_writes_nothing() {
    let env = env().await;
    let admin = admin(&env).await;
    let e = enterprise_row(&env, 1, Some("440305")).await;
    certification(
        &env,
        &e,
        Tier::Specialized,
        "2022-04-01",
        "2025-03-31",
        "active",
    )
    .await;
    window(
        &env,
        "w1",
        &admin,
        "440300",
        Tier::Innovative,
        "2025-03-01",
        "2025-03-31",
        false,
    )
    .await;
    let day = d("2025-03-31");
    let first = env.svc.run_reminders(day).await.unwrap();
    assert_eq!(
        (
            first.expiry,
            first.update,
            first.window_opened,
            first.window_closing
        ),
        (1, 1, 1, 0)
    );
    assert_eq!(first.today, day);
    let audits = env
        .scalar(
            "SELECT COUNT(*) FROM audit WHERE action = 'reminders.post' AND actor_name = 'system'",
        )
        .await;
    assert_eq!(audits, 3, "one audit row per kind that posted");
    let messages = env.scalar("SELECT COUNT(*) FROM messages").await;
    let second = env.svc.run_reminders(day).await.unwrap();
    assert_eq!(second.total(), 0);
    assert_eq!(env.scalar("SELECT COUNT(*) FROM messages").await, messages);
    assert_eq!(
        env.scalar("SELECT COUNT(*) FROM audit WHERE action = 'reminders.post'")
            .await,
        3
    );
}

/// Many enterprises: the job posts in chunks and stays idempotent.
#[tokio::test]
async fn a_large_authority_is_reminded_in_chunks() {
    // ZJTX_BULK=100000 measures a big province by hand.
    let n: i64 = std::env::var("ZJTX_BULK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1200);
    let env = env().await;
    let admin = admin(&env).await;
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $1)
         INSERT INTO enterprises (id, uscc, name, legal_rep, legal_rep_id_masked,
             legal_rep_id_hash, county_code, city_code, authority_code, created_at, updated_at)
         SELECT 'bulk-' || (100000 + x), 'U' || (10000000000000000 + x), '批量企业' || x, '张三',
             'm', 'h', '440305', '440300', '440300', 0, 0 FROM c",
    )
    .bind(n)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
    window(
        &env,
        "w1",
        &admin,
        "440300",
        Tier::Innovative,
        "2025-03-01",
        "2025-03-31",
        false,
    )
    .await;
    let started = std::time::Instant::now();
    let r = env.svc.run_reminders(d("2025-03-01")).await.unwrap();
    let took = started.elapsed();
    eprintln!("{} window reminders in {took:?}", r.window_opened);
    assert_eq!(r.window_opened, u64::try_from(n).unwrap());
    assert_eq!(
        env.scalar("SELECT COUNT(*) FROM audit WHERE action = 'reminders.post'")
            .await,
        (n + 499) / 500,
        "messages in chunks of 500, one audit row each"
    );
    let started = std::time::Instant::now();
    let again = env.svc.run_reminders(d("2025-03-02")).await.unwrap();
    eprintln!("second run (nothing to post) in {:?}", started.elapsed());
    assert_eq!(again.total(), 0);
}
