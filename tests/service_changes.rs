//! Major-change reports (重大变更): drafts edited and deleted, the 3-month flag, acknowledgement
//! or return by the province, cancellation when the enterprise no longer qualifies, the list and
//! the detail — each on a fresh database with dates set by the test clock.

mod common;

use common::life::{certify, d, firm, messages, set_day};
use common::{Env, env};
use zjtx::domain::text::{Lang, Localized};
use zjtx::domain::tiers::{ReviewLevel, Tier};
use zjtx::domain::workflow::State;
use zjtx::service::certifications::{CancelReason, CertStatus};
use zjtx::service::changes::{ChangeFilter, ChangeInput, ChangeKind};
use zjtx::service::{AccountKind, PageRequest, ServiceError, Session};

use ReviewLevel::{City, Province};

struct World {
    env: Env,
    firm: Session,
    cert: String,
    gd_rev: Session,
}

/// A 广州天河 enterprise certified 专精特新 on 2023-09-15 and a 广东 province reviewer; today is
/// 2025-03-03.
async fn world() -> World {
    let env = env().await;
    let firm = firm(&env, "firm_gz", 1, "440106").await;
    let cert = certify(&env, &eid(&firm), Tier::Specialized, "2023-09-15").await;
    let gd_rev = env
        .staff(
            "gd_rev",
            AccountKind::Reviewer,
            Some(Province),
            Some("440000"),
        )
        .await;
    World {
        env,
        firm,
        cert,
        gd_rev,
    }
}

fn eid(s: &Session) -> String {
    s.enterprise_id.clone().unwrap()
}

fn input(kind: ChangeKind, date: &str) -> ChangeInput {
    ChangeInput {
        kind,
        change_date: d(date),
        before: "广州市测试1科技有限公司".into(),
        after: "广州市测试1智能科技有限公司".into(),
        description: "企业名称由“测试科技”变更为“测试智能科技”".into(),
    }
}

#[tokio::test]
async fn drafts_are_edited_and_deleted_but_a_submitted_report_is_kept() {
    let wd = world().await;
    let env = &wd.env;
    let c = env
        .svc
        .create_change(&wd.firm, &input(ChangeKind::Rename, "2025-02-01"))
        .await
        .unwrap();
    assert_eq!((c.kind, c.item.state), (ChangeKind::Rename, State::Draft));
    assert_eq!(c.deadline, d("2025-05-01"));
    assert_eq!((c.reported_on, c.late), (None, false));
    assert_eq!(c.item.certification_id.as_deref(), Some(wd.cert.as_str()));
    let edited = env
        .svc
        .edit_change(
            &wd.firm,
            &c.item.id,
            1,
            &ChangeInput {
                kind: ChangeKind::Merger,
                change_date: d("2025-02-10"),
                before: "本公司与全资子公司广州测试传感有限公司".into(),
                after: "本公司（存续），子公司注销".into(),
                description: "吸收合并全资子公司".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!((edited.kind, edited.item.version), (ChangeKind::Merger, 2));
    assert_eq!(edited.description, "吸收合并全资子公司");
    assert_eq!(edited.before, "本公司与全资子公司广州测试传感有限公司");
    assert_eq!(edited.after, "本公司（存续），子公司注销");
    assert_eq!(edited.deadline, d("2025-05-10"));
    env.svc
        .delete_change(&wd.firm, &c.item.id, 2)
        .await
        .unwrap();
    assert_eq!(env.scalar("SELECT COUNT(*) FROM items").await, 0);

    let c = env
        .svc
        .create_change(&wd.firm, &input(ChangeKind::Other, "2025-02-01"))
        .await
        .unwrap();
    let c = env
        .svc
        .submit_change(&wd.firm, &c.item.id, 1)
        .await
        .unwrap();
    let c = env
        .svc
        .withdraw_change(&wd.firm, &c.item.id, c.item.version)
        .await
        .unwrap();
    assert_eq!(c.item.state, State::Withdrawn);
    let err = env
        .svc
        .delete_change(&wd.firm, &c.item.id, c.item.version)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "already_submitted_once");
    let c = env
        .svc
        .edit_change(
            &wd.firm,
            &c.item.id,
            c.item.version,
            &input(ChangeKind::Relocation, "2025-02-01"),
        )
        .await
        .unwrap();
    assert_eq!(
        (c.kind, c.item.state),
        (ChangeKind::Relocation, State::Withdrawn)
    );
}

#[tokio::test]
async fn a_report_exactly_three_months_after_is_on_time_one_day_more_is_late() {
    let wd = world().await;
    let env = &wd.env;
    // Today is 2025-03-03.
    let on_time = env
        .svc
        .create_change(&wd.firm, &input(ChangeKind::Rename, "2024-12-03"))
        .await
        .unwrap();
    let late = env
        .svc
        .create_change(&wd.firm, &input(ChangeKind::Restructuring, "2024-12-02"))
        .await
        .unwrap();
    assert!(!on_time.late, "due today");
    assert!(late.late, "already overdue before it is reported");
    assert!(late.rule.zh.contains("已超过报告期限"));

    let on_time = env
        .svc
        .submit_change(&wd.firm, &on_time.item.id, 1)
        .await
        .unwrap();
    let late = env
        .svc
        .submit_change(&wd.firm, &late.item.id, 1)
        .await
        .unwrap();
    assert_eq!(on_time.reported_on, Some(d("2025-03-03")));
    assert_eq!((on_time.deadline, on_time.late), (d("2025-03-03"), false));
    assert_eq!((late.deadline, late.late), (d("2025-03-02"), true));
    assert_eq!(late.item.payload["late"], true, "stored with the report");
    assert_eq!(on_time.item.payload["late"], false);
    let rule = &late.rule;
    assert!(
        rule.zh.contains("3个月") && rule.zh.contains("2025-03-02") && rule.zh.contains("已逾期")
    );
    assert!(rule.en.contains("3 months") && rule.en.contains("late"));
    assert!(on_time.rule.zh.contains("未逾期"));
    assert_eq!(on_time.item.state, State::Submitted(Province));
    assert_eq!(on_time.item.chain.as_ref().unwrap().levels(), [Province]);
}

#[tokio::test]
async fn a_returned_report_keeps_its_first_report_date() {
    let wd = world().await;
    let env = &wd.env;
    let c = env
        .svc
        .create_change(&wd.firm, &input(ChangeKind::Rename, "2025-01-15"))
        .await
        .unwrap();
    let c = env
        .svc
        .submit_change(&wd.firm, &c.item.id, 1)
        .await
        .unwrap();
    let c = env
        .svc
        .return_change(
            &wd.gd_rev,
            &c.item.id,
            c.item.version,
            "请补充工商变更登记通知书",
        )
        .await
        .unwrap();
    assert_eq!(c.item.state, State::Returned);
    let msgs = messages(env, &eid(&wd.firm)).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].0, "certification");
    assert!(msgs[0].1.contains("被退回"));
    set_day(env, "2025-06-20");
    let c = env
        .svc
        .submit_change(&wd.firm, &c.item.id, c.item.version)
        .await
        .unwrap();
    assert_eq!(c.reported_on, Some(d("2025-03-03")));
    assert!(!c.late, "reported in time the first time");
}

#[tokio::test]
async fn bad_input_is_reported_field_by_field() {
    let wd = world().await;
    let err = wd
        .env
        .svc
        .create_change(
            &wd.firm,
            &ChangeInput {
                kind: ChangeKind::OverseasBranch,
                change_date: d("2025-03-04"),
                before: " ".into(),
                after: "长".repeat(501),
                description: " ".into(),
            },
        )
        .await
        .unwrap_err();
    let ServiceError::Invalid { fields } = &err else {
        panic!("{err:?}")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["change_date", "before", "after", "description"]);
    assert!(fields[0].text.zh.contains("晚于今天"));
    // what is missing, and that only 其他 may leave it empty
    assert!(
        fields[1].text.zh.contains("变更前情况") && fields[1].text.zh.contains("设立境外分支机构"),
        "{:?}",
        fields[1].text
    );
    assert!(
        fields[1].text.en.contains("only \"other\""),
        "{:?}",
        fields[1].text
    );
    // too long: the limit and the count
    assert!(
        fields[2].text.zh.contains("最多 500 个字") && fields[2].text.zh.contains("501"),
        "{:?}",
        fields[2].text
    );
    assert_eq!(wd.env.scalar("SELECT COUNT(*) FROM items").await, 0);
}

#[tokio::test]
async fn only_a_certified_enterprise_reports_changes() {
    let env = env().await;
    let f = firm(&env, "plain", 1, "440106").await;
    let err = env
        .svc
        .create_change(&f, &input(ChangeKind::Rename, "2025-02-01"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_certified");
    env.register("person", AccountKind::Natural, 60).await;
    let person = env.login("person").await;
    let err = env
        .svc
        .create_change(&person, &input(ChangeKind::Rename, "2025-02-01"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "forbidden");
    assert!(err.message(Lang::Zh).contains("自然人账户"));
}

#[tokio::test]
async fn the_province_acknowledges_and_cancels_when_the_enterprise_no_longer_qualifies() {
    let wd = world().await;
    let env = &wd.env;
    let c = env
        .svc
        .create_change(&wd.firm, &input(ChangeKind::Merger, "2025-02-01"))
        .await
        .unwrap();
    let c = env
        .svc
        .submit_change(&wd.firm, &c.item.id, 1)
        .await
        .unwrap();
    let v = c.item.version;
    let city = env
        .staff("gz_rev", AccountKind::Reviewer, Some(City), Some("440100"))
        .await;
    let zj = env
        .staff(
            "zj_rev",
            AccountKind::Reviewer,
            Some(Province),
            Some("330000"),
        )
        .await;
    let other = env.enterprise("other", 2).await;
    for (who, code) in [
        (&city, "wrong_level"),
        (&zj, "out_of_scope"),
        (&wd.firm, "forbidden"),
        (&other, "forbidden"),
    ] {
        let err = env
            .svc
            .acknowledge_change(who, &c.item.id, v)
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{}", who.login_name);
        let err = env
            .svc
            .return_change(who, &c.item.id, v, "理由")
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{}", who.login_name);
    }
    for (who, code) in [(&other, "not_owner"), (&wd.firm, "not_allowed_in_state")] {
        let err = env
            .svc
            .edit_change(who, &c.item.id, v, &input(ChangeKind::Other, "2025-02-01"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{}", who.login_name);
    }
    let c = env
        .svc
        .acknowledge_change(&wd.gd_rev, &c.item.id, v)
        .await
        .unwrap();
    assert_eq!(c.item.state, State::Approved);
    let msgs = messages(env, &eid(&wd.firm)).await;
    assert_eq!(msgs.last().unwrap().0, "certification");
    assert!(msgs.last().unwrap().1.contains("已受理"));

    let admin = env
        .staff(
            "gd_admin",
            AccountKind::Admin,
            Some(Province),
            Some("440000"),
        )
        .await;
    let cert = env
        .svc
        .cancel_certification(
            &admin,
            &wd.cert,
            1,
            CancelReason::NoLongerQualifies,
            "合并后主营业务收入占比低于 70%",
        )
        .await
        .unwrap();
    assert_eq!(cert.status, CertStatus::Cancelled);
    assert_eq!(cert.cancel_kind, Some(CancelReason::NoLongerQualifies));
    assert_eq!(cert.barred_until, None);
    let msgs = messages(env, &eid(&wd.firm)).await;
    assert_eq!(msgs.last().unwrap().0, "cancellation");
    // No certification, no new report.
    let err = env
        .svc
        .create_change(&wd.firm, &input(ChangeKind::Other, "2025-03-01"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_certified");
}

#[tokio::test]
async fn the_list_filters_by_type_and_the_detail_has_the_history() {
    let wd = world().await;
    let env = &wd.env;
    let mut ids = Vec::new();
    for (kind, date) in [
        (ChangeKind::Rename, "2025-01-05"),
        (ChangeKind::OverseasBranch, "2025-01-20"),
        (ChangeKind::Rename, "2025-02-05"),
    ] {
        ids.push(
            env.svc
                .create_change(&wd.firm, &input(kind, date))
                .await
                .unwrap()
                .item
                .id,
        );
    }
    let all = env
        .svc
        .changes(&wd.firm, &ChangeFilter::default(), &PageRequest::first(2))
        .await
        .unwrap();
    let first: Vec<&str> = all.items.iter().map(|c| c.item.id.as_str()).collect();
    assert_eq!(first, [ids[2].as_str(), ids[1].as_str()], "newest first");
    let rest = env
        .svc
        .changes(
            &wd.firm,
            &ChangeFilter::default(),
            &PageRequest::after(all.next.as_deref().unwrap(), 2),
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert!(rest.next.is_none());
    let renames = env
        .svc
        .changes(
            &wd.firm,
            &ChangeFilter {
                kind: Some(ChangeKind::Rename),
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(renames.items.len(), 2);
    assert!(renames.items.iter().all(|c| c.kind == ChangeKind::Rename));
    let other = env.enterprise("other", 2).await;
    let theirs = env
        .svc
        .changes(&other, &ChangeFilter::default(), &PageRequest::first(10))
        .await
        .unwrap();
    assert!(theirs.items.is_empty(), "only one's own reports");

    let c = env.svc.submit_change(&wd.firm, &ids[0], 1).await.unwrap();
    env.svc
        .acknowledge_change(&wd.gd_rev, &ids[0], c.item.version)
        .await
        .unwrap();
    let detail = env.svc.change_detail(&wd.firm, &ids[0]).await.unwrap();
    let trail: Vec<(&str, Option<State>)> = detail
        .history
        .iter()
        .map(|h| (h.action.as_str(), h.to))
        .collect();
    assert_eq!(
        trail,
        [
            ("submit", Some(State::Submitted(Province))),
            ("pass", Some(State::Approved))
        ]
    );
    assert!(env.svc.change_detail(&wd.gd_rev, &ids[0]).await.is_ok());
    assert_eq!(
        env.svc
            .change_detail(&other, &ids[0])
            .await
            .unwrap_err()
            .code(),
        "forbidden"
    );
}

#[tokio::test]
async fn before_and_after_are_required_except_for_other_changes() {
    let wd = world().await;
    let env = &wd.env;
    let blank = |kind| ChangeInput {
        before: String::new(),
        after: "  ".into(),
        ..input(kind, "2025-02-01")
    };
    for kind in ChangeKind::ALL {
        let r = env.svc.create_change(&wd.firm, &blank(kind)).await;
        if kind == ChangeKind::Other {
            let c = r.unwrap();
            assert_eq!((c.before.as_str(), c.after.as_str()), ("", ""));
            continue;
        }
        let err = r.unwrap_err();
        let ServiceError::Invalid { fields } = &err else {
            panic!("{kind:?}: {err:?}")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["before", "after"], "{kind:?}");
    }
    assert_eq!(env.scalar("SELECT COUNT(*) FROM items").await, 1);
    // the texts are trimmed and read back in the list and the detail
    let c = env
        .svc
        .create_change(
            &wd.firm,
            &ChangeInput {
                before: "  广东省广州市  ".into(),
                after: "浙江省杭州市".into(),
                ..input(ChangeKind::Relocation, "2025-02-01")
            },
        )
        .await
        .unwrap();
    assert_eq!(c.before, "广东省广州市");
    let detail = env.svc.change_detail(&wd.firm, &c.item.id).await.unwrap();
    assert_eq!(
        (detail.change.before.as_str(), detail.change.after.as_str()),
        ("广东省广州市", "浙江省杭州市")
    );
}

#[tokio::test]
async fn a_report_stored_before_before_and_after_existed_still_reads() {
    let wd = world().await;
    let env = &wd.env;
    let c = env
        .svc
        .create_change(&wd.firm, &input(ChangeKind::Rename, "2025-02-01"))
        .await
        .unwrap();
    // the payload as earlier versions wrote it
    let mut w = env.svc.write().await.unwrap();
    sqlx::query("UPDATE items SET payload = $1 WHERE id = $2")
        .bind(r#"{"change_date":"2025-02-01","description":"更名","late":false}"#)
        .bind(&c.item.id)
        .execute(&mut *w)
        .await
        .unwrap();
    w.commit().await.unwrap();
    let detail = env.svc.change_detail(&wd.firm, &c.item.id).await.unwrap();
    assert_eq!(detail.change.description, "更名");
    assert_eq!(
        (detail.change.before.as_str(), detail.change.after.as_str()),
        ("", "")
    );
    let list = env
        .svc
        .changes(&wd.firm, &ChangeFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(list.items.len(), 1);
    // and the reviewer sees it with the before/after rows left empty
    let sent = env
        .svc
        .submit_change(&wd.firm, &c.item.id, c.item.version)
        .await
        .unwrap();
    let r = env
        .svc
        .review_item(&wd.gd_rev, &sent.item.id)
        .await
        .unwrap();
    let before = r.figures.iter().find(|f| f.id == "before").unwrap();
    assert_eq!(before.value, None);
}

#[tokio::test]
async fn the_reviewer_reads_type_date_before_after_and_description() {
    let wd = world().await;
    let env = &wd.env;
    let c = env
        .svc
        .create_change(&wd.firm, &input(ChangeKind::Rename, "2025-02-01"))
        .await
        .unwrap();
    let c = env
        .svc
        .submit_change(&wd.firm, &c.item.id, c.item.version)
        .await
        .unwrap();
    let r = env.svc.review_item(&wd.gd_rev, &c.item.id).await.unwrap();
    let rows: Vec<(&str, &str, String)> = r
        .figures
        .iter()
        .map(|f| {
            (
                f.id.as_str(),
                f.label.zh.as_str(),
                f.value.as_ref().map(|v| v.zh.clone()).unwrap_or_default(),
            )
        })
        .collect();
    let ids: Vec<&str> = rows.iter().map(|r| r.0).collect();
    assert_eq!(
        ids,
        [
            "kind",
            "change_date",
            "before",
            "after",
            "description",
            "report"
        ]
    );
    assert_eq!(rows[0].2, "更名");
    assert_eq!(rows[1].2, "2025-02-01");
    assert_eq!(
        (rows[2].1, rows[2].2.as_str()),
        ("变更前", "广州市测试1科技有限公司")
    );
    assert_eq!(
        (rows[3].1, rows[3].2.as_str()),
        ("变更后", "广州市测试1智能科技有限公司")
    );
    assert!(rows[5].2.contains("未逾期"), "{}", rows[5].2);
}

#[tokio::test]
async fn a_stale_version_is_refused_and_changes_nothing() {
    let wd = world().await;
    let env = &wd.env;
    let c = env
        .svc
        .create_change(&wd.firm, &input(ChangeKind::Rename, "2025-02-01"))
        .await
        .unwrap();
    env.svc
        .edit_change(
            &wd.firm,
            &c.item.id,
            1,
            &ChangeInput {
                after: "第一次修改".into(),
                ..input(ChangeKind::Rename, "2025-02-01")
            },
        )
        .await
        .unwrap();
    let err = env
        .svc
        .edit_change(
            &wd.firm,
            &c.item.id,
            1,
            &ChangeInput {
                after: "基于旧版本的修改".into(),
                ..input(ChangeKind::Rename, "2025-02-01")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
    let err = env
        .svc
        .delete_change(&wd.firm, &c.item.id, 1)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
    let now = env.svc.change_detail(&wd.firm, &c.item.id).await.unwrap();
    assert_eq!(
        (now.change.after.as_str(), now.change.item.version),
        ("第一次修改", 2)
    );
}

/// A fresh world's change report brought into `state`.
async fn change_in(state: &str) -> (World, String) {
    let wd = world().await;
    let svc = &wd.env.svc;
    let c = svc
        .create_change(&wd.firm, &input(ChangeKind::Rename, "2025-02-01"))
        .await
        .unwrap();
    let id = c.item.id.clone();
    let version = |wd: &World, id: &str| {
        let svc = wd.env.svc.clone();
        let firm = wd.firm.clone();
        let id = id.to_string();
        async move {
            svc.change_detail(&firm, &id)
                .await
                .unwrap()
                .change
                .item
                .version
        }
    };
    if state != "draft" {
        svc.submit_change(&wd.firm, &id, c.item.version)
            .await
            .unwrap();
    }
    match state {
        "draft" | "submitted" => {}
        "returned" => {
            let v = version(&wd, &id).await;
            svc.return_change(&wd.gd_rev, &id, v, "请写明变更后的名称")
                .await
                .unwrap();
        }
        "withdrawn" => {
            let v = version(&wd, &id).await;
            svc.withdraw_change(&wd.firm, &id, v).await.unwrap();
        }
        "acknowledged" => {
            let v = version(&wd, &id).await;
            svc.acknowledge_change(&wd.gd_rev, &id, v).await.unwrap();
        }
        other => panic!("unknown state {other}"),
    }
    (wd, id)
}

#[tokio::test]
async fn the_detail_offers_exactly_the_actions_the_service_then_accepts() {
    let table: &[(&str, &[&str])] = &[
        ("draft", &["edit", "submit", "delete"]),
        ("submitted", &["withdraw", "withdraw_edit"]),
        ("returned", &["edit", "resubmit"]),
        ("withdrawn", &["edit", "resubmit"]),
        ("acknowledged", &[]),
    ];
    // each operation by the code of the action that performs it
    async fn perform(wd: &World, id: &str, op: &str) -> Result<(), ServiceError> {
        let svc = &wd.env.svc;
        let v = svc
            .change_detail(&wd.firm, id)
            .await
            .unwrap()
            .change
            .item
            .version;
        match op {
            "edit" => svc
                .edit_change(&wd.firm, id, v, &input(ChangeKind::Merger, "2025-02-10"))
                .await
                .map(drop),
            "submit" => svc.submit_change(&wd.firm, id, v).await.map(drop),
            "withdraw" => svc.withdraw_change(&wd.firm, id, v).await.map(drop),
            "delete" => svc.delete_change(&wd.firm, id, v).await,
            other => panic!("{other}"),
        }
    }
    fn op_of(code: &str) -> &str {
        match code {
            "resubmit" => "submit",
            "withdraw_edit" => "withdraw",
            c => c,
        }
    }
    for (state, expected) in table {
        let (wd, id) = change_in(state).await;
        let detail = wd.env.svc.change_detail(&wd.firm, &id).await.unwrap();
        let shown: Vec<&str> = detail.actions.iter().map(|a| a.action.code()).collect();
        assert_eq!(&shown, expected, "{state}");
        assert!(
            detail.actions.iter().all(|a| a.confirm.is_none()),
            "no window"
        );
        let offered: Vec<&str> = shown.iter().map(|c| op_of(c)).collect();
        for op in ["edit", "submit", "withdraw", "delete"] {
            if offered.contains(&op) {
                let (wd, id) = change_in(state).await;
                perform(&wd, &id, op)
                    .await
                    .unwrap_or_else(|e| panic!("{state}: {op} offered but refused: {e:?}"));
            } else {
                assert!(
                    perform(&wd, &id, op).await.is_err(),
                    "{state}: {op} not offered but accepted"
                );
            }
        }
        // staff reading it are offered nothing
        if *state != "draft" {
            let theirs = wd.env.svc.change_detail(&wd.gd_rev, &id).await.unwrap();
            assert!(theirs.actions.is_empty(), "{state}");
        }
    }
}
