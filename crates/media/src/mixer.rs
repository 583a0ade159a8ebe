//! The agent's conference mix (Genesys "conférence", done on the agent's machine): every
//! party hears the agent and every other party but not itself; a party can be kept from
//! hearing ("mute-listen"). Each call's session hands in, every 20 ms, what its party said and
//! what the agent's microphone gave, and gets back what to send to that party. Sums go
//! through a soft limiter, so several loud voices do not clip.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::FRAME;

/// A party's place in the mix.
#[derive(Debug)]
struct Party {
    /// The last frame this party said.
    said: Vec<i32>,
    /// Whether the party hears the others (false: mute-listen).
    listens: bool,
}

/// The phone's one conference.
#[derive(Debug, Default)]
pub struct Mixer {
    parties: Mutex<HashMap<String, Party>>,
}

impl Mixer {
    /// An empty conference.
    pub fn new() -> Self {
        Self::default()
    }

    fn parties(&self) -> std::sync::MutexGuard<'_, HashMap<String, Party>> {
        self.parties.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The call `id` joins the mix.
    pub fn join(&self, id: &str) {
        self.parties().entry(id.to_owned()).or_insert(Party {
            said: vec![0; FRAME],
            listens: true,
        });
    }

    /// The call `id` leaves the mix.
    pub fn leave(&self, id: &str) {
        self.parties().remove(id);
    }

    /// Whether `id` is in the mix.
    pub fn contains(&self, id: &str) -> bool {
        self.parties().contains_key(id)
    }

    /// Lets the party `id` hear the others (`true`) or not (mute-listen: it can still speak).
    pub fn set_listens(&self, id: &str, listens: bool) {
        if let Some(p) = self.parties().get_mut(id) {
            p.listens = listens;
        }
    }

    /// The call `id`'s tick: its party `said` this frame and the agent's microphone gave
    /// `mic`; `out` becomes what to send to the party. Outside the conference that is the
    /// microphone alone.
    pub fn exchange(&self, id: &str, said: &[i16], mic: &[i16], out: &mut [i16]) {
        let mut parties = self.parties();
        let Some(me) = parties.get_mut(id) else {
            out.copy_from_slice(mic);
            return;
        };
        for (slot, &s) in me.said.iter_mut().zip(said) {
            *slot = i32::from(s);
        }
        if !me.listens {
            out.fill(0);
            return;
        }
        let mut sum: Vec<i32> = mic.iter().map(|&s| i32::from(s)).collect();
        for (other, party) in parties.iter() {
            if other != id {
                for (acc, &s) in sum.iter_mut().zip(&party.said) {
                    *acc += s;
                }
            }
        }
        for (o, s) in out.iter_mut().zip(sum) {
            *o = limit(s);
        }
    }
}

/// A soft limiter: linear up to 24,000, then compressed into the rest of the 16-bit range.
pub fn limit(sample: i32) -> i16 {
    const KNEE: f64 = 24_000.0;
    const TOP: f64 = 32_767.0;
    let x = f64::from(sample);
    let magnitude = x.abs();
    if magnitude <= KNEE {
        return sample as i16;
    }
    let over = magnitude - KNEE;
    let room = TOP - KNEE;
    let squeezed = KNEE + room * (over / (over + room));
    (squeezed.copysign(x)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(v: i16) -> Vec<i16> {
        vec![v; FRAME]
    }

    #[test]
    fn each_party_hears_the_agent_and_the_others_but_not_itself() {
        let mixer = Mixer::new();
        mixer.join("a");
        mixer.join("b");
        mixer.join("c");
        let mut out = frame(0);
        // Each says its own level; the agent's microphone is 1000.
        mixer.exchange("a", &frame(100), &frame(1000), &mut out);
        mixer.exchange("b", &frame(200), &frame(1000), &mut out);
        mixer.exchange("c", &frame(400), &frame(1000), &mut out);
        assert_eq!(out[0], 1000 + 100 + 200, "c hears the agent, a and b");
        mixer.exchange("a", &frame(100), &frame(1000), &mut out);
        assert_eq!(out[0], 1000 + 200 + 400, "a hears the agent, b and c");
        mixer.set_listens("a", false);
        mixer.exchange("a", &frame(100), &frame(1000), &mut out);
        assert_eq!(out[0], 0, "mute-listen: a hears nothing");
        mixer.exchange("b", &frame(200), &frame(1000), &mut out);
        assert_eq!(out[0], 1000 + 100 + 400, "but a still speaks");
        mixer.leave("c");
        mixer.exchange("b", &frame(200), &frame(1000), &mut out);
        assert_eq!(out[0], 1000 + 100);
        mixer.exchange("z", &frame(300), &frame(1000), &mut out);
        assert_eq!(out[0], 1000, "outside the conference: the microphone alone");
    }

    #[test]
    fn loud_sums_are_limited_not_clipped() {
        assert_eq!(limit(1000), 1000);
        assert_eq!(limit(-24_000), -24_000);
        assert!(limit(60_000) < i16::MAX && limit(60_000) > 30_000);
        assert!(limit(-90_000) > i16::MIN);
        let mut previous = limit(0);
        for x in (0..200_000).step_by(1000) {
            let y = limit(x);
            assert!(y >= previous, "monotonic at {x}");
            previous = y;
        }
    }
}
