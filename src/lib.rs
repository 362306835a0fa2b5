//! zjtx — terminal client and service for the SME gradient-cultivation platform
//! (优质中小企业梯度培育平台).
//!
//! Layers (see ARCHITECTURE.md):
//! - [`domain`]: pure rules — identifiers, code lists, rulesets and scoring, the assessment,
//!   the workflow transition table and the calendar. No I/O, no async, no clock reads.
//! - [`service`]: the use cases — authorization, validation, audit, notifications — over a
//!   [`store::Store`]; the only place rules are enforced.
//! - [`store`]: the database behind a trait (SQLite embedded; PostgreSQL with the same SQL).
//! - [`cli`]: the command-line entry points; [`i18n`]: the string catalogue; [`display`]:
//!   column-width helpers for CJK text.

pub mod api;
pub mod cli;
pub mod client;
pub mod display;
pub mod domain;
pub mod i18n;
pub mod service;
pub mod store;
pub mod tui;
