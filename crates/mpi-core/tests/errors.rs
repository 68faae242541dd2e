//! Argument errors of the point-to-point and collective calls (the MPI error
//! class and the offending value in the message), the PROC_NULL peer, and
//! messages a rank sends to itself.

mod common;

use common::{ok, pattern, run};
use mpi_core::{ANY_SOURCE, ANY_TAG, Endpoint, ErrorClass, MpiError, PROC_NULL, ReqId, SendMode, WORLD_CTX};

/// Asserts that `r` failed with `class` and that its message mentions every
/// string in `mentions`.
fn expect_error<T: std::fmt::Debug>(r: Result<T, MpiError>, class: ErrorClass, mentions: &[&str]) {
    match r {
        Err(MpiError::Mpi { class: got, message }) => {
            assert_eq!(got, class, "wrong error class; message: {message}");
            for m in mentions {
                assert!(message.contains(m), "error message {message:?} does not mention {m:?}");
            }
        }
        other => panic!("expected an {} error, got {other:?}", class.name()),
    }
}

#[test]
fn invalid_ranks_are_rank_errors_naming_the_value() {
    run(3, None, |ep| {
        for bad in [3, -5, 100] {
            let value = bad.to_string();
            expect_error(
                ep.send(WORLD_CTX, bad, 0, vec![1], SendMode::Standard),
                ErrorClass::Rank,
                &[&value, "less than 3"],
            );
            expect_error(ep.isend(WORLD_CTX, bad, 0, vec![1], SendMode::Synchronous), ErrorClass::Rank, &[&value]);
            expect_error(ep.recv(WORLD_CTX, bad, 0), ErrorClass::Rank, &[&value]);
            expect_error(ep.irecv(WORLD_CTX, bad, ANY_TAG), ErrorClass::Rank, &[&value]);
            expect_error(ep.iprobe(WORLD_CTX, bad, ANY_TAG), ErrorClass::Rank, &[&value]);
            expect_error(ep.probe(WORLD_CTX, bad, 0), ErrorClass::Rank, &[&value]);
        }
        // ANY_SOURCE is a source, never a destination.
        expect_error(ep.send(WORLD_CTX, ANY_SOURCE, 0, vec![], SendMode::Standard), ErrorClass::Rank, &["-2"]);
        // The only rank of COMM_SELF is 0.
        expect_error(ep.send(mpi_core::SELF_CTX, 1, 0, vec![], SendMode::Standard), ErrorClass::Rank, &["less than 1"]);
    });
}

#[test]
fn invalid_tags_are_tag_errors() {
    run(2, None, |ep| {
        let peer = 1 - ep.world_rank() as i32;
        expect_error(ep.send(WORLD_CTX, peer, -3, vec![], SendMode::Standard), ErrorClass::Tag, &["-3"]);
        // ANY_TAG is only a receive-side wildcard.
        expect_error(ep.isend(WORLD_CTX, peer, ANY_TAG, vec![], SendMode::Standard), ErrorClass::Tag, &["-1"]);
        expect_error(ep.recv(WORLD_CTX, peer, -7), ErrorClass::Tag, &["-7"]);
        expect_error(ep.iprobe(WORLD_CTX, ANY_SOURCE, -2), ErrorClass::Tag, &["-2"]);
        // Even a PROC_NULL peer does not excuse a bad tag.
        expect_error(ep.send(WORLD_CTX, PROC_NULL, -4, vec![], SendMode::Standard), ErrorClass::Tag, &["-4"]);
        // Nothing erroneous was sent: a valid exchange still works and sees no stray message.
        let got = ok("sendrecv", ep.sendrecv(WORLD_CTX, vec![ep.world_rank() as u8], peer, 5, peer, ANY_TAG));
        assert_eq!((got.source, got.tag, got.data), (peer, 5, Some(vec![peer as u8])));
        assert_eq!(ok("iprobe", ep.iprobe(WORLD_CTX, ANY_SOURCE, ANY_TAG)), None);
    });
}

#[test]
fn proc_null_peers_complete_at_once() {
    run(2, None, |ep| {
        ok("send to PROC_NULL", ep.send(WORLD_CTX, PROC_NULL, 3, vec![1, 2, 3], SendMode::Standard));
        ok("ssend to PROC_NULL", ep.send(WORLD_CTX, PROC_NULL, 3, vec![1, 2, 3], SendMode::Synchronous));
        let got = ok("recv from PROC_NULL", ep.recv(WORLD_CTX, PROC_NULL, 3));
        assert_eq!((got.source, got.tag, got.data), (PROC_NULL, ANY_TAG, None));
        let req = ok("irecv from PROC_NULL", ep.irecv(WORLD_CTX, PROC_NULL, ANY_TAG));
        let got = ok("test", ep.test(req)).expect("a PROC_NULL receive is complete at once");
        assert_eq!(got.source, PROC_NULL);
        let probed = ok("probe PROC_NULL", ep.probe(WORLD_CTX, PROC_NULL, ANY_TAG));
        assert_eq!((probed.source, probed.len), (PROC_NULL, 0));
        let got = ok("sendrecv with PROC_NULL", ep.sendrecv(WORLD_CTX, vec![9], PROC_NULL, 0, PROC_NULL, 0));
        assert_eq!((got.source, got.data), (PROC_NULL, None));
        // No PROC_NULL operation put anything on the wire.
        assert_eq!(ok("iprobe", ep.iprobe(WORLD_CTX, ANY_SOURCE, ANY_TAG)), None);
    });
}

#[test]
fn messages_to_self_are_received_in_order() {
    // A 4 KiB inbox, so the 100 KiB message to itself has to be chunked and the
    // rank must drain its own inbox while it pushes.
    run(2, Some(4096), |ep| {
        let me = ep.world_rank() as i32;
        let big = pattern(u64::from(ep.world_rank()), 100_000);
        let r1 = ok("isend to self", ep.isend(WORLD_CTX, me, 1, b"first".to_vec(), SendMode::Standard));
        let r2 = ok("isend to self", ep.isend(WORLD_CTX, me, 1, big.clone(), SendMode::Standard));
        ok("send to self", ep.send(WORLD_CTX, me, 2, b"blocking".to_vec(), SendMode::Standard));
        let got = ok("recv from self", ep.recv(WORLD_CTX, me, 1));
        assert_eq!((got.source, got.tag, got.data.as_deref()), (me, 1, Some(&b"first"[..])));
        let got = ok("recv from self", ep.recv(WORLD_CTX, ANY_SOURCE, 1));
        assert_eq!((got.source, got.tag), (me, 1));
        assert!(got.data.as_deref() == Some(&big[..]), "the chunked message to self came back altered");
        let got = ok("recv from self", ep.recv(WORLD_CTX, me, ANY_TAG));
        assert_eq!((got.tag, got.data.as_deref()), (2, Some(&b"blocking"[..])));
        ok("waitall", ep.waitall(&[r1, r2]));
        // COMM_SELF works the same way.
        ok("send on COMM_SELF", ep.send(mpi_core::SELF_CTX, 0, 4, vec![7; 10], SendMode::Standard));
        let got = ok("recv on COMM_SELF", ep.recv(mpi_core::SELF_CTX, 0, 4));
        assert_eq!((got.source, got.data), (0, Some(vec![7; 10])));
    });
}

#[test]
fn bad_roots_are_root_errors() {
    run(3, None, |ep| {
        for root in [3, -1, 42] {
            let value = root.to_string();
            expect_error(ep.bcast(WORLD_CTX, Some(vec![1]), root), ErrorClass::Root, &[&value]);
            expect_error(ep.gather(WORLD_CTX, vec![1], root), ErrorClass::Root, &[&value]);
            expect_error(ep.scatter(WORLD_CTX, Some(vec![vec![1]; 3]), root), ErrorClass::Root, &[&value]);
            let mut concat = |mut a: Vec<u8>, b: Vec<u8>| -> Result<Vec<u8>, MpiError> {
                a.extend(b);
                Ok(a)
            };
            expect_error(ep.reduce(WORLD_CTX, vec![1], root, &mut concat), ErrorClass::Root, &[&value]);
        }
        // The refused calls left no collective traffic behind: a real bcast still matches.
        let data = ok("bcast", ep.bcast(WORLD_CTX, (ep.world_rank() == 2).then(|| b"ok".to_vec()), 2));
        assert_eq!(data, b"ok");
    });
}

#[test]
fn unknown_and_completed_requests_are_request_errors() {
    run(2, None, |ep: &mut Endpoint| {
        let bogus: ReqId = 12_345;
        expect_error(ep.wait(bogus), ErrorClass::Request, &["12345"]);
        expect_error(ep.test(bogus), ErrorClass::Request, &["12345"]);
        expect_error(ep.waitany(&[bogus]), ErrorClass::Request, &[]);
        expect_error(ep.waitall(&[bogus]), ErrorClass::Request, &[]);
        // A completed request is freed: waiting on it again is an error too.
        let peer = 1 - ep.world_rank() as i32;
        let s = ok("isend", ep.isend(WORLD_CTX, peer, 0, vec![1], SendMode::Standard));
        let r = ok("irecv", ep.irecv(WORLD_CTX, peer, 0));
        ok("waitall", ep.waitall(&[s, r]));
        expect_error(ep.wait(r), ErrorClass::Request, &[&r.to_string()]);
        expect_error(ep.wait(s), ErrorClass::Request, &[&s.to_string()]);
        // An unknown request among valid ones is refused before anything completes.
        let r = ok("irecv", ep.irecv(WORLD_CTX, peer, 1));
        expect_error(ep.waitall(&[r, bogus]), ErrorClass::Request, &[]);
        ok("send", ep.send(WORLD_CTX, peer, 1, vec![2], SendMode::Standard));
        assert_eq!(ok("wait", ep.wait(r)).data, Some(vec![2]));
    });
}
