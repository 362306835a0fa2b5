//! API scenarios written against `ApiClient`, each run three ways: in-process (the router without
//! a socket), HTTP (the same router served by `zjtx::api::serve` on a loopback port), and HTTP
//! served on PostgreSQL (a fresh database on the server named by `ZJTX_TEST_PG`; skipped without
//! it outside CI, see `tests/common`). Each test has a fresh database with the test clock at
//! Monday 2025-03-03 09:00 Beijing.
//!
//! Staff accounts are bootstrapped through the service (account administration is not exposed by
//! this slice of the API); everything an enterprise or a reviewer does goes through the API.

mod common;

use common::openapi::conforms;
use common::{Backend, Env, PASSWORD, env_on, phone, resident_id, uscc};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tokio::sync::oneshot;
use zjtx::client::{ApiClient, RawRequest};
use zjtx::domain::tiers::ReviewLevel;
use zjtx::service::AccountKind;

#[derive(Clone, Copy, Debug)]
enum Mode {
    InProcess,
    Http,
    /// HTTP, with the service on PostgreSQL.
    HttpPostgres,
}

struct World {
    env: Env,
    api: ApiClient,
    base: Option<String>,
    _stop: Option<oneshot::Sender<()>>,
}

impl World {
    /// A fresh world; `None` when the PostgreSQL variant is skipped.
    async fn new(mode: Mode) -> Option<World> {
        let backend = match mode {
            Mode::InProcess | Mode::Http => Backend::Sqlite,
            Mode::HttpPostgres => Backend::Postgres,
        };
        let env = env_on(backend).await?;
        Some(match mode {
            Mode::InProcess => World {
                api: ApiClient::in_process(env.svc.clone()),
                env,
                base: None,
                _stop: None,
            },
            Mode::Http | Mode::HttpPostgres => {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let base = format!("http://{}", listener.local_addr().unwrap());
                let (stop, stopped) = oneshot::channel::<()>();
                let svc = env.svc.clone();
                tokio::spawn(async move {
                    zjtx::api::serve(listener, svc, async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
                });
                World {
                    api: ApiClient::http(&base).unwrap(),
                    env,
                    base: Some(base),
                    _stop: Some(stop),
                }
            }
        })
    }

    /// A client logged in as a staff account bootstrapped through the service.
    async fn staff(
        &self,
        login: &str,
        kind: AccountKind,
        level: Option<ReviewLevel>,
        region: Option<&str>,
    ) -> ApiClient {
        self.env.staff(login, kind, level, region).await;
        let c = self.api.another();
        c.login(login, PASSWORD).await.unwrap();
        c
    }

    /// A legal-person account registered, verified and logged in through the API.
    async fn firm(&self, login: &str, n: u32) -> ApiClient {
        let c = self.api.another();
        let acc = c
            .register(
                login,
                PASSWORD,
                "legal",
                &phone(n),
                Some(&format!("{login}@example.com")),
            )
            .await
            .unwrap();
        assert_eq!(acc["login_name"], login);
        c.login(login, PASSWORD).await.unwrap();
        let verified = c
            .verify_real_name(
                &format!("广州市测试{n}科技有限公司"),
                &uscc(n),
                "张三",
                &resident_id(n),
            )
            .await
            .unwrap();
        assert_eq!(verified["verified"], true);
        c.login(login, PASSWORD).await.unwrap();
        c
    }

    /// Basic info of a firm registered in 天河区 (440106), through `PATCH /enterprise`.
    async fn basic_info(&self, firm: &ApiClient) {
        let e = firm.own_enterprise().await.unwrap();
        assert!(!e.value["missing"].as_array().unwrap().is_empty());
        let v = e.version.expect("an ETag");
        let updated = firm
            .update_enterprise(
                v,
                &json!({
                    "county_code": "440106", "industry_code": "3973", "segment": "智能传感器",
                    "main_products": ["MEMS 压力传感器"], "employees": 210.0,
                    "revenue": 8600.0, "total_assets": 9800.0, "contact_name": "李四",
                    "contact_phone": "13800000001"
                }),
            )
            .await
            .unwrap();
        assert_eq!(updated.version, Some(v + 1));
        assert_eq!(updated.value["missing"], json!([]));
    }

    /// A completed assessment with the full-score option everywhere.
    async fn assessment(&self, firm: &ApiClient) {
        let q = firm.questionnaire("manufacturing").await.unwrap();
        let a = firm.start_assessment(None).await.unwrap();
        conforms("start_assessment", 201, &a);
        let id = a["id"].as_str().unwrap().to_string();
        let mut answers = BTreeMap::new();
        for question in q["questions"].as_array().unwrap() {
            let top = question["options"]
                .as_array()
                .unwrap()
                .iter()
                .position(|o| o["fraction"].as_f64() == Some(1.0))
                .unwrap();
            answers.insert(question["id"].as_str().unwrap().to_string(), top as i64);
        }
        let saved = firm
            .save_answers(&id, a["version"].as_i64().unwrap(), &answers)
            .await
            .unwrap();
        let done = firm
            .complete_assessment(&id, saved.version.unwrap())
            .await
            .unwrap();
        assert!(done.value["completed_at"].is_string());
        assert!(done.value["level"].is_string(), "{}", done.value);
        conforms("complete_assessment", 200, &done.value);
        conforms("assessments", 200, &firm.assessments().await.unwrap());
    }

    /// A 广东 window for 专精特新, batch 2025, open 2025-03-03 … 2025-03-31; its id.
    async fn window(&self, admin: &ApiClient) -> String {
        let w = admin
            .open_window("440000", "specialized", 2025, "2025-03-03", "2025-03-31")
            .await
            .unwrap();
        conforms("open_window", 201, &w.value);
        w.value["id"].as_str().unwrap().to_string()
    }

    /// A filled 专精特新 draft: (id, version).
    async fn draft(&self, firm: &ApiClient, window: &str) -> (String, i64) {
        let d = firm
            .create_declaration("specialized", window)
            .await
            .unwrap();
        let id = d.value["id"].as_str().unwrap().to_string();
        let form = firm.declaration_form(&id).await.unwrap();
        assert!(form.is_object());
        let saved = firm
            .save_declaration(&id, d.version.unwrap(), &inputs())
            .await
            .unwrap();
        assert_eq!(saved.value["warnings"], json!([]), "{}", saved.value);
        (id, saved.version.unwrap())
    }
}

/// The worked 专精特新 example with 广东's default local indicators.
fn inputs() -> Value {
    #[derive(serde::Deserialize)]
    struct Example {
        inputs: toml::Table,
    }
    let mut t = toml::from_str::<Example>(include_str!("../fixtures/examples/specialized.toml"))
        .unwrap()
        .inputs;
    t.remove("sz_20_clusters");
    t.remove("sz_pct_patents");
    t.insert("local_key_industry".into(), toml::Value::Boolean(true));
    t.insert("local_export_share".into(), toml::Value::Float(12.0));
    serde_json::to_value(t).unwrap()
}

/// The reviewers of the 天河 → 广州 → 广东 chain and 广东's admin.
struct Staff {
    admin: ApiClient,
    county: ApiClient,
    city: ApiClient,
    province: ApiClient,
}

async fn staff(w: &World) -> Staff {
    use ReviewLevel::{City, County, Province};
    Staff {
        admin: w
            .staff(
                "gd_admin",
                AccountKind::Admin,
                Some(Province),
                Some("440000"),
            )
            .await,
        county: w
            .staff(
                "th_rev",
                AccountKind::Reviewer,
                Some(County),
                Some("440106"),
            )
            .await,
        city: w
            .staff("gz_rev", AccountKind::Reviewer, Some(City), Some("440100"))
            .await,
        province: w
            .staff(
                "gd_rev",
                AccountKind::Reviewer,
                Some(Province),
                Some("440000"),
            )
            .await,
    }
}

/// Claims and passes `id` as `reviewer`; the decision.
async fn claim_and_pass(reviewer: &ApiClient, id: &str) -> Value {
    let queue = reviewer.queue("limit=50").await.unwrap();
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == id || e["item_id"] == id),
        "{queue}"
    );
    conforms("queue", 200, &queue);
    let detail = reviewer.review_item(id).await.unwrap();
    conforms("review_item", 200, &detail.value);
    let v = detail.version.unwrap();
    let claimed = reviewer.decide(id, v, "claim", None).await.unwrap();
    let v = claimed["item"]["version"].as_i64().unwrap();
    reviewer
        .decide(id, v, "pass", Some("材料齐全，同意推荐。"))
        .await
        .unwrap()
}

fn state(v: &Value) -> (String, Option<String>) {
    (
        v["state"]["state"].as_str().unwrap_or_default().to_string(),
        v["state"]["level"].as_str().map(str::to_string),
    )
}

macro_rules! each_mode {
    ($($name:ident),* $(,)?) => { $(
        mod $name {
            #[tokio::test]
            async fn in_process() {
                super::$name(super::Mode::InProcess).await
            }
            #[tokio::test]
            async fn http() {
                super::$name(super::Mode::Http).await
            }
            #[tokio::test]
            async fn served_on_postgres() {
                super::$name(super::Mode::HttpPostgres).await
            }
        }
    )* };
}

each_mode!(
    register_to_certification,
    return_and_resubmit,
    withdraw,
    stale_if_match_is_412_naming_who_changed_it,
    missing_if_match_is_428,
    a_retried_submit_files_once,
    problems_are_problem_json,
    lists_are_compressed_when_accepted,
    a_dropped_upload_resumes_at_its_offset,
    an_escaping_zip_is_refused_naming_the_entry,
    lockout_and_query_limits_say_when_to_retry,
    announcements_go_public_when_published,
    chains_are_set_with_if_match_once_configured,
    a_change_is_edited_on_the_version_its_etag_names,
    suggestions_come_from_enterprises_of_the_class,
    past_applications_are_listed_for_their_enterprise_only,
);

async fn register_to_certification(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    assert_eq!(w.api.healthz().await.unwrap()["status"], "ok");
    let st = staff(&w).await;
    let firm = w.firm("firm", 1).await;
    w.basic_info(&firm).await;
    w.assessment(&firm).await;
    let window = w.window(&st.admin).await;
    let open = firm.open_windows().await.unwrap();
    assert!(open.to_string().contains(&window), "{open}");
    conforms("open_windows", 200, &open);
    let (id, v) = w.draft(&firm, &window).await;
    let eval = firm.evaluate_declaration(&id).await.unwrap();
    assert!(eval.is_object());

    let submitted = firm.submit_declaration(&id, v).await.unwrap();
    assert_eq!(
        state(&submitted),
        ("submitted".into(), Some("county".into()))
    );

    let p1 = claim_and_pass(&st.county, &id).await;
    assert_eq!(
        state(&p1["item"]),
        ("submitted".into(), Some("city".into()))
    );
    let p2 = claim_and_pass(&st.city, &id).await;
    assert_eq!(
        state(&p2["item"]),
        ("submitted".into(), Some("province".into()))
    );
    let done = claim_and_pass(&st.province, &id).await;
    conforms("decide", 200, &done);
    assert_eq!(done["item"]["state"]["state"], "approved", "{done}");
    let cert = &done["certification"];
    assert_eq!(cert["tier"], "specialized");
    assert_eq!(cert["certified_on"], "2025-03-03");

    let detail = firm.declaration(&id).await.unwrap();
    assert_eq!(detail.value["state"]["state"], "approved");
    assert!(detail.value["breakdown"].is_object());
    conforms("declaration", 200, &detail.value);
    conforms("evaluate_declaration", 200, &eval);
    let logged_in = firm.login("firm", PASSWORD).await.unwrap();
    conforms("login", 201, &logged_in);
    // the account comes with the log-in, as GET /me shows it
    assert_eq!(logged_in["account"], firm.me().await.unwrap());
    conforms(
        "own_enterprise",
        200,
        &firm.own_enterprise().await.unwrap().value,
    );
    let eid = detail.value["enterprise_id"].as_str().unwrap();
    let certs = firm.certifications(eid).await.unwrap();
    assert_eq!(certs.as_array().unwrap().len(), 1, "{certs}");
    assert_eq!(certs[0]["id"], cert["id"]);
    conforms("enterprise_certifications", 200, &certs);
    let challenge = w.api.query_challenge().await.unwrap();
    conforms("query_challenge", 201, &challenge);
    let e: Vec<&str> = challenge["expression"]
        .as_str()
        .unwrap()
        .split(' ')
        .collect();
    let (x, y): (i64, i64) = (e[0].parse().unwrap(), e[2].parse().unwrap());
    let answer = if e[1] == "+" { x + y } else { x - y };
    let found = w
        .api
        .query_certifications(
            detail.value["enterprise_name"].as_str().unwrap(),
            detail.value["uscc"].as_str().unwrap(),
            challenge["id"].as_str().unwrap(),
            &answer.to_string(),
        )
        .await
        .unwrap();
    assert_eq!(
        found["certifications"].as_array().unwrap().len(),
        1,
        "{found}"
    );
    conforms("query_certifications", 200, &found);
    let one = firm
        .certification(cert["id"].as_str().unwrap())
        .await
        .unwrap();
    assert!(one.version.is_some());
    let inbox = firm.messages("limit=20").await.unwrap();
    assert!(inbox.to_string().contains("专精特新"), "{inbox}");
    conforms("messages", 200, &inbox);
    conforms(
        "latest_messages",
        200,
        &firm.latest_messages(5).await.unwrap(),
    );
    assert!(firm.mark_all_read(None).await.unwrap() >= 1);
    let mine = firm.declarations("limit=10").await.unwrap();
    conforms("declarations", 200, &mine);
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let html = firm.export_declaration(&id, "html").await.unwrap();
    assert!(html.contains("专精特新"), "{html}");

    firm.logout().await.unwrap();
    assert_eq!(firm.me().await.unwrap_err().status(), Some(401));
}

async fn return_and_resubmit(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let st = staff(&w).await;
    let firm = w.firm("firm", 1).await;
    w.basic_info(&firm).await;
    w.assessment(&firm).await;
    let window = w.window(&st.admin).await;
    let (id, v) = w.draft(&firm, &window).await;
    firm.submit_declaration(&id, v).await.unwrap();

    let d = st.county.review_item(&id).await.unwrap();
    let claimed = st
        .county
        .decide(&id, d.version.unwrap(), "claim", None)
        .await
        .unwrap();
    let v = claimed["item"]["version"].as_i64().unwrap();
    // A return needs a reason.
    let e = st.county.decide(&id, v, "return", None).await.unwrap_err();
    assert_eq!(e.status(), Some(422));
    assert_eq!(e.problem().unwrap().field.as_deref(), Some("reason"));
    let returned = st
        .county
        .decide(&id, v, "return", Some("请补充近两年审计报告。"))
        .await
        .unwrap();
    assert_eq!(returned["item"]["state"]["state"], "returned");

    let mine = firm.declaration(&id).await.unwrap();
    assert_eq!(mine.value["state"]["state"], "returned");
    conforms("declaration", 200, &mine.value);
    assert_eq!(
        mine.value["actions"],
        json!([
            {"action": "edit", "confirm": null},
            {"action": "resubmit", "confirm": null},
            {"action": "export", "confirm": null}
        ]),
        "a returned declaration is edited and resubmitted"
    );
    let saved = firm
        .save_declaration(&id, mine.version.unwrap(), &inputs())
        .await
        .unwrap();
    let again = firm
        .submit_declaration(&id, saved.version.unwrap())
        .await
        .unwrap();
    assert_eq!(state(&again), ("submitted".into(), Some("county".into())));
}

async fn withdraw(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let st = staff(&w).await;
    let firm = w.firm("firm", 1).await;
    w.basic_info(&firm).await;
    w.assessment(&firm).await;
    let window = w.window(&st.admin).await;
    let (id, v) = w.draft(&firm, &window).await;
    let submitted = firm.submit_declaration(&id, v).await.unwrap();
    let v = submitted["version"].as_i64().unwrap();
    let detail = firm.declaration(&id).await.unwrap();
    conforms("declaration", 200, &detail.value);
    let offered: Vec<&str> = detail.value["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(offered, ["withdraw", "withdraw_edit", "export"]);
    // the reviewer reading it is offered only the export
    let theirs = st.county.declaration(&id).await.unwrap();
    assert_eq!(
        theirs.value["actions"],
        json!([{"action": "export", "confirm": null}])
    );
    let withdrawn = firm.withdraw_declaration(&id, v, false).await.unwrap();
    assert_ne!(withdrawn["state"]["state"], "submitted", "{withdrawn}");
    let q = st.county.queue("").await.unwrap();
    assert_eq!(q["items"], json!([]));
    // A reviewer cannot withdraw an enterprise's declaration.
    let e = st
        .county
        .withdraw_declaration(&id, withdrawn["version"].as_i64().unwrap(), false)
        .await
        .unwrap_err();
    assert!(
        matches!(e.status(), Some(403) | Some(404) | Some(409)),
        "{e}"
    );
}

async fn stale_if_match_is_412_naming_who_changed_it(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let firm = w.firm("firm", 1).await;
    let e = firm.own_enterprise().await.unwrap();
    let v = e.version.unwrap();
    firm.update_enterprise(v, &json!({"contact_name": "李四"}))
        .await
        .unwrap();
    let err = firm
        .update_enterprise(v, &json!({"contact_name": "王五"}))
        .await
        .unwrap_err();
    let p = err.problem().expect("a problem");
    assert_eq!(p.status, 412);
    assert_eq!(p.code, "conflict");
    assert_eq!(p.current_version, Some(v + 1));
    assert!(
        p.by.as_deref().unwrap_or_default().contains("测试1"),
        "{p:?}"
    );
    assert!(p.at.is_some());
    // Nothing changed by the stale edit.
    let now = firm.own_enterprise().await.unwrap();
    assert_eq!(now.value["contact_name"], "李四");
    assert_eq!(now.version, Some(v + 1));
}

async fn missing_if_match_is_428(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let firm = w.firm("firm", 1).await;
    let resp = firm
        .send(RawRequest::new("PATCH", "/api/v1/enterprise").json(&json!({"contact_name": "王五"})))
        .await
        .unwrap();
    assert_eq!(resp.status, 428);
    assert_eq!(
        resp.header("content-type"),
        Some("application/problem+json")
    );
    let p: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(p["type"], "https://zjtx.cn/problems/precondition_required");
    let now = firm.own_enterprise().await.unwrap();
    assert_ne!(now.value["contact_name"], "王五");
}

async fn a_retried_submit_files_once(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let st = staff(&w).await;
    let firm = w.firm("firm", 1).await;
    w.basic_info(&firm).await;
    w.assessment(&firm).await;
    let window = w.window(&st.admin).await;
    let (id, v) = w.draft(&firm, &window).await;

    let first = firm
        .send(ApiClient::submit_request(&id, v, "key-1"))
        .await
        .unwrap();
    assert_eq!(first.status, 200);
    let retry = firm
        .send(ApiClient::submit_request(&id, v, "key-1"))
        .await
        .unwrap();
    assert_eq!(retry.status, 200);
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    let detail = firm.declaration(&id).await.unwrap();
    assert_eq!(detail.value["history"].as_array().unwrap().len(), 1);
    assert_eq!(
        w.env
            .scalar("SELECT COUNT(*) FROM history WHERE action = 'submit'")
            .await,
        1
    );
    // The same key for another request is refused.
    let other = firm
        .send(ApiClient::submit_request(&id, v + 1, "key-1"))
        .await
        .unwrap();
    assert_eq!(other.status, 422);
    let p: Value = serde_json::from_slice(&other.body).unwrap();
    assert_eq!(p["code"], "idempotency_key_reused");
    // Another account's key space is its own.
    let stranger = w.firm("other", 2).await;
    let theirs = stranger
        .send(ApiClient::submit_request(&id, v, "key-1"))
        .await
        .unwrap();
    assert_ne!(theirs.header("idempotent-replayed"), Some("true"));
    assert!(theirs.status >= 400);
}

async fn problems_are_problem_json(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let resp = w
        .api
        .send(RawRequest::new("POST", "/api/v1/accounts").json(&json!({
            "login_name": "x", "password": "short", "kind": "legal", "phone": "123"
        })))
        .await
        .unwrap();
    assert_eq!(resp.status, 422);
    assert_eq!(
        resp.header("content-type"),
        Some("application/problem+json")
    );
    let p: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(p["type"], "https://zjtx.cn/problems/invalid");
    assert_eq!(p["status"], 422);
    assert_eq!(p["title"], "Unprocessable Entity");
    let fields: Vec<&str> = p["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"password") && fields.contains(&"phone"),
        "{p}"
    );
    assert_eq!(p["field"], fields[0]);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| c > '\u{2e80}')
    );
    assert!(!p["detail_en"].as_str().unwrap().is_empty());

    // Not logged in: 401 with a bearer challenge.
    let resp = w
        .api
        .send(RawRequest::new("GET", "/api/v1/me"))
        .await
        .unwrap();
    assert_eq!(resp.status, 401);
    assert_eq!(resp.header("www-authenticate"), Some("Bearer"));
    // Malformed JSON: 400, the body named.
    let resp = w
        .api
        .send(
            RawRequest::new("POST", "/api/v1/session")
                .header("content-type", "application/json")
                .bytes(b"{not json".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 400);
    // An unknown path: a problem too.
    let resp = w
        .api
        .send(RawRequest::new("GET", "/api/v1/nothing"))
        .await
        .unwrap();
    assert_eq!(resp.status, 404);
    assert_eq!(
        resp.header("content-type"),
        Some("application/problem+json")
    );
    // Over the body limit: 413, a problem.
    let resp = w
        .api
        .send(
            RawRequest::new("POST", "/api/v1/session")
                .header("content-type", "application/json")
                .bytes(vec![b' '; 2 * 1024 * 1024]),
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 413);
    let p: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(p["code"], "payload_too_large");
    // A method the path does not take: 405 with Allow, a problem.
    let resp = w
        .api
        .send(RawRequest::new("DELETE", "/api/v1/accounts"))
        .await
        .unwrap();
    assert_eq!(resp.status, 405);
    assert!(resp.header("allow").is_some());
    assert_eq!(
        resp.header("content-type"),
        Some("application/problem+json")
    );
    // A USCC already verified: 409 with the ways out.
    let _first = w.firm("firm", 1).await;
    let second = w.api.another();
    second
        .register("second", PASSWORD, "legal", &phone(2), None)
        .await
        .unwrap();
    second.login("second", PASSWORD).await.unwrap();
    let e = second
        .verify_real_name("广州市测试1科技有限公司", &uscc(1), "张三", &resident_id(1))
        .await
        .unwrap_err();
    let p = e.problem().unwrap();
    assert_eq!((p.status, p.code.as_str()), (409, "uscc_registered"));
    assert_eq!(p.field.as_deref(), Some("uscc"));
    assert_eq!(p.ways_out.len(), 3);
}

async fn lists_are_compressed_when_accepted(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let plain = w
        .api
        .send(RawRequest::new("GET", "/api/v1/regions"))
        .await
        .unwrap();
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
    for enc in ["gzip", "zstd"] {
        let (encoding, len) = match &w.base {
            None => {
                let r = w
                    .api
                    .send(RawRequest::new("GET", "/api/v1/regions").header("accept-encoding", enc))
                    .await
                    .unwrap();
                (
                    r.header("content-encoding").map(str::to_string),
                    r.body.len(),
                )
            }
            Some(base) => {
                // A client that does not decode, to see the bytes on the wire.
                let c = reqwest::Client::builder()
                    .no_gzip()
                    .no_zstd()
                    .build()
                    .unwrap();
                let r = c
                    .get(format!("{base}/api/v1/regions"))
                    .header("accept-encoding", enc)
                    .send()
                    .await
                    .unwrap();
                let e = r
                    .headers()
                    .get("content-encoding")
                    .map(|v| v.to_str().unwrap().to_string());
                (e, r.bytes().await.unwrap().len())
            }
        };
        assert_eq!(encoding.as_deref(), Some(enc));
        assert!(
            len < plain.body.len(),
            "{enc}: {len} ≥ {}",
            plain.body.len()
        );
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

async fn a_dropped_upload_resumes_at_its_offset(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let st = staff(&w).await;
    let firm = w.firm("firm", 1).await;
    w.basic_info(&firm).await;
    let window = w.window(&st.admin).await;
    let d = firm
        .create_declaration("specialized", &window)
        .await
        .unwrap();
    let item = d.value["id"].as_str().unwrap();
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(300_000, b' ');
    pdf.extend_from_slice(b"\n%%EOF\n");
    let up = firm
        .create_upload(item, "审计报告.pdf", pdf.len() as u64, &sha256_hex(&pdf))
        .await
        .unwrap();
    let id = up["id"].as_str().unwrap();
    let half = pdf.len() / 2;
    assert_eq!(
        firm.append_chunk(id, 0, &pdf[..half]).await.unwrap(),
        half as u64
    );

    // The link drops in the middle of the second chunk.
    if let Some(base) = &w.base {
        use tokio::io::AsyncWriteExt;
        let addr = base.trim_start_matches("http://");
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "PATCH /api/v1/uploads/{id} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {}\r\n\
             upload-offset: {half}\r\ncontent-type: application/octet-stream\r\n\
             content-length: {}\r\n\r\n",
            firm.token().unwrap(),
            pdf.len() - half
        );
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(&pdf[half..half + 1000]).await.unwrap();
        drop(s);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // After reconnecting: ask where to go on, send the rest.
    let offset = firm.upload_offset(id).await.unwrap();
    assert_eq!(offset, half as u64);
    // A chunk at the wrong offset is refused.
    assert!(firm.append_chunk(id, 10, &pdf[10..20]).await.is_err());
    let end = firm
        .append_chunk(id, offset, &pdf[offset as usize..])
        .await
        .unwrap();
    assert_eq!(end, pdf.len() as u64);
    let evidence = firm.finish_upload(id).await.unwrap();
    assert_eq!(evidence["name"], "审计报告.pdf", "{evidence}");
}

async fn an_escaping_zip_is_refused_naming_the_entry(mode: Mode) {
    use std::io::Write;
    let Some(w) = World::new(mode).await else {
        return;
    };
    let st = staff(&w).await;
    let firm = w.firm("firm", 1).await;
    w.basic_info(&firm).await;
    let window = w.window(&st.admin).await;
    let d = firm
        .create_declaration("specialized", &window)
        .await
        .unwrap();
    let item = d.value["id"].as_str().unwrap();
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file("../evil.pdf", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(b"%PDF-1.7\n%%EOF\n").unwrap();
    let bytes = z.finish().unwrap().into_inner();
    let up = firm
        .create_upload(item, "材料.zip", bytes.len() as u64, &sha256_hex(&bytes))
        .await
        .unwrap();
    let id = up["id"].as_str().unwrap();
    firm.append_chunk(id, 0, &bytes).await.unwrap();
    let e = firm.finish_upload(id).await.unwrap_err();
    let p = e.problem().expect("a problem");
    assert_eq!(
        (p.status, p.code.as_str()),
        (409, "zip_path_escapes"),
        "{p:?}"
    );
    assert!(p.detail.contains("“../evil.pdf”"), "{p:?}");
    assert_eq!(firm.evidence_list(item).await.unwrap(), json!([]));
}

async fn lockout_and_query_limits_say_when_to_retry(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    w.firm("firm", 1).await;
    let c = w.api.another();
    let mut locked = None;
    for _ in 0..7 {
        let r = c
            .send(
                RawRequest::new("POST", "/api/v1/session")
                    .json(&json!({"identifier": "firm", "password": "Wrong-999"})),
            )
            .await
            .unwrap();
        if r.status == 423 {
            locked = Some(r);
            break;
        }
        assert_eq!(r.status, 401);
    }
    let r = locked.expect("locked after repeated failures");
    assert_eq!(r.header("retry-after"), Some("900"));
    let p: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(p["code"], "locked");

    let mut limited = None;
    for _ in 0..20 {
        let r = c
            .send(
                RawRequest::new("POST", "/api/v1/certification-query").json(&json!({
                    "name": "某公司", "uscc": uscc(1), "challenge_id": "none", "answer": "0"
                })),
            )
            .await
            .unwrap();
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("rate-limited after repeated queries");
    let secs: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=600).contains(&secs), "{secs}");

    // One address asking for many reset codes is stopped, whatever the accounts.
    let mut answers = Vec::new();
    for n in 0..=zjtx::service::throttle::CODES_PER_ADDRESS {
        let r = c
            .send(
                RawRequest::new("POST", "/api/v1/password-reset")
                    .json(&json!({ "identifier": format!("nobody{n}") })),
            )
            .await
            .unwrap();
        answers.push((r.status, r.header("retry-after").map(str::to_string)));
    }
    let (last_status, last_retry) = answers.pop().unwrap();
    assert!(answers.iter().all(|(s, _)| *s != 429), "{answers:?}");
    assert_eq!(last_status, 429);
    assert_eq!(last_retry.as_deref(), Some("600"));
}

async fn announcements_go_public_when_published(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let st = staff(&w).await;
    let a = st
        .admin
        .create_announcement("2025年专精特新申报通知", "申报时间为3月3日至3月31日。")
        .await
        .unwrap();
    let id = a.value["id"].as_str().unwrap();
    let v = a.version.unwrap();
    let public = w.api.announcements("limit=10").await.unwrap();
    assert_eq!(public["items"], json!([]));
    // A reviewer is no publisher.
    let e = st
        .county
        .announcement_action(id, v, "publish")
        .await
        .unwrap_err();
    assert!(matches!(e.status(), Some(403) | Some(404)), "{e}");
    let published = st
        .admin
        .announcement_action(id, v, "publish")
        .await
        .unwrap();
    assert_eq!(published.version, Some(v + 1));
    let stale = st
        .admin
        .announcement_action(id, v, "withdraw")
        .await
        .unwrap_err();
    assert_eq!(stale.status(), Some(412));
    let public = w.api.announcements("limit=10").await.unwrap();
    assert_eq!(public["items"][0]["id"], id);
    conforms("announcements", 200, &public);
    let one = w.api.announcement(id).await.unwrap();
    assert_eq!(one["title"], "2025年专精特新申报通知");
    conforms("announcement", 200, &one);
}

async fn chains_are_set_with_if_match_once_configured(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let st = staff(&w).await;
    let default = st.admin.chain("440000", "specialized").await.unwrap();
    assert_eq!(default.value["is_default"], true);
    conforms("chain", 200, &default.value);
    assert_eq!(default.version, None);
    // A reviewer configures nothing.
    let e = st
        .county
        .set_chain("440000", "specialized", &["county", "province"], None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(403));
    let first = st
        .admin
        .set_chain("440000", "specialized", &["county", "province"], None)
        .await
        .unwrap();
    let v = first.version.expect("a configured chain has a version");
    // Once configured, a change without If-Match is a plain conflict (409), a stale one 412.
    let e = st
        .admin
        .set_chain("440000", "specialized", &["city", "province"], None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(409));
    assert_eq!(e.problem().unwrap().current_version, Some(v));
    let second = st
        .admin
        .set_chain("440000", "specialized", &["city", "province"], Some(v))
        .await
        .unwrap();
    assert_eq!(second.version, Some(v + 1));
    let e = st
        .admin
        .set_chain(
            "440000",
            "specialized",
            &["county", "city", "province"],
            Some(v),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(412));
    assert_eq!(e.problem().unwrap().by.as_deref(), Some("gd_admin-name"));
}

async fn a_change_is_edited_on_the_version_its_etag_names(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let firm = w.firm("firm", 1).await;
    w.basic_info(&firm).await;
    let eid = firm.own_enterprise().await.unwrap().value["id"]
        .as_str()
        .unwrap()
        .to_string();
    common::life::certify(
        &w.env,
        &eid,
        zjtx::domain::tiers::Tier::Specialized,
        "2023-09-15",
    )
    .await;
    let input = |after: &str| {
        json!({
            "kind": "rename", "change_date": "2025-02-01",
            "before": "广州市测试1科技有限公司", "after": after,
            "description": "股东会决议更名。"
        })
    };
    let created = firm
        .create_change(&input("广州市测试1智能科技有限公司"))
        .await
        .unwrap();
    conforms("create_change", 201, &created.value);
    assert_eq!(created.value["before"], "广州市测试1科技有限公司");
    let id = created.value["item"]["id"].as_str().unwrap().to_string();
    let read = firm.change_detail(&id).await.unwrap();
    conforms("change_detail", 200, &read.value);
    assert_eq!(read.version, Some(1), "the detail carries its ETag");
    assert_eq!(read.value["change"]["after"], "广州市测试1智能科技有限公司");
    // a before/after left empty is named field by field
    let err = firm.edit_change(&id, 1, &input(" ")).await.unwrap_err();
    let p = err.problem().expect("a problem");
    assert_eq!(p.status, 422);
    assert!(p.fields.iter().any(|f| f.field == "after"), "{p:?}");
    let edited = firm
        .edit_change(&id, 1, &input("天目智能科技有限公司"))
        .await
        .unwrap();
    assert_eq!(edited.version, Some(2));
    // an edit or a delete on the version read before is refused with who changed it
    let err = firm
        .edit_change(&id, 1, &input("基于旧版本"))
        .await
        .unwrap_err();
    let p = err.problem().expect("a problem");
    assert_eq!((p.status, p.code.as_str()), (412, "conflict"));
    assert_eq!(p.current_version, Some(2));
    assert!(
        p.by.as_deref().unwrap_or_default().contains("测试1"),
        "{p:?}"
    );
    let err = firm.delete_change(&id, 1).await.unwrap_err();
    assert_eq!(err.status(), Some(412));
    let now = firm.change_detail(&id).await.unwrap();
    assert_eq!(now.version, Some(2));
    assert_eq!(now.value["change"]["after"], "天目智能科技有限公司");
    firm.delete_change(&id, 2).await.unwrap();
}

async fn suggestions_come_from_enterprises_of_the_class(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let a = w.firm("firm_a", 1).await;
    w.basic_info(&a).await; // 3973, 智能传感器, MEMS 压力传感器
    let b = w.firm("firm_b", 2).await;
    let v = b.own_enterprise().await.unwrap().version.unwrap();
    b.update_enterprise(
        v,
        &json!({"industry_code": "3973", "segment": "功率器件",
                "main_products": ["IGBT 模块", "MEMS 麦克风"]}),
    )
    .await
    .unwrap();
    let s = b.segment_suggestions("3973", "智能").await.unwrap();
    conforms("segment_suggestions", 200, &s);
    assert_eq!(s["suggestions"], json!(["智能传感器"]));
    let all = b.segment_suggestions("3973", "").await.unwrap();
    assert_eq!(all["suggestions"], json!(["功率器件", "智能传感器"]));
    let p = b.product_suggestions("3973", None, "mems").await.unwrap();
    conforms("product_suggestions", 200, &p);
    assert_eq!(p["suggestions"], json!(["MEMS 压力传感器", "MEMS 麦克风"]));
    let p = b
        .product_suggestions("3973", Some("智能传感器"), "")
        .await
        .unwrap();
    assert_eq!(
        p["suggestions"],
        json!(["MEMS 压力传感器"]),
        "of the segment only"
    );
    // a code that is not a class is named
    let err = b.segment_suggestions("39", "").await.unwrap_err();
    let p = err.problem().expect("a problem");
    assert_eq!(p.status, 422);
    assert!(p.fields.iter().any(|f| f.field == "industry_code"), "{p:?}");
    // a login is needed
    let anon = w.api.another();
    assert_eq!(
        anon.segment_suggestions("3973", "")
            .await
            .unwrap_err()
            .status(),
        Some(401)
    );
}

async fn past_applications_are_listed_for_their_enterprise_only(mode: Mode) {
    let Some(w) = World::new(mode).await else {
        return;
    };
    let st = staff(&w).await;
    let firm = w.firm("firm", 1).await;
    w.basic_info(&firm).await;
    let eid = firm.own_enterprise().await.unwrap().value["id"]
        .as_str()
        .unwrap()
        .to_string();
    // certified 创新型 three years ago (the review side's final pass, as SQL)
    let cert = common::life::certify(
        &w.env,
        &eid,
        zjtx::domain::tiers::Tier::Innovative,
        "2022-06-01",
    )
    .await;
    st.admin
        .set_review_flags(std::slice::from_ref(&cert), true)
        .await
        .unwrap();
    let app = firm.apply_reexam("innovative").await.unwrap();
    let app_id = app["id"].as_str().unwrap().to_string();
    let update = firm.start_update().await.unwrap();
    let uid = update.value["id"].as_str().unwrap().to_string();
    firm.update_action(&uid, update.version.unwrap(), "submit", None)
        .await
        .unwrap();

    let reexams = firm.reexam_history("limit=10").await.unwrap();
    conforms("reexam_history", 200, &reexams);
    assert_eq!(reexams["items"][0]["id"], app_id.as_str());
    assert_eq!(reexams["items"][0]["state"]["level"], "city");
    assert_eq!(reexams["items"][0]["expires_on"], "2025-05-31");
    let detail = firm.reexam_detail(&app_id).await.unwrap();
    conforms("reexam_detail", 200, &detail.value);
    assert_eq!(detail.value["history"][0]["action"], "submit");
    assert_eq!(
        detail.value["actions"],
        json!([{"action": "withdraw", "confirm": null}]),
        "a submitted application may be withdrawn"
    );
    let withdrawn = firm
        .reexam_action(&app_id, detail.version.unwrap(), "withdraw")
        .await
        .unwrap();
    assert_eq!(withdrawn["state"]["state"], "withdrawn");
    let detail = firm.reexam_detail(&app_id).await.unwrap();
    conforms("reexam_detail", 200, &detail.value);
    assert_eq!(
        detail.value["actions"],
        json!([{"action": "resubmit", "confirm": null}]),
        "a withdrawn one is applied for again"
    );
    let again = firm.apply_reexam("innovative").await.unwrap();
    assert_eq!(again["id"], app_id.as_str());
    let mine = firm.update_detail(&uid).await.unwrap();
    conforms("update_detail", 200, &mine.value);
    assert_eq!(
        mine.value["actions"],
        json!([
            {"action": "withdraw", "confirm": null},
            {"action": "withdraw_edit", "confirm": null}
        ]),
        "a submitted update may be withdrawn"
    );
    firm.update_action(&uid, mine.version.unwrap(), "withdraw", None)
        .await
        .unwrap();
    let mine = firm.update_detail(&uid).await.unwrap();
    conforms("update_detail", 200, &mine.value);
    assert_eq!(
        mine.value["actions"],
        json!([
            {"action": "edit", "confirm": null},
            {"action": "resubmit", "confirm": null}
        ]),
        "a withdrawn update is edited and resubmitted in the period"
    );
    let updates = firm.update_history("limit=10").await.unwrap();
    conforms("update_history", 200, &updates);
    assert_eq!(updates["items"][0]["id"], uid.as_str());
    assert_eq!(updates["items"][0]["year"], 2025);

    // another enterprise has none; staff have no such list
    let other = w.firm("other", 2).await;
    assert_eq!(other.reexam_history("").await.unwrap()["items"], json!([]));
    assert_eq!(other.update_history("").await.unwrap()["items"], json!([]));
    let e = other.reexam_detail(&app_id).await.unwrap_err();
    assert_eq!(e.status(), Some(403));
    let e = st.admin.reexam_history("").await.unwrap_err();
    assert_eq!(e.status(), Some(403));
}
