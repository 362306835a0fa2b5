//! Errors as `application/problem+json` (RFC 9457).
//!
//! Every service error keeps its stable code as the problem `type`
//! (`https://zjtx.cn/problems/<code>`), its Chinese message as `detail` and its English one as
//! `detail_en`; invalid input lists every offending field. Internal errors carry the incident id
//! only (the service already logged the cause).

use crate::domain::text::{Localized, Text};
use crate::service::ServiceError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";
/// The prefix of every problem `type`.
pub const PROBLEM_BASE: &str = "https://zjtx.cn/problems/";

/// One offending field of a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    /// What is wrong and what is expected, in Chinese.
    pub detail: String,
    pub detail_en: String,
}

/// A way out offered with a refusal (e.g. a USCC already registered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProblemWayOut {
    pub code: String,
    pub detail: String,
    pub detail_en: String,
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// `https://zjtx.cn/problems/<code>`: stable, machine-readable.
    #[serde(rename = "type")]
    pub type_: String,
    /// The stable code alone (`invalid`, `conflict`, `window_closed` …).
    pub code: String,
    /// A short English title (the HTTP reason phrase).
    pub title: String,
    pub status: u16,
    /// The message in Chinese.
    pub detail: String,
    /// The message in English.
    pub detail_en: String,
    /// The (first) offending field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every offending field (invalid input).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<ProblemField>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ways_out: Vec<ProblemWayOut>,
    /// Conflicts: the record's current version (send it as `If-Match` after a refresh).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// Conflicts: who changed the record last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Conflicts: when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// Rate limits and locks: seconds to wait (also the `Retry-After` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Internal errors: the incident id to quote to support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
}

/// An error of the API layer: a service error, or a protocol error of HTTP itself.
#[derive(Debug, Clone)]
pub enum ApiError {
    Service(ServiceError),
    /// A service error of a change made without `If-Match` (a conflict is then 409, not 412).
    Unconditional(ServiceError),
    /// A state change without `If-Match`.
    PreconditionRequired,
    /// The same `Idempotency-Key` with a different request.
    IdempotencyKeyReused,
    /// A body over the limit.
    TooLarge,
    /// A malformed request the service never saw (bad JSON, bad header, bad query).
    BadRequest {
        field: String,
        text: Text,
    },
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError::Service(e)
    }
}

/// Marks a response whose `Retry-After` is computed against the service clock by the router
/// (a lock lasts until an instant).
#[derive(Debug, Clone, Copy)]
pub struct LockedUntil(pub DateTime<Utc>);

impl ApiError {
    pub fn bad_request(field: impl Into<String>, text: Text) -> ApiError {
        ApiError::BadRequest {
            field: field.into(),
            text,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Service(e) => {
                StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            ApiError::Unconditional(ServiceError::Conflict { .. }) => StatusCode::CONFLICT,
            ApiError::Unconditional(e) => ApiError::Service(e.clone()).status(),
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
        }
    }

    /// The problem body.
    pub fn problem(&self) -> Problem {
        if let ApiError::Unconditional(e) = self {
            let mut p = ApiError::Service(e.clone()).problem();
            let status = self.status();
            p.status = status.as_u16();
            p.title = status.canonical_reason().unwrap_or("Error").to_string();
            return p;
        }
        let status = self.status();
        let (code, text) = match self {
            ApiError::Service(e) | ApiError::Unconditional(e) => (e.code().to_string(), e.text()),
            ApiError::PreconditionRequired => (
                "precondition_required".to_string(),
                Text::new(
                    "修改操作必须带 If-Match 请求头（当前版本号，取自读取时的 ETag）。",
                    "A state change needs an If-Match header with the current version (the ETag \
                     of the last read).",
                ),
            ),
            ApiError::IdempotencyKeyReused => (
                "idempotency_key_reused".to_string(),
                Text::new(
                    "该 Idempotency-Key 已用于另一个不同的请求；每个新请求请使用新的键。",
                    "This Idempotency-Key was already used for a different request; use a new \
                     key for every new request.",
                ),
            ),
            ApiError::TooLarge => (
                "payload_too_large".to_string(),
                Text::new(
                    "请求体过大（JSON 不超过 1 MiB，上传分段不超过 8 MiB）。",
                    "The body is too large (JSON up to 1 MiB, upload chunks up to 8 MiB).",
                ),
            ),
            ApiError::BadRequest { text, .. } => ("bad_request".to_string(), text.clone()),
        };
        let mut p = Problem {
            type_: format!("{PROBLEM_BASE}{code}"),
            code,
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: text.zh,
            detail_en: text.en,
            field: None,
            fields: Vec::new(),
            ways_out: Vec::new(),
            current_version: None,
            by: None,
            at: None,
            retry_after: None,
            incident: None,
        };
        match self {
            ApiError::Service(e) => {
                p.field = e.field().map(str::to_string);
                if let ServiceError::Invalid { fields } = e {
                    p.fields = fields
                        .iter()
                        .map(|f| ProblemField {
                            field: f.field.clone(),
                            detail: f.text.zh.clone(),
                            detail_en: f.text.en.clone(),
                        })
                        .collect();
                }
                p.ways_out = e
                    .ways_out()
                    .iter()
                    .map(|w| {
                        let t = w.text();
                        ProblemWayOut {
                            code: w.code().to_string(),
                            detail: t.zh,
                            detail_en: t.en,
                        }
                    })
                    .collect();
                match e {
                    ServiceError::Conflict {
                        current_version,
                        by,
                        at,
                    } => {
                        p.current_version = Some(*current_version);
                        p.by = by.clone();
                        p.at = *at;
                    }
                    ServiceError::RateLimited { retry_after } => {
                        p.retry_after = Some(retry_secs(retry_after.as_secs_f64()));
                    }
                    ServiceError::Internal { incident } => p.incident = Some(incident.clone()),
                    _ => {}
                }
            }
            ApiError::BadRequest { field, .. } => p.field = Some(field.clone()),
            _ => {}
        }
        p
    }
}

/// Whole seconds to wait, at least one.
pub fn retry_secs(secs: f64) -> u64 {
    (secs.ceil() as u64).max(1)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let mut resp = problem_response(&problem);
        if let ApiError::Service(ServiceError::Locked { until })
        | ApiError::Unconditional(ServiceError::Locked { until }) = &self
        {
            resp.extensions_mut().insert(LockedUntil(*until));
        }
        if let ApiError::Service(ServiceError::Unauthorized { .. }) = &self {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// A problem as a response, `Retry-After` set when the problem says how long to wait.
pub fn problem_response(problem: &Problem) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if let Some(s) = problem.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}
