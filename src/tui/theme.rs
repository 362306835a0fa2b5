//! Themes: a set of semantic roles (text, selection, error …) mapped to styles, read from TOML.
//!
//! The built-in themes live in `themes/*.toml` and are compiled in: `default` (the 16 ANSI
//! colours), `light`, `high-contrast` and `mono` (no colours; state is marked with bold, reverse
//! and underline). A user file may `extends = "<built-in>"` and override only some roles.
//! `NO_COLOR` (set and non-empty, see <https://no-color.org>) forces `mono`: the decision is the
//! pure function [`forces_mono`], so it is tested without touching the environment.

use crate::domain::Lang;
use crate::i18n::trf;
use ratatui::style::{Color, Modifier, Style};
use std::fmt;
use std::path::Path;

macro_rules! roles {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A semantic role: what a piece of the screen *is*, not how it looks.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Role { $($variant),* }

        impl Role {
            /// Every role, in file order.
            pub const ALL: &'static [Role] = &[$(Role::$variant),*];

            /// The role's key in a theme file.
            pub fn name(self) -> &'static str {
                match self { $(Role::$variant => $name),* }
            }

            pub fn from_name(name: &str) -> Option<Role> {
                match name { $($name => Some(Role::$variant),)* _ => None }
            }
        }
    };
}

roles! {
    Text => "text",
    Muted => "muted",
    Title => "title",
    Border => "border",
    BorderFocus => "border_focus",
    Selection => "selection",
    Header => "header",
    FooterKey => "footer_key",
    FooterText => "footer_text",
    Error => "error",
    Warning => "warning",
    Success => "success",
    Info => "info",
    Input => "input",
    InputFocus => "input_focus",
    RequiredMark => "required_mark",
    BadgePass => "badge_pass",
    BadgeFail => "badge_fail",
    BadgePending => "badge_pending",
    Progress => "progress",
}

/// The built-in themes: name and TOML source.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// The 16 ANSI colour names (plus `reset`, the terminal's default) a theme file may use.
pub const ANSI_COLOURS: &[(&str, Color)] = &[
    ("reset", Color::Reset),
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("dark_gray", Color::DarkGray),
    ("light_red", Color::LightRed),
    ("light_green", Color::LightGreen),
    ("light_yellow", Color::LightYellow),
    ("light_blue", Color::LightBlue),
    ("light_magenta", Color::LightMagenta),
    ("light_cyan", Color::LightCyan),
    ("white", Color::White),
];

/// The modifier names a theme file may use. No blinking: nothing moves on an idle screen.
pub const MODIFIERS: &[(&str, Modifier)] = &[
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("reversed", Modifier::REVERSED),
    ("crossed_out", Modifier::CROSSED_OUT),
];

const ROLE_ATTRS: &[&str] = &["fg", "bg", "modifiers"];
const TOP_KEYS: &[&str] = &["name", "extends", "roles"];

/// Whether the `NO_COLOR` value (the variable's content, `None` when unset) forces the
/// monochrome theme: any non-empty value does.
pub fn forces_mono(no_color: Option<&str>) -> bool {
    no_color.is_some_and(|v| !v.is_empty())
}

/// The theme to load: `mono` when `NO_COLOR` forces it, else the requested one, else `default`.
pub fn choose<'a>(requested: Option<&'a str>, no_color: Option<&str>) -> &'a str {
    if forces_mono(no_color) {
        "mono"
    } else {
        requested.unwrap_or("default")
    }
}

/// A resolved theme: one style per role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    name: String,
    styles: Vec<Style>,
}

/// What is wrong with a theme, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeError {
    /// The file (or built-in name) the error is in.
    pub file: String,
    pub kind: ThemeErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThemeErrorKind {
    /// Neither a built-in name nor a readable file.
    Read {
        error: String,
    },
    /// Not valid TOML.
    Syntax {
        error: String,
    },
    /// A top-level key other than `name`, `extends`, `roles`.
    UnknownKey {
        key: String,
    },
    UnknownRole {
        key: String,
    },
    /// A key inside a role other than `fg`, `bg`, `modifiers`.
    UnknownAttr {
        key: String,
    },
    BadColour {
        key: String,
        value: String,
    },
    BadModifier {
        key: String,
        value: String,
    },
    /// A value of the wrong TOML type (e.g. `roles.text = "red"`).
    WrongType {
        key: String,
        expected: &'static str,
    },
    /// A built-in theme (no `extends`) leaves a role out.
    MissingRole {
        key: String,
    },
    /// `extends` names no built-in theme.
    UnknownBase {
        value: String,
    },
}

impl ThemeError {
    fn new(file: &str, kind: ThemeErrorKind) -> ThemeError {
        ThemeError {
            file: file.to_string(),
            kind,
        }
    }

    /// The message in the user's language: the file, the key, and the allowed values.
    pub fn message(&self, lang: Lang) -> String {
        let file = self.file.as_str();
        let roles = Role::ALL
            .iter()
            .map(|r| r.name())
            .collect::<Vec<_>>()
            .join(", ");
        let colours = format!(
            "{}, #rrggbb, 0–255",
            ANSI_COLOURS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mods = MODIFIERS
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ");
        let builtins = BUILTIN
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ");
        match &self.kind {
            ThemeErrorKind::Read { error } => trf(
                lang,
                "theme.err.read",
                &[("file", file), ("error", error), ("allowed", &builtins)],
            ),
            ThemeErrorKind::Syntax { error } => trf(
                lang,
                "theme.err.syntax",
                &[("file", file), ("error", error)],
            ),
            ThemeErrorKind::UnknownKey { key } => trf(
                lang,
                "theme.err.unknown_key",
                &[
                    ("file", file),
                    ("key", key),
                    ("allowed", &TOP_KEYS.join(", ")),
                ],
            ),
            ThemeErrorKind::UnknownRole { key } => trf(
                lang,
                "theme.err.unknown_role",
                &[("file", file), ("key", key), ("allowed", &roles)],
            ),
            ThemeErrorKind::UnknownAttr { key } => trf(
                lang,
                "theme.err.unknown_attr",
                &[
                    ("file", file),
                    ("key", key),
                    ("allowed", &ROLE_ATTRS.join(", ")),
                ],
            ),
            ThemeErrorKind::BadColour { key, value } => trf(
                lang,
                "theme.err.bad_colour",
                &[
                    ("file", file),
                    ("key", key),
                    ("value", value),
                    ("allowed", &colours),
                ],
            ),
            ThemeErrorKind::BadModifier { key, value } => trf(
                lang,
                "theme.err.bad_modifier",
                &[
                    ("file", file),
                    ("key", key),
                    ("value", value),
                    ("allowed", &mods),
                ],
            ),
            ThemeErrorKind::WrongType { key, expected } => trf(
                lang,
                "theme.err.wrong_type",
                &[("file", file), ("key", key), ("expected", expected)],
            ),
            ThemeErrorKind::MissingRole { key } => trf(
                lang,
                "theme.err.missing_role",
                &[("file", file), ("key", key)],
            ),
            ThemeErrorKind::UnknownBase { value } => trf(
                lang,
                "theme.err.unknown_base",
                &[("file", file), ("value", value), ("allowed", &builtins)],
            ),
        }
    }
}

impl fmt::Display for ThemeError {
    /// The Chinese message (the default language).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Zh))
    }
}

impl std::error::Error for ThemeError {}

impl Default for Theme {
    fn default() -> Theme {
        Theme::builtin("default").expect("the default theme is built in")
    }
}

impl Theme {
    /// The theme's name (a built-in name or the `name` key of a user file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The style of a role.
    pub fn style(&self, role: Role) -> Style {
        self.styles[role as usize]
    }

    /// A built-in theme by name (`default`, `light`, `high-contrast`, `mono`).
    pub fn builtin(name: &str) -> Option<Theme> {
        let (_, src) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        Some(
            Theme::parse(src, name, None)
                .unwrap_or_else(|e| panic!("built-in theme {name}: {}", e.message(Lang::En))),
        )
    }

    /// A built-in name, or the path of a user theme file.
    pub fn load(name_or_path: &str) -> Result<Theme, ThemeError> {
        if let Some(theme) = Theme::builtin(name_or_path) {
            return Ok(theme);
        }
        let src = std::fs::read_to_string(Path::new(name_or_path)).map_err(|e| {
            ThemeError::new(
                name_or_path,
                ThemeErrorKind::Read {
                    error: e.to_string(),
                },
            )
        })?;
        Theme::parse_user(&src, name_or_path)
    }

    /// The theme chosen by flag or config, unless the `NO_COLOR` environment variable forces
    /// `mono` (see [`choose`]).
    pub fn from_env(requested: Option<&str>) -> Result<Theme, ThemeError> {
        let no_color = std::env::var("NO_COLOR").ok();
        Theme::load(choose(requested, no_color.as_deref()))
    }

    /// Parses a user theme file's text; `file` names it in errors. Roles it leaves out come
    /// from the theme it `extends` (default: `default`).
    pub fn parse_user(src: &str, file: &str) -> Result<Theme, ThemeError> {
        let table: toml::Table = toml::from_str(src).map_err(|e| {
            ThemeError::new(
                file,
                ThemeErrorKind::Syntax {
                    error: e.message().to_string(),
                },
            )
        })?;
        let base_name = match table.get("extends") {
            None => "default",
            Some(toml::Value::String(s)) => s.as_str(),
            Some(_) => {
                return Err(ThemeError::new(
                    file,
                    ThemeErrorKind::WrongType {
                        key: "extends".into(),
                        expected: "string",
                    },
                ));
            }
        };
        let base = Theme::builtin(base_name).ok_or_else(|| {
            ThemeError::new(
                file,
                ThemeErrorKind::UnknownBase {
                    value: base_name.to_string(),
                },
            )
        })?;
        Theme::from_table(&table, file, Some(&base))
    }

    /// Parses a theme's text. With no base, every role must be present.
    fn parse(src: &str, file: &str, base: Option<&Theme>) -> Result<Theme, ThemeError> {
        let table: toml::Table = toml::from_str(src).map_err(|e| {
            ThemeError::new(
                file,
                ThemeErrorKind::Syntax {
                    error: e.message().to_string(),
                },
            )
        })?;
        Theme::from_table(&table, file, base)
    }

    fn from_table(
        table: &toml::Table,
        file: &str,
        base: Option<&Theme>,
    ) -> Result<Theme, ThemeError> {
        let err = |kind| ThemeError::new(file, kind);
        for key in table.keys() {
            if !TOP_KEYS.contains(&key.as_str()) {
                return Err(err(ThemeErrorKind::UnknownKey { key: key.clone() }));
            }
        }
        let name = match table.get("name") {
            None => file.to_string(),
            Some(toml::Value::String(s)) => s.clone(),
            Some(_) => {
                return Err(err(ThemeErrorKind::WrongType {
                    key: "name".into(),
                    expected: "string",
                }));
            }
        };
        let mut styles: Vec<Option<Style>> = match base {
            Some(b) => b.styles.iter().copied().map(Some).collect(),
            None => vec![None; Role::ALL.len()],
        };
        let roles = match table.get("roles") {
            None => toml::Table::new(),
            Some(toml::Value::Table(t)) => t.clone(),
            Some(_) => {
                return Err(err(ThemeErrorKind::WrongType {
                    key: "roles".into(),
                    expected: "table",
                }));
            }
        };
        for (key, value) in &roles {
            let role = Role::from_name(key).ok_or_else(|| {
                err(ThemeErrorKind::UnknownRole {
                    key: format!("roles.{key}"),
                })
            })?;
            styles[role as usize] = Some(parse_style(&format!("roles.{key}"), value, file)?);
        }
        let styles = styles
            .into_iter()
            .zip(Role::ALL)
            .map(|(s, role)| {
                s.ok_or_else(|| {
                    err(ThemeErrorKind::MissingRole {
                        key: format!("roles.{}", role.name()),
                    })
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Theme { name, styles })
    }
}

fn parse_style(key: &str, value: &toml::Value, file: &str) -> Result<Style, ThemeError> {
    let err = |kind| ThemeError::new(file, kind);
    let toml::Value::Table(attrs) = value else {
        return Err(err(ThemeErrorKind::WrongType {
            key: key.to_string(),
            expected: "table",
        }));
    };
    let mut style = Style::default();
    for (attr, v) in attrs {
        let full = format!("{key}.{attr}");
        match attr.as_str() {
            "fg" | "bg" => {
                let toml::Value::String(s) = v else {
                    return Err(err(ThemeErrorKind::WrongType {
                        key: full,
                        expected: "string",
                    }));
                };
                let colour = parse_colour(s).ok_or_else(|| {
                    err(ThemeErrorKind::BadColour {
                        key: full.clone(),
                        value: s.clone(),
                    })
                })?;
                style = if attr == "fg" {
                    style.fg(colour)
                } else {
                    style.bg(colour)
                };
            }
            "modifiers" => {
                let toml::Value::Array(list) = v else {
                    return Err(err(ThemeErrorKind::WrongType {
                        key: full,
                        expected: "array",
                    }));
                };
                for m in list {
                    let name = m.as_str().unwrap_or_default();
                    let modifier = MODIFIERS
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, m)| *m)
                        .ok_or_else(|| {
                            err(ThemeErrorKind::BadModifier {
                                key: full.clone(),
                                value: m.to_string().trim_matches('"').to_string(),
                            })
                        })?;
                    style = style.add_modifier(modifier);
                }
            }
            _ => return Err(err(ThemeErrorKind::UnknownAttr { key: full })),
        }
    }
    Ok(style)
}

/// An ANSI colour name, `#rrggbb`, or an index `0`–`255`.
fn parse_colour(s: &str) -> Option<Color> {
    if let Some((_, c)) = ANSI_COLOURS.iter().find(|(n, _)| *n == s) {
        return Some(*c);
    }
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let v = u32::from_str_radix(hex, 16).ok()?;
            return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        return None;
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<u8>().ok().map(Color::Indexed);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_forces_mono_only_when_non_empty() {
        assert!(forces_mono(Some("1")));
        assert!(forces_mono(Some("anything")));
        assert!(!forces_mono(Some("")));
        assert!(!forces_mono(None));
        assert_eq!(choose(Some("light"), Some("1")), "mono");
        assert_eq!(choose(Some("light"), Some("")), "light");
        assert_eq!(choose(None, None), "default");
    }

    #[test]
    fn builtins_parse_and_have_every_role() {
        for (name, _) in BUILTIN {
            let t = Theme::builtin(name).unwrap();
            assert_eq!(t.name(), *name);
            assert_eq!(t.styles.len(), Role::ALL.len());
        }
    }

    #[test]
    fn default_theme_uses_only_the_16_ansi_colours() {
        let t = Theme::builtin("default").unwrap();
        let ansi: Vec<Color> = ANSI_COLOURS.iter().map(|(_, c)| *c).collect();
        for role in Role::ALL {
            let s = t.style(*role);
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(ansi.contains(&c), "{}: {c:?}", role.name());
            }
        }
    }

    #[test]
    fn mono_has_no_colours_and_marks_state_with_modifiers() {
        let t = Theme::builtin("mono").unwrap();
        for role in Role::ALL {
            let s = t.style(*role);
            assert!(s.fg.is_none() && s.bg.is_none(), "{}", role.name());
        }
        assert!(
            t.style(Role::Selection)
                .add_modifier
                .contains(Modifier::REVERSED)
        );
        assert!(t.style(Role::Error).add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn user_theme_patches_its_base() {
        let t = Theme::parse_user(
            "extends = \"light\"\n[roles]\nerror = { fg = \"#ff0000\", modifiers = [\"bold\"] }\nmuted = { fg = \"244\" }\n",
            "my.toml",
        )
        .unwrap();
        assert_eq!(
            t.style(Role::Error),
            Style::default()
                .fg(Color::Rgb(255, 0, 0))
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(t.style(Role::Muted).fg, Some(Color::Indexed(244)));
        let light = Theme::builtin("light").unwrap();
        assert_eq!(t.style(Role::Title), light.style(Role::Title));
    }

    #[test]
    fn theme_file_errors_name_file_key_and_allowed_values() {
        let e = Theme::parse_user("[roles]\nselected = {}\n", "my.toml").unwrap_err();
        assert_eq!(
            e.kind,
            ThemeErrorKind::UnknownRole {
                key: "roles.selected".into()
            }
        );
        let msg = e.message(Lang::En);
        assert!(msg.contains("my.toml"), "{msg}");
        assert!(msg.contains("roles.selected"), "{msg}");
        assert!(msg.contains("selection"), "{msg}");
        assert!(e.to_string().contains("my.toml"));

        let e = Theme::parse_user("[roles]\nerror = { fg = \"crimson\" }\n", "t.toml").unwrap_err();
        let msg = e.message(Lang::Zh);
        assert!(
            msg.contains("t.toml") && msg.contains("roles.error.fg"),
            "{msg}"
        );
        assert!(
            msg.contains("crimson") && msg.contains("light_red") && msg.contains("#rrggbb"),
            "{msg}"
        );

        let e =
            Theme::parse_user("[roles]\nerror = { modifiers = [\"blink\"] }\n", "t").unwrap_err();
        assert!(e.message(Lang::En).contains("underlined"));
        let e = Theme::parse_user("[roles]\nerror = { colour = \"red\" }\n", "t").unwrap_err();
        assert_eq!(
            e.kind,
            ThemeErrorKind::UnknownAttr {
                key: "roles.error.colour".into()
            }
        );
        let e = Theme::parse_user("[roles]\nerror = \"red\"\n", "t").unwrap_err();
        assert!(matches!(e.kind, ThemeErrorKind::WrongType { .. }));
        let e = Theme::parse_user("extends = \"solarized\"\n", "t").unwrap_err();
        assert!(e.message(Lang::En).contains("high-contrast"));
        let e = Theme::parse_user("colours = 1\n", "t").unwrap_err();
        assert!(matches!(e.kind, ThemeErrorKind::UnknownKey { .. }));
        let e = Theme::parse_user("[roles\n", "t").unwrap_err();
        assert!(matches!(e.kind, ThemeErrorKind::Syntax { .. }));
        let e = Theme::load("/no/such/theme.toml").unwrap_err();
        assert!(e.message(Lang::En).contains("/no/such/theme.toml"));
    }

    #[test]
    fn colours_parse() {
        assert_eq!(parse_colour("dark_gray"), Some(Color::DarkGray));
        assert_eq!(parse_colour("#0a0B0c"), Some(Color::Rgb(10, 11, 12)));
        assert_eq!(parse_colour("255"), Some(Color::Indexed(255)));
        assert_eq!(parse_colour("256"), None);
        assert_eq!(parse_colour("#12345"), None);
        assert_eq!(parse_colour("Red"), None);
    }
}
