//! What a run launches: one program on N ranks, or several (MPMD, `mpiexec
//! -n 1 python master.py : -n 4 python worker.py`), each on its own range of
//! ranks, numbered program by program. Both hosts describe their runs with
//! [`Program`] and say which program a rank runs and the `mpiexec` command a
//! cluster runs the same with, so the page's line, `mpiplay --print-mpiexec`
//! and the downloaded `run.sh` always agree.

/// One program of a run: `-n ranks python argv...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub ranks: u32,
    /// What follows `python`: the script and its arguments, or `-m module ...`.
    pub argv: Vec<String>,
}

/// The program (its index: `MPI.APPNUM`) that runs `rank`, given each
/// program's number of ranks in order; `None` past the last program's ranks.
pub fn program_of(ranks: impl IntoIterator<Item = u32>, rank: u32) -> Option<usize> {
    let mut end = 0;
    for (i, n) in ranks.into_iter().enumerate() {
        end += n;
        if rank < end {
            return Some(i);
        }
    }
    None
}

/// The `mpiexec` command that runs `programs` under real MPI, quoted for a
/// POSIX shell (`python` being the cluster's interpreter with mpi4py);
/// `label` adds MPICH's `-l` (output lines prefixed with their rank), and
/// `stdin` a redirection of rank 0's input from that file.
pub fn mpiexec_command(programs: &[Program], label: bool, stdin: Option<&str>) -> String {
    let mut words: Vec<&str> = vec!["mpiexec"];
    if label {
        words.push("-l");
    }
    let counts: Vec<String> = programs.iter().map(|p| p.ranks.to_string()).collect();
    for (i, (p, n)) in programs.iter().zip(&counts).enumerate() {
        if i > 0 {
            words.push(":");
        }
        words.extend(["-n", n.as_str(), "python"]);
        words.extend(p.argv.iter().map(String::as_str));
    }
    let mut command = quote(words);
    if let Some(file) = stdin {
        command.push_str(" < ");
        command.push_str(&quote([file]));
    }
    command
}

fn quote<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    // A NUL byte cannot be in a command line at all; dropping it is all a shell could do.
    let words: Vec<String> = words.into_iter().map(|w| w.replace('\0', "")).collect();
    shlex::try_join(words.iter().map(String::as_str)).expect("NUL bytes were removed")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(ranks: u32, argv: &[&str]) -> Program {
        Program { ranks, argv: argv.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn ranks_are_numbered_program_by_program() {
        let programs = [program(1, &["master.py"]), program(3, &["worker.py"])];
        let owners: Vec<_> = (0..5).map(|r| program_of(programs.iter().map(|p| p.ranks), r)).collect();
        assert_eq!(owners, [Some(0), Some(1), Some(1), Some(1), None]);
    }

    #[test]
    fn the_command_quotes_what_a_shell_would_split_and_redirects_stdin() {
        let programs = [program(1, &["master.py", "first run"]), program(3, &["worker.py", "it's"])];
        assert_eq!(
            mpiexec_command(&programs, false, Some("input file.txt")),
            r#"mpiexec -n 1 python master.py 'first run' : -n 3 python worker.py "it's" < 'input file.txt'"#
        );
        assert_eq!(mpiexec_command(&[program(4, &["-m", "mpi4py.bench", "helloworld"])], true, None),
            "mpiexec -l -n 4 python -m mpi4py.bench helloworld");
    }
}
