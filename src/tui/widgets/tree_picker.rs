//! A tree picker for hierarchical code lists: regions (province → prefecture → county) and
//! industries (section → division → group → class). Expand and collapse with Right/Left, or
//! type to search: a code prefix (`4403`, `C39`), part of a name (`南山`), or the pinyin
//! initials of a name (`nsq` → 南山区; every reading of a heteronym counts, so `cq` finds 重庆).
//! Only the allowed levels can be picked (e.g. counties only); Enter on another node opens it,
//! and Enter on a search result that cannot be picked shows it in the tree.
//!
//! The code lists plug in through [`NodeSource`]: [`RegionNodes`] and [`IndustryNodes`] wrap
//! the domain's built-in lists.

use super::{Handled, block, cols, put};
use crate::domain::Text;
use crate::domain::industries::{Industries, IndustryLevel};
use crate::domain::regions::{RegionLevel, Regions};
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Key, Keymap};
use crate::tui::theme::Role;
use crossterm::event::{KeyCode, KeyEvent};
use pinyin::ToPinyinMulti;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use std::collections::HashSet;

/// Most search results listed.
pub const SEARCH_LIMIT: usize = 200;

/// One node of a code list, as the picker sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PickNode {
    pub code: String,
    pub name: String,
    /// 1 = top level.
    pub level: u8,
    pub has_children: bool,
}

impl PickNode {
    /// Level and code together identify a node (a prefecture without counties is listed again
    /// as its own county under the same code).
    pub fn id(&self) -> (u8, &str) {
        (self.level, &self.code)
    }
}

/// A hierarchical code list (`Send`: a picker lives in a screen, and screens move between
/// threads with the app).
pub trait NodeSource: Send {
    fn roots(&self) -> Vec<PickNode>;
    /// The children of a node (empty for a leaf).
    fn children(&self, node: &PickNode) -> Vec<PickNode>;
    /// The chain from the top down to `code`, root first; empty for an unknown code.
    fn path(&self, code: &str) -> Vec<PickNode>;
    /// Every node, for searching.
    fn all(&self) -> Vec<PickNode>;
    /// The name of a level (县级, 小类 …).
    fn level_name(&self, level: u8) -> Text;
    /// A grouping node that is not a place of its own (市辖区): left out of search context.
    fn is_placeholder(&self, _node: &PickNode) -> bool {
        false
    }
}

/// The GB/T 2260 regions.
#[derive(Debug, Clone, Copy)]
pub struct RegionNodes(pub &'static Regions);

impl RegionNodes {
    pub fn builtin() -> RegionNodes {
        RegionNodes(Regions::builtin())
    }

    fn node(&self, r: &crate::domain::regions::Region) -> PickNode {
        PickNode {
            code: r.code.clone(),
            name: r.name.clone(),
            level: r.level.number(),
            has_children: r.level != RegionLevel::County && !self.0.children(&r.code).is_empty(),
        }
    }
}

impl NodeSource for RegionNodes {
    fn roots(&self) -> Vec<PickNode> {
        self.0
            .provinces()
            .into_iter()
            .map(|r| self.node(r))
            .collect()
    }
    fn children(&self, node: &PickNode) -> Vec<PickNode> {
        if node.level >= RegionLevel::County.number() {
            return Vec::new();
        }
        self.0
            .children(&node.code)
            .into_iter()
            .map(|r| self.node(r))
            .collect()
    }
    fn path(&self, code: &str) -> Vec<PickNode> {
        self.0
            .path(code)
            .into_iter()
            .map(|r| self.node(r))
            .collect()
    }
    fn all(&self) -> Vec<PickNode> {
        self.0.iter().map(|r| self.node(r)).collect()
    }
    fn level_name(&self, level: u8) -> Text {
        RegionLevel::from_number(level)
            .map(RegionLevel::name)
            .unwrap_or_else(|| Text::new("", ""))
    }
    fn is_placeholder(&self, node: &PickNode) -> bool {
        crate::domain::regions::PLACEHOLDER_NAMES.contains(&node.name.as_str())
    }
}

/// The GB/T 4754-2017 industries.
#[derive(Debug, Clone, Copy)]
pub struct IndustryNodes(pub &'static Industries);

impl IndustryNodes {
    pub fn builtin() -> IndustryNodes {
        IndustryNodes(Industries::builtin())
    }

    fn node(&self, i: &crate::domain::industries::Industry) -> PickNode {
        PickNode {
            code: i.code.clone(),
            name: i.name.clone(),
            level: i.level.number(),
            has_children: i.level != IndustryLevel::Class && !self.0.children(&i.code).is_empty(),
        }
    }
}

impl NodeSource for IndustryNodes {
    fn roots(&self) -> Vec<PickNode> {
        self.0
            .sections()
            .into_iter()
            .map(|i| self.node(i))
            .collect()
    }
    fn children(&self, node: &PickNode) -> Vec<PickNode> {
        self.0
            .children(&node.code)
            .into_iter()
            .filter(|c| c.code != node.code)
            .map(|i| self.node(i))
            .collect()
    }
    fn path(&self, code: &str) -> Vec<PickNode> {
        self.0
            .path(code)
            .into_iter()
            .map(|i| self.node(i))
            .collect()
    }
    fn all(&self) -> Vec<PickNode> {
        self.0.iter().map(|i| self.node(i)).collect()
    }
    fn level_name(&self, level: u8) -> Text {
        IndustryLevel::from_number(level)
            .map(IndustryLevel::name)
            .unwrap_or_else(|| Text::new("", ""))
    }
}

/// The pinyin initials of each character of a name, as bit sets of `a`–`z` (all readings of a
/// heteronym; an ASCII letter or digit stands for itself; other characters are skipped).
pub fn initials(name: &str) -> Vec<u64> {
    name.chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                return Some(letter_bit(c.to_ascii_lowercase()));
            }
            let multi = c.to_pinyin_multi()?;
            let mut mask = 0;
            for p in multi {
                if let Some(l) = p.first_letter().chars().next() {
                    mask |= letter_bit(l);
                }
            }
            (mask != 0).then_some(mask)
        })
        .collect()
}

fn letter_bit(c: char) -> u64 {
    match c {
        'a'..='z' => 1 << (c as u32 - 'a' as u32),
        '0'..='9' => 1 << (26 + c as u32 - '0' as u32),
        _ => 0,
    }
}

/// Where `query` (lower-case letters) matches consecutive initials: `Some(0)` at the start.
pub fn match_initials(masks: &[u64], query: &str) -> Option<usize> {
    let q: Vec<u64> = query.chars().map(letter_bit).collect();
    if q.is_empty() || q.len() > masks.len() || q.contains(&0) {
        return None;
    }
    (0..=masks.len() - q.len()).find(|&s| q.iter().enumerate().all(|(j, b)| masks[s + j] & b != 0))
}

/// What the picker asks its screen to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickerEvent {
    Picked(PickNode),
}

#[derive(Debug, Clone)]
struct Row {
    node: PickNode,
    depth: u16,
    /// Search mode: the names above the node.
    context: String,
}

/// The picker's state.
pub struct TreePicker {
    source: Box<dyn NodeSource>,
    title: String,
    /// Levels that can be picked (empty: all).
    selectable: Vec<u8>,
    expanded: HashSet<(u8, String)>,
    tree: Vec<Row>,
    query: String,
    results: Vec<Row>,
    cursor: usize,
    offset: usize,
    page: usize,
    index: Option<Vec<(PickNode, Vec<u64>)>>,
    search_cursor: Option<Position>,
}

impl TreePicker {
    pub fn new(source: Box<dyn NodeSource>, title: &str) -> TreePicker {
        let mut p = TreePicker {
            source,
            title: title.to_string(),
            selectable: Vec::new(),
            expanded: HashSet::new(),
            tree: Vec::new(),
            query: String::new(),
            results: Vec::new(),
            cursor: 0,
            offset: 0,
            page: 10,
            index: None,
            search_cursor: None,
        };
        p.rebuild();
        p
    }

    /// Only nodes of these levels can be picked (1 = top).
    pub fn selectable_levels(mut self, levels: &[u8]) -> TreePicker {
        self.selectable = levels.to_vec();
        self
    }

    pub fn is_selectable(&self, node: &PickNode) -> bool {
        self.selectable.is_empty() || self.selectable.contains(&node.level)
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    /// The node under the cursor.
    pub fn current(&self) -> Option<&PickNode> {
        self.rows().get(self.cursor).map(|r| &r.node)
    }

    /// Where the terminal cursor belongs: the end of the search text.
    pub fn cursor_position(&self) -> Option<Position> {
        self.search_cursor
    }

    fn searching(&self) -> bool {
        !self.query.trim().is_empty()
    }

    fn rows(&self) -> &[Row] {
        if self.searching() {
            &self.results
        } else {
            &self.tree
        }
    }

    fn rebuild(&mut self) {
        fn walk(
            src: &dyn NodeSource,
            expanded: &HashSet<(u8, String)>,
            nodes: Vec<PickNode>,
            depth: u16,
            out: &mut Vec<Row>,
        ) {
            for n in nodes {
                let open = n.has_children && expanded.contains(&(n.level, n.code.clone()));
                let children = if open { src.children(&n) } else { Vec::new() };
                out.push(Row {
                    node: n,
                    depth,
                    context: String::new(),
                });
                walk(src, expanded, children, depth + 1, out);
            }
        }
        let mut tree = Vec::new();
        walk(
            self.source.as_ref(),
            &self.expanded,
            self.source.roots(),
            0,
            &mut tree,
        );
        self.tree = tree;
    }

    /// Opens or closes a node. Returns whether anything changed.
    pub fn set_expanded(&mut self, node: &PickNode, open: bool) -> bool {
        if !node.has_children {
            return false;
        }
        let key = (node.level, node.code.clone());
        let changed = if open {
            self.expanded.insert(key)
        } else {
            self.expanded.remove(&key)
        };
        if changed {
            let id = (node.level, node.code.clone());
            self.rebuild();
            if let Some(i) = self
                .tree
                .iter()
                .position(|r| (r.node.level, r.node.code.clone()) == id)
            {
                self.cursor = i;
            }
        }
        changed
    }

    /// Shows a code in the tree: clears the search, opens its ancestors and puts the cursor on
    /// it. Returns false for an unknown code.
    pub fn reveal(&mut self, code: &str) -> bool {
        let path = self.source.path(code);
        let Some(target) = path.last().cloned() else {
            return false;
        };
        self.query.clear();
        self.results.clear();
        for n in &path[..path.len() - 1] {
            self.expanded.insert((n.level, n.code.clone()));
        }
        self.rebuild();
        self.cursor = self
            .tree
            .iter()
            .position(|r| r.node.id() == target.id())
            .unwrap_or(0);
        self.keep_visible();
        true
    }

    /// Replaces the search text and lists the matches. Returns whether anything changed.
    pub fn set_query(&mut self, query: &str) -> bool {
        let query: String = query.chars().filter(|c| !c.is_whitespace()).collect();
        if query == self.query {
            return false;
        }
        self.query = query;
        self.cursor = 0;
        self.offset = 0;
        self.search();
        true
    }

    fn search(&mut self) {
        self.results.clear();
        let q = self.query.clone();
        if q.is_empty() {
            return;
        }
        let index = self.index.get_or_insert_with(|| {
            self.source
                .all()
                .into_iter()
                .map(|n| {
                    let m = initials(&n.name);
                    (n, m)
                })
                .collect()
        });
        let code_q = q
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
            .then(|| q.to_ascii_uppercase());
        let letters_q = q
            .bytes()
            .all(|b| b.is_ascii_alphabetic())
            .then(|| q.to_ascii_lowercase());
        let mut found: Vec<(u8, &PickNode)> = Vec::new();
        let mut seen: HashSet<(u8, &str)> = HashSet::new();
        for (node, masks) in index.iter() {
            let rank = if code_q.as_ref().is_some_and(|c| node.code.starts_with(c)) {
                Some(0)
            } else if node.name.contains(&q) {
                Some(1)
            } else {
                letters_q
                    .as_ref()
                    .and_then(|l| match_initials(masks, l))
                    .map(|at| if at == 0 { 2 } else { 3 })
            };
            if let Some(rank) = rank
                && seen.insert(node.id())
            {
                found.push((rank, node));
            }
        }
        found.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| a.1.code.cmp(&b.1.code))
                .then_with(|| a.1.level.cmp(&b.1.level))
        });
        found.truncate(SEARCH_LIMIT);
        let source = self.source.as_ref();
        self.results = found
            .into_iter()
            .map(|(_, n)| {
                let path = source.path(&n.code);
                let context = path
                    .iter()
                    .filter(|p| p.code != n.code && !source.is_placeholder(p))
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                Row {
                    node: n.clone(),
                    depth: 0,
                    context,
                }
            })
            .collect();
    }

    fn keep_visible(&mut self) {
        let len = self.rows().len();
        let page = self.page.max(1);
        self.cursor = self.cursor.min(len.saturating_sub(1));
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + page {
            self.offset = self.cursor + 1 - page;
        }
        self.offset = self.offset.min(len.saturating_sub(page));
    }

    fn move_to(&mut self, i: usize) -> bool {
        let old = (self.cursor, self.offset);
        self.cursor = i;
        self.keep_visible();
        old != (self.cursor, self.offset)
    }

    /// Handles a key: typing searches; the picker context of the keymap moves, opens and
    /// picks; Esc clears a search (and is otherwise left to the screen, to close the picker).
    pub fn handle_key(&mut self, ev: &KeyEvent, keymap: &Keymap) -> Handled<PickerEvent> {
        let key = Key::from_event(ev);
        let resolved = keymap.resolve(Context::Picker, ev);
        match resolved {
            Some((Context::Picker, cmd)) => return self.command(cmd),
            Some((Context::Global, "back")) => {
                return if self.set_query("") {
                    Handled::Changed
                } else {
                    Handled::Ignored
                };
            }
            _ => {}
        }
        match ev.code {
            KeyCode::Backspace => {
                let mut q = self.query.clone();
                q.pop();
                Handled::from_changed(self.set_query(&q))
            }
            KeyCode::Char(c) if key.is_printable() => {
                let q = format!("{}{c}", self.query);
                Handled::from_changed(self.set_query(&q))
            }
            _ if resolved.is_some() => Handled::Ignored,
            _ => Handled::Unchanged,
        }
    }

    fn command(&mut self, cmd: &str) -> Handled<PickerEvent> {
        let len = self.rows().len();
        let half = (self.page / 2).max(1);
        let changed = match cmd {
            "up" => self.move_to(self.cursor.saturating_sub(1)),
            "down" => self.move_to((self.cursor + 1).min(len.saturating_sub(1))),
            "half_page_down" => self.move_to((self.cursor + half).min(len.saturating_sub(1))),
            "half_page_up" => self.move_to(self.cursor.saturating_sub(half)),
            "expand" => match self.current().cloned() {
                Some(n) if !self.searching() && n.has_children => {
                    if self.set_expanded(&n, true) {
                        true
                    } else {
                        self.move_to(self.cursor + 1)
                    }
                }
                _ => false,
            },
            "collapse" => match self.current().cloned() {
                Some(n) if !self.searching() => {
                    if self.set_expanded(&n, false) {
                        true
                    } else {
                        // to the parent row
                        let depth = self.tree[self.cursor].depth;
                        match (0..self.cursor).rev().find(|&i| self.tree[i].depth < depth) {
                            Some(i) => self.move_to(i),
                            None => false,
                        }
                    }
                }
                _ => false,
            },
            "pick" => match self.current().cloned() {
                Some(n) if self.is_selectable(&n) => {
                    return Handled::Event(PickerEvent::Picked(n));
                }
                Some(n) if self.searching() => self.reveal(&n.code),
                Some(n) => {
                    let open = !self.expanded.contains(&(n.level, n.code.clone()));
                    self.set_expanded(&n, open)
                }
                None => false,
            },
            _ => return Handled::Ignored,
        };
        if changed {
            self.keep_visible();
        }
        Handled::from_changed(changed)
    }

    /// Draws the picker in a bordered box: the search line, the tree or the results, and a
    /// status line (which levels can be picked, position).
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.search_cursor = None;
        let frame = block(ui, &self.title, true);
        let inner = frame.inner(area);
        frame.render(area, buf);
        if inner.height < 3 || inner.width < 10 {
            return;
        }
        self.page = (inner.height - 2) as usize;
        self.keep_visible();

        // search line
        let label = ui.tr("picker.search");
        let x = put(
            buf,
            inner.x,
            inner.y,
            &label,
            inner.width,
            ui.style(Role::Muted),
        );
        let room = inner.right().saturating_sub(x);
        if self.query.is_empty() {
            put(
                buf,
                x,
                inner.y,
                &ui.tr("picker.search_hint"),
                room,
                ui.style(Role::Muted),
            );
            self.search_cursor = Some(Position::new(x, inner.y));
        } else {
            let end = put(
                buf,
                x,
                inner.y,
                &self.query,
                room,
                ui.style(Role::InputFocus),
            );
            self.search_cursor = Some(Position::new(end.min(inner.right() - 1), inner.y));
        }

        // rows
        let searching = self.searching();
        let rows = self.rows();
        let list_y = inner.y + 1;
        if rows.is_empty() {
            put(
                buf,
                inner.x,
                list_y,
                &ui.tr("picker.none"),
                inner.width,
                ui.style(Role::Muted),
            );
        }
        let end = (self.offset + self.page).min(rows.len());
        // search results line up their names after the widest code on screen
        let code_w = rows[self.offset.min(end)..end]
            .iter()
            .map(|r| cols(&r.node.code))
            .max()
            .unwrap_or(0);
        for (r, i) in (self.offset..end).enumerate() {
            let row = &rows[i];
            let y = list_y + r as u16;
            let is_cursor = i == self.cursor;
            let base = if is_cursor {
                ui.style(Role::Selection)
            } else {
                ui.style(Role::Text)
            };
            if is_cursor {
                buf.set_style(
                    Rect {
                        x: inner.x,
                        y,
                        width: inner.width,
                        height: 1,
                    },
                    base,
                );
            }
            let muted = if is_cursor {
                base
            } else {
                ui.style(Role::Muted)
            };
            let mut x = inner.x;
            let right = inner.right();
            if !searching {
                x += (row.depth * 2).min(inner.width / 2);
                let marker = if !row.node.has_children {
                    ui.symbols.leaf
                } else if self
                    .expanded
                    .contains(&(row.node.level, row.node.code.clone()))
                {
                    ui.symbols.expanded
                } else {
                    ui.symbols.collapsed
                };
                x = put(buf, x, y, marker, right.saturating_sub(x), base);
                x += 1;
            }
            let code = if searching {
                crate::display::pad(&row.node.code, code_w as usize)
            } else {
                row.node.code.clone()
            };
            x = put(buf, x, y, &code, right.saturating_sub(x), muted);
            x += 1;
            let name_style = if self.is_selectable(&row.node) {
                base
            } else {
                muted
            };
            x = put(
                buf,
                x,
                y,
                &row.node.name,
                right.saturating_sub(x),
                name_style,
            );
            if searching && !row.context.is_empty() && x + 2 < right {
                put(buf, x + 2, y, &row.context, right - x - 2, muted);
            }
        }

        // status line
        let y = inner.bottom() - 1;
        let levels = if self.selectable.is_empty() {
            ui.tr("picker.any_level")
        } else {
            self.selectable
                .iter()
                .map(|l| self.source.level_name(*l).get(ui.lang).to_string())
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let hint = trf(ui.lang, "picker.selectable", &[("levels", &levels)]);
        let pos = if rows.is_empty() {
            String::new()
        } else {
            format!("{}/{}", self.cursor + 1, rows.len())
        };
        let pos_w = cols(&pos);
        put(
            buf,
            inner.x,
            y,
            &hint,
            inner.width.saturating_sub(pos_w + 1),
            ui.style(Role::Muted),
        );
        if pos_w > 0 && pos_w < inner.width {
            put(
                buf,
                inner.right() - pos_w,
                y,
                &pos,
                pos_w,
                ui.style(Role::Muted),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Lang;
    use crate::tui::theme::Theme;
    use crate::tui::widgets::testing::{draw, key};

    fn regions() -> TreePicker {
        TreePicker::new(Box::new(RegionNodes::builtin()), "选择所在地区").selectable_levels(&[3])
    }

    fn type_str(p: &mut TreePicker, km: &Keymap, s: &str) {
        for c in s.chars() {
            p.handle_key(&key(KeyCode::Char(c)), km);
        }
    }

    #[test]
    fn initials_cover_heteronyms() {
        assert_eq!(match_initials(&initials("南山区"), "nsq"), Some(0));
        assert_eq!(match_initials(&initials("深圳市南山区"), "nsq"), Some(3));
        assert_eq!(match_initials(&initials("重庆市"), "cq"), Some(0));
        assert_eq!(match_initials(&initials("重庆市"), "zq"), Some(0));
        assert_eq!(match_initials(&initials("厦门市"), "xm"), Some(0));
        assert_eq!(match_initials(&initials("南山区"), "ns1"), None);
        assert_eq!(match_initials(&initials("南山区"), "nsqx"), None);
        assert_eq!(match_initials(&initials("ABC科技"), "abckj"), Some(0));
    }

    #[test]
    fn snapshot_zh_80x24_expanded_path_to_nanshan() {
        let ui = Ui::default();
        let mut p = regions();
        assert!(p.reveal("440305"));
        assert_eq!(p.current().map(|n| n.name.as_str()), Some("南山区"));
        let screen = draw(80, 24, |area, buf| p.render(area, buf, &ui));
        insta::assert_snapshot!(screen);
        assert!(
            screen.contains("广东省") && screen.contains("深圳市") && screen.contains("南山区")
        );
    }

    #[test]
    fn snapshot_zh_80x24_search_by_name() {
        let ui = Ui::default();
        let km = Keymap::defaults();
        let mut p = regions();
        type_str(&mut p, &km, "南山");
        let screen = draw(80, 24, |area, buf| p.render(area, buf, &ui));
        insta::assert_snapshot!(screen);
        assert!(screen.contains("440305 南山区  广东省 深圳市"), "{screen}");
    }

    #[test]
    fn snapshot_zh_80x24_search_by_code() {
        let ui = Ui::default();
        let km = Keymap::defaults();
        let mut p = regions();
        type_str(&mut p, &km, "4403");
        let screen = draw(80, 24, |area, buf| p.render(area, buf, &ui));
        insta::assert_snapshot!(screen);
        assert_eq!(p.current().map(|n| n.code.as_str()), Some("440300"));
        // the cursor sits after the typed text on the search line
        assert_eq!(p.cursor_position().map(|c| c.y), Some(1));
    }

    #[test]
    fn snapshot_en_120x40_industries_by_pinyin_ascii() {
        let ui = Ui::new(Theme::default(), true, Lang::En);
        let km = Keymap::defaults();
        let mut p = TreePicker::new(Box::new(IndustryNodes::builtin()), "Industry (GB/T 4754)")
            .selectable_levels(&[4]);
        type_str(&mut p, &km, "jcdl");
        let screen = draw(120, 40, |area, buf| p.render(area, buf, &ui));
        insta::assert_snapshot!(screen);
        assert!(screen.contains("集成电路"), "{screen}");
    }

    #[test]
    fn search_context_leaves_out_placeholders() {
        let km = Keymap::defaults();
        let mut p = regions();
        type_str(&mut p, &km, "海淀");
        assert_eq!(p.results[0].context, "北京市");
    }

    #[test]
    fn pinyin_search_finds_nanshan() {
        let km = Keymap::defaults();
        let mut p = regions();
        type_str(&mut p, &km, "nsq");
        let codes: Vec<&str> = p.results.iter().map(|r| r.node.code.as_str()).collect();
        assert!(codes.contains(&"440305"), "{codes:?}");
    }

    #[test]
    fn picks_only_allowed_levels() {
        let km = Keymap::defaults();
        let mut p = regions();
        // Enter on a province opens it instead of picking it
        assert_eq!(p.handle_key(&key(KeyCode::Enter), &km), Handled::Changed);
        assert_eq!(p.current().map(|n| n.code.as_str()), Some("110000"));
        assert!(p.tree.len() > 31);
        // search, then Enter on a prefecture shows it in the tree
        type_str(&mut p, &km, "深圳");
        assert_eq!(p.current().map(|n| n.code.as_str()), Some("440300"));
        assert_eq!(p.handle_key(&key(KeyCode::Enter), &km), Handled::Changed);
        assert_eq!(p.query(), "");
        assert_eq!(p.current().map(|n| n.code.as_str()), Some("440300"));
        // open it, go down to a county and pick it
        p.handle_key(&key(KeyCode::Right), &km);
        p.handle_key(&key(KeyCode::Right), &km);
        let picked = p.current().cloned().unwrap();
        assert_eq!(picked.level, 3);
        assert_eq!(
            p.handle_key(&key(KeyCode::Enter), &km),
            Handled::Event(PickerEvent::Picked(picked))
        );
        // Left goes to the parent, then closes it
        p.handle_key(&key(KeyCode::Left), &km);
        assert_eq!(p.current().map(|n| n.code.as_str()), Some("440300"));
        p.handle_key(&key(KeyCode::Left), &km);
        assert!(!p.tree.iter().any(|r| r.node.code == "440305"));
        // Esc clears a search first, then is left to the screen; `q` and `?` are typed
        type_str(&mut p, &km, "q?");
        assert_eq!(p.query(), "q?");
        assert_eq!(p.handle_key(&key(KeyCode::Esc), &km), Handled::Changed);
        assert_eq!(p.handle_key(&key(KeyCode::Esc), &km), Handled::Ignored);
    }

    #[test]
    fn dongguan_county_row_is_pickable() {
        let km = Keymap::defaults();
        let mut p = regions();
        type_str(&mut p, &km, "441900");
        let levels: Vec<u8> = p.results.iter().map(|r| r.node.level).collect();
        assert_eq!(levels, vec![2, 3]);
        p.handle_key(&key(KeyCode::Down), &km);
        assert!(matches!(
            p.handle_key(&key(KeyCode::Enter), &km),
            Handled::Event(PickerEvent::Picked(n)) if n.level == 3 && n.name == "东莞市"
        ));
    }
}
