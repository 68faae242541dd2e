//! The run configuration: what the ranks run. By default every rank runs the
//! main script with no arguments; the main script may take arguments, and
//! further programs (MPMD: `mpiexec -n 1 python master.py : -n 3 python
//! worker.py`) give the ranks after the main script's to other scripts of the
//! workspace, numbered program by program. Arguments are written as a shell
//! would read them (quotes group words). Everything here is checked before a
//! run and shown as the `mpiexec` command a cluster runs the same with.

use crate::runner::ProgramRun;
use crate::workspace::{Contents, Workspace};
use mpi_core::launch;
use serde::{Deserialize, Serialize};

/// The programs of a run; the main script's ranks are the toolbar's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Programs {
    /// The main script's arguments (`sys.argv[1:]`), as typed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub args: String,
    /// The programs on the ranks after the main script's, in rank order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more: Vec<Program>,
}

/// One program after the main script's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Program {
    /// A workspace file; `None`: the main script (with other arguments).
    #[serde(default)]
    pub file: Option<String>,
    pub ranks: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub args: String,
}

impl Programs {
    /// Every rank runs the main script with no arguments.
    pub fn is_default(&self) -> bool {
        *self == Programs::default()
    }

    /// Ranks of all programs, the main script's `ranks` first.
    pub fn total_ranks(&self, ranks: u32) -> u32 {
        ranks + self.more.iter().map(|p| p.ranks).sum::<u32>()
    }

    /// A new program: the first Python file of the workspace that no
    /// program runs yet (else the first one, else the main script), on 1 rank.
    pub fn add(&mut self, workspace: &Workspace) {
        let scripts: Vec<&str> = python_files(workspace).collect();
        let unused = scripts.iter().find(|name| !self.more.iter().any(|p| p.file.as_deref() == Some(**name)));
        let file = unused.or(scripts.first()).map(|s| s.to_string());
        self.more.push(Program { file, ranks: 1, args: String::new() });
    }

    /// A workspace file was renamed: programs that ran it run it under its new name.
    pub fn rename_file(&mut self, from: &str, to: &str) {
        for p in &mut self.more {
            if p.file.as_deref() == Some(from) {
                p.file = Some(to.to_owned());
            }
        }
    }

    /// The run's programs, checked: each file in the workspace and text,
    /// arguments well quoted, 1 to `max_ranks` ranks in all. The error says
    /// which program is wrong and why.
    pub fn resolve(
        &self,
        main: &str,
        source: &str,
        ranks: u32,
        workspace: &Workspace,
        max_ranks: u32,
    ) -> Result<Vec<ProgramRun>, String> {
        let mut runs = vec![ProgramRun { source: source.to_owned(), path: main.to_owned(), args: split(&self.args, main)?, ranks }];
        for p in &self.more {
            let (path, source) = match &p.file {
                None => (main.to_owned(), source.to_owned()),
                Some(name) => match workspace.files.iter().find(|f| f.name == *name).map(|f| &f.contents) {
                    Some(Contents::Text(text)) => (name.clone(), text.clone()),
                    Some(Contents::Binary(_)) => return Err(format!("{name} is not a Python script (it holds binary data).")),
                    None => return Err(format!("{name} is not in the workspace: choose another file for its ranks.")),
                },
            };
            if p.ranks == 0 {
                return Err(format!("{path} needs at least 1 rank."));
            }
            runs.push(ProgramRun { args: split(&p.args, &path)?, source, path, ranks: p.ranks });
        }
        let total: u32 = runs.iter().map(|p| p.ranks).sum();
        if total > max_ranks {
            return Err(format!("The programs need {total} ranks; a run may have at most {max_ranks}."));
        }
        Ok(runs)
    }

    /// The programs as mpi-core describes them (for the `mpiexec` command),
    /// arguments split as far as they can be.
    pub fn launch_programs(&self, main: &str, ranks: u32) -> Vec<launch::Program> {
        let argv = |file: &str, args: &str| {
            let mut argv = vec![file.to_owned()];
            argv.extend(shlex::split(args).unwrap_or_else(|| vec![args.to_owned()]));
            argv
        };
        let mut programs = vec![launch::Program { ranks, argv: argv(main, &self.args) }];
        programs.extend(
            self.more
                .iter()
                .map(|p| launch::Program { ranks: p.ranks, argv: argv(p.file.as_deref().unwrap_or(main), &p.args) }),
        );
        programs
    }
}

/// The workspace's Python files: what a program can run.
pub fn python_files(workspace: &Workspace) -> impl Iterator<Item = &str> {
    workspace
        .files
        .iter()
        .filter(|f| f.name.ends_with(".py") && matches!(f.contents, Contents::Text(_)))
        .map(|f| f.name.as_str())
}

/// Arguments as a POSIX shell splits them.
fn split(args: &str, program: &str) -> Result<Vec<String>, String> {
    shlex::split(args).ok_or_else(|| format!("The arguments of {program} have a quote that is never closed: {args}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::File;

    fn workspace() -> Workspace {
        let text = |name: &str, text: &str| File { name: name.into(), contents: Contents::Text(text.into()) };
        Workspace {
            files: vec![
                text("worker.py", "print('worker')\n"),
                text("data.txt", "1 2 3\n"),
                File { name: "blob.py".into(), contents: Contents::Binary(vec![0, 255]) },
            ],
        }
    }

    #[test]
    fn by_default_every_rank_runs_the_main_script() {
        let programs = Programs::default();
        let runs = programs.resolve("main.py", "print(1)\n", 4, &workspace(), 64).unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!((runs[0].path.as_str(), runs[0].ranks, runs[0].args.len()), ("main.py", 4, 0));
        assert_eq!(launch::mpiexec_command(&programs.launch_programs("main.py", 4), false, None), "mpiexec -n 4 python main.py");
    }

    #[test]
    fn an_added_program_runs_a_workspace_script_on_the_ranks_after_the_main_ones() {
        let mut programs = Programs { args: "--steps 10".into(), ..Default::default() };
        programs.add(&workspace());
        programs.more[0].ranks = 3;
        programs.more[0].args = "'two words' x".into();
        let runs = programs.resolve("master.py", "pass\n", 1, &workspace(), 64).unwrap();
        assert_eq!(runs[0].args, ["--steps", "10"]);
        assert_eq!((runs[1].path.as_str(), runs[1].source.as_str(), runs[1].ranks), ("worker.py", "print('worker')\n", 3));
        assert_eq!(runs[1].args, ["two words", "x"]);
        assert_eq!(
            launch::mpiexec_command(&programs.launch_programs("master.py", 1), false, None),
            "mpiexec -n 1 python master.py --steps 10 : -n 3 python worker.py 'two words' x"
        );
        // A second program takes the main script when no other script is left unused.
        programs.add(&workspace());
        assert_eq!(programs.more[1].file.as_deref(), Some("worker.py"));
        programs.rename_file("worker.py", "jobs/worker.py");
        assert!(programs.more.iter().all(|p| p.file.as_deref() == Some("jobs/worker.py")));
    }

    #[test]
    fn a_wrong_program_is_refused_with_the_reason() {
        let program = |file: &str, ranks, args: &str| Programs {
            args: String::new(),
            more: vec![Program { file: Some(file.into()), ranks, args: args.into() }],
        };
        let refuse = |p: Programs| p.resolve("main.py", "", 2, &workspace(), 64).unwrap_err();
        assert_eq!(refuse(program("gone.py", 1, "")), "gone.py is not in the workspace: choose another file for its ranks.");
        assert_eq!(refuse(program("blob.py", 1, "")), "blob.py is not a Python script (it holds binary data).");
        assert_eq!(refuse(program("worker.py", 1, "'open")), "The arguments of worker.py have a quote that is never closed: 'open");
        assert_eq!(refuse(program("worker.py", 63, "")), "The programs need 65 ranks; a run may have at most 64.");
        assert_eq!(refuse(program("worker.py", 0, "")), "worker.py needs at least 1 rank.");
    }
}
