//! The catalogue of user-interface strings: `src/i18n/zh.toml` (default) and `src/i18n/en.toml`.
//! Every visible string of the CLI and the TUI comes from here; a test fails when a key exists in
//! one language only.

use crate::domain::Lang;
use std::collections::BTreeMap;
use std::sync::LazyLock;

static ZH: LazyLock<BTreeMap<String, String>> =
    LazyLock::new(|| load(include_str!("i18n/zh.toml")));
static EN: LazyLock<BTreeMap<String, String>> =
    LazyLock::new(|| load(include_str!("i18n/en.toml")));

fn load(src: &str) -> BTreeMap<String, String> {
    toml::from_str(src).expect("the built-in string catalogue is valid TOML")
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
