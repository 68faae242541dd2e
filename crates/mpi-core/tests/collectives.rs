//! Collective operations and communicator constructors over 1, 2, 5 and 9
//! ranks: barrier, bcast, gather, scatter, allgather, alltoall, reduce,
//! allreduce, scan and exscan (with byte-level closures that reveal the folding
//! order, and with the typed ops of `ops::combine`), comm_split, comm_dup and
//! Cartesian topologies, including isolation of their traffic from COMM_WORLD.

mod common;

use common::{ok, pattern, run};
use mpi_core::{ANY_SOURCE, ANY_TAG, ErrorClass, MpiError, PROC_NULL, ReduceOp, SendMode, WORLD_CTX, combine};
use std::sync::atomic::{AtomicUsize, Ordering};

const SIZES: [u32; 4] = [1, 2, 5, 9];

/// Folds by concatenation: the result shows the order the values were combined in.
fn concat(mut a: Vec<u8>, b: Vec<u8>) -> Result<Vec<u8>, MpiError> {
    a.extend(b);
    Ok(a)
}

fn i64_sum(a: Vec<u8>, b: Vec<u8>) -> Result<Vec<u8>, MpiError> {
    let v = |x: &[u8]| i64::from_le_bytes(x.try_into().expect("8 bytes"));
    Ok((v(&a) + v(&b)).to_le_bytes().to_vec())
}

/// A payload that differs per (root, size) and is large enough, for some
/// roots, to need several frames.
fn root_payload(root: i32, n: u32) -> Vec<u8> {
    pattern(u64::from(n) * 100 + root as u64, if root % 2 == 0 { 3 } else { 300_000 })
}

#[test]
fn barrier_lets_no_rank_leave_before_all_arrive() {
    for n in SIZES {
        let arrived = AtomicUsize::new(0);
        let n_us = n as usize;
        run(n, None, |ep| {
            for round in 0..20 {
                arrived.fetch_add(1, Ordering::SeqCst);
                ok("barrier", ep.barrier(WORLD_CTX));
                let seen = arrived.load(Ordering::SeqCst);
                // Everyone has arrived at this barrier; nobody can be past the next one.
                assert!(
                    seen >= n_us * (round + 1),
                    "round {round}: left the barrier after only {seen} arrivals of {n} ranks"
                );
                assert!(
                    seen <= n_us * (round + 2),
                    "round {round}: {seen} arrivals counted, some rank passed the next barrier early"
                );
            }
        });
        assert_eq!(arrived.load(Ordering::SeqCst), 20 * n_us);
    }
}

#[test]
fn bcast_from_every_root() {
    for n in SIZES {
        run(n, None, |ep| {
            let me = ep.world_rank() as i32;
            for root in 0..n as i32 {
                let data = (me == root).then(|| root_payload(root, n));
                let got = ok("bcast", ep.bcast(WORLD_CTX, data, root));
                assert!(got == root_payload(root, n), "n={n}: rank {me} got a wrong bcast from root {root}");
            }
        });
    }
}

#[test]
fn gather_and_scatter_with_every_root() {
    for n in SIZES {
        run(n, None, |ep| {
            let me = ep.world_rank() as i32;
            // Item sizes differ per rank, zero included, and rank 1's is chunked.
            let item =
                |r: i32, root: i32| pattern((r * 31 + root) as u64, if r == 1 { 150_000 } else { (r * 3) as usize });
            for root in 0..n as i32 {
                let got = ok("gather", ep.gather(WORLD_CTX, item(me, root), root));
                if me == root {
                    let got = got.expect("the root gets the gathered items");
                    assert_eq!(got.len(), n as usize);
                    for (r, g) in got.iter().enumerate() {
                        assert!(*g == item(r as i32, root), "n={n}, root {root}: gathered item {r} is wrong");
                    }
                } else {
                    assert!(got.is_none(), "a non-root got gathered items");
                }

                let items = (me == root).then(|| (0..n as i32).map(|r| item(r, root + 7)).collect());
                let got = ok("scatter", ep.scatter(WORLD_CTX, items, root));
                assert!(got == item(me, root + 7), "n={n}, root {root}: rank {me} got a wrong scatter item");
            }
        });
    }
}

#[test]
fn allgather_and_alltoall() {
    for n in SIZES {
        run(n, None, |ep| {
            let me = ep.world_rank();
            let all = ok("allgather", ep.allgather(WORLD_CTX, format!("rank{me}").repeat(me as usize).into_bytes()));
            let want: Vec<Vec<u8>> = (0..n).map(|r| format!("rank{r}").repeat(r as usize).into_bytes()).collect();
            assert_eq!(all, want, "n={n}: allgather on rank {me}");

            let items = (0..n).map(|j| format!("{me}->{j}").into_bytes()).collect();
            let got = ok("alltoall", ep.alltoall(WORLD_CTX, items));
            let want: Vec<Vec<u8>> = (0..n).map(|i| format!("{i}->{me}").into_bytes()).collect();
            assert_eq!(got, want, "n={n}: alltoall on rank {me}");

            // Wrong item counts are refused (MPI_ERR_COUNT) on every rank alike.
            match ep.alltoall(WORLD_CTX, vec![Vec::new(); n as usize + 1]) {
                Err(MpiError::Mpi { class: ErrorClass::Count, .. }) => {}
                other => panic!("alltoall with n+1 items: {other:?}"),
            }
        });
    }
}

#[test]
fn reduce_and_allreduce_fold_in_rank_order() {
    for n in SIZES {
        run(n, None, |ep| {
            let me = ep.world_rank();
            let ordered: Vec<u8> = (0..n as u8).collect();
            for root in 0..n as i32 {
                let got = ok("reduce", ep.reduce(WORLD_CTX, vec![me as u8], root, &mut concat));
                if me as i32 == root {
                    assert_eq!(got, Some(ordered.clone()), "n={n}: reduce at root {root} folded out of rank order");
                } else {
                    assert_eq!(got, None);
                }
                let value = (i64::from(me) * i64::from(me) + 1).to_le_bytes().to_vec();
                let got = ok("reduce", ep.reduce(WORLD_CTX, value, root, &mut i64_sum));
                let sum: i64 = (0..i64::from(n)).map(|r| r * r + 1).sum();
                if me as i32 == root {
                    assert_eq!(got, Some(sum.to_le_bytes().to_vec()));
                }
            }
            let got = ok("allreduce", ep.allreduce(WORLD_CTX, vec![me as u8, b'.'], &mut concat));
            let want: Vec<u8> = (0..n as u8).flat_map(|r| [r, b'.']).collect();
            assert_eq!(got, want, "n={n}: allreduce on rank {me}");
            let got = ok("allreduce", ep.allreduce(WORLD_CTX, (-i64::from(me)).to_le_bytes().to_vec(), &mut i64_sum));
            assert_eq!(got, (-(0..i64::from(n)).sum::<i64>()).to_le_bytes());
        });
    }
}

#[test]
fn scan_and_exscan_are_prefixes_in_rank_order() {
    for n in SIZES {
        run(n, None, |ep| {
            let me = ep.world_rank() as u8;
            let got = ok("scan", ep.scan(WORLD_CTX, vec![me], false, &mut concat));
            assert_eq!(got, Some((0..=me).collect::<Vec<u8>>()), "n={n}: scan on rank {me}");
            let got = ok("exscan", ep.scan(WORLD_CTX, vec![me], true, &mut concat));
            let want = (me > 0).then(|| (0..me).collect::<Vec<u8>>());
            assert_eq!(got, want, "n={n}: exscan on rank {me}");
            let got = ok("scan", ep.scan(WORLD_CTX, 10i64.to_le_bytes().to_vec(), false, &mut i64_sum));
            assert_eq!(got, Some((10 * (i64::from(me) + 1)).to_le_bytes().to_vec()));
        });
    }
}

#[test]
fn typed_reductions_through_combine() {
    for n in SIZES {
        run(n, None, |ep| {
            let me = ep.world_rank() as i32;
            let ints: Vec<u8> = [me, 2 * me, -me, me * me].iter().flat_map(|x| x.to_ne_bytes()).collect();
            let mut sum = |mut a: Vec<u8>, b: Vec<u8>| -> Result<Vec<u8>, MpiError> {
                combine(ReduceOp::Sum, 'i', &mut a, &b)?;
                Ok(a)
            };
            let got = ok("allreduce SUM", ep.allreduce(WORLD_CTX, ints.clone(), &mut sum));
            let s: i32 = (0..n as i32).sum();
            let sq: i32 = (0..n as i32).map(|r| r * r).sum();
            let want: Vec<u8> = [s, 2 * s, -s, sq].iter().flat_map(|x| x.to_ne_bytes()).collect();
            assert_eq!(got, want, "n={n}: SUM of 'i' on rank {me}");

            let doubles: Vec<u8> =
                [f64::from(me) * 0.5, 0.0 - f64::from(me)].iter().flat_map(|x| x.to_ne_bytes()).collect();
            let mut max = |mut a: Vec<u8>, b: Vec<u8>| -> Result<Vec<u8>, MpiError> {
                combine(ReduceOp::Max, 'd', &mut a, &b)?;
                Ok(a)
            };
            let got = ok("allreduce MAX", ep.allreduce(WORLD_CTX, doubles, &mut max));
            let top = f64::from(n as i32 - 1);
            let want: Vec<u8> = [top * 0.5, 0.0].iter().flat_map(|x| x.to_ne_bytes()).collect();
            assert_eq!(got, want, "n={n}: MAX of 'd' on rank {me}");

            let bits = (1u64 << me).to_ne_bytes().to_vec();
            let mut bor = |mut a: Vec<u8>, b: Vec<u8>| -> Result<Vec<u8>, MpiError> {
                combine(ReduceOp::Bor, 'Q', &mut a, &b)?;
                Ok(a)
            };
            let got = ok("allreduce BOR", ep.allreduce(WORLD_CTX, bits, &mut bor));
            assert_eq!(got, ((1u64 << n) - 1).to_ne_bytes());
        });
    }
}

#[test]
fn comm_split_orders_by_key_and_isolates_its_traffic() {
    for n in SIZES {
        run(n, None, |ep| {
            let me = ep.world_rank();
            let color = (me % 3) as i32;
            let sub =
                ok("comm_split", ep.comm_split(WORLD_CTX, color, -(me as i32))).expect("a color gets a communicator");
            // Reversed keys: the highest world rank of a color is its rank 0.
            let members: Vec<u32> = (0..n).rev().filter(|r| r % 3 == me % 3).collect();
            assert_eq!(ok("comm_group", ep.comm_group(sub)), members, "n={n}: group of rank {me}");
            let my_rank = members.iter().position(|r| *r == me).unwrap() as u32;
            assert_eq!(ok("comm_rank", ep.comm_rank(sub)), my_rank);
            assert_eq!(ok("comm_size", ep.comm_size(sub)), members.len() as u32);

            // Same tag on both communicators, the world message sent first: a
            // receive on the split communicator must still get the split one.
            let size = members.len() as u32;
            let (right, left) = ((my_rank + 1) % size, (my_rank + size - 1) % size);
            let world_right = (me + 1) % n;
            let world_left = (me + n - 1) % n;
            ok("send on world", ep.send(WORLD_CTX, world_right as i32, 7, b"world".to_vec(), SendMode::Standard));
            ok(
                "send on split",
                ep.send(sub, right as i32, 7, format!("split from {my_rank}").into_bytes(), SendMode::Standard),
            );
            let got = ok("recv on split", ep.recv(sub, ANY_SOURCE, ANY_TAG));
            assert_eq!(got.source, left as i32, "the source is reported as a rank of the split communicator");
            assert_eq!(got.data, Some(format!("split from {left}").into_bytes()));
            let got = ok("recv on world", ep.recv(WORLD_CTX, ANY_SOURCE, ANY_TAG));
            assert_eq!((got.source, got.data), (world_left as i32, Some(b"world".to_vec())));

            // Collectives on the split communicator stay within it.
            let all = ok("allgather on split", ep.allgather(sub, vec![me as u8]));
            assert_eq!(all, members.iter().map(|r| vec![*r as u8]).collect::<Vec<_>>());
            let sum = ok(
                "allreduce on split",
                ep.allreduce(sub, u64::from(me).to_le_bytes().to_vec(), &mut |a, b| {
                    let v = |x: &[u8]| u64::from_le_bytes(x.try_into().unwrap());
                    Ok::<_, MpiError>((v(&a) + v(&b)).to_le_bytes().to_vec())
                }),
            );
            assert_eq!(sum, members.iter().map(|r| u64::from(*r)).sum::<u64>().to_le_bytes());

            // UNDEFINED leaves a rank out.
            let odd = ok("comm_split", ep.comm_split(WORLD_CTX, if me % 2 == 1 { 1 } else { mpi_core::UNDEFINED }, 0));
            assert_eq!(odd.is_some(), me % 2 == 1);
            if let Some(odd) = odd {
                assert_eq!(ok("comm_size", ep.comm_size(odd)), n / 2);
                ok("comm_free", ep.comm_free(odd));
            }
            ok("comm_free", ep.comm_free(sub));
            assert!(ep.comm_rank(sub).is_err(), "a freed communicator is gone");
        });
    }
}

#[test]
fn comm_dup_traffic_does_not_reach_the_parent() {
    for n in SIZES {
        run(n, None, |ep| {
            let me = ep.world_rank();
            let dup = ok("comm_dup", ep.comm_dup(WORLD_CTX));
            assert_ne!(dup, WORLD_CTX);
            assert_eq!(ok("comm_rank", ep.comm_rank(dup)), me);
            assert_eq!(ok("comm_group", ep.comm_group(dup)), (0..n).collect::<Vec<_>>());
            let (right, left) = ((me + 1) % n, (me + n - 1) % n);
            // The dup message goes first; from one source, messages arrive in
            // order, so once the parent message is here the dup message is too.
            ok("send on dup", ep.send(dup, right as i32, 0, b"dup".to_vec(), SendMode::Standard));
            ok("send on parent", ep.send(WORLD_CTX, right as i32, 0, b"parent".to_vec(), SendMode::Standard));
            let got = ok("recv on parent", ep.recv(WORLD_CTX, ANY_SOURCE, ANY_TAG));
            assert_eq!((got.source, got.data), (left as i32, Some(b"parent".to_vec())));
            assert_eq!(
                ok("iprobe on parent", ep.iprobe(WORLD_CTX, ANY_SOURCE, ANY_TAG)),
                None,
                "the dup message is visible on the parent"
            );
            let probed = ok("iprobe on dup", ep.iprobe(dup, ANY_SOURCE, ANY_TAG)).expect("the dup message has arrived");
            assert_eq!((probed.source, probed.len), (left as i32, 3));
            let got = ok("recv on dup", ep.recv(dup, left as i32, 0));
            assert_eq!(got.data, Some(b"dup".to_vec()));

            // A dup of a dup is distinct from both, and collectives on it work.
            let dup2 = ok("comm_dup", ep.comm_dup(dup));
            assert!(dup2 != dup && dup2 != WORLD_CTX);
            let got = ok("bcast on dup2", ep.bcast(dup2, (me == 0).then(|| b"hello".to_vec()), 0));
            assert_eq!(got, b"hello");
        });
    }
}

/// Expected `(source, dest)` of a shift on a [3, 2] grid, computed independently
/// of the library from row-major coordinates.
fn expected_shift(rank: i32, dir: usize, disp: i32, periods: [bool; 2]) -> (i32, i32) {
    let dims = [3, 2];
    let coords = [rank / 2, rank % 2];
    let at = |delta: i32| {
        let mut c = coords;
        c[dir] += delta;
        if periods[dir] {
            c[dir] = c[dir].rem_euclid(dims[dir]);
        } else if c[dir] < 0 || c[dir] >= dims[dir] {
            return PROC_NULL;
        }
        c[0] * 2 + c[1]
    };
    (at(-disp), at(disp))
}

#[test]
fn cartesian_grid_3x2_shift_and_sub() {
    for n in [6u32, 9] {
        for periods in [[false, false], [true, false], [true, true]] {
            run(n, None, |ep| {
                let me = ep.world_rank() as i32;
                let cart = ok("cart_create", ep.cart_create(WORLD_CTX, &[3, 2], &periods, false));
                let Some(cart) = cart else {
                    assert!(me >= 6, "rank {me} of the grid got no communicator");
                    return;
                };
                assert!(me < 6, "rank {me} beyond the 6 cells got a grid communicator");
                assert_eq!(ok("comm_size", ep.comm_size(cart)), 6);
                let topo = ok("cart", ep.cart(cart)).expect("a topology is attached").clone();
                assert_eq!((topo.dims, topo.periods), (vec![3, 2], periods.to_vec()));
                assert_eq!(ok("cart_coords", ep.cart_coords(cart, me)), vec![me / 2, me % 2]);
                assert_eq!(ok("cart_rank", ep.cart_rank(cart, &[me / 2, me % 2])), me);
                match ep.cart_rank(cart, &[3, 0]) {
                    Ok(r) => assert!(periods[0] && r == 0, "coordinate 3 of a dimension of 3 gave rank {r}"),
                    Err(_) => assert!(!periods[0], "a periodic dimension must wrap"),
                }

                for dir in 0..2 {
                    for disp in [1, -1, 2] {
                        let got = ok("cart_shift", ep.cart_shift(cart, dir as i32, disp));
                        assert_eq!(
                            got,
                            expected_shift(me, dir, disp, periods),
                            "shift dir {dir} disp {disp} on rank {me}, periods {periods:?}"
                        );
                    }
                    // Data moves along the shift; PROC_NULL ends give empty completions.
                    let (src, dst) = ok("cart_shift", ep.cart_shift(cart, dir as i32, 1));
                    let got = ok("sendrecv", ep.sendrecv(cart, vec![me as u8], dst, 3, src, 3));
                    if src == PROC_NULL {
                        assert_eq!((got.source, got.data), (PROC_NULL, None));
                    } else {
                        assert_eq!((got.source, got.data), (src, Some(vec![src as u8])));
                    }
                }

                // Keep dimension 0: columns of 3 ranks, ranked by their row.
                let col = ok("cart_sub", ep.cart_sub(cart, &[true, false]));
                assert_eq!(ok("comm_size", ep.comm_size(col)), 3);
                assert_eq!(ok("comm_rank", ep.comm_rank(col)), (me / 2) as u32);
                assert_eq!(
                    ok("comm_group", ep.comm_group(col)),
                    (0..3).map(|row| (row * 2 + me % 2) as u32).collect::<Vec<_>>()
                );
                let sub_topo = ok("cart", ep.cart(col)).expect("a sub-grid keeps a topology").clone();
                assert_eq!((sub_topo.dims, sub_topo.periods), (vec![3], vec![periods[0]]));
                let members = ok("allgather on column", ep.allgather(col, vec![me as u8]));
                assert_eq!(members, (0..3).map(|row| vec![(row * 2 + me % 2) as u8]).collect::<Vec<_>>());

                // Keep dimension 1: rows of 2 ranks.
                let row = ok("cart_sub", ep.cart_sub(cart, &[false, true]));
                assert_eq!(ok("comm_size", ep.comm_size(row)), 2);
                assert_eq!(ok("comm_rank", ep.comm_rank(row)), (me % 2) as u32);
                let (src, dst) = ok("cart_shift on row", ep.cart_shift(row, 0, 1));
                let want = if periods[1] {
                    (1 - me % 2, 1 - me % 2)
                } else if me % 2 == 0 {
                    (PROC_NULL, 1)
                } else {
                    (0, PROC_NULL)
                };
                assert_eq!((src, dst), want);
            });
        }
    }
}

#[test]
fn cartesian_grid_larger_than_the_communicator_is_refused() {
    // MPICH reports this as MPI_ERR_ARG, naming both sizes.
    run(5, None, |ep| match ep.cart_create(WORLD_CTX, &[3, 2], &[false, false], false) {
        Err(MpiError::Mpi { class: ErrorClass::Arg, message })
            if message
                .contains("Size of the communicator (5) is smaller than the size of the Cartesian topology (6)") => {}
        other => panic!("a 3x2 grid on 5 ranks: {other:?}"),
    });
}
