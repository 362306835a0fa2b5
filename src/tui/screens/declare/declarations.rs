//! 企业申报信息: the enterprise's declarations (status and 当前处理层级), a new declaration
//! from an open window, and the detail with the stored score, the evidence and the history,
//! from which the enterprise edits, withdraws (撤回, 撤回修改 with the closed-window warning),
//! resubmits after a return, deletes a draft and exports the 申请书 to a file.

use super::drafts::DraftStore;
use super::evidence::EvidenceScreen;
use super::form::DeclarationForm;
use super::render_placeholder;
use super::score::{ScorePanel, Scorer};
use super::{
    MapUnit, Pending, history_lines, latest_reason, level_label, render_message, render_page,
    state_of, tier_label, time_of,
};
use crate::client::{ClientError, Tagged};
use crate::domain::rules::Breakdown;
use crate::domain::workflow::{OfferedAction, OwnerAction, State};
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::screens::date_of;
use crate::tui::theme::Role;
use crate::tui::widgets::detail::Detail;
use crate::tui::widgets::dialog::Confirm;
use crate::tui::widgets::progress::format_bytes;
use crate::tui::widgets::table::{Column, Table, TableEvent, VecSource};
use crate::tui::widgets::{Handled, block};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;
use std::path::PathBuf;

/// The key of a declaration's local draft.
pub fn draft_key(id: &str) -> String {
    format!("declaration-{id}")
}

// ---------------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------------

/// 企业申报信息: every declaration of the enterprise, most recently changed first.
pub struct DeclarationList {
    table: Table,
    source: VecSource,
    items: Vec<Value>,
    loaded: bool,
    error: Option<String>,
}

impl DeclarationList {
    pub fn new(ui: &Ui) -> DeclarationList {
        DeclarationList {
            table: Table::new(vec![
                Column::new(&ui.tr("declare.col.tier"), 14, 26),
                Column::new(&ui.tr("declare.col.batch"), 6, 8).priority(2),
                Column::new(&ui.tr("declare.col.state"), 10, 22),
                Column::new(&ui.tr("declare.col.level"), 6, 12).priority(1),
                Column::new(&ui.tr("declare.col.score"), 5, 8)
                    .right()
                    .priority(2),
                Column::new(&ui.tr("declare.col.updated"), 10, 10).priority(3),
            ]),
            source: VecSource::default(),
            items: Vec::new(),
            loaded: false,
            error: None,
        }
    }

    fn load(&self, cx: &mut Ctx) {
        cx.spawn("list", |c| async move { c.declarations("limit=100").await });
    }

    fn open_selected(&self, cx: &mut Ctx) {
        if let Some(id) = self.selected_id() {
            cx.push(DeclarationDetail::new(cx.ui, &id));
        }
    }

    fn selected_id(&self) -> Option<String> {
        use crate::tui::widgets::table::RowSource;
        if self.source.is_empty() {
            return None;
        }
        let key = self.source.key(self.table.cursor());
        self.items
            .get(key.parse::<usize>().ok()?)
            .and_then(|d| d["id"].as_str())
            .map(str::to_string)
    }
}

impl Screen for DeclarationList {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("declare.list.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        keymap.hints_for(Context::List, &["open", "new", "down", "up", "filter"])
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if !self.table.is_filtering()
            && let Some((_, "new")) = cx.keymap.resolve(Context::List, ev)
        {
            cx.push(NewDeclaration::new(cx.ui));
            return Handled::Changed;
        }
        match self.table.handle_key(ev, cx.keymap, &self.source) {
            Handled::Event(TableEvent::Open(_)) => {
                self.open_selected(cx);
                Handled::Unchanged
            }
            Handled::Event(TableEvent::FilterChanged(f)) => {
                self.source.apply(self.table.sort(), &f);
                Handled::Changed
            }
            Handled::Event(TableEvent::SortChanged(s)) => {
                self.source.apply(s, self.table.filter());
                Handled::Changed
            }
            other => other.map_unit(),
        }
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        let drafts = DraftStore::of(cx.session);
        self.items = v["items"].as_array().cloned().unwrap_or_default();
        let ui = cx.ui;
        let rows = self
            .items
            .iter()
            .map(|d| {
                let local = drafts
                    .as_ref()
                    .and_then(|s| s.load(&draft_key(d["id"].as_str().unwrap_or_default())))
                    .is_some_and(|d| d.pending);
                let mut state = crate::tui::screens::text_of(ui, &d["state_name"]);
                if local {
                    // typed while the server was away, not on the server yet
                    state = format!("{state} · {}", ui.tr("declare.list.local_draft"));
                }
                vec![
                    crate::tui::screens::text_of(ui, &d["tier_name"]),
                    d["batch"]
                        .as_i64()
                        .map(|b| b.to_string())
                        .unwrap_or_default(),
                    state,
                    level_label(ui, &d["level"]),
                    d["score"]
                        .as_f64()
                        .map(super::score::points)
                        .unwrap_or_default(),
                    date_of(&d["updated_at"]),
                ]
            })
            .collect();
        self.source = VecSource::new(rows);
        self.source.apply(self.table.sort(), self.table.filter());
        self.loaded = true;
        self.error = None;
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.error = Some(error_text(cx.lang(), &error));
        self.loaded = true;
        true
    }

    fn loading(&self) -> bool {
        self.error.is_none() && !self.loaded
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("declare.list.title");
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
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        if self.items.is_empty() {
            render_message(
                inner,
                buf,
                ui,
                "",
                &ui.tr("declare.list.empty"),
                Role::Muted,
            );
            return;
        }
        self.table.render(inner, buf, ui, &self.source);
    }

    fn cursor(&self) -> Option<ratatui::layout::Position> {
        self.table.cursor_position()
    }
}

// ---------------------------------------------------------------------------------------------
// A new declaration
// ---------------------------------------------------------------------------------------------

/// A new declaration: the windows open for the enterprise's certifying authority, one per tier;
/// Enter creates a draft in the chosen one and opens its form.
pub struct NewDeclaration {
    table: Table,
    source: VecSource,
    windows: Vec<Value>,
    reasons: Vec<String>,
    loaded: bool,
    working: bool,
    error: Option<String>,
    /// The window chosen before this screen opened (the home's declaration panel): the cursor
    /// starts on it.
    chosen: Option<String>,
}

impl NewDeclaration {
    pub fn new(ui: &Ui) -> NewDeclaration {
        NewDeclaration {
            table: Table::new(vec![
                Column::new(&ui.tr("declare.col.tier"), 14, 28),
                Column::new(&ui.tr("declare.col.authority"), 8, 16),
                Column::new(&ui.tr("declare.col.batch"), 6, 8).priority(2),
                Column::new(&ui.tr("declare.col.period"), 23, 23).priority(1),
            ]),
            source: VecSource::default(),
            windows: Vec::new(),
            reasons: Vec::new(),
            loaded: false,
            working: false,
            error: None,
            chosen: None,
        }
    }

    /// The same list with the cursor on the window `id` once it is loaded.
    pub fn for_window(ui: &Ui, id: &str) -> NewDeclaration {
        NewDeclaration {
            chosen: Some(id.to_string()),
            ..NewDeclaration::new(ui)
        }
    }
}

impl Screen for NewDeclaration {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("declare.new.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        let mut h = keymap.hints_for(Context::List, &["open", "down", "up"]);
        if let Some(first) = h.first_mut() {
            first.label_key = "declare.key.create".into();
        }
        h
    }

    fn start(&mut self, cx: &mut Ctx) {
        cx.spawn("windows", |c| async move { c.open_windows().await });
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        match self.table.handle_key(ev, cx.keymap, &self.source) {
            Handled::Event(TableEvent::Open(i)) => {
                if self.working {
                    return Handled::Unchanged;
                }
                let Some(w) = self.windows.get(i) else {
                    return Handled::Unchanged;
                };
                let tier = w["tier"].as_str().unwrap_or_default().to_string();
                let window = w["id"].as_str().unwrap_or_default().to_string();
                self.working = true;
                self.error = None;
                cx.spawn("create", move |c| async move {
                    c.create_declaration(&tier, &window).await
                });
                Handled::Changed
            }
            Handled::Event(_) => Handled::Unchanged,
            other => other.map_unit(),
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "windows" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                self.windows = v["windows"].as_array().cloned().unwrap_or_default();
                self.reasons = v["reasons"]
                    .as_array()
                    .map(|r| {
                        r.iter()
                            .map(|t| crate::tui::screens::text_of(cx.ui, t))
                            .collect()
                    })
                    .unwrap_or_default();
                let ui = cx.ui;
                self.source = VecSource::new(
                    self.windows
                        .iter()
                        .map(|w| {
                            vec![
                                tier_label(ui, &w["tier"]),
                                w["authority_name"].as_str().unwrap_or_default().to_string(),
                                w["batch"]
                                    .as_i64()
                                    .map(|b| b.to_string())
                                    .unwrap_or_default(),
                                format!(
                                    "{} – {}",
                                    w["start"].as_str().unwrap_or_default(),
                                    w["end"].as_str().unwrap_or_default()
                                ),
                            ]
                        })
                        .collect(),
                );
                self.loaded = true;
                if let Some(i) = self.chosen.take().and_then(|id| {
                    self.windows
                        .iter()
                        .position(|w| w["id"].as_str() == Some(id.as_str()))
                }) {
                    self.table.set_cursor(i, self.windows.len());
                }
                true
            }
            _ => {
                self.working = false;
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                let id = t.value["id"].as_str().unwrap_or_default().to_string();
                cx.success(&cx.tr("declare.new.created"));
                cx.replace(DeclarationForm::new(cx.ui, &id));
                true
            }
        }
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.working = false;
        self.loaded = true;
        self.error = Some(error_text(cx.lang(), &error));
        true
    }

    fn loading(&self) -> bool {
        !self.loaded
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("declare.new.title");
        if render_placeholder(area, buf, ui, &title, None, !self.loading()) {
            return;
        }
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        let mut notes: Vec<(String, Role)> = vec![(ui.tr("declare.new.intro"), Role::Muted)];
        if self.windows.is_empty() {
            notes.push((ui.tr("declare.new.none"), Role::Warning));
        }
        for r in &self.reasons {
            notes.push((r.clone(), Role::Warning));
        }
        if self.working {
            notes.push((ui.tr("declare.new.working"), Role::Muted));
        }
        if let Some(e) = &self.error {
            notes.push((e.clone(), Role::Error));
        }
        let w = inner.width.saturating_sub(2).max(2) as usize;
        let lines: Vec<(String, Role)> = notes
            .iter()
            .flat_map(|(t, r)| crate::display::wrap(t, w).into_iter().map(|l| (l, *r)))
            .collect();
        let table_h = if self.windows.is_empty() {
            0
        } else {
            (self.windows.len() as u16 + 2).min(inner.height.saturating_sub(2))
        };
        let table = Rect {
            height: table_h,
            ..inner
        };
        if table_h > 0 {
            self.table.render(table, buf, ui, &self.source);
        }
        let first = inner.y + table_h + u16::from(table_h > 0);
        for (y, (l, r)) in (first..inner.bottom()).zip(lines) {
            crate::tui::widgets::put(buf, inner.x + 1, y, &l, inner.width - 2, ui.style(r));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The detail
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// 撤回 (then, for 撤回修改, open the form).
    Withdraw {
        edit: bool,
    },
    /// After the closed-window warning.
    WithdrawConfirmed {
        edit: bool,
    },
    Delete,
}

/// What an export job reports.
enum Exported {
    Written(PathBuf),
    NotWritten(String),
}

/// A declaration in full.
pub struct DeclarationDetail {
    id: String,
    detail: Option<Value>,
    form: Option<Value>,
    version: Option<i64>,
    page: Detail,
    status: String,
    status_role: Role,
    pending: Option<Pending<Act>>,
    error: Option<String>,
}

impl DeclarationDetail {
    pub fn new(ui: &Ui, id: &str) -> DeclarationDetail {
        DeclarationDetail {
            id: id.to_string(),
            detail: None,
            form: None,
            version: None,
            page: Detail::new(&ui.tr("declare.detail.title"), ""),
            status: String::new(),
            status_role: Role::Muted,
            pending: None,
            error: None,
        }
    }

    fn load(&self, cx: &mut Ctx) {
        let id = self.id.clone();
        cx.spawn("detail", move |c| async move { c.declaration(&id).await });
        let id = self.id.clone();
        cx.spawn(
            "form",
            move |c| async move { c.declaration_form(&id).await },
        );
    }

    /// The action as the server offers it now (`actions` of the detail: the one source of what
    /// may be done, with the confirmation it needs).
    fn offered(&self, action: OwnerAction) -> Option<OfferedAction> {
        self.detail.as_ref()?["actions"]
            .as_array()?
            .iter()
            .filter_map(|a| serde_json::from_value::<OfferedAction>(a.clone()).ok())
            .find(|a| a.action == action)
    }

    fn offers(&self, action: OwnerAction) -> bool {
        self.offered(action).is_some()
    }

    /// `submit` or `resubmit`, whichever is offered.
    fn submit_offer(&self) -> Option<OwnerAction> {
        [OwnerAction::Submit, OwnerAction::Resubmit]
            .into_iter()
            .find(|a| self.offers(*a))
    }

    /// Why it cannot be submitted now, as the server says (empty when it can, or is not
    /// editable).
    fn submit_blockers(&self, ui: &Ui) -> Vec<String> {
        self.detail
            .as_ref()
            .and_then(|d| d["submit_blockers"].as_array())
            .map(|b| {
                b.iter()
                    .map(|t| crate::tui::screens::text_of(ui, t))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The confirm step of a withdrawal (`edit`: 撤回修改): the closed-window warning when the
    /// server flags it, the plain question otherwise.
    fn ask_withdraw(&mut self, cx: &mut Ctx, edit: bool) {
        let action = if edit {
            OwnerAction::WithdrawEdit
        } else {
            OwnerAction::Withdraw
        };
        let Some(offer) = self.offered(action) else {
            return;
        };
        let (title, body, confirm, act) = match (offer.confirm.is_some(), edit) {
            (true, false) => (
                "declare.withdraw.closed_title",
                "declare.withdraw.closed_body",
                "declare.withdraw.closed_confirm",
                Act::WithdrawConfirmed { edit },
            ),
            (true, true) => (
                "declare.withdraw.closed_title",
                "declare.withdraw_edit.closed_body",
                "declare.withdraw.closed_confirm",
                Act::WithdrawConfirmed { edit },
            ),
            (false, false) => (
                "declare.withdraw.title",
                "declare.withdraw.body",
                "declare.withdraw.confirm",
                Act::Withdraw { edit },
            ),
            (false, true) => (
                "declare.withdraw_edit.title",
                "declare.withdraw_edit.body",
                "declare.withdraw_edit.confirm",
                Act::Withdraw { edit },
            ),
        };
        self.pending = Some(Pending::new(
            Confirm::new(
                &cx.tr(title),
                &cx.tr(body),
                &cx.tr(confirm),
                &cx.tr("declare.withdraw.cancel"),
            ),
            act,
        ));
    }

    fn not_now(&mut self, cx: &mut Ctx) {
        let state = self
            .detail
            .as_ref()
            .map(|d| crate::tui::screens::text_of(cx.ui, &d["state_name"]))
            .unwrap_or_default();
        self.status = trf(cx.lang(), "declare.detail.not_now", &[("state", &state)]);
        self.status_role = Role::Warning;
    }

    fn rebuild(&mut self, ui: &Ui) {
        let Some(d) = &self.detail else {
            return;
        };
        let text = detail_text(ui, d, self.form.as_ref());
        let scroll = self.page.scroll();
        self.page.set_text(&text);
        self.page.scroll_by(scroll as isize);
    }

    fn withdraw(&mut self, cx: &mut Ctx, confirm: bool, edit: bool) {
        let (Some(v), id) = (self.version, self.id.clone()) else {
            return;
        };
        self.status = cx.tr("declare.detail.withdrawing");
        self.status_role = Role::Muted;
        let kind = match (confirm, edit) {
            (_, true) => "withdraw_edit",
            _ => "withdraw",
        };
        cx.spawn(kind, move |c| async move {
            c.withdraw_declaration(&id, v, confirm).await
        });
    }

    fn export(&mut self, cx: &mut Ctx) {
        let id = self.id.clone();
        let Some(d) = &self.detail else {
            return;
        };
        let dir = cx.session.local_dir.clone().map(|d| d.join("exports"));
        let name = format!(
            "{}-{}-{}-{}.html",
            cx.tr("declare.export.file_prefix"),
            d["batch"].as_i64().unwrap_or_default(),
            d["tier"].as_str().unwrap_or_default(),
            id.chars().take(8).collect::<String>()
        );
        let no_dir = cx.tr("declare.export.no_dir");
        self.status = cx.tr("declare.export.working");
        self.status_role = Role::Muted;
        cx.spawn("export", move |c| async move {
            let html = c.export_declaration(&id, "html").await?;
            let Some(dir) = dir else {
                return Ok(Exported::NotWritten(no_dir));
            };
            let path = dir.join(name);
            let written = tokio::task::spawn_blocking(move || -> std::io::Result<PathBuf> {
                std::fs::create_dir_all(&dir)?;
                let tmp = path.with_extension("html.tmp");
                std::fs::write(&tmp, html.as_bytes())?;
                std::fs::rename(&tmp, &path)?;
                Ok(path)
            })
            .await
            .map_err(std::io::Error::other)
            .and_then(|r| r);
            Ok(match written {
                Ok(p) => Exported::Written(p),
                Err(e) => Exported::NotWritten(e.to_string()),
            })
        });
    }
}

impl Screen for DeclarationDetail {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("declare.detail.title")
    }

    fn context(&self) -> Context {
        if self.pending.is_some() {
            Context::Dialog
        } else {
            Context::List
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.pending.is_some() {
            return keymap.hints(Context::Dialog);
        }
        let mut h = Vec::new();
        if self.offers(OwnerAction::Edit) {
            h.extend(keymap.hints_for(Context::List, &["edit"]));
        }
        if let Some(submit) = self.submit_offer() {
            let mut s = keymap.hints_for(Context::List, &["submit"]);
            if submit == OwnerAction::Resubmit {
                for x in &mut s {
                    x.label_key = "declare.key.resubmit".into();
                }
            }
            h.extend(s);
        }
        if self.offers(OwnerAction::Withdraw) {
            h.extend(keymap.hints_for(Context::List, &["withdraw"]));
        }
        if self.offers(OwnerAction::WithdrawEdit) && !self.offers(OwnerAction::Edit) {
            let mut edit = keymap.hints_for(Context::List, &["edit"]);
            for e in &mut edit {
                e.label_key = "declare.key.withdraw_edit".into();
            }
            h.extend(edit);
        }
        let mut more = vec!["evidence"];
        if self.offers(OwnerAction::Export) {
            more.push("export");
        }
        if self.offers(OwnerAction::Delete) {
            more.push("delete");
        }
        more.extend(["down", "up"]);
        h.extend(keymap.hints_for(Context::List, &more));
        h
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if let Some(p) = &mut self.pending {
            let (h, outcome) = p.key(ev, cx.keymap);
            match outcome {
                Some(Some(Act::Withdraw { edit })) => {
                    self.pending = None;
                    self.withdraw(cx, false, edit);
                }
                Some(Some(Act::WithdrawConfirmed { edit })) => {
                    self.pending = None;
                    self.withdraw(cx, true, edit);
                }
                Some(Some(Act::Delete)) => {
                    self.pending = None;
                    if let Some(v) = self.version {
                        let id = self.id.clone();
                        cx.spawn("delete", move |c| async move {
                            c.delete_declaration(&id, v).await
                        });
                    }
                }
                Some(None) => self.pending = None,
                None => {}
            }
            return h;
        }
        if self.detail.is_none() {
            return self.page.handle_key(ev, cx.keymap);
        }
        match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
            Some("edit") if self.offers(OwnerAction::Edit) => {
                cx.push(DeclarationForm::new(cx.ui, &self.id));
                Handled::Unchanged
            }
            Some("edit") if self.offers(OwnerAction::WithdrawEdit) => {
                self.ask_withdraw(cx, true);
                Handled::Changed
            }
            Some("withdraw") if self.offers(OwnerAction::Withdraw) => {
                self.ask_withdraw(cx, false);
                Handled::Changed
            }
            Some("submit") if self.submit_offer().is_some() => {
                cx.push(DeclarationForm::new(cx.ui, &self.id).submitting());
                Handled::Unchanged
            }
            Some("submit") if self.offers(OwnerAction::Edit) => {
                // editable but not submittable now: the server's reasons
                let why = self.submit_blockers(cx.ui);
                self.status = format!(
                    "{}\n{}",
                    cx.tr("declare.detail.cannot_submit"),
                    why.join("\n")
                );
                self.status_role = Role::Warning;
                Handled::Changed
            }
            Some("export") if !self.offers(OwnerAction::Export) => Handled::Unchanged,
            Some("delete") if self.offers(OwnerAction::Delete) => {
                self.pending = Some(Pending::new(
                    Confirm::new(
                        &cx.tr("declare.delete.title"),
                        &cx.tr("declare.delete.body"),
                        &cx.tr("declare.delete.confirm"),
                        &cx.tr("declare.withdraw.cancel"),
                    ),
                    Act::Delete,
                ));
                Handled::Changed
            }
            Some("edit" | "withdraw" | "submit" | "delete") => {
                self.not_now(cx);
                Handled::Changed
            }
            Some("evidence") => {
                cx.push(EvidenceScreen::new(cx.ui, &self.id));
                Handled::Unchanged
            }
            Some("export") => {
                self.export(cx);
                Handled::Changed
            }
            _ => self.page.handle_key(ev, cx.keymap),
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "detail" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                self.version = t.version.or(t.value["version"].as_i64());
                self.detail = Some(t.value);
                self.error = None;
                self.rebuild(cx.ui);
                true
            }
            "form" => {
                self.form = take::<Value>(value);
                self.rebuild(cx.ui);
                true
            }
            "withdraw" | "withdraw_edit" => {
                self.status = cx.tr("declare.detail.withdrawn");
                self.status_role = Role::Success;
                if kind == "withdraw_edit" {
                    cx.push(DeclarationForm::new(cx.ui, &self.id));
                }
                self.load(cx);
                true
            }
            "delete" => {
                cx.success(&cx.tr("declare.detail.deleted"));
                cx.pop();
                true
            }
            "export" => {
                match take::<Exported>(value) {
                    Some(Exported::Written(p)) => {
                        let path = p.display().to_string();
                        self.status = trf(cx.lang(), "declare.export.written", &[("path", &path)]);
                        self.status_role = Role::Success;
                        cx.success(&self.status.clone());
                    }
                    Some(Exported::NotWritten(e)) => {
                        self.status = trf(cx.lang(), "declare.export.failed", &[("error", &e)]);
                        self.status_role = Role::Error;
                    }
                    None => {}
                }
                true
            }
            _ => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        match kind {
            "detail" => {
                self.error = Some(error_text(cx.lang(), &error));
            }
            "form" => {}
            "withdraw" | "withdraw_edit"
                if error.code() == Some("confirm_withdraw_closed_window") =>
            {
                // the window closed after the detail was loaded: say so in the server's words,
                // and ask again
                let edit = kind == "withdraw_edit";
                self.status.clear();
                self.pending = Some(Pending::new(
                    Confirm::new(
                        &cx.tr("declare.withdraw.closed_title"),
                        &error_text(cx.lang(), &error),
                        &cx.tr("declare.withdraw.closed_confirm"),
                        &cx.tr("declare.withdraw.cancel"),
                    ),
                    Act::WithdrawConfirmed { edit },
                ));
            }
            _ => {
                self.status = error_text(cx.lang(), &error);
                self.status_role = Role::Error;
                if error.code() == Some("conflict") {
                    self.load(cx);
                }
            }
        }
        true
    }

    fn loading(&self) -> bool {
        self.error.is_none() && self.detail.is_none()
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("declare.detail.title");
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
        render_page(
            area,
            buf,
            ui,
            &mut self.page,
            &self.status,
            self.status_role,
        );
        if let Some(p) = &self.pending {
            p.dialog.render(area, buf, ui);
        }
    }
}

/// The detail as text: the facts, the reason of a return or rejection, the evidence, what was
/// typed (by section), the breakdown stored at submission, the history.
fn detail_text(ui: &Ui, d: &Value, form: Option<&Value>) -> String {
    let lang = ui.lang;
    let text_of = |v: &Value| crate::tui::screens::text_of(ui, v);
    let mut out = Vec::new();
    let line = |k: &str, v: String| format!("{}{}{v}", ui.tr(k), sep(ui));
    out.push(format!(
        "{} · {}",
        text_of(&d["tier_name"]),
        trf(
            lang,
            "declare.detail.batch",
            &[(
                "batch",
                &d["batch"].as_i64().unwrap_or_default().to_string()
            )]
        )
    ));
    out.push(line("declare.detail.state", text_of(&d["state_name"])));
    let level = level_label(ui, &d["level"]);
    if !level.is_empty() {
        out.push(line("declare.detail.level", level));
    }
    if !d["submitted_at"].is_null() {
        out.push(line(
            "declare.detail.submitted_at",
            time_of(&d["submitted_at"]),
        ));
    }
    if let Some(chain) = d["chain"].as_array().filter(|c| !c.is_empty()) {
        let names: Vec<String> = chain.iter().map(|l| level_label(ui, l)).collect();
        out.push(line("declare.detail.chain", names.join(" → ")));
    }
    let breakdown: Option<Breakdown> = serde_json::from_value(d["breakdown"].clone()).ok();
    let scorer = form.and_then(|f| Scorer::from_form(f, None));
    let mut panel = ScorePanel::default();
    panel.set_breakdown(breakdown.clone(), scorer.as_ref(), lang);
    if breakdown.is_some() {
        out.push(line("declare.detail.score", panel.headline(ui)));
    }
    if let Some(l) = d["digital_level"].as_str() {
        let name = serde_json::from_value::<crate::domain::DigitalLevel>(Value::from(l))
            .map(|l| l.name().get(lang).to_string())
            .unwrap_or_else(|_| l.to_string());
        out.push(line("declare.detail.digital_level", name));
    }
    match state_of(&d["state"]) {
        Some(State::Returned) => {
            if let Some(r) = latest_reason(&d["history"]) {
                out.push(line("declare.detail.return_reason", r));
            }
            out.push(ui.tr("declare.detail.returned_hint"));
        }
        Some(State::Rejected) => {
            if let Some(r) = latest_reason(&d["history"]) {
                out.push(line("declare.detail.reject_reason", r));
            }
        }
        Some(State::Withdrawn) => out.push(ui.tr("declare.detail.withdrawn_hint")),
        _ => {}
    }
    let blockers = d["submit_blockers"].as_array().cloned().unwrap_or_default();
    if !blockers.is_empty() {
        out.push(ui.tr("declare.detail.cannot_submit"));
        out.extend(blockers.iter().map(|b| format!("  {}", text_of(b))));
    }
    out.push(String::new());
    let evidence = d["evidence"].as_array().cloned().unwrap_or_default();
    out.push(trf(
        lang,
        "declare.detail.evidence",
        &[("n", &evidence.len().to_string())],
    ));
    if evidence.is_empty() {
        out.push(format!("  {}", ui.tr("declare.detail.no_evidence")));
    }
    for e in &evidence {
        out.push(format!(
            "  {}  {}  {}",
            e["name"].as_str().unwrap_or_default(),
            format_bytes(e["size"].as_u64().unwrap_or_default()),
            date_of(&e["created_at"])
        ));
    }
    if let Some(f) = form {
        out.push(String::new());
        out.push(ui.tr("declare.detail.inputs"));
        for s in f["sections"].as_array().into_iter().flatten() {
            out.push(format!("【{}】", text_of(&s["title"])));
            for field in s["fields"].as_array().into_iter().flatten() {
                out.push(format!(
                    "  {}{}{}",
                    text_of(&field["label"]),
                    sep(ui),
                    value_text(ui, field)
                ));
            }
        }
    }
    if breakdown.is_some() {
        out.push(String::new());
        out.push(ui.tr("declare.detail.breakdown"));
        out.push(panel.text(ui));
    }
    out.push(String::new());
    out.push(ui.tr("declare.detail.history"));
    out.extend(
        history_lines(ui, &d["history"])
            .into_iter()
            .map(|l| format!("  {l}")),
    );
    out.join("\n")
}

/// `：` in Chinese, `: ` in English.
fn sep(ui: &Ui) -> &'static str {
    match ui.lang {
        crate::domain::Lang::Zh => "：",
        crate::domain::Lang::En => ": ",
    }
}

/// A form field's saved value as shown (with its unit or option label); `—` when empty.
pub fn value_text(ui: &Ui, field: &Value) -> String {
    let v = &field["value"];
    let text_of = |v: &Value| crate::tui::screens::text_of(ui, v);
    match v {
        Value::Null => "—".to_string(),
        Value::Bool(b) => {
            let id = if *b { "yes" } else { "no" };
            option_label(ui, field, id)
        }
        Value::Number(n) => {
            let unit = text_of(&field["unit"]);
            let n = super::number_text(n.as_f64().unwrap_or_default());
            if unit.is_empty() {
                n
            } else if unit == "%" {
                format!("{n}%")
            } else {
                format!("{n} {unit}")
            }
        }
        Value::String(s) if field["kind"] == "choice" => option_label(ui, field, s),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn option_label(ui: &Ui, field: &Value, id: &str) -> String {
    field["options"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["id"] == id))
        .map(|o| crate::tui::screens::text_of(ui, &o["label"]))
        .unwrap_or_else(|| id.to_string())
}
