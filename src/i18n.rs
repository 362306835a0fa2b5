//! The catalogue of user-interface strings: `src/i18n/zh.toml` (default) and `src/i18n/en.toml`.
//! Every visible string of the CLI and the TUI comes from here; a test fails when a key exists in
//! one language only.

use crate::domain::Lang;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The catalogue files of each language, one per area (CLI, TUI frame, each workspace), so the
/// areas can grow independently. A key may appear in only one file of a language.
const ZH_FILES: &[(&str, &str)] = &[
    ("zh.toml", include_str!("i18n/zh.toml")),
    ("zh/tui.toml", include_str!("i18n/zh/tui.toml")),
    ("zh/account.toml", include_str!("i18n/zh/account.toml")),
    (
        "zh/enterprise.toml",
        include_str!("i18n/zh/enterprise.toml"),
    ),
    ("zh/public.toml", include_str!("i18n/zh/public.toml")),
    ("zh/admin.toml", include_str!("i18n/zh/admin.toml")),
    ("zh/review.toml", include_str!("i18n/zh/review.toml")),
    ("zh/declare.toml", include_str!("i18n/zh/declare.toml")),
];
const EN_FILES: &[(&str, &str)] = &[
    ("en.toml", include_str!("i18n/en.toml")),
    ("en/tui.toml", include_str!("i18n/en/tui.toml")),
    ("en/account.toml", include_str!("i18n/en/account.toml")),
    (
        "en/enterprise.toml",
        include_str!("i18n/en/enterprise.toml"),
    ),
    ("en/public.toml", include_str!("i18n/en/public.toml")),
    ("en/admin.toml", include_str!("i18n/en/admin.toml")),
    ("en/review.toml", include_str!("i18n/en/review.toml")),
    ("en/declare.toml", include_str!("i18n/en/declare.toml")),
];

static ZH: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| load(ZH_FILES));
static EN: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| load(EN_FILES));

fn parse(name: &str, src: &str) -> BTreeMap<String, String> {
    toml::from_str(src)
        .unwrap_or_else(|e| panic!("the built-in string catalogue {name} is not valid TOML: {e}"))
}

fn load(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    for (name, src) in files {
        all.extend(parse(name, src));
    }
    all
}

fn catalogue(lang: Lang) -> &'static BTreeMap<String, String> {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// The string for `key`. A missing key shows as the key itself (and fails the catalogue test).
pub fn tr(lang: Lang, key: &str) -> String {
    catalogue(lang)
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

/// The string for `key` with `{name}` placeholders filled in.
pub fn trf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = tr(lang, key);
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_defined_twice() {
        for files in [ZH_FILES, EN_FILES] {
            let mut seen: BTreeMap<String, &str> = BTreeMap::new();
            for (name, src) in files {
                for key in parse(name, src).into_keys() {
                    if let Some(first) = seen.insert(key.clone(), name) {
                        panic!("`{key}` is defined in both {first} and {name}");
                    }
                }
            }
        }
    }

    /// Every catalogue-looking literal in the UI code (`"prefix.rest"` where some catalogue key
    /// starts with `prefix.`) names a key that exists: a typo shows up here, not on a screen.
    #[test]
    fn keys_used_in_the_ui_exist() {
        let prefixes: std::collections::BTreeSet<&str> =
            ZH.keys().filter_map(|k| k.split('.').next()).collect();
        let mut missing = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let src = std::fs::read_to_string(&path).unwrap();
                let code = src.split("#[cfg(test)]").next().unwrap_or_default();
                for lit in code.split('"').skip(1).step_by(2) {
                    let Some((prefix, rest)) = lit.split_once('.') else {
                        continue;
                    };
                    let plausible = !rest.is_empty()
                        && lit.chars().all(|c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || "._".contains(c)
                        })
                        && !lit.ends_with('.')
                        && !lit.contains("..");
                    if plausible
                        && prefixes.contains(prefix)
                        && !ZH.contains_key(lit)
                        && !ZH.keys().any(|k| k.starts_with(lit) && lit.ends_with('_'))
                    {
                        missing.push(format!("{}: {lit}", path.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys not in the catalogue: {missing:#?}"
        );
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let zh: Vec<&String> = ZH.keys().collect();
        let en: Vec<&String> = EN.keys().collect();
        let only_zh: Vec<_> = zh.iter().filter(|k| !EN.contains_key(**k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !ZH.contains_key(**k)).collect();
        assert!(only_zh.is_empty(), "missing in en.toml: {only_zh:?}");
        assert!(only_en.is_empty(), "missing in zh.toml: {only_en:?}");
    }

    #[test]
    fn placeholders_match_between_languages() {
        let names = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            v.sort();
            v
        };
        for (k, zh) in ZH.iter() {
            assert_eq!(names(zh), names(&EN[k]), "placeholders of {k}");
        }
    }

    #[test]
    fn fills_placeholders() {
        assert_eq!(
            trf(Lang::Zh, "regions.not_found", &[("code", "999999")]),
            "没有代码为“999999”的行政区划（GB/T 2260）"
        );
        assert_eq!(tr(Lang::En, "no.such.key"), "no.such.key");
    }
}
