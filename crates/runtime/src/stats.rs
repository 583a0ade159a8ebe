//! The agent's statistics for the Stats view and its CSV export: the calls of the history
//! and the changes of state over a period, counted by [`switchboard_core::stats`].

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use switchboard_core::stats::{compute, Stats};
use switchboard_core::Presence;

use crate::{Error, Handle};

/// A period to count, as the window names and bounds it (in the agent's time zone).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StatsPeriod {
    /// Its name in the export (`today`, `week`).
    pub label: String,
    /// Its start, in milliseconds since 1970.
    pub from_ms: i64,
    /// Its end.
    pub to_ms: i64,
    /// The starts of its slices for the chart (hours of a day, days of a week).
    pub slices: Vec<i64>,
}

/// Most slices a period is cut into.
const MAX_SLICES: usize = 400;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Handle {
    /// The statistics of `period`, now.
    pub async fn stats(&self, period: &StatsPeriod) -> Result<Stats, Error> {
        if period.to_ms <= period.from_ms || period.slices.len() > MAX_SLICES {
            return Err(Error::InvalidField {
                field: "period",
                reason: "a period ends after it begins, in at most 400 slices".into(),
            });
        }
        let calls = self.store.call_times(period.from_ms, period.to_ms).await?;
        let states = self.store.state_times(period.from_ms, period.to_ms).await?;
        Ok(compute(
            &calls,
            &states,
            (period.from_ms, period.to_ms),
            now_ms(),
            &period.slices,
        ))
    }

    /// The statistics of `periods` as CSV: a header line, then one line per period.
    pub async fn stats_csv(&self, periods: &[StatsPeriod]) -> Result<String, Error> {
        let mut csv = String::from(
            "period,from,to,calls_in,calls_out,answered,missed,screened,connected_out,\
             talk_s,hold_s,wrap_up_s,average_handle_s",
        );
        for p in Presence::ALL {
            csv.push_str(&format!(",{}_s", p.code()));
        }
        csv.push_str("\r\n");
        for period in periods {
            let s = self.stats(period).await?;
            let label: String = period
                .label
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                .collect();
            let secs = |ms: i64| ms / 1000;
            csv.push_str(&format!(
                "{label},{},{},{},{},{},{},{},{},{},{},{},{}",
                iso(s.from_ms),
                iso(s.to_ms),
                s.calls_in,
                s.calls_out,
                s.answered,
                s.missed,
                s.screened,
                s.connected_out,
                secs(s.talk_ms),
                secs(s.hold_ms),
                secs(s.wrap_up_ms),
                secs(s.average_handle_ms),
            ));
            for t in &s.time_in {
                csv.push_str(&format!(",{}", secs(t.ms)));
            }
            csv.push_str("\r\n");
        }
        Ok(csv)
    }

    /// Writes the statistics of `periods` as CSV to `path`.
    pub async fn export_stats(
        &self,
        periods: &[StatsPeriod],
        path: &std::path::Path,
    ) -> Result<(), Error> {
        let csv = self.stats_csv(periods).await?;
        std::fs::write(path, csv).map_err(|source| {
            Error::Store(switchboard_store::StoreError::Io {
                path: path.to_owned(),
                source,
            })
        })
    }
}

/// A time in milliseconds since 1970 as RFC 3339 UTC, to the second.
fn iso(ms: i64) -> String {
    jiff::Timestamp::from_second(ms.div_euclid(1000))
        .map_or_else(|_| String::new(), |t| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::iso;

    #[test]
    fn times_are_written_in_utc() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_796_184_709_708), "2026-12-02T04:11:49Z");
        assert_eq!(iso(951_782_400_000), "2000-02-29T00:00:00Z");
    }
}
