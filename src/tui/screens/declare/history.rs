//! The enterprise's past applications of one kind — its 复核 applications (from 认证到期管理)
//! and its 信息更新 (from 信息更新) — newest first, with tier and year, where each stands (or
//! how it ended), the current level, the dates and the last reason given; Enter opens one with
//! its status history (who, when, what, why) and, for an update, the changes it proposed.

use super::evidence::EvidenceScreen;
use super::render_placeholder;
use super::{
    MapUnit, history_lines, latest_reason, level_label, number_text, render_message, render_page,
    state_label, state_of, tier_label, time_of,
};
use crate::client::{ClientError, Tagged};
use crate::domain::Lang;
use crate::domain::workflow::State;
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::screens::date_of;
use crate::tui::theme::Role;
use crate::tui::widgets::detail::Detail;
use crate::tui::widgets::table::{Column, RowSource, Table, TableEvent, VecSource};
use crate::tui::widgets::{Handled, block};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;

/// Rows per request of the list; the next page is fetched when the cursor reaches the last
/// loaded row.
pub const PAGE: usize = 100;

/// Which applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 复核 applications.
    Reexam,
    /// 信息更新.
    Update,
}

impl Kind {
    fn title_key(self) -> &'static str {
        match self {
            Kind::Reexam => "declare.past.reexam_title",
            Kind::Update => "declare.past.update_title",
        }
    }

    fn detail_title_key(self) -> &'static str {
        match self {
            Kind::Reexam => "declare.past.reexam_detail_title",
            Kind::Update => "declare.past.update_detail_title",
        }
    }

    fn empty_key(self) -> &'static str {
        match self {
            Kind::Reexam => "declare.past.reexam_empty",
            Kind::Update => "declare.past.update_empty",
        }
    }
}

/// The past applications of one kind.
pub struct ApplicationHistory {
    kind: Kind,
    table: Table,
    source: VecSource,
    items: Vec<Value>,
    /// The selected application in full: where it stands and the last reason, with who gave it
    /// and when.
    pane: Detail,
    loaded: bool,
    error: Option<String>,
    /// Rows per request ([`PAGE`]; smaller in tests).
    page_size: usize,
    /// The cursor of the next page, while there is one.
    next: Option<String>,
    /// A next page is on its way.
    fetching: bool,
    /// Why the last next page failed (tried again at the end of the list).
    more_error: Option<String>,
}

impl ApplicationHistory {
    pub fn new(ui: &Ui, kind: Kind) -> ApplicationHistory {
        let mut columns = Vec::new();
        if kind == Kind::Reexam {
            columns.push(Column::new(&ui.tr("declare.col.tier"), 14, 26));
        }
        columns.extend([
            Column::new(&ui.tr("declare.past.col.year"), 4, 6),
            Column::new(&ui.tr("declare.col.state"), 10, 22),
            Column::new(&ui.tr("declare.col.level"), 6, 12).priority(2),
            Column::new(&ui.tr("declare.past.col.submitted"), 10, 10).priority(1),
            Column::new(&ui.tr("declare.past.col.decided"), 10, 10).priority(3),
        ]);
        ApplicationHistory {
            kind,
            table: Table::new(columns),
            source: VecSource::default(),
            items: Vec::new(),
            pane: Detail::new(&ui.tr("declare.past.pane"), ""),
            loaded: false,
            error: None,
            page_size: PAGE,
            next: None,
            fetching: false,
            more_error: None,
        }
    }

    /// The same list fetched `n` rows at a time.
    #[cfg(test)]
    pub fn with_page_size(mut self, n: usize) -> ApplicationHistory {
        self.page_size = n;
        self
    }

    fn refresh_pane(&mut self, ui: &Ui) {
        let text = self
            .selected()
            .map(|a| pane_text(ui, self.kind, a))
            .unwrap_or_default();
        self.pane.set_text(&text);
    }

    /// Requests a page: the first (`cursor` none, kind `list`) or the next (`more`).
    fn fetch(&mut self, cx: &mut Ctx, cursor: Option<String>) {
        let mut query = format!("limit={}", self.page_size);
        let kind = match cursor {
            Some(c) => {
                query.push_str(&format!(
                    "&cursor={}",
                    crate::tui::screens::review::queue::encode(&c)
                ));
                self.fetching = true;
                self.more_error = None;
                "more"
            }
            None => "list",
        };
        match self.kind {
            Kind::Reexam => cx.spawn(kind, move |c| async move { c.reexam_history(&query).await }),
            Kind::Update => cx.spawn(kind, move |c| async move { c.update_history(&query).await }),
        }
    }

    /// Fetches the next page when the cursor is on the last loaded row.
    fn more_if_at_end(&mut self, cx: &mut Ctx) {
        if self.fetching || self.source.is_empty() {
            return;
        }
        if self.table.cursor() + 1 < self.source.len() {
            return;
        }
        if let Some(next) = self.next.clone() {
            self.fetch(cx, Some(next));
        }
    }

    /// A key on the list: the table, then the pane.
    fn list_key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        match self.table.handle_key(ev, cx.keymap, &self.source) {
            Handled::Event(TableEvent::Open(_)) => {
                if let Some(id) = self.selected().and_then(|a| a["id"].as_str()) {
                    cx.push(ApplicationDetail::new(cx.ui, self.kind, id));
                }
                Handled::Unchanged
            }
            Handled::Event(TableEvent::FilterChanged(f)) => {
                self.source.apply(self.table.sort(), &f);
                self.refresh_pane(cx.ui);
                Handled::Changed
            }
            Handled::Event(TableEvent::SortChanged(s)) => {
                self.source.apply(s, self.table.filter());
                self.refresh_pane(cx.ui);
                Handled::Changed
            }
            Handled::Ignored => self.pane.handle_key(ev, cx.keymap),
            other => {
                let h = other.map_unit();
                if h.changed() {
                    self.refresh_pane(cx.ui);
                }
                h
            }
        }
    }

    /// The rows of the loaded items.
    fn rebuild(&mut self, ui: &Ui) {
        let rows = self
            .items
            .iter()
            .map(|a| {
                let mut row = Vec::new();
                if self.kind == Kind::Reexam {
                    row.push(tier_label(ui, &a["tier"]));
                }
                row.extend([
                    a["year"]
                        .as_i64()
                        .map(|y| y.to_string())
                        .unwrap_or_default(),
                    state_label(ui, &a["state"]),
                    level_label(ui, &a["level"]),
                    date_of(&a["submitted_at"]),
                    date_of(&a["decided_at"]),
                ]);
                row
            })
            .collect();
        self.source = VecSource::new(rows);
        self.source.apply(self.table.sort(), self.table.filter());
        self.refresh_pane(ui);
    }

    /// The line under the list while there is more: "more…", loading, or why it failed.
    fn footer(&self, ui: &Ui) -> Option<(String, Role)> {
        if self.fetching {
            Some((ui.tr("declare.past.loading_more"), Role::Muted))
        } else if let Some(e) = &self.more_error {
            Some((e.clone(), Role::Error))
        } else if self.next.is_some() {
            Some((ui.tr("declare.past.more"), Role::Muted))
        } else {
            None
        }
    }

    fn selected(&self) -> Option<&Value> {
        if self.source.is_empty() {
            return None;
        }
        let i: usize = self.source.key(self.table.cursor()).parse().ok()?;
        self.items.get(i)
    }
}

impl Screen for ApplicationHistory {
    fn title(&self, ui: &Ui) -> String {
        ui.tr(self.kind.title_key())
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["open", "down", "up", "filter"])
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.fetch(cx, None);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        let h = self.list_key(ev, cx);
        self.more_if_at_end(cx);
        h
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        let page = v["items"].as_array().cloned().unwrap_or_default();
        if kind == "more" {
            self.fetching = false;
            self.items.extend(page);
        } else {
            self.items = page;
        }
        self.next = v["next"].as_str().map(str::to_string);
        self.rebuild(cx.ui);
        self.loaded = true;
        self.error = None;
        true
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        if kind == "more" {
            self.fetching = false;
            self.more_error = Some(error_text(cx.lang(), &error));
        } else {
            self.error = Some(error_text(cx.lang(), &error));
            self.loaded = true;
        }
        true
    }

    fn loading(&self) -> bool {
        self.error.is_none() && !self.loaded
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr(self.kind.title_key());
        if render_placeholder(
            area,
            buf,
            ui,
            &title,
            self.error.as_deref(),
            !self.loading(),
        ) {
            return;
        }
        if self.items.is_empty() {
            render_message(
                area,
                buf,
                ui,
                &title,
                &ui.tr(self.kind.empty_key()),
                Role::Muted,
            );
            return;
        }
        // the list on top (at most half the height), the selected one in full below; a line
        // under the rows while there is more
        let footer = self.footer(ui);
        let extra = u16::from(footer.is_some());
        let h = (self.items.len() as u16 + 4 + extra)
            .min(area.height / 2)
            .max(5);
        let list = Rect { height: h, ..area };
        let pane = Rect {
            y: area.y + h,
            height: area.height.saturating_sub(h),
            ..area
        };
        let b = block(ui, &title, true);
        let mut inner = b.inner(list);
        b.render(list, buf);
        if let Some((text, role)) = footer {
            inner.height = inner.height.saturating_sub(1);
            let line = Rect {
                y: inner.y + inner.height,
                height: 1,
                ..inner
            };
            buf.set_stringn(
                line.x,
                line.y,
                &text,
                line.width as usize,
                ui.theme.style(role),
            );
        }
        self.table.render(inner, buf, ui, &self.source);
        render_page(pane, buf, ui, &mut self.pane, "", Role::Muted);
    }

    fn cursor(&self) -> Option<Position> {
        self.table.cursor_position()
    }
}

/// One application with its status history.
pub struct ApplicationDetail {
    kind: Kind,
    id: String,
    value: Option<Value>,
    page: Detail,
    error: Option<String>,
}

impl ApplicationDetail {
    pub fn new(ui: &Ui, kind: Kind, id: &str) -> ApplicationDetail {
        ApplicationDetail {
            kind,
            id: id.to_string(),
            value: None,
            page: Detail::new(&ui.tr(kind.detail_title_key()), ""),
            error: None,
        }
    }

    fn load(&self, cx: &mut Ctx) {
        let id = self.id.clone();
        match self.kind {
            Kind::Reexam => cx.spawn("detail", move |c| async move { c.reexam_detail(&id).await }),
            Kind::Update => cx.spawn("detail", move |c| async move { c.update_detail(&id).await }),
        }
    }
}

impl Screen for ApplicationDetail {
    fn title(&self, ui: &Ui) -> String {
        ui.tr(self.kind.detail_title_key())
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["evidence", "down", "up"])
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
            Some("evidence") if self.value.is_some() => {
                cx.push(EvidenceScreen::new(cx.ui, &self.id));
                Handled::Unchanged
            }
            _ => self.page.handle_key(ev, cx.keymap),
        }
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(t) = take::<Tagged>(value) else {
            return false;
        };
        self.page.set_text(&detail_text(cx.ui, self.kind, &t.value));
        self.value = Some(t.value);
        self.error = None;
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.error = Some(error_text(cx.lang(), &error));
        true
    }

    fn loading(&self) -> bool {
        self.error.is_none() && self.value.is_none()
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr(self.kind.detail_title_key());
        if render_placeholder(
            area,
            buf,
            ui,
            &title,
            self.error.as_deref(),
            !self.loading(),
        ) {
            return;
        }
        render_page(area, buf, ui, &mut self.page, "", Role::Muted);
    }
}

/// The pane of the selected application: what, where it stands, its dates, and the last reason
/// given on it with who gave it and when.
fn pane_text(ui: &Ui, kind: Kind, a: &Value) -> String {
    let lang = ui.lang;
    let sep = if lang == Lang::Zh { "：" } else { ": " };
    let line = |k: &str, v: String| format!("{}{sep}{v}", ui.tr(k));
    let year = a["year"].as_i64().unwrap_or_default().to_string();
    let mut out = vec![match kind {
        Kind::Reexam => format!(
            "{} · {}",
            tier_label(ui, &a["tier"]),
            trf(lang, "declare.past.reexam_of_year", &[("year", &year)])
        ),
        Kind::Update => trf(lang, "declare.past.update_of_year", &[("year", &year)]),
    }];
    out.push(line("declare.detail.state", state_label(ui, &a["state"])));
    let level = level_label(ui, &a["level"]);
    if !level.is_empty() {
        out.push(line("declare.detail.level", level));
    }
    if let Some(e) = a["expires_on"].as_str() {
        out.push(line("declare.past.expires_on", e.to_string()));
    }
    if !a["submitted_at"].is_null() {
        out.push(line(
            "declare.detail.submitted_at",
            time_of(&a["submitted_at"]),
        ));
    }
    if !a["decided_at"].is_null() {
        out.push(line("declare.past.decided_at", time_of(&a["decided_at"])));
    }
    let r = &a["last_reason"];
    if let Some(reason) = r["reason"].as_str() {
        out.push(trf(
            lang,
            "declare.past.last_reason",
            &[
                ("who", r["actor_name"].as_str().unwrap_or_default()),
                ("at", &time_of(&r["at"])),
            ],
        ));
        out.push(format!("  {reason}"));
    }
    out.join("\n")
}

/// The fields an update may change, in the form's order.
const UPDATE_FIELDS: [&str; 12] = [
    "county_code",
    "industry_code",
    "segment",
    "main_products",
    "established_on",
    "address",
    "employees",
    "revenue",
    "total_assets",
    "contact_name",
    "contact_phone",
    "contact_email",
];

/// The detail as text: what it is, where it stands, its dates, the reason of a return or
/// rejection, an update's changes, and the status history.
fn detail_text(ui: &Ui, kind: Kind, v: &Value) -> String {
    let lang = ui.lang;
    let sep = if lang == Lang::Zh { "：" } else { ": " };
    let line = |k: &str, v: String| format!("{}{sep}{v}", ui.tr(k));
    let item = &v["item"];
    let mut out = Vec::new();
    let year = item["batch"].as_i64().unwrap_or_default().to_string();
    out.push(match kind {
        Kind::Reexam => format!(
            "{} · {}",
            tier_label(ui, &item["tier"]),
            trf(lang, "declare.past.reexam_of_year", &[("year", &year)])
        ),
        Kind::Update => trf(lang, "declare.past.update_of_year", &[("year", &year)]),
    });
    out.push(line(
        "declare.detail.state",
        state_label(ui, &item["state"]),
    ));
    let level = level_label(ui, &item["state"]["level"]);
    if !level.is_empty() {
        out.push(line("declare.detail.level", level));
    }
    if let Some(e) = v["expires_on"].as_str() {
        out.push(line("declare.past.expires_on", e.to_string()));
    }
    out.push(line(
        "declare.past.created_at",
        time_of(&item["created_at"]),
    ));
    if !item["submitted_at"].is_null() {
        out.push(line(
            "declare.detail.submitted_at",
            time_of(&item["submitted_at"]),
        ));
    }
    if !item["decided_at"].is_null() {
        out.push(line(
            "declare.past.decided_at",
            time_of(&item["decided_at"]),
        ));
    }
    match state_of(&item["state"]) {
        Some(State::Returned) => {
            if let Some(r) = latest_reason(&v["history"]) {
                out.push(line("declare.detail.return_reason", r));
            }
        }
        Some(State::Rejected) => {
            if let Some(r) = latest_reason(&v["history"]) {
                out.push(line("declare.detail.reject_reason", r));
            }
        }
        _ => {}
    }
    if kind == Kind::Update {
        out.push(String::new());
        out.push(ui.tr("declare.past.changes"));
        let changes = v["changes"].as_object();
        let mut any = false;
        for f in UPDATE_FIELDS {
            let Some(value) = changes.and_then(|c| c.get(f)) else {
                continue;
            };
            any = true;
            let unit = match f {
                "employees" => format!(" {}", ui.tr("declare.unit.people")),
                "revenue" | "total_assets" => format!(" {}", ui.tr("declare.unit.wan")),
                _ => String::new(),
            };
            let text = match value {
                Value::Number(n) => {
                    format!("{}{unit}", number_text(n.as_f64().unwrap_or_default()))
                }
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
                other => other.to_string(),
            };
            out.push(format!(
                "  {}{sep}{text}",
                ui.tr(&format!("declare.update.field.{f}"))
            ));
        }
        if !any {
            out.push(format!("  {}", ui.tr("declare.past.no_changes")));
        }
    }
    out.push(String::new());
    out.push(ui.tr("declare.detail.history"));
    out.extend(
        history_lines(ui, &v["history"])
            .into_iter()
            .map(|l| format!("  {l}")),
    );
    out.join("\n")
}
