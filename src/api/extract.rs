//! Request extractors: the bearer session, `If-Match`, `Idempotency-Key`, the client address,
//! and JSON bodies / queries whose rejections are problems too.

use crate::api::problem::ApiError;
use crate::domain::text::Text;
use crate::service::{Service, ServiceError, Session};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, header, request::Parts};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub svc: Service,
}

/// The caller's session, from `Authorization: Bearer <token>`.
pub struct Auth(pub Session);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(ServiceError::unauthorized(Text::new(
                "请先登录（请求需带 Authorization: Bearer 令牌）。",
                "Log in first (the request needs an Authorization: Bearer token).",
            ))
            .into());
        };
        Ok(Auth(st.svc.authenticate(token).await?))
    }
}

/// The version the caller last read, from `If-Match` (`"7"`, `W/"7"` or `7`); required.
pub struct IfMatch(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(v) = parts.headers.get(header::IF_MATCH) else {
            return Err(ApiError::PreconditionRequired);
        };
        parse_version(v).map(IfMatch).ok_or_else(|| {
            ApiError::bad_request(
                "If-Match",
                Text::new(
                    "If-Match 应为读取时返回的 ETag（如 \"3\"）。",
                    "If-Match should be the ETag returned by the last read (e.g. \"3\").",
                ),
            )
        })
    }
}

/// Parses an entity tag carrying a version: `"7"`, `W/"7"` or `7`.
pub fn parse_version(v: &HeaderValue) -> Option<i64> {
    let s = v.to_str().ok()?.trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    let s = s.trim_matches('"');
    s.parse::<i64>().ok().filter(|n| *n >= 0)
}

/// The `ETag` of a version.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits are a valid header")
}

/// The optional `Idempotency-Key` (1–200 visible ASCII characters).
pub struct IdemKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdemKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        idem_key(&parts.headers).map(IdemKey)
    }
}

pub fn idem_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(s) if !s.trim().is_empty() && s.len() <= 200 => Ok(Some(s.trim().to_string())),
        _ => Err(ApiError::bad_request(
            "Idempotency-Key",
            Text::new(
                "Idempotency-Key 应为 1–200 个可见 ASCII 字符（建议用 UUID）。",
                "Idempotency-Key should be 1–200 visible ASCII characters (a UUID is best).",
            ),
        )),
    }
}

/// The client's address (the rate-limit key of public calls); `in-process` without a socket.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "in-process".to_string()),
        ))
    }
}

/// A JSON body whose rejection is a problem naming what is wrong.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, st: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, st).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge;
    }
    let detail = e.body_text();
    match e {
        JsonRejection::MissingJsonContentType(_) => ApiError::bad_request(
            "Content-Type",
            Text::new(
                "请求体应为 JSON（Content-Type: application/json）。",
                "The body should be JSON (Content-Type: application/json).",
            ),
        ),
        _ => ApiError::bad_request(
            "body",
            Text::new(
                format!("请求体不是有效的 JSON 或字段不符：{detail}"),
                format!("The body is not valid JSON for this call: {detail}"),
            ),
        ),
    }
}

/// A query string whose rejection is a problem.
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, st).await {
            Ok(axum::extract::Query(v)) => Ok(Q(v)),
            Err(e) => Err(query_rejection(e)),
        }
    }
}

fn query_rejection(e: QueryRejection) -> ApiError {
    let detail = e.body_text();
    ApiError::bad_request(
        "query",
        Text::new(
            format!("查询参数有误：{detail}"),
            format!("Bad query parameters: {detail}"),
        ),
    )
}

/// An optional JSON body: empty = the default; anything else must parse (a problem otherwise).
pub struct OptBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, st: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, st)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    return ApiError::TooLarge;
                }
                ApiError::bad_request(
                    "body",
                    Text::new(
                        format!("无法读取请求体：{}", e.body_text()),
                        format!("The body could not be read: {}", e.body_text()),
                    ),
                )
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptBody(T::default()));
        }
        serde_json::from_slice(&bytes).map(OptBody).map_err(|e| {
            ApiError::bad_request(
                "body",
                Text::new(
                    format!("请求体不是有效的 JSON 或字段不符：{e}"),
                    format!("The body is not valid JSON for this call: {e}"),
                ),
            )
        })
    }
}
