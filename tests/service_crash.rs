//! Crash safety of submissions (DESIGN.md §6: "a killed process … never loses or duplicates a
//! record"). The parent prepares a database of enterprises, each with a complete draft
//! declaration, through the use cases; then it runs a child process — this same test binary,
//! re-executed in child mode — that submits them one by one, and kills it with SIGKILL at three
//! different points. After every kill it reopens the database with a new Service and checks every
//! declaration: either still a draft with no trace of a submission, or submitted exactly once with
//! its score, history, audit and message — never half, never twice. A last child run retries
//! every submission (with the versions the client had before the crashes) and must finish them
//! all without filing any twice.
//!
//! The child is `child_submitter`, which does nothing unless `ZJTX_CRASH_DIR` is set.

mod common;

use common::{PASSWORD, START, phone, resident_id, uscc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, Row};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zjtx::domain::assessment::Questionnaire;
use zjtx::domain::rules::{Inputs, Value};
use zjtx::domain::tiers::{AssessmentCategory, ReviewLevel, Tier};
use zjtx::domain::workflow::State;
use zjtx::service::accounts::{RealName, Registration, StaffAccount};
use zjtx::service::assessment::AnswerInput;
use zjtx::service::enterprise::EnterpriseUpdate;
use zjtx::service::items;
use zjtx::service::windows::NewWindow;
use zjtx::service::{
    AccountKind, PasswordHashing, Service, ServiceConfig, ServiceError, Session, TestClock,
};

/// Selects child mode and names the data directory.
const CHILD_ENV: &str = "ZJTX_CRASH_DIR";
/// The plan the child works through: one line per declaration.
const PLAN_FILE: &str = "plan.tsv";
/// Enterprises, one declaration each.
const ENTERPRISES: u32 = 200;
/// Submitted declarations (as fractions of all) after which the child is killed, in order.
const KILL_AT: [f64; 3] = [0.15, 0.45, 0.75];
/// Generous bound on one child run (start-up included), for a loaded two-core CI machine.
const CHILD_DEADLINE: Duration = Duration::from_secs(120);

/// One declaration ready to submit: the owner's login token, the item, the version it was saved
/// at (the version the client holds), and the owning enterprise.
#[derive(Debug, Clone)]
struct Planned {
    token: String,
    id: String,
    version: i64,
    enterprise_id: String,
    tier: Tier,
}

impl Planned {
    fn line(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\n",
            self.token,
            self.id,
            self.version,
            self.enterprise_id,
            self.tier.code()
        )
    }

    fn parse(line: &str) -> Planned {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 5, "plan line {line:?}");
        Planned {
            token: f[0].into(),
            id: f[1].into(),
            version: f[2].parse().expect("a version"),
            enterprise_id: f[3].into(),
            tier: Tier::from_code(f[4]).expect("a tier code"),
        }
    }
}

fn read_plan(dir: &Path) -> Vec<Planned> {
    std::fs::read_to_string(dir.join(PLAN_FILE))
        .expect("the plan file")
        .lines()
        .map(Planned::parse)
        .collect()
}

/// A service on the database in `dir`, at the tests' start time (Monday 2025-03-03 09:00,
/// Beijing), with fast password hashing.
async fn open(dir: &Path) -> Service {
    let config = ServiceConfig::new(dir)
        .with_clock(Arc::new(TestClock::at(START)))
        .with_passwords(PasswordHashing::Fast);
    Service::open(config).await.expect("open the service")
}

// ---------------------------------------------------------------------------------------------
// The child
// ---------------------------------------------------------------------------------------------

/// Child mode: submits every planned declaration in order, as a client retrying after a crash
/// would: with the version it held before. A declaration an earlier (killed) run already
/// submitted comes back as a conflict and is left alone. Any other error fails the child.
#[test]
fn child_submitter() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let svc = open(&dir).await;
        let (mut submitted, mut already) = (0, 0);
        for p in read_plan(&dir) {
            let session = svc.authenticate(&p.token).await.expect("the plan's token");
            match svc.submit_declaration(&session, &p.id, p.version).await {
                Ok(d) => {
                    assert!(matches!(d.state, State::Submitted(_)), "{d:?}");
                    submitted += 1;
                }
                Err(ServiceError::Conflict {
                    current_version, ..
                }) => {
                    let mut conn = svc.read().await.unwrap();
                    let item = items::load(&mut conn, &p.id).await.unwrap();
                    assert!(
                        matches!(item.state, State::Submitted(_))
                            && current_version == p.version + 1,
                        "conflict on {} but it is {:?} at version {}",
                        p.id,
                        item.state,
                        item.version
                    );
                    already += 1;
                }
                Err(e) => panic!("submitting {}: {e:?}", p.id),
            }
        }
        println!("child: submitted {submitted}, already submitted {already}");
        svc.close().await;
    });
}

// ---------------------------------------------------------------------------------------------
// The parent
// ---------------------------------------------------------------------------------------------

/// The worked example of a tier (fixtures/examples) for an enterprise of 广东 (its default local
/// indicators instead of 深圳's).
fn example(tier: Tier) -> Inputs {
    #[derive(serde::Deserialize)]
    struct Example {
        inputs: Inputs,
    }
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

/// A verified legal-person account for enterprise `n`, its basic information complete and its
/// 注册地 in 广州 天河区 (certified by 广东), logged in.
async fn enterprise(svc: &Service, n: u32) -> Session {
    let login = format!("ent{n:03}");
    svc.register(Registration {
        login_name: login.clone(),
        password: PASSWORD.into(),
        kind: AccountKind::Legal,
        phone: phone(n),
        email: Some(format!("{login}@example.com")),
    })
    .await
    .expect("register");
    let s = svc.login(&login, PASSWORD).await.expect("login").session;
    svc.verify_real_name(
        &s,
        RealName {
            enterprise_name: format!("广州市测试{n}科技有限公司"),
            uscc: uscc(n),
            legal_rep: "张三".into(),
            legal_rep_id: resident_id(n),
        },
    )
    .await
    .expect("verify");
    let s = svc.login(&login, PASSWORD).await.expect("login").session;
    svc.update_enterprise(
        &s,
        1,
        EnterpriseUpdate {
            county_code: Some("440106".into()),
            industry_code: Some("3973".into()),
            segment: Some("智能传感器".into()),
            main_products: Some(vec!["MEMS 压力传感器".into()]),
            employees: Some(210.0),
            revenue: Some(8600.0),
            total_assets: Some(9800.0),
            contact_name: Some("李四".into()),
            contact_phone: Some("13800000001".into()),
            ..EnterpriseUpdate::default()
        },
    )
    .await
    .expect("basic info");
    s
}

/// A digital-level assessment taken to the end (every question at its top option).
async fn assess(svc: &Service, s: &Session) {
    let q = Questionnaire::builtin(AssessmentCategory::Manufacturing);
    let answers: AnswerInput = q
        .questions()
        .iter()
        .map(|question| (question.id.clone(), i64::from(question.top_option())))
        .collect();
    let a = svc.start_assessment(s).await.expect("start assessment");
    let saved = svc
        .save_answers(s, &a.summary.id, a.summary.version, &answers)
        .await
        .expect("answers");
    svc.complete_assessment(s, &a.summary.id, saved.version)
        .await
        .expect("complete assessment");
}

/// Builds the database in `dir` through the use cases: 广东's windows for 创新型 and 专精特新
/// (batch 2025, open all March), and [`ENTERPRISES`] enterprises each with a complete draft —
/// every fourth a 专精特新 one after an assessment. Writes the plan file and returns the plan.
async fn prepare(dir: &Path) -> Vec<Planned> {
    let svc = open(dir).await;
    svc.bootstrap_staff_account(StaffAccount {
        kind: AccountKind::Admin,
        level: Some(ReviewLevel::Province),
        region_code: Some("440000".into()),
        login_name: "gd_admin".into(),
        display_name: "广东管理员".into(),
        password: PASSWORD.into(),
        phone: None,
        email: None,
    })
    .await
    .expect("admin");
    let admin = svc.login("gd_admin", PASSWORD).await.unwrap().session;
    let mut windows = HashMap::new();
    for tier in [Tier::Innovative, Tier::Specialized] {
        let w = svc
            .open_window(
                &admin,
                NewWindow {
                    authority_code: "440000".into(),
                    tier,
                    batch: 2025,
                    start: "2025-03-03".parse().unwrap(),
                    end: "2025-03-31".parse().unwrap(),
                },
            )
            .await
            .expect("window");
        windows.insert(tier, w.id);
    }
    let mut plan = Vec::new();
    for n in 0..ENTERPRISES {
        let s = enterprise(&svc, n).await;
        let tier = if n % 4 == 0 {
            assess(&svc, &s).await;
            Tier::Specialized
        } else {
            Tier::Innovative
        };
        let draft = svc
            .create_declaration(&s, tier, &windows[&tier])
            .await
            .expect("draft");
        let saved = svc
            .save_declaration(&s, &draft.id, draft.version, example(tier))
            .await
            .expect("save");
        assert!(saved.warnings.is_empty(), "{:?}", saved.warnings);
        // The token the client keeps: the child authenticates with it.
        let token = svc
            .login(&format!("ent{n:03}"), PASSWORD)
            .await
            .unwrap()
            .token;
        plan.push(Planned {
            token,
            id: draft.id,
            version: saved.declaration.version,
            enterprise_id: s.enterprise_id.clone().unwrap(),
            tier,
        });
    }
    svc.close().await;
    let text: String = plan.iter().map(Planned::line).collect();
    std::fs::write(dir.join(PLAN_FILE), text).expect("write the plan");
    plan
}

/// Starts the child on `dir`, its output going to `child-<run>.log` there.
fn spawn_child(dir: &Path, run: usize) -> Child {
    let log = std::fs::File::create(dir.join(format!("child-{run}.log"))).expect("child log");
    Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "child_submitter",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("child log"))
        .stderr(log)
        .spawn()
        .expect("start the child")
}

fn child_log(dir: &Path, run: usize) -> String {
    std::fs::read_to_string(dir.join(format!("child-{run}.log"))).unwrap_or_default()
}

/// A read-only connection straight to the database file (not through the service), for
/// watching the child's progress.
async fn watcher(dir: &Path) -> SqliteConnection {
    let options = SqliteConnectOptions::new()
        .filename(dir.join(zjtx::service::DB_FILE))
        .read_only(true)
        .busy_timeout(Duration::from_secs(5));
    SqliteConnection::connect_with(&options)
        .await
        .expect("a read-only connection")
}

async fn submitted_count(conn: &mut SqliteConnection) -> usize {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM items WHERE kind = 'declaration' AND state = 'submitted'",
    )
    .fetch_one(&mut *conn)
    .await
    .expect("count");
    usize::try_from(n).unwrap()
}

/// Waits until at least `target` declarations are submitted, then kills the child (SIGKILL) at
/// once. Fails if the child exits or the deadline passes first.
async fn kill_when(dir: &Path, run: usize, child: &mut Child, target: usize) {
    let mut conn = watcher(dir).await;
    let started = Instant::now();
    loop {
        if submitted_count(&mut conn).await >= target {
            break;
        }
        if let Some(status) = child.try_wait().expect("child status") {
            panic!(
                "child run {run} ended ({status}) before {target} submissions:\n{}",
                child_log(dir, run)
            );
        }
        if started.elapsed() > CHILD_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "child run {run} did not reach {target} submissions in {CHILD_DEADLINE:?}:\n{}",
                child_log(dir, run)
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().expect("SIGKILL the child");
    let status = child.wait().expect("reap the child");
    assert_killed(&status, run, dir);
    conn.close().await.expect("close the watcher");
}

#[cfg(unix)]
fn assert_killed(status: &ExitStatus, run: usize, dir: &Path) {
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(9),
        "child run {run} was not killed by SIGKILL ({status}):\n{}",
        child_log(dir, run)
    );
}

#[cfg(not(unix))]
fn assert_killed(status: &ExitStatus, run: usize, dir: &Path) {
    assert!(!status.success(), "child run {run} was not killed");
}

/// Lets the child run to its end (bounded) and returns how it ended.
async fn wait_for(dir: &Path, run: usize, child: &mut Child) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("child status") {
            return status;
        }
        if started.elapsed() > CHILD_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "child run {run} did not finish in {CHILD_DEADLINE:?}:\n{}",
                child_log(dir, run)
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Reopens the database with a new Service and checks every planned declaration: a draft with
/// no trace of a submission, or submitted exactly once with everything a submission writes.
/// Returns how many are submitted.
async fn check(dir: &Path, plan: &[Planned], when: &str) -> usize {
    let svc = open(dir).await;
    let mut conn = svc.read().await.unwrap();

    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(integrity, "ok", "{when}");
    let broken_keys = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert!(broken_keys.is_empty(), "{when}: foreign keys broken");
    let declarations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(
        declarations,
        plan.len() as i64,
        "{when}: items count changed"
    );

    let rows = sqlx::query(
        "SELECT i.id, i.state, i.level, i.version, i.ever_submitted, i.score, i.qualifies, \
         i.breakdown, i.chain, i.submitted_at, i.enterprise_id, \
         (SELECT COUNT(*) FROM history h WHERE h.item_id = i.id) AS history_rows, \
         (SELECT COUNT(*) FROM history h WHERE h.item_id = i.id AND h.action = 'submit' \
            AND h.from_state = 'draft' AND h.to_state = 'submitted' AND h.version = i.version \
            AND h.at = i.submitted_at) AS submit_history, \
         (SELECT COUNT(*) FROM audit a WHERE a.target_kind = 'item' AND a.target_id = i.id \
            AND a.action = 'item.submit') AS submit_audit, \
         (SELECT COUNT(*) FROM audit a WHERE a.target_kind = 'item' AND a.target_id = i.id) \
            AS audit_rows, \
         (SELECT COUNT(*) FROM messages m WHERE m.enterprise_id = i.enterprise_id) AS messages \
         FROM items i",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let by_id: HashMap<String, &sqlx::any::AnyRow> = rows
        .iter()
        .map(|r| (r.try_get::<String, _>("id").unwrap(), r))
        .collect();

    let mut submitted = 0;
    for p in plan {
        let r = by_id
            .get(&p.id)
            .unwrap_or_else(|| panic!("{when}: declaration {} is gone", p.id));
        let int = |c: &str| r.try_get::<i64, _>(c).unwrap();
        let state: String = r.try_get("state").unwrap();
        let level: Option<String> = r.try_get("level").unwrap();
        let score: Option<f64> = r.try_get("score").unwrap();
        let qualifies: Option<i64> = r.try_get("qualifies").unwrap();
        let breakdown: Option<String> = r.try_get("breakdown").unwrap();
        let chain: Option<String> = r.try_get("chain").unwrap();
        let submitted_at: Option<i64> = r.try_get("submitted_at").unwrap();
        let seen = format!(
            "{when}: {} ({}) state {state}, level {level:?}, version {}, ever_submitted {}, \
             score {score:?}, submitted_at {submitted_at:?}, history {} (submit {}), \
             audit {} (submit {}), messages {}",
            p.id,
            p.tier.code(),
            int("version"),
            int("ever_submitted"),
            int("history_rows"),
            int("submit_history"),
            int("audit_rows"),
            int("submit_audit"),
            int("messages"),
        );
        assert_eq!(
            r.try_get::<String, _>("enterprise_id").unwrap(),
            p.enterprise_id
        );
        match state.as_str() {
            // Never touched by a submission: as the enterprise saved it.
            "draft" => {
                assert_eq!(int("version"), p.version, "{seen}");
                assert_eq!(int("ever_submitted"), 0, "{seen}");
                assert_eq!(
                    (
                        &level,
                        &score,
                        &qualifies,
                        &breakdown,
                        &chain,
                        &submitted_at
                    ),
                    (&None, &None, &None, &None, &None, &None),
                    "{seen}"
                );
                assert_eq!(int("history_rows"), 0, "{seen}");
                assert_eq!(int("submit_audit"), 0, "{seen}");
                assert_eq!(int("messages"), 0, "{seen}");
            }
            // Submitted once, with everything the submission writes.
            "submitted" => {
                let first = match p.tier {
                    Tier::Specialized => "county",
                    _ => "city",
                };
                assert_eq!(level.as_deref(), Some(first), "{seen}");
                assert_eq!(int("version"), p.version + 1, "{seen}");
                assert_eq!(int("ever_submitted"), 1, "{seen}");
                assert!(score.is_some_and(|s| s > 0.0), "{seen}");
                assert!(qualifies.is_some(), "{seen}");
                assert!(breakdown.is_some() && chain.is_some(), "{seen}");
                assert!(submitted_at.is_some(), "{seen}");
                assert_eq!(int("history_rows"), 1, "{seen}");
                assert_eq!(int("submit_history"), 1, "{seen}");
                assert_eq!(int("submit_audit"), 1, "{seen}");
                assert_eq!(int("messages"), 1, "{seen}");
                submitted += 1;
            }
            other => panic!("{when}: unexpected state {other}: {seen}"),
        }
        // create, the save (edit) and at most the one submit.
        let audit_expected = if state == "submitted" { 3 } else { 2 };
        assert_eq!(int("audit_rows"), audit_expected, "{seen}");
    }
    drop(conn);
    svc.close().await;
    submitted
}

#[tokio::test]
async fn killed_submitters_leave_every_declaration_whole_and_submitted_once() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let plan = prepare(dir).await;
    let total = plan.len();
    assert_eq!(check(dir, &plan, "before any run").await, 0);

    let mut before = 0;
    for (run, fraction) in KILL_AT.into_iter().enumerate() {
        let target = ((total as f64 * fraction) as usize).max(before + 1);
        let mut child = spawn_child(dir, run);
        kill_when(dir, run, &mut child, target).await;
        let when = format!("after killing run {run}");
        let now = check(dir, &plan, &when).await;
        // Some but not all: the kill landed in the middle of the work.
        assert!(
            now >= target && now < total,
            "{when}: {now} of {total} submitted (killed at ≥ {target})"
        );
        eprintln!("{when}: {now} of {total} submitted, the rest still drafts");
        before = now;
    }

    // A last run retries everything with the versions held before the crashes: it files the
    // remaining drafts and none twice.
    let run = KILL_AT.len();
    let mut child = spawn_child(dir, run);
    let status = wait_for(dir, run, &mut child).await;
    let log = child_log(dir, run);
    assert!(status.success(), "last child run failed ({status}):\n{log}");
    assert!(
        log.contains(&format!(
            "child: submitted {}, already submitted {before}",
            total - before
        )),
        "{log}"
    );
    assert_eq!(check(dir, &plan, "after the last run").await, total);
}
