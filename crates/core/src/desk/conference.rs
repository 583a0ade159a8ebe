//! The agent's conference (Genesys Workspace "conférence"): merge the calls, hold and resume
//! it as a whole, split it, remove a party, leave. The media engine mixes the sound; the desk
//! keeps who is in.

use super::{Action, Desk, DeskError, LineId, LineState};

impl Desk {
    /// The lines in the conference.
    pub fn conference(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter(|(_, l)| l.state == LineState::InConference)
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// Merges every answered and held line into one conference (Genesys "conférence"): held
    /// lines are resumed; the media engine mixes them. Ends a consultation.
    pub fn merge(&mut self) -> Result<(), DeskError> {
        let parties: Vec<(LineId, LineState)> = self
            .lines
            .iter()
            .filter(|(_, l)| {
                matches!(
                    l.state,
                    LineState::Connected | LineState::OnHold | LineState::InConference
                )
            })
            .map(|(id, l)| (id.clone(), l.state.clone()))
            .collect();
        if parties.len() < 2 {
            return Err(DeskError::NothingToMerge);
        }
        for (line, state) in parties {
            if state == LineState::OnHold {
                self.actions.push_back(Action::Resume(line.clone()));
            }
            self.set(&line, LineState::InConference);
        }
        self.consult = None;
        self.held_conference.clear();
        Ok(())
    }

    /// Holds every party of the conference at once (with the mix done here, the parties stop
    /// hearing each other too, as with every softphone's local conference).
    pub fn hold_conference(&mut self) -> Result<(), DeskError> {
        if self.conference().len() < 2 {
            return Err(DeskError::NoConference);
        }
        self.hold_active("");
        Ok(())
    }

    /// The parties of the conference on hold (held together, not yet resumed).
    pub fn held_conference(&self) -> Vec<&str> {
        self.held_conference.iter().map(String::as_str).collect()
    }

    /// Resumes a conference held as a whole: every party is resumed into the conference, and
    /// whatever else had the agent's audio is held.
    pub fn resume_conference(&mut self) -> Result<(), DeskError> {
        if self.held_conference.is_empty() {
            return Err(DeskError::NoConference);
        }
        let members: Vec<LineId> = self.held_conference.iter().cloned().collect();
        if members
            .iter()
            .any(|l| self.state(l) == Some(&LineState::Holding))
        {
            return Err(DeskError::HoldPending);
        }
        self.hold_active("");
        for line in members {
            if self.state(&line) == Some(&LineState::OnHold) {
                self.actions.push_back(Action::Resume(line.clone()));
                self.set(&line, LineState::Resuming);
            }
        }
        Ok(())
    }

    /// Splits the conference back into separate calls, all on hold; the agent then resumes
    /// the one to talk to.
    pub fn split(&mut self) -> Result<(), DeskError> {
        let parties: Vec<LineId> = self.conference().into_iter().map(str::to_owned).collect();
        if parties.len() < 2 && self.held_conference.is_empty() {
            return Err(DeskError::NoConference);
        }
        self.held_conference.clear();
        for line in parties {
            self.actions.push_back(Action::Hold(line.clone()));
            self.set(&line, LineState::Holding);
        }
        Ok(())
    }

    /// Takes `line` out of the conference by hanging it up; with one party left, the
    /// conference becomes a plain call.
    pub fn remove_party(&mut self, line: &str) -> Result<(), DeskError> {
        if self.state(line) != Some(&LineState::InConference)
            && !self.held_conference.contains(line)
        {
            return Err(DeskError::NoConference);
        }
        self.actions.push_back(Action::Bye(line.to_owned()));
        Ok(())
    }

    /// The agent leaves the conference: with two parties left they are transferred to each
    /// other (REFER with Replaces) and stay talking; with more, the agent just hangs up on
    /// everyone.
    pub fn leave_conference(&mut self) -> Result<(), DeskError> {
        let mut parties: Vec<LineId> = self.conference().into_iter().map(str::to_owned).collect();
        parties.extend(self.held_conference.iter().cloned());
        match parties.as_slice() {
            [] | [_] => Err(DeskError::NoConference),
            [a, b] => {
                self.actions.push_back(Action::ReferReplaces {
                    line: a.clone(),
                    replaces: b.clone(),
                });
                self.set(a, LineState::Transferring);
                Ok(())
            }
            many => {
                for line in many {
                    self.actions.push_back(Action::Bye(line.clone()));
                }
                Ok(())
            }
        }
    }
}
