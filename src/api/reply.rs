//! The shapes of a successful answer, shared by every handler module.

use crate::api::idempotency::json_response;
use crate::api::problem::ApiError;
use crate::domain::text::Text;
use crate::service::ServiceError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// What a handler returns: an answer, or a problem.
pub(crate) type R = Result<Response, ApiError>;

/// 200 with the JSON body.
pub(crate) fn ok<T: Serialize>(v: T) -> R {
    Ok(json_response(StatusCode::OK, &v))
}

/// 201 with the JSON body.
pub(crate) fn created<T: Serialize>(v: T) -> R {
    Ok(json_response(StatusCode::CREATED, &v))
}

/// 204 without a body.
pub(crate) fn no_content() -> R {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The answer to an `{action}` path segment that is none of `known` (404, listing them).
pub(crate) fn unknown_action(action: &str, known: &[&str]) -> ApiError {
    ServiceError::not_found(Text::new(
        format!("操作 {action}（可用：{}）", known.join("、")),
        format!("the action {action} ({})", known.join(", ")),
    ))
    .into()
}
