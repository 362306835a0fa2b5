//! The administration and support helpers of the API (`src/api/admin.rs`) on the demo data set,
//! through `ApiClient` in-process: the service's day, the cancellation reasons, the
//! certifications an admin manages, staff accounts (list, disable, enable), the support outbox
//! (demo databases only), approving a support request with a note, and the audit trail of a
//! record — each with who may and who may not.

mod common;

use common::{PASSWORD, env};
use serde_json::{Value, json};
use zjtx::client::ApiClient;
use zjtx::service::demo::{DEMO_PASSWORD, seed_demo};

struct Demo {
    _env: common::Env,
    api: ApiClient,
}

async fn demo() -> Demo {
    let env = env().await;
    seed_demo(&env.svc).await.expect("the demo seeds");
    let api = ApiClient::in_process(env.svc.clone());
    Demo { _env: env, api }
}

impl Demo {
    async fn as_user(&self, login: &str) -> ApiClient {
        let c = self.api.another();
        c.login(login, DEMO_PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{login} logs in: {e}"));
        c
    }
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn reference_data_is_public() {
    let d = demo().await;
    let today = d.api.calendar_today().await.unwrap();
    assert_eq!(today["today"], "2025-03-03");
    assert_eq!(today["year"], 2025);
    let reasons = d.api.cancel_reasons().await.unwrap();
    let reasons = reasons.as_array().unwrap();
    assert_eq!(reasons.len(), 6);
    assert_eq!(reasons[0]["code"], "major_incident");
    assert_eq!(reasons[0]["bars"], true);
    assert_eq!(reasons[0]["bar_years"], 3);
    assert!(reasons[0]["name"]["zh"].as_str().unwrap().contains("事故"));
    assert_eq!(reasons[5]["code"], "review_failed");
    assert_eq!(reasons[5]["bars"], false);
}

#[tokio::test]
async fn admins_see_the_certifications_they_manage() {
    let d = demo().await;
    let gd = d.as_user("gd_admin").await;
    let all = gd.managed_certifications("limit=200").await.unwrap();
    let names: Vec<String> = items(&all)
        .iter()
        .map(|c| c["enterprise_name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.iter().any(|n| n.contains("金鹏")), "{names:?}");
    assert!(
        items(&all)
            .iter()
            .all(|c| c["authority_code"] == "440000" && c["tier"] != "little_giant"),
        "{all}"
    );
    // a part of the name (URL-encoded 金鹏), and the start of a USCC
    let found = gd
        .managed_certifications("text=%E9%87%91%E9%B9%8F&status=active")
        .await
        .unwrap();
    let found = items(&found);
    assert_eq!(found.len(), 1, "{found:?}");
    let uscc = found[0]["uscc"].as_str().unwrap().to_string();
    let by_uscc = gd
        .managed_certifications(&format!("text={}", &uscc[..12]))
        .await
        .unwrap();
    assert!(items(&by_uscc).iter().any(|c| c["uscc"] == uscc.as_str()));
    // 小巨人 is the ministry's
    let e = gd
        .managed_certifications("tier=little_giant")
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(422));
    assert_eq!(e.problem().unwrap().field.as_deref(), Some("tier"));
    // the ministry sees 小巨人 only; reviewers, support and enterprises see nothing
    let mi = d.as_user("mi_admin").await;
    let giants = mi.managed_certifications("").await.unwrap();
    assert!(items(&giants).iter().all(|c| c["tier"] == "little_giant"));
    for login in ["gd_prov", "kf_support", "gz_jinpeng"] {
        let c = d.as_user(login).await;
        let e = c.managed_certifications("").await.unwrap_err();
        assert_eq!(e.status(), Some(403), "{login}: {e}");
    }
}

#[tokio::test]
async fn the_ministry_lists_disables_and_enables_staff_accounts() {
    let d = demo().await;
    let mi = d.as_user("mi_admin").await;
    let created = mi
        .create_staff(&json!({
            "kind": "reviewer", "level": "county", "region_code": "440106",
            "login_name": "th_county2", "display_name": "新审核员", "password": PASSWORD,
        }))
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let list = mi.staff_accounts("limit=200").await.unwrap();
    let row = items(&list)
        .into_iter()
        .find(|s| s["id"] == id.as_str())
        .expect("the new account is listed");
    assert_eq!(row["region_name"], "广东省 广州市 天河区");
    assert_eq!(row["disabled"], false);
    assert!(
        items(&list).iter().all(|s| s["kind"] != "legal"),
        "staff only"
    );
    let version = row["version"].as_i64().unwrap();

    let reviewer = d.api.another();
    reviewer.login("th_county2", PASSWORD).await.unwrap();
    // a stale version is refused; the current one disables and ends the sessions
    let stale = mi
        .staff_action(&id, version + 5, "disable")
        .await
        .unwrap_err();
    assert_eq!(stale.status(), Some(412));
    let off = mi.staff_action(&id, version, "disable").await.unwrap();
    assert_eq!(off.value["disabled"], true);
    assert_eq!(reviewer.me().await.unwrap_err().status(), Some(401));
    let refused = d.api.another().login("th_county2", PASSWORD).await;
    assert!(refused.is_err());
    let twice = mi
        .staff_action(&id, off.version.unwrap(), "disable")
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Some("already_disabled"));
    let on = mi
        .staff_action(&id, off.version.unwrap(), "enable")
        .await
        .unwrap();
    assert_eq!(on.value["disabled"], false);
    d.api
        .another()
        .login("th_county2", PASSWORD)
        .await
        .expect("enabled again");

    // the trail says who did it
    let trail = mi.trail("account", &id).await.unwrap();
    let actions: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..4],
        [
            "account.login",
            "account.enable",
            "account.disable",
            "account.login"
        ]
    );
    assert_eq!(trail[1]["actor_name"], "王建国");
    assert_eq!(trail[2]["action_name"]["zh"], "停用账号");

    // not one's own account, not an enterprise's, not by anyone else
    let me = mi.me().await.unwrap();
    let own = mi
        .staff_action(me["id"].as_str().unwrap(), 1, "disable")
        .await
        .unwrap_err();
    assert_eq!(own.code(), Some("own_account"));
    let gd = d.as_user("gd_admin").await;
    assert_eq!(gd.staff_accounts("").await.unwrap_err().status(), Some(403));
    assert_eq!(
        gd.staff_action(&id, on.version.unwrap(), "disable")
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
    let firm = d.as_user("gz_ruixin").await;
    let firm_id = firm.me().await.unwrap()["id"].as_str().unwrap().to_string();
    let e = mi.staff_action(&firm_id, 1, "disable").await.unwrap_err();
    assert_eq!(e.code(), Some("not_staff"));
    let e = mi.staff_action(&id, 1, "delete").await.unwrap_err();
    assert_eq!(e.status(), Some(404));
}

#[tokio::test]
async fn support_reads_the_outbox_of_a_demo_database_only() {
    let d = demo().await;
    let kf = d.as_user("kf_support").await;
    // a code sent now shows at the top
    d.api.request_password_reset("gz_ruixin").await.unwrap();
    let out = kf.demo_outbox("limit=5").await.unwrap();
    let first = &items(&out)[0];
    assert!(
        first["body"].as_str().unwrap().contains("验证码"),
        "{first}"
    );
    assert_eq!(first["channel"], "sms");
    for login in ["gd_admin", "mi_admin", "gz_ruixin"] {
        let c = d.as_user(login).await;
        assert_eq!(
            c.demo_outbox("").await.unwrap_err().status(),
            Some(403),
            "{login}"
        );
    }
    assert_eq!(
        d.api.another().demo_outbox("").await.unwrap_err().status(),
        Some(401)
    );

    // a database that was not seeded by the demo keeps its outbox to itself
    let plain = env().await;
    plain.support().await;
    let api = ApiClient::in_process(plain.svc.clone());
    api.login("helpdesk", PASSWORD).await.unwrap();
    let e = api.demo_outbox("").await.unwrap_err();
    assert_eq!(e.code(), Some("not_demo"));
    assert!(e.problem().unwrap().detail.contains("演示"));
}

#[tokio::test]
async fn an_approval_keeps_its_note_and_the_trail_shows_who_when_why() {
    let d = demo().await;
    let kf = d.as_user("kf_support").await;
    let queue = kf.support_requests("kind=phone_change").await.unwrap();
    let request = items(&queue).remove(0);
    let id = request["id"].as_str().unwrap();
    let done = kf
        .support_action(id, "approve", Some("已电话联系法定代表人核实"))
        .await
        .unwrap();
    assert_eq!(done["state"], "approved");
    assert_eq!(done["reason"], "已电话联系法定代表人核实");
    assert_eq!(done["decided_by_name"], "张敏");
    let trail = kf.trail("support_request", id).await.unwrap();
    assert_eq!(trail[0]["action"], "support.approve");
    assert_eq!(trail[0]["note"], "已电话联系法定代表人核实");
    assert_eq!(trail[0]["action_name"]["zh"], "客服通过");
    assert_eq!(trail[1]["action"], "support.request_filed");
    // a rejection without a reason is refused, naming the field
    let other = items(&kf.support_requests("kind=recovery").await.unwrap()).remove(0);
    let e = kf
        .support_action(other["id"].as_str().unwrap(), "reject", Some("  "))
        .await
        .unwrap_err();
    assert_eq!(e.problem().unwrap().field.as_deref(), Some("reason"));
    // only support reads a request's trail
    let gd = d.as_user("gd_admin").await;
    assert_eq!(
        gd.trail("support_request", id).await.unwrap_err().status(),
        Some(403)
    );
}

#[tokio::test]
async fn a_certification_trail_is_for_the_admins_who_see_it() {
    let d = demo().await;
    let gd = d.as_user("gd_admin").await;
    let cert = items(
        &gd.managed_certifications("text=%E9%87%91%E9%B9%8F")
            .await
            .unwrap(),
    )
    .remove(0);
    let id = cert["id"].as_str().unwrap();
    gd.set_review_flags(&[id.to_string()], false).await.unwrap();
    let trail = gd.trail("certification", id).await.unwrap();
    assert_eq!(trail[0]["action"], "certification.review_flag_cleared");
    assert_eq!(trail[0]["actor_name"], "李秀英");
    let zj = d.as_user("zj_admin").await;
    assert_eq!(
        zj.trail("certification", id).await.unwrap_err().status(),
        Some(403)
    );
    let e = gd.trail("enterprise", id).await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    // a window's trail: its opener
    let windows = gd.authority_windows("440000").await.unwrap();
    let w = items(&windows).remove(0);
    let trail = gd.trail("window", w["id"].as_str().unwrap()).await.unwrap();
    assert_eq!(trail[0]["action"], "window.open");
    assert_eq!(trail[0]["actor_name"], "李秀英");
    assert_eq!(
        zj.trail("window", w["id"].as_str().unwrap())
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
}
