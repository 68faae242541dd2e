//! Zip downloads of the workspace: the files as they are, or "for mpiexec",
//! the way out to a real cluster: the same files with `run.sh` (the exact
//! `mpiexec` command, MPMD included, rank 0's input redirected from a file)
//! and a Slurm batch script that runs the same. Everything sits in one
//! folder named after the main script, so unpacking never scatters files.

use crate::workspace::Workspace;
use std::io::Write as _;
use zip::write::SimpleFileOptions;

/// What goes into a zip: the main script, the workspace, rank 0's input.
pub struct Bundle<'a> {
    /// The main script's file name (`script.py`).
    pub main: &'a str,
    pub source: &'a str,
    pub workspace: &'a Workspace,
    pub stdin: &'a str,
}

/// A zip entry: its path inside the folder, its bytes, whether it runs.
struct Entry {
    path: String,
    bytes: Vec<u8>,
    executable: bool,
}

impl Bundle<'_> {
    /// The folder the zip unpacks into: the main script's name without `.py`.
    pub fn folder(&self) -> &str {
        self.main.strip_suffix(".py").filter(|s| !s.is_empty()).unwrap_or(self.main)
    }

    fn files(&self) -> Vec<Entry> {
        let mut entries = vec![Entry { path: self.main.to_owned(), bytes: self.source.as_bytes().to_vec(), executable: false }];
        entries.extend(self.workspace.for_run().into_iter().map(|(path, bytes)| Entry { path, bytes, executable: false }));
        entries
    }

    /// The main script and the workspace's files.
    pub fn workspace_zip(&self) -> Vec<u8> {
        zip(self.folder(), &self.files())
    }

    /// The files, `run.sh` and `job.slurm` running `programs` (and rank 0's
    /// input from a file, if there is any).
    pub fn mpiexec_zip(&self, programs: &[mpi_core::launch::Program]) -> Vec<u8> {
        let mut entries = self.files();
        let input = (!self.stdin.is_empty()).then(|| input_file_name(self.main, self.workspace));
        if let Some(name) = &input {
            entries.push(Entry { path: name.clone(), bytes: self.stdin.as_bytes().to_vec(), executable: false });
        }
        let command = mpi_core::launch::mpiexec_command(programs, false, input.as_deref());
        let ranks: u32 = programs.iter().map(|p| p.ranks).sum();
        entries.push(Entry { path: "run.sh".into(), bytes: run_sh(&command, ranks).into_bytes(), executable: true });
        entries.push(Entry {
            path: "job.slurm".into(),
            bytes: slurm_script(self.folder(), &command, ranks).into_bytes(),
            executable: false,
        });
        zip(self.folder(), &entries)
    }
}

/// The name rank 0's input gets beside the files (`mpiexec ... < input.txt`):
/// `input.txt`, unless the main script or a workspace file has that name.
pub fn input_file_name(main: &str, workspace: &Workspace) -> String {
    let taken = |name: &str| name == main || workspace.files.iter().any(|f| f.name == name);
    std::iter::once("input.txt".to_owned())
        .chain((1..).map(|i| format!("input-{i}.txt")))
        .find(|name| !taken(name))
        .expect("some name is free")
}

/// `run.sh`: the command, from the folder it is in.
pub fn run_sh(command: &str, ranks: u32) -> String {
    format!(
        "#!/bin/sh\n\
         # Runs this workspace under real MPI as mpi-playground ran it, on {ranks} {}.\n\
         # Needs an MPI whose mpiexec is on PATH (MPICH or Open MPI) and a python\n\
         # with mpi4py (and NumPy, if the scripts use it): pip install mpi4py numpy\n\
         cd \"$(dirname \"$0\")\" || exit 1\n\
         exec {command}\n",
        if ranks == 1 { "rank" } else { "ranks" }
    )
}

/// `job.slurm`: a batch job with one task per rank running the same command.
pub fn slurm_script(name: &str, command: &str, ranks: u32) -> String {
    format!(
        "#!/bin/bash\n\
         # Submit from this folder with: sbatch job.slurm\n\
         # Load your cluster's MPI and a Python with mpi4py first if they are\n\
         # modules (for example: module load mpich python), or in this script.\n\
         #SBATCH --job-name={name}\n\
         #SBATCH --ntasks={ranks}\n\
         #SBATCH --time=00:10:00\n\
         #SBATCH --output={name}-%j.out\n\
         \n\
         cd \"${{SLURM_SUBMIT_DIR:-.}}\" || exit 1\n\
         {command}\n"
    )
}

fn zip(folder: &str, entries: &[Entry]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for entry in entries {
        let mode = if entry.executable { 0o755 } else { 0o644 };
        let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).unix_permissions(mode);
        // Writing to memory fails only on a malformed entry, which names inside the workspace never are.
        writer.start_file(format!("{folder}/{}", entry.path), options).expect("a workspace name is a zip name");
        writer.write_all(&entry.bytes).expect("writing to memory");
    }
    writer.finish().expect("writing to memory").into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Contents, File};
    use std::io::Read as _;

    fn unzip(bytes: Vec<u8>) -> Vec<(String, Vec<u8>, Option<u32>)> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut file = archive.by_index(i).unwrap();
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes).unwrap();
                (file.name().unwrap().into_owned(), bytes, file.unix_mode())
            })
            .collect()
    }

    fn workspace() -> Workspace {
        Workspace {
            files: vec![
                File { name: "worker.py".into(), contents: Contents::Text("print('w')\n".into()) },
                File { name: "data/in.bin".into(), contents: Contents::Binary(vec![0, 1, 255]) },
                File { name: "input.txt".into(), contents: Contents::Text("not the input\n".into()) },
            ],
        }
    }

    #[test]
    fn the_workspace_zip_holds_every_file_in_one_folder() {
        let ws = workspace();
        let bundle = Bundle { main: "master.py", source: "import worker\n", workspace: &ws, stdin: "" };
        let files = unzip(bundle.workspace_zip());
        let names: Vec<_> = files.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names, ["master/master.py", "master/worker.py", "master/data/in.bin", "master/input.txt"]);
        assert_eq!(files[2].1, [0, 1, 255]);
    }

    #[test]
    fn the_mpiexec_zip_runs_the_programs_with_the_input_from_a_free_name() {
        let ws = workspace();
        let bundle = Bundle { main: "master.py", source: "pass\n", workspace: &ws, stdin: "7\n" };
        let programs = [
            mpi_core::launch::Program { ranks: 1, argv: vec!["master.py".into()] },
            mpi_core::launch::Program { ranks: 3, argv: vec!["worker.py".into(), "a b".into()] },
        ];
        let files = unzip(bundle.mpiexec_zip(&programs));
        let file = |name: &str| files.iter().find(|(n, _, _)| n == name).unwrap_or_else(|| panic!("{name} in the zip"));
        assert_eq!(file("master/input-1.txt").1, b"7\n");
        let run = String::from_utf8(file("master/run.sh").1.clone()).unwrap();
        assert!(run.starts_with("#!/bin/sh\n"), "{run}");
        assert!(run.contains("\nexec mpiexec -n 1 python master.py : -n 3 python worker.py 'a b' < input-1.txt\n"), "{run}");
        assert_eq!(file("master/run.sh").2.map(|m| m & 0o777), Some(0o755));
        let slurm = String::from_utf8(file("master/job.slurm").1.clone()).unwrap();
        assert!(slurm.contains("#SBATCH --ntasks=4\n"), "{slurm}");
        assert!(slurm.contains("\nmpiexec -n 1 python master.py : -n 3 python worker.py 'a b' < input-1.txt\n"), "{slurm}");
    }
}
