//! [`Playground`]: the worker pool and the active run.

use super::observe::Observation;
use super::record::{OutputLine, Record, RunResult, Status};
use js_sys::{Object, Reflect};
use mpi_core::timeline::LaneEnd;
use mpi_core::{DeadlockWatch, Ending, Layout, RankOutcome, World, timeout_ending};
use mpi_web::SabMemory;
use mpi_web::protocol::{CREDITS_FIELD, FromWorker, ToWorker, WORLD_FIELD, from_js, to_js};
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

/// The most ranks a run may have (the UI offers 1 to 64).
pub const MAX_RANKS: u32 = 64;
/// Workers kept warm between runs, ready for the next Run.
const WARM_WORKERS: usize = 4;
/// Idle workers kept after a large run (the rest are let go: each holds an interpreter).
const MAX_IDLE_WORKERS: usize = 16;
/// How often the supervisor looks at the World while a run is on.
const TICK_MS: i32 = 20;
/// How long ranks get to unwind after the run was stopped before their workers are terminated.
const UNWIND_GRACE_MS: f64 = 300.0;
/// Runs a worker serves before it is replaced: each run leaves its interpreter
/// behind in the worker's wasm memory, which never shrinks.
const MAX_RUNS_PER_WORKER: u32 = 40;
/// Workers that fail to start in a row before the pool gives up (and says why).
const MAX_STARTUP_FAILURES: u32 = 3;

/// What a page asks to run.
#[derive(Clone, Debug)]
pub struct RunRequest {
    /// What the ranks run, in rank order: one program, or several (MPMD).
    pub programs: Vec<ProgramRun>,
    /// `None`: no limit (Stop ends the run).
    pub timeout_ms: Option<f64>,
    /// Standard-mode sends of more bytes wait for their matching receive;
    /// `None`: every send is buffered (see `World::set_eager_limit`).
    pub eager_limit: Option<u32>,
    /// Rank 0's stdin (the others read an empty one, as under mpiexec).
    pub stdin: String,
    /// The workspace the run's file system starts with: paths relative to
    /// its root (the ranks' working directory) and their bytes.
    pub files: Vec<(String, Vec<u8>)>,
}

/// One program of a run: its script, on its range of ranks.
#[derive(Clone, Debug)]
pub struct ProgramRun {
    pub source: String,
    /// Shown in tracebacks and as `sys.argv[0]`.
    pub path: String,
    pub args: Vec<String>,
    pub ranks: u32,
}

impl RunRequest {
    /// Ranks of all programs.
    pub fn ranks(&self) -> u32 {
        self.programs.iter().map(|p| p.ranks).sum()
    }
}

/// The program `rank` runs and its index (`MPI.APPNUM`); a process runs its
/// parent rank's.
fn program_of(programs: &[ProgramRun], rank: u32) -> (u32, &ProgramRun) {
    let i = mpi_core::launch::program_of(programs.iter().map(|p| p.ranks), rank).unwrap_or(0);
    (i as u32, &programs[i])
}

/// What a run tells its listener, in order.
#[derive(Clone, Debug)]
pub enum RunEvent {
    /// Output as it arrives (arrival order across ranks).
    Output(Vec<OutputLine>),
    /// The run ended; nothing follows.
    Finished(RunResult),
}

type Listener = Rc<dyn Fn(RunEvent)>;
/// Work to do once the state is no longer borrowed (listeners may call back in).
type Deferred = Vec<Box<dyn FnOnce()>>;

/// The page's runtime: cheap to clone, one per page.
#[derive(Clone)]
pub struct Playground(Rc<RefCell<Inner>>);

enum Module {
    Loading,
    Ready(JsValue),
    Failed(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotState {
    /// Instantiating the module and creating its first interpreter.
    Starting,
    /// An interpreter is warm; free for a run.
    Ready,
    /// Runs World slot `n` of the active run: a rank, or a process after the ranks.
    Busy(u32),
    /// Its rank ended; it is warming the next interpreter.
    Rewarming,
}

struct Slot {
    id: u32,
    worker: Worker,
    state: SlotState,
    runs: u32,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

struct Pending {
    request: RunRequest,
    listener: Listener,
    requested_at: f64,
}

/// A `multiprocessing` process of the active run.
struct Process {
    /// The rank whose output its output counts as.
    rank: u32,
    name: String,
    /// The worker running it, once it has one.
    worker: Option<u32>,
    /// Ended by itself (its worker is reusable) or terminated.
    over: bool,
}

struct Active {
    world: World,
    /// The World and credit buffers, posted to each process's worker too.
    world_buffer: js_sys::SharedArrayBuffer,
    credits_buffer: js_sys::SharedArrayBuffer,
    /// What the ranks run; a process runs its parent rank's script.
    programs: Vec<ProgramRun>,
    /// The workspace the run's file system started with, to tell what the
    /// run wrote.
    seeded: Vec<(String, Vec<u8>)>,
    /// Processes by World slot, and those waiting for a free worker.
    processes: BTreeMap<u32, Process>,
    spawn_queue: VecDeque<u32>,
    /// Output batches taken, per rank (see `CREDITS_FIELD`).
    credits: js_sys::Int32Array,
    record: Record,
    listener: Listener,
    requested_at: f64,
    launched_at: f64,
    /// The shared clock at launch: zero of output timestamps and `MPI.Wtime()`.
    origin_ms: f64,
    timeout_ms: Option<f64>,
    /// Slot id of each rank.
    slots: Vec<u32>,
    watch: DeadlockWatch,
    /// The status table and timeline of this run (kept as the page's last
    /// observation when it ends).
    observation: Rc<RefCell<Observation>>,
    stopping_since: Option<f64>,
    interval: i32,
    _tick: Closure<dyn FnMut()>,
}

impl Active {
    /// Every rank has ended and no process still runs (or the run already
    /// has an ending: its processes are terminated). A process that ended in
    /// the World may still have output in flight: its worker posts that
    /// before its exit, so the run waits for the exit too.
    fn is_over(&self) -> bool {
        let processes_over =
            self.world.live_processes().is_empty() && self.processes.values().all(|p| p.over || p.worker.is_none());
        self.record.all_exited() && (self.record.ended() || processes_over)
    }
}

struct Inner {
    me: Weak<RefCell<Inner>>,
    base_url: String,
    module: Module,
    slots: Vec<Slot>,
    next_slot: u32,
    warm_target: usize,
    startup_failures: u32,
    pending: Option<Pending>,
    active: Option<Active>,
    ready_waiters: Vec<Box<dyn FnOnce(Result<(), String>)>>,
    /// Whether runs record their timeline (the user has it open).
    recording: bool,
    /// The latest run's status table and timeline, running or ended.
    observation: Option<Rc<RefCell<Observation>>>,
    /// What a worker asked the page to cache (every worker names the same
    /// files), kept until the page is ready and fetches it (`prefetch`).
    prefetch: Option<Vec<String>>,
    /// Whether that fetch has started: it is done once per page.
    prefetched: bool,
}

/// Bytes of the rank runtime fetched so far, and the total when known.
pub type Progress = Rc<dyn Fn(f64, Option<f64>)>;

/// `performance.now()` on the UI thread.
fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// The clock workers share: `performance.timeOrigin + performance.now()`.
fn shared_clock_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.time_origin() + p.now())
}

/// Why the page is not isolated, as web/isolate.js found out (it may be
/// about to reload the page through its service worker).
fn isolation_problem() -> String {
    let report = Reflect::get(&js_sys::global(), &"mpiIsolation".into()).unwrap_or(JsValue::UNDEFINED);
    let field = |k: &str| Reflect::get(&report, &k.into()).ok();
    if field("pending").and_then(|p| p.as_bool()) == Some(true) {
        return "Making the page cross-origin isolated (it reloads once)…".to_owned();
    }
    match field("reason").and_then(|r| r.as_string()) {
        Some(reason) => format!("{} {reason}", crate::ISOLATION_MISSING),
        None => crate::ISOLATION_MISSING.to_owned(),
    }
}

/// Whether the page may use SharedArrayBuffer at all.
pub fn cross_origin_isolated() -> bool {
    Reflect::get(&js_sys::global(), &"crossOriginIsolated".into()).ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

impl Playground {
    /// Starts loading the rank runtime from `base_url` (where `rank-worker.js`
    /// and `mpi-worker_bg.wasm` are served) and warming workers; `progress`
    /// hears how the download goes.
    pub fn new(base_url: &str, progress: Progress) -> Self {
        let inner = Rc::new_cyclic(|me| {
            RefCell::new(Inner {
                me: me.clone(),
                base_url: base_url.to_owned(),
                module: Module::Loading,
                slots: Vec::new(),
                next_slot: 0,
                warm_target: WARM_WORKERS,
                startup_failures: 0,
                pending: None,
                active: None,
                ready_waiters: Vec::new(),
                recording: false,
                observation: None,
                prefetch: None,
                prefetched: false,
            })
        });
        let playground = Playground(inner);
        if !cross_origin_isolated() {
            playground.0.borrow_mut().module = Module::Failed(isolation_problem());
        } else {
            let me = playground.clone();
            let url = format!("{base_url}mpi-worker_bg.wasm");
            wasm_bindgen_futures::spawn_local(async move {
                let module = super::runtime_load::compile(&url, progress).await;
                me.module_loaded(module);
            });
        }
        playground
    }

    /// Whether two handles are the same playground.
    pub fn same(&self, other: &Playground) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// Resolves when the runtime is compiled and the warm workers are ready
    /// (or fails with the reason it cannot be).
    pub fn when_ready(&self, then: impl FnOnce(Result<(), String>) + 'static) {
        let mut inner = self.0.borrow_mut();
        match &inner.module {
            Module::Failed(why) => {
                let why = why.clone();
                drop(inner);
                then(Err(why));
            }
            _ if inner.is_ready() => {
                drop(inner);
                then(Ok(()));
            }
            _ => inner.ready_waiters.push(Box::new(then)),
        }
    }

    /// Keeps at least `n` workers warm (a page calls it when the rank count changes).
    pub fn warm(&self, n: usize) {
        self.with(|inner, _| {
            inner.warm_target = n.clamp(1, MAX_RANKS as usize);
            inner.top_up();
        });
    }

    /// Starts a run; `listener` hears its output and its end. A run already
    /// in progress is stopped first.
    pub fn run(&self, request: RunRequest, listener: impl Fn(RunEvent) + 'static) {
        let listener: Listener = Rc::new(listener);
        self.with(|inner, deferred| {
            inner.stop_current(deferred);
            let requested_at = now();
            if !(1..=MAX_RANKS).contains(&request.ranks()) {
                let why = format!("the number of ranks must be 1 to {MAX_RANKS}, not {}", request.ranks());
                inner.reject(listener, requested_at, request.ranks(), why, deferred);
                return;
            }
            if let Module::Failed(why) = &inner.module {
                let why = why.clone();
                inner.reject(listener, requested_at, request.ranks(), why, deferred);
                return;
            }
            inner.warm_target = inner.warm_target.max((request.ranks() as usize).min(MAX_IDLE_WORKERS));
            let needed = request.ranks() as usize;
            inner.pending = Some(Pending { request, listener, requested_at });
            let available = inner
                .slots
                .iter()
                .filter(|s| matches!(s.state, SlotState::Starting | SlotState::Ready | SlotState::Rewarming))
                .count();
            for _ in available..needed {
                inner.spawn();
            }
            inner.try_launch(deferred);
        });
    }

    /// Records the timeline of runs (from now on in the run going on, too),
    /// or stops recording it.
    pub fn set_recording(&self, on: bool) {
        self.with(|inner, _| {
            inner.recording = on;
            if let Some(active) = &inner.active {
                active.world.set_tracing(on);
                active.observation.borrow_mut().recording = on;
            }
        });
    }

    /// The status table and timeline of the run going on, or of the last one.
    pub fn observation(&self) -> Option<Rc<RefCell<Observation>>> {
        self.0.borrow().observation.clone()
    }

    /// Stops the run in progress (its workers are terminated, which always
    /// works, even in `while True: pass`).
    pub fn stop(&self) {
        self.with(|inner, deferred| inner.stop_current(deferred));
    }

    /// Runs `f` on the state, then the listener calls it queued.
    fn with<R>(&self, f: impl FnOnce(&mut Inner, &mut Deferred) -> R) -> R {
        let mut deferred: Deferred = Vec::new();
        let result = f(&mut self.0.borrow_mut(), &mut deferred);
        for call in deferred {
            call();
        }
        result
    }

    fn module_loaded(&self, module: Result<JsValue, String>) {
        self.with(|inner, deferred| match module {
            Ok(m) => {
                inner.module = Module::Ready(m);
                inner.top_up();
            }
            Err(why) => inner.fail_module(why, deferred),
        });
    }

    fn on_worker_message(&self, slot: u32, data: JsValue) {
        let message = from_js::<FromWorker>(data);
        self.with(|inner, deferred| match message {
            Ok(FromWorker::Ready { .. }) => inner.slot_ready(slot, deferred),
            Ok(FromWorker::Prefetch { urls }) => {
                if !inner.prefetched {
                    inner.prefetch = Some(urls);
                    inner.prefetch_once_ready();
                }
            }
            Ok(FromWorker::Output { chunks }) => inner.slot_output(slot, chunks, deferred),
            Ok(FromWorker::Exit { outcome }) => inner.slot_exit(slot, outcome, deferred),
            Ok(FromWorker::Crash { message }) => inner.slot_crash(slot, message, deferred),
            Ok(FromWorker::Spawn { slot: process, name }) => inner.process_spawn(process, name, deferred),
            Ok(FromWorker::Kill { slot: process }) => inner.process_kill(process, deferred),
            Ok(FromWorker::Warning { text }) => {
                if let Some(active) = &mut inner.active {
                    active.record.warn(text);
                }
            }
            Err(e) => inner.slot_crash(slot, format!("unreadable message from a rank worker: {e}"), deferred),
        });
    }

    fn on_tick(&self) {
        self.with(|inner, deferred| inner.tick(deferred));
    }
}

impl Inner {
    fn playground(&self) -> Playground {
        Playground(self.me.upgrade().expect("the playground outlives its callbacks"))
    }

    fn is_ready(&self) -> bool {
        matches!(self.module, Module::Ready(_))
            && self.slots.iter().filter(|s| s.state == SlotState::Ready).count() >= self.warm_target.min(WARM_WORKERS)
    }

    fn slot_mut(&mut self, id: u32) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| s.id == id)
    }

    /// Starts workers until `warm_target` are warm or warming.
    fn top_up(&mut self) {
        if !matches!(self.module, Module::Ready(_)) {
            return;
        }
        let warm = self.slots.iter().filter(|s| !matches!(s.state, SlotState::Busy(_))).count();
        for _ in warm..self.warm_target {
            self.spawn();
        }
    }

    fn spawn(&mut self) {
        let Module::Ready(module) = &self.module else { return };
        let id = self.next_slot;
        self.next_slot += 1;
        let worker = match Worker::new(&format!("{}rank-worker.js", self.base_url)) {
            Ok(w) => w,
            Err(e) => {
                self.module = Module::Failed(format!("cannot start a rank worker: {}", describe(&e)));
                return;
            }
        };
        let on_message = {
            let playground = self.playground();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                playground.on_worker_message(id, event.data())
            })
        };
        let on_error = {
            let playground = self.playground();
            Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
                event.prevent_default();
                let message = format!("the rank's worker failed: {}", event.message());
                playground.with(|inner, deferred| inner.slot_crash(id, message, deferred));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let init = Object::new();
        let _ = Reflect::set(&init, &"kind".into(), &"init".into());
        let _ = Reflect::set(&init, &"module".into(), module);
        if let Err(e) = worker.post_message(&init) {
            self.module = Module::Failed(format!("cannot hand the runtime to a worker: {}", describe(&e)));
            worker.terminate();
            return;
        }
        self.slots.push(Slot {
            id,
            worker,
            state: SlotState::Starting,
            runs: 0,
            _on_message: on_message,
            _on_error: on_error,
        });
    }

    fn remove_slot(&mut self, id: u32) {
        if let Some(pos) = self.slots.iter().position(|s| s.id == id) {
            let slot = self.slots.remove(pos);
            slot.worker.terminate();
        }
    }

    fn slot_ready(&mut self, id: u32, deferred: &mut Deferred) {
        let idle = self.slots.iter().filter(|s| s.state == SlotState::Ready).count();
        let Some(slot) = self.slot_mut(id) else { return };
        if slot.state == SlotState::Starting {
            self.startup_failures = 0;
        }
        let Some(slot) = self.slot_mut(id) else { return };
        slot.state = SlotState::Ready;
        let spawns_waiting = self.active.as_ref().is_some_and(|a| !a.spawn_queue.is_empty());
        if idle >= MAX_IDLE_WORKERS.max(self.warm_target) && self.pending.is_none() && !spawns_waiting {
            self.remove_slot(id);
        }
        self.launch_processes(deferred);
        self.try_launch(deferred);
        if self.is_ready() {
            for waiter in self.ready_waiters.drain(..) {
                deferred.push(Box::new(move || waiter(Ok(()))));
            }
            self.prefetch_once_ready();
        }
    }

    /// Once the page is ready (nothing it needs first is left to download),
    /// fetches what the workers named into the browser's cache, once.
    fn prefetch_once_ready(&mut self) {
        if self.is_ready() {
            if let Some(urls) = self.prefetch.take() {
                self.prefetched = true;
                super::prefetch::into_cache(&self.base_url, urls);
            }
        }
    }

    fn slot_output(&mut self, id: u32, chunks: Vec<mpi_web::protocol::Chunk>, deferred: &mut Deferred) {
        let Some(SlotState::Busy(slot)) = self.slots.iter().find(|s| s.id == id).map(|s| s.state) else { return };
        let Some(active) = &mut self.active else { return };
        // Taken: the rank may post another batch.
        let _ = js_sys::Atomics::add(&active.credits, slot, 1);
        let _ = js_sys::Atomics::notify(&active.credits, slot);
        let lines = match active.processes.get(&slot) {
            Some(p) => active.record.add_process_output(p.rank, &p.name, chunks),
            None => active.record.add_output(slot, chunks),
        };
        if !lines.is_empty() {
            let listener = active.listener.clone();
            deferred.push(Box::new(move || listener(RunEvent::Output(lines))));
        }
    }

    fn slot_exit(&mut self, id: u32, outcome: RankOutcome, deferred: &mut Deferred) {
        let Some(slot) = self.slot_mut(id) else { return };
        let SlotState::Busy(rank) = slot.state else { return };
        slot.state = SlotState::Rewarming;
        if self.is_process(rank) {
            // Its exit code is in the World already, where its parent reads it.
            self.process_over(rank, None, deferred);
        } else {
            self.rank_ended(rank, outcome, deferred);
        }
    }

    fn is_process(&self, slot: u32) -> bool {
        self.active.as_ref().is_some_and(|a| a.processes.contains_key(&slot))
    }

    /// A script asked for a process in World slot `slot`: it runs on the next free worker.
    fn process_spawn(&mut self, slot: u32, name: String, deferred: &mut Deferred) {
        let Some(active) = &mut self.active else { return };
        if !active.world.is_process(slot) {
            return;
        }
        let rank = active.world.root_rank(slot);
        active.processes.insert(slot, Process { rank, name, worker: None, over: false });
        active.spawn_queue.push_back(slot);
        let free = self.slots.iter().filter(|s| !matches!(s.state, SlotState::Busy(_))).count();
        let queued = self.active.as_ref().map_or(0, |a| a.spawn_queue.len());
        for _ in free..queued {
            self.spawn();
        }
        self.launch_processes(deferred);
    }

    /// Starts waiting processes on ready workers.
    fn launch_processes(&mut self, deferred: &mut Deferred) {
        loop {
            let Some(id) = self.slots.iter().find(|s| s.state == SlotState::Ready).map(|s| s.id) else { return };
            let Some(active) = &mut self.active else { return };
            let Some(slot) = active.spawn_queue.pop_front() else { return };
            if active.world.has_ended(slot) {
                // Terminated before it had a worker.
                continue;
            }
            // A process imports its parent rank's script as `__mp_main__`;
            // it is none of the MPMD programs (a spawned one learns its
            // APPNUM from its boot message).
            let parent = active.processes.get(&slot).map_or(0, |p| p.rank);
            let (_, program) = program_of(&active.programs, parent);
            let message = to_js(&ToWorker::Run {
                rank: slot,
                source: program.source.clone(),
                path: program.path.clone(),
                args: program.args.clone(),
                appnum: 0,
                stdin: String::new(),
                origin_ms: active.origin_ms,
            });
            let _ = Reflect::set(&message, &WORLD_FIELD.into(), &active.world_buffer);
            let _ = Reflect::set(&message, &CREDITS_FIELD.into(), &active.credits_buffer);
            if let Some(p) = active.processes.get_mut(&slot) {
                p.worker = Some(id);
            }
            let worker = self.slot_mut(id).expect("ready slot exists");
            worker.state = SlotState::Busy(slot);
            worker.runs += 1;
            if let Err(e) = worker.worker.post_message(&message) {
                let why = format!("cannot hand a process to its worker: {}", describe(&e));
                self.slot_crash(id, why, deferred);
            }
        }
    }

    /// `Process.terminate()`: its worker is terminated (the World says it ended).
    fn process_kill(&mut self, slot: u32, deferred: &mut Deferred) {
        let Some(active) = &mut self.active else { return };
        let Some(p) = active.processes.get_mut(&slot) else { return };
        if p.over {
            return;
        }
        p.over = true;
        let worker = p.worker.take();
        active.world.kill_process(slot);
        // Its worker is terminated below: a recyclable slot may be reused.
        active.world.release_process(slot);
        if let Some(id) = worker {
            self.remove_slot(id);
        }
        self.top_up();
        self.maybe_finish(deferred);
    }

    /// A process's worker ended it (`crash`: the runtime failed, said on its rank's stderr).
    fn process_over(&mut self, slot: u32, crash: Option<String>, deferred: &mut Deferred) {
        let Some(active) = &mut self.active else { return };
        let Some(p) = active.processes.get_mut(&slot) else { return };
        p.over = true;
        // Its worker is done with it: a recyclable slot may be reused.
        active.world.release_process(slot);
        if let Some(message) = crash {
            // Its worker is gone already.
            p.worker = None;
            active.world.end_process(slot, 1);
            let text = format!("process {} crashed: {message}\n", p.name);
            let t = shared_clock_ms() - active.origin_ms;
            let chunk = mpi_web::protocol::Chunk { stream: mpi_web::protocol::StreamName::Stderr, text, t };
            let lines = active.record.add_process_output(p.rank, &p.name, vec![chunk]);
            let listener = active.listener.clone();
            deferred.push(Box::new(move || listener(RunEvent::Output(lines))));
        }
        self.maybe_finish(deferred);
    }

    /// Ends the run once it is over (see [`Active::is_over`]).
    fn maybe_finish(&mut self, deferred: &mut Deferred) {
        if self.active.as_ref().is_some_and(Active::is_over) {
            self.finish(deferred);
        }
    }

    fn slot_crash(&mut self, id: u32, message: String, deferred: &mut Deferred) {
        let Some(state) = self.slots.iter().find(|s| s.id == id).map(|s| s.state) else { return };
        self.remove_slot(id);
        match state {
            SlotState::Busy(slot) if self.is_process(slot) => self.process_over(slot, Some(message), deferred),
            SlotState::Busy(rank) => {
                let outcome = RankOutcome::Crashed { message };
                self.rank_ended(rank, outcome, deferred);
            }
            SlotState::Starting => {
                self.startup_failures += 1;
                if self.startup_failures >= MAX_STARTUP_FAILURES {
                    self.fail_module(format!("the rank runtime cannot start: {message}"), deferred);
                } else {
                    self.top_up();
                }
            }
            SlotState::Ready | SlotState::Rewarming => self.top_up(),
        }
    }

    fn fail_module(&mut self, why: String, deferred: &mut Deferred) {
        self.module = Module::Failed(why.clone());
        for waiter in self.ready_waiters.drain(..) {
            let why = why.clone();
            deferred.push(Box::new(move || waiter(Err(why))));
        }
        if let Some(p) = self.pending.take() {
            self.reject(p.listener, p.requested_at, p.request.ranks(), why, deferred);
        }
    }

    /// Ends a run that could not start, with `why` as its report.
    fn reject(&mut self, listener: Listener, requested_at: f64, ranks: u32, why: String, deferred: &mut Deferred) {
        let mut record = Record::new(ranks);
        record.end(Status::Error, Ending { exit_status: 1, report: why });
        let result = record.finish(now() - requested_at);
        deferred.push(Box::new(move || listener(RunEvent::Finished(result))));
    }

    fn try_launch(&mut self, deferred: &mut Deferred) {
        let ready: Vec<u32> = self.slots.iter().filter(|s| s.state == SlotState::Ready).map(|s| s.id).collect();
        let Some(pending) = &self.pending else { return };
        if self.active.is_some() || ready.len() < pending.request.ranks() as usize {
            return;
        }
        let Pending { request, listener, requested_at } = self.pending.take().expect("checked above");
        let mut layout = Layout::new(request.ranks());
        // Room for the workspace and all a run may write (the fs quota), in
        // memory the browser commits only as it is touched.
        let seeded: usize = request.files.iter().map(|(_, data)| data.len()).sum();
        layout.heap_bytes = mpi_core::fs::heap_bytes_for_files(seeded);
        let memory = SabMemory::new(layout.word_len());
        let buffer = memory.buffer().clone();
        let world = World::create(Arc::new(memory), layout);
        let files: Vec<(String, Vec<u8>)> = request.files.iter().map(|(name, data)| (format!("/{name}"), data.clone())).collect();
        if let Err(e) = world.fs_seed(&files, js_sys::Date::now() / 1000.0) {
            let why = match e {
                mpi_core::fs::FsError::Errno(code) => mpi_core::fs::strerror(code),
                mpi_core::fs::FsError::Stopped => "the run was stopped",
            };
            let total: usize = files.iter().map(|(_, d)| d.len()).sum();
            let report = format!("The workspace's files ({total} bytes) could not be given to the run: {why}");
            self.reject(listener, requested_at, request.ranks(), report, deferred);
            return;
        }
        let cores = web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency()) as usize;
        world.set_spin_for_cores(cores);
        world.set_eager_limit(request.eager_limit);
        world.set_tracing(self.recording);
        let observation = Rc::new(RefCell::new(Observation::new(request.ranks(), self.recording)));
        self.observation = Some(observation.clone());
        let origin_ms = shared_clock_ms();
        let credits_buffer = js_sys::SharedArrayBuffer::new(4 * world.slots());
        let credits = js_sys::Int32Array::new(&credits_buffer);
        let slots: Vec<u32> = ready[..request.ranks() as usize].to_vec();
        // Ranks whose worker refused the run end it as crashed, once the run is active.
        let mut unstarted = Vec::new();
        for (rank, id) in slots.iter().enumerate() {
            let (appnum, program) = program_of(&request.programs, rank as u32);
            let message = to_js(&ToWorker::Run {
                rank: rank as u32,
                source: program.source.clone(),
                path: program.path.clone(),
                args: program.args.clone(),
                appnum,
                stdin: if rank == 0 { request.stdin.clone() } else { String::new() },
                origin_ms,
            });
            let _ = Reflect::set(&message, &WORLD_FIELD.into(), &buffer);
            let _ = Reflect::set(&message, &CREDITS_FIELD.into(), &credits_buffer);
            let slot = self.slot_mut(*id).expect("ready slot exists");
            slot.state = SlotState::Busy(rank as u32);
            slot.runs += 1;
            if let Err(e) = slot.worker.post_message(&message) {
                unstarted.push((*id, format!("cannot hand rank {rank} to its worker: {}", describe(&e))));
            }
        }
        let tick = {
            let playground = self.playground();
            Closure::<dyn FnMut()>::new(move || playground.on_tick())
        };
        let interval = web_sys::window()
            .and_then(|w| {
                w.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), TICK_MS).ok()
            })
            .unwrap_or(0);
        let ranks = request.ranks();
        self.active = Some(Active {
            world,
            world_buffer: buffer,
            credits_buffer,
            programs: request.programs,
            seeded: request.files,
            processes: BTreeMap::new(),
            spawn_queue: VecDeque::new(),
            credits,
            record: Record::new(ranks),
            listener,
            requested_at,
            launched_at: now(),
            origin_ms,
            timeout_ms: request.timeout_ms,
            slots,
            watch: DeadlockWatch::default(),
            observation,
            stopping_since: None,
            interval,
            _tick: tick,
        });
        for (id, why) in unstarted {
            self.slot_crash(id, why, deferred);
        }
        self.top_up();
    }

    fn rank_ended(&mut self, rank: u32, outcome: RankOutcome, deferred: &mut Deferred) {
        let Some(active) = &mut self.active else { return };
        let t = shared_clock_ms() - active.origin_ms;
        active.observation.borrow_mut().rank_ended(rank, t / 1000.0, LaneEnd::of(&outcome));
        let (ending, shown) = active.record.rank_exited(rank, &outcome, t);
        if !shown.is_empty() {
            let listener = active.listener.clone();
            deferred.push(Box::new(move || listener(RunEvent::Output(shown))));
        }
        if ending.is_some() && active.stopping_since.is_none() {
            active.world.stop();
            active.stopping_since = Some(now());
        }
        self.maybe_finish(deferred);
    }

    fn tick(&mut self, deferred: &mut Deferred) {
        let Some(active) = &mut self.active else { return };
        if active.is_over() {
            self.finish(deferred);
            return;
        }
        let t = now();
        active.observation.borrow_mut().look(&active.world, (shared_clock_ms() - active.origin_ms) / 1000.0);
        if let Some(since) = active.stopping_since {
            if t - since > UNWIND_GRACE_MS {
                self.finish(deferred);
            }
            return;
        }
        if let Some(limit) = active.timeout_ms
            && t - active.launched_at >= limit
        {
            let ending = timeout_ending(Duration::from_secs_f64(limit / 1000.0), &active.record.running());
            active.record.end(Status::Timeout, ending);
            active.world.stop();
            active.stopping_since = Some(t);
            return;
        }
        if let Some(report) = active.watch.check(&active.world) {
            let at = (shared_clock_ms() - active.origin_ms) / 1000.0;
            let mut observation = active.observation.borrow_mut();
            observation.look(&active.world, at);
            observation.timeline.deadlock(report.cycle.clone(), at);
            drop(observation);
            active.record.end_deadlocked(&report);
            active.world.stop();
            active.stopping_since = Some(t);
        }
    }

    fn stop_current(&mut self, deferred: &mut Deferred) {
        if let Some(p) = self.pending.take() {
            let mut record = Record::new(p.request.ranks());
            record.end(Status::Stopped, stopped_ending(&[]));
            let result = record.finish(now() - p.requested_at);
            let listener = p.listener;
            deferred.push(Box::new(move || listener(RunEvent::Finished(result))));
        }
        if let Some(active) = &mut self.active {
            let ending = stopped_ending(&active.record.running());
            active.record.end(Status::Stopped, ending);
            active.world.stop();
            self.finish(deferred);
        }
    }

    /// Ends the active run: workers whose rank did not end are terminated,
    /// the listener gets the result, the pool is refilled.
    fn finish(&mut self, deferred: &mut Deferred) {
        let Some(active) = self.active.take() else { return };
        if let Some(window) = web_sys::window() {
            window.clear_interval_with_handle(active.interval);
        }
        active.observation.borrow_mut().finish(&active.world, (shared_clock_ms() - active.origin_ms) / 1000.0);
        let mut kept = self.slots.iter().filter(|s| s.state == SlotState::Ready).count();
        let processes = active.processes.values().filter_map(|p| p.worker.map(|w| (w, p.over)));
        let ranks = active.slots.iter().enumerate().map(|(rank, id)| (*id, active.record.has_exited(rank as u32)));
        for (id, exited) in ranks.chain(processes).collect::<Vec<_>>() {
            let worn = self.slots.iter().find(|s| s.id == id).is_some_and(|s| s.runs >= MAX_RUNS_PER_WORKER);
            if exited && !worn && kept < MAX_IDLE_WORKERS.max(self.warm_target) {
                kept += 1;
            } else {
                self.remove_slot(id);
            }
        }
        let mut result = active.record.finish(now() - active.requested_at);
        result.files = written_files(&active.seeded, active.world.fs_files());
        let listener = active.listener;
        deferred.push(Box::new(move || listener(RunEvent::Finished(result))));
        self.top_up();
        self.try_launch(deferred);
    }
}

/// The files a run created or changed: those of its file system at the end
/// that the workspace it started with did not hold as they are.
fn written_files(seeded: &[(String, Vec<u8>)], at_end: Vec<(String, Vec<u8>)>) -> Vec<crate::workspace::File> {
    at_end
        .into_iter()
        .filter(|(name, data)| !seeded.iter().any(|(n, d)| n == name && d == data))
        .map(|(name, data)| crate::workspace::File { name, contents: crate::workspace::Contents::from_bytes(data) })
        .collect()
}

/// The ending of a run stopped from the page while `running` ranks had not ended.
fn stopped_ending(running: &[u32]) -> Ending {
    let report = match running {
        [] => "stopped before it started".to_owned(),
        [one] => format!("stopped; rank {one} was still running"),
        many => {
            let list: Vec<String> = many.iter().map(u32::to_string).collect();
            format!("stopped; ranks {} were still running", list.join(", "))
        }
    };
    // 143: what a shell reports for a process ended by SIGTERM.
    Ending { exit_status: 143, report }
}

/// A JS error as text.
pub fn describe(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
