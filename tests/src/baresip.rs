//! A baresip user agent registered at the test kamailio, driven through its ctrl_tcp port
//! (netstring-framed JSON: commands in, responses and events out).

use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::kamailio::Kamailio;
use crate::{free_port, Started};

/// How a baresip answers calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Answers by itself (no CALL_INCOMING event then).
    Auto,
    /// Waits for `accept`.
    Manual,
}

/// A running baresip and its control connection.
#[derive(Debug)]
pub struct Baresip {
    /// The SIP user.
    pub user: String,
    /// Its configuration folder, where it also records what it hears.
    pub dir: PathBuf,
    stream: TcpStream,
    messages: Receiver<Value>,
    /// Events received and not yet waited for.
    pending: Vec<Value>,
    token: u64,
}

/// Two consecutive ports free on 127.0.0.1 for UDP and TCP (baresip listens on both, and
/// for TLS on the second).
fn free_pair() -> u16 {
    for _ in 0..100 {
        let a = UdpSocket::bind("127.0.0.1:0").expect("UDP port");
        let port = a.local_addr().expect("address").port();
        let free = |p: u16| {
            UdpSocket::bind(("127.0.0.1", p)).is_ok() && TcpListener::bind(("127.0.0.1", p)).is_ok()
        };
        drop(a);
        if port < 65000 && free(port) && free(port + 1) {
            return port;
        }
    }
    panic!("no two consecutive free ports");
}

/// Reads netstrings (`LEN:JSON,`) and forwards each message.
fn read_messages(stream: TcpStream, out: std::sync::mpsc::Sender<Value>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut len = String::new();
        let mut byte = [0u8; 1];
        loop {
            if reader.read_exact(&mut byte).is_err() {
                return;
            }
            match byte[0] {
                b':' => break,
                b if b.is_ascii_digit() => len.push(b as char),
                _ => {}
            }
        }
        let Ok(n) = len.parse::<usize>() else { return };
        let mut body = vec![0u8; n + 1];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        body.pop();
        if let Ok(value) = serde_json::from_slice::<Value>(&body) {
            if out.send(value).is_err() {
                return;
            }
        }
    }
}

impl Baresip {
    /// Starts baresip for `user` with G.711 mu-law only, and waits until kamailio has its
    /// registration.
    pub fn start(
        started: &mut Started,
        dir: &Path,
        kamailio: &Kamailio,
        user: &str,
        password: &str,
        answer: Answer,
    ) -> Self {
        Self::start_with_codecs(started, dir, kamailio, (user, password), answer, "PCMU")
    }

    /// Starts baresip for `user` offering and accepting `codecs` only (baresip's names:
    /// `PCMU`, `G722`, `opus`...).
    pub fn start_with_codecs(
        started: &mut Started,
        dir: &Path,
        kamailio: &Kamailio,
        (user, password): (&str, &str),
        answer: Answer,
        codecs: &str,
    ) -> Self {
        // Ports are chosen free but can be taken by a parallel test before baresip binds
        // them; a baresip that exits at once is started again on other ports.
        let mut ctrl = 0;
        for attempt in 1..=3 {
            let conf = dir.join(format!("baresip-{user}"));
            std::fs::create_dir_all(&conf).expect("baresip dir");
            let sip = free_pair();
            ctrl = free_port();
            let rtp = 20_000 + (sip % 400) * 100;
            let config = format!(
                "poll_method epoll\n\
                 sip_listen 127.0.0.1:{sip}\n\
                 call_local_timeout 120\n\
                 call_max_calls 4\n\
                 audio_path /usr/share/baresip\n\
                 audio_source ausine,440\n\
                 ausrc_srate 48000\n\
                 ausrc_channels 2\n\
                 audio_player aubridge,null-{user}-{sip}\n\
                 audio_alert aubridge,null-{user}-{sip}\n\
                 audio_level no\n\
                 rtp_ports {rtp}-{}\n\
                 rtcp_mux no\n\
                 net_interface 127.0.0.1\n\
                 ctrl_tcp_listen 127.0.0.1:{ctrl}\n\
                 module_path /usr/lib/baresip/modules\n\
                 module g711.so\n\
                 module g722.so\n\
                 module opus.so\n\
                 module ausine.so\n\
                 module aubridge.so\n\
                 module sndfile.so\n\
                 snd_path {}\n\
                 module_tmp account.so\n\
                 module_app menu.so\n\
                 module_app ctrl_tcp.so\n",
                rtp + 99,
                conf.display()
            );
            std::fs::write(conf.join("config"), config).expect("config");
            let mode = match answer {
                Answer::Auto => "auto",
                Answer::Manual => "manual",
            };
            std::fs::write(
                conf.join("accounts"),
                format!(
                    "<sip:{user}@{};transport=udp>;auth_user={user};auth_pass={password};\
                     answermode={mode};audio_codecs={codecs};regint=600\n",
                    kamailio.hostport()
                ),
            )
            .expect("accounts");
            let log = std::fs::File::create(conf.join("baresip.log")).expect("log");
            let pid = started
                .spawn(
                    "baresip (apt-get install baresip-core)",
                    Command::new("baresip")
                        .arg("-4")
                        .arg("-f")
                        .arg(&conf)
                        .stdin(Stdio::null())
                        .stdout(log.try_clone().expect("log"))
                        .stderr(log),
                )
                .last_pid();
            // Started means listening for commands and registered at kamailio; one that
            // does neither in time (its SIP port taken meanwhile) is stopped and replaced.
            let ready = started.wait_for_port_or_exit(ctrl, Duration::from_secs(20))
                && kamailio.registers_within(user, Duration::from_secs(20));
            if ready {
                break;
            }
            if let Some(pid) = pid {
                started.stop(pid);
            }
            assert!(
                attempt < 3,
                "baresip {user} did not start and register: {}\nkamailio: {}",
                std::fs::read_to_string(conf.join("baresip.log")).unwrap_or_default(),
                kamailio.log()
            );
        }
        let stream = TcpStream::connect(("127.0.0.1", ctrl)).expect("control connection");
        let (tx, messages) = channel();
        let reader = stream.try_clone().expect("clone");
        std::thread::spawn(move || read_messages(reader, tx));
        Self {
            user: user.to_owned(),
            dir: dir.join(format!("baresip-{user}")),
            stream,
            messages,
            pending: Vec::new(),
            token: 0,
        }
    }

    /// The last `lines` lines of its log, for failure messages.
    fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(self.dir.join("baresip.log")).unwrap_or_default();
        crate::last_lines(&log, lines)
    }

    /// The recordings of what it heard in its calls (`dump-*-dec.wav`, by sndfile).
    pub fn recordings(&self) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        let name = p.file_name().unwrap_or_default().to_string_lossy();
                        name.starts_with("dump-") && name.ends_with("-dec.wav")
                    })
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found
    }

    /// Sends a command (`dial`, `accept`, `hangup`, `hold`, ...) and returns the response's
    /// data text.
    pub fn command(&mut self, command: &str, params: &str) -> String {
        self.token += 1;
        let token = self.token.to_string();
        let body = json!({"command": command, "params": params, "token": token}).to_string();
        write!(self.stream, "{}:{body},", body.len()).expect("send command");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(m) if m["response"] == true && m["token"] == token.as_str() => {
                    assert!(m["ok"] == true, "baresip {command} {params}: {m}");
                    return m["data"].as_str().unwrap_or_default().to_owned();
                }
                Ok(m) if m["event"] == true => self.pending.push(m),
                Ok(_) => {}
                Err(_) => panic!("baresip {}: no response to {command}", self.user),
            }
        }
    }

    /// Waits for an event of `kind` (`CALL_ESTABLISHED`, `CALL_CLOSED`, ...) and returns it.
    pub fn wait_event(&mut self, kind: &str, limit: Duration) -> Value {
        if let Some(i) = self.pending.iter().position(|e| e["type"] == kind) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(m) if m["event"] == true && m["type"] == kind => return m,
                Ok(m) if m["event"] == true => self.pending.push(m),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => panic!(
                    "baresip {}: no {kind} within {limit:?}; saw {:?}\nits log ends:\n{}",
                    self.user,
                    self.pending.iter().map(|e| &e["type"]).collect::<Vec<_>>(),
                    self.log_tail(40)
                ),
                Err(RecvTimeoutError::Disconnected) => panic!("baresip {} exited", self.user),
            }
        }
    }
}
