//! Deadlock analysis on live runs: real cycles and waits on finished ranks are
//! reported (and `World::stop` then unblocks the ranks), correct but slow or
//! backpressured programs are never reported, and `abort` ends a run with its
//! code and rank.

mod common;

use common::{ok, pattern, run_on, wait_for_verdict};
use mpi_core::{Activity, BlockedOp, MpiError, RunState, SendMode, Verdict, WORLD_CTX, analyze};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// Runs `rank` on every rank of a fresh World while an observer waits (up to
/// one second) for a deadlock verdict and then stops the run. Returns the
/// verdict seen and each rank's result.
fn run_into_deadlock<T: Send>(
    ranks: u32,
    rank: impl Fn(&mut mpi_core::Endpoint) -> T + Sync,
) -> (Option<mpi_core::DeadlockReport>, Vec<T>) {
    run_into_deadlock_on(common::world(ranks, None), rank)
}

/// [`run_into_deadlock`] on a World of the caller's.
fn run_into_deadlock_on<T: Send>(
    world: mpi_core::World,
    rank: impl Fn(&mut mpi_core::Endpoint) -> T + Sync,
) -> (Option<mpi_core::DeadlockReport>, Vec<T>) {
    thread::scope(|s| {
        let observer = s.spawn(|| {
            let verdict = wait_for_verdict(&world, Duration::from_secs(1), |v| matches!(v, Verdict::Deadlock(_)));
            // Stop in any case, so the ranks unwind even when no deadlock was seen.
            world.stop();
            match verdict {
                Some(Verdict::Deadlock(report)) => Some(report),
                _ => None,
            }
        });
        let results = run_on(&world, rank);
        let report = observer.join().expect("the observer thread");
        assert_eq!(world.run_state(), RunState::Stopped);
        (report, results)
    })
}

#[test]
fn sends_too_large_to_be_buffered_deadlock_and_the_report_says_why() {
    // Both ranks send first, then receive: fine for small messages, a
    // deadlock under MPICH once the message is larger than its eager limit.
    let world = common::world(2, None);
    world.set_eager_limit(Some(mpi_core::World::MPICH_EAGER_LIMIT));
    let (report, _) = run_into_deadlock_on(world, |ep| {
        let peer = 1 - ep.world_rank() as i32;
        ep.send(WORLD_CTX, peer, 0, vec![0; 80_000], SendMode::Standard)?;
        ep.recv(WORLD_CTX, peer, 0).map(drop)
    });
    let report = report.expect("no deadlock reported within 1 s");
    assert_eq!(report.cycle, vec![0, 1]);
    for (rank, on) in &report.blocked {
        assert_eq!((on.op, on.peer), (BlockedOp::Send, Some(1 - rank)));
        let r = on.rendezvous.expect("a rendezvous send");
        assert_eq!((r.bytes, r.eager_limit), (80_000, 8255));
    }
    let text = report.to_string();
    assert!(
        text.contains(
            "rank 0 is blocked in send of 80000 bytes to rank 1 (tag=0, comm=COMM_WORLD), which waits for a \
             matching receive because it is larger than the 8255-byte eager limit"
        ),
        "{text}"
    );
}

#[test]
fn two_ranks_receiving_from_each_other_deadlock_until_stopped() {
    let (report, results) = run_into_deadlock(2, |ep| {
        let peer = 1 - ep.world_rank() as i32;
        ep.recv(WORLD_CTX, peer, 0)
    });
    let report = report.expect("no deadlock reported within 1 s");
    assert_eq!(report.cycle, vec![0, 1]);
    assert!(report.finished.is_empty() && report.waits_on_finished.is_empty(), "{report:?}");
    assert_eq!(report.blocked.len(), 2);
    for (rank, on) in &report.blocked {
        assert_eq!((on.op, on.peer, on.tag, on.ctx), (BlockedOp::Recv, Some(1 - rank), Some(0), WORLD_CTX));
    }
    let text = report.to_string();
    assert!(text.contains("rank 0 is blocked in recv(source=1, tag=0, comm=COMM_WORLD)"), "{text}");
    assert!(text.contains("wait-for cycle: rank 0 -> rank 1 -> rank 0"), "{text}");
    // The stop woke both blocked receives, which returned instead of hanging.
    for (rank, r) in results.iter().enumerate() {
        assert_eq!(r, &Err(MpiError::Stopped), "rank {rank}");
    }
}

#[test]
fn synchronous_sends_to_each_other_deadlock() {
    let (report, results) = run_into_deadlock(2, |ep| {
        let peer = 1 - ep.world_rank() as i32;
        ep.send(WORLD_CTX, peer, 0, vec![1; 10], SendMode::Synchronous)
    });
    let report = report.expect("no deadlock reported within 1 s");
    assert_eq!(report.cycle, vec![0, 1]);
    assert!(report.blocked.iter().all(|(_, on)| on.op == BlockedOp::Ssend), "{report:?}");
    assert!(results.iter().all(|r| r == &Err(MpiError::Stopped)));
}

#[test]
fn a_ring_of_receives_and_a_barrier_is_a_longer_cycle() {
    // Rank 0 enters a barrier that ranks 1 and 2 never reach: they wait for a
    // message from their left neighbour.
    let (report, results) = run_into_deadlock(3, |ep| match ep.world_rank() {
        0 => ep.barrier(WORLD_CTX).map(drop),
        r => ep.recv(WORLD_CTX, r as i32 - 1, 0).map(drop),
    });
    let report = report.expect("no deadlock reported within 1 s");
    assert_eq!(report.cycle, vec![0, 1]);
    let zero = report.blocked.iter().find(|(r, _)| *r == 0).expect("rank 0 is blocked").1;
    assert_eq!((zero.op, zero.peer), (BlockedOp::Barrier, Some(1)));
    assert!(report.to_string().contains("barrier(comm=COMM_WORLD), waiting for rank 1"), "{report}");
    assert!(results.iter().all(|r| r == &Err(MpiError::Stopped)));
}

#[test]
fn receiving_from_a_finished_rank_is_reported() {
    let (report, results) =
        run_into_deadlock(2, |ep| if ep.world_rank() == 0 { ep.recv(WORLD_CTX, 1, 0).map(drop) } else { Ok(()) });
    let report = report.expect("no deadlock reported within 1 s");
    assert_eq!(report.waits_on_finished, vec![(0, 1)]);
    assert_eq!(report.finished, vec![1]);
    assert!(report.cycle.is_empty(), "{report:?}");
    assert!(report.to_string().contains("rank 0 waits for rank 1, which has already finished"), "{report}");
    assert_eq!(results, vec![Err(MpiError::Stopped), Ok(())]);
}

/// Polls the state table while `rank` runs on every rank, and fails if any
/// consistent snapshot is judged a deadlock. `pause` is the polling interval
/// (zero: poll as fast as possible). Returns how many snapshots showed at
/// least one blocked rank.
fn never_deadlocked(
    ranks: u32,
    ring: Option<u32>,
    pause: Duration,
    rank: impl Fn(&mut mpi_core::Endpoint) + Sync,
) -> usize {
    let world = common::world(ranks, ring);
    let finished = AtomicBool::new(false);
    let blocked_seen = AtomicUsize::new(0);
    thread::scope(|s| {
        let observer = s.spawn(|| {
            while !finished.load(Ordering::SeqCst) {
                if let Some(states) = world.snapshot() {
                    if let Verdict::Deadlock(report) = analyze(&states) {
                        world.stop();
                        return Some(format!("{report}\nstates: {states:?}"));
                    }
                    if states.iter().any(|s| s.activity == Activity::Blocked) {
                        blocked_seen.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if pause.is_zero() { thread::yield_now() } else { thread::sleep(pause) }
            }
            None
        });
        // A false report stops the run, so the ranks' MPI calls fail: that
        // failure is only a consequence, the report is the cause.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_on(&world, |ep| rank(ep))));
        finished.store(true, Ordering::SeqCst);
        if let Some(report) = observer.join().expect("the observer thread") {
            panic!("a correct program was reported as deadlocked:\n{report}");
        }
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    });
    blocked_seen.into_inner()
}

#[test]
fn slow_but_correct_ranks_are_not_a_deadlock() {
    let blocked = never_deadlocked(3, None, Duration::from_millis(5), |ep| {
        let me = ep.world_rank();
        let (right, left) = ((me + 1) % 3, (me + 2) % 3);
        // A token goes twice around the ring, counting its hops; every rank
        // sleeps before passing it on, so the others sit blocked in recv meanwhile.
        for round in 0..2u8 {
            let mut hops = 0;
            if me != 0 || round > 0 {
                let got = ok("recv", ep.recv(WORLD_CTX, left as i32, 0)).data.expect("a payload");
                hops = got[0];
                assert_eq!(hops, 3 * round + me as u8, "rank {me}, round {round}");
            }
            thread::sleep(Duration::from_millis(200));
            ok("send", ep.send(WORLD_CTX, right as i32, 0, vec![hops + 1], SendMode::Standard));
        }
        if me == 0 {
            assert_eq!(ok("recv", ep.recv(WORLD_CTX, 2, 0)).data, Some(vec![6]));
        }
        // Everyone waits in a collective for a slow root.
        if me == 1 {
            thread::sleep(Duration::from_millis(200));
        }
        ok("bcast", ep.bcast(WORLD_CTX, (me == 1).then(|| vec![5]), 1));
        ok("barrier", ep.barrier(WORLD_CTX));
    });
    assert!(blocked > 0, "the observer never saw a blocked rank, so it tested nothing");
}

#[test]
fn backpressured_transfers_are_not_a_deadlock() {
    // Large messages through 4 KiB inboxes: senders repeatedly block for room
    // while their receivers block for the rest of the message. Each such pair is
    // momentarily "both blocked, inboxes empty" between a drain and the sender's
    // wake-up; the analysis must not take that for a deadlock. The observer
    // polls without pause to catch such windows.
    let blocked = never_deadlocked(3, Some(4096), Duration::ZERO, |ep| {
        let me = ep.world_rank();
        let (right, left) = ((me + 1) % 3, (me + 2) % 3);
        for round in 0..3u64 {
            let data = pattern(round * 10 + u64::from(me), 2 << 20);
            let req = ok(
                "isend",
                ep.isend(
                    WORLD_CTX,
                    right as i32,
                    0,
                    data,
                    if round == 2 { SendMode::Synchronous } else { SendMode::Standard },
                ),
            );
            let got = ok("recv", ep.recv(WORLD_CTX, left as i32, 0));
            assert!(got.data == Some(pattern(round * 10 + u64::from(left), 2 << 20)), "round {round}: payload altered");
            ok("wait", ep.wait(req));
        }
    });
    assert!(blocked > 0, "the observer never saw a blocked rank, so it tested nothing");
}

#[test]
fn abort_stops_the_run_with_its_code_and_rank() {
    let world = common::world(3, None);
    let results = run_on(&world, |ep| match ep.world_rank() {
        0 => ep.recv(WORLD_CTX, 1, 0).map(drop),
        1 => {
            // Abort only once rank 0 is really blocked in its receive.
            while !matches!(ep.world().snapshot(), Some(s) if s[0].activity == Activity::Blocked) {
                thread::sleep(Duration::from_millis(1));
            }
            ep.abort(3);
            // A second abort does not overwrite the first.
            ep.world().abort(2, 9);
            Ok(())
        }
        _ => ep.barrier(WORLD_CTX),
    });
    assert_eq!(results[0], Err(MpiError::Stopped), "rank 0's blocked recv must unwind");
    assert_eq!(results[2], Err(MpiError::Stopped), "rank 2's barrier must unwind");
    assert_eq!(world.run_state(), RunState::Aborted);
    assert_eq!(world.abort_info(), Some((3, 1)));
    // A stop after the abort keeps the abort's record.
    world.stop();
    assert_eq!(world.abort_info(), Some((3, 1)));
}
