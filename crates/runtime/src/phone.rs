//! The telephone side of the runtime: the SIP engine and its accounts, behind one type that
//! every front end drives the same way.

use std::collections::HashMap;
use std::net::SocketAddr;

use switchboard_sip::{AccountConfig, Engine, Registrar, SipEvent};
use tokio::sync::{mpsc, Mutex};

use crate::Error;

/// The running phone: a SIP endpoint and the registered accounts.
#[derive(Debug)]
pub struct Phone {
    engine: Engine,
    accounts: Mutex<HashMap<String, Registrar>>,
}

impl Phone {
    /// Starts SIP on `bind` (port 0: any free port) and returns the event stream.
    pub async fn start(
        bind: SocketAddr,
    ) -> Result<(Self, mpsc::UnboundedReceiver<SipEvent>), Error> {
        let (engine, events) = Engine::start(bind).await?;
        Ok((
            Self {
                engine,
                accounts: Mutex::new(HashMap::new()),
            },
            events,
        ))
    }

    /// Where SIP listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.engine.local_addr()
    }

    /// Registers `account` as `id`; an account already registered under `id` is replaced.
    pub async fn add_account(&self, id: &str, account: AccountConfig) -> Result<(), Error> {
        let registrar = self.engine.register(id, account)?;
        let previous = self.accounts.lock().await.insert(id.to_owned(), registrar);
        if let Some(previous) = previous {
            previous.unregister().await;
        }
        Ok(())
    }

    /// Unregisters and forgets the account `id`; false when there is none.
    pub async fn remove_account(&self, id: &str) -> bool {
        let registrar = self.accounts.lock().await.remove(id);
        match registrar {
            Some(registrar) => {
                registrar.unregister().await;
                true
            }
            None => false,
        }
    }

    /// Calls `to` from `account`; returns the call id that its events carry.
    pub fn dial(&self, account: &str, to: &str) -> Result<String, Error> {
        Ok(self.engine.dial(account, to)?)
    }

    /// Answers a ringing incoming call.
    pub fn answer(&self, call: &str) -> Result<(), Error> {
        Ok(self.engine.answer(call)?)
    }

    /// Refuses a ringing incoming call: busy (486) or decline (603).
    pub fn reject(&self, call: &str, how: switchboard_sip::Refusal) -> Result<(), Error> {
        Ok(self.engine.reject(call, how)?)
    }

    /// Puts an answered call on hold.
    pub async fn hold(&self, call: &str) -> Result<(), Error> {
        Ok(self.engine.hold(call).await?)
    }

    /// Takes a call off hold.
    pub async fn resume(&self, call: &str) -> Result<(), Error> {
        Ok(self.engine.resume(call).await?)
    }

    /// Blind transfer of an answered call to `to`.
    pub async fn transfer(&self, call: &str, to: &str) -> Result<(), Error> {
        Ok(self.engine.transfer(call, to).await?)
    }

    /// Hangs up a call (BYE, or CANCEL while it rings).
    pub async fn hangup(&self, call: &str) -> Result<(), Error> {
        Ok(self.engine.hangup(call).await?)
    }

    /// Unregisters every account, then stops SIP.
    pub async fn shutdown(self) {
        let accounts: Vec<Registrar> = self.accounts.lock().await.drain().map(|(_, r)| r).collect();
        for registrar in accounts {
            registrar.unregister().await;
        }
        self.engine.shutdown();
    }
}
