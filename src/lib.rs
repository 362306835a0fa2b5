//! zjtx — terminal client and service for the SME gradient-cultivation platform
//! (优质中小企业梯度培育平台).
//!
//! Layers (see ARCHITECTURE.md):
//! - [`domain`]: pure rules — identifiers, code lists, rulesets and scoring, the assessment,
//!   the workflow transition table and the calendar. No I/O, no async, no clock reads.
//! - [`cli`]: the command-line entry points; [`i18n`]: the string catalogue; [`display`]:
//!   column-width helpers for CJK text.

pub mod cli;
pub mod display;
pub mod domain;
pub mod i18n;
pub mod tui;
