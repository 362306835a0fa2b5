//! The OpenAPI 3.1 document, built from the operation table below (one row per route of
//! [`super::router`]; a test walks the table against the router) and the request/problem schemas
//! derived from the code with `utoipa::ToSchema`.

use crate::api::handlers as h;
use crate::api::problem::{Problem, ProblemField, ProblemWayOut};
use axum::Json;
use axum::response::IntoResponse;
use std::sync::OnceLock;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr,
    Required, ResponseBuilder, Schema,
};
use utoipa::{PartialSchema, ToSchema};

/// What a request carries in its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Nothing,
    /// A JSON body of this component schema.
    Json(&'static str),
    /// A JSON object whose keys are ids (answers, form inputs).
    Map,
    /// Raw bytes (an upload chunk).
    Octets,
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
    pub if_match: bool,
    pub idempotent: bool,
    pub body: In,
    /// Success status.
    pub ok: u16,
    /// Query parameters (besides none).
    pub query: &'static [&'static str],
    /// The component schema of the success body, where one is described.
    pub returns: Option<&'static str>,
}

const fn op(method: &'static str, path: &'static str, id: &'static str) -> Op {
    Op {
        method,
        path,
        id,
        tag: "",
        summary: "",
        auth: false,
        if_match: false,
        idempotent: false,
        body: In::Nothing,
        ok: 200,
        query: &[],
        returns: None,
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
        self.if_match = true;
        self
    }
    const fn idem(mut self) -> Op {
        self.idempotent = true;
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
        self.returns = Some(schema);
        self
    }
    const fn query(mut self, q: &'static [&'static str]) -> Op {
        self.query = q;
        self
    }
}

const PAGE: &[&str] = &["cursor", "limit"];

/// Every operation the router serves.
pub const OPERATIONS: &[Op] = &[
    op("get", "/healthz", "healthz").tag("meta", "Liveness"),
    op("get", "/openapi.json", "openapi").tag("meta", "This document"),
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
        .status(201),
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
        .status(201),
    op("post", "/password-reset/confirm", "reset_password")
        .tag("accounts", "Reset the password with the code")
        .body(In::Json("PasswordReset"))
        .status(204),
    op("post", "/phone-change/code", "request_phone_change_code")
        .returns("CodeSent")
        .tag("accounts", "Send a phone-change code to the bound e-mail")
        .body(In::Json("Identifier"))
        .status(201),
    op("post", "/phone-change/confirm", "change_phone_by_email")
        .tag("accounts", "Change the phone with the e-mail code")
        .body(In::Json("PhoneChange"))
        .status(204),
    op("post", "/phone-change/manual", "manual_phone_change")
        .returns("Ticket")
        .tag(
            "support",
            "Ask support to change the phone (manual verification)",
        )
        .body(In::Json("ManualPhoneChange"))
        .status(201),
    op("post", "/account-recovery", "account_recovery")
        .returns("Ticket")
        .tag(
            "support",
            "Ask support to hand an enterprise account over (账号找回)",
        )
        .body(In::Json("RecoveryRequest"))
        .status(201),
    // public
    op("get", "/announcements", "announcements")
        .returns("AnnouncementSummaryPage")
        .tag("public", "Published announcements")
        .query(&["cursor", "limit", "level", "authority", "text"]),
    op("get", "/announcements/{id}", "announcement")
        .returns("PublicAnnouncement")
        .tag("public", "One announcement"),
    op("post", "/certification-query/challenge", "query_challenge")
        .returns("Challenge")
        .tag("public", "A challenge for the certification query")
        .status(201),
    op("post", "/certification-query", "query_certifications")
        .returns("QueryAnswer")
        .tag(
            "public",
            "Query an enterprise's certifications (rate-limited per address)",
        )
        .body(In::Json("QueryRequest")),
    op("get", "/industries", "industries")
        .tag("public", "Industry picker (GB/T 4754)")
        .query(&["parent", "q"]),
    op("get", "/regions", "regions")
        .tag("public", "Region picker (GB/T 2260)")
        .query(&["parent", "q"]),
    op("get", "/authorities/{code}/windows", "authority_windows")
        .returns("WindowViewPage")
        .tag("public", "Declaration windows of an authority")
        .query(&["cursor", "limit", "tier", "batch", "status"]),
    // enterprise
    op("get", "/enterprise", "own_enterprise")
        .returns("EnterpriseView")
        .tag("enterprise", "The caller's enterprise (ETag = version)")
        .auth(),
    op("patch", "/enterprise", "update_enterprise")
        .returns("EnterpriseView")
        .tag("enterprise", "Edit the basic information (企业基本信息)")
        .auth()
        .if_match()
        .body(In::Json("EnterpriseUpdate")),
    op("get", "/enterprises/{id}", "enterprise")
        .returns("EnterpriseView")
        .tag("enterprise", "An enterprise (owner or staff in scope)")
        .auth(),
    // assessment
    op("get", "/questionnaires/{category}", "questionnaire").tag(
        "assessment",
        "A digital-level questionnaire (数字化水平评测)",
    ),
    op("get", "/assessments", "assessments")
        .returns("AssessmentSummaryPage")
        .tag("assessment", "The caller's assessment history")
        .auth()
        .query(PAGE),
    op("post", "/assessments", "start_assessment")
        .returns("AssessmentDetail")
        .tag("assessment", "Start (or resume) an assessment")
        .auth()
        .body(In::Json("StartAssessment"))
        .status(201),
    op("get", "/assessments/{id}", "assessment")
        .returns("AssessmentDetail")
        .tag("assessment", "One assessment (ETag = version)")
        .auth(),
    op("delete", "/assessments/{id}", "discard_assessment")
        .tag("assessment", "Discard an open assessment")
        .auth()
        .if_match()
        .status(204),
    op("put", "/assessments/{id}/answers", "save_answers")
        .tag("assessment", "Save answers (question id → option index)")
        .auth()
        .if_match()
        .body(In::Map),
    op("post", "/assessments/{id}/complete", "complete_assessment")
        .returns("AssessmentDetail")
        .tag("assessment", "Complete an assessment")
        .auth()
        .if_match(),
    // declarations
    op("get", "/windows/open", "open_windows")
        .returns("EnterpriseWindows")
        .tag(
            "declarations",
            "Windows the caller's enterprise may declare in",
        )
        .auth(),
    op("get", "/declarations", "declarations")
        .returns("DeclarationSummaryPage")
        .tag("declarations", "The enterprise's declarations")
        .auth()
        .query(&["cursor", "limit", "tier", "batch", "state"]),
    op("post", "/declarations", "create_declaration")
        .returns("DeclarationSummary")
        .tag("declarations", "Create a declaration draft (申报)")
        .auth()
        .body(In::Json("NewDeclaration"))
        .status(201),
    op("get", "/declarations/{id}", "declaration")
        .returns("DeclarationDetail")
        .tag("declarations", "One declaration (ETag = version)")
        .auth(),
    op("delete", "/declarations/{id}", "delete_declaration")
        .tag("declarations", "Delete a never-submitted draft")
        .auth()
        .if_match()
        .status(204),
    op("get", "/declarations/{id}/form", "declaration_form")
        .tag("declarations", "The declaration form")
        .auth(),
    op("put", "/declarations/{id}/inputs", "save_declaration")
        .tag("declarations", "Save the form inputs (field id → value)")
        .auth()
        .if_match()
        .body(In::Map),
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
    .tag("declarations", "Withdraw (撤回)")
    .auth()
    .if_match()
    .idem()
    .body(In::Json("Withdraw")),
    op("get", "/declarations/{id}/export", "export_declaration")
        .tag("declarations", "Export as HTML or text")
        .auth()
        .query(&["format"]),
    // uploads
    op("post", "/uploads", "create_upload")
        .returns("Upload")
        .tag(
            "uploads",
            "Create a resumable evidence upload (size and SHA-256)",
        )
        .auth()
        .body(In::Json("NewUpload"))
        .status(201),
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
        .query(&["offset"]),
    op("put", "/uploads/{id}", "append_chunk_put")
        .tag("uploads", "Append a chunk (as PATCH)")
        .auth()
        .body(In::Octets)
        .status(204)
        .query(&["offset"]),
    op("delete", "/uploads/{id}", "abort_upload")
        .tag("uploads", "Abort an upload")
        .auth()
        .status(204),
    op("post", "/uploads/{id}/finish", "finish_upload")
        .tag(
            "uploads",
            "Finish: verify the SHA-256 and the content, attach",
        )
        .auth()
        .idem()
        .status(201),
    // review
    op("get", "/review/queue", "queue")
        .returns("QueueEntryPage")
        .tag("review", "The reviewer's queue")
        .auth()
        .query(&[
            "cursor", "limit", "kind", "tier", "state", "level", "region", "text", "sort",
        ]),
    op("get", "/review/counts", "queue_counts")
        .returns("QueueCounts")
        .tag("review", "Queue counts per state and tier")
        .auth()
        .query(&["kind", "tier", "state", "level", "region", "text"]),
    op("get", "/review/items/{id}", "review_item")
        .returns("ReviewDetail")
        .tag("review", "What a reviewer decides on (ETag = version)")
        .auth(),
    op("post", "/review/items/{id}/{action}", "decide")
        .returns("Decided")
        .tag("review", "claim, pass, return or reject")
        .auth()
        .if_match()
        .idem()
        .body(In::Json("Decision")),
    op("post", "/review/bulk", "bulk_decide")
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
        .body(In::Json("NewWindow"))
        .status(201),
    op("post", "/windows/{id}/close", "close_window")
        .returns("WindowView")
        .tag("admin", "Close a window early")
        .auth()
        .if_match(),
    op("get", "/authorities/{code}/chains/{tier}", "chain")
        .returns("ChainView")
        .tag(
            "admin",
            "The review chain of an authority and tier (ETag = version)",
        )
        .auth(),
    op("put", "/authorities/{code}/chains/{tier}", "set_chain")
        .tag(
            "admin",
            "Set the review chain (If-Match: the version replaced; absent only for the first)",
        )
        .auth()
        .body(In::Json("ChainLevels")),
    op("get", "/admin/announcements", "own_announcements")
        .tag("admin", "The publisher's announcements")
        .auth()
        .query(&["cursor", "limit", "state"]),
    op("post", "/admin/announcements", "create_announcement")
        .tag("admin", "Draft an announcement")
        .auth()
        .body(In::Json("AnnouncementDraft"))
        .status(201),
    op("get", "/admin/announcements/{id}", "own_announcement")
        .tag("admin", "One own announcement (ETag = version)")
        .auth(),
    op("put", "/admin/announcements/{id}", "update_announcement")
        .tag("admin", "Edit a draft announcement")
        .auth()
        .if_match()
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
    .tag("admin", "publish or withdraw an announcement")
    .auth()
    .if_match(),
    op("post", "/staff", "create_staff")
        .tag("admin", "Create a staff account")
        .auth()
        .body(In::Json("StaffAccount"))
        .status(201),
    op("post", "/accounts/{id}/revoke-sessions", "revoke_sessions")
        .tag("admin", "Revoke every session of an account")
        .auth(),
    // inbox
    op("get", "/messages", "messages")
        .returns("Inbox")
        .tag("inbox", "The caller's messages")
        .auth()
        .query(&["cursor", "limit", "category", "unread"]),
    op("get", "/messages/latest", "latest_messages")
        .returns("LatestMessages")
        .tag("inbox", "The latest messages and unread counts")
        .auth()
        .query(&["limit"]),
    op("post", "/messages/read", "mark_read")
        .tag("inbox", "Mark messages read")
        .auth()
        .body(In::Json("MarkRead")),
    op("post", "/messages/read-all", "mark_all_read")
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
        .auth(),
    op(
        "post",
        "/certifications/{id}/cancel",
        "cancel_certification",
    )
    .tag("lifecycle", "Cancel a certification (撤销)")
    .auth()
    .if_match()
    .idem()
    .body(In::Json("Cancel")),
    op("get", "/updates/status", "update_status")
        .tag(
            "lifecycle",
            "Where the enterprise's info update (信息更新) stands",
        )
        .auth(),
    op("post", "/updates", "start_update")
        .tag("lifecycle", "Start an info update")
        .auth()
        .status(201),
    op("get", "/updates/{id}", "update_detail")
        .tag("lifecycle", "One info update (ETag = version)")
        .auth(),
    op("put", "/updates/{id}", "save_update")
        .tag("lifecycle", "Save the changes of an info update")
        .auth()
        .if_match()
        .body(In::Map),
    op("post", "/updates/{id}/{action}", "update_action")
        .tag(
            "lifecycle",
            "submit, withdraw, accept or return an info update",
        )
        .auth()
        .if_match()
        .idem()
        .body(In::Json("Reason")),
    op("get", "/changes", "changes")
        .tag("lifecycle", "Major changes (重大变更)")
        .auth()
        .query(&["cursor", "limit"]),
    op("post", "/changes", "create_change")
        .tag("lifecycle", "Report a major change")
        .auth()
        .body(In::Map)
        .status(201),
    op("get", "/changes/{id}", "change_detail")
        .tag("lifecycle", "One major change (ETag = version)")
        .auth(),
    op("put", "/changes/{id}", "edit_change")
        .tag("lifecycle", "Edit a major change")
        .auth()
        .if_match()
        .body(In::Map),
    op("delete", "/changes/{id}", "delete_change")
        .tag("lifecycle", "Delete a draft major change")
        .auth()
        .if_match()
        .status(204),
    op("post", "/changes/{id}/{action}", "change_action")
        .tag(
            "lifecycle",
            "submit, withdraw, acknowledge or return a major change",
        )
        .auth()
        .if_match()
        .idem()
        .body(In::Json("Reason")),
    op("get", "/reexam/candidates", "reexam_candidates")
        .tag("lifecycle", "Certifications due for 复核")
        .auth()
        .query(&["tier", "year", "cursor", "limit"]),
    op("post", "/reexam/flags", "set_review_flags")
        .tag("lifecycle", "Flag or unflag certifications for 复核")
        .auth()
        .body(In::Json("Flags")),
    op("get", "/reexam/status", "reexam_status")
        .tag("lifecycle", "The enterprise's 复核 status")
        .auth(),
    op("post", "/reexam", "apply_reexam")
        .tag("lifecycle", "Apply for 复核")
        .auth()
        .idem()
        .body(In::Json("ApplyReexam"))
        .status(201),
    op("post", "/reexam/{id}/{action}", "reexam_action")
        .tag("lifecycle", "withdraw or pass a 复核 application")
        .auth()
        .if_match()
        .idem(),
    // evidence
    op("get", "/items/{id}/evidence", "evidence_list")
        .tag("uploads", "The evidence of an item")
        .auth(),
    op("get", "/evidence/{id}", "evidence_bytes")
        .tag("uploads", "The bytes of one evidence file")
        .auth(),
    op("delete", "/evidence/{id}", "remove_evidence")
        .tag("uploads", "Remove an evidence file")
        .auth()
        .status(204),
    // support
    op("get", "/support/requests", "support_requests")
        .tag("support", "The support queue")
        .auth()
        .query(&["cursor", "limit", "state", "kind"]),
    op("get", "/support/requests/{id}", "support_request")
        .tag("support", "One support request")
        .auth(),
    op("post", "/support/requests/{id}/{action}", "support_action")
        .tag("support", "approve or reject a support request")
        .auth()
        .idem()
        .body(In::Json("Reason")),
    op("get", "/support/accounts", "lookup_accounts")
        .tag(
            "support",
            "Look an account up by one of uscc, login_name, phone",
        )
        .auth()
        .query(&["uscc", "login_name", "phone"]),
    op("post", "/support/accounts/{id}/unlock", "unlock_account")
        .tag("support", "Unlock a locked account")
        .auth()
        .status(204),
    op("get", "/review/reason-templates", "reason_templates")
        .returns("ReasonTemplateList")
        .tag(
            "review",
            "The reason templates of my authority (the defaults where it has none)",
        )
        .auth()
        .query(&["action"]),
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

fn string_param(
    name: &str,
    at: ParameterIn,
    required: bool,
    description: &str,
) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(at)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(description))
        .schema(Some(String::schema()))
        .build()
}

fn problem_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            crate::api::problem::PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(reference("Problem")))
                .build(),
        )
        .build()
}

fn any_object() -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .build(),
    ))
}

/// Any JSON value: the response bodies whose types are not described yet.
fn any_value() -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(SchemaType::AnyValue)
            .description(Some("JSON (see the service type of this use case)"))
            .build(),
    ))
}

fn build() -> OpenApi {
    let mut paths = Paths::new();
    for o in OPERATIONS {
        let mut b = OperationBuilder::new()
            .operation_id(Some(o.id))
            .tag(o.tag)
            .summary(Some(o.summary));
        let path = full_path(o);
        for seg in path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                b = b.parameter(string_param(name, ParameterIn::Path, true, name));
            }
        }
        for q in o.query {
            b = b.parameter(string_param(q, ParameterIn::Query, false, q));
        }
        if o.if_match {
            b = b.parameter(string_param(
                "If-Match",
                ParameterIn::Header,
                true,
                "The version last read (its ETag, e.g. \"3\")",
            ));
        }
        if o.idempotent {
            b = b.parameter(string_param(
                "Idempotency-Key",
                ParameterIn::Header,
                false,
                "A fresh key per request; a retry with the same key replays the first response",
            ));
        }
        if o.path == "/uploads/{id}" && (o.method == "patch" || o.method == "put") {
            b = b.parameter(string_param(
                "Upload-Offset",
                ParameterIn::Header,
                false,
                "The byte offset of this chunk",
            ));
        }
        match o.body {
            In::Nothing => {}
            In::Json(name) => {
                b = b.request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content(
                            "application/json",
                            ContentBuilder::new().schema(Some(reference(name))).build(),
                        )
                        .build(),
                ));
            }
            In::Map => {
                b = b.request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content(
                            "application/json",
                            ContentBuilder::new().schema(Some(any_object())).build(),
                        )
                        .build(),
                ));
            }
            In::Octets => {
                b = b.request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content(
                            "application/octet-stream",
                            ContentBuilder::new()
                                .schema(Some(RefOr::T(Schema::Object(
                                    ObjectBuilder::new()
                                        .schema_type(SchemaType::Type(Type::String))
                                        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                                            utoipa::openapi::KnownFormat::Binary,
                                        )))
                                        .build(),
                                ))))
                                .build(),
                        )
                        .build(),
                ));
            }
        }
        let ok = if o.ok == 204 {
            ResponseBuilder::new().description("Done").build()
        } else if o.id == "export_declaration" {
            ResponseBuilder::new()
                .description("The document")
                .content(
                    "text/html",
                    ContentBuilder::new().schema(Some(String::schema())).build(),
                )
                .content(
                    "text/plain",
                    ContentBuilder::new().schema(Some(String::schema())).build(),
                )
                .build()
        } else {
            let schema = if let Some(name) = o.returns {
                reference(name)
            } else if o.query.contains(&"cursor") && o.id != "messages" {
                reference("Page")
            } else {
                any_value()
            };
            ResponseBuilder::new()
                .description("Success")
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(schema)).build(),
                )
                .build()
        };
        b = b.response(o.ok.to_string(), ok);
        if o.path != "/healthz" && o.path != "/openapi.json" {
            b = b.response(
                "4XX",
                problem_response("A problem: invalid input, refusal, …"),
            );
            b = b.response(
                "500",
                problem_response("Internal error: the incident id only"),
            );
        }
        if o.if_match {
            b = b.response(
                "412",
                problem_response("Stale If-Match: current_version, by, at"),
            );
            b = b.response("428", problem_response("If-Match missing"));
        }
        if o.auth {
            b = b.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        paths.add_path_operation(path, vec![method(o.method)], b.build());
    }

    let page = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Object))
        .property(
            "items",
            utoipa::openapi::schema::ArrayBuilder::new()
                .items(any_object())
                .build(),
        )
        .property(
            "next",
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                .description(Some("The cursor of the next page; null on the last page")),
        )
        .required("items")
        .build();

    let mut components = ComponentsBuilder::new()
        .schema("Page", page)
        .security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
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
        crate::service::accounts::Registration,
        crate::service::accounts::RealName,
        crate::service::accounts::ManualPhoneChange,
        crate::service::accounts::RecoveryRequest,
        crate::service::enterprise::EnterpriseUpdate,
        crate::service::query::QueryRequest,
        crate::service::uploads::NewUpload,
        crate::service::windows::NewWindow,
        crate::service::announcements::AnnouncementDraft,
        crate::service::accounts::StaffAccount,
        crate::api::lifecycle::Reason,
        crate::api::lifecycle::MarkRead,
        crate::api::lifecycle::MarkAllRead,
        crate::api::lifecycle::Cancel,
        crate::api::lifecycle::Flags,
        crate::api::lifecycle::ApplyReexam,
        crate::api::lifecycle::ChainLevels,
        crate::service::accounts::AccountView,
        crate::service::accounts::CodeSent,
        crate::service::accounts::Ticket,
        crate::service::uploads::Upload,
        crate::service::accounts::LoginOk,
        crate::service::enterprise::EnterpriseView,
        crate::service::declarations::DeclarationSummary,
        crate::service::declarations::DeclarationDetail,
        crate::domain::rules::Breakdown,
        crate::domain::workflow::State,
        crate::service::review::QueueEntry,
        crate::service::review::QueueCounts,
        crate::service::review::ReviewDetail,
        crate::service::review::Decided,
        crate::service::certifications::Certification,
        crate::service::inbox::Inbox,
        crate::service::inbox::LatestMessages,
        crate::service::inbox::MessageView,
        crate::service::announcements::AnnouncementSummary,
        crate::service::announcements::PublicAnnouncement,
        crate::service::query::Challenge,
        crate::service::query::QueryAnswer,
        crate::service::windows::WindowView,
        crate::service::windows::EnterpriseWindows,
        crate::service::windows::ChainView,
        crate::service::assessment::AssessmentDetail,
        crate::service::assessment::AssessmentSummary,
        crate::service::reasons::ReasonTemplate,
    );
    schemas.push(("AssessmentSummaryPage".into(), page_of("AssessmentSummary")));
    schemas.push(("WindowViewPage".into(), page_of("WindowView")));
    schemas.push((
        "AnnouncementSummaryPage".into(),
        page_of("AnnouncementSummary"),
    ));
    schemas.push((
        "DeclarationSummaryPage".into(),
        page_of("DeclarationSummary"),
    ));
    schemas.push(("QueueEntryPage".into(), page_of("QueueEntry")));
    schemas.push((
        "ReasonTemplateList".into(),
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(reference("ReasonTemplate"))
            .into(),
    ));
    schemas.push((
        "Certifications".into(),
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(reference("Certification"))
            .into(),
    ));
    for (name, s) in schemas {
        components = components.schema(name, s);
    }

    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("zjtx API (优质中小企业梯度培育平台)")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Errors are application/problem+json. State changes need If-Match; \
                     submissions and decisions accept Idempotency-Key.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
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
        let codes = crate::domain::workflow::State::CODES;
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::Object))
                .description(Some(
                    "A workflow state; `level` is present for `submitted` and `in_review` only",
                ))
                .property(
                    "state",
                    ObjectBuilder::new()
                        .schema_type(SchemaType::Type(Type::String))
                        .enum_values(Some(codes)),
                )
                .required("state")
                .property("level", reference("ReviewLevel"))
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ))
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

/// A page of `item` (a component name): `{"items": [...], "next": cursor | null}`.
pub fn page_of(item: &str) -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .property(
                "items",
                utoipa::openapi::schema::ArrayBuilder::new()
                    .items(reference(item))
                    .build(),
            )
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

/// The inbox page (`Inbox.page`).
pub fn message_page() -> RefOr<Schema> {
    page_of("MessageView")
}
