//! Switchboard's domain logic, with no I/O, no async and no clock: phone numbers and the
//! dial plan, and who is calling.

pub mod agent;
pub mod call;
pub mod callscreen;
pub mod contact;
pub mod context;
pub mod desk;
pub mod dialplan;
pub mod filter;
pub mod matching;
pub mod number;
pub mod registration;
pub mod session_timer;
mod shortcode;
pub mod sipuri;
pub mod stats;

pub use agent::{Agent, AgentError, AgentEvent, AgentRules, ChangeCause, Presence, WrapUpMode};
pub use contact::{fold, parse_range, stored_e164, NumberKind};
pub use context::CallContext;
pub use dialplan::{Country, DialFormat, DialPlan, PlanError};
pub use filter::{CallFilter, FilterError, FilterMode, FilterSettings, Verdict};
pub use matching::{Caller, CallerIdentity, Candidate, Match, MatchConfig, MatchReason, Via};
pub use number::{Number, NumberError, ShortNumberKind, Source, E164};
pub use sipuri::SipUri;
