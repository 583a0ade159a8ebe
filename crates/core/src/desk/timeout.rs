//! The desk's one timer: an outgoing call nobody answers is cancelled after the ring timeout
//! (OVH CCS "temps de sonnerie"), on the caller's clock (`now` comes in).

use std::time::Duration;

use super::{Action, Desk, LineId, LineState};
use crate::call::EndReason;

impl Desk {
    /// When [`Desk::handle_timeout`] is next due.
    pub fn next_timeout(&self) -> Option<Duration> {
        self.lines.values().filter_map(|l| l.ring_deadline).min()
    }

    /// Cancels the outgoing calls nobody answered in time.
    pub fn handle_timeout(&mut self, now: Duration) {
        let due: Vec<LineId> = self
            .lines
            .iter()
            .filter(|(_, l)| l.ring_deadline.is_some_and(|d| d <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for line in due {
            if let Some(l) = self.lines.get_mut(&line) {
                l.ring_deadline = None;
            }
            self.actions.push_back(Action::Cancel(line.clone()));
            self.set(
                &line,
                LineState::Ended {
                    reason: EndReason::NoAnswer,
                },
            );
        }
    }
}
