//! Per-address limits of the anonymous account calls (log-in, password-reset and phone-change
//! codes), on top of the per-account lock-out and code-resend rules: one address cannot try
//! many accounts. Counted in the `rate_limits` table like the certification query
//! ([`crate::service::query`]), per [`RATE_WINDOW`](crate::service::query::RATE_WINDOW).

use crate::service::query::rate_hit;
use crate::service::session::digest;
use crate::service::{Service, ServiceResult};

/// Log-in attempts per address per [`RATE_WINDOW`](crate::service::query::RATE_WINDOW).
pub const LOGIN_PER_ADDRESS: i64 = 60;
/// Password-reset and phone-change code requests (and their confirmations) per address per
/// [`RATE_WINDOW`](crate::service::query::RATE_WINDOW).
pub const CODES_PER_ADDRESS: i64 = 20;

/// What is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    LogIn,
    Codes,
}

impl Throttled {
    fn bucket(self) -> (&'static str, i64) {
        match self {
            Throttled::LogIn => ("login", LOGIN_PER_ADDRESS),
            Throttled::Codes => ("codes", CODES_PER_ADDRESS),
        }
    }
}

impl Service {
    /// Counts one call of `what` from `client_key` (the client's address); `RateLimited` with the
    /// time to wait once the address is over its limit. A refused call is not counted.
    pub async fn throttle(&self, what: Throttled, client_key: &str) -> ServiceResult<()> {
        let (name, limit) = what.bucket();
        let mut w = self.write().await?;
        rate_hit(
            &mut w,
            &format!("{name}:addr:{}", digest(client_key.trim())),
            limit,
        )
        .await?;
        w.commit().await
    }
}
