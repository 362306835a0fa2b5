//! The administration workspaces (DESIGN.md §4, reviewer / admin and support rows of the screen
//! map): what a province admin, the ministry admin and support staff open from their home.
//!
//! | account | entries |
//! |---|---|
//! | province admin (省级, 计划单列市) | [`windows`] 申报窗口, [`chains`] 审核链, [`reexam`] 满足复核条件, [`cancel`] 取消认定, [`announcements`] 公告管理 |
//! | ministry admin (部级) | [`reexam`] 小巨人复核, [`cancel`] 小巨人取消认定, [`announcements`] 部级公告, [`staff`] 账号管理 |
//! | support (客服) | [`support`] 客服申请, 账号查询, 发件箱 (demo databases) |
//!
//! The review queues of reviewers and admins are another workspace's. Everything here goes
//! through the API: what is allowed, what a chain or a candidacy must satisfy, which reasons
//! exist — the screens show the API's answers and its messages, under the fields they concern.
//! Destructive actions (close a window, cancel a certification, withdraw an announcement,
//! disable an account, reject a request) ask first, the safe answer focused. Every record's
//! trail (who, when, what, why) opens from its list with Enter ([`trail`]).

pub mod announcements;
pub mod cancel;
pub mod chains;
pub mod reexam;
pub mod staff;
pub mod support;
pub mod templates;
pub mod trail;
pub mod windows;

#[cfg(test)]
mod tests;

use super::Status;
use super::home::{Dest, NavItem};
use crate::client::{ClientError, Tagged};
use crate::display;
use crate::domain::Lang;
use crate::domain::tiers::Tier;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap, keys_text};
use crate::tui::screen::{Account, Ctx};
use crate::tui::theme::Role;
use crate::tui::widgets::dialog::{Confirm, ConfirmEvent};
use crate::tui::widgets::table::{Column, RowSource, Table, TableEvent, VecSource};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;

/// Where an administration entry leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminDest {
    Windows,
    Chains,
    Reexam,
    Cancel,
    Announcements,
    Staff,
    Requests,
    Lookup,
    Outbox,
    /// 审核意见模板 (province admin).
    Templates,
}

fn entry(label: &'static str, detail: &'static str, dest: AdminDest) -> NavItem {
    NavItem {
        label,
        detail,
        dest: Dest::Admin(dest),
    }
}

/// The administration entries of an account's home (none for other roles).
pub fn nav_items(account: &Account) -> Vec<NavItem> {
    use AdminDest::*;
    match (account.kind.as_str(), account.level.as_deref()) {
        ("admin", Some("ministry")) => vec![
            entry(
                "admin.nav.reexam_giant",
                "admin.nav.reexam_giant_detail",
                Reexam,
            ),
            entry(
                "admin.nav.cancel_giant",
                "admin.nav.cancel_giant_detail",
                Cancel,
            ),
            entry(
                "admin.nav.announcements_ministry",
                "admin.nav.announcements_detail",
                Announcements,
            ),
            entry("admin.nav.staff", "admin.nav.staff_detail", Staff),
        ],
        ("admin", _) => vec![
            entry("admin.nav.windows", "admin.nav.windows_detail", Windows),
            entry("admin.nav.chains", "admin.nav.chains_detail", Chains),
            entry("admin.nav.reexam", "admin.nav.reexam_detail", Reexam),
            entry("admin.nav.cancel", "admin.nav.cancel_detail", Cancel),
            entry(
                "admin.nav.announcements",
                "admin.nav.announcements_detail",
                Announcements,
            ),
            entry(
                "admin.templates.title",
                "admin.templates.nav_detail",
                Templates,
            ),
        ],
        ("support", _) => vec![
            entry("admin.nav.requests", "admin.nav.requests_detail", Requests),
            entry("admin.nav.lookup", "admin.nav.lookup_detail", Lookup),
            entry("admin.nav.outbox", "admin.nav.outbox_detail", Outbox),
        ],
        _ => Vec::new(),
    }
}

/// Opens an administration entry.
pub fn open(dest: AdminDest, cx: &mut Ctx) {
    let Some(account) = cx.session.account.clone() else {
        return;
    };
    let ui = cx.ui;
    match dest {
        AdminDest::Windows => cx.push(windows::WindowsScreen::new(ui, &account)),
        AdminDest::Chains => cx.push(chains::ChainsScreen::new(ui, &account)),
        AdminDest::Reexam => cx.push(reexam::ReexamScreen::new(ui, &account)),
        AdminDest::Cancel => cx.push(cancel::CertificationsScreen::new(ui, &account)),
        AdminDest::Announcements => cx.push(announcements::AnnouncementsScreen::new(ui, &account)),
        AdminDest::Staff => cx.push(staff::StaffScreen::new(ui)),
        AdminDest::Requests => cx.push(support::RequestsScreen::new(ui)),
        AdminDest::Lookup => cx.push(support::LookupScreen::new(ui)),
        AdminDest::Outbox => cx.push(support::OutboxScreen::new(ui)),
        AdminDest::Templates => cx.push(templates::TemplatesScreen::new(ui)),
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// A footer hint for `command` of `ctx` under this screen's own label (e.g. `d` = 关闭窗口).
pub(crate) fn hint(keymap: &Keymap, ctx: Context, command: &str, label_key: &str) -> Option<Hint> {
    let keys = keymap.keys(ctx, command);
    (!keys.is_empty()).then(|| Hint {
        keys: keys_text(keys),
        label_key: label_key.to_string(),
    })
}

/// Several hints, those without keys left out.
pub(crate) fn hints(keymap: &Keymap, list: &[(Context, &str, &str)]) -> Vec<Hint> {
    list.iter()
        .filter_map(|(ctx, cmd, label)| hint(keymap, *ctx, cmd, label))
        .collect()
}

/// The hints of a form whose submit does `label_key` (开放窗口, 通过 …).
pub(crate) fn form_hints(keymap: &Keymap, label_key: &str) -> Vec<Hint> {
    let mut h = hints(keymap, &[(Context::Form, "submit", label_key)]);
    h.extend(keymap.hints_for(Context::Form, &["next_field", "prev_field", "option_next"]));
    h
}

/// The list command a key means (after the table had its turn).
pub(crate) fn command<'k>(keymap: &'k Keymap, ev: &KeyEvent) -> Option<&'k str> {
    match keymap.resolve(Context::List, ev) {
        Some((Context::List, cmd)) => Some(cmd),
        _ => None,
    }
}

/// A widget's answer as a screen's: its event counts as a change.
pub(crate) fn plain<E>(h: Handled<E>) -> Handled {
    match h {
        Handled::Ignored => Handled::Ignored,
        Handled::Unchanged => Handled::Unchanged,
        Handled::Changed | Handled::Event(_) => Handled::Changed,
    }
}

/// A string field of a JSON answer (empty when absent).
pub(crate) fn s(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

/// A tier's short name from its code.
pub(crate) fn tier_short(lang: Lang, code: &str) -> String {
    Tier::from_code(code)
        .map(|t| t.short_name().get(lang).to_string())
        .unwrap_or_else(|| code.to_string())
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

/// A value for a URL query: every byte outside the unreserved set percent-encoded.
pub(crate) fn query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The same error with some field names replaced (an API field shown under a form field of
/// another id).
pub(crate) fn renamed(e: &ClientError, map: &[(&str, &str)]) -> ClientError {
    let ClientError::Problem(p) = e else {
        return e.clone();
    };
    let mut p = p.clone();
    let rename = |f: &mut String| {
        if let Some((_, to)) = map.iter().find(|(from, _)| f == from) {
            *f = to.to_string();
        }
    };
    for f in &mut p.fields {
        rename(&mut f.field);
    }
    if let Some(f) = &mut p.field {
        rename(f);
    }
    ClientError::Problem(p)
}

/// A paragraph of a detail pane: `prefix` on its first line (a label, a time), the text after
/// it; wrapped lines of the text are indented by the prefix's width, so values line up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Para {
    pub prefix: String,
    pub text: String,
}

impl Para {
    pub fn plain(text: impl Into<String>) -> Para {
        Para {
            prefix: String::new(),
            text: text.into(),
        }
    }

    pub fn blank() -> Para {
        Para::default()
    }
}

/// `label  value` paragraphs with the labels padded to the widest (display columns), so values
/// line up in both languages.
pub(crate) fn pairs(rows: &[(String, String)], indent: &str) -> Vec<Para> {
    let w = rows
        .iter()
        .map(|(l, _)| display::width(l))
        .max()
        .unwrap_or(0);
    rows.iter()
        .map(|(l, v)| Para {
            prefix: format!("{indent}{}  ", display::pad(l, w)),
            text: v.clone(),
        })
        .collect()
}

/// The text of a detail pane `width` columns wide: one blank column on the left, each
/// paragraph wrapped under its own text (a hanging indent after its prefix).
pub(crate) fn layout(paras: &[Para], width: usize) -> String {
    let width = width.saturating_sub(2).max(4);
    let mut out: Vec<String> = Vec::new();
    for p in paras {
        if p.prefix.is_empty() && p.text.is_empty() {
            out.push(String::new());
            continue;
        }
        let hang = display::width(&p.prefix);
        let room = if hang + 4 <= width {
            width - hang
        } else {
            width
        };
        let hang = if room == width { 0 } else { hang };
        for (i, line) in display::wrap(&p.text, room).into_iter().enumerate() {
            let lead = if i == 0 {
                p.prefix.clone()
            } else {
                " ".repeat(hang)
            };
            out.push(format!(" {lead}{line}"));
        }
    }
    out.join("\n")
}

/// A version from a tagged answer (its `ETag`, else the body's `version`).
pub(crate) fn version_of(t: &Tagged) -> i64 {
    t.version
        .or_else(|| t.value["version"].as_i64())
        .unwrap_or_default()
}

/// A status line's text and role.
pub(crate) fn status_line(status: &Status) -> Option<(&str, Role)> {
    match status {
        Status::None => None,
        Status::Working(t) => Some((t, Role::Muted)),
        Status::Error(t) => Some((t, Role::Error)),
        Status::Success(t) => Some((t, Role::Success)),
        Status::Info(t) => Some((t, Role::Info)),
    }
}

/// Draws wrapped text lines from `y` down inside `area` (one blank column each side); returns
/// the row after the last line drawn.
pub(crate) fn draw_wrapped(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    text: &str,
    role: Role,
    ui: &Ui,
    max_lines: usize,
) -> u16 {
    let width = area.width.saturating_sub(2);
    let mut y = y;
    for line in display::wrap(text, width.max(2) as usize)
        .into_iter()
        .take(max_lines)
    {
        if y >= area.bottom() {
            break;
        }
        put(buf, area.x + 1, y, &line, width, ui.style(role));
        y += 1;
    }
    y
}

/// Rows a text takes wrapped into `area`'s width (at most `max_lines`).
pub(crate) fn wrapped_rows(area: Rect, text: &str, max_lines: usize) -> u16 {
    display::wrap(text, area.width.saturating_sub(2).max(2) as usize)
        .len()
        .min(max_lines) as u16
}

// ---------------------------------------------------------------------------------------------
// A loaded list
// ---------------------------------------------------------------------------------------------

/// Where a list stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Load {
    Loading,
    Loaded,
    Failed(String),
}

/// A table over rows the API answered: the JSON of each row, its cells, the table state
/// (cursor, local filter and sort), and whether it is loaded.
pub(crate) struct ListView {
    pub table: Table,
    pub rows: Vec<Value>,
    source: VecSource,
    pub load: Load,
    /// Filtering asks the screen (a query to the API) instead of filtering locally.
    remote_filter: bool,
}

impl ListView {
    pub fn new(columns: Vec<Column>) -> ListView {
        ListView {
            table: Table::new(columns),
            rows: Vec::new(),
            source: VecSource::default(),
            load: Load::Loading,
            remote_filter: false,
        }
    }

    pub fn multi_select(mut self) -> ListView {
        self.table = self.table.with_multi_select();
        self
    }

    pub fn remote_filter(mut self) -> ListView {
        self.remote_filter = true;
        self
    }

    /// Replaces the rows (the filter and order of the table apply again; the selection is
    /// cleared, the cursor kept where it was, within the new rows).
    pub fn set_rows(&mut self, rows: Vec<Value>, cells: impl Fn(&Value) -> Vec<String>) {
        self.source = VecSource::new(rows.iter().map(cells).collect());
        self.rows = rows;
        if !self.remote_filter {
            self.source.apply(self.table.sort(), self.table.filter());
        } else {
            self.source.apply(self.table.sort(), "");
        }
        self.table.clear_selection();
        let len = self.source.len();
        let cursor = self.table.cursor();
        self.table.set_cursor(cursor, len);
        self.load = Load::Loaded;
    }

    pub fn fail(&mut self, message: String) {
        self.load = Load::Failed(message);
    }

    /// The index into `rows` of view row `i`.
    fn index(&self, i: usize) -> Option<usize> {
        (i < self.source.len())
            .then(|| self.source.key(i).parse().ok())
            .flatten()
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<&Value> {
        self.index(self.table.cursor())
            .and_then(|i| self.rows.get(i))
    }

    /// The selected rows, or the cursor row when nothing is selected.
    pub fn chosen(&self) -> Vec<&Value> {
        let sel = self.table.selected();
        if sel.is_empty() {
            return self.current().into_iter().collect();
        }
        sel.iter()
            .filter_map(|k| k.parse::<usize>().ok())
            .filter_map(|i| self.rows.get(i))
            .collect()
    }

    pub fn is_filtering(&self) -> bool {
        self.table.is_filtering()
    }

    /// The table's keys: moves, selection, local filter and sort. `Event(Open)` on Enter,
    /// `Event(FilterChanged)` for a remote filter; everything else it does not use is `Ignored`.
    pub fn key(&mut self, ev: &KeyEvent, keymap: &Keymap) -> Handled<TableEvent> {
        match self.table.handle_key(ev, keymap, &self.source) {
            Handled::Event(TableEvent::FilterChanged(f)) => {
                if self.remote_filter {
                    Handled::Event(TableEvent::FilterChanged(f))
                } else {
                    self.source.apply(self.table.sort(), &f);
                    Handled::Changed
                }
            }
            Handled::Event(TableEvent::SortChanged(sort)) => {
                let filter = if self.remote_filter {
                    String::new()
                } else {
                    self.table.filter().to_string()
                };
                self.source.apply(sort, &filter);
                Handled::Changed
            }
            other => other,
        }
    }

    /// Draws the table (or the loading / failure text) into `area`.
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        match &self.load {
            Load::Loading => {
                put(
                    buf,
                    area.x,
                    area.y,
                    &ui.tr("common.loading"),
                    area.width,
                    ui.style(Role::Muted),
                );
            }
            Load::Failed(msg) => {
                let full = Rect {
                    x: area.x.saturating_sub(1),
                    width: area.width + 2,
                    ..area
                };
                draw_wrapped(buf, full, area.y, msg, Role::Error, ui, 6);
            }
            Load::Loaded => self.table.render(area, buf, ui, &self.source),
        }
    }

    pub fn cursor_position(&self) -> Option<Position> {
        self.table.cursor_position()
    }
}

/// A framed page: a title, optional lines of text on top, the list, a status line at the
/// bottom. Returns the list's area (for the caller to draw more below if it wants).
/// What frames a list page.
#[derive(Clone, Copy)]
pub(crate) struct PageFrame<'a> {
    pub title: &'a str,
    /// Lines of text above the list (a filter, an explanation).
    pub top: &'a [(String, Role)],
    pub status: &'a Status,
    /// Rows kept free below the list for the caller.
    pub below: u16,
}

pub(crate) fn render_page(
    area: Rect,
    buf: &mut Buffer,
    ui: &Ui,
    page: &PageFrame,
    list: &mut ListView,
) -> Rect {
    let PageFrame {
        title,
        top,
        status,
        below,
    } = *page;
    let frame = block(ui, title, true);
    let inner = frame.inner(area);
    frame.render(area, buf);
    if inner.height < 3 || inner.width < 6 {
        return Rect::default();
    }
    let mut y = inner.y;
    for (text, role) in top {
        y = draw_wrapped(buf, inner, y, text, *role, ui, 2);
    }
    let status_h = match status_line(status) {
        Some((text, _)) => wrapped_rows(inner, text, 3),
        None => 0,
    };
    let list_area = Rect {
        x: inner.x + 1,
        y,
        width: inner.width.saturating_sub(2),
        height: inner
            .bottom()
            .saturating_sub(y)
            .saturating_sub(status_h + below),
    };
    list.render(list_area, buf, ui);
    if let Some((text, role)) = status_line(status) {
        let sy = inner.bottom().saturating_sub(status_h);
        draw_wrapped(buf, inner, sy, text, role, ui, 3);
    }
    Rect {
        y: list_area.bottom(),
        height: below,
        ..list_area
    }
}

/// A question before an action: the dialog and what to do on yes.
pub(crate) struct Ask<A> {
    pub dialog: Confirm,
    pub action: A,
}

/// What a key did to an open question.
pub(crate) enum Answer<A> {
    /// Still asking (`true`: the dialog changed).
    Open(bool),
    Yes(A),
    No,
}

impl<A> Ask<A> {
    pub fn new(dialog: Confirm, action: A) -> Ask<A> {
        Ask { dialog, action }
    }
}

/// Hands a key to the open question in `slot`.
pub(crate) fn answer<A>(slot: &mut Option<Ask<A>>, ev: &KeyEvent, keymap: &Keymap) -> Answer<A> {
    let Some(ask) = slot.as_mut() else {
        return Answer::No;
    };
    match ask.dialog.handle_key(ev, keymap) {
        Handled::Event(ConfirmEvent::Confirmed) => match slot.take() {
            Some(a) => Answer::Yes(a.action),
            None => Answer::No,
        },
        Handled::Event(ConfirmEvent::Cancelled) => {
            *slot = None;
            Answer::No
        }
        h => Answer::Open(h.changed()),
    }
}

/// A dialog for a destructive action with the catalogue's cancel label.
pub(crate) fn destructive(ui: &Ui, title: &str, body: &str, confirm: &str) -> Confirm {
    Confirm::new(title, body, confirm, &ui.tr("admin.dialog_keep"))
}

/// A dialog for an action that is not destructive (publish, approve, enable).
pub(crate) fn harmless(ui: &Ui, title: &str, body: &str, confirm: &str) -> Confirm {
    Confirm::new(title, body, confirm, &ui.tr("admin.dialog_cancel")).harmless()
}

/// The dialog's hints (switch, confirm, cancel).
pub(crate) fn dialog_hints(keymap: &Keymap) -> Vec<Hint> {
    keymap.hints(Context::Dialog)
}

/// Shows a failed call in a screen's status line, the API's words in the user's language.
pub(crate) fn failure(cx: &Ctx, e: &ClientError) -> Status {
    Status::Error(crate::tui::screen::error_text(cx.lang(), e))
}

/// The account's authority (its region code) and its name.
pub(crate) fn authority_of(account: &Account) -> (String, String) {
    let code = account.region_code.clone().unwrap_or_default();
    let name = account.region_name().unwrap_or_default();
    (code, name)
}

/// "广东省" for a province admin, "工业和信息化部" for the ministry.
pub(crate) fn publisher_name(ui: &Ui, account: &Account) -> String {
    if account.level.as_deref() == Some("ministry") {
        ui.tr("admin.ministry")
    } else {
        account.region_name().unwrap_or_default()
    }
}

/// A text to read (an announcement's preview, a message sent): scrolls with the list keys.
pub struct TextScreen {
    title: String,
    paras: Vec<Para>,
    detail: crate::tui::widgets::detail::Detail,
}

impl TextScreen {
    pub fn new(title: &str, text: &str) -> TextScreen {
        TextScreen {
            title: title.to_string(),
            paras: text.lines().map(Para::plain).collect(),
            detail: crate::tui::widgets::detail::Detail::new(title, ""),
        }
    }
}

impl crate::tui::screen::Screen for TextScreen {
    fn title(&self, _ui: &Ui) -> String {
        self.title.clone()
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["down", "up", "half_page_down"])
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        self.detail.handle_key(ev, cx.keymap)
    }

    fn done(
        &mut self,
        _kind: &'static str,
        _value: Box<dyn std::any::Any + Send>,
        _cx: &mut Ctx,
    ) -> bool {
        false
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        render_detail(&mut self.detail, &self.paras, &Status::None, area, buf, ui);
    }
}

/// Draws a detail pane of paragraphs laid out for its width, with a status line below.
pub(crate) fn render_detail(
    detail: &mut crate::tui::widgets::detail::Detail,
    paras: &[Para],
    status: &Status,
    area: Rect,
    buf: &mut Buffer,
    ui: &Ui,
) {
    let status_h = status_line(status)
        .map(|(t, _)| wrapped_rows(area, t, 3))
        .unwrap_or(0);
    let main = Rect {
        height: area.height.saturating_sub(status_h),
        ..area
    };
    detail.set_text(&layout(paras, main.width.saturating_sub(2) as usize));
    detail.render(main, buf, ui);
    if let Some((t, role)) = status_line(status) {
        draw_wrapped(buf, area, main.bottom(), t, role, ui, 3);
    }
}
