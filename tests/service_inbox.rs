//! Reading messages (我的消息): ownership, filters, unread counts, marking read. Messages are
//! posted with the shared `messages::post`, as the use cases of the other areas do.

mod common;

use chrono::Duration;
use common::{Env, env};
use zjtx::domain::tiers::ReviewLevel;
use zjtx::domain::{Localized, Text};
use zjtx::service::messages::{self, Category, Recipient};
use zjtx::service::{AccountKind, PageRequest, ServiceError};

/// Posts a message one minute after the previous one (so the order is the posting order) and
/// returns its id.
async fn post(env: &Env, to: Recipient, category: Category, title: &str) -> String {
    env.clock.advance(Duration::minutes(1));
    let mut w = env.svc.write().await.unwrap();
    assert!(
        messages::post(
            &mut w,
            &to,
            category,
            &Text::new(title, format!("{title} (en)")),
            &Text::new(format!("{title}的正文"), format!("body of {title}")),
            None,
        )
        .await
        .unwrap()
    );
    w.commit().await.unwrap();
    let mut conn = env.svc.read().await.unwrap();
    let row: (String,) = sqlx::query_as("SELECT id FROM messages ORDER BY created_at DESC LIMIT 1")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    row.0
}

fn ent(id: &Option<String>) -> Recipient {
    Recipient::Enterprise(id.clone().unwrap())
}

#[tokio::test]
async fn an_enterprise_reads_its_own_messages_newest_first_with_unread_counts() {
    let env = env().await;
    let a = env.enterprise("acme", 1).await;
    let b = env.enterprise("bolt", 2).await;
    let m1 = post(&env, ent(&a.enterprise_id), Category::Expiry, "认定到期一").await;
    let m2 = post(
        &env,
        ent(&a.enterprise_id),
        Category::Reminder,
        "申报提醒一",
    )
    .await;
    let other = post(&env, ent(&b.enterprise_id), Category::Expiry, "别家的").await;
    let m3 = post(
        &env,
        Recipient::Account(a.account_id.clone()),
        Category::Certification,
        "发给账号的",
    )
    .await;
    let m4 = post(&env, ent(&a.enterprise_id), Category::Expiry, "认定到期二").await;

    let inbox = env
        .svc
        .messages(&a, None, false, &PageRequest::default())
        .await
        .unwrap();
    let ids: Vec<&str> = inbox.page.items.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, [&m4, &m3, &m2, &m1], "newest first, own only");
    assert!(!ids.contains(&other.as_str()));
    let first = &inbox.page.items[0];
    assert_eq!(first.title.zh, "认定到期二");
    assert_eq!(first.title.en, "认定到期二 (en)");
    assert_eq!(first.body.en, "body of 认定到期二");
    assert_eq!(first.category_name.zh, "认定到期");
    assert!(first.unread && first.read_at.is_none());
    assert_eq!(inbox.unread.total, 4);
    assert_eq!(inbox.unread.of(Category::Expiry), 2);
    assert_eq!(inbox.unread.of(Category::Reminder), 1);
    assert_eq!(inbox.unread.of(Category::Certification), 1);
    assert_eq!(inbox.unread.of(Category::Cancellation), 0);
    assert_eq!(
        inbox.unread.by_category.len(),
        5,
        "every category, zeros too"
    );

    // Category filter; the counts still cover every category.
    let expiry = env
        .svc
        .messages(&a, Some(Category::Expiry), false, &PageRequest::default())
        .await
        .unwrap();
    let ids: Vec<&str> = expiry.page.items.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, [&m4, &m1]);
    assert_eq!(expiry.unread.total, 4);

    // Unread only, after reading one.
    env.svc
        .mark_read(&a, std::slice::from_ref(&m4))
        .await
        .unwrap();
    let unread = env
        .svc
        .messages(&a, None, true, &PageRequest::default())
        .await
        .unwrap();
    let ids: Vec<&str> = unread.page.items.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, [&m3, &m2, &m1]);
    assert_eq!(unread.unread.of(Category::Expiry), 1);

    // The other enterprise sees only its own.
    let theirs = env
        .svc
        .messages(&b, None, false, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(theirs.page.items.len(), 1);
    assert_eq!(theirs.page.items[0].id, other);
    assert_eq!(theirs.unread.total, 1);
}

#[tokio::test]
async fn the_inbox_pages_by_cursor_without_gaps_or_repeats() {
    let env = env().await;
    let a = env.enterprise("acme", 1).await;
    let mut posted = Vec::new();
    for i in 0..7 {
        posted.push(
            post(
                &env,
                ent(&a.enterprise_id),
                Category::Update,
                &format!("第{i}条"),
            )
            .await,
        );
    }
    posted.reverse();
    let mut seen = Vec::new();
    let mut page = PageRequest::first(3);
    loop {
        let got = env.svc.messages(&a, None, false, &page).await.unwrap();
        assert!(got.page.items.len() <= 3);
        seen.extend(got.page.items.into_iter().map(|m| m.id));
        match got.page.next {
            Some(next) => page = PageRequest::after(&next, 3),
            None => break,
        }
    }
    assert_eq!(seen, posted);
    let bad = env
        .svc
        .messages(&a, None, false, &PageRequest::after("garbage!", 3))
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("cursor"));
}

#[tokio::test]
async fn the_home_screen_shows_the_latest_five_with_unread_marks() {
    let env = env().await;
    let a = env.enterprise("acme", 1).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(
            post(
                &env,
                ent(&a.enterprise_id),
                Category::Reminder,
                &format!("提醒{i}"),
            )
            .await,
        );
    }
    env.svc
        .mark_read(&a, std::slice::from_ref(&ids[5]))
        .await
        .unwrap();
    let latest = env.svc.latest_messages(&a, 5).await.unwrap();
    let got: Vec<(&str, bool)> = latest
        .items
        .iter()
        .map(|m| (m.id.as_str(), m.unread))
        .collect();
    assert_eq!(
        got,
        [
            (ids[6].as_str(), true),
            (ids[5].as_str(), false),
            (ids[4].as_str(), true),
            (ids[3].as_str(), true),
            (ids[2].as_str(), true),
        ]
    );
    assert_eq!(latest.unread_total, 6);
    // A fresh account has none.
    let b = env.enterprise("bolt", 2).await;
    let none = env.svc.latest_messages(&b, 5).await.unwrap();
    assert!(none.items.is_empty());
    assert_eq!(none.unread_total, 0);
}

#[tokio::test]
async fn detail_does_not_mark_read_and_is_forbidden_to_others() {
    let env = env().await;
    let a = env.enterprise("acme", 1).await;
    let b = env.enterprise("bolt", 2).await;
    let reviewer = env
        .staff(
            "sz_county",
            AccountKind::Reviewer,
            Some(ReviewLevel::County),
            Some("440305"),
        )
        .await;
    let support = env.support().await;
    let id = post(
        &env,
        ent(&a.enterprise_id),
        Category::Cancellation,
        "取消认定通知",
    )
    .await;

    let m = env.svc.message(&a, &id).await.unwrap();
    assert_eq!(m.title.zh, "取消认定通知");
    assert_eq!(m.category, Category::Cancellation);
    let again = env.svc.message(&a, &id).await.unwrap();
    assert!(again.unread, "reading the detail does not mark it read");

    for other in [&b, &reviewer, &support] {
        let e = env.svc.message(other, &id).await.unwrap_err();
        assert!(
            matches!(e, ServiceError::Forbidden { .. }),
            "{}: {e:?}",
            other.login_name
        );
    }
    let e = env.svc.message(&a, "no-such-message").await.unwrap_err();
    assert_eq!(e.code(), "not_found");
}

#[tokio::test]
async fn staff_and_natural_persons_read_messages_addressed_to_their_account() {
    let env = env().await;
    let a = env.enterprise("acme", 1).await;
    let reviewer = env
        .staff(
            "gd_prov",
            AccountKind::Reviewer,
            Some(ReviewLevel::Province),
            Some("440000"),
        )
        .await;
    env.register("walker", AccountKind::Natural, 9).await;
    let person = env.login("walker").await;
    post(&env, ent(&a.enterprise_id), Category::Expiry, "企业的").await;
    let to_reviewer = post(
        &env,
        Recipient::Account(reviewer.account_id.clone()),
        Category::Reminder,
        "给审核员",
    )
    .await;
    let to_person = post(
        &env,
        Recipient::Account(person.account_id.clone()),
        Category::Reminder,
        "给自然人",
    )
    .await;
    for (s, id) in [(&reviewer, &to_reviewer), (&person, &to_person)] {
        let inbox = env
            .svc
            .messages(s, None, false, &PageRequest::default())
            .await
            .unwrap();
        let ids: Vec<&String> = inbox.page.items.iter().map(|m| &m.id).collect();
        assert_eq!(ids, [id], "{}", s.login_name);
        assert_eq!(inbox.unread.total, 1);
        assert!(env.svc.message(s, id).await.is_ok());
        assert_eq!(
            env.svc
                .mark_read(s, std::slice::from_ref(id))
                .await
                .unwrap(),
            1
        );
    }
    let e = env.svc.message(&person, &to_reviewer).await.unwrap_err();
    assert_eq!(e.code(), "forbidden");
}

#[tokio::test]
async fn mark_read_is_all_or_nothing_over_own_messages() {
    let env = env().await;
    let a = env.enterprise("acme", 1).await;
    let b = env.enterprise("bolt", 2).await;
    let mine = post(&env, ent(&b.enterprise_id), Category::Expiry, "b的").await;
    let theirs = post(&env, ent(&a.enterprise_id), Category::Expiry, "a的").await;

    // One foreign id spoils the whole call: nothing is marked.
    let e = env
        .svc
        .mark_read(&b, &[mine.clone(), theirs.clone()])
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(env.svc.message(&b, &mine).await.unwrap().unread);
    assert!(env.svc.message(&a, &theirs).await.unwrap().unread);
    let e = env
        .svc
        .mark_read(&b, &[mine.clone(), "missing".into()])
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    assert!(env.svc.message(&b, &mine).await.unwrap().unread);

    let e = env.svc.mark_read(&b, &[]).await.unwrap_err();
    assert_eq!(e.field(), Some("ids"));
    let too_many: Vec<String> = (0..201).map(|i| format!("m{i}")).collect();
    let e = env.svc.mark_read(&b, &too_many).await.unwrap_err();
    assert_eq!(e.field(), Some("ids"));
    assert!(e.text().en.contains("201"), "{}", e.text().en);

    // Duplicates count once; marking again keeps the first read time.
    assert_eq!(
        env.svc
            .mark_read(&b, &[mine.clone(), mine.clone()])
            .await
            .unwrap(),
        1
    );
    let first = env.svc.message(&b, &mine).await.unwrap().read_at.unwrap();
    env.clock.advance(Duration::hours(1));
    assert_eq!(
        env.svc
            .mark_read(&b, std::slice::from_ref(&mine))
            .await
            .unwrap(),
        0
    );
    let still = env.svc.message(&b, &mine).await.unwrap();
    assert_eq!(still.read_at, Some(first));
    assert!(!still.unread);
    assert_eq!(
        env.audit_actions("message", &mine).await,
        ["message.read", "message.read"]
    );
}

#[tokio::test]
async fn mark_all_read_by_category_touches_only_the_callers_messages() {
    let env = env().await;
    let a = env.enterprise("acme", 1).await;
    let b = env.enterprise("bolt", 2).await;
    for c in [Category::Expiry, Category::Expiry, Category::Update] {
        post(&env, ent(&a.enterprise_id), c, "a").await;
    }
    post(&env, ent(&b.enterprise_id), Category::Expiry, "b").await;

    assert_eq!(
        env.svc
            .mark_all_read(&a, Some(Category::Expiry))
            .await
            .unwrap(),
        2
    );
    let inbox = env
        .svc
        .messages(&a, None, false, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(inbox.unread.total, 1);
    assert_eq!(inbox.unread.of(Category::Update), 1);
    assert_eq!(env.svc.mark_all_read(&a, None).await.unwrap(), 1);
    assert_eq!(env.svc.mark_all_read(&a, None).await.unwrap(), 0);
    let theirs = env.svc.latest_messages(&b, 5).await.unwrap();
    assert_eq!(theirs.unread_total, 1, "the other enterprise is untouched");
    assert_eq!(
        env.scalar("SELECT COUNT(*) FROM audit WHERE action = 'message.read_all'")
            .await,
        2,
        "one audit row per call that marked something"
    );
}
