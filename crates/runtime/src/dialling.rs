//! The softphone panel's view, and calls placed from a window: the number typed, pasted or clicked is read with the dial plan
//! (a wrong one says what is wrong), and dialled from the agent's account.

use serde::Serialize;
use switchboard_core::Source;

use switchboard_core::desk::Control;

use crate::{AccountView, Error, Handle, LineView, Registration, Status};

/// Everything the softphone panel shows: the accounts, the lines, the microphone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeskView {
    /// Each account and its registration.
    pub accounts: Vec<AccountView>,
    /// The live lines, oldest first.
    pub lines: Vec<LineView>,
    /// The agent's microphone is muted.
    pub muted: bool,
}

impl Handle {
    /// The softphone panel's view now.
    pub fn desk_view(&self) -> Result<DeskView, Error> {
        let phone = self.phone()?;
        Ok(DeskView {
            accounts: phone.accounts(),
            lines: self.board()?,
            muted: phone.muted(),
        })
    }

    /// Answers the call that rang first (a shortcut or the tray, away from its row); returns
    /// its line, or `None` when nothing rings.
    pub fn answer_ringing(&self) -> Result<Option<String>, Error> {
        let ringing = self
            .board()?
            .into_iter()
            .find(|l| l.status == Status::RingingIn && l.controls.contains(&Control::Answer));
        match ringing {
            Some(line) => self.phone()?.answer(&line.line).map(|()| Some(line.line)),
            None => Ok(None),
        }
    }

    /// Hangs up the call the agent is talking on (else the newest that can be hung up);
    /// returns its line, or `None` when there is none.
    pub fn hang_up_current(&self) -> Result<Option<String>, Error> {
        let lines = self.board()?;
        let current = lines
            .iter()
            .find(|l| matches!(l.status, Status::Connected | Status::InConference))
            .or_else(|| {
                lines.iter().rev().find(|l| {
                    l.status != Status::RingingIn && l.controls.contains(&Control::Hangup)
                })
            });
        match current {
            Some(line) => self
                .phone()?
                .hangup(&line.line)
                .map(|()| Some(line.line.clone())),
            None => Ok(None),
        }
    }

    /// The account calls go out from: the first registered one, else the first one.
    pub(crate) fn calling_account(&self) -> Result<String, Error> {
        let accounts = self.phone()?.accounts();
        accounts
            .iter()
            .find(|a| matches!(a.registration, Registration::Registered { .. }))
            .or(accounts.first())
            .map(|a| a.account.clone())
            .ok_or(Error::NoAccount)
    }

    /// What `input` (typed in the dial box, or clicked: `source`) makes the PBX receive.
    fn dial_string(&self, input: &str, source: Source) -> Result<String, Error> {
        Ok(self.normalize(input, source)?.dial)
    }

    /// Dials `input`, read with the dial plan, with the caller ID chosen last; returns the
    /// new line.
    pub fn dial(&self, input: &str, source: Source) -> Result<String, Error> {
        let to = self.dial_string(input, source)?;
        self.phone()?
            .dial_presenting(&self.calling_account()?, &to, self.presentation())
    }

    /// Holds `line` and dials the colleague `input`; returns the consult line.
    pub fn consult(&self, line: &str, input: &str, source: Source) -> Result<String, Error> {
        let to = self.dial_string(input, source)?;
        self.phone()?.consult(line, &self.calling_account()?, &to)
    }

    /// Transfers `line` to `input` without speaking first (blind transfer).
    pub fn transfer(&self, line: &str, input: &str, source: Source) -> Result<(), Error> {
        let to = self.dial_string(input, source)?;
        self.phone()?.transfer(line, &to)
    }
}
