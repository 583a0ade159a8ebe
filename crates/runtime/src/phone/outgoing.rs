//! Calls the agent places: a new line (holding the call in progress) or a consultation,
//! each from an account and with the identity the agent presents.

use std::sync::PoisonError;
use std::time::Duration;

use switchboard_core::desk::Desk;
use switchboard_sip::Presentation;

use super::{DialledReport, Phone, PhoneEvent};
use crate::Error;

impl Phone {
    /// Calls `to` from `account` (holding the active call); returns the new line's id.
    pub fn dial(&self, account: &str, to: &str) -> Result<String, Error> {
        self.dial_presenting(account, to, Presentation::Account)
    }

    /// Like [`Phone::dial`], presenting the agent as `presentation` says.
    pub fn dial_presenting(
        &self,
        account: &str,
        to: &str,
        presentation: Presentation,
    ) -> Result<String, Error> {
        self.place(account, to, presentation, |d, line, now| {
            d.dial(line, to, now)
        })
    }

    /// Consults a colleague: holds `line` and dials `to` from `account`; returns the consult
    /// line.
    pub fn consult(&self, line: &str, account: &str, to: &str) -> Result<String, Error> {
        self.place(account, to, Presentation::Account, |d, consult, now| {
            d.consult(line, consult, to, now)
        })
    }

    /// A new outgoing line to `to`, placed on the desk by `desk`.
    fn place(
        &self,
        account: &str,
        to: &str,
        presentation: Presentation,
        desk: impl FnOnce(&mut Desk, &str, Duration) -> Result<(), switchboard_core::desk::DeskError>,
    ) -> Result<String, Error> {
        let line = self.inner.engine.new_call_id();
        self.inner
            .dial_from
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(line.clone(), (account.to_owned(), presentation));
        let now = self.inner.now();
        self.inner.remember(&line, false, to);
        // Ahead of the line's first state, so whoever follows the events knows the number.
        self.inner.send(PhoneEvent::Dialled(DialledReport {
            event: "dialled",
            call: line.clone(),
            to: to.to_owned(),
        }));
        let result = self.command(|d| desk(d, &line, now));
        if result.is_err() {
            self.inner.forget(&line);
            self.inner
                .dial_from
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&line);
        }
        result.map(|()| line)
    }
}
