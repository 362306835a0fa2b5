//! 通知公告 (public): the published announcements of both levels — the ministry's and those of
//! the provincial authorities, each with its publisher — newest first, and one announcement's
//! detail.
//!
//! The list filters by level (Left/Right step through all / ministry / province) and searches
//! titles and bodies as the user types (`/` or F3 opens the search line): every keystroke asks
//! the API for a first page and only the latest answer is shown. Pages are read with the API's
//! cursor: when the cursor comes near the end of what is loaded, the next page is asked for
//! and appended. Enter opens the detail: title, publisher, date and the body, wrapped by
//! display width (Chinese text breaks between characters) in a scrollable pane.

use super::{date_of, text_of};
use crate::client::ClientError;
use crate::display;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap, keys_text};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::theme::Role;
use crate::tui::widgets::detail::Detail;
use crate::tui::widgets::table::{Column, RowSource, Table, TableEvent};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;

/// Announcements asked for per page.
const PAGE: u32 = 30;
/// A next page is asked for when the cursor comes this close to the last loaded row.
const PREFETCH: usize = 5;
/// Body rows from which the list shows the excerpt of the announcement under the cursor: only
/// on tall terminals, since the excerpt repaints on every cursor move (over a slow SSH link a
/// move in the list should cost a few hundred bytes; Enter shows the whole text anyway).
const EXCERPT_FROM_HEIGHT: u16 = 44;

/// The level filter of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    All,
    Ministry,
    Province,
}

impl Level {
    const ALL: [Level; 3] = [Level::All, Level::Ministry, Level::Province];

    /// The API's `level` value.
    fn code(self) -> Option<&'static str> {
        match self {
            Level::All => None,
            Level::Ministry => Some("ministry"),
            Level::Province => Some("province"),
        }
    }

    fn label_key(self) -> &'static str {
        match self {
            Level::All => "announcements.level.all",
            Level::Ministry => "announcements.level.ministry",
            Level::Province => "announcements.level.province",
        }
    }

    fn step(self, forward: bool) -> Level {
        let i = Level::ALL.iter().position(|l| *l == self).unwrap_or(0);
        let n = Level::ALL.len();
        Level::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// The level of an announcement (`ministry` / `province`) as the list shows it.
fn level_name(ui: &Ui, v: &Value) -> String {
    ui.tr(if v["level"] == "ministry" {
        Level::Ministry.label_key()
    } else {
        Level::Province.label_key()
    })
}

/// The loaded announcements as table rows.
struct Rows<'a> {
    items: &'a [Value],
    ui: &'a Ui,
}

impl RowSource for Rows<'_> {
    fn len(&self) -> usize {
        self.items.len()
    }

    fn row(&self, i: usize) -> Vec<String> {
        let n = &self.items[i];
        vec![
            date_of(&n["published_at"]),
            level_name(self.ui, n),
            text_of(self.ui, &n["publisher"]),
            n["title"].as_str().unwrap_or_default().to_string(),
        ]
    }

    fn key(&self, i: usize) -> String {
        self.items[i]["id"].as_str().unwrap_or_default().to_string()
    }
}

/// The list of published announcements.
pub struct Announcements {
    level: Level,
    table: Table,
    items: Vec<Value>,
    /// The cursor of the next page, if there is one.
    next: Option<String>,
    /// A page request is in flight.
    loading: bool,
    /// Whether it appends (the next page) or replaces (a new level or search).
    loading_more: bool,
    /// The first answer arrived.
    loaded: bool,
    error: Option<String>,
}

impl Announcements {
    pub fn new(ui: &Ui) -> Announcements {
        let t = |k: &str| ui.tr(k);
        // the level column fits both level names; the publisher column a province with its
        // code in English (北京市 (110000)) and the ministry's name in Chinese
        let level_w = [Level::Ministry, Level::Province]
            .iter()
            .map(|l| display::width(&t(l.label_key())) as u16)
            .max()
            .unwrap_or(4);
        Announcements {
            level: Level::All,
            table: Table::new(vec![
                Column::new(&t("announcements.col.date"), 10, 10).unsortable(),
                Column::new(&t("announcements.col.level"), level_w, level_w)
                    .priority(2)
                    .unsortable(),
                Column::new(&t("announcements.col.publisher"), 15, 20)
                    .priority(1)
                    .unsortable(),
                Column::new(&t("announcements.col.title"), 24, 200).unsortable(),
            ]),
            items: Vec::new(),
            next: None,
            loading: false,
            loading_more: false,
            loaded: false,
            error: None,
        }
    }

    /// Asks for the first page of the current level and search (a newer request makes an
    /// older one's answer stale).
    fn reload(&mut self, cx: &mut Ctx) {
        self.request(cx, false);
    }

    fn request(&mut self, cx: &mut Ctx, more: bool) {
        let level = self.level.code();
        let text = self.table.filter().trim().to_string();
        let cursor = if more { self.next.clone() } else { None };
        self.loading = true;
        self.loading_more = more;
        cx.spawn("page", move |c| async move {
            let page = c
                .announcement_page(level, Some(&text), cursor.as_deref(), PAGE)
                .await?;
            Ok::<_, ClientError>((page, more))
        });
    }

    /// Asks for the next page when the cursor is near the end of what is loaded.
    fn maybe_more(&mut self, cx: &mut Ctx) {
        let near_end = self.table.cursor() + PREFETCH >= self.items.len();
        if near_end && self.next.is_some() && !self.loading {
            self.request(cx, true);
        }
    }

    fn set_level(&mut self, level: Level, cx: &mut Ctx) -> Handled {
        if level == self.level {
            return Handled::Unchanged;
        }
        self.level = level;
        self.table.set_cursor(0, self.items.len());
        self.reload(cx);
        Handled::Changed
    }

    /// The line above the table: the level tabs, then what is loaded (or the error).
    fn render_bar(&self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let y = area.y;
        let mut x = put(
            buf,
            area.x,
            y,
            &ui.tr("announcements.level"),
            area.width,
            ui.style(Role::Muted),
        ) + 1;
        for level in Level::ALL {
            // brackets mark the chosen level in every theme, monochrome included
            let (label, style) = if level == self.level {
                (
                    format!("[{}]", ui.tr(level.label_key())),
                    ui.style(Role::Selection),
                )
            } else {
                (
                    format!(" {} ", ui.tr(level.label_key())),
                    ui.style(Role::Text),
                )
            };
            x = put(buf, x, y, &label, area.right().saturating_sub(x), style);
        }
        x += 2;
        let (text, role) = if let Some(e) = &self.error {
            (
                e.lines().next().unwrap_or_default().to_string(),
                Role::Error,
            )
        } else if self.loading && (self.loading_more || !self.loaded) {
            let key = if self.loading_more {
                "announcements.loading_more"
            } else {
                "common.loading"
            };
            (ui.tr(key), Role::Muted)
        } else if !self.loaded {
            (String::new(), Role::Muted)
        } else if self.next.is_some() {
            let n = self.items.len().to_string();
            (
                crate::i18n::trf(ui.lang, "announcements.count_more", &[("n", &n)]),
                Role::Muted,
            )
        } else {
            let n = self.items.len().to_string();
            (
                crate::i18n::trf(ui.lang, "announcements.count", &[("n", &n)]),
                Role::Muted,
            )
        };
        put(
            buf,
            x,
            y,
            &text,
            area.right().saturating_sub(x),
            ui.style(role),
        );
    }

    /// The excerpt of the announcement under the cursor (tall terminals).
    fn render_excerpt(&self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("announcements.excerpt");
        let frame = block(ui, &title, false);
        let inner = frame.inner(area);
        frame.render(area, buf);
        let Some(item) = self.items.get(self.table.cursor()) else {
            return;
        };
        let text = item["excerpt"].as_str().unwrap_or_default();
        let width = inner.width.saturating_sub(2).max(2) as usize;
        for (r, line) in display::wrap(text, width)
            .iter()
            .take(inner.height as usize)
            .enumerate()
        {
            put(
                buf,
                inner.x + 1,
                inner.y + r as u16,
                line,
                inner.width.saturating_sub(2),
                ui.style(Role::Text),
            );
        }
    }
}

impl Screen for Announcements {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("announcements.title")
    }

    fn context(&self) -> Context {
        // the search line types every printable key (`?` and `q` included)
        if self.table.is_filtering() {
            Context::Form
        } else {
            Context::List
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.table.is_filtering() {
            // Esc (clear the search) is the frame's first hint already
            return vec![Hint {
                keys: "Enter".into(),
                label_key: "announcements.hint.search_done".into(),
            }];
        }
        let mut h = keymap.hints_for(Context::List, &["open", "filter"]);
        let mut tabs = keymap.keys(Context::List, "prev_tab").to_vec();
        tabs.extend_from_slice(keymap.keys(Context::List, "next_tab"));
        if !tabs.is_empty() {
            h.push(Hint {
                keys: keys_text(&tabs),
                label_key: "announcements.hint.level".into(),
            });
        }
        h.extend(keymap.hints_for(Context::List, &["down", "up", "half_page_down"]));
        h
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.reload(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if !self.table.is_filtering() {
            match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
                Some("next_tab") => return self.set_level(self.level.step(true), cx),
                Some("prev_tab") => return self.set_level(self.level.step(false), cx),
                _ => {}
            }
        }
        let rows = Rows {
            items: &self.items,
            ui: cx.ui,
        };
        match self.table.handle_key(ev, cx.keymap, &rows) {
            Handled::Event(TableEvent::Open(i)) => {
                if let Some(id) = self.items.get(i).and_then(|n| n["id"].as_str()) {
                    cx.push(AnnouncementDetail::new(cx.ui, id));
                }
                Handled::Unchanged
            }
            Handled::Event(TableEvent::FilterChanged(_)) => {
                self.reload(cx);
                Handled::Changed
            }
            Handled::Event(TableEvent::SortChanged(_)) => Handled::Unchanged,
            Handled::Changed => {
                self.maybe_more(cx);
                Handled::Changed
            }
            Handled::Unchanged => Handled::Unchanged,
            Handled::Ignored => Handled::Ignored,
        }
    }

    fn paste(&mut self, text: &str, cx: &mut Ctx) -> bool {
        if !self.table.is_filtering() {
            return false;
        }
        let line = text.replace(['\r', '\n'], " ");
        let filter = format!("{}{line}", self.table.filter());
        if self.table.set_filter(&filter) {
            self.reload(cx);
            return true;
        }
        false
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some((page, more)) = take::<(Value, bool)>(value) else {
            return false;
        };
        let items = page["items"].as_array().cloned().unwrap_or_default();
        if more {
            self.items.extend(items);
        } else {
            self.items = items;
            self.table.set_cursor(0, self.items.len());
        }
        self.next = page["next"].as_str().map(str::to_string);
        self.loading = false;
        self.loading_more = false;
        self.loaded = true;
        self.error = None;
        // the cursor may already wait at the end (End pressed while a page was loading)
        self.maybe_more(cx);
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.error = Some(error_text(cx.lang(), &error));
        self.loading = false;
        self.loading_more = false;
        self.loaded = true;
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let excerpt_h = if area.height >= EXCERPT_FROM_HEIGHT {
            6
        } else {
            0
        };
        let list = Rect {
            height: area.height - excerpt_h,
            ..area
        };
        let title = ui.tr("announcements.title");
        let frame = block(ui, &title, true);
        let inner = frame.inner(list);
        frame.render(list, buf);
        if inner.height < 4 || inner.width < 20 {
            return;
        }
        let inner = Rect {
            x: inner.x + 1,
            width: inner.width - 2,
            ..inner
        };
        self.render_bar(Rect { height: 1, ..inner }, buf, ui);
        let table_area = Rect {
            y: inner.y + 1,
            height: inner.height - 1,
            ..inner
        };
        let rows = Rows {
            items: &self.items,
            ui,
        };
        self.table.render(table_area, buf, ui, &rows);
        if self.loaded && self.items.is_empty() && self.error.is_none() {
            let filter = self.table.filter().trim();
            let text = if filter.is_empty() {
                ui.tr("announcements.none")
            } else {
                crate::i18n::trf(ui.lang, "announcements.none_found", &[("text", filter)])
            };
            let y = table_area.y + 1;
            put(
                buf,
                table_area.x,
                y,
                &" ".repeat(table_area.width as usize),
                table_area.width,
                ui.style(Role::Text),
            );
            put(
                buf,
                table_area.x,
                y,
                &text,
                table_area.width,
                ui.style(Role::Muted),
            );
        }
        if excerpt_h > 0 {
            self.render_excerpt(
                Rect {
                    y: list.bottom(),
                    height: excerpt_h,
                    ..area
                },
                buf,
                ui,
            );
        }
    }

    fn cursor(&self) -> Option<Position> {
        self.table.cursor_position()
    }
}

/// One announcement: title, publisher and date above, the body in a scrollable pane.
pub struct AnnouncementDetail {
    id: String,
    item: Option<Value>,
    error: Option<String>,
    body: Detail,
}

impl AnnouncementDetail {
    pub fn new(ui: &Ui, id: &str) -> AnnouncementDetail {
        AnnouncementDetail {
            id: id.to_string(),
            item: None,
            error: None,
            body: Detail::new(&ui.tr("announcement.body"), ""),
        }
    }

    /// The header's lines: the title (wrapped) and `level · publisher · date`.
    fn header_lines(&self, ui: &Ui, width: usize) -> Vec<(String, Role)> {
        let Some(item) = &self.item else {
            return match &self.error {
                Some(e) => display::wrap(e, width)
                    .into_iter()
                    .map(|l| (l, Role::Error))
                    .collect(),
                None => vec![(ui.tr("common.loading"), Role::Muted)],
            };
        };
        let mut lines: Vec<(String, Role)> =
            display::wrap(item["title"].as_str().unwrap_or_default(), width)
                .into_iter()
                .take(3)
                .map(|l| (l, Role::Title))
                .collect();
        let date = date_of(&item["published_at"]);
        let meta = format!(
            "{} · {} · {}",
            level_name(ui, item),
            text_of(ui, &item["publisher"]),
            crate::i18n::trf(ui.lang, "announcement.published", &[("date", &date)])
        );
        lines.extend(
            display::wrap(&meta, width)
                .into_iter()
                .map(|l| (l, Role::Info)),
        );
        lines
    }
}

impl Screen for AnnouncementDetail {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("announcement.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(
            Context::List,
            &[
                "down",
                "up",
                "half_page_down",
                "half_page_up",
                "top",
                "bottom",
            ],
        )
    }

    fn start(&mut self, cx: &mut Ctx) {
        let id = self.id.clone();
        cx.spawn("detail", move |c| async move { c.announcement(&id).await });
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        self.body.handle_key(ev, cx.keymap)
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, _cx: &mut Ctx) -> bool {
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        self.body.set_text(v["body"].as_str().unwrap_or_default());
        self.item = Some(v);
        self.error = None;
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.error = Some(error_text(cx.lang(), &error));
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let width = area.width.saturating_sub(4).max(2) as usize;
        let lines = self.header_lines(ui, width);
        let head_h = (lines.len() as u16 + 2).min(area.height);
        let head = Rect {
            height: head_h,
            ..area
        };
        let title = ui.tr("announcement.title");
        let frame = block(ui, &title, true);
        let inner = frame.inner(head);
        frame.render(head, buf);
        for (r, (line, role)) in lines.iter().take(inner.height as usize).enumerate() {
            put(
                buf,
                inner.x + 1,
                inner.y + r as u16,
                line,
                inner.width.saturating_sub(2),
                ui.style(*role),
            );
        }
        if self.item.is_none() || area.height <= head_h {
            return;
        }
        let rest = Rect {
            y: area.y + head_h,
            height: area.height - head_h,
            ..area
        };
        self.body.render(rest, buf, ui);
    }
}

#[cfg(test)]
mod tests;
