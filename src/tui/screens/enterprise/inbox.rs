//! 我的消息: the messages of the account (and its enterprise) under six tabs — all, and the five
//! categories (认定到期, 信息更新, 认定通知, 取消认定, 申报提醒), each with its unread count —
//! unread marks, the detail, and marking read. Opening a message marks it read; `m` marks the
//! selected messages (Space, Ctrl-a) or the current one read without opening them. The list
//! pages on when the cursor reaches its end.

use super::{fixed_hint, hint};
use crate::client::ClientError;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::screens::{date_of, text_of};
use crate::tui::theme::Role;
use crate::tui::widgets::detail::Detail;
use crate::tui::widgets::table::{Column, RowSource, Table, TableEvent, VecSource};
use crate::tui::widgets::{Handled, block, put};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;

/// The tabs: `None` is every category.
const TABS: [Option<&str>; 6] = [
    None,
    Some("expiry"),
    Some("update"),
    Some("certification"),
    Some("cancellation"),
    Some("reminder"),
];

/// Messages per page.
const PAGE: u32 = 50;

/// The inbox.
pub struct Inbox {
    tab: usize,
    table: Table,
    rows: Vec<Value>,
    source: VecSource,
    /// Unread per category code, and the total.
    unread: Vec<(String, i64)>,
    unread_total: i64,
    next: Option<String>,
    loaded: bool,
    failed: Option<String>,
}

impl Inbox {
    pub fn new(ui: &Ui) -> Inbox {
        Inbox {
            tab: 0,
            table: Table::new(vec![
                Column::new("", 1, 1).unsortable(),
                Column::new(&ui.tr("ent.inbox.col.date"), 10, 10),
                Column::new(&ui.tr("ent.inbox.col.category"), 8, 12).priority(2),
                Column::new(&ui.tr("ent.inbox.col.title"), 16, 200),
            ])
            .with_multi_select(),
            rows: Vec::new(),
            source: VecSource::new(Vec::new()),
            unread: Vec::new(),
            unread_total: 0,
            next: None,
            loaded: false,
            failed: None,
        }
    }

    fn query(&self, cursor: Option<&str>) -> String {
        let mut q = format!("limit={PAGE}");
        if let Some(c) = TABS[self.tab] {
            q.push_str(&format!("&category={c}"));
        }
        if let Some(c) = cursor {
            q.push_str(&format!("&cursor={c}"));
        }
        q
    }

    fn load(&mut self, cx: &mut Ctx) {
        let q = self.query(None);
        cx.spawn("list", move |c| async move { c.messages(&q).await });
    }

    fn load_more(&mut self, cx: &mut Ctx) {
        if let Some(next) = self.next.take() {
            let q = self.query(Some(&next));
            cx.spawn("more", move |c| async move { c.messages(&q).await });
        }
    }

    fn rebuild(&mut self, ui: &Ui) {
        let mark = ui.symbols.mask.to_string();
        let rows = self
            .rows
            .iter()
            .map(|m| {
                vec![
                    if m["unread"] == true {
                        mark.clone()
                    } else {
                        String::new()
                    },
                    date_of(&m["created_at"]),
                    super::category_label(ui, m),
                    text_of(ui, &m["title"]),
                ]
            })
            .collect();
        self.source = VecSource::new(rows);
        self.source.apply(self.table.sort(), self.table.filter());
    }

    /// The message behind row `i` of the (sorted, filtered) table.
    fn message(&self, i: usize) -> Option<&Value> {
        if i >= self.source.len() {
            return None;
        }
        let at: usize = self.source.key(i).parse().ok()?;
        self.rows.get(at)
    }

    fn switch(&mut self, forward: bool, cx: &mut Ctx) -> Handled {
        let n = TABS.len();
        self.tab = if forward {
            (self.tab + 1) % n
        } else {
            (self.tab + n - 1) % n
        };
        self.table.clear_selection();
        self.table.set_cursor(0, 0);
        self.rows.clear();
        self.next = None;
        self.loaded = false;
        self.rebuild(cx.ui);
        self.load(cx);
        Handled::Changed
    }

    fn mark_read(&mut self, cx: &mut Ctx) -> Handled {
        let mut ids: Vec<String> = self
            .table
            .selected()
            .iter()
            .filter_map(|k| k.parse::<usize>().ok())
            .filter_map(|at| self.rows.get(at))
            .filter(|m| m["unread"] == true)
            .filter_map(|m| m["id"].as_str().map(str::to_string))
            .collect();
        if self.table.selected().is_empty()
            && let Some(m) = self.message(self.table.cursor())
            && m["unread"] == true
            && let Some(id) = m["id"].as_str()
        {
            ids.push(id.to_string());
        }
        if ids.is_empty() {
            cx.info(&cx.tr("ent.inbox.nothing_unread"));
            return Handled::Changed;
        }
        cx.spawn("read", move |c| async move { c.mark_read(&ids).await });
        Handled::Unchanged
    }

    fn tab_label(&self, ui: &Ui, i: usize) -> String {
        let (key, n) = match TABS[i] {
            None => ("ent.inbox.tab.all".to_string(), self.unread_total),
            Some(code) => (
                format!("ent.inbox.tab.{code}"),
                self.unread
                    .iter()
                    .find(|(c, _)| c == code)
                    .map_or(0, |(_, n)| *n),
            ),
        };
        let label = ui.tr(&key);
        if n > 0 { format!("{label} {n}") } else { label }
    }
}

impl Screen for Inbox {
    fn loading(&self) -> bool {
        self.failed.is_none() && !self.loaded
    }

    fn title(&self, ui: &Ui) -> String {
        ui.tr("ent.inbox.title")
    }

    fn context(&self) -> Context {
        if self.table.is_filtering() {
            Context::Form
        } else {
            Context::List
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        let mut h = keymap.hints_for(Context::List, &["open"]);
        h.push(fixed_hint("Tab", "ent.key.switch_category"));
        h.extend(hint(keymap, Context::List, "mark_read", "key.mark_read"));
        h.extend(keymap.hints_for(Context::List, &["toggle_select", "filter"]));
        h
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if !self.table.is_filtering() {
            match ev.code {
                KeyCode::Tab | KeyCode::Right => return self.switch(true, cx),
                KeyCode::BackTab | KeyCode::Left => return self.switch(false, cx),
                _ => {}
            }
            if cx.keymap.is(Context::List, "mark_read", ev) {
                return self.mark_read(cx);
            }
        }
        let len = self.source.len();
        let r = self.table.handle_key(ev, cx.keymap, &self.source);
        match r {
            Handled::Event(TableEvent::Open(i)) => {
                if let Some(m) = self.message(i).cloned() {
                    let s = MessageDetail::new(cx.ui, m);
                    cx.push(s);
                }
                Handled::Unchanged
            }
            Handled::Event(TableEvent::SortChanged(_) | TableEvent::FilterChanged(_)) => {
                self.source.apply(self.table.sort(), self.table.filter());
                Handled::Changed
            }
            Handled::Changed => {
                if len > 0 && self.table.cursor() + 1 >= len {
                    self.load_more(cx);
                }
                Handled::Changed
            }
            other => super::plain(other),
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        if !self.table.is_filtering() {
            return false;
        }
        let f = format!("{}{}", self.table.filter(), text.replace(['\n', '\r'], " "));
        let changed = self.table.set_filter(&f);
        self.source.apply(self.table.sort(), self.table.filter());
        changed
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        if kind == "read" {
            self.table.clear_selection();
            self.load(cx);
            return false;
        }
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        let items = v["page"]["items"].as_array().cloned().unwrap_or_default();
        if kind == "more" {
            self.rows.extend(items);
        } else {
            self.rows = items;
        }
        self.next = v["page"]["next"].as_str().map(str::to_string);
        self.unread_total = v["unread"]["total"].as_i64().unwrap_or(0);
        self.unread = v["unread"]["by_category"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| {
                        (
                            c["category"].as_str().unwrap_or_default().to_string(),
                            c["unread"].as_i64().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.loaded = true;
        self.failed = None;
        self.rebuild(cx.ui);
        true
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        if kind == "read" {
            cx.error(&error);
        } else {
            self.failed = Some(error_text(cx.lang(), &error));
            self.loaded = true;
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("ent.inbox.title");
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        if inner.height < 3 || inner.width < 8 {
            return;
        }
        // the tab bar
        let mut x = inner.x + 1;
        let y = inner.y;
        for i in 0..TABS.len() {
            if i > 0 {
                x = put(
                    buf,
                    x,
                    y,
                    &format!(" {} ", ui.symbols.separator),
                    inner.right().saturating_sub(x),
                    ui.style(Role::Border),
                );
            }
            let label = if i == self.tab {
                format!("[{}]", self.tab_label(ui, i))
            } else {
                self.tab_label(ui, i)
            };
            let style = if i == self.tab {
                ui.style(Role::Selection)
            } else {
                ui.style(Role::Text)
            };
            x = put(buf, x, y, &label, inner.right().saturating_sub(x), style);
        }
        let list = Rect {
            x: inner.x + 1,
            y: inner.y + 2,
            width: inner.width - 2,
            height: inner.height - 2,
        };
        if let Some(m) = &self.failed {
            put(buf, list.x, list.y, m, list.width, ui.style(Role::Error));
            return;
        }
        if !self.loaded {
            put(
                buf,
                list.x,
                list.y,
                &ui.tr("common.loading"),
                list.width,
                ui.style(Role::Muted),
            );
            return;
        }
        self.table.render(list, buf, ui, &self.source);
    }

    fn cursor(&self) -> Option<Position> {
        self.table.cursor_position()
    }
}

/// One message: title, category, date and body; opening it marks it read.
pub struct MessageDetail {
    message: Value,
    detail: Detail,
}

impl MessageDetail {
    pub fn new(ui: &Ui, message: Value) -> MessageDetail {
        let head = crate::i18n::trf(
            ui.lang,
            "ent.message.head",
            &[
                ("category", &text_of(ui, &message["category_name"])),
                ("date", &super::minutes_of(&message["created_at"])),
            ],
        );
        let text = format!(
            "{}\n{}\n\n{}",
            text_of(ui, &message["title"]),
            head,
            text_of(ui, &message["body"])
        );
        MessageDetail {
            detail: Detail::new(&ui.tr("ent.message.title"), &text),
            message,
        }
    }
}

impl Screen for MessageDetail {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("ent.message.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["down", "up"])
    }

    fn start(&mut self, cx: &mut Ctx) {
        if self.message["unread"] == true
            && let Some(id) = self.message["id"].as_str()
        {
            let ids = vec![id.to_string()];
            cx.spawn("read", move |c| async move { c.mark_read(&ids).await });
        }
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        self.detail.handle_key(ev, cx.keymap)
    }

    fn done(&mut self, _kind: &'static str, _value: Box<dyn Any + Send>, _cx: &mut Ctx) -> bool {
        self.message["unread"] = Value::Bool(false);
        false
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.detail.render(area, buf, ui);
    }
}
