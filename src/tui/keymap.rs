//! Key bindings by context: named commands (`"down"`, `"pass"`, `"save_draft"` …) bound to keys.
//!
//! The keymap knows nothing of the application's `Action`s: a screen asks which command a key
//! means in its context and maps that to its own action. The defaults are in [`DEFAULTS`]; a user
//! TOML file patches them per context and command (`[list] pass = ["a", "F5"]`; `[]` unbinds).
//! Problems in that file, two commands on one key in one context, and a context key shadowing a
//! global one are reported as warnings (bilingual, through the string catalogue) and never stop
//! the program. The footer and the `?` help are generated from [`Keymap::hints`], so they always
//! show the keys actually bound.
//!
//! Chinese input: an active IME swallows bare letters (and turns `?` `/` into full-width
//! punctuation), so every command on a bare printable key also has a non-printable one (an
//! F-key, a Ctrl/Alt combination or a named key); a test enforces that for the defaults.
//! Text-entry contexts (form, picker) give printable keys to the field first: there, global
//! commands are reached through their non-printable keys (F1 help, F10 quit).

use crate::domain::Lang;
use crate::i18n::{tr, trf};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;
use std::path::Path;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Everywhere, unless the active context binds the key itself or is modal.
    Global,
    /// Tables and lists.
    List,
    /// Forms (text entry: printable keys go to the focused field).
    Form,
    /// Modal dialogs: global bindings do not apply.
    Dialog,
    /// Tree pickers (text entry: printable keys search).
    Picker,
    /// The actions of the review console (a scope: see [`Keymap::set_scope`]).
    Review,
    /// The actions of the enterprise workspace (a scope).
    Enterprise,
    /// The actions of the administration and support consoles (a scope).
    Admin,
}

impl Context {
    pub const ALL: [Context; 8] = [
        Context::Global,
        Context::List,
        Context::Form,
        Context::Dialog,
        Context::Picker,
        Context::Review,
        Context::Enterprise,
        Context::Admin,
    ];

    /// The workspace scopes: their commands apply, after the screen's own context, on the
    /// screens of that workspace only — so `d` may delete a draft in the enterprise workspace
    /// and close a window in the admin console.
    pub const SCOPES: [Context; 3] = [Context::Review, Context::Enterprise, Context::Admin];

    pub fn is_scope(self) -> bool {
        Context::SCOPES.contains(&self)
    }

    /// The section name in a keymap file.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Form => "form",
            Context::Dialog => "dialog",
            Context::Picker => "picker",
            Context::Review => "review",
            Context::Enterprise => "enterprise",
            Context::Admin => "admin",
        }
    }

    pub fn from_name(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == s)
    }

    /// A modal context captures every key: global bindings do not apply in it.
    pub fn is_modal(self) -> bool {
        self == Context::Dialog
    }

    /// A text-entry context types printable keys: there, global bindings apply only to
    /// non-printable keys (F1, F10, Esc …), so `q` and `?` can be typed.
    pub fn is_text_entry(self) -> bool {
        matches!(self, Context::Form | Context::Picker)
    }
}

fn scope_eq(a: Context, b: Context) -> bool {
    a == b
}

/// The default bindings, in the order the footer and help show them.
pub const DEFAULTS: &[(Context, &str, &[&str])] = &[
    (Context::Global, "help", &["?", "F1"]),
    (Context::Global, "back", &["Esc"]),
    (Context::Global, "quit", &["q", "F10"]),
    (Context::Global, "redraw", &["Ctrl-l"]),
    (Context::List, "up", &["k", "Up"]),
    (Context::List, "down", &["j", "Down"]),
    (Context::List, "half_page_down", &["Ctrl-d", "PgDn"]),
    (Context::List, "half_page_up", &["Ctrl-u", "PgUp"]),
    (Context::List, "top", &["g", "Home"]),
    (Context::List, "bottom", &["G", "End"]),
    (Context::List, "open", &["Enter"]),
    (Context::List, "toggle_select", &["Space", "Insert"]),
    (Context::List, "select_all", &["Ctrl-a"]),
    (Context::List, "filter", &["/", "F3"]),
    (Context::List, "sort", &["s", "F4"]),
    (Context::Form, "next_field", &["Tab", "Enter"]),
    (Context::Form, "prev_field", &["Shift-Tab"]),
    (Context::Form, "option_next", &["Right", "Space"]),
    (Context::Form, "option_prev", &["Left"]),
    (Context::Form, "save_draft", &["Ctrl-s", "F2"]),
    (Context::Form, "submit", &["F9", "Ctrl-g"]),
    (
        Context::Dialog,
        "switch",
        &["Tab", "Shift-Tab", "Left", "Right", "h", "l"],
    ),
    (Context::Dialog, "confirm", &["Enter"]),
    (Context::Dialog, "cancel", &["Esc"]),
    (Context::Picker, "up", &["Up"]),
    (Context::Picker, "down", &["Down"]),
    (Context::Picker, "half_page_down", &["PgDn"]),
    (Context::Picker, "half_page_up", &["PgUp"]),
    (Context::Picker, "expand", &["Right"]),
    (Context::Picker, "collapse", &["Left"]),
    (Context::Picker, "pick", &["Enter"]),
    (Context::List, "next_tab", &["Right"]),
    (Context::List, "prev_tab", &["Left"]),
    (Context::Form, "new_challenge", &["F5"]),
    (Context::Form, "preview", &["F6", "Ctrl-o"]),
    (Context::Form, "next_section", &["PgDn", "Ctrl-n"]),
    (Context::Form, "prev_section", &["PgUp", "Ctrl-p"]),
    (Context::Form, "evidence", &["F7", "Ctrl-f"]),
    (Context::Form, "breakdown", &["F8", "Ctrl-b"]),
    // the review console (src/tui/screens/review)
    (Context::Review, "pass", &["a", "F5"]),
    (Context::Review, "return", &["r", "F6"]),
    (Context::Review, "reject", &["x", "F7"]),
    (Context::Review, "filters", &["f", "F8"]),
    (Context::Review, "export", &["e", "Ctrl-e"]),
    (Context::Review, "refresh", &["Ctrl-r"]),
    (Context::Review, "save_file", &["w", "F2"]),
    // the enterprise workspace (src/tui/screens/enterprise, src/tui/screens/declare)
    (Context::Enterprise, "new", &["n", "F8"]),
    (Context::Enterprise, "edit", &["e", "Ctrl-e"]),
    (Context::Enterprise, "submit", &["F9", "Ctrl-g"]),
    (Context::Enterprise, "withdraw", &["w", "Ctrl-w"]),
    (Context::Enterprise, "delete", &["d", "Delete"]),
    (Context::Enterprise, "evidence", &["f", "Ctrl-f"]),
    (Context::Enterprise, "export", &["p", "Ctrl-p"]),
    (Context::Enterprise, "type_filter", &["t", "Ctrl-t"]),
    (Context::Enterprise, "mark_read", &["m", "Ctrl-r"]),
    (Context::Enterprise, "history", &["h", "F6"]),
    // administration and support (src/tui/screens/admin)
    (Context::Admin, "new", &["n", "Ctrl-n"]),
    (Context::Admin, "pass", &["a", "F5"]),
    (Context::Admin, "reject", &["x", "F7"]),
    (Context::Admin, "remove", &["d", "Delete"]),
    (Context::Admin, "publish", &["p", "Ctrl-p"]),
    (Context::Admin, "flag", &["f", "Ctrl-f"]),
    (Context::Admin, "unflag", &["u", "Alt-u"]),
    (Context::Admin, "unlock", &["l", "Alt-l"]),
];

/// One key with its modifiers, normalised so that a parsed name and a terminal event compare
/// equal: a character carries its own case (no Shift), Ctrl+letter is lower-case, Shift-Tab is
/// `BackTab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

/// A key name that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParseError {
    pub input: String,
}

impl fmt::Display for KeyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown key `{}`", self.input)
    }
}

impl std::error::Error for KeyParseError {}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("bs", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pageup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("pgdown", KeyCode::PageDown),
    ("pagedown", KeyCode::PageDown),
    ("space", KeyCode::Char(' ')),
];

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let mut code = code;
        match code {
            KeyCode::BackTab => mods.remove(KeyModifiers::SHIFT),
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => {
                code = KeyCode::BackTab;
                mods.remove(KeyModifiers::SHIFT);
            }
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    code = KeyCode::Char(c.to_ascii_lowercase());
                }
            }
            _ => {}
        }
        Key { code, mods }
    }

    /// A plain key without modifiers.
    pub fn plain(code: KeyCode) -> Key {
        Key::new(code, KeyModifiers::NONE)
    }

    /// The key of a terminal event. Full-width punctuation and digits from an IME (`？` `／`
    /// `１`) count as their ASCII forms, so `?` still opens the help in Chinese input mode.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let code = match ev.code {
            KeyCode::Char(c @ '\u{ff01}'..='\u{ff5e}') if !c.is_alphabetic() => {
                KeyCode::Char(char::from_u32(c as u32 - 0xfee0).unwrap_or(c))
            }
            other => other,
        };
        Key::new(code, ev.modifiers)
    }

    /// Parses `a`, `A`, `Ctrl-d`, `C-d`, `Alt-x`, `M-x`, `Shift-Tab`, `BackTab`, `PgDn`,
    /// `F5`, `Enter`, `Esc`, `Space`, `?`, `/` … (names are case-insensitive; a single
    /// character is taken as it is).
    pub fn parse(s: &str) -> Result<Key, KeyParseError> {
        let err = || KeyParseError {
            input: s.to_string(),
        };
        let mut rest = s.trim();
        let mut mods = KeyModifiers::NONE;
        loop {
            if rest.chars().count() <= 1 {
                break;
            }
            let lower = rest.to_ascii_lowercase();
            let prefix = [
                ("ctrl-", KeyModifiers::CONTROL),
                ("ctrl+", KeyModifiers::CONTROL),
                ("c-", KeyModifiers::CONTROL),
                ("alt-", KeyModifiers::ALT),
                ("alt+", KeyModifiers::ALT),
                ("a-", KeyModifiers::ALT),
                ("m-", KeyModifiers::ALT),
                ("meta-", KeyModifiers::ALT),
                ("shift-", KeyModifiers::SHIFT),
                ("shift+", KeyModifiers::SHIFT),
                ("s-", KeyModifiers::SHIFT),
            ]
            .into_iter()
            .find(|(p, _)| lower.starts_with(p) && lower.len() > p.len());
            match prefix {
                Some((p, m)) => {
                    mods |= m;
                    rest = &rest[p.len()..];
                }
                None => break,
            }
        }
        if rest.is_empty() {
            return Err(err());
        }
        let mut chars = rest.chars();
        let first = chars.next().ok_or_else(err)?;
        let code = if chars.next().is_none() {
            let c = if mods.contains(KeyModifiers::SHIFT) && !mods.contains(KeyModifiers::CONTROL) {
                first.to_ascii_uppercase()
            } else {
                first
            };
            KeyCode::Char(c)
        } else {
            let lower = rest.to_ascii_lowercase();
            if let Some((_, code)) = NAMED.iter().find(|(n, _)| *n == lower) {
                *code
            } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                if (1..=24).contains(&n) {
                    KeyCode::F(n)
                } else {
                    return Err(err());
                }
            } else {
                return Err(err());
            }
        };
        Ok(Key::new(code, mods))
    }

    /// Whether the key is a printable character without Ctrl or Alt: what an IME may swallow
    /// and what a text field types.
    pub fn is_printable(&self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .mods
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }

    /// The key's name as shown in the footer and help (and accepted by [`Key::parse`]).
    pub fn label(&self) -> String {
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("Alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            s.push_str("Shift-");
        }
        match self.code {
            KeyCode::Char(' ') => s.push_str("Space"),
            KeyCode::Char(c) => s.push(c),
            KeyCode::F(n) => s.push_str(&format!("F{n}")),
            KeyCode::Enter => s.push_str("Enter"),
            KeyCode::Esc => s.push_str("Esc"),
            KeyCode::Tab => s.push_str("Tab"),
            KeyCode::BackTab => s.push_str("Shift-Tab"),
            KeyCode::Backspace => s.push_str("Backspace"),
            KeyCode::Delete => s.push_str("Del"),
            KeyCode::Insert => s.push_str("Ins"),
            KeyCode::Up => s.push_str("Up"),
            KeyCode::Down => s.push_str("Down"),
            KeyCode::Left => s.push_str("Left"),
            KeyCode::Right => s.push_str("Right"),
            KeyCode::Home => s.push_str("Home"),
            KeyCode::End => s.push_str("End"),
            KeyCode::PageUp => s.push_str("PgUp"),
            KeyCode::PageDown => s.push_str("PgDn"),
            other => s.push_str(&format!("{other:?}")),
        }
        s
    }
}

/// One line of the footer or the help: the keys (`"j/Down"`) and the catalogue key of the label
/// (`"key.down"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub keys: String,
    pub label_key: String,
}

impl Hint {
    /// The label in the user's language.
    pub fn label(&self, lang: Lang) -> String {
        tr(lang, &self.label_key)
    }
}

/// Keys as shown in hints: `j/Down`; with a space where a key is itself a slash (`/ F3`).
pub fn keys_text(keys: &[Key]) -> String {
    let labels: Vec<String> = keys.iter().map(Key::label).collect();
    let sep = if labels.iter().any(|l| l.contains('/')) {
        " "
    } else {
        "/"
    };
    labels.join(sep)
}

/// The catalogue key of a command's label.
pub fn label_key(command: &str) -> String {
    format!("key.{command}")
}

/// Something worth telling the user about the keymap at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeymapWarning {
    Read {
        file: String,
        error: String,
    },
    Syntax {
        file: String,
        error: String,
    },
    UnknownContext {
        file: String,
        context: String,
    },
    UnknownCommand {
        file: String,
        context: String,
        command: String,
    },
    /// The value is not a key name or a list of key names.
    WrongType {
        file: String,
        context: String,
        command: String,
    },
    BadKey {
        file: String,
        context: String,
        command: String,
        key: String,
    },
    /// Two or more commands on one key in one context: the first listed wins.
    Conflict {
        context: Context,
        key: String,
        commands: Vec<String>,
    },
    /// A context binds a key the global context also binds, so the global command is not
    /// reachable with that key there.
    ShadowsGlobal {
        context: Context,
        key: String,
        command: String,
        global: String,
    },
}

impl KeymapWarning {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            KeymapWarning::Read { file, error } => trf(
                lang,
                "keymap.warn.read",
                &[("file", file), ("error", error)],
            ),
            KeymapWarning::Syntax { file, error } => trf(
                lang,
                "keymap.warn.syntax",
                &[("file", file), ("error", error)],
            ),
            KeymapWarning::UnknownContext { file, context } => {
                let allowed = Context::ALL.map(Context::name).join(", ");
                trf(
                    lang,
                    "keymap.warn.unknown_context",
                    &[("file", file), ("context", context), ("allowed", &allowed)],
                )
            }
            KeymapWarning::UnknownCommand {
                file,
                context,
                command,
            } => {
                let allowed = Context::from_name(context)
                    .map(|c| {
                        DEFAULTS
                            .iter()
                            .filter(|(ctx, _, _)| *ctx == c)
                            .map(|(_, cmd, _)| *cmd)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                trf(
                    lang,
                    "keymap.warn.unknown_command",
                    &[
                        ("file", file),
                        ("context", context),
                        ("command", command),
                        ("allowed", &allowed),
                    ],
                )
            }
            KeymapWarning::WrongType {
                file,
                context,
                command,
            } => trf(
                lang,
                "keymap.warn.wrong_type",
                &[("file", file), ("context", context), ("command", command)],
            ),
            KeymapWarning::BadKey {
                file,
                context,
                command,
                key,
            } => trf(
                lang,
                "keymap.warn.bad_key",
                &[
                    ("file", file),
                    ("context", context),
                    ("command", command),
                    ("key", key),
                ],
            ),
            KeymapWarning::Conflict {
                context,
                key,
                commands,
            } => {
                let names = commands
                    .iter()
                    .map(|c| {
                        let label = tr(lang, &label_key(c));
                        match lang {
                            Lang::Zh => format!("{c}（{label}）"),
                            Lang::En if label == *c => c.clone(),
                            Lang::En => format!("{c} ({label})"),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(if lang == Lang::Zh { "、" } else { ", " });
                trf(
                    lang,
                    "keymap.warn.conflict",
                    &[
                        ("context", context.name()),
                        ("key", key),
                        ("commands", &names),
                    ],
                )
            }
            KeymapWarning::ShadowsGlobal {
                context,
                key,
                command,
                global,
            } => trf(
                lang,
                "keymap.warn.shadows_global",
                &[
                    ("context", context.name()),
                    ("key", key),
                    ("command", command),
                    ("global", global),
                ],
            ),
        }
    }
}

/// The active bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    /// (context, command, keys) in display order.
    bindings: Vec<(Context, String, Vec<Key>)>,
    /// The workspace scope of the screen handling keys now (set by the app loop).
    scope: std::cell::Cell<Option<Context>>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap::defaults()
    }
}

impl Keymap {
    /// The built-in bindings ([`DEFAULTS`]).
    pub fn defaults() -> Keymap {
        let bindings = DEFAULTS
            .iter()
            .map(|(ctx, cmd, keys)| {
                let keys = keys
                    .iter()
                    .map(|k| Key::parse(k).unwrap_or_else(|e| panic!("default keymap: {e}")))
                    .collect();
                (*ctx, cmd.to_string(), keys)
            })
            .collect();
        Keymap {
            bindings,
            scope: std::cell::Cell::new(None),
        }
    }

    /// The defaults patched by a user file (if given), and every warning: problems in the file
    /// and conflicts in the result.
    pub fn load(file: Option<&Path>) -> (Keymap, Vec<KeymapWarning>) {
        let mut keymap = Keymap::defaults();
        let mut warnings = Vec::new();
        if let Some(path) = file {
            let name = path.display().to_string();
            match std::fs::read_to_string(path) {
                Ok(src) => warnings.extend(keymap.patch(&src, &name)),
                Err(e) => warnings.push(KeymapWarning::Read {
                    file: name,
                    error: e.to_string(),
                }),
            }
        }
        warnings.extend(keymap.conflicts());
        (keymap, warnings)
    }

    /// Applies a user file's text (`file` names it in warnings): each `[context] command =
    /// ["key", …]` (or a single `"key"`) replaces that command's keys. Entries that cannot be
    /// understood are skipped with a warning; conflicts are not checked here (see
    /// [`Keymap::conflicts`]).
    pub fn patch(&mut self, src: &str, file: &str) -> Vec<KeymapWarning> {
        let mut warnings = Vec::new();
        let table: toml::Table = match toml::from_str(src) {
            Ok(t) => t,
            Err(e) => {
                warnings.push(KeymapWarning::Syntax {
                    file: file.to_string(),
                    error: e.message().to_string(),
                });
                return warnings;
            }
        };
        for (ctx_name, section) in &table {
            let Some(ctx) = Context::from_name(ctx_name) else {
                warnings.push(KeymapWarning::UnknownContext {
                    file: file.to_string(),
                    context: ctx_name.clone(),
                });
                continue;
            };
            let Some(section) = section.as_table() else {
                warnings.push(KeymapWarning::UnknownContext {
                    file: file.to_string(),
                    context: ctx_name.clone(),
                });
                continue;
            };
            for (command, value) in section {
                let Some(slot) = self
                    .bindings
                    .iter_mut()
                    .find(|(c, cmd, _)| *c == ctx && cmd == command)
                else {
                    warnings.push(KeymapWarning::UnknownCommand {
                        file: file.to_string(),
                        context: ctx_name.clone(),
                        command: command.clone(),
                    });
                    continue;
                };
                let names: Option<Vec<&str>> = match value {
                    toml::Value::String(s) => Some(vec![s.as_str()]),
                    toml::Value::Array(a) => a.iter().map(|v| v.as_str()).collect(),
                    _ => None,
                };
                let Some(names) = names else {
                    warnings.push(KeymapWarning::WrongType {
                        file: file.to_string(),
                        context: ctx_name.clone(),
                        command: command.clone(),
                    });
                    continue;
                };
                let mut keys = Vec::new();
                for name in names {
                    match Key::parse(name) {
                        Ok(k) if !keys.contains(&k) => keys.push(k),
                        Ok(_) => {}
                        Err(_) => warnings.push(KeymapWarning::BadKey {
                            file: file.to_string(),
                            context: ctx_name.clone(),
                            command: command.clone(),
                            key: name.to_string(),
                        }),
                    }
                }
                slot.2 = keys;
            }
        }
        warnings
    }

    /// Keys bound to two commands in one context, and context keys that shadow a global one
    /// with a different command (modal contexts excepted: they capture every key by design).
    pub fn conflicts(&self) -> Vec<KeymapWarning> {
        let mut warnings = Vec::new();
        for ctx in Context::ALL {
            let mut seen: Vec<(Key, Vec<String>)> = Vec::new();
            for (c, cmd, keys) in &self.bindings {
                if *c != ctx {
                    continue;
                }
                for k in keys {
                    match seen.iter_mut().find(|(sk, _)| sk == k) {
                        Some((_, cmds)) => cmds.push(cmd.clone()),
                        None => seen.push((*k, vec![cmd.clone()])),
                    }
                }
            }
            for (k, cmds) in &seen {
                // a scope's keys apply on top of the lists of its screens: they must not
                // take a list key
                if ctx.is_scope()
                    && let Some(list) = self.lookup_own(Context::List, k)
                {
                    warnings.push(KeymapWarning::Conflict {
                        context: ctx,
                        key: k.label(),
                        commands: vec![cmds[0].clone(), list.to_string()],
                    });
                }
                if cmds.len() > 1 {
                    warnings.push(KeymapWarning::Conflict {
                        context: ctx,
                        key: k.label(),
                        commands: cmds.clone(),
                    });
                }
                if ctx != Context::Global
                    && !ctx.is_modal()
                    && let Some(global) = self.lookup(Context::Global, k)
                    && global != cmds[0]
                {
                    warnings.push(KeymapWarning::ShadowsGlobal {
                        context: ctx,
                        key: k.label(),
                        command: cmds[0].clone(),
                        global: global.to_string(),
                    });
                }
            }
        }
        warnings
    }

    /// The command bound to `key` in `ctx` itself (the first one, if several).
    pub fn lookup(&self, ctx: Context, key: &Key) -> Option<&str> {
        self.lookup_own(ctx, key).or_else(|| {
            let scope = self.scope.get()?;
            let typed = ctx.is_text_entry() && key.is_printable();
            (!ctx.is_modal() && ctx != Context::Global && !scope_eq(ctx, scope) && !typed)
                .then(|| self.lookup_own(scope, key))
                .flatten()
        })
    }

    /// The command bound to `key` in `ctx` itself, without the scope.
    fn lookup_own(&self, ctx: Context, key: &Key) -> Option<&str> {
        self.bindings
            .iter()
            .find(|(c, _, keys)| *c == ctx && keys.contains(key))
            .map(|(_, cmd, _)| cmd.as_str())
    }

    /// Sets the workspace scope whose commands apply after a context's own (the app loop sets
    /// it to the top screen's before each key and each draw).
    pub fn set_scope(&self, scope: Option<Context>) {
        self.scope.set(scope.filter(|c| c.is_scope()));
    }

    pub fn scope(&self) -> Option<Context> {
        self.scope.get()
    }

    /// The command a key event means in `ctx`: the context's own binding, else (outside modal
    /// contexts, and for printable keys outside text-entry contexts) the global one, with the
    /// context it came from.
    pub fn resolve(&self, ctx: Context, ev: &KeyEvent) -> Option<(Context, &str)> {
        let key = Key::from_event(ev);
        if let Some(cmd) = self.lookup(ctx, &key) {
            return Some((ctx, cmd));
        }
        let typed = ctx.is_text_entry() && key.is_printable();
        if ctx != Context::Global && !ctx.is_modal() && !typed {
            return self
                .lookup(Context::Global, &key)
                .map(|c| (Context::Global, c));
        }
        None
    }

    /// Whether `ev` is bound to `command` in `ctx` (own bindings only).
    pub fn is(&self, ctx: Context, command: &str, ev: &KeyEvent) -> bool {
        self.lookup(ctx, &Key::from_event(ev)) == Some(command)
    }

    /// The keys of a command (empty if unbound or unknown).
    pub fn keys(&self, ctx: Context, command: &str) -> &[Key] {
        let own = |ctx: Context| {
            self.bindings
                .iter()
                .find(|(c, cmd, _)| *c == ctx && cmd == command)
                .map(|(_, _, keys)| keys.as_slice())
        };
        own(ctx)
            .or_else(|| self.scope.get().and_then(own))
            .unwrap_or(&[])
    }

    /// The commands of a context in display order, as footer/help lines; unbound commands are
    /// left out.
    pub fn hints(&self, ctx: Context) -> Vec<Hint> {
        self.bindings
            .iter()
            .filter(|(c, _, keys)| *c == ctx && !keys.is_empty())
            .map(|(_, cmd, keys)| Hint {
                keys: keys_text(keys),
                label_key: label_key(cmd),
            })
            .collect()
    }

    /// Like [`Keymap::hints`], but only the listed commands, in the listed order: a screen
    /// shows just what it offers.
    pub fn hints_for(&self, ctx: Context, commands: &[&str]) -> Vec<Hint> {
        commands
            .iter()
            .filter_map(|cmd| {
                let keys = self.keys(ctx, cmd);
                (!keys.is_empty()).then(|| Hint {
                    keys: keys_text(keys),
                    label_key: label_key(cmd),
                })
            })
            .collect()
    }

    /// Every (context, command) pair, for the help screen and tests.
    pub fn commands(&self) -> impl Iterator<Item = (Context, &str, &[Key])> {
        self.bindings
            .iter()
            .map(|(c, cmd, keys)| (*c, cmd.as_str(), keys.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::tr;

    fn k(s: &str) -> Key {
        Key::parse(s).unwrap()
    }

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn parses_key_names() {
        assert_eq!(k("a"), Key::plain(KeyCode::Char('a')));
        assert_eq!(k("A"), Key::plain(KeyCode::Char('A')));
        assert_eq!(k("Shift-a"), k("A"));
        assert_eq!(
            k("Ctrl-d"),
            Key::new(KeyCode::Char('d'), KeyModifiers::CONTROL)
        );
        assert_eq!(k("C-d"), k("Ctrl-d"));
        assert_eq!(k("ctrl+D"), k("Ctrl-d"));
        assert_eq!(k("Alt-x"), Key::new(KeyCode::Char('x'), KeyModifiers::ALT));
        assert_eq!(k("M-x"), k("Alt-x"));
        assert_eq!(k("PgDn"), Key::plain(KeyCode::PageDown));
        assert_eq!(k("pagedown"), k("PgDn"));
        assert_eq!(k("PgUp"), Key::plain(KeyCode::PageUp));
        assert_eq!(k("F5"), Key::plain(KeyCode::F(5)));
        assert_eq!(k("f12"), Key::plain(KeyCode::F(12)));
        assert_eq!(k("Enter"), Key::plain(KeyCode::Enter));
        assert_eq!(k("Esc"), Key::plain(KeyCode::Esc));
        assert_eq!(k("Tab"), Key::plain(KeyCode::Tab));
        assert_eq!(k("BackTab"), Key::plain(KeyCode::BackTab));
        assert_eq!(k("Shift-Tab"), k("BackTab"));
        assert_eq!(k("Up"), Key::plain(KeyCode::Up));
        assert_eq!(k("?"), Key::plain(KeyCode::Char('?')));
        assert_eq!(k("/"), Key::plain(KeyCode::Char('/')));
        assert_eq!(k("-"), Key::plain(KeyCode::Char('-')));
        assert_eq!(
            k("C--"),
            Key::new(KeyCode::Char('-'), KeyModifiers::CONTROL)
        );
        assert_eq!(k("c"), Key::plain(KeyCode::Char('c')));
        assert_eq!(k("Space"), Key::plain(KeyCode::Char(' ')));
        for bad in ["", "Ctrl-", "F0", "F25", "Hyper-x", "Enterr", "ab"] {
            assert!(Key::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn events_match_parsed_keys() {
        // Terminals report 'A' with or without Shift, Shift-Tab as BackTab with Shift, and
        // Ctrl-D with either case.
        assert_eq!(
            Key::from_event(&ev(KeyCode::Char('A'), KeyModifiers::SHIFT)),
            k("A")
        );
        assert_eq!(
            Key::from_event(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            k("Shift-Tab")
        );
        assert_eq!(
            Key::from_event(&ev(KeyCode::Char('D'), KeyModifiers::CONTROL)),
            k("Ctrl-d")
        );
        // A Chinese IME's full-width question mark still means `?`.
        assert_eq!(
            Key::from_event(&ev(KeyCode::Char('？'), KeyModifiers::NONE)),
            k("?")
        );
    }

    #[test]
    fn labels_round_trip() {
        for (_, _, keys) in DEFAULTS {
            for name in *keys {
                let key = k(name);
                assert_eq!(Key::parse(&key.label()).unwrap(), key, "{name}");
            }
        }
        assert_eq!(k("C-d").label(), "Ctrl-d");
        assert_eq!(k("BackTab").label(), "Shift-Tab");
    }

    #[test]
    fn defaults_have_no_conflicts() {
        assert_eq!(Keymap::defaults().conflicts(), vec![]);
    }

    #[test]
    fn every_printable_shortcut_has_a_non_printable_key() {
        // An active Chinese IME swallows bare letters and turns ? / into full-width punctuation.
        for (ctx, cmd, keys) in Keymap::defaults().commands() {
            if keys.iter().any(Key::is_printable) {
                assert!(
                    keys.iter().any(|k| !k.is_printable()),
                    "{}.{cmd} has only printable keys",
                    ctx.name()
                );
            }
        }
    }

    #[test]
    fn every_command_has_a_label_in_both_languages() {
        for (_, cmd, _) in Keymap::defaults().commands() {
            let key = label_key(cmd);
            assert_ne!(tr(Lang::Zh, &key), key, "zh label for {cmd}");
            assert_ne!(tr(Lang::En, &key), key, "en label for {cmd}");
        }
    }

    #[test]
    fn user_file_patches_defaults() {
        let mut km = Keymap::defaults();
        let w = km.patch(
            "[review]\npass = [\"a\", \"F5\", \"Alt-p\"]\nreject = \"X\"\n[list]\nsort = []\n",
            "keys.toml",
        );
        assert_eq!(w, vec![]);
        assert_eq!(
            km.keys(Context::Review, "pass"),
            &[k("a"), k("F5"), k("Alt-p")]
        );
        assert_eq!(km.keys(Context::Review, "reject"), &[k("X")]);
        assert!(km.keys(Context::List, "sort").is_empty());
        assert!(
            !km.hints(Context::List)
                .iter()
                .any(|h| h.label_key == "key.sort")
        );
        let alt_p = ev(KeyCode::Char('p'), KeyModifiers::ALT);
        assert_eq!(
            km.resolve(Context::Review, &alt_p),
            Some((Context::Review, "pass"))
        );
        // a list on a review screen has the review keys too; elsewhere it does not
        assert_eq!(km.resolve(Context::List, &alt_p), None);
        km.set_scope(Some(Context::Review));
        assert_eq!(
            km.resolve(Context::List, &alt_p),
            Some((Context::List, "pass"))
        );
        assert_eq!(
            km.keys(Context::List, "pass"),
            &[k("a"), k("F5"), k("Alt-p")]
        );
        // …but never in a form, where letters are typed
        let a = ev(KeyCode::Char('a'), KeyModifiers::NONE);
        assert_eq!(km.resolve(Context::Form, &a), None);
        km.set_scope(Some(Context::Admin));
        assert_eq!(
            km.resolve(Context::List, &ev(KeyCode::Char('d'), KeyModifiers::NONE)),
            Some((Context::List, "remove"))
        );
        km.set_scope(Some(Context::Enterprise));
        assert_eq!(
            km.resolve(Context::List, &ev(KeyCode::Char('d'), KeyModifiers::NONE)),
            Some((Context::List, "delete"))
        );
        // untouched commands keep their defaults
        assert_eq!(km.keys(Context::List, "down"), &[k("j"), k("Down")]);
    }

    #[test]
    fn patch_problems_are_warnings() {
        let mut km = Keymap::defaults();
        let w = km.patch(
            "[lists]\npass = \"a\"\n[review]\napprove = \"a\"\npass = [\"a\", \"Ctrl-\"]\nreject = 5\n",
            "keys.toml",
        );
        // (sections and keys come in name order)
        assert_eq!(w.len(), 4, "{w:?}");
        assert!(
            matches!(&w[0], KeymapWarning::UnknownContext { context, .. } if context == "lists")
        );
        assert!(
            matches!(&w[1], KeymapWarning::UnknownCommand { command, .. } if command == "approve")
        );
        assert!(matches!(&w[2], KeymapWarning::BadKey { key, .. } if key == "Ctrl-"));
        assert!(matches!(&w[3], KeymapWarning::WrongType { command, .. } if command == "reject"));
        // the good key of a partly bad list is kept
        assert_eq!(km.keys(Context::Review, "pass"), &[k("a")]);
        let msg = w[1].message(Lang::Zh);
        assert!(msg.contains("keys.toml") && msg.contains("approve") && msg.contains("pass"));
        let w = km.patch("[list\n", "keys.toml");
        assert!(matches!(&w[0], KeymapWarning::Syntax { .. }));
    }

    #[test]
    fn conflicts_are_reported_in_both_languages() {
        let mut km = Keymap::defaults();
        // `j` would mean both pass and down in review lists; `q` in lists shadows the global quit.
        assert!(
            km.patch("[review]\npass = [\"j\"]\n[list]\nsort = [\"q\"]\n", "k")
                .is_empty()
        );
        let w = km.conflicts();
        assert_eq!(
            w,
            vec![
                KeymapWarning::ShadowsGlobal {
                    context: Context::List,
                    key: "q".into(),
                    command: "sort".into(),
                    global: "quit".into(),
                },
                KeymapWarning::Conflict {
                    context: Context::Review,
                    key: "j".into(),
                    commands: vec!["pass".into(), "down".into()],
                },
            ]
        );
        let zh = w[1].message(Lang::Zh);
        assert!(
            zh.contains("j") && zh.contains("通过") && zh.contains("下移"),
            "{zh}"
        );
        let en = w[0].message(Lang::En);
        assert!(en.contains("q") && en.contains("quit"), "{en}");
        // the list's own binding wins
        km.set_scope(Some(Context::Review));
        assert_eq!(
            km.resolve(Context::List, &ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some((Context::List, "down"))
        );
        // the same key in a modal dialog is not a shadow
        assert!(km.patch("[dialog]\nswitch = [\"q\"]\n", "k").is_empty());
        assert_eq!(km.conflicts().len(), 2);
    }

    #[test]
    fn resolve_falls_back_to_global_except_in_modal_contexts() {
        let km = Keymap::defaults();
        let f1 = ev(KeyCode::F(1), KeyModifiers::NONE);
        assert_eq!(
            km.resolve(Context::List, &f1),
            Some((Context::Global, "help"))
        );
        assert_eq!(km.resolve(Context::Dialog, &f1), None);
        let esc = ev(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(
            km.resolve(Context::Dialog, &esc),
            Some((Context::Dialog, "cancel"))
        );
        assert_eq!(
            km.resolve(Context::Form, &esc),
            Some((Context::Global, "back"))
        );
    }

    #[test]
    fn hints_come_from_the_bindings() {
        let km = Keymap::defaults();
        assert!(
            km.hints_for(Context::List, &["pass"]).is_empty(),
            "no scope, no pass"
        );
        let h = km.hints(Context::Global);
        assert_eq!(h[0].keys, "?/F1");
        assert_eq!(h[0].label_key, "key.help");
        km.set_scope(Some(Context::Review));
        let h = km.hints_for(Context::List, &["pass", "down", "nothing"]);
        assert_eq!(
            h.iter().map(|h| h.keys.as_str()).collect::<Vec<_>>(),
            ["a/F5", "j/Down"]
        );
        assert_eq!(h[0].label(Lang::Zh), "通过");
    }

    #[test]
    fn load_reports_unreadable_file() {
        let (km, w) = Keymap::load(Some(Path::new("/no/such/keys.toml")));
        assert_eq!(km, Keymap::defaults());
        assert!(matches!(&w[0], KeymapWarning::Read { file, .. } if file.contains("keys.toml")));
    }
}
