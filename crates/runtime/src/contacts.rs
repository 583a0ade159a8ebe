//! The contacts the agent edits by hand, and the notes of calls: the store's checks, with the
//! dial plan in force.

use switchboard_core::Caller;
use switchboard_store::{ContactForm, ContactSummary, DeletedContact, Draft, HistoryEntry};

use crate::{Error, Handle, Lookup};

/// Calls with the same caller a screen pop shows.
pub(crate) const POP_RECENT_CALLS: u32 = 5;

impl Handle {
    /// Creates or updates a contact; returns its id. A refused field is named in the error
    /// (`display_name`, `email`, `number_N`).
    pub async fn save_contact(&self, form: &ContactForm) -> Result<i64, Error> {
        let plan = self.settings().dial_plan;
        Ok(self.store.save_contact(form, &plan).await?)
    }

    /// `limit` contacts in name order from position `offset`: the whole list, a page at a time.
    pub async fn contact_page(
        &self,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<ContactSummary>, Error> {
        Ok(self.store.contact_page(offset, limit).await?)
    }

    /// How many contacts there are.
    pub async fn contact_count(&self) -> Result<u32, Error> {
        let n = self.store.contact_count().await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// The form that edits contact `id`.
    pub async fn contact_form(&self, id: i64) -> Result<ContactForm, Error> {
        Ok(self.store.contact_form(id).await?)
    }

    /// Deletes contact `id`; what it returns undoes it through [`Handle::restore_contact`].
    pub async fn delete_contact(&self, id: i64) -> Result<DeletedContact, Error> {
        Ok(self.store.delete_contact(id).await?)
    }

    /// Undoes a deletion; returns the contact's id.
    pub async fn restore_contact(&self, deleted: &DeletedContact) -> Result<i64, Error> {
        let plan = self.settings().dial_plan;
        Ok(self.store.restore_contact(deleted, &plan).await?)
    }

    /// Sets the notes of history row `id` and its disposition code (`None` keeps the code
    /// it has, an empty one clears it).
    pub async fn note_call(
        &self,
        id: i64,
        notes: &str,
        disposition: Option<&str>,
    ) -> Result<(), Error> {
        self.store.history_note(id, notes, disposition).await?;
        if disposition.is_some_and(|d| !d.trim().is_empty()) {
            self.agent_disposed(id);
        }
        Ok(())
    }

    /// Keeps what the agent is typing under `key` (an empty text deletes it), so that a
    /// window closed or killed before Save loses nothing.
    pub async fn save_draft(&self, key: &str, body: &str) -> Result<(), Error> {
        Ok(self.store.save_draft(key, body).await?)
    }

    /// Every text the agent typed and did not save, for the window to give back.
    pub async fn drafts(&self) -> Result<Vec<Draft>, Error> {
        Ok(self.store.drafts().await?)
    }

    /// The recording's file of history row `id`, if the call was recorded (only the files
    /// the history names can be opened this way).
    pub async fn recording_of(&self, id: i64) -> Result<Option<std::path::PathBuf>, Error> {
        Ok(self.store.history_recording_of(id).await?.map(Into::into))
    }

    /// The latest calls with a caller: by number, and with every contact it matched.
    pub async fn calls_with(
        &self,
        lookup: &Lookup,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, Error> {
        let e164 = match &lookup.caller {
            Caller::External { e164 } => Some(e164.to_string()),
            _ => None,
        };
        let contacts: Vec<i64> = lookup
            .matches
            .iter()
            .filter_map(|m| m.contact.as_ref().map(|c| c.id))
            .collect();
        Ok(self
            .store
            .calls_with(e164.as_deref(), &contacts, limit)
            .await?)
    }
}
