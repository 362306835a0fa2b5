//! Enterprise basic info (企业信息): view, edit, validation, certified read-only, the info-update
//! hook, authorization and the picker data. Each test on a fresh database, TestClock time
//! (2025-03-03 09:00 Beijing unless set otherwise).

mod common;

use chrono::NaiveDate;
use common::{Env, env};
use zjtx::domain::regions::AuthorityKind;
use zjtx::domain::size::{SizeClass, SizeSector};
use zjtx::domain::tiers::{AssessmentCategory, ReviewLevel};
use zjtx::service::enterprise::{EnterpriseUpdate, apply_basic_info};
use zjtx::service::{AccountKind, ServiceError, Session};

fn field_errors(e: &ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Invalid { fields } => fields
            .iter()
            .map(|f| (f.field.clone(), f.text.zh.clone()))
            .collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// The one error of `field` (panics unless exactly one).
fn error_of(e: &ServiceError, field: &str) -> String {
    let errs: Vec<String> = field_errors(e)
        .into_iter()
        .filter(|(f, _)| f == field)
        .map(|(_, t)| t)
        .collect();
    assert_eq!(errs.len(), 1, "{field}: {errs:?} in {e:?}");
    errs[0].clone()
}

/// A complete, valid basic info: 深圳 南山区, 集成电路制造 (section C).
fn full() -> EnterpriseUpdate {
    EnterpriseUpdate {
        county_code: Some("440305".into()),
        industry_code: Some("3973".into()),
        segment: Some("车规级芯片".into()),
        main_products: Some(vec!["MCU 芯片".into(), "电源管理芯片".into()]),
        established_on: Some("2015-06-30".into()),
        address: Some("深圳市南山区科技园".into()),
        employees: Some(120.0),
        revenue: Some(8000.0),
        total_assets: Some(6000.0),
        contact_name: Some("李四".into()),
        contact_phone: Some("0755-26881234".into()),
        contact_email: Some("li.si@Example.COM".into()),
        ..EnterpriseUpdate::default()
    }
}

async fn certify(env: &Env, enterprise_id: &str) {
    // Set up directly: certifications are another module's use case.
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "INSERT INTO certifications (id, enterprise_id, tier, certified_on, expires_on, status, \
         created_at, updated_at) VALUES ('c1', $1, 'innovative', '2024-06-01', '2027-05-31', \
         'active', 0, 0)",
    )
    .bind(enterprise_id)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
}

fn eid(s: &Session) -> String {
    s.enterprise_id.clone().expect("verified")
}

async fn reviewer(env: &Env, login: &str, level: ReviewLevel, region: Option<&str>) -> Session {
    env.staff(login, AccountKind::Reviewer, Some(level), region)
        .await
}

#[tokio::test]
async fn owner_fills_in_basic_info_and_sees_every_fact() {
    let env = env().await;
    let s = env.enterprise("acme", 1).await;
    let id = eid(&s);

    let before = env.svc.enterprise(&s, &id).await.unwrap();
    assert_eq!(before.version, 1);
    assert!(before.editable && !before.certified);
    let missing: Vec<&str> = before.missing.iter().map(|m| m.field.as_str()).collect();
    assert!(missing.contains(&"county_code") && missing.contains(&"industry_code"));
    assert!(before.size.is_none());
    assert!(before.size_note.as_ref().unwrap().zh.contains("所属行业"));
    let rep_id = common::resident_id(1);
    assert_eq!(
        before.legal_rep_id_masked,
        format!("{}********{}", &rep_id[..6], &rep_id[14..])
    );

    let v = env.svc.update_enterprise(&s, 1, full()).await.unwrap();
    assert_eq!(v.version, 2);
    assert!(v.missing.is_empty(), "{:?}", v.missing);
    assert_eq!(v.info.county_code.as_deref(), Some("440305"));
    assert_eq!(v.info.city_code.as_deref(), Some("440300"));
    assert_eq!(
        v.info.authority_code.as_deref(),
        Some("440300"),
        "深圳 is a 计划单列市"
    );
    let names: Vec<&str> = v.region_path.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["广东省", "深圳市", "南山区"]);
    assert_eq!(v.region_name.as_deref(), Some("广东省 深圳市 南山区"));
    let authority = v.authority.clone().unwrap();
    assert_eq!(
        (authority.code.as_str(), authority.kind),
        ("440300", AuthorityKind::PlanCity)
    );
    let path: Vec<&str> = v.industry_path.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(path, ["C", "39", "397", "3973"]);
    assert_eq!(
        v.questionnaire.as_ref().unwrap().category,
        AssessmentCategory::Manufacturing
    );
    assert_eq!(v.info.main_products, ["MCU 芯片", "电源管理芯片"]);
    assert_eq!(v.info.established_on, NaiveDate::from_ymd_opt(2015, 6, 30));
    assert_eq!(v.info.employees, Some(120));
    assert_eq!(v.info.contact_phone.as_deref(), Some("0755-26881234"));
    assert_eq!(v.info.contact_email.as_deref(), Some("li.si@example.com"));
    let size = v.size.clone().unwrap();
    assert_eq!(
        (size.sector, size.class),
        (SizeSector::Industry, SizeClass::SmallOrMedium)
    );
    assert!(v.size_note.is_none());
    assert!(v.update_window.is_none() && v.certified_note.is_none());

    // The read-back is the same, and the change is audited with before/after of each field.
    assert_eq!(env.svc.enterprise(&s, &id).await.unwrap(), v);
    assert_eq!(
        env.audit_actions("enterprise", &id).await,
        ["enterprise.update"]
    );
    let mut conn = env.svc.read().await.unwrap();
    let trail = zjtx::service::audit::audit_of(&mut conn, "enterprise", &id)
        .await
        .unwrap();
    let changes = &trail[0].detail["changes"];
    assert_eq!(changes["county_code"]["before"], serde_json::Value::Null);
    assert_eq!(changes["county_code"]["after"], "440305");
    assert_eq!(changes["employees"]["after"], 120);
    assert!(changes.get("name").is_none());
    assert_eq!(trail[0].actor_id.as_deref(), Some(s.account_id.as_str()));
}

#[tokio::test]
async fn a_patch_keeps_other_fields_clears_optional_ones_and_audits_only_changes() {
    let env = env().await;
    let s = env.enterprise("acme", 1).await;
    let id = eid(&s);
    env.svc.update_enterprise(&s, 1, full()).await.unwrap();
    let v = env
        .svc
        .update_enterprise(
            &s,
            2,
            EnterpriseUpdate {
                employees: Some(150.0),
                address: Some("  ".into()),
                contact_email: Some(String::new()),
                established_on: Some(String::new()),
                // The form may send the real-name data back unchanged.
                name: Some(" 深圳市测试1科技有限公司 ".into()),
                uscc: Some(common::uscc(1).to_lowercase()),
                ..EnterpriseUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(v.version, 3);
    assert_eq!(v.info.employees, Some(150));
    assert_eq!(v.info.segment.as_deref(), Some("车规级芯片"), "kept");
    assert_eq!(
        (v.info.address, v.info.contact_email, v.info.established_on),
        (None, None, None)
    );
    let mut conn = env.svc.read().await.unwrap();
    let trail = zjtx::service::audit::audit_of(&mut conn, "enterprise", &id)
        .await
        .unwrap();
    let changed: Vec<&String> = trail[1].detail["changes"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        changed,
        ["address", "contact_email", "employees", "established_on"]
    );
    drop(conn);

    // Nothing changed: no new version, no audit row.
    let same = env
        .svc
        .update_enterprise(
            &s,
            3,
            EnterpriseUpdate {
                employees: Some(150.0),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(same.version, 3);
    assert_eq!(env.audit_actions("enterprise", &id).await.len(), 2);
}

#[tokio::test]
async fn every_bad_field_is_reported_at_once_and_nothing_is_written() {
    let env = env().await;
    let s = env.enterprise("acme", 1).await;
    let id = eid(&s);
    let bad = EnterpriseUpdate {
        name: Some("另一家公司".into()),
        uscc: Some("91110108551385082Q".into()),
        county_code: Some("440300".into()),
        industry_code: Some("39".into()),
        segment: Some(" ".into()),
        main_products: Some(vec![]),
        established_on: Some("2025-03-04".into()),
        address: Some("路".repeat(201)),
        employees: Some(12.5),
        revenue: Some(-1.0),
        total_assets: Some(f64::NAN),
        contact_name: Some(String::new()),
        contact_phone: Some("12345".into()),
        contact_email: Some("li.si@".into()),
    };
    let e = env.svc.update_enterprise(&s, 1, bad).await.unwrap_err();
    let fields: Vec<String> = field_errors(&e).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        [
            "name",
            "uscc",
            "county_code",
            "industry_code",
            "segment",
            "main_products",
            "established_on",
            "address",
            "employees",
            "revenue",
            "total_assets",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
    );
    assert!(
        error_of(&e, "name").contains("实名认证信息") && error_of(&e, "name").contains("重大变更")
    );
    assert!(error_of(&e, "uscc").contains("不能修改"));
    assert!(
        error_of(&e, "county_code").contains("县级"),
        "{}",
        error_of(&e, "county_code")
    );
    assert!(error_of(&e, "industry_code").contains("小类"));
    assert!(error_of(&e, "segment").contains("细分领域"));
    assert!(error_of(&e, "main_products").contains("至少填写 1 项"));
    assert!(error_of(&e, "established_on").contains("晚于今天（2025-03-03）"));
    assert!(error_of(&e, "address").contains("最多 200"));
    assert!(error_of(&e, "employees").contains("整数"));
    assert!(error_of(&e, "revenue").contains("不小于 0"));
    assert!(error_of(&e, "total_assets").contains("不小于 0"));
    assert!(error_of(&e, "contact_name").contains("联系人"));
    assert!(error_of(&e, "contact_phone").contains("区号"));
    assert!(error_of(&e, "contact_email").contains("电子邮箱"));
    // Every message exists in English too.
    if let ServiceError::Invalid { fields } = &e {
        assert!(
            fields
                .iter()
                .all(|f| !f.text.en.is_empty() && !f.text.zh.is_empty())
        );
    }
    let v = env.svc.enterprise(&s, &id).await.unwrap();
    assert_eq!(v.version, 1);
    assert!(v.info.county_code.is_none());
    assert!(env.audit_actions("enterprise", &id).await.is_empty());
}

#[tokio::test]
async fn each_field_rule_on_its_own() {
    let env = env().await;
    let s = env.enterprise("acme", 1).await;
    let cases: Vec<(EnterpriseUpdate, &str, &str)> = vec![
        (
            EnterpriseUpdate {
                county_code: Some("999999".into()),
                ..Default::default()
            },
            "county_code",
            "没有代码为“999999”",
        ),
        (
            EnterpriseUpdate {
                county_code: Some("4403".into()),
                ..Default::default()
            },
            "county_code",
            "6 位数字",
        ),
        (
            EnterpriseUpdate {
                county_code: Some(String::new()),
                ..Default::default()
            },
            "county_code",
            "请选择注册地",
        ),
        (
            EnterpriseUpdate {
                industry_code: Some("9999".into()),
                ..Default::default()
            },
            "industry_code",
            "没有代码为“9999”",
        ),
        (
            EnterpriseUpdate {
                industry_code: Some(" ".into()),
                ..Default::default()
            },
            "industry_code",
            "请选择所属行业",
        ),
        (
            EnterpriseUpdate {
                segment: Some("段".repeat(51)),
                ..Default::default()
            },
            "segment",
            "最多 50",
        ),
        (
            EnterpriseUpdate {
                main_products: Some((0..11).map(|i| format!("产品{i}")).collect()),
                ..Default::default()
            },
            "main_products",
            "最多 10 项，当前 11 项",
        ),
        (
            EnterpriseUpdate {
                main_products: Some(vec!["长".repeat(51)]),
                ..Default::default()
            },
            "main_products",
            "第 1 项主导产品",
        ),
        (
            EnterpriseUpdate {
                main_products: Some(vec!["芯片".into(), " 芯片 ".into()]),
                ..Default::default()
            },
            "main_products",
            "与第 1 项重复",
        ),
        (
            EnterpriseUpdate {
                main_products: Some(vec!["芯片".into(), "".into()]),
                ..Default::default()
            },
            "main_products",
            "第 2 项主导产品为空",
        ),
        (
            EnterpriseUpdate {
                established_on: Some("2015/06/30".into()),
                ..Default::default()
            },
            "established_on",
            "2015-06-30",
        ),
        (
            EnterpriseUpdate {
                established_on: Some("2023-02-30".into()),
                ..Default::default()
            },
            "established_on",
            "有效日期",
        ),
        (
            EnterpriseUpdate {
                employees: Some(-3.0),
                ..Default::default()
            },
            "employees",
            "不小于 0 的整数",
        ),
        (
            EnterpriseUpdate {
                revenue: Some(f64::INFINITY),
                ..Default::default()
            },
            "revenue",
            "万元",
        ),
        (
            EnterpriseUpdate {
                total_assets: Some(-0.5),
                ..Default::default()
            },
            "total_assets",
            "万元",
        ),
        (
            EnterpriseUpdate {
                contact_name: Some("名".repeat(51)),
                ..Default::default()
            },
            "contact_name",
            "最多 50",
        ),
        (
            EnterpriseUpdate {
                contact_phone: Some("".into()),
                ..Default::default()
            },
            "contact_phone",
            "请填写联系电话",
        ),
        (
            EnterpriseUpdate {
                contact_phone: Some("0755-0123456".into()),
                ..Default::default()
            },
            "contact_phone",
            "0755-12345678",
        ),
        (
            EnterpriseUpdate {
                contact_phone: Some("1231234567".into()),
                ..Default::default()
            },
            "contact_phone",
            "11 位手机号码",
        ),
        (
            EnterpriseUpdate {
                contact_email: Some("a b@example.com".into()),
                ..Default::default()
            },
            "contact_email",
            "name@example.com",
        ),
    ];
    for (update, field, fragment) in cases {
        let e = env.svc.update_enterprise(&s, 1, update).await.unwrap_err();
        let msg = error_of(&e, field);
        assert!(msg.contains(fragment), "{field}: {msg}");
        assert_eq!(field_errors(&e).len(), 1, "only {field}: {e:?}");
    }
    // Accepted edges: today as the founding day, zero figures, a mobile with +86, 10 products
    // of 50 characters, a prefecture without counties (东莞) as 注册地.
    let ok = EnterpriseUpdate {
        county_code: Some("441900".into()),
        established_on: Some("2025-03-03".into()),
        employees: Some(0.0),
        revenue: Some(0.0),
        total_assets: Some(0.0),
        contact_phone: Some("+86 139-1234-5678".into()),
        main_products: Some((0..10).map(|i| format!("{i}{}", "品".repeat(49))).collect()),
        ..Default::default()
    };
    let v = env.svc.update_enterprise(&s, 1, ok).await.unwrap();
    assert_eq!(v.info.county_code.as_deref(), Some("441900"));
    assert_eq!(
        v.info.authority_code.as_deref(),
        Some("440000"),
        "东莞 is certified by 广东省"
    );
    assert_eq!(v.info.contact_phone.as_deref(), Some("13912345678"));
    assert_eq!(v.info.main_products.len(), 10);
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_naming_who_changed_it() {
    let env = env().await;
    let s = env.enterprise("acme", 1).await;
    env.svc.update_enterprise(&s, 1, full()).await.unwrap();
    let e = env
        .svc
        .update_enterprise(
            &s,
            1,
            EnterpriseUpdate {
                employees: Some(5.0),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    match &e {
        ServiceError::Conflict {
            current_version,
            by,
            at,
        } => {
            assert_eq!(*current_version, 2);
            assert_eq!(by.as_deref(), Some("深圳市测试1科技有限公司"));
            assert_eq!(*at, Some(env.svc.now()));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(
        zjtx::domain::Localized::message(&e, zjtx::domain::Lang::Zh)
            .contains("深圳市测试1科技有限公司")
    );
    let v = env.svc.enterprise(&s, &eid(&s)).await.unwrap();
    assert_eq!((v.version, v.info.employees), (2, Some(120)));
}

#[tokio::test]
async fn a_certified_enterprise_is_read_only_and_told_when_the_update_window_opens() {
    let env = env().await;
    let s = env.enterprise("acme", 1).await;
    let id = eid(&s);
    env.svc.update_enterprise(&s, 1, full()).await.unwrap();
    certify(&env, &id).await;

    // 2025-03-03: this year's info-update period (1 Jan – 30 Apr) is open.
    let e = env
        .svc
        .update_enterprise(
            &s,
            2,
            EnterpriseUpdate {
                employees: Some(130.0),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "certified_read_only");
    let t = zjtx::domain::Localized::text(&e);
    assert!(
        t.zh.contains("信息更新")
            && t.zh.contains("2025-01-01 至 2025-04-30")
            && t.zh.contains("现已开放"),
        "{}",
        t.zh
    );
    assert!(t.en.contains("info update"));
    let v = env.svc.enterprise(&s, &id).await.unwrap();
    assert!(v.certified && !v.editable);
    let w = v.update_window.unwrap();
    assert!(w.open_now);
    assert_eq!(v.certified_note.unwrap(), t);
    assert_eq!(v.version, 2, "nothing written");

    // After 30 April the next period opens on 1 January.
    env.clock.set(
        chrono::DateTime::parse_from_rfc3339("2025-06-02T10:00:00+08:00")
            .unwrap()
            .to_utc(),
    );
    let e = env
        .svc
        .update_enterprise(
            &s,
            2,
            EnterpriseUpdate {
                employees: Some(130.0),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    let t = zjtx::domain::Localized::text(&e);
    assert!(
        t.zh.contains("下一次信息更新填报期自 2026-01-01 开放"),
        "{}",
        t.zh
    );
    let v = env.svc.enterprise(&s, &id).await.unwrap();
    assert!(!v.update_window.unwrap().open_now);
    assert_eq!(
        env.audit_actions("enterprise", &id).await,
        ["enterprise.update"]
    );
}

#[tokio::test]
async fn an_accepted_info_update_applies_to_a_certified_enterprise() {
    let env = env().await;
    let s = env.enterprise("acme", 1).await;
    let id = eid(&s);
    env.svc.update_enterprise(&s, 1, full()).await.unwrap();
    certify(&env, &id).await;

    // Invalid data is refused like an edit, and nothing is written.
    let mut w = env.svc.write().await.unwrap();
    let e = apply_basic_info(
        &mut w,
        &zjtx::service::audit::Who::system(),
        &id,
        &EnterpriseUpdate {
            revenue: Some(-5.0),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(error_of(&e, "revenue").contains("不小于 0"));
    drop(w);

    let mut w = env.svc.write().await.unwrap();
    apply_basic_info(
        &mut w,
        &zjtx::service::audit::Who::system(),
        &id,
        &EnterpriseUpdate {
            employees: Some(180.0),
            revenue: Some(12000.0),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    w.commit().await.unwrap();
    let v = env.svc.enterprise(&s, &id).await.unwrap();
    assert_eq!(
        (v.info.employees, v.info.revenue, v.version),
        (Some(180), Some(12000.0), 3)
    );
    assert_eq!(
        env.audit_actions("enterprise", &id).await,
        ["enterprise.update", "enterprise.update_applied"]
    );
    // The owner still cannot edit directly.
    assert_eq!(
        env.svc
            .update_enterprise(&s, 3, EnterpriseUpdate::default())
            .await
            .unwrap_err()
            .code(),
        "certified_read_only"
    );
}

#[tokio::test]
async fn who_may_read_an_enterprise() {
    let env = env().await;
    let s = env.enterprise("acme", 1).await;
    let id = eid(&s);
    let nanshan = reviewer(&env, "nanshan", ReviewLevel::County, Some("440305")).await;
    // Before the 注册地 is set, no regional reviewer sees it.
    assert_eq!(
        env.svc.enterprise(&nanshan, &id).await.unwrap_err().code(),
        "forbidden"
    );
    env.svc.update_enterprise(&s, 1, full()).await.unwrap();

    let other = env.enterprise("other", 2).await;
    env.register("person", AccountKind::Natural, 3).await;
    let person = env.login("person").await;
    let support = env.support().await;
    let baoan = reviewer(&env, "baoan", ReviewLevel::County, Some("440306")).await;
    let guangdong = reviewer(&env, "guangdong", ReviewLevel::Province, Some("440000")).await;
    let shenzhen = env
        .staff(
            "sz_admin",
            AccountKind::Admin,
            Some(ReviewLevel::Province),
            Some("440300"),
        )
        .await;
    let ministry = reviewer(&env, "ministry", ReviewLevel::Ministry, None).await;

    for (who, ok) in [
        (&s, true),
        (&nanshan, true),
        (&shenzhen, true),
        (&ministry, true),
        (&other, false),
        (&person, false),
        (&support, false),
        (&baoan, false),
        (&guangdong, false), // 深圳 is its own provincial authority
    ] {
        let r = env.svc.enterprise(who, &id).await;
        assert_eq!(r.is_ok(), ok, "{}: {r:?}", who.login_name);
        if let Ok(v) = r {
            assert!(!v.editable || who.login_name == "acme");
        } else {
            assert_eq!(r.unwrap_err().code(), "forbidden");
        }
    }
    assert_eq!(
        env.svc
            .enterprise(&ministry, "no-such-id")
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[tokio::test]
async fn only_the_owner_edits() {
    let env = env().await;
    env.register("person", AccountKind::Natural, 3).await;
    let person = env.login("person").await;
    env.register("unverified", AccountKind::Legal, 4).await;
    let unverified = env.login("unverified").await;
    let support = env.support().await;
    let nanshan = reviewer(&env, "nanshan", ReviewLevel::County, Some("440305")).await;
    for who in [&person, &unverified, &support, &nanshan] {
        let e = env.svc.update_enterprise(who, 1, full()).await.unwrap_err();
        assert_eq!(e.code(), "forbidden", "{}", who.login_name);
    }
    let e = env
        .svc
        .update_enterprise(&unverified, 1, full())
        .await
        .unwrap_err();
    assert!(zjtx::domain::Localized::text(&e).zh.contains("实名认证"));
    assert_eq!(
        env.scalar("SELECT COUNT(*) FROM audit WHERE action = 'enterprise.update'")
            .await,
        0
    );
}

#[tokio::test]
async fn the_size_fact_or_what_it_still_needs() {
    let env = env().await;
    let s = env.enterprise("acme", 1).await;
    let id = eid(&s);
    // Industry (工业) with staff only: revenue is needed too.
    env.svc
        .update_enterprise(
            &s,
            1,
            EnterpriseUpdate {
                industry_code: Some("3973".into()),
                employees: Some(1500.0),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let v = env.svc.enterprise(&s, &id).await.unwrap();
    assert!(v.size.is_none());
    let note = v.size_note.unwrap();
    assert!(
        note.zh.contains("工业") && note.zh.contains("上年度营业收入"),
        "{}",
        note.zh
    );
    assert!(
        !note.zh.contains("资产总额"),
        "assets do not matter for 工业: {}",
        note.zh
    );
    // 1500 staff and 5亿 revenue: large, not an SME (shown, not enforced).
    let v = env
        .svc
        .update_enterprise(
            &s,
            2,
            EnterpriseUpdate {
                revenue: Some(50000.0),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(v.size.unwrap().class, SizeClass::Large);
    // Research (其他行业): staff alone decides.
    let v = env
        .svc
        .update_enterprise(
            &s,
            3,
            EnterpriseUpdate {
                industry_code: Some("7320".into()),
                employees: Some(8.0),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let size = v.size.unwrap();
    assert_eq!(
        (size.sector, size.class),
        (SizeSector::Other, SizeClass::Micro)
    );
    assert_eq!(
        v.questionnaire.unwrap().category,
        AssessmentCategory::ProducerServices
    );
}

#[tokio::test]
async fn segment_suggestions_come_from_enterprises_of_the_same_class() {
    let env = env().await;
    for (n, class, segment) in [
        (1, "3973", "车规级芯片"),
        (2, "3973", "车载传感器"),
        (3, "3973", "车规级芯片"),
        (4, "3973", "功率器件"),
        (5, "6513", "车联网软件"),
        (6, "3973", "100%_国产"),
        (7, "3973", "MEMS传感器"),
    ] {
        let s = env.enterprise(&format!("ent{n}"), n).await;
        env.svc
            .update_enterprise(
                &s,
                1,
                EnterpriseUpdate {
                    industry_code: Some(class.into()),
                    segment: Some(segment.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    assert_eq!(
        env.svc.segment_suggestions("3973", "车").await.unwrap(),
        ["车规级芯片", "车载传感器"],
        "distinct, same class only, by prefix"
    );
    assert_eq!(
        env.svc.segment_suggestions("3973", "").await.unwrap().len(),
        5
    );
    assert_eq!(
        env.svc.segment_suggestions("3973", "mems").await.unwrap(),
        ["MEMS传感器"],
        "ASCII letters in either case (SQLite's LIKE; PostgreSQL's is case-sensitive)"
    );
    assert_eq!(
        env.svc.segment_suggestions("3973", "100%").await.unwrap(),
        ["100%_国产"]
    );
    assert!(
        env.svc
            .segment_suggestions("3973", "%")
            .await
            .unwrap()
            .is_empty(),
        "% is literal"
    );
    assert!(
        env.svc
            .segment_suggestions("3973", "1_")
            .await
            .unwrap()
            .is_empty(),
        "_ is literal"
    );
    let e = env.svc.segment_suggestions("39", "车").await.unwrap_err();
    assert!(error_of(&e, "industry_code").contains("小类"));
}

#[tokio::test]
async fn industry_and_region_pickers() {
    let env = env().await;
    let sections = env.svc.industry_children(None).unwrap();
    assert_eq!(sections.len(), 20);
    let c = env.svc.industry_children(Some("397")).unwrap();
    let class = c.iter().find(|i| i.code == "3973").unwrap();
    assert_eq!(class.category, Some(AssessmentCategory::Manufacturing));
    assert!(!class.has_children);
    assert_eq!(
        env.svc.industry_children(Some("ZZ")).unwrap_err().field(),
        Some("industry_code")
    );
    let found = env.svc.industry_search("集成电路");
    assert!(found.iter().any(|i| i.code == "3973") && found.iter().any(|i| i.code == "6520"));
    assert!(env.svc.industry_search("  ").is_empty());

    assert_eq!(env.svc.region_children(None).unwrap().len(), 31);
    let sz = env.svc.region_children(Some("440300")).unwrap();
    let nanshan = sz.iter().find(|r| r.code == "440305").unwrap();
    assert!(nanshan.selectable);
    assert_eq!(nanshan.full_name, "广东省 深圳市 南山区");
    let gd = env.svc.region_children(Some("440000")).unwrap();
    let dongguan = gd.iter().find(|r| r.code == "441900").unwrap();
    assert!(
        dongguan.selectable,
        "a prefecture without counties is a 注册地"
    );
    assert!(!gd.iter().find(|r| r.code == "440300").unwrap().selectable);
    assert!(env.svc.region_children(Some("441900")).unwrap().is_empty());
    assert!(
        env.svc
            .region_search("南山")
            .iter()
            .any(|r| r.code == "440305")
    );
}

#[tokio::test]
async fn product_suggestions_come_from_enterprises_of_the_class_and_segment() {
    let env = env().await;
    for (n, class, segment, products) in [
        (1, "3973", "车规级芯片", vec!["MCU 芯片", "功率 MOSFET"]),
        (2, "3973", "车规级芯片", vec!["MCU 芯片", "mcu 开发板"]),
        (3, "3973", "功率器件", vec!["IGBT 模块"]),
        (4, "6513", "车规级芯片", vec!["MCU 固件"]),
    ] {
        let s = env.enterprise(&format!("ent{n}"), n).await;
        env.svc
            .update_enterprise(
                &s,
                1,
                EnterpriseUpdate {
                    industry_code: Some(class.into()),
                    segment: Some(segment.into()),
                    main_products: Some(products.into_iter().map(String::from).collect()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    assert_eq!(
        env.svc
            .product_suggestions("3973", None, "mcu")
            .await
            .unwrap(),
        ["MCU 芯片", "mcu 开发板"],
        "distinct, same class only, prefix in either case"
    );
    assert_eq!(
        env.svc
            .product_suggestions("3973", Some(" 功率器件 "), "")
            .await
            .unwrap(),
        ["IGBT 模块"],
        "of the segment only"
    );
    assert!(
        env.svc
            .product_suggestions("3973", Some("没人填过"), "")
            .await
            .unwrap()
            .is_empty()
    );
    let e = env
        .svc
        .product_suggestions("39", None, "")
        .await
        .unwrap_err();
    assert!(error_of(&e, "industry_code").contains("小类"));
}
