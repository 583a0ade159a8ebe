//! The dial plan as a settings form edits it: plain text fields, each read and checked on
//! save, a refused one named so the window says what is wrong at that field.

use serde::{Deserialize, Serialize};
use switchboard_core::{Country, DialFormat, DialPlan};

use crate::{Error, Handle};

/// The dial plan's fields as typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanForm {
    /// Country of numbers written without a country code (`FR`, `GB`...).
    pub country: String,
    /// Area code added to local numbers, without its leading 0; empty: none.
    pub area_code: String,
    /// Digits for an outside line (`9`, `0`); empty: none.
    pub external_prefix: String,
    /// Length of internal extensions (0: none).
    pub extension_len: u8,
    /// `e164`, `international` or `national`.
    pub format: String,
}

impl From<&DialPlan> for PlanForm {
    fn from(plan: &DialPlan) -> Self {
        Self {
            country: plan.country.code().to_owned(),
            area_code: plan.area_code.clone(),
            external_prefix: plan.external_prefix.clone(),
            extension_len: plan.extension_len,
            format: match plan.format {
                DialFormat::E164 => "e164",
                DialFormat::International => "international",
                DialFormat::National => "national",
            }
            .to_owned(),
        }
    }
}

impl PlanForm {
    fn plan(&self) -> Result<DialPlan, Error> {
        let plan = DialPlan {
            country: self.country.parse::<Country>()?,
            area_code: self.area_code.trim().to_owned(),
            external_prefix: self.external_prefix.trim().to_owned(),
            extension_len: self.extension_len,
            format: self.format.parse::<DialFormat>()?,
        };
        plan.validate()?;
        Ok(plan)
    }
}

impl Handle {
    /// The dial plan in force, as a form.
    pub fn plan_form(&self) -> PlanForm {
        PlanForm::from(&self.settings().dial_plan)
    }

    /// Reads, checks, stores and applies a dial plan typed in a form.
    pub async fn save_plan_form(&self, form: &PlanForm) -> Result<(), Error> {
        self.set_dial_plan(form.plan()?).await
    }
}
