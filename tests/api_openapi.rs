//! The OpenAPI document (`/api/v1/openapi.json`) is complete: every route of the router is in
//! it and every operation in it is routed; every operation has a typed success body, typed JSON
//! request bodies and its error statuses as problems; request bodies that refuse unknown fields
//! say so (`additionalProperties: false`) and the API does refuse them, 422 naming the field.

mod common;

use common::openapi::{check, resolve};
use common::{PASSWORD, env};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use zjtx::api::openapi::{In, OPERATIONS, Out, full_path};
use zjtx::client::{ApiClient, RawRequest};
use zjtx::service::AccountKind;

fn doc() -> &'static Value {
    zjtx::api::openapi::document_value()
}

/// `{id}` and friends replaced by `x`.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "x" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// The (method, path) pairs `zjtx::api::router` routes, read from its source: every
/// `.route("…", …)` call and the method routers chained in it.
fn routed() -> BTreeSet<(String, String)> {
    let src = include_str!("../src/api/mod.rs");
    let start = src.find("pub fn router(").expect("the router function");
    let body = &src[start..start + src[start..].find("\n}\n").expect("its end")];
    let methods = ["get", "post", "put", "patch", "delete", "head"];
    let mut out = BTreeSet::new();
    let mut rest = body;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .expect("a closed .route( call");
        let args = &rest[..end];
        let path = args.split('"').nth(1).expect("a path literal");
        let full = if path == "/healthz" {
            path.to_string()
        } else {
            format!("/api/v1{path}")
        };
        for m in methods {
            // `get(` opening the chain or `.get(` continuing it, not `h::get_x(`.
            let called = args.match_indices(&format!("{m}(")).any(|(i, _)| {
                i == 0 || {
                    let before = args.as_bytes()[i - 1];
                    !(before.is_ascii_alphanumeric() || before == b'_' || before == b':')
                }
            });
            if called {
                out.insert((m.to_string(), full.clone()));
            }
        }
        rest = &rest[end..];
    }
    out
}

#[test]
fn every_route_is_documented_and_every_operation_is_routed() {
    let routes = routed();
    assert!(routes.len() >= 90, "read only {} routes", routes.len());
    let table: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|o| (o.method.to_string(), full_path(o)))
        .collect();
    assert_eq!(
        table.len(),
        OPERATIONS.len(),
        "an operation is listed twice"
    );
    let undocumented: Vec<_> = routes.difference(&table).collect();
    let unrouted: Vec<_> = table.difference(&routes).collect();
    assert!(
        undocumented.is_empty(),
        "routed, not in the document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "in the document, not routed: {unrouted:?}"
    );
    // The document holds exactly the table, operation ids unique.
    let mut in_doc = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for (path, item) in doc()["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            in_doc.insert((method.clone(), path.clone()));
            assert!(ids.insert(op["operationId"].as_str().unwrap().to_string()));
        }
    }
    assert_eq!(in_doc, table);
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let env = env().await;
    let api = ApiClient::in_process(env.svc.clone());
    let doc = api.openapi().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(&doc, zjtx::api::openapi::document_value());
    for op in OPERATIONS {
        let path = concrete(&full_path(op));
        let resp = api
            .send(RawRequest::new(&op.method.to_uppercase(), path.clone()))
            .await
            .unwrap();
        assert_ne!(resp.status, 405, "{} {path}", op.method);
        if resp.status == 404 && op.method != "head" {
            let p: Value = serde_json::from_slice(&resp.body).unwrap();
            assert!(
                !p["detail_en"].as_str().unwrap().contains("this endpoint"),
                "{} {path} is not routed",
                op.method
            );
        }
    }
}

/// Whether `schema` says what a value is (not `{}`, not "any"): a type, an enum, a composition,
/// or a `$ref` to a component that does.
fn typed(schema: &Value) -> bool {
    let s = resolve(doc(), schema);
    let Some(o) = s.as_object() else {
        return false;
    };
    ["type", "enum", "const", "oneOf", "anyOf", "allOf"]
        .iter()
        .any(|k| o.contains_key(*k))
}

#[test]
fn every_operation_has_typed_bodies_and_problem_statuses() {
    for (path, item) in doc()["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            let responses = op["responses"].as_object().unwrap();
            let mut ok = 0;
            for (status, resp) in responses {
                let code: u16 = status
                    .parse()
                    .unwrap_or_else(|_| panic!("{at}: a catch-all response {status}"));
                let content = resp["content"].as_object();
                if (200..300).contains(&code) {
                    ok += 1;
                    if code == 204 || method == "head" {
                        assert!(content.is_none(), "{at}: {code} with a body");
                        continue;
                    }
                    let content = content.unwrap_or_else(|| panic!("{at}: {code} without a body"));
                    for (media, c) in content {
                        assert!(typed(&c["schema"]), "{at}: {code} {media} is untyped");
                    }
                } else {
                    assert!((400..600).contains(&code), "{at}: {code}");
                    let schema = &resp["content"]["application/problem+json"]["schema"];
                    assert_eq!(
                        schema["$ref"], "#/components/schemas/Problem",
                        "{at}: {code} is not a problem"
                    );
                }
            }
            assert_eq!(ok, 1, "{at}: one success status");
            if let Some(body) = op.get("requestBody") {
                for (media, c) in body["content"].as_object().unwrap() {
                    assert!(typed(&c["schema"]), "{at}: request {media} is untyped");
                    if media == "application/json" {
                        let s = resolve(doc(), &c["schema"]);
                        let closed = s["additionalProperties"] == json!(false)
                            || s["additionalProperties"].is_object()
                            || s["oneOf"].as_array().is_some_and(|alts| {
                                alts.iter()
                                    .all(|a| a["additionalProperties"] == json!(false))
                            });
                        assert!(closed, "{at}: the request body takes unknown fields: {s}");
                    }
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                assert!(
                    typed(&p["schema"]),
                    "{at}: parameter {} is untyped",
                    p["name"]
                );
            }
        }
    }
    // The rows agree with the document on what the statuses follow from.
    for o in OPERATIONS {
        let op = &doc()["paths"][full_path(o)][o.method];
        let listed: BTreeSet<u16> = op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.parse().unwrap())
            .filter(|c| *c >= 400)
            .collect();
        assert_eq!(listed, o.error_statuses().into_iter().collect(), "{}", o.id);
        if !o.is_meta() {
            assert!(listed.contains(&500) && listed.contains(&408), "{}", o.id);
        }
        if o.auth {
            assert!(listed.contains(&401) && listed.contains(&403), "{}", o.id);
            assert!(op["security"].is_array(), "{}", o.id);
        }
        if o.body != In::Nothing {
            assert!(listed.contains(&413), "{}", o.id);
        }
        if let Out::Json(name) = o.returns {
            assert!(doc()["components"]["schemas"][name].is_object(), "{name}");
        }
    }
}

#[test]
fn every_reference_resolves_and_every_component_is_used() {
    let text = doc().to_string();
    let schemas = doc()["components"]["schemas"].as_object().unwrap();
    let mut used = BTreeSet::new();
    for part in text.split("\"#/components/schemas/").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        assert!(schemas.contains_key(name), "dangling $ref {name}");
        used.insert(name.to_string());
    }
    let unused: Vec<_> = schemas.keys().filter(|k| !used.contains(*k)).collect();
    assert!(
        unused.is_empty(),
        "components nothing refers to: {unused:?}"
    );
}

#[test]
fn the_conformance_check_refuses_a_body_that_does_not_match() {
    let doc = doc();
    let state = json!({"$ref": "#/components/schemas/State"});
    let mut e = Vec::new();
    check(
        doc,
        &state,
        &json!({"state": "submitted", "level": "city"}),
        "$",
        &mut e,
    );
    check(doc, &state, &json!({"state": "draft"}), "$", &mut e);
    assert!(e.is_empty(), "{e:?}");
    for bad in [
        json!({"state": "pending"}),
        json!({"state": "submitted", "level": "galaxy"}),
        json!({"level": "city"}),
        json!("draft"),
    ] {
        let mut e = Vec::new();
        check(doc, &state, &bad, "$", &mut e);
        assert!(!e.is_empty(), "{bad} passed");
    }
    let mut e = Vec::new();
    let entry = json!({"$ref": "#/components/schemas/QueueEntryPage"});
    check(
        doc,
        &entry,
        &json!({"items": [{"id": 1}], "next": null}),
        "$",
        &mut e,
    );
    assert!(e.iter().any(|m| m.contains("$.items[0].id")), "{e:?}");
    assert!(
        e.iter().any(|m| m.contains("missing required tier")),
        "{e:?}"
    );
    // A request body that refuses unknown fields.
    let mut e = Vec::new();
    let login = json!({"$ref": "#/components/schemas/LoginBody"});
    check(
        doc,
        &login,
        &json!({"identifier": "a", "password": "b", "remember": true}),
        "$",
        &mut e,
    );
    assert!(
        e.iter().any(|m| m.contains("$.remember: not described")),
        "{e:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Unknown fields
// ---------------------------------------------------------------------------------------------

/// A client logged in as a province admin (any logged-in account will do: bodies are read
/// before the service sees the call).
async fn logged_in(env: &common::Env) -> ApiClient {
    env.staff(
        "gd_admin",
        AccountKind::Admin,
        Some(zjtx::domain::tiers::ReviewLevel::Province),
        Some("440000"),
    )
    .await;
    let api = ApiClient::in_process(env.svc.clone());
    api.login("gd_admin", PASSWORD).await.unwrap();
    api
}

fn problem(resp: &zjtx::client::RawResponse) -> Value {
    assert_eq!(
        resp.header("content-type"),
        Some("application/problem+json"),
        "{}",
        String::from_utf8_lossy(&resp.body)
    );
    serde_json::from_slice(&resp.body).unwrap()
}

#[tokio::test]
async fn every_json_body_refuses_an_unknown_field_naming_it() {
    let env = env().await;
    let api = logged_in(&env).await;
    let mut checked = 0;
    for o in OPERATIONS {
        let (In::Json(name) | In::OptJson(name)) = o.body else {
            continue;
        };
        let schema = &doc()["components"]["schemas"][name];
        if schema["additionalProperties"].is_object() {
            continue; // a map keyed by ids: every key is a field
        }
        let mut req = RawRequest::new(&o.method.to_uppercase(), concrete(&full_path(o)))
            .header("if-match", "\"1\"")
            .json(&json!({"zz_misspelt": 1}));
        if o.path.ends_with("/{action}") {
            req.path = req.path.replace("/x/x", &format!("/x/{}", o.actions[0]));
        }
        let resp = api.send(req).await.unwrap();
        assert_eq!(
            resp.status,
            422,
            "{}: {}",
            o.id,
            String::from_utf8_lossy(&resp.body)
        );
        let p = problem(&resp);
        assert_eq!(p["code"], "invalid", "{}", o.id);
        assert_eq!(p["field"], "zz_misspelt", "{}: {p}", o.id);
        assert!(
            p["detail_en"]
                .as_str()
                .unwrap()
                .contains("\"zz_misspelt\" is not a field"),
            "{}: {p}",
            o.id
        );
        assert!(
            p["detail"].as_str().unwrap().contains("“zz_misspelt”"),
            "{}",
            o.id
        );
        common::openapi::conforms_problem(o.id, 422, &p);
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} bodies checked");
}

#[tokio::test]
async fn a_misspelt_missing_or_mistyped_field_is_named_by_its_path() {
    let env = env().await;
    let api = logged_in(&env).await;
    let send = |path: &str, body: Value| {
        api.send(
            RawRequest::new("POST", path.to_string())
                .header("if-match", "\"1\"")
                .json(&body),
        )
    };
    // Misspelt at the top, with the known fields listed.
    let resp = send(
        "/api/v1/session",
        json!({"identifer": "gd_admin", "password": PASSWORD}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status, 422);
    let p = problem(&resp);
    assert_eq!(p["field"], "identifer");
    assert_eq!(p["fields"][0]["field"], "identifer");
    let en = p["detail_en"].as_str().unwrap();
    assert!(en.contains("identifier") && en.contains("password"), "{en}");
    // Nested in a list.
    let resp = send(
        "/api/v1/review/bulk",
        json!({"items": [{"id": "a", "version": 1}, {"id": "b", "verison": 1}],
               "decision": {"decision": "pass"}}),
    )
    .await
    .unwrap();
    assert_eq!(
        (resp.status, problem(&resp)["field"].clone()),
        (422, json!("items[1].verison"))
    );
    // Inside the tagged decision, every variant.
    for decision in [
        json!({"decision": "pass", "reason": "x"}),
        json!({"decision": "return", "reason": "x", "note": "y"}),
    ] {
        let resp = send(
            "/api/v1/review/bulk",
            json!({"items": [{"id": "a", "version": 1}], "decision": decision}),
        )
        .await
        .unwrap();
        assert_eq!(resp.status, 422, "{decision}");
        let field = problem(&resp)["field"].clone();
        assert!(
            field == json!("decision.reason") || field == json!("decision.note"),
            "{decision}: {field}"
        );
    }
    // Missing.
    let resp = send("/api/v1/session", json!({"password": "x"}))
        .await
        .unwrap();
    assert_eq!(resp.status, 422);
    let p = problem(&resp);
    assert_eq!(p["field"], "identifier");
    assert!(
        p["detail_en"].as_str().unwrap().contains("is missing"),
        "{p}"
    );
    // Of the wrong type, and a code that is not one.
    let resp = send(
        "/api/v1/review/bulk",
        json!({"items": [{"id": "a", "version": "one"}], "decision": {"decision": "pass"}}),
    )
    .await
    .unwrap();
    assert_eq!(
        (resp.status, problem(&resp)["field"].clone()),
        (422, json!("items[0].version"))
    );
    let resp = send("/api/v1/reexam", json!({"tier": "giant"}))
        .await
        .unwrap();
    assert_eq!(
        (resp.status, problem(&resp)["field"].clone()),
        (422, json!("tier"))
    );
    // Not JSON at all stays a 400 on the body.
    let resp = api
        .send(
            RawRequest::new("POST", "/api/v1/session")
                .header("content-type", "application/json")
                .bytes(b"{\"identifier\": ".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(
        (resp.status, problem(&resp)["field"].clone()),
        (400, json!("body"))
    );
}

#[tokio::test]
async fn every_action_of_the_document_reaches_its_handler() {
    let env = env().await;
    let api = logged_in(&env).await;
    let mut checked = 0;
    for o in OPERATIONS.iter().filter(|o| !o.actions.is_empty()) {
        let base = concrete(&full_path(o));
        let base = base.strip_suffix("/x").unwrap();
        let method = o.method.to_uppercase();
        // the smallest valid body of the operation (the action is checked after the body)
        let body = match o.body {
            In::Json("TemplateList") => json!({"templates": []}),
            _ => json!({}),
        };
        let send = |action: String| {
            api.send(
                RawRequest::new(&method, format!("{base}/{action}"))
                    .header("if-match", "\"1\"")
                    .json(&body),
            )
        };
        for action in o.actions {
            let resp = send(action.to_string()).await.unwrap();
            if resp.status < 400 {
                // reached the handler and done (an action on no particular record)
                checked += 1;
                continue;
            }
            let p = problem(&resp);
            assert!(
                !p["detail_en"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains(&format!("the action {action} (")),
                "{} {action}: {p}",
                o.id
            );
            checked += 1;
        }
        let resp = send("bogus".into()).await.unwrap();
        assert_eq!(resp.status, 404, "{}", o.id);
        let p = problem(&resp);
        let en = p["detail_en"].as_str().unwrap().to_lowercase();
        assert!(en.contains("the action bogus ("), "{}: {en}", o.id);
        for action in o.actions {
            assert!(en.contains(action), "{}: {en}", o.id);
        }
    }
    assert!(checked >= 16, "{checked}");
}
