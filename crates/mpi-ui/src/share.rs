//! Share links: a script and its rank count in the URL fragment, deflated and
//! base64url-encoded (`#ranks=4&code=...`), with the Sends setting when it
//! is not MPICH's (`&sends=synchronous`), rank 0's input when there is
//! some (`&input=...`, deflated too), and the workspace's other files when
//! there are any (`&files=...`, their JSON deflated), and the run
//! configuration when it is not the main script alone (`&programs=...`). A link longer than
//! [`MAX_LINK_CHARS`] is not made: browsers and chat tools cut such URLs. The fragment never reaches a
//! server, so a shared script stays between the people who share it.

use crate::programs::Programs;
use crate::state::Sends;
use crate::workspace::Workspace;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// What a share link carries.
#[derive(Clone, Debug, PartialEq)]
pub struct Shared {
    pub source: String,
    pub ranks: Option<u32>,
    pub sends: Option<Sends>,
    /// Rank 0's stdin (empty when the link carries none).
    pub stdin: String,
    /// The files besides the main script (none when the link carries none).
    pub workspace: Workspace,
    /// What the ranks run (the main script alone when the link says nothing).
    pub programs: Programs,
}

/// The longest link the page offers to copy.
pub const MAX_LINK_CHARS: usize = 64 * 1024;

/// Scripts are small; anything that inflates beyond this is not one of ours.
const MAX_SCRIPT_BYTES: usize = 1 << 20;

/// Deflated and base64url-encoded.
fn pack(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9))
}

fn unpack(field: &str) -> Option<String> {
    let packed = URL_SAFE_NO_PAD.decode(field).ok()?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_SCRIPT_BYTES).ok()?;
    String::from_utf8(bytes).ok()
}

/// The fragment (without `#`) that carries `source` on `ranks` ranks, with
/// rank 0's `stdin` and the `workspace`'s files.
pub fn encode(source: &str, ranks: u32, sends: Sends, stdin: &str, workspace: &Workspace, programs: &Programs) -> String {
    let sends = if sends == Sends::default() { String::new() } else { format!("sends={}&", sends.key()) };
    let input = if stdin.is_empty() { String::new() } else { format!("input={}&", pack(stdin)) };
    let files = if workspace.files.is_empty() {
        String::new()
    } else {
        format!("files={}&", pack(&serde_json::to_string(workspace).expect("a workspace serializes")))
    };
    let programs = if programs.is_default() {
        String::new()
    } else {
        format!("programs={}&", pack(&serde_json::to_string(programs).expect("programs serialize")))
    };
    format!("ranks={ranks}&{sends}{input}{files}{programs}code={}", pack(source))
}

/// What a fragment carries: the script and, if given, the rank count and
/// the Sends setting. `None` when it carries no script (or a damaged one).
pub fn decode(fragment: &str) -> Option<Shared> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let field = |name: &str| fragment.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='));
    let source = unpack(field("code")?)?;
    Some(Shared {
        source,
        ranks: field("ranks").and_then(|r| r.parse().ok()),
        sends: field("sends").and_then(Sends::from_key),
        stdin: field("input").and_then(unpack).unwrap_or_default(),
        workspace: field("files").and_then(unpack).and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default(),
        programs: field("programs").and_then(unpack).and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default(),
    })
}

/// The text of a downloaded script: the script, headed by the `mpiexec`
/// command that runs it under real MPI.
pub fn download_text(source: &str, command: &str) -> String {
    let header = format!("# Run with real MPI (mpi4py): {command}\n");
    if source.starts_with(&header) { source.to_owned() } else { format!("{header}{source}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_round_trips_through_the_fragment() {
        let source = "from mpi4py import MPI\nprint('héllo', MPI.COMM_WORLD.rank)  # ünïcode\n".repeat(20);
        let fragment = encode(&source, 9, Sends::LikeMpich, "", &Workspace::default(), &Programs::default());
        assert!(fragment.len() < source.len(), "deflate makes repetitive scripts shorter");
        assert!(fragment.chars().all(|c| c.is_ascii_alphanumeric() || "=&-_".contains(c)), "URL-safe: {fragment}");
        assert!(!fragment.contains("sends="), "MPICH's sends are the default, not spelled out: {fragment}");
        let shared =
            Shared { source: source.clone(), ranks: Some(9), sends: None, stdin: String::new(), workspace: Workspace::default(), programs: Programs::default() };
        assert_eq!(decode(&fragment), Some(shared.clone()));
        assert_eq!(decode(&format!("#{fragment}")), Some(shared));
    }

    #[test]
    fn a_sends_setting_other_than_mpichs_travels_with_the_link() {
        let fragment = encode("x = 1\n", 2, Sends::Synchronous, "", &Workspace::default(), &Programs::default());
        assert!(fragment.starts_with("ranks=2&sends=synchronous&code="), "{fragment}");
        assert_eq!(decode(&fragment).and_then(|s| s.sends), Some(Sends::Synchronous));
        let unknown = fragment.replace("synchronous", "sometimes");
        assert_eq!(decode(&unknown).map(|s| (s.source, s.sends)), Some(("x = 1\n".to_owned(), None)));
    }

    #[test]
    fn rank_zeros_input_travels_with_the_link() {
        let fragment = encode("n = int(input())\n", 4, Sends::LikeMpich, "12\nmore input\n", &Workspace::default(), &Programs::default());
        assert!(fragment.contains("&input="), "{fragment}");
        assert!(!fragment.contains("files="), "no workspace, no field: {fragment}");
        assert_eq!(decode(&fragment).map(|s| s.stdin), Some("12\nmore input\n".to_owned()));
    }

    #[test]
    fn a_workspace_and_its_programs_travel_with_the_link() {
        use crate::workspace::Contents;
        let mut workspace = Workspace::default();
        workspace.add("parutils.py", Contents::Text("def pprint(*a): print(*a)\n".into()), "main.py").unwrap();
        workspace.add("data/bottle.dat", Contents::Text("1 2 3\n".into()), "main.py").unwrap();
        workspace.add("raw.bin", Contents::Binary(vec![0, 255]), "main.py").unwrap();
        workspace.add("worker.py", Contents::Text("print('worker')\n".into()), "main.py").unwrap();
        let mut programs = Programs { args: "--verbose".into(), ..Default::default() };
        programs.add(&workspace);
        let fragment = encode("import parutils\n", 4, Sends::LikeMpich, "", &workspace, &programs);
        let shared = decode(&fragment).expect("decodes");
        assert_eq!((shared.source.as_str(), shared.workspace, shared.programs), ("import parutils\n", workspace, programs));
    }

    #[test]
    fn damaged_or_foreign_fragments_carry_nothing() {
        assert_eq!(decode(""), None);
        assert_eq!(decode("#section-2"), None);
        assert_eq!(decode("ranks=4&code=!!!"), None);
        assert_eq!(decode("code=AAAA"), None);
        let only_code = encode("x = 1\n", 4, Sends::LikeMpich, "", &Workspace::default(), &Programs::default()).replace("ranks=4&", "");
        let bare = Shared {
            source: "x = 1\n".to_owned(),
            ranks: None,
            sends: None,
            stdin: String::new(),
            workspace: Workspace::default(),
            programs: Programs::default(),
        };
        assert_eq!(decode(&only_code), Some(bare));
    }

    #[test]
    fn downloads_say_how_to_run_them_under_mpiexec() {
        let text = download_text("print(1)\n", "mpiexec -n 10 python broadcast.py");
        assert_eq!(text, "# Run with real MPI (mpi4py): mpiexec -n 10 python broadcast.py\nprint(1)\n");
        assert_eq!(download_text(&text, "mpiexec -n 10 python broadcast.py"), text, "not headed twice");
    }
}
