//! How a rank ends, and how a run's end is told: the wording every supervisor
//! (the native runner, the browser's UI thread) uses, so that the same script
//! fails with the same words everywhere.

use std::time::Duration;

/// How one rank ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "status", rename_all = "camelCase"))]
pub enum RankOutcome {
    /// The script ran to the end (or called `sys.exit(0)`).
    Done,
    /// An uncaught exception (`traceback` is Python's report of it, `summary`
    /// the gist of its last line, e.g. "ZeroDivisionError: division by zero"),
    /// or a non-zero `sys.exit` (`exit_code`).
    #[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
    Failed { traceback: String, summary: String, exit_code: Option<i32> },
    /// This rank called `Abort(code)`.
    Aborted { code: i32 },
    /// The run was stopped from outside while this rank was in MPI.
    Stopped,
    /// The runtime under the script failed (a worker died, a Rust panic):
    /// not the script's fault, said as such.
    Crashed { message: String },
}

/// Exit status of a run where a rank raised or exited non-zero (as mpiexec).
pub const EXIT_RANK_FAILED: i32 = 1;
/// Exit status of a deadlocked run.
pub const EXIT_DEADLOCK: i32 = 3;
/// Exit status of a run that ran out of time (as `timeout(1)`).
pub const EXIT_TIMEOUT: i32 = 124;

/// Why a run ended early: its exit status and the sentence that says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ending {
    pub exit_status: i32,
    pub report: String,
}

impl RankOutcome {
    /// The status a process with this end would exit with, as mpiexec reports
    /// it (`None` for a rank that was stopped and never chose one).
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            RankOutcome::Done => Some(0),
            RankOutcome::Failed { exit_code, .. } => Some(exit_code.unwrap_or(EXIT_RANK_FAILED)),
            RankOutcome::Aborted { code } => Some(*code),
            RankOutcome::Crashed { .. } => Some(EXIT_RANK_FAILED),
            RankOutcome::Stopped => None,
        }
    }

    /// Whether this end of `rank` ends the whole run, and how that is told.
    pub fn ending(&self, rank: u32) -> Option<Ending> {
        match self {
            RankOutcome::Done | RankOutcome::Stopped => None,
            RankOutcome::Aborted { code } => Some(Ending {
                exit_status: *code,
                report: format!("rank {rank} called MPI_Abort(MPI_COMM_WORLD, {code}); the other ranks were stopped"),
            }),
            RankOutcome::Crashed { message } => {
                // The last line of a panic message is its gist; the rest is where.
                let gist = message.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("no message").trim();
                Some(Ending {
                    exit_status: EXIT_RANK_FAILED,
                    report: format!("rank {rank}'s runtime crashed ({gist}); the other ranks were stopped"),
                })
            }
            RankOutcome::Failed { summary, exit_code, .. } => {
                let why = match exit_code {
                    Some(code) => format!("exited with status {code}"),
                    None => format!("raised an exception ({summary})"),
                };
                Some(Ending {
                    exit_status: EXIT_RANK_FAILED,
                    report: format!("rank {rank} {why}; the other ranks were stopped"),
                })
            }
        }
    }
}

/// The ending of a run stopped by its time limit while `running` ranks had not finished.
pub fn timeout_ending(limit: Duration, running: &[u32]) -> Ending {
    let list: Vec<String> = running.iter().map(u32::to_string).collect();
    Ending {
        exit_status: EXIT_TIMEOUT,
        report: format!(
            "timed out after {} s; stopped rank{} {} (still running)",
            limit.as_secs_f64(),
            if running.len() == 1 { "" } else { "s" },
            list.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_name_the_rank_and_the_cause() {
        let failed = RankOutcome::Failed {
            traceback: "Traceback ...".into(),
            summary: "ZeroDivisionError: division by zero".into(),
            exit_code: None,
        };
        let e = failed.ending(3).unwrap();
        assert_eq!(e.exit_status, 1);
        assert_eq!(
            e.report,
            "rank 3 raised an exception (ZeroDivisionError: division by zero); the other ranks were stopped"
        );
        let exited = RankOutcome::Failed { traceback: String::new(), summary: String::new(), exit_code: Some(4) };
        assert_eq!(exited.ending(0).unwrap().report, "rank 0 exited with status 4; the other ranks were stopped");
        assert_eq!(exited.exit_code(), Some(4));
        let aborted = RankOutcome::Aborted { code: 7 };
        assert_eq!(aborted.ending(2).unwrap().exit_status, 7);
        assert!(RankOutcome::Done.ending(0).is_none());
        assert!(RankOutcome::Stopped.ending(0).is_none());
        assert_eq!(RankOutcome::Stopped.exit_code(), None);
        let crashed = RankOutcome::Crashed { message: "panicked at x.rs:35:9:\ntime not implemented\n".into() };
        assert_eq!(
            crashed.ending(1).unwrap().report,
            "rank 1's runtime crashed (time not implemented); the other ranks were stopped"
        );
        assert_eq!(crashed.exit_code(), Some(1));
        let t = timeout_ending(Duration::from_millis(1500), &[1]);
        assert_eq!((t.exit_status, t.report.as_str()), (124, "timed out after 1.5 s; stopped rank 1 (still running)"));
    }
}
