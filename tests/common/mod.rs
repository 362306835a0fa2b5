//! Shared set-up for service tests: a fresh database in a temporary directory (or a fresh
//! PostgreSQL database, see [`Backend`]), a settable clock, fast password hashing, and helpers to
//! create accounts and read the outbox.
#![allow(dead_code)]

use sqlx::Row;
use std::sync::Arc;
use tempfile::TempDir;
use zjtx::domain::tiers::ReviewLevel;
use zjtx::domain::{id_check_char, uscc_check_char};
use zjtx::service::accounts::{RealName, Registration, StaffAccount};
use zjtx::service::notify::{OutboxMessage, outbox_to};
use zjtx::service::{
    AccountKind, AccountView, Notifier, PasswordHashing, Service, ServiceConfig, Session, TestClock,
};

/// The password every test account gets.
pub const PASSWORD: &str = "Secret-123";
/// Monday 3 March 2025, 09:00 Beijing time.
pub const START: &str = "2025-03-03T09:00:00+08:00";

/// Fields drop in order: the service (its pools) first, then the PostgreSQL database, then the
/// directory.
pub struct Env {
    pub svc: Service,
    pub clock: TestClock,
    /// The PostgreSQL database of this test, if it runs on PostgreSQL.
    pub pg: Option<PgDb>,
    _dir: TempDir,
}

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in the test's temporary directory.
    Sqlite,
    /// A fresh database on the server named by `ZJTX_TEST_PG` (see [`PgDb::create`]).
    Postgres,
}

/// The environment variable naming a PostgreSQL server where tests may create databases, e.g.
/// `postgres://postgres@127.0.0.1:54329/postgres` (`.ci/pg.sh` starts one).
pub const PG_ENV: &str = "ZJTX_TEST_PG";

/// A fresh environment on SQLite, or on PostgreSQL when `ZJTX_TEST_BACKEND=postgres` (to run a
/// whole test file on PostgreSQL by hand).
pub async fn env() -> Env {
    env_with(None).await
}

/// An environment whose service uses `notifier` instead of the outbox.
pub async fn env_with(notifier: Option<Arc<dyn Notifier>>) -> Env {
    let backend = if std::env::var("ZJTX_TEST_BACKEND").as_deref() == Ok("postgres") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    env_on_with(backend, notifier)
        .await
        .expect("ZJTX_TEST_BACKEND=postgres needs ZJTX_TEST_PG")
}

/// A fresh environment on `backend`; `None` when the test is to be skipped (PostgreSQL without
/// `ZJTX_TEST_PG` outside CI; see [`PgDb::create`]).
pub async fn env_on(backend: Backend) -> Option<Env> {
    env_on_with(backend, None).await
}

async fn env_on_with(backend: Backend, notifier: Option<Arc<dyn Notifier>>) -> Option<Env> {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = TestClock::at(START);
    let mut config = ServiceConfig::new(dir.path())
        .with_clock(Arc::new(clock.clone()))
        .with_passwords(PasswordHashing::Fast);
    let pg = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let db = PgDb::create().await?;
            config = config.with_database(db.location());
            Some(db)
        }
    };
    if let Some(n) = notifier {
        config = config.with_notifier(n);
    }
    let svc = Service::open(config).await.expect("open service");
    Some(Env {
        svc,
        clock,
        pg,
        _dir: dir,
    })
}

/// A PostgreSQL database created for one test on the server named by [`PG_ENV`] and dropped when
/// this value drops (connections still open to it are ended).
pub struct PgDb {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl PgDb {
    /// Creates `zjtx_t_<uuid>` (UTF-8, C collation like SQLite's byte order). Without
    /// [`PG_ENV`]: panics when `CI=true` (CI must run the PostgreSQL tests), else prints that the
    /// test is skipped and returns `None`.
    pub async fn create() -> Option<PgDb> {
        use sqlx::Connection;
        let admin_url = pg_server()?;
        let name = format!("zjtx_t_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("{PG_ENV}={admin_url}: cannot connect: {e}"));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' \
             LC_COLLATE 'C' LC_CTYPE 'C'"
        )))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("{PG_ENV}={admin_url}: cannot create a database: {e}"));
        let _ = admin.close().await;
        let url = with_database(&admin_url, &name);
        Some(PgDb {
            admin_url,
            name,
            url,
        })
    }

    pub fn location(&self) -> zjtx::store::Location {
        zjtx::store::Location::Postgres(self.url.clone())
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // On a thread of its own: drop may run inside the test's runtime.
        let dropped = std::thread::spawn(move || {
            use sqlx::Connection;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await?;
                admin.close().await
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop the test database {}: {e}", self.name);
        }
    }
}

/// The PostgreSQL server for tests, from [`PG_ENV`]; `None` (the test is skipped) when unset
/// outside CI.
pub fn pg_server() -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_string()),
        _ if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "{PG_ENV} is not set: CI must run the PostgreSQL tests (.ci/run starts a throwaway \
             server with .ci/pg.sh; set {PG_ENV}=postgres://USER@HOST:PORT/postgres to use \
             another)"
        ),
        _ => {
            // Straight to the process's stderr, past the test harness's capture, once per test
            // binary: a developer without PostgreSQL sees that these tests did not run.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "note: the PostgreSQL variants of these tests are skipped: {PG_ENV} is not \
                     set (e.g. {PG_ENV}=postgres://postgres@127.0.0.1:54329/postgres; \
                     `bash .ci/pg.sh` starts a throwaway server)"
                );
            });
            None
        }
    }
}

/// `url` with its database (the path) replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let path = url[start..].find('/').map_or(url.len(), |i| start + i);
    let query = url[path..].find('?').map_or("", |i| &url[path + i..]);
    format!("{}/{name}{query}", &url[..path])
}

/// A valid enterprise USCC registered in 深圳 (440300), distinct per `n`.
pub fn uscc(n: u32) -> String {
    let first17 = format!("91440300{n:09}");
    format!("{first17}{}", uscc_check_char(&first17).unwrap())
}

/// A valid resident ID number (born 1980-05-17), distinct per `n` (< 1000).
pub fn resident_id(n: u32) -> String {
    let first17 = format!("44030519800517{n:03}");
    format!("{first17}{}", id_check_char(&first17).unwrap())
}

/// A mainland mobile number, distinct per `n`.
pub fn phone(n: u32) -> String {
    format!("139{n:08}")
}

impl Env {
    pub async fn register(&self, login: &str, kind: AccountKind, n: u32) -> AccountView {
        self.svc
            .register(Registration {
                login_name: login.into(),
                password: PASSWORD.into(),
                kind,
                phone: phone(n),
                email: Some(format!("{login}@example.com")),
            })
            .await
            .expect("register")
    }

    pub async fn login(&self, login: &str) -> Session {
        self.svc
            .login(login, PASSWORD)
            .await
            .expect("login")
            .session
    }

    /// A registered, logged-in and real-name verified legal-person account (USCC `uscc(n)`,
    /// phone `phone(n)`). Returns the session after verification.
    pub async fn enterprise(&self, login: &str, n: u32) -> Session {
        self.register(login, AccountKind::Legal, n).await;
        let s = self.login(login).await;
        self.svc
            .verify_real_name(
                &s,
                RealName {
                    enterprise_name: format!("深圳市测试{n}科技有限公司"),
                    uscc: uscc(n),
                    legal_rep: "张三".into(),
                    legal_rep_id: resident_id(n),
                },
            )
            .await
            .expect("verify");
        self.login(login).await
    }

    /// A staff account created by bootstrap, logged in.
    pub async fn staff(
        &self,
        login: &str,
        kind: AccountKind,
        level: Option<ReviewLevel>,
        region: Option<&str>,
    ) -> Session {
        self.svc
            .bootstrap_staff_account(StaffAccount {
                kind,
                level,
                region_code: region.map(str::to_string),
                login_name: login.into(),
                display_name: format!("{login}-name"),
                password: PASSWORD.into(),
                phone: None,
                email: None,
            })
            .await
            .expect("staff account");
        self.login(login).await
    }

    pub async fn support(&self) -> Session {
        self.staff("helpdesk", AccountKind::Support, None, None)
            .await
    }

    pub async fn outbox(&self, recipient: &str) -> Vec<OutboxMessage> {
        let mut conn = self.svc.read().await.unwrap();
        outbox_to(&mut conn, recipient).await.unwrap()
    }

    /// The code in the newest message to `recipient` (the six digits after "验证码 ").
    pub async fn last_code(&self, recipient: &str) -> String {
        let msgs = self.outbox(recipient).await;
        let body = &msgs.first().expect("a message").body;
        let after = body.split("验证码 ").nth(1).expect("a code in the message");
        after.chars().take(6).collect()
    }

    /// A single integer from a query (counts in assertions).
    pub async fn scalar(&self, sql: &'static str) -> i64 {
        let mut conn = self.svc.read().await.unwrap();
        sqlx::query(sql)
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .try_get::<i64, _>(0)
            .unwrap()
    }

    /// Audit actions about one target, oldest first.
    pub async fn audit_actions(&self, kind: &str, id: &str) -> Vec<String> {
        let mut conn = self.svc.read().await.unwrap();
        zjtx::service::audit::audit_of(&mut conn, kind, id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }
}

pub mod openapi;

/// Helpers of the lifecycle tests (certifications, info updates, major changes, 复核). Rows that
/// other parts of the service own (basic info, certifications granted by a final pass) are set
/// up directly with SQL here, and say so.
pub mod life {
    use super::{Env, Session};
    use chrono::{DateTime, NaiveDate, Utc};
    use sqlx::Row;
    use zjtx::domain::calendar;
    use zjtx::domain::tiers::Tier;
    use zjtx::service::authz::place_of;
    use zjtx::service::messages::stored_text;

    pub fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a YYYY-MM-DD date")
    }

    /// Sets the test clock to `hh:mm` Beijing time on `date` (YYYY-MM-DD).
    pub fn set_time(env: &Env, date: &str, hh_mm: &str) {
        let t =
            DateTime::parse_from_rfc3339(&format!("{date}T{hh_mm}:00+08:00")).expect("an instant");
        env.clock.set(t.with_timezone(&Utc));
    }

    /// Sets the test clock to 09:00 Beijing time on `date`.
    pub fn set_day(env: &Env, date: &str) {
        set_time(env, date, "09:00");
    }

    /// A verified enterprise (`env.enterprise(login, n)`) whose basic info is complete and whose
    /// 注册地 is `county` (SQL: the enterprise module's part).
    pub async fn firm(env: &Env, login: &str, n: u32, county: &str) -> Session {
        let s = env.enterprise(login, n).await;
        let place = place_of(county).expect("a known county");
        let mut w = env.svc.write().await.unwrap();
        sqlx::query(
            "UPDATE enterprises SET county_code = $1, city_code = $2, authority_code = $3, \
             industry_code = '3973', segment = '传感器', main_products = '压力传感器', \
             employees = 80, revenue = 5000, total_assets = 6000, contact_name = '李四', \
             contact_phone = '13800000001' WHERE id = $4",
        )
        .bind(&place.county_code)
        .bind(&place.city_code)
        .bind(&place.authority_code)
        .bind(s.enterprise_id.as_deref().unwrap())
        .execute(&mut *w)
        .await
        .unwrap();
        w.commit().await.unwrap();
        s
    }

    /// An active certification of `tier` granted on `certified_on`, valid 3 years, as the
    /// review side writes it on a final pass (SQL). Returns its id.
    pub async fn certify(env: &Env, enterprise_id: &str, tier: Tier, certified_on: &str) -> String {
        let on = d(certified_on);
        let expires = calendar::expiry(on, calendar::VALIDITY_YEARS);
        let id = zjtx::store::new_id();
        let mut w = env.svc.write().await.unwrap();
        sqlx::query(
            "INSERT INTO certifications (id, enterprise_id, tier, certified_on, expires_on, \
             status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'active', 0, 0)",
        )
        .bind(&id)
        .bind(enterprise_id)
        .bind(tier.code())
        .bind(on.to_string())
        .bind(expires.to_string())
        .execute(&mut *w)
        .await
        .unwrap();
        w.commit().await.unwrap();
        id
    }

    /// The messages of an enterprise, oldest first: (category code, Chinese title).
    pub async fn messages(env: &Env, enterprise_id: &str) -> Vec<(String, String)> {
        let mut conn = env.svc.read().await.unwrap();
        sqlx::query(
            "SELECT category, title FROM messages WHERE enterprise_id = $1 ORDER BY created_at, id",
        )
        .bind(enterprise_id)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let title: String = r.try_get("title").unwrap();
            (r.try_get("category").unwrap(), stored_text(&title).zh)
        })
        .collect()
    }
}

/// Registers an enterprise's 注册地 directly (county, its city and authority), as the basic-info
/// use cases would.
pub async fn set_county(env: &Env, enterprise_id: &str, county: &str) {
    let place = zjtx::service::authz::place_of(county).expect("a known county");
    let mut w = env.svc.write().await.unwrap();
    sqlx::query(
        "UPDATE enterprises SET county_code = $1, city_code = $2, authority_code = $3 \
         WHERE id = $4",
    )
    .bind(&place.county_code)
    .bind(&place.city_code)
    .bind(&place.authority_code)
    .bind(enterprise_id)
    .execute(&mut *w)
    .await
    .unwrap();
    w.commit().await.unwrap();
}

/// A workflow item of `firm` created and submitted with every precondition met and `chain`
/// snapshotted (the declaration use cases are another module's; this goes straight through
/// `items::create` + `items::act(Submit)`).
pub async fn submitted(
    env: &Env,
    firm: &Session,
    kind: zjtx::service::items::ItemKind,
    tier: zjtx::domain::tiers::Tier,
    chain: &[ReviewLevel],
    payload: serde_json::Value,
) -> zjtx::service::items::Item {
    use zjtx::domain::workflow::{Action, Chain};
    use zjtx::service::items::{self, ItemFacts, NewItem};
    let mut w = env.svc.write().await.unwrap();
    let draft = items::create(
        &mut w,
        &zjtx::service::audit::Who::from(firm),
        NewItem {
            kind,
            subtype: None,
            enterprise_id: firm.enterprise_id.clone().expect("a verified enterprise"),
            certification_id: None,
            tier,
            batch: 2025,
            window_id: None,
            ruleset: "2022".into(),
            payload,
        },
    )
    .await
    .unwrap();
    let facts = ItemFacts {
        window_open: true,
        basic_info_complete: true,
        prerequisites_met: true,
        other_open_declaration: false,
        barred: false,
        submit_chain: Some(Chain::new(chain.to_vec()).unwrap()),
    };
    let done = items::act(&mut w, firm, &draft.id, 1, &Action::Submit, facts)
        .await
        .unwrap();
    w.commit().await.unwrap();
    done.item.unwrap()
}
