//! Raw datagrams at the engine's SIP port: malformed input never stops it, a malformed request
//! gets 400 naming its problem, an unknown method 501, a method it does not serve 405 and a
//! request for an unknown dialog 481 (RFC 3261 §8.2.1, §8.2.2, §12.2.2, §21.4.1).

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use switchboard_sip::Engine;

/// A request whose Via names `port`, where the answer must come back (RFC 3261 §18.2.2).
fn request(port: u16, method: &str, to_tag: Option<&str>, n: u32) -> String {
    let tag = to_tag.map(|t| format!(";tag={t}")).unwrap_or_default();
    format!(
        "{method} sip:agent@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKhostile{n}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:probe@127.0.0.1>;tag=probe{n}\r\n\
         To: <sip:agent@127.0.0.1>{tag}\r\n\
         Call-ID: hostile-{n}@127.0.0.1\r\n\
         CSeq: 1 {method}\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// Sends `text` and returns the status line of the answer.
fn ask(socket: &UdpSocket, to: SocketAddr, text: &str) -> String {
    answer(socket, to, text)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Sends `text` and returns the whole answer.
fn answer(socket: &UdpSocket, to: SocketAddr, text: &str) -> String {
    socket.send_to(text.as_bytes(), to).expect("send");
    let mut buf = [0u8; 65_535];
    let (n, _) = socket.recv_from(&mut buf).expect("an answer in time");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_and_unexpected_requests() {
    let (engine, _events) = Engine::start("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("engine");
    let to = engine.local_addr();
    let socket = UdpSocket::bind("127.0.0.1:0").expect("socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let port = socket.local_addr().expect("address").port();

    assert_eq!(
        ask(&socket, to, &request(port, "OPTIONS", None, 1)),
        "SIP/2.0 200 OK"
    );
    let long_header = format!(
        "OPTIONS sip:a@b SIP/2.0\r\nX-Long: {}\r\n\r\n",
        "a".repeat(60_000)
    );
    let garbage: Vec<Vec<u8>> = vec![
        b"\x00\xff\xfe garbage".to_vec(),
        b"INVITE sip:x SIP/2.0\r\n\r\n".to_vec(),
        b"SIP/2.0 200 OK\r\n\r\n".to_vec(),
        b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\nContent-Length: 99999\r\n\r\nshort".to_vec(),
        b"OPTIONS sip:a@b SIP/2.0\r\nFrom: \xc3\x28\r\n\r\n".to_vec(),
        long_header.into_bytes(),
        Vec::new(),
    ];
    for (i, bytes) in garbage.iter().enumerate() {
        socket.send_to(bytes, to).expect("send garbage");
        // Still alive and answering after each one.
        let n = 100 + u32::try_from(i).expect("small");
        assert_eq!(
            ask(&socket, to, &request(port, "OPTIONS", None, n)),
            "SIP/2.0 200 OK",
            "after #{i}"
        );
    }
    // A keep-alive ping gets its pong (RFC 5626 §4.4.1).
    socket.send_to(b"\r\n\r\n", to).expect("ping");
    let mut pong = [0u8; 16];
    let (n, _) = socket.recv_from(&mut pong).expect("a pong in time");
    assert_eq!(&pong[..n], b"\r\n");
    // A method we know but do not serve, then one nobody here knows: both list what we serve.
    let refused = answer(&socket, to, &request(port, "MESSAGE", None, 2));
    assert!(refused.starts_with("SIP/2.0 405"), "{refused}");
    assert!(refused.contains("\r\nAllow: INVITE, ACK,"), "{refused}");
    let unknown = answer(&socket, to, &request(port, "FROBNICATE", None, 6));
    assert!(
        unknown.starts_with("SIP/2.0 501 Not Implemented\r\n"),
        "{unknown}"
    );
    assert!(unknown.contains("\r\nAllow: INVITE, ACK,"), "{unknown}");
    assert!(
        unknown.contains("\r\nCall-ID: hostile-6@127.0.0.1\r\n"),
        "{unknown}"
    );
    assert!(unknown.contains("\r\nCSeq: 1 FROBNICATE\r\n"), "{unknown}");
    // Malformed requests: each answered with what is wrong, the sender's fields copied.
    let good = request(port, "OPTIONS", None, 7);
    let broken = [
        (
            good.replace("Call-ID: hostile-7@127.0.0.1\r\n", ""),
            "SIP/2.0 400 Missing Call-ID Header Field",
        ),
        (
            good.replace("CSeq: 1 OPTIONS", "CSeq: one OPTIONS"),
            "SIP/2.0 400 Bad CSeq Header Field",
        ),
        (
            good.replace("Content-Length: 0", "Content-Length: 99"),
            "SIP/2.0 400 Body Shorter Than Content-Length",
        ),
        (
            good.replace(
                "OPTIONS sip:agent@127.0.0.1 SIP/2.0",
                "OPTIONS sip:agent@127.0.0.1 SIP/3.0",
            ),
            "SIP/2.0 505 Version Not Supported",
        ),
    ];
    for (text, status) in &broken {
        let got = answer(&socket, to, text);
        assert!(got.starts_with(&format!("{status}\r\n")), "{status}: {got}");
        assert!(got.contains("branch=z9hG4bKhostile7\r\n"), "{got}");
    }
    // A malformed ACK is never answered: the next answer is the OPTIONS'.
    let ack = request(port, "ACK", None, 8).replace("Call-ID: hostile-8@127.0.0.1\r\n", "");
    socket.send_to(ack.as_bytes(), to).expect("send ACK");
    assert_eq!(
        ask(&socket, to, &request(port, "OPTIONS", None, 9)),
        "SIP/2.0 200 OK"
    );
    assert!(ask(&socket, to, &request(port, "BYE", Some("gone"), 3)).starts_with("SIP/2.0 481"));
    assert!(ask(&socket, to, &request(port, "INFO", Some("gone"), 4)).starts_with("SIP/2.0 481"));
    assert!(ask(&socket, to, &request(port, "INVITE", Some("gone"), 5)).starts_with("SIP/2.0 481"));
    engine.shutdown();
}
