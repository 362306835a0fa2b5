//! Identifiers (DOMAIN.md §4): the unified social credit code of an organisation
//! (统一社会信用代码, GB 32100-2015) and the resident identity card number (居民身份证号码, GB 11643).
//!
//! Input is normalised — surrounding whitespace trimmed, full-width ASCII (U+FF01..U+FF5E) folded to
//! half-width, ASCII letters upper-cased — but never silently corrected: a wrong character or check
//! character is an error that says what is wrong and, for the check character, what was expected.

use crate::domain::text::{Localized, Text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Every identifier handled here has 18 characters.
const ID_LEN: usize = 18;

/// Trims, folds full-width ASCII to half-width and upper-cases ASCII letters. Nothing else changes.
fn normalise(input: &str) -> String {
    input
        .trim()
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Shows a character inside quotes; invisible ones (spaces, control characters) as `U+XXXX`.
fn visible(ch: char) -> String {
    if ch.is_whitespace() || ch.is_control() {
        format!("“U+{:04X}”", ch as u32)
    } else {
        format!("“{ch}”")
    }
}

/// "1 was" / "17 were" — the English count of entered characters.
fn entered(n: usize) -> String {
    if n == 1 {
        "1 was entered".to_string()
    } else {
        format!("{n} were entered")
    }
}

/// The check-character message shared by both identifiers (position 18).
fn wrong_check_text(expected: char, found: char) -> Text {
    Text::new(
        format!(
            "校验位错误：第 18 位应为{}，输入的是{}；请先核对前 17 位是否录入有误",
            visible(expected),
            visible(found)
        ),
        format!(
            "Wrong check character: character 18 should be {} but {} was entered; \
             please first check the other 17 characters for typos",
            visible(expected),
            visible(found)
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// 统一社会信用代码
// ---------------------------------------------------------------------------------------------

/// The USCC alphabet; a character's value is its index (no I, O, S, V, Z).
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17: 3^(i−1) mod 31.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Weights of the first 8 characters of an organisation code (GB 11714).
const ORG_CODE_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn uscc_value(ch: char) -> Option<u32> {
    USCC_ALPHABET
        .iter()
        .position(|&b| char::from(b) == ch)
        .map(|i| i as u32)
}

/// The check character (position 18) for the first 17 characters of a USCC, or `None` unless
/// `first17` is exactly 17 characters of the USCC alphabet (already upper-case; not normalised).
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let values: Vec<u32> = first17.chars().map(uscc_value).collect::<Option<_>>()?;
    if values.len() != USCC_WEIGHTS.len() {
        return None;
    }
    let sum: u32 = values.iter().zip(USCC_WEIGHTS).map(|(v, w)| v * w).sum();
    Some(char::from(USCC_ALPHABET[((31 - sum % 31) % 31) as usize]))
}

/// Why a character is not allowed in a USCC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UsccCharHint {
    /// I, O, S, V or Z: letters the standard leaves out (they look like 1, 0, 5, U, 2).
    ExcludedLetter,
    /// Anything else outside the alphabet: punctuation, CJK, spaces …
    NotAllowed,
}

/// Why a text is not a valid unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsccError {
    Empty,
    /// Length in characters (not bytes) after trimming.
    WrongLength {
        found: usize,
    },
    /// The first character outside the alphabet; `position` is 1-based.
    BadChar {
        ch: char,
        position: usize,
        hint: UsccCharHint,
    },
    /// Position 18 does not match positions 1–17.
    WrongCheck {
        expected: char,
        found: char,
    },
    /// Position 17 does not match positions 9–16 under GB 11714 (only from [`Uscc::check_org_code`]).
    OrgCodeCheck {
        expected: char,
        found: char,
    },
}

impl Localized for UsccError {
    fn text(&self) -> Text {
        match *self {
            UsccError::Empty => Text::new(
                "请输入统一社会信用代码",
                "Please enter the unified social credit code",
            ),
            UsccError::WrongLength { found } => Text::new(
                format!("统一社会信用代码应为 18 位，当前为 {found} 位"),
                format!(
                    "The unified social credit code must be 18 characters; {}",
                    entered(found)
                ),
            ),
            UsccError::BadChar { ch, position, hint } => {
                let (why_zh, why_en) = match hint {
                    UsccCharHint::ExcludedLetter => (
                        "统一社会信用代码不使用 I、O、S、V、Z",
                        "the letters I, O, S, V and Z are never used in a unified social credit code",
                    ),
                    UsccCharHint::NotAllowed => (
                        "统一社会信用代码只包含数字和大写字母",
                        "a unified social credit code contains only digits and capital letters",
                    ),
                };
                Text::new(
                    format!(
                        "第 {position} 位的字符{}不允许出现（{why_zh}）",
                        visible(ch)
                    ),
                    format!(
                        "Character {position}, {}, is not allowed: {why_en}",
                        visible(ch)
                    ),
                )
            }
            UsccError::WrongCheck { expected, found } => wrong_check_text(expected, found),
            UsccError::OrgCodeCheck { expected, found } => Text::new(
                format!(
                    "组织机构代码校验错误（GB 11714，第 9–17 位）：第 17 位应为{}，输入的是{}",
                    visible(expected),
                    visible(found)
                ),
                format!(
                    "Organisation code check failed (GB 11714, characters 9–17): \
                     character 17 should be {} but {} was entered",
                    visible(expected),
                    visible(found)
                ),
            ),
        }
    }
}

impl fmt::Display for UsccError {
    /// The Chinese message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().zh)
    }
}

impl std::error::Error for UsccError {}

/// A validated 统一社会信用代码: 18 characters of the USCC alphabet with a correct check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

impl Uscc {
    /// Normalises and validates; see the module documentation.
    pub fn parse(input: &str) -> Result<Uscc, UsccError> {
        let code = normalise(input);
        let found = code.chars().count();
        if found == 0 {
            return Err(UsccError::Empty);
        }
        if found != ID_LEN {
            return Err(UsccError::WrongLength { found });
        }
        if let Some((i, ch)) = code
            .chars()
            .enumerate()
            .find(|&(_, c)| uscc_value(c).is_none())
        {
            let hint = if matches!(ch, 'I' | 'O' | 'S' | 'V' | 'Z') {
                UsccCharHint::ExcludedLetter
            } else {
                UsccCharHint::NotAllowed
            };
            return Err(UsccError::BadChar {
                ch,
                position: i + 1,
                hint,
            });
        }
        // All characters are ASCII from here on, so byte indices are character positions.
        let expected = uscc_check_char(&code[..17]).expect("17 alphabet characters");
        let found = char::from(code.as_bytes()[17]);
        if expected != found {
            return Err(UsccError::WrongCheck { expected, found });
        }
        Ok(Uscc(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn char_at(&self, position: usize) -> char {
        char::from(self.0.as_bytes()[position - 1])
    }

    /// Position 1: the registration authority (登记管理部门) code.
    pub fn registration_authority(&self) -> char {
        self.char_at(1)
    }

    /// The name of the registration authority, if the code is an allocated one.
    pub fn registration_authority_name(&self) -> Option<Text> {
        let (zh, en) = match self.registration_authority() {
            '1' => ("机构编制", "Public-sector establishment administration"),
            '2' => ("外交", "Foreign affairs"),
            '3' => ("司法行政", "Justice administration"),
            '4' => ("文化", "Culture"),
            '5' => ("民政", "Civil affairs"),
            '6' => ("旅游", "Tourism"),
            '7' => ("宗教", "Religious affairs"),
            '8' => ("工会", "Trade unions"),
            '9' => (
                "工商（市场监管）",
                "Market regulation (industry and commerce)",
            ),
            'A' => (
                "中央军委改革和编制办公室",
                "Central Military Commission reform and establishment office",
            ),
            'N' => ("农业", "Agriculture"),
            'Y' => ("其他", "Other"),
            _ => return None,
        };
        Some(Text::new(zh, en))
    }

    /// Position 2: the entity type (机构类别), meaningful together with position 1.
    pub fn entity_type(&self) -> char {
        self.char_at(2)
    }

    /// The entity-type name for the authorities 1, 5 and 9 of GB 32100-2015; `None` otherwise.
    pub fn entity_type_name(&self) -> Option<Text> {
        let (zh, en) = match (self.registration_authority(), self.entity_type()) {
            ('1', '1') => ("机关", "Government agency"),
            ('1', '2') => ("事业单位", "Public institution"),
            ('1', '3') => (
                "中央编办直接管理机构编制的群众团体",
                "Mass organisation under the central establishment office",
            ),
            ('5', '1') => ("社会团体", "Social organisation"),
            ('5', '2') => ("民办非企业单位", "Private non-enterprise unit"),
            ('5', '3') => ("基金会", "Foundation"),
            ('9', '1') => ("企业", "Enterprise"),
            ('9', '2') => ("个体工商户", "Individual business"),
            ('9', '3') => ("农民专业合作社", "Farmers' cooperative"),
            ('1' | '5', '9') => ("其他", "Other"),
            _ => return None,
        };
        Some(Text::new(zh, en))
    }

    /// Positions 3–8: the GB/T 2260 administrative-division code of the registering authority.
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    /// Positions 9–17: the organisation code (组织机构代码, GB 11714).
    pub fn org_code(&self) -> &str {
        &self.0[8..17]
    }

    /// Position 18.
    pub fn check_char(&self) -> char {
        self.char_at(18)
    }

    /// Registered with market regulation as an enterprise (`91…`).
    pub fn is_enterprise(&self) -> bool {
        self.0.starts_with("91")
    }

    /// Optional stricter check: position 17 is the GB 11714 check character of positions 9–16.
    /// Not every valid USCC passes (e.g. some individual businesses carry no real organisation code).
    pub fn check_org_code(&self) -> Result<(), UsccError> {
        let org = self.org_code();
        let sum: u32 = org[..8]
            .chars()
            .zip(ORG_CODE_WEIGHTS)
            .map(|(c, w)| c.to_digit(36).expect("alphanumeric") * w)
            .sum();
        let expected = match 11 - sum % 11 {
            10 => 'X',
            11 => '0',
            d => char::from_digit(d, 10).expect("single digit"),
        };
        let found = self.char_at(17);
        if expected == found {
            Ok(())
        } else {
            Err(UsccError::OrgCodeCheck { expected, found })
        }
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = UsccError;

    fn from_str(s: &str) -> Result<Uscc, UsccError> {
        Uscc::parse(s)
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;

    fn try_from(s: String) -> Result<Uscc, UsccError> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(code: Uscc) -> String {
        code.0
    }
}

// ---------------------------------------------------------------------------------------------
// 居民身份证号码
// ---------------------------------------------------------------------------------------------

/// Weights of positions 1–17 of a resident ID number.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check characters indexed by Σ mod 11.
const ID_CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The check character (position 18) for the first 17 characters of a resident ID number, or
/// `None` unless `first17` is exactly 17 ASCII digits.
pub fn id_check_char(first17: &str) -> Option<char> {
    let digits: Vec<u32> = first17
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != ID_WEIGHTS.len() {
        return None;
    }
    let sum: u32 = digits.iter().zip(ID_WEIGHTS).map(|(d, w)| d * w).sum();
    Some(char::from(ID_CHECK_CHARS[(sum % 11) as usize]))
}

/// Why a text is not a valid resident ID number (or not acceptable on a given day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    Empty,
    /// Length in characters (not bytes) after trimming.
    WrongLength {
        found: usize,
    },
    /// The first character that is not a digit (or X at position 18); `position` is 1-based.
    BadChar {
        ch: char,
        position: usize,
    },
    /// Positions 7–14 are not a calendar date.
    BadBirthDate {
        text: String,
    },
    /// The birth date is after `today` (only from [`ResidentId::check_not_after`]).
    BirthDateInFuture {
        birth_date: NaiveDate,
        today: NaiveDate,
    },
    /// Position 18 does not match positions 1–17.
    WrongCheck {
        expected: char,
        found: char,
    },
}

impl Localized for IdError {
    fn text(&self) -> Text {
        match self {
            IdError::Empty => Text::new(
                "请输入居民身份证号码",
                "Please enter the resident identity card number",
            ),
            IdError::WrongLength { found } => {
                let (old_zh, old_en) = if *found == 15 {
                    (
                        "（15 位的旧号码请换用 18 位号码）",
                        " (old 15-digit numbers must be replaced by the 18-character number)",
                    )
                } else {
                    ("", "")
                };
                Text::new(
                    format!("居民身份证号码应为 18 位，当前为 {found} 位{old_zh}"),
                    format!(
                        "The resident identity card number must be 18 characters; {}{old_en}",
                        entered(*found)
                    ),
                )
            }
            IdError::BadChar { ch, position } => {
                let (why_zh, why_en) = if *position == ID_LEN {
                    (
                        "最后一位只能是数字或 X",
                        "the last character must be a digit or X",
                    )
                } else {
                    (
                        "前 17 位只能是数字",
                        "the first 17 characters must be digits",
                    )
                };
                Text::new(
                    format!(
                        "第 {position} 位的字符{}不允许出现（{why_zh}）",
                        visible(*ch)
                    ),
                    format!(
                        "Character {position}, {}, is not allowed: {why_en}",
                        visible(*ch)
                    ),
                )
            }
            IdError::BadBirthDate { text } => Text::new(
                format!("出生日期“{text}”（第 7–14 位）不是有效日期"),
                format!("The birth date “{text}” (characters 7–14) is not a valid date"),
            ),
            IdError::BirthDateInFuture { birth_date, today } => Text::new(
                format!("出生日期 {birth_date} 晚于当前日期 {today}"),
                format!("The birth date {birth_date} is after the current date {today}"),
            ),
            IdError::WrongCheck { expected, found } => wrong_check_text(*expected, *found),
        }
    }
}

impl fmt::Display for IdError {
    /// The Chinese message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().zh)
    }
}

impl std::error::Error for IdError {}

/// A validated 居民身份证号码 (18 characters, real birth date, correct check character).
///
/// `Debug` shows only the masked form, so the full number does not leak into logs.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId {
    number: String,
    birth_date: NaiveDate,
}

impl ResidentId {
    /// Normalises (trim, full-width to half-width, `x` → `X`) and validates.
    pub fn parse(input: &str) -> Result<ResidentId, IdError> {
        let number = normalise(input);
        let found = number.chars().count();
        if found == 0 {
            return Err(IdError::Empty);
        }
        if found != ID_LEN {
            return Err(IdError::WrongLength { found });
        }
        let bad = number
            .chars()
            .enumerate()
            .find(|&(i, c)| !(c.is_ascii_digit() || (i + 1 == ID_LEN && c == 'X')));
        if let Some((i, ch)) = bad {
            return Err(IdError::BadChar {
                ch,
                position: i + 1,
            });
        }
        // All characters are ASCII from here on, so byte indices are character positions.
        let date_text = &number[6..14];
        let field = |r: std::ops::Range<usize>| date_text[r].parse::<u32>().expect("digits");
        let birth_date = NaiveDate::from_ymd_opt(field(0..4) as i32, field(4..6), field(6..8))
            .ok_or_else(|| IdError::BadBirthDate {
                text: date_text.to_string(),
            })?;
        let expected = id_check_char(&number[..17]).expect("17 digits");
        let found = char::from(number.as_bytes()[17]);
        if expected != found {
            return Err(IdError::WrongCheck { expected, found });
        }
        Ok(ResidentId { number, birth_date })
    }

    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// Positions 1–6: the GB/T 2260 code of the place of first registration.
    pub fn region_code(&self) -> &str {
        &self.number[..6]
    }

    /// Positions 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// Positions 15–17 are the sequence number: odd for men, even for women.
    pub fn is_female(&self) -> bool {
        self.number.as_bytes()[16].is_multiple_of(2)
    }

    /// Rejects a birth date after `today` (the caller supplies the date; the domain reads no clock).
    pub fn check_not_after(&self, today: NaiveDate) -> Result<(), IdError> {
        if self.birth_date > today {
            Err(IdError::BirthDateInFuture {
                birth_date: self.birth_date,
                today,
            })
        } else {
            Ok(())
        }
    }

    /// For display: region and last four kept, birth date and the rest hidden (`110105********002X`).
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.number[..6], &self.number[14..])
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

impl FromStr for ResidentId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<ResidentId, IdError> {
        ResidentId::parse(s)
    }
}

impl TryFrom<String> for ResidentId {
    type Error = IdError;

    fn try_from(s: String) -> Result<ResidentId, IdError> {
        ResidentId::parse(&s)
    }
}

impl From<ResidentId> for String {
    fn from(id: ResidentId) -> String {
        id.number
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::Lang;

    const USCC_VECTORS: [&str; 3] = [
        "91110108551385082Q",
        "91110000600037341L",
        "91310115MA1K3BTP2B",
    ];
    const ID_VECTOR: &str = "11010519491231002X";

    /// Builds a full USCC from 17 characters.
    fn uscc_from(first17: &str) -> String {
        format!("{first17}{}", uscc_check_char(first17).unwrap())
    }

    /// Builds a full resident ID number from 17 digits.
    fn id_from(first17: &str) -> String {
        format!("{first17}{}", id_check_char(first17).unwrap())
    }

    fn replace_at(s: &str, index: usize, ch: char) -> String {
        s.chars()
            .enumerate()
            .map(|(i, c)| if i == index { ch } else { c })
            .collect()
    }

    fn both(e: &impl Localized) -> (String, String) {
        (e.message(Lang::Zh), e.message(Lang::En))
    }

    // --- USCC ---------------------------------------------------------------------------------

    #[test]
    fn uscc_domain_vectors_are_valid() {
        for v in USCC_VECTORS {
            let code = Uscc::parse(v).unwrap();
            assert_eq!(code.as_str(), v);
            assert_eq!(code.to_string(), v);
            assert_eq!(v.parse::<Uscc>().unwrap(), code);
            assert_eq!(uscc_check_char(&v[..17]), v.chars().last());
            assert!(code.is_enterprise());
        }
    }

    #[test]
    fn uscc_accessors() {
        let code = Uscc::parse("91310115MA1K3BTP2B").unwrap();
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(
            code.registration_authority_name().unwrap().zh,
            "工商（市场监管）"
        );
        assert_eq!(code.entity_type(), '1');
        assert_eq!(code.entity_type_name().unwrap().en, "Enterprise");
        assert_eq!(code.region_code(), "310115");
        assert_eq!(code.org_code(), "MA1K3BTP2");
        assert_eq!(code.check_char(), 'B');

        let social = Uscc::parse(&uscc_from("51110000500000000")).unwrap();
        assert!(!social.is_enterprise());
        assert_eq!(social.registration_authority_name().unwrap().zh, "民政");
        assert_eq!(social.entity_type_name().unwrap().zh, "社会团体");
        let individual = Uscc::parse(&uscc_from("92110000MA0000000")).unwrap();
        assert!(!individual.is_enterprise());
        assert_eq!(individual.entity_type_name().unwrap().zh, "个体工商户");
        let unknown = Uscc::parse(&uscc_from("B1110000500000000")).unwrap();
        assert_eq!(unknown.registration_authority_name(), None);
        assert_eq!(unknown.entity_type_name(), None);
    }

    /// Verified, not assumed: all three DOMAIN.md vectors also pass the GB 11714 check
    /// (55138508-2, 60003734-1, MA1K3BTP-2).
    #[test]
    fn uscc_strict_org_code_check() {
        for v in USCC_VECTORS {
            assert_eq!(Uscc::parse(v).unwrap().check_org_code(), Ok(()), "{v}");
        }
        // Valid USCC (its own check character is right) whose organisation code is not.
        let code = Uscc::parse(&uscc_from("91110108551385083")).unwrap();
        let err = code.check_org_code().unwrap_err();
        assert_eq!(
            err,
            UsccError::OrgCodeCheck {
                expected: '2',
                found: '3'
            }
        );
        let (zh, en) = both(&err);
        assert!(zh.contains("第 17 位应为“2”，输入的是“3”"), "{zh}");
        assert!(
            en.contains("character 17 should be “2” but “3” was entered"),
            "{en}"
        );
        // Σ mod 11 = 1 gives 10 → X; Σ mod 11 = 0 gives 11 → 0.
        for (first17, wrong, expected) in [
            ("9111010800000006X", '1', 'X'),
            ("91110108000000000", 'X', '0'),
        ] {
            assert_eq!(
                Uscc::parse(&uscc_from(first17)).unwrap().check_org_code(),
                Ok(())
            );
            let bad = Uscc::parse(&uscc_from(&replace_at(first17, 16, wrong))).unwrap();
            assert_eq!(
                bad.check_org_code(),
                Err(UsccError::OrgCodeCheck {
                    expected,
                    found: wrong
                })
            );
        }
    }

    #[test]
    fn uscc_every_single_substitution_is_rejected() {
        for v in USCC_VECTORS {
            let original_check = v.chars().last().unwrap();
            for (i, original) in v.chars().enumerate() {
                for &b in USCC_ALPHABET {
                    let ch = char::from(b);
                    if ch == original {
                        continue;
                    }
                    let mutated = replace_at(v, i, ch);
                    let expected = if i < 17 {
                        uscc_check_char(&mutated[..17]).unwrap()
                    } else {
                        original_check
                    };
                    assert_eq!(
                        Uscc::parse(&mutated),
                        Err(UsccError::WrongCheck {
                            expected,
                            found: mutated.chars().last().unwrap()
                        }),
                        "{mutated}"
                    );
                    assert_ne!(expected, mutated.chars().last().unwrap());
                }
                for (ch, hint) in [
                    ('I', UsccCharHint::ExcludedLetter),
                    ('o', UsccCharHint::ExcludedLetter),
                    ('S', UsccCharHint::ExcludedLetter),
                    ('V', UsccCharHint::ExcludedLetter),
                    ('z', UsccCharHint::ExcludedLetter),
                    ('-', UsccCharHint::NotAllowed),
                    ('.', UsccCharHint::NotAllowed),
                    ('中', UsccCharHint::NotAllowed),
                    ('Ä', UsccCharHint::NotAllowed),
                ] {
                    let mutated = replace_at(v, i, ch);
                    assert_eq!(
                        Uscc::parse(&mutated),
                        Err(UsccError::BadChar {
                            ch: ch.to_ascii_uppercase(),
                            position: i + 1,
                            hint
                        }),
                        "{mutated}"
                    );
                }
            }
        }
    }

    #[test]
    fn uscc_input_is_normalised() {
        let code = Uscc::parse("  91310115ma1k3btp2b \n").unwrap();
        assert_eq!(code.as_str(), "91310115MA1K3BTP2B");
        // Full-width digits and letters, full-width space around.
        let code = Uscc::parse("\u{3000}９１３１０１１５ＭＡ１Ｋ３ｂｔｐ２Ｂ").unwrap();
        assert_eq!(code.as_str(), "91310115MA1K3BTP2B");
    }

    #[test]
    fn uscc_empty() {
        for input in ["", "   ", "\u{3000}"] {
            assert_eq!(Uscc::parse(input), Err(UsccError::Empty));
        }
        let (zh, en) = both(&UsccError::Empty);
        assert!(zh.contains("统一社会信用代码") && en.contains("unified social credit code"));
    }

    #[test]
    fn uscc_wrong_length() {
        for (input, found) in [("91110108551385082", 17), ("91110108551385082QQ", 19)] {
            let err = Uscc::parse(input).unwrap_err();
            assert_eq!(err, UsccError::WrongLength { found });
            let (zh, en) = both(&err);
            assert_eq!(zh, format!("统一社会信用代码应为 18 位，当前为 {found} 位"));
            assert_eq!(
                en,
                format!(
                    "The unified social credit code must be 18 characters; {found} were entered"
                )
            );
            assert_eq!(err.to_string(), zh);
        }
        // Characters are counted, not bytes; inner spaces are not removed.
        assert_eq!(
            Uscc::parse(&"中".repeat(18)),
            Err(UsccError::BadChar {
                ch: '中',
                position: 1,
                hint: UsccCharHint::NotAllowed
            })
        );
        assert_eq!(Uscc::parse("中"), Err(UsccError::WrongLength { found: 1 }));
        assert!(
            UsccError::WrongLength { found: 1 }
                .message(Lang::En)
                .ends_with("1 was entered")
        );
        assert_eq!(
            Uscc::parse("9111 0108551385082Q"),
            Err(UsccError::WrongLength { found: 19 })
        );
    }

    #[test]
    fn uscc_excluded_letters_get_the_explicit_hint() {
        for ch in ['I', 'O', 'S', 'V', 'Z'] {
            let err = Uscc::parse(&replace_at(USCC_VECTORS[0], 4, ch)).unwrap_err();
            let (zh, en) = both(&err);
            assert_eq!(
                zh,
                format!("第 5 位的字符“{ch}”不允许出现（统一社会信用代码不使用 I、O、S、V、Z）")
            );
            assert!(
                en.starts_with(&format!("Character 5, “{ch}”, is not allowed")),
                "{en}"
            );
            assert!(en.contains("I, O, S, V and Z are never used"), "{en}");
        }
    }

    #[test]
    fn uscc_other_bad_chars_messages() {
        let err = Uscc::parse(&replace_at(USCC_VECTORS[0], 8, '-')).unwrap_err();
        let (zh, en) = both(&err);
        assert_eq!(
            zh,
            "第 9 位的字符“-”不允许出现（统一社会信用代码只包含数字和大写字母）"
        );
        assert!(en.contains("Character 9, “-”, is not allowed"), "{en}");
        assert!(en.contains("only digits and capital letters"), "{en}");
        // An inner space is shown by its code point.
        let err = Uscc::parse(&replace_at(USCC_VECTORS[0], 8, ' ')).unwrap_err();
        assert!(err.message(Lang::Zh).contains("“U+0020”"));
    }

    #[test]
    fn uscc_wrong_check_names_expected_char() {
        let err = Uscc::parse("91110108551385082R").unwrap_err();
        assert_eq!(
            err,
            UsccError::WrongCheck {
                expected: 'Q',
                found: 'R'
            }
        );
        let (zh, en) = both(&err);
        assert!(
            zh.starts_with("校验位错误：第 18 位应为“Q”，输入的是“R”"),
            "{zh}"
        );
        assert!(
            en.contains("character 18 should be “Q” but “R” was entered"),
            "{en}"
        );
    }

    #[test]
    fn uscc_check_char_helper_rejects_bad_input() {
        assert_eq!(uscc_check_char("9111010855138508"), None);
        assert_eq!(uscc_check_char("911101085513850822"), None);
        assert_eq!(uscc_check_char("9111010855138508I"), None);
        assert_eq!(uscc_check_char("91310115ma1k3btp2"), None);
    }

    #[test]
    fn uscc_serde_round_trip_and_rejection() {
        let code = Uscc::parse(USCC_VECTORS[2]).unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"91310115MA1K3BTP2B\"");
        assert_eq!(serde_json::from_str::<Uscc>(&json).unwrap(), code);
        assert_eq!(
            serde_json::from_str::<Uscc>("\" 91310115ma1k3btp2b\"").unwrap(),
            code
        );
        let err = serde_json::from_str::<Uscc>("\"91310115MA1K3BTP2C\"").unwrap_err();
        assert!(err.to_string().contains("第 18 位应为“B”"), "{err}");
        assert!(serde_json::from_str::<Uscc>("18").is_err());
    }

    // --- Resident ID --------------------------------------------------------------------------

    #[test]
    fn id_domain_vector_is_valid() {
        let id = ResidentId::parse(ID_VECTOR).unwrap();
        assert_eq!(id.as_str(), ID_VECTOR);
        assert_eq!(id.to_string(), ID_VECTOR);
        assert_eq!(id.region_code(), "110105");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert!(id.is_female()); // sequence 002 is even
        assert_eq!(id_check_char(&ID_VECTOR[..17]), Some('X'));
        assert_eq!(ID_VECTOR.parse::<ResidentId>().unwrap(), id);

        let man = ResidentId::parse(&id_from("11010519491231001")).unwrap();
        assert!(!man.is_female());
    }

    #[test]
    fn id_input_is_normalised() {
        let id = ResidentId::parse(" 11010519491231002x\t").unwrap();
        assert_eq!(id.as_str(), ID_VECTOR);
        let id = ResidentId::parse("１１０１０５１９４９１２３１００２ｘ").unwrap();
        assert_eq!(id.as_str(), ID_VECTOR);
    }

    #[test]
    fn id_masked_and_debug_hide_the_birth_date() {
        let id = ResidentId::parse(ID_VECTOR).unwrap();
        assert_eq!(id.masked(), "110105********002X");
        let debug = format!("{id:?}");
        assert!(
            debug.contains("110105********002X") && !debug.contains("19491231"),
            "{debug}"
        );
    }

    #[test]
    fn id_empty_and_wrong_length() {
        assert_eq!(ResidentId::parse("  "), Err(IdError::Empty));
        let (zh, en) = both(&IdError::Empty);
        assert!(zh.contains("居民身份证号码") && en.contains("resident identity card number"));

        for (input, found) in [("11010519491231002", 17), ("11010519491231002X1", 19)] {
            let err = ResidentId::parse(input).unwrap_err();
            assert_eq!(err, IdError::WrongLength { found });
            let (zh, en) = both(&err);
            assert_eq!(zh, format!("居民身份证号码应为 18 位，当前为 {found} 位"));
            assert!(
                en.ends_with(&format!("must be 18 characters; {found} were entered")),
                "{en}"
            );
        }
        let err = ResidentId::parse("110105491231002").unwrap_err();
        assert_eq!(err, IdError::WrongLength { found: 15 });
        let (zh, en) = both(&err);
        assert!(zh.contains("当前为 15 位") && zh.contains("旧号码"), "{zh}");
        assert!(
            en.contains("15 were entered") && en.contains("old 15-digit"),
            "{en}"
        );
    }

    #[test]
    fn id_bad_chars() {
        let err = ResidentId::parse(&replace_at(ID_VECTOR, 4, 'X')).unwrap_err();
        assert_eq!(
            err,
            IdError::BadChar {
                ch: 'X',
                position: 5
            }
        );
        let (zh, en) = both(&err);
        assert_eq!(zh, "第 5 位的字符“X”不允许出现（前 17 位只能是数字）");
        assert!(
            en.contains("Character 5, “X”, is not allowed") && en.contains("first 17"),
            "{en}"
        );

        let err = ResidentId::parse(&replace_at(ID_VECTOR, 17, 'A')).unwrap_err();
        assert_eq!(
            err,
            IdError::BadChar {
                ch: 'A',
                position: 18
            }
        );
        let (zh, en) = both(&err);
        assert_eq!(zh, "第 18 位的字符“A”不允许出现（最后一位只能是数字或 X）");
        assert!(
            en.contains("Character 18, “A”") && en.contains("digit or X"),
            "{en}"
        );
    }

    #[test]
    fn id_bad_birth_dates() {
        for date in ["19990230", "20001301", "20000001", "20000100", "20000132"] {
            let number = id_from(&format!("110105{date}001"));
            let err = ResidentId::parse(&number).unwrap_err();
            assert_eq!(
                err,
                IdError::BadBirthDate {
                    text: date.to_string()
                }
            );
            let (zh, en) = both(&err);
            assert_eq!(zh, format!("出生日期“{date}”（第 7–14 位）不是有效日期"));
            assert!(
                en.contains(&format!("“{date}”")) && en.contains("not a valid date"),
                "{en}"
            );
        }
        // Leap day is fine in a leap year.
        assert!(ResidentId::parse(&id_from("11010520000229001")).is_ok());
    }

    #[test]
    fn id_wrong_check_names_expected_char() {
        let err = ResidentId::parse("110105194912310021").unwrap_err();
        assert_eq!(
            err,
            IdError::WrongCheck {
                expected: 'X',
                found: '1'
            }
        );
        let (zh, en) = both(&err);
        assert!(
            zh.starts_with("校验位错误：第 18 位应为“X”，输入的是“1”"),
            "{zh}"
        );
        assert!(
            en.contains("character 18 should be “X” but “1” was entered"),
            "{en}"
        );
    }

    #[test]
    fn id_every_single_digit_substitution_is_rejected() {
        for (i, original) in ID_VECTOR.chars().enumerate() {
            for ch in ('0'..='9').chain(std::iter::once('X')) {
                if ch == original || (ch == 'X' && i < 17) {
                    continue;
                }
                let mutated = replace_at(ID_VECTOR, i, ch);
                match ResidentId::parse(&mutated) {
                    Err(IdError::WrongCheck { expected, found }) => {
                        let want = if i < 17 {
                            id_check_char(&mutated[..17]).unwrap()
                        } else {
                            'X'
                        };
                        assert_eq!((expected, found), (want, mutated.chars().last().unwrap()));
                    }
                    Err(IdError::BadBirthDate { .. }) => assert!((6..14).contains(&i), "{mutated}"),
                    other => panic!("{mutated}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn id_check_not_after() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let id = ResidentId::parse(ID_VECTOR).unwrap();
        assert_eq!(id.check_not_after(day(1949, 12, 31)), Ok(()));
        let err = id.check_not_after(day(1949, 12, 30)).unwrap_err();
        assert_eq!(
            err,
            IdError::BirthDateInFuture {
                birth_date: day(1949, 12, 31),
                today: day(1949, 12, 30)
            }
        );
        let (zh, en) = both(&err);
        assert_eq!(zh, "出生日期 1949-12-31 晚于当前日期 1949-12-30");
        assert!(
            en.contains("1949-12-31") && en.contains("1949-12-30"),
            "{en}"
        );
    }

    #[test]
    fn id_check_char_helper_rejects_bad_input() {
        assert_eq!(id_check_char("1101051949123100"), None);
        assert_eq!(id_check_char("110105194912310021"), None);
        assert_eq!(id_check_char("1101051949123100X"), None);
        assert_eq!(id_check_char("１１０１０５１９４９１２３１００２"), None);
    }

    #[test]
    fn id_serde_round_trip_and_rejection() {
        let id = ResidentId::parse(ID_VECTOR).unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{ID_VECTOR}\""));
        assert_eq!(serde_json::from_str::<ResidentId>(&json).unwrap(), id);
        let err = serde_json::from_str::<ResidentId>("\"110105199902300011\"").unwrap_err();
        assert!(err.to_string().contains("19990230"), "{err}");
    }
}
