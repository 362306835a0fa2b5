//! The OpenAPI 3.1 document, built from the operation table below (one row per route of
//! [`super::router`]; a test walks the table against the router) and the schemas derived from the
//! code: request bodies, responses and query parameters come from the very Rust types the
//! handlers read and answer (`utoipa::ToSchema`, `utoipa::IntoParams`). Hand-written schemas are
//! few and documented where they are built: pages and lists of a component ([`page_of`],
//! [`list_of`]), the workflow state (serialised through another type), this document itself, and
//! the path parameters that are codes (`{action}`, `{tier}`, `{category}`).
//!
//! Error answers: every operation lists the statuses it can answer ([`Op::error_statuses`]), each
//! an `application/problem+json` body of the `Problem` schema.

use crate::api::handlers as h;
use crate::api::lifecycle as l;
use crate::api::problem::{Problem, ProblemField, ProblemWayOut};
use axum::Json;
use axum::response::IntoResponse;
use std::sync::OnceLock;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, SchemaType, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HeaderBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths,
    Ref, RefOr, Required, Schema,
};
use utoipa::{IntoParams, PartialSchema, ToSchema};

/// What a request carries in its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Nothing,
    /// A JSON body of this component schema.
    Json(&'static str),
    /// An optional JSON body of this component schema (empty: its defaults).
    OptJson(&'static str),
    /// Raw bytes (an upload chunk).
    Octets,
}

/// What a successful response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Out {
    /// No body (204 and HEAD).
    Empty,
    /// A JSON body of this component schema.
    Json(&'static str),
    /// An exported declaration: HTML or plain text.
    Document,
    /// The bytes of an evidence file, typed by its sniffed content.
    Evidence,
}

/// Whether an operation needs `If-Match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    None,
    /// Required: 428 without it, 412 when stale.
    Required,
    /// Optional (a review chain's first configuration has no version to send): 409 when an
    /// unconditional change meets an existing record, 412 when stale.
    Optional,
}

/// The query parameters of one query type of a handler.
pub type Params = fn() -> Vec<Parameter>;

/// The query parameters of `T`, as the handler's `Q<T>` extractor reads them.
pub fn q<T: IntoParams>() -> Vec<Parameter> {
    T::into_params(|| Some(ParameterIn::Query))
}

/// One operation of the API.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    pub method: &'static str,
    /// Under `/api/v1` unless it starts with `/healthz`.
    pub path: &'static str,
    pub id: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub auth: bool,
    pub if_match: Precondition,
    pub idempotent: bool,
    /// The response carries `ETag: "<version>"`.
    pub etag: bool,
    pub body: In,
    /// Success status.
    pub ok: u16,
    pub returns: Out,
    /// The query types the handler reads.
    pub params: &'static [Params],
    /// The values of an `{action}` path segment.
    pub actions: &'static [&'static str],
    /// Error statuses besides those that follow from the rest of the row (see
    /// [`Op::error_statuses`]).
    pub errors: &'static [u16],
}

const fn op(method: &'static str, path: &'static str, id: &'static str) -> Op {
    Op {
        method,
        path,
        id,
        tag: "",
        summary: "",
        auth: false,
        if_match: Precondition::None,
        idempotent: false,
        etag: false,
        body: In::Nothing,
        ok: 200,
        returns: Out::Empty,
        params: &[],
        actions: &[],
        errors: &[],
    }
}

impl Op {
    const fn tag(mut self, tag: &'static str, summary: &'static str) -> Op {
        self.tag = tag;
        self.summary = summary;
        self
    }
    const fn auth(mut self) -> Op {
        self.auth = true;
        self
    }
    const fn if_match(mut self) -> Op {
        self.if_match = Precondition::Required;
        self
    }
    const fn if_match_optional(mut self) -> Op {
        self.if_match = Precondition::Optional;
        self
    }
    const fn idem(mut self) -> Op {
        self.idempotent = true;
        self
    }
    const fn etag(mut self) -> Op {
        self.etag = true;
        self
    }
    const fn body(mut self, b: In) -> Op {
        self.body = b;
        self
    }
    const fn status(mut self, s: u16) -> Op {
        self.ok = s;
        self
    }
    const fn returns(mut self, schema: &'static str) -> Op {
        self.returns = Out::Json(schema);
        self
    }
    const fn out(mut self, out: Out) -> Op {
        self.returns = out;
        self
    }
    const fn params(mut self, p: &'static [Params]) -> Op {
        self.params = p;
        self
    }
    const fn actions(mut self, a: &'static [&'static str]) -> Op {
        self.actions = a;
        self
    }
    const fn errors(mut self, e: &'static [u16]) -> Op {
        self.errors = e;
        self
    }

    /// The meta operations (`/healthz`, this document) answer no problems of their own.
    pub fn is_meta(&self) -> bool {
        self.tag == "meta"
    }

    /// The names of the path parameters, in order.
    pub fn path_params(&self) -> Vec<&'static str> {
        self.path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect()
    }

    /// Every error status the operation can answer, ascending: those that follow from the row
    /// — 400 for a malformed body, header, query or path; 401/403 for authenticated calls; 404
    /// for a path naming a record; 408 and 500 for every call; 409 (a rule refuses) for every
    /// change; 412/428 for `If-Match`; 413/422 for a body; 422 for a reused
    /// `Idempotency-Key` and for query values the service checks — plus [`Op::errors`].
    pub fn error_statuses(&self) -> Vec<u16> {
        if self.is_meta() {
            return Vec::new();
        }
        let mut s = vec![408, 500];
        let has_body = self.body != In::Nothing;
        let has_path = !self.path_params().is_empty();
        if has_body
            || has_path
            || !self.params.is_empty()
            || self.idempotent
            || self.if_match != Precondition::None
        {
            s.push(400);
        }
        if self.auth {
            s.extend([401, 403]);
        }
        if has_path {
            s.push(404);
        }
        if !matches!(self.method, "get" | "head") {
            s.push(409);
        }
        match self.if_match {
            Precondition::Required => s.extend([412, 428]),
            Precondition::Optional => s.push(412),
            Precondition::None => {}
        }
        if has_body {
            s.push(413);
        }
        if matches!(self.body, In::Json(_) | In::OptJson(_))
            || self.idempotent
            || !self.params.is_empty()
        {
            s.push(422);
        }
        s.extend_from_slice(self.errors);
        s.sort_unstable();
        s.dedup();
        s
    }
}

/// `?cursor=&limit=` of every list.
const PAGE: Params = q::<crate::service::PageRequest>;

/// Every operation the router serves.
pub const OPERATIONS: &[Op] = &[
    op("get", "/healthz", "healthz")
        .returns("Health")
        .tag("meta", "Liveness"),
    op("get", "/openapi.json", "openapi")
        .returns("OpenApiDocument")
        .tag("meta", "This document"),
    // accounts
    op("post", "/accounts", "register")
        .returns("AccountView")
        .tag("accounts", "Register an account (注册)")
        .body(In::Json("Registration"))
        .status(201),
    op("post", "/session", "login")
        .returns("LoginOk")
        .tag("accounts", "Log in: a bearer token")
        .body(In::Json("LoginBody"))
        .status(201)
        .errors(&[401, 423, 429]),
    op("delete", "/session", "logout")
        .tag("accounts", "Log out (revoke this token)")
        .auth()
        .status(204),
    op("get", "/me", "me")
        .returns("AccountView")
        .tag("accounts", "The caller's account")
        .auth(),
    op("post", "/me/real-name", "verify_real_name")
        .returns("AccountView")
        .tag("accounts", "Legal-person real-name verification (实名认证)")
        .auth()
        .body(In::Json("RealName")),
    op("put", "/me/password", "change_password")
        .tag("accounts", "Change the password")
        .auth()
        .body(In::Json("PasswordChange"))
        .status(204),
    op("post", "/password-reset", "request_password_reset")
        .returns("CodeSent")
        .tag("accounts", "Send a password-reset code to the bound phone")
        .body(In::Json("Identifier"))
        .status(201)
        .errors(&[401, 403, 404, 429]),
    op("post", "/password-reset/confirm", "reset_password")
        .tag("accounts", "Reset the password with the code")
        .body(In::Json("PasswordReset"))
        .status(204)
        .errors(&[401, 403, 404, 429]),
    op("post", "/phone-change/code", "request_phone_change_code")
        .returns("CodeSent")
        .tag("accounts", "Send a phone-change code to the bound e-mail")
        .body(In::Json("Identifier"))
        .status(201)
        .errors(&[401, 403, 404, 429]),
    op("post", "/phone-change/confirm", "change_phone_by_email")
        .tag("accounts", "Change the phone with the e-mail code")
        .body(In::Json("PhoneChange"))
        .status(204)
        .errors(&[401, 403, 404, 429]),
    op("post", "/phone-change/manual", "manual_phone_change")
        .returns("Ticket")
        .tag(
            "support",
            "Ask support to change the phone (manual verification)",
        )
        .body(In::Json("ManualPhoneChange"))
        .status(201)
        .errors(&[404]),
    op("post", "/account-recovery", "account_recovery")
        .returns("Ticket")
        .tag(
            "support",
            "Ask support to hand an enterprise account over (账号找回)",
        )
        .body(In::Json("RecoveryRequest"))
        .status(201)
        .errors(&[404]),
    // public
    op("get", "/announcements", "announcements")
        .returns("AnnouncementSummaryPage")
        .tag("public", "Published announcements")
        .params(&[q::<crate::service::announcements::AnnouncementFilter>, PAGE]),
    op("get", "/announcements/{id}", "announcement")
        .returns("PublicAnnouncement")
        .tag("public", "One announcement"),
    op("post", "/certification-query/challenge", "query_challenge")
        .returns("Challenge")
        .tag("public", "A challenge for the certification query")
        .status(201)
        .errors(&[429]),
    op("post", "/certification-query", "query_certifications")
        .returns("QueryAnswer")
        .tag(
            "public",
            "Query an enterprise's certifications (rate-limited per address)",
        )
        .body(In::Json("QueryRequest"))
        .errors(&[404, 429]),
    op("get", "/industries", "industries")
        .returns("IndustryEntries")
        .tag("public", "Industry picker (GB/T 4754)")
        .params(&[q::<h::PickerQuery>])
        .errors(&[404]),
    op("get", "/regions", "regions")
        .returns("RegionEntries")
        .tag("public", "Region picker (GB/T 2260)")
        .params(&[q::<h::PickerQuery>])
        .errors(&[404]),
    op("get", "/authorities/{code}/windows", "authority_windows")
        .returns("WindowViewPage")
        .tag("public", "Declaration windows of an authority")
        .params(&[q::<crate::service::windows::WindowFilter>, PAGE]),
    // enterprise
    op("get", "/enterprise", "own_enterprise")
        .returns("EnterpriseView")
        .tag("enterprise", "The caller's enterprise (ETag = version)")
        .auth()
        .etag()
        .errors(&[404]),
    op("patch", "/enterprise", "update_enterprise")
        .returns("EnterpriseView")
        .tag("enterprise", "Edit the basic information (企业基本信息)")
        .auth()
        .if_match()
        .etag()
        .body(In::Json("EnterpriseUpdate"))
        .errors(&[404]),
    op("get", "/enterprises/{id}", "enterprise")
        .returns("EnterpriseView")
        .tag("enterprise", "An enterprise (owner or staff in scope)")
        .auth()
        .etag(),
    // assessment
    op("get", "/questionnaires/{category}", "questionnaire")
        .returns("Questionnaire")
        .tag(
            "assessment",
            "A digital-level questionnaire (数字化水平评测)",
        ),
    op("get", "/assessments", "assessments")
        .returns("AssessmentSummaryPage")
        .tag("assessment", "The caller's assessment history")
        .auth()
        .params(&[PAGE]),
    op("post", "/assessments", "start_assessment")
        .returns("AssessmentDetail")
        .tag("assessment", "Start (or resume) an assessment")
        .auth()
        .body(In::OptJson("StartAssessment"))
        .status(201)
        .errors(&[404]),
    op("get", "/assessments/{id}", "assessment")
        .returns("AssessmentDetail")
        .tag("assessment", "One assessment (ETag = version)")
        .auth()
        .etag(),
    op("delete", "/assessments/{id}", "discard_assessment")
        .tag("assessment", "Discard an open assessment")
        .auth()
        .if_match()
        .status(204),
    op("put", "/assessments/{id}/answers", "save_answers")
        .returns("SavedAnswers")
        .tag("assessment", "Save answers (question id → option index)")
        .auth()
        .if_match()
        .etag()
        .body(In::Json("Answers")),
    op("post", "/assessments/{id}/complete", "complete_assessment")
        .returns("AssessmentDetail")
        .tag("assessment", "Complete an assessment")
        .auth()
        .if_match()
        .etag(),
    // declarations
    op("get", "/windows/open", "open_windows")
        .returns("EnterpriseWindows")
        .tag(
            "declarations",
            "Windows the caller's enterprise may declare in",
        )
        .auth()
        .errors(&[404]),
    op("get", "/declarations", "declarations")
        .returns("DeclarationSummaryPage")
        .tag("declarations", "The enterprise's declarations")
        .auth()
        .params(&[q::<crate::service::declarations::DeclarationFilter>, PAGE]),
    op("post", "/declarations", "create_declaration")
        .returns("DeclarationSummary")
        .tag("declarations", "Create a declaration draft (申报)")
        .auth()
        .etag()
        .body(In::Json("NewDeclaration"))
        .status(201)
        .errors(&[404]),
    op("get", "/declarations/{id}", "declaration")
        .returns("DeclarationDetail")
        .tag("declarations", "One declaration (ETag = version)")
        .auth()
        .etag(),
    op("delete", "/declarations/{id}", "delete_declaration")
        .tag("declarations", "Delete a never-submitted draft")
        .auth()
        .if_match()
        .status(204),
    op("get", "/declarations/{id}/form", "declaration_form")
        .returns("DeclarationForm")
        .tag("declarations", "The declaration form")
        .auth(),
    op("put", "/declarations/{id}/inputs", "save_declaration")
        .returns("Saved")
        .tag("declarations", "Save the form inputs (field id → value)")
        .auth()
        .if_match()
        .etag()
        .body(In::Json("Inputs")),
    op(
        "get",
        "/declarations/{id}/evaluation",
        "evaluate_declaration",
    )
    .returns("Breakdown")
    .tag("declarations", "Live score and gates")
    .auth(),
    op("post", "/declarations/{id}/submit", "submit_declaration")
        .returns("DeclarationSummary")
        .tag("declarations", "Submit (提交)")
        .auth()
        .if_match()
        .idem(),
    op(
        "post",
        "/declarations/{id}/withdraw",
        "withdraw_declaration",
    )
    .returns("DeclarationSummary")
    .tag("declarations", "Withdraw (撤回)")
    .auth()
    .if_match()
    .idem()
    .body(In::OptJson("Withdraw")),
    op("get", "/declarations/{id}/export", "export_declaration")
        .out(Out::Document)
        .tag("declarations", "Export as HTML or text")
        .auth()
        .params(&[q::<h::ExportQuery>]),
    // uploads
    op("post", "/uploads", "create_upload")
        .returns("Upload")
        .tag(
            "uploads",
            "Create a resumable evidence upload (size and SHA-256)",
        )
        .auth()
        .body(In::Json("NewUpload"))
        .status(201)
        .errors(&[404]),
    op("get", "/uploads/{id}", "upload")
        .returns("Upload")
        .tag("uploads", "An upload and its offset (Upload-Offset)")
        .auth(),
    op("head", "/uploads/{id}", "upload_offset")
        .tag(
            "uploads",
            "The current offset (Upload-Offset), after a reconnect",
        )
        .auth()
        .status(204),
    op("patch", "/uploads/{id}", "append_chunk")
        .tag(
            "uploads",
            "Append a chunk at Upload-Offset (header) or ?offset=",
        )
        .auth()
        .body(In::Octets)
        .status(204)
        .params(&[q::<h::OffsetQuery>])
        .errors(&[412]),
    op("put", "/uploads/{id}", "append_chunk_put")
        .tag("uploads", "Append a chunk (as PATCH)")
        .auth()
        .body(In::Octets)
        .status(204)
        .params(&[q::<h::OffsetQuery>])
        .errors(&[412]),
    op("delete", "/uploads/{id}", "abort_upload")
        .tag("uploads", "Abort an upload")
        .auth()
        .status(204),
    op("post", "/uploads/{id}/finish", "finish_upload")
        .returns("Evidence")
        .tag(
            "uploads",
            "Finish: verify the SHA-256 and the content (zip, PDF, PNG or JPEG by its bytes), \
             attach. A refused file is a 409 whose problem type names the check \
             (`zip_path_escapes`, `zip_encrypted_entry`, `zip_bomb` …) and whose message names \
             the offending entry.",
        )
        .auth()
        .idem()
        .status(201)
        .errors(&[412]),
    // review
    op("get", "/review/queue", "queue")
        .returns("QueueEntryPage")
        .tag("review", "The reviewer's queue")
        .auth()
        .params(&[q::<crate::service::review::QueueFilter>, PAGE]),
    op("get", "/review/counts", "queue_counts")
        .returns("QueueCounts")
        .tag("review", "Queue counts per state and tier")
        .auth()
        .params(&[q::<crate::service::review::QueueFilter>]),
    op("get", "/review/items/{id}", "review_item")
        .returns("ReviewDetail")
        .tag("review", "What a reviewer decides on (ETag = version)")
        .auth()
        .etag(),
    op("post", "/review/items/{id}/{action}", "decide")
        .returns("Decided")
        .tag("review", "claim, pass, return or reject")
        .auth()
        .if_match()
        .idem()
        .actions(h::REVIEW_ACTIONS)
        .body(In::OptJson("Decision")),
    op("post", "/review/bulk", "bulk_decide")
        .returns("BulkOutcomes")
        .tag(
            "review",
            "One decision for many items, each checked on its own",
        )
        .auth()
        .idem()
        .body(In::Json("BulkBody")),
    // admin
    op("post", "/windows", "open_window")
        .returns("WindowView")
        .tag("admin", "Open a declaration window")
        .auth()
        .etag()
        .body(In::Json("NewWindow"))
        .status(201),
    op("post", "/windows/{id}/close", "close_window")
        .returns("WindowView")
        .tag("admin", "Close a window early")
        .auth()
        .if_match()
        .etag(),
    op("get", "/authorities/{code}/chains/{tier}", "chain")
        .returns("ChainView")
        .tag(
            "admin",
            "The review chain of an authority and tier (ETag = version)",
        )
        .auth()
        .etag(),
    op("put", "/authorities/{code}/chains/{tier}", "set_chain")
        .returns("ChainView")
        .tag(
            "admin",
            "Set the review chain (If-Match: the version replaced; absent only for the first)",
        )
        .auth()
        .if_match_optional()
        .etag()
        .body(In::Json("ChainLevels")),
    op("get", "/admin/announcements", "own_announcements")
        .returns("AnnouncementPage")
        .tag("admin", "The publisher's announcements")
        .auth()
        .params(&[q::<l::StateQuery>, PAGE]),
    op("post", "/admin/announcements", "create_announcement")
        .returns("Announcement")
        .tag("admin", "Draft an announcement")
        .auth()
        .etag()
        .body(In::Json("AnnouncementDraft"))
        .status(201),
    op("get", "/admin/announcements/{id}", "own_announcement")
        .returns("Announcement")
        .tag("admin", "One own announcement (ETag = version)")
        .auth()
        .etag(),
    op("put", "/admin/announcements/{id}", "update_announcement")
        .returns("Announcement")
        .tag("admin", "Edit a draft announcement")
        .auth()
        .if_match()
        .etag()
        .body(In::Json("AnnouncementDraft")),
    op("delete", "/admin/announcements/{id}", "delete_announcement")
        .tag("admin", "Delete a draft announcement")
        .auth()
        .if_match()
        .status(204),
    op(
        "post",
        "/admin/announcements/{id}/{action}",
        "announcement_action",
    )
    .returns("Announcement")
    .tag("admin", "publish or withdraw an announcement")
    .auth()
    .if_match()
    .etag()
    .actions(l::ANNOUNCEMENT_ACTIONS),
    op("post", "/staff", "create_staff")
        .returns("AccountView")
        .tag("admin", "Create a staff account")
        .auth()
        .body(In::Json("StaffAccount"))
        .status(201),
    op("post", "/accounts/{id}/revoke-sessions", "revoke_sessions")
        .returns("Revoked")
        .tag("admin", "Revoke every session of an account")
        .auth(),
    // inbox
    op("get", "/messages", "messages")
        .returns("Inbox")
        .tag("inbox", "The caller's messages")
        .auth()
        .params(&[q::<l::InboxQuery>, PAGE]),
    op("get", "/messages/latest", "latest_messages")
        .returns("LatestMessages")
        .tag("inbox", "The latest messages and unread counts")
        .auth()
        .params(&[q::<l::LimitQuery>]),
    op("post", "/messages/read", "mark_read")
        .returns("Marked")
        .tag("inbox", "Mark messages read")
        .auth()
        .body(In::Json("MarkRead"))
        .errors(&[404]),
    op("post", "/messages/read-all", "mark_all_read")
        .returns("Marked")
        .tag("inbox", "Mark all (of a category) read")
        .auth()
        .body(In::Json("MarkAllRead")),
    op("get", "/messages/{id}", "message")
        .returns("MessageView")
        .tag("inbox", "One message")
        .auth(),
    // lifecycle
    op(
        "get",
        "/enterprises/{id}/certifications",
        "enterprise_certifications",
    )
    .returns("Certifications")
    .tag("lifecycle", "An enterprise's certifications")
    .auth(),
    op("get", "/certifications/{id}", "certification")
        .returns("Certification")
        .tag("lifecycle", "One certification (ETag = version)")
        .auth()
        .etag(),
    op(
        "post",
        "/certifications/{id}/cancel",
        "cancel_certification",
    )
    .returns("Certification")
    .tag("lifecycle", "Cancel a certification (撤销)")
    .auth()
    .if_match()
    .idem()
    .body(In::Json("Cancel")),
    op("get", "/updates/status", "update_status")
        .returns("UpdateStatus")
        .tag(
            "lifecycle",
            "Where the enterprise's info update (信息更新) stands",
        )
        .auth()
        .errors(&[404]),
    op("post", "/updates", "start_update")
        .returns("Item")
        .tag("lifecycle", "Start an info update")
        .auth()
        .etag()
        .status(201)
        .errors(&[404]),
    op("get", "/updates/{id}", "update_detail")
        .returns("UpdateDetail")
        .tag("lifecycle", "One info update (ETag = version)")
        .auth()
        .etag(),
    op("put", "/updates/{id}", "save_update")
        .returns("Item")
        .tag("lifecycle", "Save the changes of an info update")
        .auth()
        .if_match()
        .etag()
        .body(In::Json("InfoChanges")),
    op("post", "/updates/{id}/{action}", "update_action")
        .returns("Item")
        .tag(
            "lifecycle",
            "submit, withdraw, accept or return an info update",
        )
        .auth()
        .if_match()
        .idem()
        .actions(l::UPDATE_ACTIONS)
        .body(In::OptJson("Reason")),
    op("get", "/changes", "changes")
        .returns("ChangePage")
        .tag("lifecycle", "Major changes (重大变更)")
        .auth()
        .params(&[q::<crate::service::changes::ChangeFilter>, PAGE])
        .errors(&[404]),
    op("post", "/changes", "create_change")
        .returns("Change")
        .tag("lifecycle", "Report a major change")
        .auth()
        .etag()
        .body(In::Json("ChangeInput"))
        .status(201)
        .errors(&[404]),
    op("get", "/changes/{id}", "change_detail")
        .returns("ChangeDetail")
        .tag("lifecycle", "One major change (ETag = version)")
        .auth()
        .etag(),
    op("put", "/changes/{id}", "edit_change")
        .returns("Change")
        .tag("lifecycle", "Edit a major change")
        .auth()
        .if_match()
        .etag()
        .body(In::Json("ChangeInput")),
    op("delete", "/changes/{id}", "delete_change")
        .tag("lifecycle", "Delete a draft major change")
        .auth()
        .if_match()
        .status(204),
    op("post", "/changes/{id}/{action}", "change_action")
        .returns("Change")
        .tag(
            "lifecycle",
            "submit, withdraw, acknowledge or return a major change",
        )
        .auth()
        .if_match()
        .idem()
        .actions(l::CHANGE_ACTIONS)
        .body(In::OptJson("Reason")),
    // suggestions for the basic information
    op("get", "/industries/{code}/segments", "segment_suggestions")
        .returns("Suggestions")
        .tag(
            "enterprise",
            "细分领域 suggestions: segments entered by enterprises of the class",
        )
        .auth()
        .params(&[q::<crate::api::suggest::SegmentQuery>]),
    op("get", "/industries/{code}/products", "product_suggestions")
        .returns("Suggestions")
        .tag(
            "enterprise",
            "主导产品 suggestions: products entered by enterprises of the class and segment",
        )
        .auth()
        .params(&[q::<crate::api::suggest::ProductQuery>]),
    op("get", "/reexam/candidates", "reexam_candidates")
        .returns("CandidatePage")
        .tag("lifecycle", "Certifications due for 复核")
        .auth()
        .params(&[q::<l::CandidateQuery>, PAGE]),
    op("post", "/reexam/flags", "set_review_flags")
        .returns("FlagResults")
        .tag("lifecycle", "Flag or unflag certifications for 复核")
        .auth()
        .body(In::Json("Flags")),
    op("get", "/reexam/status", "reexam_status")
        .returns("ReexamStatuses")
        .tag("lifecycle", "The enterprise's 复核 status")
        .auth()
        .errors(&[404]),
    op("post", "/reexam", "apply_reexam")
        .returns("Item")
        .tag("lifecycle", "Apply for 复核")
        .auth()
        .idem()
        .body(In::Json("ApplyReexam"))
        .status(201)
        .errors(&[404]),
    op("post", "/reexam/{id}/{action}", "reexam_action")
        .returns("Item")
        .tag("lifecycle", "withdraw or pass a 复核 application")
        .auth()
        .if_match()
        .idem()
        .actions(l::REEXAM_ACTIONS),
    // evidence
    op("get", "/items/{id}/evidence", "evidence_list")
        .returns("EvidenceViews")
        .tag("uploads", "The evidence of an item")
        .auth(),
    op("get", "/evidence/{id}", "evidence_bytes")
        .out(Out::Evidence)
        .tag("uploads", "The bytes of one evidence file")
        .auth(),
    op("delete", "/evidence/{id}", "remove_evidence")
        .tag("uploads", "Remove an evidence file")
        .auth()
        .status(204),
    // support
    op("get", "/support/requests", "support_requests")
        .returns("SupportRequestPage")
        .tag("support", "The support queue")
        .auth()
        .params(&[q::<crate::service::support::RequestFilter>, PAGE]),
    op("get", "/support/requests/{id}", "support_request")
        .returns("SupportRequest")
        .tag("support", "One support request")
        .auth()
        .etag(),
    op("post", "/support/requests/{id}/{action}", "support_action")
        .returns("SupportRequest")
        .tag("support", "approve or reject a support request")
        .auth()
        .idem()
        .actions(l::SUPPORT_ACTIONS)
        .body(In::OptJson("Reason")),
    op("get", "/support/accounts", "lookup_accounts")
        .returns("AccountSummaries")
        .tag(
            "support",
            "Look an account up by one of uscc, login_name, phone",
        )
        .auth()
        .params(&[q::<l::LookupQuery>]),
    op("post", "/support/accounts/{id}/unlock", "unlock_account")
        .tag("support", "Unlock a locked account")
        .auth()
        .status(204),
    // administration and support helpers
    op("get", "/calendar/today", "calendar_today")
        .returns("CalendarToday")
        .tag("meta", "The service's date in China (today, year)"),
    op("get", "/cancel-reasons", "cancel_reasons")
        .returns("CancelReasonViews")
        .tag(
            "lifecycle",
            "The reasons a certification may be cancelled for",
        ),
    op("get", "/admin/certifications", "managed_certifications")
        .returns("CertificationPage")
        .tag(
            "lifecycle",
            "The certifications the admin manages (flags, cancellation)",
        )
        .auth()
        .params(&[q::<crate::service::admin::ManagedFilter>, PAGE]),
    op("get", "/staff", "staff_accounts")
        .returns("StaffViewPage")
        .tag("accounts", "The staff accounts (ministry admin)")
        .auth()
        .params(&[PAGE]),
    op("post", "/staff/{id}/{action}", "staff_action")
        .returns("StaffView")
        .tag(
            "accounts",
            "disable or enable a staff account (ministry admin)",
        )
        .auth()
        .if_match()
        .etag()
        .actions(crate::api::admin::STAFF_ACTIONS),
    op("get", "/support/outbox", "demo_outbox")
        .returns("OutboxMessagePage")
        .tag(
            "support",
            "The texts and e-mails sent (demo databases only)",
        )
        .auth()
        .params(&[PAGE]),
    op("get", "/trail/{kind}/{id}", "trail")
        .returns("TrailEntries")
        .tag(
            "lifecycle",
            "The audit trail of a record: who, when, what, why",
        )
        .auth(),
    op("get", "/review/reason-templates", "reason_templates")
        .returns("ReasonTemplates")
        .tag(
            "review",
            "The reason templates of my authority (the defaults where it has none)",
        )
        .auth()
        .params(&[q::<h::TemplateQuery>]),
    op(
        "put",
        "/admin/reason-templates/{action}",
        "set_reason_templates",
    )
    .returns("ReasonTemplates")
    .tag(
        "review",
        "Replace my authority's reason templates of an action (province admin; empty: the defaults)",
    )
    .auth()
    .body(In::Json("TemplateList"))
    .actions(h::TEMPLATE_ACTIONS),
    // the enterprise's past 复核 applications and info updates (src/service/history.rs)
    op("get", "/reexam/history", "reexam_history")
        .returns("PastApplicationPage")
        .tag(
            "lifecycle",
            "The enterprise's 复核 applications, newest first",
        )
        .auth()
        .params(&[PAGE]),
    op("get", "/reexam/{id}", "reexam_detail")
        .returns("ReexamDetail")
        .tag(
            "lifecycle",
            "One 复核 application with its history (ETag = version)",
        )
        .auth()
        .etag(),
    op("get", "/updates/history", "update_history")
        .returns("PastApplicationPage")
        .tag(
            "lifecycle",
            "The enterprise's info updates (信息更新), newest first, with their outcome",
        )
        .auth()
        .params(&[PAGE]),
];

/// The full path of an operation.
pub fn full_path(op: &Op) -> String {
    if op.path == "/healthz" {
        op.path.to_string()
    } else {
        format!("/api/v1{}", op.path)
    }
}

fn method(m: &str) -> HttpMethod {
    match m {
        "get" => HttpMethod::Get,
        "post" => HttpMethod::Post,
        "put" => HttpMethod::Put,
        "patch" => HttpMethod::Patch,
        "delete" => HttpMethod::Delete,
        "head" => HttpMethod::Head,
        other => panic!("unknown method {other}"),
    }
}

fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn string_schema() -> RefOr<Schema> {
    String::schema()
}

/// An inline string enum (path segments that are codes).
fn string_enum(values: &[&str]) -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(values.iter().copied()))
            .build(),
    ))
}

fn param(
    name: &str,
    at: ParameterIn,
    required: bool,
    description: &str,
    schema: RefOr<Schema>,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(at)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// A path parameter: a code where the segment is one (`{action}`, `{tier}`, `{category}`),
/// an id otherwise.
fn path_param(o: &Op, name: &str) -> Parameter {
    let (schema, description) = match name {
        "action" => (string_enum(o.actions), "What to do"),
        "tier" => (reference("Tier"), "The tier"),
        "category" => (
            reference("AssessmentCategory"),
            "The questionnaire category",
        ),
        "code" => (
            string_schema(),
            "A certifying authority's region code (GB/T 2260)",
        ),
        "kind" => (
            string_enum(&crate::service::admin::TrailKind::CODES),
            "The kind of record",
        ),
        _ => (string_schema(), "The record's id"),
    };
    param(name, ParameterIn::Path, true, description, schema)
}

fn header(description: &str, schema: RefOr<Schema>) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(schema)
        .description(Some(description))
        .build()
}

fn integer_schema(minimum: i64) -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .minimum(Some(minimum))
            .build(),
    ))
}

fn retry_after() -> utoipa::openapi::header::Header {
    header("Seconds to wait before trying again", integer_schema(1))
}

fn problem_response(status: u16) -> utoipa::openapi::Response {
    let description = match status {
        400 => "Malformed request: a body that is not JSON, a bad header, query or path value",
        401 => "Not logged in, bad credentials, an expired or revoked token",
        403 => "This role may not do this",
        404 => "No such record (or not visible to the caller), or an unknown action",
        408 => "The request took longer than 30 s",
        409 => "A rule refuses the action now (the problem type names the rule)",
        412 => "Stale version: the problem carries current_version, by and at",
        413 => "The body is too large (JSON 1 MiB, upload chunks 8 MiB)",
        422 => "Invalid input: every offending field named (unknown fields too)",
        423 => "The account is locked after failed log-ins",
        428 => "If-Match missing",
        429 => "Too many requests",
        500 => "Internal error: the incident id only",
        _ => "A problem",
    };
    let mut b = ResponseBuilder::new().description(description).content(
        crate::api::problem::PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(reference("Problem")))
            .build(),
    );
    if matches!(status, 423 | 429) {
        b = b.header("Retry-After", retry_after());
    }
    b.build()
}

fn json_body(name: &str, required: bool) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .required(Some(if required {
            Required::True
        } else {
            Required::False
        }))
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(reference(name))).build(),
        )
        .build()
}

fn binary() -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Binary,
            )))
            .build(),
    ))
}

fn success(o: &Op) -> utoipa::openapi::Response {
    let mut b = match o.returns {
        Out::Empty => ResponseBuilder::new().description("Done"),
        Out::Json(name) => ResponseBuilder::new().description("Success").content(
            "application/json",
            ContentBuilder::new().schema(Some(reference(name))).build(),
        ),
        Out::Document => {
            let mut b = ResponseBuilder::new().description("The document");
            for ct in ["text/html", "text/plain"] {
                b = b.content(
                    ct,
                    ContentBuilder::new().schema(Some(string_schema())).build(),
                );
            }
            b
        }
        Out::Evidence => {
            let mut b = ResponseBuilder::new()
                .description("The file; its type sniffed from its bytes at upload")
                .header(
                    "ETag",
                    header("The file's SHA-256 in quotes", string_schema()),
                );
            for kind in crate::domain::archive::ContentKind::ALL {
                b = b.content(
                    kind.mime(),
                    ContentBuilder::new().schema(Some(binary())).build(),
                );
            }
            b
        }
    };
    if o.etag {
        b = b.header(
            "ETag",
            header(
                "The record's version in quotes (send it as If-Match)",
                string_schema(),
            ),
        );
    }
    if o.path == "/uploads/{id}" && matches!(o.method, "get" | "head" | "patch" | "put") {
        b = b.header(
            "Upload-Offset",
            header(
                "Bytes received so far: where the next chunk starts",
                integer_schema(0),
            ),
        );
    }
    if o.idempotent {
        b = b.header(
            "Idempotent-Replayed",
            header(
                "`true` when this is the stored answer to an earlier request with the same key",
                string_schema(),
            ),
        );
    }
    b.build()
}

fn build() -> OpenApi {
    let mut paths = Paths::new();
    for o in OPERATIONS {
        let mut b = OperationBuilder::new()
            .operation_id(Some(o.id))
            .tag(o.tag)
            .summary(Some(o.summary));
        for name in o.path_params() {
            b = b.parameter(path_param(o, name));
        }
        for params in o.params {
            for p in params() {
                b = b.parameter(p);
            }
        }
        if o.if_match != Precondition::None {
            b = b.parameter(param(
                "If-Match",
                ParameterIn::Header,
                o.if_match == Precondition::Required,
                "The version last read (its ETag, e.g. \"3\")",
                string_schema(),
            ));
        }
        if o.idempotent {
            b = b.parameter(param(
                "Idempotency-Key",
                ParameterIn::Header,
                false,
                "A fresh key per request (1–200 visible ASCII characters); a retry with the \
                 same key replays the first response",
                RefOr::T(Schema::Object(
                    ObjectBuilder::new()
                        .schema_type(SchemaType::Type(Type::String))
                        .min_length(Some(1))
                        .max_length(Some(200))
                        .pattern(Some("^[\\x21-\\x7e]+$"))
                        .build(),
                )),
            ));
        }
        match o.body {
            In::Nothing => {}
            In::Json(name) => b = b.request_body(Some(json_body(name, true))),
            In::OptJson(name) => b = b.request_body(Some(json_body(name, false))),
            In::Octets => {
                b = b.parameter(param(
                    "Upload-Offset",
                    ParameterIn::Header,
                    false,
                    "The byte offset of this chunk (or ?offset=)",
                    integer_schema(0),
                ));
                b = b.request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content(
                            "application/octet-stream",
                            ContentBuilder::new().schema(Some(binary())).build(),
                        )
                        .build(),
                ));
            }
        }
        b = b.response(o.ok.to_string(), success(o));
        for status in o.error_statuses() {
            b = b.response(status.to_string(), problem_response(status));
        }
        if o.auth {
            b = b.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        paths.add_path_operation(full_path(o), vec![method(o.method)], b.build());
    }

    let mut components = ComponentsBuilder::new().security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    for (name, s) in schemas() {
        components = components.schema(name, s);
    }

    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("zjtx API (优质中小企业梯度培育平台)")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Errors are application/problem+json (`type` = https://zjtx.cn/problems/<code>, \
                     `detail` in Chinese, `detail_en`, the offending `field`/`fields`). Changes \
                     of a versioned record need If-Match (its ETag); submissions and decisions \
                     accept Idempotency-Key. Request bodies refuse unknown fields (422 naming \
                     the field). Lists page with ?cursor=&limit= and answer {items, next}.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

/// Every component schema: the request and response types (derived) with the types they
/// use, and the hand-written pages, lists and the document itself.
fn schemas() -> Vec<(String, RefOr<Schema>)> {
    use crate::service::{
        accounts, announcements, assessment, certifications, changes, declarations, enterprise,
        evidence, inbox, query, reexam, review, support, updates, uploads, windows,
    };
    let mut schemas: Vec<(String, RefOr<Schema>)> = Vec::new();
    macro_rules! schema {
        ($($t:ty),* $(,)?) => { $(
            schemas.push((<$t as ToSchema>::name().into_owned(), <$t as PartialSchema>::schema()));
            <$t as ToSchema>::schemas(&mut schemas);
        )* };
    }
    schema!(
        Problem,
        ProblemField,
        ProblemWayOut,
        // request bodies
        h::LoginBody,
        h::PasswordChange,
        h::Identifier,
        h::PasswordReset,
        h::PhoneChange,
        h::StartAssessment,
        h::NewDeclaration,
        h::Withdraw,
        h::Decision,
        h::BulkBody,
        h::BulkItem,
        accounts::Registration,
        accounts::RealName,
        accounts::ManualPhoneChange,
        accounts::RecoveryRequest,
        accounts::StaffAccount,
        enterprise::EnterpriseUpdate,
        query::QueryRequest,
        uploads::NewUpload,
        windows::NewWindow,
        announcements::AnnouncementDraft,
        updates::InfoChanges,
        changes::ChangeInput,
        review::BulkDecision,
        l::Reason,
        l::MarkRead,
        l::MarkAllRead,
        l::Cancel,
        l::Flags,
        l::ApplyReexam,
        l::ChainLevels,
        // responses
        h::Health,
        h::BulkOutcome,
        l::Marked,
        l::Revoked,
        l::FlagResult,
        accounts::AccountView,
        accounts::CodeSent,
        accounts::Ticket,
        accounts::LoginOk,
        support::SupportRequest,
        crate::service::reasons::ReasonTemplate,
        crate::service::reasons::TemplateList,
        crate::service::reasons::TemplateText,
        crate::service::admin::CalendarToday,
        crate::service::admin::CancelReasonView,
        crate::service::admin::StaffView,
        crate::service::admin::TrailEntry,
        crate::service::notify::OutboxMessage,
        support::AccountSummary,
        uploads::Upload,
        uploads::Evidence,
        evidence::EvidenceView,
        enterprise::EnterpriseView,
        enterprise::IndustryEntry,
        enterprise::RegionEntry,
        crate::domain::assessment::Questionnaire,
        assessment::AssessmentDetail,
        assessment::AssessmentSummary,
        assessment::SavedAnswers,
        declarations::DeclarationSummary,
        declarations::DeclarationDetail,
        declarations::DeclarationForm,
        declarations::Saved,
        crate::domain::rules::Breakdown,
        crate::domain::rules::Value,
        crate::domain::workflow::State,
        review::QueueEntry,
        review::QueueCounts,
        review::ReviewDetail,
        review::Decided,
        certifications::Certification,
        crate::service::items::Item,
        updates::UpdateStatus,
        updates::UpdateDetail,
        changes::Change,
        changes::ChangeDetail,
        reexam::Candidate,
        reexam::ReexamStatus,
        inbox::Inbox,
        inbox::LatestMessages,
        inbox::MessageView,
        announcements::Announcement,
        announcements::AnnouncementSummary,
        announcements::PublicAnnouncement,
        query::Challenge,
        query::QueryAnswer,
        windows::WindowView,
        windows::EnterpriseWindows,
        windows::ChainView,
        // path parameters and query values
        crate::domain::tiers::Tier,
        crate::domain::tiers::AssessmentCategory,
        crate::service::export::ExportFormat,
        crate::service::messages::Category,
        review::QueueSort,
        crate::api::suggest::Suggestions,
        // the enterprise's past applications
        crate::service::history::PastApplication,
        crate::service::history::ReexamDetail,
    );
    // utoipa does not carry `deny_unknown_fields` into the variants of a tagged enum.
    for (name, schema) in schemas.iter_mut() {
        if name == "BulkDecision" {
            closed_variants(schema);
        }
    }
    schemas.push((
        "Answers".into(),
        described(
            <crate::service::assessment::AnswerInput as PartialSchema>::schema(),
            "Question id → the index of the chosen option (0, 1, 2, …)",
        ),
    ));
    schemas.push((
        "Inputs".into(),
        described(
            <crate::domain::rules::Inputs as PartialSchema>::schema(),
            "Form field id → its value (a number, a yes/no or a text, by the field's kind)",
        ),
    ));
    for (page, item) in [
        ("AssessmentSummaryPage", "AssessmentSummary"),
        ("WindowViewPage", "WindowView"),
        ("AnnouncementSummaryPage", "AnnouncementSummary"),
        ("AnnouncementPage", "Announcement"),
        ("DeclarationSummaryPage", "DeclarationSummary"),
        ("QueueEntryPage", "QueueEntry"),
        ("ChangePage", "Change"),
        ("CandidatePage", "Candidate"),
        ("SupportRequestPage", "SupportRequest"),
        ("CertificationPage", "Certification"),
        ("StaffViewPage", "StaffView"),
        ("OutboxMessagePage", "OutboxMessage"),
        ("PastApplicationPage", "PastApplication"),
    ] {
        schemas.push((page.into(), page_of(item)));
    }
    for (list, item) in [
        ("Certifications", "Certification"),
        ("IndustryEntries", "IndustryEntry"),
        ("RegionEntries", "RegionEntry"),
        ("BulkOutcomes", "BulkOutcome"),
        ("FlagResults", "FlagResult"),
        ("ReexamStatuses", "ReexamStatus"),
        ("EvidenceViews", "EvidenceView"),
        ("AccountSummaries", "AccountSummary"),
        ("CancelReasonViews", "CancelReasonView"),
        ("TrailEntries", "TrailEntry"),
        ("ReasonTemplates", "ReasonTemplate"),
    ] {
        schemas.push((list.into(), list_of(item)));
    }
    schemas.push(("OpenApiDocument".into(), document_schema()));
    schemas
}

/// Marks every object alternative of a `oneOf` as refusing unknown properties.
fn closed_variants(schema: &mut RefOr<Schema>) {
    if let RefOr::T(Schema::OneOf(one_of)) = schema {
        for item in one_of.items.iter_mut() {
            if let RefOr::T(Schema::Object(o)) = item {
                o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

fn described(schema: RefOr<Schema>, description: &str) -> RefOr<Schema> {
    match schema {
        RefOr::T(Schema::Object(mut o)) => {
            o.description = Some(description.to_string());
            RefOr::T(Schema::Object(o))
        }
        other => other,
    }
}

/// This document, as far as a client needs to recognise it (hand-written: the OpenAPI
/// object model is utoipa's own, not a type of this crate).
fn document_schema() -> RefOr<Schema> {
    let object = || ObjectBuilder::new().schema_type(SchemaType::Type(Type::Object));
    RefOr::T(Schema::Object(
        object()
            .description(Some("An OpenAPI 3.1 document"))
            .property(
                "openapi",
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .pattern(Some("^3\\.1\\.")),
            )
            .required("openapi")
            .property(
                "info",
                object()
                    .property("title", String::schema())
                    .property("version", String::schema())
                    .required("title")
                    .required("version"),
            )
            .required("info")
            .property("paths", object())
            .required("paths")
            .property("components", object())
            .build(),
    ))
}

/// The document (built once).
pub fn document_value() -> &'static serde_json::Value {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(build()).expect("the document serialises"))
}

pub async fn document() -> impl IntoResponse {
    Json(document_value().clone())
}

/// `State` serialises through `StateParts`: `{"state": "submitted", "level": "city"}`, the level
/// only for `submitted` and `in_review`.
impl PartialSchema for crate::domain::workflow::State {
    fn schema() -> RefOr<Schema> {
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::Object))
                .description(Some(
                    "A workflow state; `level` is present for `submitted` and `in_review` only",
                ))
                .property("state", state_codes())
                .required("state")
                .property("level", reference("ReviewLevel"))
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
                .build(),
        ))
    }
}

impl ToSchema for crate::domain::workflow::State {
    fn name() -> std::borrow::Cow<'static, str> {
        "State".into()
    }
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        use crate::domain::tiers::ReviewLevel;
        schemas.push((
            <ReviewLevel as ToSchema>::name().into_owned(),
            <ReviewLevel as PartialSchema>::schema(),
        ));
    }
}

/// A workflow state code (`draft`, `submitted` …): the filter of declaration lists and the
/// `state` of [`crate::domain::workflow::State`].
pub fn state_codes() -> RefOr<Schema> {
    string_enum(&crate::domain::workflow::State::CODES)
}

/// A page of `item` (a component name): `{"items": [...], "next": cursor | null}`
/// (hand-written: `Page<T>` is generic).
pub fn page_of(item: &str) -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .property("items", ArrayBuilder::new().items(reference(item)).build())
            .property(
                "next",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .description(Some("The cursor of the next page; null on the last page")),
            )
            .required("items")
            .required("next")
            .build(),
    ))
}

/// A JSON array of `item` (a component name).
pub fn list_of(item: &str) -> RefOr<Schema> {
    ArrayBuilder::new().items(reference(item)).into()
}

/// The inbox page (`Inbox.page`).
pub fn message_page() -> RefOr<Schema> {
    page_of("MessageView")
}
