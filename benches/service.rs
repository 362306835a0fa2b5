//! Service timings on SQLite (DESIGN.md §5): a 50-row review-queue page out of 1 000 000
//! declarations (target ≤ 10 ms) and a pass decision (target ≤ 5 ms), plus the queue's filter
//! counts. A plain timing loop, no timed assertions: `cargo bench --bench service`.
//!
//! The database is built once per size with [`bulk::generate_declarations`] and kept under
//! `target/bench-data/service-<N>/` (a `ready` file marks a finished build); `ZJTX_BENCH_N`
//! sets N (default 1 000 000) for quick runs. Every run passes a few hundred items, so a kept
//! database drifts a little from run to run; delete the directory for a fresh one.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zjtx::domain::tiers::ReviewLevel;
use zjtx::service::accounts::StaffAccount;
use zjtx::service::bulk;
use zjtx::service::review::{QueueEntry, QueueFilter};
use zjtx::service::{
    AccountKind, Page, PageRequest, PasswordHashing, Service, ServiceConfig, Session, TestClock,
};

const DEFAULT_N: u64 = 1_000_000;
/// Runs per page measurement (each reported as min / median / p95 / max).
const PAGE_RUNS: usize = 100;
/// Runs per count measurement.
const COUNT_RUNS: usize = 20;
/// Pass decisions per level.
const PASSES: usize = 200;
const PAGE: u32 = 50;
const PASSWORD: &str = "Bench-123";
/// The bench clock: Monday 3 March 2025, 09:00 Beijing time.
const NOW: &str = "2025-03-03T09:00:00+08:00";

fn main() {
    let n = std::env::var("ZJTX_BENCH_N")
        .ok()
        .map(|v| {
            v.replace('_', "")
                .parse::<u64>()
                .expect("ZJTX_BENCH_N: a number")
        })
        .unwrap_or(DEFAULT_N);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(run(n));
}

fn data_dir(n: u64) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-data").join(format!("service-{n}"))
}

async fn open(dir: &Path) -> Service {
    let config = ServiceConfig::new(dir)
        .with_clock(Arc::new(TestClock::at(NOW)))
        .with_passwords(PasswordHashing::Fast);
    Service::open(config).await.expect("open the service")
}

/// The database of `n` declarations: reused when a finished build exists, built otherwise.
async fn database(n: u64) -> Service {
    let dir = data_dir(n);
    let ready = dir.join("ready");
    if ready.exists() {
        println!("reusing {} ({n} declarations)", dir.display());
        return open(&dir).await;
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("remove an unfinished build");
    }
    println!("building {} ({n} declarations) …", dir.display());
    let started = Instant::now();
    let svc = open(&dir).await;
    bulk::generate_declarations(&svc, n)
        .await
        .expect("bulk data");
    svc.close().await;
    // Start the measurements from an empty WAL.
    checkpoint(&dir).await;
    std::fs::write(&ready, n.to_string()).expect("mark the build finished");
    println!("built in {:.1} s", started.elapsed().as_secs_f64());
    open(&dir).await
}

/// Truncates the WAL into the database file (a plain connection: the service has none that
/// may checkpoint outside a transaction).
async fn checkpoint(dir: &Path) {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join(zjtx::service::DB_FILE))
        .busy_timeout(Duration::from_secs(30));
    let mut conn = sqlx::sqlite::SqliteConnection::connect_with(&options)
        .await
        .expect("a connection");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await
        .expect("checkpoint");
    conn.close().await.expect("close");
}

/// A staff account at `level` for `region`, created on first use, logged in.
async fn staff(svc: &Service, level: ReviewLevel, region: &str) -> Session {
    let login = format!("bench_{}_{region}", level.code());
    if let Ok(ok) = svc.login(&login, PASSWORD).await {
        return ok.session;
    }
    svc.bootstrap_staff_account(StaffAccount {
        kind: AccountKind::Reviewer,
        level: Some(level),
        region_code: Some(region.to_string()),
        login_name: login.clone(),
        display_name: format!("审核员 {region}"),
        password: PASSWORD.into(),
        phone: None,
        email: None,
    })
    .await
    .expect("a staff account");
    svc.login(&login, PASSWORD).await.expect("login").session
}

/// The regions (column `scope`) with the most declarations waiting at `level`, busiest first.
async fn busiest(svc: &Service, scope: &str, level: ReviewLevel, k: i64) -> Vec<(String, i64)> {
    let mut conn = svc.read().await.unwrap();
    let sql = format!(
        "SELECT {scope} AS code, COUNT(*) AS n FROM items WHERE kind = 'declaration' \
         AND level = $1 GROUP BY {scope} ORDER BY n DESC, code LIMIT $2"
    );
    let rows: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(level.code())
        .bind(k)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    rows
}

#[derive(Default)]
struct Stats(Vec<Duration>);

impl Stats {
    fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    fn row(&self, label: &str, target_ms: Option<f64>) {
        let mut v = self.0.clone();
        v.sort();
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let verdict = match target_ms {
            Some(t) if ms(at(0.95)) <= t => format!("p95 ok (≤ {t} ms)"),
            Some(t) => format!("p95 MISSES ≤ {t} ms"),
            None => String::new(),
        };
        println!(
            "{label:<52} {:>5} {:>8.3} {:>8.3} {:>8.3} {:>8.3}  {verdict}",
            v.len(),
            ms(v[0]),
            ms(at(0.5)),
            ms(at(0.95)),
            ms(v[v.len() - 1]),
        );
    }
}

fn header(title: &str) {
    println!();
    println!(
        "{title:<52} {:>5} {:>8} {:>8} {:>8} {:>8}",
        "runs", "min ms", "median", "p95", "max"
    );
}

async fn page(svc: &Service, who: &Session, req: &PageRequest) -> Page<QueueEntry> {
    svc.queue(who, &QueueFilter::default(), req)
        .await
        .expect("a queue page")
}

/// A cursor about halfway into the reviewer's queue (at most 400 pages in), and how many pages
/// in it is.
async fn deep_cursor(svc: &Service, who: &Session, waiting: i64) -> Option<(String, usize)> {
    let pages = ((waiting / i64::from(PAGE)) / 2).clamp(1, 400) as usize;
    let mut req = PageRequest::first(PAGE);
    let mut last = None;
    for k in 0..pages {
        let p = page(svc, who, &req).await;
        let next = p.next?;
        req = PageRequest::after(&next, PAGE);
        last = Some((next, k + 1));
    }
    last
}

async fn measure_pages(svc: &Service, label: &str, who: &Session) {
    let counts = svc
        .queue_counts(who, &QueueFilter::default())
        .await
        .expect("counts");
    let first = PageRequest::first(PAGE);
    let rows = page(svc, who, &first).await.items.len();
    let mut s = Stats::default();
    for _ in 0..PAGE_RUNS {
        let t = Instant::now();
        let p = page(svc, who, &first).await;
        s.push(t.elapsed());
        std::hint::black_box(p);
    }
    s.row(
        &format!("{label}: first page, {rows} of {} waiting", counts.total),
        Some(10.0),
    );
    if let Some((cursor, k)) = deep_cursor(svc, who, counts.total).await {
        let req = PageRequest::after(&cursor, PAGE);
        let mut s = Stats::default();
        for _ in 0..PAGE_RUNS {
            let t = Instant::now();
            let p = page(svc, who, &req).await;
            s.push(t.elapsed());
            std::hint::black_box(p);
        }
        s.row(&format!("{label}: page {} via cursor", k + 1), Some(10.0));
    }
}

async fn measure_counts(svc: &Service, label: &str, who: &Session) {
    let mut s = Stats::default();
    for _ in 0..COUNT_RUNS {
        let t = Instant::now();
        let c = svc
            .queue_counts(who, &QueueFilter::default())
            .await
            .expect("counts");
        s.push(t.elapsed());
        std::hint::black_box(c);
    }
    s.row(&format!("{label}: queue_counts"), None);
}

/// Up to `want` items waiting in the reviewer's queue (the versions as listed).
async fn work(svc: &Service, who: &Session, want: usize) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let mut req = PageRequest::first(PAGE);
    while out.len() < want {
        let p = page(svc, who, &req).await;
        out.extend(p.items.into_iter().map(|e| (e.id, e.version)));
        match p.next {
            Some(next) => req = PageRequest::after(&next, PAGE),
            None => break,
        }
    }
    out.truncate(want);
    out
}

/// Passes `PASSES` items spread over the reviewers' queues, timing each decision.
async fn measure_passes(svc: &Service, label: &str, reviewers: &[Session]) {
    let mut todo = Vec::new();
    let mut used = 0;
    for who in reviewers {
        let need = PASSES - todo.len();
        if need == 0 {
            break;
        }
        used += 1;
        for (id, version) in work(svc, who, need).await {
            todo.push((who, id, version));
        }
    }
    let mut s = Stats::default();
    for (who, id, version) in &todo {
        let t = Instant::now();
        let done = svc.pass(who, id, *version, None).await.expect("a pass");
        s.push(t.elapsed());
        std::hint::black_box(done);
    }
    if todo.is_empty() {
        println!("{label}: nothing waiting");
    } else {
        let by = if used == 1 {
            "1 reviewer".to_string()
        } else {
            format!("{used} reviewers")
        };
        s.row(&format!("{label}: pass, {by}"), Some(5.0));
    }
}

async fn run(n: u64) {
    let svc = database(n).await;
    let total: i64 = {
        let mut conn = svc.read().await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE kind = 'declaration'")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    println!("{total} declarations");

    // The busiest province, prefecture and counties: the reviewers with the longest queues.
    let province = busiest(&svc, "authority_code", ReviewLevel::Province, 1).await;
    let city = busiest(&svc, "city_code", ReviewLevel::City, 1).await;
    let counties = busiest(&svc, "county_code", ReviewLevel::County, 20).await;
    let (Some(province), Some(city), false) = (province.first(), city.first(), counties.is_empty())
    else {
        panic!("no declarations waiting at some level: use a larger ZJTX_BENCH_N");
    };
    let province = staff(&svc, ReviewLevel::Province, &province.0).await;
    let city = staff(&svc, ReviewLevel::City, &city.0).await;
    let mut county = Vec::new();
    let mut waiting = 0;
    for (code, n) in &counties {
        county.push(staff(&svc, ReviewLevel::County, code).await);
        waiting += n;
        if waiting >= (PASSES as i64) * 2 {
            break;
        }
    }
    let reviewers = [
        ("province", &province),
        ("city", &city),
        ("county", &county[0]),
    ];
    for (label, who) in reviewers {
        println!(
            "{label} reviewer: {}",
            who.region_code.as_deref().unwrap_or("-")
        );
    }

    header("queue page, 50 rows (Service::queue)");
    for (label, who) in reviewers {
        measure_pages(&svc, label, who).await;
    }

    header("filter counts (Service::queue_counts)");
    for (label, who) in reviewers {
        measure_counts(&svc, label, who).await;
    }

    header("decision (Service::pass)");
    measure_passes(&svc, "county level", &county).await;
    measure_passes(&svc, "city level", std::slice::from_ref(&city)).await;
    measure_passes(
        &svc,
        "province level (final, or → ministry)",
        std::slice::from_ref(&province),
    )
    .await;
    svc.close().await;
}
