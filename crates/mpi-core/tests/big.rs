//! Large messages and send-completion semantics: a 64 MiB message, two ranks
//! exchanging 16 MiB with blocking sends first (a blocked sender keeps draining
//! its own inbox), buffered versus synchronous sends, and a large isend that
//! completes while its sender does other work.

mod common;

use common::{first_difference, ok, pattern, run};
use mpi_core::{ANY_SOURCE, ANY_TAG, SendMode, WORLD_CTX};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

const MIB: usize = 1 << 20;

fn assert_same(what: &str, got: &[u8], want: &[u8]) {
    if let Some(at) = first_difference(got, want) {
        panic!("{what}: {} bytes received, {} expected, first difference at byte {at}", got.len(), want.len());
    }
}

#[test]
fn one_64_mib_message() {
    for ring in [None, Some(64 * 1024)] {
        run(2, ring, |ep| {
            if ep.world_rank() == 0 {
                ok("send", ep.send(WORLD_CTX, 1, 9, pattern(64, 64 * MIB), SendMode::Standard));
            } else {
                let got = ok("recv", ep.recv(WORLD_CTX, 0, 9));
                assert_eq!((got.source, got.tag), (0, 9));
                assert_same("64 MiB message", &got.data.expect("a payload"), &pattern(64, 64 * MIB));
            }
        });
    }
}

#[test]
fn blocking_sends_of_16_mib_both_ways_do_not_deadlock() {
    // Each message is 256 times the inbox: neither send can complete unless the
    // other rank, itself blocked in its send, drains its inbox meanwhile.
    for ring in [Some(64 * 1024), Some(4096), None] {
        run(2, ring, |ep| {
            let me = ep.world_rank();
            let peer = 1 - me as i32;
            ok("send", ep.send(WORLD_CTX, peer, 1, pattern(u64::from(me), 16 * MIB), SendMode::Standard));
            let got = ok("recv", ep.recv(WORLD_CTX, peer, 1));
            assert_same("16 MiB message", &got.data.expect("a payload"), &pattern(peer as u64, 16 * MIB));
        });
    }
}

#[test]
fn blocking_sends_around_a_ring_do_not_deadlock() {
    // Every rank sends 4 MiB to its right neighbour before receiving from its left.
    run(5, Some(16 * 1024), |ep| {
        let me = ep.world_rank();
        let (right, left) = ((me + 1) % 5, (me + 4) % 5);
        ok("send", ep.send(WORLD_CTX, right as i32, 0, pattern(u64::from(me), 4 * MIB), SendMode::Standard));
        let got = ok("recv", ep.recv(WORLD_CTX, left as i32, 0));
        assert_same("4 MiB message", &got.data.expect("a payload"), &pattern(u64::from(left), 4 * MIB));
    });
}

#[test]
fn standard_send_of_a_small_message_completes_before_the_receive_is_posted() {
    let sent = AtomicBool::new(false);
    run(2, None, |ep| {
        if ep.world_rank() == 0 {
            // Rank 1 posts its receive only after this send has returned, so a
            // send that waited for its receive would deadlock (and the watchdog
            // would say so).
            ok("send", ep.send(WORLD_CTX, 1, 0, b"buffered".to_vec(), SendMode::Standard));
            sent.store(true, Ordering::SeqCst);
        } else {
            while !sent.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(1));
            }
            assert_eq!(ok("recv", ep.recv(WORLD_CTX, 0, 0)).data, Some(b"buffered".to_vec()));
        }
    });
}

#[test]
fn ssend_completes_only_after_the_matching_receive() {
    for len in [16, 3 * MIB] {
        let posted = AtomicBool::new(false);
        run(2, Some(64 * 1024), |ep| {
            if ep.world_rank() == 0 {
                ok("send", ep.send(WORLD_CTX, 1, 5, b"unrelated".to_vec(), SendMode::Standard));
                ok("ssend", ep.send(WORLD_CTX, 1, 4, pattern(4, len), SendMode::Synchronous));
                assert!(posted.load(Ordering::SeqCst), "ssend of {len} bytes returned before the receive was posted");
            } else {
                // An unrelated message first: the ssend must not be acknowledged by it.
                let got = ok("recv", ep.recv(WORLD_CTX, 0, 5));
                assert_eq!(got.data, Some(b"unrelated".to_vec()));
                thread::sleep(Duration::from_millis(150));
                posted.store(true, Ordering::SeqCst);
                let got = ok("recv", ep.recv(WORLD_CTX, 0, 4));
                assert_same("ssend payload", &got.data.expect("a payload"), &pattern(4, len));
            }
        });
    }
}

#[test]
fn issend_stays_pending_until_matched() {
    let tested = AtomicBool::new(false);
    run(2, None, |ep| {
        if ep.world_rank() == 0 {
            let req = ok("issend", ep.isend(WORLD_CTX, 1, 2, b"sync".to_vec(), SendMode::Synchronous));
            // The message is in rank 1's inbox by now, but rank 1 has not received it.
            for _ in 0..50 {
                assert!(ok("test", ep.test(req)).is_none(), "an issend completed before its receive was posted");
                thread::sleep(Duration::from_millis(1));
            }
            tested.store(true, Ordering::SeqCst);
            ok("wait", ep.wait(req));
        } else {
            while !tested.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(1));
            }
            let probed =
                ok("iprobe", ep.iprobe(WORLD_CTX, 0, 2)).expect("the message was delivered before it was matched");
            assert_eq!(probed.len, 4);
            assert_eq!(ok("recv", ep.recv(WORLD_CTX, ANY_SOURCE, ANY_TAG)).data, Some(b"sync".to_vec()));
        }
    });
}

#[test]
fn large_isend_completes_while_the_sender_works() {
    run(2, Some(64 * 1024), |ep| {
        let len = 32 * MIB;
        if ep.world_rank() == 0 {
            let req = ok("isend", ep.isend(WORLD_CTX, 1, 1, pattern(32, len), SendMode::Standard));
            // Work outside MPI: the message cannot move, but nothing is lost.
            let local: u64 = pattern(7, MIB).iter().map(|b| u64::from(*b)).sum();
            assert!(local > 0);
            // Other traffic with the same peer while the large message is in flight.
            let got = ok("recv", ep.recv(WORLD_CTX, 1, 2));
            assert_eq!(got.data, Some(b"meanwhile".to_vec()));
            // Polling with test drives progress too.
            let mut polls = 0u64;
            let done = loop {
                if let Some(done) = ok("test", ep.test(req)) {
                    break done;
                }
                polls += 1;
                if polls.is_multiple_of(64) {
                    thread::yield_now();
                }
            };
            assert_eq!(done.data, None, "a send completion carries no payload");
            // A second large isend, completed by a plain wait.
            let req = ok("isend", ep.isend(WORLD_CTX, 1, 3, pattern(33, len / 2), SendMode::Standard));
            let local: u64 = pattern(8, MIB).iter().map(|b| u64::from(*b)).sum();
            assert!(local > 0);
            ok("wait", ep.wait(req));
        } else {
            ok("send", ep.send(WORLD_CTX, 0, 2, b"meanwhile".to_vec(), SendMode::Standard));
            let got = ok("recv", ep.recv(WORLD_CTX, 0, 1));
            assert_same("first isend", &got.data.expect("a payload"), &pattern(32, len));
            let got = ok("recv", ep.recv(WORLD_CTX, 0, 3));
            assert_same("second isend", &got.data.expect("a payload"), &pattern(33, len / 2));
        }
    });
}
