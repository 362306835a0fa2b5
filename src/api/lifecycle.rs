//! Handlers of the certification lifecycle (certifications, 信息更新, 重大变更, 复核), the inbox,
//! evidence files, announcements administration, review chains, staff accounts and support.
//! Thin, like [`super::handlers`].

use crate::api::extract::{AppState, Auth, Body, IdemKey, IfMatch, OptBody, Q, etag};
use crate::api::idempotency::{json_response, once};
use crate::api::problem::ApiError;
use crate::domain::text::Text;
use crate::domain::tiers::{ReviewLevel, Tier};
use crate::service::accounts::StaffAccount;
use crate::service::announcements::{AnnouncementDraft, AnnouncementState};
use crate::service::certifications::CancelReason;
use crate::service::changes::{ChangeFilter, ChangeInput};
use crate::service::messages::Category;
use crate::service::support::{AccountLookup, RequestFilter};
use crate::service::updates::InfoChanges;
use crate::service::{PageRequest, ServiceError};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};

use crate::api::reply::{R, created, no_content, ok, unknown_action};

/// A versioned record with `ETag` from its `version` (at the top or in `item`).
fn tagged<T: Serialize>(status: StatusCode, v: T) -> R {
    let value = serde_json::to_value(&v).map_err(ServiceError::from)?;
    let version = value
        .get("version")
        .or_else(|| value.pointer("/item/version"))
        .and_then(|v| v.as_i64());
    let mut resp = json_response(status, &value);
    if let Some(version) = version {
        resp.headers_mut().insert(header::ETAG, etag(version));
    }
    Ok(resp)
}

fn read<T: Serialize>(v: T) -> R {
    tagged(StatusCode::OK, v)
}

fn fingerprint<T: Serialize>(op: &str, id: &str, version: i64, body: &T) -> String {
    format!(
        "{op}\n{id}\n{version}\n{}",
        serde_json::to_string(body).unwrap_or_default()
    )
}

fn parse_code<T: for<'de> Deserialize<'de>>(field: &str, code: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(code.to_string())).map_err(|_| {
        ApiError::bad_request(
            field,
            Text::new(
                format!("{field} 的取值 {code} 不受支持。"),
                format!("{code} is not a valid {field}."),
            ),
        )
    })
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    #[serde(default)]
    pub reason: String,
}

// ---------------------------------------------------------------------------------------------
// Inbox
// ---------------------------------------------------------------------------------------------

#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    #[serde(default)]
    #[param(value_type = Option<Category>)]
    pub category: Option<String>,
    #[serde(default)]
    pub unread: Option<bool>,
}

pub async fn messages(
    State(st): State<AppState>,
    Auth(s): Auth,
    Q(q): Q<InboxQuery>,
    Q(page): Q<PageRequest>,
) -> R {
    let category: Option<Category> = q
        .category
        .as_deref()
        .map(|c| parse_code("category", c))
        .transpose()?;
    ok(st
        .svc
        .messages(&s, category, q.unread.unwrap_or(false), &page)
        .await?)
}

#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    #[serde(default)]
    pub limit: Option<u32>,
}

pub async fn latest_messages(State(st): State<AppState>, Auth(s): Auth, Q(q): Q<LimitQuery>) -> R {
    ok(st.svc.latest_messages(&s, q.limit.unwrap_or(5)).await?)
}

pub async fn message(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    ok(st.svc.message(&s, &id).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    pub ids: Vec<String>,
}

/// How many messages a call marked read.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Marked {
    pub marked: u64,
}

pub async fn mark_read(State(st): State<AppState>, Auth(s): Auth, Body(b): Body<MarkRead>) -> R {
    ok(Marked {
        marked: st.svc.mark_read(&s, &b.ids).await?,
    })
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkAllRead {
    #[serde(default)]
    pub category: Option<Category>,
}

pub async fn mark_all_read(
    State(st): State<AppState>,
    Auth(s): Auth,
    Body(b): Body<MarkAllRead>,
) -> R {
    ok(Marked {
        marked: st.svc.mark_all_read(&s, b.category).await?,
    })
}

// ---------------------------------------------------------------------------------------------
// Certifications
// ---------------------------------------------------------------------------------------------

pub async fn enterprise_certifications(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path(id): Path<String>,
) -> R {
    ok(st.svc.certifications(&s, &id).await?)
}

pub async fn certification(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    read(st.svc.certification(&s, &id).await?)
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    /// The cancellation reason (see DOMAIN.md: 撤销 reasons).
    pub reason: CancelReason,
    #[serde(default)]
    pub note: String,
}

pub async fn cancel_certification(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    IdemKey(key): IdemKey,
    Path(id): Path<String>,
    Body(b): Body<Cancel>,
) -> R {
    let fp = fingerprint("certification.cancel", &id, v, &b);
    once(&st, &s, key, &fp, StatusCode::OK, async {
        Ok(st
            .svc
            .cancel_certification(&s, &id, v, b.reason, &b.note)
            .await?)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// 信息更新
// ---------------------------------------------------------------------------------------------

pub async fn update_status(State(st): State<AppState>, Auth(s): Auth) -> R {
    ok(st.svc.update_status(&s).await?)
}

pub async fn start_update(State(st): State<AppState>, Auth(s): Auth) -> R {
    tagged(StatusCode::CREATED, st.svc.start_update(&s).await?)
}

pub async fn update_detail(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    read(st.svc.update_detail(&s, &id).await?)
}

pub async fn save_update(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path(id): Path<String>,
    Body(b): Body<InfoChanges>,
) -> R {
    read(st.svc.save_update(&s, &id, v, &b).await?)
}

/// The `{action}` of `POST /updates/{id}/{action}`.
pub const UPDATE_ACTIONS: &[&str] = &["submit", "withdraw", "accept", "return"];

/// `submit`, `withdraw`, `accept` or `return` of an info update.
pub async fn update_action(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    IdemKey(key): IdemKey,
    Path((id, action)): Path<(String, String)>,
    OptBody(b): OptBody<Reason>,
) -> R {
    let fp = fingerprint(&format!("update.{action}"), &id, v, &b);
    let svc = &st.svc;
    once(&st, &s, key, &fp, StatusCode::OK, async {
        Ok(match action.as_str() {
            "submit" => svc.submit_update(&s, &id, v).await?,
            "withdraw" => svc.withdraw_update(&s, &id, v).await?,
            "accept" => svc.accept_update(&s, &id, v).await?,
            "return" => svc.return_update(&s, &id, v, &b.reason).await?,
            _ => return Err(unknown_action(&action, UPDATE_ACTIONS)),
        })
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// 重大变更
// ---------------------------------------------------------------------------------------------

pub async fn changes(
    State(st): State<AppState>,
    Auth(s): Auth,
    Q(f): Q<ChangeFilter>,
    Q(page): Q<PageRequest>,
) -> R {
    ok(st.svc.changes(&s, &f, &page).await?)
}

pub async fn create_change(
    State(st): State<AppState>,
    Auth(s): Auth,
    Body(b): Body<ChangeInput>,
) -> R {
    tagged(StatusCode::CREATED, st.svc.create_change(&s, &b).await?)
}

/// One change with `ETag` = its item's version (the `If-Match` of an edit or delete).
pub async fn change_detail(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    let d = st.svc.change_detail(&s, &id).await?;
    let version = d.change.item.version;
    let mut resp = read(d)?;
    resp.headers_mut().insert(header::ETAG, etag(version));
    Ok(resp)
}

pub async fn edit_change(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path(id): Path<String>,
    Body(b): Body<ChangeInput>,
) -> R {
    read(st.svc.edit_change(&s, &id, v, &b).await?)
}

pub async fn delete_change(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path(id): Path<String>,
) -> R {
    st.svc.delete_change(&s, &id, v).await?;
    no_content()
}

/// The `{action}` of `POST /changes/{id}/{action}`.
pub const CHANGE_ACTIONS: &[&str] = &["submit", "withdraw", "acknowledge", "return"];

/// `submit`, `withdraw`, `acknowledge` or `return` of a major change.
pub async fn change_action(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    IdemKey(key): IdemKey,
    Path((id, action)): Path<(String, String)>,
    OptBody(b): OptBody<Reason>,
) -> R {
    let fp = fingerprint(&format!("change.{action}"), &id, v, &b);
    let svc = &st.svc;
    once(&st, &s, key, &fp, StatusCode::OK, async {
        Ok(match action.as_str() {
            "submit" => svc.submit_change(&s, &id, v).await?,
            "withdraw" => svc.withdraw_change(&s, &id, v).await?,
            "acknowledge" => svc.acknowledge_change(&s, &id, v).await?,
            "return" => svc.return_change(&s, &id, v, &b.reason).await?,
            _ => return Err(unknown_action(&action, CHANGE_ACTIONS)),
        })
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// 复核
// ---------------------------------------------------------------------------------------------

#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct CandidateQuery {
    #[param(value_type = Tier)]
    pub tier: String,
    pub year: i32,
}

pub async fn reexam_candidates(
    State(st): State<AppState>,
    Auth(s): Auth,
    Q(q): Q<CandidateQuery>,
    Q(page): Q<PageRequest>,
) -> R {
    let tier: Tier = parse_code("tier", &q.tier)?;
    ok(st.svc.review_candidates(&s, tier, q.year, &page).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Flags {
    pub cert_ids: Vec<String>,
    pub flag: bool,
}

pub async fn set_review_flags(
    State(st): State<AppState>,
    Auth(s): Auth,
    Body(b): Body<Flags>,
) -> R {
    let outcomes = st.svc.set_review_flags(&s, &b.cert_ids, b.flag).await?;
    ok(outcomes
        .into_iter()
        .map(|o| match o.result {
            Ok(c) => FlagResult {
                cert_id: o.cert_id,
                changed: o.changed,
                certification: Some(c),
                problem: None,
            },
            Err(e) => FlagResult {
                cert_id: o.cert_id,
                changed: false,
                certification: None,
                problem: Some(ApiError::Service(e).problem()),
            },
        })
        .collect::<Vec<_>>())
}

/// The outcome for one certification of a flag call: the certification or the problem.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FlagResult {
    pub cert_id: String,
    /// The flag changed (false when it already had the asked value, or on a refusal).
    pub changed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certification: Option<crate::service::certifications::Certification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<crate::api::problem::Problem>,
}

pub async fn reexam_status(State(st): State<AppState>, Auth(s): Auth) -> R {
    ok(st.svc.reexam_status(&s).await?)
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyReexam {
    pub tier: Tier,
}

pub async fn apply_reexam(
    State(st): State<AppState>,
    Auth(s): Auth,
    IdemKey(key): IdemKey,
    Body(b): Body<ApplyReexam>,
) -> R {
    let fp = fingerprint("reexam.apply", "", 0, &b);
    once(&st, &s, key, &fp, StatusCode::CREATED, async {
        Ok(st.svc.apply_reexam(&s, b.tier).await?)
    })
    .await
}

/// The `{action}` of `POST /reexam/{id}/{action}`.
pub const REEXAM_ACTIONS: &[&str] = &["withdraw", "pass"];

/// `withdraw` or `pass` of a 复核 application.
pub async fn reexam_action(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    IdemKey(key): IdemKey,
    Path((id, action)): Path<(String, String)>,
) -> R {
    let fp = fingerprint(&format!("reexam.{action}"), &id, v, &());
    let svc = &st.svc;
    once(&st, &s, key, &fp, StatusCode::OK, async {
        Ok(match action.as_str() {
            "withdraw" => svc.withdraw_reexam(&s, &id, v).await?,
            "pass" => svc.pass_reexam(&s, &id, v).await?,
            _ => return Err(unknown_action(&action, REEXAM_ACTIONS)),
        })
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------------------------

pub async fn evidence_list(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    ok(st.svc.evidence_list(&s, &id).await?)
}

pub async fn evidence_bytes(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path(id): Path<String>,
) -> R {
    let f = st.svc.evidence_bytes(&s, &id).await?;
    let mut resp = f.bytes.into_response();
    let ct = HeaderValue::from_str(&f.evidence.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    resp.headers_mut().insert(header::CONTENT_TYPE, ct);
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", f.evidence.sha256)) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    Ok(resp)
}

pub async fn remove_evidence(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path(id): Path<String>,
) -> R {
    st.svc.remove_evidence(&s, &id).await?;
    no_content()
}

// ---------------------------------------------------------------------------------------------
// Announcements (publishers)
// ---------------------------------------------------------------------------------------------

#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct StateQuery {
    #[serde(default)]
    #[param(value_type = Option<AnnouncementState>)]
    pub state: Option<String>,
}

pub async fn own_announcements(
    State(st): State<AppState>,
    Auth(s): Auth,
    Q(q): Q<StateQuery>,
    Q(page): Q<PageRequest>,
) -> R {
    let state: Option<AnnouncementState> = q
        .state
        .as_deref()
        .map(|c| parse_code("state", c))
        .transpose()?;
    ok(st.svc.own_announcements(&s, state, &page).await?)
}

pub async fn create_announcement(
    State(st): State<AppState>,
    Auth(s): Auth,
    Body(b): Body<AnnouncementDraft>,
) -> R {
    tagged(
        StatusCode::CREATED,
        st.svc.create_announcement(&s, &b).await?,
    )
}

pub async fn own_announcement(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path(id): Path<String>,
) -> R {
    read(st.svc.own_announcement(&s, &id).await?)
}

pub async fn update_announcement(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path(id): Path<String>,
    Body(b): Body<AnnouncementDraft>,
) -> R {
    read(st.svc.update_announcement(&s, &id, v, &b).await?)
}

pub async fn delete_announcement(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path(id): Path<String>,
) -> R {
    st.svc.delete_announcement(&s, &id, v).await?;
    no_content()
}

/// The `{action}` of `POST /admin/announcements/{id}/{action}`.
pub const ANNOUNCEMENT_ACTIONS: &[&str] = &["publish", "withdraw"];

/// `publish` or `withdraw` an announcement.
pub async fn announcement_action(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path((id, action)): Path<(String, String)>,
) -> R {
    match action.as_str() {
        "publish" => read(st.svc.publish_announcement(&s, &id, v).await?),
        "withdraw" => read(st.svc.withdraw_announcement(&s, &id, v).await?),
        _ => Err(unknown_action(&action, ANNOUNCEMENT_ACTIONS)),
    }
}

// ---------------------------------------------------------------------------------------------
// Review chains
// ---------------------------------------------------------------------------------------------

pub async fn chain(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path((code, tier)): Path<(String, String)>,
) -> R {
    let tier: Tier = parse_code("tier", &tier)?;
    read(st.svc.chain(&s, &code, tier).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainLevels {
    /// Review levels in order: `county`, `city`, `province`, `ministry`.
    pub levels: Vec<ReviewLevel>,
}

/// Sets a chain; `If-Match` names the version replaced (absent only for an authority's first
/// configuration).
pub async fn set_chain(
    State(st): State<AppState>,
    Auth(s): Auth,
    headers: HeaderMap,
    Path((code, tier)): Path<(String, String)>,
    Body(b): Body<ChainLevels>,
) -> R {
    let tier: Tier = parse_code("tier", &tier)?;
    let expected = match headers.get(header::IF_MATCH) {
        None => None,
        Some(v) => Some(crate::api::extract::parse_version(v).ok_or_else(|| {
            ApiError::bad_request(
                "If-Match",
                Text::new(
                    "If-Match 应为读取时返回的 ETag（如 \"3\"）。",
                    "If-Match should be the ETag returned by the last read (e.g. \"3\").",
                ),
            )
        })?),
    };
    match st.svc.set_chain(&s, &code, tier, b.levels, expected).await {
        Ok(c) => read(c),
        Err(e) if expected.is_none() => Err(ApiError::Unconditional(e)),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Staff accounts and support
// ---------------------------------------------------------------------------------------------

pub async fn create_staff(
    State(st): State<AppState>,
    Auth(s): Auth,
    Body(b): Body<StaffAccount>,
) -> R {
    created(st.svc.create_staff_account(&s, b).await?)
}

/// How many sessions were revoked.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Revoked {
    pub revoked: u64,
}

pub async fn revoke_sessions(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path(id): Path<String>,
) -> R {
    ok(Revoked {
        revoked: st.svc.revoke_all(&s, &id).await?,
    })
}

pub async fn support_requests(
    State(st): State<AppState>,
    Auth(s): Auth,
    Q(f): Q<RequestFilter>,
    Q(page): Q<PageRequest>,
) -> R {
    ok(st.svc.support_requests(&s, &f, &page).await?)
}

pub async fn support_request(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path(id): Path<String>,
) -> R {
    read(st.svc.support_request(&s, &id).await?)
}

/// The `{action}` of `POST /support/requests/{id}/{action}`.
pub const SUPPORT_ACTIONS: &[&str] = &["approve", "reject"];

/// `approve` or `reject` a support request.
pub async fn support_action(
    State(st): State<AppState>,
    Auth(s): Auth,
    IdemKey(key): IdemKey,
    Path((id, action)): Path<(String, String)>,
    OptBody(b): OptBody<Reason>,
) -> R {
    let fp = fingerprint(&format!("support.{action}"), &id, 0, &b);
    let svc = &st.svc;
    once(&st, &s, key, &fp, StatusCode::OK, async {
        Ok(match action.as_str() {
            "approve" => {
                svc.approve_support_request_with_note(&s, &id, &b.reason)
                    .await?
            }
            "reject" => svc.reject_support_request(&s, &id, &b.reason).await?,
            _ => return Err(unknown_action(&action, SUPPORT_ACTIONS)),
        })
    })
    .await
}

pub async fn unlock_account(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path(id): Path<String>,
) -> R {
    st.svc.unlock_account(&s, &id).await?;
    no_content()
}

#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    #[serde(default)]
    pub uscc: Option<String>,
    #[serde(default)]
    pub login_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

pub async fn lookup_accounts(State(st): State<AppState>, Auth(s): Auth, Q(q): Q<LookupQuery>) -> R {
    let lookup = match (q.uscc, q.login_name, q.phone) {
        (Some(u), None, None) => AccountLookup::Uscc(u),
        (None, Some(l), None) => AccountLookup::LoginName(l),
        (None, None, Some(p)) => AccountLookup::Phone(p),
        _ => {
            return Err(ApiError::bad_request(
                "query",
                Text::new(
                    "请只给出 uscc、login_name、phone 三者之一。",
                    "Give exactly one of uscc, login_name, phone.",
                ),
            ));
        }
    };
    ok(st.svc.lookup_accounts(&s, &lookup).await?)
}

// The enterprise's past 复核 applications and info updates (src/service/history.rs).

pub async fn reexam_history(
    State(st): State<AppState>,
    Auth(s): Auth,
    Q(page): Q<PageRequest>,
) -> R {
    ok(st.svc.reexam_history(&s, &page).await?)
}

pub async fn reexam_detail(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    read(st.svc.reexam_detail(&s, &id).await?)
}

pub async fn update_history(
    State(st): State<AppState>,
    Auth(s): Auth,
    Q(page): Q<PageRequest>,
) -> R {
    ok(st.svc.update_history(&s, &page).await?)
}
