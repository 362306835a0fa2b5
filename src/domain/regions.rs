//! Administrative divisions (GB/T 2260): provinces, prefectures, counties; the certifying
//! authority of a county (province, 计划单列市 or municipality), and reviewer scoping.
//!
//! The built-in list is `fixtures/regions.csv` (31 provinces, 342 prefectures, 2978 counties),
//! compiled in and parsed once.
//!
//! Prefecture-level cities without counties (东莞 441900, 中山 442000, 儋州 460400) are listed a
//! second time at county level under their own code, so a county picker has something to offer.
//! [`Regions::get`] returns the prefecture for such a code, [`Regions::children`] lists the
//! county row, and [`Regions::require_county`] accepts the code and returns the county row.

use crate::domain::codelist::{self, Node, Row, Tree};
use crate::domain::text::{Localized, Text};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::LazyLock;

/// The four municipalities (直辖市): 北京, 天津, 上海, 重庆.
pub const MUNICIPALITIES: [&str; 4] = ["110000", "120000", "310000", "500000"];

/// The five 计划单列市, which act as a province for enterprises registered in them (DOMAIN.md
/// §2): 大连, 宁波, 厦门, 青岛, 深圳.
pub const PLAN_CITIES: [&str; 5] = ["210200", "330200", "350200", "370200", "440300"];

/// Names GB/T 2260 uses for grouping rows that are not places of their own; they are left out of
/// full names and search results.
pub const PLACEHOLDER_NAMES: [&str; 4] = [
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
];

/// Whether `province_code` is one of the four municipalities (直辖市).
pub fn is_municipality(province_code: &str) -> bool {
    MUNICIPALITIES.contains(&province_code)
}

/// Whether `code` is one of the five 计划单列市 (the city itself, not one of its districts).
pub fn is_plan_city(code: &str) -> bool {
    PLAN_CITIES.contains(&code)
}

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
pub enum RegionLevel {
    /// 省级 (province, autonomous region, municipality)
    Province,
    /// 地级 (prefecture)
    Prefecture,
    /// 县级 (county, district, county-level city)
    County,
}

impl RegionLevel {
    pub const ALL: [RegionLevel; 3] = [
        RegionLevel::Province,
        RegionLevel::Prefecture,
        RegionLevel::County,
    ];

    /// The level number used in the code-list file (1 = province).
    pub fn number(self) -> u8 {
        match self {
            RegionLevel::Province => 1,
            RegionLevel::Prefecture => 2,
            RegionLevel::County => 3,
        }
    }

    pub fn from_number(n: u8) -> Option<RegionLevel> {
        RegionLevel::ALL.into_iter().find(|l| l.number() == n)
    }

    pub fn name(self) -> Text {
        match self {
            RegionLevel::Province => Text::new("省级", "province-level"),
            RegionLevel::Prefecture => Text::new("地级", "prefecture-level"),
            RegionLevel::County => Text::new("县级", "county-level"),
        }
    }
}

/// One administrative division.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Region {
    /// Six digits.
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    /// `None` for a province.
    pub parent: Option<String>,
}

impl Region {
    /// Whether the name is a grouping placeholder such as 市辖区 (see [`PLACEHOLDER_NAMES`]).
    pub fn is_placeholder(&self) -> bool {
        PLACEHOLDER_NAMES.contains(&self.name.as_str())
    }
}

impl Node for Region {
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

/// Who certifies (announces) the tiers for enterprises of a region (DOMAIN.md §2).
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorityKind {
    /// A province or autonomous region.
    Province,
    /// A 计划单列市, acting as a province.
    PlanCity,
    /// A municipality (直辖市), its own provincial authority.
    Municipality,
}

impl AuthorityKind {
    pub fn name(self) -> Text {
        match self {
            AuthorityKind::Province => Text::new("省级", "province"),
            AuthorityKind::PlanCity => {
                Text::new("计划单列市", "city with independent planning status")
            }
            AuthorityKind::Municipality => Text::new("直辖市", "municipality"),
        }
    }
}

/// The provincial-level certifying authority of a region.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Authority {
    pub code: String,
    pub name: String,
    pub kind: AuthorityKind,
}

/// A region code that cannot be used where it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionError {
    /// Not six digits.
    Malformed { input: String },
    /// Six digits, but not in the list.
    Unknown { code: String },
    /// A county was required; `name` is the region's name (with its parent's for a placeholder
    /// such as 市辖区).
    NotCounty {
        code: String,
        name: String,
        level: RegionLevel,
    },
}

impl Localized for RegionError {
    fn text(&self) -> Text {
        match self {
            RegionError::Malformed { input } => Text::new(
                format!("行政区划代码须为 6 位数字，收到“{input}”"),
                format!("An administrative division code has 6 digits; got \"{input}\""),
            ),
            RegionError::Unknown { code } => Text::new(
                format!("没有代码为“{code}”的行政区划（GB/T 2260）"),
                format!("No administrative division has the code \"{code}\" (GB/T 2260)"),
            ),
            RegionError::NotCounty { code, name, level } => {
                let level = level.name();
                Text::new(
                    format!(
                        "注册地须为县级行政区划（区/县），“{code} {name}”是{}",
                        level.zh
                    ),
                    format!(
                        "The registered location must be a county-level division (district or \
                         county); \"{code} {name}\" is {}",
                        level.en
                    ),
                )
            }
        }
    }
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().zh)
    }
}

impl std::error::Error for RegionError {}

/// A validated list of administrative divisions.
#[derive(Debug, Clone)]
pub struct Regions {
    tree: Tree<Region>,
}

static BUILTIN: LazyLock<Regions> = LazyLock::new(|| {
    Regions::parse(include_str!("../../fixtures/regions.csv"))
        .unwrap_or_else(|e| panic!("fixtures/regions.csv: {e}"))
});

impl Regions {
    /// Maximum number of results of [`Regions::search`].
    pub const SEARCH_LIMIT: usize = 50;

    /// The built-in GB/T 2260 list, parsed on first use.
    pub fn builtin() -> &'static Regions {
        &BUILTIN
    }

    /// Parses a `level,code,name,parent` list (level 1 province, 2 prefecture, 3 county).
    /// Checks: six-digit codes, unique (a county row may repeat its prefecture's code, see the
    /// module documentation); every parent exists one level up; a province code ends in `0000`,
    /// a prefecture code in `00` and shares its province's first two digits, a county code shares
    /// its prefecture's first four.
    pub fn parse(csv: &str) -> Result<Regions, String> {
        let rows = codelist::parse_rows(csv, 3)?;
        codelist::validate(&rows, true, check_code)?;
        let regions = rows
            .iter()
            .map(|r| Region {
                code: r.code.to_string(),
                name: r.name.to_string(),
                level: RegionLevel::from_number(r.level).expect("level checked by parse_rows"),
                parent: r.parent.map(str::to_string),
            })
            .collect();
        Ok(Regions {
            tree: Tree::new(regions),
        })
    }

    /// Every row in file order (the county rows of prefectures without counties included).
    pub fn iter(&self) -> impl Iterator<Item = &Region> {
        self.tree.nodes().iter()
    }

    /// Number of rows at a level.
    pub fn count(&self, level: RegionLevel) -> usize {
        self.iter().filter(|r| r.level == level).count()
    }

    /// The region with this code (for 东莞 441900 and the like: the prefecture).
    pub fn get(&self, code: &str) -> Option<&Region> {
        self.tree.get(code)
    }

    /// The direct subdivisions, by code.
    pub fn children(&self, code: &str) -> Vec<&Region> {
        self.tree.children(code)
    }

    /// The 31 provincial-level divisions, by code.
    pub fn provinces(&self) -> Vec<&Region> {
        self.tree.roots()
    }

    /// Province → prefecture → county, root first; empty for an unknown code.
    pub fn path(&self, code: &str) -> Vec<&Region> {
        self.tree.path(code)
    }

    /// The names along the path, separated by spaces, without placeholders such as 市辖区:
    /// "广东省 深圳市 南山区", "北京市 海淀区".
    pub fn full_name(&self, code: &str) -> Option<String> {
        let path = self.path(code);
        if path.is_empty() {
            return None;
        }
        let names: Vec<&str> = path
            .iter()
            .filter(|r| !r.is_placeholder())
            .map(|r| r.name.as_str())
            .collect();
        Some(names.join(" "))
    }

    /// Whether `code` is `ancestor_code` or lies inside it. A code contains itself; an unknown
    /// code contains nothing and is contained in nothing.
    pub fn contains(&self, ancestor_code: &str, code: &str) -> bool {
        self.tree.contains(ancestor_code, code)
    }

    /// Whether a reviewer scoped to `scope_code` may see an enterprise registered in
    /// `county_code` (same as [`Regions::contains`]).
    pub fn scope_contains(&self, scope_code: &str, county_code: &str) -> bool {
        self.contains(scope_code, county_code)
    }

    /// Prefectures and counties whose code starts with `text` (when it is digits) or whose name
    /// contains it, by code, at most [`Regions::SEARCH_LIMIT`]. Provinces and placeholder rows
    /// (市辖区 …) are left out.
    pub fn search(&self, text: &str) -> Vec<&Region> {
        self.tree.search(
            text,
            Self::SEARCH_LIMIT,
            |r| r.level != RegionLevel::Province && !r.is_placeholder(),
            |_| (),
        )
    }

    /// The certifying authority for a county or prefecture (a province yields itself): the
    /// 计划单列市 when the region lies in one, otherwise its province, of kind `Municipality` for
    /// 北京, 天津, 上海, 重庆. `None` for an unknown code.
    ///
    /// 新疆生产建设兵团 also counts as provincial (DOMAIN.md §1), but GB/T 2260 gives it no code
    /// of its own: this list has no 66xxxx row. Its cities (石河子 659001 …) sit under 新疆
    /// 650000's 自治区直辖县级行政区划 659000, so they resolve to 新疆维吾尔自治区 here; treating
    /// the 兵团 as an authority needs a scope defined outside this code list.
    pub fn authority(&self, code: &str) -> Option<Authority> {
        let path = self.path(code);
        let province = *path.first()?;
        let (region, kind) = match path.iter().find(|r| is_plan_city(&r.code)) {
            Some(city) => (*city, AuthorityKind::PlanCity),
            None if is_municipality(&province.code) => (province, AuthorityKind::Municipality),
            None => (province, AuthorityKind::Province),
        };
        Some(Authority {
            code: region.code.clone(),
            name: region.name.clone(),
            kind,
        })
    }

    /// The county-level region for a registered location (注册地). Accepts a county code, or the
    /// code of a prefecture without counties (东莞 441900 …), for which the county row is
    /// returned. Leading and trailing spaces are ignored.
    pub fn require_county(&self, code: &str) -> Result<&Region, RegionError> {
        let code = code.trim();
        if !codelist::is_digits(code, 6) {
            return Err(RegionError::Malformed {
                input: code.to_string(),
            });
        }
        let region = self.get(code).ok_or_else(|| RegionError::Unknown {
            code: code.to_string(),
        })?;
        if region.level == RegionLevel::County {
            return Ok(region);
        }
        if let Some(county) = self.children(code).into_iter().find(|c| c.code == code) {
            return Ok(county);
        }
        let name = match region.parent.as_deref().and_then(|p| self.get(p)) {
            Some(parent) if region.is_placeholder() => format!("{} {}", parent.name, region.name),
            _ => region.name.clone(),
        };
        Err(RegionError::NotCounty {
            code: code.to_string(),
            name,
            level: region.level,
        })
    }
}

fn check_code(row: &Row<'_>, parent: Option<&Row<'_>>) -> Result<(), String> {
    let code = row.code;
    if !codelist::is_digits(code, 6) {
        return Err(format!("region code {code} is not six digits"));
    }
    let ok = match (row.level, parent) {
        (1, _) => code.ends_with("0000"),
        (2, Some(p)) => {
            code.ends_with("00") && !code.ends_with("0000") && code.get(..2) == p.code.get(..2)
        }
        (3, Some(p)) => code.get(..4) == p.code.get(..4),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "region code {code} does not fit level {} under {}",
            row.level,
            row.parent.unwrap_or("-")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::Lang;

    fn regions() -> &'static Regions {
        Regions::builtin()
    }

    fn names(list: &[&Region]) -> Vec<String> {
        list.iter().map(|r| r.name.clone()).collect()
    }

    #[test]
    fn builtin_counts() {
        let r = regions();
        assert_eq!(r.count(RegionLevel::Province), 31);
        assert_eq!(r.count(RegionLevel::Prefecture), 342);
        assert_eq!(r.count(RegionLevel::County), 2978);
        assert_eq!(r.provinces().len(), 31);
        assert_eq!(r.provinces()[0].name, "北京市");
    }

    #[test]
    fn get_and_children() {
        let r = regions();
        let nanshan = r.get("440305").unwrap();
        assert_eq!(nanshan.name, "南山区");
        assert_eq!(nanshan.level, RegionLevel::County);
        assert_eq!(nanshan.parent.as_deref(), Some("440300"));
        assert!(r.get("999999").is_none());
        let shenzhen = r.children("440300");
        assert_eq!(shenzhen.len(), 9);
        assert_eq!(shenzhen[0].code, "440303");
        assert!(r.children("440305").is_empty());
    }

    #[test]
    fn path_is_root_first() {
        let r = regions();
        assert_eq!(names(&r.path("440305")), ["广东省", "深圳市", "南山区"]);
        assert_eq!(names(&r.path("440000")), ["广东省"]);
        assert!(r.path("999999").is_empty());
    }

    #[test]
    fn full_name_skips_placeholders() {
        let r = regions();
        assert_eq!(r.full_name("440305").unwrap(), "广东省 深圳市 南山区");
        assert_eq!(r.full_name("110108").unwrap(), "北京市 海淀区");
        assert_eq!(r.full_name("500229").unwrap(), "重庆市 城口县");
        assert_eq!(r.full_name("419001").unwrap(), "河南省 济源市");
        assert_eq!(r.full_name("659001").unwrap(), "新疆维吾尔自治区 石河子市");
        assert_eq!(r.full_name("999999"), None);
    }

    #[test]
    fn authority_plan_cities_provinces_municipalities() {
        let r = regions();
        let auth = |code: &str| {
            let a = r.authority(code).unwrap();
            (a.code, a.name, a.kind)
        };
        let plan =
            |code: &str, name: &str| (code.to_string(), name.to_string(), AuthorityKind::PlanCity);
        assert_eq!(auth("440305"), plan("440300", "深圳市"));
        assert_eq!(auth("440300"), plan("440300", "深圳市"));
        assert_eq!(auth("330212"), plan("330200", "宁波市"));
        assert_eq!(auth("210202"), plan("210200", "大连市"));
        assert_eq!(auth("370212"), plan("370200", "青岛市"));
        assert_eq!(auth("350203"), plan("350200", "厦门市"));
        let province =
            |code: &str, name: &str| (code.to_string(), name.to_string(), AuthorityKind::Province);
        assert_eq!(auth("440106"), province("440000", "广东省"));
        assert_eq!(auth("440100"), province("440000", "广东省"));
        assert_eq!(auth("330102"), province("330000", "浙江省"));
        assert_eq!(auth("659001"), province("650000", "新疆维吾尔自治区"));
        let muni = |code: &str, name: &str| {
            (
                code.to_string(),
                name.to_string(),
                AuthorityKind::Municipality,
            )
        };
        assert_eq!(auth("110108"), muni("110000", "北京市"));
        assert_eq!(auth("500229"), muni("500000", "重庆市"));
        assert_eq!(auth("310115"), muni("310000", "上海市"));
        assert!(r.authority("999999").is_none());
    }

    #[test]
    fn municipalities_and_plan_cities() {
        for code in MUNICIPALITIES {
            assert!(is_municipality(code));
            assert_eq!(regions().get(code).unwrap().level, RegionLevel::Province);
        }
        for code in PLAN_CITIES {
            assert!(is_plan_city(code));
            assert_eq!(regions().get(code).unwrap().level, RegionLevel::Prefecture);
        }
        assert!(!is_municipality("440000"));
        assert!(!is_plan_city("440100"));
        assert!(!is_plan_city("440305"));
    }

    #[test]
    fn placeholder_names_exist_in_the_list() {
        for name in PLACEHOLDER_NAMES {
            assert!(regions().iter().any(|r| r.name == name), "{name}");
        }
        assert!(
            !regions().iter().any(|r| r.code.starts_with("66")),
            "no 兵团 code"
        );
    }

    #[test]
    fn contains_and_scope() {
        let r = regions();
        assert!(r.contains("440000", "440305"));
        assert!(r.contains("440300", "440305"));
        assert!(!r.contains("110000", "440305"));
        assert!(!r.contains("440100", "440305"));
        assert!(!r.contains("440305", "440300"));
        assert!(r.contains("440305", "440305"));
        assert!(r.contains("110000", "110000"));
        assert!(!r.contains("999999", "999999"));
        assert!(r.scope_contains("110000", "110108"));
        assert!(!r.scope_contains("120000", "110108"));
    }

    #[test]
    fn require_county() {
        let r = regions();
        assert_eq!(r.require_county(" 440305 ").unwrap().name, "南山区");
        let err = r.require_county("440300").unwrap_err();
        assert_eq!(
            err,
            RegionError::NotCounty {
                code: "440300".into(),
                name: "深圳市".into(),
                level: RegionLevel::Prefecture
            }
        );
        assert_eq!(
            err.message(Lang::Zh),
            "注册地须为县级行政区划（区/县），“440300 深圳市”是地级"
        );
        assert!(
            err.message(Lang::En)
                .contains("\"440300 深圳市\" is prefecture-level")
        );
        assert_eq!(
            r.require_county("440000").unwrap_err().message(Lang::Zh),
            "注册地须为县级行政区划（区/县），“440000 广东省”是省级"
        );
        assert!(
            r.require_county("110100")
                .unwrap_err()
                .message(Lang::Zh)
                .contains("“110100 北京市 市辖区”")
        );
        assert_eq!(
            r.require_county("999999").unwrap_err(),
            RegionError::Unknown {
                code: "999999".into()
            }
        );
        assert!(matches!(
            r.require_county("4403"),
            Err(RegionError::Malformed { .. })
        ));
        assert!(
            r.require_county("abc")
                .unwrap_err()
                .message(Lang::En)
                .contains("6 digits")
        );
    }

    #[test]
    fn prefecture_without_counties_is_its_own_county() {
        let r = regions();
        assert_eq!(r.get("441900").unwrap().level, RegionLevel::Prefecture);
        let dongguan = r.require_county("441900").unwrap();
        assert_eq!(
            (dongguan.name.as_str(), dongguan.level),
            ("东莞市", RegionLevel::County)
        );
        assert_eq!(names(&r.path("441900")), ["广东省", "东莞市"]);
        assert_eq!(r.full_name("441900").unwrap(), "广东省 东莞市");
        assert!(r.contains("440000", "441900"));
        assert_eq!(r.authority("441900").unwrap().code, "440000");
        assert_eq!(r.children("441900").len(), 1);
        // 嘉峪关 has a county code of its own.
        assert_eq!(r.require_county("620201").unwrap().name, "嘉峪关市");
    }

    #[test]
    fn search_by_code_prefix_and_name() {
        let r = regions();
        let found = r.search("4403");
        assert_eq!(found[0].code, "440300");
        assert_eq!(found.len(), 10);
        assert!(r.search("南山").iter().any(|x| x.code == "440305"));
        assert!(r.search("深圳").iter().any(|x| x.code == "440300"));
        assert!(r.search("广东").is_empty(), "provinces are not returned");
        assert!(
            r.search("1101").iter().all(|x| x.code != "110100"),
            "no placeholders"
        );
        assert_eq!(r.search("441900").len(), 1, "one result per code");
        assert_eq!(r.search("区").len(), Regions::SEARCH_LIMIT);
        assert!(r.search("  ").is_empty());
    }

    const SMALL: &str = "level,code,name,parent
1,440000,广东省,
2,440300,深圳市,440000
3,440305,南山区,440300
";

    #[test]
    fn parse_small_lists() {
        let r = Regions::parse(SMALL).unwrap();
        assert_eq!(r.iter().count(), 3);
        assert_eq!(r.full_name("440305").unwrap(), "广东省 深圳市 南山区");

        let unknown_parent = format!("{SMALL}3,440106,天河区,440100\n");
        assert!(
            Regions::parse(&unknown_parent)
                .unwrap_err()
                .contains("unknown parent 440100")
        );
        let duplicate = format!("{SMALL}3,440305,南山区,440300\n");
        assert!(
            Regions::parse(&duplicate)
                .unwrap_err()
                .contains("duplicate code 440305")
        );
        let level_skip = format!("{SMALL}3,440106,天河区,440000\n");
        assert!(Regions::parse(&level_skip).unwrap_err().contains("level"));
        let wrong_prefix = format!("{SMALL}3,440106,天河区,440300\n");
        assert!(
            Regions::parse(&wrong_prefix)
                .unwrap_err()
                .contains("does not fit")
        );
        let short = "level,code,name,parent\n1,4400,广东省,\n";
        assert!(Regions::parse(short).unwrap_err().contains("six digits"));
        let parent_after_child = "level,code,name,parent\n2,440300,深圳市,44\n1,44,广东省,\n";
        assert!(Regions::parse(parent_after_child).is_err());
        let twin = format!("{SMALL}2,441900,东莞市,440000\n3,441900,东莞市,441900\n");
        assert!(Regions::parse(&twin).is_ok());
    }
}
