//! Declarations on the enterprise side, evidence and export, through the service; each test on a
//! fresh database with the test clock at Monday 2025-03-03 09:00 Beijing time.
//!
//! What belongs to other modules is set up directly and marked so: basic information and
//! assessments and certifications (SQL rows), reviewer decisions (`items::act`).

mod common;

use chrono::{Duration, NaiveDate};
use common::{Env, env};
use serde::Deserialize;
use std::sync::Arc;
use zjtx::domain::rules::{Inputs, Value};
use zjtx::domain::text::Localized;
use zjtx::domain::tiers::{DigitalLevel, ReviewLevel, Tier};
use zjtx::domain::workflow::{Action, Refusal, State};
use zjtx::service::audit::Who;
use zjtx::service::authz::place_of;
use zjtx::service::declarations::DeclarationFilter;
use zjtx::service::evidence::{MAX_EVIDENCE_BYTES, blob_path};
use zjtx::service::export::ExportFormat;
use zjtx::service::items::{self, ItemFacts, ItemKind, NewItem};
use zjtx::service::windows::{NewWindow, WindowView};
use zjtx::service::{AccountKind, PageRequest, ServiceError, Session};

use ReviewLevel::{City, County, Ministry, Province};

// ---------------------------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------------------------

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[derive(Deserialize)]
struct Example {
    inputs: Inputs,
}

/// The worked example of a tier (fixtures/examples), for an enterprise of 广东 (its default local
/// indicators instead of 深圳's).
fn inputs(tier: Tier) -> Inputs {
    let src = match tier {
        Tier::Innovative => include_str!("../fixtures/examples/innovative.toml"),
        Tier::Specialized => include_str!("../fixtures/examples/specialized.toml"),
        Tier::LittleGiant => include_str!("../fixtures/examples/little_giant.toml"),
    };
    let mut i = toml::from_str::<Example>(src).unwrap().inputs;
    if tier == Tier::Specialized {
        i.remove("sz_20_clusters");
        i.remove("sz_pct_patents");
        i.insert("local_key_industry".into(), Value::Bool(true));
        i.insert("local_export_share".into(), Value::Number(12.0));
    }
    i
}

struct World {
    env: Env,
    gd: Session,
    firm: Session,
    county: Session,
    city: Session,
    province: Session,
}

/// Fills an enterprise's basic information (registered in `county`) directly — the
/// enterprise-info use case is another module's.
async fn fill_basic_info(env: &Env, s: &Session, county: &str) {
    let p = place_of(county).unwrap();
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "UPDATE enterprises SET county_code = $1, city_code = $2, authority_code = $3, \
         industry_code = '3973', segment = '智能传感器', main_products = 'MEMS 压力传感器', \
         employees = 210, revenue = 8600, total_assets = 9800, contact_name = '李四', \
         contact_phone = '13800000001' WHERE id = $4",
    )
    .bind(&p.county_code)
    .bind(&p.city_code)
    .bind(&p.authority_code)
    .bind(s.enterprise_id.as_deref().unwrap())
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
}

/// A completed assessment at `level` (the assessment use case is another module's).
async fn add_assessment(env: &Env, s: &Session, level: i64) {
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "INSERT INTO assessments (id, account_id, enterprise_id, category, questionnaire_id, \
         questionnaire_version, started_at, completed_at, total, level, updated_at) \
         VALUES ($1, $2, $3, 'manufacturing', 'manufacturing', '2022.1', 0, 1000, 65, $4, 1000)",
    )
    .bind(format!("as-{}", s.account_id))
    .bind(&s.account_id)
    .bind(s.enterprise_id.as_deref().unwrap())
    .bind(level)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
}

/// A certification row (the certification use cases are another module's).
async fn add_certification(
    env: &Env,
    s: &Session,
    tier: Tier,
    status: &str,
    barred_until: Option<&str>,
) {
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "INSERT INTO certifications (id, enterprise_id, tier, certified_on, expires_on, status, \
         barred_until, created_at, updated_at) VALUES ($1, $2, $3, '2024-06-01', '2027-05-31', \
         $4, $5, 0, 0)",
    )
    .bind(format!("cert-{}-{}", s.account_id, tier.code()))
    .bind(s.enterprise_id.as_deref().unwrap())
    .bind(tier.code())
    .bind(status)
    .bind(barred_until)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
}

impl World {
    async fn new() -> World {
        let env = env().await;
        let gd = env
            .staff(
                "gd_admin",
                AccountKind::Admin,
                Some(Province),
                Some("440000"),
            )
            .await;
        let firm = env.enterprise("firm", 1).await;
        fill_basic_info(&env, &firm, "440106").await;
        let county = env
            .staff(
                "th_rev",
                AccountKind::Reviewer,
                Some(County),
                Some("440106"),
            )
            .await;
        let city = env
            .staff("gz_rev", AccountKind::Reviewer, Some(City), Some("440100"))
            .await;
        let province = env
            .staff(
                "gd_rev",
                AccountKind::Reviewer,
                Some(Province),
                Some("440000"),
            )
            .await;
        World {
            env,
            gd,
            firm,
            county,
            city,
            province,
        }
    }

    /// A 广东 window for `tier`, batch 2025, open 2025-03-03 … 2025-03-31.
    async fn window(&self, tier: Tier) -> WindowView {
        self.env
            .svc
            .open_window(
                &self.gd,
                NewWindow {
                    authority_code: "440000".into(),
                    tier,
                    batch: 2025,
                    start: d("2025-03-03"),
                    end: d("2025-03-31"),
                },
            )
            .await
            .unwrap()
    }

    async fn close(&self, w: &WindowView) {
        let cur = {
            let mut conn = self.env.svc.read().await.unwrap();
            zjtx::service::windows::load_window(&mut conn, &w.id, self.env.svc.today())
                .await
                .unwrap()
        };
        self.env
            .svc
            .close_window(&self.gd, &w.id, cur.version)
            .await
            .unwrap();
    }

    /// A draft with the tier's complete example inputs saved; returns (id, version).
    async fn filled(&self, who: &Session, tier: Tier, window: &WindowView) -> (String, i64) {
        let draft = self
            .env
            .svc
            .create_declaration(who, tier, &window.id)
            .await
            .unwrap();
        let saved = self
            .env
            .svc
            .save_declaration(who, &draft.id, draft.version, inputs(tier))
            .await
            .unwrap();
        assert!(saved.warnings.is_empty(), "{:?}", saved.warnings);
        (draft.id, saved.declaration.version)
    }

    /// A reviewer decision (the review module's use case), through the workflow executor.
    async fn review(&self, who: &Session, id: &str, action: Action) -> items::Item {
        let version = self.item(id).await.version;
        let mut w = self.env.svc.write().await.unwrap();
        let done = items::act(&mut w, who, id, version, &action, ItemFacts::default())
            .await
            .unwrap();
        w.commit().await.unwrap();
        done.item.unwrap()
    }

    async fn item(&self, id: &str) -> items::Item {
        let mut conn = self.env.svc.read().await.unwrap();
        items::load(&mut conn, id).await.unwrap()
    }

    async fn history(&self, id: &str) -> Vec<String> {
        let mut conn = self.env.svc.read().await.unwrap();
        zjtx::service::audit::history_of(&mut conn, id)
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.action)
            .collect()
    }
}

fn field_names(e: &ServiceError) -> Vec<String> {
    match e {
        ServiceError::Invalid { fields } => fields.iter().map(|f| f.field.clone()).collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF";
/// A real one-entry zip (evidence zips are validated entry by entry).
fn zip_bytes() -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("营业执照.pdf", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(PDF).unwrap();
    w.finish().unwrap().into_inner()
}

/// A PDF of exactly `len` bytes (padding inside, the end marker last).
fn pdf_of_len(len: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.resize(len - b"\n%%EOF\n".len(), b' ');
    v.extend_from_slice(b"\n%%EOF\n");
    v
}

// ---------------------------------------------------------------------------------------------
// Creating
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_declaration_is_created_only_in_an_open_window_of_the_enterprises_authority() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let upcoming = svc
        .open_window(
            &wd.gd,
            NewWindow {
                authority_code: "440000".into(),
                tier: Tier::Innovative,
                batch: 2025,
                start: d("2025-03-10"),
                end: d("2025-03-20"),
            },
        )
        .await
        .unwrap();
    let e = svc
        .create_declaration(&wd.firm, Tier::Innovative, &upcoming.id)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "window_not_open");
    assert!(e.text().zh.contains("2025-03-10"), "{}", e.text().zh);

    let open = wd.window(Tier::Specialized).await;
    let e = svc
        .create_declaration(&wd.firm, Tier::Innovative, &open.id)
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("tier"));

    let sz_admin = wd
        .env
        .staff(
            "sz_admin",
            AccountKind::Admin,
            Some(Province),
            Some("440300"),
        )
        .await;
    let sz = svc
        .open_window(
            &sz_admin,
            NewWindow {
                authority_code: "440300".into(),
                tier: Tier::Specialized,
                batch: 2025,
                start: d("2025-03-03"),
                end: d("2025-03-31"),
            },
        )
        .await
        .unwrap();
    let e = svc
        .create_declaration(&wd.firm, Tier::Specialized, &sz.id)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "window_other_authority");
    assert!(e.text().zh.contains("深圳市") && e.text().zh.contains("广东省"));

    let e = svc
        .create_declaration(&wd.firm, Tier::Specialized, "no-such-window")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");

    let created = svc
        .create_declaration(&wd.firm, Tier::Specialized, &open.id)
        .await
        .unwrap();
    assert_eq!(created.state, State::Draft);
    assert_eq!((created.tier, created.batch), (Tier::Specialized, 2025));
    let item = wd.item(&created.id).await;
    assert_eq!(item.kind, ItemKind::Declaration);
    assert_eq!(item.ruleset, "2022");
    assert_eq!(item.window_id.as_deref(), Some(open.id.as_str()));
    assert_eq!(
        wd.env.audit_actions("item", &created.id).await,
        ["item.create"]
    );
    // One declaration per tier and batch.
    let e = svc
        .create_declaration(&wd.firm, Tier::Specialized, &open.id)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "declaration_exists");
    assert!(e.text().zh.contains("暂存"), "{}", e.text().zh);

    // Past the window's last day nothing new is created.
    wd.env.clock.advance(Duration::days(29));
    let e = svc
        .create_declaration(&wd.firm, Tier::Specialized, &open.id)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "window_not_open");
    assert_eq!(
        wd.env
            .scalar("SELECT COUNT(*) FROM items WHERE kind = 'declaration'")
            .await,
        1
    );
}

#[tokio::test]
async fn only_a_verified_legal_person_declares_and_a_natural_person_is_told_how() {
    let wd = World::new().await;
    let w = wd.window(Tier::Innovative).await;
    wd.env.register("person", AccountKind::Natural, 7).await;
    let person = wd.env.login("person").await;
    let e = wd
        .env
        .svc
        .create_declaration(&person, Tier::Innovative, &w.id)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    let t = e.text();
    assert!(
        t.zh.contains("自然人账户")
            && t.zh.contains("法人账户")
            && t.zh.contains("统一社会信用代码"),
        "{}",
        t.zh
    );
    assert!(t.en.contains("legal-person account"), "{}", t.en);

    wd.env.register("unverified", AccountKind::Legal, 8).await;
    let unverified = wd.env.login("unverified").await;
    let e = wd
        .env
        .svc
        .create_declaration(&unverified, Tier::Innovative, &w.id)
        .await
        .unwrap_err();
    assert!(e.text().zh.contains("实名认证"), "{}", e.text().zh);

    let support = wd.env.support().await;
    for who in [&support, &wd.county, &wd.gd] {
        let e = wd
            .env
            .svc
            .create_declaration(who, Tier::Innovative, &w.id)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
    }
    assert_eq!(wd.env.scalar("SELECT COUNT(*) FROM items").await, 0);
}

// ---------------------------------------------------------------------------------------------
// Saving, the form, the live evaluation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn saving_keeps_what_was_typed_and_returns_warnings_with_the_evaluation() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let w = wd.window(Tier::Innovative).await;
    let draft = svc
        .create_declaration(&wd.firm, Tier::Innovative, &w.id)
        .await
        .unwrap();
    let mut typed = inputs(Tier::Innovative);
    typed.insert("total_assets_y1".into(), Value::Number(-5.0));
    typed.insert("employees".into(), Value::Number(3.5));
    typed.insert("ip_class".into(), Value::Text("patent-ish".into()));
    typed.insert("rd_expense_y1".into(), Value::Text("about 120".into()));
    typed.remove("valid_title");
    let saved = svc
        .save_declaration(&wd.firm, &draft.id, draft.version, typed.clone())
        .await
        .unwrap();
    let mut warned: Vec<&str> = saved.warnings.iter().map(|f| f.field.as_str()).collect();
    warned.sort();
    assert_eq!(
        warned,
        ["employees", "ip_class", "rd_expense_y1", "total_assets_y1"],
        "a field left empty is no warning while typing"
    );
    let ip = saved
        .warnings
        .iter()
        .find(|f| f.field == "ip_class")
        .unwrap();
    assert!(ip.text.zh.contains("patent-ish") && ip.text.zh.contains("class_i"));
    assert_eq!(saved.declaration.version, draft.version + 1);
    // The evaluation is live: an R&D figure that is not a number scores nothing.
    let rd = saved
        .evaluation
        .indicators
        .iter()
        .find(|i| i.no == 2)
        .unwrap();
    assert_eq!((rd.points, rd.figure.clone()), (0.0, None));

    // Nothing typed is lost: the form shows it all back.
    let form = svc.declaration_form(&wd.firm, &draft.id).await.unwrap();
    assert!(form.editable);
    assert_eq!(form.version, draft.version + 1);
    let field = |id: &str| {
        form.sections
            .iter()
            .flat_map(|s| s.fields.iter())
            .find(|f| f.id == id)
            .unwrap()
            .clone()
    };
    assert_eq!(field("total_assets_y1").value, Some(Value::Number(-5.0)));
    assert_eq!(
        field("rd_expense_y1").value,
        Some(Value::Text("about 120".into()))
    );
    assert_eq!(field("valid_title").value, None);
    assert_eq!(field("employees").unit.zh, "人");
    assert_eq!(field("ip_class").options.len(), 5);
    let detail = svc.declaration(&wd.firm, &draft.id).await.unwrap();
    assert_eq!(detail.inputs, typed);

    // A stale version is a conflict naming who saved last.
    let e = svc
        .save_declaration(&wd.firm, &draft.id, draft.version, inputs(Tier::Innovative))
        .await
        .unwrap_err();
    match e {
        ServiceError::Conflict { by, .. } => {
            assert_eq!(by.as_deref(), Some("深圳市测试1科技有限公司"))
        }
        other => panic!("{other:?}"),
    }
    let saved = svc
        .save_declaration(
            &wd.firm,
            &draft.id,
            saved.declaration.version,
            inputs(Tier::Innovative),
        )
        .await
        .unwrap();
    assert!(saved.warnings.is_empty());
    assert_eq!(saved.evaluation.total, Some(90.0));
    assert!(saved.evaluation.verdict.qualifies);
    let live = svc.evaluate_declaration(&wd.firm, &draft.id).await.unwrap();
    assert_eq!(live, saved.evaluation);

    // Hard limits refuse and store nothing.
    let mut huge = inputs(Tier::Innovative);
    huge.insert("statement".into(), Value::Text("长".repeat(5001)));
    let e = svc
        .save_declaration(&wd.firm, &draft.id, saved.declaration.version, huge)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["statement"]);
    assert_eq!(wd.item(&draft.id).await.version, saved.declaration.version);
}

#[tokio::test]
async fn the_form_follows_the_tier_and_the_enterprises_local_indicators() {
    let wd = World::new().await;
    let w = wd.window(Tier::Specialized).await;
    let draft = wd
        .env
        .svc
        .create_declaration(&wd.firm, Tier::Specialized, &w.id)
        .await
        .unwrap();
    let form = wd
        .env
        .svc
        .declaration_form(&wd.firm, &draft.id)
        .await
        .unwrap();
    let ids: Vec<&str> = form
        .sections
        .iter()
        .flat_map(|s| s.fields.iter().map(|f| f.id.as_str()))
        .collect();
    assert!(ids.contains(&"years_in_niche"));
    assert!(
        ids.contains(&"local_key_industry"),
        "广东 uses the default set"
    );
    assert!(!ids.contains(&"sz_20_clusters"));
    assert_eq!(form.ruleset, "2022");
}

// ---------------------------------------------------------------------------------------------
// Submitting
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn submit_stores_score_breakdown_level_snapshot_and_history() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    add_assessment(&wd.env, &wd.firm, 3).await;
    let w = wd.window(Tier::Specialized).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Specialized, &w).await;
    wd.env.clock.advance(Duration::minutes(30));
    let submitted = svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap();
    assert_eq!(submitted.state, State::Submitted(County));
    assert_eq!(submitted.level, Some(County));
    assert_eq!(submitted.submitted_at, Some(svc.now()));
    let item = wd.item(&id).await;
    assert_eq!(item.digital_level, Some(3));
    assert_eq!(item.ruleset, "2022");
    assert_eq!(item.qualifies, Some(true));
    let score = item.score.expect("a score");
    assert_eq!(submitted.score, Some(score));
    assert_eq!(
        item.chain.as_ref().unwrap().levels(),
        [County, City, Province]
    );

    let detail = svc.declaration(&wd.firm, &id).await.unwrap();
    let bd = detail.breakdown.expect("the stored breakdown");
    assert_eq!(bd.total, Some(score));
    assert!(bd.verdict.qualifies);
    let digital = bd.indicators.iter().find(|i| i.no == 5).unwrap();
    assert_eq!(digital.points, 5.0, "三级 scores 5");
    assert_eq!(detail.digital_level, Some(DigitalLevel::L3));
    assert_eq!(detail.history.len(), 1);
    assert_eq!(detail.history[0].action, "submit");
    assert_eq!(detail.history[0].to, Some(State::Submitted(County)));
    assert_eq!(
        wd.env.audit_actions("item", &id).await,
        ["item.create", "item.edit", "item.submit"]
    );
    assert_eq!(
        wd.env
            .scalar("SELECT COUNT(*) FROM messages WHERE category = 'reminder' AND title LIKE '%已提交%'")
            .await,
        1
    );

    // The snapshot does not move when the assessment changes later.
    let mut w2 = svc.write().await.unwrap();
    sqlx::query("UPDATE assessments SET level = 1 WHERE enterprise_id = $1")
        .bind(wd.firm.enterprise_id.as_deref().unwrap())
        .execute(&mut *w2)
        .await
        .unwrap();
    w2.commit().await.unwrap();
    assert_eq!(wd.item(&id).await.digital_level, Some(3));
    let live = svc.evaluate_declaration(&wd.firm, &id).await.unwrap();
    assert_eq!(
        live.indicators.iter().find(|i| i.no == 5).unwrap().points,
        0.0,
        "the live evaluation uses the current level"
    );
}

#[tokio::test]
async fn submit_reports_every_field_error_at_once_and_changes_nothing() {
    let wd = World::new().await;
    let w = wd.window(Tier::Innovative).await;
    let draft = wd
        .env
        .svc
        .create_declaration(&wd.firm, Tier::Innovative, &w.id)
        .await
        .unwrap();
    let mut partial = Inputs::new();
    partial.insert("revenue_y1".into(), Value::Number(-1.0));
    partial.insert("employees".into(), Value::Number(80.0));
    let saved = wd
        .env
        .svc
        .save_declaration(&wd.firm, &draft.id, draft.version, partial)
        .await
        .unwrap();
    let e = wd
        .env
        .svc
        .submit_declaration(&wd.firm, &draft.id, saved.declaration.version)
        .await
        .unwrap_err();
    let names = field_names(&e);
    assert!(names.contains(&"revenue_y1".to_string()), "{names:?}");
    assert!(names.contains(&"ip_class".to_string()), "{names:?}");
    assert!(names.contains(&"valid_title".to_string()), "{names:?}");
    assert!(!names.contains(&"employees".to_string()));
    assert_eq!(names.len(), 12, "{names:?}");
    let item = wd.item(&draft.id).await;
    assert_eq!(
        (item.state, item.version, item.score),
        (State::Draft, 2, None)
    );
    assert!(wd.history(&draft.id).await.is_empty());
}

#[tokio::test]
async fn submit_refused_when_the_window_is_closed() {
    let wd = World::new().await;
    let w = wd.window(Tier::Innovative).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Innovative, &w).await;
    wd.close(&w).await;
    let e = wd
        .env
        .svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "window_closed");
    let t = e.text();
    assert!(
        t.zh.contains("已提前关闭") && t.zh.contains("2025-03-03"),
        "{}",
        t.zh
    );
    let item = wd.item(&id).await;
    assert_eq!((item.state, item.version), (State::Draft, version));
    assert!(wd.history(&id).await.is_empty());
}

#[tokio::test]
async fn submit_refused_when_basic_info_is_missing_listing_the_fields() {
    let wd = World::new().await;
    let w = wd.window(Tier::Innovative).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Innovative, &w).await;
    let mut tx = wd.env.svc.write().await.unwrap();
    sqlx::query("UPDATE enterprises SET segment = NULL, contact_name = '  ' WHERE id = $1")
        .bind(wd.firm.enterprise_id.as_deref().unwrap())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let e = wd
        .env
        .svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "basic_info_incomplete");
    let t = e.text();
    assert!(
        t.zh.contains("细分领域") && t.zh.contains("联系人"),
        "{}",
        t.zh
    );
    assert!(t.en.contains("market segment") && t.en.contains("contact person"));
    assert_eq!(wd.item(&id).await.state, State::Draft);
}

#[tokio::test]
async fn submit_of_srdi_refused_without_an_assessment() {
    let wd = World::new().await;
    let w = wd.window(Tier::Specialized).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Specialized, &w).await;
    let e = wd
        .env
        .svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "prerequisites_missing");
    assert!(e.text().zh.contains("数字化水平评测"), "{}", e.text().zh);
    add_assessment(&wd.env, &wd.firm, 2).await;
    wd.env
        .svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap();
}

#[tokio::test]
async fn submit_of_little_giant_refused_without_a_valid_srdi_certification() {
    let wd = World::new().await;
    let w = wd.window(Tier::LittleGiant).await;
    let (id, version) = wd.filled(&wd.firm, Tier::LittleGiant, &w).await;
    // An expired one does not count.
    add_certification(&wd.env, &wd.firm, Tier::Specialized, "expired", None).await;
    let e = wd
        .env
        .svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "prerequisites_missing");
    assert!(
        e.text().zh.contains("专精特新中小企业认定"),
        "{}",
        e.text().zh
    );
    let mut tx = wd.env.svc.write().await.unwrap();
    sqlx::query("UPDATE certifications SET status = 'active'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let done = wd
        .env
        .svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap();
    assert_eq!(
        done.state,
        State::Submitted(City),
        "小巨人 starts at the city"
    );
    let item = wd.item(&id).await;
    assert_eq!(item.score, None, "小巨人 is judged by tests, not a score");
    assert_eq!(item.qualifies, Some(true));
}

#[tokio::test]
async fn submit_refused_while_another_declaration_of_the_tier_and_batch_is_open() {
    let wd = World::new().await;
    let w = wd.window(Tier::Innovative).await;
    let (first, version) = wd.filled(&wd.firm, Tier::Innovative, &w).await;
    // A second draft of the same tier and batch, made behind the service's back (the service
    // itself refuses to create it).
    let second = {
        let mut tx = wd.env.svc.write().await.unwrap();
        let item = items::create(
            &mut tx,
            &Who::from(&wd.firm),
            NewItem {
                kind: ItemKind::Declaration,
                subtype: None,
                enterprise_id: wd.firm.enterprise_id.clone().unwrap(),
                certification_id: None,
                tier: Tier::Innovative,
                batch: 2025,
                window_id: Some(w.id.clone()),
                ruleset: "2022".into(),
                payload: serde_json::to_value(inputs(Tier::Innovative)).unwrap(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        item
    };
    wd.env
        .svc
        .submit_declaration(&wd.firm, &first, version)
        .await
        .unwrap();
    let e = wd
        .env
        .svc
        .submit_declaration(&wd.firm, &second.id, second.version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "already_open_declaration");
    assert!(e.text().zh.contains("待审核"), "{}", e.text().zh);
    // A rejected one no longer blocks.
    wd.review(
        &wd.city,
        &first,
        Action::Reject {
            reason: "不符合条件".into(),
        },
    )
    .await;
    wd.env
        .svc
        .submit_declaration(&wd.firm, &second.id, second.version)
        .await
        .unwrap();
}

#[tokio::test]
async fn submit_refused_while_barred_naming_the_end_of_the_bar() {
    let wd = World::new().await;
    let w = wd.window(Tier::Innovative).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Innovative, &w).await;
    add_certification(
        &wd.env,
        &wd.firm,
        Tier::Innovative,
        "cancelled",
        Some("2027-06-30"),
    )
    .await;
    let e = wd
        .env
        .svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "barred");
    assert!(e.text().zh.contains("2027-06-30"), "{}", e.text().zh);
    assert_eq!(wd.item(&id).await.state, State::Draft);
}

#[tokio::test]
async fn every_blocker_is_named_the_first_one_deciding_the_code() {
    let wd = World::new().await;
    let w = wd.window(Tier::Specialized).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Specialized, &w).await;
    wd.close(&w).await;
    let e = wd
        .env
        .svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "window_closed");
    assert!(
        e.text().zh.contains("另外") && e.text().zh.contains("数字化水平评测"),
        "{}",
        e.text().zh
    );
}

// ---------------------------------------------------------------------------------------------
// Withdraw, return, resubmit, delete
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn withdrawing_after_the_window_closed_needs_confirmation() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let w = wd.window(Tier::Innovative).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Innovative, &w).await;
    let s = svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap();
    // While the window is open: withdraw, then resubmit.
    let back = svc
        .withdraw_declaration(&wd.firm, &id, s.version, false)
        .await
        .unwrap();
    assert_eq!(back.state, State::Withdrawn);
    let s = svc
        .submit_declaration(&wd.firm, &id, back.version)
        .await
        .unwrap();
    assert_eq!(s.state, State::Submitted(City));

    wd.close(&w).await;
    let e = svc
        .withdraw_declaration(&wd.firm, &id, s.version, false)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "confirm_withdraw_closed_window");
    assert!(e.text().zh.contains("不能再次提交"), "{}", e.text().zh);
    let item = wd.item(&id).await;
    assert_eq!(
        (item.state, item.version),
        (State::Submitted(City), s.version)
    );
    let back = svc
        .withdraw_declaration(&wd.firm, &id, s.version, true)
        .await
        .unwrap();
    assert_eq!(back.state, State::Withdrawn);
    let e = svc
        .submit_declaration(&wd.firm, &id, back.version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "window_closed", "as the warning said");
    assert_eq!(
        wd.history(&id).await,
        ["submit", "withdraw", "submit", "withdraw"]
    );
}

#[tokio::test]
async fn no_withdrawal_once_a_reviewer_has_acted() {
    let wd = World::new().await;
    let w = wd.window(Tier::Innovative).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Innovative, &w).await;
    wd.env
        .svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap();
    let claimed = wd.review(&wd.city, &id, Action::Claim).await;
    let e = wd
        .env
        .svc
        .withdraw_declaration(&wd.firm, &id, claimed.version, true)
        .await
        .unwrap_err();
    assert_eq!(e.refusal(), Some(&Refusal::ReviewerAlreadyActed));
    assert_eq!(wd.item(&id).await.state, State::InReview(City));
}

#[tokio::test]
async fn a_returned_declaration_is_edited_and_resubmitted_after_the_window_closed() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    add_assessment(&wd.env, &wd.firm, 2).await;
    let w = wd.window(Tier::Specialized).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Specialized, &w).await;
    svc.submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap();
    wd.review(&wd.county, &id, Action::Pass).await;
    let returned = wd
        .review(
            &wd.city,
            &id,
            Action::Return {
                reason: "请补充研发费用明细".into(),
            },
        )
        .await;
    assert_eq!(returned.state, State::Returned);
    wd.close(&w).await;

    let mut fixed = inputs(Tier::Specialized);
    fixed.insert("rd_expense_y1".into(), Value::Number(600.0));
    let saved = svc
        .save_declaration(&wd.firm, &id, returned.version, fixed)
        .await
        .unwrap();
    let again = svc
        .submit_declaration(&wd.firm, &id, saved.declaration.version)
        .await
        .unwrap();
    assert_eq!(
        again.state,
        State::Submitted(County),
        "restarts at the first level, window closed or not"
    );
    let detail = svc.declaration(&wd.firm, &id).await.unwrap();
    let steps: Vec<(&str, Option<&str>)> = detail
        .history
        .iter()
        .map(|h| (h.action.as_str(), h.reason.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            ("submit", None),
            ("pass", None),
            ("return", Some("请补充研发费用明细")),
            ("submit", None)
        ]
    );
    assert_eq!(detail.inputs["rd_expense_y1"], Value::Number(600.0));
}

#[tokio::test]
async fn only_never_submitted_drafts_are_deleted() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let w = wd.window(Tier::Innovative).await;
    let draft = svc
        .create_declaration(&wd.firm, Tier::Innovative, &w.id)
        .await
        .unwrap();
    let other = wd.env.enterprise("other", 2).await;
    fill_basic_info(&wd.env, &other, "440106").await;
    let e = svc
        .delete_declaration(&other, &draft.id, draft.version)
        .await
        .unwrap_err();
    assert_eq!(e.refusal(), Some(&Refusal::NotOwner));
    svc.attach_evidence(&wd.firm, &draft.id, "a.pdf", None, PDF.to_vec())
        .await
        .unwrap();
    svc.delete_declaration(&wd.firm, &draft.id, draft.version)
        .await
        .unwrap();
    assert_eq!(wd.env.scalar("SELECT COUNT(*) FROM items").await, 0);
    assert_eq!(wd.env.scalar("SELECT COUNT(*) FROM evidence").await, 0);
    let e = svc.declaration(&wd.firm, &draft.id).await.unwrap_err();
    assert_eq!(e.code(), "not_found");

    let (id, version) = wd.filled(&wd.firm, Tier::Innovative, &w).await;
    let s = svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap();
    let e = svc
        .delete_declaration(&wd.firm, &id, s.version)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_allowed_in_state");
    let back = svc
        .withdraw_declaration(&wd.firm, &id, s.version, false)
        .await
        .unwrap();
    let e = svc
        .delete_declaration(&wd.firm, &id, back.version)
        .await
        .unwrap_err();
    assert_eq!(e.refusal(), Some(&Refusal::AlreadySubmittedOnce));
}

#[tokio::test]
async fn a_chain_change_after_submission_does_not_touch_items_in_flight() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    add_assessment(&wd.env, &wd.firm, 3).await;
    let w = wd.window(Tier::Specialized).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Specialized, &w).await;
    svc.submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap();
    svc.set_chain(
        &wd.gd,
        "440000",
        Tier::Specialized,
        vec![City, Province],
        None,
    )
    .await
    .unwrap();
    let item = wd.item(&id).await;
    assert_eq!(
        item.chain.as_ref().unwrap().levels(),
        [County, City, Province]
    );
    // It still moves along its own chain: county → city → province → approved.
    assert_eq!(
        wd.review(&wd.county, &id, Action::Pass).await.state,
        State::Submitted(City)
    );
    assert_eq!(
        wd.review(&wd.city, &id, Action::Pass).await.state,
        State::Submitted(Province)
    );
    assert_eq!(
        wd.review(&wd.province, &id, Action::Pass).await.state,
        State::Approved
    );
    // A declaration submitted now starts on the new chain.
    let other = wd.env.enterprise("other", 2).await;
    fill_basic_info(&wd.env, &other, "440106").await;
    add_assessment(&wd.env, &other, 3).await;
    let (id2, v2) = wd.filled(&other, Tier::Specialized, &w).await;
    let s = svc.submit_declaration(&other, &id2, v2).await.unwrap();
    assert_eq!(s.state, State::Submitted(City));
    assert_eq!(
        wd.item(&id2).await.chain.unwrap().levels(),
        [City, Province]
    );
}

// ---------------------------------------------------------------------------------------------
// Reading: lists, detail, who may
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn my_declarations_lists_state_level_score_newest_first() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let wi = wd.window(Tier::Innovative).await;
    let ws = wd.window(Tier::Specialized).await;
    let (inn, v) = wd.filled(&wd.firm, Tier::Innovative, &wi).await;
    wd.env.clock.advance(Duration::minutes(5));
    svc.submit_declaration(&wd.firm, &inn, v).await.unwrap();
    wd.env.clock.advance(Duration::minutes(5));
    let spec = svc
        .create_declaration(&wd.firm, Tier::Specialized, &ws.id)
        .await
        .unwrap();
    let other = wd.env.enterprise("other", 2).await;
    fill_basic_info(&wd.env, &other, "440106").await;
    wd.filled(&other, Tier::Innovative, &wi).await;

    let page = svc
        .my_declarations(
            &wd.firm,
            &DeclarationFilter::default(),
            &PageRequest::first(1),
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, spec.id, "most recently changed first");
    assert_eq!(page.items[0].state_name.zh, "暂存");
    let rest = svc
        .my_declarations(
            &wd.firm,
            &DeclarationFilter::default(),
            &PageRequest::after(page.next.as_deref().unwrap(), 10),
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1, "the other enterprise's is not listed");
    let s = &rest.items[0];
    assert_eq!(s.id, inn);
    assert_eq!((s.tier, s.batch), (Tier::Innovative, 2025));
    assert_eq!(s.state, State::Submitted(City));
    assert_eq!(s.level, Some(City));
    assert_eq!(s.state_name.zh, "待审核(市级)");
    assert_eq!(s.score, Some(90.0));

    let only = svc
        .my_declarations(
            &wd.firm,
            &DeclarationFilter {
                state: Some("submitted".into()),
                ..DeclarationFilter::default()
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(only.items.len(), 1);
    let by_tier = svc
        .my_declarations(
            &wd.firm,
            &DeclarationFilter {
                tier: Some(Tier::Specialized),
                batch: Some(2025),
                state: None,
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(by_tier.items.len(), 1);
    let e = svc
        .my_declarations(
            &wd.firm,
            &DeclarationFilter {
                state: Some("pending".into()),
                ..DeclarationFilter::default()
            },
            &PageRequest::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("state"));
    let e = svc
        .my_declarations(
            &wd.county,
            &DeclarationFilter::default(),
            &PageRequest::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
}

#[tokio::test]
async fn only_the_owner_and_staff_in_scope_read_a_declaration() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let w = wd.window(Tier::Innovative).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Innovative, &w).await;
    let ev = svc
        .attach_evidence(&wd.firm, &id, "材料.pdf", None, PDF.to_vec())
        .await
        .unwrap();
    let other = wd.env.enterprise("other", 2).await;
    fill_basic_info(&wd.env, &other, "440106").await;
    let elsewhere = wd
        .env
        .staff(
            "yx_rev",
            AccountKind::Reviewer,
            Some(County),
            Some("440104"),
        )
        .await;
    let sz_rev = wd
        .env
        .staff(
            "sz_rev",
            AccountKind::Reviewer,
            Some(Province),
            Some("440300"),
        )
        .await;
    let ministry = wd
        .env
        .staff("miit", AccountKind::Admin, Some(Ministry), None)
        .await;
    let support = wd.env.support().await;
    wd.env.register("person", AccountKind::Natural, 9).await;
    let person = wd.env.login("person").await;

    // Another enterprise can neither read nor touch it.
    for e in [
        svc.declaration(&other, &id).await.unwrap_err(),
        svc.evaluate_declaration(&other, &id).await.unwrap_err(),
        svc.declaration_form(&other, &id).await.unwrap_err(),
        svc.export_declaration(&other, &id, ExportFormat::Html)
            .await
            .unwrap_err(),
        svc.evidence_list(&other, &id).await.unwrap_err(),
        svc.evidence_bytes(&other, &ev.id).await.unwrap_err(),
    ] {
        assert_eq!(e.code(), "forbidden");
    }
    let e = svc
        .save_declaration(&other, &id, version, Inputs::new())
        .await
        .unwrap_err();
    assert_eq!(e.refusal(), Some(&Refusal::NotOwner));
    let e = svc
        .submit_declaration(&other, &id, version)
        .await
        .unwrap_err();
    assert_eq!(e.refusal(), Some(&Refusal::NotOwner));
    let e = svc
        .attach_evidence(&other, &id, "x.pdf", None, PDF.to_vec())
        .await
        .unwrap_err();
    assert_eq!(e.refusal(), Some(&Refusal::NotOwner));
    let e = svc.remove_evidence(&other, &ev.id).await.unwrap_err();
    assert_eq!(e.refusal(), Some(&Refusal::NotOwner));
    // Support and natural persons never; staff not before it is submitted.
    for who in [&support, &person, &wd.county, &ministry] {
        let e = svc.declaration(who, &id).await.unwrap_err();
        assert_eq!(e.code(), "forbidden", "{who:?}");
    }

    svc.submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap();
    for who in [&wd.county, &wd.city, &wd.province, &wd.gd, &ministry] {
        let d = svc.declaration(who, &id).await.unwrap();
        assert_eq!(d.summary.id, id);
        assert_eq!(svc.evidence_bytes(who, &ev.id).await.unwrap().bytes, PDF);
    }
    for who in [&elsewhere, &sz_rev, &support, &other] {
        let e = svc.declaration(who, &id).await.unwrap_err();
        assert_eq!(e.code(), "forbidden", "{who:?}");
    }
    // Staff read, but never act as the enterprise.
    let e = svc
        .withdraw_declaration(&wd.county, &id, version + 1, true)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
}

// ---------------------------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn evidence_types_are_sniffed_from_the_bytes() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let w = wd.window(Tier::Innovative).await;
    let draft = svc
        .create_declaration(&wd.firm, Tier::Innovative, &w.id)
        .await
        .unwrap();
    for (name, bytes, mime) in [
        ("营业执照.pdf", PDF, "application/pdf"),
        ("photo.jpg", PNG, "image/png"),
        ("scan", JPEG, "image/jpeg"),
        ("材料.zip", &zip_bytes()[..], "application/zip"),
    ] {
        let ev = svc
            .attach_evidence(
                &wd.firm,
                &draft.id,
                name,
                Some("text/plain"),
                bytes.to_vec(),
            )
            .await
            .unwrap();
        assert_eq!(ev.content_type, mime, "{name}");
        assert_eq!(ev.size, bytes.len() as i64);
    }
    let e = svc
        .attach_evidence(
            &wd.firm,
            &draft.id,
            "setup.pdf",
            Some("application/pdf"),
            b"MZ\x90\0\x03".to_vec(),
        )
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["file"]);
    let t = e.text();
    assert!(
        t.zh.contains("ZIP")
            && t.zh.contains("PDF")
            && t.zh.contains("PNG")
            && t.zh.contains("JPEG"),
        "{}",
        t.zh
    );
    let listed = svc.evidence_list(&wd.firm, &draft.id).await.unwrap();
    assert_eq!(listed.len(), 4);
    assert_eq!(
        wd.env.audit_actions("item", &draft.id).await,
        [
            "item.create",
            "evidence.attach",
            "evidence.attach",
            "evidence.attach",
            "evidence.attach"
        ]
    );
}

#[tokio::test]
async fn evidence_names_and_sizes_are_checked_together() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let w = wd.window(Tier::Innovative).await;
    let draft = svc
        .create_declaration(&wd.firm, Tier::Innovative, &w.id)
        .await
        .unwrap();
    let e = svc
        .attach_evidence(&wd.firm, &draft.id, "../etc/passwd", None, Vec::new())
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["name", "file"]);
    assert!(e.text().zh.contains("路径分隔符") && e.text().zh.contains("空的"));
    for (name, problem) in [
        ("a\\b.pdf", "路径分隔符"),
        ("报告\u{0}.pdf", "控制字符"),
        ("   ", "请填写文件名"),
        ("..", "只由"),
    ] {
        let e = svc
            .attach_evidence(&wd.firm, &draft.id, name, None, PDF.to_vec())
            .await
            .unwrap_err();
        assert_eq!(field_names(&e), ["name"], "{name:?}");
        assert!(e.text().zh.contains(problem), "{name:?}: {}", e.text().zh);
    }
    let long = format!("{}.pdf", "长".repeat(97));
    let e = svc
        .attach_evidence(&wd.firm, &draft.id, &long, None, PDF.to_vec())
        .await
        .unwrap_err();
    assert!(e.text().zh.contains("101"), "{}", e.text().zh);
    let big = pdf_of_len(MAX_EVIDENCE_BYTES + 1);
    let e = svc
        .attach_evidence(&wd.firm, &draft.id, "big.pdf", None, big)
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["file"]);
    assert!(e.text().zh.contains("50 MiB"), "{}", e.text().zh);
    let max = pdf_of_len(MAX_EVIDENCE_BYTES);
    svc.attach_evidence(&wd.firm, &draft.id, "max.pdf", None, max)
        .await
        .unwrap();
    assert_eq!(wd.env.scalar("SELECT COUNT(*) FROM evidence").await, 1);
}

#[tokio::test]
async fn the_same_bytes_are_stored_once_and_removal_keeps_the_blob() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let w = wd.window(Tier::Innovative).await;
    let draft = svc
        .create_declaration(&wd.firm, Tier::Innovative, &w.id)
        .await
        .unwrap();
    let a = svc
        .attach_evidence(&wd.firm, &draft.id, "a.pdf", None, PDF.to_vec())
        .await
        .unwrap();
    let b = svc
        .attach_evidence(&wd.firm, &draft.id, "b.pdf", None, PDF.to_vec())
        .await
        .unwrap();
    assert_eq!(a.sha256, b.sha256);
    assert_ne!(a.id, b.id);
    let path = blob_path(svc.data_dir(), &a.sha256);
    assert_eq!(std::fs::read(&path).unwrap(), PDF);
    let dir = svc.data_dir().join("evidence").join(&a.sha256[..2]);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "one blob");
    let e = svc
        .attach_evidence(&wd.firm, &draft.id, "a.pdf", None, PNG.to_vec())
        .await
        .unwrap_err();
    assert_eq!(field_names(&e), ["name"]);
    assert!(e.text().zh.contains("同名"), "{}", e.text().zh);

    svc.remove_evidence(&wd.firm, &a.id).await.unwrap();
    let left = svc.evidence_list(&wd.firm, &draft.id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, b.id);
    assert!(path.exists(), "b still uses the blob");
    assert_eq!(
        svc.evidence_bytes(&wd.firm, &b.id).await.unwrap().bytes,
        PDF
    );
    let e = svc.remove_evidence(&wd.firm, &a.id).await.unwrap_err();
    assert_eq!(e.code(), "not_found");
    assert!(
        wd.env
            .audit_actions("item", &draft.id)
            .await
            .contains(&"evidence.remove".to_string())
    );
}

#[tokio::test]
async fn evidence_changes_only_while_the_declaration_is_editable() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let w = wd.window(Tier::Innovative).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Innovative, &w).await;
    let ev = svc
        .attach_evidence(&wd.firm, &id, "a.pdf", None, PDF.to_vec())
        .await
        .unwrap();
    let s = svc
        .submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap();
    let e = svc
        .attach_evidence(&wd.firm, &id, "b.pdf", None, PDF.to_vec())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_allowed_in_state");
    let e = svc.remove_evidence(&wd.firm, &ev.id).await.unwrap_err();
    assert_eq!(e.code(), "not_allowed_in_state");
    // Withdrawn: editable again.
    svc.withdraw_declaration(&wd.firm, &id, s.version, false)
        .await
        .unwrap();
    svc.attach_evidence(&wd.firm, &id, "b.pdf", None, PDF.to_vec())
        .await
        .unwrap();
    svc.remove_evidence(&wd.firm, &ev.id).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_export_carries_the_key_figures_and_escapes_html() {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let mut tx = svc.write().await.unwrap();
    sqlx::query("UPDATE enterprises SET main_products = '<script>alert(\"x\")</script> & 传感器'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let w = wd.window(Tier::Innovative).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Innovative, &w).await;
    let ev = svc
        .attach_evidence(&wd.firm, &id, "财务<报表>.pdf", None, PDF.to_vec())
        .await
        .unwrap();

    let draft_html = svc
        .export_declaration(&wd.firm, &id, ExportFormat::Html)
        .await
        .unwrap();
    assert!(draft_html.contains("尚未提交，按当前填报内容试算"));

    svc.submit_declaration(&wd.firm, &id, version)
        .await
        .unwrap();
    let html = svc
        .export_declaration(&wd.firm, &id, ExportFormat::Html)
        .await
        .unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("创新型中小企业申报书"));
    assert!(html.contains("深圳市测试1科技有限公司"));
    assert!(html.contains(&common::uscc(1)));
    assert!(
        html.contains("广东省 广州市 天河区"),
        "the registered county"
    );
    assert!(html.contains("2025 年度"));
    assert!(html.contains("上年度营业收入（万元）") && html.contains("3200 万元"));
    assert!(html.contains("总分：90 / 100"), "the score");
    assert!(html.contains("符合条件"), "the verdict");
    assert!(html.contains(&ev.sha256), "evidence with its SHA-256");
    assert!(html.contains("财务&lt;报表&gt;.pdf"));
    assert!(html.contains("待审核(市级)"), "history");
    assert!(!html.contains("<script>"), "user text is escaped");
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 传感器"));

    let text = svc
        .export_declaration(&wd.firm, &id, ExportFormat::Text)
        .await
        .unwrap();
    assert!(text.starts_with("创新型中小企业申报书"));
    assert!(text.contains("总分：90 / 100"));
    assert!(text.contains("五、证明材料") && text.contains("六、办理记录"));
    assert!(text.contains("3200 万元"));
    assert!(text.contains(&ev.sha256));
    assert!(text.contains("<script>"), "plain text is not escaped");
    // A reviewer in scope exports it too.
    svc.export_declaration(&wd.city, &id, ExportFormat::Text)
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_enterprises_submit_at_once() {
    let wd = World::new().await;
    let w = wd.window(Tier::Innovative).await;
    let mut ready = Vec::new();
    for n in 0..100u32 {
        let s = wd.env.enterprise(&format!("ent{n:03}"), 100 + n).await;
        fill_basic_info(&wd.env, &s, "440106").await;
        let (id, version) = wd.filled(&s, Tier::Innovative, &w).await;
        ready.push((s, id, version));
    }
    let svc = Arc::new(wd.env.svc.clone());
    let tasks: Vec<_> = ready
        .into_iter()
        .map(|(s, id, version)| {
            let svc = svc.clone();
            tokio::spawn(async move { svc.submit_declaration(&s, &id, version).await })
        })
        .collect();
    for t in tasks {
        let done = t.await.unwrap().unwrap();
        assert_eq!(done.state, State::Submitted(City));
    }
    assert_eq!(
        wd.env
            .scalar("SELECT COUNT(*) FROM items WHERE state = 'submitted' AND score = 90")
            .await,
        100
    );
    assert_eq!(
        wd.env
            .scalar("SELECT COUNT(*) FROM history WHERE action = 'submit'")
            .await,
        100
    );
    assert_eq!(
        wd.env
            .scalar("SELECT COUNT(*) FROM audit WHERE action = 'item.submit'")
            .await,
        100
    );
}

/// A directly attached zip gets the same entry checks as a resumable upload.
#[tokio::test]
async fn an_attached_zip_with_an_escaping_entry_is_refused_naming_it() {
    use std::io::Write;
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let w = wd.window(Tier::Innovative).await;
    let draft = svc
        .create_declaration(&wd.firm, Tier::Innovative, &w.id)
        .await
        .unwrap();
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file("../../etc/passwd", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(b"x").unwrap();
    let bytes = z.finish().unwrap().into_inner();
    let e = svc
        .attach_evidence(&wd.firm, &draft.id, "材料.zip", None, bytes)
        .await
        .unwrap_err();
    assert!(e.text().zh.contains("../../etc/passwd"), "{}", e.text().zh);
    assert_eq!(wd.env.scalar("SELECT COUNT(*) FROM evidence").await, 0);
}

// ---------------------------------------------------------------------------------------------
// The actions a detail offers
// ---------------------------------------------------------------------------------------------

use zjtx::domain::workflow::{OwnerAction, Warning};

/// The declaration of a fresh world brought into one of the states of the workflow table
/// (`_closed`: the window has closed since).
async fn declaration_in(state: &str) -> (World, String) {
    let wd = World::new().await;
    let svc = &wd.env.svc;
    let w = wd.window(Tier::Innovative).await;
    let (id, version) = wd.filled(&wd.firm, Tier::Innovative, &w).await;
    let (base, closed) = match state.strip_suffix("_closed") {
        Some(b) => (b, true),
        None => (state, false),
    };
    if base != "draft" {
        svc.submit_declaration(&wd.firm, &id, version)
            .await
            .unwrap();
    }
    match base {
        "draft" | "submitted" => {}
        "in_review" => {
            wd.review(&wd.city, &id, Action::Claim).await;
        }
        "submitted_province" => {
            wd.review(&wd.city, &id, Action::Pass).await;
        }
        "returned" => {
            wd.review(
                &wd.city,
                &id,
                Action::Return {
                    reason: "请补充知识产权证明".into(),
                },
            )
            .await;
        }
        "withdrawn" => {
            let v = wd.item(&id).await.version;
            svc.withdraw_declaration(&wd.firm, &id, v, false)
                .await
                .unwrap();
        }
        "approved" => {
            wd.review(&wd.city, &id, Action::Pass).await;
            wd.review(&wd.province, &id, Action::Pass).await;
        }
        "rejected" => {
            wd.review(
                &wd.city,
                &id,
                Action::Reject {
                    reason: "不符合条件".into(),
                },
            )
            .await;
        }
        other => panic!("unknown state {other}"),
    }
    if closed {
        wd.close(&w).await;
    }
    (wd, id)
}

/// The service operation behind each offered action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Edit,
    Submit,
    Withdraw,
    Delete,
}

fn op_of(a: OwnerAction) -> Option<Op> {
    match a {
        OwnerAction::Edit => Some(Op::Edit),
        OwnerAction::Submit | OwnerAction::Resubmit => Some(Op::Submit),
        OwnerAction::Withdraw | OwnerAction::WithdrawEdit => Some(Op::Withdraw),
        OwnerAction::Delete => Some(Op::Delete),
        OwnerAction::Export => None,
    }
}

/// Performs `op` as the owner, at the item's current version.
async fn perform(wd: &World, id: &str, op: Op, confirm: bool) -> Result<(), ServiceError> {
    let svc = &wd.env.svc;
    let v = wd.item(id).await.version;
    match op {
        Op::Edit => svc
            .save_declaration(&wd.firm, id, v, inputs(Tier::Innovative))
            .await
            .map(drop),
        Op::Submit => svc.submit_declaration(&wd.firm, id, v).await.map(drop),
        Op::Withdraw => svc
            .withdraw_declaration(&wd.firm, id, v, confirm)
            .await
            .map(drop),
        Op::Delete => svc.delete_declaration(&wd.firm, id, v).await,
    }
}

#[tokio::test]
async fn the_detail_offers_exactly_the_actions_the_service_then_accepts() {
    // (state, the actions offered, in order; `?` marks the closed-window confirmation)
    let table: &[(&str, &[&str])] = &[
        ("draft", &["edit", "submit", "delete", "export"]),
        ("draft_closed", &["edit", "delete", "export"]),
        ("submitted", &["withdraw", "withdraw_edit", "export"]),
        (
            "submitted_closed",
            &["withdraw?", "withdraw_edit?", "export"],
        ),
        ("in_review", &["export"]),
        ("submitted_province", &["export"]),
        ("returned", &["edit", "resubmit", "export"]),
        ("returned_closed", &["edit", "resubmit", "export"]),
        ("withdrawn", &["edit", "resubmit", "export"]),
        ("withdrawn_closed", &["edit", "export"]),
        ("approved", &["export"]),
        ("rejected", &["export"]),
    ];
    let all = [Op::Edit, Op::Submit, Op::Withdraw, Op::Delete];
    for (state, expected) in table {
        let (wd, id) = declaration_in(state).await;
        let detail = wd.env.svc.declaration(&wd.firm, &id).await.unwrap();
        let shown: Vec<String> = detail
            .actions
            .iter()
            .map(|a| {
                let mark = match a.confirm {
                    Some(Warning::WindowClosedCannotResubmit) => "?",
                    None => "",
                };
                format!("{}{mark}", a.action.code())
            })
            .collect();
        assert_eq!(&shown, expected, "{state}");
        // an editable declaration that cannot be submitted says why
        let editable = shown.iter().any(|a| a == "edit");
        let submittable = shown.iter().any(|a| a.ends_with("submit"));
        assert_eq!(
            !detail.submit_blockers.is_empty(),
            editable && !submittable,
            "{state}: {:?}",
            detail.submit_blockers
        );
        if *state == "withdrawn_closed" {
            assert!(
                detail.submit_blockers[0].zh.contains("未开放"),
                "{:?}",
                detail.submit_blockers
            );
        }
        let offered: Vec<(Op, bool)> = detail
            .actions
            .iter()
            .filter_map(|a| op_of(a.action).map(|op| (op, a.confirm.is_some())))
            .collect();
        // Every operation not offered is refused and changes nothing.
        for op in all {
            if offered.iter().any(|(o, _)| *o == op) {
                continue;
            }
            let before = wd.item(&id).await;
            let e = perform(&wd, &id, op, true).await;
            assert!(e.is_err(), "{state}: {op:?} was not offered but accepted");
            assert_eq!(wd.item(&id).await.version, before.version, "{state} {op:?}");
        }
        // Every operation offered is accepted — on its own fresh copy of the state; a
        // withdrawal flagged for confirmation is refused without it.
        for (op, confirm) in offered {
            let (wd, id) = declaration_in(state).await;
            if op == Op::Withdraw {
                let plain = perform(&wd, &id, op, false).await;
                assert_eq!(
                    plain.as_ref().err().map(|e| e.code()),
                    confirm.then_some("confirm_withdraw_closed_window"),
                    "{state}: the confirmation flag matches the service"
                );
                if plain.is_ok() {
                    continue;
                }
            }
            perform(&wd, &id, op, confirm)
                .await
                .unwrap_or_else(|e| panic!("{state}: {op:?} was offered but refused: {e:?}"));
        }
        // export is offered to whoever reads it and works
        wd.env
            .svc
            .export_declaration(&wd.firm, &id, ExportFormat::Text)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_reviewer_reading_the_detail_is_offered_only_the_export() {
    let (wd, id) = declaration_in("submitted").await;
    let detail = wd.env.svc.declaration(&wd.city, &id).await.unwrap();
    let actions: Vec<OwnerAction> = detail.actions.iter().map(|a| a.action).collect();
    assert_eq!(actions, [OwnerAction::Export]);
    assert!(detail.submit_blockers.is_empty());
}

#[tokio::test]
async fn a_new_declaration_starts_with_the_figures_of_the_basic_information() {
    let wd = World::new().await;
    let w = wd.window(Tier::Specialized).await;
    let draft = wd
        .env
        .svc
        .create_declaration(&wd.firm, Tier::Specialized, &w.id)
        .await
        .unwrap();
    let item = wd.item(&draft.id).await;
    assert_eq!(
        item.payload,
        serde_json::json!({"revenue_y1": 8600.0, "total_assets_y1": 9800.0, "employees": 210.0})
    );
    // the rest is the enterprise's to type; nothing is judged before it is
    assert_eq!((item.state, item.score), (State::Draft, None));
}
