//! How `mpiplay` behaves as a command: bad input, failing ranks, Abort,
//! deadlocks, timeouts, labels, arguments and many ranks. Each case is a
//! small script inline with the exit status and output it must give.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn context(&self) -> String {
        format!("exit status {}\n--- stdout:\n{}--- stderr:\n{}", self.status, self.stdout, self.stderr)
    }
}

/// Writes `source` to a fresh file and runs `mpiplay ARGS... file EXTRA...`.
fn run(args: &[&str], source: &str, extra: &[&str]) -> Run {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("mpiplay-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path: PathBuf = dir.join(format!("case{}.py", N.fetch_add(1, Ordering::SeqCst)));
    std::fs::write(&path, source).expect("write script");
    mpiplay(args, &path, extra)
}

fn mpiplay(args: &[&str], path: &std::path::Path, extra: &[&str]) -> Run {
    let out =
        Command::new(env!("CARGO_BIN_EXE_mpiplay")).args(args).arg(path).args(extra).output().expect("mpiplay starts");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn usage_errors_exit_2() {
    let missing = mpiplay(&["-n", "2"], std::path::Path::new("/nonexistent/script.py"), &[]);
    assert_eq!(missing.status, 2, "{}", missing.context());
    assert!(missing.stderr.contains("cannot read /nonexistent/script.py"), "{}", missing.context());
    for bad in [&["-n", "0"][..], &["-n", "many"], &["--frobnicate"], &[]] {
        let r = run(bad, "print('never runs')\n", &[]);
        assert_eq!(r.status, 2, "args {bad:?}: {}", r.context());
        assert!(r.stdout.is_empty(), "args {bad:?}: {}", r.context());
        assert!(r.stderr.contains("usage: mpiplay"), "args {bad:?}: {}", r.context());
    }
}

#[test]
fn syntax_error_names_rank_and_line() {
    let r = run(&["-n", "3"], "from mpi4py import MPI\nx = 1\nif x ==:\n    pass\n", &[]);
    assert_eq!(r.status, 1, "{}", r.context());
    assert!(r.stderr.contains("SyntaxError"), "{}", r.context());
    assert!(r.stderr.contains("line 3"), "{}", r.context());
    assert!(r.stderr.contains("mpiplay: rank "), "{}", r.context());
}

#[test]
fn exception_in_one_rank_stops_the_others_and_names_it() {
    let src = "\
from mpi4py import MPI
comm = MPI.COMM_WORLD
print('started', comm.rank)
if comm.rank == 2:
    1 / 0
comm.recv(source=MPI.ANY_SOURCE)
";
    let r = run(&["-n", "4", "-l"], src, &[]);
    assert_eq!(r.status, 1, "{}", r.context());
    assert!(r.stderr.contains("[2] Traceback (most recent call last):"), "{}", r.context());
    assert!(r.stderr.contains("line 5"), "{}", r.context());
    assert!(r.stderr.contains("[2] ZeroDivisionError: division by zero"), "{}", r.context());
    assert!(
        r.stderr.contains(
            "mpiplay: rank 2 raised an exception (ZeroDivisionError: division by zero); the other ranks were stopped"
        ),
        "{}",
        r.context()
    );
    assert!(!r.stderr.contains("deadlock"), "a failure is not a deadlock: {}", r.context());
}

#[test]
fn invalid_rank_raises_mpi_exception_with_err_rank() {
    let src = "\
from mpi4py import MPI
comm = MPI.COMM_WORLD
try:
    comm.send('x', dest=comm.size)
except MPI.Exception as e:
    print(type(e).__name__, e.Get_error_class() == MPI.ERR_RANK, str(comm.size) in str(e))
comm.send('x', dest=-7)
";
    let r = run(&["-n", "2"], src, &[]);
    assert_eq!(r.status, 1, "{}", r.context());
    assert_eq!(r.stdout.matches("Exception True True").count(), 2, "{}", r.context());
    assert!(r.stderr.contains("Invalid rank"), "{}", r.context());
    assert!(r.stderr.contains("-7"), "{}", r.context());
}

#[test]
fn unpicklable_object_raises_in_the_sender() {
    let src = "\
from mpi4py import MPI
comm = MPI.COMM_WORLD
if comm.rank == 0:
    comm.send(lambda x: x, dest=1)
else:
    comm.recv(source=0)
";
    let r = run(&["-n", "2"], src, &[]);
    assert_eq!(r.status, 1, "{}", r.context());
    assert!(r.stderr.contains("mpiplay: rank 0 raised an exception"), "{}", r.context());
    assert!(r.stderr.to_lowercase().contains("pickl"), "{}", r.context());
}

#[test]
fn recv_from_self_without_send_is_a_deadlock() {
    let src = "\
from mpi4py import MPI
comm = MPI.COMM_WORLD
print('before')
comm.recv(source=comm.rank, tag=4)
print('never')
";
    let r = run(&["-n", "1"], src, &[]);
    assert_eq!(r.status, 3, "{}", r.context());
    assert_eq!(r.stdout, "before\n", "{}", r.context());
    assert!(r.stderr.contains("rank 0 is blocked in recv(source=0, tag=4, comm=COMM_WORLD)"), "{}", r.context());
    assert!(r.stderr.contains("wait-for cycle: rank 0 -> rank 0"), "{}", r.context());
}

#[test]
fn waiting_on_a_finished_rank_is_reported() {
    let src = "\
from mpi4py import MPI
comm = MPI.COMM_WORLD
if comm.rank == 0:
    comm.recv(source=1)
";
    let r = run(&["-n", "2"], src, &[]);
    assert_eq!(r.status, 3, "{}", r.context());
    assert!(r.stderr.contains("rank 0 waits for rank 1, which has already finished"), "{}", r.context());
}

#[test]
fn abort_ends_the_run_with_its_code() {
    let src = "\
from mpi4py import MPI
comm = MPI.COMM_WORLD
if comm.rank == 1:
    comm.Abort(7)
comm.recv(source=MPI.ANY_SOURCE)
";
    let r = run(&["-n", "3"], src, &[]);
    assert_eq!(r.status, 7, "{}", r.context());
    assert!(r.stderr.contains("rank 1 called MPI_Abort(MPI_COMM_WORLD, 7)"), "{}", r.context());
}

#[test]
fn nonzero_sys_exit_is_a_failure_and_zero_is_not() {
    let r =
        run(&["-n", "2"], "import sys\nfrom mpi4py import MPI\nif MPI.COMM_WORLD.rank == 1:\n    sys.exit(5)\n", &[]);
    assert_eq!(r.status, 1, "{}", r.context());
    assert!(r.stderr.contains("rank 1 exited with status 5"), "{}", r.context());
    let ok = run(&["-n", "2"], "import sys\nprint('bye')\nsys.exit(0)\n", &[]);
    assert_eq!(ok.status, 0, "{}", ok.context());
    assert_eq!(ok.stdout, "bye\nbye\n");
}

#[test]
fn timeout_stops_a_runaway_loop() {
    let r = run(&["-n", "2", "--timeout", "1"], "while True:\n    pass\n", &[]);
    assert_eq!(r.status, 124, "{}", r.context());
    assert!(r.stderr.contains("timed out after 1 s"), "{}", r.context());
}

#[test]
fn labels_args_and_unterminated_last_line() {
    let src = "import sys\nfrom mpi4py import MPI\nprint(MPI.COMM_WORLD.rank, sys.argv[1:])\nprint('tail', end='')\n";
    let r = run(&["-n", "2", "--label"], src, &["a", "--b"]);
    assert_eq!(r.status, 0, "{}", r.context());
    let mut lines: Vec<&str> = r.stdout.lines().collect();
    lines.sort();
    assert_eq!(lines, ["[0] 0 ['a', '--b']", "[0] tail", "[1] 1 ['a', '--b']", "[1] tail"], "{}", r.context());
    let plain = run(&["-n", "1"], "print('x')\n", &[]);
    assert_eq!(plain.stdout, "x\n");
}

#[test]
fn lines_of_different_ranks_never_splice() {
    let src = "\
from mpi4py import MPI
r = MPI.COMM_WORLD.rank
for i in range(300):
    print(f'rank {r} line {i} ' + 'x' * 50, end='')
    print(' end')
";
    let r = run(&["-n", "6", "-l"], src, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 1800);
    for line in lines {
        let (label, text) = line.split_once("] ").expect("labelled");
        let rank = &label[1..];
        assert!(text.starts_with(&format!("rank {rank} line ")) && text.ends_with(" end"), "spliced line: {line:?}");
    }
}

#[test]
fn sixty_four_ranks_say_hello() {
    let src =
        "from mpi4py import MPI\ncomm = MPI.COMM_WORLD\nprint('hello from', comm.Get_rank(), 'of', comm.Get_size())\n";
    let r = run(&["-n", "64"], src, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    let mut got: Vec<String> = r.stdout.lines().map(str::to_owned).collect();
    got.sort();
    let mut want: Vec<String> = (0..64).map(|i| format!("hello from {i} of 64")).collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn stdlib_modules_tutorials_import_work() {
    let src = "\
import time, math, random, itertools, functools, collections, sys, os, struct, array, json, pickle
t = time.time(); time.sleep(0.01)
random.seed(4)
print(math.isqrt(17), sorted(random.sample(range(10), 3)) == sorted(set(random.Random(4).sample(range(10), 3))),
      list(itertools.accumulate([1, 2, 3])), functools.reduce(lambda a, b: a * b, [1, 2, 3, 4]),
      collections.Counter('aab')['a'], os.getpid() > 0, struct.unpack('<i', struct.pack('<i', -5))[0],
      array.array('i', [1, 2]).tolist(), json.loads(json.dumps({'k': [1]})), pickle.loads(pickle.dumps({1, 2})),
      time.time() - t >= 0.01, sys.version_info[0])
";
    let r = run(&["-n", "2"], src, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    let line = "4 True [1, 3, 6] 24 2 True -5 [1, 2] {'k': [1]} {1, 2} True 3\n";
    assert_eq!(r.stdout, line.repeat(2), "{}", r.context());
}

#[test]
fn a_join_on_a_process_stuck_in_a_queue_is_a_deadlock() {
    let src = "\
import multiprocessing as mp

def wait_forever(q):
    q.get()

if __name__ == '__main__':
    p = mp.Process(target=wait_forever, args=(mp.Queue(),))
    p.start()
    print('started', p.name)
    p.join()
";
    let r = run(&["-n", "1"], src, &[]);
    assert_eq!(r.status, 3, "{}", r.context());
    assert_eq!(r.stdout, "started Process-1\n", "{}", r.context());
    assert!(r.stderr.contains("rank 0 is blocked in Process.join, waiting for process 1"), "{}", r.context());
    assert!(r.stderr.contains("process 1 is blocked in Queue.get"), "{}", r.context());
}

#[test]
fn a_pool_worker_that_dies_is_reported_not_waited_for() {
    let src = "\
import multiprocessing as mp, os

def die(x):
    os._exit(3)

if __name__ == '__main__':
    with mp.Pool(2) as pool:
        try:
            pool.map(die, range(4))
        except Exception as e:
            print(type(e).__name__)
    print('after the pool')
";
    let r = run(&["-n", "1", "--timeout", "60"], src, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    assert_eq!(r.stdout, "WorkerLostError\nafter the pool\n", "{}", r.context());
}

#[test]
fn terminate_ends_a_busy_process_and_the_run_ends() {
    let src = "\
import multiprocessing as mp, time

def spin():
    while True:
        pass

if __name__ == '__main__':
    p = mp.Process(target=spin, daemon=False)
    p.start()
    time.sleep(0.2)
    print('alive', p.is_alive())
    p.terminate()
    p.join()
    print('exitcode', p.exitcode, p.is_alive())
";
    let r = run(&["-n", "1", "--timeout", "60"], src, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    assert_eq!(r.stdout, "alive True\nexitcode -15 False\n", "{}", r.context());
}

#[test]
fn rma_outside_an_epoch_raises_err_rma_sync() {
    // MPICH 4.0.2 does not check this (its Put goes through or hangs later);
    // the playground names the mistake where it happens.
    let src = "\
from mpi4py import MPI
import numpy as np
comm = MPI.COMM_WORLD
win = MPI.Win.Create(np.zeros(2), 8, comm=comm)
try:
    win.Put(np.ones(1), 0)
except MPI.Exception as e:
    print(e.Get_error_class() == MPI.ERR_RMA_SYNC, e.Get_error_string().splitlines()[0])
win.Fence()
win.Put(np.ones(1), 0)
win.Fence()
win.Free()
";
    let r = run(&["-n", "2"], src, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    assert_eq!(r.stdout, "True Wrong synchronization of RMA calls , error stack:\n".repeat(2), "{}", r.context());
}

#[test]
fn a_window_lock_held_by_a_waiting_rank_is_a_reported_deadlock() {
    let src = "\
from mpi4py import MPI
import numpy as np
comm = MPI.COMM_WORLD
win = MPI.Win.Create(np.zeros(2), 8, comm=comm)
if comm.rank == 0:
    win.Lock(0)
    comm.barrier()
    comm.recv(source=1)
else:
    comm.barrier()
    win.Lock(0)
    comm.send('never', dest=0)
";
    let r = run(&["-n", "2"], src, &[]);
    assert_eq!(r.status, 3, "{}", r.context());
    assert!(r.stderr.contains("rank 0 is blocked in recv(source=1"), "{}", r.context());
    assert!(r.stderr.contains("rank 1 is blocked in Win.Lock, waiting for rank 0"), "{}", r.context());
    assert!(r.stderr.contains("wait-for cycle: rank 0 -> rank 1 -> rank 0"), "{}", r.context());
}

#[test]
fn dash_m_mpi4py_runs_the_script_and_a_failing_rank_aborts_the_run() {
    let dir = std::env::temp_dir().join(format!("mpiplay-cli-m-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("prog.py");
    std::fs::write(&script, "import sys\nfrom mpi4py import MPI\nprint(MPI.COMM_WORLD.rank, sys.argv[1:], __name__)\n")
        .expect("write script");
    let r = mpiplay(&["-n", "2", "-l", "-m", "mpi4py"], &script, &["a", "b"]);
    assert_eq!(r.status, 0, "{}", r.context());
    let mut lines: Vec<&str> = r.stdout.lines().collect();
    lines.sort();
    assert_eq!(lines, ["[0] 0 ['a', 'b'] __main__", "[1] 1 ['a', 'b'] __main__"], "{}", r.context());

    let failing = dir.join("fail.py");
    std::fs::write(
        &failing,
        "from mpi4py import MPI\nif MPI.COMM_WORLD.rank == 1:\n    raise ValueError('boom')\nMPI.COMM_WORLD.barrier()\n",
    )
    .expect("write script");
    let r = mpiplay(&["-n", "2", "-m", "mpi4py"], &failing, &[]);
    assert_eq!(r.status, 1, "{}", r.context());
    assert!(r.stderr.contains("ValueError: boom"), "{}", r.context());
    assert!(r.stderr.contains("rank 1 called MPI_Abort(MPI_COMM_WORLD, 1)"), "{}", r.context());
    assert!(!r.stderr.contains("RunStopped"), "the stopped rank reports nothing: {}", r.context());

    let bad = run(&["-n", "1", "-m", "no;such"], "", &[]);
    assert_eq!(bad.status, 2, "{}", bad.context());
}

#[test]
fn spawned_processes_get_their_own_world_and_a_parent_intercommunicator() {
    let dir = std::env::temp_dir().join(format!("mpiplay-cli-spawn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let kid = dir.join("kid.py");
    std::fs::write(
        &kid,
        "\
import sys
from mpi4py import MPI
parent = MPI.Comm.Get_parent()
world = MPI.COMM_WORLD
print('kid', world.rank, world.size, sys.argv[1:], world.Get_attr(MPI.APPNUM), parent.Get_remote_size())
greeting = parent.bcast(None, root=1)
parent.reduce(world.rank + 1, op=MPI.SUM, root=1)
merged = parent.Merge(True)
print('kid', world.rank, greeting, 'merged', merged.rank, merged.size, world.allreduce(1))
merged.Free()
parent.Disconnect()
print('kid', world.rank, 'orphan', MPI.Comm.Get_parent() == MPI.COMM_NULL)
",
    )
    .expect("write child");
    let parent = format!(
        "\
import sys
from mpi4py import MPI
comm = MPI.COMM_WORLD
errcodes = []
kids = comm.Spawn(sys.executable, args=[{kid:?}, 'x'], maxprocs=3, root=1, errcodes=errcodes)
root = MPI.ROOT if comm.rank == 1 else MPI.PROC_NULL
kids.bcast('hello' if comm.rank == 1 else None, root=root)
total = kids.reduce(None, op=MPI.SUM, root=root)
merged = kids.Merge(False)
print('parent', comm.rank, kids.Get_remote_size(), errcodes, total, 'merged', merged.rank, merged.size)
merged.Free()
kids.Disconnect()
print('parent', comm.rank, 'gone', kids == MPI.COMM_NULL, MPI.Comm.Get_parent() == MPI.COMM_NULL)
# Over and over, beyond the run's process slots: ended children's slots are reused.
for i in range(16):
    kid = MPI.COMM_SELF.Spawn(sys.executable, ['-c', 'from mpi4py import MPI; p = MPI.Comm.Get_parent(); p.send(MPI.COMM_WORLD.size, 0); p.Disconnect()'])
    assert kid.recv(source=0) == 1
    kid.Disconnect()
print('parent', comm.rank, 'spawned 16 more')
"
    );
    let r = run(&["-n", "2"], &parent, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    let mut lines: Vec<&str> = r.stdout.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "kid 0 3 ['x'] 0 2",
            "kid 0 hello merged 2 5 3",
            "kid 0 orphan True",
            "kid 1 3 ['x'] 0 2",
            "kid 1 hello merged 3 5 3",
            "kid 1 orphan True",
            "kid 2 3 ['x'] 0 2",
            "kid 2 hello merged 4 5 3",
            "kid 2 orphan True",
            "parent 0 3 [0, 0, 0] None merged 0 5",
            "parent 0 gone True True",
            "parent 0 spawned 16 more",
            "parent 1 3 [0, 0, 0] 6 merged 1 5",
            "parent 1 gone True True",
            "parent 1 spawned 16 more",
        ],
        "{}",
        r.context()
    );

    let missing = run(&["-n", "1"], "from mpi4py import MPI\nMPI.COMM_SELF.Spawn('no_such_script.py')\n", &[]);
    assert_eq!(missing.status, 1, "{}", missing.context());
    assert!(missing.stderr.contains("Error in spawn call"), "{}", missing.context());
    assert!(missing.stderr.contains("No such file or directory: 'no_such_script.py'"), "{}", missing.context());
}

#[test]
fn ports_connect_groups_and_a_connect_nobody_accepts_is_a_deadlock() {
    let src = "\
from mpi4py import MPI
world = MPI.COMM_WORLD
rest = world.Split(world.rank > 0, world.rank)
if world.rank == 0:
    port = MPI.Open_port()
    world.send(port, dest=1)
    inter = MPI.COMM_SELF.Accept(port)
    MPI.Close_port(port)
else:
    port = world.recv(source=0) if world.rank == 1 else None
    inter = rest.Connect(port, root=0)
print(world.rank, inter.Get_size(), inter.Get_remote_size(), inter.bcast('hi' if world.rank == 0 else None,
      root=(MPI.ROOT if world.rank == 0 else 0)))
";
    let r = run(&["-n", "3"], src, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    let mut lines: Vec<&str> = r.stdout.lines().collect();
    lines.sort();
    assert_eq!(lines, ["0 1 2 None", "1 2 1 hi", "2 2 1 hi"], "{}", r.context());

    let stuck = "\
from mpi4py import MPI
port = MPI.Open_port()
MPI.COMM_SELF.Connect(port)
";
    let r = run(&["-n", "1"], stuck, &[]);
    assert_eq!(r.status, 3, "{}", r.context());
    assert!(r.stderr.contains("rank 0 is blocked in Comm.Connect"), "{}", r.context());
}

/// A program for `mpi4py.futures` and what real mpi4py printed for it under
/// `mpiexec -n 3 python -m mpi4py.futures` (MPICH 4.0.2, mpi4py 4.1.2).
const FUTURES_PROGRAM: &str = "\
from mpi4py.futures import MPIPoolExecutor, as_completed, wait, collect, compose
import math

def work(x):
    from mpi4py import MPI
    return x * x, MPI.COMM_WORLD.Get_size()

def boom(x):
    raise ValueError(f'bad {x}')

if __name__ == '__main__':
    with MPIPoolExecutor(max_workers=3) as ex:
        print('workers', ex.num_workers)
        print(list(ex.map(math.sqrt, [1, 4, 9, 16], chunksize=2)))
        fs = [ex.submit(work, i) for i in range(5)]
        print(sorted(f.result() for f in as_completed(fs)))
        done, notdone = wait([ex.submit(work, 7)])
        print(len(done), len(notdone))
        print(repr(ex.submit(boom, 3).exception()))
        print(collect([ex.submit(abs, -i) for i in range(4)]).result())
        print(compose(ex.submit(abs, -5), lambda r: r + 1).result())
        print(sorted(ex.map(abs, range(-3, 0), unordered=True)))
        print(list(ex.starmap(pow, [(2, 3), (3, 2)])))
    print('done')
";

const FUTURES_RECORDED: &str = "\
workers 2
[1.0, 2.0, 3.0, 4.0]
[(0, 3), (1, 3), (4, 3), (9, 3), (16, 3)]
1 0
ValueError('bad 3')
[0, 1, 2, 3]
6
[1, 2, 3]
[8, 9]
done
";

#[test]
fn dash_m_mpi4py_futures_serves_rank_0_from_the_other_ranks() {
    let dir = std::env::temp_dir().join(format!("mpiplay-cli-futures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("futures_program.py");
    std::fs::write(&script, FUTURES_PROGRAM).expect("write script");
    let r = mpiplay(&["-n", "3", "-m", "mpi4py.futures"], &script, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    assert_eq!(r.stdout, FUTURES_RECORDED, "{}", r.context());
}

#[test]
fn mpi_pool_executor_spawns_its_workers() {
    // Real MPICH here cannot spawn, so the expectation is the recorded run
    // above with the workers spawned: three of them, a world of three.
    let r = run(&["-n", "1"], FUTURES_PROGRAM, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    assert_eq!(r.stdout, FUTURES_RECORDED.replace("workers 2", "workers 3"), "{}", r.context());

    // A task that never ends is a stuck wait the report names.
    let stuck = "\
from mpi4py.futures import MPIPoolExecutor
from mpi4py import MPI
def hang(x):
    return MPI.COMM_WORLD.recv(source=0)
if __name__ == '__main__':
    ex = MPIPoolExecutor(1)
    ex.submit(hang, 1).result()
";
    let r = run(&["-n", "1"], stuck, &[]);
    assert_eq!(r.status, 3, "{}", r.context());
    assert!(r.stderr.contains("rank 0 is blocked in Pool result"), "{}", r.context());
}

#[test]
fn a_published_name_is_found_by_every_rank_until_unpublished() {
    let src = "\
from mpi4py import MPI
world = MPI.COMM_WORLD
if world.rank == 0:
    port = MPI.Open_port()
    MPI.Publish_name('ocean', port)
world.barrier()
found = MPI.Lookup_name('ocean')
world.barrier()
if world.rank == 0:
    MPI.Unpublish_name('ocean', port)
world.barrier()
try:
    MPI.Lookup_name('ocean')
except MPI.Exception as e:
    print(world.rank, found.startswith('mpiplay-port#0#'), e.Get_error_class() == MPI.ERR_NAME)
";
    let r = run(&["-n", "3"], src, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    let mut lines: Vec<&str> = r.stdout.lines().collect();
    lines.sort();
    assert_eq!(lines, ["0 True True", "1 True True", "2 True True"], "{}", r.context());
}

/// `python -m mpi4py.bench` as mpi4py's documentation uses it to check an
/// installation: `helloworld` prints one line per rank in rank order with
/// the rank padded to the width of the largest (as recorded from mpiexec -n
/// 11: "Hello, World! I am process  0 of 11 on vm."), `ringtest` one timing
/// line, and an unknown command is argparse's usage error.
#[test]
fn dash_m_mpi4py_bench_says_hello_in_rank_order_and_times_the_ring() {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("host name");
    let host = host.trim();
    let r = mpiplay(&["-n", "11", "-m", "mpi4py.bench"], std::path::Path::new("helloworld"), &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    let expected: String =
        (0..11).map(|rank| format!("Hello, World! I am process {rank:2} of 11 on {host}.\n")).collect();
    assert_eq!(r.stdout, expected, "{}", r.context());

    let quiet = mpiplay(&["-n", "2", "-m", "mpi4py.bench"], std::path::Path::new("helloworld"), &["-q"]);
    assert_eq!((quiet.status, quiet.stdout.as_str()), (0, ""), "{}", quiet.context());

    let ring = mpiplay(&["-n", "3", "-m", "mpi4py.bench"], std::path::Path::new("ringtest"), &["-l", "5", "-n", "64"]);
    assert_eq!(ring.status, 0, "{}", ring.context());
    let line = ring.stdout.strip_prefix("time for 5 loops = ").expect(&ring.context());
    let (seconds, rest) = line.split_once(" seconds ").expect(&ring.context());
    assert!(seconds.parse::<f64>().is_ok_and(|s| s > 0.0), "{}", ring.context());
    assert_eq!(rest, "(3 processes, 64 bytes)\n", "{}", ring.context());

    let unknown = mpiplay(&["-n", "2", "-m", "mpi4py.bench"], std::path::Path::new("nosuch"), &[]);
    assert_ne!(unknown.status, 0, "{}", unknown.context());
    assert!(
        unknown.stderr.contains("mpiplay -m mpi4py.bench: error: unknown command 'nosuch'"),
        "{}",
        unknown.context()
    );
}

/// Both ranks send pickled objects before they receive, growing the object
/// until the exchange blocks.
const BOTH_SEND_FIRST: &str = "\
from mpi4py import MPI
comm = MPI.COMM_WORLD
other = 1 - comm.rank
for n in (1, 100, 10000, 1000000):
    comm.send(b'x' * n, dest=other)
    comm.recv(source=other)
    if comm.rank == 0:
        print(n, flush=True)
";

#[test]
fn eager_limit_option_sets_which_standard_sends_wait_for_their_receive() {
    // MPICH's limit by default: 10000 bytes pickle to 10018, too many to buffer.
    let mpich = run(&["-n", "2"], BOTH_SEND_FIRST, &[]);
    assert_eq!(mpich.status, 3, "{}", mpich.context());
    assert_eq!(mpich.stdout, "1\n100\n", "{}", mpich.context());
    assert!(
        mpich.stderr.contains("rank 0 is blocked in send of 10018 bytes to rank 1 (tag=0, comm=COMM_WORLD), which waits for a matching receive because it is larger than the 8255-byte eager limit"),
        "{}",
        mpich.context()
    );
    assert!(mpich.stderr.contains("wait-for cycle: rank 0 -> rank 1 -> rank 0"), "{}", mpich.context());
    // A larger limit lets more through; 0 blocks the first; unlimited none.
    let larger = run(&["-n", "2", "--eager-limit", "20000"], BOTH_SEND_FIRST, &[]);
    assert_eq!((larger.status, larger.stdout.as_str()), (3, "1\n100\n10000\n"), "{}", larger.context());
    let zero = run(&["-n", "2", "--eager-limit", "0"], BOTH_SEND_FIRST, &[]);
    assert_eq!((zero.status, zero.stdout.as_str()), (3, ""), "{}", zero.context());
    assert!(zero.stderr.contains("larger than the 0-byte eager limit"), "{}", zero.context());
    let unlimited = run(&["-n", "2", "--eager-limit", "unlimited"], BOTH_SEND_FIRST, &[]);
    assert_eq!(
        (unlimited.status, unlimited.stdout.as_str()),
        (0, "1\n100\n10000\n1000000\n"),
        "{}",
        unlimited.context()
    );
    for bad in ["lots", "-1", "4294967295"] {
        let r = run(&["-n", "2", "--eager-limit", bad], BOTH_SEND_FIRST, &[]);
        assert_eq!(r.status, 2, "{bad}: {}", r.context());
        assert!(r.stderr.contains("--eager-limit wants a number of bytes or 'unlimited'"), "{bad}: {}", r.context());
    }
}

#[test]
fn buffered_and_nonblocking_sends_never_deadlock_on_size() {
    let src = "\
from mpi4py import MPI
comm = MPI.COMM_WORLD
other = 1 - comm.rank
data = b'y' * 100000
MPI.Attach_buffer(bytearray(200000 + MPI.BSEND_OVERHEAD))
comm.bsend(data, dest=other)
assert comm.recv(source=other) == data
req = comm.isend(data, dest=other)
assert comm.recv(source=other) == data
req.wait()
comm.Sendrecv(bytearray(data), dest=other, recvbuf=bytearray(len(data)), source=other)
print('done', comm.rank)
";
    let r = run(&["-n", "2", "-l"], src, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    assert!(r.stdout.contains("[0] done 0") && r.stdout.contains("[1] done 1"), "{}", r.context());
}

#[test]
fn stdin_goes_to_rank_0_and_the_other_ranks_read_eof() {
    use std::io::Write as _;
    use std::process::Stdio;
    let src = "\
from mpi4py import MPI
import sys
rank = MPI.COMM_WORLD.rank
try:
    print(rank, 'read', repr(input()))
except EOFError as e:
    print(rank, 'EOFError:', e)
print(rank, 'rest', repr(sys.stdin.read()))
";
    let dir = std::env::temp_dir().join(format!("mpiplay-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("stdin_case.py");
    std::fs::write(&path, src).expect("write script");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mpiplay"))
        .args(["-n", "3", "-l"])
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpiplay starts");
    child.stdin.take().expect("stdin").write_all(b"hello\nworld\n").expect("write stdin");
    let out = child.wait_with_output().expect("mpiplay ends");
    let r = Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(r.status, 0, "{}", r.context());
    for line in [
        "[0] 0 read 'hello'",
        "[0] 0 rest 'world\\n'",
        "[1] 1 EOFError: EOF when reading a line",
        "[1] 1 rest ''",
        "[2] 2 EOFError: EOF when reading a line",
        "[2] 2 rest ''",
    ] {
        assert!(r.stdout.lines().any(|l| l == line), "missing {line:?}: {}", r.context());
    }
}

/// A ring of 4 ranks: each receives from the left, then sends to the right.
const RING: &str = "from mpi4py import MPI
comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
if rank:
    comm.recv(source=rank - 1)
comm.send({'hop': rank}, dest=(rank + 1) % size)
if rank == 0:
    comm.recv(source=size - 1)
comm.allreduce(rank)
";

fn trace_events(path: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).expect("the trace was written");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("the trace is JSON");
    doc["traceEvents"].as_array().expect("a traceEvents array").clone()
}

#[test]
fn trace_option_writes_the_calls_and_messages_as_chrome_trace_json() {
    let file = std::env::temp_dir().join(format!("mpiplay-trace-{}.json", std::process::id()));
    let file_arg = file.to_str().expect("a UTF-8 temp path");
    let r = run(&["-n", "4", "--trace", file_arg], RING, &[]);
    assert_eq!(r.status, 0, "{}", r.context());
    let events = trace_events(&file);
    let named = |ph: &str| events.iter().filter(|e| e["ph"] == ph).collect::<Vec<_>>();
    let lanes: Vec<&str> =
        named("M").iter().filter(|e| e["name"] == "thread_name").filter_map(|e| e["args"]["name"].as_str()).collect();
    assert_eq!(lanes, ["rank 0", "rank 1", "rank 2", "rank 3"]);
    // Every arrow goes one step around the ring, from the send's line to the receive's.
    let mut hops: Vec<(u64, u64, u64, u64)> = named("s")
        .iter()
        .map(|s| {
            let a = &s["args"];
            (
                a["from"].as_u64().unwrap(),
                a["to"].as_u64().unwrap(),
                a["send_line"].as_u64().unwrap(),
                a["recv_line"].as_u64().unwrap(),
            )
        })
        .collect();
    hops.sort();
    assert_eq!(hops, [(0, 1, 6, 5), (1, 2, 6, 5), (2, 3, 6, 5), (3, 0, 6, 8)], "{events:?}");
    assert_eq!(named("f").len(), 4, "each flow has its end");
    let preview = named("s")[0]["args"]["preview"].as_str().unwrap().to_owned();
    assert!(preview.starts_with("{'hop': "), "{preview}");
    // Every rank's allreduce is a slice at line 9, and every rank finished.
    let allreduce = named("X").iter().filter(|e| e["name"] == "allreduce" && e["args"]["line"] == 9).count();
    assert_eq!(allreduce, 4, "{events:?}");
    assert_eq!(named("i").iter().filter(|e| e["name"] == "finished").count(), 4);

    // A deadlock leaves its cycle in the trace.
    let r = run(&["-n", "2", "--trace", file_arg], BOTH_SEND_FIRST, &[]);
    assert_eq!(r.status, 3, "{}", r.context());
    let events = trace_events(&file);
    assert!(events.iter().any(|e| e["ph"] == "i" && e["name"] == "deadlock: rank 0 -> rank 1 -> rank 0"), "{events:?}");
    let _ = std::fs::remove_file(&file);
    // An unwritable path is said, after the run.
    let r = run(&["-n", "1", "--trace", "/nonexistent/dir/t.json"], "print('ran')\n", &[]);
    assert_eq!((r.status, r.stdout.as_str()), (1, "ran\n"), "{}", r.context());
    assert!(r.stderr.contains("mpiplay: cannot write the trace to /nonexistent/dir/t.json"), "{}", r.context());
}

#[test]
fn plain_buffer_sends_carry_their_preview_and_lines_on_the_timeline() {
    // `Send` of a bytes, bytearray or C-order array and `Recv` into one take
    // mpi4py's short way into the runtime (a buffer specification or a
    // status, the long way); the trace must not tell.
    let plain = "import numpy as np
from mpi4py import MPI
comm = MPI.COMM_WORLD
if comm.rank == 0:
    comm.Send(bytearray(b'abc'), dest=1, tag=1)
    comm.Ssend(b'xyz', dest=1, tag=2)
    comm.Send(np.arange(3.0), dest=1, tag=3)
    comm.Send([np.arange(2.0), MPI.DOUBLE], dest=1, tag=4)
else:
    got = bytearray(8)
    comm.Recv(got, source=0, tag=1)
    comm.Recv(got, source=0, tag=2)
    a = np.zeros(3)
    comm.Recv(a, source=0, tag=3)
    comm.Recv(a, source=0, tag=4, status=MPI.Status())
    print(bytes(got), a)
";
    let file = std::env::temp_dir().join(format!("mpiplay-plain-trace-{}.json", std::process::id()));
    let r = run(&["-n", "2", "--trace", file.to_str().expect("a UTF-8 temp path")], plain, &[]);
    assert_eq!((r.status, r.stdout.as_str()), (0, "b'xyz\\x00\\x00\\x00\\x00\\x00' [0. 1. 2.]\n"), "{}", r.context());
    let events = trace_events(&file);
    let _ = std::fs::remove_file(&file);
    let mut arrows: Vec<(u64, String, u64, u64)> = events
        .iter()
        .filter(|e| e["ph"] == "s")
        .map(|s| {
            let a = &s["args"];
            (
                a["tag"].as_u64().unwrap(),
                a["preview"].as_str().unwrap().to_owned(),
                a["send_line"].as_u64().unwrap(),
                a["recv_line"].as_u64().unwrap(),
            )
        })
        .collect();
    arrows.sort();
    let expected = [
        (1, "b'abc' (3 bytes)", 5, 11),
        (2, "b'xyz' (3 bytes)", 6, 12),
        (3, "array([0., 1., 2.])", 7, 14),
        (4, "array([0., 1.])", 8, 15),
    ]
    .map(|(tag, preview, send, recv)| (tag, preview.to_owned(), send, recv));
    assert_eq!(arrows, expected, "{events:?}");
}

#[test]
fn ranks_in_different_collectives_end_the_run_naming_both_calls_and_lines() {
    // Different collectives: rank 1's reduce meets rank 0's bcast at the barrier.
    let different = "from mpi4py import MPI
comm = MPI.COMM_WORLD
if comm.rank == 0:
    comm.bcast(42, root=0)
else:
    comm.reduce(comm.rank, root=0)
comm.barrier()
";
    let r = run(&["-n", "2"], different, &[]);
    assert_eq!(r.status, 1, "{}", r.context());
    assert!(r.stderr.contains("Collective mismatch on COMM_WORLD: the ranks called different collectives"), "{}", r.context());
    assert!(
        r.stderr.contains("rank 0 called bcast(root=0) at line 4")
            || r.stderr.contains("rank 1 called reduce(root=0) at line 6"),
        "{}",
        r.context()
    );
    // The same reduction with different counts fails at once, on the line of the call.
    let counts = "from mpi4py import MPI
import numpy as np
comm = MPI.COMM_WORLD
a = np.ones(3 if comm.rank == 0 else 4)
comm.Allreduce(a, np.empty_like(a), op=MPI.SUM)
";
    let r = run(&["-n", "2"], counts, &[]);
    assert_eq!(r.status, 1, "{}", r.context());
    assert!(r.stderr.contains("the ranks called the same collective with different arguments"), "{}", r.context());
    assert!(r.stderr.contains("allreduce(op=SUM, 24 bytes) at line 5"), "{}", r.context());
    assert!(r.stderr.contains("allreduce(op=SUM, 32 bytes) at line 5"), "{}", r.context());
    // Different roots: each rank broadcasts its own value; the next collective says so.
    let roots = "from mpi4py import MPI
comm = MPI.COMM_WORLD
comm.bcast(comm.rank, root=comm.rank)
comm.barrier()
";
    let r = run(&["-n", "2"], roots, &[]);
    assert_eq!(r.status, 1, "{}", r.context());
    assert!(r.stderr.contains("called bcast(root=1) at line 3") || r.stderr.contains("called bcast(root=0) at line 3"), "{}", r.context());
}

#[test]
fn messages_never_received_and_requests_never_completed_are_warned_of_at_the_end_with_their_lines() {
    // The last message from rank 0 makes sure its earlier ones reached rank 1 before it ends.
    let script = "from mpi4py import MPI
comm = MPI.COMM_WORLD
if comm.rank == 0:
    comm.send('hello', dest=1, tag=5)
    comm.bcast(42, root=0)
    comm.isend('never waited', dest=1, tag=11)
    comm.send('taken', dest=1, tag=12)
    comm.send('last', dest=1, tag=7)
else:
    req = comm.irecv(source=0, tag=9)
    comm.reduce(comm.rank, root=0)
    comm.recv(source=0, tag=11)
    taken = comm.irecv(source=0, tag=12)
    comm.recv(source=0, tag=7)
print(comm.rank, 'done')
";
    let r = run(&["-n", "2"], script, &[]);
    assert_eq!(r.status, 0, "warnings do not fail a run: {}", r.context());
    let warnings: Vec<&str> = r.stderr.lines().filter(|l| l.starts_with("mpiplay: warning: ")).collect();
    for expected in [
        "rank 1 never received a message rank 0 sent it at line 4 (tag 5, COMM_WORLD, 20 bytes)",
        "collective mismatch on COMM_WORLD: rank 0 called bcast(root=0) at line 5, which rank 1 never matched",
        "rank 1 ended with a receive no message matched: irecv(source=0, tag=9, comm=COMM_WORLD) at line 10",
        "rank 0 never completed its isend to rank 1 (tag 11, COMM_WORLD) at line 6: no wait or test took the request",
        "rank 1 never completed its irecv, which took a message from rank 0 (tag 12, COMM_WORLD) at line 13: no wait or test took the request",
    ] {
        assert!(warnings.contains(&format!("mpiplay: warning: {expected}").as_str()), "{expected}\n{}", r.context());
    }
    // A clean exchange warns of nothing.
    let clean = run(&["-n", "2"], RING, &[]);
    assert_eq!((clean.status, clean.stderr.as_str()), (0, ""), "{}", clean.context());
}

#[test]
fn programs_joined_by_a_colon_share_one_world_with_their_own_argv_and_appnum() {
    let master = "from mpi4py import MPI
import sys
comm = MPI.COMM_WORLD
tasks = [comm.recv(source=r) for r in range(1, comm.size)]
print('master', comm.rank, 'of', comm.size, sys.argv[1:], comm.Get_attr(MPI.APPNUM), sorted(tasks), flush=True)
";
    let worker = "from mpi4py import MPI
import sys
comm = MPI.COMM_WORLD
comm.send((comm.rank, sys.argv[1], comm.Get_attr(MPI.APPNUM)), dest=0)
";
    let dir = std::env::temp_dir().join(format!("mpiplay-mpmd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("master.py"), master).expect("write");
    std::fs::write(dir.join("worker.py"), worker).expect("write");
    let (m, w) = (dir.join("master.py"), dir.join("worker.py"));
    let args = ["-n", "1", m.to_str().unwrap(), "first", ":", "-n", "3", w.to_str().unwrap(), "job"];
    let out = Command::new(env!("CARGO_BIN_EXE_mpiplay")).args(args).output().expect("mpiplay starts");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(stdout, "master 0 of 4 ['first'] 0 [(1, 'job', 1), (2, 'job', 1), (3, 'job', 1)]\n", "{stderr}");

    let print = Command::new(env!("CARGO_BIN_EXE_mpiplay"))
        .args(["-l", "--print-mpiexec", "-n", "1", "master.py", "--size", "big one", ":", "-n", "3", "-m", "worker", "x"])
        .output()
        .expect("mpiplay starts");
    assert_eq!(print.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&print.stdout),
        "mpiexec -l -n 1 python master.py --size 'big one' : -n 3 python -m worker x\n",
        "the command runs nothing and quotes what the shell would split"
    );

    for (bad, why) in [
        (&["-n", "1", "master.py", ":"][..], "missing the script after ':'"),
        (&["-n", "1", "master.py", ":", "worker.py"], "missing -n N (the number of ranks of each program after ':')"),
        (&["-n", "1000", "master.py", ":", "-n", "100", "worker.py"], "the programs have 1100 ranks together, more than 1024"),
    ] {
        let r = Command::new(env!("CARGO_BIN_EXE_mpiplay")).args(bad).output().expect("mpiplay starts");
        assert_eq!(r.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&r.stderr).starts_with(&format!("mpiplay: {why}\n")), "{bad:?}: {}", String::from_utf8_lossy(&r.stderr));
    }
}

#[test]
fn a_process_of_an_mpmd_rank_imports_its_ranks_program_as_mp_main() {
    let master = "from mpi4py import MPI
comm = MPI.COMM_WORLD
print(sorted(comm.recv(source=r) for r in range(1, comm.size)), flush=True)
";
    // The process finds `square` only in worker.py: imported from master.py
    // it would find none (and run master.py's receives).
    let worker = "from mpi4py import MPI
import multiprocessing as mp
def square(q, x):
    q.put(x * x)
if __name__ == '__main__':
    comm = MPI.COMM_WORLD
    q = mp.Queue()
    p = mp.Process(target=square, args=(q, comm.rank))
    p.start()
    comm.send((comm.rank, q.get()), dest=0)
    p.join()
";
    let dir = std::env::temp_dir().join(format!("mpiplay-mpmd-mp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("master.py"), master).expect("write");
    std::fs::write(dir.join("worker.py"), worker).expect("write");
    let (m, w) = (dir.join("master.py"), dir.join("worker.py"));
    let args = ["-n", "1", m.to_str().unwrap(), ":", "-n", "2", w.to_str().unwrap()];
    let out = Command::new(env!("CARGO_BIN_EXE_mpiplay")).args(args).output().expect("mpiplay starts");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(stdout, "[(1, 1), (2, 4)]\n", "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
