//! Session timers (RFC 4028): a call is refreshed by a re-INVITE before its session interval
//! runs out, so that a proxy or PBX that requires them does not drop a long call, and a call
//! whose other side vanished is ended instead of lingering.
//!
//! Sans-IO: the SIP layer parses the headers with [`SessionExpires::parse`], negotiates with
//! [`SessionTimer::for_caller`] / [`SessionTimer::for_callee`], asks [`SessionTimer::due`]
//! when to wake up, and feeds [`SessionTimer::handle_timeout`] and
//! [`SessionTimer::refreshed`]. Time comes in as `now`, a duration since any fixed origin.

use std::fmt;
use std::time::Duration;

/// The smallest session interval we accept, and the floor of the protocol (RFC 4028 §4:
/// Min-SE is never below 90 seconds).
pub const MIN_SE: u32 = 90;
/// The interval we ask for: 30 minutes, the value RFC 4028 §4 recommends.
pub const PREFERRED_SE: u32 = 1800;

/// Which side of the dialog refreshes (the `refresher` parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresher {
    /// The side that sent the INVITE.
    Uac,
    /// The side that answered it.
    Uas,
}

/// A `Session-Expires` header value: `1800;refresher=uac`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionExpires {
    /// The session interval in seconds.
    pub delta: u32,
    /// Who refreshes, when the header says.
    pub refresher: Option<Refresher>,
}

impl SessionExpires {
    /// Reads a header value; `None` when it is not a valid one (RFC 4028 §4: delta-seconds,
    /// then parameters; unknown parameters are ignored).
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.split(';').map(str::trim);
        let delta = parts.next()?;
        if delta.is_empty() || !delta.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let delta = delta.parse().ok()?;
        let mut refresher = None;
        for part in parts {
            if let Some((name, value)) = part.split_once('=') {
                if name.trim().eq_ignore_ascii_case("refresher") {
                    refresher = match value.trim().to_ascii_lowercase().as_str() {
                        "uac" => Some(Refresher::Uac),
                        "uas" => Some(Refresher::Uas),
                        _ => return None,
                    };
                }
            }
        }
        Some(Self { delta, refresher })
    }
}

impl fmt::Display for SessionExpires {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.delta)?;
        match self.refresher {
            Some(Refresher::Uac) => write!(f, ";refresher=uac"),
            Some(Refresher::Uas) => write!(f, ";refresher=uas"),
            None => Ok(()),
        }
    }
}

/// Reads a `Min-SE` header value (delta-seconds, RFC 4028 §5).
pub fn parse_min_se(value: &str) -> Option<u32> {
    let delta = value.split(';').next()?.trim();
    if delta.is_empty() || !delta.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    delta.parse().ok()
}

/// What an incoming INVITE's session timer headers call for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalleeTimer {
    /// No session timer on this call.
    None,
    /// Answer with this `Session-Expires` (and `Require: timer` when the caller refreshes)
    /// and run this timer.
    Run(SessionExpires, SessionTimer),
    /// The interval asked for is below our minimum: answer 422 with `Min-SE` (RFC 4028 §8.1).
    TooSmall {
        /// Our minimum, for the `Min-SE` header.
        min_se: u32,
    },
}

/// What is due on a call's session timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerAction {
    /// Send a refresh (re-INVITE with `Session-Expires`) now.
    Refresh,
    /// The other side should have refreshed and did not: end the call with BYE (RFC 4028
    /// §10).
    Expire,
}

/// Which side we are in the dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// We refresh, at half the interval (RFC 4028 §10).
    Us,
    /// They refresh; the session ends at the interval minus a margin of
    /// min(32 s, interval / 3) (RFC 4028 §10).
    Them,
}

/// One call's session timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionTimer {
    interval: Duration,
    side: Side,
    /// When the session was last refreshed (or established).
    since: Duration,
    /// A refresh was sent and its answer is awaited.
    refreshing: bool,
}

impl SessionTimer {
    /// Our side as the caller, from the `Session-Expires` of the 2xx (RFC 4028 §7.2): no
    /// header means no session timer; a header without `refresher` makes us the refresher.
    pub fn for_caller(answered: Option<SessionExpires>, now: Duration) -> Option<Self> {
        let header = answered?;
        let side = match header.refresher {
            Some(Refresher::Uas) => Side::Them,
            Some(Refresher::Uac) | None => Side::Us,
        };
        Some(Self::new(header.delta, side, now))
    }

    /// Our side as the callee of an INVITE carrying `asked` (its `Session-Expires`) and
    /// `supported` (whether the caller lists `timer` in Supported), RFC 4028 §9: an interval
    /// below [`MIN_SE`] is refused with 422; without a `refresher` we let a caller that
    /// supports timers refresh, and refresh ourselves otherwise.
    pub fn for_callee(
        asked: Option<SessionExpires>,
        supported: bool,
        now: Duration,
    ) -> CalleeTimer {
        let Some(asked) = asked else {
            return CalleeTimer::None;
        };
        if asked.delta < MIN_SE {
            return CalleeTimer::TooSmall { min_se: MIN_SE };
        }
        let refresher = asked.refresher.unwrap_or(if supported {
            Refresher::Uac
        } else {
            Refresher::Uas
        });
        let side = match refresher {
            Refresher::Uas => Side::Us,
            Refresher::Uac => Side::Them,
        };
        CalleeTimer::Run(
            SessionExpires {
                delta: asked.delta,
                refresher: Some(refresher),
            },
            Self::new(asked.delta, side, now),
        )
    }

    fn new(delta: u32, side: Side, now: Duration) -> Self {
        Self {
            interval: Duration::from_secs(u64::from(delta.max(MIN_SE))),
            side,
            since: now,
            refreshing: false,
        }
    }

    /// The session interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Whether we are the refresher.
    pub fn we_refresh(&self) -> bool {
        self.side == Side::Us
    }

    /// The `Session-Expires` to put in our refresh re-INVITE (we are its sender).
    pub fn refresh_header(&self) -> SessionExpires {
        SessionExpires {
            delta: u32::try_from(self.interval.as_secs()).unwrap_or(u32::MAX),
            refresher: Some(Refresher::Uac),
        }
    }

    /// When [`SessionTimer::handle_timeout`] is next due.
    pub fn due(&self) -> Duration {
        match self.side {
            // Half the interval (RFC 4028 §10); while a refresh is on its way, the session's
            // end is the next thing to watch.
            Side::Us if !self.refreshing => self.since + self.interval / 2,
            Side::Us | Side::Them => {
                let margin = (self.interval / 3).min(Duration::from_secs(32));
                self.since + self.interval - margin
            }
        }
    }

    /// What to do at `now`: nothing before [`SessionTimer::due`]; then a refresh when we are
    /// the refresher, or the end of the call when the refresh never came.
    pub fn handle_timeout(&mut self, now: Duration) -> Option<TimerAction> {
        if now < self.due() {
            return None;
        }
        match self.side {
            Side::Us if !self.refreshing => {
                self.refreshing = true;
                Some(TimerAction::Refresh)
            }
            Side::Us | Side::Them => Some(TimerAction::Expire),
        }
    }

    /// The session was refreshed at `now` (our re-INVITE was answered 2xx, or the other side
    /// sent one), with the interval and refresher the 2xx carries, if any. As in RFC 4028 §7.4
    /// and §9, a refresh re-negotiates: `sender_is_us` says which side sent the request that
    /// refreshed.
    pub fn refreshed(&mut self, now: Duration, header: Option<SessionExpires>, sender_is_us: bool) {
        self.since = now;
        self.refreshing = false;
        if let Some(header) = header {
            self.interval = Duration::from_secs(u64::from(header.delta.max(MIN_SE)));
            let sender_refreshes = header.refresher != Some(Refresher::Uas);
            self.side = if sender_refreshes == sender_is_us {
                Side::Us
            } else {
                Side::Them
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn headers_parse_and_print() {
        let se = SessionExpires::parse("1800;refresher=uac").expect("valid");
        assert_eq!(se.delta, 1800);
        assert_eq!(se.refresher, Some(Refresher::Uac));
        assert_eq!(se.to_string(), "1800;refresher=uac");
        assert_eq!(
            SessionExpires::parse(" 90 ; Refresher = UAS ; x=1"),
            Some(SessionExpires {
                delta: 90,
                refresher: Some(Refresher::Uas)
            })
        );
        assert_eq!(
            SessionExpires::parse("600").map(|s| s.refresher),
            Some(None)
        );
        for bad in ["", "abc", "-5", "90;refresher=me", "99999999999999", "1.5"] {
            assert_eq!(SessionExpires::parse(bad), None, "{bad:?}");
        }
        assert_eq!(parse_min_se("90"), Some(90));
        assert_eq!(parse_min_se(" 1800;x=y"), Some(1800));
        assert_eq!(parse_min_se("ninety"), None);
    }

    #[test]
    fn the_caller_refreshes_at_half_the_interval_and_again_after_each_refresh() {
        let answer = SessionExpires::parse("90;refresher=uac");
        let mut timer = SessionTimer::for_caller(answer, secs(100)).expect("timer");
        assert!(timer.we_refresh());
        assert_eq!(timer.due(), secs(145));
        assert_eq!(timer.handle_timeout(secs(144)), None);
        assert_eq!(timer.handle_timeout(secs(145)), Some(TimerAction::Refresh));
        // While the refresh is on its way, the session's end is watched: 90 - 30.
        assert_eq!(timer.due(), secs(160));
        assert_eq!(timer.handle_timeout(secs(150)), None);
        timer.refreshed(secs(146), SessionExpires::parse("90;refresher=uac"), true);
        assert_eq!(timer.due(), secs(191));
        assert_eq!(timer.handle_timeout(secs(191)), Some(TimerAction::Refresh));
        // A refresh never answered: the call ends at the session's end.
        assert_eq!(timer.handle_timeout(secs(200)), None);
        assert_eq!(timer.handle_timeout(secs(206)), Some(TimerAction::Expire));
    }

    #[test]
    fn without_a_header_in_the_answer_there_is_no_timer() {
        assert_eq!(SessionTimer::for_caller(None, secs(0)), None);
        let mut timer =
            SessionTimer::for_caller(SessionExpires::parse("1800"), secs(0)).expect("timer");
        assert!(
            timer.we_refresh(),
            "no refresher in the 2xx: the caller refreshes"
        );
        assert_eq!(timer.handle_timeout(secs(900)), Some(TimerAction::Refresh));
        assert_eq!(timer.refresh_header().to_string(), "1800;refresher=uac");
    }

    #[test]
    fn when_the_other_side_refreshes_a_missing_refresh_ends_the_call() {
        let answer = SessionExpires::parse("1800;refresher=uas");
        let mut timer = SessionTimer::for_caller(answer, secs(0)).expect("timer");
        assert!(!timer.we_refresh());
        // 1800 - min(32, 600) = 1768.
        assert_eq!(timer.due(), secs(1768));
        assert_eq!(timer.handle_timeout(secs(1767)), None);
        timer.refreshed(
            secs(900),
            SessionExpires::parse("1800;refresher=uac"),
            false,
        );
        assert_eq!(timer.due(), secs(2668), "their refresh moved the end");
        assert_eq!(timer.handle_timeout(secs(2668)), Some(TimerAction::Expire));
        // With 90 s the margin is a third: 90 - 30 = 60.
        let short = SessionTimer::for_caller(SessionExpires::parse("90;refresher=uas"), secs(0));
        assert_eq!(short.map(|t| t.due()), Some(secs(60)));
    }

    #[test]
    fn the_callee_answers_422_below_the_minimum_and_picks_a_refresher() {
        assert_eq!(
            SessionTimer::for_callee(SessionExpires::parse("30"), true, secs(0)),
            CalleeTimer::TooSmall { min_se: 90 }
        );
        assert_eq!(
            SessionTimer::for_callee(None, true, secs(0)),
            CalleeTimer::None
        );
        let CalleeTimer::Run(header, timer) =
            SessionTimer::for_callee(SessionExpires::parse("1800"), true, secs(0))
        else {
            panic!("a timer");
        };
        assert_eq!(header.to_string(), "1800;refresher=uac");
        assert!(
            !timer.we_refresh(),
            "a caller that supports timers refreshes"
        );
        let CalleeTimer::Run(header, timer) =
            SessionTimer::for_callee(SessionExpires::parse("1800"), false, secs(0))
        else {
            panic!("a timer");
        };
        assert_eq!(header.to_string(), "1800;refresher=uas");
        assert!(
            timer.we_refresh(),
            "we refresh for a caller without timer support"
        );
        let CalleeTimer::Run(_, timer) =
            SessionTimer::for_callee(SessionExpires::parse("600;refresher=uas"), true, secs(0))
        else {
            panic!("a timer");
        };
        assert!(timer.we_refresh());
        assert_eq!(timer.due(), secs(300));
    }

    #[test]
    fn a_refresh_from_either_side_can_swap_the_refresher() {
        let mut timer =
            SessionTimer::for_caller(SessionExpires::parse("600;refresher=uac"), secs(0))
                .expect("timer");
        // The other side sends a re-INVITE and, as its sender, says it refreshes from now on.
        timer.refreshed(secs(100), SessionExpires::parse("600;refresher=uac"), false);
        assert!(!timer.we_refresh());
        // It then sends one naming the answerer (us) as the refresher.
        timer.refreshed(secs(200), SessionExpires::parse("600;refresher=uas"), false);
        assert!(timer.we_refresh());
        assert_eq!(timer.due(), secs(500));
    }
}
