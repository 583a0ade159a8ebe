//! When to refresh a registration and when to try again after a failure (RFC 3261 §10.2.4:
//! a UA refreshes before the granted expiry; retries back off so a failed registrar is not
//! flooded).

use std::time::Duration;

/// Shortest wait before retrying a failed registration.
pub const FIRST_RETRY: Duration = Duration::from_secs(1);
/// Longest wait between two attempts while the registrar keeps failing.
pub const MAX_RETRY: Duration = Duration::from_secs(300);

/// How long after a successful REGISTER granted `expires` seconds to refresh it: at three
/// quarters of the lifetime, and never later than 30 s before it ends, so that one lost
/// request can still be retransmitted in time.
pub fn refresh_after(expires: u32) -> Duration {
    let granted = u64::from(expires.max(1));
    let at = (granted * 3 / 4).min(granted.saturating_sub(30).max(granted / 2));
    Duration::from_secs(at.max(1))
}

/// How long to wait before attempt number `failures + 1`, after `failures` failures in a row
/// (1 s, 2 s, 4 s ... up to 5 minutes).
pub fn retry_after(failures: u32) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    FIRST_RETRY.saturating_mul(1 << exponent).min(MAX_RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_comes_before_expiry_with_room_to_retransmit() {
        assert_eq!(refresh_after(3600), Duration::from_secs(2700));
        assert_eq!(refresh_after(600), Duration::from_secs(450));
        assert_eq!(refresh_after(120), Duration::from_secs(90));
        assert_eq!(refresh_after(60), Duration::from_secs(30));
        assert_eq!(refresh_after(10), Duration::from_secs(5));
        assert_eq!(refresh_after(1), Duration::from_secs(1));
        assert_eq!(refresh_after(0), Duration::from_secs(1));
        for e in 1..5000 {
            assert!(refresh_after(e) < Duration::from_secs(u64::from(e)) || e == 1);
        }
    }

    #[test]
    fn retries_back_off_exponentially_to_a_ceiling() {
        let waits: Vec<u64> = (1..=11).map(|f| retry_after(f).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(retry_after(0), FIRST_RETRY);
        assert_eq!(retry_after(u32::MAX), MAX_RETRY);
    }
}
