//! 账号管理 (the ministry admin): the staff accounts — reviewers, admins, support — with their
//! level, region and whether they are disabled; create one (the region is picked in the region
//! tree: by code, name or pinyin initials), disable one (asked first: its sessions end at once)
//! or enable it again, and the trail of each (Enter).

use super::trail::TrailScreen;
use super::{
    Answer, Ask, ListView, PageFrame, answer, command, destructive, dialog_hints, failure,
    harmless, hints, plain, render_page, s,
};
use crate::client::{ClientError, Tagged};
use crate::domain::regions::Regions;
use crate::domain::tiers::ReviewLevel;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen, take};
use crate::tui::screens::{FormPanel, PanelEvent, Status};
use crate::tui::theme::Role;
use crate::tui::widgets::form::Field;
use crate::tui::widgets::table::{Column, TableEvent};
use crate::tui::widgets::tree_picker::{PickerEvent, RegionNodes, TreePicker};
use crate::tui::widgets::{Handled, clear};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::{Value, json};
use std::any::Any;

/// The role of a staff account in words (县级审核员, 部级管理员, 客服 …).
fn role(ui: &Ui, v: &Value) -> String {
    Account::from_json(v)
        .map(|a| a.role_label(ui.lang))
        .unwrap_or_else(|| s(v, "kind"))
}

/// The staff accounts.
pub struct StaffScreen {
    list: ListView,
    status: Status,
    ask: Option<Ask<(String, i64, bool, String)>>,
}

impl StaffScreen {
    pub fn new(ui: &Ui) -> StaffScreen {
        // the role column as wide as the widest role in this language
        let role_w = [
            "role.province_admin",
            "role.ministry_admin",
            "role.reviewer_county",
            "role.reviewer_city",
            "role.reviewer_province",
            "role.reviewer_ministry",
            "role.support",
        ]
        .iter()
        .map(|k| crate::display::width(&ui.tr(k)) as u16)
        .max()
        .unwrap_or(8);
        StaffScreen {
            list: ListView::new(vec![
                Column::new(&ui.tr("admin.col.login"), 10, 16),
                Column::new(&ui.tr("admin.col.name"), 6, 12),
                Column::new(&ui.tr("admin.col.role"), role_w, role_w),
                Column::new(&ui.tr("admin.col.region"), 8, 30).priority(1),
                Column::new(&ui.tr("admin.col.account_state"), 6, 8),
                Column::new(&ui.tr("admin.col.phone"), 11, 11).priority(2),
            ]),
            status: Status::None,
            ask: None,
        }
    }

    fn load(&self, cx: &mut Ctx) {
        cx.spawn(
            "load",
            |c| async move { c.staff_accounts("limit=200").await },
        );
    }

    fn toggle(&mut self, cx: &mut Ctx) {
        let Some(a) = self.list.current() else {
            return;
        };
        let disabled = a["disabled"].as_bool().unwrap_or(false);
        let who = format!("{}（{}）", s(a, "login_name"), s(a, "display_name"));
        let dialog = if disabled {
            harmless(
                cx.ui,
                &cx.tr("admin.staff.enable_title"),
                &crate::i18n::trf(cx.lang(), "admin.staff.enable_body", &[("who", &who)]),
                &cx.tr("admin.staff.key_enable"),
            )
        } else {
            destructive(
                cx.ui,
                &cx.tr("admin.staff.disable_title"),
                &crate::i18n::trf(cx.lang(), "admin.staff.disable_body", &[("who", &who)]),
                &cx.tr("admin.staff.key_disable"),
            )
        };
        self.ask = Some(Ask::new(
            dialog,
            (
                s(a, "id"),
                a["version"].as_i64().unwrap_or_default(),
                !disabled,
                s(a, "login_name"),
            ),
        ));
    }
}

impl Screen for StaffScreen {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("admin.staff.title")
    }

    fn context(&self) -> Context {
        if self.ask.is_some() {
            Context::Dialog
        } else {
            Context::List
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.ask.is_some() {
            return dialog_hints(keymap);
        }
        let toggle = if self
            .list
            .current()
            .is_some_and(|a| a["disabled"].as_bool().unwrap_or(false))
        {
            "admin.staff.key_enable"
        } else {
            "admin.staff.key_disable"
        };
        hints(
            keymap,
            &[
                (Context::List, "new", "admin.staff.key_new"),
                (Context::List, "remove", toggle),
                (Context::List, "open", "admin.key.trail"),
                (Context::List, "filter", "key.filter"),
                (Context::List, "down", "key.down"),
            ],
        )
    }

    fn start(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn resumed(&mut self, cx: &mut Ctx) {
        self.load(cx);
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if self.ask.is_some() {
            return match answer(&mut self.ask, ev, cx.keymap) {
                Answer::Open(changed) => Handled::from_changed(changed),
                Answer::Yes((id, version, disable, login)) => {
                    self.status = Status::Working(cx.tr("status.working"));
                    let action = if disable { "disable" } else { "enable" };
                    cx.spawn("toggle", move |c| async move {
                        c.staff_action(&id, version, action)
                            .await
                            .map(|t| (t, disable, login))
                    });
                    Handled::Changed
                }
                Answer::No => Handled::Changed,
            };
        }
        match self.list.key(ev, cx.keymap) {
            Handled::Event(TableEvent::Open(_)) => {
                if let Some(a) = self.list.current() {
                    let what = format!("{} {}", s(a, "login_name"), s(a, "display_name"));
                    cx.push(TrailScreen::new(cx.ui, "account", &s(a, "id"), &what));
                }
                return Handled::Unchanged;
            }
            Handled::Ignored => {}
            other => return plain(other),
        }
        match command(cx.keymap, ev) {
            Some("new") => {
                cx.push(NewStaff::new(cx.ui));
                Handled::Unchanged
            }
            Some("remove") => {
                self.toggle(cx);
                Handled::Changed
            }
            _ => Handled::Ignored,
        }
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "load" => {
                let Some(v) = take::<Value>(value) else {
                    return false;
                };
                let ui = cx.ui;
                let rows = v["items"].as_array().cloned().unwrap_or_default();
                self.list.set_rows(rows, |a| {
                    vec![
                        s(a, "login_name"),
                        s(a, "display_name"),
                        role(ui, a),
                        a["region_name"]
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| ui.tr("admin.staff.national")),
                        ui.tr(if a["disabled"].as_bool().unwrap_or(false) {
                            "admin.staff.disabled"
                        } else {
                            "admin.staff.active"
                        }),
                        s(a, "phone"),
                    ]
                });
            }
            "toggle" => {
                let Some((_, disabled, login)) = take::<(Tagged, bool, String)>(value) else {
                    return false;
                };
                self.status = Status::Success(crate::i18n::trf(
                    cx.lang(),
                    if disabled {
                        "admin.staff.done_disable"
                    } else {
                        "admin.staff.done_enable"
                    },
                    &[("login", &login)],
                ));
                self.load(cx);
            }
            _ => return false,
        }
        true
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        if kind == "load" {
            self.list
                .fail(crate::tui::screen::error_text(cx.lang(), &error));
        } else {
            self.status = failure(cx, &error);
            self.load(cx);
        }
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = self.title(ui);
        render_page(
            area,
            buf,
            ui,
            &PageFrame {
                title: &title,
                top: &[],
                status: &self.status,
                below: 0,
            },
            &mut self.list,
        );
        if let Some(ask) = &self.ask {
            ask.dialog.render(area, buf, ui);
        }
    }

    fn cursor(&self) -> Option<Position> {
        self.list.cursor_position()
    }
}

/// The region levels a level's region may be picked at (1 province … 3 county); a province-level
/// account's region may also be a 计划单列市 (level 2). The API has the last word.
fn pickable(level: &str) -> &'static [u8] {
    match level {
        "county" => &[3],
        "city" => &[2],
        "province" => &[1, 2],
        _ => &[],
    }
}

/// Creates a staff account: kind, level, region (picked in the tree), login, name, password,
/// contacts. The API's messages show under the fields.
pub struct NewStaff {
    panel: FormPanel,
    picker: Option<TreePicker>,
}

impl NewStaff {
    pub fn new(ui: &Ui) -> NewStaff {
        let kinds = [
            ("reviewer", ui.tr("admin.staff.kind_reviewer")),
            ("admin", ui.tr("admin.staff.kind_admin")),
            ("support", ui.tr("admin.staff.kind_support")),
        ];
        let kind_options: Vec<(&str, &str)> = kinds.iter().map(|(c, n)| (*c, n.as_str())).collect();
        let mut levels: Vec<(String, String)> = ReviewLevel::ALL
            .into_iter()
            .map(|l| (l.code().to_string(), l.name().get(ui.lang).to_string()))
            .collect();
        levels.push((String::new(), ui.tr("admin.staff.no_level")));
        let level_options: Vec<(&str, &str)> = levels
            .iter()
            .map(|(c, n)| (c.as_str(), n.as_str()))
            .collect();
        NewStaff {
            panel: FormPanel::new(
                &ui.tr("admin.staff.new_title"),
                vec![ui.tr("admin.staff.new_intro")],
                vec![
                    Field::choice("kind", &ui.tr("admin.field.kind"), &kind_options)
                        .required()
                        .with_value("reviewer"),
                    Field::choice("level", &ui.tr("admin.field.level"), &level_options)
                        .with_value("county"),
                    Field::text("region_code", &ui.tr("admin.field.region"))
                        .with_placeholder(&ui.tr("admin.staff.region_hint")),
                    Field::text("login_name", &ui.tr("admin.field.login")).required(),
                    Field::text("display_name", &ui.tr("admin.field.display_name")).required(),
                    Field::password("password", &ui.tr("admin.field.password")).required(),
                    Field::text("phone", &ui.tr("admin.field.phone")),
                    Field::text("email", &ui.tr("admin.field.email")),
                ],
            ),
            picker: None,
        }
    }

    fn open_picker(&mut self, ui: &Ui) {
        let level = self
            .panel
            .strings()
            .get("level")
            .cloned()
            .unwrap_or_default();
        let mut picker = TreePicker::new(
            Box::new(RegionNodes::builtin()),
            &ui.tr("admin.staff.pick_region"),
        )
        .selectable_levels(pickable(&level));
        if let Some(code) = self.panel.strings().get("region_code") {
            picker.reveal(code);
        }
        self.picker = Some(picker);
    }

    fn submit(&mut self, cx: &mut Ctx) {
        let Some(v) = self.panel.begin_submit(&cx.tr("admin.staff.working")) else {
            return;
        };
        let opt = |k: &str| {
            v.get(k)
                .filter(|x| !x.is_empty())
                .map(|x| Value::from(x.as_str()))
                .unwrap_or(Value::Null)
        };
        let body = json!({
            "kind": opt("kind"),
            "level": opt("level"),
            "region_code": opt("region_code"),
            "login_name": v.get("login_name").cloned().unwrap_or_default(),
            "display_name": v.get("display_name").cloned().unwrap_or_default(),
            "password": v.get("password").cloned().unwrap_or_default(),
            "phone": opt("phone"),
            "email": opt("email"),
        });
        cx.spawn(
            "create",
            move |c| async move { c.create_staff(&body).await },
        );
    }
}

impl Screen for NewStaff {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("admin.staff.new_title")
    }

    fn context(&self) -> Context {
        if self.picker.is_some() {
            Context::Picker
        } else {
            Context::Form
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.picker.is_some() {
            return keymap.hints_for(Context::Picker, &["pick", "expand", "collapse", "down"]);
        }
        let mut h = super::form_hints(keymap, "admin.staff.key_create");
        if self.panel.form.focused() == Some("region_code") {
            h.insert(
                0,
                Hint {
                    keys: "Enter".into(),
                    label_key: "admin.staff.key_pick".into(),
                },
            );
        }
        h
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if let Some(picker) = self.picker.as_mut() {
            return match picker.handle_key(ev, cx.keymap) {
                Handled::Event(PickerEvent::Picked(node)) => {
                    self.picker = None;
                    self.panel.form.set_value("region_code", &node.code);
                    self.panel.form.set_error("region_code", None);
                    self.panel.edited = true;
                    let full = Regions::builtin()
                        .full_name(&node.code)
                        .unwrap_or(node.name);
                    self.panel.status = Status::Info(crate::i18n::trf(
                        cx.lang(),
                        "admin.staff.picked",
                        &[("region", &full)],
                    ));
                    self.panel.form.focus_next();
                    Handled::Changed
                }
                Handled::Ignored if ev.code == KeyCode::Esc => {
                    self.picker = None;
                    Handled::Changed
                }
                other => plain(other),
            };
        }
        if self.panel.form.focused() == Some("region_code") && ev.code == KeyCode::Enter {
            self.open_picker(cx.ui);
            return Handled::Changed;
        }
        match self.panel.key(ev, cx.keymap) {
            Handled::Event(PanelEvent::Submit) => {
                self.submit(cx);
                Handled::Changed
            }
            Handled::Event(PanelEvent::SaveDraft) => Handled::Unchanged,
            other => plain(other),
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        self.picker.is_none() && self.panel.paste(text)
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(v) = take::<Value>(value) else {
            return false;
        };
        cx.success(&crate::i18n::trf(
            cx.lang(),
            "admin.staff.created",
            &[("login", &s(&v, "login_name")), ("role", &role(cx.ui, &v))],
        ));
        self.panel.edited = false;
        cx.pop();
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.panel.show_error(cx.ui, &error);
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.panel.render(area, buf, ui);
        if let Some(picker) = self.picker.as_mut() {
            let rect = Rect {
                x: area.x + 2.min(area.width / 8),
                y: area.y + 1.min(area.height / 8),
                width: area.width.saturating_sub(4),
                height: area.height.saturating_sub(2),
            };
            clear(buf, rect, ui.style(Role::Text));
            picker.render(rect, buf, ui);
        }
    }

    fn cursor(&self) -> Option<Position> {
        match &self.picker {
            Some(p) => p.cursor_position(),
            None => self.panel.cursor(),
        }
    }

    fn has_unsaved(&self) -> bool {
        self.panel.edited
    }
}
