//! Declaration windows and review chains through the service, each test on a fresh database with
//! the test clock at Monday 2025-03-03 09:00 Beijing time.

mod common;

use chrono::{Duration, NaiveDate};
use common::{Env, env};
use zjtx::domain::text::Localized;
use zjtx::domain::tiers::{ReviewLevel, Tier};
use zjtx::service::authz::place_of;
use zjtx::service::windows::{NewWindow, WindowFilter, WindowStatus};
use zjtx::service::{AccountKind, PageRequest, ServiceError, Session};

use ReviewLevel::{City, County, Ministry, Province};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn window(authority: &str, tier: Tier, batch: i64, start: &str, end: &str) -> NewWindow {
    NewWindow {
        authority_code: authority.into(),
        tier,
        batch,
        start: d(start),
        end: d(end),
    }
}

async fn admin(env: &Env, login: &str, region: &str) -> Session {
    env.staff(login, AccountKind::Admin, Some(Province), Some(region))
        .await
}

/// Fills the enterprise's basic information (registered in `county`) directly: that is the
/// enterprise-info engineer's use case, not this module's.
async fn fill_basic_info(env: &Env, s: &Session, county: &str) {
    let p = place_of(county).unwrap();
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "UPDATE enterprises SET county_code = $1, city_code = $2, authority_code = $3, \
         industry_code = '3973', segment = '智能传感器', main_products = 'MEMS 压力传感器', \
         employees = 210, revenue = 8600, total_assets = 9800, contact_name = '李四', \
         contact_phone = '13800000001' WHERE id = $4",
    )
    .bind(&p.county_code)
    .bind(&p.city_code)
    .bind(&p.authority_code)
    .bind(s.enterprise_id.as_deref().unwrap())
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
}

fn fields(e: &ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Invalid { fields } => fields
            .iter()
            .map(|f| (f.field.clone(), f.text.zh.clone()))
            .collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn window_input_is_validated_all_at_once() {
    let env = env().await;
    let gd = admin(&env, "gd_admin", "440000").await;
    let e = env
        .svc
        .open_window(
            &gd,
            window(
                "440000",
                Tier::Specialized,
                2019,
                "2025-03-01",
                "2025-02-20",
            ),
        )
        .await
        .unwrap_err();
    let f = fields(&e);
    let names: Vec<&str> = f.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["batch", "start", "end"], "{f:?}");
    assert!(f[0].1.contains("2019"), "{}", f[0].1);
    assert!(f[1].1.contains("2025-03-01") && f[1].1.contains("2025-03-03"));
    // The end-before-start error names both dates, in both languages.
    let end = match &e {
        ServiceError::Invalid { fields } => fields[2].text.clone(),
        _ => unreachable!(),
    };
    for msg in [&end.zh, &end.en] {
        assert!(
            msg.contains("2025-03-01") && msg.contains("2025-02-20"),
            "{msg}"
        );
    }
    // A window may start today and last one day.
    let one_day = env
        .svc
        .open_window(
            &gd,
            window(
                "440000",
                Tier::Specialized,
                2025,
                "2025-03-03",
                "2025-03-03",
            ),
        )
        .await
        .unwrap();
    assert_eq!(one_day.status, WindowStatus::Open);
    // An authority must be a province, municipality or 计划单列市 (checked after authorization:
    // a 广州 code is not this admin's authority at all).
    let e = env
        .svc
        .open_window(
            &gd,
            window(
                "440100",
                Tier::Specialized,
                2025,
                "2025-04-01",
                "2025-04-30",
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert_eq!(
        env.scalar("SELECT COUNT(*) FROM windows").await,
        1,
        "refused calls leave no row"
    );
}

#[tokio::test]
async fn windows_of_the_same_tier_and_batch_may_not_overlap() {
    let env = env().await;
    let gd = admin(&env, "gd_admin", "440000").await;
    let march = env
        .svc
        .open_window(
            &gd,
            window(
                "440000",
                Tier::Specialized,
                2025,
                "2025-03-10",
                "2025-03-31",
            ),
        )
        .await
        .unwrap();
    assert_eq!(march.status, WindowStatus::Upcoming);
    assert_eq!(march.authority_name, "广东省");
    // Touching the last day overlaps; the error names the other window's dates.
    let e = env
        .svc
        .open_window(
            &gd,
            window(
                "440000",
                Tier::Specialized,
                2025,
                "2025-03-31",
                "2025-04-15",
            ),
        )
        .await
        .unwrap_err();
    let f = fields(&e);
    assert_eq!(f[0].0, "start");
    assert!(
        f[0].1.contains("2025-03-10") && f[0].1.contains("2025-03-31"),
        "{}",
        f[0].1
    );
    assert!(e.text().en.contains("overlaps"), "{}", e.text().en);
    // A different batch, a different tier, another authority: all fine.
    env.svc
        .open_window(
            &gd,
            window(
                "440000",
                Tier::Specialized,
                2026,
                "2025-03-20",
                "2025-04-15",
            ),
        )
        .await
        .unwrap();
    env.svc
        .open_window(
            &gd,
            window("440000", Tier::Innovative, 2025, "2025-03-20", "2025-04-15"),
        )
        .await
        .unwrap();
    let sz = admin(&env, "sz_admin", "440300").await;
    env.svc
        .open_window(
            &sz,
            window(
                "440300",
                Tier::Specialized,
                2025,
                "2025-03-20",
                "2025-04-15",
            ),
        )
        .await
        .unwrap();
    // Once the March window is closed early, its days are free again.
    env.svc
        .close_window(&gd, &march.id, march.version)
        .await
        .unwrap();
    env.svc
        .open_window(
            &gd,
            window(
                "440000",
                Tier::Specialized,
                2025,
                "2025-03-31",
                "2025-04-15",
            ),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn only_the_authoritys_province_admin_opens_and_closes_windows() {
    let env = env().await;
    let gd = admin(&env, "gd_admin", "440000").await;
    let sz = admin(&env, "sz_admin", "440300").await;
    let ministry = env
        .staff("miit_admin", AccountKind::Admin, Some(Ministry), None)
        .await;
    let gz_city = env
        .staff("gz_city", AccountKind::Reviewer, Some(City), Some("440100"))
        .await;
    let gd_reviewer = env
        .staff(
            "gd_rev",
            AccountKind::Reviewer,
            Some(Province),
            Some("440000"),
        )
        .await;
    let support = env.support().await;
    let firm = env.enterprise("firm", 1).await;
    let sz_window = || {
        window(
            "440300",
            Tier::Specialized,
            2025,
            "2025-03-10",
            "2025-03-31",
        )
    };

    // 广东 may not open a 深圳 window: 深圳 is a 计划单列市, its own authority.
    let e = env.svc.open_window(&gd, sz_window()).await.unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(e.text().zh.contains("深圳市"), "{}", e.text().zh);
    for who in [&ministry, &gz_city, &gd_reviewer, &support, &firm] {
        let e = env.svc.open_window(who, sz_window()).await.unwrap_err();
        assert_eq!(e.code(), "forbidden", "{who:?}");
        let e = env
            .svc
            .open_window(
                who,
                window(
                    "440000",
                    Tier::LittleGiant,
                    2025,
                    "2025-03-10",
                    "2025-03-31",
                ),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden", "{who:?}");
    }
    assert_eq!(env.scalar("SELECT COUNT(*) FROM windows").await, 0);

    // 深圳's own admin opens it; 小巨人 windows are provincial too.
    let w = env.svc.open_window(&sz, sz_window()).await.unwrap();
    env.svc
        .open_window(
            &gd,
            window(
                "440000",
                Tier::LittleGiant,
                2025,
                "2025-03-10",
                "2025-03-31",
            ),
        )
        .await
        .unwrap();
    let e = env
        .svc
        .close_window(&gd, &w.id, w.version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    let e = env
        .svc
        .close_window(&ministry, &w.id, w.version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert_eq!(
        env.audit_actions("window", &w.id).await,
        ["window.open"],
        "refused closes are not recorded as closes"
    );
}

#[tokio::test]
async fn closing_a_window_is_versioned_audited_and_final() {
    let env = env().await;
    let gd = admin(&env, "gd_admin", "440000").await;
    let firm = env.enterprise("firm", 1).await;
    fill_basic_info(&env, &firm, "440106").await;
    let w = env
        .svc
        .open_window(
            &gd,
            window("440000", Tier::Innovative, 2025, "2025-03-03", "2025-03-31"),
        )
        .await
        .unwrap();
    assert_eq!(w.version, 1);
    let home = env.svc.open_windows_for_enterprise(&firm).await.unwrap();
    assert_eq!(home.windows.len(), 1);
    assert!(home.reasons.is_empty(), "{:?}", home.reasons);

    env.clock.advance(Duration::hours(2));
    let e = env.svc.close_window(&gd, &w.id, 7).await.unwrap_err();
    match &e {
        ServiceError::Conflict {
            current_version,
            by,
            ..
        } => {
            assert_eq!(*current_version, 1);
            assert_eq!(by.as_deref(), Some("gd_admin-name"));
        }
        other => panic!("{other:?}"),
    }
    let closed = env.svc.close_window(&gd, &w.id, 1).await.unwrap();
    assert_eq!(closed.status, WindowStatus::Closed);
    assert_eq!(closed.version, 2);
    assert_eq!(closed.closed_at, Some(env.svc.now()));
    assert_eq!(
        env.audit_actions("window", &w.id).await,
        ["window.open", "window.close"]
    );
    let e = env.svc.close_window(&gd, &w.id, 2).await.unwrap_err();
    assert_eq!(e.code(), "window_already_closed");
    // The enterprise's home screen no longer offers it.
    let home = env.svc.open_windows_for_enterprise(&firm).await.unwrap();
    assert!(home.windows.is_empty());
    assert!(home.reasons[0].zh.contains("没有开放的申报窗口"));

    // A window whose last day has passed has nothing to close.
    let later = env
        .svc
        .open_window(
            &gd,
            window(
                "440000",
                Tier::Specialized,
                2025,
                "2025-03-04",
                "2025-03-05",
            ),
        )
        .await
        .unwrap();
    env.clock.advance(Duration::days(3));
    let e = env
        .svc
        .close_window(&gd, &later.id, later.version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "window_already_ended");
}

#[tokio::test]
async fn windows_are_listed_publicly_with_filters_and_pages() {
    let env = env().await;
    let gd = admin(&env, "gd_admin", "440000").await;
    let open = env
        .svc
        .open_window(
            &gd,
            window("440000", Tier::Innovative, 2025, "2025-03-03", "2025-03-31"),
        )
        .await
        .unwrap();
    let upcoming = env
        .svc
        .open_window(
            &gd,
            window(
                "440000",
                Tier::Specialized,
                2025,
                "2025-04-01",
                "2025-04-30",
            ),
        )
        .await
        .unwrap();
    let little = env
        .svc
        .open_window(
            &gd,
            window(
                "440000",
                Tier::LittleGiant,
                2025,
                "2025-05-01",
                "2025-05-31",
            ),
        )
        .await
        .unwrap();
    env.svc
        .close_window(&gd, &little.id, little.version)
        .await
        .unwrap();

    let all = env
        .svc
        .windows("440000", &WindowFilter::default(), &PageRequest::first(2))
        .await
        .unwrap();
    let ids: Vec<&str> = all.items.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(
        ids,
        [little.id.as_str(), upcoming.id.as_str()],
        "latest first"
    );
    let rest = env
        .svc
        .windows(
            "440000",
            &WindowFilter::default(),
            &PageRequest::after(all.next.as_deref().unwrap(), 2),
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].id, open.id);
    assert!(rest.next.is_none());

    for (status, id) in [
        (WindowStatus::Open, &open.id),
        (WindowStatus::Upcoming, &upcoming.id),
        (WindowStatus::Closed, &little.id),
    ] {
        let got = env
            .svc
            .windows(
                "440000",
                &WindowFilter {
                    status: Some(status),
                    ..WindowFilter::default()
                },
                &PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(got.items.len(), 1, "{status:?}");
        assert_eq!(&got.items[0].id, id);
        assert_eq!(got.items[0].status, status);
    }
    let by_tier = env
        .svc
        .windows(
            "440000",
            &WindowFilter {
                tier: Some(Tier::Specialized),
                batch: Some(2025),
                status: None,
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(by_tier.items.len(), 1);
    let other = env
        .svc
        .windows("440300", &WindowFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert!(other.items.is_empty());
}

#[tokio::test]
async fn the_home_screen_says_why_an_enterprise_cannot_declare() {
    let env = env().await;
    let gd = admin(&env, "gd_admin", "440000").await;

    env.register("person", AccountKind::Natural, 1).await;
    let person = env.login("person").await;
    let home = env.svc.open_windows_for_enterprise(&person).await.unwrap();
    assert!(home.windows.is_empty());
    assert!(
        home.reasons[0].zh.contains("自然人账户"),
        "{:?}",
        home.reasons
    );
    assert!(home.reasons[0].zh.contains("法人账户"));

    env.register("unverified", AccountKind::Legal, 2).await;
    let unverified = env.login("unverified").await;
    let home = env
        .svc
        .open_windows_for_enterprise(&unverified)
        .await
        .unwrap();
    assert!(
        home.reasons[0].zh.contains("实名认证"),
        "{:?}",
        home.reasons
    );

    let firm = env.enterprise("firm", 3).await;
    let home = env.svc.open_windows_for_enterprise(&firm).await.unwrap();
    assert_eq!(home.reasons.len(), 2, "{:?}", home.reasons);
    assert!(home.reasons[0].zh.contains("注册地（区县）"));
    assert!(home.reasons[0].zh.contains("联系人"));
    assert!(home.reasons[1].zh.contains("注册地"));

    fill_basic_info(&env, &firm, "440106").await;
    let home = env.svc.open_windows_for_enterprise(&firm).await.unwrap();
    assert_eq!(home.reasons.len(), 1);
    assert!(home.reasons[0].zh.contains("广东省目前没有开放的申报窗口"));

    env.svc
        .open_window(
            &gd,
            window(
                "440000",
                Tier::Specialized,
                2025,
                "2025-04-01",
                "2025-04-30",
            ),
        )
        .await
        .unwrap();
    let home = env.svc.open_windows_for_enterprise(&firm).await.unwrap();
    assert!(
        home.reasons[0].zh.contains("2025-04-01") && home.reasons[0].zh.contains("2025-04-30"),
        "the next window is named: {:?}",
        home.reasons
    );
    let w = env
        .svc
        .open_window(
            &gd,
            window("440000", Tier::Innovative, 2025, "2025-03-03", "2025-03-20"),
        )
        .await
        .unwrap();
    let home = env.svc.open_windows_for_enterprise(&firm).await.unwrap();
    assert!(home.reasons.is_empty(), "{:?}", home.reasons);
    assert_eq!(home.windows.len(), 1);
    assert_eq!(home.windows[0].id, w.id);
    assert_eq!(
        (home.windows[0].tier, home.windows[0].batch),
        (Tier::Innovative, 2025)
    );
    assert_eq!(home.windows[0].end, d("2025-03-20"));

    // An enterprise of another authority sees none of 广东's windows.
    let sz_firm = env.enterprise("sz_firm", 4).await;
    fill_basic_info(&env, &sz_firm, "440305").await;
    let home = env.svc.open_windows_for_enterprise(&sz_firm).await.unwrap();
    assert!(home.windows.is_empty());
    assert!(home.reasons[0].zh.contains("深圳市"));

    let support = env.support().await;
    let e = env
        .svc
        .open_windows_for_enterprise(&support)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
}

#[tokio::test]
async fn opening_a_window_reminds_the_enterprises_of_the_authority() {
    let env = env().await;
    let gd = admin(&env, "gd_admin", "440000").await;
    let gz = env.enterprise("gz_firm", 1).await;
    fill_basic_info(&env, &gz, "440106").await;
    let sz = env.enterprise("sz_firm", 2).await;
    fill_basic_info(&env, &sz, "440305").await;
    env.svc
        .open_window(
            &gd,
            window(
                "440000",
                Tier::Specialized,
                2025,
                "2025-03-10",
                "2025-03-31",
            ),
        )
        .await
        .unwrap();
    let mut conn = env.svc.read().await.unwrap();
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT enterprise_id, category, body FROM messages ORDER BY created_at")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1, "only the 广东 enterprise: {rows:?}");
    assert_eq!(rows[0].0, gz.enterprise_id.clone().unwrap());
    assert_eq!(rows[0].1, "reminder");
    assert!(rows[0].2.contains("2025-03-10") && rows[0].2.contains("2025-03-31"));
}

#[tokio::test]
async fn chains_default_and_are_set_by_the_province_admin_with_validation() {
    let env = env().await;
    let gd = admin(&env, "gd_admin", "440000").await;
    let sz = admin(&env, "sz_admin", "440300").await;
    let county = env
        .staff(
            "th_rev",
            AccountKind::Reviewer,
            Some(County),
            Some("440106"),
        )
        .await;
    let firm = env.enterprise("firm", 1).await;
    let support = env.support().await;

    let c = env
        .svc
        .chain(&county, "440000", Tier::Specialized)
        .await
        .unwrap();
    assert!(c.is_default && c.version.is_none());
    assert_eq!(c.chain.levels(), [County, City, Province]);
    assert_eq!(c.name.zh, "县级 → 市级 → 省级");
    let c = env
        .svc
        .chain(&county, "440300", Tier::Specialized)
        .await
        .unwrap();
    assert_eq!(
        c.chain.levels(),
        [County, Province],
        "a 计划单列市 starts at district level"
    );
    for who in [&firm, &support] {
        let e = env
            .svc
            .chain(who, "440000", Tier::Specialized)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
    }

    // Validated by the domain: must end at the province (ministry for 小巨人) …
    let e = env
        .svc
        .set_chain(&gd, "440000", Tier::Specialized, vec![County, City], None)
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("levels"));
    assert!(e.text().zh.contains("必须以省级结束"), "{}", e.text().zh);
    // … 小巨人 must pass the province …
    let e = env
        .svc
        .set_chain(&gd, "440000", Tier::LittleGiant, vec![City, Ministry], None)
        .await
        .unwrap_err();
    assert!(e.text().zh.contains("省级推荐"), "{}", e.text().zh);
    // … bottom-up without repeats.
    let e = env
        .svc
        .set_chain(
            &gd,
            "440000",
            Tier::Innovative,
            vec![City, County, Province],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("levels"));

    // Only that authority's admin.
    for who in [&sz, &county, &firm, &support] {
        let e = env
            .svc
            .set_chain(who, "440000", Tier::Specialized, vec![City, Province], None)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden", "{who:?}");
    }
    assert_eq!(env.scalar("SELECT COUNT(*) FROM chains").await, 0);

    let set = env
        .svc
        .set_chain(&gd, "440000", Tier::Specialized, vec![City, Province], None)
        .await
        .unwrap();
    assert!(!set.is_default);
    assert_eq!(set.version, Some(1));
    assert_eq!(set.updated_by.as_deref(), Some("gd_admin-name"));
    // A second writer who still believes the default is in force is told who changed it.
    let e = env
        .svc
        .set_chain(&gd, "440000", Tier::Specialized, vec![Province], None)
        .await
        .unwrap_err();
    match e {
        ServiceError::Conflict {
            current_version,
            by,
            ..
        } => {
            assert_eq!(current_version, 1);
            assert_eq!(by.as_deref(), Some("gd_admin-name"));
        }
        other => panic!("{other:?}"),
    }
    let set = env
        .svc
        .set_chain(&gd, "440000", Tier::Specialized, vec![Province], Some(1))
        .await
        .unwrap();
    assert_eq!(set.version, Some(2));
    assert_eq!(set.chain.levels(), [Province]);
    let read = env
        .svc
        .chain(&county, "440000", Tier::Specialized)
        .await
        .unwrap();
    assert_eq!(read.chain.levels(), [Province]);
    assert_eq!(
        env.audit_actions("chain", "440000:specialized").await,
        ["chain.set", "chain.set"]
    );
}
