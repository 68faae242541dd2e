//! What one run produced, gathered as it happens, and the result handed to
//! pages: pure bookkeeping with no browser in it, so it is unit-tested natively.

use mpi_core::{DeadlockReport, EXIT_DEADLOCK, Ending, RankOutcome};
use mpi_web::protocol::{Chunk, StreamName};
use serde::Serialize;

/// Output kept per run before the rest is counted instead of kept: a flood
/// (`while True: print(i)`) must not eat the page's memory.
pub const MAX_KEPT_BYTES: usize = 32 << 20;

/// How a run ended, as `mpiPlayground.run` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Ok,
    Error,
    Deadlock,
    Stopped,
    Timeout,
}

/// One piece of output, in arrival order across ranks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutputLine {
    /// The rank that wrote it, or for a process the rank that started its
    /// process tree (a child writes to its parent's stdout, as under mpiexec).
    pub rank: u32,
    /// The `multiprocessing` process that wrote it ("SpawnPoolWorker-1"), if not the rank itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    pub stream: StreamName,
    pub text: String,
    /// Milliseconds since the run started, when the rank wrote it.
    pub t: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RankResult {
    pub rank: u32,
    pub stdout: String,
    pub stderr: String,
    /// The rank's exit status; `None` for a rank stopped before it ended.
    pub exit_code: Option<i32>,
}

/// The rank whose failure ended the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failure {
    pub rank: u32,
    pub summary: String,
    pub traceback: String,
}

/// The wait-for cycle of a deadlock, and every blocked call.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeadlockInfo {
    pub cycle: Vec<u32>,
    /// `(rank, "the call it is blocked in")`, as the report words it.
    pub blocked: Vec<(u32, String)>,
    /// World slots from here on are processes, not ranks.
    pub first_process: u32,
}

/// The value `mpiPlayground.run` resolves to.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    pub status: Status,
    pub elapsed_ms: f64,
    pub ranks: Vec<RankResult>,
    pub output: Vec<OutputLine>,
    /// What went wrong, in words (empty for a clean run).
    pub report: String,
    pub error: Option<Failure>,
    pub deadlock: Option<DeadlockInfo>,
    /// Output bytes beyond [`MAX_KEPT_BYTES`], counted but not kept.
    pub dropped_bytes: usize,
    /// What the ranks found wrong at their end (messages never received,
    /// collectives never matched), in the order they said it.
    pub warnings: Vec<String>,
    /// The files the run created or changed in its file system.
    pub files: Vec<crate::workspace::File>,
}

/// A run in progress.
pub struct Record {
    ranks: Vec<RankResult>,
    /// Each rank's stdout and stderr as `(t, text)` in write order. Workers
    /// post independently, so a process's last line can reach the page after
    /// its parent's next one (`join()` then `print`); ordering by the time of
    /// writing on the clock all workers share puts them back as one stdout
    /// would hold them.
    streams: Vec<[Vec<(f64, String)>; 2]>,
    exited: Vec<bool>,
    output: Vec<OutputLine>,
    kept_bytes: usize,
    dropped_bytes: usize,
    warnings: Vec<String>,
    ending: Option<(Status, Ending)>,
    failure: Option<Failure>,
    deadlock: Option<DeadlockInfo>,
}

impl Record {
    pub fn new(ranks: u32) -> Self {
        Record {
            ranks: (0..ranks).map(|rank| RankResult { rank, ..Default::default() }).collect(),
            streams: (0..ranks).map(|_| Default::default()).collect(),
            exited: vec![false; ranks as usize],
            output: Vec::new(),
            kept_bytes: 0,
            dropped_bytes: 0,
            warnings: Vec::new(),
            ending: None,
            failure: None,
            deadlock: None,
        }
    }

    /// Adds a rank's output; returns what was kept, for live listeners.
    pub fn add_output(&mut self, rank: u32, chunks: Vec<Chunk>) -> Vec<OutputLine> {
        self.add_labelled(rank, None, chunks)
    }

    /// Adds output of a process started (directly or not) by `rank`: it counts
    /// as that rank's output, labelled with the process's name.
    pub fn add_process_output(&mut self, rank: u32, process: &str, chunks: Vec<Chunk>) -> Vec<OutputLine> {
        self.add_labelled(rank, Some(process), chunks)
    }

    fn add_labelled(&mut self, rank: u32, process: Option<&str>, chunks: Vec<Chunk>) -> Vec<OutputLine> {
        let mut kept = Vec::with_capacity(chunks.len());
        for chunk in chunks {
            if self.kept_bytes + chunk.text.len() > MAX_KEPT_BYTES {
                self.dropped_bytes += chunk.text.len();
                continue;
            }
            self.kept_bytes += chunk.text.len();
            let parts = &mut self.streams[rank as usize][(chunk.stream == StreamName::Stderr) as usize];
            // After every part written no later (equal times keep arrival order).
            let at = parts.partition_point(|(t, _)| *t <= chunk.t);
            parts.insert(at, (chunk.t, chunk.text.clone()));
            let process = process.map(str::to_owned);
            kept.push(OutputLine { rank, process, stream: chunk.stream, text: chunk.text, t: chunk.t });
        }
        self.output.extend(kept.iter().cloned());
        kept
    }

    /// Records how a rank ended. Returns the run's ending if this is the first
    /// end that ends the run (the caller then stops the other ranks), and the
    /// traceback to show as the rank's stderr, as the native runner prints it.
    pub fn rank_exited(&mut self, rank: u32, outcome: &RankOutcome, t: f64) -> (Option<Ending>, Vec<OutputLine>) {
        self.exited[rank as usize] = true;
        self.ranks[rank as usize].exit_code = outcome.exit_code();
        let mut shown = Vec::new();
        let failure = match outcome {
            RankOutcome::Failed { traceback, summary, .. } => Some((summary.clone(), traceback.clone())),
            RankOutcome::Crashed { message } => Some((format!("the runtime crashed: {message}"), message.clone())),
            _ => None,
        };
        if let Some((summary, mut traceback)) = failure
            && self.ending.is_none()
        {
            if !traceback.is_empty() {
                if !traceback.ends_with('\n') {
                    traceback.push('\n');
                }
                shown = self.add_output(rank, vec![Chunk { stream: StreamName::Stderr, text: traceback.clone(), t }]);
            }
            self.failure = Some(Failure { rank, summary, traceback });
        }
        if self.ending.is_some() {
            return (None, shown);
        }
        let ending = outcome.ending(rank);
        if let Some(e) = &ending {
            self.ending = Some((Status::Error, e.clone()));
        }
        (ending, shown)
    }

    /// Ends the run for a reason outside the ranks (deadlock, Stop, timeout),
    /// unless it already has an ending.
    /// A rank's warning about the run (see [`RunResult::warnings`]).
    pub fn warn(&mut self, text: String) {
        self.warnings.push(text);
    }

    pub fn end(&mut self, status: Status, ending: Ending) {
        if self.ending.is_none() {
            self.ending = Some((status, ending));
        }
    }

    pub fn end_deadlocked(&mut self, report: &DeadlockReport) {
        if self.ending.is_none() {
            self.deadlock = Some(DeadlockInfo {
                cycle: report.cycle.clone(),
                // The call with its peer, tag and communicator, and for a send
                // too large to be buffered, why it waits.
                blocked: report.blocked.iter().map(|(r, on)| (*r, on.to_string())).collect(),
                first_process: report.first_process,
            });
            self.end(Status::Deadlock, Ending { exit_status: EXIT_DEADLOCK, report: report.to_string() });
        }
    }

    /// Whether the run already has an ending (a failure, deadlock, Stop or timeout).
    pub fn ended(&self) -> bool {
        self.ending.is_some()
    }

    pub fn has_exited(&self, rank: u32) -> bool {
        self.exited[rank as usize]
    }

    pub fn all_exited(&self) -> bool {
        self.exited.iter().all(|e| *e)
    }

    /// Ranks that have not ended yet.
    pub fn running(&self) -> Vec<u32> {
        (0..self.exited.len() as u32).filter(|r| !self.exited[*r as usize]).collect()
    }

    pub fn finish(self, elapsed_ms: f64) -> RunResult {
        let (status, report) = match self.ending {
            Some((status, ending)) => (status, ending.report),
            None => (Status::Ok, String::new()),
        };
        let mut ranks = self.ranks;
        for (result, [stdout, stderr]) in ranks.iter_mut().zip(self.streams) {
            result.stdout = stdout.into_iter().map(|(_, text)| text).collect();
            result.stderr = stderr.into_iter().map(|(_, text)| text).collect();
        }
        RunResult {
            status,
            elapsed_ms,
            ranks,
            output: self.output,
            report,
            error: self.failure,
            deadlock: self.deadlock,
            dropped_bytes: self.dropped_bytes,
            warnings: self.warnings,
            files: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(stream: StreamName, text: &str) -> Chunk {
        Chunk { stream, text: text.into(), t: 1.0 }
    }

    #[test]
    fn a_rank_and_its_processes_write_one_stdout_in_time_order() {
        let mut rec = Record::new(1);
        let at = |text: &str, t| Chunk { stream: StreamName::Stdout, text: text.into(), t };
        rec.add_output(0, vec![at("start\n", 1.0)]);
        // The parent's line after join() arrives before the child's last line.
        rec.add_output(0, vec![at("joined\n", 3.0)]);
        rec.add_process_output(0, "Process-1", vec![at("child\n", 2.0)]);
        rec.add_output(0, vec![at("same time, later\n", 3.0)]);
        rec.rank_exited(0, &RankOutcome::Done, 4.0);
        let result = rec.finish(5.0);
        assert_eq!(result.ranks[0].stdout, "start\nchild\njoined\nsame time, later\n");
    }

    #[test]
    fn clean_run_keeps_each_ranks_streams_and_the_arrival_order() {
        let mut rec = Record::new(2);
        rec.add_output(1, vec![chunk(StreamName::Stdout, "b\n")]);
        rec.add_output(0, vec![chunk(StreamName::Stdout, "a\n"), chunk(StreamName::Stderr, "warn\n")]);
        assert_eq!(rec.rank_exited(0, &RankOutcome::Done, 2.0).0, None);
        assert!(!rec.all_exited());
        assert_eq!(rec.running(), vec![1]);
        rec.rank_exited(1, &RankOutcome::Done, 2.0);
        assert!(rec.all_exited());
        let result = rec.finish(5.0);
        assert_eq!(result.status, Status::Ok);
        assert_eq!(result.ranks[0].stdout, "a\n");
        assert_eq!(result.ranks[0].stderr, "warn\n");
        assert_eq!(result.ranks[1].exit_code, Some(0));
        let order: Vec<_> = result.output.iter().map(|l| (l.rank, l.text.as_str())).collect();
        assert_eq!(order, vec![(1, "b\n"), (0, "a\n"), (0, "warn\n")]);
        assert!(result.report.is_empty());
    }

    #[test]
    fn the_first_failure_ends_the_run_and_its_traceback_is_the_ranks_stderr() {
        let mut rec = Record::new(3);
        let failed = RankOutcome::Failed {
            traceback: "Traceback (most recent call last):\nZeroDivisionError: division by zero\n".into(),
            summary: "ZeroDivisionError: division by zero".into(),
            exit_code: None,
        };
        let (ending, shown) = rec.rank_exited(2, &failed, 3.0);
        assert_eq!(ending.unwrap().exit_status, 1);
        assert_eq!(shown.len(), 1);
        // The others unwind as stopped; they end nothing more.
        assert_eq!(rec.rank_exited(0, &RankOutcome::Stopped, 4.0).0, None);
        rec.end(Status::Stopped, Ending { exit_status: 0, report: "ignored".into() });
        let result = rec.finish(9.0);
        assert_eq!(result.status, Status::Error);
        assert!(result.report.starts_with("rank 2 raised an exception (ZeroDivisionError"));
        assert_eq!(result.error.as_ref().unwrap().rank, 2);
        assert!(result.ranks[2].stderr.contains("ZeroDivisionError"));
        assert_eq!(result.ranks[2].exit_code, Some(1));
        assert_eq!(result.ranks[0].exit_code, None);
        assert_eq!(result.ranks[1].exit_code, None);
    }

    #[test]
    fn a_flood_is_counted_beyond_the_cap_not_kept() {
        let mut rec = Record::new(1);
        let big = "x".repeat(MAX_KEPT_BYTES / 2 + 1);
        assert_eq!(rec.add_output(0, vec![chunk(StreamName::Stdout, &big)]).len(), 1);
        assert_eq!(rec.add_output(0, vec![chunk(StreamName::Stdout, &big)]).len(), 0);
        let result = rec.finish(1.0);
        assert_eq!(result.dropped_bytes, big.len());
        assert_eq!(result.ranks[0].stdout.len(), big.len());
    }

    #[test]
    fn results_serialize_with_the_documented_names() {
        let mut rec = Record::new(1);
        rec.rank_exited(0, &RankOutcome::Aborted { code: 5 }, 0.0);
        let json = serde_json::to_value(rec.finish(2.5)).unwrap();
        assert_eq!(json["status"], "error");
        assert_eq!(json["elapsedMs"], 2.5);
        assert_eq!(json["ranks"][0]["exitCode"], 5);
        assert_eq!(json["droppedBytes"], 0);
    }
}
