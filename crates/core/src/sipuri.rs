//! SIP and SIPS addresses typed by an agent or found in a contact (RFC 3261 §19.1).
//!
//! Only what a dial target needs is accepted: `sip:user@host[:port][;params]`. Headers
//! (`?Replaces=...`), display names and angle brackets are refused, so that a pasted address
//! can never smuggle a header into the INVITE.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::number::NumberError;

/// A validated `sip:` or `sips:` address.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SipUri {
    secure: bool,
    user: Option<String>,
    host: String,
    port: Option<u16>,
    params: String,
}

impl SipUri {
    /// Parses `input`, which starts with `sip:` or `sips:` (any case).
    pub fn parse(input: &str) -> Result<Self, NumberError> {
        let lower = input.get(..5).unwrap_or(input).to_ascii_lowercase();
        let (secure, rest) = if lower.starts_with("sips:") {
            (true, &input[5..])
        } else if lower.starts_with("sip:") {
            (false, &input[4..])
        } else {
            return Err(bad("it must start with sip: or sips:"));
        };
        if let Some(c) = rest
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || "<>\"".contains(*c))
        {
            return Err(bad(&format!("the character {c:?} is not allowed")));
        }
        if rest.contains('?') {
            return Err(bad("headers (after ?) are not accepted in a dial target"));
        }
        let (addr, params) = match rest.find(';') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        check_params(params)?;
        let (user, hostport) = match addr.rfind('@') {
            Some(i) => (Some(&addr[..i]), &addr[i + 1..]),
            None => (None, addr),
        };
        if let Some(user) = user {
            check_user(user)?;
        }
        let (host, port) = split_host_port(hostport)?;
        Ok(Self {
            secure,
            user: user.map(str::to_owned),
            host: host.to_ascii_lowercase(),
            port,
            params: params.to_owned(),
        })
    }

    /// The user part (`1002` in `sip:1002@pbx.example`), if any.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The host, lower case.
    pub fn host(&self) -> &str {
        &self.host
    }
}

fn bad(reason: &str) -> NumberError {
    NumberError::BadUri(reason.to_owned())
}

fn check_user(user: &str) -> Result<(), NumberError> {
    if user.is_empty() {
        return Err(bad("the user part before @ is empty"));
    }
    let ok = user
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.!~*'()&=+$,%".contains(c));
    if !ok {
        return Err(bad("the user part holds a character SIP does not allow"));
    }
    Ok(())
}

fn check_params(params: &str) -> Result<(), NumberError> {
    for p in params.split(';').skip(1) {
        let ok = !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.!~*'%=[]:".contains(c));
        if !ok {
            return Err(bad(
                "a ;parameter is empty or holds a character SIP does not allow",
            ));
        }
    }
    Ok(())
}

fn split_host_port(hostport: &str) -> Result<(&str, Option<u16>), NumberError> {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let end = rest
            .find(']')
            .ok_or_else(|| bad("an IPv6 address must end with ]"))?;
        let v6 = &rest[..end];
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(bad("the IPv6 address is not valid"));
        }
        let after = &rest[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(bad("unexpected text after the IPv6 address")),
        };
        (&hostport[..end + 2], port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if !host.starts_with('[') {
        let labels_ok = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !labels_ok {
            return Err(bad("the host is not a valid name or address"));
        }
    }
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad("the port must be a number from 1 to 65535"))?,
        ),
    };
    Ok((host, port))
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.secure { "sips:" } else { "sip:" })?;
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        f.write_str(&self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        f.write_str(&self.params)
    }
}

impl fmt::Debug for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SipUri({self})")
    }
}

impl Serialize for SipUri {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
