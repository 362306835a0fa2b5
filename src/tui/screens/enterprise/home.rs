//! 首页 of the enterprise workspace: the entries of [`super::workspace_entries`] (the assessment
//! entry says the current level, the messages entry the unread count), the declaration windows
//! open to the enterprise — or the API's plain reasons why none can be used — and the latest
//! five messages with unread marks. Tab moves between the panels; digits open an entry from
//! anywhere; everything reloads when the user comes back from a screen.

use super::inbox::MessageDetail;
use super::{
    WorkspaceEntry, category_label, fixed_hint, open_declaration, tier_short, workspace_entries,
};
use crate::client::ClientError;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen, error_text, take};
use crate::tui::screens::home::{logged_out, logout};
use crate::tui::screens::{date_of, text_of};
use crate::tui::theme::Role;
use crate::tui::widgets::menu::{Menu, MenuItem};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;

/// How many messages the home shows.
pub const LATEST: u32 = 5;

/// Which panel has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    Nav,
    Windows,
    Messages,
}

/// A part of the page loaded from the API.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Load {
    Loading,
    Ready,
    Failed(String),
}

/// The enterprise workspace's home.
pub struct EnterpriseHome {
    account: Account,
    entries: Vec<WorkspaceEntry>,
    menu: Menu,
    focus: Focus,
    windows: Vec<Value>,
    reasons: Vec<String>,
    windows_state: Load,
    window_cursor: usize,
    messages: Vec<Value>,
    unread: i64,
    messages_state: Load,
    message_cursor: usize,
}

impl EnterpriseHome {
    pub fn new(ui: &Ui, account: &Account) -> EnterpriseHome {
        let entries = workspace_entries(account);
        let mut items: Vec<MenuItem> = entries
            .iter()
            .map(|e| MenuItem::new(ui.tr(e.label), ui.tr(e.detail)))
            .collect();
        items.push(MenuItem::new(
            ui.tr("home.logout"),
            ui.tr("home.logout_detail"),
        ));
        EnterpriseHome {
            account: account.clone(),
            entries,
            menu: Menu::new(items),
            focus: Focus::Nav,
            windows: Vec::new(),
            reasons: Vec::new(),
            windows_state: Load::Loading,
            window_cursor: 0,
            messages: Vec::new(),
            unread: 0,
            messages_state: Load::Loading,
            message_cursor: 0,
        }
    }

    fn load(&mut self, cx: &mut Ctx) {
        cx.spawn("windows", |c| async move { c.open_windows().await });
        cx.spawn(
            "messages",
            |c| async move { c.latest_messages(LATEST).await },
        );
        if self.entry_index("assessment").is_some() {
            cx.spawn("assessments", |c| async move { c.assessments().await });
        }
    }

    fn entry_index(&self, id: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.id == id)
    }

    fn set_detail(&mut self, id: &str, detail: String) {
        if let Some(i) = self.entry_index(id)
            && let Some(item) = self.menu.items.get_mut(i)
        {
            item.detail = detail;
        }
    }

    /// The panels Tab visits, in order.
    fn panels(&self) -> Vec<Focus> {
        let mut p = vec![Focus::Nav];
        if !self.windows.is_empty() {
            p.push(Focus::Windows);
        }
        if !self.messages.is_empty() {
            p.push(Focus::Messages);
        }
        p
    }

    fn cycle(&mut self, forward: bool) -> bool {
        let panels = self.panels();
        let at = panels.iter().position(|p| *p == self.focus).unwrap_or(0);
        let n = panels.len();
        let next = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        let changed = panels[next] != self.focus;
        self.focus = panels[next];
        changed
    }

    fn open_nav(&mut self, i: usize, cx: &mut Ctx) {
        match self.entries.get(i) {
            Some(e) => (e.open)(cx),
            None => logout(cx),
        }
    }

    /// The assessment entry's description from the attempts (the one that counts, or an
    /// unfinished one).
    fn assessment_detail(&self, ui: &Ui, list: &Value) -> String {
        let items = list["items"].as_array().cloned().unwrap_or_default();
        let open = items.iter().any(|a| a["completed_at"].is_null());
        let counting = items.iter().find(|a| a["counts"] == true);
        let mut parts = Vec::new();
        if let Some(a) = counting {
            let level = if a["level_name"].is_null() {
                ui.tr("ent.assess.no_level")
            } else {
                text_of(ui, &a["level_name"])
            };
            parts.push(crate::i18n::trf(
                ui.lang,
                "ent.home.level",
                &[
                    ("level", &level),
                    (
                        "total",
                        &super::number_text(&a["total"]).unwrap_or_default(),
                    ),
                    ("date", &date_of(&a["completed_at"])),
                ],
            ));
        }
        if open {
            parts.push(ui.tr("ent.home.assessment_open"));
        }
        if parts.is_empty() {
            parts.push(ui.tr("ent.home.assessment_none"));
        }
        parts.join(ui.tr("ent.sep").as_str())
    }

    fn window_line(ui: &Ui, w: &Value) -> String {
        crate::i18n::trf(
            ui.lang,
            "ent.home.window",
            &[
                (
                    "tier",
                    &tier_short(ui, w["tier"].as_str().unwrap_or_default()),
                ),
                (
                    "authority",
                    w["authority_name"].as_str().unwrap_or_default(),
                ),
                (
                    "batch",
                    &super::number_text(&w["batch"]).unwrap_or_default(),
                ),
                ("start", w["start"].as_str().unwrap_or_default()),
                ("end", w["end"].as_str().unwrap_or_default()),
            ],
        )
    }

    /// The account lines of the wide layout.
    fn account_lines(&self, ui: &Ui) -> Vec<(String, String)> {
        let a = &self.account;
        let mut lines = vec![
            (ui.tr("home.account.name"), a.display_name.clone()),
            (ui.tr("home.account.login"), a.login_name.clone()),
            (ui.tr("home.account.role"), a.role_label(ui.lang)),
        ];
        if let Some(r) = a.region_code.as_deref() {
            let full = crate::domain::regions::Regions::builtin()
                .full_name(r)
                .unwrap_or_else(|| r.to_string());
            lines.push((ui.tr("home.account.region"), full));
        }
        if a.kind == "legal" {
            lines.push((
                ui.tr("home.account.verified"),
                ui.tr(if a.verified {
                    "home.account.verified_yes"
                } else {
                    "home.account.verified_no"
                }),
            ));
        }
        lines
    }

    /// The rows of the declaration panel at `width`: (text, role, window index).
    fn declare_rows(&self, ui: &Ui, width: usize) -> Vec<(String, Role, Option<usize>)> {
        match &self.windows_state {
            Load::Loading => return vec![(ui.tr("common.loading"), Role::Muted, None)],
            Load::Failed(m) => {
                return crate::display::wrap(m, width)
                    .into_iter()
                    .map(|l| (l, Role::Error, None))
                    .collect();
            }
            Load::Ready => {}
        }
        let mut rows: Vec<(String, Role, Option<usize>)> = self
            .windows
            .iter()
            .enumerate()
            .map(|(i, w)| (Self::window_line(ui, w), Role::Text, Some(i)))
            .collect();
        if self.windows.len() > 1 {
            rows.insert(0, (ui.tr("ent.home.choose_window"), Role::Muted, None));
        }
        for r in &self.reasons {
            for l in crate::display::wrap(r, width) {
                rows.push((l, Role::Warning, None));
            }
        }
        if rows.is_empty() {
            rows.push((ui.tr("ent.home.no_window"), Role::Muted, None));
        }
        rows
    }

    fn render_nav(&self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("home.nav");
        let b = block(ui, &title, self.focus == Focus::Nav);
        let inner = b.inner(area);
        b.render(area, buf);
        self.menu.render(inner, buf, ui, self.focus == Focus::Nav);
    }

    fn render_account(&self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("home.account");
        let b = block(ui, &title, false);
        let inner = b.inner(area);
        b.render(area, buf);
        let lines = self.account_lines(ui);
        let label_w = lines
            .iter()
            .map(|(l, _)| crate::display::width(l))
            .max()
            .unwrap_or(0) as u16
            + 2;
        for (i, (label, value)) in lines.iter().enumerate().take(inner.height as usize) {
            let y = inner.y + i as u16;
            put(buf, inner.x + 1, y, label, label_w, ui.style(Role::Muted));
            let x = inner.x + 1 + label_w;
            put(
                buf,
                x,
                y,
                value,
                inner.right().saturating_sub(x),
                ui.style(Role::Text),
            );
        }
    }

    fn render_declare(&self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("ent.home.declare");
        let focused = self.focus == Focus::Windows;
        let b = block(ui, &title, focused);
        let inner = b.inner(area);
        b.render(area, buf);
        if inner.width < 3 {
            return;
        }
        let rows = self.declare_rows(ui, inner.width.saturating_sub(2) as usize);
        // keep the chosen window visible
        let cursor_row = rows
            .iter()
            .position(|r| r.2 == Some(self.window_cursor))
            .unwrap_or(0);
        let first = cursor_row.saturating_sub(inner.height.saturating_sub(1) as usize);
        for (r, (text, role, index)) in rows
            .iter()
            .skip(first)
            .take(inner.height as usize)
            .enumerate()
        {
            let y = inner.y + r as u16;
            let selected = focused && *index == Some(self.window_cursor);
            let style = if selected {
                ui.style(Role::Selection)
            } else {
                ui.style(*role)
            };
            if selected {
                buf.set_style(
                    Rect {
                        y,
                        height: 1,
                        ..inner
                    },
                    style,
                );
            }
            let marker = if selected { ">" } else { " " };
            let x = put(buf, inner.x, y, marker, 1, style);
            put(buf, x, y, text, inner.right().saturating_sub(x), style);
        }
    }

    fn render_messages(&self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = if self.unread > 0 {
            crate::i18n::trf(
                ui.lang,
                "ent.home.messages_unread",
                &[("n", &self.unread.to_string())],
            )
        } else {
            ui.tr("ent.home.messages")
        };
        let focused = self.focus == Focus::Messages;
        let b = block(ui, &title, focused);
        let inner = b.inner(area);
        b.render(area, buf);
        if inner.height == 0 || inner.width < 3 {
            return;
        }
        let muted = ui.style(Role::Muted);
        let note = match &self.messages_state {
            Load::Loading => Some((ui.tr("common.loading"), muted)),
            Load::Failed(m) => Some((m.clone(), ui.style(Role::Error))),
            Load::Ready if self.messages.is_empty() => Some((ui.tr("ent.home.no_messages"), muted)),
            Load::Ready => None,
        };
        if let Some((text, style)) = note {
            put(buf, inner.x + 1, inner.y, &text, inner.width - 1, style);
            return;
        }
        for (r, m) in self.messages.iter().enumerate().take(inner.height as usize) {
            let y = inner.y + r as u16;
            let selected = focused && r == self.message_cursor;
            let unread = m["unread"] == true;
            let base = if selected {
                ui.style(Role::Selection)
            } else if unread {
                ui.style(Role::Title)
            } else {
                ui.style(Role::Text)
            };
            if selected {
                buf.set_style(
                    Rect {
                        y,
                        height: 1,
                        ..inner
                    },
                    base,
                );
            }
            let room = |x: u16| inner.right().saturating_sub(x);
            let mark = if unread {
                ui.symbols.mask.to_string()
            } else {
                " ".to_string()
            };
            let mut x = put(
                buf,
                inner.x,
                y,
                &mark,
                1,
                if selected {
                    base
                } else {
                    ui.style(Role::Warning)
                },
            );
            x += 1;
            x = put(
                buf,
                x,
                y,
                &date_of(&m["created_at"]),
                room(x),
                if selected { base } else { muted },
            );
            x += 1;
            let tag = format!("[{}]", category_label(ui, m));
            x = put(
                buf,
                x,
                y,
                &tag,
                room(x),
                if selected { base } else { ui.style(Role::Info) },
            );
            x += 1;
            put(buf, x, y, &text_of(ui, &m["title"]), room(x), base);
        }
    }
}

impl Screen for EnterpriseHome {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("home.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        let mut h = keymap.hints_for(Context::List, &["open", "down", "up"]);
        if self.panels().len() > 1 {
            h.push(fixed_hint("Tab", "key.switch_panel"));
        }
        h
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        match ev.code {
            KeyCode::Tab => return Handled::from_changed(self.cycle(true)),
            KeyCode::BackTab => return Handled::from_changed(self.cycle(false)),
            KeyCode::Char('1'..='9') => {
                self.focus = Focus::Nav;
                return match self.menu.handle_key(ev, cx.keymap) {
                    Handled::Event(i) => {
                        self.open_nav(i, cx);
                        Handled::Changed
                    }
                    other => super::plain(other),
                };
            }
            _ => {}
        }
        let cmd = cx.keymap.resolve(Context::List, ev).map(|(_, c)| c);
        match self.focus {
            Focus::Nav => match self.menu.handle_key(ev, cx.keymap) {
                Handled::Event(i) => {
                    self.open_nav(i, cx);
                    Handled::Changed
                }
                Handled::Changed => Handled::Changed,
                Handled::Unchanged => Handled::Unchanged,
                Handled::Ignored => Handled::Ignored,
            },
            Focus::Windows => {
                let last = self.windows.len().saturating_sub(1);
                let to = match cmd {
                    Some("up") => self.window_cursor.saturating_sub(1),
                    Some("down") => (self.window_cursor + 1).min(last),
                    Some("open") => {
                        if let Some(w) = self.windows.get(self.window_cursor).cloned() {
                            open_declaration(&w, cx);
                        }
                        return Handled::Unchanged;
                    }
                    _ => return Handled::Ignored,
                };
                let changed = to != self.window_cursor;
                self.window_cursor = to;
                Handled::from_changed(changed)
            }
            Focus::Messages => {
                let last = self.messages.len().saturating_sub(1);
                let to = match cmd {
                    Some("up") => self.message_cursor.saturating_sub(1),
                    Some("down") => (self.message_cursor + 1).min(last),
                    Some("open") => {
                        if let Some(m) = self.messages.get(self.message_cursor).cloned() {
                            let s = MessageDetail::new(cx.ui, m);
                            cx.push(s);
                        }
                        return Handled::Unchanged;
                    }
                    _ => return Handled::Ignored,
                };
                let changed = to != self.message_cursor;
                self.message_cursor = to;
                Handled::from_changed(changed)
            }
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        if kind == "logout" {
            logged_out(cx);
            return true;
        }
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        match kind {
            "windows" => {
                self.windows = v["windows"].as_array().cloned().unwrap_or_default();
                self.reasons = v["reasons"]
                    .as_array()
                    .map(|r| r.iter().map(|t| text_of(cx.ui, t)).collect())
                    .unwrap_or_default();
                self.reasons.retain(|r| !r.trim().is_empty());
                self.window_cursor = self.window_cursor.min(self.windows.len().saturating_sub(1));
                self.windows_state = Load::Ready;
            }
            "messages" => {
                self.messages = v["items"].as_array().cloned().unwrap_or_default();
                self.unread = v["unread_total"].as_i64().unwrap_or(0);
                self.message_cursor = self
                    .message_cursor
                    .min(self.messages.len().saturating_sub(1));
                self.messages_state = Load::Ready;
                let detail = if self.unread > 0 {
                    crate::i18n::trf(
                        cx.lang(),
                        "ent.home.unread",
                        &[("n", &self.unread.to_string())],
                    )
                } else {
                    cx.tr("ent.nav.messages_detail")
                };
                self.set_detail("messages", detail);
            }
            "assessments" => {
                let detail = self.assessment_detail(cx.ui, &v);
                self.set_detail("assessment", detail);
            }
            _ => return false,
        }
        if !self.panels().contains(&self.focus) {
            self.focus = Focus::Nav;
        }
        true
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        let text = error_text(cx.lang(), &error);
        match kind {
            "windows" => self.windows_state = Load::Failed(text),
            "messages" => self.messages_state = Load::Failed(text),
            "assessments" => self.set_detail("assessment", text),
            _ => cx.error(&error),
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        if area.height < 6 || area.width < 20 {
            self.render_nav(area, buf, ui);
            return;
        }
        let wide = area.width >= 100;
        let nav_h = (self.menu.items.len() as u16 + 2).min(area.height / 2);
        let top_h = if wide {
            nav_h.max(self.account_lines(ui).len() as u16 + 2)
        } else {
            nav_h
        };
        let top = Rect {
            height: top_h,
            ..area
        };
        if wide {
            let w = area.width * 11 / 20;
            self.render_nav(Rect { width: w, ..top }, buf, ui);
            self.render_account(
                Rect {
                    x: area.x + w,
                    width: area.width - w,
                    ..top
                },
                buf,
                ui,
            );
        } else {
            self.render_nav(top, buf, ui);
        }
        let rest = Rect {
            y: area.y + top_h,
            height: area.height - top_h,
            ..area
        };
        let messages_h = (self.messages.len().max(1) as u16 + 2).min(LATEST as u16 + 2);
        let declare_rows = self
            .declare_rows(ui, rest.width.saturating_sub(4) as usize)
            .len() as u16;
        let declare_h = (declare_rows + 2)
            .min(rest.height.saturating_sub(messages_h.min(rest.height / 2)))
            .max(3.min(rest.height));
        self.render_declare(
            Rect {
                height: declare_h,
                ..rest
            },
            buf,
            ui,
        );
        let below = Rect {
            y: rest.y + declare_h,
            height: rest.height - declare_h,
            ..rest
        };
        let below = Rect {
            height: below.height.min(messages_h),
            ..below
        };
        if below.height >= 3 {
            self.render_messages(below, buf, ui);
        }
    }
}
