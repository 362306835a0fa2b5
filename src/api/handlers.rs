//! The handlers: each maps the request to one service call and its result to a response. No
//! business rule lives here.

use crate::api::extract::{AppState, Auth, Body, ClientAddr, IdemKey, IfMatch, OptBody, Q, etag};
use crate::api::idempotency::{json_response, once};
use crate::api::problem::ApiError;
use crate::domain::assessment::Questionnaire;
use crate::domain::rules::Inputs;
use crate::domain::text::Text;
use crate::domain::tiers::AssessmentCategory;
use crate::domain::tiers::Tier;
use crate::service::accounts::{ManualPhoneChange, RealName, RecoveryRequest, Registration};
use crate::service::announcements::AnnouncementFilter;
use crate::service::assessment::AnswerInput;
use crate::service::declarations::DeclarationFilter;
use crate::service::enterprise::EnterpriseUpdate;
use crate::service::export::ExportFormat;
use crate::service::query::QueryRequest;
use crate::service::review::{BulkDecision, QueueFilter};
use crate::service::throttle::Throttled;
use crate::service::uploads::NewUpload;
use crate::service::windows::{NewWindow, WindowFilter};
use crate::service::{PageRequest, ServiceError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::api::reply::{R, created, no_content, ok, unknown_action};

/// A versioned read: the body with `ETag: "<version>"`.
fn tagged<T: Serialize>(version: i64, v: T) -> R {
    let mut resp = json_response(StatusCode::OK, &v);
    resp.headers_mut().insert(header::ETAG, etag(version));
    Ok(resp)
}

/// The fingerprint of an idempotent request: what it does, to what, at which version, with
/// which body.
fn fingerprint<T: Serialize>(op: &str, id: &str, version: i64, body: &T) -> String {
    format!(
        "{op}\n{id}\n{version}\n{}",
        serde_json::to_string(body).unwrap_or_default()
    )
}

// ---------------------------------------------------------------------------------------------
// Health
// ---------------------------------------------------------------------------------------------

/// The answer of `/healthz`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` while the server answers.
    pub status: String,
}

pub async fn healthz() -> impl IntoResponse {
    Json(Health {
        status: "ok".to_string(),
    })
}

// ---------------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------------

pub async fn register(State(st): State<AppState>, Body(r): Body<Registration>) -> R {
    created(st.svc.register(r).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// Login name, phone or (legal person) USCC.
    pub identifier: String,
    pub password: String,
}

pub async fn login(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(b): Body<LoginBody>,
) -> R {
    st.svc.throttle(Throttled::LogIn, &addr).await?;
    created(st.svc.login(&b.identifier, &b.password).await?)
}

pub async fn logout(State(st): State<AppState>, Auth(s): Auth) -> R {
    st.svc.logout(&s).await?;
    no_content()
}

pub async fn me(State(st): State<AppState>, Auth(s): Auth) -> R {
    ok(st.svc.me(&s).await?)
}

pub async fn verify_real_name(
    State(st): State<AppState>,
    Auth(s): Auth,
    Body(r): Body<RealName>,
) -> R {
    ok(st.svc.verify_real_name(&s, r).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub old_password: String,
    pub new_password: String,
}

pub async fn change_password(
    State(st): State<AppState>,
    Auth(s): Auth,
    Body(b): Body<PasswordChange>,
) -> R {
    st.svc
        .change_password(&s, &b.old_password, &b.new_password)
        .await?;
    no_content()
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Identifier {
    /// Login name, phone or (legal person) USCC.
    pub identifier: String,
}

pub async fn request_password_reset(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(b): Body<Identifier>,
) -> R {
    st.svc.throttle(Throttled::Codes, &addr).await?;
    created(st.svc.request_password_reset(&b.identifier).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub identifier: String,
    /// The code sent to the bound phone.
    pub code: String,
    pub new_password: String,
}

pub async fn reset_password(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(b): Body<PasswordReset>,
) -> R {
    st.svc.throttle(Throttled::Codes, &addr).await?;
    st.svc
        .reset_password(&b.identifier, &b.code, &b.new_password)
        .await?;
    no_content()
}

pub async fn request_phone_change_code(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(b): Body<Identifier>,
) -> R {
    st.svc.throttle(Throttled::Codes, &addr).await?;
    created(st.svc.request_phone_change_code(&b.identifier).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneChange {
    pub identifier: String,
    /// The code sent to the bound e-mail.
    pub code: String,
    pub new_phone: String,
}

pub async fn change_phone_by_email(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(b): Body<PhoneChange>,
) -> R {
    st.svc.throttle(Throttled::Codes, &addr).await?;
    st.svc
        .change_phone_by_email(&b.identifier, &b.code, &b.new_phone)
        .await?;
    no_content()
}

pub async fn manual_phone_change(
    State(st): State<AppState>,
    Body(b): Body<ManualPhoneChange>,
) -> R {
    created(st.svc.request_manual_phone_change(b).await?)
}

pub async fn account_recovery(State(st): State<AppState>, Body(b): Body<RecoveryRequest>) -> R {
    created(st.svc.request_account_recovery(b).await?)
}

// ---------------------------------------------------------------------------------------------
// Public
// ---------------------------------------------------------------------------------------------

pub async fn announcements(
    State(st): State<AppState>,
    Q(filter): Q<AnnouncementFilter>,
    Q(page): Q<PageRequest>,
) -> R {
    ok(st.svc.announcements(&filter, &page).await?)
}

pub async fn announcement(State(st): State<AppState>, Path(id): Path<String>) -> R {
    ok(st.svc.announcement(&id).await?)
}

pub async fn query_challenge(State(st): State<AppState>, ClientAddr(addr): ClientAddr) -> R {
    created(st.svc.query_challenge(&addr).await?)
}

pub async fn query_certifications(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(q): Body<QueryRequest>,
) -> R {
    ok(st.svc.query_certifications(&addr, &q).await?)
}

#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct PickerQuery {
    /// The parent code (none: the top level).
    #[serde(default)]
    pub parent: Option<String>,
    /// Search text instead of a level.
    #[serde(default)]
    pub q: Option<String>,
}

pub async fn industries(State(st): State<AppState>, Q(q): Q<PickerQuery>) -> R {
    match q.q {
        Some(text) => ok(st.svc.industry_search(&text)),
        None => ok(st.svc.industry_children(q.parent.as_deref())?),
    }
}

pub async fn regions(State(st): State<AppState>, Q(q): Q<PickerQuery>) -> R {
    match q.q {
        Some(text) => ok(st.svc.region_search(&text)),
        None => ok(st.svc.region_children(q.parent.as_deref())?),
    }
}

pub async fn authority_windows(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Q(filter): Q<WindowFilter>,
    Q(page): Q<PageRequest>,
) -> R {
    ok(st.svc.windows(&code, &filter, &page).await?)
}

// ---------------------------------------------------------------------------------------------
// Enterprise
// ---------------------------------------------------------------------------------------------

pub async fn enterprise(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    let e = st.svc.enterprise(&s, &id).await?;
    tagged(e.version, e)
}

fn own_enterprise(s: &crate::service::Session) -> Result<String, ApiError> {
    s.enterprise_id.clone().ok_or_else(|| {
        ServiceError::not_found(Text::new(
            "本账号的企业（请先完成法人实名认证）",
            "the account's enterprise (complete the legal-person real-name verification first)",
        ))
        .into()
    })
}

pub async fn own_enterprise_view(State(st): State<AppState>, Auth(s): Auth) -> R {
    let id = own_enterprise(&s)?;
    let e = st.svc.enterprise(&s, &id).await?;
    tagged(e.version, e)
}

pub async fn update_enterprise(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Body(u): Body<EnterpriseUpdate>,
) -> R {
    let e = st.svc.update_enterprise(&s, v, u).await?;
    tagged(e.version, e)
}

// ---------------------------------------------------------------------------------------------
// Assessment
// ---------------------------------------------------------------------------------------------

fn category(code: &str) -> Result<AssessmentCategory, ApiError> {
    serde_json::from_value(serde_json::Value::String(code.to_string())).map_err(|_| {
        ApiError::bad_request(
            "category",
            Text::new(
                "问卷类别应为 manufacturing、producer_services 或 other。",
                "The category should be manufacturing, producer_services or other.",
            ),
        )
    })
}

pub async fn questionnaire(Path(code): Path<String>) -> R {
    let q: &Questionnaire = Questionnaire::builtin(category(&code)?);
    ok(q)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartAssessment {
    /// The questionnaire (natural persons choose; enterprises get their class's).
    #[serde(default)]
    pub category: Option<AssessmentCategory>,
}

pub async fn start_assessment(
    State(st): State<AppState>,
    Auth(s): Auth,
    OptBody(b): OptBody<StartAssessment>,
) -> R {
    let a = match b.category {
        Some(c) => st.svc.start_assessment_for_category(&s, c).await?,
        None => st.svc.start_assessment(&s).await?,
    };
    created(a)
}

pub async fn assessments(State(st): State<AppState>, Auth(s): Auth, Q(p): Q<PageRequest>) -> R {
    ok(st.svc.assessments(&s, &p).await?)
}

pub async fn assessment(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    let a = st.svc.assessment(&s, &id).await?;
    tagged(a.summary.version, a)
}

pub async fn save_answers(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path(id): Path<String>,
    Body(answers): Body<AnswerInput>,
) -> R {
    let saved = st.svc.save_answers(&s, &id, v, &answers).await?;
    tagged(saved.version, saved)
}

pub async fn complete_assessment(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path(id): Path<String>,
) -> R {
    let a = st.svc.complete_assessment(&s, &id, v).await?;
    tagged(a.summary.version, a)
}

pub async fn discard_assessment(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path(id): Path<String>,
) -> R {
    st.svc.discard_assessment(&s, &id, v).await?;
    no_content()
}

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

pub async fn open_windows(State(st): State<AppState>, Auth(s): Auth) -> R {
    ok(st.svc.open_windows_for_enterprise(&s).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeclaration {
    /// `innovative`, `specialized` or `little_giant`.
    pub tier: Tier,
    pub window_id: String,
}

pub async fn create_declaration(
    State(st): State<AppState>,
    Auth(s): Auth,
    Body(b): Body<NewDeclaration>,
) -> R {
    let d = st.svc.create_declaration(&s, b.tier, &b.window_id).await?;
    let mut resp = created(d.clone())?;
    resp.headers_mut().insert(header::ETAG, etag(d.version));
    Ok(resp)
}

pub async fn declarations(
    State(st): State<AppState>,
    Auth(s): Auth,
    Q(filter): Q<DeclarationFilter>,
    Q(page): Q<PageRequest>,
) -> R {
    ok(st.svc.my_declarations(&s, &filter, &page).await?)
}

pub async fn declaration(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    let d = st.svc.declaration(&s, &id).await?;
    tagged(d.summary.version, d)
}

pub async fn declaration_form(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path(id): Path<String>,
) -> R {
    ok(st.svc.declaration_form(&s, &id).await?)
}

pub async fn save_declaration(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path(id): Path<String>,
    Body(inputs): Body<Inputs>,
) -> R {
    let saved = st.svc.save_declaration(&s, &id, v, inputs).await?;
    tagged(saved.declaration.version, saved)
}

pub async fn evaluate_declaration(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path(id): Path<String>,
) -> R {
    ok(st.svc.evaluate_declaration(&s, &id).await?)
}

pub async fn delete_declaration(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path(id): Path<String>,
) -> R {
    st.svc.delete_declaration(&s, &id, v).await?;
    no_content()
}

pub async fn submit_declaration(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    IdemKey(key): IdemKey,
    Path(id): Path<String>,
) -> R {
    let fp = fingerprint("declaration.submit", &id, v, &());
    once(&st, &s, key, &fp, StatusCode::OK, async {
        Ok(st.svc.submit_declaration(&s, &id, v).await?)
    })
    .await
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdraw {
    /// Confirms a withdrawal after the window closed (no resubmission possible).
    #[serde(default)]
    pub confirm: bool,
}

pub async fn withdraw_declaration(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    IdemKey(key): IdemKey,
    Path(id): Path<String>,
    OptBody(b): OptBody<Withdraw>,
) -> R {
    let fp = fingerprint("declaration.withdraw", &id, v, &b);
    once(&st, &s, key, &fp, StatusCode::OK, async {
        Ok(st.svc.withdraw_declaration(&s, &id, v, b.confirm).await?)
    })
    .await
}

#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    #[serde(default)]
    #[param(value_type = Option<ExportFormat>)]
    pub format: Option<String>,
}

pub async fn export_declaration(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path(id): Path<String>,
    Q(q): Q<ExportQuery>,
) -> R {
    let format: ExportFormat = match q.format.as_deref() {
        None => ExportFormat::Html,
        Some(f) => {
            serde_json::from_value(serde_json::Value::String(f.to_string())).map_err(|_| {
                ApiError::bad_request(
                    "format",
                    Text::new("导出格式不受支持。", "Unsupported export format."),
                )
            })?
        }
    };
    let text = st.svc.export_declaration(&s, &id, format).await?;
    let mut resp = text.into_response();
    let ct = match format {
        ExportFormat::Html => "text/html; charset=utf-8",
        ExportFormat::Text => "text/plain; charset=utf-8",
    };
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(resp)
}

// ---------------------------------------------------------------------------------------------
// Uploads (resumable evidence)
// ---------------------------------------------------------------------------------------------

/// The header carrying the byte offset of a chunk and the current offset of an upload.
pub const UPLOAD_OFFSET: &str = "upload-offset";

fn with_offset(mut resp: Response, offset: u64) -> R {
    resp.headers_mut()
        .insert(UPLOAD_OFFSET, HeaderValue::from(offset));
    Ok(resp)
}

pub async fn create_upload(
    State(st): State<AppState>,
    Auth(s): Auth,
    Body(b): Body<NewUpload>,
) -> R {
    created(st.svc.create_upload(&s, b).await?)
}

pub async fn upload(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    let u = st.svc.upload(&s, &id).await?;
    let offset = st.svc.upload_offset(&s, &id).await?;
    with_offset(json_response(StatusCode::OK, &u), offset)
}

pub async fn upload_head(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    let offset = st.svc.upload_offset(&s, &id).await?;
    with_offset(StatusCode::NO_CONTENT.into_response(), offset)
}

#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct OffsetQuery {
    #[serde(default)]
    pub offset: Option<u64>,
}

/// Appends a chunk at `Upload-Offset` (header) or `?offset=`; answers the new offset.
pub async fn append_chunk(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path(id): Path<String>,
    Q(q): Q<OffsetQuery>,
    headers: HeaderMap,
    bytes: Bytes,
) -> R {
    let header_offset = match headers.get(UPLOAD_OFFSET) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "Upload-Offset",
                        Text::new(
                            "Upload-Offset 应为非负整数（字节偏移）。",
                            "Upload-Offset should be a non-negative whole number (bytes).",
                        ),
                    )
                })?,
        ),
    };
    let Some(offset) = header_offset.or(q.offset) else {
        return Err(ApiError::bad_request(
            "Upload-Offset",
            Text::new(
                "请用 Upload-Offset 请求头或 offset 参数给出本段的起始偏移。",
                "Give the chunk's starting offset in the Upload-Offset header or the offset \
                 parameter.",
            ),
        ));
    };
    let now = st.svc.append_chunk(&s, &id, offset, &bytes).await?;
    with_offset(StatusCode::NO_CONTENT.into_response(), now)
}

pub async fn finish_upload(
    State(st): State<AppState>,
    Auth(s): Auth,
    IdemKey(key): IdemKey,
    Path(id): Path<String>,
) -> R {
    let fp = fingerprint("upload.finish", &id, 0, &());
    once(&st, &s, key, &fp, StatusCode::CREATED, async {
        Ok(st.svc.finish_upload(&s, &id).await?)
    })
    .await
}

pub async fn abort_upload(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    st.svc.abort_upload(&s, &id).await?;
    no_content()
}

// ---------------------------------------------------------------------------------------------
// Review
// ---------------------------------------------------------------------------------------------

pub async fn queue(
    State(st): State<AppState>,
    Auth(s): Auth,
    Q(filter): Q<QueueFilter>,
    Q(page): Q<PageRequest>,
) -> R {
    ok(st.svc.queue(&s, &filter, &page).await?)
}

pub async fn queue_counts(State(st): State<AppState>, Auth(s): Auth, Q(f): Q<QueueFilter>) -> R {
    ok(st.svc.queue_counts(&s, &f).await?)
}

pub async fn review_item(State(st): State<AppState>, Auth(s): Auth, Path(id): Path<String>) -> R {
    let d = st.svc.review_item(&s, &id).await?;
    tagged(d.item.version, d)
}

#[derive(Deserialize, Serialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// A pass: an optional note (≤ 500 characters). A return or rejection: the reason.
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The `{action}` of `POST /review/items/{id}/{action}`.
pub const REVIEW_ACTIONS: &[&str] = &["claim", "pass", "return", "reject"];

pub async fn decide(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    IdemKey(key): IdemKey,
    Path((id, action)): Path<(String, String)>,
    OptBody(b): OptBody<Decision>,
) -> R {
    let fp = fingerprint(&format!("review.{action}"), &id, v, &b);
    let svc = &st.svc;
    let act = async {
        let done = match action.as_str() {
            "claim" => svc.claim(&s, &id, v).await?,
            "pass" => svc.pass(&s, &id, v, b.note.clone()).await?,
            "return" => {
                svc.return_item(&s, &id, v, b.reason.clone().unwrap_or_default())
                    .await?
            }
            "reject" => {
                svc.reject(&s, &id, v, b.reason.clone().unwrap_or_default())
                    .await?
            }
            _ => return Err(unknown_action(&action, REVIEW_ACTIONS)),
        };
        Ok(done)
    };
    once(&st, &s, key, &fp, StatusCode::OK, act).await
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkItem {
    pub id: String,
    pub version: i64,
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    pub items: Vec<BulkItem>,
    /// `{"decision":"pass"}`, `{"decision":"return","reason":…}`, `{"decision":"reject",…}`.
    pub decision: BulkDecision,
}

/// The outcome of one item of a bulk decision: the decision or the problem.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BulkOutcome {
    pub id: String,
    pub ok: bool,
    /// The decision, when `ok`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<crate::service::review::Decided>,
    /// Why not, when not `ok`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<crate::api::problem::Problem>,
}

pub async fn bulk(
    State(st): State<AppState>,
    Auth(s): Auth,
    IdemKey(key): IdemKey,
    Body(b): Body<BulkBody>,
) -> R {
    let fp = fingerprint("review.bulk", "", 0, &b);
    let svc = &st.svc;
    let items: Vec<(String, i64)> = b.items.iter().map(|i| (i.id.clone(), i.version)).collect();
    let decision = b.decision.clone();
    once(&st, &s, key, &fp, StatusCode::OK, async {
        let results = svc.bulk_decide(&s, items, decision).await?;
        Ok(results
            .into_iter()
            .map(|r| match r.outcome {
                Ok(d) => BulkOutcome {
                    id: r.id,
                    ok: true,
                    result: Some(d),
                    problem: None,
                },
                Err(e) => BulkOutcome {
                    id: r.id,
                    ok: false,
                    result: None,
                    problem: Some(ApiError::Service(e).problem()),
                },
            })
            .collect::<Vec<_>>())
    })
    .await
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    #[serde(default)]
    pub action: Option<crate::service::reasons::ReasonAction>,
}

/// The values of `{action}` in `PUT /admin/reason-templates/{action}`.
pub const TEMPLATE_ACTIONS: &[&str] = &["pass", "return", "reject"];

/// `PUT /admin/reason-templates/{action}`: a province admin replaces the authority's list.
pub async fn set_reason_templates(
    State(st): State<AppState>,
    Auth(s): Auth,
    Path(action): Path<String>,
    Body(list): Body<crate::service::reasons::TemplateList>,
) -> R {
    let action = crate::service::reasons::ReasonAction::from_code(&action)
        .ok_or_else(|| unknown_action(&action, TEMPLATE_ACTIONS))?;
    ok(st.svc.set_reason_templates(&s, action, &list).await?)
}

pub async fn reason_templates(
    State(st): State<AppState>,
    Auth(s): Auth,
    Q(q): Q<TemplateQuery>,
) -> R {
    ok(st.svc.reason_templates(&s, q.action).await?)
}

// ---------------------------------------------------------------------------------------------
// Admin
// ---------------------------------------------------------------------------------------------

pub async fn open_window(State(st): State<AppState>, Auth(s): Auth, Body(b): Body<NewWindow>) -> R {
    let w = st.svc.open_window(&s, b).await?;
    let mut resp = created(w.clone())?;
    resp.headers_mut().insert(header::ETAG, etag(w.version));
    Ok(resp)
}

pub async fn close_window(
    State(st): State<AppState>,
    Auth(s): Auth,
    IfMatch(v): IfMatch,
    Path(id): Path<String>,
) -> R {
    let w = st.svc.close_window(&s, &id, v).await?;
    tagged(w.version, w)
}
