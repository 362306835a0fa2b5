//! The public side: the home page (entries and the latest announcements of both levels) and
//! log-in. Further public screens register their entries in [`entries`].

use super::announcements::{AnnouncementDetail, Announcements};
use super::cert_query::CertQuery;
use super::home::RoleHome;
use super::{FormPanel, PanelEvent, Status, date_of, text_of};
use crate::client::ClientError;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen, take};
use crate::tui::theme::Role;
use crate::tui::widgets::form::Field;
use crate::tui::widgets::menu::{Menu, MenuItem};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;

/// An entry of the public home.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// 企业认定查询
    Query,
    /// 数字化水平评测: leads to log-in.
    Assessment,
    /// 申报: leads to log-in.
    Declare,
    Login,
    Register,
    /// 通知公告 (the full list).
    Announcements,
    /// 忘记密码 / 更换手机号 / 账户找回.
    AccountHelp,
}

/// The entries of the public home, in order, with what opens each (`None`: not available in
/// this build).
pub fn entries() -> Vec<(Entry, &'static str, &'static str)> {
    vec![
        (
            Entry::Query,
            "public.entry.query",
            "public.entry.query_detail",
        ),
        (
            Entry::Assessment,
            "public.entry.assessment",
            "public.entry.assessment_detail",
        ),
        (
            Entry::Declare,
            "public.entry.declare",
            "public.entry.declare_detail",
        ),
        (
            Entry::Announcements,
            "public.entry.announcements",
            "public.entry.announcements_detail",
        ),
        (
            Entry::Login,
            "public.entry.login",
            "public.entry.login_detail",
        ),
        (
            Entry::Register,
            "account.entry.register",
            "account.entry.register_detail",
        ),
        (
            Entry::AccountHelp,
            "account.entry.help",
            "account.entry.help_detail",
        ),
    ]
}

fn open_entry(entry: Entry, cx: &mut Ctx) {
    match entry {
        Entry::Login => cx.push(Login::new(cx.ui, None)),
        Entry::Assessment => cx.push(Login::new(cx.ui, Some("login.reason.assessment"))),
        Entry::Declare => cx.push(Login::new(cx.ui, Some("login.reason.declare"))),
        Entry::Register => cx.push(super::account::Register::new(cx.ui)),
        Entry::AccountHelp => cx.push(super::account::AccountHelp::new(cx.ui)),
        Entry::Query => cx.push(CertQuery::new(cx.ui)),
        Entry::Announcements => cx.push(Announcements::new(cx.ui)),
    }
}

/// The public home: entries on top, the latest announcements below.
pub struct PublicHome {
    menu: Menu,
    entries: Vec<Entry>,
    news: Vec<Value>,
    news_cursor: usize,
    /// Which panel has the focus: false = entries, true = announcements.
    on_news: bool,
    loaded: bool,
    failed: Option<String>,
    /// Whether the session kept from an earlier run (remote mode) was tried.
    resume_tried: bool,
    /// Failed attempts to resume it while the server was unreachable (it is asked again with
    /// back-off until the user opens something else).
    resume_failures: u32,
    /// The user went on without waiting for the kept session: a late answer is ignored.
    resume_abandoned: bool,
    /// Failed attempts to load the announcements while the server was unreachable.
    news_failures: u32,
}

impl PublicHome {
    pub fn new(ui: &Ui) -> PublicHome {
        let list = entries();
        PublicHome {
            menu: Menu::new(
                list.iter()
                    .map(|(_, l, d)| MenuItem::new(ui.tr(l), ui.tr(d)))
                    .collect(),
            ),
            entries: list.iter().map(|(e, _, _)| *e).collect(),
            news: Vec::new(),
            news_cursor: 0,
            on_news: false,
            loaded: false,
            failed: None,
            resume_tried: false,
            resume_failures: 0,
            resume_abandoned: false,
            news_failures: 0,
        }
    }

    /// Asks the server who the kept token belongs to, after `wait` (a retry while offline).
    fn resume(&self, cx: &mut Ctx, wait: std::time::Duration) {
        cx.spawn("resume", move |c| async move {
            tokio::time::sleep(wait).await;
            c.me().await
        });
    }

    /// Sets the announcements as if loaded (for tests and the loader).
    pub fn set_news(&mut self, items: Vec<Value>) {
        self.news_failures = 0;
        self.news = items;
        self.news_cursor = self.news_cursor.min(self.news.len().saturating_sub(1));
        self.loaded = true;
        self.failed = None;
    }

    fn load(&mut self, cx: &mut Ctx) {
        cx.spawn("news", |c| async move { c.announcements("limit=10").await });
    }

    /// The announcements again after `wait` (the server was unreachable).
    fn reload_later(&mut self, cx: &mut Ctx) {
        self.news_failures += 1;
        let wait = super::declare::retry_delay(self.news_failures);
        cx.spawn("news", move |c| async move {
            tokio::time::sleep(wait).await;
            c.announcements("limit=10").await
        });
    }
}

impl Screen for PublicHome {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("public.home.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        let mut h = keymap.hints_for(Context::List, &["open", "down", "up"]);
        h.push(Hint {
            keys: "Tab".into(),
            label_key: "key.switch_panel".into(),
        });
        h
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
        // a session kept from an earlier run (a dropped link, a restart): straight back to
        // the role's home, without typing the password again
        if !self.resume_tried && cx.session.account.is_none() && cx.client.token().is_some() {
            self.resume_tried = true;
            self.resume(cx, std::time::Duration::ZERO);
        }
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if matches!(ev.code, KeyCode::Tab | KeyCode::BackTab) {
            self.on_news = !self.on_news && !self.news.is_empty();
            return Handled::Changed;
        }
        if self.on_news {
            let last = self.news.len().saturating_sub(1);
            return match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
                Some("up") => {
                    let c = self.news_cursor.saturating_sub(1);
                    let changed = c != self.news_cursor;
                    self.news_cursor = c;
                    Handled::from_changed(changed)
                }
                Some("down") => {
                    let c = (self.news_cursor + 1).min(last);
                    let changed = c != self.news_cursor;
                    self.news_cursor = c;
                    Handled::from_changed(changed)
                }
                Some("open") => {
                    if let Some(id) = self
                        .news
                        .get(self.news_cursor)
                        .and_then(|n| n["id"].as_str())
                    {
                        self.resume_abandoned = true;
                        open_announcement(id, cx);
                    }
                    Handled::Unchanged
                }
                _ => Handled::Ignored,
            };
        }
        match self.menu.handle_key(ev, cx.keymap) {
            Handled::Event(i) => {
                if let Some(e) = self.entries.get(i) {
                    // the user goes on (to log in, perhaps as someone else): a kept session
                    // that answers late does not pull them away
                    self.resume_abandoned = true;
                    open_entry(*e, cx);
                }
                Handled::Changed
            }
            Handled::Changed => Handled::Changed,
            Handled::Unchanged => Handled::Unchanged,
            Handled::Ignored => Handled::Ignored,
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        if kind == "resume" {
            if self.resume_abandoned || cx.session.account.is_some() {
                return false;
            }
            let Some(me) = Account::from_json(&v) else {
                return false;
            };
            cx.session.account = Some(me.clone());
            cx.reset(RoleHome::new(cx.ui, &me));
            cx.info(&crate::i18n::trf(
                cx.lang(),
                "public.resumed",
                &[("name", &me.display_name)],
            ));
            if super::account::needs_verification(&me) {
                cx.push(super::account::RealName::new(cx.ui, true));
            }
            return true;
        }
        self.set_news(v["items"].as_array().cloned().unwrap_or_default());
        true
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        if kind == "resume" {
            // an expired or revoked session is forgotten; offline, it is kept for next time
            if error.status() == Some(401) {
                cx.client.set_token(None);
                if let Some(dir) = cx.session.token_dir.clone() {
                    cx.spawn("forget", move |_| async move {
                        tokio::task::spawn_blocking(move || crate::client::token::clear(&dir))
                            .await
                            .map_err(|e| ClientError::Transport(e.to_string()))?
                            .map_err(|e| ClientError::Transport(e.to_string()))
                    });
                }
                cx.info(&cx.tr("public.resume_expired"));
                return true;
            }
            // offline at start: ask again (with back-off) until the user moves on
            if matches!(error, ClientError::Transport(_))
                && !self.resume_abandoned
                && !super::declare::gives_up(self.resume_failures)
            {
                self.resume_failures += 1;
                self.resume(cx, super::declare::retry_delay(self.resume_failures));
            }
            return false;
        }
        if kind == "forget" {
            tracing::warn!("cannot forget the expired token: {error}");
            return false;
        }
        // offline: say so, and ask again with back-off (the list fills in when it answers)
        if matches!(error, ClientError::Transport(_))
            && !super::declare::gives_up(self.news_failures)
        {
            self.reload_later(cx);
        }
        self.failed = Some(crate::tui::screen::error_text(cx.lang(), &error));
        self.loaded = true;
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let menu_h = (self.menu.items.len() as u16 + 2)
            .min(area.height / 2)
            .max(3);
        let top = Rect {
            height: menu_h,
            ..area
        };
        let bottom = Rect {
            y: area.y + menu_h,
            height: area.height.saturating_sub(menu_h),
            ..area
        };
        let home_title = ui.tr("public.home.title");
        let b = block(ui, &home_title, !self.on_news);
        let inner = b.inner(top);
        b.render(top, buf);
        self.menu.render(inner, buf, ui, !self.on_news);
        let news_title = ui.tr("public.news.title");
        let b = block(ui, &news_title, self.on_news);
        let inner = b.inner(bottom);
        b.render(bottom, buf);
        if inner.height == 0 {
            return;
        }
        let muted = ui.style(Role::Muted);
        if let Some(msg) = &self.failed {
            put(
                buf,
                inner.x + 1,
                inner.y,
                msg,
                inner.width.saturating_sub(2),
                ui.style(Role::Error),
            );
            return;
        }
        if !self.loaded {
            put(
                buf,
                inner.x + 1,
                inner.y,
                &ui.tr("common.loading"),
                inner.width,
                muted,
            );
            return;
        }
        if self.news.is_empty() {
            put(
                buf,
                inner.x + 1,
                inner.y,
                &ui.tr("public.news.none"),
                inner.width,
                muted,
            );
            return;
        }
        let first = self
            .news_cursor
            .saturating_sub(inner.height.saturating_sub(1) as usize);
        for (row, (i, n)) in self
            .news
            .iter()
            .enumerate()
            .skip(first)
            .take(inner.height as usize)
            .enumerate()
        {
            let y = inner.y + row as u16;
            let selected = self.on_news && i == self.news_cursor;
            let style = if selected {
                ui.style(Role::Selection)
            } else {
                ui.style(Role::Text)
            };
            buf.set_style(
                Rect {
                    y,
                    height: 1,
                    ..inner
                },
                style,
            );
            let mut x = inner.x + 1;
            let room = |x: u16| inner.right().saturating_sub(x);
            x = put(
                buf,
                x,
                y,
                &date_of(&n["published_at"]),
                room(x),
                if selected { style } else { muted },
            );
            x += 1;
            let level = ui.tr(if n["level"] == "ministry" {
                "public.news.ministry"
            } else {
                "public.news.province"
            });
            let tag = format!("[{}·{}]", level, text_of(ui, &n["publisher"]));
            x = put(
                buf,
                x,
                y,
                &tag,
                room(x),
                if selected {
                    style
                } else {
                    ui.style(Role::Info)
                },
            );
            x += 1;
            put(
                buf,
                x,
                y,
                n["title"].as_str().unwrap_or_default(),
                room(x),
                style,
            );
        }
    }
}

/// Opens an announcement's detail.
fn open_announcement(id: &str, cx: &mut Ctx) {
    cx.push(AnnouncementDetail::new(cx.ui, id));
}

/// Log in with a login name, a phone number or (legal-person accounts) the USCC.
pub struct Login {
    panel: FormPanel,
}

impl Login {
    /// `reason`: a catalogue key saying why log-in is asked (e.g. the assessment needs it).
    pub fn new(ui: &Ui, reason: Option<&str>) -> Login {
        let mut intro = Vec::new();
        if let Some(r) = reason {
            intro.push(ui.tr(r));
        }
        intro.push(ui.tr("login.intro"));
        Login {
            panel: FormPanel::new(
                &ui.tr("login.title"),
                intro,
                vec![
                    Field::text("identifier", &ui.tr("login.identifier"))
                        .required()
                        .with_placeholder(&ui.tr("login.identifier_hint")),
                    Field::password("password", &ui.tr("login.password")).required(),
                ],
            ),
        }
    }

    /// The log-in with the account filled in (the focus on the password) and, optionally, a
    /// note of what just happened (registered, password reset).
    pub fn prefilled(mut self, identifier: &str, notice: Option<String>) -> Login {
        self.panel.form.set_value("identifier", identifier);
        self.panel.form.focus("password");
        if let Some(n) = notice {
            self.panel.status = Status::Success(n);
        }
        self
    }

    fn submit(&mut self, cx: &mut Ctx) {
        let Some(v) = self.panel.begin_submit(&cx.tr("login.working")) else {
            return;
        };
        let id = v.get("identifier").cloned().unwrap_or_default();
        let pw = v.get("password").cloned().unwrap_or_default();
        let keep = cx.session.token_dir.clone();
        cx.spawn("login", move |c| async move {
            let ok = c.login(&id, &pw).await?;
            if let (Some(dir), Some(token)) = (keep, c.token()) {
                // the keyring may take up to its time-out: this runs off the UI thread
                if let Err(e) =
                    tokio::task::spawn_blocking(move || crate::client::token::save(&dir, &token))
                        .await
                        .map_err(std::io::Error::other)
                        .and_then(|r| r)
                {
                    tracing::warn!("cannot keep the token: {e}");
                }
            }
            // the account comes with the log-in: no second round trip on a slow link
            Ok(ok["account"].clone())
        });
    }
}

impl Screen for Login {
    /// While the request is out, what is typed waits for the next screen (the home after a
    /// log-in) instead of changing the form being sent.
    fn loading(&self) -> bool {
        self.panel.is_working()
    }

    fn title(&self, ui: &Ui) -> String {
        ui.tr("login.title")
    }

    fn context(&self) -> Context {
        Context::Form
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        self.panel.hints(keymap)
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        match self.panel.key(ev, cx.keymap) {
            Handled::Event(PanelEvent::Submit) => {
                self.submit(cx);
                Handled::Changed
            }
            Handled::Event(PanelEvent::SaveDraft) => Handled::Unchanged,
            Handled::Changed => Handled::Changed,
            Handled::Unchanged => Handled::Unchanged,
            Handled::Ignored => Handled::Ignored,
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        self.panel.paste(text)
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(me) = take::<Value>(value).as_ref().and_then(Account::from_json) else {
            self.panel.status = Status::Error(cx.tr("error.decode_account"));
            return true;
        };
        cx.session.account = Some(me.clone());
        cx.reset(RoleHome::new(cx.ui, &me));
        if super::account::needs_verification(&me) {
            cx.push(super::account::RealName::new(cx.ui, true));
        }
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        cx.client.set_token(None);
        self.panel.show_error(cx.ui, &error);
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let w = area.width.min(76);
        let h = area.height.min(16);
        let rect = Rect {
            x: area.x + (area.width - w) / 2,
            y: area.y,
            width: w,
            height: h,
        };
        self.panel.render(rect, buf, ui);
    }

    fn cursor(&self) -> Option<Position> {
        self.panel.cursor()
    }
}
