//! Announcements (公告): who may publish at which level, drafts with versions, publish and
//! withdraw, the public list (search with literal % and _, newest first, cursor paging) and
//! detail.

mod common;

use chrono::Duration;
use common::{Env, env};
use zjtx::domain::Localized;
use zjtx::domain::tiers::ReviewLevel;
use zjtx::service::announcements::{
    AnnouncementDraft, AnnouncementFilter, AnnouncementLevel, AnnouncementState,
};
use zjtx::service::{AccountKind, PageRequest, ServiceError, Session};

fn draft(title: &str, body: &str) -> AnnouncementDraft {
    AnnouncementDraft {
        title: title.into(),
        body: body.into(),
        level: None,
    }
}

async fn ministry(env: &Env) -> Session {
    env.staff(
        "miit_admin",
        AccountKind::Admin,
        Some(ReviewLevel::Ministry),
        None,
    )
    .await
}

async fn province_admin(env: &Env, login: &str, region: &str) -> Session {
    env.staff(
        login,
        AccountKind::Admin,
        Some(ReviewLevel::Province),
        Some(region),
    )
    .await
}

/// Creates and publishes an announcement one minute after the previous one; returns its id.
async fn published(env: &Env, who: &Session, title: &str, body: &str) -> String {
    env.clock.advance(Duration::minutes(1));
    let a = env
        .svc
        .create_announcement(who, &draft(title, body))
        .await
        .unwrap();
    env.svc
        .publish_announcement(who, &a.id, a.version)
        .await
        .unwrap()
        .id
}

async fn public_titles(env: &Env, filter: &AnnouncementFilter) -> Vec<String> {
    env.svc
        .announcements(filter, &PageRequest::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| a.title)
        .collect()
}

fn text(t: &str) -> AnnouncementFilter {
    AnnouncementFilter {
        text: Some(t.into()),
        ..AnnouncementFilter::default()
    }
}

#[tokio::test]
async fn ministry_and_provincial_admins_create_at_their_own_level() {
    let env = env().await;
    let miit = ministry(&env).await;
    let gd = province_admin(&env, "gd_admin", "440000").await;
    let sz = province_admin(&env, "sz_admin", "440300").await;

    let m = env
        .svc
        .create_announcement(&miit, &draft("部级公告", "正文"))
        .await
        .unwrap();
    assert_eq!(m.level, AnnouncementLevel::Ministry);
    assert_eq!(m.authority_code, None);
    assert_eq!(m.state, AnnouncementState::Draft);
    assert_eq!(m.version, 1);
    assert_eq!(m.publisher.zh, "工业和信息化部");
    assert_eq!(m.author_name.as_deref(), Some("miit_admin-name"));

    let p = env
        .svc
        .create_announcement(&gd, &draft("广东省公告", "正文"))
        .await
        .unwrap();
    assert_eq!(p.level, AnnouncementLevel::Province);
    assert_eq!(p.authority_code.as_deref(), Some("440000"));
    assert_eq!(p.publisher.zh, "广东省");

    let c = env
        .svc
        .create_announcement(&sz, &draft("深圳市公告", "正文"))
        .await
        .unwrap();
    assert_eq!(
        c.authority_code.as_deref(),
        Some("440300"),
        "a 计划单列市 publishes for itself"
    );
    assert_eq!(
        env.audit_actions("announcement", &c.id).await,
        ["announcement.create"]
    );

    // Asking for another level than one's own.
    let mut wrong = draft("越级", "正文");
    wrong.level = Some(AnnouncementLevel::Ministry);
    let e = env.svc.create_announcement(&gd, &wrong).await.unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(e.text().zh.contains("部级公告"), "{}", e.text().zh);
    wrong.level = Some(AnnouncementLevel::Province);
    assert_eq!(
        env.svc
            .create_announcement(&miit, &wrong)
            .await
            .unwrap_err()
            .code(),
        "forbidden"
    );
    wrong.level = Some(AnnouncementLevel::Province);
    assert!(env.svc.create_announcement(&gd, &wrong).await.is_ok());
}

#[tokio::test]
async fn reviewers_of_every_level_support_and_enterprises_are_forbidden() {
    let env = env().await;
    let gd = province_admin(&env, "gd_admin", "440000").await;
    let a = env
        .svc
        .create_announcement(&gd, &draft("广东省公告", "正文"))
        .await
        .unwrap();
    let province_reviewer = env
        .staff(
            "gd_reviewer",
            AccountKind::Reviewer,
            Some(ReviewLevel::Province),
            Some("440000"),
        )
        .await;
    let ministry_reviewer = env
        .staff(
            "miit_reviewer",
            AccountKind::Reviewer,
            Some(ReviewLevel::Ministry),
            None,
        )
        .await;
    let city_reviewer = env
        .staff(
            "gz_reviewer",
            AccountKind::Reviewer,
            Some(ReviewLevel::City),
            Some("440100"),
        )
        .await;
    let support = env.support().await;
    let enterprise = env.enterprise("acme", 1).await;
    env.register("walker", AccountKind::Natural, 9).await;
    let person = env.login("walker").await;
    for s in [
        &province_reviewer,
        &ministry_reviewer,
        &city_reviewer,
        &support,
        &enterprise,
        &person,
    ] {
        let who = &s.login_name;
        let forbidden = |r: Result<_, ServiceError>| {
            assert!(
                matches!(r, Err(ServiceError::Forbidden { .. })),
                "{who}: {:?}",
                r.map(|_| ())
            )
        };
        forbidden(
            env.svc
                .create_announcement(s, &draft("t", "b"))
                .await
                .map(|_| ()),
        );
        forbidden(
            env.svc
                .update_announcement(s, &a.id, 1, &draft("t", "b"))
                .await
                .map(|_| ()),
        );
        forbidden(env.svc.publish_announcement(s, &a.id, 1).await.map(|_| ()));
        forbidden(env.svc.withdraw_announcement(s, &a.id, 1).await.map(|_| ()));
        forbidden(env.svc.delete_announcement(s, &a.id, 1).await);
        forbidden(env.svc.own_announcement(s, &a.id).await.map(|_| ()));
        forbidden(
            env.svc
                .own_announcements(s, None, &PageRequest::default())
                .await
                .map(|_| ()),
        );
    }
    assert_eq!(
        env.scalar("SELECT COUNT(*) FROM announcements").await,
        1,
        "no refused call left a row"
    );
}

#[tokio::test]
async fn a_province_admin_manages_its_own_authority_only() {
    let env = env().await;
    let gd = province_admin(&env, "gd_admin", "440000").await;
    let gd2 = province_admin(&env, "gd_admin2", "440000").await;
    let sz = province_admin(&env, "sz_admin", "440300").await;
    let miit = ministry(&env).await;
    let a = env
        .svc
        .create_announcement(&gd, &draft("广东省公告", "正文"))
        .await
        .unwrap();
    for other in [&sz, &miit] {
        let e = env
            .svc
            .update_announcement(other, &a.id, 1, &draft("改", "改"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden", "{}", other.login_name);
        assert!(e.text().zh.contains("广东省"), "{}", e.text().zh);
        assert_eq!(
            env.svc
                .publish_announcement(other, &a.id, 1)
                .await
                .unwrap_err()
                .code(),
            "forbidden"
        );
        assert_eq!(
            env.svc
                .own_announcement(other, &a.id)
                .await
                .unwrap_err()
                .code(),
            "forbidden"
        );
        let theirs = env
            .svc
            .own_announcements(other, None, &PageRequest::default())
            .await
            .unwrap();
        assert!(theirs.items.is_empty());
    }
    // Another admin of the same authority edits and publishes it.
    let edited = env
        .svc
        .update_announcement(&gd2, &a.id, 1, &draft("广东省公告（修订）", "新正文"))
        .await
        .unwrap();
    assert_eq!(edited.version, 2);
    let done = env.svc.publish_announcement(&gd2, &a.id, 2).await.unwrap();
    assert_eq!(done.state, AnnouncementState::Published);
    assert_eq!(
        env.audit_actions("announcement", &a.id).await,
        [
            "announcement.create",
            "announcement.update",
            "announcement.publish"
        ]
    );
    let e = env.svc.own_announcement(&gd, "missing").await.unwrap_err();
    assert_eq!(e.code(), "not_found");
}

#[tokio::test]
async fn title_and_body_are_checked_together() {
    let env = env().await;
    let gd = province_admin(&env, "gd_admin", "440000").await;
    let fields = |e: ServiceError| match e {
        ServiceError::Invalid { fields } => fields
            .into_iter()
            .map(|f| (f.field, f.text.en))
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let got = fields(
        env.svc
            .create_announcement(&gd, &draft("  ", ""))
            .await
            .unwrap_err(),
    );
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, "title");
    assert!(
        got[0].1.contains("Enter the announcement title"),
        "{}",
        got[0].1
    );
    assert_eq!(got[1].0, "body");

    let got = fields(
        env.svc
            .create_announcement(&gd, &draft(&"标".repeat(101), &"文".repeat(20_001)))
            .await
            .unwrap_err(),
    );
    assert_eq!(got.len(), 2);
    assert!(
        got[0].1.contains("at most 100") && got[0].1.contains("101"),
        "{}",
        got[0].1
    );
    assert!(
        got[1].1.contains("at most 20000") && got[1].1.contains("20001"),
        "{}",
        got[1].1
    );

    let got = fields(
        env.svc
            .create_announcement(&gd, &draft("两行\n标题", "正文"))
            .await
            .unwrap_err(),
    );
    assert_eq!(got[0].0, "title");
    assert!(got[0].1.contains("single line"));

    // The limits themselves are accepted; surrounding spaces are trimmed.
    let ok = env
        .svc
        .create_announcement(
            &gd,
            &draft(&format!(" {} ", "标".repeat(100)), &"文".repeat(20_000)),
        )
        .await
        .unwrap();
    assert_eq!(ok.title.chars().count(), 100);
    assert_eq!(env.scalar("SELECT COUNT(*) FROM announcements").await, 1);
}

#[tokio::test]
async fn drafts_are_edited_with_their_version_and_a_stale_one_names_who_acted() {
    let env = env().await;
    let gd = province_admin(&env, "gd_admin", "440000").await;
    let gd2 = province_admin(&env, "gd_admin2", "440000").await;
    let a = env
        .svc
        .create_announcement(&gd, &draft("初稿", "正文"))
        .await
        .unwrap();
    env.clock.advance(Duration::minutes(5));
    let v2 = env
        .svc
        .update_announcement(&gd2, &a.id, 1, &draft("二稿", "正文二"))
        .await
        .unwrap();
    assert_eq!((v2.version, v2.title.as_str()), (2, "二稿"));
    assert!(v2.updated_at > a.updated_at);
    let e = env
        .svc
        .update_announcement(&gd, &a.id, 1, &draft("覆盖", "覆盖"))
        .await
        .unwrap_err();
    match &e {
        ServiceError::Conflict {
            current_version,
            by,
            at,
        } => {
            assert_eq!(*current_version, 2);
            assert_eq!(by.as_deref(), Some("gd_admin2-name"));
            assert_eq!(*at, Some(v2.updated_at));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.text().zh.contains("gd_admin2-name"));
    let e = env
        .svc
        .publish_announcement(&gd, &a.id, 1)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "conflict");
    let still = env.svc.own_announcement(&gd, &a.id).await.unwrap();
    assert_eq!(
        (still.title.as_str(), still.state),
        ("二稿", AnnouncementState::Draft)
    );
}

#[tokio::test]
async fn published_announcements_are_public_and_no_longer_editable() {
    let env = env().await;
    let gd = province_admin(&env, "gd_admin", "440000").await;
    let a = env
        .svc
        .create_announcement(
            &gd,
            &draft("2025年创新型中小企业评价工作通知", "请各地做好评价工作。"),
        )
        .await
        .unwrap();
    // A draft is not public.
    assert!(
        public_titles(&env, &AnnouncementFilter::default())
            .await
            .is_empty()
    );
    assert_eq!(
        env.svc.announcement(&a.id).await.unwrap_err().code(),
        "not_found"
    );

    env.clock.advance(Duration::hours(1));
    let p = env.svc.publish_announcement(&gd, &a.id, 1).await.unwrap();
    assert_eq!(p.state, AnnouncementState::Published);
    assert_eq!(p.published_at, Some(env.svc.now()));
    let public = env.svc.announcement(&a.id).await.unwrap();
    assert_eq!(public.title, "2025年创新型中小企业评价工作通知");
    assert_eq!(public.body, "请各地做好评价工作。");
    assert_eq!(public.publisher.zh, "广东省");
    assert_eq!(
        public_titles(&env, &AnnouncementFilter::default()).await,
        ["2025年创新型中小企业评价工作通知"]
    );

    for (e, code) in [
        (
            env.svc
                .update_announcement(&gd, &a.id, 2, &draft("改", "改"))
                .await
                .unwrap_err(),
            "announcement_published",
        ),
        (
            env.svc
                .publish_announcement(&gd, &a.id, 2)
                .await
                .unwrap_err(),
            "announcement_published",
        ),
        (
            env.svc
                .delete_announcement(&gd, &a.id, 2)
                .await
                .unwrap_err(),
            "announcement_published",
        ),
    ] {
        assert_eq!(e.code(), code);
        assert!(e.text().zh.contains("撤回"), "{}", e.text().zh);
    }
    // A draft cannot be withdrawn; it can be deleted.
    let d = env
        .svc
        .create_announcement(&gd, &draft("草稿", "正文"))
        .await
        .unwrap();
    assert_eq!(
        env.svc
            .withdraw_announcement(&gd, &d.id, 1)
            .await
            .unwrap_err()
            .code(),
        "announcement_not_published"
    );
    env.svc.delete_announcement(&gd, &d.id, 1).await.unwrap();
    assert_eq!(
        env.svc
            .own_announcement(&gd, &d.id)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        env.audit_actions("announcement", &d.id).await,
        ["announcement.create", "announcement.delete"]
    );
}

#[tokio::test]
async fn withdrawing_hides_it_from_the_public_but_not_from_its_authority() {
    let env = env().await;
    let gd = province_admin(&env, "gd_admin", "440000").await;
    let keep = published(&env, &gd, "保留的公告", "正文").await;
    let gone = published(&env, &gd, "撤回的公告", "正文").await;
    let w = env.svc.withdraw_announcement(&gd, &gone, 2).await.unwrap();
    assert_eq!(w.state, AnnouncementState::Withdrawn);
    assert_eq!(w.withdrawn_at, Some(env.svc.now()));
    assert_eq!(w.version, 3);

    assert_eq!(
        public_titles(&env, &AnnouncementFilter::default()).await,
        ["保留的公告"]
    );
    assert_eq!(
        env.svc.announcement(&gone).await.unwrap_err().code(),
        "not_found"
    );
    assert!(env.svc.announcement(&keep).await.is_ok());
    // Its authors still see it, with its state.
    let own = env.svc.own_announcement(&gd, &gone).await.unwrap();
    assert_eq!(own.state, AnnouncementState::Withdrawn);
    let withdrawn = env
        .svc
        .own_announcements(
            &gd,
            Some(AnnouncementState::Withdrawn),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(withdrawn.items.len(), 1);
    assert_eq!(withdrawn.items[0].id, gone);
    let all = env
        .svc
        .own_announcements(&gd, None, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(all.items.len(), 2);
    assert_eq!(all.items[0].id, gone, "last changed first");
    // Withdrawn for good.
    for e in [
        env.svc
            .withdraw_announcement(&gd, &gone, 3)
            .await
            .unwrap_err(),
        env.svc
            .publish_announcement(&gd, &gone, 3)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.code(), "announcement_withdrawn");
    }
    assert_eq!(
        env.audit_actions("announcement", &gone).await,
        [
            "announcement.create",
            "announcement.publish",
            "announcement.withdraw"
        ]
    );
}

#[tokio::test]
async fn search_takes_percent_and_underscore_literally_in_title_and_body() {
    let env = env().await;
    let miit = ministry(&env).await;
    published(&env, &miit, "研发投入占比达到5%的企业名单", "见附件。").await;
    published(&env, &miit, "研发投入占比达到50的企业名单", "见附件。").await;
    published(&env, &miit, "A_B 类名单", "第一批。").await;
    published(&env, &miit, "AXB 类名单", "第二批。").await;
    published(
        &env,
        &miit,
        "关于复核工作的通知",
        "增长率 100% 以上的企业优先。",
    )
    .await;
    published(&env, &miit, "Notice on Reviews", "Applies to SRDI firms.").await;

    assert_eq!(
        public_titles(&env, &text("5%")).await,
        ["研发投入占比达到5%的企业名单"],
        "% is not a wildcard"
    );
    assert_eq!(
        public_titles(&env, &text("a_b")).await,
        ["A_B 类名单"],
        "_ is not a wildcard; case does not matter"
    );
    assert_eq!(
        public_titles(&env, &text("100%")).await,
        ["关于复核工作的通知"],
        "found in the body"
    );
    assert_eq!(
        public_titles(&env, &text("srdi")).await,
        ["Notice on Reviews"]
    );
    assert_eq!(public_titles(&env, &text("企业名单")).await.len(), 2);
    assert!(public_titles(&env, &text("%")).await.len() == 2);
    assert!(public_titles(&env, &text("无此内容")).await.is_empty());
    assert_eq!(
        public_titles(&env, &text("   ")).await.len(),
        6,
        "blank = no filter"
    );
    let e = env
        .svc
        .announcements(&text(&"长".repeat(101)), &PageRequest::default())
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("text"));
}

#[tokio::test]
async fn the_public_list_is_newest_first_paged_and_filtered_by_level_and_authority() {
    let env = env().await;
    let miit = ministry(&env).await;
    let gd = province_admin(&env, "gd_admin", "440000").await;
    let sz = province_admin(&env, "sz_admin", "440300").await;
    published(&env, &miit, "部1", "正文").await;
    published(&env, &gd, "粤1", "正文").await;
    published(&env, &sz, "深1", "正文").await;
    published(&env, &miit, "部2", "正文").await;
    published(&env, &gd, "粤2", &"很长的正文。".repeat(50)).await;

    let mut seen = Vec::new();
    let mut page = PageRequest::first(2);
    loop {
        let got = env
            .svc
            .announcements(&AnnouncementFilter::default(), &page)
            .await
            .unwrap();
        assert!(got.items.len() <= 2);
        seen.extend(got.items.iter().map(|a| a.title.clone()));
        match got.next {
            Some(next) => page = PageRequest::after(&next, 2),
            None => break,
        }
    }
    assert_eq!(seen, ["粤2", "部2", "深1", "粤1", "部1"]);

    let first = env
        .svc
        .announcements(&AnnouncementFilter::default(), &PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(first.items[0].excerpt.chars().count(), 121);
    assert!(first.items[0].excerpt.ends_with('…'));

    let by_level = AnnouncementFilter {
        level: Some(AnnouncementLevel::Ministry),
        ..AnnouncementFilter::default()
    };
    assert_eq!(public_titles(&env, &by_level).await, ["部2", "部1"]);
    let by_authority = AnnouncementFilter {
        authority: Some("440000".into()),
        ..AnnouncementFilter::default()
    };
    assert_eq!(public_titles(&env, &by_authority).await, ["粤2", "粤1"]);
    let shenzhen = AnnouncementFilter {
        authority: Some(" 440300 ".into()),
        level: Some(AnnouncementLevel::Province),
        text: Some("深".into()),
    };
    assert_eq!(public_titles(&env, &shenzhen).await, ["深1"]);

    // Bad filters: every field at once.
    let bad = AnnouncementFilter {
        authority: Some("440100".into()),
        text: Some("长".repeat(101)),
        level: None,
    };
    match env
        .svc
        .announcements(&bad, &PageRequest::after("%%%", 2))
        .await
        .unwrap_err()
    {
        ServiceError::Invalid { fields } => {
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["authority", "text", "cursor"]);
            assert!(fields[0].text.zh.contains("440100"));
        }
        other => panic!("{other:?}"),
    }
}
