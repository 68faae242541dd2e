//! What the page shows of a run while it goes on and after it ended: every
//! rank's status row (state, script line, time in that state, messages and
//! bytes), read from the World every tick, and, while the user has the
//! timeline open, the ranks' trace drained into a [`Timeline`].
//!
//! Reading the rows costs a few dozen atomic loads a rank per tick; the
//! trace is recorded only while the timeline is open (the World's `TRACE`
//! word, which ranks look at on every call).

use mpi_core::World;
use mpi_core::timeline::{LaneEnd, Timeline};
use mpi_core::trace::{RankStatus, TraceReader};

/// One rank's row of the status table.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusRow {
    pub status: RankStatus,
    /// "running", "blocked in recv(source=3, tag=7, comm=COMM_WORLD)", ...
    pub state: String,
    /// When (seconds into the run) the rank entered that state.
    pub since: f64,
}

/// A run as the timeline and the status table see it.
#[derive(Debug)]
pub struct Observation {
    reader: TraceReader,
    pub timeline: Timeline,
    pub rows: Vec<StatusRow>,
    /// Whether ranks record trace events now.
    pub recording: bool,
    /// Seconds into the run at the latest look (frozen once it ended).
    pub now: f64,
    pub running: bool,
    /// Bumped on every change, so views redraw only when something moved.
    pub revision: u64,
}

impl Observation {
    pub fn new(ranks: u32, recording: bool) -> Self {
        Observation {
            reader: TraceReader::default(),
            timeline: Timeline::new(ranks, Timeline::DEFAULT_CAP),
            rows: Vec::new(),
            recording,
            now: 0.0,
            running: true,
            revision: 0,
        }
    }

    /// One look at the World, `now` seconds into the run. After a deadlock
    /// the rows keep the calls the ranks were stuck in (what follows is
    /// their unwinding).
    pub fn look(&mut self, world: &World, now: f64) {
        if !self.running || self.timeline.deadlock_at.is_some() {
            return;
        }
        self.now = now;
        let rows = world.status();
        for (r, status) in rows.into_iter().enumerate() {
            let state = status.describe();
            match self.rows.get_mut(r) {
                Some(row) if row.state == state => row.status = status,
                Some(row) => *row = StatusRow { status, state, since: now },
                None => self.rows.push(StatusRow { status, state, since: now }),
            }
        }
        if self.recording {
            let lost_before = self.reader.dropped;
            for (rank, ev) in self.reader.drain(world) {
                self.timeline.add(rank, ev);
            }
            self.timeline.add_dropped(self.reader.dropped - lost_before);
        }
        self.revision += 1;
    }

    pub fn rank_ended(&mut self, rank: u32, now: f64, how: LaneEnd) {
        self.timeline.rank_ended(rank, now, how);
        self.revision += 1;
    }

    /// The run ended: a last look, then everything stays as it was.
    pub fn finish(&mut self, world: &World, now: f64) {
        self.look(world, now);
        self.running = false;
        self.revision += 1;
    }
}
