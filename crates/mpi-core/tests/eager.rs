//! Standard-mode sends as MPICH completes them: buffered (eager) up to the
//! run's eager limit, waiting for the matching receive (rendezvous) beyond
//! it; synchronous sends always wait, buffered ones never do, and the limit's
//! two extremes (0 and none) make every standard send one or the other.

mod common;

use common::{ok, run_on};
use mpi_core::{Endpoint, SendMode, WORLD_CTX, World};

const GO: i32 = 9;

fn world_with_limit(limit: Option<u32>) -> World {
    let world = common::world(2, None);
    world.set_eager_limit(limit);
    world
}

/// Rank 0 starts a send of `len` bytes in `mode` while rank 1 has posted
/// nothing, looks whether it completed, then lets rank 1 receive it.
/// Returns whether the send completed before the receive was posted.
fn completes_before_the_receive(limit: Option<u32>, len: usize, mode: SendMode) -> bool {
    let world = world_with_limit(limit);
    let results = run_on(&world, |ep: &mut Endpoint| {
        if ep.world_rank() == 0 {
            let req = ok("isend", ep.isend(WORLD_CTX, 1, 1, vec![7; len], mode));
            // Give the message every chance to go out and be acknowledged.
            let mut done = None;
            for _ in 0..1000 {
                done = ok("test", ep.test(req));
                if done.is_some() {
                    break;
                }
            }
            ok("send go", ep.send(WORLD_CTX, 1, GO, Vec::new(), SendMode::Buffered));
            if done.is_none() {
                ok("wait", ep.wait(req));
            }
            done.is_some()
        } else {
            ok("recv go", ep.recv(WORLD_CTX, 0, GO));
            let got = ok("recv", ep.recv(WORLD_CTX, 0, 1));
            assert_eq!(got.data.map(|d| d.len()), Some(len));
            true
        }
    });
    results[0]
}

#[test]
fn standard_sends_up_to_mpichs_eager_limit_are_buffered_and_larger_ones_wait_for_the_receive() {
    let mpich = Some(World::MPICH_EAGER_LIMIT);
    assert_eq!(World::MPICH_EAGER_LIMIT, 8255);
    assert!(completes_before_the_receive(mpich, 1, SendMode::Standard));
    assert!(completes_before_the_receive(mpich, 8255, SendMode::Standard));
    assert!(!completes_before_the_receive(mpich, 8256, SendMode::Standard));
    assert!(!completes_before_the_receive(mpich, 80_000, SendMode::Standard));
}

#[test]
fn synchronous_sends_always_wait_and_buffered_sends_never_do() {
    let mpich = Some(World::MPICH_EAGER_LIMIT);
    assert!(!completes_before_the_receive(mpich, 1, SendMode::Synchronous));
    assert!(completes_before_the_receive(mpich, 80_000, SendMode::Buffered));
    assert!(completes_before_the_receive(Some(0), 80_000, SendMode::Buffered));
}

#[test]
fn a_limit_of_zero_makes_every_standard_send_wait_and_no_limit_buffers_all() {
    assert!(!completes_before_the_receive(Some(0), 0, SendMode::Standard));
    assert!(!completes_before_the_receive(Some(0), 1, SendMode::Standard));
    assert!(completes_before_the_receive(None, 200_000, SendMode::Standard));
    assert_eq!(common::world(2, None).eager_limit(), None, "a World buffers until its host sets a limit");
}
