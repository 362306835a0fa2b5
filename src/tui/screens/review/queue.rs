//! A review queue: the items of one kind at my level in my region.
//!
//! The rows come from the API a page at a time, by cursor ([`QueueRows`]): the table asks only
//! for the rows on screen, the next page is fetched before the cursor reaches the end of what is
//! loaded, and pages far from the view are dropped again (their cursors are kept, so coming back
//! costs one request). The size of the list comes from the filter counts, so the scroll bar and
//! `End` know the whole queue before it is loaded; rows still on their way show as loading.
//!
//! Filters: state, tier, level (mine or below), region (inside my scope) and text, with the
//! count each choice would show (the panel behind `f`/F8), plus `/` to type a text filter and
//! `s` to turn the order round. The screen stays on the stack while an item is open, so the
//! cursor and the filters are as they were when the user comes back; the opened row is
//! refreshed then.

use super::decide::{Decision, ReasonPanel, Target};
use super::{
    BulkScreen, ExportScreen, ItemDetail, QueueKind, conflict_text, datetime_of, is_back,
    level_label, levels_from, plain, score_text, state_label, tier_label,
};
use crate::client::ClientError;
use crate::domain::Lang;
use crate::domain::regions::Regions;
use crate::i18n::{tr, trf};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen, take};
use crate::tui::screens::{FormPanel, PanelEvent, date_of};
use crate::tui::theme::Role;
use crate::tui::widgets::dialog::Toast;
use crate::tui::widgets::form::{Field, Value as FieldValue};
use crate::tui::widgets::table::{Column, RowSource, Table, TableEvent};
use crate::tui::widgets::{Handled, block, centered, clear, put};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;
use std::collections::{BTreeMap, HashMap};

/// Rows per request (the API's largest page).
pub const PAGE: usize = 200;
/// Rows beyond the view that should already be loaded (the next page is fetched this early).
const AHEAD: usize = 100;
/// Pages kept on either side of the view; farther ones are dropped.
const KEEP_PAGES: usize = 3;

/// One row of a queue, as the API lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRow {
    pub id: String,
    pub version: i64,
    pub name: String,
    pub uscc: String,
    pub tier: String,
    pub state: String,
    pub level: Option<String>,
    pub region: String,
    /// `YYYY-MM-DD` (Beijing).
    pub submitted: String,
    /// `YYYY-MM-DD HH:MM` (Beijing): when it reached its state, the queue's order.
    pub updated: String,
    pub score: Option<f64>,
}

impl QueueRow {
    /// From a queue entry (or an item: the same field names).
    pub fn from_json(v: &Value) -> Option<QueueRow> {
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        Some(QueueRow {
            id: v["id"].as_str()?.to_string(),
            version: v["version"].as_i64()?,
            name: s("enterprise_name"),
            uscc: s("uscc"),
            tier: s("tier"),
            state: v["state"]["state"].as_str().unwrap_or_default().to_string(),
            level: v["state"]["level"].as_str().map(str::to_string),
            region: v["region_name"]
                .as_str()
                .map(str::to_string)
                .or_else(|| {
                    v["county_code"]
                        .as_str()
                        .and_then(|c| Regions::builtin().full_name(c))
                })
                .unwrap_or_default(),
            submitted: date_of(&v["submitted_at"]),
            updated: datetime_of(&v["updated_at"]),
            score: v["score"].as_f64(),
        })
    }

    /// Takes the changes of an item (after a decision or a reload): state, level, version,
    /// score, time. The region and names stay.
    pub fn update_from(&mut self, item: &Value) {
        if let Some(new) = QueueRow::from_json(item) {
            let region = std::mem::take(&mut self.region);
            *self = QueueRow {
                region: if new.region.is_empty() {
                    region
                } else {
                    new.region
                },
                ..new
            };
        }
    }

    /// The cells, in [`columns`] order.
    pub fn cells(&self, lang: Lang) -> Vec<String> {
        vec![
            self.name.clone(),
            self.uscc.clone(),
            tier_label(lang, &self.tier),
            self.region.clone(),
            self.submitted.clone(),
            state_label(lang, &self.state),
            score_text(self.score),
            self.level
                .as_deref()
                .map(|l| level_label(lang, l))
                .unwrap_or_else(|| "—".to_string()),
            self.updated.clone(),
        ]
    }
}

/// The column of the queue's order (the time an item reached its state).
pub const ORDER_COLUMN: usize = 8;

/// The queue's columns: what fits 80 columns first (name, state, tier, score, USCC, level,
/// submitted), the region and the time of the last change at 120 and more.
pub fn columns(lang: Lang) -> Vec<Column> {
    let t = |k: &str| tr(lang, &format!("review.col.{k}"));
    let widest = |labels: Vec<String>| {
        labels
            .iter()
            .map(|l| crate::display::width(l))
            .max()
            .unwrap_or(0) as u16
    };
    let tiers = widest(
        ["innovative", "specialized", "little_giant"]
            .iter()
            .map(|c| tier_label(lang, c))
            .collect(),
    );
    let states = widest(
        [
            "submitted",
            "in_review",
            "returned",
            "approved",
            "rejected",
            "withdrawn",
        ]
        .iter()
        .map(|c| state_label(lang, c))
        .collect(),
    );
    let levels = widest(
        ["county", "city", "province", "ministry"]
            .iter()
            .map(|c| level_label(lang, c))
            .collect(),
    );
    vec![
        Column::new(&t("name"), 16, 36).unsortable(),
        Column::new(&t("uscc"), 18, 18).priority(2).unsortable(),
        Column::new(&t("tier"), tiers, tiers)
            .priority(1)
            .unsortable(),
        Column::new(&t("region"), 10, 20).priority(4).unsortable(),
        Column::new(&t("submitted"), 10, 10)
            .priority(3)
            .unsortable(),
        Column::new(&t("state"), states, states).unsortable(),
        Column::new(&t("score"), 4, 5)
            .priority(1)
            .right()
            .unsortable(),
        Column::new(&t("level"), levels, levels)
            .priority(2)
            .unsortable(),
        Column::new(&t("updated"), 16, 16).priority(5),
    ]
}

/// The rows of a queue, loaded a page at a time.
#[derive(Debug, Clone)]
pub struct QueueRows {
    lang: Lang,
    /// The reviewer's own region as a path ("广东省 广州市 "): cut from the region cells.
    region_prefix: String,
    pages: BTreeMap<usize, Vec<QueueRow>>,
    /// The cursor that fetches page `k` (k ≥ 1), from the answer for page k − 1.
    cursors: HashMap<usize, String>,
    /// The size of the list from the counts.
    total: usize,
    /// The real size, once the last page was seen.
    end: Option<usize>,
}

impl QueueRows {
    pub fn new(lang: Lang) -> QueueRows {
        QueueRows {
            lang,
            region_prefix: String::new(),
            pages: BTreeMap::new(),
            cursors: HashMap::new(),
            total: 0,
            end: None,
        }
    }

    /// Shows regions below `code` (the reviewer's region) without its path.
    pub fn set_region(&mut self, code: Option<&str>) {
        self.region_prefix = code
            .and_then(|c| Regions::builtin().full_name(c))
            .map(|n| format!("{n} "))
            .unwrap_or_default();
    }

    /// Forgets every row (a new filter or order).
    pub fn reset(&mut self) {
        self.pages.clear();
        self.cursors.clear();
        self.total = 0;
        self.end = None;
    }

    /// The size of the list as counted by the API.
    pub fn set_total(&mut self, total: usize) {
        self.total = total;
    }

    /// Stores page `k` of the API's answer (`{items, next}`); returns the number of rows.
    pub fn apply_page(&mut self, k: usize, page: &Value) -> usize {
        let rows: Vec<QueueRow> = page["items"]
            .as_array()
            .map(|a| a.iter().filter_map(QueueRow::from_json).collect())
            .unwrap_or_default();
        let n = rows.len();
        match page["next"].as_str() {
            Some(next) => {
                self.cursors.insert(k + 1, next.to_string());
                if self.end.is_some_and(|e| e <= k * PAGE + n) {
                    self.end = None;
                }
            }
            None => self.end = Some(k * PAGE + n),
        }
        self.pages.insert(k, rows);
        n
    }

    /// The loaded row `i`.
    pub fn get(&self, i: usize) -> Option<&QueueRow> {
        self.pages.get(&(i / PAGE)).and_then(|p| p.get(i % PAGE))
    }

    /// The loaded row with this id.
    pub fn find_mut(&mut self, id: &str) -> Option<&mut QueueRow> {
        self.pages
            .values_mut()
            .flat_map(|p| p.iter_mut())
            .find(|r| r.id == id)
    }

    /// The loaded rows, in order.
    pub fn loaded(&self) -> impl Iterator<Item = &QueueRow> {
        self.pages.values().flat_map(|p| p.iter())
    }

    pub fn is_loaded(&self, i: usize) -> bool {
        self.get(i).is_some()
    }

    /// The next page to request so that rows `first..=last` (and a margin after them) are
    /// loaded, with the cursor that fetches it: the first missing page if its cursor is known,
    /// else the last known page before it (walking forward).
    pub fn next_fetch(&self, first: usize, last: usize) -> Option<(usize, Option<String>)> {
        if self.end == Some(0) {
            return None;
        }
        let len = self.len();
        let want_last = if len == 0 {
            0
        } else {
            (last + AHEAD).min(len - 1)
        };
        let from = first.min(want_last) / PAGE;
        let missing = (from..=want_last / PAGE).find(|k| !self.pages.contains_key(k))?;
        let cursor_of = |k: usize| -> Option<Option<String>> {
            if k == 0 {
                Some(None)
            } else {
                self.cursors.get(&k).map(|c| Some(c.clone()))
            }
        };
        (0..=missing)
            .rev()
            .find_map(|k| cursor_of(k).map(|c| (k, c)))
    }

    /// Drops pages far from rows `first..=last`.
    pub fn evict(&mut self, first: usize, last: usize) {
        let lo = (first / PAGE).saturating_sub(KEEP_PAGES);
        let hi = last / PAGE + KEEP_PAGES;
        self.pages.retain(|k, _| (lo..=hi).contains(k));
    }
}

impl RowSource for QueueRows {
    fn len(&self) -> usize {
        let loaded = self
            .pages
            .iter()
            .next_back()
            .map(|(k, p)| k * PAGE + p.len())
            .unwrap_or(0);
        match self.end {
            Some(e) => e,
            None => self.total.max(loaded),
        }
    }

    fn row(&self, i: usize) -> Vec<String> {
        match self.get(i) {
            Some(r) => {
                let mut cells = r.cells(self.lang);
                if !self.region_prefix.is_empty()
                    && let Some(rest) = cells[3].strip_prefix(&self.region_prefix)
                {
                    cells[3] = rest.to_string();
                }
                cells
            }
            None => vec![tr(self.lang, "review.loading_row")],
        }
    }

    fn key(&self, i: usize) -> String {
        self.get(i).map(|r| r.id.clone()).unwrap_or_default()
    }
}

/// Keys of the loaded rows only (select-all takes what is loaded, never placeholders).
struct LoadedKeys(Vec<String>);

impl RowSource for LoadedKeys {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn row(&self, _i: usize) -> Vec<String> {
        Vec::new()
    }
    fn key(&self, i: usize) -> String {
        self.0[i].clone()
    }
}

/// What the queue shows: the API's filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub kind: QueueKind,
    /// A tier code; None: every tier.
    pub tier: Option<String>,
    /// A state code; None: the work at the level (submitted and in review).
    pub state: Option<String>,
    /// A level code; None: my own.
    pub level: Option<String>,
    /// A region code inside my scope; None: all of it.
    pub region: Option<String>,
    pub text: String,
    pub newest_first: bool,
}

impl Filter {
    pub fn new(kind: QueueKind) -> Filter {
        Filter {
            kind,
            tier: None,
            state: None,
            level: None,
            region: None,
            text: String::new(),
            newest_first: false,
        }
    }

    /// The query string of `/review/queue` and `/review/counts`.
    pub fn query(&self) -> String {
        let mut q = vec![format!("kind={}", self.kind.code())];
        for (k, v) in [
            ("tier", &self.tier),
            ("state", &self.state),
            ("level", &self.level),
            ("region", &self.region),
        ] {
            if let Some(v) = v {
                q.push(format!("{k}={}", encode(v)));
            }
        }
        let text = self.text.trim();
        if !text.is_empty() {
            q.push(format!("text={}", encode(text)));
        }
        if self.newest_first {
            q.push("sort=newest_first".to_string());
        }
        q.join("&")
    }
}

/// Percent-encodes a query value (UTF-8 bytes; unreserved characters kept).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The filter panel: every filter with the count each choice would show.
struct FilterPanel {
    panel: FormPanel,
    /// The counts for the panel's current choices (`/review/counts`).
    counts: Option<Value>,
    /// Totals per level for the current choices.
    level_totals: Vec<(String, i64)>,
    levels: Vec<&'static str>,
    regions: Vec<(String, String)>,
    cursor: Option<Position>,
}

impl FilterPanel {
    fn new(ui: &Ui, account: &Account, filter: &Filter, counts: Option<Value>) -> FilterPanel {
        let own = account.level.clone().unwrap_or_else(|| "county".into());
        let mut p = FilterPanel {
            panel: FormPanel::new(
                &ui.tr("review.filters.title"),
                vec![ui.tr("review.filters.intro")],
                Vec::new(),
            ),
            counts,
            level_totals: Vec::new(),
            levels: levels_from(&own),
            regions: region_options(account),
            cursor: None,
        };
        p.rebuild(ui, filter);
        p
    }

    /// The filter as chosen in the panel.
    fn chosen(&self, base: &Filter) -> Filter {
        let v = |id: &str| match self.panel.form.value(id) {
            Some(FieldValue::Text(t)) if !t.is_empty() && t != ALL => Some(t),
            _ => None,
        };
        Filter {
            tier: v("tier"),
            state: v("state"),
            level: v("level"),
            region: v("region"),
            text: v("text").unwrap_or_default().trim().to_string(),
            ..base.clone()
        }
    }

    /// Builds the fields for `filter` with the counts known now (the focus stays).
    fn rebuild(&mut self, ui: &Ui, filter: &Filter) {
        let focus = self.panel.form.focused().map(str::to_string);
        let lang = ui.lang;
        let count = |list: &str, key: &str, code: &str| -> String {
            self.counts
                .as_ref()
                .and_then(|c| c[list].as_array())
                .and_then(|a| a.iter().find(|e| e[key] == code))
                .and_then(|e| e["count"].as_i64())
                .map(|n| format!("（{n}）"))
                .unwrap_or_default()
        };
        let with_count = |label: String, n: String| format!("{label}{n}");
        // state: the work at the level (the default), then each state
        let at_level = self
            .counts
            .as_ref()
            .map(|c| {
                ["submitted", "in_review"]
                    .iter()
                    .filter_map(|s| {
                        c["by_state"]
                            .as_array()
                            .and_then(|a| a.iter().find(|e| e["state"] == *s))
                            .and_then(|e| e["count"].as_i64())
                    })
                    .sum::<i64>()
            })
            .map(|n| format!("（{n}）"))
            .unwrap_or_default();
        let mut states: Vec<(String, String)> = vec![(
            ALL.into(),
            with_count(tr(lang, "review.filter.at_level"), at_level),
        )];
        for s in [
            "submitted",
            "in_review",
            "returned",
            "approved",
            "rejected",
            "withdrawn",
        ] {
            states.push((
                s.into(),
                with_count(state_label(lang, s), count("by_state", "state", s)),
            ));
        }
        let tier_total = self
            .counts
            .as_ref()
            .and_then(|c| c["by_tier"].as_array())
            .map(|a| a.iter().filter_map(|e| e["count"].as_i64()).sum::<i64>())
            .map(|n| format!("（{n}）"))
            .unwrap_or_default();
        let mut tiers: Vec<(String, String)> = vec![(
            ALL.into(),
            with_count(tr(lang, "review.filter.all_tiers"), tier_total),
        )];
        for t in ["innovative", "specialized", "little_giant"] {
            tiers.push((
                t.into(),
                with_count(tier_label(lang, t), count("by_tier", "tier", t)),
            ));
        }
        let levels: Vec<(String, String)> = self
            .levels
            .iter()
            .map(|l| {
                let n = self
                    .level_totals
                    .iter()
                    .find(|(c, _)| c == l)
                    .map(|(_, n)| format!("（{n}）"))
                    .unwrap_or_default();
                (l.to_string(), with_count(level_label(lang, l), n))
            })
            .collect();
        let mut regions = vec![(ALL.to_string(), tr(lang, "review.filter.all_regions"))];
        regions.extend(self.regions.iter().cloned());
        let opts = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
        let field = |id: &str, label: &str, options: Vec<(String, String)>, value: &str| {
            let refs: Vec<(&str, &str)> = options
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            Field::choice(id, label, &refs).with_value(value)
        };
        let fields = vec![
            field(
                "state",
                &tr(lang, "review.filter.state"),
                opts(&states),
                filter.state.as_deref().unwrap_or(ALL),
            ),
            field(
                "tier",
                &tr(lang, "review.filter.tier"),
                opts(&tiers),
                filter.tier.as_deref().unwrap_or(ALL),
            ),
            field(
                "level",
                &tr(lang, "review.filter.level"),
                levels,
                filter.level.as_deref().unwrap_or(self.levels[0]),
            ),
            field(
                "region",
                &tr(lang, "review.filter.region"),
                regions,
                filter.region.as_deref().unwrap_or(ALL),
            ),
            Field::text("text", &tr(lang, "review.filter.text"))
                .with_placeholder(&tr(lang, "review.filter.text_hint"))
                .with_value(&filter.text),
        ];
        let errors: Vec<(String, String)> = self
            .panel
            .form
            .fields()
            .iter()
            .filter_map(|f| f.error.clone().map(|e| (f.id.clone(), e)))
            .collect();
        self.panel.form = crate::tui::widgets::form::Form::new(fields);
        for (id, e) in &errors {
            self.panel.form.set_error(id, Some(e));
        }
        if let Some(f) = focus {
            self.panel.form.focus(&f);
        }
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let width = area.width.min(72);
        let intro: usize = self
            .panel
            .intro
            .iter()
            .map(|p| crate::display::wrap(p, width.saturating_sub(4).max(2) as usize).len())
            .sum();
        // borders, intro and a gap, five fields, a gap and a status line
        let rect = centered(area, width, (intro + 5 + 5) as u16);
        clear(buf, rect, ui.style(Role::Text));
        self.panel.render(rect, buf, ui);
        self.cursor = self.panel.cursor();
    }
}

/// The "everything" value of a filter choice.
const ALL: &str = "*";

/// The regions a staff member can narrow the queue to: the divisions one level below their own
/// region that fall under the same certifying authority (a province's cities without its
/// 计划单列市; a city's districts); a county has none. Ministry staff: the provinces.
fn region_options(account: &Account) -> Vec<(String, String)> {
    let regions = Regions::builtin();
    let Some(code) = account.region_code.as_deref() else {
        return regions
            .provinces()
            .iter()
            .map(|r| (r.code.clone(), r.name.clone()))
            .collect();
    };
    let authority = regions.authority(code).map(|a| a.code);
    regions
        .children(code)
        .into_iter()
        .filter(|r| !r.is_placeholder())
        .filter(|r| regions.authority(&r.code).map(|a| a.code) == authority)
        .map(|r| (r.code.clone(), r.name.clone()))
        .collect()
}

/// The export format popup.
struct ExportPanel {
    panel: FormPanel,
    cursor: Option<Position>,
}

/// What is over the table.
enum Overlay {
    None,
    Filters(Box<FilterPanel>),
    Decide(Box<ReasonPanel>),
    Export(Box<ExportPanel>),
}

/// A review queue of one kind.
pub struct QueueScreen {
    account: Account,
    filter: Filter,
    table: Table,
    rows: QueueRows,
    counts: Option<Value>,
    /// The page being fetched.
    in_flight: Option<usize>,
    /// The row opened in the detail (refreshed on return).
    opened: Option<String>,
    /// Where the cursor should go once the rows are back (after a reload).
    restore: Option<usize>,
    /// Selected items: id → (version, name), for bulk decisions.
    picked: HashMap<String, Target>,
    overlay: Overlay,
    /// A reason typed and left with Esc: offered again for the same decision and items.
    stash: Option<Box<ReasonPanel>>,
    /// A bulk decision ran: reload when back.
    after_bulk: bool,
    failed: Option<String>,
}

impl QueueScreen {
    pub fn new(ui: &Ui, account: &Account, kind: QueueKind) -> QueueScreen {
        let mut table = Table::new(columns(ui.lang)).with_multi_select();
        table.sort_by(ORDER_COLUMN);
        QueueScreen {
            account: account.clone(),
            filter: Filter::new(kind),
            table,
            rows: {
                let mut r = QueueRows::new(ui.lang);
                r.set_region(account.region_code.as_deref());
                r
            },
            counts: None,
            in_flight: None,
            opened: None,
            restore: None,
            picked: HashMap::new(),
            overlay: Overlay::None,
            stash: None,
            after_bulk: false,
            failed: None,
        }
    }

    /// The rows (benchmarks and tests fill them directly).
    pub fn rows_mut(&mut self) -> &mut QueueRows {
        &mut self.rows
    }

    pub fn table_mut(&mut self) -> &mut Table {
        &mut self.table
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Starts over with the current filter: counts and the first page.
    fn reload(&mut self, cx: &mut Ctx, keep_cursor: bool) {
        self.restore = keep_cursor.then_some(self.table.cursor());
        self.rows.reset();
        if !keep_cursor {
            self.table.set_cursor(0, 0);
        }
        self.failed = None;
        self.load_counts(cx);
        self.in_flight = Some(0);
        let q = self.filter.query();
        cx.spawn("page", move |c| async move {
            let page = c.queue(&format!("{q}&limit={PAGE}")).await?;
            Ok((0usize, page))
        });
    }

    fn load_counts(&mut self, cx: &mut Ctx) {
        let q = self.filter.query();
        cx.spawn("counts", move |c| async move { c.queue_counts(&q).await });
    }

    /// Requests the next page the view needs, if none is on its way.
    fn ensure(&mut self, cx: &mut Ctx) {
        if self.in_flight.is_some() {
            return;
        }
        let first = self.table.offset();
        let last = first + self.table.page().max(1) - 1;
        let target = self.restore.unwrap_or(last).max(last);
        self.rows.evict(first.min(target), target);
        let Some((k, cursor)) = self.rows.next_fetch(first, target) else {
            return;
        };
        self.in_flight = Some(k);
        let q = self.filter.query();
        cx.spawn("page", move |c| async move {
            let mut query = format!("{q}&limit={PAGE}");
            if let Some(cur) = cursor {
                query.push_str(&format!("&cursor={}", encode(&cur)));
            }
            let page = c.queue(&query).await?;
            Ok((k, page))
        });
    }

    fn cursor_row(&self) -> Option<&QueueRow> {
        self.rows.get(self.table.cursor())
    }

    /// Keeps the picked map in step with the table's selection.
    fn sync_picked(&mut self) {
        let selected = self.table.selected().clone();
        self.picked.retain(|id, _| selected.contains(id));
        for id in &selected {
            if !self.picked.contains_key(id)
                && let Some(r) = self.rows.loaded().find(|r| &r.id == id)
            {
                self.picked.insert(
                    id.clone(),
                    Target {
                        id: r.id.clone(),
                        version: r.version,
                        name: r.name.clone(),
                    },
                );
            }
        }
    }

    fn open_decision(&mut self, decision: Decision, cx: &mut Ctx) -> Handled {
        let targets: Vec<Target> = if self.picked.is_empty() {
            match self.cursor_row() {
                Some(r) => vec![Target {
                    id: r.id.clone(),
                    version: r.version,
                    name: r.name.clone(),
                }],
                None => return Handled::Unchanged,
            }
        } else {
            if decision == Decision::Reject {
                cx.info(&cx.tr("review.bulk.no_reject"));
                return Handled::Changed;
            }
            let mut t: Vec<Target> = self.picked.values().cloned().collect();
            t.sort_by(|a, b| a.id.cmp(&b.id));
            t
        };
        if let Some(p) = self.stash.take()
            && p.decision == decision
            && p.targets == targets
        {
            self.overlay = Overlay::Decide(p);
            return Handled::Changed;
        }
        let panel = ReasonPanel::new(cx.ui, decision, targets);
        let code = decision.code();
        cx.spawn("templates", move |c| async move {
            c.reason_templates(Some(code)).await
        });
        self.overlay = Overlay::Decide(Box::new(panel));
        Handled::Changed
    }

    fn submit_decision(&mut self, cx: &mut Ctx) {
        let Overlay::Decide(panel) = &mut self.overlay else {
            return;
        };
        let Some(text) = panel.begin(cx.ui) else {
            return;
        };
        let decision = panel.decision;
        if panel.targets.len() > 1 {
            // the first few from here: a refusal of the request itself (the reason) shows
            // under the field; the bulk screen goes on with the rest
            let first: Vec<(String, i64)> = panel
                .targets
                .iter()
                .take(super::bulk::CHUNK)
                .map(|t| (t.id.clone(), t.version))
                .collect();
            let body = match decision {
                Decision::Pass => serde_json::json!({"decision": "pass"}),
                d => serde_json::json!({"decision": d.code(), "reason": text}),
            };
            cx.spawn("bulk_first", move |c| async move {
                c.bulk_decide(&first, &body).await
            });
            return;
        }
        let Some(t) = panel.targets.first().cloned() else {
            return;
        };
        cx.spawn("decide", move |c| async move {
            let text = (!text.is_empty()).then_some(text);
            c.decide(&t.id, t.version, decision.code(), text.as_deref())
                .await
        });
    }

    fn refresh_row(&mut self, id: String, cx: &mut Ctx) {
        cx.spawn("row", move |c| async move {
            c.review_item(&id).await.map(|t| t.value)
        });
    }

    fn open_filters(&mut self, cx: &mut Ctx) {
        let panel = FilterPanel::new(cx.ui, &self.account, &self.filter, self.counts.clone());
        self.overlay = Overlay::Filters(Box::new(panel));
        self.panel_counts(cx);
    }

    /// Counts for the choices in the filter panel (per state and tier, and per level).
    fn panel_counts(&mut self, cx: &mut Ctx) {
        let Overlay::Filters(p) = &self.overlay else {
            return;
        };
        let f = p.chosen(&self.filter);
        let levels = p.levels.clone();
        let q = f.query();
        cx.spawn(
            "panel_counts",
            move |c| async move { c.queue_counts(&q).await },
        );
        cx.spawn("panel_levels", move |c| async move {
            let mut out = Vec::new();
            for l in levels {
                let g = Filter {
                    level: Some(l.to_string()),
                    ..f.clone()
                };
                let v = c.queue_counts(&g.query()).await?;
                out.push((l.to_string(), v["total"].as_i64().unwrap_or(0)));
            }
            Ok(out)
        });
    }

    fn open_export(&mut self, cx: &mut Ctx) {
        let fields = vec![
            Field::choice(
                "format",
                &cx.tr("review.export.format"),
                &[("csv", "CSV"), ("xlsx", "XLSX (Excel)")],
            )
            .with_value("csv"),
        ];
        let dir = super::save_dir(cx.session);
        let intro = vec![
            trf(
                cx.lang(),
                "review.export.intro",
                &[("n", &self.rows.len().to_string())],
            ),
            trf(
                cx.lang(),
                "review.export.where",
                &[("dir", &dir.display().to_string())],
            ),
        ];
        self.overlay = Overlay::Export(Box::new(ExportPanel {
            panel: FormPanel::new(&cx.tr("review.export.title"), intro, fields),
            cursor: None,
        }));
    }

    fn filter_bar(&self, ui: &Ui) -> String {
        let lang = ui.lang;
        let state = match &self.filter.state {
            None => tr(lang, "review.filter.at_level"),
            Some(s) => state_label(lang, s),
        };
        let tier = match &self.filter.tier {
            None => tr(lang, "review.filter.all_tiers"),
            Some(t) => tier_label(lang, t),
        };
        let own = self.account.level.clone().unwrap_or_default();
        let level = level_label(lang, self.filter.level.as_deref().unwrap_or(&own));
        let region = match &self.filter.region {
            None => tr(lang, "review.filter.all_regions"),
            Some(r) => Regions::builtin()
                .get(r)
                .map(|r| r.name.clone())
                .unwrap_or_else(|| r.clone()),
        };
        let order = tr(
            lang,
            if self.filter.newest_first {
                "review.order.newest"
            } else {
                "review.order.oldest"
            },
        );
        let total = self
            .counts
            .as_ref()
            .and_then(|c| c["total"].as_i64())
            .map(|n| trf(lang, "review.filter.total", &[("n", &n.to_string())]));
        let mut parts = vec![state, tier, level, region, order];
        if let Some(t) = total {
            parts.insert(0, t);
        }
        parts.join(" · ")
    }
}

impl Screen for QueueScreen {
    fn title(&self, ui: &Ui) -> String {
        ui.tr(self.filter.kind.title_key())
    }

    fn context(&self) -> Context {
        match &self.overlay {
            Overlay::None if self.table.is_filtering() => Context::Form,
            Overlay::None => Context::List,
            _ => Context::Form,
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        match &self.overlay {
            Overlay::Decide(p) => p.hints(keymap),
            Overlay::Filters(p) => p.panel.hints(keymap),
            Overlay::Export(p) => p.panel.hints(keymap),
            Overlay::None => keymap.hints_for(
                Context::List,
                &[
                    "open",
                    "pass",
                    "return",
                    "reject",
                    "toggle_select",
                    "filters",
                    "filter",
                    "sort",
                    "export",
                    "refresh",
                ],
            ),
        }
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.reload(cx, false);
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        if std::mem::take(&mut self.after_bulk) {
            self.reload(cx, true);
            return;
        }
        if let Some(id) = self.opened.take() {
            self.refresh_row(id, cx);
            self.load_counts(cx);
        }
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        let esc = is_back(ev, cx.keymap);
        match &mut self.overlay {
            Overlay::Decide(p) => {
                if esc {
                    if let Overlay::Decide(p) = std::mem::replace(&mut self.overlay, Overlay::None)
                        && p.has_text()
                    {
                        self.stash = Some(p);
                    }
                    return Handled::Changed;
                }
                return match p.key(ev, cx.keymap) {
                    Handled::Event(PanelEvent::Submit) => {
                        self.submit_decision(cx);
                        Handled::Changed
                    }
                    Handled::Event(PanelEvent::SaveDraft) => Handled::Unchanged,
                    Handled::Ignored => Handled::Unchanged,
                    h => plain(h),
                };
            }
            Overlay::Filters(p) => {
                if esc {
                    self.overlay = Overlay::None;
                    return Handled::Changed;
                }
                let before = p.chosen(&self.filter);
                let h = p.panel.key(ev, cx.keymap);
                if let Handled::Event(PanelEvent::Submit) = h {
                    let chosen = p.chosen(&self.filter);
                    self.overlay = Overlay::None;
                    if chosen != self.filter {
                        self.table.set_filter(&chosen.text);
                        self.filter = chosen;
                        self.table.clear_selection();
                        self.picked.clear();
                        self.reload(cx, false);
                    }
                    return Handled::Changed;
                }
                if p.chosen(&self.filter) != before {
                    self.panel_counts(cx);
                }
                return match h {
                    Handled::Ignored => Handled::Unchanged,
                    h => plain(h),
                };
            }
            Overlay::Export(p) => {
                if esc {
                    self.overlay = Overlay::None;
                    return Handled::Changed;
                }
                return match p.panel.key(ev, cx.keymap) {
                    Handled::Event(PanelEvent::Submit) => {
                        let format = match p.panel.form.value("format") {
                            Some(FieldValue::Text(f)) if f == "xlsx" => super::export::Format::Xlsx,
                            _ => super::export::Format::Csv,
                        };
                        self.overlay = Overlay::None;
                        let title = cx.tr(self.filter.kind.title_key());
                        let bar = self.filter_bar(cx.ui);
                        let dir = super::save_dir(cx.session);
                        cx.push(ExportScreen::new(
                            cx.ui,
                            &title,
                            &bar,
                            self.filter.query(),
                            self.rows.len(),
                            format,
                            dir,
                        ));
                        Handled::Changed
                    }
                    Handled::Ignored => Handled::Unchanged,
                    h => plain(h),
                };
            }
            Overlay::None => {}
        }
        let cmd = if self.table.is_filtering() {
            None
        } else {
            cx.keymap
                .resolve(Context::List, ev)
                .filter(|(c, _)| *c == Context::List)
                .map(|(_, c)| c)
        };
        match cmd {
            Some(c @ ("pass" | "return" | "reject")) => {
                let d = Decision::from_command(c).expect("a decision command");
                return self.open_decision(d, cx);
            }
            Some("filters") => {
                self.open_filters(cx);
                return Handled::Changed;
            }
            Some("export") => {
                self.open_export(cx);
                return Handled::Changed;
            }
            Some("refresh") => {
                self.reload(cx, true);
                return Handled::Changed;
            }
            Some("sort") => {
                self.table.sort_by(ORDER_COLUMN);
                self.filter.newest_first = !self.filter.newest_first;
                self.reload(cx, false);
                return Handled::Changed;
            }
            Some("select_all") => {
                let keys: Vec<String> = self.rows.loaded().map(|r| r.id.clone()).collect();
                let changed = self.table.toggle_select_all(&LoadedKeys(keys));
                self.sync_picked();
                if !self.picked.is_empty() && self.picked.len() < self.rows.len() {
                    cx.info(&trf(
                        cx.lang(),
                        "review.select.loaded_only",
                        &[
                            ("n", &self.picked.len().to_string()),
                            ("total", &self.rows.len().to_string()),
                        ],
                    ));
                }
                return Handled::from_changed(changed);
            }
            Some("toggle_select") if !self.rows.is_loaded(self.table.cursor()) => {
                return Handled::Unchanged;
            }
            _ => {}
        }
        let h = self.table.handle_key(ev, cx.keymap, &self.rows);
        self.sync_picked();
        let out = match h {
            Handled::Event(TableEvent::Open(i)) => {
                if let Some(r) = self.rows.get(i) {
                    self.opened = Some(r.id.clone());
                    cx.push(ItemDetail::new(cx.ui, &r.id, &r.name));
                }
                Handled::Changed
            }
            Handled::Event(TableEvent::FilterChanged(text)) => {
                self.filter.text = text;
                self.reload(cx, false);
                Handled::Changed
            }
            Handled::Event(TableEvent::SortChanged(_)) => Handled::Changed,
            h => plain(h),
        };
        self.ensure(cx);
        out
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        match &mut self.overlay {
            Overlay::Decide(p) => p.paste(text),
            Overlay::Filters(p) => p.panel.paste(text),
            _ => false,
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "page" => {
                let Some((k, page)) = take::<(usize, Value)>(value) else {
                    return false;
                };
                self.in_flight = None;
                self.rows.apply_page(k, &page);
                if let Some(c) = self.restore
                    && (self.rows.is_loaded(c) || self.rows.len() <= c)
                {
                    self.restore = None;
                    self.table.set_cursor(c, self.rows.len());
                }
                self.ensure(cx);
                true
            }
            "counts" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                self.rows
                    .set_total(v["total"].as_u64().unwrap_or(0) as usize);
                self.counts = Some(v);
                self.ensure(cx);
                true
            }
            "panel_counts" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                if let Overlay::Filters(p) = &mut self.overlay {
                    let f = p.chosen(&self.filter);
                    p.counts = Some(v);
                    p.rebuild(cx.ui, &f);
                }
                true
            }
            "panel_levels" => {
                let Some(v) = take::<Vec<(String, i64)>>(value) else {
                    return false;
                };
                if let Overlay::Filters(p) = &mut self.overlay {
                    let f = p.chosen(&self.filter);
                    p.level_totals = v;
                    p.rebuild(cx.ui, &f);
                }
                true
            }
            "templates" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                if let Overlay::Decide(p) = &mut self.overlay {
                    p.set_templates(cx.ui, &v);
                }
                true
            }
            "decide" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                let Overlay::Decide(p) = &self.overlay else {
                    return false;
                };
                let decision = p.decision;
                let name = p
                    .targets
                    .first()
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                self.overlay = Overlay::None;
                let item = &v["item"];
                if let Some(id) = item["id"].as_str()
                    && let Some(row) = self.rows.find_mut(id)
                {
                    row.update_from(item);
                }
                cx.success(&trf(
                    cx.lang(),
                    &format!("review.decided.{}", decision.code()),
                    &[
                        ("name", &name),
                        ("state", &super::state_text(cx.lang(), &item["state"])),
                    ],
                ));
                self.load_counts(cx);
                true
            }
            "bulk_first" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                let Overlay::Decide(p) = std::mem::replace(&mut self.overlay, Overlay::None) else {
                    return false;
                };
                let text = p.last_text().unwrap_or_default();
                self.table.clear_selection();
                self.picked.clear();
                self.after_bulk = true;
                cx.push(
                    BulkScreen::new(cx.ui, p.targets.clone(), p.decision, text)
                        .with_first(cx.ui, &v),
                );
                true
            }
            "row" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                let item = &v["item"];
                if let Some(id) = item["id"].as_str()
                    && let Some(row) = self.rows.find_mut(id)
                {
                    row.update_from(item);
                    return true;
                }
                false
            }
            _ => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        match kind {
            "bulk_first" => {
                if let Overlay::Decide(p) = &mut self.overlay {
                    p.show_error(cx.ui, &error);
                } else {
                    cx.error(&error);
                }
                true
            }
            "decide" => {
                let Overlay::Decide(p) = &mut self.overlay else {
                    cx.error(&error);
                    return true;
                };
                let name = p
                    .targets
                    .first()
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                if let Some(text) = conflict_text(cx.lang(), &error, &name) {
                    let id = p.targets.first().map(|t| t.id.clone());
                    self.overlay = Overlay::None;
                    cx.toast = Some(Toast::error(&text));
                    if let Some(id) = id {
                        self.refresh_row(id, cx);
                    }
                    self.load_counts(cx);
                } else {
                    p.show_error(cx.ui, &error);
                }
                true
            }
            "page" => {
                self.in_flight = None;
                self.failed = Some(crate::tui::screen::error_text(cx.lang(), &error));
                if let Overlay::Filters(_) = self.overlay {
                    return true;
                }
                // a refused filter (e.g. a region outside my scope): the message says which
                cx.error(&error);
                true
            }
            "templates" => false,
            "panel_counts" | "panel_levels" => {
                if let Overlay::Filters(p) = &mut self.overlay {
                    p.panel.show_error(cx.ui, &error);
                    return true;
                }
                false
            }
            _ => {
                cx.error(&error);
                true
            }
        }
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        if area.height < 4 {
            return;
        }
        let bar = Rect { height: 1, ..area };
        put(
            buf,
            bar.x + 1,
            bar.y,
            &self.filter_bar(ui),
            bar.width.saturating_sub(2),
            ui.style(Role::Info),
        );
        let rest = Rect {
            y: area.y + 1,
            height: area.height - 1,
            ..area
        };
        let title = ui.tr(self.filter.kind.title_key());
        let b = block(ui, &title, matches!(self.overlay, Overlay::None));
        let inner = b.inner(rest);
        b.render(rest, buf);
        if let Some(msg) = &self.failed
            && self.rows.is_empty()
        {
            put(
                buf,
                inner.x + 1,
                inner.y + 1,
                msg,
                inner.width.saturating_sub(2),
                ui.style(Role::Error),
            );
        }
        self.table.render(inner, buf, ui, &self.rows);
        match &mut self.overlay {
            Overlay::None => {}
            Overlay::Decide(p) => p.render(area, buf, ui),
            Overlay::Filters(p) => p.render(area, buf, ui),
            Overlay::Export(p) => {
                let width = area.width.min(64);
                let intro: usize = p
                    .panel
                    .intro
                    .iter()
                    .map(|t| crate::display::wrap(t, width.saturating_sub(4).max(2) as usize).len())
                    .sum();
                let rect = centered(area, width, (intro + 1 + 6) as u16);
                clear(buf, rect, ui.style(Role::Text));
                p.panel.render(rect, buf, ui);
                p.cursor = p.panel.cursor();
            }
        }
    }

    fn cursor(&self) -> Option<Position> {
        match &self.overlay {
            Overlay::None => self.table.cursor_position(),
            Overlay::Decide(p) => p.cursor(),
            Overlay::Filters(p) => p.cursor,
            Overlay::Export(p) => p.cursor,
        }
    }

    fn has_unsaved(&self) -> bool {
        matches!(&self.overlay, Overlay::Decide(p) if p.has_text())
            || self.stash.as_ref().is_some_and(|p| p.has_text())
    }
}
