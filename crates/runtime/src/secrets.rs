//! Where SIP passwords and the CTI API's token are kept: the platform's keyring (the desktop's Secret Service on
//! Linux, the Keychain, the Credential Manager); on Linux without a Secret Service that
//! takes a password (no desktop session), the kernel's key store for the user, which keeps
//! it until the machine restarts. Never a file.

use std::sync::OnceLock;

use crate::Error;

/// A kind of secret: its keyring service, and its prefix in the kernel's key store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kind {
    service: &'static str,
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    prefix: &'static str,
}

/// SIP passwords, by account id.
pub(crate) const SIP: Kind = Kind {
    service: "Switchboard SIP",
    prefix: "switchboard-sip",
};

/// The CRM lookup's bearer token.
pub(crate) const CRM: Kind = Kind {
    service: "Switchboard CRM",
    prefix: "switchboard-crm",
};

/// The CTI API's bearer token.
pub(crate) const CTI: Kind = Kind {
    service: "Switchboard CTI",
    prefix: "switchboard-cti",
};

/// The store chosen at first use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Store {
    Platform,
    #[cfg(target_os = "linux")]
    Kernel,
}

fn keyring_error(e: keyring::Error) -> Error {
    Error::Keyring(e.to_string())
}

fn store() -> Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    *STORE.get_or_init(|| {
        // A write and a read tell: a session bus without a Secret Service, or one that is
        // locked, answers reads with nothing.
        let probe = keyring::Entry::new(SIP.service, "probe").and_then(|e| {
            e.set_password("probe")?;
            let back = e.get_password()?;
            e.delete_credential()?;
            Ok(back == "probe")
        });
        match probe {
            Ok(true) => Store::Platform,
            #[cfg(target_os = "linux")]
            other => {
                let why = other.map_or_else(|e| e.to_string(), |_| "read back wrong".into());
                tracing::warn!(
                    "no usable Secret Service ({why}): SIP passwords are kept in the kernel's \
                     key store until the machine restarts"
                );
                Store::Kernel
            }
            #[cfg(not(target_os = "linux"))]
            other => {
                tracing::warn!("the keyring did not answer as expected: {other:?}");
                Store::Platform
            }
        }
    })
}

/// Keeps `password` for `id`.
pub(crate) fn set(kind: Kind, id: &str, password: &str) -> Result<(), Error> {
    match store() {
        Store::Platform => keyring::Entry::new(kind.service, id)
            .and_then(|e| e.set_password(password))
            .map_err(keyring_error),
        #[cfg(target_os = "linux")]
        Store::Kernel => kernel::set(kind.prefix, id, password),
    }
}

/// The secret of `id`, if one is kept.
pub(crate) fn get(kind: Kind, id: &str) -> Result<Option<String>, Error> {
    match store() {
        Store::Platform => {
            match keyring::Entry::new(kind.service, id).and_then(|e| e.get_password()) {
                Ok(password) => Ok(Some(password)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(keyring_error(e)),
            }
        }
        #[cfg(target_os = "linux")]
        Store::Kernel => kernel::get(kind.prefix, id),
    }
}

/// Forgets the secret of `id` (none kept is fine).
pub(crate) fn delete(kind: Kind, id: &str) -> Result<(), Error> {
    match store() {
        Store::Platform => {
            match keyring::Entry::new(kind.service, id).and_then(|e| e.delete_credential()) {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(keyring_error(e)),
            }
        }
        #[cfg(target_os = "linux")]
        Store::Kernel => kernel::delete(kind.prefix, id),
    }
}

/// The user's keyring of the kernel (keyrings(7)): there for every process of the user,
/// with or without a login session.
#[cfg(target_os = "linux")]
mod kernel {
    use linux_keyutils::{KeyError, KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};

    use crate::Error;

    fn error(e: KeyError) -> Error {
        Error::Keyring(format!("kernel key store: {e:?}"))
    }

    fn ring() -> Result<KeyRing, Error> {
        KeyRing::from_special_id(KeyRingIdentifier::User, true).map_err(error)
    }

    fn description(prefix: &str, id: &str) -> String {
        format!("{prefix}:{id}")
    }

    pub(super) fn set(prefix: &str, id: &str, password: &str) -> Result<(), Error> {
        let key = ring()?
            .add_key(&description(prefix, id), password.as_bytes())
            .map_err(error)?;
        // The user's processes find and read it; nobody else does.
        key.set_perms(
            KeyPermissionsBuilder::builder()
                .posessor(Permission::ALL)
                .user(Permission::ALL)
                .build(),
        )
        .map_err(error)
    }

    pub(super) fn get(prefix: &str, id: &str) -> Result<Option<String>, Error> {
        match ring()?.search(&description(prefix, id)) {
            Ok(key) => {
                let bytes = key.read_to_vec().map_err(error)?;
                String::from_utf8(bytes)
                    .map(Some)
                    .map_err(|_| Error::Keyring("a kept password is not text".into()))
            }
            Err(KeyError::KeyDoesNotExist) => Ok(None),
            Err(e) => Err(error(e)),
        }
    }

    pub(super) fn delete(prefix: &str, id: &str) -> Result<(), Error> {
        match ring()?.search(&description(prefix, id)) {
            Ok(key) => key.invalidate().map_err(error),
            Err(KeyError::KeyDoesNotExist) => Ok(()),
            Err(e) => Err(error(e)),
        }
    }
}
