//! The agent's conference (Genesys Workspace "conférence"): merge the calls, remove a party,
//! leave. The media engine mixes the sound; the desk keeps who is in.

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
        Ok(())
    }

    /// Takes `line` out of the conference by hanging it up; with one party left, the
    /// conference becomes a plain call.
    pub fn remove_party(&mut self, line: &str) -> Result<(), DeskError> {
        if self.state(line) != Some(&LineState::InConference) {
            return Err(DeskError::NoConference);
        }
        self.actions.push_back(Action::Bye(line.to_owned()));
        Ok(())
    }

    /// The agent leaves the conference: with two parties left they are transferred to each
    /// other (REFER with Replaces) and stay talking; with more, the agent just hangs up on
    /// everyone.
    pub fn leave_conference(&mut self) -> Result<(), DeskError> {
        let parties: Vec<LineId> = self.conference().into_iter().map(str::to_owned).collect();
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
