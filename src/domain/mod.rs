//! The pure domain core: rules only. No I/O, no async, no clock reads (time is passed in).
//! Fixtures (code lists, rulesets, questionnaires) are compiled in with `include_str!`.

pub mod assessment;
pub mod text;
pub mod tiers;

pub use text::{Lang, Localized, Text};
pub use tiers::{AssessmentCategory, DigitalLevel, ReviewLevel, Tier};
