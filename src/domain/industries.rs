//! National industry classification (GB/T 4754-2017): sections (门类, a letter), divisions (大类,
//! 2 digits), groups (中类, 3 digits), classes (小类, 4 digits); and the assessment questionnaire
//! an enterprise's class selects (DOMAIN.md §3).
//!
//! The built-in list is `fixtures/industries.csv` (20 sections, 97 divisions, 473 groups, 1381
//! classes), compiled in and parsed once. A group with a single class carries the class's name.

use crate::domain::codelist::{self, Node, Row, Tree};
use crate::domain::text::{Localized, Text};
use crate::domain::tiers::AssessmentCategory;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::LazyLock;

#[derive(
    utoipa::ToSchema,
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum IndustryLevel {
    /// 门类, a letter A–T
    Section,
    /// 大类, 2 digits
    Division,
    /// 中类, 3 digits
    Group,
    /// 小类, 4 digits
    Class,
}

impl IndustryLevel {
    pub const ALL: [IndustryLevel; 4] = [
        IndustryLevel::Section,
        IndustryLevel::Division,
        IndustryLevel::Group,
        IndustryLevel::Class,
    ];

    /// The level number used in the code-list file (1 = section).
    pub fn number(self) -> u8 {
        match self {
            IndustryLevel::Section => 1,
            IndustryLevel::Division => 2,
            IndustryLevel::Group => 3,
            IndustryLevel::Class => 4,
        }
    }

    pub fn from_number(n: u8) -> Option<IndustryLevel> {
        IndustryLevel::ALL.into_iter().find(|l| l.number() == n)
    }

    pub fn name(self) -> Text {
        match self {
            IndustryLevel::Section => Text::new("门类", "a section"),
            IndustryLevel::Division => Text::new("大类", "a division"),
            IndustryLevel::Group => Text::new("中类", "a group"),
            IndustryLevel::Class => Text::new("小类", "a class"),
        }
    }
}

/// One entry of the classification.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Industry {
    pub code: String,
    pub name: String,
    pub level: IndustryLevel,
    /// `None` for a section.
    pub parent: Option<String>,
}

impl Node for Industry {
    fn code(&self) -> &str {
        &self.code
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn parent(&self) -> Option<&str> {
        self.parent.as_deref()
    }
}

/// An industry code that cannot be used where it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndustryError {
    /// Not in the classification.
    Unknown { code: String },
    /// A class was required.
    NotClass {
        code: String,
        name: String,
        level: IndustryLevel,
    },
}

impl Localized for IndustryError {
    fn text(&self) -> Text {
        match self {
            IndustryError::Unknown { code } => Text::new(
                format!("没有代码为“{code}”的国民经济行业（GB/T 4754-2017）"),
                format!("No industry has the code \"{code}\" (GB/T 4754-2017)"),
            ),
            IndustryError::NotClass { code, name, level } => {
                let level = level.name();
                Text::new(
                    format!(
                        "所属行业须选择到小类（4 位代码），“{code} {name}”是{}",
                        level.zh
                    ),
                    format!(
                        "The industry must be chosen down to a class (4-digit code); \
                         \"{code} {name}\" is {}",
                        level.en
                    ),
                )
            }
        }
    }
}

impl fmt::Display for IndustryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().zh)
    }
}

impl std::error::Error for IndustryError {}

/// Sections whose classes all use the producer-services questionnaire (our rule, see
/// [`Industries::category`]).
pub const PRODUCER_SERVICES_SECTIONS: [&str; 5] = ["G", "I", "J", "L", "M"];

/// Divisions, in otherwise non-producer-services sections, whose classes use the
/// producer-services questionnaire: F51 批发业, N77 生态保护和环境治理业, O81 机动车、电子产品和
/// 日用产品修理业 (our rule, see [`Industries::category`]).
pub const PRODUCER_SERVICES_DIVISIONS: [&str; 3] = ["51", "77", "81"];

/// A validated industry classification.
#[derive(Debug, Clone)]
pub struct Industries {
    tree: Tree<Industry>,
}

static BUILTIN: LazyLock<Industries> = LazyLock::new(|| {
    Industries::parse(include_str!("../../fixtures/industries.csv"))
        .unwrap_or_else(|e| panic!("fixtures/industries.csv: {e}"))
});

impl Industries {
    /// The built-in GB/T 4754-2017 list, parsed on first use.
    pub fn builtin() -> &'static Industries {
        &BUILTIN
    }

    /// Parses a `level,code,name,parent` list (level 1 section … 4 class). Checks: unique codes;
    /// every parent exists one level up; a section code is one upper-case letter, a division two
    /// digits, a group three digits starting with its division's, a class four digits starting
    /// with its group's.
    pub fn parse(csv: &str) -> Result<Industries, String> {
        let rows = codelist::parse_rows(csv, 4)?;
        codelist::validate(&rows, false, check_code)?;
        let industries = rows
            .iter()
            .map(|r| Industry {
                code: r.code.to_string(),
                name: r.name.to_string(),
                level: IndustryLevel::from_number(r.level).expect("level checked by parse_rows"),
                parent: r.parent.map(str::to_string),
            })
            .collect();
        Ok(Industries {
            tree: Tree::new(industries),
        })
    }

    /// Every entry in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Industry> {
        self.tree.nodes().iter()
    }

    /// Number of entries at a level.
    pub fn count(&self, level: IndustryLevel) -> usize {
        self.iter().filter(|i| i.level == level).count()
    }

    pub fn get(&self, code: &str) -> Option<&Industry> {
        self.tree.get(code)
    }

    /// The direct subdivisions, by code.
    pub fn children(&self, code: &str) -> Vec<&Industry> {
        self.tree.children(code)
    }

    /// The 20 sections A–T.
    pub fn sections(&self) -> Vec<&Industry> {
        self.tree.roots()
    }

    /// Section → division → group → class, root first; empty for an unknown code.
    pub fn path(&self, code: &str) -> Vec<&Industry> {
        self.tree.path(code)
    }

    /// The section (门类) of any code; a section is its own.
    pub fn section_of(&self, code: &str) -> Option<&Industry> {
        self.path(code).first().copied()
    }

    /// Entries whose code starts with `text` ("39", "3911") or whose name contains it ("软件",
    /// "集成电路"); classes first, then groups, divisions, sections, each by code; at most
    /// `limit`.
    pub fn search(&self, text: &str, limit: usize) -> Vec<&Industry> {
        self.tree
            .search(text, limit, |_| true, |i| std::cmp::Reverse(i.level))
    }

    /// The class (小类) for an enterprise's 所属行业. Leading and trailing spaces are ignored.
    pub fn require_class(&self, code: &str) -> Result<&Industry, IndustryError> {
        let code = code.trim();
        let industry = self
            .get(code)
            .or_else(|| self.get(&code.to_ascii_uppercase()))
            .ok_or_else(|| IndustryError::Unknown {
                code: code.to_string(),
            })?;
        if industry.level == IndustryLevel::Class {
            Ok(industry)
        } else {
            Err(IndustryError::NotClass {
                code: industry.code.clone(),
                name: industry.name.clone(),
                level: industry.level,
            })
        }
    }

    /// The assessment questionnaire for a class (DOMAIN.md §3); `None` unless `class_code` is a
    /// class (4 digits) of the list.
    ///
    /// **(our rule, approximating the 2019 producer-services classification)**:
    /// - 制造业 (`Manufacturing`): section C;
    /// - 生产性服务业 (`ProducerServices`): sections G, I, J, L, M whole, and divisions F51 批发业
    ///   (wholesale, not F52 retail), N77 生态保护和环境治理业 and O81 修理业;
    /// - 其他行业 (`Other`): everything else.
    ///
    /// The lists are [`PRODUCER_SERVICES_SECTIONS`] and [`PRODUCER_SERVICES_DIVISIONS`].
    pub fn category(&self, class_code: &str) -> Option<AssessmentCategory> {
        let class = self
            .get(class_code)
            .filter(|i| i.level == IndustryLevel::Class)?;
        let section = self.section_of(class_code)?.code.as_str();
        let division = &class.code[..2];
        Some(if section == "C" {
            AssessmentCategory::Manufacturing
        } else if PRODUCER_SERVICES_SECTIONS.contains(&section)
            || PRODUCER_SERVICES_DIVISIONS.contains(&division)
        {
            AssessmentCategory::ProducerServices
        } else {
            AssessmentCategory::Other
        })
    }
}

fn check_code(row: &Row<'_>, parent: Option<&Row<'_>>) -> Result<(), String> {
    let code = row.code;
    let ok = match (row.level, parent) {
        (1, _) => code.len() == 1 && code.bytes().all(|b| b.is_ascii_uppercase()),
        (2, _) => codelist::is_digits(code, 2),
        (3, Some(p)) => codelist::is_digits(code, 3) && code.starts_with(p.code),
        (4, Some(p)) => codelist::is_digits(code, 4) && code.starts_with(p.code),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "industry code {code} does not fit level {} under {}",
            row.level,
            row.parent.unwrap_or("-")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::Lang;
    use AssessmentCategory::{Manufacturing, Other, ProducerServices};

    fn industries() -> &'static Industries {
        Industries::builtin()
    }

    fn codes(list: &[&Industry]) -> Vec<String> {
        list.iter().map(|i| i.code.clone()).collect()
    }

    #[test]
    fn builtin_counts() {
        let ind = industries();
        // GB/T 4754-2017 publishes 20/97/473/1381; the shared source file had 474/1380 because
        // class 3741 飞机制造 was listed as a second group 374 (fixed in the fixture).
        assert_eq!(ind.count(IndustryLevel::Section), 20);
        assert_eq!(ind.count(IndustryLevel::Division), 97);
        assert_eq!(ind.count(IndustryLevel::Group), 473);
        assert_eq!(ind.count(IndustryLevel::Class), 1381);
        assert_eq!(ind.get("3741").unwrap().name, "飞机制造");
        assert_eq!(ind.sections().len(), 20);
        assert_eq!(ind.sections()[2].name, "制造业");
    }

    #[test]
    fn path_children_section() {
        let ind = industries();
        let path = ind.path("3911");
        assert_eq!(codes(&path), ["C", "39", "391", "3911"]);
        assert_eq!(path[3].name, "计算机整机制造");
        assert_eq!(path[3].level, IndustryLevel::Class);
        assert_eq!(ind.section_of("6511").unwrap().code, "I");
        assert_eq!(ind.section_of("C").unwrap().code, "C");
        assert!(ind.section_of("9999").is_none());
        assert!(ind.path("9999").is_empty());
        assert_eq!(
            codes(&ind.children("374")),
            ["3741", "3742", "3743", "3744", "3749"]
        );
        assert!(
            ind.children("C")
                .iter()
                .all(|d| d.level == IndustryLevel::Division)
        );
    }

    #[test]
    fn category_per_domain_rule() {
        let ind = industries();
        let cat = |code| ind.category(code);
        assert_eq!(cat("3911"), Some(Manufacturing));
        assert_eq!(cat("3973"), Some(Manufacturing));
        assert_eq!(cat("6511"), Some(ProducerServices)); // I 软件开发
        assert_eq!(cat("6621"), Some(ProducerServices)); // J 商业银行
        assert_eq!(cat("5111"), Some(ProducerServices)); // F51 批发
        assert_eq!(cat("5211"), Some(Other)); // F52 零售
        assert_eq!(cat("0111"), Some(Other)); // A 稻谷种植
        assert_eq!(cat("7711"), Some(ProducerServices)); // N77
        assert_eq!(cat("7810"), Some(Other)); // N78
        assert_eq!(cat("8111"), Some(ProducerServices)); // O81
        assert_eq!(cat("8010"), Some(Other)); // O80
        for section in ["G", "L", "M"] {
            let class = ind.iter().find(|i| {
                i.level == IndustryLevel::Class && ind.section_of(&i.code).unwrap().code == section
            });
            assert_eq!(
                cat(&class.unwrap().code),
                Some(ProducerServices),
                "{section}"
            );
        }
        assert_eq!(cat("39"), None);
        assert_eq!(cat("391"), None);
        assert_eq!(cat("C"), None);
        assert_eq!(cat("9999"), None);
        assert_eq!(cat(""), None);
    }

    #[test]
    fn every_class_has_a_category() {
        let ind = industries();
        for class in ind.iter().filter(|i| i.level == IndustryLevel::Class) {
            assert!(ind.category(&class.code).is_some(), "{}", class.code);
        }
    }

    #[test]
    fn require_class() {
        let ind = industries();
        assert_eq!(ind.require_class(" 3911 ").unwrap().name, "计算机整机制造");
        let err = ind.require_class("39").unwrap_err();
        assert_eq!(
            err.message(Lang::Zh),
            "所属行业须选择到小类（4 位代码），“39 计算机、通信和其他电子设备制造业”是大类"
        );
        assert!(err.message(Lang::En).contains("is a division"));
        assert!(matches!(
            ind.require_class("391"),
            Err(IndustryError::NotClass {
                level: IndustryLevel::Group,
                ..
            })
        ));
        assert!(matches!(
            ind.require_class("c"),
            Err(IndustryError::NotClass {
                level: IndustryLevel::Section,
                ..
            })
        ));
        let unknown = ind.require_class("9999").unwrap_err();
        assert_eq!(
            unknown,
            IndustryError::Unknown {
                code: "9999".into()
            }
        );
        assert!(unknown.message(Lang::Zh).contains("“9999”"));
    }

    #[test]
    fn search_by_code_prefix() {
        let ind = industries();
        assert_eq!(codes(&ind.search("3911", 10)), ["3911"]);
        let found = ind.search("39", 100);
        let first_non_class = found
            .iter()
            .position(|i| i.level != IndustryLevel::Class)
            .unwrap();
        assert!(
            found[first_non_class..]
                .iter()
                .all(|i| i.level != IndustryLevel::Class)
        );
        assert_eq!(found[0].code, "3911");
        assert_eq!(found.last().unwrap().code, "39");
        assert_eq!(ind.search("39", 3).len(), 3);
        assert!(ind.search("", 10).is_empty());
    }

    #[test]
    fn search_by_name() {
        let ind = industries();
        assert_eq!(codes(&ind.search("集成电路", 10)), ["3973", "6520", "652"]);
        let software = ind.search("软件", 20);
        assert!(software.iter().any(|i| i.code == "6511"));
        assert!(software.iter().any(|i| i.code == "I"));
        assert_eq!(software.last().unwrap().code, "I");
    }

    const SMALL: &str = "level,code,name,parent
1,C,制造业,
2,39,计算机、通信和其他电子设备制造业,C
3,391,计算机制造,39
4,3911,计算机整机制造,391
";

    #[test]
    fn parse_small_lists() {
        let ind = Industries::parse(SMALL).unwrap();
        assert_eq!(ind.category("3911"), Some(Manufacturing));
        let unknown_parent = format!("{SMALL}4,3921,通信系统设备制造,392\n");
        assert!(
            Industries::parse(&unknown_parent)
                .unwrap_err()
                .contains("unknown parent 392")
        );
        let duplicate = format!("{SMALL}3,391,计算机制造,39\n");
        assert!(
            Industries::parse(&duplicate)
                .unwrap_err()
                .contains("duplicate code 391")
        );
        let self_parent = format!("{SMALL}4,3911,计算机整机制造,3911\n");
        assert!(Industries::parse(&self_parent).is_err());
        let wrong_prefix = format!("{SMALL}4,3811,电机制造,391\n");
        assert!(
            Industries::parse(&wrong_prefix)
                .unwrap_err()
                .contains("does not fit")
        );
        let bad_section = "level,code,name,parent\n1,c,制造业,\n";
        assert!(Industries::parse(bad_section).is_err());
    }
}
