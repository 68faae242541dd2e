//! Intercommunicators and communicators made from groups, over 2, 3 and 5
//! ranks split into a low group (world ranks below `n / 2`, at least one)
//! and a high group: creation through a peer communicator and from groups,
//! point-to-point naming remote ranks, every blocking collective with ROOT /
//! PROC_NULL roots (folding order shown by concatenation), Merge's order,
//! Dup and Split, Create_group among a subset while the others do something
//! else, and a deadlock report for a rank blocked on an intercommunicator.

mod common;

use common::{ok, run, run_on, wait_for_verdict};
use mpi_core::{BlockedOp, Endpoint, ErrorClass, MpiError, PROC_NULL, ROOT, SendMode, UNDEFINED, Verdict, WORLD_CTX};
use std::thread;
use std::time::Duration;

const SIZES: [u32; 3] = [2, 3, 5];

fn concat(mut a: Vec<u8>, b: Vec<u8>) -> Result<Vec<u8>, MpiError> {
    a.extend(b);
    Ok(a)
}

/// The low group's size for `n` ranks.
fn low(n: u32) -> u32 {
    (n / 2).max(1)
}

/// Splits the world in two and joins the halves: (intercomm, local comm,
/// whether this rank is in the low group).
fn halves(ep: &mut Endpoint, n: u32) -> (u32, u32, bool) {
    let me = ep.world_rank();
    let is_low = me < low(n);
    let local = ok("split", ep.comm_split(WORLD_CTX, is_low as i32, 0)).expect("a color");
    let remote_leader = if is_low { low(n) as i32 } else { 0 };
    let inter = ok("intercomm_create", ep.intercomm_create(local, 0, WORLD_CTX, remote_leader, 42));
    (inter, local, is_low)
}

#[test]
fn creation_gives_both_groups_in_order() {
    for n in SIZES {
        run(n, None, |ep| {
            let (inter, _, is_low) = halves(ep, n);
            let me = ep.world_rank();
            let (lows, highs): (Vec<u32>, Vec<u32>) = ((0..low(n)).collect(), (low(n)..n).collect());
            let (mine, theirs) = if is_low { (lows, highs) } else { (highs, lows) };
            assert_eq!(ok("group", ep.comm_group(inter)), mine);
            assert_eq!(ok("remote", ep.comm_remote_group(inter)), theirs);
            assert_eq!(ok("rank", ep.comm_rank(inter)), mine.iter().position(|r| *r == me).unwrap() as u32);
            assert!(ok("is_inter", ep.comm_is_inter(inter)));
            // Remote group only exists on an intercommunicator.
            let err = ep.comm_remote_group(WORLD_CTX).unwrap_err();
            assert!(matches!(err, MpiError::Mpi { class: ErrorClass::Comm, .. }), "{err:?}");
        });
    }
}

#[test]
fn point_to_point_names_remote_ranks() {
    for n in SIZES {
        run(n, None, |ep| {
            let (inter, _, _) = halves(ep, n);
            let me = ok("rank", ep.comm_rank(inter)) as u8;
            let rsize = ok("remote", ep.comm_remote_group(inter)).len() as i32;
            for dest in 0..rsize {
                ok("send", ep.send(inter, dest, 7, vec![me, dest as u8], SendMode::Standard));
            }
            for source in 0..rsize {
                let got = ok("recv", ep.recv(inter, source, 7));
                assert_eq!((got.source, got.tag), (source, 7));
                assert_eq!(got.data.unwrap(), vec![source as u8, me]);
            }
            // A rank of the local group's size but beyond the remote one is refused.
            let err = ep.send(inter, rsize, 0, Vec::new(), SendMode::Standard).unwrap_err();
            assert!(matches!(err, MpiError::Mpi { class: ErrorClass::Rank, .. }), "{err:?}");
        });
    }
}

#[test]
fn rooted_collectives_cross_between_the_groups() {
    for n in SIZES {
        run(n, None, |ep| {
            let (inter, _, is_low) = halves(ep, n);
            let me = ok("rank", ep.comm_rank(inter)) as i32;
            let rsize = ok("remote", ep.comm_remote_group(inter)).len();
            let w = ep.world_rank() as u8;
            // The root is the last rank of the high group.
            let high_size = (n - low(n)) as i32;
            let root = if is_low {
                high_size - 1
            } else if me == high_size - 1 {
                ROOT
            } else {
                PROC_NULL
            };
            let got = ok("bcast", ep.bcast(inter, Some(vec![w; 3]), root));
            if is_low {
                assert_eq!(got, vec![n as u8 - 1; 3]);
            }
            let gathered = ok("gather", ep.gather(inter, vec![w], root));
            assert_eq!(gathered, (root == ROOT).then(|| (0..rsize).map(|r| vec![r as u8]).collect()));
            let items = (root == ROOT).then(|| (0..rsize).map(|r| vec![r as u8 + 100]).collect());
            let got = ok("scatter", ep.scatter(inter, items, root));
            if is_low {
                assert_eq!(got, vec![me as u8 + 100]);
            }
            let folded = ok("reduce", ep.reduce(inter, vec![w], root, &mut concat));
            let want: Vec<u8> = (0..low(n) as u8).collect();
            assert_eq!(folded, (root == ROOT).then_some(want));
            ok("barrier", ep.barrier(inter));
        });
    }
}

#[test]
fn all_to_all_collectives_see_the_other_group() {
    for n in SIZES {
        run(n, None, |ep| {
            let (inter, _, is_low) = halves(ep, n);
            let me = ok("rank", ep.comm_rank(inter)) as u8;
            let remote: Vec<u8> = ok("remote", ep.comm_remote_group(inter)).iter().map(|r| *r as u8).collect();
            let w = ep.world_rank() as u8;
            let all = ok("allgather", ep.allgather(inter, vec![w]));
            assert_eq!(all, remote.iter().map(|r| vec![*r]).collect::<Vec<_>>());
            let items = (0..remote.len()).map(|j| vec![w, j as u8]).collect();
            let got = ok("alltoall", ep.alltoall(inter, items));
            assert_eq!(got, remote.iter().map(|r| vec![*r, me]).collect::<Vec<_>>());
            let folded = ok("allreduce", ep.allreduce(inter, vec![w], &mut concat));
            assert_eq!(folded, remote);
            // Scans need an intracommunicator.
            let err = ep.scan(inter, vec![0], false, &mut concat).unwrap_err();
            assert!(matches!(err, MpiError::Mpi { class: ErrorClass::Comm, .. }), "{err:?}");
            // A root outside both conventions is refused.
            let err = ep.bcast(inter, None, remote.len() as i32).unwrap_err();
            assert!(matches!(err, MpiError::Mpi { class: ErrorClass::Root, .. }), "{err:?} {is_low}");
        });
    }
}

#[test]
fn merge_puts_the_low_group_first() {
    for n in SIZES {
        run(n, None, |ep| {
            let (inter, _, is_low) = halves(ep, n);
            let me = ep.world_rank();
            // The high group says high=false: it comes first.
            let merged = ok("merge", ep.intercomm_merge(inter, is_low));
            let want: Vec<u32> = (low(n)..n).chain(0..low(n)).collect();
            assert_eq!(ok("group", ep.comm_group(merged)), want);
            assert_eq!(ok("rank", ep.comm_rank(merged)), want.iter().position(|r| *r == me).unwrap() as u32);
            // The same flag on both sides: the group of the lower leader first.
            let merged = ok("merge", ep.intercomm_merge(inter, true));
            assert_eq!(ok("group", ep.comm_group(merged)), (0..n).collect::<Vec<_>>());
            ok("allreduce", ep.allreduce(merged, vec![1], &mut concat));
        });
    }
}

#[test]
fn dup_and_split_keep_their_traffic_apart() {
    for n in SIZES {
        run(n, None, |ep| {
            let (inter, _, is_low) = halves(ep, n);
            let dup = ok("dup", ep.comm_dup(inter));
            assert_ne!(dup, inter);
            assert!(ok("is_inter", ep.comm_is_inter(dup)));
            // A message on the duplicate does not match a receive on the original.
            ok("send", ep.send(dup, 0, 1, vec![1], SendMode::Standard));
            ok("send", ep.send(inter, 0, 1, vec![2], SendMode::Standard));
            if ok("rank", ep.comm_rank(inter)) == 0 {
                for s in 0..ok("remote", ep.comm_remote_group(inter)).len() as i32 {
                    assert_eq!(ok("recv", ep.recv(inter, s, 1)).data.unwrap(), vec![2]);
                    assert_eq!(ok("recv", ep.recv(dup, s, 1)).data.unwrap(), vec![1]);
                }
            }
            // Split: the last world rank stays out; every other rank keeps color 0.
            let color = if ep.world_rank() == n - 1 { UNDEFINED } else { 0 };
            let split = ok("split", ep.comm_split(inter, color, 0));
            let high_left = n - low(n) - 1;
            match split {
                None => assert!(ep.world_rank() == n - 1 || (is_low && high_left == 0)),
                Some(s) => {
                    let remote = ok("remote", ep.comm_remote_group(s));
                    let want: Vec<u32> = if is_low { (low(n)..n - 1).collect() } else { (0..low(n)).collect() };
                    assert_eq!(remote, want);
                    ok("barrier", ep.barrier(s));
                }
            }
            ok("free", ep.comm_free(dup));
        });
    }
}

#[test]
fn groups_create_communicators_without_the_others() {
    run(3, None, |ep| {
        let me = ep.world_rank();
        if me == 1 {
            // Rank 1 takes no part: it waits for a message the new pair sends
            // on COMM_WORLD once it exists.
            assert_eq!(ok("recv", ep.recv(WORLD_CTX, 2, 9)).data.unwrap(), b"made");
        } else {
            let pair = ok("create_group", ep.comm_create_group(WORLD_CTX, vec![2, 0], 5));
            assert_eq!(ok("group", ep.comm_group(pair)), vec![2, 0]);
            ok("barrier", ep.barrier(pair));
            if me == 2 {
                ok("send", ep.send(WORLD_CTX, 1, 9, b"made".to_vec(), SendMode::Standard));
            }
        }
        let all = ok("from_group", ep.comm_from_group(vec![1, 2, 0], -7));
        assert_eq!(ok("rank", ep.comm_rank(all)), [2, 0, 1][me as usize]);
        let (mine, theirs) = if me == 1 { (vec![1], vec![0, 2]) } else { (vec![0, 2], vec![1]) };
        let inter = ok("from_groups", ep.intercomm_from_groups(mine, 0, theirs.clone(), 0, -9));
        assert_eq!(ok("remote", ep.comm_remote_group(inter)), theirs);
        // Not a member of the group: an error, not a hang.
        let err = ep.comm_from_group(vec![(me + 1) % 3], -7).unwrap_err();
        assert!(matches!(err, MpiError::Mpi { class: ErrorClass::Group, .. }), "{err:?}");
    });
}

#[test]
fn a_rank_blocked_on_an_intercommunicator_is_in_the_deadlock_report() {
    let world = common::world(2, None);
    thread::scope(|s| {
        let observer = s.spawn(|| {
            let verdict = wait_for_verdict(&world, Duration::from_secs(1), |v| matches!(v, Verdict::Deadlock(_)));
            world.stop();
            verdict
        });
        let results = run_on(&world, |ep| {
            // Both wait on the other's broadcast; neither is the root.
            let (inter, _, _) = halves(ep, 2);
            ep.bcast(inter, None, 0)
        });
        let Some(Verdict::Deadlock(report)) = observer.join().expect("observer") else {
            panic!("no deadlock reported within 1 s")
        };
        assert_eq!(report.cycle, vec![0, 1]);
        assert!(report.blocked.iter().all(|(r, on)| on.op == BlockedOp::Bcast && on.peer == Some(1 - r)), "{report:?}");
        assert!(results.iter().all(|r| r == &Err(MpiError::Stopped)));
    });
}
