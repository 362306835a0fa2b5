//! Handlers of the administration and support helpers ([`crate::service::admin`]): the
//! service's day, the cancellation reasons, the certifications an admin manages, staff accounts
//! (list, disable, enable), the demo outbox and the audit trail of a record. Thin, like
//! [`super::handlers`].

use crate::api::extract::{AppState, Auth, IfMatch, Q, etag};
use crate::api::idempotency::json_response;
use crate::api::problem::ApiError;
use crate::api::reply::{R, ok};
use crate::domain::text::Text;
use crate::service::admin::{ManagedFilter, TrailKind, cancel_reasons};
use crate::service::{PageRequest, ServiceError};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};

/// `GET /calendar/today`: the service's date in China.
pub async fn calendar_today(State(st): State<AppState>) -> R {
    ok(st.svc.calendar_today())
}

/// `GET /cancel-reasons`: the reasons a certification may be cancelled for.
pub async fn cancel_reason_list() -> R {
    ok(cancel_reasons())
}

/// `GET /admin/certifications?text=&tier=&status=`: what the caller manages.
pub async fn managed_certifications(
    State(st): State<AppState>,
    Auth(s): Auth,
    Q(f): Q<ManagedFilter>,
    Q(page): Q<PageRequest>,
) -> R {
    ok(st.svc.managed_certifications(&s, &f, &page).await?)
}

/// `GET /staff`: the staff accounts.
pub async fn staff_accounts(
    State(st): State<AppState>,
    Auth(s): Auth,
    Q(page): Q<PageRequest>,
) -> R {
    ok(st.svc.staff_accounts(&s, &page).await?)
}

/// The values of `{action}` in `POST /staff/{id}/{action}`.
pub const STAFF_ACTIONS: &[&str] = &["disable", "enable"];

/// `POST /staff/{id}/{action}`: `disable` or `enable` a staff account.
pub async fn staff_action(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path((id, action)): Path<(String, String)>,
) -> R {
    debug_assert_eq!(STAFF_ACTIONS, ["disable", "enable"]);
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => {
            return Err(ServiceError::not_found(Text::new(
                format!("操作 {action}（可用：{}）", STAFF_ACTIONS.join("、")),
                format!("the action {action} ({})", STAFF_ACTIONS.join(", ")),
            ))
            .into());
        }
    };
    let view = st.svc.set_staff_disabled(&s, &id, v, disabled).await?;
    let mut resp = json_response(StatusCode::OK, &view);
    resp.headers_mut().insert(header::ETAG, etag(view.version));
    Ok(resp)
}

/// `GET /support/outbox`: the texts and e-mails sent (demo databases only).
pub async fn demo_outbox(State(st): State<AppState>, Auth(s): Auth, Q(page): Q<PageRequest>) -> R {
    ok(st.svc.demo_outbox(&s, &page).await?)
}

/// `GET /trail/{kind}/{id}`: who did what to a record, newest first.
pub async fn trail(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path((kind, id)): Path<(String, String)>,
) -> R {
    let kind = TrailKind::from_code(&kind).ok_or_else(|| {
        ApiError::from(ServiceError::not_found(Text::new(
            format!("记录类型 {kind}（可用：window、chain、certification、announcement、account、support_request）"),
            format!(
                "the record kind {kind} (window, chain, certification, announcement, account, \
                 support_request)"
            ),
        )))
    })?;
    ok(st.svc.trail(&s, kind, &id).await?)
}
