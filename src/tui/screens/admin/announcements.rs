//! 公告管理: the announcements of the admin's authority (a province's, or the ministry's): drafts,
//! published and withdrawn ones. Compose in a multi-line editor, save the draft, preview it as
//! the public will read it, publish (asked first: a published announcement is not edited, only
//! withdrawn), withdraw a published one or delete a draft (both asked first).

use super::{
    Answer, Ask, ListView, PageFrame, TextScreen, answer, command, destructive, dialog_hints,
    failure, harmless, hints, minutes_of, plain, publisher_name, render_page, s, version_of,
};
use crate::client::{ClientError, Tagged};
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Account, Ctx, Screen, take};
use crate::tui::screens::{FormPanel, PanelEvent, Status};
use crate::tui::widgets::Handled;
use crate::tui::widgets::form::Field;
use crate::tui::widgets::table::{Column, TableEvent};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use std::any::Any;

/// What a list action does once confirmed.
enum Act {
    Publish,
    Withdraw,
    Delete,
}

fn state_name(ui: &Ui, code: &str) -> String {
    let key = format!("admin.ann.state.{code}");
    let t = ui.tr(&key);
    if t == key { code.to_string() } else { t }
}

/// The preview text: title, publisher, body — as the public detail shows it.
fn preview_text(ui: &Ui, publisher: &str, title: &str, body: &str) -> String {
    format!(
        "{title}\n{}\n\n{body}",
        crate::i18n::trf(ui.lang, "admin.ann.preview_by", &[("publisher", publisher)])
    )
}

/// The announcements of the caller's authority.
pub struct AnnouncementsScreen {
    account: Account,
    title: String,
    list: ListView,
    status: Status,
    ask: Option<Ask<(Act, String, i64, String)>>,
}

impl AnnouncementsScreen {
    pub fn new(ui: &Ui, account: &Account) -> AnnouncementsScreen {
        AnnouncementsScreen {
            account: account.clone(),
            title: crate::i18n::trf(
                ui.lang,
                "admin.ann.title",
                &[("publisher", &publisher_name(ui, account))],
            ),
            list: ListView::new(vec![
                Column::new(&ui.tr("admin.col.state"), 9, 9),
                Column::new(&ui.tr("admin.col.title"), 20, 60),
                Column::new(&ui.tr("admin.col.updated_at"), 16, 16).priority(1),
                Column::new(&ui.tr("admin.col.author"), 6, 12).priority(2),
            ]),
            status: Status::None,
            ask: None,
        }
    }

    fn load(&self, cx: &mut Ctx) {
        cx.spawn(
            "load",
            |c| async move { c.own_announcements("limit=200").await },
        );
    }

    fn ask(&mut self, cx: &mut Ctx, act: Act) {
        let Some(a) = self.list.current() else {
            return;
        };
        let state = s(a, "state");
        let title = s(a, "title");
        let (dialog, fits) = match act {
            Act::Publish => (
                harmless(
                    cx.ui,
                    &cx.tr("admin.ann.publish_title"),
                    &crate::i18n::trf(cx.lang(), "admin.ann.publish_body", &[("title", &title)]),
                    &cx.tr("admin.ann.key_publish"),
                ),
                state == "draft",
            ),
            Act::Withdraw => (
                destructive(
                    cx.ui,
                    &cx.tr("admin.ann.withdraw_title"),
                    &crate::i18n::trf(cx.lang(), "admin.ann.withdraw_body", &[("title", &title)]),
                    &cx.tr("admin.ann.key_withdraw"),
                ),
                state == "published",
            ),
            Act::Delete => (
                destructive(
                    cx.ui,
                    &cx.tr("admin.ann.delete_title"),
                    &crate::i18n::trf(cx.lang(), "admin.ann.delete_body", &[("title", &title)]),
                    &cx.tr("admin.ann.key_delete"),
                ),
                state == "draft",
            ),
        };
        if !fits {
            self.status = Status::Info(crate::i18n::trf(
                cx.lang(),
                "admin.ann.not_now",
                &[("state", &state_name(cx.ui, &state))],
            ));
            return;
        }
        let version = a["version"].as_i64().unwrap_or_default();
        self.ask = Some(Ask::new(dialog, (act, s(a, "id"), version, title)));
    }

    fn open(&self, cx: &mut Ctx) {
        let Some(a) = self.list.current() else {
            return;
        };
        if a["state"] == "draft" {
            cx.push(AnnouncementEditor::new(cx.ui, &self.account, Some(a)));
        } else {
            let publisher = crate::tui::screens::text_of(cx.ui, &a["publisher"]);
            let text = preview_text(cx.ui, &publisher, &s(a, "title"), &s(a, "body"));
            cx.push(TextScreen::new(&s(a, "title"), &text));
        }
    }
}

impl Screen for AnnouncementsScreen {
    fn title(&self, _ui: &Ui) -> String {
        self.title.clone()
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
        let remove = match self.list.current().map(|a| s(a, "state")).as_deref() {
            Some("draft") => "admin.ann.key_delete",
            _ => "admin.ann.key_withdraw",
        };
        hints(
            keymap,
            &[
                (Context::List, "new", "admin.ann.key_new"),
                (Context::List, "open", "admin.ann.key_open"),
                (Context::List, "publish", "admin.ann.key_publish"),
                (Context::List, "remove", remove),
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
                Answer::Yes((act, id, version, title)) => {
                    self.status = Status::Working(cx.tr("status.working"));
                    match act {
                        Act::Publish | Act::Withdraw => {
                            let action = if matches!(act, Act::Publish) {
                                "publish"
                            } else {
                                "withdraw"
                            };
                            cx.spawn("act", move |c| async move {
                                c.announcement_action(&id, version, action)
                                    .await
                                    .map(|_| (action, title))
                            });
                        }
                        Act::Delete => {
                            cx.spawn("act", move |c| async move {
                                c.delete_announcement(&id, version)
                                    .await
                                    .map(|()| ("delete", title))
                            });
                        }
                    }
                    Handled::Changed
                }
                Answer::No => Handled::Changed,
            };
        }
        match self.list.key(ev, cx.keymap) {
            Handled::Event(TableEvent::Open(_)) => {
                self.open(cx);
                return Handled::Unchanged;
            }
            Handled::Ignored => {}
            other => return plain(other),
        }
        match command(cx.keymap, ev) {
            Some("new") => {
                cx.push(AnnouncementEditor::new(cx.ui, &self.account, None));
                Handled::Unchanged
            }
            Some("publish") => {
                self.ask(cx, Act::Publish);
                Handled::Changed
            }
            Some("remove") => {
                let draft = self.list.current().is_some_and(|a| a["state"] == "draft");
                self.ask(cx, if draft { Act::Delete } else { Act::Withdraw });
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
                        state_name(ui, &s(a, "state")),
                        s(a, "title"),
                        minutes_of(&a["updated_at"]),
                        s(a, "author_name"),
                    ]
                });
            }
            "act" => {
                let Some((action, title)) = take::<(&'static str, String)>(value) else {
                    return false;
                };
                self.status = Status::Success(crate::i18n::trf(
                    cx.lang(),
                    &format!("admin.ann.done_{action}"),
                    &[("title", &title)],
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
        render_page(
            area,
            buf,
            ui,
            &PageFrame {
                title: &self.title,
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

/// The outcome of "save, then publish": the saved draft, and what publishing it answered.
type Published = (Tagged, Result<Tagged, ClientError>);

/// Composes a new announcement or edits a draft: a title and a multi-line body.
pub struct AnnouncementEditor {
    publisher: String,
    id: Option<String>,
    version: i64,
    panel: FormPanel,
    ask: Option<Ask<()>>,
}

impl AnnouncementEditor {
    /// `draft`: the draft to edit (as the API answered it), or `None` for a new one.
    pub fn new(ui: &Ui, account: &Account, draft: Option<&Value>) -> AnnouncementEditor {
        let publisher = publisher_name(ui, account);
        let mut title = Field::text("title", &ui.tr("admin.field.ann_title")).required();
        let mut body = Field::multiline("body", &ui.tr("admin.field.ann_body"), 10).required();
        if let Some(d) = draft {
            title = title.with_value(&s(d, "title"));
            body = body.with_value(&s(d, "body"));
        }
        let heading = match draft {
            Some(_) => ui.tr("admin.ann.edit_title"),
            None => crate::i18n::trf(ui.lang, "admin.ann.new_title", &[("publisher", &publisher)]),
        };
        AnnouncementEditor {
            publisher,
            id: draft.map(|d| s(d, "id")),
            version: draft
                .and_then(|d| d["version"].as_i64())
                .unwrap_or_default(),
            panel: FormPanel::new(
                &heading,
                vec![ui.tr("admin.ann.editor_intro")],
                vec![title, body],
            ),
            ask: None,
        }
    }

    fn texts(&self) -> (String, String) {
        let form = &self.panel.form;
        let get = |id: &str| form.field(id).map(|f| f.text_value()).unwrap_or_default();
        (get("title").trim().to_string(), get("body"))
    }

    fn save(&mut self, cx: &mut Ctx) {
        if self
            .panel
            .begin_submit(&cx.tr("admin.ann.saving"))
            .is_none()
        {
            return;
        }
        let (title, body) = self.texts();
        let (id, version) = (self.id.clone(), self.version);
        cx.spawn("save", move |c| async move {
            match id {
                Some(id) => c.update_announcement(&id, version, &title, &body).await,
                None => c.create_announcement(&title, &body).await,
            }
        });
    }

    fn publish(&mut self, cx: &mut Ctx) {
        if self
            .panel
            .begin_submit(&cx.tr("admin.ann.publishing"))
            .is_none()
        {
            return;
        }
        let (title, body) = self.texts();
        let (id, version) = (self.id.clone(), self.version);
        cx.spawn("publish", move |c| async move {
            let saved = match id {
                Some(id) => c.update_announcement(&id, version, &title, &body).await?,
                None => c.create_announcement(&title, &body).await?,
            };
            let id = s(&saved.value, "id");
            let published = c
                .announcement_action(&id, version_of(&saved), "publish")
                .await;
            Ok::<Published, ClientError>((saved, published))
        });
    }

    fn saved(&mut self, t: &Tagged) {
        self.id = Some(s(&t.value, "id"));
        self.version = version_of(t);
        self.panel.edited = false;
    }
}

impl Screen for AnnouncementEditor {
    fn title(&self, _ui: &Ui) -> String {
        self.panel.title.clone()
    }

    fn context(&self) -> Context {
        if self.ask.is_some() {
            Context::Dialog
        } else {
            Context::Form
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        if self.ask.is_some() {
            return dialog_hints(keymap);
        }
        let mut h = hints(
            keymap,
            &[
                (Context::Form, "submit", "admin.ann.key_publish"),
                (Context::Form, "save_draft", "admin.ann.key_save"),
                (Context::Form, "preview", "admin.ann.key_preview"),
            ],
        );
        h.extend(keymap.hints_for(Context::Form, &["next_field", "prev_field"]));
        h
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if self.ask.is_some() {
            return match answer(&mut self.ask, ev, cx.keymap) {
                Answer::Open(changed) => Handled::from_changed(changed),
                Answer::Yes(()) => {
                    self.publish(cx);
                    Handled::Changed
                }
                Answer::No => Handled::Changed,
            };
        }
        if cx.keymap.is(Context::Form, "preview", ev) {
            let (title, body) = self.texts();
            let text = preview_text(cx.ui, &self.publisher, &title, &body);
            let heading =
                crate::i18n::trf(cx.lang(), "admin.ann.preview_title", &[("title", &title)]);
            cx.push(TextScreen::new(&heading, &text));
            return Handled::Unchanged;
        }
        match self.panel.key(ev, cx.keymap) {
            Handled::Event(PanelEvent::Submit) => {
                if !self.panel.is_working() && self.panel.form.check_required() {
                    let (title, _) = self.texts();
                    self.ask = Some(Ask::new(
                        harmless(
                            cx.ui,
                            &cx.tr("admin.ann.publish_title"),
                            &crate::i18n::trf(
                                cx.lang(),
                                "admin.ann.publish_body",
                                &[("title", &title)],
                            ),
                            &cx.tr("admin.ann.key_publish"),
                        ),
                        (),
                    ));
                }
                Handled::Changed
            }
            Handled::Event(PanelEvent::SaveDraft) => {
                self.save(cx);
                Handled::Changed
            }
            other => plain(other),
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Ctx) -> bool {
        self.panel.paste(text)
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        match kind {
            "save" => {
                let Some(t) = take::<Tagged>(value) else {
                    return false;
                };
                self.saved(&t);
                self.panel.status = Status::Success(crate::i18n::trf(
                    cx.lang(),
                    "admin.ann.saved",
                    &[("at", &minutes_of(&t.value["updated_at"]))],
                ));
            }
            "publish" => {
                let Some((saved, published)) = take::<Published>(value) else {
                    return false;
                };
                self.saved(&saved);
                match published {
                    Ok(t) => {
                        cx.success(&crate::i18n::trf(
                            cx.lang(),
                            "admin.ann.done_publish",
                            &[("title", &s(&t.value, "title"))],
                        ));
                        cx.pop();
                    }
                    Err(e) => self.panel.status = failure(cx, &e),
                }
            }
            _ => return false,
        }
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.panel.show_error(cx.ui, &error);
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.panel.render(area, buf, ui);
        if let Some(ask) = &self.ask {
            ask.dialog.render(area, buf, ui);
        }
    }

    fn cursor(&self) -> Option<Position> {
        if self.ask.is_some() {
            None
        } else {
            self.panel.cursor()
        }
    }

    fn has_unsaved(&self) -> bool {
        self.panel.edited
    }
}
