//! Where ranks' output goes natively: whole lines to the process's stdout and
//! stderr, optionally labelled `[rank] ` as `mpiexec -l` does, each chunk under
//! one lock so lines of different ranks never splice.

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

/// One rank's view of the host.
pub struct NativeHost {
    pub rank: u32,
    pub sink: Arc<Sink>,
    pub origin: Instant,
}

impl RankHost for NativeHost {
    fn output(&self, stream: Stream, text: &str) {
        self.sink.write(self.rank, stream, text);
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

    fn processor_name(&self) -> String {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".to_owned())
    }
}
