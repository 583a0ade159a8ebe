//! Short numbers that never take a country or area code: emergency and service codes.
//!
//! libphonenumber's main metadata has no short numbers, so the plans of the countries
//! Switchboard is deployed in are listed here. A short code wins over an internal extension
//! of the same length: an agent in France must reach 3919 even when extensions have 4 digits.

use phonenumber::country::Id;

/// What a short number is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShortKind {
    /// Police, fire, ambulance, and the European 112.
    Emergency,
    /// A national service number (directory, helplines, operator services).
    Service,
}

/// Emergency numbers by country; 112 is valid everywhere in Europe and on mobiles.
fn emergency(country: Id) -> &'static [&'static str] {
    match country {
        Id::FR => &[
            "15", "17", "18", "112", "114", "115", "119", "191", "196", "197",
        ],
        Id::GB => &["999", "112"],
        Id::US | Id::CA => &["911", "112"],
        Id::DE => &["110", "112"],
        Id::BE => &["100", "101", "112"],
        Id::CH => &["112", "117", "118", "144"],
        _ => &["112"],
    }
}

/// Whether `digits` is a service short code of `country`, by the shape its regulator gives.
fn is_service(country: Id, digits: &str) -> bool {
    let b = digits.as_bytes();
    let n = b.len();
    let starts = |p: &str| digits.starts_with(p);
    match country {
        // ARCEP: 1X / 1XY, 10YT, 3BPQ, 116XYZ, 118XYZ.
        Id::FR => {
            (n == 4 && (b[0] == b'3' || starts("10")))
                || (n == 6 && (starts("116") || starts("118")))
                || (n == 3 && b[0] == b'1')
        }
        // Ofcom: 1XX service numbers, 116XXX, 118XXX.
        Id::GB => (n == 3 && b[0] == b'1') || (n == 6 && (starts("116") || starts("118"))),
        // N11 codes and 988.
        Id::US | Id::CA => (n == 3 && b[1] == b'1' && b[2] == b'1') || digits == "988",
        // 115, 116XXX, 118XX.
        Id::DE => digits == "115" || (n == 6 && starts("116")) || (n == 5 && starts("118")),
        _ => n == 6 && (starts("116") || starts("118")),
    }
}

/// Classifies `digits` (ASCII digits only) as a short number of `country`.
pub fn classify(country: Id, digits: &str) -> Option<ShortKind> {
    if emergency(country).contains(&digits) {
        Some(ShortKind::Emergency)
    } else if is_service(country, digits) {
        Some(ShortKind::Service)
    } else {
        None
    }
}
