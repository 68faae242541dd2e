//! The run supervisor: starts one thread per rank over one World, collects
//! how each rank ends, watches the rank-state table for deadlocks, enforces
//! the timeout, and decides the exit status and the report on stderr.

use crate::Options;
use crate::output::{NativeHost, Sink};
use mpi_core::timeline::{LaneEnd, Timeline};
use mpi_core::trace::TraceReader;
use mpi_core::{DeadlockWatch, EXIT_DEADLOCK, Endpoint, HeapMemory, Layout, World, timeout_ending};
use mpi_python::{RankOutcome, RankRuntime, Script, Stream};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// RustPython recurses on the native stack; give ranks room for deep Python
/// recursion (virtual memory, committed only as used).
const RANK_STACK_BYTES: usize = 64 << 20;

/// How often the watchdog looks at the state table while ranks run.
const WATCH_INTERVAL: Duration = Duration::from_millis(20);

/// How often the supervisor drains the ranks' trace rings under `--trace`:
/// often enough that a tight ping-pong does not overrun a ring.
const TRACE_INTERVAL: Duration = Duration::from_millis(1);

/// The most spans and the most arrows `--trace` keeps (the latest).
const TRACE_CAP: usize = 1_000_000;

/// `--trace`: the ranks' records, drained as the run goes on.
struct Recording {
    reader: TraceReader,
    timeline: Timeline,
}

impl Recording {
    fn drain(&mut self, world: &World) {
        for (rank, ev) in self.reader.drain(world) {
            self.timeline.add(rank, ev);
        }
    }
}

/// How long ranks get to unwind after the run was stopped before the process exits.
const UNWIND_GRACE: Duration = Duration::from_millis(500);

pub use mpi_core::EXIT_RANK_FAILED;

/// Starts the interpreter of a rank or a process slot on a thread of its own:
/// what the supervisor does for every rank, and a rank's `multiprocessing`
/// does for every process it starts.
pub struct Launcher {
    pub world: World,
    sink: Arc<Sink>,
    /// Each rank's program, in rank order (several in an MPMD run).
    scripts: Vec<Arc<Script>>,
    origin: Instant,
    /// How each slot ended; the supervisor holds the other end.
    ended: mpsc::Sender<(u32, RankOutcome)>,
}

impl Launcher {
    /// What `slot` runs: its rank's program; for a process slot (which a
    /// boot message tells what to run), the program of the rank it descends
    /// from, as `__mp_main__`.
    fn script_of(&self, slot: u32) -> &Script {
        let rank = self.world.root_rank(slot);
        self.scripts.get(rank as usize).unwrap_or(&self.scripts[0])
    }

    pub fn start(self: &Arc<Self>, slot: u32) -> std::io::Result<()> {
        let launcher = self.clone();
        let kind = if self.world.is_process(slot) { "process" } else { "rank" };
        std::thread::Builder::new().name(format!("{kind}-{slot}")).stack_size(RANK_STACK_BYTES).spawn(move || {
            let runtime = RankRuntime::new();
            let endpoint = Endpoint::new(launcher.world.clone(), slot);
            let host = Rc::new(NativeHost {
                slot,
                label: launcher.world.root_rank(slot),
                sink: launcher.sink.clone(),
                origin: launcher.origin,
                launcher: launcher.clone(),
            });
            // A panic in the runtime must still end the rank: a thread that
            // vanished without an outcome would leave the others waiting on
            // it forever, unseen by the deadlock watch (it never blocked).
            let run = std::panic::AssertUnwindSafe(|| runtime.run(endpoint, host, launcher.script_of(slot)));
            let outcome = std::panic::catch_unwind(run).unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a Rust panic".to_owned());
                RankOutcome::Crashed { message }
            });
            // Nothing of this slot's interpreter is left: a recyclable
            // process slot may take a new occupant.
            launcher.world.release_process(slot);
            let _ = launcher.ended.send((slot, outcome));
        })?;
        Ok(())
    }
}

/// Runs the script on every rank and returns the process exit status.
pub fn run(opts: &Options, sources: Vec<String>) -> i32 {
    let layout = Layout::new(opts.ranks);
    let world = World::create(Arc::new(HeapMemory::new(layout.word_len())), layout);
    world.set_spin_for_cores(std::thread::available_parallelism().map_or(1, |n| n.get()));
    world.set_eager_limit(opts.eager_limit);
    world.set_tracing(opts.trace.is_some());
    let sink = Arc::new(Sink { label: opts.label });
    let mut scripts = Vec::new();
    for (appnum, (program, source)) in opts.programs.iter().zip(sources).enumerate() {
        let script = Arc::new(Script { source, path: program.script.clone(), args: program.args.clone(), appnum: appnum as u32, stdin: None });
        scripts.extend(std::iter::repeat_n(script, program.ranks as usize));
    }
    let origin = Instant::now();
    let (tx, rx) = mpsc::channel::<(u32, RankOutcome)>();
    let launcher = Arc::new(Launcher { world: world.clone(), sink: sink.clone(), scripts, origin, ended: tx });

    for rank in 0..opts.ranks {
        if let Err(e) = launcher.start(rank) {
            sink.report(&format!("mpiplay: cannot start rank {rank}: {e}"));
            world.stop();
            return EXIT_RANK_FAILED;
        }
    }

    let mut outcomes: Vec<Option<RankOutcome>> = vec![None; opts.ranks as usize];
    let mut ending: Option<(i32, String)> = None;
    let mut stopped_at: Option<Instant> = None;
    let mut watch = DeadlockWatch::default();
    let mut recording = opts
        .trace
        .as_ref()
        .map(|_| Recording { reader: TraceReader::default(), timeline: Timeline::new(opts.ranks, TRACE_CAP) });
    let mut watched_at = Instant::now();
    loop {
        let interval = if recording.is_some() { TRACE_INTERVAL } else { WATCH_INTERVAL };
        let next = rx.recv_timeout(interval);
        if let Some(rec) = recording.as_mut() {
            rec.drain(&world);
            if let Ok((rank, outcome)) = &next
                && !world.is_process(*rank)
            {
                rec.timeline.rank_ended(*rank, origin.elapsed().as_secs_f64(), LaneEnd::of(outcome));
            }
        }
        match next {
            Ok((slot, _)) if world.is_process(slot) => {
                // A process's end is in the World (its parent reads its exit
                // code there); it only ends the run if it was the last thing running.
                if outcomes.iter().all(Option::is_some) && world.live_processes().is_empty() {
                    break;
                }
                continue;
            }
            Ok((rank, outcome)) => {
                if ending.is_none() {
                    ending = ending_for(rank, &outcome, &sink);
                    if ending.is_some() {
                        world.stop();
                        stopped_at = Some(Instant::now());
                    }
                }
                outcomes[rank as usize] = Some(outcome);
                if outcomes.iter().all(Option::is_some) && (ending.is_some() || world.live_processes().is_empty()) {
                    break;
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // The last processes may end by being terminated, with their
                // threads still unwinding (or never reaching a runtime call).
                if outcomes.iter().all(Option::is_some) && world.live_processes().is_empty() {
                    break;
                }
            }
        }
        if let Some(t) = stopped_at {
            if t.elapsed() > UNWIND_GRACE {
                break;
            }
            continue;
        }
        if let Some(limit) = opts.timeout {
            if origin.elapsed() >= limit {
                let running: Vec<u32> =
                    outcomes.iter().enumerate().filter(|(_, o)| o.is_none()).map(|(r, _)| r as u32).collect();
                let timeout = timeout_ending(limit, &running);
                ending = Some((timeout.exit_status, format!("mpiplay: {}", timeout.report)));
                world.stop();
                stopped_at = Some(Instant::now());
                continue;
            }
        }
        if watched_at.elapsed() < WATCH_INTERVAL {
            continue;
        }
        watched_at = Instant::now();
        if let Some(report) = watch.check(&world) {
            if let Some(rec) = recording.as_mut() {
                rec.drain(&world);
                rec.timeline.deadlock(report.cycle.clone(), origin.elapsed().as_secs_f64());
            }
            ending = Some((EXIT_DEADLOCK, format!("mpiplay: {report}")));
            world.stop();
            stopped_at = Some(Instant::now());
        }
    }

    let status = match ending {
        Some((status, report)) => {
            sink.report(&report);
            status
        }
        None => 0,
    };
    if let (Some(mut rec), Some(path)) = (recording, opts.trace.as_ref()) {
        rec.drain(&world);
        rec.timeline.add_dropped(rec.reader.dropped);
        if let Err(e) = std::fs::write(path, rec.timeline.to_chrome_trace()) {
            sink.report(&format!("mpiplay: cannot write the trace to {}: {e}", path.display()));
            return if status == 0 { EXIT_RANK_FAILED } else { status };
        }
    }
    status
}

/// Whether a rank's end ends the run: its exit status and the report to print.
/// A failing rank's traceback is printed at once, labelled like its output.
fn ending_for(rank: u32, outcome: &RankOutcome, sink: &Sink) -> Option<(i32, String)> {
    let ending = outcome.ending(rank)?;
    if let RankOutcome::Failed { traceback, .. } = outcome
        && !traceback.is_empty()
    {
        sink.write(rank, Stream::Stderr, traceback);
    }
    Some((ending.exit_status, format!("mpiplay: {}", ending.report)))
}
