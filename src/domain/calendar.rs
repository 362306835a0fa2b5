//! Calendar rules (DOMAIN.md §5): declaration windows, the annual info update (信息更新), the
//! three-month deadline for major-change reports, certification validity and 复核 candidacy.
//!
//! Dates are [`NaiveDate`] in China time; "today" is always a parameter (the domain never reads
//! the clock). Nothing here panics: arithmetic that would leave chrono's range saturates at
//! [`NaiveDate::MIN`] / [`NaiveDate::MAX`].

use crate::domain::text::{Localized, Text};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Validity of a certification, and the extension granted by a passed 复核, in years.
pub const VALIDITY_YEARS: u32 = 3;

/// A major change must be reported within this many months of the change date.
pub const CHANGE_REPORT_MONTHS: u32 = 3;

/// The first calendar year whose info update follows ruleset 2026 (in force 2026-04-01, i.e.
/// before the 2022 deadline of 30 April, so the 2026 period already runs to 31 May).
pub const RULESET_2026_FIRST_UPDATE_YEAR: i32 = 2026;

// ---------------------------------------------------------------------------------------------
// Windows
// ---------------------------------------------------------------------------------------------

/// A period of whole days, inclusive of both `start` and `end` (declaration windows, update
/// periods).
#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Window {
    /// A validated window.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Window, CalendarError> {
        let w = Window { start, end };
        w.validate()?;
        Ok(w)
    }

    /// The end may equal the start (a one-day window) but not precede it.
    pub fn validate(&self) -> Result<(), CalendarError> {
        if self.end < self.start {
            Err(CalendarError::WindowEndBeforeStart {
                start: self.start,
                end: self.end,
            })
        } else {
            Ok(())
        }
    }

    /// Open on `today` when `start <= today <= end`.
    pub fn is_open(&self, today: NaiveDate) -> bool {
        self.start <= today && today <= self.end
    }

    /// Two windows overlap when they share at least one day (touching end/start days overlap).
    pub fn overlaps(&self, other: &Window) -> bool {
        self.start <= other.end && other.start <= self.end
    }
}

// ---------------------------------------------------------------------------------------------
// Info update (信息更新)
// ---------------------------------------------------------------------------------------------

/// A day of the year (month 1–12, day valid in a leap year). Serialises as
/// `{"month":4,"day":30}`; deserialising checks the day exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "RawMonthDay")]
pub struct MonthDay {
    month: u32,
    day: u32,
}

#[derive(Deserialize)]
struct RawMonthDay {
    month: u32,
    day: u32,
}

impl TryFrom<RawMonthDay> for MonthDay {
    type Error = String;

    fn try_from(raw: RawMonthDay) -> Result<MonthDay, String> {
        MonthDay::new(raw.month, raw.day).ok_or_else(|| {
            format!(
                "no such day of the year: month {}, day {}",
                raw.month, raw.day
            )
        })
    }
}

impl MonthDay {
    /// `None` unless the day exists in some year (29 February is accepted).
    pub fn new(month: u32, day: u32) -> Option<MonthDay> {
        NaiveDate::from_ymd_opt(2000, month, day).map(|_| MonthDay { month, day })
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn day(self) -> u32 {
        self.day
    }

    /// This day in `year`; 29 February in a common year becomes 28 February.
    pub fn in_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
            .or_else(|| NaiveDate::from_ymd_opt(year, self.month, 28))
            .unwrap_or(if year < 0 {
                NaiveDate::MIN
            } else {
                NaiveDate::MAX
            })
    }
}

/// The yearly info-update period of a ruleset, as days of the year (both inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UpdatePeriod {
    pub start_month_day: MonthDay,
    pub end_month_day: MonthDay,
}

impl UpdatePeriod {
    /// Ruleset 2022: 1 January – 30 April.
    pub const RULESET_2022: UpdatePeriod = UpdatePeriod {
        start_month_day: MonthDay { month: 1, day: 1 },
        end_month_day: MonthDay { month: 4, day: 30 },
    };

    /// Ruleset 2026: 1 January – 31 May.
    pub const RULESET_2026: UpdatePeriod = UpdatePeriod {
        start_month_day: MonthDay { month: 1, day: 1 },
        end_month_day: MonthDay { month: 5, day: 31 },
    };

    /// The period in `year` as an inclusive window.
    pub fn window(&self, year: i32) -> Window {
        Window {
            start: self.start_month_day.in_year(year),
            end: self.end_month_day.in_year(year),
        }
    }

    /// Whether `today` lies in this year's period.
    pub fn contains(&self, today: NaiveDate) -> bool {
        self.window(today.year()).is_open(today)
    }
}

/// The info-update period that applies in `year`: ruleset 2022 up to 2025, ruleset 2026 from
/// [`RULESET_2026_FIRST_UPDATE_YEAR`] on.
pub fn update_period(year: i32) -> UpdatePeriod {
    if year >= RULESET_2026_FIRST_UPDATE_YEAR {
        UpdatePeriod::RULESET_2026
    } else {
        UpdatePeriod::RULESET_2022
    }
}

/// Whether a certified enterprise must file an info update in `year`: not in (or before) the
/// year it was certified, nor in the year it passed 复核; required in every other year.
pub fn update_required(
    certified_on: NaiveDate,
    last_review_passed_on: Option<NaiveDate>,
    year: i32,
) -> bool {
    year > certified_on.year() && last_review_passed_on.is_none_or(|d| d.year() != year)
}

/// Whether `today` is inside this year's info-update period.
pub fn in_update_period(today: NaiveDate) -> bool {
    update_period(today.year()).contains(today)
}

/// The first day an info-update period opens on or after `today` (so `today` itself on the
/// opening day; otherwise the next year's opening day once this year's has passed).
pub fn next_update_opens(today: NaiveDate) -> NaiveDate {
    let year = today.year();
    let this_year = update_period(year).window(year).start;
    if this_year >= today {
        this_year
    } else {
        let next = year.saturating_add(1);
        update_period(next).window(next).start
    }
}

// ---------------------------------------------------------------------------------------------
// Major change (重大变更)
// ---------------------------------------------------------------------------------------------

/// The last day to report a major change: the change date plus three calendar months, clamped
/// to the end of the month when that month is shorter (2024-11-30 → 2025-02-28;
/// 2024-08-31 → 2024-11-30). The deadline day itself is still on time.
pub fn change_report_deadline(change_date: NaiveDate) -> NaiveDate {
    change_date
        .checked_add_months(Months::new(CHANGE_REPORT_MONTHS))
        .unwrap_or(NaiveDate::MAX)
}

/// A report is late when it is made after the deadline.
pub fn is_change_late(change_date: NaiveDate, reported_on: NaiveDate) -> bool {
    reported_on > change_report_deadline(change_date)
}

// ---------------------------------------------------------------------------------------------
// Certification validity
// ---------------------------------------------------------------------------------------------

/// The last day a certification issued on `certified_on` is valid **(our rule)**: the day before
/// its `years`-th anniversary, so a three-year certification covers exactly three years
/// (2024-03-15 → 2027-03-14). The anniversary of 29 February in a common year is taken as
/// 1 March (2024-02-29 → 2027-02-28).
pub fn expiry(certified_on: NaiveDate, years: u32) -> NaiveDate {
    let Some(year) = i32::try_from(years)
        .ok()
        .and_then(|y| certified_on.year().checked_add(y))
    else {
        return NaiveDate::MAX;
    };
    let anniversary = certified_on
        .with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1));
    anniversary
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// Whether a certification issued on `certified_on` and valid until `expires_on` (inclusive) is
/// valid on `day`.
pub fn is_valid_on(certified_on: NaiveDate, expires_on: NaiveDate, day: NaiveDate) -> bool {
    certified_on <= day && day <= expires_on
}

/// The new last valid day after a passed 复核: another [`VALIDITY_YEARS`] starting the day after
/// the current expiry (2027-03-14 → 2030-03-14).
pub fn extend_after_review(expires_on: NaiveDate) -> NaiveDate {
    match expires_on.succ_opt() {
        Some(next_day) => expiry(next_day, VALIDITY_YEARS),
        None => NaiveDate::MAX,
    }
}

// ---------------------------------------------------------------------------------------------
// 复核 candidacy
// ---------------------------------------------------------------------------------------------

/// What the service knows about a certification when proposing 复核 candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CandidacyFacts {
    pub expires_on: NaiveDate,
    pub today: NaiveDate,
    /// This year's info update is done (reviewed and accepted), or none is required this year.
    pub update_done_this_year_or_not_required: bool,
    /// A major change was reported late (or is overdue and unreported).
    pub has_late_change: bool,
    pub cancelled: bool,
}

/// Whether to propose an enterprise for 满足复核条件, with every fact spelled out.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidacy {
    pub candidate: bool,
    /// One line per fact, met or not, in a fixed order: expiry, update, change, cancellation.
    pub reasons: Vec<Text>,
}

/// Proposes a 复核 candidate: the certification expires in the current calendar year, this
/// year's update is done (or not required), no major change was reported late, and the
/// certification is not cancelled. The province (ministry for 小巨人) still decides.
pub fn review_candidacy(facts: &CandidacyFacts) -> Candidacy {
    let year = facts.today.year();
    let expires = facts.expires_on;
    let expires_this_year = expires.year() == year;
    let checks = [
        (
            expires_this_year,
            if expires_this_year {
                Text::new(
                    format!("认定有效期至{expires}，于今年（{year}年）到期"),
                    format!("the certification expires this year ({year}), on {expires}"),
                )
            } else {
                Text::new(
                    format!("认定有效期至{expires}，不在今年（{year}年）到期"),
                    format!(
                        "the certification does not expire this year ({year}) but on {expires}"
                    ),
                )
            },
        ),
        (
            facts.update_done_this_year_or_not_required,
            if facts.update_done_this_year_or_not_required {
                Text::new(
                    "今年的信息更新已完成或无需更新",
                    "this year's info update is done or not required",
                )
            } else {
                Text::new(
                    "今年的信息更新尚未完成",
                    "this year's info update has not been completed",
                )
            },
        ),
        (
            !facts.has_late_change,
            if facts.has_late_change {
                Text::new(
                    "有重大变更未在变更后3个月内报告",
                    "a major change was not reported within 3 months",
                )
            } else {
                Text::new(
                    "重大变更均已按时报告",
                    "every major change was reported on time",
                )
            },
        ),
        (
            !facts.cancelled,
            if facts.cancelled {
                Text::new("认定已被取消", "the certification has been cancelled")
            } else {
                Text::new("认定未被取消", "the certification has not been cancelled")
            },
        ),
    ];
    let candidate = checks.iter().all(|(met, _)| *met);
    let reasons = checks
        .into_iter()
        .map(|(met, t)| {
            let (zh, en) = if met {
                ("满足", "met")
            } else {
                ("不满足", "not met")
            };
            Text::new(format!("【{zh}】{}", t.zh), format!("[{en}] {}", t.en))
        })
        .collect();
    Candidacy { candidate, reasons }
}

/// Days from `today` to `date`: 0 on the day itself, negative once it has passed.
pub fn days_until(today: NaiveDate, date: NaiveDate) -> i64 {
    (date - today).num_days()
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A calendar input that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    WindowEndBeforeStart { start: NaiveDate, end: NaiveDate },
}

impl Localized for CalendarError {
    fn text(&self) -> Text {
        match self {
            CalendarError::WindowEndBeforeStart { start, end } => Text::new(
                format!(
                    "结束日期 {end} 早于开始日期 {start}：请把结束日期设为开始日期当天或之后。"
                ),
                format!(
                    "The end date {end} is before the start date {start}: the end must be on or \
                     after the start."
                ),
            ),
        }
    }
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().zh)
    }
}

impl std::error::Error for CalendarError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::Lang;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn w(a: &str, b: &str) -> Window {
        Window::new(d(a), d(b)).unwrap()
    }

    #[test]
    fn window_is_inclusive_of_both_edges() {
        let win = w("2025-03-01", "2025-03-31");
        assert!(!win.is_open(d("2025-02-28")));
        assert!(win.is_open(d("2025-03-01")));
        assert!(win.is_open(d("2025-03-15")));
        assert!(win.is_open(d("2025-03-31")));
        assert!(!win.is_open(d("2025-04-01")));
        let one_day = w("2025-03-01", "2025-03-01");
        assert!(one_day.is_open(d("2025-03-01")));
    }

    #[test]
    fn window_end_before_start_is_an_error_naming_both_dates() {
        let err = Window::new(d("2025-04-01"), d("2025-03-01")).unwrap_err();
        assert_eq!(
            err,
            CalendarError::WindowEndBeforeStart {
                start: d("2025-04-01"),
                end: d("2025-03-01")
            }
        );
        for lang in [Lang::Zh, Lang::En] {
            let msg = err.message(lang);
            assert!(
                msg.contains("2025-04-01") && msg.contains("2025-03-01"),
                "{msg}"
            );
        }
        let raw = Window {
            start: d("2025-04-01"),
            end: d("2025-03-31"),
        };
        assert!(raw.validate().is_err());
    }

    #[test]
    fn window_overlaps() {
        let march = w("2025-03-01", "2025-03-31");
        assert!(march.overlaps(&w("2025-03-10", "2025-03-20"))); // inside
        assert!(march.overlaps(&w("2025-02-01", "2025-04-30"))); // around
        assert!(march.overlaps(&w("2025-02-15", "2025-03-01"))); // touches the first day
        assert!(march.overlaps(&w("2025-03-31", "2025-04-15"))); // touches the last day
        assert!(!march.overlaps(&w("2025-02-01", "2025-02-28"))); // just before
        assert!(!march.overlaps(&w("2025-04-01", "2025-04-30"))); // just after
        assert!(march.overlaps(&march));
        // Symmetric.
        let april = w("2025-03-31", "2025-04-30");
        assert_eq!(march.overlaps(&april), april.overlaps(&march));
    }

    #[test]
    fn update_period_edges_2022_rules() {
        assert_eq!(update_period(2024), UpdatePeriod::RULESET_2022);
        assert!(!in_update_period(d("2024-12-31")));
        assert!(in_update_period(d("2025-01-01")));
        assert!(in_update_period(d("2025-04-30")));
        assert!(!in_update_period(d("2025-05-01")));
        assert_eq!(
            update_period(2025).window(2025),
            w("2025-01-01", "2025-04-30")
        );
    }

    #[test]
    fn update_period_edges_2026_rules() {
        assert_eq!(update_period(2026), UpdatePeriod::RULESET_2026);
        assert!(in_update_period(d("2026-05-01")));
        assert!(in_update_period(d("2026-05-31")));
        assert!(!in_update_period(d("2026-06-01")));
        assert!(UpdatePeriod::RULESET_2022.contains(d("2026-04-30")));
        assert!(!UpdatePeriod::RULESET_2022.contains(d("2026-05-01")));
    }

    #[test]
    fn month_day() {
        assert_eq!(MonthDay::new(2, 30), None);
        assert_eq!(MonthDay::new(13, 1), None);
        let leap = MonthDay::new(2, 29).unwrap();
        assert_eq!(leap.in_year(2024), d("2024-02-29"));
        assert_eq!(leap.in_year(2025), d("2025-02-28"));
        assert_eq!((leap.month(), leap.day()), (2, 29));
        let json = serde_json::to_string(&leap).unwrap();
        assert_eq!(json, r#"{"month":2,"day":29}"#);
        assert_eq!(serde_json::from_str::<MonthDay>(&json).unwrap(), leap);
        assert!(serde_json::from_str::<MonthDay>(r#"{"month":4,"day":31}"#).is_err());
    }

    #[test]
    fn update_required_years() {
        let certified = d("2023-09-15");
        assert!(!update_required(certified, None, 2023)); // certified that year
        assert!(!update_required(certified, None, 2022)); // before
        assert!(update_required(certified, None, 2024));
        assert!(update_required(certified, None, 2026));
        let passed = Some(d("2026-10-20"));
        assert!(!update_required(certified, passed, 2026)); // passed 复核 that year
        assert!(update_required(certified, passed, 2027));
    }

    #[test]
    fn next_update_opens_on_the_first_of_january() {
        assert_eq!(next_update_opens(d("2025-01-01")), d("2025-01-01"));
        assert_eq!(next_update_opens(d("2025-01-02")), d("2026-01-01"));
        assert_eq!(next_update_opens(d("2025-12-31")), d("2026-01-01"));
        assert_eq!(
            days_until(d("2025-12-31"), next_update_opens(d("2025-12-31"))),
            1
        );
    }

    #[test]
    fn change_report_deadline_clamps_to_month_end() {
        assert_eq!(change_report_deadline(d("2024-11-30")), d("2025-02-28"));
        assert_eq!(change_report_deadline(d("2023-11-30")), d("2024-02-29"));
        assert_eq!(change_report_deadline(d("2024-08-31")), d("2024-11-30"));
        assert_eq!(change_report_deadline(d("2024-01-15")), d("2024-04-15"));
    }

    #[test]
    fn change_reported_on_the_deadline_is_on_time_the_day_after_is_late() {
        let change = d("2024-11-30");
        assert!(!is_change_late(change, d("2024-12-01")));
        assert!(!is_change_late(change, d("2025-02-28")));
        assert!(is_change_late(change, d("2025-03-01")));
    }

    #[test]
    fn expiry_is_the_day_before_the_anniversary() {
        assert_eq!(expiry(d("2024-03-15"), 3), d("2027-03-14"));
        assert_eq!(expiry(d("2024-01-01"), 3), d("2026-12-31"));
        assert_eq!(expiry(d("2024-02-29"), 3), d("2027-02-28"));
        assert_eq!(expiry(d("2024-02-29"), 4), d("2028-02-28"));
        assert_eq!(expiry(d("2025-03-01"), 3), d("2028-02-29"));
        assert_eq!(expiry(d("2024-03-15"), u32::MAX), NaiveDate::MAX);
    }

    #[test]
    fn validity_and_extension() {
        let certified = d("2024-03-15");
        let expires = expiry(certified, VALIDITY_YEARS);
        assert!(!is_valid_on(certified, expires, d("2024-03-14")));
        assert!(is_valid_on(certified, expires, certified));
        assert!(is_valid_on(certified, expires, d("2027-03-14")));
        assert!(!is_valid_on(certified, expires, d("2027-03-15")));
        assert_eq!(extend_after_review(expires), d("2030-03-14"));
        // The extension starts the day after the old expiry, leap days included.
        assert_eq!(extend_after_review(d("2028-02-29")), d("2031-02-28"));
        assert_eq!(extend_after_review(d("2027-02-28")), d("2030-02-28"));
    }

    fn candidate_facts() -> CandidacyFacts {
        CandidacyFacts {
            expires_on: d("2026-08-31"),
            today: d("2026-03-10"),
            update_done_this_year_or_not_required: true,
            has_late_change: false,
            cancelled: false,
        }
    }

    #[test]
    fn candidacy_when_every_fact_holds() {
        let c = review_candidacy(&candidate_facts());
        assert!(c.candidate);
        assert_eq!(c.reasons.len(), 4);
        assert!(c.reasons.iter().all(|r| r.zh.starts_with("【满足】")));
        assert!(c.reasons.iter().all(|r| r.en.starts_with("[met]")));
        assert!(c.reasons[0].zh.contains("2026-08-31"));
    }

    #[test]
    fn candidacy_each_fact_alone_flips_it() {
        type Spoil = fn(&mut CandidacyFacts);
        let spoilers: [(Spoil, usize); 5] = [
            (|f| f.expires_on = d("2027-01-01"), 0),
            (|f| f.expires_on = d("2025-12-31"), 0),
            (|f| f.update_done_this_year_or_not_required = false, 1),
            (|f| f.has_late_change = true, 2),
            (|f| f.cancelled = true, 3),
        ];
        for (spoil, index) in spoilers {
            let mut facts = candidate_facts();
            spoil(&mut facts);
            let c = review_candidacy(&facts);
            assert!(!c.candidate, "{facts:?}");
            for (i, r) in c.reasons.iter().enumerate() {
                let met = r.en.starts_with("[met]");
                assert_eq!(met, i != index, "{facts:?}: {}", r.en);
                assert_eq!(r.zh.starts_with("【满足】"), met, "{}", r.zh);
            }
        }
    }

    #[test]
    fn days_until_counts_calendar_days() {
        assert_eq!(days_until(d("2026-03-10"), d("2026-03-10")), 0);
        assert_eq!(days_until(d("2026-03-10"), d("2026-03-11")), 1);
        assert_eq!(days_until(d("2026-03-10"), d("2026-03-09")), -1);
        assert_eq!(days_until(d("2025-12-31"), d("2026-12-31")), 365);
    }
}
