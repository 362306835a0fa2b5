//! Review chains: the ordered levels a declaration passes through (DOMAIN.md §2).
//!
//! A chain is configured per province (or 计划单列市) and tier by its admin; [`default_chain`] gives the
//! defaults **(our rule)**. The chain in force is snapshotted onto an item when it is submitted, so a
//! later configuration change never strands items in flight.
//!
//! Invariant of [`Chain`]: non-empty and strictly increasing (bottom-up, no level twice). Every public
//! constructor and `Deserialize` enforce it; [`Chain::validate`] adds the tier-specific rules.

use crate::domain::text::{Localized, Text};
use crate::domain::tiers::{ReviewLevel, Tier};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ordered review chain, bottom level first. Serialises as a JSON array of level codes,
/// e.g. `["county","city","province"]`.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<ReviewLevel>", into = "Vec<ReviewLevel>")]
pub struct Chain(Vec<ReviewLevel>);

impl Chain {
    /// A chain from its levels, bottom first. Checks the structure only (non-empty, strictly
    /// increasing); use [`Chain::for_tier`] or [`Chain::validate`] for the tier rules.
    pub fn new(levels: Vec<ReviewLevel>) -> Result<Chain, ChainError> {
        check_structure(&levels)?;
        Ok(Chain(levels))
    }

    /// A chain checked against every rule for `tier` (what an admin's configuration must pass).
    pub fn for_tier(tier: Tier, levels: Vec<ReviewLevel>) -> Result<Chain, ChainError> {
        let chain = Chain::new(levels)?;
        chain.validate(tier)?;
        Ok(chain)
    }

    /// Checks the chain for `tier`: non-empty, strictly increasing, ends at the province for
    /// 创新型 and 专精特新, and at the ministry for 小巨人, which must also pass the province first
    /// (the province recommends, the ministry certifies).
    pub fn validate(&self, tier: Tier) -> Result<(), ChainError> {
        check_structure(&self.0)?;
        let expected = final_level(tier);
        let found = self.last();
        if found != expected {
            return Err(ChainError::WrongFinalLevel {
                tier,
                expected,
                found,
            });
        }
        if tier == Tier::LittleGiant && !self.contains(ReviewLevel::Province) {
            return Err(ChainError::ProvinceMissing);
        }
        Ok(())
    }

    pub fn levels(&self) -> &[ReviewLevel] {
        &self.0
    }

    /// The level where a (re)submitted item starts.
    pub fn first(&self) -> ReviewLevel {
        // The invariant guarantees a first element; County is only a defensive fallback.
        self.0.first().copied().unwrap_or(ReviewLevel::County)
    }

    /// The final level: passing here certifies.
    pub fn last(&self) -> ReviewLevel {
        self.0.last().copied().unwrap_or(ReviewLevel::Province)
    }

    pub fn contains(&self, level: ReviewLevel) -> bool {
        self.0.contains(&level)
    }

    /// The level an item moves to when `level` passes it; `None` when `level` is the last one
    /// (the item is approved). Defined as the first chain level above `level`.
    pub fn next_after(&self, level: ReviewLevel) -> Option<ReviewLevel> {
        self.0.iter().copied().find(|l| *l > level)
    }

    pub fn is_last(&self, level: ReviewLevel) -> bool {
        self.last() == level
    }

    /// The chain for display: `市级 → 省级` / `city → province`.
    pub fn name(&self) -> Text {
        let zh: Vec<String> = self.0.iter().map(|l| l.name().zh).collect();
        let en: Vec<String> = self.0.iter().map(|l| l.name().en).collect();
        Text::new(zh.join(" → "), en.join(" → "))
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name().zh)
    }
}

impl TryFrom<Vec<ReviewLevel>> for Chain {
    type Error = ChainError;

    fn try_from(levels: Vec<ReviewLevel>) -> Result<Chain, ChainError> {
        Chain::new(levels)
    }
}

impl From<Chain> for Vec<ReviewLevel> {
    fn from(chain: Chain) -> Vec<ReviewLevel> {
        chain.0
    }
}

fn check_structure(levels: &[ReviewLevel]) -> Result<(), ChainError> {
    if levels.is_empty() {
        return Err(ChainError::Empty);
    }
    for pair in levels.windows(2) {
        if pair[1] <= pair[0] {
            return Err(ChainError::NotIncreasing {
                before: pair[0],
                after: pair[1],
            });
        }
    }
    Ok(())
}

/// The level whose pass certifies, per tier (DOMAIN.md §2: the final authority).
pub fn final_level(tier: Tier) -> ReviewLevel {
    match tier {
        Tier::Innovative | Tier::Specialized => ReviewLevel::Province,
        Tier::LittleGiant => ReviewLevel::Ministry,
    }
}

/// The default review chain **(our rule, configurable per province and tier)**:
///
/// | tier | ordinary province | municipality (北京 天津 上海 重庆) or 计划单列市 |
/// |---|---|---|
/// | 创新型 | city → province | district (county) → province |
/// | 专精特新 | county → city → province | district (county) → province |
/// | 小巨人 | city → province → ministry | district (county) → province → ministry |
///
/// In a municipality or 计划单列市 the chain starts at district level and the city itself is the
/// provincial level, so there is no separate city step.
pub fn default_chain(tier: Tier, authority_is_municipality_or_plan_city: bool) -> Chain {
    use ReviewLevel::*;
    let levels = match (tier, authority_is_municipality_or_plan_city) {
        (Tier::Innovative, false) => vec![City, Province],
        (Tier::Specialized, false) => vec![County, City, Province],
        (Tier::LittleGiant, false) => vec![City, Province, Ministry],
        (Tier::Innovative | Tier::Specialized, true) => vec![County, Province],
        (Tier::LittleGiant, true) => vec![County, Province, Ministry],
    };
    Chain(levels)
}

/// Why a review chain is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainError {
    Empty,
    /// `after` follows `before` but is not above it (out of order or repeated).
    NotIncreasing {
        before: ReviewLevel,
        after: ReviewLevel,
    },
    WrongFinalLevel {
        tier: Tier,
        expected: ReviewLevel,
        found: ReviewLevel,
    },
    /// A 小巨人 chain without the provincial recommendation step.
    ProvinceMissing,
}

impl Localized for ChainError {
    fn text(&self) -> Text {
        match self {
            ChainError::Empty => Text::new(
                "审核链不能为空：请至少设置一个审核层级。",
                "The review chain is empty: set at least one review level.",
            ),
            ChainError::NotIncreasing { before, after } => Text::new(
                format!(
                    "审核链须自下而上逐级排列且不能重复：{}不能排在{}之后。",
                    after.name().zh,
                    before.name().zh
                ),
                format!(
                    "Review levels must go bottom-up without repeats: {} cannot follow {}.",
                    after.name().en,
                    before.name().en
                ),
            ),
            ChainError::WrongFinalLevel {
                tier,
                expected,
                found,
            } => Text::new(
                format!(
                    "{}的审核链必须以{}结束，目前以{}结束。",
                    tier.name().zh,
                    expected.name().zh,
                    found.name().zh
                ),
                format!(
                    "The review chain for {} must end at the {} level, not at the {} level.",
                    tier.name().en,
                    expected.name().en,
                    found.name().en
                ),
            ),
            ChainError::ProvinceMissing => Text::new(
                "小巨人须经省级推荐后由部级认定：请在部级之前加入省级。",
                "Little Giant declarations are recommended by the province before the ministry \
                 certifies: add the province level before the ministry level.",
            ),
        }
    }
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().zh)
    }
}

impl std::error::Error for ChainError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::Lang;
    use ReviewLevel::*;

    #[test]
    fn default_chains_for_each_tier_and_authority_kind() {
        let cases = [
            (Tier::Innovative, false, vec![City, Province]),
            (Tier::Specialized, false, vec![County, City, Province]),
            (Tier::LittleGiant, false, vec![City, Province, Ministry]),
            (Tier::Innovative, true, vec![County, Province]),
            (Tier::Specialized, true, vec![County, Province]),
            (Tier::LittleGiant, true, vec![County, Province, Ministry]),
        ];
        for (tier, muni, levels) in cases {
            let chain = default_chain(tier, muni);
            assert_eq!(chain.levels(), levels.as_slice(), "{tier:?} muni={muni}");
            assert_eq!(chain.validate(tier), Ok(()), "{tier:?} muni={muni}");
        }
    }

    #[test]
    fn first_next_and_last() {
        let chain = default_chain(Tier::Specialized, false);
        assert_eq!(chain.first(), County);
        assert_eq!(chain.next_after(County), Some(City));
        assert_eq!(chain.next_after(City), Some(Province));
        assert_eq!(chain.next_after(Province), None);
        assert!(chain.is_last(Province));
        assert!(!chain.is_last(City));
        let giant = default_chain(Tier::LittleGiant, true);
        assert_eq!(giant.first(), County);
        assert_eq!(giant.next_after(County), Some(Province));
        assert_eq!(giant.next_after(Province), Some(Ministry));
        assert_eq!(giant.next_after(Ministry), None);
    }

    #[test]
    fn validate_rejects_empty() {
        assert_eq!(
            Chain(vec![]).validate(Tier::Innovative),
            Err(ChainError::Empty)
        );
        assert_eq!(Chain::new(vec![]), Err(ChainError::Empty));
    }

    #[test]
    fn validate_rejects_out_of_order_and_repeats() {
        assert_eq!(
            Chain::new(vec![Province, City]),
            Err(ChainError::NotIncreasing {
                before: Province,
                after: City
            })
        );
        assert_eq!(
            Chain::new(vec![City, City, Province]),
            Err(ChainError::NotIncreasing {
                before: City,
                after: City
            })
        );
    }

    #[test]
    fn validate_checks_the_final_level_per_tier() {
        let to_ministry = Chain::new(vec![City, Province, Ministry]).unwrap();
        assert_eq!(
            to_ministry.validate(Tier::Specialized),
            Err(ChainError::WrongFinalLevel {
                tier: Tier::Specialized,
                expected: Province,
                found: Ministry
            })
        );
        let to_province = Chain::new(vec![City, Province]).unwrap();
        assert_eq!(
            to_province.validate(Tier::LittleGiant),
            Err(ChainError::WrongFinalLevel {
                tier: Tier::LittleGiant,
                expected: Ministry,
                found: Province
            })
        );
        assert_eq!(to_province.validate(Tier::Innovative), Ok(()));
        // A single provincial step is a valid (if short) chain.
        assert_eq!(
            Chain::for_tier(Tier::Innovative, vec![Province]).map(|c| c.first()),
            Ok(Province)
        );
    }

    #[test]
    fn little_giant_needs_the_province() {
        assert_eq!(
            Chain::for_tier(Tier::LittleGiant, vec![City, Ministry]),
            Err(ChainError::ProvinceMissing)
        );
    }

    #[test]
    fn errors_are_bilingual() {
        let e = ChainError::WrongFinalLevel {
            tier: Tier::LittleGiant,
            expected: Ministry,
            found: Province,
        };
        assert!(e.message(Lang::Zh).contains("部级"));
        assert!(e.message(Lang::En).contains("ministry"));
    }

    #[test]
    fn serde_is_a_list_of_codes_and_checks_the_invariant() {
        let chain = default_chain(Tier::Specialized, false);
        let json = serde_json::to_string(&chain).unwrap();
        assert_eq!(json, r#"["county","city","province"]"#);
        assert_eq!(serde_json::from_str::<Chain>(&json).unwrap(), chain);
        assert!(serde_json::from_str::<Chain>("[]").is_err());
        assert!(serde_json::from_str::<Chain>(r#"["province","city"]"#).is_err());
        assert_eq!(chain.name().en, "county → city → province");
        assert_eq!(chain.to_string(), "县级 → 市级 → 省级");
    }
}
