//! Where ranks' output goes natively: whole lines to the process's stdout and
//! stderr, optionally labelled `[rank] ` as `mpiexec -l` does, each chunk under
//! one lock so lines of different ranks never splice.

use crate::supervisor::Launcher;
use mpi_python::{RankHost, Stream};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

/// The shared sink every rank writes to.
pub struct Sink {
    pub label: bool,
}

impl Sink {
    pub fn write(&self, rank: u32, stream: Stream, text: &str) {
        let mut buf = String::with_capacity(text.len() + 8);
        for line in text.split_inclusive('\n') {
            if self.label {
                buf.push_str(&format!("[{rank}] "));
            }
            buf.push_str(line);
            if !line.ends_with('\n') {
                // The last words of a rank that ended mid-line.
                buf.push('\n');
            }
        }
        let _ = match stream {
            Stream::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(buf.as_bytes()).and_then(|_| out.flush())
            }
            Stream::Stderr => std::io::stderr().lock().write_all(buf.as_bytes()),
        };
    }

    /// A message of the runner itself (never labelled).
    pub fn report(&self, text: &str) {
        let _ = std::io::stdout().lock().flush();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{}", text.trim_end());
    }
}

pub fn flush_all() {
    let _ = std::io::stdout().lock().flush();
    let _ = std::io::stderr().lock().flush();
}

/// One rank's (or process's) view of the host.
pub struct NativeHost {
    /// Its slot in the World: a rank, or a process slot after the ranks.
    pub slot: u32,
    /// The rank its output is labelled with: a process writes to its root
    /// rank's stdout, as a child of an mpiexec'd process does.
    pub label: u32,
    pub sink: Arc<Sink>,
    pub origin: Instant,
    pub launcher: Arc<Launcher>,
}

impl RankHost for NativeHost {
    fn output(&self, stream: Stream, text: &str) {
        // A terminated process may run on until its next runtime call; what it
        // prints meanwhile is not wanted (a killed process prints nothing).
        if !self.launcher.world.is_killed(self.slot) {
            self.sink.write(self.label, stream, text);
        }
    }

    fn spawn_process(&self, slot: u32, _name: &str) -> Result<(), String> {
        self.launcher.start(slot).map_err(|e| e.to_string())
    }

    fn kill_process(&self, _slot: u32) {
        // Threads cannot be killed: the World's flag stops it at its next call.
    }

    fn cpu_count(&self) -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    fn pid(&self, slot: u32) -> u32 {
        // Ranks are threads of this process and report its pid, as os.getpid()
        // does; each process slot gets a distinct one after it.
        let base = std::process::id();
        if self.launcher.world.is_process(slot) { base + slot } else { base }
    }

    fn wtime(&self) -> f64 {
        self.origin.elapsed().as_secs_f64()
    }

    fn sleep(&self, seconds: f64) {
        std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
    }

    fn clock(&self) -> f64 {
        self.origin.elapsed().as_secs_f64()
    }

    fn warn(&self, text: &str) {
        self.sink.report(&format!("mpiplay: warning: {text}"));
    }

    fn processor_name(&self) -> String {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".to_owned())
    }
}
