//! The service: every use case, its authorization and its audit trail, over a [`Store`].
//!
//! Shape shared by every use-case module (accounts, support, and those that follow):
//!
//! - a use case is an `async fn` on [`Service`] (in its own module's `impl Service` block) taking
//!   the caller's [`Session`] (or nothing, for public use cases) and plain input structs, and
//!   returning `Result<_, ServiceError>`;
//! - it checks authorization first with the helpers of [`authz`], validates input into
//!   [`ServiceError::Invalid`] with [`validate::Fields`] (all fields at once), then opens one
//!   [`Write`] (a write transaction carrying one `now` from the [`Clock`]), does its writes, its
//!   [`audit`] rows and its notifications ([`Service::notify`], an outbox row) in that same
//!   transaction, and commits. An error before the commit rolls everything back: no audit row,
//!   no SMS. Slow CPU work (argon2) happens before the write transaction opens, never inside it:
//!   there is one writer;
//! - reads use [`Service::read`] and page with [`paging`] (keyset cursors; never `OFFSET`);
//! - workflow items (declarations, 复核, updates, changes) change state only through
//!   [`items::act`], which checks the version and writes history; lists of items go through
//!   [`items::list`] with an [`authz::Scope`];
//! - SQL follows the portable subset described in [`crate::store`]; the whole schema is
//!   migration 1 (`src/store/migrations/0001_schema.sql`): later changes are new migration files.
//!
//! Tests: `tests/common/mod.rs` opens a fresh database per test with a [`TestClock`] and fast
//! password hashing, and has helpers for accounts, staff and the outbox.

pub mod accounts;
pub mod admin;
pub mod announcements;
pub mod assessment;
pub mod audit;
pub mod authz;
pub mod bulk;
pub mod certifications;
pub mod changes;
pub mod clock;
pub mod credentials;
pub mod declarations;
pub mod demo;
pub mod enterprise;
pub mod error;
pub mod evidence;
pub mod export;
pub mod facts;
pub mod history;
pub mod inbox;
pub mod items;
pub mod messages;
pub mod notify;
pub mod paging;
pub mod policy;
pub mod query;
pub mod reasons;
pub mod reexam;
pub mod reminders;
pub mod review;
pub mod session;
pub mod support;
pub mod throttle;
pub mod updates;
pub mod uploads;
pub mod validate;
pub mod windows;

pub use accounts::AccountView;
pub use clock::{Clock, SystemClock, TestClock};
pub use credentials::PasswordHashing;
pub use error::{FieldError, Refused, ServiceError, ServiceResult, WayOut};
pub use notify::{Channel, Notice, Notifier, OutboxNotifier};
pub use paging::{Page, PageRequest};
pub use session::AccountKind;
pub use session::Session;

pub use crate::store::DB_FILE;

use crate::store::{Conn, Location, ReadConn, Store, WriteTx};
use chrono::{DateTime, NaiveDate, Utc};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to build a [`Service`]: database, files directory, clock, notifier, password-hashing
/// cost.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The files directory: evidence blobs (`evidence/`) and unfinished uploads (`uploads/`).
    /// Servers sharing one PostgreSQL database must share this directory too.
    pub data_dir: PathBuf,
    /// The database; `None` = the SQLite file [`DB_FILE`] in `data_dir`.
    pub database: Option<Location>,
    pub clock: Arc<dyn Clock>,
    pub notifier: Arc<dyn Notifier>,
    pub passwords: PasswordHashing,
}

impl ServiceConfig {
    /// Production defaults: the SQLite database in `data_dir`, system clock, outbox notifier,
    /// argon2 default parameters.
    pub fn new(data_dir: impl Into<PathBuf>) -> ServiceConfig {
        ServiceConfig {
            data_dir: data_dir.into(),
            database: None,
            clock: Arc::new(SystemClock),
            notifier: Arc::new(OutboxNotifier),
            passwords: PasswordHashing::Default,
        }
    }

    /// The database elsewhere (a PostgreSQL URL, or a SQLite file outside `data_dir`); files
    /// still go to `data_dir`.
    pub fn with_database(mut self, database: Location) -> ServiceConfig {
        self.database = Some(database);
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> ServiceConfig {
        self.clock = clock;
        self
    }

    pub fn with_notifier(mut self, notifier: Arc<dyn Notifier>) -> ServiceConfig {
        self.notifier = notifier;
        self
    }

    pub fn with_passwords(mut self, passwords: PasswordHashing) -> ServiceConfig {
        self.passwords = passwords;
        self
    }
}

/// The service handle: cheap to clone, shared by every request.
#[derive(Debug, Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    notifier: Arc<dyn Notifier>,
    data_dir: Arc<PathBuf>,
    passwords: PasswordHashing,
}

impl Service {
    /// Opens (creating and migrating if needed) the configured database: by default the SQLite
    /// database `zjtx.db` in the data directory.
    pub async fn open(config: ServiceConfig) -> ServiceResult<Service> {
        let location = config
            .database
            .clone()
            .unwrap_or_else(|| Location::Sqlite(config.data_dir.join(DB_FILE)));
        let store = location.open().await?;
        Ok(Service::with_store(store, config))
    }

    /// A service over an already opened store (PostgreSQL, or a shared test store).
    pub fn with_store(store: Arc<dyn Store>, config: ServiceConfig) -> Service {
        Service {
            store,
            clock: config.clock,
            notifier: config.notifier,
            data_dir: Arc::new(config.data_dir),
            passwords: config.passwords,
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// Where evidence blobs and unfinished uploads live (the files directory).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn passwords(&self) -> PasswordHashing {
        self.passwords
    }

    /// Opens a write transaction stamped with the clock's current time.
    pub async fn write(&self) -> ServiceResult<Write> {
        let tx = self.store.begin_write().await?;
        Ok(Write {
            tx,
            now: self.clock.now(),
        })
    }

    /// A read connection.
    pub async fn read(&self) -> ServiceResult<ReadConn> {
        Ok(self.store.read().await?)
    }

    /// Sends an SMS or e-mail as part of the write transaction `w` (with the default notifier:
    /// an outbox row, so a rolled-back action sends nothing).
    pub async fn notify(&self, w: &mut Write, notice: &Notice) -> ServiceResult<()> {
        let now = w.now;
        self.notifier.send(w, now, notice).await
    }

    /// Closes the store.
    pub async fn close(&self) {
        self.store.close().await;
    }
}

/// A write transaction and the instant it acts at (one `now` per transaction, so every row it
/// writes carries the same time). Derefs to the connection; [`Write::commit`] or drop (= roll
/// back).
pub struct Write {
    tx: WriteTx,
    pub now: DateTime<Utc>,
}

impl Write {
    /// `now` as stored (unix milliseconds).
    pub fn now_ms(&self) -> i64 {
        crate::store::ms(self.now)
    }

    /// Today's date in China at `now`.
    pub fn today(&self) -> NaiveDate {
        clock::china_date(self.now)
    }

    pub async fn commit(self) -> ServiceResult<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for Write {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        &self.tx
    }
}

impl DerefMut for Write {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.tx
    }
}
