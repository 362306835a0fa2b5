//! A harness for screen tests: the real [`App`] over an in-process [`ApiClient`] on a copy of
//! the demo data set, with the service clock fixed (so dates on screen never change), keys
//! driven as a user types them, jobs run to completion after each key, and the screen read
//! back from a `TestBackend` at any size.
//!
//! ```ignore
//! let mut h = Harness::demo(Lang::Zh);
//! h.login("gz_ruixin");
//! h.key(KeyCode::Char('1'));
//! insta::assert_snapshot!(h.screen(80, 24));
//! ```

use super::Ui;
use super::app::{Action, App, Effect, update, view};
use super::keymap::Keymap;
use super::screen::{Account, Job, Screen};
use super::screens::home::RoleHome;
use super::screens::public::PublicHome;
use super::theme::Theme;
use super::widgets::testing::screen_text;
use crate::client::ApiClient;
use crate::domain::Lang;
use crate::service::{PasswordHashing, Service, ServiceConfig, TestClock};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The fixed "now" of every harness: a Thursday morning in Beijing, declaration season.
pub const NOW: &str = "2026-04-16T10:00:00+08:00";

/// The demo set, seeded once per test process into a template directory.
fn template() -> &'static PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        remove_stale_templates();
        let dir = std::env::temp_dir().join(format!(
            "zjtx-tui-template-{}-{}",
            std::process::id(),
            uuid::Uuid::now_v7()
        ));
        std::fs::create_dir_all(&dir).expect("template dir");
        let rt = runtime();
        rt.block_on(async {
            let svc = Service::open(config(&dir)).await.expect("open template");
            crate::service::demo::seed_demo(&svc)
                .await
                .expect("seed demo");
            svc.close().await;
        });
        dir
    })
}

/// Templates of test processes that are gone (each process seeds its own once).
fn remove_stale_templates() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix("zjtx-tui-template-") else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && Path::new("/proc/self").exists()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn config(dir: &Path) -> ServiceConfig {
    ServiceConfig::new(dir)
        .with_clock(Arc::new(TestClock::at(NOW)))
        .with_passwords(PasswordHashing::Fast)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("copy dir");
    for e in std::fs::read_dir(from).expect("read template").flatten() {
        let target = to.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy file");
        }
    }
}

/// The real UI over a real in-process API.
pub struct Harness {
    pub app: App,
    pub service: Service,
    pub rt: tokio::runtime::Runtime,
    jobs: Vec<Job>,
    pub quit: bool,
    dir: PathBuf,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Harness {
    /// The public home on a fresh copy of the demo data, in `lang`, default theme.
    pub fn demo(lang: Lang) -> Harness {
        Harness::with_root(lang, |ui| Box::new(PublicHome::new(ui)))
    }

    /// A fresh copy of the demo data with `root` as the first screen.
    pub fn with_root(lang: Lang, root: impl FnOnce(&Ui) -> Box<dyn Screen>) -> Harness {
        let dir = std::env::temp_dir().join(format!("zjtx-tui-{}", uuid::Uuid::now_v7()));
        copy_dir(template(), &dir);
        let rt = runtime();
        let service = rt
            .block_on(Service::open(config(&dir)))
            .expect("open service");
        let client = rt.block_on(async { ApiClient::in_process(service.clone()) });
        let ui = Ui::new(Theme::default(), false, lang);
        let root = root(&ui);
        let mut app = App::new(ui, Keymap::defaults(), &[], client, root);
        app.session.local_dir = Some(dir.join("local"));
        let mut h = Harness {
            app,
            service,
            rt,
            jobs: Vec::new(),
            quit: false,
            dir,
        };
        let pending = h.app.take_pending();
        h.apply(pending);
        h.settle();
        h
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Spawn(job) => self.jobs.push(job),
                Effect::Quit => self.quit = true,
                Effect::ClearScreen => {}
            }
        }
    }

    /// Runs every pending job (and the jobs their answers start) to completion, feeding each
    /// answer to the app in the order the jobs were started.
    pub fn settle(&mut self) {
        for _ in 0..100 {
            if self.jobs.is_empty() {
                return;
            }
            let jobs = std::mem::take(&mut self.jobs);
            for job in jobs {
                let output = self.rt.block_on(job.work);
                let effects = update(
                    &mut self.app,
                    Action::JobDone {
                        screen: job.screen,
                        kind: job.kind,
                        generation: job.generation,
                        output,
                    },
                );
                self.apply(effects);
            }
        }
        panic!("jobs keep starting jobs: more than 100 rounds");
    }

    /// Sends one key event (then settles).
    pub fn send(&mut self, ev: KeyEvent) {
        let effects = update(&mut self.app, Action::Key(ev));
        self.apply(effects);
        self.settle();
    }

    pub fn key(&mut self, code: KeyCode) {
        self.send(KeyEvent::new(code, KeyModifiers::NONE));
    }

    pub fn ctrl(&mut self, c: char) {
        self.send(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    }

    /// Types text one character at a time, as a terminal delivers it.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let effects = update(
                &mut self.app,
                Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            );
            self.apply(effects);
        }
        self.settle();
    }

    /// Several keys typed faster than the server answers (a slow link): none of the jobs
    /// they start finishes until all are in, then everything settles.
    pub fn keys_ahead(&mut self, codes: &[KeyCode]) {
        for c in codes {
            let effects = update(
                &mut self.app,
                Action::Key(KeyEvent::new(*c, KeyModifiers::NONE)),
            );
            self.apply(effects);
        }
        self.settle();
    }

    /// Pastes text (bracketed paste).
    pub fn paste(&mut self, text: &str) {
        let effects = update(&mut self.app, Action::Paste(text.to_string()));
        self.apply(effects);
        self.settle();
    }

    /// Logs in as a demo account (password `Demo-2025!`) without going through the log-in
    /// screen, and shows the role's home.
    pub fn login(&mut self, login: &str) {
        let client = self.app.client.clone();
        let me = self.rt.block_on(async {
            client
                .login(login, "Demo-2025!")
                .await
                .expect("demo log-in");
            client.me().await.expect("me")
        });
        let account = Account::from_json(&me).expect("account");
        self.app.session.account = Some(account.clone());
        let home = RoleHome::new(&self.app.ui, &account);
        let effects = self.app.reset_to(Box::new(home));
        self.apply(effects);
        self.settle();
    }

    /// Starts over on `screen` as the only screen (what a new run of the program shows
    /// first), keeping the client and its token.
    pub fn restart_on(&mut self, screen: Box<dyn Screen>) {
        self.app.session.account = None;
        let effects = self.app.reset_to(screen);
        self.apply(effects);
        self.settle();
    }

    /// The screen as text at `width` × `height` (rows joined with newlines, trailing spaces
    /// kept so columns can be checked).
    pub fn screen(&mut self, width: u16, height: u16) -> String {
        let mut term =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
        term.draw(|f| view(&mut self.app, f)).unwrap();
        screen_text(term.backend().buffer())
    }

    /// Whether the screen at 120×40 shows `text`.
    pub fn shows(&mut self, text: &str) -> bool {
        self.screen(120, 40).contains(text)
    }
}
