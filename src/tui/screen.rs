//! Screens: the [`Screen`] trait every page implements, and [`Ctx`], what a screen may do while
//! it handles a key or a result — start API calls, move to another screen, show a toast.
//!
//! A screen owns its state and its widgets. It maps keys to changes of that state, starts slow
//! work with [`Ctx::spawn`] (an [`ApiClient`] call run on the tokio runtime, never on the UI
//! thread) and gets the answer back in [`Screen::done`] or [`Screen::failed`]. Every call has a
//! kind; only the answer to the latest call of a kind reaches the screen ("latest wins"), so a
//! filter typed quickly never shows an older answer after a newer one.

use super::Ui;
use super::keymap::{Context, Hint, Keymap};
use super::widgets::Handled;
use super::widgets::dialog::{Toast, ToastKind};
use crate::client::{ApiClient, ClientError};
use crate::domain::Lang;
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// What a job hands back: a value for the screen to downcast, or the client's error.
pub type JobOutput = Result<Box<dyn Any + Send>, ClientError>;

/// A piece of slow work (an API call, an export) to run off the loop.
pub struct Job {
    /// The screen that asked (answers go to it, wherever it is in the stack).
    pub screen: u64,
    /// What kind of request this is; [`Latest`] keeps one generation per screen and kind.
    pub kind: &'static str,
    pub generation: u64,
    pub work: Pin<Box<dyn Future<Output = JobOutput> + Send>>,
}

/// Generations of requests by screen and kind: only the answer to the latest one counts.
#[derive(Debug, Default)]
pub struct Latest {
    next: u64,
    current: HashMap<(u64, &'static str), u64>,
}

impl Latest {
    /// A new generation for `kind` of `screen`; older ones become stale.
    pub fn issue(&mut self, screen: u64, kind: &'static str) -> u64 {
        self.next += 1;
        self.current.insert((screen, kind), self.next);
        self.next
    }

    pub fn is_current(&self, screen: u64, kind: &'static str, generation: u64) -> bool {
        self.current.get(&(screen, kind)) == Some(&generation)
    }

    /// Forgets a screen's requests (it was closed): their answers are dropped.
    pub fn forget(&mut self, screen: u64) {
        self.current.retain(|(s, _), _| *s != screen);
    }

    /// How many requests are still awaited.
    pub fn pending(&self) -> usize {
        self.current.len()
    }

    /// Marks an answer as received.
    pub fn settle(&mut self, screen: u64, kind: &'static str) {
        self.current.remove(&(screen, kind));
    }
}

/// The logged-in account, as the API's `/me` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub login_name: String,
    /// `legal`, `natural`, `reviewer`, `admin`, `support`.
    pub kind: String,
    /// Review level of staff: `county`, `city`, `province`, `ministry`.
    pub level: Option<String>,
    pub region_code: Option<String>,
    pub enterprise_id: Option<String>,
    pub display_name: String,
    pub verified: bool,
}

impl Account {
    /// From the API's account view.
    pub fn from_json(v: &Value) -> Option<Account> {
        let s = |k: &str| v[k].as_str().map(str::to_string);
        Some(Account {
            id: s("id")?,
            login_name: s("login_name")?,
            kind: s("kind")?,
            level: s("level"),
            region_code: s("region_code"),
            enterprise_id: s("enterprise_id"),
            display_name: s("display_name").unwrap_or_default(),
            verified: v["verified"].as_bool().unwrap_or(false),
        })
    }

    /// The role as the header shows it (e.g. 市级审核员, 法人账户).
    pub fn role_label(&self, lang: Lang) -> String {
        let key = match (self.kind.as_str(), self.level.as_deref()) {
            ("admin", Some("ministry")) => "role.ministry_admin".to_string(),
            ("admin", _) => "role.province_admin".to_string(),
            ("reviewer", Some(level)) => format!("role.reviewer_{level}"),
            (kind, _) => format!("role.{kind}"),
        };
        crate::i18n::tr(lang, &key)
    }

    /// The region's name (e.g. 广州市天河区), if the account has one.
    pub fn region_name(&self) -> Option<String> {
        let code = self.region_code.as_deref()?;
        let regions = crate::domain::regions::Regions::builtin();
        Some(
            regions
                .get(code)
                .map(|r| r.name.to_string())
                .unwrap_or_else(|| code.to_string()),
        )
    }
}

/// What the UI knows about the user.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub account: Option<Account>,
    /// Remote mode: where the token is kept between runs (keyring or 0600 file), so the next
    /// start is still logged in. `None` in local mode (the embedded database).
    pub token_dir: Option<std::path::PathBuf>,
    /// Where saved files go (exports, evidence); `None`: the user's download directory.
    pub download_dir: Option<std::path::PathBuf>,
    /// Where this client keeps its own files (the user's data directory): drafts of forms kept
    /// while the server is unreachable (`drafts/`), exported documents (`exports/`). `None`:
    /// nothing is kept on disk.
    pub local_dir: Option<std::path::PathBuf>,
}

/// A move between screens.
pub enum Nav {
    /// Open a screen on top of this one (Esc comes back).
    Push(Box<dyn Screen>),
    /// Close this screen.
    Pop,
    /// Close this screen and open another in its place.
    Replace(Box<dyn Screen>),
    /// Close every screen and start again from this one (log-in, log-out).
    Reset(Box<dyn Screen>),
}

/// What a screen may do while it handles a key or an answer.
pub struct Ctx<'a> {
    pub ui: &'a Ui,
    pub keymap: &'a Keymap,
    pub client: &'a ApiClient,
    pub session: &'a mut Session,
    screen: u64,
    latest: &'a mut Latest,
    pub(crate) jobs: Vec<Job>,
    pub(crate) nav: Vec<Nav>,
    pub(crate) toast: Option<Toast>,
    pub(crate) quit: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(
        ui: &'a Ui,
        keymap: &'a Keymap,
        client: &'a ApiClient,
        session: &'a mut Session,
        latest: &'a mut Latest,
        screen: u64,
    ) -> Ctx<'a> {
        Ctx {
            ui,
            keymap,
            client,
            session,
            screen,
            latest,
            jobs: Vec::new(),
            nav: Vec::new(),
            toast: None,
            quit: false,
        }
    }

    /// A catalogue string in the active language.
    pub fn tr(&self, key: &str) -> String {
        self.ui.tr(key)
    }

    pub fn lang(&self) -> Lang {
        self.ui.lang
    }

    /// Starts an API call off the UI thread; its answer comes back to this screen's
    /// [`Screen::done`] (or [`Screen::failed`]) under `kind`, unless a newer call of the same
    /// kind was started meanwhile.
    pub fn spawn<T, F>(&mut self, kind: &'static str, call: impl FnOnce(ApiClient) -> F)
    where
        T: Any + Send,
        F: Future<Output = Result<T, ClientError>> + Send + 'static,
    {
        let generation = self.latest.issue(self.screen, kind);
        let fut = call(self.client.clone());
        self.jobs.push(Job {
            screen: self.screen,
            kind,
            generation,
            work: Box::pin(async move { fut.await.map(|v| Box::new(v) as Box<dyn Any + Send>) }),
        });
    }

    pub fn push(&mut self, screen: impl Screen + 'static) {
        self.nav.push(Nav::Push(Box::new(screen)));
    }

    pub fn pop(&mut self) {
        self.nav.push(Nav::Pop);
    }

    pub fn replace(&mut self, screen: impl Screen + 'static) {
        self.nav.push(Nav::Replace(Box::new(screen)));
    }

    pub fn reset(&mut self, screen: impl Screen + 'static) {
        self.nav.push(Nav::Reset(Box::new(screen)));
    }

    /// Ends the program.
    pub fn quit(&mut self) {
        self.quit = true;
    }

    /// Shows the API's message (in the active language) for a failed call.
    pub fn error(&mut self, e: &ClientError) {
        self.toast = Some(Toast::error(&error_text(self.ui.lang, e)));
    }

    pub fn info(&mut self, message: &str) {
        self.toast = Some(Toast::info(message));
    }

    pub fn success(&mut self, message: &str) {
        self.toast = Some(Toast {
            kind: ToastKind::Success,
            message: message.to_string(),
        });
    }
}

/// The user's message for a client error: the server's own words in the active language, or
/// what went wrong with the link.
pub fn error_text(lang: Lang, e: &ClientError) -> String {
    match e {
        ClientError::Problem(p) => {
            let mut text = match lang {
                Lang::Zh => p.detail.clone(),
                Lang::En => p.detail_en.clone(),
            };
            for f in &p.fields {
                let detail = match lang {
                    Lang::Zh => &f.detail,
                    Lang::En => &f.detail_en,
                };
                if !text.contains(detail.as_str()) {
                    text.push('\n');
                    text.push_str(detail);
                }
            }
            for w in &p.ways_out {
                text.push('\n');
                text.push_str(match lang {
                    Lang::Zh => &w.detail,
                    Lang::En => &w.detail_en,
                });
            }
            if let Some(inc) = &p.incident {
                text.push('\n');
                text.push_str(&crate::i18n::trf(lang, "error.incident", &[("id", inc)]));
            }
            text
        }
        ClientError::Transport(m) => {
            crate::i18n::trf(lang, "error.transport", &[("detail", m.as_str())])
        }
        ClientError::Decode(m) => crate::i18n::trf(lang, "error.decode", &[("detail", m.as_str())]),
    }
}

/// The field errors of an `invalid` problem as (field, message) in the active language.
pub fn field_errors(lang: Lang, e: &ClientError) -> Vec<(String, String)> {
    let Some(p) = e.problem() else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = p
        .fields
        .iter()
        .map(|f| {
            let d = match lang {
                Lang::Zh => &f.detail,
                Lang::En => &f.detail_en,
            };
            (f.field.clone(), d.clone())
        })
        .collect();
    if out.is_empty()
        && let Some(field) = &p.field
    {
        let d = match lang {
            Lang::Zh => &p.detail,
            Lang::En => &p.detail_en,
        };
        out.push((field.clone(), d.clone()));
    }
    out
}

/// A page of the UI.
pub trait Screen: Send {
    /// The title shown in the header's breadcrumb.
    fn title(&self, ui: &Ui) -> String;

    /// The key context of what has the focus: decides which global keys apply (text entry
    /// lets printable keys through to fields) and what the help shows.
    fn context(&self) -> Context {
        Context::List
    }

    /// The workspace whose commands apply on this screen after its context's own (see
    /// [`Keymap::set_scope`]): by default from the module the screen lives in.
    fn scope(&self) -> Option<Context> {
        scope_of(std::any::type_name::<Self>())
    }

    /// The footer hints of this screen (the global ones are added after them).
    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints(self.context())
    }

    /// Called once when the screen is opened: start loading.
    fn start(&mut self, _cx: &mut Ctx) {}

    /// Called when the screen is on top again after the one above it closed.
    fn resumed(&mut self, _cx: &mut Ctx) {}

    /// A key. `Ignored` lets the global keys (help, back, quit) have it.
    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled;

    /// Pasted text (bracketed paste).
    fn paste(&mut self, _text: &str, _cx: &mut Ctx) -> bool {
        false
    }

    /// The answer to a call this screen started. Returns whether the screen changed.
    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool;

    /// A call failed. The default shows the server's message in a toast.
    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        cx.error(&error);
        true
    }

    /// Draws the screen into `area` (between the header and the footer).
    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui);

    /// Where the hardware cursor goes (the focused field), after the last render.
    fn cursor(&self) -> Option<Position> {
        None
    }

    /// Whether it still waits for what it shows first (its data from the server). Keys typed
    /// meanwhile are kept, in order, and given to it once it is ready — type-ahead on a slow
    /// link (Esc still goes back at once, and drops them).
    fn loading(&self) -> bool {
        false
    }

    /// Whether this screen is busy with something the user must not lose (a form with edits):
    /// Esc then asks before closing.
    fn has_unsaved(&self) -> bool {
        false
    }
}

/// The workspace scope of a screen type, from its module path.
pub fn scope_of(type_name: &str) -> Option<Context> {
    if type_name.contains("::screens::review::") {
        Some(Context::Review)
    } else if type_name.contains("::screens::enterprise::")
        || type_name.contains("::screens::declare::")
    {
        Some(Context::Enterprise)
    } else if type_name.contains("::screens::admin::") {
        Some(Context::Admin)
    } else {
        None
    }
}

/// Downcasts a job's value to what the screen asked for.
pub fn take<T: Any>(value: Box<dyn Any + Send>) -> Option<T> {
    value.downcast::<T>().ok().map(|b| *b)
}
