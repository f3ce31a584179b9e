use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The status of a workflow run, as GPTBots reports it.
///
/// Unknown strings are kept in [`Status::Other`] rather than rejected, because the API may
/// add statuses at any time; a later version of this crate may name them, so matches need a
/// wildcard arm.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// The run finished and its output is available (`SUCCEED`, also spelt `SUCCED`).
    Succeed,
    /// The run failed (`FAILED`).
    Failed,
    /// The run is queued (`PENDING`).
    Pending,
    /// The run is executing (`RUNNING`).
    Running,
    /// A status this version of the crate does not know, exactly as received.
    Other(String),
}

impl Status {
    /// Parses a status string; matching is case-insensitive and accepts `SUCCED`.
    pub fn parse(s: &str) -> Self {
        // Compared in place: this runs for every invoke and every poll.
        let spelled = |names: &[&str]| names.iter().any(|name| s.trim().eq_ignore_ascii_case(name));
        if spelled(&["SUCCEED", "SUCCED", "SUCCEEDED", "SUCCESS"]) {
            Status::Succeed
        } else if spelled(&["FAILED", "FAIL"]) {
            Status::Failed
        } else if spelled(&["PENDING"]) {
            Status::Pending
        } else if spelled(&["RUNNING"]) {
            Status::Running
        } else {
            Status::Other(s.to_owned())
        }
    }

    /// The canonical wire spelling (`Other` keeps the string it was given).
    pub fn as_str(&self) -> &str {
        match self {
            Status::Succeed => "SUCCEED",
            Status::Failed => "FAILED",
            Status::Pending => "PENDING",
            Status::Running => "RUNNING",
            Status::Other(s) => s,
        }
    }

    /// True for `SUCCEED` and `FAILED`: the run will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Status::Succeed | Status::Failed)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Status::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_and_misspelt_statuses() {
        assert_eq!(Status::parse("SUCCEED"), Status::Succeed);
        assert_eq!(Status::parse("SUCCED"), Status::Succeed);
        assert_eq!(Status::parse("failed"), Status::Failed);
        assert_eq!(Status::parse("PENDING"), Status::Pending);
        assert_eq!(Status::parse("RUNNING"), Status::Running);
        assert_eq!(Status::parse("PAUSED"), Status::Other("PAUSED".into()));
        assert_eq!(Status::parse("PAUSED").to_string(), "PAUSED");
    }
}
