//! The real app under Xvfb, driven through WebDriver (tauri-driver + WebKitWebDriver):
//! search a demo contact, click its number, read the dial string in the status line.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};

/// Children started by the test, stopped by PID (process group) when it ends, pass or fail.
struct Started(Vec<Child>);

impl Drop for Started {
    fn drop(&mut self) {
        for child in self.0.iter_mut().rev() {
            let pid = child.id().to_string();
            // The whole group: tauri-driver's WebKitWebDriver and the app die with it.
            let _ = Command::new("kill")
                .args(["--", &format!("-{pid}")])
                .status();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn free_display() -> u32 {
    (90..200)
        .find(|n| {
            !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        })
        .expect("a free X display number")
}

fn tool(name: &str) -> PathBuf {
    let cargo_bin = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cargo/bin").join(name))
        .filter(|p| p.exists());
    cargo_bin.unwrap_or_else(|| PathBuf::from(name))
}

/// Waits until `condition` holds, checking every 50 ms, or panics after `limit`.
fn wait_until(what: &str, limit: Duration, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn search_a_contact_and_read_the_dial_string() {
    let dir = tempfile::tempdir().expect("tempdir");
    let display = free_display();
    let mut started = Started(Vec::new());
    started.0.push(
        Command::new("Xvfb")
            .args([
                &format!(":{display}"),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("Xvfb (apt-get install xvfb)"),
    );
    wait_until("Xvfb", Duration::from_secs(20), || {
        Path::new(&format!("/tmp/.X11-unix/X{display}")).exists()
    });

    let port = free_port();
    let native = free_port();
    let log = std::fs::File::create(dir.path().join("tauri-driver.log")).expect("log");
    started.0.push(
        Command::new(tool("tauri-driver"))
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("DISPLAY", format!(":{display}"))
            .env("SWITCHBOARD_DB", dir.path().join("contacts.db"))
            .env("LANG", "en_GB.UTF-8")
            .env("LC_ALL", "en_GB.UTF-8")
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("tauri-driver (cargo install tauri-driver --version 2.1.0 --locked)"),
    );
    wait_until("tauri-driver", Duration::from_secs(30), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });

    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": env!("CARGO_BIN_EXE_switchboard") }),
    );
    let client = ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session with the app");
    let wait = Duration::from_secs(60);

    assert_eq!(client.title().await.expect("title"), "Switchboard");
    let search = client
        .wait()
        .at_most(wait)
        .for_element(Locator::Css("[data-testid=search]"))
        .await
        .expect("search box");
    search.send_keys("Claire Duval").await.expect("type");
    let result = client
        .wait()
        .at_most(wait)
        .for_element(Locator::XPath(
            "//ul[@data-testid='results']//button[contains(., 'Claire Duval')]",
        ))
        .await
        .expect("the demo contact in the results");
    result.click().await.expect("open the card");
    let number = client
        .wait()
        .at_most(wait)
        .for_element(Locator::Css("[data-testid=card] [data-testid=number]"))
        .await
        .expect("a number on the card");
    assert_eq!(number.text().await.expect("text"), "+33 1 99 00 99 99");
    number.click().await.expect("click the number");
    let status = client
        .wait()
        .at_most(wait)
        .for_element(Locator::XPath(
            "//footer[@data-testid='status'][contains(., '+33199009999')]",
        ))
        .await
        .expect("the dial string in the status line");
    assert_eq!(
        status.text().await.expect("status").trim(),
        "Dial string for +33 1 99 00 99 99: +33199009999"
    );
    client.close().await.expect("close the session");
    drop(started);
}
