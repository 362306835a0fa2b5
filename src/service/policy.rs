//! Account-security constants, in one place **(our rules)**.

use chrono::Duration;

/// Consecutive failed log-ins that lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lock-out lasts.
pub const LOCKOUT: Duration = Duration::minutes(15);

/// Lifetime of a login token. Fixed (not sliding): a token issued at 09:00 stops working at
/// 21:00 whatever happens, so `authenticate` needs no write on every request.
pub const TOKEN_TTL: Duration = Duration::hours(12);
/// `last_used_at` of a token is refreshed at most this often (it is informational).
pub const TOKEN_TOUCH_INTERVAL: Duration = Duration::minutes(10);
/// Random bytes in a token (base64url: 43 characters).
pub const TOKEN_BYTES: usize = 32;

/// Digits in an SMS / e-mail code.
pub const CODE_DIGITS: u32 = 6;
/// Lifetime of a code the user asked for.
pub const CODE_TTL: Duration = Duration::minutes(10);
/// Lifetime of the reset code support sends after approving an account recovery.
pub const RECOVERY_CODE_TTL: Duration = Duration::hours(24);
/// Wrong entries after which a code is void.
pub const CODE_MAX_ATTEMPTS: i64 = 5;
/// A new code for the same purpose and account is refused within this interval.
pub const CODE_RESEND_INTERVAL: Duration = Duration::seconds(60);
