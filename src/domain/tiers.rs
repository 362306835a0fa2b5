//! Shared vocabulary of the platform: tiers, review levels, digital levels, assessment categories.

use crate::domain::text::Text;
use serde::{Deserialize, Serialize};

/// The three certification tiers (DOMAIN.md §2).
#[derive(
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
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 创新型中小企业
    Innovative,
    /// 专精特新中小企业
    Specialized,
    /// 专精特新"小巨人"企业
    LittleGiant,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Innovative, Tier::Specialized, Tier::LittleGiant];

    /// Stable machine name used in files, URLs and the database.
    pub fn code(self) -> &'static str {
        match self {
            Tier::Innovative => "innovative",
            Tier::Specialized => "specialized",
            Tier::LittleGiant => "little_giant",
        }
    }

    pub fn from_code(s: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            Tier::Innovative => Text::new("创新型中小企业", "Innovative SME"),
            Tier::Specialized => Text::new(
                "专精特新中小企业",
                "Specialized, refined, distinctive and innovative (SRDI) SME",
            ),
            Tier::LittleGiant => {
                Text::new("专精特新\"小巨人\"企业", "SRDI \"Little Giant\" enterprise")
            }
        }
    }

    /// Short name for narrow table columns.
    pub fn short_name(self) -> Text {
        match self {
            Tier::Innovative => Text::new("创新型", "Innovative"),
            Tier::Specialized => Text::new("专精特新", "SRDI"),
            Tier::LittleGiant => Text::new("小巨人", "Little Giant"),
        }
    }

    /// Validity of a certification in years.
    pub fn validity_years(self) -> u32 {
        3
    }
}

/// The levels of review (县级/市级/省级/部级). Ordered from the bottom up.
#[derive(
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
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReviewLevel {
    County,
    City,
    Province,
    Ministry,
}

impl ReviewLevel {
    pub const ALL: [ReviewLevel; 4] = [
        ReviewLevel::County,
        ReviewLevel::City,
        ReviewLevel::Province,
        ReviewLevel::Ministry,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReviewLevel::County => "county",
            ReviewLevel::City => "city",
            ReviewLevel::Province => "province",
            ReviewLevel::Ministry => "ministry",
        }
    }

    pub fn from_code(s: &str) -> Option<ReviewLevel> {
        ReviewLevel::ALL.into_iter().find(|t| t.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            ReviewLevel::County => Text::new("县级", "county"),
            ReviewLevel::City => Text::new("市级", "city"),
            ReviewLevel::Province => Text::new("省级", "province"),
            ReviewLevel::Ministry => Text::new("部级", "ministry"),
        }
    }
}

/// Result level of the digital-level assessment (DOMAIN.md §3). `None` (below 20 points) is
/// represented as `Option<DigitalLevel>::None` by callers.
#[derive(
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
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DigitalLevel {
    L1,
    L2,
    L3,
    L4,
}

impl DigitalLevel {
    pub const ALL: [DigitalLevel; 4] = [
        DigitalLevel::L1,
        DigitalLevel::L2,
        DigitalLevel::L3,
        DigitalLevel::L4,
    ];

    pub fn number(self) -> u8 {
        match self {
            DigitalLevel::L1 => 1,
            DigitalLevel::L2 => 2,
            DigitalLevel::L3 => 3,
            DigitalLevel::L4 => 4,
        }
    }

    pub fn from_number(n: u8) -> Option<DigitalLevel> {
        DigitalLevel::ALL.into_iter().find(|l| l.number() == n)
    }

    pub fn name(self) -> Text {
        match self {
            DigitalLevel::L1 => Text::new("一级", "level 1"),
            DigitalLevel::L2 => Text::new("二级", "level 2"),
            DigitalLevel::L3 => Text::new("三级", "level 3"),
            DigitalLevel::L4 => Text::new("四级", "level 4"),
        }
    }
}

/// Which assessment questionnaire applies to an enterprise, decided by its GB/T 4754 class.
#[derive(
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
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentCategory {
    /// 制造业 (GB/T 4754 section C)
    Manufacturing,
    /// 生产性服务业
    ProducerServices,
    /// 其他行业
    Other,
}

impl AssessmentCategory {
    pub const ALL: [AssessmentCategory; 3] = [
        AssessmentCategory::Manufacturing,
        AssessmentCategory::ProducerServices,
        AssessmentCategory::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AssessmentCategory::Manufacturing => "manufacturing",
            AssessmentCategory::ProducerServices => "producer_services",
            AssessmentCategory::Other => "other",
        }
    }

    pub fn from_code(s: &str) -> Option<AssessmentCategory> {
        AssessmentCategory::ALL.into_iter().find(|t| t.code() == s)
    }

    pub fn name(self) -> Text {
        match self {
            AssessmentCategory::Manufacturing => Text::new("制造业", "manufacturing"),
            AssessmentCategory::ProducerServices => Text::new("生产性服务业", "producer services"),
            AssessmentCategory::Other => Text::new("其他行业", "other industries"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in Tier::ALL {
            assert_eq!(Tier::from_code(t.code()), Some(t));
        }
        for l in ReviewLevel::ALL {
            assert_eq!(ReviewLevel::from_code(l.code()), Some(l));
        }
        for c in AssessmentCategory::ALL {
            assert_eq!(AssessmentCategory::from_code(c.code()), Some(c));
        }
        for d in DigitalLevel::ALL {
            assert_eq!(DigitalLevel::from_number(d.number()), Some(d));
        }
        assert_eq!(Tier::from_code("giant"), None);
    }

    #[test]
    fn review_levels_are_ordered_bottom_up() {
        assert!(ReviewLevel::County < ReviewLevel::City);
        assert!(ReviewLevel::Province < ReviewLevel::Ministry);
    }
}
