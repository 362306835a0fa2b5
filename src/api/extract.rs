//! Request extractors: the bearer session, `If-Match`, `Idempotency-Key`, the client address,
//! and JSON bodies / queries whose rejections are problems too.

use crate::api::problem::ApiError;
use crate::domain::text::Text;
use crate::service::{Service, ServiceError, Session};
use axum::extract::rejection::QueryRejection;
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

/// A JSON body whose rejection is a problem naming what is wrong: a body that is not JSON (or
/// not `application/json`) is 400; JSON that does not fit the call — an unknown (misspelt)
/// field, a missing one, a value of the wrong type — is 422 `invalid` naming the field by its
/// path (`items[1].version`), like any other invalid input.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, st: &S) -> Result<Self, ApiError> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::bad_request(
                "Content-Type",
                Text::new(
                    "请求体应为 JSON（Content-Type: application/json）。",
                    "The body should be JSON (Content-Type: application/json).",
                ),
            ));
        }
        let bytes = body_bytes(req, st).await?;
        parse_json(&bytes).map(Body)
    }
}

/// `application/json` or any `+json` media type.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

async fn body_bytes<S: Send + Sync>(req: Request, st: &S) -> Result<axum::body::Bytes, ApiError> {
    axum::body::Bytes::from_request(req, st).await.map_err(|e| {
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
    })
}

/// Parses a JSON body: syntax errors are 400 on `body`; data errors are 422 on the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = match serde_path_to_error::deserialize(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let inner = e.inner();
            if inner.classify() != serde_json::error::Category::Data {
                return Err(not_json(inner));
            }
            let (field, text) = data_error(&e.path().to_string(), &inner.to_string());
            return Err(ServiceError::invalid(field, text).into());
        }
    };
    de.end().map_err(|e| not_json(&e))?;
    Ok(value)
}

fn not_json(e: &serde_json::Error) -> ApiError {
    ApiError::bad_request(
        "body",
        Text::new(
            format!("请求体不是有效的 JSON：{e}"),
            format!("The body is not valid JSON: {e}"),
        ),
    )
}

/// The field a serde data error is about and what to say about it. `path` is
/// serde_path_to_error's (`.` for the top level); `msg` is serde's message.
pub fn data_error(path: &str, msg: &str) -> (String, Text) {
    // serde's message without its " at line L column C" suffix.
    let msg = msg.rsplit_once(" at line ").map_or(msg, |(m, _)| m);
    let quoted = |prefix: &str| {
        msg.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('`'))
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, rest)| (name.to_string(), rest.to_string()))
    };
    let top = path == "." || path == "?" || path.is_empty();
    let join = |name: &str| {
        if top {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    if let Some((name, rest)) = quoted("unknown field ") {
        // The path ends with the unknown key, except inside a tagged enum.
        let field = if !top && path.ends_with(name.as_str()) {
            path.to_string()
        } else {
            join(&name)
        };
        let known = rest
            .trim_start_matches(", ")
            .trim_start_matches("expected one of ")
            .trim_start_matches("expected ")
            .replace("there are no fields", "");
        let (zh, en) = if known.is_empty() {
            (String::new(), String::new())
        } else {
            (
                format!("；可用字段：{known}"),
                format!("; known fields: {known}"),
            )
        };
        return (
            field.clone(),
            Text::new(
                format!("“{field}”不是本接口的字段（是否拼写有误？）{zh}。"),
                format!("\"{field}\" is not a field of this call (misspelt?){en}."),
            ),
        );
    }
    if let Some((name, _)) = quoted("missing field ") {
        let field = join(&name);
        return (
            field.clone(),
            Text::new(
                format!("缺少必填字段“{field}”。"),
                format!("The required field \"{field}\" is missing."),
            ),
        );
    }
    let field = if top {
        "body".to_string()
    } else {
        path.to_string()
    };
    (
        field.clone(),
        Text::new(
            format!("“{field}”的值不符合要求：{msg}。"),
            format!("\"{field}\" has a value this call cannot take: {msg}."),
        ),
    )
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

/// An optional JSON body: empty = the default; anything else must parse like a [`Body`].
pub struct OptBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, st: &S) -> Result<Self, ApiError> {
        let bytes = body_bytes(req, st).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptBody(T::default()));
        }
        parse_json(&bytes).map(OptBody)
    }
}
