//! The HTTP API: every exposed use case under `/api/v1`, `/healthz`, and the OpenAPI document at
//! `/api/v1/openapi.json`.
//!
//! Conventions (DESIGN.md §3):
//! - errors are `application/problem+json` ([`problem`]);
//! - `Authorization: Bearer <token>` from `POST /api/v1/session` ([`extract::Auth`]);
//! - every change of an existing versioned record needs `If-Match: "<version>"` (428 without it,
//!   412 with the current version and who changed it when stale); reads of versioned records
//!   answer `ETag: "<version>"`; creations (POST to a collection) need none;
//! - submissions and decisions accept `Idempotency-Key` ([`idempotency`]);
//! - lists page with `?cursor=&limit=` and answer `{"items": […], "next": cursor|null}`;
//! - responses are compressed (gzip, zstd) when the client accepts it; bodies are limited
//!   (1 MiB; upload chunks 8 MiB); a request taking longer than 30 s is answered 408.
//!
//! Handlers are thin: the service decides everything.

pub mod admin;
pub mod extract;
pub mod handlers;
pub mod idempotency;
pub mod lifecycle;
pub mod openapi;
pub mod problem;
mod reply;
pub mod suggest;

use crate::api::extract::AppState;
use crate::api::problem::{LockedUntil, retry_secs};
use crate::service::Service;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post, put};
use std::net::SocketAddr;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

/// The largest JSON body.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// The largest upload chunk.
pub const CHUNK_LIMIT: usize = 8 * 1024 * 1024;
/// How long one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole API over `service`.
pub fn router(service: Service) -> Router {
    use admin as a;
    use handlers as h;
    use lifecycle as l;
    let st = AppState { svc: service };
    let v1 = Router::new()
        .route("/openapi.json", get(openapi::document))
        // accounts
        .route("/accounts", post(h::register))
        .route("/session", post(h::login).delete(h::logout))
        .route("/me", get(h::me))
        .route("/me/real-name", post(h::verify_real_name))
        .route("/me/password", put(h::change_password))
        .route("/password-reset", post(h::request_password_reset))
        .route("/password-reset/confirm", post(h::reset_password))
        .route("/phone-change/code", post(h::request_phone_change_code))
        .route("/phone-change/confirm", post(h::change_phone_by_email))
        .route("/phone-change/manual", post(h::manual_phone_change))
        .route("/account-recovery", post(h::account_recovery))
        // public
        .route("/announcements", get(h::announcements))
        .route("/announcements/{id}", get(h::announcement))
        .route("/certification-query/challenge", post(h::query_challenge))
        .route("/certification-query", post(h::query_certifications))
        .route("/industries", get(h::industries))
        .route("/regions", get(h::regions))
        .route("/authorities/{code}/windows", get(h::authority_windows))
        // suggestions for the basic information (logged in)
        .route(
            "/industries/{code}/segments",
            get(suggest::segment_suggestions),
        )
        .route(
            "/industries/{code}/products",
            get(suggest::product_suggestions),
        )
        // enterprise
        .route(
            "/enterprise",
            get(h::own_enterprise_view).patch(h::update_enterprise),
        )
        .route("/enterprises/{id}", get(h::enterprise))
        // assessment
        .route("/questionnaires/{category}", get(h::questionnaire))
        .route(
            "/assessments",
            get(h::assessments).post(h::start_assessment),
        )
        .route(
            "/assessments/{id}",
            get(h::assessment).delete(h::discard_assessment),
        )
        .route("/assessments/{id}/answers", put(h::save_answers))
        .route("/assessments/{id}/complete", post(h::complete_assessment))
        // declarations
        .route("/windows/open", get(h::open_windows))
        .route(
            "/declarations",
            get(h::declarations).post(h::create_declaration),
        )
        .route(
            "/declarations/{id}",
            get(h::declaration).delete(h::delete_declaration),
        )
        .route("/declarations/{id}/form", get(h::declaration_form))
        .route("/declarations/{id}/inputs", put(h::save_declaration))
        .route(
            "/declarations/{id}/evaluation",
            get(h::evaluate_declaration),
        )
        .route("/declarations/{id}/submit", post(h::submit_declaration))
        .route("/declarations/{id}/withdraw", post(h::withdraw_declaration))
        .route("/declarations/{id}/export", get(h::export_declaration))
        // uploads
        .route("/uploads", post(h::create_upload))
        .route(
            "/uploads/{id}",
            get(h::upload)
                .head(h::upload_head)
                .patch(h::append_chunk)
                .put(h::append_chunk)
                .delete(h::abort_upload)
                .layer(DefaultBodyLimit::max(CHUNK_LIMIT)),
        )
        .route("/uploads/{id}/finish", post(h::finish_upload))
        // review
        .route("/review/queue", get(h::queue))
        .route("/review/counts", get(h::queue_counts))
        .route("/review/items/{id}", get(h::review_item))
        .route("/review/items/{id}/{action}", post(h::decide))
        .route("/review/bulk", post(h::bulk))
        .route("/review/reason-templates", get(h::reason_templates))
        .route(
            "/admin/reason-templates/{action}",
            put(h::set_reason_templates),
        )
        // admin
        .route("/windows", post(h::open_window))
        .route("/windows/{id}/close", post(h::close_window))
        .route(
            "/authorities/{code}/chains/{tier}",
            get(l::chain).put(l::set_chain),
        )
        .route(
            "/admin/announcements",
            get(l::own_announcements).post(l::create_announcement),
        )
        .route(
            "/admin/announcements/{id}",
            get(l::own_announcement)
                .put(l::update_announcement)
                .delete(l::delete_announcement),
        )
        .route(
            "/admin/announcements/{id}/{action}",
            post(l::announcement_action),
        )
        .route("/staff", post(l::create_staff))
        .route("/accounts/{id}/revoke-sessions", post(l::revoke_sessions))
        // inbox
        .route("/messages", get(l::messages))
        .route("/messages/latest", get(l::latest_messages))
        .route("/messages/read", post(l::mark_read))
        .route("/messages/read-all", post(l::mark_all_read))
        .route("/messages/{id}", get(l::message))
        // lifecycle
        .route(
            "/enterprises/{id}/certifications",
            get(l::enterprise_certifications),
        )
        .route("/certifications/{id}", get(l::certification))
        .route("/certifications/{id}/cancel", post(l::cancel_certification))
        .route("/updates/status", get(l::update_status))
        .route("/updates", post(l::start_update))
        .route("/updates/{id}", get(l::update_detail).put(l::save_update))
        .route("/updates/{id}/{action}", post(l::update_action))
        .route("/changes", get(l::changes).post(l::create_change))
        .route(
            "/changes/{id}",
            get(l::change_detail)
                .put(l::edit_change)
                .delete(l::delete_change),
        )
        .route("/changes/{id}/{action}", post(l::change_action))
        .route("/reexam/candidates", get(l::reexam_candidates))
        .route("/reexam/flags", post(l::set_review_flags))
        .route("/reexam/status", get(l::reexam_status))
        .route("/reexam", post(l::apply_reexam))
        .route("/reexam/{id}/{action}", post(l::reexam_action))
        // the enterprise's past 复核 applications and info updates
        .route("/reexam/history", get(l::reexam_history))
        .route("/reexam/{id}", get(l::reexam_detail))
        .route("/updates/history", get(l::update_history))
        // evidence
        .route("/items/{id}/evidence", get(l::evidence_list))
        .route(
            "/evidence/{id}",
            get(l::evidence_bytes).delete(l::remove_evidence),
        )
        // support
        .route("/support/requests", get(l::support_requests))
        .route("/support/requests/{id}", get(l::support_request))
        .route("/support/requests/{id}/{action}", post(l::support_action))
        .route("/support/accounts", get(l::lookup_accounts))
        .route("/support/accounts/{id}/unlock", post(l::unlock_account))
        // administration and support helpers
        .route("/calendar/today", get(a::calendar_today))
        .route("/cancel-reasons", get(a::cancel_reason_list))
        .route("/admin/certifications", get(a::managed_certifications))
        .route("/staff", get(a::staff_accounts))
        .route("/staff/{id}/{action}", post(a::staff_action))
        .route("/support/outbox", get(a::demo_outbox))
        .route("/trail/{kind}/{id}", get(a::trail));
    Router::new()
        .route("/healthz", get(h::healthz))
        .nest("/api/v1", v1)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::map_response_with_state(
            st.clone(),
            retry_after_of_locks,
        ))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(problems_everywhere))
        .with_state(st)
}

async fn not_found() -> problem::ApiError {
    crate::service::ServiceError::not_found(crate::domain::text::Text::new(
        "该接口（请查阅 /api/v1/openapi.json）",
        "this endpoint (see /api/v1/openapi.json)",
    ))
    .into()
}

/// Errors raised outside the handlers (the body limit, the time-out, an unsupported method, a
/// body that cannot be read) become problems too: every error of the API is problem+json.
async fn problems_everywhere(resp: Response) -> Response {
    let status = resp.status();
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(problem::PROBLEM_JSON.as_bytes()));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return resp;
    }
    let (code, zh, en) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "请求体过大（JSON 不超过 1 MiB，上传分段不超过 8 MiB）。",
            "The body is too large (JSON up to 1 MiB, upload chunks up to 8 MiB).",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "request_timeout",
            "请求处理超时，请稍后重试。",
            "The request took too long; try again later.",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "该接口不支持此请求方法（见 Allow 头）。",
            "This endpoint does not take this method (see the Allow header).",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "不支持的请求体类型。",
            "Unsupported body type.",
        ),
        s if s.is_server_error() => (
            "internal",
            "系统内部错误，请稍后重试或联系客服。",
            "Internal error; try again later or contact support.",
        ),
        _ => ("bad_request", "请求格式有误。", "The request is malformed."),
    };
    let p = problem::Problem {
        type_: format!("{}{code}", problem::PROBLEM_BASE),
        code: code.to_string(),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: zh.to_string(),
        detail_en: en.to_string(),
        field: None,
        fields: Vec::new(),
        ways_out: Vec::new(),
        current_version: None,
        by: None,
        at: None,
        retry_after: None,
        incident: None,
    };
    let mut out = problem::problem_response(&p);
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = resp.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

/// `Retry-After` of a locked account: the seconds until the lock ends, by the service clock.
async fn retry_after_of_locks(State(st): State<AppState>, mut resp: Response) -> Response {
    if let Some(LockedUntil(until)) = resp.extensions().get::<LockedUntil>().copied() {
        let secs = retry_secs((until - st.svc.now()).num_milliseconds() as f64 / 1000.0);
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

/// Serves the API on `listener` until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: Service,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(service).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The TLS set-up of `zjtx serve --tls-cert FILE --tls-key FILE`: a PEM certificate chain and
/// its PEM private key (PKCS#8, PKCS#1 or SEC1), served over rustls with the ring provider,
/// HTTP/1.1 only. Errors name the file at fault.
pub fn tls_config(cert: &std::path::Path, key: &std::path::Path) -> Result<TlsConfig, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let read = |path: &std::path::Path, what: &str| {
        std::fs::read(path)
            .map_err(|e| format!("cannot read the TLS {what} {}: {e}", path.display()))
    };
    let cert_pem = read(cert, "certificate")?;
    let key_pem = read(key, "key")?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            format!(
                "the TLS certificate {} is not valid PEM: {e}",
                cert.display()
            )
        })?;
    if chain.is_empty() {
        return Err(format!(
            "the TLS certificate {} holds no PEM CERTIFICATE block",
            cert.display()
        ));
    }
    let private = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        format!(
            "the TLS key {} holds no usable PEM private key: {e}",
            key.display()
        )
    })?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up failed: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| {
            format!(
                "the TLS key {} does not fit the certificate {}: {e}",
                key.display(),
                cert.display()
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConfig(
        axum_server::tls_rustls::RustlsConfig::from_config(std::sync::Arc::new(config)),
    ))
}

/// A checked TLS set-up for [`serve_tls`], made by [`tls_config`].
#[derive(Clone)]
pub struct TlsConfig(axum_server::tls_rustls::RustlsConfig);

/// Like [`serve`], over TLS: stops accepting when `shutdown` resolves and finishes the requests
/// in flight first.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    tls: TlsConfig,
    service: Service,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(service).into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(None);
    });
    axum_server::from_tcp_rustls(listener.into_std()?, tls.0)?
        .handle(handle)
        .serve(app)
        .await
}
