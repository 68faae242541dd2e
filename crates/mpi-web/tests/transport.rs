//! The SharedArrayBuffer memory in a real browser (headless Chromium, run by
//! wasm-bindgen-test in a dedicated worker, where `Atomics.wait` is allowed):
//! the word operations the mailbox protocol relies on, the wait hook, byte
//! copies, and mpi-core's mailbox carrying messages between two views of one
//! buffer, as two rank workers hold it.
#![cfg(target_arch = "wasm32")]

use mpi_core::{Endpoint, Layout, SendMode, SharedMemory, WORLD_CTX, World};
use mpi_web::SabMemory;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn runs_where_atomics_wait_may_block() {
    // On a page's main thread Atomics.wait throws; in a dedicated worker, as
    // every rank runs, it sleeps until the timeout.
    let word = js_sys::Int32Array::new(&js_sys::SharedArrayBuffer::new(4));
    let slept = js_sys::Atomics::wait_with_timeout(&word, 0, 0, 5.0).expect("Atomics.wait is allowed here");
    assert_eq!(String::from(slept), "timed-out");
}

#[wasm_bindgen_test]
fn words_are_atomic_and_shared_between_views() {
    let a = SabMemory::new(16);
    let b = SabMemory::wrap(a.buffer().clone());
    assert_eq!(a.len_words(), 16);
    a.store(3, 7);
    assert_eq!(b.load(3), 7);
    assert_eq!(b.swap(3, u32::MAX), 7);
    assert_eq!(a.load(3), u32::MAX, "values above i32::MAX round-trip");
    assert_eq!(a.fetch_add(3, 2), u32::MAX);
    assert_eq!(b.load(3), 1, "fetch_add wraps like a u32");
    assert_eq!(a.compare_exchange(3, 1, 9), Ok(1));
    assert_eq!(b.compare_exchange(3, 1, 5), Err(9));
    assert_eq!(a.load(3), 9);
}

#[wasm_bindgen_test]
fn wait_returns_when_the_word_differs_and_runs_the_hook_first() {
    let calls = Rc::new(Cell::new(0));
    let counter = calls.clone();
    let mem = SabMemory::new(4).with_before_wait(move || counter.set(counter.get() + 1));
    mem.store(1, 5);
    // The word is not 4, so Atomics.wait returns "not-equal" at once.
    mem.wait(1, 4);
    assert_eq!(calls.get(), 1);
    mem.wake_all(1); // no sleepers: a no-op, not an error
}

#[wasm_bindgen_test]
fn bytes_copy_in_and_out_at_offsets() {
    let mem = SabMemory::new(1024);
    let data: Vec<u8> = (0..=255).cycle().take(3000).collect();
    mem.write_bytes(17, &data);
    let mut back = vec![0u8; 3000];
    SabMemory::wrap(mem.buffer().clone()).read_bytes(17, &mut back);
    assert_eq!(back, data);
    mem.write_bytes(0, &[]);
    mem.read_bytes(4096, &mut []);
}

#[wasm_bindgen_test]
fn the_mailbox_carries_small_and_chunked_messages_between_two_views() {
    // A 4 KiB inbox: the 1 MiB message must travel in hundreds of frames,
    // each drained by the receiver before the sender can go on.
    let layout = Layout::with_ring_bytes(2, 4096);
    let sender_mem = SabMemory::new(layout.word_len());
    let receiver_mem = SabMemory::wrap(sender_mem.buffer().clone());
    let world = World::create(Arc::new(sender_mem), layout);
    let mut rank0 = Endpoint::new(world, 0);
    let mut rank1 = Endpoint::new(World::attach(Arc::new(receiver_mem)), 1);

    rank0.send(WORLD_CTX, 1, 5, b"hello".to_vec(), SendMode::Standard).expect("small send");
    let got = rank1.recv(WORLD_CTX, 0, 5).expect("small recv");
    assert_eq!((got.data.as_deref(), got.source, got.tag), (Some(&b"hello"[..]), 0, 5));

    let big: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
    let send = rank0.isend(WORLD_CTX, 1, 6, big.clone(), SendMode::Standard).expect("isend");
    let recv = rank1.irecv(WORLD_CTX, 0, 6).expect("irecv");
    let (mut sent, mut received) = (false, None);
    for _ in 0..100_000 {
        if !sent {
            sent = rank0.test(send).expect("test send").is_some();
        }
        if received.is_none() {
            received = rank1.test(recv).expect("test recv");
        }
        if sent && received.is_some() {
            break;
        }
    }
    let received = received.expect("the 1 MiB message arrived");
    assert!(sent, "the send completed");
    assert!(received.data.as_deref() == Some(&big[..]), "1 MiB payload intact");
}
