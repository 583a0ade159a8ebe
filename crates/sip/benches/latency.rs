//! Call set-up latency of the engine, printed as a table (`cargo bench -p switchboard-sip
//! --bench latency [-- CALLS]`, 1,000 calls by default):
//! - dial command -> INVITE on the wire (goal p99 < 20 ms),
//! - INVITE at the socket -> incoming-call event (goal p99 < 5 ms).
//!
//! First the far end is a UDP socket of this program speaking just enough SIP (so both ends
//! of each measure are read on one clock): it answers our INVITEs 486 (and ACKs nothing: the
//! engine's own transaction absorbs that), and sends INVITEs that the engine rejects. Then
//! SIPp plays both roles (`bench_uas.xml`, `bench_uac.xml`): dial to its 180 coming back as
//! the ringing event, and its INVITE to our 180 as SIPp times it (whole milliseconds).

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use switchboard_e2e::sipp::Sipp;
use switchboard_sip::{AccountConfig, CallState, Engine, Refusal, SipEvent, Transport};

fn header<'a>(message: &'a str, name: &str) -> &'a str {
    message
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
        .unwrap_or_default()
}

/// A 486 for `invite`, so that every call of the bench ends.
fn busy(invite: &str) -> String {
    let vias: Vec<&str> = invite
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("via:"))
        .collect();
    format!(
        "SIP/2.0 486 Busy Here\r\n{}\r\nFrom: {}\r\nTo: {};tag=bench\r\nCall-ID: {}\r\nCSeq: {}\r\nContent-Length: 0\r\n\r\n",
        vias.join("\r\n"),
        header(invite, "From"),
        header(invite, "To"),
        header(invite, "Call-ID"),
        header(invite, "CSeq"),
    )
}

fn invite(port: u16, to: std::net::SocketAddr, n: u32) -> String {
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";
    format!(
        "INVITE sip:agent@{to} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKbench{n}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:+33123456789@127.0.0.1>;tag=b{n}\r\nTo: <sip:agent@{to}>\r\n\
         Call-ID: bench-{n}@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:bench@127.0.0.1:{port}>\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    )
}

/// The response times of SIPp's `-trace_rtt` file (`date_ms;date_sec;rtd1;...`: the rtd
/// columns in milliseconds).
fn rtts(csv: &str) -> Vec<Duration> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(';').collect();
    let column = header
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case("rtd1"))
        .unwrap_or(2);
    lines
        .filter_map(|l| l.split(';').nth(column)?.trim().parse::<f64>().ok())
        .map(|ms| Duration::from_secs_f64(ms / 1e3))
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let calls: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let far = UdpSocket::bind("127.0.0.1:0").expect("far end");
        far.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let far_addr = far.local_addr().expect("address");
        let (engine, mut events) = Engine::start("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("engine");
        // The account only names the far end as its domain; it is never registered.
        let registrar = engine
            .register(
                "bench",
                AccountConfig {
                    registrar: format!("sip:{far_addr}"),
                    user: "1001".into(),
                    auth_user: None,
                    password: String::new(),
                    display_name: None,
                    transport: Transport::Udp,
                    expires: 600,
                    outbound_proxy: None,
                    tls_ca: None,
                },
            )
            .expect("account");
        let mut buf = vec![0u8; 65_535];
        let mut next_invite = |far: &UdpSocket| loop {
            let (n, from) = far.recv_from(&mut buf).expect("a datagram from the engine");
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if text.starts_with("REGISTER") {
                continue;
            }
            if text.starts_with("INVITE") {
                return (text, from);
            }
        };

        let mut dial = Vec::with_capacity(calls as usize);
        for _ in 0..calls {
            let start = Instant::now();
            engine.dial("bench", "2004").expect("dial");
            let (text, from) = next_invite(&far);
            dial.push(start.elapsed());
            far.send_to(busy(&text).as_bytes(), from).expect("486");
        }

        let port = far_addr.port();
        let to = engine.local_addr();
        let mut ring = Vec::with_capacity(calls as usize);
        for n in 0..calls {
            let start = Instant::now();
            far.send_to(invite(port, to, n).as_bytes(), to)
                .expect("INVITE");
            let call = loop {
                match events.recv().await.expect("engine running") {
                    SipEvent::Call {
                        call,
                        state: CallState::Incoming { .. },
                    } => break call,
                    _ => continue,
                }
            };
            ring.push(start.elapsed());
            engine.reject(&call, Refusal::Busy).expect("reject");
        }

        // The same two paths with SIPp as the far end.
        let dir = tempfile::tempdir().expect("tempdir");
        let uas = Sipp::start_calls(
            dir.path(),
            "bench_uas",
            include_str!("bench_uas.xml"),
            calls,
            &[],
            &[],
        );
        let mut sipp_dial = Vec::with_capacity(calls as usize);
        for _ in 0..calls {
            let start = Instant::now();
            let call = engine
                .dial("bench", &format!("sip:uas@{}", uas.addr))
                .expect("dial");
            loop {
                if let SipEvent::Call { call: c, state } = events.recv().await.expect("engine") {
                    match state {
                        CallState::Ringing if c == call => sipp_dial.push(start.elapsed()),
                        CallState::Ended { .. } if c == call => break,
                        _ => {}
                    }
                }
            }
        }
        let mut uas = uas;
        tokio::task::spawn_blocking(move || uas.finish(Duration::from_secs(30)))
            .await
            .expect("wait")
            .expect("the SIPp UAS scenario");

        let target = engine.local_addr().to_string();
        let mut uac = Sipp::start_calls(
            dir.path(),
            "bench_uac",
            include_str!("bench_uac.xml"),
            calls,
            &["-trace_rtt", "-rtt_freq", "1"],
            &[&target, "-r", "200", "-l", "20"],
        );
        let mut refused = 0;
        while refused < calls {
            if let SipEvent::Call {
                call,
                state: CallState::Incoming { .. },
            } = events.recv().await.expect("engine")
            {
                engine.reject(&call, Refusal::Busy).expect("reject");
                refused += 1;
            }
        }
        let report = tokio::task::spawn_blocking(move || {
            uac.finish(Duration::from_secs(60)).map(|()| uac)
        })
        .await
        .expect("wait")
        .expect("the SIPp UAC scenario");
        let mut sipp_ring = rtts(&report.output("_rtt.csv").expect("SIPp's rtt file"));
        drop(registrar);
        engine.shutdown();
        sipp_dial.sort();
        sipp_ring.sort();

        dial.sort();
        ring.sort();
        println!();
        println!("| benchmark ({calls} calls) | p50 | p99 | max | goal p99 |");
        println!("|---|---|---|---|---|");
        println!(
            "| dial -> INVITE on the wire | {} | {} | {} | < 20 ms |",
            ms(percentile(&dial, 0.5)),
            ms(percentile(&dial, 0.99)),
            ms(dial[dial.len() - 1])
        );
        println!(
            "| INVITE at the socket -> incoming event | {} | {} | {} | < 5 ms |",
            ms(percentile(&ring, 0.5)),
            ms(percentile(&ring, 0.99)),
            ms(ring[ring.len() - 1])
        );
        println!(
            "| SIPp UAS: dial -> its 180 back as the ringing event (a round trip) | {} | {} | {} | < 20 ms |",
            ms(percentile(&sipp_dial, 0.5)),
            ms(percentile(&sipp_dial, 0.99)),
            ms(sipp_dial[sipp_dial.len() - 1])
        );
        println!(
            "| SIPp UAC: its INVITE -> our 180 at SIPp ({} timed; SIPp counts whole ms) | {} | {} | {} | < 5 ms |",
            sipp_ring.len(),
            ms(percentile(&sipp_ring, 0.5)),
            ms(percentile(&sipp_ring, 0.99)),
            ms(sipp_ring[sipp_ring.len() - 1])
        );
    });
}
