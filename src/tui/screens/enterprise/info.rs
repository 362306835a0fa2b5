//! 企业信息: the enterprise's basic information as the API describes it (with the facts it
//! derives: the certifying authority from 注册地, the questionnaire from 所属行业, the SME
//! size, what a declaration still needs), and its edit.
//!
//! The edit sends a patch with the version the form was read at (`If-Match`). The API's field
//! errors show under their fields and nothing typed is lost; a stale version reloads the
//! record, keeps what was typed and says who changed it. 注册地 and 所属行业 are picked from
//! the code lists: typing on those fields opens a tree picker searching by name, code or
//! pinyin initials; picking the industry moves on to 细分领域 and then 主导产品 (one per line).
//!
//! 细分领域 and 主导产品 (the line being typed) show what enterprises of the chosen 所属行业
//! already entered, narrowed as the user types (the latest request wins; products also by the
//! 细分领域 typed). Down/Up highlight one, Enter takes it, Esc closes the list; free text is
//! still allowed. Choosing another industry refreshes them.
//!
//! A certified enterprise sees the information read-only with the API's note on 信息更新; while
//! the update period is open, Enter opens the workspace's 信息更新 entry (if one is registered,
//! see [`super::INFO_UPDATE`]).

use super::{INFO_UPDATE, Line, Sheet, find_entry, hint, number_text};
use crate::client::{ClientError, Tagged};
use crate::display;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Hint, Keymap};
use crate::tui::screen::{Ctx, Screen, error_text, field_errors, take};
use crate::tui::screens::{FormPanel, PanelEvent, Status, date_of, text_of};
use crate::tui::theme::Role;
use crate::tui::widgets::form::{Field, Value as FieldValue};
use crate::tui::widgets::tree_picker::{IndustryNodes, PickerEvent, RegionNodes, TreePicker};
use crate::tui::widgets::{Handled, block, clear, put};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;
use serde_json::{Map, Value, json};
use std::any::Any;
use std::collections::BTreeMap;

/// The fields of the edit, in form order (ids are the API's field names).
const FIELDS: &[&str] = &[
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

/// Fields the API lets the owner clear (every other one, once set, must stay filled).
const CLEARABLE: &[&str] = &["established_on", "address", "contact_email"];

/// The catalogue key of a field's label.
fn label_key(field: &str) -> String {
    format!("ent.info.f.{field}")
}

/// "3983 敏感元件及传感器制造" for the stored class.
fn industry_value(data: &Value) -> String {
    let code = data["industry_code"].as_str().unwrap_or_default();
    if code.is_empty() {
        return String::new();
    }
    let name = data["industry_path"]
        .as_array()
        .and_then(|p| p.last())
        .and_then(|n| n["name"].as_str())
        .unwrap_or_default();
    format!("{code} {name}").trim().to_string()
}

/// "440106 广东省 广州市 天河区" for the stored county.
fn region_value(data: &Value) -> String {
    let code = data["county_code"].as_str().unwrap_or_default();
    if code.is_empty() {
        return String::new();
    }
    format!(
        "{code} {}",
        data["region_name"].as_str().unwrap_or_default()
    )
    .trim()
    .to_string()
}

/// The note on what 注册地 and 所属行业 decide, with what they decide now.
fn decisive_note(ui: &Ui, data: &Value) -> String {
    let unknown = ui.tr("ent.info.not_set");
    let authority = data["authority"]["name"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| unknown.clone());
    let questionnaire = if data["questionnaire"].is_null() {
        unknown
    } else {
        text_of(ui, &data["questionnaire"]["name"])
    };
    crate::i18n::trf(
        ui.lang,
        "ent.info.decisive",
        &[("authority", &authority), ("questionnaire", &questionnaire)],
    )
}

/// What the view's Enter does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Edit,
    InfoUpdate,
    Nothing,
}

/// The enterprise's basic information, read-only.
pub struct EnterpriseInfo {
    data: Option<Tagged>,
    sheet: Sheet,
    failed: Option<String>,
    /// Whether the workspace has a 信息更新 entry.
    update_entry: bool,
}

impl EnterpriseInfo {
    pub fn new(_ui: &Ui) -> EnterpriseInfo {
        EnterpriseInfo {
            data: None,
            sheet: Sheet::default(),
            failed: None,
            update_entry: false,
        }
    }

    fn load(&mut self, cx: &mut Ctx) {
        self.update_entry = cx
            .session
            .account
            .as_ref()
            .is_some_and(|a| find_entry(a, INFO_UPDATE).is_some());
        cx.spawn("load", |c| async move { c.own_enterprise().await });
    }

    fn action(&self) -> Action {
        let Some(t) = &self.data else {
            return Action::Nothing;
        };
        let d = &t.value;
        if d["editable"] == true {
            Action::Edit
        } else if d["certified"] == true
            && d["update_window"]["open_now"] == true
            && self.update_entry
        {
            Action::InfoUpdate
        } else {
            Action::Nothing
        }
    }

    fn lines(ui: &Ui, d: &Value) -> Vec<Line> {
        let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
        let not_set = ui.tr("ent.info.not_set");
        let pair = |field: &str, value: String| {
            if value.trim().is_empty() {
                Line::Pair(ui.tr(&label_key(field)), not_set.clone(), Role::Muted)
            } else {
                Line::Pair(ui.tr(&label_key(field)), value, Role::Text)
            }
        };
        let amount = |field: &str, unit: &str| {
            pair(
                field,
                number_text(&d[field])
                    .map(|n| format!("{n} {}", ui.tr(unit)))
                    .unwrap_or_default(),
            )
        };
        let mut lines = vec![Line::Para(decisive_note(ui, d), Role::Info)];
        if d["certified"] == true && !d["certified_note"].is_null() {
            lines.push(Line::Para(text_of(ui, &d["certified_note"]), Role::Warning));
        }
        let missing: Vec<String> = d["missing"]
            .as_array()
            .map(|m| m.iter().map(|f| text_of(ui, &f["label"])).collect())
            .unwrap_or_default();
        if !missing.is_empty() {
            lines.push(Line::Para(
                crate::i18n::trf(
                    ui.lang,
                    "ent.info.missing",
                    &[("fields", &missing.join(&ui.tr("ent.list_sep")))],
                ),
                Role::Warning,
            ));
        }
        lines.push(Line::Blank);
        lines.push(pair("name", s("name")));
        lines.push(pair("uscc", s("uscc")));
        lines.push(pair(
            "legal_rep",
            crate::i18n::trf(
                ui.lang,
                "ent.info.legal_rep_value",
                &[("name", &s("legal_rep")), ("id", &s("legal_rep_id_masked"))],
            ),
        ));
        lines.push(pair("county_code", region_value(d)));
        lines.push(pair(
            "authority",
            d["authority"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        ));
        let industry = d["industry_path"]
            .as_array()
            .map(|p| {
                p.iter()
                    .filter_map(|n| n["name"].as_str())
                    .collect::<Vec<_>>()
                    .join(" › ")
            })
            .unwrap_or_default();
        let industry = if industry.is_empty() {
            industry
        } else {
            format!("{industry}（{}）", s("industry_code"))
        };
        lines.push(pair("industry_code", industry));
        lines.push(pair(
            "questionnaire",
            if d["questionnaire"].is_null() {
                String::new()
            } else {
                text_of(ui, &d["questionnaire"]["name"])
            },
        ));
        lines.push(pair("segment", s("segment")));
        let products: Vec<&str> = d["main_products"]
            .as_array()
            .map(|p| p.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        lines.push(pair("main_products", products.join(&ui.tr("ent.list_sep"))));
        lines.push(pair("established_on", s("established_on")));
        lines.push(pair("address", s("address")));
        lines.push(amount("employees", "ent.unit.people"));
        lines.push(amount("revenue", "ent.unit.wan"));
        lines.push(amount("total_assets", "ent.unit.wan"));
        let size = if d["size"].is_null() {
            text_of(ui, &d["size_note"])
        } else {
            text_of(ui, &d["size"]["explanation"])
        };
        lines.push(pair("size", size));
        lines.push(pair("contact_name", s("contact_name")));
        lines.push(pair("contact_phone", s("contact_phone")));
        lines.push(pair("contact_email", s("contact_email")));
        lines.push(Line::Pair(
            ui.tr("ent.info.updated"),
            crate::i18n::trf(
                ui.lang,
                "ent.info.updated_value",
                &[
                    ("date", &date_of(&d["updated_at"])),
                    ("version", &number_text(&d["version"]).unwrap_or_default()),
                ],
            ),
            Role::Muted,
        ));
        lines
    }
}

impl Screen for EnterpriseInfo {
    fn loading(&self) -> bool {
        self.failed.is_none() && self.data.is_none()
    }

    fn title(&self, ui: &Ui) -> String {
        ui.tr("ent.info.title")
    }

    fn hints(&self, keymap: &Keymap) -> Vec<Hint> {
        let mut h = Vec::new();
        match self.action() {
            Action::Edit => h.extend(hint(keymap, Context::List, "open", "ent.key.edit")),
            Action::InfoUpdate => {
                h.extend(hint(keymap, Context::List, "open", "ent.key.info_update"))
            }
            Action::Nothing => {}
        }
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
        if cx.keymap.is(Context::List, "open", ev) {
            match (self.action(), &self.data) {
                (Action::Edit, Some(t)) => {
                    let s = EditInfo::new(cx.ui, t.value.clone(), t.version.unwrap_or(0));
                    cx.push(s);
                }
                (Action::InfoUpdate, _) => {
                    if let Some(e) = cx
                        .session
                        .account
                        .as_ref()
                        .and_then(|a| find_entry(a, INFO_UPDATE))
                    {
                        (e.open)(cx);
                    }
                }
                _ => {}
            }
            return Handled::Unchanged;
        }
        self.sheet.handle_key(ev, cx.keymap)
    }

    fn done(&mut self, _kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        let Some(t) = take::<Tagged>(value) else {
            return false;
        };
        self.sheet.set(Self::lines(cx.ui, &t.value));
        self.data = Some(t);
        self.failed = None;
        true
    }

    fn failed(&mut self, _kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        self.failed = Some(error_text(cx.lang(), &error));
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let title = match &self.data {
            Some(t) => t.value["name"].as_str().unwrap_or_default().to_string(),
            None => ui.tr("ent.info.title"),
        };
        let b = block(ui, &title, true);
        let inner = b.inner(area);
        b.render(area, buf);
        let inner = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        };
        if let Some(m) = &self.failed {
            for (i, l) in crate::display::wrap(m, inner.width.max(2) as usize)
                .iter()
                .enumerate()
                .take(inner.height as usize)
            {
                put(
                    buf,
                    inner.x,
                    inner.y + i as u16,
                    l,
                    inner.width,
                    ui.style(Role::Error),
                );
            }
            return;
        }
        if self.data.is_none() {
            put(
                buf,
                inner.x,
                inner.y,
                &ui.tr("common.loading"),
                inner.width,
                ui.style(Role::Muted),
            );
            return;
        }
        self.sheet.render(inner, buf, ui);
    }
}

/// Which code list a picker field picks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    Region,
    Industry,
}

impl Pick {
    fn of(field: &str) -> Option<Pick> {
        match field {
            "county_code" => Some(Pick::Region),
            "industry_code" => Some(Pick::Industry),
            _ => None,
        }
    }

    fn field(self) -> &'static str {
        match self {
            Pick::Region => "county_code",
            Pick::Industry => "industry_code",
        }
    }
}

/// The text each field of the edit shows for a record.
fn form_values(data: &Value) -> BTreeMap<&'static str, String> {
    FIELDS
        .iter()
        .map(|&f| {
            let v = match f {
                "county_code" => region_value(data),
                "industry_code" => industry_value(data),
                "main_products" => data[f]
                    .as_array()
                    .map(|p| {
                        p.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default(),
                _ if is_number(f) => number_text(&data[f]).unwrap_or_default(),
                _ => data[f].as_str().unwrap_or_default().to_string(),
            };
            (f, v)
        })
        .collect()
}

/// The most suggestions shown at once.
const SUGGESTIONS_SHOWN: usize = 6;

/// What suggestions are asked for: the field, the industry class, the typed prefix and, for
/// products, the 细分领域 typed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SuggestKey {
    field: &'static str,
    class: String,
    prefix: String,
    segment: String,
}

/// An answer to a suggestion request, with the request it answers.
struct SuggestAnswer {
    key: SuggestKey,
    items: Vec<String>,
}

/// The suggestions under 细分领域 or 主导产品.
struct Suggest {
    key: SuggestKey,
    items: Vec<String>,
    /// The highlighted one (Down/Up); none until the user moves into the list.
    cursor: Option<usize>,
}

/// The line of a field suggestions are for: 细分领域 whole, the last line of 主导产品.
fn suggest_line(field: &str, text: &str) -> String {
    if field == "main_products" {
        text.rsplit('\n')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string()
    } else {
        text.trim().to_string()
    }
}

/// The entries of `items` that extend `prefix` (ignoring case), the typed text itself left out.
fn narrowed(items: &[String], prefix: &str) -> Vec<String> {
    let p = prefix.to_lowercase();
    items
        .iter()
        .filter(|i| {
            let l = i.to_lowercase();
            l.starts_with(&p) && l != p
        })
        .cloned()
        .collect()
}

/// The edit of the basic information.
pub struct EditInfo {
    panel: FormPanel,
    /// The version the form stands on (`If-Match`).
    version: i64,
    /// The record as last read (which fields had a value).
    original: Value,
    picker: Option<(Pick, TreePicker)>,
    /// The conflict explanation while the current record is reloaded.
    conflict: Option<String>,
    /// The suggestions shown (under the focused field they belong to).
    suggest: Option<Suggest>,
    /// The suggestions last asked for.
    asked: Option<SuggestKey>,
}

impl EditInfo {
    pub fn new(ui: &Ui, data: Value, version: i64) -> EditInfo {
        let label = |f: &str| ui.tr(&label_key(f));
        let v = form_values(&data);
        let search = ui.tr("ent.edit.search_hint");
        let fields = vec![
            Field::text("county_code", &label("county_code"))
                .with_value(&v["county_code"])
                .with_placeholder(&search),
            Field::text("industry_code", &label("industry_code"))
                .with_value(&v["industry_code"])
                .with_placeholder(&search),
            Field::text("segment", &label("segment")).with_value(&v["segment"]),
            Field::multiline("main_products", &ui.tr("ent.edit.main_products"), 3)
                .with_value(&v["main_products"]),
            Field::text("established_on", &label("established_on"))
                .with_value(&v["established_on"])
                .with_placeholder(&ui.tr("ent.edit.date_hint")),
            Field::text("address", &label("address")).with_value(&v["address"]),
            Field::number(
                "employees",
                &label("employees"),
                Some(&ui.tr("ent.unit.people")),
            )
            .with_value(&v["employees"]),
            Field::number("revenue", &label("revenue"), Some(&ui.tr("ent.unit.wan")))
                .with_value(&v["revenue"]),
            Field::number(
                "total_assets",
                &label("total_assets"),
                Some(&ui.tr("ent.unit.wan")),
            )
            .with_value(&v["total_assets"]),
            Field::text("contact_name", &label("contact_name")).with_value(&v["contact_name"]),
            Field::text("contact_phone", &label("contact_phone")).with_value(&v["contact_phone"]),
            Field::text("contact_email", &label("contact_email")).with_value(&v["contact_email"]),
        ];
        // a value that is set cannot be cleared: the form says so before the API does
        let fields = fields
            .into_iter()
            .map(|f| {
                if !CLEARABLE.contains(&f.id.as_str()) && has_value(&data, &f.id) {
                    f.required()
                } else {
                    f
                }
            })
            .collect();
        let intro = vec![ui.tr("ent.edit.intro")];
        EditInfo {
            panel: FormPanel::new(&ui.tr("ent.edit.title"), intro, fields),
            version,
            original: data,
            picker: None,
            conflict: None,
            suggest: None,
            asked: None,
        }
    }

    /// The suggestions the focused field wants now (none off 细分领域 and 主导产品, or without
    /// an industry class).
    fn suggest_key(&self) -> Option<SuggestKey> {
        let field = match self.panel.form.focused()? {
            "segment" => "segment",
            "main_products" => "main_products",
            _ => return None,
        };
        let class = self.code_of("industry_code")?;
        if class.len() != 4 || !class.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let text = self.panel.form.field(field)?.text_value();
        let segment = if field == "main_products" {
            self.panel
                .form
                .field("segment")
                .map(|f| f.text_value().trim().to_string())
                .unwrap_or_default()
        } else {
            String::new()
        };
        Some(SuggestKey {
            field,
            class,
            prefix: suggest_line(field, &text),
            segment,
        })
    }

    /// Asks for the suggestions the focused field wants, if they changed; meanwhile the list
    /// shown is narrowed to what was typed (or closed, off its field or its industry).
    fn refresh_suggestions(&mut self, cx: &mut Ctx) {
        let key = self.suggest_key();
        if key == self.asked {
            return;
        }
        self.asked = key.clone();
        let Some(key) = key else {
            self.suggest = None;
            return;
        };
        self.suggest = self.suggest.take().and_then(|s| {
            let same = s.key.field == key.field
                && s.key.class == key.class
                && s.key.segment == key.segment;
            let items = narrowed(&s.items, &key.prefix);
            (same && !items.is_empty()).then(|| Suggest {
                key: key.clone(),
                items,
                cursor: None,
            })
        });
        cx.spawn("suggest", move |c| async move {
            let v = match key.field {
                "segment" => c.segment_suggestions(&key.class, &key.prefix).await?,
                _ => {
                    let segment = Some(key.segment.as_str()).filter(|s| !s.is_empty());
                    c.product_suggestions(&key.class, segment, &key.prefix)
                        .await?
                }
            };
            let items = v["suggestions"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            Ok(SuggestAnswer { key, items })
        });
    }

    /// Down/Up/Enter/Esc on an open list of suggestions; `None` when the key is not for it.
    fn suggest_key_event(&mut self, ev: &KeyEvent) -> Option<Handled> {
        let focused = self.panel.form.focused();
        let s = self.suggest.as_mut()?;
        if focused != Some(s.key.field) || s.items.is_empty() {
            return None;
        }
        if ev
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return None;
        }
        let last = s.items.len().min(SUGGESTIONS_SHOWN) - 1;
        match ev.code {
            KeyCode::Down => {
                s.cursor = Some(s.cursor.map_or(0, |i| (i + 1).min(last)));
                Some(Handled::Changed)
            }
            KeyCode::Up if s.cursor.is_some() => {
                s.cursor = s.cursor.and_then(|i| i.checked_sub(1));
                Some(Handled::Changed)
            }
            KeyCode::Esc => {
                self.suggest = None;
                Some(Handled::Changed)
            }
            KeyCode::Enter if s.cursor.is_some() => {
                let field = s.key.field;
                let chosen = s.items[s.cursor.unwrap_or_default()].clone();
                let text = self
                    .panel
                    .form
                    .field(field)
                    .map(|f| f.text_value())
                    .unwrap_or_default();
                let value = match text.rfind('\n') {
                    Some(i) if field == "main_products" => format!("{}{chosen}", &text[..=i]),
                    _ => chosen,
                };
                self.panel.form.set_value(field, &value);
                self.panel.form.set_error(field, None);
                self.panel.edited = true;
                self.suggest = None;
                Some(Handled::Changed)
            }
            _ => None,
        }
    }

    /// The list of suggestions under the cursor of its field.
    fn render_suggestions(&self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        let Some(s) = &self.suggest else {
            return;
        };
        let Some(at) = self.panel.cursor() else {
            return;
        };
        if self.panel.form.focused() != Some(s.key.field) || s.items.is_empty() {
            return;
        }
        let shown = &s.items[..s.items.len().min(SUGGESTIONS_SHOWN)];
        let title = ui.tr("ent.edit.suggest_title");
        let widest = shown
            .iter()
            .map(|i| display::width(i) + 5)
            .chain([display::width(&title) + 5])
            .max()
            .unwrap_or(20) as u16;
        let typed = self
            .panel
            .form
            .field(s.key.field)
            .map(|f| display::width(&suggest_line(s.key.field, &f.text_value())))
            .unwrap_or(0) as u16;
        let x = at.x.saturating_sub(typed).max(area.x);
        let w = widest.min(area.right().saturating_sub(x));
        let h = shown.len() as u16 + 2;
        let y = if at.y + 1 + h <= area.bottom() {
            at.y + 1
        } else {
            at.y.saturating_sub(h)
        };
        let rect = Rect {
            x,
            y: y.max(area.y),
            width: w,
            height: h.min(area.height),
        };
        if rect.width < 6 || rect.height < 3 {
            return;
        }
        clear(buf, rect, ui.style(Role::Text));
        let b = block(ui, &title, true);
        let inner = b.inner(rect);
        b.render(rect, buf);
        for (i, item) in shown.iter().enumerate().take(inner.height as usize) {
            let (mark, role) = if s.cursor == Some(i) {
                ("› ", Role::Selection)
            } else {
                ("  ", Role::Text)
            };
            put(
                buf,
                inner.x,
                inner.y + i as u16,
                &format!("{mark}{item}"),
                inner.width,
                ui.style(role),
            );
        }
    }

    fn open_picker(&mut self, pick: Pick, query: &str, ui: &Ui) {
        let mut picker = match pick {
            Pick::Region => TreePicker::new(
                Box::new(RegionNodes::builtin()),
                &ui.tr("ent.edit.pick_region"),
            )
            .selectable_levels(&[3]),
            Pick::Industry => TreePicker::new(
                Box::new(IndustryNodes::builtin()),
                &ui.tr("ent.edit.pick_industry"),
            )
            .selectable_levels(&[4]),
        };
        if let Some(code) = self.code_of(pick.field()) {
            picker.reveal(&code);
        }
        if !query.is_empty() {
            picker.set_query(query);
        }
        self.picker = Some((pick, picker));
    }

    /// The code of a picker field (its first word).
    fn code_of(&self, field: &str) -> Option<String> {
        match self.panel.form.value(field) {
            Some(FieldValue::Text(t)) => t.split_whitespace().next().map(str::to_string),
            _ => None,
        }
    }

    fn picked(&mut self, pick: Pick, code: &str) {
        let value = match pick {
            Pick::Region => crate::domain::regions::Regions::builtin()
                .full_name(code)
                .map(|n| format!("{code} {n}")),
            Pick::Industry => crate::domain::industries::Industries::builtin()
                .get(code)
                .map(|i| format!("{code} {}", i.name)),
        }
        .unwrap_or_else(|| code.to_string());
        let field = pick.field();
        self.panel.form.set_value(field, &value);
        self.panel.form.set_error(field, None);
        self.panel.form.focus(field);
        self.panel.form.focus_next();
        self.panel.edited = true;
        if matches!(self.panel.status, Status::Error(_)) {
            self.panel.status = Status::None;
        }
    }

    /// The patch: every field that has a value or had one (an emptied one is sent empty, so
    /// the API says whether it may be cleared).
    fn patch(&self) -> Value {
        let mut p = Map::new();
        for &f in FIELDS {
            let had = has_value(&self.original, f);
            let v = self.panel.form.value(f).unwrap_or(FieldValue::Empty);
            match (f, v) {
                ("county_code" | "industry_code", FieldValue::Text(t)) => {
                    let code = t.split_whitespace().next().unwrap_or_default();
                    p.insert(f.into(), json!(code));
                }
                ("main_products", FieldValue::Text(t)) => {
                    let list: Vec<&str> =
                        t.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
                    p.insert(f.into(), json!(list));
                }
                ("main_products", FieldValue::Empty) if had => {
                    p.insert(f.into(), json!([]));
                }
                (_, FieldValue::Number(n)) => {
                    p.insert(f.into(), json!(n));
                }
                (_, FieldValue::Text(t)) => {
                    p.insert(f.into(), json!(t.trim()));
                }
                (_, FieldValue::Empty) if had && !is_number(f) => {
                    p.insert(f.into(), json!(""));
                }
                _ => {}
            }
        }
        Value::Object(p)
    }

    fn submit(&mut self, cx: &mut Ctx) {
        if self.panel.begin_submit(&cx.tr("ent.edit.saving")).is_none() {
            return;
        }
        let patch = self.patch();
        let version = self.version;
        cx.spawn("save", move |c| async move {
            c.update_enterprise(version, &patch).await
        });
    }

    /// Field errors under their fields; several messages of one field (主导产品) together.
    fn show_error(&mut self, ui: &Ui, e: &ClientError) {
        self.panel.show_error(ui, e);
        let mut by_field: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (f, m) in field_errors(ui.lang, e) {
            by_field.entry(f).or_default().push(m);
        }
        for (f, msgs) in by_field {
            if msgs.len() > 1 {
                self.panel.form.set_error(&f, Some(&msgs.join(" ")));
            }
        }
    }
}

impl EditInfo {
    /// Whether a list of suggestions shows under the focused field.
    fn suggestions_open(&self) -> bool {
        self.suggest
            .as_ref()
            .is_some_and(|s| !s.items.is_empty() && self.panel.form.focused() == Some(s.key.field))
    }
}

fn is_number(field: &str) -> bool {
    matches!(field, "employees" | "revenue" | "total_assets")
}

fn has_value(data: &Value, field: &str) -> bool {
    match &data[field] {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => true,
    }
}

impl Screen for EditInfo {
    fn title(&self, ui: &Ui) -> String {
        ui.tr("ent.edit.title")
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
            return keymap.hints_for(Context::Picker, &["pick", "expand", "collapse"]);
        }
        let mut h = keymap.hints_for(Context::Form, &["submit", "next_field", "prev_field"]);
        if self
            .panel
            .form
            .focused()
            .is_some_and(|f| Pick::of(f).is_some())
        {
            h.insert(0, super::fixed_hint("Enter", "ent.key.choose"));
        }
        if self.suggestions_open() {
            h.insert(0, super::fixed_hint("↓↑ Enter", "ent.key.take_suggestion"));
        }
        h
    }

    fn key(&mut self, ev: &KeyEvent, cx: &mut Ctx) -> Handled {
        if let Some((pick, picker)) = &mut self.picker {
            let pick = *pick;
            return match picker.handle_key(ev, cx.keymap) {
                Handled::Event(PickerEvent::Picked(node)) => {
                    self.picker = None;
                    self.picked(pick, &node.code);
                    // another industry: other segments and products
                    self.refresh_suggestions(cx);
                    Handled::Changed
                }
                Handled::Ignored if ev.code == KeyCode::Esc => {
                    self.picker = None;
                    Handled::Changed
                }
                Handled::Ignored => Handled::Unchanged,
                Handled::Changed => Handled::Changed,
                Handled::Unchanged => Handled::Unchanged,
            };
        }
        if self.panel.is_working() {
            return if ev.code == KeyCode::Esc {
                Handled::Ignored
            } else {
                Handled::Unchanged
            };
        }
        if let Some(pick) = self.panel.form.focused().and_then(Pick::of) {
            let plain = !ev
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            let query = match ev.code {
                KeyCode::Char(c) if plain => Some(c.to_string()),
                KeyCode::Enter | KeyCode::Backspace | KeyCode::Delete if plain => {
                    Some(String::new())
                }
                _ => None,
            };
            if let Some(q) = query {
                self.open_picker(pick, &q, cx.ui);
                return Handled::Changed;
            }
        }
        if let Some(h) = self.suggest_key_event(ev) {
            self.refresh_suggestions(cx);
            return h;
        }
        let h = match self.panel.key(ev, cx.keymap) {
            Handled::Event(PanelEvent::Submit) => {
                self.submit(cx);
                Handled::Changed
            }
            Handled::Event(PanelEvent::SaveDraft) => Handled::Unchanged,
            other => super::plain(other),
        };
        self.refresh_suggestions(cx);
        h
    }

    fn paste(&mut self, text: &str, cx: &mut Ctx) -> bool {
        if let Some((_, picker)) = &mut self.picker {
            let q = format!("{}{text}", picker.query());
            return picker.set_query(&q);
        }
        if let Some(pick) = self.panel.form.focused().and_then(Pick::of) {
            self.open_picker(pick, text.trim(), cx.ui);
            return true;
        }
        let changed = self.panel.paste(text);
        self.refresh_suggestions(cx);
        changed
    }

    fn done(&mut self, kind: &'static str, value: Box<dyn Any + Send>, cx: &mut Ctx) -> bool {
        if kind == "suggest" {
            let Some(a) = take::<SuggestAnswer>(value) else {
                return false;
            };
            // an answer for what is no longer typed is dropped
            if self.asked.as_ref() != Some(&a.key) {
                return false;
            }
            let items = narrowed(&a.items, &a.key.prefix);
            self.suggest = (!items.is_empty()).then_some(Suggest {
                key: a.key,
                items,
                cursor: None,
            });
            return true;
        }
        let Some(t) = take::<Tagged>(value) else {
            return false;
        };
        match kind {
            "save" => {
                self.panel.edited = false;
                self.panel.status = Status::None;
                cx.success(&cx.tr("ent.edit.saved"));
                cx.pop();
            }
            "reload" => {
                self.version = t.version.unwrap_or(self.version);
                // fields the user did not touch take the current values; typed ones stay
                let before = form_values(&self.original);
                let now = form_values(&t.value);
                for &f in FIELDS {
                    let typed = self
                        .panel
                        .form
                        .field(f)
                        .map(|x| x.text_value())
                        .unwrap_or_default();
                    if typed == before[f] && before[f] != now[f] {
                        self.panel.form.set_value(f, &now[f]);
                    }
                }
                self.original = t.value;
                let text = format!(
                    "{}\n{}",
                    self.conflict.take().unwrap_or_default(),
                    crate::i18n::trf(
                        cx.lang(),
                        "ent.edit.reloaded",
                        &[("version", &self.version.to_string())],
                    )
                );
                self.panel.status = Status::Error(text.trim().to_string());
            }
            _ => return false,
        }
        true
    }

    fn failed(&mut self, kind: &'static str, error: ClientError, cx: &mut Ctx) -> bool {
        if kind == "suggest" {
            // suggestions only help: without them the field is typed as before
            let shown = self.suggest.take().is_some();
            return shown;
        }
        if kind == "save" && error.code() == Some("conflict") {
            self.conflict = Some(error_text(cx.lang(), &error));
            self.panel.status = Status::Working(cx.tr("ent.edit.reloading"));
            cx.spawn("reload", |c| async move { c.own_enterprise().await });
            return true;
        }
        self.show_error(cx.ui, &error);
        true
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.panel.render(area, buf, ui);
        if let Some((_, picker)) = &mut self.picker {
            let w = area.width.min(80);
            let rect = Rect {
                x: area.x + (area.width - w) / 2,
                width: w,
                ..area
            };
            clear(buf, rect, ui.style(Role::Text));
            picker.render(rect, buf, ui);
            return;
        }
        self.render_suggestions(area, buf, ui);
    }

    fn cursor(&self) -> Option<Position> {
        match &self.picker {
            Some((_, p)) => p.cursor_position(),
            None => self.panel.cursor(),
        }
    }

    fn has_unsaved(&self) -> bool {
        self.panel.edited
    }
}
