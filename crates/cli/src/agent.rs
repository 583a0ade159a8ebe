//! `switchboard-cli agent`: a headless agent speaking JSON lines. One command per line on
//! stdin, one event per line on stdout (see docs/cli.md).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use serde::Deserialize;
use serde_json::json;
use switchboard_cti::{generate_token, Cti, CtiConfig, RateLimit};
use switchboard_runtime::{
    AccountConfig, DeviceChoice, Error, Handle, HeadsetConfig, PhoneEvent, PhoneOptions,
    RecordingOptions, Refusal, TonePlan, Transport,
};
use tokio::io::AsyncBufReadExt;

/// Options of `agent`.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// A JSON file: `{"bind": "IP:PORT", "accounts": {"ID": {"registrar": ..., "user": ...,
    /// "password": ...}}}`.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Registrar of a single account given on the command line (`sip:HOST:PORT`).
    #[arg(long)]
    registrar: Option<String>,
    /// User of that account.
    #[arg(long)]
    user: Option<String>,
    /// Its password (or SWITCHBOARD_SIP_PASSWORD).
    #[arg(long, env = "SWITCHBOARD_SIP_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Digest user name when it differs from the user.
    #[arg(long)]
    auth_user: Option<String>,
    /// udp, tcp or tls.
    #[arg(long, default_value = "udp")]
    transport: String,
    /// Registration lifetime asked for, in seconds.
    #[arg(long, default_value_t = 600)]
    expires: u32,
    /// Send every request through this proxy (`IP:PORT`), keeping the registrar's domain.
    #[arg(long)]
    outbound_proxy: Option<String>,
    /// For TLS: a PEM file of the CA that signed the PBX's certificate (trusted besides the
    /// system's authorities).
    #[arg(long)]
    tls_ca: Option<PathBuf>,
    /// Local SIP address (port 0: any free port).
    #[arg(long)]
    bind: Option<SocketAddr>,
    /// Most calls at once; more are refused with 486.
    #[arg(long, default_value_t = 4)]
    max_calls: usize,
    /// Seconds an outgoing call may ring before it is cancelled.
    #[arg(long, default_value_t = 60)]
    ring_timeout: u64,
    /// A WAV file (16-bit PCM) played as the microphone on every call.
    #[arg(long)]
    mic_wav: Option<PathBuf>,
    /// Records what the other side sends into this WAV file (`{call}` in the name: one file
    /// per call).
    #[arg(long)]
    speaker_wav: Option<PathBuf>,
    /// Seconds without sound from the other side (not on hold) before a `media_silent` event.
    #[arg(long, default_value_t = 10)]
    silence_timeout: u64,
    /// Use the sound devices (the system's default ones, or those named below) instead of
    /// WAV files: calls, tones and the ringtone are heard, the microphone is sent.
    #[arg(long)]
    devices: bool,
    /// The microphone, by name or id (`switchboard-cli devices` lists them); implies
    /// --devices.
    #[arg(long)]
    mic: Option<String>,
    /// The speaker or headset calls are heard on; implies --devices.
    #[arg(long)]
    speaker: Option<String>,
    /// Where incoming calls ring (the speaker without it); implies --devices.
    #[arg(long)]
    ringer: Option<String>,
    /// The ringtone, a WAV file (16-bit PCM) looped while a call rings.
    #[arg(long)]
    ringtone: Option<PathBuf>,
    /// Turn off the echo cancellation of the microphone (on by default with --devices).
    #[arg(long)]
    no_echo_cancellation: bool,
    /// Turn off the noise suppression of the microphone (on by default with --devices).
    #[arg(long)]
    no_noise_suppression: bool,
    /// The codecs to offer and answer with, best first (default: G722,PCMU,PCMA,opus).
    #[arg(long, value_delimiter = ',')]
    codecs: Option<Vec<String>>,
    /// The folder of call recordings (the `record` command needs one).
    #[arg(long)]
    record_folder: Option<PathBuf>,
    /// Record every call from its first sound (into --record-folder).
    #[arg(long, requires = "record_folder")]
    record_all: bool,
    /// Serve the local CTI API (docs/cti-api.md) on this loopback address (`127.0.0.1:7474`).
    #[arg(long)]
    cti_listen: Option<SocketAddr>,
    /// The API's bearer token, 16 characters or more (or SWITCHBOARD_CTI_TOKEN); without
    /// one a token is generated and given once in the `cti` event.
    #[arg(
        long,
        env = "SWITCHBOARD_CTI_TOKEN",
        hide_env_values = true,
        requires = "cti_listen"
    )]
    cti_token: Option<String>,
    /// Web origins whose pages may use the API, comma-separated (`https://crm.example.com`).
    #[arg(long, value_delimiter = ',', requires = "cti_listen")]
    cti_origin: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ConfigFile {
    bind: Option<SocketAddr>,
    #[serde(default)]
    accounts: BTreeMap<String, AccountConfig>,
}

/// A line on stdin.
#[derive(Debug, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
enum Command {
    /// Register (or re-register) an account.
    Register {
        account: String,
        #[serde(flatten)]
        config: AccountConfig,
    },
    /// Unregister an account.
    Unregister { account: String },
    /// Call a number, user or SIP address from an account (default: the only one).
    Dial {
        #[serde(default)]
        account: Option<String>,
        to: String,
    },
    /// Hang up (or cancel) a call.
    Hangup { call: String },
    /// Blind transfer of a call to a number, user or SIP address.
    Transfer { call: String, to: String },
    /// Hold a call and dial a colleague (consultation).
    Consult {
        call: String,
        to: String,
        #[serde(default)]
        account: Option<String>,
    },
    /// Transfer the held caller to the consulted colleague (attended transfer).
    CompleteTransfer,
    /// Hang up the colleague; the caller stays on hold.
    CancelConsult,
    /// Merge the answered and held calls into a conference.
    Merge,
    /// Let a conference party hear the others (`on: true`) or not (mute-listen).
    Listen {
        /// The party's call.
        call: String,
        /// Whether it hears.
        on: bool,
    },
    /// Start (`on: true`) or stop recording a call.
    Record {
        /// The call.
        call: String,
        /// Recording.
        on: bool,
    },
    /// Pause (`on: true`) or resume a call's recording.
    PauseRecording {
        /// The call.
        call: String,
        /// Paused.
        on: bool,
    },
    /// Mute (`on: true`) or unmute the microphone.
    Mute {
        /// Muted.
        on: bool,
    },
    /// Hold every party of the conference.
    HoldConference,
    /// Resume the conference held as a whole.
    ResumeConference,
    /// Split the conference into separate held calls.
    Split,
    /// Hang up one party of the conference.
    RemoveParty { call: String },
    /// Leave the conference (two parties left are put through to each other).
    LeaveConference,
    /// Accept the transfer the other side asked for.
    AcceptTransfer { call: String },
    /// Refuse the transfer the other side asked for.
    RefuseTransfer { call: String },
    /// Send DTMF digits as SIP INFO.
    Dtmf { call: String, digits: String },
    /// Put a call on hold.
    Hold { call: String },
    /// Take a call off hold.
    Resume { call: String },
    /// Answer a ringing incoming call.
    Answer { call: String },
    /// Refuse a ringing incoming call: `"busy"` (486, the default) or `"decline"` (603).
    Reject {
        call: String,
        #[serde(default)]
        reason: Option<String>,
    },
    /// Unregister everything and exit.
    Quit,
}

fn emit(value: &serde_json::Value) {
    crate::say(value);
}

fn event(e: &PhoneEvent) {
    match serde_json::to_value(e) {
        Ok(v) => emit(&v),
        Err(err) => {
            emit(&json!({"event": "error", "code": "internal", "message": err.to_string()}))
        }
    }
}

/// Starts the CTI API; says where, and the token when it was generated here.
async fn serve_cti(args: &AgentArgs, handle: &Handle, listen: SocketAddr) -> Result<Cti, Error> {
    let invalid = |reason: String| Error::InvalidField {
        field: "cti_listen",
        reason,
    };
    let (token, generated) = match &args.cti_token {
        Some(token) => (token.clone(), false),
        None => (generate_token().map_err(|e| invalid(e.to_string()))?, true),
    };
    let config = CtiConfig {
        listen,
        token: token.clone(),
        origins: args.cti_origin.clone(),
        rate: RateLimit::default(),
    };
    let cti = Cti::start(handle.clone(), config)
        .await
        .map_err(|e| invalid(e.to_string()))?;
    let mut started = json!({"event": "cti", "listen": cti.local_addr().to_string()});
    if generated {
        started["token"] = json!(token);
    }
    emit(&started);
    Ok(cti)
}

fn bad(code: &str, message: impl std::fmt::Display) {
    emit(&json!({"event": "error", "code": code, "message": message.to_string()}));
}

impl AgentArgs {
    fn accounts(&self) -> Result<(Option<SocketAddr>, BTreeMap<String, AccountConfig>), String> {
        let mut bind = self.bind;
        let mut accounts = BTreeMap::new();
        if let Some(path) = &self.config {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let file: ConfigFile =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            bind = bind.or(file.bind);
            accounts = file.accounts;
        }
        if let Some(registrar) = &self.registrar {
            let user = self.user.clone().ok_or("--registrar needs --user")?;
            let transport = match self.transport.as_str() {
                "udp" => Transport::Udp,
                "tcp" => Transport::Tcp,
                "tls" => Transport::Tls,
                other => return Err(format!("unknown transport {other:?} (udp, tcp or tls)")),
            };
            accounts.insert(
                "main".into(),
                AccountConfig {
                    registrar: registrar.clone(),
                    user,
                    auth_user: self.auth_user.clone(),
                    password: self.password.clone().unwrap_or_default(),
                    display_name: None,
                    transport,
                    expires: self.expires,
                    outbound_proxy: self.outbound_proxy.clone(),
                    tls_ca: self.tls_ca.clone(),
                },
            );
        }
        Ok((bind, accounts))
    }
}

/// Runs the agent until `quit` or the end of stdin, with the contacts of the database at
/// `db` for the screen pop.
pub async fn run(args: &AgentArgs, db: &std::path::Path) -> Result<(), Error> {
    let (bind, accounts) = match args.accounts() {
        Ok(found) => found,
        Err(message) => return Err(Error::Sip(switchboard_runtime::SipError::Account(message))),
    };
    let bind = bind.unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
    let handle = Handle::open(db, switchboard_runtime::OpenOptions::default()).await?;
    let devices = DeviceChoice {
        microphone: args.mic.clone(),
        speaker: args.speaker.clone(),
        ringer: args.ringer.clone(),
    };
    let headset = (args.devices || devices != DeviceChoice::default()).then(|| HeadsetConfig {
        devices,
        // The network tones of the dial plan's country.
        plan: TonePlan::for_country(handle.settings().dial_plan.country.code()),
        ringtone: args.ringtone.clone(),
        echo_cancellation: !args.no_echo_cancellation,
        noise_suppression: !args.no_noise_suppression,
    });
    let options = PhoneOptions {
        max_calls: args.max_calls,
        ring_timeout: std::time::Duration::from_secs(args.ring_timeout),
        mic_wav: args.mic_wav.clone(),
        speaker_wav: args.speaker_wav.clone(),
        silence_timeout: std::time::Duration::from_secs(args.silence_timeout),
        headset,
        recording: RecordingOptions {
            folder: args.record_folder.clone(),
            automatic: args.record_all,
        },
        codecs: args.codecs.clone(),
        ..PhoneOptions::default()
    };
    let mut events = handle.start_phone(bind, options).await?;
    let phone = handle.phone()?;
    emit(&json!({"event": "started", "sip": phone.local_addr().to_string()}));
    let cti = match args.cti_listen {
        Some(listen) => Some(serve_cti(args, &handle, listen).await?),
        None => None,
    };
    for (id, account) in accounts {
        if let Err(e) = phone.add_account(&id, account).await {
            bad(e.code(), e);
        }
    }
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    loop {
        tokio::select! {
            Some(e) = events.recv() => event(&e),
            line = lines.next_line() => {
                let Ok(Some(line)) = line else { break };
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Command>(&line) {
                    Ok(Command::Quit) => break,
                    Ok(Command::Register { account, config }) => {
                        if let Err(e) = phone.add_account(&account, config).await {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Unregister { account }) => {
                        if !phone.remove_account(&account).await {
                            bad("no_such_account", format!("no account {account:?}"));
                        }
                    }
                    Ok(Command::Dial { account, to }) => {
                        let account = account.unwrap_or_else(|| "main".to_owned());
                        if let Err(e) = phone.dial(&account, &to) {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Hangup { call }) => {
                        if let Err(e) = phone.hangup(&call) {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Transfer { call, to }) => {
                        if let Err(e) = phone.transfer(&call, &to) {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Consult { call, to, account }) => {
                        let account = account.unwrap_or_else(|| "main".to_owned());
                        if let Err(e) = phone.consult(&call, &account, &to) {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::CompleteTransfer) => {
                        if let Err(e) = phone.complete_transfer() {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::CancelConsult) => {
                        if let Err(e) = phone.cancel_consult() {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Merge) => {
                        if let Err(e) = phone.merge() {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Mute { on }) => phone.set_muted(on),
                    Ok(Command::Record { call, on }) => {
                        if let Err(e) = phone.record(&call, on) {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::PauseRecording { call, on }) => {
                        if let Err(e) = phone.pause_recording(&call, on) {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Listen { call, on }) => {
                        if let Err(e) = phone.set_listens(&call, on) {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::HoldConference) => {
                        if let Err(e) = phone.hold_conference() {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::ResumeConference) => {
                        if let Err(e) = phone.resume_conference() {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Split) => {
                        if let Err(e) = phone.split() {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::RemoveParty { call }) => {
                        if let Err(e) = phone.remove_party(&call) {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::LeaveConference) => {
                        if let Err(e) = phone.leave_conference() {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::AcceptTransfer { call }) => {
                        if let Err(e) = phone.accept_transfer(&call).await {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::RefuseTransfer { call }) => {
                        if let Err(e) = phone.refuse_transfer(&call).await {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Dtmf { call, digits }) => {
                        if let Err(e) = phone.dtmf(&call, &digits) {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Hold { call }) => {
                        if let Err(e) = phone.hold(&call) {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Resume { call }) => {
                        if let Err(e) = phone.resume(&call) {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Answer { call }) => {
                        if let Err(e) = phone.answer(&call) {
                            bad(e.code(), e);
                        }
                    }
                    Ok(Command::Reject { call, reason }) => {
                        let how = match reason.as_deref() {
                            None | Some("busy") => Some(Refusal::Busy),
                            Some("decline") => Some(Refusal::Decline),
                            Some(_) => None,
                        };
                        match how {
                            Some(how) => {
                                if let Err(e) = phone.reject(&call, how) {
                                    bad(e.code(), e);
                                }
                            }
                            None => bad("bad_command", "reason must be \"busy\" or \"decline\""),
                        }
                    }
                    Err(e) => bad("bad_command", e),
                }
            }
        }
    }
    if let Some(cti) = cti {
        cti.stop().await;
    }
    handle.stop_phone().await?;
    while let Ok(e) = events.try_recv() {
        event(&e);
    }
    handle.close().await;
    emit(&json!({"event": "stopped"}));
    Ok(())
}
