//! DTMF as SIP INFO with `application/dtmf-relay` bodies (`Signal=5`, `Duration=160`), for
//! peers that want it; RFC 4733 events come with the media engine.

use rsipstack::dialog::dialog::Dialog;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::{Header, Request, StatusCodeKind};

use crate::call::Calls;
use crate::SipError;

/// Length announced for each digit, in milliseconds.
const DURATION_MS: u32 = 160;

/// The DTMF digits a keypad can send.
fn valid(digit: char) -> bool {
    digit.is_ascii_digit() || matches!(digit, '*' | '#' | 'A'..='D')
}

/// Sends `digits` on the answered `call`, one INFO per digit, in order.
pub(crate) async fn send(
    layer: &DialogLayer,
    calls: &Calls,
    call: &str,
    digits: &str,
) -> Result<(), SipError> {
    if let Some(bad) = digits.chars().find(|d| !valid(*d)) {
        return Err(SipError::Account(format!(
            "{bad:?} is not a DTMF digit (0-9 * # A-D)"
        )));
    }
    let id = calls
        .with(|c| c.get(call).and_then(|e| e.confirmed.clone()))
        .ok_or_else(|| SipError::NoSuchCall(call.to_owned()))?;
    let Some(Dialog::Invite(dialog)) = layer.get_dialog(&id) else {
        return Err(SipError::NoSuchCall(call.to_owned()));
    };
    for digit in digits.chars() {
        let body = format!("Signal={digit}\r\nDuration={DURATION_MS}\r\n");
        let response = dialog
            .info(
                Some(vec![Header::ContentType("application/dtmf-relay".into())]),
                Some(body.into_bytes()),
            )
            .await
            .map_err(|e| SipError::Stack(e.to_string()))?;
        match response {
            Some(r) if r.status_code.kind() == StatusCodeKind::Successful => {}
            Some(r) => {
                return Err(SipError::Refused {
                    status: r.status_code.code(),
                })
            }
            None => return Err(SipError::NoSuchCall(call.to_owned())),
        }
    }
    Ok(())
}

/// The digit an INFO carries, if its body is a dtmf-relay `Signal=` line.
pub(crate) fn received(request: &Request) -> Option<char> {
    let body = std::str::from_utf8(&request.body).ok()?;
    body.lines().find_map(|line| {
        let (name, value) = line.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("signal") {
            return None;
        }
        let mut chars = value.trim().chars();
        let digit = chars.next()?.to_ascii_uppercase();
        (chars.next().is_none() && valid(digit)).then_some(digit)
    })
}
