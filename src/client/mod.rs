//! `ApiClient`: the one way the TUI (and any integration) speaks to zjtx — the HTTP API, either
//! in-process (the same axum router called without a socket) or over HTTP (reqwest, rustls,
//! gzip/zstd, time-outs, retries with back-off for idempotent calls and calls carrying an
//! `Idempotency-Key`).
//!
//! Typed methods take typed inputs and return the JSON the API answers (`serde_json::Value`),
//! with the `ETag` version where the resource has one ([`Tagged`]); errors are the API's
//! [`Problem`]s.

pub mod token;

use crate::api::problem::Problem;
use crate::service::Service;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

/// How the client reaches the API.
#[derive(Clone)]
pub enum Transport {
    /// The router in this process: no socket, no serialisation beyond JSON bodies.
    InProcess(Router),
    /// A `zjtx serve` at `base` (e.g. `http://127.0.0.1:8080`).
    Http {
        client: reqwest::Client,
        base: String,
    },
}

/// A client error: the API's problem, or a transport failure.
#[derive(Debug, Clone)]
pub enum ClientError {
    Problem(Box<Problem>),
    Transport(String),
    /// The answer was not what the API documents.
    Decode(String),
}

impl ClientError {
    /// The problem, if the API answered one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ClientError::Problem(p) => Some(p),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        self.problem().map(|p| p.status)
    }

    pub fn code(&self) -> Option<&str> {
        self.problem().map(|p| p.code.as_str())
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Problem(p) => write!(f, "{} ({}): {}", p.code, p.status, p.detail),
            ClientError::Transport(e) => write!(f, "transport: {e}"),
            ClientError::Decode(e) => write!(f, "unexpected answer: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

pub type ClientResult<T> = Result<T, ClientError>;

/// One request as the client sends it.
#[derive(Debug, Clone, Default)]
pub struct RawRequest {
    pub method: String,
    /// Path and query under the server root, e.g. `/api/v1/me`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl RawRequest {
    pub fn new(method: &str, path: impl Into<String>) -> RawRequest {
        RawRequest {
            method: method.to_string(),
            path: path.into(),
            ..RawRequest::default()
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> RawRequest {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn json<T: Serialize>(mut self, body: &T) -> RawRequest {
        self.body = Some(serde_json::to_vec(body).expect("a serialisable body"));
        self.headers
            .push(("content-type".into(), "application/json".into()));
        self
    }

    pub fn bytes(mut self, body: Vec<u8>) -> RawRequest {
        self.body = Some(body);
        self.headers
            .push(("content-type".into(), "application/octet-stream".into()));
        self
    }

    fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a retry cannot act twice: an idempotent method, or an `Idempotency-Key`.
    pub fn retryable(&self) -> bool {
        matches!(
            self.method.as_str(),
            "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS"
        ) || self.header_value("idempotency-key").is_some()
    }
}

/// One answer.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The version in the `ETag`.
    pub fn etag(&self) -> Option<i64> {
        let v = self.header("etag")?;
        v.trim_start_matches("W/").trim_matches('"').parse().ok()
    }

    /// The body as JSON, or the problem as an error.
    pub fn into_json(self) -> ClientResult<Value> {
        if self.status >= 400 {
            return Err(self.into_problem());
        }
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    fn into_problem(self) -> ClientError {
        match serde_json::from_slice::<Problem>(&self.body) {
            Ok(p) => ClientError::Problem(Box::new(p)),
            Err(_) => ClientError::Decode(format!(
                "status {} without a problem body: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )),
        }
    }
}

/// A JSON answer with its `ETag` version.
#[derive(Debug, Clone)]
pub struct Tagged {
    pub value: Value,
    pub version: Option<i64>,
}

/// Retry policy of the HTTP transport.
const RETRIES: u32 = 3;
const BACKOFF: Duration = Duration::from_millis(100);

/// The API client.
#[derive(Clone)]
pub struct ApiClient {
    transport: Transport,
    token: Arc<Mutex<Option<String>>>,
}

impl ApiClient {
    /// In-process over `service`.
    pub fn in_process(service: Service) -> ApiClient {
        ApiClient::with_transport(Transport::InProcess(crate::api::router(service)))
    }

    /// Over HTTP to `base` (`http://host:port`), compression on, 30 s time-out.
    pub fn http(base: &str) -> ClientResult<ApiClient> {
        ApiClient::http_with_root_cert(base, None)
    }

    /// Like [`ApiClient::http`], also trusting the PEM certificate(s) in `root_pem` (a private
    /// CA or a self-signed server certificate) besides the built-in roots.
    pub fn http_with_root_cert(base: &str, root_pem: Option<&[u8]>) -> ClientResult<ApiClient> {
        let mut builder = reqwest::Client::builder();
        if let Some(pem) = root_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::Transport(format!("not a PEM certificate: {e}")))?;
            if certs.is_empty() {
                return Err(ClientError::Transport(
                    "no PEM CERTIFICATE block in the CA file".to_string(),
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .gzip(true)
            .zstd(true)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok(ApiClient::with_transport(Transport::Http {
            client,
            base: base.trim_end_matches('/').to_string(),
        }))
    }

    pub fn with_transport(transport: Transport) -> ApiClient {
        ApiClient {
            transport,
            token: Arc::new(Mutex::new(None)),
        }
    }

    /// A client sharing the transport, with its own (empty) token: another user.
    pub fn another(&self) -> ApiClient {
        ApiClient::with_transport(self.transport.clone())
    }

    pub fn set_token(&self, token: Option<String>) {
        *self.token.lock().expect("token lock") = token;
    }

    pub fn token(&self) -> Option<String> {
        self.token.lock().expect("token lock").clone()
    }

    /// Sends a request as is (plus the bearer token, if any).
    pub async fn send(&self, mut req: RawRequest) -> ClientResult<RawResponse> {
        if let Some(t) = self.token()
            && req.header_value("authorization").is_none()
        {
            req.headers
                .push(("authorization".into(), format!("Bearer {t}")));
        }
        match &self.transport {
            Transport::InProcess(router) => send_in_process(router, req).await,
            Transport::Http { client, base } => send_http(client, base, req).await,
        }
    }

    async fn call(&self, req: RawRequest) -> ClientResult<Value> {
        self.send(req).await?.into_json()
    }

    async fn tagged(&self, req: RawRequest) -> ClientResult<Tagged> {
        let resp = self.send(req).await?;
        let version = resp.etag();
        Ok(Tagged {
            value: resp.into_json()?,
            version,
        })
    }

    fn v1(path: &str) -> String {
        format!("/api/v1{path}")
    }

    fn get(path: &str) -> RawRequest {
        RawRequest::new("GET", ApiClient::v1(path))
    }

    fn post<T: Serialize>(path: &str, body: &T) -> RawRequest {
        RawRequest::new("POST", ApiClient::v1(path)).json(body)
    }

    fn if_match(req: RawRequest, version: i64) -> RawRequest {
        req.header("if-match", format!("\"{version}\""))
    }

    fn fresh_key() -> String {
        uuid::Uuid::now_v7().to_string()
    }

    // -- meta --------------------------------------------------------------------------------

    pub async fn healthz(&self) -> ClientResult<Value> {
        self.call(RawRequest::new("GET", "/healthz")).await
    }

    pub async fn openapi(&self) -> ClientResult<Value> {
        self.call(ApiClient::get("/openapi.json")).await
    }

    // -- accounts ----------------------------------------------------------------------------

    /// Registers; `kind` is `legal` or `natural` (or another account kind code).
    pub async fn register(
        &self,
        login_name: &str,
        password: &str,
        kind: &str,
        phone: &str,
        email: Option<&str>,
    ) -> ClientResult<Value> {
        self.call(ApiClient::post(
            "/accounts",
            &json!({"login_name": login_name, "password": password, "kind": kind,
                    "phone": phone, "email": email}),
        ))
        .await
    }

    /// Logs in and keeps the token for the following calls.
    pub async fn login(&self, identifier: &str, password: &str) -> ClientResult<Value> {
        let v = self
            .call(ApiClient::post(
                "/session",
                &json!({"identifier": identifier, "password": password}),
            ))
            .await?;
        let token = v["token"]
            .as_str()
            .ok_or_else(|| ClientError::Decode("a login without a token".into()))?;
        self.set_token(Some(token.to_string()));
        Ok(v)
    }

    pub async fn logout(&self) -> ClientResult<()> {
        self.call(RawRequest::new("DELETE", ApiClient::v1("/session")))
            .await?;
        self.set_token(None);
        Ok(())
    }

    pub async fn me(&self) -> ClientResult<Value> {
        self.call(ApiClient::get("/me")).await
    }

    pub async fn verify_real_name(
        &self,
        enterprise_name: &str,
        uscc: &str,
        legal_rep: &str,
        legal_rep_id: &str,
    ) -> ClientResult<Value> {
        self.call(ApiClient::post(
            "/me/real-name",
            &json!({"enterprise_name": enterprise_name, "uscc": uscc,
                    "legal_rep": legal_rep, "legal_rep_id": legal_rep_id}),
        ))
        .await
    }

    pub async fn change_password(&self, old: &str, new: &str) -> ClientResult<()> {
        self.call(
            RawRequest::new("PUT", ApiClient::v1("/me/password"))
                .json(&json!({"old_password": old, "new_password": new})),
        )
        .await
        .map(drop)
    }

    pub async fn request_password_reset(&self, identifier: &str) -> ClientResult<Value> {
        self.call(ApiClient::post(
            "/password-reset",
            &json!({"identifier": identifier}),
        ))
        .await
    }

    pub async fn reset_password(
        &self,
        identifier: &str,
        code: &str,
        new_password: &str,
    ) -> ClientResult<()> {
        self.call(ApiClient::post(
            "/password-reset/confirm",
            &json!({"identifier": identifier, "code": code, "new_password": new_password}),
        ))
        .await
        .map(drop)
    }

    pub async fn request_phone_change_code(&self, identifier: &str) -> ClientResult<Value> {
        self.call(ApiClient::post(
            "/phone-change/code",
            &json!({"identifier": identifier}),
        ))
        .await
    }

    pub async fn change_phone_by_email(
        &self,
        identifier: &str,
        code: &str,
        new_phone: &str,
    ) -> ClientResult<()> {
        self.call(ApiClient::post(
            "/phone-change/confirm",
            &json!({"identifier": identifier, "code": code, "new_phone": new_phone}),
        ))
        .await
        .map(drop)
    }

    /// A manual phone change (fields of `ManualPhoneChange`).
    pub async fn request_manual_phone_change(&self, request: &Value) -> ClientResult<Value> {
        self.call(ApiClient::post("/phone-change/manual", request))
            .await
    }

    /// An account recovery request (fields of `RecoveryRequest`).
    pub async fn request_account_recovery(&self, request: &Value) -> ClientResult<Value> {
        self.call(ApiClient::post("/account-recovery", request))
            .await
    }

    // -- public ------------------------------------------------------------------------------

    /// Published announcements; `query` like `limit=20&text=…` (already encoded).
    pub async fn announcements(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/announcements?{query}")))
            .await
    }

    pub async fn announcement(&self, id: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/announcements/{id}")))
            .await
    }

    pub async fn query_challenge(&self) -> ClientResult<Value> {
        self.call(ApiClient::post(
            "/certification-query/challenge",
            &json!({}),
        ))
        .await
    }

    pub async fn query_certifications(
        &self,
        name: &str,
        uscc: &str,
        challenge_id: &str,
        answer: &str,
    ) -> ClientResult<Value> {
        self.call(ApiClient::post(
            "/certification-query",
            &json!({"name": name, "uscc": uscc, "challenge_id": challenge_id, "answer": answer}),
        ))
        .await
    }

    /// Industry picker: the children of `parent` (none: sections).
    pub async fn industries(&self, parent: Option<&str>) -> ClientResult<Value> {
        let q = parent.map(|p| format!("?parent={p}")).unwrap_or_default();
        self.call(ApiClient::get(&format!("/industries{q}"))).await
    }

    /// Region picker: the children of `parent` (none: provinces).
    pub async fn regions(&self, parent: Option<&str>) -> ClientResult<Value> {
        let q = parent.map(|p| format!("?parent={p}")).unwrap_or_default();
        self.call(ApiClient::get(&format!("/regions{q}"))).await
    }

    pub async fn authority_windows(&self, authority: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/authorities/{authority}/windows")))
            .await
    }

    // -- enterprise --------------------------------------------------------------------------

    pub async fn own_enterprise(&self) -> ClientResult<Tagged> {
        self.tagged(ApiClient::get("/enterprise")).await
    }

    pub async fn enterprise(&self, id: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::get(&format!("/enterprises/{id}")))
            .await
    }

    /// Edits the basic information (`update`: fields of `EnterpriseUpdate`).
    pub async fn update_enterprise(&self, version: i64, update: &Value) -> ClientResult<Tagged> {
        self.tagged(ApiClient::if_match(
            RawRequest::new("PATCH", ApiClient::v1("/enterprise")).json(update),
            version,
        ))
        .await
    }

    // -- assessment --------------------------------------------------------------------------

    pub async fn questionnaire(&self, category: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/questionnaires/{category}")))
            .await
    }

    pub async fn start_assessment(&self, category: Option<&str>) -> ClientResult<Value> {
        self.call(ApiClient::post(
            "/assessments",
            &json!({ "category": category }),
        ))
        .await
    }

    pub async fn assessments(&self) -> ClientResult<Value> {
        self.call(ApiClient::get("/assessments")).await
    }

    pub async fn assessment(&self, id: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::get(&format!("/assessments/{id}")))
            .await
    }

    /// Saves answers (question id → option index).
    pub async fn save_answers(
        &self,
        id: &str,
        version: i64,
        answers: &std::collections::BTreeMap<String, i64>,
    ) -> ClientResult<Tagged> {
        self.tagged(ApiClient::if_match(
            RawRequest::new("PUT", ApiClient::v1(&format!("/assessments/{id}/answers")))
                .json(answers),
            version,
        ))
        .await
    }

    pub async fn complete_assessment(&self, id: &str, version: i64) -> ClientResult<Tagged> {
        self.tagged(ApiClient::if_match(
            ApiClient::post(&format!("/assessments/{id}/complete"), &json!({})),
            version,
        ))
        .await
    }

    // -- declarations ------------------------------------------------------------------------

    pub async fn open_windows(&self) -> ClientResult<Value> {
        self.call(ApiClient::get("/windows/open")).await
    }

    pub async fn create_declaration(&self, tier: &str, window_id: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::post(
            "/declarations",
            &json!({"tier": tier, "window_id": window_id}),
        ))
        .await
    }

    /// The enterprise's declarations; `query` like `state=draft&limit=20`.
    pub async fn declarations(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/declarations?{query}")))
            .await
    }

    pub async fn declaration(&self, id: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::get(&format!("/declarations/{id}")))
            .await
    }

    pub async fn declaration_form(&self, id: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/declarations/{id}/form")))
            .await
    }

    /// Saves the form inputs (field id → value).
    pub async fn save_declaration(
        &self,
        id: &str,
        version: i64,
        inputs: &Value,
    ) -> ClientResult<Tagged> {
        self.tagged(ApiClient::if_match(
            RawRequest::new("PUT", ApiClient::v1(&format!("/declarations/{id}/inputs")))
                .json(inputs),
            version,
        ))
        .await
    }

    pub async fn evaluate_declaration(&self, id: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/declarations/{id}/evaluation")))
            .await
    }

    /// The submit request itself (for callers that manage the key, e.g. to retry).
    pub fn submit_request(id: &str, version: i64, idempotency_key: &str) -> RawRequest {
        ApiClient::if_match(
            RawRequest::new("POST", ApiClient::v1(&format!("/declarations/{id}/submit"))),
            version,
        )
        .header("idempotency-key", idempotency_key)
    }

    /// Submits with a fresh `Idempotency-Key` (retried safely over HTTP).
    pub async fn submit_declaration(&self, id: &str, version: i64) -> ClientResult<Value> {
        self.call(ApiClient::submit_request(
            id,
            version,
            &ApiClient::fresh_key(),
        ))
        .await
    }

    pub async fn withdraw_declaration(
        &self,
        id: &str,
        version: i64,
        confirm: bool,
    ) -> ClientResult<Value> {
        self.call(
            ApiClient::if_match(
                ApiClient::post(
                    &format!("/declarations/{id}/withdraw"),
                    &json!({ "confirm": confirm }),
                ),
                version,
            )
            .header("idempotency-key", ApiClient::fresh_key()),
        )
        .await
    }

    pub async fn delete_declaration(&self, id: &str, version: i64) -> ClientResult<()> {
        self.call(ApiClient::if_match(
            RawRequest::new("DELETE", ApiClient::v1(&format!("/declarations/{id}"))),
            version,
        ))
        .await
        .map(drop)
    }

    /// The export (`html` or `text`) as text.
    pub async fn export_declaration(&self, id: &str, format: &str) -> ClientResult<String> {
        let resp = self
            .send(ApiClient::get(&format!(
                "/declarations/{id}/export?format={format}"
            )))
            .await?;
        if resp.status >= 400 {
            return Err(resp.into_problem());
        }
        String::from_utf8(resp.body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    // -- uploads -----------------------------------------------------------------------------

    pub async fn create_upload(
        &self,
        item_id: &str,
        name: &str,
        size: u64,
        sha256: &str,
    ) -> ClientResult<Value> {
        self.call(ApiClient::post(
            "/uploads",
            &json!({"item_id": item_id, "name": name, "declared_size": size, "sha256": sha256}),
        ))
        .await
    }

    /// Appends a chunk at `offset`; returns the new offset.
    pub async fn append_chunk(&self, id: &str, offset: u64, bytes: &[u8]) -> ClientResult<u64> {
        let resp = self
            .send(
                RawRequest::new("PATCH", ApiClient::v1(&format!("/uploads/{id}")))
                    .header("upload-offset", offset.to_string())
                    .bytes(bytes.to_vec()),
            )
            .await?;
        upload_offset(resp)
    }

    /// The current offset of an upload (after a reconnect).
    pub async fn upload_offset(&self, id: &str) -> ClientResult<u64> {
        let resp = self
            .send(RawRequest::new(
                "HEAD",
                ApiClient::v1(&format!("/uploads/{id}")),
            ))
            .await?;
        upload_offset(resp)
    }

    pub async fn finish_upload(&self, id: &str) -> ClientResult<Value> {
        self.call(
            ApiClient::post(&format!("/uploads/{id}/finish"), &json!({}))
                .header("idempotency-key", ApiClient::fresh_key()),
        )
        .await
    }

    pub async fn abort_upload(&self, id: &str) -> ClientResult<()> {
        self.call(RawRequest::new(
            "DELETE",
            ApiClient::v1(&format!("/uploads/{id}")),
        ))
        .await
        .map(drop)
    }

    // -- review ------------------------------------------------------------------------------

    /// The reviewer's queue; `query` like `tier=specialized&limit=50`.
    pub async fn queue(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/review/queue?{query}")))
            .await
    }

    pub async fn queue_counts(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/review/counts?{query}")))
            .await
    }

    pub async fn review_item(&self, id: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::get(&format!("/review/items/{id}")))
            .await
    }

    /// `action`: claim, pass, return or reject; `note` for a pass, `reason` otherwise.
    pub async fn decide(
        &self,
        id: &str,
        version: i64,
        action: &str,
        text: Option<&str>,
    ) -> ClientResult<Value> {
        let body = match action {
            "pass" => json!({ "note": text }),
            _ => json!({ "reason": text }),
        };
        self.call(
            ApiClient::if_match(
                ApiClient::post(&format!("/review/items/{id}/{action}"), &body),
                version,
            )
            .header("idempotency-key", ApiClient::fresh_key()),
        )
        .await
    }

    /// One decision (`{"decision":"pass"}` …) for many (id, version) pairs.
    pub async fn bulk_decide(
        &self,
        items: &[(String, i64)],
        decision: &Value,
    ) -> ClientResult<Value> {
        let items: Vec<Value> = items
            .iter()
            .map(|(id, v)| json!({"id": id, "version": v}))
            .collect();
        self.call(
            ApiClient::post(
                "/review/bulk",
                &json!({"items": items, "decision": decision}),
            )
            .header("idempotency-key", ApiClient::fresh_key()),
        )
        .await
    }

    // -- admin -------------------------------------------------------------------------------

    /// Opens a window (`start`, `end`: YYYY-MM-DD).
    pub async fn open_window(
        &self,
        authority: &str,
        tier: &str,
        batch: i64,
        start: &str,
        end: &str,
    ) -> ClientResult<Tagged> {
        self.tagged(ApiClient::post(
            "/windows",
            &json!({"authority_code": authority, "tier": tier, "batch": batch,
                    "start": start, "end": end}),
        ))
        .await
    }

    pub async fn close_window(&self, id: &str, version: i64) -> ClientResult<Tagged> {
        self.tagged(ApiClient::if_match(
            ApiClient::post(&format!("/windows/{id}/close"), &json!({})),
            version,
        ))
        .await
    }
}

impl ApiClient {
    // -- inbox -------------------------------------------------------------------------------

    /// The caller's messages; `query` like `category=reminder&unread=true&limit=20`.
    pub async fn messages(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/messages?{query}")))
            .await
    }

    pub async fn latest_messages(&self, limit: u32) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/messages/latest?limit={limit}")))
            .await
    }

    pub async fn message(&self, id: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/messages/{id}"))).await
    }

    /// Marks messages read; how many changed.
    pub async fn mark_read(&self, ids: &[String]) -> ClientResult<u64> {
        let v = self
            .call(ApiClient::post("/messages/read", &json!({ "ids": ids })))
            .await?;
        v["marked"]
            .as_u64()
            .ok_or_else(|| ClientError::Decode("no count".into()))
    }

    pub async fn mark_all_read(&self, category: Option<&str>) -> ClientResult<u64> {
        let v = self
            .call(ApiClient::post(
                "/messages/read-all",
                &json!({ "category": category }),
            ))
            .await?;
        v["marked"]
            .as_u64()
            .ok_or_else(|| ClientError::Decode("no count".into()))
    }

    // -- certifications and lifecycle --------------------------------------------------------

    pub async fn certifications(&self, enterprise_id: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!(
            "/enterprises/{enterprise_id}/certifications"
        )))
        .await
    }

    pub async fn certification(&self, id: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::get(&format!("/certifications/{id}")))
            .await
    }

    pub async fn cancel_certification(
        &self,
        id: &str,
        version: i64,
        reason: &str,
        note: &str,
    ) -> ClientResult<Value> {
        self.call(
            ApiClient::if_match(
                ApiClient::post(
                    &format!("/certifications/{id}/cancel"),
                    &json!({"reason": reason, "note": note}),
                ),
                version,
            )
            .header("idempotency-key", ApiClient::fresh_key()),
        )
        .await
    }

    pub async fn update_status(&self) -> ClientResult<Value> {
        self.call(ApiClient::get("/updates/status")).await
    }

    pub async fn start_update(&self) -> ClientResult<Tagged> {
        self.tagged(ApiClient::post("/updates", &json!({}))).await
    }

    pub async fn update_detail(&self, id: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::get(&format!("/updates/{id}"))).await
    }

    /// Saves an info update's changes (fields of `InfoChanges`).
    pub async fn save_update(
        &self,
        id: &str,
        version: i64,
        changes: &Value,
    ) -> ClientResult<Tagged> {
        self.tagged(ApiClient::if_match(
            RawRequest::new("PUT", ApiClient::v1(&format!("/updates/{id}"))).json(changes),
            version,
        ))
        .await
    }

    /// `submit`, `withdraw`, `accept` or `return` (with `reason`) an info update.
    pub async fn update_action(
        &self,
        id: &str,
        version: i64,
        action: &str,
        reason: Option<&str>,
    ) -> ClientResult<Value> {
        self.item_action("updates", id, version, action, reason)
            .await
    }

    async fn item_action(
        &self,
        collection: &str,
        id: &str,
        version: i64,
        action: &str,
        reason: Option<&str>,
    ) -> ClientResult<Value> {
        self.call(
            ApiClient::if_match(
                ApiClient::post(
                    &format!("/{collection}/{id}/{action}"),
                    &json!({ "reason": reason.unwrap_or_default() }),
                ),
                version,
            )
            .header("idempotency-key", ApiClient::fresh_key()),
        )
        .await
    }

    pub async fn changes(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/changes?{query}")))
            .await
    }

    /// Reports a major change (fields of `ChangeInput`).
    pub async fn create_change(&self, input: &Value) -> ClientResult<Tagged> {
        self.tagged(ApiClient::post("/changes", input)).await
    }

    pub async fn change_detail(&self, id: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::get(&format!("/changes/{id}"))).await
    }

    pub async fn edit_change(&self, id: &str, version: i64, input: &Value) -> ClientResult<Tagged> {
        self.tagged(ApiClient::if_match(
            RawRequest::new("PUT", ApiClient::v1(&format!("/changes/{id}"))).json(input),
            version,
        ))
        .await
    }

    pub async fn delete_change(&self, id: &str, version: i64) -> ClientResult<()> {
        self.call(ApiClient::if_match(
            RawRequest::new("DELETE", ApiClient::v1(&format!("/changes/{id}"))),
            version,
        ))
        .await
        .map(drop)
    }

    /// `submit`, `withdraw`, `acknowledge` or `return` (with `reason`) a major change.
    pub async fn change_action(
        &self,
        id: &str,
        version: i64,
        action: &str,
        reason: Option<&str>,
    ) -> ClientResult<Value> {
        self.item_action("changes", id, version, action, reason)
            .await
    }

    pub async fn reexam_candidates(&self, tier: &str, year: i32) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!(
            "/reexam/candidates?tier={tier}&year={year}"
        )))
        .await
    }

    pub async fn set_review_flags(&self, cert_ids: &[String], flag: bool) -> ClientResult<Value> {
        self.call(ApiClient::post(
            "/reexam/flags",
            &json!({"cert_ids": cert_ids, "flag": flag}),
        ))
        .await
    }

    pub async fn reexam_status(&self) -> ClientResult<Value> {
        self.call(ApiClient::get("/reexam/status")).await
    }

    pub async fn apply_reexam(&self, tier: &str) -> ClientResult<Value> {
        self.call(
            ApiClient::post("/reexam", &json!({ "tier": tier }))
                .header("idempotency-key", ApiClient::fresh_key()),
        )
        .await
    }

    /// `withdraw` or `pass` a 复核 application.
    pub async fn reexam_action(&self, id: &str, version: i64, action: &str) -> ClientResult<Value> {
        self.item_action("reexam", id, version, action, None).await
    }

    // -- evidence ----------------------------------------------------------------------------

    pub async fn evidence_list(&self, item_id: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/items/{item_id}/evidence")))
            .await
    }

    /// The bytes of an evidence file and its content type.
    pub async fn evidence_bytes(&self, id: &str) -> ClientResult<(Vec<u8>, String)> {
        let resp = self
            .send(ApiClient::get(&format!("/evidence/{id}")))
            .await?;
        if resp.status >= 400 {
            return Err(resp.into_problem());
        }
        let ct = resp.header("content-type").unwrap_or_default().to_string();
        Ok((resp.body, ct))
    }

    pub async fn remove_evidence(&self, id: &str) -> ClientResult<()> {
        self.call(RawRequest::new(
            "DELETE",
            ApiClient::v1(&format!("/evidence/{id}")),
        ))
        .await
        .map(drop)
    }

    // -- administration ----------------------------------------------------------------------

    pub async fn own_announcements(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/admin/announcements?{query}")))
            .await
    }

    pub async fn create_announcement(&self, title: &str, body: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::post(
            "/admin/announcements",
            &json!({"title": title, "body": body}),
        ))
        .await
    }

    pub async fn update_announcement(
        &self,
        id: &str,
        version: i64,
        title: &str,
        body: &str,
    ) -> ClientResult<Tagged> {
        self.tagged(ApiClient::if_match(
            RawRequest::new("PUT", ApiClient::v1(&format!("/admin/announcements/{id}")))
                .json(&json!({"title": title, "body": body})),
            version,
        ))
        .await
    }

    /// `publish` or `withdraw` an announcement.
    pub async fn announcement_action(
        &self,
        id: &str,
        version: i64,
        action: &str,
    ) -> ClientResult<Tagged> {
        self.tagged(ApiClient::if_match(
            ApiClient::post(&format!("/admin/announcements/{id}/{action}"), &json!({})),
            version,
        ))
        .await
    }

    pub async fn delete_announcement(&self, id: &str, version: i64) -> ClientResult<()> {
        self.call(ApiClient::if_match(
            RawRequest::new(
                "DELETE",
                ApiClient::v1(&format!("/admin/announcements/{id}")),
            ),
            version,
        ))
        .await
        .map(drop)
    }

    pub async fn chain(&self, authority: &str, tier: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::get(&format!(
            "/authorities/{authority}/chains/{tier}"
        )))
        .await
    }

    /// Sets a review chain; `version`: the one replaced (None for the first configuration).
    pub async fn set_chain(
        &self,
        authority: &str,
        tier: &str,
        levels: &[&str],
        version: Option<i64>,
    ) -> ClientResult<Tagged> {
        let mut req = RawRequest::new(
            "PUT",
            ApiClient::v1(&format!("/authorities/{authority}/chains/{tier}")),
        )
        .json(&json!({ "levels": levels }));
        if let Some(v) = version {
            req = ApiClient::if_match(req, v);
        }
        self.tagged(req).await
    }

    /// Creates a staff account (fields of `StaffAccount`).
    pub async fn create_staff(&self, account: &Value) -> ClientResult<Value> {
        self.call(ApiClient::post("/staff", account)).await
    }

    pub async fn revoke_sessions(&self, account_id: &str) -> ClientResult<Value> {
        self.call(ApiClient::post(
            &format!("/accounts/{account_id}/revoke-sessions"),
            &json!({}),
        ))
        .await
    }

    // -- support -----------------------------------------------------------------------------

    pub async fn support_requests(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/support/requests?{query}")))
            .await
    }

    pub async fn support_request(&self, id: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::get(&format!("/support/requests/{id}")))
            .await
    }

    /// `approve` or `reject` (with `reason`) a support request.
    pub async fn support_action(
        &self,
        id: &str,
        action: &str,
        reason: Option<&str>,
    ) -> ClientResult<Value> {
        self.call(
            ApiClient::post(
                &format!("/support/requests/{id}/{action}"),
                &json!({ "reason": reason.unwrap_or_default() }),
            )
            .header("idempotency-key", ApiClient::fresh_key()),
        )
        .await
    }

    /// Looks accounts up: `by` is `uscc`, `login_name` or `phone`.
    pub async fn lookup_accounts(&self, by: &str, value: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/support/accounts?{by}={value}")))
            .await
    }

    pub async fn unlock_account(&self, account_id: &str) -> ClientResult<()> {
        self.call(ApiClient::post(
            &format!("/support/accounts/{account_id}/unlock"),
            &json!({}),
        ))
        .await
        .map(drop)
    }

    /// Discards the caller's unfinished assessment attempt.
    pub async fn discard_assessment(&self, id: &str, version: i64) -> ClientResult<()> {
        self.call(ApiClient::if_match(
            RawRequest::new("DELETE", ApiClient::v1(&format!("/assessments/{id}"))),
            version,
        ))
        .await
        .map(drop)
    }

    /// One page of the published announcements, newest first: `level` (`ministry` or
    /// `province`), `text` searched in titles and bodies, `limit` items after `cursor` (the
    /// `next` of the previous page). Every value is percent-encoded.
    pub async fn announcement_page(
        &self,
        level: Option<&str>,
        text: Option<&str>,
        cursor: Option<&str>,
        limit: u32,
    ) -> ClientResult<Value> {
        let mut query = format!("limit={limit}");
        for (name, value) in [("level", level), ("text", text), ("cursor", cursor)] {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                query.push_str(&format!("&{name}={}", ApiClient::encode_component(v)));
            }
        }
        self.announcements(&query).await
    }

    /// Percent-encodes a query value (UTF-8 bytes outside the unreserved set of RFC 3986).
    fn encode_component(value: &str) -> String {
        let mut out = String::with_capacity(value.len());
        for b in value.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    // -- administration and support helpers --------------------------------------------------

    /// The service's date in China: `{"today": "YYYY-MM-DD", "year": 2026}`.
    pub async fn calendar_today(&self) -> ClientResult<Value> {
        self.call(ApiClient::get("/calendar/today")).await
    }

    /// The cancellation reasons: `[{code, name, bars, bar_years}]`.
    pub async fn cancel_reasons(&self) -> ClientResult<Value> {
        self.call(ApiClient::get("/cancel-reasons")).await
    }

    /// The certifications the admin manages; `query` like `text=…&tier=…&status=active`
    /// (already URL-encoded).
    pub async fn managed_certifications(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/admin/certifications?{query}")))
            .await
    }

    /// The staff accounts (ministry admin); `query` like `limit=200`.
    pub async fn staff_accounts(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/staff?{query}"))).await
    }

    /// `disable` or `enable` a staff account.
    pub async fn staff_action(&self, id: &str, version: i64, action: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::if_match(
            ApiClient::post(&format!("/staff/{id}/{action}"), &json!({})),
            version,
        ))
        .await
    }

    /// The texts and e-mails sent (support, demo databases only).
    pub async fn demo_outbox(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/support/outbox?{query}")))
            .await
    }

    /// The audit trail of a record (`kind`: window, chain, certification, announcement,
    /// account, support_request), newest first.
    pub async fn trail(&self, kind: &str, id: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/trail/{kind}/{id}")))
            .await
    }

    /// The reason templates of my authority; `action`: pass, return or reject (None: all).
    pub async fn reason_templates(&self, action: Option<&str>) -> ClientResult<Value> {
        let query = action.map(|a| format!("?action={a}")).unwrap_or_default();
        self.call(ApiClient::get(&format!("/review/reason-templates{query}")))
            .await
    }

    /// Replaces my authority's reason templates of `action` (province admin): `(zh, en)` each.
    pub async fn set_reason_templates(
        &self,
        action: &str,
        templates: &[(String, Option<String>)],
    ) -> ClientResult<Value> {
        let list: Vec<Value> = templates
            .iter()
            .map(|(zh, en)| json!({"zh": zh, "en": en}))
            .collect();
        self.call(
            RawRequest::new(
                "PUT",
                ApiClient::v1(&format!("/admin/reason-templates/{action}")),
            )
            .json(&json!({"templates": list})),
        )
        .await
    }

    // -- suggestions for the basic information ------------------------------------------------

    /// 细分领域 suggestions for the industry class `code`: `{"suggestions": [...]}`.
    pub async fn segment_suggestions(&self, code: &str, prefix: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!(
            "/industries/{}/segments?prefix={}",
            ApiClient::encode_component(code),
            ApiClient::encode_component(prefix)
        )))
        .await
    }

    /// 主导产品 suggestions for the industry class `code` and, if given, the 细分领域 `segment`:
    /// `{"suggestions": [...]}`.
    pub async fn product_suggestions(
        &self,
        code: &str,
        segment: Option<&str>,
        prefix: &str,
    ) -> ClientResult<Value> {
        let mut q = format!("prefix={}", ApiClient::encode_component(prefix));
        if let Some(s) = segment.filter(|s| !s.trim().is_empty()) {
            q.push_str(&format!("&segment={}", ApiClient::encode_component(s)));
        }
        self.call(ApiClient::get(&format!(
            "/industries/{}/products?{q}",
            ApiClient::encode_component(code)
        )))
        .await
    }

    // -- the enterprise's past 复核 applications and info updates ------------------------------

    /// A page of the caller's 复核 applications, newest first (`query`: `limit=…&cursor=…`).
    pub async fn reexam_history(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/reexam/history?{query}")))
            .await
    }

    /// One 复核 application with its history.
    pub async fn reexam_detail(&self, id: &str) -> ClientResult<Tagged> {
        self.tagged(ApiClient::get(&format!("/reexam/{id}"))).await
    }

    /// A page of the caller's info updates, newest first.
    pub async fn update_history(&self, query: &str) -> ClientResult<Value> {
        self.call(ApiClient::get(&format!("/updates/history?{query}")))
            .await
    }
}

fn upload_offset(resp: RawResponse) -> ClientResult<u64> {
    if resp.status >= 400 {
        return Err(resp.into_problem());
    }
    resp.header("upload-offset")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ClientError::Decode("no Upload-Offset in the answer".into()))
}

async fn send_in_process(router: &Router, req: RawRequest) -> ClientResult<RawResponse> {
    let method = Method::from_bytes(req.method.as_bytes())
        .map_err(|e| ClientError::Transport(e.to_string()))?;
    let mut b = Request::builder().method(method).uri(&req.path);
    for (n, v) in &req.headers {
        b = b.header(n.as_str(), v.as_str());
    }
    let request = b
        .body(Body::from(req.body.unwrap_or_default()))
        .map_err(|e| ClientError::Transport(e.to_string()))?;
    let resp = router
        .clone()
        .oneshot(request)
        .await
        .map_err(|e| ClientError::Transport(e.to_string()))?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| ClientError::Transport(e.to_string()))?
        .to_bytes()
        .to_vec();
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

/// A transport failure as a person can read it: the server's address and the innermost cause
/// ("Connection refused", "operation timed out"), not reqwest's chain with the request's URL.
fn transport(e: &reqwest::Error, base: &str) -> ClientError {
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let what = if e.is_timeout() {
        "timed out".to_string()
    } else {
        cause.to_string()
    };
    let server = base
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(base);
    ClientError::Transport(format!("{server} ({what})"))
}

async fn send_http(
    client: &reqwest::Client,
    base: &str,
    req: RawRequest,
) -> ClientResult<RawResponse> {
    let method = reqwest::Method::from_bytes(req.method.as_bytes())
        .map_err(|e| ClientError::Transport(e.to_string()))?;
    let retryable = req.retryable();
    let mut attempt = 0;
    loop {
        let mut b = client.request(method.clone(), format!("{base}{}", req.path));
        for (n, v) in &req.headers {
            b = b.header(n.as_str(), v.as_str());
        }
        if let Some(body) = &req.body {
            b = b.body(body.clone());
        }
        let outcome = b.send().await;
        let retry = match &outcome {
            Ok(r) => matches!(r.status().as_u16(), 502..=504),
            Err(e) => e.is_connect() || e.is_timeout() || e.is_request(),
        };
        if retry && retryable && attempt < RETRIES {
            tokio::time::sleep(BACKOFF * 2u32.pow(attempt)).await;
            attempt += 1;
            continue;
        }
        let resp = outcome.map_err(|e| transport(&e, base))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp
            .bytes()
            .await
            .map_err(|e| transport(&e, base))?
            .to_vec();
        return Ok(RawResponse {
            status,
            headers,
            body,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_server_is_named_with_the_cause_not_the_request_url() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = ApiClient::http(&format!("http://127.0.0.1:{port}")).unwrap();
        let e = c
            .announcement("01a201b5-6fbf-7204-b8b0-18600afb6dd4")
            .await
            .unwrap_err();
        let ClientError::Transport(m) = e else {
            panic!("{e:?}");
        };
        assert!(m.starts_with(&format!("127.0.0.1:{port} (")), "{m}");
        assert!(m.to_lowercase().contains("refused"), "{m}");
        assert!(!m.contains("api/v1"), "{m}");
    }
}
