//! A kamailio registrar and proxy on a free loopback port, with digest users from a db_text
//! directory, for the real-peer tests.

use std::fmt::Write as _;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{poll_until, wait_until, Started};

/// A running kamailio.
#[derive(Debug)]
pub struct Kamailio {
    /// Its address: `127.0.0.1`.
    pub host: String,
    /// Its UDP and TCP port.
    pub port: u16,
    /// Its TLS port, when started with TLS.
    pub tls_port: Option<u16>,
    rundir: PathBuf,
    pid: u32,
}

/// kamailio in the foreground on `rundir`'s config, logging to `rundir/kamailio.log`
/// (appended, so a restart keeps the first run's lines).
fn command(rundir: &Path) -> Command {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(rundir.join("kamailio.log"))
        .expect("log");
    let mut command = Command::new("kamailio");
    command
        .arg("-f")
        .arg(rundir.join("kamailio.cfg"))
        .args(["-DD", "-E", "-m", "64", "-M", "8", "-Y"])
        .arg(rundir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log);
    command
}

/// A port free on 127.0.0.1 for both UDP and TCP.
fn free_sip_port() -> u16 {
    for _ in 0..100 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("a UDP port");
        let port = udp.local_addr().expect("address").port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no port free for both UDP and TCP on 127.0.0.1");
}

/// The TLS listener's lines: a certificate for `host` signed by the test CA (`ca.pem` in
/// `rundir`, for the clients to trust).
fn tls_config(host: &str, tls_port: Option<u16>, rundir: &Path) -> String {
    let Some(tls_port) = tls_port else {
        return String::new();
    };
    let run = rundir.display();
    std::fs::write(
        rundir.join("tls.cfg"),
        format!(
            "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\n\
             require_certificate = no\nprivate_key = {run}/server.key\n\
             certificate = {run}/server.pem\n\n[client:default]\nverify_certificate = no\n\
             require_certificate = no\n"
        ),
    )
    .expect("tls.cfg");
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .current_dir(rundir)
            .args(args)
            .output()
            .expect("openssl (apt-get install openssl)");
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
    };
    std::fs::write(
        rundir.join("server.ext"),
        format!(
            "subjectAltName=IP:{host}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
        ),
    )
    .expect("server.ext");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Switchboard test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        &format!("/CN={host}"),
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    format!(
        "enable_tls=yes\nlisten=tls:{host}:{tls_port}\nalias=\"{host}:{tls_port}\"\n\
         loadmodule \"/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so\"\n\
         modparam(\"tls\", \"config\", \"{run}/tls.cfg\")\n"
    )
}

fn config(host: &str, port: u16, tls_port: Option<u16>, rundir: &Path) -> String {
    let run = rundir.display();
    let tls = tls_config(host, tls_port, rundir);
    format!(
        r#"#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=2
tcp_children=2
auto_aliases=no
listen=udp:{host}:{port}
listen=tcp:{host}:{port}
alias="{host}:{port}"
alias="switchboard.test"
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
{tls}

loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "ctl.so"
loadmodule "db_text.so"
loadmodule "auth.so"
loadmodule "auth_db.so"

modparam("ctl", "binrpc", "unix:{run}/ctl")
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "min_expires", 1)
modparam("rr", "enable_full_lr", 1)
modparam("rr", "append_fromtag", 1)
modparam("auth_db", "db_url", "text://{run}/db")
modparam("auth_db", "calculate_ha1", yes)
modparam("auth_db", "password_column", "password")
modparam("auth_db", "load_credentials", "")
modparam("auth_db", "use_domain", 0)

request_route {{
    xlog("L_NOTICE", "REQ $rm $ru from $si:$sp/$proto\n");
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (!sanity_check()) {{ exit; }}
    # Requests inside a dialog follow the recorded route.
    if (has_totag()) {{
        if (loose_route()) {{ route(RELAY); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) {{ route(RELAY); }} exit; }}
        sl_send_reply("404", "Not here");
        exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ route(RELAY); }} exit; }}
    if (!is_method("ACK")) {{
        if (t_precheck_trans()) {{ t_check_trans(); exit; }}
        t_check_trans();
    }}
    remove_hf("Route");
    if (is_method("REGISTER")) {{
        if (!auth_check("$fd", "subscriber", "1")) {{ auth_challenge("$fd", "0"); exit; }}
        consume_credentials();
        if (!save("location")) {{ sl_reply_error(); }}
        exit;
    }}
    if (is_method("ACK")) {{ exit; }}
    # Every new request from a user is authenticated (407 first).
    if (!auth_check("$fd", "subscriber", "1")) {{ auth_challenge("$fd", "0"); exit; }}
    consume_credentials();
    if (is_method("INVITE|SUBSCRIBE|REFER")) {{ record_route(); }}
    if ($rU == $null) {{ sl_send_reply("484", "Address Incomplete"); exit; }}
    if (!lookup("location")) {{ send_reply("404", "Not Found"); exit; }}
    route(RELAY);
}}

route[RELAY] {{
    if (!t_relay()) {{ sl_reply_error(); }}
    exit;
}}
"#
    )
}

impl Kamailio {
    /// Starts kamailio with `users` (name, password) and waits until it listens.
    pub fn start(started: &mut Started, dir: &Path, users: &[(&str, &str)]) -> Self {
        Self::start_with(started, dir, users, false)
    }

    /// Like [`Kamailio::start`], with a TLS listener too (its CA is [`Kamailio::tls_ca`]).
    pub fn start_with_tls(started: &mut Started, dir: &Path, users: &[(&str, &str)]) -> Self {
        Self::start_with(started, dir, users, true)
    }

    /// The PEM file of the CA that signed the TLS listener's certificate.
    pub fn tls_ca(&self) -> PathBuf {
        self.rundir.join("ca.pem")
    }

    fn start_with(started: &mut Started, dir: &Path, users: &[(&str, &str)], tls: bool) -> Self {
        let host = "127.0.0.1".to_owned();
        let rundir = dir.join("kamailio");
        // A port chosen free may be taken by a parallel test before kamailio binds it: a
        // kamailio that exits at once is started again on another port.
        let mut port = 0;
        let mut tls_port = None;
        for attempt in 1..=3 {
            port = free_sip_port();
            tls_port = tls.then(free_sip_port);
            let db = rundir.join("db");
            std::fs::create_dir_all(&db).expect("kamailio dirs");
            let mut subscribers =
                "id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null) \n"
                    .to_owned();
            for (i, (user, password)) in users.iter().enumerate() {
                let _ = writeln!(subscribers, "{}:{user}:{host}:{password}::", i + 1);
            }
            std::fs::write(db.join("subscriber"), subscribers).expect("subscriber table");
            std::fs::write(
                db.join("version"),
                "id(int,auto) table_name(string) table_version(int) \n1:subscriber:7\n",
            )
            .expect("version table");
            let cfg = rundir.join("kamailio.cfg");
            std::fs::write(&cfg, config(&host, port, tls_port, &rundir)).expect("kamailio.cfg");
            started.spawn("kamailio (apt-get install kamailio)", &mut command(&rundir));
            match started.wait_for_port_or_exit(port, Duration::from_secs(20)) {
                true => break,
                false if attempt < 3 => continue,
                false => panic!(
                    "kamailio did not start: {}",
                    std::fs::read_to_string(rundir.join("kamailio.log")).unwrap_or_default()
                ),
            }
        }
        let pid = started.last_pid().expect("kamailio started");
        Self {
            host,
            port,
            tls_port,
            rundir,
            pid,
        }
    }

    /// Stops kamailio (its registrations are lost: they live in memory) and starts it again
    /// on the same address.
    pub fn restart(&mut self, started: &mut Started) {
        started.stop(self.pid);
        started.spawn("kamailio", &mut command(&self.rundir));
        assert!(
            started.wait_for_port_or_exit(self.port, Duration::from_secs(20)),
            "kamailio did not start again: {}",
            self.log()
        );
        self.pid = started.last_pid().expect("kamailio started");
    }

    /// The SIP domain and proxy: `127.0.0.1:PORT`.
    pub fn hostport(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The contacts registered for `user`, as kamailio's location table shows them.
    pub fn contacts(&self, user: &str) -> Vec<String> {
        let out = Command::new("kamcmd")
            .arg("-s")
            .arg(format!("unix:{}/ctl", self.rundir.display()))
            .args(["ul.lookup", "location", &format!("{user}@{}", self.host)])
            .output()
            .expect("kamcmd");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Address:"))
            .map(|a| a.trim().to_owned())
            .collect()
    }

    /// Waits until `user` has (or has no) registered contact.
    pub fn wait_registered(&self, user: &str, registered: bool, limit: Duration) {
        wait_until(
            &format!("{user} registered={registered} at kamailio"),
            limit,
            || self.contacts(user).is_empty() != registered,
        );
    }

    /// Whether `user` registers a contact within `limit`.
    pub fn registers_within(&self, user: &str, limit: Duration) -> bool {
        poll_until(limit, || !self.contacts(user).is_empty())
    }

    /// Kamailio's log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.rundir.join("kamailio.log")).unwrap_or_default()
    }

    /// The last `lines` lines of its log (each request it received is one).
    pub fn log_tail(&self, lines: usize) -> String {
        crate::last_lines(&self.log(), lines)
    }
}
