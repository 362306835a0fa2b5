//! A virtual table: it asks a [`RowSource`] for the row count and builds only the rows on
//! screen, so a queue of 100 000 items draws as fast as one of 20. Columns have a minimum and a
//! maximum width and a priority: when the terminal is narrow the least important columns are
//! dropped (80 columns shows the essentials, 120 and more shows the rest). Cells are cut and
//! padded by display width, so CJK text stays aligned; the cursor row uses the theme's
//! selection role (no zebra stripes). Sorting and filtering are *state* here and *work* in the
//! source (a service query, or [`VecSource`] for a small local list): the table reports a
//! change as an event and the screen asks for the new rows, latest request wins.

use super::{Handled, cols, put};
use crate::display;
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Key, Keymap};
use crate::tui::theme::Role;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// Where the rows come from. Only `row(i)` for the visible `i` is called per frame.
pub trait RowSource {
    /// Number of rows (after the source's own filtering).
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cells of row `i`, one per column.
    fn row(&self, i: usize) -> Vec<String>;

    /// A stable identity of row `i` (a declaration id …) so a selection survives re-sorting and
    /// paging. The default is the index.
    fn key(&self, i: usize) -> String {
        i.to_string()
    }
}

/// A source from a row count and a closure.
pub struct FnSource<F: Fn(usize) -> Vec<String>> {
    pub len: usize,
    pub row: F,
}

impl<F: Fn(usize) -> Vec<String>> RowSource for FnSource<F> {
    fn len(&self) -> usize {
        self.len
    }
    fn row(&self, i: usize) -> Vec<String> {
        (self.row)(i)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub title: String,
    pub min: u16,
    pub max: u16,
    /// 0 is the most important; higher numbers are dropped first when space is short.
    pub priority: u8,
    pub align: Align,
    pub sortable: bool,
}

impl Column {
    /// A left-aligned, sortable column of priority 0. `min` is raised to fit the title.
    pub fn new(title: &str, min: u16, max: u16) -> Column {
        let min = min.max(cols(title));
        Column {
            title: title.to_string(),
            min,
            max: max.max(min),
            priority: 0,
            align: Align::Left,
            sortable: true,
        }
    }

    pub fn priority(mut self, p: u8) -> Column {
        self.priority = p;
        self
    }

    pub fn right(mut self) -> Column {
        self.align = Align::Right;
        self
    }

    pub fn unsortable(mut self) -> Column {
        self.sortable = false;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDir {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub dir: SortDir,
}

/// What the table asks its screen to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableEvent {
    /// Enter on a row.
    Open(usize),
    /// Re-query with this order.
    SortChanged(Option<Sort>),
    /// Re-query with this filter (on every keystroke; latest wins).
    FilterChanged(String),
}

/// The table's state.
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<Column>,
    cursor: usize,
    offset: usize,
    /// Data rows visible at the last render (for half-page moves).
    page: usize,
    multi_select: bool,
    selected: BTreeSet<String>,
    sort: Option<Sort>,
    filter: String,
    filtering: bool,
    filter_cursor: Option<Position>,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            cursor: 0,
            offset: 0,
            page: 10,
            multi_select: false,
            selected: BTreeSet::new(),
            sort: None,
            filter: String::new(),
            filtering: false,
            filter_cursor: None,
        }
    }

    /// Enables multi-select (Space toggles; a mark column and a count are shown).
    pub fn with_multi_select(mut self) -> Table {
        self.multi_select = true;
        self
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn sort(&self) -> Option<Sort> {
        self.sort
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Whether the filter line is being edited (printable keys go to it).
    pub fn is_filtering(&self) -> bool {
        self.filtering
    }

    /// The keys of the selected rows.
    pub fn selected(&self) -> &BTreeSet<String> {
        &self.selected
    }

    /// Where the terminal cursor belongs while the filter is edited.
    pub fn cursor_position(&self) -> Option<Position> {
        self.filter_cursor
    }

    /// The number of data rows shown at the last render.
    pub fn page(&self) -> usize {
        self.page
    }

    /// Moves the cursor to row `i` (clamped), scrolling as little as possible.
    pub fn set_cursor(&mut self, i: usize, len: usize) -> bool {
        let old = (self.cursor, self.offset);
        self.cursor = i.min(len.saturating_sub(1));
        self.keep_cursor_visible(len);
        old != (self.cursor, self.offset)
    }

    fn keep_cursor_visible(&mut self, len: usize) {
        let page = self.page.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + page {
            self.offset = self.cursor + 1 - page;
        }
        self.offset = self.offset.min(len.saturating_sub(page));
    }

    pub fn move_by(&mut self, delta: isize, len: usize) -> bool {
        let target = self.cursor.saturating_add_signed(delta);
        self.set_cursor(target, len)
    }

    /// Half a page down: the cursor and the view move together (as in vi), so the terminal
    /// rewrites half the rows instead of scrolling line by line.
    pub fn half_page_down(&mut self, len: usize) -> bool {
        let half = (self.page / 2).max(1);
        let old = (self.cursor, self.offset);
        let max_offset = len.saturating_sub(self.page.max(1));
        self.offset = (self.offset + half).min(max_offset);
        self.cursor = (self.cursor + half).min(len.saturating_sub(1));
        self.keep_cursor_visible(len);
        old != (self.cursor, self.offset)
    }

    pub fn half_page_up(&mut self, len: usize) -> bool {
        let half = (self.page / 2).max(1);
        let old = (self.cursor, self.offset);
        self.offset = self.offset.saturating_sub(half);
        self.cursor = self.cursor.saturating_sub(half);
        self.keep_cursor_visible(len);
        old != (self.cursor, self.offset)
    }

    pub fn home(&mut self, len: usize) -> bool {
        self.set_cursor(0, len)
    }

    pub fn end(&mut self, len: usize) -> bool {
        self.set_cursor(len.saturating_sub(1), len)
    }

    /// Toggles the selection of the cursor row and moves down.
    pub fn toggle_select(&mut self, source: &dyn RowSource) -> bool {
        if !self.multi_select || source.is_empty() {
            return false;
        }
        let key = source.key(self.cursor.min(source.len() - 1));
        if !self.selected.remove(&key) {
            self.selected.insert(key);
        }
        self.move_by(1, source.len());
        true
    }

    /// Selects every row, or clears the selection when there is one.
    pub fn toggle_select_all(&mut self, source: &dyn RowSource) -> bool {
        if !self.multi_select {
            return false;
        }
        if self.selected.is_empty() {
            self.selected = (0..source.len()).map(|i| source.key(i)).collect();
            !self.selected.is_empty()
        } else {
            self.selected.clear();
            true
        }
    }

    pub fn clear_selection(&mut self) -> bool {
        let changed = !self.selected.is_empty();
        self.selected.clear();
        changed
    }

    /// Sorts by a column: ascending, or the other way round if it already sorts by it.
    pub fn sort_by(&mut self, column: usize) -> bool {
        if !self.columns.get(column).is_some_and(|c| c.sortable) {
            return false;
        }
        self.sort = Some(match self.sort {
            Some(Sort {
                column: c,
                dir: SortDir::Asc,
            }) if c == column => Sort {
                column,
                dir: SortDir::Desc,
            },
            _ => Sort {
                column,
                dir: SortDir::Asc,
            },
        });
        true
    }

    /// Steps through the orders: none → first sortable column ascending → descending → next
    /// column … → none.
    pub fn cycle_sort(&mut self) -> bool {
        let sortable: Vec<usize> = (0..self.columns.len())
            .filter(|&i| self.columns[i].sortable)
            .collect();
        if sortable.is_empty() {
            return false;
        }
        self.sort = match self.sort {
            None => Some(Sort {
                column: sortable[0],
                dir: SortDir::Asc,
            }),
            Some(Sort {
                column,
                dir: SortDir::Asc,
            }) => Some(Sort {
                column,
                dir: SortDir::Desc,
            }),
            Some(Sort {
                column,
                dir: SortDir::Desc,
            }) => sortable.iter().find(|&&c| c > column).map(|&c| Sort {
                column: c,
                dir: SortDir::Asc,
            }),
        };
        true
    }

    pub fn set_filter(&mut self, filter: &str) -> bool {
        if self.filter == filter {
            return false;
        }
        self.filter = filter.to_string();
        self.cursor = 0;
        self.offset = 0;
        true
    }

    /// Handles a key: filter editing while the filter line is open, else the list commands of
    /// the keymap. Commands the table does not own (pass, return …) are `Ignored`.
    pub fn handle_key(
        &mut self,
        ev: &KeyEvent,
        keymap: &Keymap,
        source: &dyn RowSource,
    ) -> Handled<TableEvent> {
        let len = source.len();
        if self.filtering {
            let key = Key::from_event(ev);
            return match ev.code {
                KeyCode::Enter => {
                    self.filtering = false;
                    Handled::Changed
                }
                KeyCode::Esc => {
                    self.filtering = false;
                    let mut f = String::new();
                    std::mem::swap(&mut f, &mut self.filter);
                    if f.is_empty() {
                        Handled::Changed
                    } else {
                        self.cursor = 0;
                        self.offset = 0;
                        Handled::Event(TableEvent::FilterChanged(String::new()))
                    }
                }
                KeyCode::Backspace => {
                    if self.filter.pop().is_some() {
                        self.cursor = 0;
                        self.offset = 0;
                        Handled::Event(TableEvent::FilterChanged(self.filter.clone()))
                    } else {
                        Handled::Unchanged
                    }
                }
                KeyCode::Char(c) if key.is_printable() => {
                    self.filter.push(c);
                    self.cursor = 0;
                    self.offset = 0;
                    Handled::Event(TableEvent::FilterChanged(self.filter.clone()))
                }
                _ => Handled::Unchanged,
            };
        }
        let Some((_, cmd)) = keymap.resolve(Context::List, ev) else {
            return Handled::Ignored;
        };
        let changed = match cmd {
            "up" => self.move_by(-1, len),
            "down" => self.move_by(1, len),
            "half_page_down" => self.half_page_down(len),
            "half_page_up" => self.half_page_up(len),
            "top" => self.home(len),
            "bottom" => self.end(len),
            "toggle_select" if self.multi_select => self.toggle_select(source),
            "select_all" if self.multi_select => self.toggle_select_all(source),
            "open" if len > 0 => return Handled::Event(TableEvent::Open(self.cursor)),
            "filter" => {
                self.filtering = true;
                true
            }
            "sort" => {
                return if self.cycle_sort() {
                    Handled::Event(TableEvent::SortChanged(self.sort))
                } else {
                    Handled::Unchanged
                };
            }
            _ => return Handled::Ignored,
        };
        Handled::from_changed(changed)
    }

    /// The columns that fit in `width` and their widths: by priority while the minimum widths
    /// fit (the first that does not fit ends the list, so a less important column never shows
    /// while a more important one is hidden), then the spare columns shared out up to each
    /// maximum. Display order is kept.
    pub fn layout(&self, width: u16) -> Vec<(usize, u16)> {
        let avail = width.saturating_sub(self.mark_width());
        let mut order: Vec<usize> = (0..self.columns.len()).collect();
        order.sort_by_key(|&i| (self.columns[i].priority, i));
        let mut keep = Vec::new();
        let mut used = 0u16;
        for i in order {
            let need = self.columns[i].min + u16::from(!keep.is_empty());
            if used + need > avail {
                break;
            }
            used += need;
            keep.push(i);
        }
        keep.sort_unstable();
        let mut widths: Vec<(usize, u16)> =
            keep.iter().map(|&i| (i, self.columns[i].min)).collect();
        // spare columns in proportion to each column's room to grow, the rest one by one
        let extra = avail - used;
        let room: u32 = widths
            .iter()
            .map(|(i, w)| u32::from(self.columns[*i].max - w))
            .sum();
        if room > 0 {
            let share = u32::from(extra).min(room);
            let mut given = 0u16;
            for (i, w) in widths.iter_mut() {
                let r = u32::from(self.columns[*i].max - *w);
                let add = (share * r / room) as u16;
                *w += add;
                given += add;
            }
            let mut left = (share as u16).saturating_sub(given);
            while left > 0 {
                let mut grew = false;
                for (i, w) in widths.iter_mut() {
                    if left > 0 && *w < self.columns[*i].max {
                        *w += 1;
                        left -= 1;
                        grew = true;
                    }
                }
                if !grew {
                    break;
                }
            }
        }
        widths
    }

    fn mark_width(&self) -> u16 {
        if self.multi_select { 2 } else { 0 }
    }

    /// Draws header, visible rows and the status line (count, selection, filter) into `area`.
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui, source: &dyn RowSource) {
        self.filter_cursor = None;
        if area.height < 3 || area.width < 4 {
            return;
        }
        let len = source.len();
        self.page = (area.height - 2) as usize;
        self.cursor = self.cursor.min(len.saturating_sub(1));
        self.keep_cursor_visible(len);
        let layout = self.layout(area.width);
        let mark_w = self.mark_width();

        // header
        let header_style = ui.style(Role::Title);
        let mut x = area.x + mark_w;
        for (n, &(i, w)) in layout.iter().enumerate() {
            if n > 0 {
                x += 1;
            }
            let col = &self.columns[i];
            let mut title = col.title.clone();
            if let Some(s) = self.sort.filter(|s| s.column == i) {
                title.push(' ');
                title.push_str(match s.dir {
                    SortDir::Asc => ui.symbols.sort_asc,
                    SortDir::Desc => ui.symbols.sort_desc,
                });
            }
            let text = match col.align {
                Align::Left => display::pad(&title, w as usize),
                Align::Right => display::pad_left(&title, w as usize),
            };
            put(buf, x, area.y, &text, w, header_style);
            x += w;
        }

        // rows: only the visible ones are built
        let rows_y = area.y + 1;
        if len == 0 {
            put(
                buf,
                area.x + mark_w,
                rows_y,
                &ui.tr("table.empty"),
                area.width - mark_w,
                ui.style(Role::Muted),
            );
        }
        let end = (self.offset + self.page).min(len);
        for (r, i) in (self.offset..end).enumerate() {
            let y = rows_y + r as u16;
            let cells = source.row(i);
            let is_cursor = i == self.cursor;
            let style = if is_cursor {
                ui.style(Role::Selection)
            } else {
                ui.style(Role::Text)
            };
            if is_cursor {
                buf.set_style(
                    Rect {
                        x: area.x,
                        y,
                        width: area.width,
                        height: 1,
                    },
                    style,
                );
            }
            if self.multi_select && self.selected.contains(&source.key(i)) {
                let mark_style = if is_cursor {
                    style
                } else {
                    ui.style(Role::Success)
                };
                put(buf, area.x, y, ui.symbols.checked, 1, mark_style);
            }
            let mut x = area.x + mark_w;
            for (n, &(c, w)) in layout.iter().enumerate() {
                if n > 0 {
                    x += 1;
                }
                let cell = cells.get(c).map(String::as_str).unwrap_or("");
                let text = match self.columns[c].align {
                    Align::Left => display::pad(cell, w as usize),
                    Align::Right => display::pad_left(cell, w as usize),
                };
                put(buf, x, y, &text, w, style);
                x += w;
            }
        }

        // status line
        let y = area.bottom() - 1;
        let muted = ui.style(Role::Muted);
        let position = if len == 0 {
            trf(ui.lang, "table.position", &[("n", "0"), ("total", "0")])
        } else {
            trf(
                ui.lang,
                "table.position",
                &[
                    ("n", &(self.cursor + 1).to_string()),
                    ("total", &len.to_string()),
                ],
            )
        };
        let pos_w = cols(&position);
        let mut x = area.x;
        if self.multi_select && !self.selected.is_empty() {
            let s = trf(
                ui.lang,
                "table.selected",
                &[("n", &self.selected.len().to_string())],
            );
            x = put(
                buf,
                x,
                y,
                &s,
                area.width.saturating_sub(pos_w + 1),
                ui.style(Role::Info),
            );
            x += 2;
        }
        if self.filtering || !self.filter.is_empty() {
            let label = ui.tr("table.filter");
            let room = area.right().saturating_sub(x + pos_w + 1);
            let after_label = put(buf, x, y, &label, room, muted);
            let room = area.right().saturating_sub(after_label + pos_w + 1);
            let style = if self.filtering {
                ui.style(Role::InputFocus)
            } else {
                ui.style(Role::Text)
            };
            // the end of the filter text stays visible while typing
            let shown = tail(&self.filter, room.saturating_sub(1) as usize);
            let end_x = put(buf, after_label, y, &shown, room, style);
            if self.filtering {
                self.filter_cursor = Some(Position::new(end_x, y));
            }
        }
        if pos_w < area.width {
            put(buf, area.right() - pos_w, y, &position, pos_w, muted);
        }
    }
}

/// The last `max` columns of `s` (never half a CJK character).
fn tail(s: &str, max: usize) -> String {
    if display::width(s) <= max {
        return s.to_string();
    }
    let mut out: Vec<char> = Vec::new();
    let mut w = 0;
    for c in s.chars().rev() {
        let cw = display::width(c.encode_utf8(&mut [0; 4]));
        if w + cw > max {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.into_iter().rev().collect()
}

/// A small in-memory source that sorts and filters itself (for local lists; large queues sort
/// and filter in the service).
#[derive(Debug, Clone, Default)]
pub struct VecSource {
    rows: Vec<Vec<String>>,
    view: Vec<usize>,
}

impl VecSource {
    pub fn new(rows: Vec<Vec<String>>) -> VecSource {
        let view = (0..rows.len()).collect();
        VecSource { rows, view }
    }

    /// Keeps the rows with a cell containing `filter` (ASCII case-insensitive), in the given
    /// order: numbers compare as numbers, other text by code point.
    pub fn apply(&mut self, sort: Option<Sort>, filter: &str) {
        let needle = filter.trim().to_lowercase();
        self.view = (0..self.rows.len())
            .filter(|&i| {
                needle.is_empty()
                    || self.rows[i]
                        .iter()
                        .any(|c| c.to_lowercase().contains(&needle))
            })
            .collect();
        if let Some(s) = sort {
            let rows = &self.rows;
            let cell = |i: usize| rows[i].get(s.column).map(String::as_str).unwrap_or("");
            self.view.sort_by(|&a, &b| {
                let ord = compare_cells(cell(a), cell(b));
                match s.dir {
                    SortDir::Asc => ord,
                    SortDir::Desc => ord.reverse(),
                }
            });
        }
    }
}

fn compare_cells(a: &str, b: &str) -> Ordering {
    let num = |s: &str| s.replace(',', "").trim().parse::<f64>().ok();
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

impl RowSource for VecSource {
    fn len(&self) -> usize {
        self.view.len()
    }
    fn row(&self, i: usize) -> Vec<String> {
        self.rows[self.view[i]].clone()
    }
    fn key(&self, i: usize) -> String {
        self.view[i].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Lang;
    use crate::tui::theme::Theme;
    use crate::tui::widgets::testing::{ctrl, draw, key};
    use std::cell::Cell;

    fn columns(lang: Lang) -> Vec<Column> {
        let zh = lang == Lang::Zh;
        let t = |a: &'static str, b: &'static str| if zh { a } else { b };
        vec![
            Column::new(t("企业名称", "Company"), 16, 34),
            Column::new(t("申报类型", "Tier"), 10, 18).priority(1),
            Column::new(t("状态", "Status"), 8, 12).priority(0),
            Column::new(t("当前层级", "Level"), 8, 10).priority(2),
            Column::new(t("所在地区", "Region"), 12, 22).priority(3),
            Column::new(t("营业收入", "Revenue"), 10, 18)
                .priority(4)
                .right(),
            Column::new(t("提交时间", "Submitted"), 10, 16).priority(5),
        ]
    }

    fn rows() -> VecSource {
        let data = [
            (
                "深圳市南山区示例科技有限公司",
                "专精特新",
                "审核中",
                "区县",
                "广东省 深圳市 南山区",
                "12,800",
                "2025-03-01",
            ),
            (
                "北京智造精密机械股份有限公司",
                "小巨人",
                "待审核",
                "市级",
                "北京市 海淀区",
                "56,000.5",
                "2025-03-02",
            ),
            (
                "ACME Robotics (Suzhou) Co., Ltd.",
                "创新型",
                "已退回",
                "省级",
                "江苏省 苏州市 工业园区",
                "3,100",
                "2025-03-03",
            ),
            (
                "杭州云端数据服务有限公司",
                "专精特新",
                "已通过",
                "部级",
                "浙江省 杭州市 西湖区",
                "980",
                "2025-02-27",
            ),
            (
                "成都高新微电子有限公司",
                "创新型",
                "暂存",
                "—",
                "四川省 成都市 武侯区",
                "450",
                "2025-03-05",
            ),
        ];
        VecSource::new(
            data.iter()
                .map(|r| {
                    [r.0, r.1, r.2, r.3, r.4, r.5, r.6]
                        .iter()
                        .map(|s| s.to_string())
                        .collect()
                })
                .collect(),
        )
    }

    fn framed(table: &mut Table, w: u16, h: u16, ui: &Ui, source: &dyn RowSource) -> String {
        draw(w, h, |area, buf| {
            let title = if ui.lang == Lang::Zh {
                "申报审核"
            } else {
                "Review queue"
            };
            let block = super::super::block(ui, title, true);
            let inner = block.inner(area);
            ratatui::widgets::Widget::render(block, area, buf);
            table.render(inner, buf, ui, source);
        })
    }

    #[test]
    fn snapshot_zh_80x24_drops_low_priority_columns() {
        let ui = Ui::default();
        let km = Keymap::defaults();
        let mut src = rows();
        let mut table = Table::new(columns(Lang::Zh)).with_multi_select();
        // sort by status descending, select two rows
        table.sort_by(2);
        table.sort_by(2);
        src.apply(table.sort(), "");
        table.handle_key(&key(KeyCode::Char(' ')), &km, &src);
        table.handle_key(&key(KeyCode::Down), &km, &src);
        table.handle_key(&key(KeyCode::Insert), &km, &src);
        let screen = framed(&mut table, 80, 24, &ui, &src);
        insta::assert_snapshot!(screen);
        let visible: Vec<usize> = table.layout(78).iter().map(|c| c.0).collect();
        assert_eq!(visible, [0, 1, 2, 3, 4, 5]);
        assert!(screen.contains("已选 2 项"));
        assert!(screen.contains("状态 ▼"));
    }

    #[test]
    fn snapshot_zh_120x40_shows_more_columns() {
        let ui = Ui::default();
        let mut src = rows();
        let mut table = Table::new(columns(Lang::Zh));
        table.sort_by(5);
        src.apply(table.sort(), "");
        let screen = framed(&mut table, 120, 40, &ui, &src);
        insta::assert_snapshot!(screen);
        assert_eq!(table.layout(118).len(), 7);
        assert!(screen.contains("营业收入 ▲"));
    }

    #[test]
    fn snapshot_en_80x24_filtering() {
        let ui = Ui::new(Theme::default(), false, Lang::En);
        let km = Keymap::defaults();
        let mut src = rows();
        let mut table = Table::new(columns(Lang::En)).with_multi_select();
        assert_eq!(
            table.handle_key(&key(KeyCode::Char('/')), &km, &src),
            Handled::Changed
        );
        for c in "有限".chars() {
            let h = table.handle_key(&key(KeyCode::Char(c)), &km, &src);
            if let Handled::Event(TableEvent::FilterChanged(f)) = h {
                src.apply(table.sort(), &f);
            }
        }
        let screen = framed(&mut table, 80, 24, &ui, &src);
        insta::assert_snapshot!(screen);
        assert_eq!(src.len(), 4);
        // the cursor sits after the filter text on the status line (inside the frame)
        let p = table.cursor_position().unwrap();
        assert_eq!(p.y, 22);
        // Esc clears the filter
        assert_eq!(
            table.handle_key(&key(KeyCode::Esc), &km, &src),
            Handled::Event(TableEvent::FilterChanged(String::new()))
        );
        assert!(!table.is_filtering());
    }

    /// Counts `row` calls.
    struct Counting {
        len: usize,
        calls: Cell<usize>,
    }

    impl RowSource for Counting {
        fn len(&self) -> usize {
            self.len
        }
        fn row(&self, i: usize) -> Vec<String> {
            self.calls.set(self.calls.get() + 1);
            vec![
                format!("第 {i} 行"),
                "专精特新".into(),
                (i * 7 % 1000).to_string(),
            ]
        }
    }

    fn counting_columns() -> Vec<Column> {
        vec![
            Column::new("名称", 12, 30),
            Column::new("类型", 8, 10),
            Column::new("数值", 6, 10).right(),
        ]
    }

    #[test]
    fn builds_only_visible_rows() {
        let ui = Ui::default();
        let src = Counting {
            len: 100_000,
            calls: Cell::new(0),
        };
        let mut table = Table::new(counting_columns());
        let screen = draw(80, 24, |area, buf| table.render(area, buf, &ui, &src));
        // 24 rows: header + 22 data rows + status line
        assert_eq!(src.calls.get(), 22);
        assert!(screen.contains("1/100000"), "{screen}");
        src.calls.set(0);
        table.end(src.len());
        let screen = draw(80, 24, |area, buf| table.render(area, buf, &ui, &src));
        assert_eq!(src.calls.get(), 22);
        assert!(screen.contains("第 99999 行"));
        assert_eq!(table.offset(), 100_000 - 22);
    }

    #[test]
    fn half_page_moves() {
        let ui = Ui::default();
        let km = Keymap::defaults();
        let src = Counting {
            len: 100,
            calls: Cell::new(0),
        };
        let mut table = Table::new(counting_columns());
        draw(80, 22, |area, buf| table.render(area, buf, &ui, &src));
        assert_eq!(table.page(), 20);
        assert_eq!(table.handle_key(&ctrl('d'), &km, &src), Handled::Changed);
        assert_eq!((table.cursor(), table.offset()), (10, 10));
        table.handle_key(&key(KeyCode::PageDown), &km, &src);
        assert_eq!((table.cursor(), table.offset()), (20, 20));
        table.handle_key(&ctrl('u'), &km, &src);
        assert_eq!((table.cursor(), table.offset()), (10, 10));
        table.handle_key(&key(KeyCode::PageUp), &km, &src);
        table.handle_key(&key(KeyCode::PageUp), &km, &src);
        assert_eq!((table.cursor(), table.offset()), (0, 0));
        assert_eq!(table.handle_key(&ctrl('u'), &km, &src), Handled::Unchanged);
        // near the end the view stops at the last page, the cursor at the last row
        table.end(100);
        assert_eq!((table.cursor(), table.offset()), (99, 80));
        assert_eq!(table.handle_key(&ctrl('d'), &km, &src), Handled::Unchanged);
        table.handle_key(&key(KeyCode::Home), &km, &src);
        assert_eq!(table.cursor(), 0);
        table.handle_key(&key(KeyCode::Char('j')), &km, &src);
        table.handle_key(&key(KeyCode::Down), &km, &src);
        assert_eq!(table.cursor(), 2);
        table.handle_key(&key(KeyCode::Char('k')), &km, &src);
        assert_eq!(table.cursor(), 1);
        table.handle_key(&key(KeyCode::Char('G')), &km, &src);
        assert_eq!(table.cursor(), 99);
        // list commands the table does not own are left to the screen
        assert_eq!(
            table.handle_key(&key(KeyCode::Char('a')), &km, &src),
            Handled::Ignored
        );
        assert_eq!(
            table.handle_key(&key(KeyCode::Enter), &km, &src),
            Handled::Event(TableEvent::Open(99))
        );
    }

    #[test]
    fn sort_cycle_and_selection_by_key() {
        let km = Keymap::defaults();
        let mut table = Table::new(vec![
            Column::new("a", 4, 8),
            Column::new("b", 4, 8).unsortable(),
            Column::new("c", 4, 8),
        ])
        .with_multi_select();
        let mut seen = Vec::new();
        for _ in 0..5 {
            let src = VecSource::default();
            if let Handled::Event(TableEvent::SortChanged(s)) =
                table.handle_key(&key(KeyCode::F(4)), &km, &src)
            {
                seen.push(s.map(|s| (s.column, s.dir)));
            }
        }
        assert_eq!(
            seen,
            vec![
                Some((0, SortDir::Asc)),
                Some((0, SortDir::Desc)),
                Some((2, SortDir::Asc)),
                Some((2, SortDir::Desc)),
                None
            ]
        );
        let mut src = rows();
        table.toggle_select(&src);
        assert_eq!(table.selected().len(), 1);
        // the selection follows the row after re-sorting
        src.apply(
            Some(Sort {
                column: 0,
                dir: SortDir::Desc,
            }),
            "",
        );
        let key0 = table.selected().iter().next().unwrap().clone();
        assert_eq!(key0, "0");
        assert!(table.toggle_select_all(&src));
        assert!(table.selected().is_empty());
        assert!(table.toggle_select_all(&src));
        assert_eq!(table.selected().len(), 5);
        assert!(table.handle_key(&ctrl('a'), &km, &src).changed());
        assert!(table.selected().is_empty());
    }

    #[test]
    fn layout_fits_and_grows() {
        let t = Table::new(columns(Lang::Zh));
        for w in [40u16, 78, 80, 118, 120, 200] {
            let l = t.layout(w);
            let used: u16 = l.iter().map(|c| c.1).sum::<u16>() + l.len().saturating_sub(1) as u16;
            assert!(used <= w, "{w}: {l:?}");
        }
        assert!(t.layout(78).len() < t.layout(118).len());
        // the most important columns survive
        assert!(t.layout(40).iter().any(|c| c.0 == 0));
        assert!(t.layout(40).iter().any(|c| c.0 == 2));
    }

    #[test]
    fn tail_keeps_whole_characters() {
        assert_eq!(tail("南山区abc", 5), "区abc");
        assert_eq!(tail("南山区abc", 4), "abc");
        assert_eq!(tail("ab", 4), "ab");
    }
}
