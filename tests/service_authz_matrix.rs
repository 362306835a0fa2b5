//! The authorization matrix (DOMAIN.md §1) as one table-driven test: every use case of the
//! service that takes a `Session` (rows, grouped by module) against every role (columns). A
//! cell is `✓` (allowed) or the refusal's stable code (`ServiceError::code`).
//!
//! One world is built once (a fresh database, the test clock at Monday 2025-03-03 09:00 Beijing
//! time) and its data directory kept as a template. Read-only rows run on one copy of it; every
//! other row runs on its own copy, its refused cells first and each allowed cell on a fresh copy.
//! Every cell is also checked for what it left behind: a refusal must write nothing, and an
//! allowed state change must change something. The matrix is printed when the test fails, with
//! every mismatching row in full, so a reader sees the rules at a glance.
//!
//! Use cases without a session (registration, log-in, forgotten password, the public windows,
//! announcements and certification query, and the system jobs) are not rows: nobody can be
//! refused them by role.
//!
//! Roles (columns):
//!
//! | column | who |
//! |---|---|
//! | `A` | enterprise A: legal person, registered in 440305 南山区, certified by 深圳 (计划单列市); holds no certification yet |
//! | `B` | enterprise B: legal person, registered in 440106 天河区 (广州), certified by 广东; holds 创新型 and 专精特新 certifications |
//! | `unverif` | a legal-person account that has not passed real-name verification |
//! | `natural` | a natural-person account |
//! | `cty305` | county reviewer of 440305 南山区 |
//! | `cty306` | county reviewer of 440306 宝安区 |
//! | `city4401` | city reviewer of 440100 广州市 |
//! | `prvGD` | province reviewer of 440000 广东省 |
//! | `admSZ` | province-level admin of 440300 深圳市 |
//! | `admGD` | province admin of 440000 广东省 |
//! | `admZJ` | province admin of 330000 浙江省 |
//! | `ministry` | ministry admin (工业和信息化部) |
//! | `support` | support staff (客服) |
//!
//! A third enterprise, C (also 南山区, not a column), owns an item waiting at the city level and
//! a 小巨人 certification (the ministry's).
//!
//! What belongs to other modules' set-up is done through their use cases where one exists;
//! basic information and certifications granted in earlier years are SQL rows (`common::life`),
//! and C's item at the city level is created through `items::create/act`
//! (`common::submitted`).

mod common;

use common::life::{certify, firm};
use common::{Backend, START, env_on, resident_id, submitted, uscc};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use std::fmt::Write as _;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use tempfile::TempDir;
use zjtx::domain::assessment::Questionnaire;
use zjtx::domain::rules::Inputs;
use zjtx::domain::text::Localized;
use zjtx::domain::tiers::{AssessmentCategory, ReviewLevel, Tier};
use zjtx::service::accounts::{ManualPhoneChange, RealName, StaffAccount};
use zjtx::service::admin::{ManagedFilter, TrailKind};
use zjtx::service::announcements::AnnouncementDraft;
use zjtx::service::assessment::AnswerInput;
use zjtx::service::certifications::CancelReason;
use zjtx::service::changes::{ChangeFilter, ChangeInput, ChangeKind};
use zjtx::service::declarations::DeclarationFilter;
use zjtx::service::enterprise::EnterpriseUpdate;
use zjtx::service::export::ExportFormat;
use zjtx::service::items::ItemKind;
use zjtx::service::review::{BulkDecision, QueueFilter};
use zjtx::service::support::{AccountLookup, RequestFilter};
use zjtx::service::updates::InfoChanges;
use zjtx::service::uploads::NewUpload;
use zjtx::service::windows::NewWindow;
use zjtx::service::{
    AccountKind, PageRequest, PasswordHashing, Service, ServiceConfig, ServiceResult, Session,
    TestClock,
};

use ReviewLevel::{City, County, Ministry, Province};

// ---------------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------------

const ROLES: [&str; 13] = [
    "A", "B", "unverif", "natural", "cty305", "cty306", "city4401", "prvGD", "admSZ", "admGD",
    "admZJ", "ministry", "support",
];
const A: usize = 0;
const B: usize = 1;
const UNVERIFIED: usize = 2;
const NATURAL: usize = 3;
const CTY305: usize = 4;
const CITY4401: usize = 6;
const PRV_GD: usize = 7;
const ADM_GD: usize = 9;
const ADM_ZJ: usize = 10;
const SUPPORT: usize = 12;

/// Abbreviations used in the table (anything else is the code itself).
const ABBREVIATIONS: [(&str, &str); 7] = [
    ("F", "forbidden"),
    ("NO", "not_owner"),
    ("NR", "not_reviewer"),
    ("OS", "out_of_scope"),
    ("WL", "wrong_level"),
    ("NF", "not_found"),
    ("inv", "invalid"),
];
const ALLOWED: &str = "✓";

fn expand(token: &str) -> &str {
    ABBREVIATIONS
        .iter()
        .find(|(abbr, _)| *abbr == token)
        .map_or(token, |(_, code)| code)
}

fn abbreviate(code: &str) -> &str {
    ABBREVIATIONS
        .iter()
        .find(|(_, c)| *c == code)
        .map_or(code, |(abbr, _)| abbr)
}

// ---------------------------------------------------------------------------------------------
// The world
// ---------------------------------------------------------------------------------------------

/// The ids of the objects the rows act on (the same in every copy of the world).
#[derive(Debug, Default)]
struct Ids {
    a_account: String,
    a_enterprise: String,
    b_enterprise: String,
    /// 深圳 创新型 window, open (A's draft was created in it).
    w_sz_innovative: String,
    /// 广东 专精特新 window, open.
    w_gd_specialized: String,
    /// A's 专精特新 declaration, submitted: waiting at the county level (深圳: county → province).
    d_a: String,
    /// A's 创新型 declaration, a draft never submitted.
    d_a_draft: String,
    /// Enterprise C's (also 南山区) 创新型 declaration waiting at the city level.
    d_c_city: String,
    /// B's 小巨人 declaration, passed by the city and the province: waiting at the ministry.
    d_b_giant: String,
    /// Evidence on A's submitted declaration, and on A's draft.
    ev_a: String,
    ev_draft: String,
    /// A's uploads to its draft: nothing received yet, and every byte received.
    up_empty: String,
    up_full: String,
    /// A's completed assessment and its open attempt (every question answered).
    as_a_done: String,
    as_a_open: String,
    /// B's certifications: 专精特新 (to 2025-06-30) and 创新型 (to 2025-03-31), both flagged
    /// 满足复核条件 by 广东.
    cert_b_spec: String,
    /// C's 小巨人 certification (to 2025-04-30): the ministry's.
    cert_c_giant: String,
    /// B's 复核 application for its 创新型 certification, waiting at the city level.
    r_b: String,
    /// B's 2025 info update, submitted: waiting at the province.
    u_b: String,
    /// B's major-change reports: one submitted, one draft.
    ch_b_sub: String,
    ch_b_draft: String,
    /// A message to A.
    msg_a: String,
    /// A pending manual phone change request for A's account.
    support_req: String,
    /// 广东's announcements: a draft and a published one.
    ann_draft: String,
    ann_pub: String,
}

struct Ctx {
    s: Vec<Session>,
    ids: Ids,
}

#[derive(Deserialize)]
struct Example {
    inputs: Inputs,
}

/// The worked example inputs of a tier (fixtures/examples); the 专精特新 one carries 深圳's local
/// indicators.
fn example(tier: Tier) -> Inputs {
    let src = match tier {
        Tier::Innovative => include_str!("../fixtures/examples/innovative.toml"),
        Tier::Specialized => include_str!("../fixtures/examples/specialized.toml"),
        Tier::LittleGiant => include_str!("../fixtures/examples/little_giant.toml"),
    };
    toml::from_str::<Example>(src).unwrap().inputs
}

/// A small valid PDF.
fn pdf(filler: &str) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n".to_vec();
    b.extend_from_slice(filler.as_bytes());
    b.extend_from_slice(b"\ntrailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n");
    b
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn d(s: &str) -> chrono::NaiveDate {
    common::life::d(s)
}

fn all_answers(category: AssessmentCategory) -> AnswerInput {
    Questionnaire::builtin(category)
        .questions()
        .iter()
        .map(|q| (q.id.clone(), 1))
        .collect()
}

/// Builds the world on a fresh database; returns its data directory (closed) and the sessions
/// and ids.
async fn build() -> (TempDir, Ctx) {
    // On SQLite whatever ZJTX_TEST_BACKEND says: every row starts from a copy of this world's
    // files.
    let env = env_on(Backend::Sqlite).await.expect("SQLite never skips");
    let svc = &env.svc;
    use AccountKind::{Admin, Reviewer};
    let cty305 = env
        .staff("cty_nanshan", Reviewer, Some(County), Some("440305"))
        .await;
    let cty306 = env
        .staff("cty_baoan", Reviewer, Some(County), Some("440306"))
        .await;
    let city_gz = env
        .staff("city_guangzhou", Reviewer, Some(City), Some("440100"))
        .await;
    let prv_gd = env
        .staff("prv_guangdong", Reviewer, Some(Province), Some("440000"))
        .await;
    let adm_sz = env
        .staff("adm_shenzhen", Admin, Some(Province), Some("440300"))
        .await;
    let adm_gd = env
        .staff("adm_guangdong", Admin, Some(Province), Some("440000"))
        .await;
    let adm_zj = env
        .staff("adm_zhejiang", Admin, Some(Province), Some("330000"))
        .await;
    let ministry = env.staff("adm_ministry", Admin, Some(Ministry), None).await;
    let support = env.support().await;

    let a = firm(&env, "firm_a", 1, "440305").await;
    let b = firm(&env, "firm_b", 2, "440106").await;
    let c = firm(&env, "firm_c", 3, "440305").await;
    env.register("firm_unverified", AccountKind::Legal, 4).await;
    let unverified = env.login("firm_unverified").await;
    env.register("person", AccountKind::Natural, 5).await;
    let natural = env.login("person").await;

    let mut ids = Ids {
        a_account: a.account_id.clone(),
        a_enterprise: a.enterprise_id.clone().unwrap(),
        b_enterprise: b.enterprise_id.clone().unwrap(),
        ..Ids::default()
    };

    // Windows: 深圳 opens 专精特新 and 创新型, 广东 opens 专精特新 and 小巨人 (batch 2025, all month).
    let window = |who: &Session, authority: &str, tier| {
        let (svc, who, authority) = (svc, who.clone(), authority.to_string());
        async move {
            svc.open_window(
                &who,
                NewWindow {
                    authority_code: authority,
                    tier,
                    batch: 2025,
                    start: d("2025-03-03"),
                    end: d("2025-03-31"),
                },
            )
            .await
            .unwrap()
            .id
        }
    };
    let w_sz_spec = window(&adm_sz, "440300", Tier::Specialized).await;
    ids.w_sz_innovative = window(&adm_sz, "440300", Tier::Innovative).await;
    ids.w_gd_specialized = window(&adm_gd, "440000", Tier::Specialized).await;
    let w_gd_giant = window(&adm_gd, "440000", Tier::LittleGiant).await;

    // A: a completed assessment (专精特新's prerequisite) and an open attempt, fully answered.
    let answers = all_answers(AssessmentCategory::Manufacturing);
    let first = svc.start_assessment(&a).await.unwrap();
    let saved = svc
        .save_answers(&a, &first.summary.id, first.summary.version, &answers)
        .await
        .unwrap();
    svc.complete_assessment(&a, &first.summary.id, saved.version)
        .await
        .unwrap();
    ids.as_a_done = first.summary.id;
    let open = svc.start_assessment(&a).await.unwrap();
    svc.save_answers(&a, &open.summary.id, open.summary.version, &answers)
        .await
        .unwrap();
    ids.as_a_open = open.summary.id;

    // A's 专精特新 declaration with evidence, submitted: it waits at the county level.
    let draft = svc
        .create_declaration(&a, Tier::Specialized, &w_sz_spec)
        .await
        .unwrap();
    let saved = svc
        .save_declaration(&a, &draft.id, draft.version, example(Tier::Specialized))
        .await
        .unwrap();
    assert!(saved.warnings.is_empty(), "{:?}", saved.warnings);
    ids.ev_a = svc
        .attach_evidence(&a, &draft.id, "营业执照.pdf", None, pdf("licence"))
        .await
        .unwrap()
        .id;
    let submitted_a = svc
        .submit_declaration(&a, &draft.id, saved.declaration.version)
        .await
        .unwrap();
    assert_eq!(submitted_a.level, Some(County));
    ids.d_a = draft.id;

    // A's 创新型 draft with evidence and two uploads.
    let draft = svc
        .create_declaration(&a, Tier::Innovative, &ids.w_sz_innovative)
        .await
        .unwrap();
    svc.save_declaration(&a, &draft.id, draft.version, example(Tier::Innovative))
        .await
        .unwrap();
    ids.ev_draft = svc
        .attach_evidence(&a, &draft.id, "财务报表.pdf", None, pdf("accounts"))
        .await
        .unwrap()
        .id;
    let upload = |name: &str, bytes: &[u8]| NewUpload {
        item_id: draft.id.clone(),
        name: name.into(),
        declared_size: bytes.len() as u64,
        sha256: sha(bytes),
    };
    let scan = pdf("scan");
    ids.up_empty = svc
        .create_upload(&a, upload("扫描件.pdf", &scan))
        .await
        .unwrap()
        .id;
    let report = pdf("audit report");
    ids.up_full = svc
        .create_upload(&a, upload("审计报告.pdf", &report))
        .await
        .unwrap()
        .id;
    svc.append_chunk(&a, &ids.up_full, 0, &report)
        .await
        .unwrap();
    ids.d_a_draft = draft.id.clone();

    // C's 创新型 declaration at the city level (a chain with a city step, as the 深圳 admin may
    // configure), straight through the workflow executor.
    ids.d_c_city = submitted(
        &env,
        &c,
        ItemKind::Declaration,
        Tier::Innovative,
        &[City, Province],
        serde_json::json!({}),
    )
    .await
    .id;

    // C: a 小巨人 certification granted in 2022 (SQL, as a final pass writes it).
    ids.cert_c_giant = certify(
        &env,
        c.enterprise_id.as_deref().unwrap(),
        Tier::LittleGiant,
        "2022-05-01",
    )
    .await;

    // B: certifications granted in 2022 (the review module's part: SQL), flagged for 复核.
    let b_id = ids.b_enterprise.clone();
    let cert_b_innov = certify(&env, &b_id, Tier::Innovative, "2022-04-01").await;
    ids.cert_b_spec = certify(&env, &b_id, Tier::Specialized, "2022-07-01").await;
    for o in svc
        .set_review_flags(
            &adm_gd,
            &[cert_b_innov.clone(), ids.cert_b_spec.clone()],
            true,
        )
        .await
        .unwrap()
    {
        o.result.unwrap();
    }
    let application = svc.apply_reexam(&b, Tier::Innovative).await.unwrap();
    assert_eq!(application.state.level(), Some(City));
    ids.r_b = application.id;

    // B's 2025 info update, submitted.
    let update = svc.start_update(&b).await.unwrap();
    let update = svc
        .save_update(
            &b,
            &update.id,
            update.version,
            &InfoChanges {
                employees: Some(95),
                ..InfoChanges::default()
            },
        )
        .await
        .unwrap();
    let update = svc
        .submit_update(&b, &update.id, update.version)
        .await
        .unwrap();
    assert_eq!(update.state.level(), Some(Province));
    ids.u_b = update.id;

    // B's major changes: one reported, one draft.
    let change = svc
        .create_change(
            &b,
            &ChangeInput {
                kind: ChangeKind::Restructuring,
                change_date: d("2025-02-10"),
                before: "控股股东持股 60%".into(),
                after: "控股股东持股 51%，引入战略投资者".into(),
                description: "完成股权重组，控股股东不变。".into(),
            },
        )
        .await
        .unwrap();
    svc.submit_change(&b, &change.item.id, change.item.version)
        .await
        .unwrap();
    ids.ch_b_sub = change.item.id;
    ids.ch_b_draft = svc
        .create_change(
            &b,
            &ChangeInput {
                kind: ChangeKind::OverseasBranch,
                change_date: d("2025-02-20"),
                before: "无境外分支机构".into(),
                after: "新加坡销售子公司".into(),
                description: "在新加坡设立销售子公司。".into(),
            },
        )
        .await
        .unwrap()
        .item
        .id;

    // B's 小巨人 declaration: passed by 广州 and by 广东, now at the ministry.
    let giant = svc
        .create_declaration(&b, Tier::LittleGiant, &w_gd_giant)
        .await
        .unwrap();
    let saved = svc
        .save_declaration(&b, &giant.id, giant.version, example(Tier::LittleGiant))
        .await
        .unwrap();
    let giant = svc
        .submit_declaration(&b, &giant.id, saved.declaration.version)
        .await
        .unwrap();
    let passed = svc
        .pass(&city_gz, &giant.id, giant.version, None)
        .await
        .unwrap();
    let passed = svc
        .pass(&prv_gd, &giant.id, passed.item.version, None)
        .await
        .unwrap();
    assert_eq!(passed.item.state.level(), Some(Ministry));
    ids.d_b_giant = giant.id;

    // A message to A (the 申报提醒 of a window or of its submission).
    ids.msg_a = {
        let mut conn = svc.read().await.unwrap();
        sqlx::query("SELECT id FROM messages WHERE enterprise_id = $1 ORDER BY created_at, id")
            .bind(&ids.a_enterprise)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .first()
            .expect("A has a message")
            .try_get("id")
            .unwrap()
    };

    // A manual phone change request for A's account.
    ids.support_req = svc
        .request_manual_phone_change(ManualPhoneChange {
            login_name: "firm_a".into(),
            uscc: Some(uscc(1)),
            legal_rep: Some("张三".into()),
            new_phone: "13700002222".into(),
            reason: "原手机号已停用".into(),
            contact: "13700002222".into(),
        })
        .await
        .unwrap()
        .id;

    // 广东's announcements.
    let draft = |title: &str| AnnouncementDraft {
        title: title.into(),
        body: "各有关单位：现将有关事项通知如下。".into(),
        level: None,
    };
    ids.ann_draft = svc
        .create_announcement(
            &adm_gd,
            &draft("关于2025年专精特新中小企业认定的通知（草稿）"),
        )
        .await
        .unwrap()
        .id;
    let published = svc
        .create_announcement(&adm_gd, &draft("关于开展2025年信息更新的通知"))
        .await
        .unwrap();
    svc.publish_announcement(&adm_gd, &published.id, published.version)
        .await
        .unwrap();
    ids.ann_pub = published.id;

    let s = vec![
        a, b, unverified, natural, cty305, cty306, city_gz, prv_gd, adm_sz, adm_gd, adm_zj,
        ministry, support,
    ];
    assert_eq!(s.len(), ROLES.len());

    svc.close().await;
    let template = tempfile::tempdir().unwrap();
    copy_dir(svc.data_dir(), template.path());
    (template, Ctx { s, ids })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A service over a fresh copy of the world.
struct WorldCopy {
    svc: Service,
    _dir: TempDir,
}

async fn copy_of(template: &Path) -> WorldCopy {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(template, dir.path());
    let svc = Service::open(
        ServiceConfig::new(dir.path())
            .with_clock(Arc::new(TestClock::at(START)))
            .with_passwords(PasswordHashing::Fast),
    )
    .await
    .unwrap();
    WorldCopy { svc, _dir: dir }
}

/// What any write leaves behind: a refused call must not change it.
async fn fingerprint(svc: &Service) -> Vec<i64> {
    let mut conn = svc.read().await.unwrap();
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM audit), (SELECT COUNT(*) FROM history), \
         (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM outbox), \
         (SELECT COUNT(*) FROM evidence), \
         (SELECT COUNT(*) + COALESCE(SUM(received), 0) FROM uploads), \
         (SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM items), \
         (SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM certifications), \
         (SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM announcements), \
         (SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM support_requests), \
         (SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM windows), \
         (SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM chains), \
         (SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM accounts), \
         (SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM enterprises), \
         (SELECT COUNT(*) + COALESCE(SUM(version), 0) FROM assessments)",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    (0..15).map(|i| row.try_get::<i64, _>(i).unwrap()).collect()
}

/// The current version of a row (what a client would have read before acting).
async fn version(svc: &Service, table: Table, id: &str) -> i64 {
    let sql = match table {
        Table::Items => "SELECT version FROM items WHERE id = $1",
        Table::Announcements => "SELECT version FROM announcements WHERE id = $1",
        Table::Certifications => "SELECT version FROM certifications WHERE id = $1",
        Table::Windows => "SELECT version FROM windows WHERE id = $1",
        Table::Assessments => "SELECT version FROM assessments WHERE id = $1",
        Table::Enterprises => "SELECT version FROM enterprises WHERE id = $1",
        Table::Accounts => "SELECT version FROM accounts WHERE id = $1",
    };
    let mut conn = svc.read().await.unwrap();
    sqlx::query(sql)
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get("version")
        .unwrap()
}

#[derive(Clone, Copy)]
enum Table {
    Items,
    Announcements,
    Certifications,
    Windows,
    Assessments,
    Enterprises,
    Accounts,
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

type Fut<'a> = Pin<Box<dyn Future<Output = ServiceResult<()>> + 'a>>;
type Op = Box<dyn for<'a> Fn(&'a Service, &'a Session, &'a Ctx) -> Fut<'a>>;
type Prep = Box<dyn for<'a> Fn(&'a Service, &'a Ctx) -> Fut<'a>>;

fn op<F>(f: F) -> Op
where
    F: for<'a> Fn(&'a Service, &'a Session, &'a Ctx) -> Fut<'a> + 'static,
{
    Box::new(f)
}

fn prep<F>(f: F) -> Prep
where
    F: for<'a> Fn(&'a Service, &'a Ctx) -> Fut<'a> + 'static,
{
    Box::new(f)
}

/// How the cells of a row are isolated from each other.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Iso {
    /// Reads only: every cell on the shared read copy.
    Read,
    /// Each role acts on its own things only: one copy for the row.
    Own,
    /// Allowed cells change what the others act on: each allowed cell on a fresh copy.
    Each,
}

struct Row {
    module: &'static str,
    name: &'static str,
    iso: Iso,
    prep: Option<Prep>,
    cells: &'static str,
    op: Op,
}

/// `row!(Iso, "name", "cells…", |svc, session, ctx| call)`; optionally `prep |svc, ctx| call,`
/// before the call: a step run on the row's copy first (e.g. a decision that moves an item).
macro_rules! row {
    ($iso:ident, $name:literal, $cells:literal, prep |$psvc:ident, $px:ident| $pbody:expr,
     |$svc:ident, $s:ident, $x:ident| $body:expr) => {
        Row {
            module: "",
            name: $name,
            iso: Iso::$iso,
            prep: Some(prep(|$psvc, $px| {
                Box::pin(async move {
                    let _ = (&$psvc, &$px);
                    ($pbody).map(drop)
                })
            })),
            cells: $cells,
            op: op(|$svc, $s, $x| {
                Box::pin(async move {
                    let _ = (&$svc, &$s, &$x);
                    ($body).map(drop)
                })
            }),
        }
    };
    ($iso:ident, $name:literal, $cells:literal, |$svc:ident, $s:ident, $x:ident| $body:expr) => {
        Row {
            module: "",
            name: $name,
            iso: Iso::$iso,
            prep: None,
            cells: $cells,
            op: op(|$svc, $s, $x| {
                Box::pin(async move {
                    let _ = (&$svc, &$s, &$x);
                    ($body).map(drop)
                })
            }),
        }
    };
}

fn group(rows: &mut Vec<Row>, module: &'static str, group: Vec<Row>) {
    rows.extend(group.into_iter().map(|r| Row { module, ..r }));
}

fn page() -> PageRequest {
    PageRequest::first(20)
}

fn reason() -> String {
    "材料不完整，请补充近两年审计报告。".to_string()
}

/// Every use case that takes a session. Columns:
///  A B unverif natural cty305 cty306 city4401 prvGD admSZ admGD admZJ ministry support
/// (`✓` allowed; F forbidden, NO not_owner, NR not_reviewer, OS out_of_scope, WL wrong_level,
/// NF not_found, inv invalid; any other token is the refusal code itself).
#[rustfmt::skip]
fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    group(&mut rows, "accounts", vec![
        // cells: A B unverif natural cty305 cty306 city4401 prvGD admSZ admGD admZJ ministry support
        row!(Read, "me",                           "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓",
            |svc, s, x| svc.me(s).await),
        row!(Own, "logout",                        "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓",
            |svc, s, x| svc.logout(s).await),
        row!(Own, "change_password",               "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓",
            |svc, s, x| svc.change_password(s, common::PASSWORD, "Another-456").await),
        row!(Each, "revoke_all (A's account)",     "✓ F F F F F F F F F F F ✓",
            |svc, s, x| svc.revoke_all(s, &x.ids.a_account).await),
        row!(Each, "verify_real_name",             "already_verified already_verified ✓ F F F F F F F F F F",
            |svc, s, x| svc.verify_real_name(s, RealName {
                enterprise_name: "深圳市新申请科技有限公司".into(),
                uscc: uscc(90),
                legal_rep: "王五".into(),
                legal_rep_id: resident_id(90),
            }).await),
        row!(Each, "create_staff_account",         "F F F F F F F F F F F ✓ F",
            |svc, s, x| svc.create_staff_account(s, StaffAccount {
                kind: AccountKind::Reviewer,
                level: Some(County),
                region_code: Some("440305".into()),
                login_name: "new_reviewer".into(),
                display_name: "新审核员".into(),
                password: common::PASSWORD.into(),
                phone: None,
                email: None,
            }).await),
    ]);
    group(&mut rows, "support", vec![
        row!(Read, "support_requests",             "F F F F F F F F F F F F ✓",
            |svc, s, x| svc.support_requests(s, &RequestFilter::default(), &page()).await),
        row!(Read, "support_request",              "F F F F F F F F F F F F ✓",
            |svc, s, x| svc.support_request(s, &x.ids.support_req).await),
        row!(Each, "approve_support_request",      "F F F F F F F F F F F F ✓",
            |svc, s, x| svc.approve_support_request(s, &x.ids.support_req).await),
        row!(Each, "approve_support_request_with_note", "F F F F F F F F F F F F ✓",
            |svc, s, x| svc.approve_support_request_with_note(s, &x.ids.support_req, "已电话核实").await),
        row!(Each, "reject_support_request",       "F F F F F F F F F F F F ✓",
            |svc, s, x| svc.reject_support_request(s, &x.ids.support_req, "无法核实身份").await),
        row!(Each, "unlock_account (A's)",         "F F F F F F F F F F F F ✓",
            |svc, s, x| svc.unlock_account(s, &x.ids.a_account).await),
        row!(Read, "lookup_accounts",              "F F F F F F F F F F F F ✓",
            |svc, s, x| svc.lookup_accounts(s, &AccountLookup::Uscc(uscc(1))).await),
    ]);
    group(&mut rows, "enterprise", vec![
        row!(Read, "enterprise (A)",               "✓ F F F ✓ F F F ✓ F F ✓ F",
            |svc, s, x| svc.enterprise(s, &x.ids.a_enterprise).await),
        row!(Each, "update_enterprise (own)",      "✓ certified_read_only F F F F F F F F F F F",
            |svc, s, x| {
                let id = s.enterprise_id.clone().unwrap_or_else(|| x.ids.a_enterprise.clone());
                let v = version(svc, Table::Enterprises, &id).await;
                svc.update_enterprise(s, v, EnterpriseUpdate {
                    address: Some("科技园南区高新南七道 1 号".into()),
                    ..EnterpriseUpdate::default()
                }).await
            }),
    ]);
    group(&mut rows, "assessment", vec![
        row!(Own, "start_assessment",              "✓ ✓ F inv F F F F F F F F F",
            |svc, s, x| svc.start_assessment(s).await),
        row!(Own, "start_assessment_for_category", "✓ ✓ F ✓ F F F F F F F F F",
            |svc, s, x| svc.start_assessment_for_category(s, AssessmentCategory::Manufacturing).await),
        row!(Each, "save_answers (A's open)",      "✓ F F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Assessments, &x.ids.as_a_open).await;
                let one: AnswerInput = all_answers(AssessmentCategory::Manufacturing)
                    .into_iter().take(1).map(|(k, _)| (k, 2)).collect();
                svc.save_answers(s, &x.ids.as_a_open, v, &one).await
            }),
        row!(Each, "complete_assessment (A's)",    "✓ F F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Assessments, &x.ids.as_a_open).await;
                svc.complete_assessment(s, &x.ids.as_a_open, v).await
            }),
        row!(Each, "discard_assessment (A's)",     "✓ F F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Assessments, &x.ids.as_a_open).await;
                svc.discard_assessment(s, &x.ids.as_a_open, v).await
            }),
        row!(Read, "assessment (A's completed)",   "✓ F F F ✓ F F F ✓ F F ✓ F",
            |svc, s, x| svc.assessment(s, &x.ids.as_a_done).await),
        row!(Read, "assessments (own)",            "✓ ✓ ✓ ✓ F F F F F F F F F",
            |svc, s, x| svc.assessments(s, &page()).await),
        row!(Read, "enterprise_assessments (A)",   "✓ F F F ✓ F F F ✓ F F ✓ F",
            |svc, s, x| svc.enterprise_assessments(s, &x.ids.a_enterprise, &page()).await),
    ]);
    group(&mut rows, "windows", vec![
        row!(Each, "open_window (深圳 小巨人)",     "F F F F F F F F ✓ F F F F",
            |svc, s, x| svc.open_window(s, NewWindow {
                authority_code: "440300".into(),
                tier: Tier::LittleGiant,
                batch: 2025,
                start: d("2025-03-03"),
                end: d("2025-03-31"),
            }).await),
        row!(Each, "close_window (深圳 创新型)",    "F F F F F F F F ✓ F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Windows, &x.ids.w_sz_innovative).await;
                svc.close_window(s, &x.ids.w_sz_innovative, v).await
            }),
        row!(Read, "open_windows_for_enterprise",  "✓ ✓ ✓ ✓ F F F F F F F F F",
            |svc, s, x| svc.open_windows_for_enterprise(s).await),
        row!(Read, "chain (深圳 专精特新)",         "F F F F ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ F",
            |svc, s, x| svc.chain(s, "440300", Tier::Specialized).await),
        row!(Each, "set_chain (深圳 专精特新)",     "F F F F F F F F ✓ F F F F",
            |svc, s, x| svc.set_chain(s, "440300", Tier::Specialized, vec![County, Province], None).await),
    ]);
    group(&mut rows, "declarations", vec![
        row!(Each, "create_declaration (广东 window)", "window_other_authority ✓ F F F F F F F F F F F",
            |svc, s, x| svc.create_declaration(s, Tier::Specialized, &x.ids.w_gd_specialized).await),
        row!(Read, "declaration (A's submitted)",  "✓ F F F ✓ F F F ✓ F F ✓ F",
            |svc, s, x| svc.declaration(s, &x.ids.d_a).await),
        row!(Read, "declaration (A's draft)",      "✓ F F F F F F F F F F F F",
            |svc, s, x| svc.declaration(s, &x.ids.d_a_draft).await),
        row!(Read, "declaration_form (A's submitted)", "✓ F F F ✓ F F F ✓ F F ✓ F",
            |svc, s, x| svc.declaration_form(s, &x.ids.d_a).await),
        row!(Read, "evaluate_declaration (A's submitted)", "✓ F F F ✓ F F F ✓ F F ✓ F",
            |svc, s, x| svc.evaluate_declaration(s, &x.ids.d_a).await),
        row!(Each, "save_declaration (A's draft)", "✓ NO F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.d_a_draft).await;
                svc.save_declaration(s, &x.ids.d_a_draft, v, example(Tier::Innovative)).await
            }),
        row!(Each, "delete_declaration (A's draft)", "✓ NO F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.d_a_draft).await;
                svc.delete_declaration(s, &x.ids.d_a_draft, v).await
            }),
        row!(Each, "submit_declaration (A's draft)", "✓ NO F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.d_a_draft).await;
                svc.submit_declaration(s, &x.ids.d_a_draft, v).await
            }),
        row!(Each, "withdraw_declaration (A's submitted)", "✓ NO F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.d_a).await;
                svc.withdraw_declaration(s, &x.ids.d_a, v, false).await
            }),
        row!(Read, "my_declarations",              "✓ ✓ F F F F F F F F F F F",
            |svc, s, x| svc.my_declarations(s, &DeclarationFilter::default(), &page()).await),
        row!(Read, "export_declaration (A's submitted)", "✓ F F F ✓ F F F ✓ F F ✓ F",
            |svc, s, x| svc.export_declaration(s, &x.ids.d_a, ExportFormat::Text).await),
    ]);
    group(&mut rows, "evidence", vec![
        row!(Each, "attach_evidence (A's draft)",  "✓ NO F F F F F F F F F F F",
            |svc, s, x| svc.attach_evidence(s, &x.ids.d_a_draft, "资质证书.pdf", None, pdf("certificate")).await),
        row!(Each, "remove_evidence (A's draft)",  "✓ NO F F F F F F F F F F F",
            |svc, s, x| svc.remove_evidence(s, &x.ids.ev_draft).await),
        row!(Read, "evidence_list (A's submitted)", "✓ F F F ✓ F F F ✓ F F ✓ F",
            |svc, s, x| svc.evidence_list(s, &x.ids.d_a).await),
        row!(Read, "evidence_bytes (A's submitted)", "✓ F F F ✓ F F F ✓ F F ✓ F",
            |svc, s, x| svc.evidence_bytes(s, &x.ids.ev_a).await),
    ]);
    group(&mut rows, "uploads", vec![
        row!(Each, "create_upload (A's draft)",    "✓ NO F F F F F F F F F F F",
            |svc, s, x| {
                let bytes = pdf("new upload");
                svc.create_upload(s, NewUpload {
                    item_id: x.ids.d_a_draft.clone(),
                    name: "补充材料.pdf".into(),
                    declared_size: bytes.len() as u64,
                    sha256: sha(&bytes),
                }).await
            }),
        row!(Each, "append_chunk (A's upload)",    "✓ NO F F F F F F F F F F F",
            |svc, s, x| svc.append_chunk(s, &x.ids.up_empty, 0, &pdf("scan")).await),
        row!(Own, "upload_offset (A's upload)",    "✓ NO F F F F F F F F F F F",
            |svc, s, x| svc.upload_offset(s, &x.ids.up_empty).await),
        row!(Own, "upload (A's upload)",           "✓ NO F F F F F F F F F F F",
            |svc, s, x| svc.upload(s, &x.ids.up_empty).await),
        row!(Each, "finish_upload (A's upload)",   "✓ NO F F F F F F F F F F F",
            |svc, s, x| svc.finish_upload(s, &x.ids.up_full).await),
        row!(Each, "abort_upload (A's upload)",    "✓ NO F F F F F F F F F F F",
            |svc, s, x| svc.abort_upload(s, &x.ids.up_empty).await),
    ]);
    group(&mut rows, "review", vec![
        row!(Read, "queue",                        "F F F F ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ F",
            |svc, s, x| svc.queue(s, &QueueFilter::default(), &page()).await),
        row!(Read, "queue_counts",                 "F F F F ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ F",
            |svc, s, x| svc.queue_counts(s, &QueueFilter::default()).await),
        row!(Read, "reason_templates",             "F F F F ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ F",
            |svc, s, x| svc.reason_templates(s, None).await),
        row!(Each, "set_reason_templates (own authority's)", "F F F F F F F F ✓ ✓ ✓ F F",
            |svc, s, x| {
                let list = zjtx::service::reasons::TemplateList {
                    templates: vec![zjtx::service::reasons::TemplateText {
                        zh: "请补充专利证书。".into(),
                        en: None,
                    }],
                };
                svc.set_reason_templates(s, zjtx::service::reasons::ReasonAction::Return, &list)
                    .await
            }),
        row!(Read, "review_item (A's @county)",    "F F F F ✓ F F F ✓ F F ✓ F",
            |svc, s, x| svc.review_item(s, &x.ids.d_a).await),
        row!(Read, "review_item (C's @city)",      "F F F F F F F F ✓ F F ✓ F",
            |svc, s, x| svc.review_item(s, &x.ids.d_c_city).await),
        row!(Each, "claim (A's @county)",          "F F F F ✓ OS OS OS WL OS OS WL F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.d_a).await;
                svc.claim(s, &x.ids.d_a, v).await
            }),
        row!(Each, "claim (C's @city, 南山)",       "F F F F WL OS OS OS WL OS OS WL F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.d_c_city).await;
                svc.claim(s, &x.ids.d_c_city, v).await
            }),
        row!(Each, "pass (A's @county)",           "F F F F ✓ OS OS OS WL OS OS WL F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.d_a).await;
                svc.pass(s, &x.ids.d_a, v, None).await
            }),
        row!(Each, "return_item (A's @county)",    "F F F F ✓ OS OS OS WL OS OS WL F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.d_a).await;
                svc.return_item(s, &x.ids.d_a, v, reason()).await
            }),
        row!(Each, "reject (A's @county)",         "F F F F ✓ OS OS OS WL OS OS WL F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.d_a).await;
                svc.reject(s, &x.ids.d_a, v, reason()).await
            }),
        row!(Each, "bulk_decide pass (A's @county)", "F F F F ✓ OS OS OS WL OS OS WL F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.d_a).await;
                let mut r = svc.bulk_decide(s, vec![(x.ids.d_a.clone(), v)], BulkDecision::Pass {}).await?;
                r.remove(0).outcome
            }),
        row!(Each, "pass (A's @province)",         "F F F F WL OS OS OS ✓ OS OS WL F",
            prep |svc, x| {
                let v = version(svc, Table::Items, &x.ids.d_a).await;
                svc.pass(&x.s[CTY305], &x.ids.d_a, v, None).await
            },
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.d_a).await;
                svc.pass(s, &x.ids.d_a, v, None).await
            }),
        row!(Each, "pass (B's 小巨人 @ministry)",   "F F F F OS OS WL WL OS WL OS ✓ F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.d_b_giant).await;
                svc.pass(s, &x.ids.d_b_giant, v, None).await
            }),
    ]);
    group(&mut rows, "certifications", vec![
        row!(Read, "certifications (B)",           "F ✓ F F F F ✓ ✓ F ✓ F ✓ F",
            |svc, s, x| svc.certifications(s, &x.ids.b_enterprise).await),
        row!(Read, "certification (B's 专精特新)",  "F ✓ F F F F ✓ ✓ F ✓ F ✓ F",
            |svc, s, x| svc.certification(s, &x.ids.cert_b_spec).await),
        row!(Each, "cancel_certification (B's 专精特新)", "F F F F F F F F F ✓ F F F",
            |svc, s, x| {
                let v = version(svc, Table::Certifications, &x.ids.cert_b_spec).await;
                let note = "经核实，举报的研发投入数据不实。";
                svc.cancel_certification(s, &x.ids.cert_b_spec, v, CancelReason::UntrueReport, note)
                    .await
            }),
        row!(Each, "cancel_certification (C's 小巨人)", "F F F F F F F F F F F ✓ F",
            |svc, s, x| {
                let v = version(svc, Table::Certifications, &x.ids.cert_c_giant).await;
                let note = "重组后主营业务收入占比不再符合条件。";
                let why = CancelReason::NoLongerQualifies;
                svc.cancel_certification(s, &x.ids.cert_c_giant, v, why, note).await
            }),
    ]);
    group(&mut rows, "updates", vec![
        row!(Read, "update_status",                "✓ ✓ F F F F F F F F F F F",
            |svc, s, x| svc.update_status(s).await),
        row!(Each, "start_update (B's was rejected)", "update_not_required ✓ F F F F F F F F F F F",
            prep |svc, x| {
                let v = version(svc, Table::Items, &x.ids.u_b).await;
                svc.reject(&x.s[ADM_GD], &x.ids.u_b, v, "员工人数与社保缴纳记录不符。".into()).await
            },
            |svc, s, x| svc.start_update(s).await),
        row!(Each, "save_update (B's withdrawn)",  "NO ✓ F F F F F F F F F F F",
            prep |svc, x| {
                let v = version(svc, Table::Items, &x.ids.u_b).await;
                svc.withdraw_update(&x.s[B], &x.ids.u_b, v).await
            },
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.u_b).await;
                svc.save_update(s, &x.ids.u_b, v, &InfoChanges { employees: Some(96), ..InfoChanges::default() }).await
            }),
        row!(Each, "submit_update (B's withdrawn)", "NO ✓ F F F F F F F F F F F",
            prep |svc, x| {
                let v = version(svc, Table::Items, &x.ids.u_b).await;
                svc.withdraw_update(&x.s[B], &x.ids.u_b, v).await
            },
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.u_b).await;
                svc.submit_update(s, &x.ids.u_b, v).await
            }),
        row!(Each, "withdraw_update (B's)",        "NO ✓ F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.u_b).await;
                svc.withdraw_update(s, &x.ids.u_b, v).await
            }),
        row!(Each, "accept_update (B's @province)", "F F F F OS OS WL ✓ OS ✓ OS WL F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.u_b).await;
                svc.accept_update(s, &x.ids.u_b, v).await
            }),
        row!(Each, "return_update (B's @province)", "F F F F OS OS WL ✓ OS ✓ OS WL F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.u_b).await;
                svc.return_update(s, &x.ids.u_b, v, "请补充社保缴纳证明。").await
            }),
        row!(Read, "update_detail (B's)",          "F ✓ F F F F ✓ ✓ F ✓ F ✓ F",
            |svc, s, x| svc.update_detail(s, &x.ids.u_b).await),
    ]);
    group(&mut rows, "changes", vec![
        row!(Each, "create_change (own)",          "not_certified ✓ F F F F F F F F F F F",
            |svc, s, x| svc.create_change(s, &ChangeInput {
                kind: ChangeKind::Rename,
                change_date: d("2025-03-01"),
                before: "广州旧名称科技有限公司".into(),
                after: "广州新名称科技有限公司".into(),
                description: "企业名称变更为广州新名称科技有限公司。".into(),
            }).await),
        row!(Each, "edit_change (B's draft)",      "NO ✓ F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.ch_b_draft).await;
                svc.edit_change(s, &x.ids.ch_b_draft, v, &ChangeInput {
                    kind: ChangeKind::OverseasBranch,
                    change_date: d("2025-02-21"),
                    before: "无境外分支机构".into(),
                    after: "新加坡销售子公司".into(),
                    description: "在新加坡设立销售子公司（更正日期）。".into(),
                }).await
            }),
        row!(Each, "delete_change (B's draft)",    "NO ✓ F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.ch_b_draft).await;
                svc.delete_change(s, &x.ids.ch_b_draft, v).await
            }),
        row!(Each, "submit_change (B's draft)",    "NO ✓ F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.ch_b_draft).await;
                svc.submit_change(s, &x.ids.ch_b_draft, v).await
            }),
        row!(Each, "withdraw_change (B's)",        "NO ✓ F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.ch_b_sub).await;
                svc.withdraw_change(s, &x.ids.ch_b_sub, v).await
            }),
        row!(Each, "acknowledge_change (B's @province)", "F F F F OS OS WL ✓ OS ✓ OS WL F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.ch_b_sub).await;
                svc.acknowledge_change(s, &x.ids.ch_b_sub, v).await
            }),
        row!(Each, "return_change (B's @province)", "F F F F OS OS WL ✓ OS ✓ OS WL F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.ch_b_sub).await;
                svc.return_change(s, &x.ids.ch_b_sub, v, "请补充工商变更登记材料。").await
            }),
        row!(Read, "changes (own)",                "✓ ✓ F F F F F F F F F F F",
            |svc, s, x| svc.changes(s, &ChangeFilter::default(), &page()).await),
        row!(Read, "change_detail (B's)",          "F ✓ F F F F ✓ ✓ F ✓ F ✓ F",
            |svc, s, x| svc.change_detail(s, &x.ids.ch_b_sub).await),
        row!(Read, "change_detail (B's draft)",    "F ✓ F F F F F F F F F F F",
            |svc, s, x| svc.change_detail(s, &x.ids.ch_b_draft).await),
    ]);
    group(&mut rows, "reexam", vec![
        row!(Read, "review_candidates (专精特新)", "F F F F F F F F ✓ ✓ ✓ F F",
            |svc, s, x| svc.review_candidates(s, Tier::Specialized, 2025, &page()).await),
        row!(Read, "review_candidates (小巨人)",   "F F F F F F F F F F F ✓ F",
            |svc, s, x| svc.review_candidates(s, Tier::LittleGiant, 2025, &page()).await),
        row!(Each, "set_review_flags (B's 专精特新)", "F F F F F F F F F ✓ F F F",
            |svc, s, x| {
                let mut r = svc.set_review_flags(s, std::slice::from_ref(&x.ids.cert_b_spec), false).await?;
                r.remove(0).result
            }),
        row!(Each, "set_review_flags (C's 小巨人)", "F F F F F F F F F F F ✓ F",
            |svc, s, x| {
                let mut r = svc.set_review_flags(s, std::slice::from_ref(&x.ids.cert_c_giant), true).await?;
                r.remove(0).result
            }),
        row!(Read, "reexam_status",                "✓ ✓ F F F F F F F F F F F",
            |svc, s, x| svc.reexam_status(s).await),
        row!(Each, "apply_reexam (专精特新)",       "no_active_certification ✓ F F F F F F F F F F F",
            |svc, s, x| svc.apply_reexam(s, Tier::Specialized).await),
        row!(Each, "withdraw_reexam (B's)",        "NO ✓ F F F F F F F F F F F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.r_b).await;
                svc.withdraw_reexam(s, &x.ids.r_b, v).await
            }),
        row!(Each, "pass_reexam (B's @city)",      "F F F F OS OS ✓ WL OS WL OS WL F",
            |svc, s, x| {
                let v = version(svc, Table::Items, &x.ids.r_b).await;
                svc.pass_reexam(s, &x.ids.r_b, v).await
            }),
    ]);
    group(&mut rows, "history", vec![
        row!(Read, "reexam_history",               "✓ ✓ F F F F F F F F F F F",
            |svc, s, x| svc.reexam_history(s, &page()).await),
        row!(Read, "update_history",               "✓ ✓ F F F F F F F F F F F",
            |svc, s, x| svc.update_history(s, &page()).await),
        row!(Read, "reexam_detail (B's)",          "F ✓ F F F F ✓ ✓ F ✓ F ✓ F",
            |svc, s, x| svc.reexam_detail(s, &x.ids.r_b).await),
    ]);
    group(&mut rows, "inbox", vec![
        row!(Read, "messages",                     "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓",
            |svc, s, x| svc.messages(s, None, false, &page()).await),
        row!(Read, "latest_messages",              "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓",
            |svc, s, x| svc.latest_messages(s, 5).await),
        row!(Read, "message (A's)",                "✓ F F F F F F F F F F F F",
            |svc, s, x| svc.message(s, &x.ids.msg_a).await),
        row!(Each, "mark_read (A's)",              "✓ F F F F F F F F F F F F",
            |svc, s, x| svc.mark_read(s, std::slice::from_ref(&x.ids.msg_a)).await),
        row!(Own, "mark_all_read",                 "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓",
            |svc, s, x| svc.mark_all_read(s, None).await),
    ]);
    group(&mut rows, "announcements", vec![
        row!(Own, "create_announcement",           "F F F F F F F F ✓ ✓ ✓ ✓ F",
            |svc, s, x| svc.create_announcement(s, &AnnouncementDraft {
                title: "关于做好优质中小企业梯度培育工作的通知".into(),
                body: "请各地认真组织实施。".into(),
                level: None,
            }).await),
        row!(Each, "update_announcement (广东 draft)", "F F F F F F F F F ✓ F F F",
            |svc, s, x| {
                let v = version(svc, Table::Announcements, &x.ids.ann_draft).await;
                svc.update_announcement(s, &x.ids.ann_draft, v, &AnnouncementDraft {
                    title: "关于2025年专精特新中小企业认定的通知".into(),
                    body: "各有关单位：现将认定结果公告如下。".into(),
                    level: None,
                }).await
            }),
        row!(Each, "publish_announcement (广东 draft)", "F F F F F F F F F ✓ F F F",
            |svc, s, x| {
                let v = version(svc, Table::Announcements, &x.ids.ann_draft).await;
                svc.publish_announcement(s, &x.ids.ann_draft, v).await
            }),
        row!(Each, "withdraw_announcement (广东 published)", "F F F F F F F F F ✓ F F F",
            |svc, s, x| {
                let v = version(svc, Table::Announcements, &x.ids.ann_pub).await;
                svc.withdraw_announcement(s, &x.ids.ann_pub, v).await
            }),
        row!(Each, "delete_announcement (广东 draft)", "F F F F F F F F F ✓ F F F",
            |svc, s, x| {
                let v = version(svc, Table::Announcements, &x.ids.ann_draft).await;
                svc.delete_announcement(s, &x.ids.ann_draft, v).await
            }),
        row!(Read, "own_announcements",            "F F F F F F F F ✓ ✓ ✓ ✓ F",
            |svc, s, x| svc.own_announcements(s, None, &page()).await),
        row!(Read, "own_announcement (广东 draft)", "F F F F F F F F F ✓ F F F",
            |svc, s, x| svc.own_announcement(s, &x.ids.ann_draft).await),
    ]);
    group(&mut rows, "admin", vec![
        row!(Read, "managed_certifications",       "F F F F F F F F ✓ ✓ ✓ ✓ F",
            |svc, s, x| svc.managed_certifications(s, &ManagedFilter::default(), &page()).await),
        row!(Read, "staff_accounts",               "F F F F F F F F F F F ✓ F",
            |svc, s, x| svc.staff_accounts(s, &page()).await),
        row!(Each, "set_staff_disabled (cty305's)", "F F F F F F F F F F F ✓ F",
            |svc, s, x| {
                let id = x.s[CTY305].account_id.clone();
                let v = version(svc, Table::Accounts, &id).await;
                svc.set_staff_disabled(s, &id, v, true).await
            }),
        row!(Read, "demo_outbox (not a demo database)", "F F F F F F F F F F F F not_demo",
            |svc, s, x| svc.demo_outbox(s, &page()).await),
        row!(Read, "trail (广东 专精特新 window)",   "F F F F F F F F F ✓ F F F",
            |svc, s, x| svc.trail(s, TrailKind::Window, &x.ids.w_gd_specialized).await),
        row!(Read, "trail (B's 专精特新)",          "F F F F F F F F F ✓ F ✓ F",
            |svc, s, x| svc.trail(s, TrailKind::Certification, &x.ids.cert_b_spec).await),
        row!(Read, "trail (广东 draft announcement)", "F F F F F F F F F ✓ F F F",
            |svc, s, x| svc.trail(s, TrailKind::Announcement, &x.ids.ann_draft).await),
        row!(Read, "trail (A's account)",          "F F F F F F F F F F F F ✓",
            |svc, s, x| svc.trail(s, TrailKind::Account, &x.ids.a_account).await),
        row!(Read, "trail (cty305's account)",     "F F F F F F F F F F F ✓ ✓",
            |svc, s, x| svc.trail(s, TrailKind::Account, &x.s[CTY305].account_id).await),
        row!(Read, "trail (support request)",      "F F F F F F F F F F F F ✓",
            |svc, s, x| svc.trail(s, TrailKind::SupportRequest, &x.ids.support_req).await),
    ]);
    rows
}

// ---------------------------------------------------------------------------------------------
// Running the table
// ---------------------------------------------------------------------------------------------

/// What a cell came to.
struct Outcome {
    /// `✓` or the refusal code.
    code: String,
    /// The error in full (for the report), or empty.
    detail: String,
    /// The call changed the database.
    changed: bool,
}

/// What is wrong with a cell beyond its code: a refusal must leave nothing behind, and an
/// allowed state change (rows of `Iso::Each`) must actually change something.
fn flaw(row: &Row, o: &Outcome) -> Option<&'static str> {
    match (o.code == ALLOWED, o.changed) {
        (false, true) => Some("refused, yet wrote to the database"),
        (true, false) if row.iso == Iso::Each => Some("allowed, yet changed nothing"),
        _ => None,
    }
}

async fn run_cell(svc: &Service, row: &Row, role: usize, ctx: &Ctx) -> Outcome {
    let before = fingerprint(svc).await;
    let result = (row.op)(svc, &ctx.s[role], ctx).await;
    let changed = fingerprint(svc).await != before;
    match result {
        Ok(()) => Outcome {
            code: ALLOWED.to_string(),
            detail: String::new(),
            changed,
        },
        Err(e) => Outcome {
            code: e.code().to_string(),
            detail: e.to_string(),
            changed,
        },
    }
}

async fn prepared(template: &Path, row: &Row, ctx: &Ctx) -> WorldCopy {
    let copy = copy_of(template).await;
    if let Some(p) = &row.prep
        && let Err(e) = p(&copy.svc, ctx).await
    {
        panic!("the set-up step of row {:?} failed: {e}", row.name);
    }
    copy
}

async fn run_row(template: &Path, read: &Service, row: &Row, ctx: &Ctx) -> Vec<Outcome> {
    let expected = parse(row);
    let mut out: Vec<Option<Outcome>> = (0..ROLES.len()).map(|_| None).collect();
    match row.iso {
        Iso::Read => {
            assert!(row.prep.is_none(), "{}: a read row has no set-up", row.name);
            for (role, slot) in out.iter_mut().enumerate() {
                *slot = Some(run_cell(read, row, role, ctx).await);
            }
        }
        Iso::Own => {
            let copy = prepared(template, row, ctx).await;
            for (role, slot) in out.iter_mut().enumerate() {
                *slot = Some(run_cell(&copy.svc, row, role, ctx).await);
            }
            copy.svc.close().await;
        }
        Iso::Each => {
            // Refusals first (they leave the copy as it was), then each allowed cell on a
            // clean copy.
            let mut order: Vec<usize> = (0..ROLES.len()).collect();
            order.sort_by_key(|r| expected[*r] == ALLOWED);
            let mut copy = prepared(template, row, ctx).await;
            let mut dirty = false;
            for role in order {
                if dirty {
                    copy.svc.close().await;
                    copy = prepared(template, row, ctx).await;
                }
                let o = run_cell(&copy.svc, row, role, ctx).await;
                dirty = o.code == ALLOWED || o.changed;
                out[role] = Some(o);
            }
            copy.svc.close().await;
        }
    }
    out.into_iter().map(Option::unwrap).collect()
}

fn parse(row: &Row) -> Vec<&'static str> {
    let cells: Vec<&'static str> = row.cells.split_whitespace().map(expand).collect();
    assert_eq!(
        cells.len(),
        ROLES.len(),
        "row {:?} has {} cells, not {}",
        row.name,
        cells.len(),
        ROLES.len()
    );
    cells
}

/// Display width of a cell or name: CJK characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if c as u32 >= 0x2E80 { 2 } else { 1 })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// The matrix as text: actual outcomes, a mismatch shown as `actual≠expected`.
fn render(rows: &[Row], results: &[Vec<Outcome>]) -> String {
    let name_w = rows.iter().map(|r| width(r.name)).max().unwrap_or(0) + 2;
    let cells: Vec<Vec<String>> = rows
        .iter()
        .zip(results)
        .map(|(row, outcomes)| {
            parse(row)
                .iter()
                .zip(outcomes)
                .map(|(want, got)| {
                    let mut c = abbreviate(&got.code).to_string();
                    if got.code != *want {
                        c = format!("{c}≠{}", abbreviate(want));
                    }
                    if flaw(row, got).is_some() {
                        c.push('!');
                    }
                    c
                })
                .collect()
        })
        .collect();
    let col_w: Vec<usize> = (0..ROLES.len())
        .map(|i| {
            cells
                .iter()
                .map(|r| width(&r[i]))
                .chain([width(ROLES[i])])
                .max()
                .unwrap()
                + 1
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Legend: {ALLOWED} allowed; {}; other codes as they are; x≠y: got x, expected y; \
         x!: a refusal that wrote, or an allowed change that changed nothing.",
        ABBREVIATIONS
            .iter()
            .map(|(a, c)| format!("{a} {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut header = pad("", name_w);
    for (i, r) in ROLES.iter().enumerate() {
        header.push_str(&pad(r, col_w[i]));
    }
    let _ = writeln!(out, "{}", header.trim_end());
    let mut module = "";
    for (row, cells) in rows.iter().zip(&cells) {
        if row.module != module {
            module = row.module;
            let _ = writeln!(out, "[{module}]");
        }
        let mut line = pad(row.name, name_w);
        for (i, c) in cells.iter().enumerate() {
            line.push_str(&pad(c, col_w[i]));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

#[tokio::test]
async fn every_role_against_every_use_case() {
    let (template, ctx) = build().await;
    let read = copy_of(template.path()).await;
    let rows = rows();
    let mut results = Vec::with_capacity(rows.len());
    for row in &rows {
        results.push(run_row(template.path(), &read.svc, row, &ctx).await);
    }

    let matrix = render(&rows, &results);
    println!("{matrix}");
    let mut problems = String::new();
    for (row, outcomes) in rows.iter().zip(&results) {
        let expected = parse(row);
        let bad = outcomes
            .iter()
            .zip(&expected)
            .any(|(o, want)| o.code != *want || flaw(row, o).is_some());
        if !bad {
            continue;
        }
        let _ = writeln!(problems, "[{}] {}:", row.module, row.name);
        for (i, (o, want)) in outcomes.iter().zip(&expected).enumerate() {
            let flaw = flaw(row, o);
            let mark = if o.code != *want || flaw.is_some() {
                "  ✗"
            } else {
                "   "
            };
            let _ = writeln!(
                problems,
                "{mark} {:<9} expected {:<24} got {:<24}{}{}",
                ROLES[i],
                want,
                o.code,
                flaw.map(|f| format!(" ({f})")).unwrap_or_default(),
                if o.detail.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", o.detail)
                }
            );
        }
    }
    assert!(
        problems.is_empty(),
        "authorization matrix mismatches:\n{problems}\nThe whole matrix:\n{matrix}"
    );

    // Refusals that must also say why, in both languages.
    explanations(&read.svc, &ctx).await;
    read.svc.close().await;

    // No use case that takes a session is missing from the table.
    let covered: Vec<&str> = rows
        .iter()
        .map(|r| r.name.split(' ').next().unwrap())
        .collect();
    let use_cases = session_use_cases();
    let missing: Vec<&String> = use_cases
        .iter()
        .filter(|name| !covered.contains(&name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "use cases taking a session without a row in the matrix: {missing:?}"
    );
    let unknown: Vec<&&str> = covered
        .iter()
        .filter(|name| !use_cases.iter().any(|u| u == *name))
        .collect();
    assert!(unknown.is_empty(), "rows naming no use case: {unknown:?}");
}

/// The names of the use cases (`pub async fn`s on `Service`) of `src/service` that take a
/// `&Session`.
fn session_use_cases() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/service");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let src = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (at, _) in src.match_indices("pub async fn ") {
            let rest = &src[at + "pub async fn ".len()..];
            let Some(open) = rest.find('(') else { continue };
            let signature = &rest[..rest.find('{').unwrap_or(rest.len())];
            if signature.contains("&self") && signature.contains("&Session") {
                names.push(rest[..open].to_string());
            }
        }
    }
    names.sort();
    names
}

/// The refusals the product must explain (the codes are in the matrix; here, their words).
async fn explanations(svc: &Service, x: &Ctx) {
    let ids = &x.ids;
    let refused = |r: ServiceResult<()>| r.expect_err("refused");

    // A natural person declaring is told how to get a legal-person account.
    let e = refused(
        svc.create_declaration(&x.s[NATURAL], Tier::Specialized, &ids.w_gd_specialized)
            .await
            .map(drop),
    );
    let t = e.text();
    assert!(
        t.zh.contains("法人账户") && t.zh.contains("统一社会信用代码"),
        "{}",
        t.zh
    );
    assert!(t.en.contains("legal-person account"), "{}", t.en);

    // An enterprise reading another enterprise's declaration.
    let e = refused(svc.declaration(&x.s[B], &ids.d_a).await.map(drop));
    assert_eq!(e.code(), "forbidden");
    assert!(e.text().zh.contains("只有申报企业本身"), "{}", e.text().zh);

    // A county reviewer on an item at the city level: both levels named.
    let v = version(svc, Table::Items, &ids.d_c_city).await;
    let e = refused(svc.claim(&x.s[CTY305], &ids.d_c_city, v).await.map(drop));
    assert_eq!(e.code(), "wrong_level");
    assert!(
        e.text().zh.contains("市级") && e.text().zh.contains("县级"),
        "{}",
        e.text().zh
    );

    // Support and the enterprise itself trying a review decision.
    let v = version(svc, Table::Items, &ids.d_a).await;
    for who in [SUPPORT, A] {
        let e = refused(svc.pass(&x.s[who], &ids.d_a, v, None).await.map(drop));
        assert_eq!(e.code(), "forbidden", "{}", ROLES[who]);
        assert!(
            e.text().en.to_lowercase().contains("reviewer"),
            "{}",
            e.text().en
        );
    }

    // 广东's admin opening a window for 深圳: only 深圳's admin may.
    let e = refused(
        svc.open_window(
            &x.s[ADM_GD],
            NewWindow {
                authority_code: "440300".into(),
                tier: Tier::LittleGiant,
                batch: 2025,
                start: d("2025-03-03"),
                end: d("2025-03-31"),
            },
        )
        .await
        .map(drop),
    );
    assert!(e.text().zh.contains("深圳"), "{}", e.text().zh);

    // 浙江's admin cancelling a 广东 certification.
    let v = version(svc, Table::Certifications, &ids.cert_b_spec).await;
    let e = refused(
        svc.cancel_certification(
            &x.s[ADM_ZJ],
            &ids.cert_b_spec,
            v,
            CancelReason::DataFraud,
            "数据造假",
        )
        .await
        .map(drop),
    );
    assert!(e.text().zh.contains("广东"), "{}", e.text().zh);

    // A reviewer publishing an announcement.
    let v = version(svc, Table::Announcements, &ids.ann_draft).await;
    let e = refused(
        svc.publish_announcement(&x.s[PRV_GD], &ids.ann_draft, v)
            .await
            .map(drop),
    );
    assert!(e.text().zh.contains("管理员"), "{}", e.text().zh);

    // An enterprise calling a support use case.
    let e = refused(
        svc.support_requests(&x.s[A], &RequestFilter::default(), &page())
            .await
            .map(drop),
    );
    assert!(e.text().zh.contains("客服"), "{}", e.text().zh);

    // An unverified legal-person account is sent to real-name verification first.
    let e = refused(
        svc.my_declarations(&x.s[UNVERIFIED], &DeclarationFilter::default(), &page())
            .await
            .map(drop),
    );
    assert!(e.text().zh.contains("实名认证"), "{}", e.text().zh);

    // A city reviewer outside its city is refused by scope, not by level.
    let v = version(svc, Table::Items, &ids.d_a).await;
    let e = refused(svc.claim(&x.s[CITY4401], &ids.d_a, v).await.map(drop));
    assert_eq!(e.code(), "out_of_scope");
}
