//! 认证到期管理: the enterprise's certifications with their validity — active ones, and the
//! history of expired and cancelled ones — and 复核 per tier: apply when the authority has set
//! 满足复核条件, and, when it has not, why not (the server's reasons and the four candidacy
//! facts). Enter opens the declaration that granted the certification, with its history.

use super::declarations::DeclarationDetail;
use super::evidence::EvidenceScreen;
use super::history::{ApplicationHistory, Kind as HistoryKind};
use super::render_placeholder;
use super::{MapUnit, Pending, render_message, state_label, tier_label, time_of};
use crate::client::{ClientError, Tagged};
use crate::domain::Lang;
use crate::i18n::trf;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, take};
use crate::tui::screens::text_of;
use crate::tui::theme::Role;
use crate::tui::widgets::detail::Detail;
use crate::tui::widgets::dialog::Confirm;
use crate::tui::widgets::table::{Column, RowSource, Table, TableEvent, VecSource};
use crate::tui::widgets::{Handled, block};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::Value;
use std::any::Any;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Act {
    /// Apply for 复核 of a tier.
    Apply(String),
    /// Withdraw the application (id, version).
    Withdraw(String, i64),
}

pub struct CertList {
    table: Table,
    source: VecSource,
    certs: Vec<Value>,
    /// `GET /reexam/status`: one entry per active certification.
    reexam: Vec<Value>,
    /// The actions the server offers on each current application (`GET /reexam/{id}`), by id.
    offers: BTreeMap<String, Vec<Value>>,
    pane: Detail,
    /// The certification the pane shows.
    shown: Option<String>,
    status: String,
    status_role: Role,
    pending: Option<Pending<Act>>,
    loaded: u8,
    error: Option<String>,
}

impl CertList {
    pub fn new(ui: &Ui) -> CertList {
        CertList {
            table: Table::new(vec![
                Column::new(&ui.tr("declare.cert.col.tier"), 14, 26),
                Column::new(&ui.tr("declare.cert.col.certified"), 10, 10).priority(2),
                Column::new(&ui.tr("declare.cert.col.expires"), 10, 10),
                Column::new(&ui.tr("declare.cert.col.status"), 6, 10),
                Column::new(&ui.tr("declare.cert.col.reexam"), 8, 20).priority(1),
            ]),
            source: VecSource::default(),
            certs: Vec::new(),
            reexam: Vec::new(),
            offers: BTreeMap::new(),
            pane: Detail::new(&ui.tr("declare.cert.pane"), ""),
            shown: None,
            status: String::new(),
            status_role: Role::Muted,
            pending: None,
            loaded: 0,
            error: None,
        }
    }

    fn load(&mut self, cx: &mut Ctx) {
        let Some(ent) = cx
            .session
            .account
            .as_ref()
            .and_then(|a| a.enterprise_id.clone())
        else {
            self.error = Some(cx.tr("declare.cert.no_enterprise"));
            return;
        };
        self.loaded = 0;
        cx.spawn(
            "certs",
            move |c| async move { c.certifications(&ent).await },
        );
        cx.spawn("reexam", |c| async move { c.reexam_status().await });
    }

    fn selected(&self) -> Option<&Value> {
        if self.source.is_empty() {
            return None;
        }
        let i: usize = self.source.key(self.table.cursor()).parse().ok()?;
        self.certs.get(i)
    }

    /// The 复核 status of a certification (active ones only).
    fn status_of(&self, cert: &Value) -> Option<&Value> {
        self.reexam
            .iter()
            .find(|r| r["certification"]["id"] == cert["id"])
    }

    fn rebuild(&mut self, ui: &Ui) {
        let rows = self
            .certs
            .iter()
            .map(|c| {
                let reexam = match self.status_of(c) {
                    Some(r) => match r["application"].as_object() {
                        Some(a) => state_label(ui, &a["state"]),
                        None if r["can_apply"] == true => ui.tr("declare.cert.can_apply"),
                        None if r["flagged"] == true => ui.tr("declare.cert.flagged"),
                        None => ui.tr("declare.cert.not_flagged"),
                    },
                    None => String::new(),
                };
                vec![
                    tier_label(ui, &c["tier"]),
                    c["certified_on"].as_str().unwrap_or_default().to_string(),
                    c["expires_on"].as_str().unwrap_or_default().to_string(),
                    ui.tr(&format!(
                        "declare.cert.status.{}",
                        c["status"].as_str().unwrap_or("active")
                    )),
                    reexam,
                ]
            })
            .collect();
        self.source = VecSource::new(rows);
        self.source.apply(self.table.sort(), self.table.filter());
        self.refresh_pane(ui, true);
    }

    fn refresh_pane(&mut self, ui: &Ui, force: bool) {
        let id = self
            .selected()
            .and_then(|c| c["id"].as_str())
            .map(str::to_string);
        if !force && id == self.shown {
            return;
        }
        let text = match self.selected() {
            Some(c) => pane_text(ui, c, self.status_of(c)),
            None => String::new(),
        };
        self.pane.set_text(&text);
        self.shown = id;
    }

    fn apply(&mut self, cx: &mut Ctx) {
        let Some(c) = self.selected().cloned() else {
            return;
        };
        let Some(r) = self.status_of(&c).cloned() else {
            self.status = cx.tr("declare.cert.not_active");
            self.status_role = Role::Warning;
            return;
        };
        if r["can_apply"] != true {
            // the server's reasons; the unmet facts are in the pane above
            let facts = r["candidacy"]["reasons"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let why: Vec<String> = r["why_not"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|w| !facts.contains(w))
                .map(|t| text_of(cx.ui, t))
                .collect();
            self.status = format!("{}\n{}", cx.tr("declare.cert.cannot_apply"), why.join("\n"));
            self.status_role = Role::Warning;
            return;
        }
        let tier = c["tier"].as_str().unwrap_or_default().to_string();
        let body = trf(
            cx.lang(),
            "declare.cert.apply_body",
            &[
                ("tier", &tier_label(cx.ui, &c["tier"])),
                ("expires", c["expires_on"].as_str().unwrap_or_default()),
            ],
        );
        self.pending = Some(Pending::new(
            Confirm::new(
                &cx.tr("declare.cert.apply_title"),
                &body,
                &cx.tr("declare.cert.apply_confirm"),
                &cx.tr("declare.withdraw.cancel"),
            )
            .harmless(),
            Act::Apply(tier),
        ));
    }

    fn application(&self) -> Option<Value> {
        let c = self.selected()?;
        let a = &self.status_of(c)?["application"];
        a.is_object().then(|| a.clone())
    }

    /// The selected certification's application, when the server offers to withdraw it.
    fn withdrawable(&self) -> Option<Value> {
        let a = self.application()?;
        let offers = self.offers.get(a["id"].as_str()?)?;
        offers
            .iter()
            .any(|o| o["action"] == "withdraw")
            .then_some(a)
    }
}

impl Screen for CertList {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("declare.cert.title")
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
        let mut h = keymap.hints_for(Context::List, &["submit"]);
        for x in &mut h {
            x.label_key = "declare.key.apply".into();
        }
        if self.withdrawable().is_some() {
            h.extend(keymap.hints_for(Context::List, &["withdraw"]));
        }
        if self.application().is_some() {
            h.extend(keymap.hints_for(Context::List, &["evidence"]));
        }
        let mut open = keymap.hints_for(Context::List, &["open"]);
        for x in &mut open {
            x.label_key = "declare.key.open_declaration".into();
        }
        h.extend(open);
        let mut past = keymap.hints_for(Context::List, &["history"]);
        for x in &mut past {
            x.label_key = "declare.key.reexam_history".into();
        }
        h.extend(past);
        h.extend(keymap.hints_for(Context::List, &["down", "up"]));
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
                Some(Some(Act::Apply(tier))) => {
                    self.pending = None;
                    self.status = cx.tr("declare.cert.applying");
                    self.status_role = Role::Muted;
                    cx.spawn("apply", move |c| async move { c.apply_reexam(&tier).await });
                }
                Some(Some(Act::Withdraw(id, v))) => {
                    self.pending = None;
                    cx.spawn("withdraw", move |c| async move {
                        c.reexam_action(&id, v, "withdraw").await
                    });
                }
                Some(None) => self.pending = None,
                None => {}
            }
            return h;
        }
        match cx.keymap.resolve(Context::List, ev).map(|(_, c)| c) {
            Some("submit") => {
                self.apply(cx);
                return Handled::Changed;
            }
            Some("withdraw") => {
                if let Some(a) = self.withdrawable() {
                    self.pending = Some(Pending::new(
                        Confirm::new(
                            &cx.tr("declare.cert.withdraw_title"),
                            &cx.tr("declare.cert.withdraw_body"),
                            &cx.tr("declare.withdraw.confirm"),
                            &cx.tr("declare.withdraw.cancel"),
                        ),
                        Act::Withdraw(
                            a["id"].as_str().unwrap_or_default().to_string(),
                            a["version"].as_i64().unwrap_or_default(),
                        ),
                    ));
                    return Handled::Changed;
                }
                return Handled::Unchanged;
            }
            Some("evidence") => {
                if let Some(id) = self
                    .application()
                    .and_then(|a| a["id"].as_str().map(str::to_string))
                {
                    cx.push(EvidenceScreen::new(cx.ui, &id));
                }
                return Handled::Unchanged;
            }
            Some("history") => {
                cx.push(ApplicationHistory::new(cx.ui, HistoryKind::Reexam));
                return Handled::Unchanged;
            }
            Some("half_page_down" | "half_page_up") => {
                return self.pane.handle_key(ev, cx.keymap);
            }
            _ => {}
        }
        match self.table.handle_key(ev, cx.keymap, &self.source) {
            Handled::Event(TableEvent::Open(_)) => {
                match self.selected().and_then(|c| c["item_id"].as_str()) {
                    Some(item) => cx.push(DeclarationDetail::new(cx.ui, item)),
                    None => {
                        self.status = cx.tr("declare.cert.no_item");
                        self.status_role = Role::Warning;
                    }
                }
                Handled::Changed
            }
            Handled::Event(TableEvent::FilterChanged(f)) => {
                self.source.apply(self.table.sort(), &f);
                self.refresh_pane(cx.ui, false);
                Handled::Changed
            }
            Handled::Event(TableEvent::SortChanged(s)) => {
                self.source.apply(s, self.table.filter());
                self.refresh_pane(cx.ui, false);
                Handled::Changed
            }
            Handled::Ignored => self.pane.handle_key(ev, cx.keymap),
            other => {
                let h = other.map_unit();
                if h.changed() {
                    self.status.clear();
                    self.refresh_pane(cx.ui, false);
                }
                h
            }
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "certs" => {
                let v = take::<Value>(value).unwrap_or_default();
                self.certs = v.as_array().cloned().unwrap_or_default();
                self.loaded |= 1;
                self.rebuild(cx.ui);
                true
            }
            "reexam" => {
                let v = take::<Value>(value).unwrap_or_default();
                self.reexam = v.as_array().cloned().unwrap_or_default();
                self.offers.clear();
                for r in &self.reexam {
                    if let Some(id) = r["application"]["id"].as_str() {
                        let id = id.to_string();
                        cx.spawn("offers", move |c| async move { c.reexam_detail(&id).await });
                    }
                }
                self.loaded |= 2;
                self.rebuild(cx.ui);
                true
            }
            "apply" => {
                let v = take::<Value>(value).unwrap_or_default();
                self.status = trf(
                    cx.lang(),
                    "declare.cert.applied",
                    &[("state", &state_label(cx.ui, &v["state"]))],
                );
                self.status_role = Role::Success;
                self.load(cx);
                true
            }
            "offers" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                if let Some(id) = t.value["item"]["id"].as_str() {
                    let actions = t.value["actions"].as_array().cloned().unwrap_or_default();
                    self.offers.insert(id.to_string(), actions);
                }
                true
            }
            "withdraw" => {
                self.status = cx.tr("declare.cert.withdrawn");
                self.status_role = Role::Success;
                self.load(cx);
                true
            }
            _ => false,
        }
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        match kind {
            "certs" => self.error = Some(error_text(cx.lang(), &error)),
            // without the offers nothing is offered on the application
            "offers" => {}
            "reexam" => {
                // a natural or uncertified account: the list still shows
                self.loaded |= 2;
                self.status = error_text(cx.lang(), &error);
                self.status_role = Role::Warning;
            }
            _ => {
                self.status = error_text(cx.lang(), &error);
                self.status_role = Role::Error;
            }
        }
        true
    }

    fn loading(&self) -> bool {
        self.error.is_none() && self.loaded != 3
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = ui.tr("declare.cert.title");
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
        if self.certs.is_empty() {
            render_message(
                area,
                buf,
                ui,
                &title,
                &ui.tr("declare.cert.none"),
                Role::Muted,
            );
            return;
        }
        let wide = area.width >= 110;
        let (list, pane) = if wide {
            let w = area.width / 2;
            (
                Rect { width: w, ..area },
                Rect {
                    x: area.x + w,
                    width: area.width - w,
                    ..area
                },
            )
        } else {
            let h = (self.certs.len() as u16 + 4).min(area.height / 2).max(5);
            (
                Rect { height: h, ..area },
                Rect {
                    y: area.y + h,
                    height: area.height - h,
                    ..area
                },
            )
        };
        let b = block(ui, &title, true);
        let inner = b.inner(list);
        b.render(list, buf);
        self.table.render(inner, buf, ui, &self.source);
        super::render_page(
            pane,
            buf,
            ui,
            &mut self.pane,
            &self.status,
            self.status_role,
        );
        if let Some(p) = &self.pending {
            p.dialog.render(area, buf, ui);
        }
    }

    fn cursor(&self) -> Option<Position> {
        self.table.cursor_position()
    }
}

/// The pane of one certification: validity, cancellation, and for an active one the 复核
/// situation as the server states it.
fn pane_text(ui: &Ui, c: &Value, reexam: Option<&Value>) -> String {
    let lang = ui.lang;
    let sep = if lang == Lang::Zh { "：" } else { ": " };
    let line = |k: &str, v: String| format!("{}{sep}{v}", ui.tr(k));
    let mut out = vec![format!(
        "{} · {}",
        tier_label(ui, &c["tier"]),
        ui.tr(&format!(
            "declare.cert.status.{}",
            c["status"].as_str().unwrap_or("active")
        ))
    )];
    out.push(line(
        "declare.cert.col.certified",
        c["certified_on"].as_str().unwrap_or_default().to_string(),
    ));
    let days = c["days_until_expiry"].as_i64().unwrap_or_default();
    let left = if c["status"] == "active" {
        trf(lang, "declare.cert.days_left", &[("n", &days.to_string())])
    } else {
        String::new()
    };
    out.push(line(
        "declare.cert.col.expires",
        format!("{}{left}", c["expires_on"].as_str().unwrap_or_default()),
    ));
    if let Some(on) = c["cancelled_on"].as_str() {
        out.push(line("declare.cert.cancelled_on", on.to_string()));
        if let Some(k) = c["cancel_kind"].as_str() {
            out.push(line(
                "declare.cert.cancel_reason",
                ui.tr(&format!("declare.cert.cancel.{k}")),
            ));
        }
        if let Some(n) = c["cancel_note"].as_str() {
            out.push(format!("  {n}"));
        }
        if let Some(b) = c["barred_until"].as_str() {
            out.push(trf(lang, "declare.cert.barred", &[("until", b)]));
        }
    }
    if let Some(r) = reexam {
        out.push(String::new());
        out.push(if r["flagged"] == true {
            let at = time_of(&c["flagged_at"]);
            trf(lang, "declare.cert.flag_set", &[("at", &at)])
        } else {
            ui.tr("declare.cert.flag_not_set")
        });
        let facts: Vec<&Value> = r["candidacy"]["reasons"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        if r["can_apply"] == true {
            out.push(ui.tr("declare.cert.may_apply"));
        } else {
            // the server's reasons; the facts among them are listed below with the others
            for w in r["why_not"].as_array().into_iter().flatten() {
                if !facts.contains(&w) {
                    out.push(text_of(ui, w));
                }
            }
        }
        if let Some(a) = r["application"].as_object() {
            let mut s = line("declare.cert.application", state_label(ui, &a["state"]));
            if let Some(at) = a.get("submitted_at").filter(|v| !v.is_null()) {
                s.push_str(&format!(" · {}", time_of(at)));
            }
            out.push(s);
        }
        out.push(ui.tr("declare.cert.candidacy"));
        for reason in facts {
            out.push(format!("  {}", text_of(ui, reason)));
        }
    }
    if c["item_id"].is_string() {
        out.push(String::new());
        out.push(ui.tr("declare.cert.open_hint"));
    }
    out.join("\n")
}
