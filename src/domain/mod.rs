//! The pure domain core: rules only. No I/O, no async, no clock reads (time is passed in).
//! Fixtures (code lists, rulesets, questionnaires) are compiled in with `include_str!`.

pub mod archive;
pub mod assessment;
pub mod calendar;
pub mod chain;
pub mod change;
mod codelist;
pub mod ids;
pub mod industries;
pub mod regions;
pub mod rules;
pub mod size;
pub mod text;
pub mod tiers;
pub mod workflow;

pub use ids::{IdError, ResidentId, Uscc, UsccCharHint, UsccError, id_check_char, uscc_check_char};
pub use text::{Lang, Localized, Text};
pub use tiers::{AssessmentCategory, DigitalLevel, ReviewLevel, Tier};
