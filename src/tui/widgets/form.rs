//! A form: labelled fields in one column. The label column is as wide as the widest label in
//! display columns, so Chinese labels line up. Text fields are single-line
//! `ratatui_textarea::TextArea`s (they scroll by columns, so the cursor never leaves a field
//! full of 汉字); multi-line fields, passwords (masked), numbers with a unit, choices and
//! yes/no toggles are the other kinds. A validation message shows under its field and never
//! touches what was typed. Tab/Shift-Tab/Enter move between fields, Ctrl-S (F2) asks to save a
//! draft; the form scrolls so the focused field is always visible, and it exposes the
//! hardware-cursor position of the focused text field so the IME candidate window follows it.

use super::{Handled, cols, put};
use crate::display;
use crate::tui::Ui;
use crate::tui::keymap::{Context, Key, Keymap};
use crate::tui::theme::Role;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;
use ratatui_textarea::TextArea;
use std::collections::BTreeMap;

/// Widest input box of a number field (columns, before the unit).
const NUMBER_WIDTH: u16 = 16;

/// The kind of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// One line, shown masked (`•`, or `*` in ASCII mode).
    Password,
    /// Several lines; Enter inserts a line break, Tab leaves.
    MultiLine { rows: u16 },
    /// A number, with an optional unit shown after it (万元, %, 人).
    Number { unit: Option<String> },
    /// One of a list of options: (value, label). Left/Right/Space cycle.
    Choice { options: Vec<(String, String)> },
    /// Yes / no.
    Bool,
}

/// A field's value as the form hands it out.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    /// Nothing typed or chosen.
    Empty,
    /// A number field whose text is not a number (kept as typed).
    Invalid(String),
}

/// One field.
#[derive(Debug, Clone)]
pub struct Field {
    pub id: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    /// The validation message shown under the field.
    pub error: Option<String>,
    /// Shown in an empty text field.
    pub placeholder: Option<String>,
    editor: TextArea<'static>,
    choice: Option<usize>,
    flag: bool,
}

impl Field {
    fn new(id: &str, label: &str, kind: FieldKind) -> Field {
        let mut editor = TextArea::default();
        editor.set_cursor_line_style(Style::default());
        Field {
            id: id.to_string(),
            label: label.to_string(),
            kind,
            required: false,
            error: None,
            placeholder: None,
            editor,
            choice: None,
            flag: false,
        }
    }

    pub fn text(id: &str, label: &str) -> Field {
        Field::new(id, label, FieldKind::Text)
    }

    pub fn password(id: &str, label: &str) -> Field {
        Field::new(id, label, FieldKind::Password)
    }

    pub fn multiline(id: &str, label: &str, rows: u16) -> Field {
        Field::new(id, label, FieldKind::MultiLine { rows: rows.max(2) })
    }

    pub fn number(id: &str, label: &str, unit: Option<&str>) -> Field {
        Field::new(
            id,
            label,
            FieldKind::Number {
                unit: unit.map(str::to_string),
            },
        )
    }

    pub fn choice(id: &str, label: &str, options: &[(&str, &str)]) -> Field {
        let options = options
            .iter()
            .map(|(v, l)| (v.to_string(), l.to_string()))
            .collect();
        Field::new(id, label, FieldKind::Choice { options })
    }

    pub fn boolean(id: &str, label: &str) -> Field {
        Field::new(id, label, FieldKind::Bool)
    }

    /// Marks the field required (a `*` before the label; [`Form::check_required`] checks it).
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn with_placeholder(mut self, text: &str) -> Field {
        self.placeholder = Some(text.to_string());
        self
    }

    /// Sets the initial value (text, number text, option value, or `true`/`是`).
    pub fn with_value(mut self, value: &str) -> Field {
        self.set_text(value);
        self
    }

    fn is_text(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Text
                | FieldKind::Password
                | FieldKind::MultiLine { .. }
                | FieldKind::Number { .. }
        )
    }

    fn is_multiline(&self) -> bool {
        matches!(self.kind, FieldKind::MultiLine { .. })
    }

    fn set_text(&mut self, value: &str) {
        match &self.kind {
            FieldKind::Choice { options } => {
                self.choice = options.iter().position(|(v, _)| v == value);
            }
            FieldKind::Bool => self.flag = matches!(value, "true" | "1" | "是" | "yes"),
            _ => {
                let lines: Vec<String> = if self.is_multiline() {
                    value.split('\n').map(str::to_string).collect()
                } else {
                    vec![value.replace(['\n', '\r'], " ")]
                };
                let mut editor = TextArea::new(lines);
                editor.set_cursor_line_style(Style::default());
                editor.move_cursor(ratatui_textarea::CursorMove::Bottom);
                editor.move_cursor(ratatui_textarea::CursorMove::End);
                self.editor = editor;
            }
        }
    }

    /// The raw text of a text-like field (lines joined with `\n`).
    pub fn text_value(&self) -> String {
        self.editor.lines().join("\n")
    }

    /// The field's value.
    pub fn value(&self) -> Value {
        match &self.kind {
            FieldKind::Text | FieldKind::Password | FieldKind::MultiLine { .. } => {
                let t = self.text_value();
                if t.trim().is_empty() {
                    Value::Empty
                } else {
                    Value::Text(t)
                }
            }
            FieldKind::Number { .. } => {
                let t = self.text_value();
                if t.trim().is_empty() {
                    Value::Empty
                } else {
                    match parse_number(&t) {
                        Some(n) => Value::Number(n),
                        None => Value::Invalid(t),
                    }
                }
            }
            FieldKind::Choice { options } => match self.choice {
                Some(i) => Value::Text(options[i].0.clone()),
                None => Value::Empty,
            },
            FieldKind::Bool => Value::Bool(self.flag),
        }
    }

    /// Rows the field takes: its input plus its error message wrapped to `input_width`.
    fn height(&self, input_width: u16) -> u16 {
        let input = match self.kind {
            FieldKind::MultiLine { rows } => rows,
            _ => 1,
        };
        let error = self
            .error
            .as_ref()
            .map(|e| display::wrap(e, input_width.max(2) as usize).len() as u16)
            .unwrap_or(0);
        input + error
    }

    fn cycle(&mut self, forward: bool) -> bool {
        match &self.kind {
            FieldKind::Choice { options } if !options.is_empty() => {
                let n = options.len();
                self.choice = Some(match (self.choice, forward) {
                    (None, true) => 0,
                    (None, false) => n - 1,
                    (Some(i), true) => (i + 1) % n,
                    (Some(i), false) => (i + n - 1) % n,
                });
                true
            }
            FieldKind::Bool => {
                self.flag = !self.flag;
                true
            }
            _ => false,
        }
    }
}

/// Parses a number as typed: full-width digits (from an IME) and thousands separators are
/// accepted; `1,234.5` → 1234.5.
pub fn parse_number(s: &str) -> Option<f64> {
    let ascii: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '_'))
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' | '。' => '.',
            '－' => '-',
            other => other,
        })
        .collect();
    if ascii.is_empty()
        || !ascii
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    ascii.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// What the form asks its screen to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormEvent {
    /// Ctrl-S / F2: save what is typed as a draft.
    SaveDraft,
}

/// A column of fields.
#[derive(Debug, Clone)]
pub struct Form {
    fields: Vec<Field>,
    focus: usize,
    /// First content row shown.
    offset: u16,
    cursor: Option<Position>,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Form {
        Form {
            fields,
            focus: 0,
            offset: 0,
            cursor: None,
        }
    }

    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    fn field_mut(&mut self, id: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.id == id)
    }

    /// The id of the focused field.
    pub fn focused(&self) -> Option<&str> {
        self.fields.get(self.focus).map(|f| f.id.as_str())
    }

    /// Moves the focus to a field by id.
    pub fn focus(&mut self, id: &str) -> bool {
        match self.fields.iter().position(|f| f.id == id) {
            Some(i) if i != self.focus => {
                self.leave_field();
                self.focus = i;
                true
            }
            _ => false,
        }
    }

    pub fn focus_next(&mut self) -> bool {
        if self.focus + 1 < self.fields.len() {
            self.leave_field();
            self.focus += 1;
            true
        } else {
            false
        }
    }

    pub fn focus_prev(&mut self) -> bool {
        if self.focus > 0 {
            self.leave_field();
            self.focus -= 1;
            true
        } else {
            false
        }
    }

    /// Checks the number of the field being left, so a typo shows at once.
    fn leave_field(&mut self) {
        let Some(f) = self.fields.get_mut(self.focus) else {
            return;
        };
        if matches!(f.kind, FieldKind::Number { .. }) && matches!(f.value(), Value::Invalid(_)) {
            f.error = Some(NUMBER_ERROR_MARK.to_string());
        }
    }

    /// Every field's value by id.
    pub fn values(&self) -> BTreeMap<String, Value> {
        self.fields
            .iter()
            .map(|f| (f.id.clone(), f.value()))
            .collect()
    }

    pub fn value(&self, id: &str) -> Option<Value> {
        self.field(id).map(Field::value)
    }

    /// Replaces a field's value (e.g. a draft loaded back). Returns whether the field exists.
    pub fn set_value(&mut self, id: &str, value: &str) -> bool {
        match self.field_mut(id) {
            Some(f) => {
                f.set_text(value);
                true
            }
            None => false,
        }
    }

    /// Shows (or with `None` clears) a field's validation message. The typed text is kept.
    /// Returns whether anything changed.
    pub fn set_error(&mut self, id: &str, message: Option<&str>) -> bool {
        match self.field_mut(id) {
            Some(f) if f.error.as_deref() != message => {
                f.error = message.map(str::to_string);
                true
            }
            _ => false,
        }
    }

    /// Sets several messages at once (field id → message), clearing all others.
    pub fn set_errors<'a>(&mut self, errors: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
        let errors: BTreeMap<&str, &str> = errors.into_iter().collect();
        let mut changed = false;
        for f in &mut self.fields {
            let new = errors.get(f.id.as_str()).map(|s| s.to_string());
            if f.error != new {
                f.error = new;
                changed = true;
            }
        }
        changed
    }

    /// Whether any field shows a message.
    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }

    /// Makes field `id` required or not (its `*` mark follows); a field no longer required
    /// loses the form's own "required" message. Returns whether anything changed.
    pub fn set_required(&mut self, id: &str, required: bool) -> bool {
        let Some(f) = self.fields.iter_mut().find(|f| f.id == id) else {
            return false;
        };
        if f.required == required {
            return false;
        }
        f.required = required;
        if !required && f.error.as_deref() == Some(REQUIRED_ERROR_MARK) {
            f.error = None;
        }
        true
    }

    /// Marks empty required fields and number fields that are not numbers; moves the focus to
    /// the first such field. Returns whether the form is complete. Messages set by the caller
    /// on other fields are left alone.
    pub fn check_required(&mut self) -> bool {
        let mut first_bad = None;
        for (i, f) in self.fields.iter_mut().enumerate() {
            let v = f.value();
            let msg = if f.required && v == Value::Empty {
                Some(REQUIRED_ERROR_MARK)
            } else if matches!(v, Value::Invalid(_)) {
                Some(NUMBER_ERROR_MARK)
            } else {
                None
            };
            match msg {
                Some(m) => {
                    f.error = Some(m.to_string());
                    first_bad.get_or_insert(i);
                }
                None if f.error.as_deref().is_some_and(is_own_mark) => f.error = None,
                None => {}
            }
        }
        if let Some(i) = first_bad {
            self.focus = i;
        }
        first_bad.is_none()
    }

    /// Handles a key: field navigation and save-draft first (form context of the keymap), then
    /// the focused field. In a multi-line field Enter inserts a line break.
    pub fn handle_key(&mut self, ev: &KeyEvent, keymap: &Keymap) -> Handled<FormEvent> {
        let Some(field) = self.fields.get(self.focus) else {
            return Handled::Ignored;
        };
        let key = Key::from_event(ev);
        let plain_enter = key == Key::plain(KeyCode::Enter);
        if !(field.is_multiline() && plain_enter) {
            match keymap.lookup(Context::Form, &key) {
                Some("next_field") => return Handled::from_changed(self.focus_next()),
                Some("prev_field") => return Handled::from_changed(self.focus_prev()),
                Some("save_draft") => return Handled::Event(FormEvent::SaveDraft),
                _ => {}
            }
        }
        let field = &mut self.fields[self.focus];
        if field.is_text() {
            let newline = matches!(ev.code, KeyCode::Enter | KeyCode::Char('\n' | '\r'))
                || (ev.modifiers.contains(KeyModifiers::CONTROL)
                    && matches!(ev.code, KeyCode::Char('m' | 'j')));
            if newline && !field.is_multiline() {
                return Handled::Unchanged;
            }
            if matches!(ev.code, KeyCode::Esc | KeyCode::F(_)) {
                return Handled::Ignored;
            }
            let before = (field.editor.cursor(), field.editor.lines().to_vec());
            field.editor.input(*ev);
            let after_cursor = field.editor.cursor();
            if field.editor.lines() != before.1.as_slice() {
                if field.error.as_deref().is_some_and(is_own_mark) {
                    field.error = None;
                }
                Handled::Changed
            } else {
                Handled::from_changed(after_cursor != before.0)
            }
        } else {
            match keymap.lookup(Context::Form, &key) {
                Some("option_next") => Handled::from_changed(field.cycle(true)),
                Some("option_prev") => Handled::from_changed(field.cycle(false)),
                _ if key.is_printable() => Handled::Unchanged,
                _ => Handled::Ignored,
            }
        }
    }

    /// Pastes text into the focused text field (line breaks become spaces in single-line
    /// fields). Returns whether anything changed.
    pub fn handle_paste(&mut self, text: &str) -> bool {
        let Some(field) = self.fields.get_mut(self.focus) else {
            return false;
        };
        if !field.is_text() || text.is_empty() {
            return false;
        }
        let text = if field.is_multiline() {
            text.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            text.replace("\r\n", " ").replace(['\n', '\r'], " ")
        };
        field.editor.insert_str(text)
    }

    /// Where the terminal cursor belongs (the focused text field's insertion point), as of
    /// the last render; `None` when the focus is not on a text field.
    pub fn cursor_position(&self) -> Option<Position> {
        self.cursor
    }

    /// Width of the label column: the required mark, the widest label, a gap.
    fn label_width(&self) -> u16 {
        2 + self
            .fields
            .iter()
            .map(|f| cols(&f.label))
            .max()
            .unwrap_or(0)
            + 1
    }

    /// Draws the form into `area`, scrolling so the focused field is visible.
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ui: &Ui) {
        self.cursor = None;
        if area.width < 4 || area.height == 0 {
            return;
        }
        let label_w = self.label_width().min(area.width / 2);
        let input_x = area.x + label_w;
        let input_w = area.width - label_w;
        // content rows of each field
        let mut tops = Vec::with_capacity(self.fields.len());
        let mut y = 0u16;
        for f in &self.fields {
            tops.push(y);
            y = y.saturating_add(f.height(input_w));
        }
        let total = y;
        if let (Some(&top), Some(f)) = (tops.get(self.focus), self.fields.get(self.focus)) {
            let bottom = top + f.height(input_w);
            if top < self.offset {
                self.offset = top;
            } else if bottom > self.offset + area.height {
                self.offset = (bottom - area.height).min(top);
            }
        }
        self.offset = self.offset.min(total.saturating_sub(area.height));
        let view_end = self.offset + area.height;
        let screen_y = |content_y: u16| area.y + content_y - self.offset;
        let visible = |content_y: u16| content_y >= self.offset && content_y < view_end;

        for (i, field) in self.fields.iter_mut().enumerate() {
            let top = tops[i];
            let focused = i == self.focus;
            let input_rows = field.height(input_w)
                - field.error.as_ref().map_or(0, |e| {
                    display::wrap(e, input_w.max(2) as usize).len() as u16
                });
            if visible(top) {
                let y = screen_y(top);
                if field.required {
                    put(buf, area.x, y, "*", 1, ui.style(Role::RequiredMark));
                }
                let label_style = if focused {
                    ui.style(Role::Title)
                } else {
                    ui.style(Role::Text)
                };
                put(
                    buf,
                    area.x + 2,
                    y,
                    &field.label,
                    label_w.saturating_sub(3),
                    label_style,
                );
            }
            // the input, clipped to the visible rows
            let first = top.max(self.offset);
            let last = (top + input_rows).min(view_end);
            if first < last {
                let rect = Rect {
                    x: input_x,
                    y: screen_y(first),
                    width: input_w,
                    height: last - first,
                };
                let cursor = render_input(field, rect, buf, ui, focused);
                if focused {
                    self.cursor = cursor;
                }
            }
            if let Some(err) = &field.error {
                let text = own_mark_text(err, ui);
                for (j, line) in display::wrap(&text, input_w.max(2) as usize)
                    .iter()
                    .enumerate()
                {
                    let cy = top + input_rows + j as u16;
                    if visible(cy) {
                        put(
                            buf,
                            input_x,
                            screen_y(cy),
                            line,
                            input_w,
                            ui.style(Role::Error),
                        );
                    }
                }
            }
        }
        let muted = ui.style(Role::Muted);
        if self.offset > 0 {
            put(
                buf,
                area.right() - 1,
                area.y,
                ui.symbols.more_above,
                1,
                muted,
            );
        }
        if total > view_end {
            put(
                buf,
                area.right() - 1,
                area.bottom() - 1,
                ui.symbols.more_below,
                1,
                muted,
            );
        }
    }
}

/// Messages the form sets itself are stored as marks and shown in the user's language.
const REQUIRED_ERROR_MARK: &str = "\u{0}form.err.required";
const NUMBER_ERROR_MARK: &str = "\u{0}form.err.number";

fn is_own_mark(s: &str) -> bool {
    s == REQUIRED_ERROR_MARK || s == NUMBER_ERROR_MARK
}

fn own_mark_text(s: &str, ui: &Ui) -> String {
    match s.strip_prefix('\u{0}') {
        Some(key) => ui.tr(key),
        None => s.to_string(),
    }
}

/// Draws one field's input; returns the hardware-cursor position for a text field.
fn render_input(
    field: &mut Field,
    rect: Rect,
    buf: &mut Buffer,
    ui: &Ui,
    focused: bool,
) -> Option<Position> {
    let style = if focused {
        ui.style(Role::InputFocus)
    } else {
        ui.style(Role::Input)
    };
    match &field.kind {
        FieldKind::Choice { options } => {
            let label = match field.choice {
                Some(i) => options[i].1.clone(),
                None => ui.tr("form.choose"),
            };
            let text = format!("< {label} >");
            let s = if field.choice.is_none() {
                ui.style(Role::Muted)
            } else {
                style
            };
            put(buf, rect.x, rect.y, &text, rect.width, s);
            None
        }
        FieldKind::Bool => {
            let (yes, no) = (ui.tr("form.yes"), ui.tr("form.no"));
            let (y, n) = if field.flag {
                (format!("[{yes}]"), format!(" {no} "))
            } else {
                (format!(" {yes} "), format!("[{no}]"))
            };
            let sel = if focused {
                ui.style(Role::Selection)
            } else {
                ui.style(Role::Text)
                    .add_modifier(ratatui::style::Modifier::BOLD)
            };
            let plain = ui.style(Role::Text);
            let (ys, ns) = if field.flag {
                (sel, plain)
            } else {
                (plain, sel)
            };
            let x = put(buf, rect.x, rect.y, &y, rect.width, ys);
            let x = put(buf, x, rect.y, " ", rect.right().saturating_sub(x), plain);
            put(buf, x, rect.y, &n, rect.right().saturating_sub(x), ns);
            None
        }
        kind => {
            let mut rect = rect;
            if let FieldKind::Number { unit } = kind {
                let unit_w = unit.as_deref().map_or(0, |u| cols(u) + 1);
                let w = NUMBER_WIDTH.min(rect.width.saturating_sub(unit_w)).max(1);
                if let Some(u) = unit {
                    put(
                        buf,
                        rect.x + w + 1,
                        rect.y,
                        u,
                        rect.width.saturating_sub(w + 1),
                        ui.style(Role::Muted),
                    );
                }
                rect.width = w;
            }
            if matches!(kind, FieldKind::Password) {
                field.editor.set_mask_char(ui.symbols.mask);
            }
            field.editor.set_style(style);
            field.editor.set_cursor_style(style);
            match &field.placeholder {
                Some(p) if !focused => {
                    field.editor.set_placeholder_text(p.clone());
                    field.editor.set_placeholder_style(ui.style(Role::Muted));
                }
                _ => field.editor.set_placeholder_text(String::new()),
            }
            (&field.editor).render(rect, buf);
            if !focused {
                return None;
            }
            let sc = field.editor.screen_cursor();
            let (top, left) = field.editor.scroll_offset();
            let x = rect.x as usize + sc.col.saturating_sub(left as usize);
            let y = rect.y as usize + sc.row.saturating_sub(top as usize);
            (x < rect.right() as usize && y < rect.bottom() as usize)
                .then(|| Position::new(x as u16, y as u16))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Lang;
    use crate::tui::theme::Theme;
    use crate::tui::widgets::testing::{ctrl, draw, key};

    fn type_str(form: &mut Form, km: &Keymap, s: &str) {
        for c in s.chars() {
            form.handle_key(&key(KeyCode::Char(c)), km);
        }
    }

    fn sample() -> Form {
        Form::new(vec![
            Field::text("name", "企业名称").required(),
            Field::text("uscc", "统一社会信用代码").required(),
            Field::password("password", "密码").required(),
            Field::number("revenue", "上年度营业收入", Some("万元")).required(),
            Field::number("rd_ratio", "研发费用占比", Some("%")),
            Field::choice(
                "tier",
                "申报类型",
                &[
                    ("innovative", "创新型中小企业"),
                    ("specialized", "专精特新中小企业"),
                    ("little_giant", "专精特新“小巨人”企业"),
                ],
            )
            .required(),
            Field::boolean("listed", "是否上市"),
            Field::multiline("products", "主导产品", 3),
            Field::text("contact", "联系人"),
            Field::text("phone", "联系电话"),
        ])
    }

    fn filled(km: &Keymap) -> Form {
        let mut form = sample();
        type_str(&mut form, km, "深圳市南山区示例科技有限公司");
        form.focus_next();
        type_str(&mut form, km, "91440300MA5XXXXXX1");
        form.focus_next();
        type_str(&mut form, km, "secret12");
        form.focus_next();
        type_str(&mut form, km, "1,280.5");
        form.focus_next();
        type_str(&mut form, km, "6.2");
        form.focus_next();
        form.handle_key(&key(KeyCode::Right), km);
        form.handle_key(&key(KeyCode::Right), km);
        form.focus_next();
        form.handle_key(&key(KeyCode::Char(' ')), km);
        form
    }

    #[test]
    fn snapshot_zh_80x24_with_error() {
        let km = Keymap::defaults();
        let ui = Ui::default();
        let mut form = filled(&km);
        form.set_error("uscc", Some("校验位错误：第 18 位应为“Q”，现为“1”"));
        form.focus("uscc");
        let screen = draw(80, 24, |area, buf| form.render(area, buf, &ui));
        insta::assert_snapshot!(screen);
        // the cursor sits after the typed code: input column + 18 characters
        let label_w = 2 + display::width("统一社会信用代码") as u16 + 1;
        assert_eq!(form.cursor_position(), Some(Position::new(label_w + 18, 1)));
    }

    #[test]
    fn snapshot_en_120x40_ascii() {
        let km = Keymap::defaults();
        let ui = Ui::new(Theme::default(), true, Lang::En);
        let mut form = Form::new(vec![
            Field::text("name", "Company name").required(),
            Field::password("password", "Password").required(),
            Field::number("revenue", "Revenue last year", Some("10k CNY")).required(),
            Field::boolean("listed", "Listed"),
            Field::choice("tier", "Tier", &[("innovative", "Innovative SME")]),
        ]);
        form.focus("password");
        type_str(&mut form, &km, "hunter2");
        form.focus_next();
        type_str(&mut form, &km, "12x");
        form.focus_next(); // leaving a bad number marks it
        form.check_required();
        let screen = draw(120, 40, |area, buf| form.render(area, buf, &ui));
        insta::assert_snapshot!(screen);
        assert!(screen.contains("*******"));
        assert!(!screen.contains("hunter2"));
    }

    #[test]
    fn keeps_typed_text_after_an_error() {
        let km = Keymap::defaults();
        let mut form = sample();
        form.focus("uscc");
        type_str(&mut form, &km, "91440300MA5");
        assert!(form.set_error("uscc", Some("长度应为 18 位")));
        assert!(!form.set_error("uscc", Some("长度应为 18 位")));
        assert_eq!(form.value("uscc"), Some(Value::Text("91440300MA5".into())));
        // keep typing: the text continues where it was
        type_str(&mut form, &km, "X");
        assert_eq!(form.value("uscc"), Some(Value::Text("91440300MA5X".into())));
        // a caller's message stays until the caller clears it
        assert!(form.field("uscc").unwrap().error.is_some());
        assert!(form.set_errors([]));
        assert!(!form.has_errors());
    }

    #[test]
    fn required_and_number_checks() {
        let km = Keymap::defaults();
        let mut form = sample();
        assert!(!form.check_required());
        assert_eq!(form.focused(), Some("name"));
        assert!(form.field("password").unwrap().error.is_some());
        assert!(form.field("contact").unwrap().error.is_none());
        let mut form = filled(&km);
        assert!(form.check_required(), "{:?}", form.values());
        let v = form.values();
        assert_eq!(v["revenue"], Value::Number(1280.5));
        assert_eq!(v["tier"], Value::Text("specialized".into()));
        assert_eq!(v["listed"], Value::Bool(true));
        assert_eq!(v["contact"], Value::Empty);
        assert_eq!(v["password"], Value::Text("secret12".into()));
        form.set_value("revenue", "12万");
        assert_eq!(form.value("revenue"), Some(Value::Invalid("12万".into())));
        assert!(!form.check_required());
        assert_eq!(form.focused(), Some("revenue"));
        // typing clears the form's own message
        form.handle_key(&key(KeyCode::Backspace), &km);
        assert_eq!(form.value("revenue"), Some(Value::Number(12.0)));
        assert!(form.field("revenue").unwrap().error.is_none());
    }

    #[test]
    fn numbers_accept_ime_forms() {
        assert_eq!(parse_number("１２３．５"), Some(123.5));
        assert_eq!(parse_number("1,234"), Some(1234.0));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("1e9"), None);
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn navigation_and_events() {
        let km = Keymap::defaults();
        let mut form = sample();
        assert_eq!(form.handle_key(&key(KeyCode::Tab), &km), Handled::Changed);
        assert_eq!(form.focused(), Some("uscc"));
        assert_eq!(form.handle_key(&key(KeyCode::Enter), &km), Handled::Changed);
        assert_eq!(form.focused(), Some("password"));
        assert_eq!(
            form.handle_key(&key(KeyCode::BackTab), &km),
            Handled::Changed
        );
        assert_eq!(form.focused(), Some("uscc"));
        assert_eq!(
            form.handle_key(&ctrl('s'), &km),
            Handled::Event(FormEvent::SaveDraft)
        );
        assert_eq!(
            form.handle_key(&key(KeyCode::F(2)), &km),
            Handled::Event(FormEvent::SaveDraft)
        );
        assert_eq!(form.handle_key(&key(KeyCode::Esc), &km), Handled::Ignored);
        // q and ? are typed, not quit and help
        type_str(&mut form, &km, "q?");
        assert_eq!(form.value("uscc"), Some(Value::Text("q?".into())));
        form.set_value("uscc", "");
        assert_eq!(
            form.handle_key(&key(KeyCode::BackTab), &km),
            Handled::Changed
        );
        assert_eq!(
            form.handle_key(&key(KeyCode::BackTab), &km),
            Handled::Unchanged
        );
        // Enter in a multi-line field breaks the line; Tab leaves it
        form.focus("products");
        type_str(&mut form, &km, "工业机器人");
        form.handle_key(&key(KeyCode::Enter), &km);
        type_str(&mut form, &km, "减速器");
        assert_eq!(
            form.value("products"),
            Some(Value::Text("工业机器人\n减速器".into()))
        );
        form.handle_key(&key(KeyCode::Tab), &km);
        assert_eq!(form.focused(), Some("contact"));
        // paste: line breaks become spaces in a single-line field
        assert!(form.handle_paste("张\n三"));
        assert_eq!(form.value("contact"), Some(Value::Text("张 三".into())));
    }

    #[test]
    fn scrolls_to_keep_the_focused_field_visible() {
        let km = Keymap::defaults();
        let ui = Ui::default();
        let mut form = filled(&km);
        form.focus("phone");
        type_str(&mut form, &km, "0755");
        let screen = draw(60, 6, |area, buf| form.render(area, buf, &ui));
        assert!(screen.contains("联系电话"), "{screen}");
        assert!(screen.contains("0755"), "{screen}");
        assert!(!screen.contains("企业名称"), "{screen}");
        let pos = form.cursor_position().unwrap();
        assert!(pos.y < 6);
        form.focus("name");
        let screen = draw(60, 6, |area, buf| form.render(area, buf, &ui));
        assert!(screen.contains("企业名称"), "{screen}");
        assert_eq!(form.cursor_position().map(|p| p.y), Some(0));
        form.focus("tier");
        draw(60, 6, |area, buf| form.render(area, buf, &ui));
        assert_eq!(form.cursor_position(), None);
    }

    #[test]
    fn cursor_follows_cjk_text_by_columns() {
        let km = Keymap::defaults();
        let ui = Ui::default();
        let mut form = Form::new(vec![Field::text("a", "名称")]);
        type_str(&mut form, &km, "示例ab");
        draw(40, 3, |area, buf| form.render(area, buf, &ui));
        // label column: 2 + 4 + 1 = 7; "示例ab" is 6 columns wide
        assert_eq!(form.cursor_position(), Some(Position::new(13, 0)));
        // a long CJK text scrolls horizontally and the cursor stays inside the field
        type_str(&mut form, &km, &"汉字".repeat(30));
        draw(40, 3, |area, buf| form.render(area, buf, &ui));
        let p = form.cursor_position().unwrap();
        assert!(p.x < 40 && p.x >= 7, "{p:?}");
    }
}
