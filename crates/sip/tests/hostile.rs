//! Raw datagrams at the engine's SIP port: malformed input never stops it, methods it does
//! not serve get 405 and requests for unknown dialogs 481 (RFC 3261 §8.2.1, §12.2.2).

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
    socket.send_to(text.as_bytes(), to).expect("send");
    let mut buf = [0u8; 65_535];
    let (n, _) = socket.recv_from(&mut buf).expect("an answer in time");
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
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
    // A method we know but do not serve. (An unknown extension method cannot be parsed by
    // the stack and is dropped unanswered: see the README's limits.)
    assert!(ask(&socket, to, &request(port, "MESSAGE", None, 2)).starts_with("SIP/2.0 405"));
    assert!(ask(&socket, to, &request(port, "BYE", Some("gone"), 3)).starts_with("SIP/2.0 481"));
    assert!(ask(&socket, to, &request(port, "INFO", Some("gone"), 4)).starts_with("SIP/2.0 481"));
    assert!(ask(&socket, to, &request(port, "INVITE", Some("gone"), 5)).starts_with("SIP/2.0 481"));
    engine.shutdown();
}
