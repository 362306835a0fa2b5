//! The enterprise workspace (DESIGN.md §4 screen map, "enterprise"): the home of legal-person
//! and natural-person accounts and its screens.
//!
//! - [`home`]: 首页 — the workspace entries, the latest five messages, the assessment level,
//!   the declaration windows open to the enterprise (or why none is).
//! - [`info`]: 企业信息 — view; edit with the API's field errors under the fields, the
//!   注册地 and 所属行业 pickers; read-only for certified enterprises.
//! - [`assessment`]: 数字化水平评测 — history, the questionnaire one dimension per panel (saved
//!   answer by answer, resumable), the result.
//! - [`inbox`]: 我的消息 — five category tabs, unread marks, detail, mark as read.
//! - [`window`]: a declaration window's detail (the default of [`open_declaration`]).
//!
//! **Registration point.** Every entry of the workspace is listed in [`workspace_entries`]; a
//! screen built elsewhere (declarations, major changes, certification expiry, info updates)
//! joins the home's navigation with one line there. Entries are looked up by their `id`: the
//! enterprise-info screen offers 信息更新 when an entry with the id [`INFO_UPDATE`] exists.
//! Opening a declaration window from the home goes through [`open_declaration`].

pub mod assessment;
pub mod home;
pub mod inbox;
pub mod info;
pub mod window;

#[cfg(test)]
mod tests;

use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap, keys_text};
use crate::tui::screen::{Account, Ctx, Screen};
use crate::tui::theme::Role;
use crate::tui::widgets::{Handled, put};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::Value;

/// The id of the info-update entry (信息更新): the enterprise-info screen of a certified
/// enterprise offers it while the update period is open.
pub const INFO_UPDATE: &str = "info_update";

/// One entry of the enterprise workspace's navigation.
#[derive(Clone, Copy)]
pub struct WorkspaceEntry {
    /// A stable id other screens find the entry by (`info`, `assessment`, `messages`,
    /// [`INFO_UPDATE`] …).
    pub id: &'static str,
    /// Catalogue key of the label.
    pub label: &'static str,
    /// Catalogue key of the one-line description.
    pub detail: &'static str,
    /// Opens the entry's screen.
    pub open: fn(&mut Ctx),
}

impl std::fmt::Debug for WorkspaceEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkspaceEntry")
            .field("id", &self.id)
            .field("label", &self.label)
            .finish()
    }
}

const fn entry(
    id: &'static str,
    label: &'static str,
    detail: &'static str,
    open: fn(&mut Ctx),
) -> WorkspaceEntry {
    WorkspaceEntry {
        id,
        label,
        detail,
        open,
    }
}

/// The entries of an account's workspace, in the order the home lists them (log-out is added
/// by the home after them).
///
/// To add a screen to the workspace, push one entry in the branch of the accounts that may use
/// it, e.g.
///
/// ```ignore
/// v.push(entry("declarations", "decl.nav", "decl.nav_detail", |cx| {
///     let s = DeclarationList::new(cx.ui);
///     cx.push(s)
/// }));
/// ```
///
/// Ids in use: `info`, `assessment`, `messages`; reserved: `declarations`, `changes`,
/// `expiry`, [`INFO_UPDATE`].
pub fn workspace_entries(account: &Account) -> Vec<WorkspaceEntry> {
    let mut v = Vec::new();
    if super::account::needs_verification(account) {
        v.push(entry(
            "verify",
            "account.nav.verify",
            "account.nav.verify_detail",
            |cx| cx.push(super::account::RealName::new(cx.ui, false)),
        ));
    }
    match account.kind.as_str() {
        "legal" => {
            v.push(entry("info", "ent.nav.info", "ent.nav.info_detail", |cx| {
                let s = info::EnterpriseInfo::new(cx.ui);
                cx.push(s)
            }));
            v.push(entry(
                "assessment",
                "ent.nav.assessment",
                "ent.nav.assessment_detail",
                |cx| {
                    let s = assessment::AssessmentHome::new(cx.ui);
                    cx.push(s)
                },
            ));
            v.push(entry(
                "messages",
                "ent.nav.messages",
                "ent.nav.messages_detail",
                |cx| {
                    let s = inbox::Inbox::new(cx.ui);
                    cx.push(s)
                },
            ));
            // part 2 of the workspace: 申报, 重大变更, 认证到期管理, 信息更新
            use crate::tui::screens::home::Dest;
            v.push(entry(
                "declarations",
                "declare.nav.declarations",
                "declare.nav.declarations_detail",
                |cx| crate::tui::screens::declare::open(Dest::Declarations, cx),
            ));
            v.push(entry(
                "changes",
                "declare.nav.changes",
                "declare.nav.changes_detail",
                |cx| crate::tui::screens::declare::open(Dest::Changes, cx),
            ));
            v.push(entry(
                "expiry",
                "declare.nav.certs",
                "declare.nav.certs_detail",
                |cx| crate::tui::screens::declare::open(Dest::Certifications, cx),
            ));
            v.push(entry(
                INFO_UPDATE,
                "declare.nav.update",
                "declare.nav.update_detail",
                |cx| crate::tui::screens::declare::open(Dest::InfoUpdate, cx),
            ));
        }
        "natural" => {
            v.push(entry(
                "assessment",
                "ent.nav.assessment",
                "ent.nav.assessment_natural_detail",
                |cx| {
                    let s = assessment::AssessmentHome::new(cx.ui);
                    cx.push(s)
                },
            ));
            v.push(entry(
                "messages",
                "ent.nav.messages",
                "ent.nav.messages_detail",
                |cx| {
                    let s = inbox::Inbox::new(cx.ui);
                    cx.push(s)
                },
            ));
        }
        _ => {}
    }
    v.push(entry(
        "security",
        "account.nav.security",
        "account.nav.security_detail",
        |cx| {
            if let Some(a) = cx.session.account.clone() {
                cx.push(super::account::Security::new(cx.ui, &a));
            }
        },
    ));
    v
}

/// The entry with `id` in the account's workspace, if it has one.
pub fn find_entry(account: &Account, id: &str) -> Option<WorkspaceEntry> {
    workspace_entries(account).into_iter().find(|e| e.id == id)
}

/// The home of the enterprise workspace for a legal-person or natural-person account
/// (`RoleHome` shows it for them).
pub fn home_for(ui: &Ui, account: &Account) -> Option<Box<dyn Screen>> {
    match account.kind.as_str() {
        "legal" | "natural" => Some(Box::new(home::EnterpriseHome::new(ui, account))),
        _ => None,
    }
}

/// Opens a declaration window chosen on the home (`window`: the API's window view, from
/// `GET /windows/open`). The declaration screens hook in here; until they do, the window's
/// read-only detail opens.
pub fn open_declaration(window: &Value, cx: &mut Ctx) {
    if let Some(id) = window["id"].as_str()
        && cx
            .session
            .account
            .as_ref()
            .is_some_and(|a| a.kind == "legal")
    {
        // the open windows again, the chosen one under the cursor: Enter creates the draft
        cx.push(crate::tui::screens::declare::declarations::NewDeclaration::for_window(cx.ui, id));
    } else {
        let s = window::WindowDetail::new(cx.ui, window.clone());
        cx.push(s);
    }
}

/// A footer hint for `command` of `ctx` with a label of this screen's own (`label_key`).
pub(crate) fn hint(keymap: &Keymap, ctx: Context, command: &str, label_key: &str) -> Option<Hint> {
    let keys = keymap.keys(ctx, command);
    (!keys.is_empty()).then(|| Hint {
        keys: keys_text(keys),
        label_key: label_key.to_string(),
    })
}

/// A widget's answer without its event (the caller handled the events it cares about).
pub(crate) fn plain<E>(h: Handled<E>) -> Handled {
    match h {
        Handled::Ignored => Handled::Ignored,
        Handled::Unchanged => Handled::Unchanged,
        Handled::Changed | Handled::Event(_) => Handled::Changed,
    }
}

/// A footer hint for keys that are not a keymap command (digits, Tab).
pub(crate) fn fixed_hint(keys: &str, label_key: &str) -> Hint {
    Hint {
        keys: keys.to_string(),
        label_key: label_key.to_string(),
    }
}

/// The name of a tier code (`innovative` …) in the active language.
pub(crate) fn tier_name(ui: &Ui, code: &str) -> String {
    crate::domain::tiers::Tier::from_code(code)
        .map(|t| t.name().get(ui.lang).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// The short name of a tier code (创新型, 专精特新, 小巨人).
pub(crate) fn tier_short(ui: &Ui, code: &str) -> String {
    crate::domain::tiers::Tier::from_code(code)
        .map(|t| t.short_name().get(ui.lang).to_string())
        .unwrap_or_else(|| code.to_string())
}

/// The short label of a message category (`reminder` → 申报提醒 / Reminders).
pub(crate) fn category_label(ui: &Ui, message: &Value) -> String {
    match message["category"].as_str() {
        Some(code) => ui.tr(&format!("ent.inbox.tab.{code}")),
        None => String::new(),
    }
}

/// A number from the API as shown: whole numbers without decimals, others as given.
pub(crate) fn number_text(v: &Value) -> Option<String> {
    if let Some(i) = v.as_i64() {
        return Some(i.to_string());
    }
    let f = v.as_f64()?;
    Some(if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        let s = format!("{f:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    })
}

/// A date-time from the API as Beijing `YYYY-MM-DD HH:MM`.
pub(crate) fn minutes_of(v: &Value) -> String {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// One line of a [`Sheet`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Line {
    /// A section heading.
    Head(String),
    /// A label and its value (wrapped under itself, the label column aligned).
    Pair(String, String, Role),
    /// A paragraph over the whole width.
    Para(String, Role),
    Blank,
}

/// One wrapped row of a [`Sheet`].
#[derive(Debug, Clone)]
struct SheetRow {
    label: String,
    indent: u16,
    text: String,
    role: Role,
}

/// A read-only page of labelled values and paragraphs, wrapped by display width with the
/// label column aligned (CJK labels included), scrolled with the list keys.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sheet {
    lines: Vec<Line>,
    scroll: usize,
    page: usize,
    /// Rows of the last render.
    rows: usize,
}

impl Sheet {
    pub fn new(lines: Vec<Line>) -> Sheet {
        Sheet {
            lines,
            scroll: 0,
            page: 10,
            rows: 0,
        }
    }

    /// Replaces the lines, keeping the scroll position where it can.
    pub fn set(&mut self, lines: Vec<Line>) {
        self.lines = lines;
    }

    pub fn handle_key(&mut self, ev: &KeyEvent, keymap: &Keymap) -> Handled {
        let half = (self.page / 2).max(1);
        let max = self.rows.saturating_sub(self.page);
        let to = match keymap.resolve(Context::List, ev).map(|(_, c)| c) {
            Some("up") => self.scroll.saturating_sub(1),
            Some("down") => self.scroll + 1,
            Some("half_page_down") => self.scroll + half,
            Some("half_page_up") => self.scroll.saturating_sub(half),
            Some("top") => 0,
            Some("bottom") => max,
            _ => return Handled::Ignored,
        }
        .min(max);
        let changed = to != self.scroll;
        self.scroll = to;
        Handled::from_changed(changed)
    }

    /// How many rows the lines take at `width`.
    pub fn rows_for(&self, width: u16) -> usize {
        self.layout(width).len()
    }

    /// The wrapped rows for `width`.
    fn layout(&self, width: u16) -> Vec<SheetRow> {
        let width = width.max(4);
        let label_w = self
            .lines
            .iter()
            .filter_map(|l| match l {
                Line::Pair(label, _, _) => Some(crate::display::width(label) as u16),
                _ => None,
            })
            .max()
            .unwrap_or(0)
            .min(width / 3)
            + 2;
        let row = |label: String, indent: u16, text: String, role: Role| SheetRow {
            label,
            indent,
            text,
            role,
        };
        let mut out = Vec::new();
        for l in &self.lines {
            match l {
                Line::Head(t) => out.push(row(String::new(), 0, t.clone(), Role::Title)),
                Line::Blank => out.push(row(String::new(), 0, String::new(), Role::Text)),
                Line::Para(t, role) => {
                    for w in crate::display::wrap(t, width as usize) {
                        out.push(row(String::new(), 0, w, *role));
                    }
                }
                Line::Pair(label, value, role) => {
                    let room = width.saturating_sub(label_w).max(2) as usize;
                    let label = crate::display::truncate(label, label_w as usize - 2);
                    let mut lines = crate::display::wrap(value, room).into_iter();
                    out.push(row(label, label_w, lines.next().unwrap_or_default(), *role));
                    for w in lines {
                        out.push(row(String::new(), label_w, w, *role));
                    }
                }
            }
        }
        out
    }

    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        if area.width < 4 || area.height == 0 {
            return;
        }
        let rows = self.layout(area.width);
        self.rows = rows.len();
        self.page = area.height as usize;
        self.scroll = self.scroll.min(self.rows.saturating_sub(self.page));
        for (r, row) in rows.iter().skip(self.scroll).take(self.page).enumerate() {
            let y = area.y + r as u16;
            if !row.label.is_empty() {
                put(
                    buf,
                    area.x,
                    y,
                    &row.label,
                    area.width,
                    ui.style(Role::Muted),
                );
            }
            put(
                buf,
                area.x + row.indent.min(area.width),
                y,
                &row.text,
                area.width.saturating_sub(row.indent),
                ui.style(row.role),
            );
        }
        let muted = ui.style(Role::Muted);
        if self.scroll > 0 {
            put(
                buf,
                area.right() - 1,
                area.y,
                ui.symbols.more_above,
                1,
                muted,
            );
        }
        if self.scroll + self.page < self.rows {
            put(
                buf,
                area.right() - 1,
                area.bottom() - 1,
                ui.symbols.more_below,
                1,
                muted,
            );
        }
    }
}
