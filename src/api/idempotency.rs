//! `Idempotency-Key` on submissions and decisions: the first response to a key is stored with a
//! hash of the request (`idempotency` table, migration 1); a retry with the same key and the same
//! request gets the stored response again (marked `Idempotent-Replayed: true`) without acting
//! twice; the same key with a different request is refused (422 `idempotency_key_reused`).
//!
//! Stored: successes and the client's own errors (4xx) except those that a retry may cure
//! (401, 423, 428, 429); never 5xx. Two identical requests racing each other both reach the
//! service; its version check lets one act and answers the other 412. Keys are kept for
//! [`KEEP_MS`] (a day), purged as new ones are stored.

use crate::api::extract::AppState;
use crate::api::problem::{ApiError, PROBLEM_JSON};
use crate::service::Session;
use crate::store::ms;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// How long a stored response is replayed (24 hours).
pub const KEEP_MS: i64 = 24 * 60 * 60 * 1000;

/// Runs `act` once per (account, key): replays the stored response of an earlier identical
/// request. `fingerprint` identifies the request (method, path, version, canonical body).
pub async fn once<T, F>(
    st: &AppState,
    session: &Session,
    key: Option<String>,
    fingerprint: &str,
    success: StatusCode,
    act: F,
) -> Result<Response, ApiError>
where
    T: Serialize,
    F: Future<Output = Result<T, ApiError>>,
{
    let Some(key) = key else {
        return Ok(json_response(success, &act.await?));
    };
    let hash = hex::encode(Sha256::digest(fingerprint.as_bytes()));
    let stored = {
        let mut conn = st.svc.read().await?;
        sqlx::query(
            "SELECT request_hash, status, response FROM idempotency \
             WHERE account_id = $1 AND idem_key = $2",
        )
        .bind(&session.account_id)
        .bind(&key)
        .fetch_optional(&mut *conn)
        .await
        .map_err(crate::service::ServiceError::from)?
    };
    if let Some(row) = stored {
        let stored_hash: String = row.try_get("request_hash").unwrap_or_default();
        if stored_hash != hash {
            return Err(ApiError::IdempotencyKeyReused);
        }
        let status: i64 = row.try_get("status").unwrap_or(200);
        let body: String = row.try_get("response").unwrap_or_default();
        let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
        let mut resp = raw_response(status, body.into_bytes());
        resp.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        return Ok(resp);
    }
    let (status, body) = match act.await {
        Ok(v) => (success, serde_json::to_vec(&v).unwrap_or_default()),
        Err(e) => {
            let status = e.status();
            if !storable(status) {
                return Err(e);
            }
            (status, serde_json::to_vec(&e.problem()).unwrap_or_default())
        }
    };
    let mut w = st.svc.write().await?;
    let now = ms(w.now);
    // Keys are kept for a day: long enough for any retry over a flaky link.
    sqlx::query("DELETE FROM idempotency WHERE created_at < $1")
        .bind(now - KEEP_MS)
        .execute(&mut *w)
        .await
        .map_err(crate::service::ServiceError::from)?;
    sqlx::query(
        "INSERT INTO idempotency (account_id, idem_key, request_hash, status, response, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, idem_key) DO NOTHING",
    )
    .bind(&session.account_id)
    .bind(&key)
    .bind(&hash)
    .bind(i64::from(status.as_u16()))
    .bind(String::from_utf8_lossy(&body).into_owned())
    .bind(now)
    .execute(&mut *w)
    .await
    .map_err(crate::service::ServiceError::from)?;
    w.commit().await?;
    Ok(raw_response(status, body))
}

fn storable(status: StatusCode) -> bool {
    status.is_client_error()
        && !matches!(
            status,
            StatusCode::UNAUTHORIZED
                | StatusCode::LOCKED
                | StatusCode::PRECONDITION_REQUIRED
                | StatusCode::TOO_MANY_REQUESTS
        )
}

/// A JSON response.
pub fn json_response<T: Serialize>(status: StatusCode, v: &T) -> Response {
    raw_response(status, serde_json::to_vec(v).unwrap_or_default())
}

fn raw_response(status: StatusCode, body: Vec<u8>) -> Response {
    let ct = if status.is_success() {
        "application/json"
    } else {
        PROBLEM_JSON
    };
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    resp
}
