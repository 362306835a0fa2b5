//! Time as a dependency: the service never reads the system clock directly, so every rule that
//! depends on time (lock-outs, token and code expiry, windows, reminders) is testable.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use std::fmt;
use std::sync::{Arc, Mutex};

/// China Standard Time (UTC+8, no daylight saving): the platform's calendar.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The calendar date in China at instant `t`.
pub fn china_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

/// `t` as a Beijing-time string for messages: `2025-03-01 09:30`.
pub fn china_minutes(t: DateTime<Utc>) -> String {
    t.with_timezone(&china())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The source of "now".
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in China.
    fn today(&self) -> NaiveDate {
        china_date(self.now())
    }
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A settable clock for tests. Clones share the same time, so a test keeps one handle and gives
/// another to the service.
#[derive(Debug, Clone)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn new(at: DateTime<Utc>) -> TestClock {
        TestClock(Arc::new(Mutex::new(at)))
    }

    /// A clock set to an RFC 3339 instant, e.g. `"2025-03-01T09:00:00+08:00"`.
    ///
    /// # Panics
    /// On a malformed instant (tests only).
    pub fn at(rfc3339: &str) -> TestClock {
        let t = DateTime::parse_from_rfc3339(rfc3339)
            .unwrap_or_else(|e| panic!("TestClock::at({rfc3339:?}): {e}"));
        TestClock::new(t.with_timezone(&Utc))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.lock() = at;
    }

    pub fn advance(&self, by: Duration) {
        let mut t = self.lock();
        *t += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_clock_is_shared_and_settable() {
        let c = TestClock::at("2025-03-01T23:30:00+08:00");
        let other = c.clone();
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
        other.advance(Duration::minutes(45));
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2025, 3, 2).unwrap());
        assert_eq!(china_minutes(c.now()), "2025-03-02 00:15");
    }
}
