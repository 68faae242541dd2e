//! The page's state as a pure reducer: what is in the editor, how many ranks,
//! what the last run printed and how it ended. No browser in here, so every
//! transition is unit-tested natively; components only dispatch [`Action`]s
//! and render [`State`].

use crate::runner::record::{OutputLine, RunResult, Status};
use crate::programs::Programs;
use crate::workspace::{Contents, Workspace};
use mpi_web::protocol::StreamName;
use std::collections::VecDeque;
use std::rc::Rc;

/// Lines kept for display; older ones are counted as "not shown". A flood
/// (`while True: print(i)`) must not make the page re-render millions of lines.
pub const MAX_SHOWN_LINES: usize = 2000;

/// Bounds of the rank count the page offers.
pub const MIN_RANKS: u32 = 1;
pub const MAX_RANKS: u32 = crate::runner::MAX_RANKS;

/// How output is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Every line in arrival order, labelled with its rank.
    Interleaved,
    /// One pane per rank.
    PerRank,
    /// Rank 0's lines, then rank 1's, ... (how `mpiexec -l | sort` reads).
    Sorted,
}

/// How runs complete standard-mode sends (the "Sends" setting): the eager
/// limit they run with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Sends {
    /// Buffered up to MPICH's eager limit, larger ones wait for their receive.
    #[default]
    #[serde(rename = "mpich")]
    LikeMpich,
    /// Every send waits for its receive (eager limit 0).
    #[serde(rename = "synchronous")]
    Synchronous,
    /// Every send is buffered, however large.
    #[serde(rename = "buffered")]
    Buffered,
}

impl Sends {
    pub const ALL: [Sends; 3] = [Sends::LikeMpich, Sends::Synchronous, Sends::Buffered];

    pub fn eager_limit(self) -> Option<u32> {
        match self {
            Sends::LikeMpich => Some(mpi_core::World::MPICH_EAGER_LIMIT),
            Sends::Synchronous => Some(0),
            Sends::Buffered => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sends::LikeMpich => "like MPICH",
            Sends::Synchronous => "always synchronous",
            Sends::Buffered => "always buffered",
        }
    }

    /// Its value in the page's `<select>`.
    pub fn key(self) -> &'static str {
        match self {
            Sends::LikeMpich => "mpich",
            Sends::Synchronous => "synchronous",
            Sends::Buffered => "buffered",
        }
    }

    pub fn from_key(key: &str) -> Option<Sends> {
        Sends::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// One line of output.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Position in the run's output, a stable key for rendering.
    pub seq: u64,
    pub rank: u32,
    /// The `multiprocessing` process (started by `rank`) that wrote it.
    pub process: Option<Rc<str>>,
    pub stderr: bool,
    pub text: String,
}

impl Line {
    /// "[2]" for rank 2, "[0:SpawnPoolWorker-1]" for a process rank 0 started.
    pub fn label(&self) -> String {
        match &self.process {
            Some(p) => format!("[{}:{p}]", self.rank),
            None => format!("[{}]", self.rank),
        }
    }
}

/// Where the runtime and the current run are.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Fetching and compiling the rank runtime.
    Loading {
        loaded: f64,
        total: Option<f64>,
    },
    /// The runtime cannot run here; the reason, in words.
    Unavailable(String),
    Ready,
    Running,
    Finished(Ending),
}

/// How the last run ended, as the page shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Ending {
    pub status: Status,
    pub elapsed_ms: f64,
    pub report: String,
    /// The rank whose failure ended the run, with its traceback.
    pub failure: Option<(u32, String)>,
    /// The wait-for cycle of a deadlock, and each blocked rank's call.
    pub cycle: Vec<u32>,
    /// Slots in `cycle`/`blocked` from here on are processes.
    pub first_process: u32,
    pub blocked: Vec<(u32, String)>,
    pub dropped_bytes: usize,
    /// What the ranks found wrong at their end (see `RunResult::warnings`).
    pub warnings: Vec<String>,
    /// The files the run created or changed (see `RunResult::files`).
    pub files: Vec<crate::workspace::File>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub source: String,
    pub ranks: u32,
    pub sends: Sends,
    /// What rank 0 reads on stdin (the input box), as `mpiexec < file` gives it.
    pub stdin: String,
    /// The files besides the main script, which a run's file system starts with.
    /// Shared, not copied, by every render and reduction (it may hold 16 MiB).
    pub workspace: Rc<Workspace>,
    /// The file the editor shows: `None` the main script, else a workspace file.
    pub open_file: Option<usize>,
    /// Why the latest workspace change was refused (shown until the next change).
    pub workspace_error: Option<String>,
    /// What the ranks run: the main script's arguments and further programs (MPMD).
    pub programs: Programs,
    /// The gallery example the script came from, if unchanged since.
    pub example: Option<String>,
    pub view: View,
    pub phase: Phase,
    pub lines: VecDeque<Rc<Line>>,
    /// Lines of this run no longer shown (beyond [`MAX_SHOWN_LINES`]).
    pub hidden_lines: usize,
    /// Lines of this run so far (shown or not).
    pub total_lines: u64,
    /// The line of the script a traceback points at, to mark in the editor.
    pub error_line: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Edit(String),
    SetRanks(u32),
    SetSends(Sends),
    SetStdin(String),
    SetWorkspace(Workspace),
    SetPrograms(Programs),
    /// A new empty file (a name in use is refused); it opens.
    NewFile(String),
    /// An uploaded or kept file (replacing one of the same name); a text file opens.
    AddFile { name: String, contents: Contents },
    RenameFile(usize, String),
    /// A file that could not be added (an upload that could not be read).
    RefuseFile(String),
    RemoveFile(usize),
    EditFile(usize, String),
    OpenFile(Option<usize>),
    LoadExample { name: String, source: String, ranks: u32 },
    SetView(View),
    Loading { loaded: f64, total: Option<f64> },
    Unavailable(String),
    Ready,
    RunStarted,
    Output(Vec<OutputLine>),
    Finished(Box<RunResult>),
    ClearOutput,
}

impl State {
    pub fn new(source: String, ranks: u32) -> Self {
        State {
            source,
            ranks: ranks.clamp(MIN_RANKS, MAX_RANKS),
            sends: Sends::default(),
            stdin: String::new(),
            workspace: Rc::default(),
            open_file: None,
            workspace_error: None,
            programs: Programs::default(),
            example: None,
            view: View::Interleaved,
            phase: Phase::Loading { loaded: 0.0, total: None },
            lines: VecDeque::new(),
            hidden_lines: 0,
            total_lines: 0,
            error_line: None,
        }
    }

    pub fn is_running(&self) -> bool {
        self.phase == Phase::Running
    }

    /// Whether Run may be pressed now.
    pub fn can_run(&self) -> bool {
        matches!(self.phase, Phase::Ready | Phase::Finished(_) | Phase::Running)
    }

    /// The script's name as tracebacks and downloads show it.
    pub fn script_name(&self) -> String {
        format!("{}.py", self.example.as_deref().unwrap_or("script"))
    }

    pub fn reduce(mut self, action: Action) -> Self {
        match action {
            Action::Edit(source) => {
                if source != self.source {
                    self.source = source;
                    self.example = None;
                }
            }
            Action::SetRanks(n) => self.ranks = n.clamp(MIN_RANKS, MAX_RANKS),
            Action::SetStdin(text) => self.stdin = text,
            Action::SetWorkspace(workspace) => {
                self.workspace = Rc::new(workspace);
                self.open_file = None;
            }
            Action::AddFile { name, contents } => {
                let text = matches!(contents, Contents::Text(_));
                let main = self.script_name();
                match Rc::make_mut(&mut self.workspace).add(&name, contents, &main) {
                    Ok(i) => {
                        self.workspace_error = None;
                        if text {
                            self.open_file = Some(i);
                        }
                    }
                    Err(why) => self.workspace_error = Some(why),
                }
            }
            Action::NewFile(name) => {
                let main = self.script_name();
                match Rc::make_mut(&mut self.workspace).create(&name, &main) {
                    Ok(i) => {
                        self.workspace_error = None;
                        self.open_file = Some(i);
                    }
                    Err(why) => self.workspace_error = Some(why),
                }
            }
            Action::RenameFile(i, name) => {
                let main = self.script_name();
                let old = self.workspace.files.get(i).map(|f| f.name.clone());
                self.workspace_error = Rc::make_mut(&mut self.workspace).rename(i, &name, &main).err();
                if let (None, Some(old)) = (&self.workspace_error, old) {
                    self.programs.rename_file(&old, &name);
                }
            }
            Action::SetPrograms(programs) => self.programs = programs,
            Action::RemoveFile(i) => {
                Rc::make_mut(&mut self.workspace).remove(i);
                self.workspace_error = None;
                self.open_file = match self.open_file {
                    Some(open) if open == i => None,
                    Some(open) if open > i => Some(open - 1),
                    other => other,
                };
            }
            Action::EditFile(i, text) => Rc::make_mut(&mut self.workspace).edit(i, text),
            Action::RefuseFile(why) => self.workspace_error = Some(why),
            Action::OpenFile(file) => {
                self.open_file = file.filter(|i| *i < self.workspace.files.len());
            }
            Action::SetSends(sends) => self.sends = sends,
            Action::LoadExample { name, source, ranks } => {
                self.source = source;
                self.ranks = ranks.clamp(MIN_RANKS, MAX_RANKS);
                self.example = Some(name);
                self.error_line = None;
            }
            Action::SetView(view) => self.view = view,
            Action::Loading { loaded, total } => {
                if matches!(self.phase, Phase::Loading { .. }) {
                    self.phase = Phase::Loading { loaded, total };
                }
            }
            Action::Unavailable(why) => self.phase = Phase::Unavailable(why),
            Action::Ready => {
                if matches!(self.phase, Phase::Loading { .. }) {
                    self.phase = Phase::Ready;
                }
            }
            Action::RunStarted => {
                self.phase = Phase::Running;
                self.clear_output();
                self.error_line = None;
            }
            Action::Output(lines) => self.push_output(lines),
            Action::Finished(result) => self.finish(*result),
            Action::ClearOutput => {
                self.clear_output();
                if let Phase::Finished(_) = self.phase {
                    self.phase = Phase::Ready;
                }
            }
        }
        self
    }

    fn clear_output(&mut self) {
        self.lines.clear();
        self.hidden_lines = 0;
        self.total_lines = 0;
    }

    fn push_output(&mut self, chunks: Vec<OutputLine>) {
        for chunk in chunks {
            let stderr = chunk.stream == StreamName::Stderr;
            let process: Option<Rc<str>> = chunk.process.as_deref().map(Rc::from);
            for text in chunk.text.strip_suffix('\n').unwrap_or(&chunk.text).split('\n') {
                let seq = self.total_lines;
                self.total_lines += 1;
                let (rank, process) = (chunk.rank, process.clone());
                self.lines.push_back(Rc::new(Line { seq, rank, process, stderr, text: text.to_owned() }));
            }
        }
        while self.lines.len() > MAX_SHOWN_LINES {
            self.lines.pop_front();
            self.hidden_lines += 1;
        }
    }

    fn finish(&mut self, result: RunResult) {
        let failure = result.error.as_ref().map(|e| (e.rank, e.traceback.clone()));
        self.error_line = failure.as_ref().and_then(|(_, tb)| error_line(tb, &self.script_name()));
        let (cycle, blocked, first_process) = match &result.deadlock {
            Some(d) => (d.cycle.clone(), d.blocked.clone(), d.first_process),
            None => (Vec::new(), Vec::new(), u32::MAX),
        };
        self.phase = Phase::Finished(Ending {
            status: result.status,
            elapsed_ms: result.elapsed_ms,
            report: result.report,
            failure,
            cycle,
            first_process,
            blocked,
            dropped_bytes: result.dropped_bytes,
            warnings: result.warnings,
            files: result.files,
        });
    }

    /// The text of the output as the current view shows it, for Copy.
    pub fn output_text(&self) -> String {
        let label = |l: &Line| format!("{} {}\n", l.label(), l.text);
        match self.view {
            View::Interleaved => self.lines.iter().map(|l| label(l)).collect(),
            View::Sorted | View::PerRank => self.sorted_lines().iter().map(|l| label(l)).collect(),
        }
    }

    /// Lines grouped by rank, each rank's in order.
    pub fn sorted_lines(&self) -> Vec<Rc<Line>> {
        let mut lines: Vec<Rc<Line>> = self.lines.iter().cloned().collect();
        lines.sort_by_key(|l| l.rank); // stable: keeps each rank's order
        lines
    }

    /// The ranks that printed something, or every rank of the last run.
    pub fn lines_of(&self, rank: u32) -> Vec<Rc<Line>> {
        self.lines.iter().filter(|l| l.rank == rank).cloned().collect()
    }
}

/// The line of `script` where a traceback says the error is: the last frame
/// in the script itself (deeper frames are in library code), or for a
/// SyntaxError the line it names.
pub fn error_line(traceback: &str, script: &str) -> Option<u32> {
    let needle = format!("File \"{script}\", line ");
    traceback
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix(&needle))
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .last()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::record::{DeadlockInfo, Failure, RankResult};

    #[test]
    fn the_open_file_follows_adds_and_removals_and_refusals_are_said() {
        let text = |t: &str| Contents::Text(t.to_owned());
        let s = State::new("main\n".into(), 2)
            .reduce(Action::AddFile { name: "a.py".into(), contents: text("A") })
            .reduce(Action::AddFile { name: "raw.bin".into(), contents: Contents::Binary(vec![255]) })
            .reduce(Action::AddFile { name: "b.py".into(), contents: text("B") });
        assert_eq!(s.open_file, Some(2), "a new text file opens; a binary one does not");
        let s = s.reduce(Action::RemoveFile(0));
        assert_eq!((s.open_file, s.workspace.files[1].name.as_str()), (Some(1), "b.py"), "still b.py");
        let s = s.reduce(Action::RemoveFile(1));
        assert_eq!(s.open_file, None, "the main script shows when the open file goes");
        let s = s.reduce(Action::AddFile { name: "script.py".into(), contents: text("") });
        assert_eq!(s.workspace_error.as_deref(), Some("There is already a file named \"script.py\"."));
        assert_eq!(s.workspace.files.len(), 1);
        let s = s.reduce(Action::OpenFile(Some(0))).reduce(Action::EditFile(0, "edited".into()));
        assert_eq!((s.workspace.files[0].contents.len(), s.source.as_str()), (1, "main\n"), "binary files take no edits");
    }

    fn out(rank: u32, text: &str) -> OutputLine {
        OutputLine { rank, process: None, stream: StreamName::Stdout, text: text.into(), t: 0.0 }
    }

    fn result(status: Status) -> RunResult {
        RunResult {
            status,
            elapsed_ms: 12.0,
            ranks: vec![RankResult::default()],
            output: vec![],
            report: String::new(),
            error: None,
            deadlock: None,
            dropped_bytes: 0,
            warnings: vec![],
            files: vec![],
        }
    }

    fn ready() -> State {
        State::new("print(1)\n".into(), 4).reduce(Action::Ready)
    }

    #[test]
    fn the_sends_setting_picks_the_eager_limit_runs_get() {
        let s = ready();
        assert_eq!(s.sends.eager_limit(), Some(8255), "MPICH's by default");
        let sync = s.reduce(Action::SetSends(Sends::Synchronous));
        assert_eq!(sync.sends.eager_limit(), Some(0));
        assert_eq!(sync.reduce(Action::SetSends(Sends::Buffered)).sends.eager_limit(), None);
        for sends in Sends::ALL {
            assert_eq!(Sends::from_key(sends.key()), Some(sends));
        }
        assert_eq!(Sends::from_key("sometimes"), None);
    }

    #[test]
    fn ranks_are_clamped_to_what_the_page_offers() {
        assert_eq!(State::new(String::new(), 0).ranks, 1);
        assert_eq!(ready().reduce(Action::SetRanks(500)).ranks, 64);
        assert_eq!(ready().reduce(Action::SetRanks(10)).ranks, 10);
    }

    #[test]
    fn loading_progress_then_ready_then_a_run() {
        let s = State::new(String::new(), 2).reduce(Action::Loading { loaded: 5.0, total: Some(10.0) });
        assert_eq!(s.phase, Phase::Loading { loaded: 5.0, total: Some(10.0) });
        assert!(!s.can_run());
        let s = s.reduce(Action::Ready);
        assert!(s.can_run());
        let s = s.reduce(Action::RunStarted);
        assert!(s.is_running());
        // Late progress never takes the page back to loading.
        assert!(s.clone().reduce(Action::Loading { loaded: 1.0, total: None }).is_running());
        let s = s.reduce(Action::Finished(Box::new(result(Status::Ok))));
        assert!(matches!(s.phase, Phase::Finished(Ending { status: Status::Ok, .. })));
    }

    #[test]
    fn output_splits_into_lines_and_views_order_them() {
        let s = ready().reduce(Action::RunStarted).reduce(Action::Output(vec![
            out(1, "b1\nb2\n"),
            out(0, "a1\n"),
            OutputLine { rank: 0, process: None, stream: StreamName::Stderr, text: "warn\n".into(), t: 1.0 },
        ]));
        let texts: Vec<&str> = s.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["b1", "b2", "a1", "warn"]);
        assert!(s.lines[3].stderr);
        assert_eq!(s.output_text(), "[1] b1\n[1] b2\n[0] a1\n[0] warn\n");
        let sorted = s.clone().reduce(Action::SetView(View::Sorted));
        assert_eq!(sorted.output_text(), "[0] a1\n[0] warn\n[1] b1\n[1] b2\n");
        assert_eq!(s.lines_of(1).len(), 2);
    }

    #[test]
    fn process_output_counts_as_its_ranks_with_its_own_label() {
        let worker = |text: &str| OutputLine {
            rank: 1,
            process: Some("SpawnPoolWorker-2".into()),
            stream: StreamName::Stdout,
            text: text.into(),
            t: 0.0,
        };
        let s = ready().reduce(Action::RunStarted).reduce(Action::Output(vec![
            worker("w\n"),
            out(0, "a\n"),
            out(1, "b\n"),
        ]));
        assert_eq!(s.output_text(), "[1:SpawnPoolWorker-2] w\n[0] a\n[1] b\n");
        let sorted = s.clone().reduce(Action::SetView(View::Sorted));
        assert_eq!(sorted.output_text(), "[0] a\n[1:SpawnPoolWorker-2] w\n[1] b\n");
        assert_eq!(s.lines_of(1).len(), 2, "a rank's pane holds its processes' lines");
    }

    #[test]
    fn a_flood_keeps_the_latest_lines_and_counts_the_rest() {
        let text: String = (0..MAX_SHOWN_LINES + 250).map(|i| format!("{i}\n")).collect();
        let s = ready().reduce(Action::RunStarted).reduce(Action::Output(vec![out(0, &text)]));
        assert_eq!(s.lines.len(), MAX_SHOWN_LINES);
        assert_eq!(s.hidden_lines, 250);
        assert_eq!(s.lines.back().unwrap().text, (MAX_SHOWN_LINES + 249).to_string());
        let s = s.reduce(Action::RunStarted);
        assert_eq!((s.lines.len(), s.hidden_lines), (0, 0), "a new run starts clean");
    }

    #[test]
    fn a_failure_marks_the_scripts_line_and_a_deadlock_keeps_its_cycle() {
        let mut r = result(Status::Error);
        r.error = Some(Failure {
            rank: 2,
            summary: "ZeroDivisionError: division by zero".into(),
            traceback: "Traceback (most recent call last):\n  File \"script.py\", line 3, in <module>\n    f()\n  \
                        File \"script.py\", line 7, in f\n    1/0\n  File \"lib.py\", line 99, in g\nZeroDivisionError: division by zero\n"
                .into(),
        });
        let s = ready().reduce(Action::RunStarted).reduce(Action::Finished(Box::new(r)));
        assert_eq!(s.error_line, Some(7));
        let Phase::Finished(ending) = &s.phase else { panic!("finished") };
        assert_eq!(ending.failure.as_ref().unwrap().0, 2);
        assert_eq!(s.clone().reduce(Action::RunStarted).error_line, None);

        let mut d = result(Status::Deadlock);
        d.deadlock = Some(DeadlockInfo {
            cycle: vec![1, 5],
            blocked: vec![(1, "recv".into()), (5, "recv".into())],
            first_process: 9,
        });
        let s = ready().reduce(Action::Finished(Box::new(d)));
        let Phase::Finished(ending) = &s.phase else { panic!("finished") };
        assert_eq!(ending.cycle, vec![1, 5]);
    }

    #[test]
    fn examples_name_the_script_until_it_is_edited() {
        let s = ready().reduce(Action::LoadExample { name: "broadcast".into(), source: "x = 1\n".into(), ranks: 10 });
        assert_eq!((s.ranks, s.script_name().as_str()), (10, "broadcast.py"));
        let s = s.reduce(Action::Edit("x = 1\n".into()));
        assert_eq!(s.example.as_deref(), Some("broadcast"), "an unchanged text stays the example");
        let s = s.reduce(Action::Edit("x = 2\n".into()));
        assert_eq!((s.example.clone(), s.script_name().as_str()), (None, "script.py"));
    }

    #[test]
    fn syntax_errors_point_at_their_line() {
        let tb = "  File \"script.py\", line 2\n    if True\n           ^\nSyntaxError: expected ':'\n";
        assert_eq!(error_line(tb, "script.py"), Some(2));
        assert_eq!(error_line("no frames here", "script.py"), None);
    }
}
