//! MPI misuse caught as MUST or MPICH's debug builds catch it: the members
//! of a communicator entering different collectives, or the same collective
//! with different roots, reduction ops or counts.
//!
//! Every message of a blocking collective carries a short signature of the
//! call that sent it (which collective, its root, its op, its count, the
//! script line), and a member that receives one compares it with its own
//! call. A mismatch fails the call with an error that names both calls and
//! both lines, instead of a hang or wrong data. Where the two calls happen
//! not to exchange a message (a bcast from rank 0 against a reduce to rank
//! 0), the stray message is caught by the next collective on the
//! communicator, or at the end of the run ([`Endpoint::leftovers`]).

use crate::endpoint::Endpoint;
use crate::error::{ErrorClass, MpiError, Result};
use crate::state::comm_name;
use crate::trace::Call;

/// The predefined reductions by code (index + 1); 0 is a Python function.
const OPS: [&str; 10] = ["SUM", "PROD", "MAX", "MIN", "LAND", "LOR", "LXOR", "BAND", "BOR", "BXOR"];
/// Bytes a signature adds to a collective message.
pub(crate) const SIG_BYTES: usize = 16;
/// The call code of a signature that says nothing (an engine call made
/// without one, as its tests do): it conflicts with nothing.
const UNSIGNED: u8 = 0xff;

/// What one member's collective call was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollSig {
    pub call: Call,
    /// The root (a rank of the communicator), or -1 for none or unknown.
    pub root: i32,
    /// A predefined reduction's code (see [`CollSig::op_named`]), 0 for none.
    pub op: u8,
    /// Bytes contributed where all members must give the same (a predefined
    /// reduction's buffer), 0 where counts may differ.
    pub count: u32,
    pub line: u32,
}

impl CollSig {
    /// The code of predefined reduction `name` ("SUM", "MAX", ...), 0 for another.
    pub fn op_named(name: &str) -> u8 {
        OPS.iter().position(|n| *n == name).map_or(0, |i| i as u8 + 1)
    }

    fn encode(sig: Option<&CollSig>) -> [u8; SIG_BYTES] {
        let mut b = [0u8; SIG_BYTES];
        match sig {
            Some(s) => {
                b[0] = s.call as u8;
                b[1] = s.op;
                b[4..8].copy_from_slice(&s.root.to_le_bytes());
                b[8..12].copy_from_slice(&s.count.to_le_bytes());
                b[12..16].copy_from_slice(&s.line.to_le_bytes());
            }
            None => b[0] = UNSIGNED,
        }
        b
    }

    fn decode(b: &[u8]) -> Option<CollSig> {
        let word = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        Some(CollSig {
            call: Call::ALL.get(b[0] as usize).copied()?,
            op: b[1],
            root: word(4) as i32,
            count: word(8),
            line: word(12),
        })
    }

    /// Whether two members' calls cannot be the same collective.
    pub fn conflicts(&self, other: &CollSig) -> bool {
        let differ = |a: u32, b: u32| a != 0 && b != 0 && a != b;
        self.call != other.call
            || (self.root >= 0 && other.root >= 0 && self.root != other.root)
            || differ(self.op as u32, other.op as u32)
            || differ(self.count, other.count)
    }

    /// "reduce(root=0, op=SUM, 8 bytes) at line 9"
    pub fn describe(&self) -> String {
        let mut args = Vec::new();
        if self.root >= 0 {
            args.push(format!("root={}", self.root));
        }
        if let Some(op) = OPS.get((self.op as usize).wrapping_sub(1)) {
            args.push(format!("op={op}"));
        }
        if self.count > 0 {
            args.push(format!("{} bytes", self.count));
        }
        let line = if self.line > 0 { format!(" at line {}", self.line) } else { String::new() };
        format!("{}({}){line}", self.call.name(), args.join(", "))
    }
}

impl Endpoint {
    /// The signature the messages of the collective this rank enters carry
    /// (`None` when it leaves it).
    pub fn set_collective(&mut self, sig: Option<CollSig>) {
        self.coll_sig = sig;
    }

    /// `data` with this rank's signature in front.
    pub(crate) fn signed(&self, data: Vec<u8>) -> Vec<u8> {
        let mut out = Vec::with_capacity(SIG_BYTES + data.len());
        out.extend_from_slice(&CollSig::encode(self.coll_sig.as_ref()));
        out.extend(data);
        out
    }

    /// A collective message from world rank `from` without its signature,
    /// or the error its signature calls for. `wire` is its context.
    pub(crate) fn unsigned(&self, from: u32, wire: u32, mut data: Vec<u8>) -> Result<Vec<u8>> {
        if data.len() < SIG_BYTES {
            return Ok(data);
        }
        let theirs = CollSig::decode(&data[..SIG_BYTES]);
        if let (Some(mine), Some(theirs)) = (self.coll_sig.as_ref(), theirs.as_ref())
            && mine.conflicts(theirs)
        {
            return Err(mismatch(self.me, mine, from, theirs, wire / 2));
        }
        data.drain(..SIG_BYTES);
        Ok(data)
    }
}

impl Endpoint {
    /// What this rank leaves behind at its normal end, as warnings: messages
    /// that reached it and that no receive took (for a collective's, the call
    /// that sent it), and receives it posted that no message matched.
    /// Messages that arrive after it ended are not seen.
    pub fn leftovers(&mut self) -> Vec<String> {
        let _ = self.progress();
        let me = self.me;
        let user = |wire: u32| wire / 2 < crate::process::MP_COMM && wire / 2 != crate::intercomm::GROUP_COMM;
        let mut out = Vec::new();
        for m in self.unexpected.iter().filter(|m| user(m.ctx)) {
            let comm = comm_name(m.ctx / 2);
            if m.ctx % 2 == 0 {
                out.push(format!(
                    "rank {me} never received a message rank {} sent it{} (tag {}, {comm}, {} bytes)",
                    m.src,
                    at_line(m.line),
                    m.tag,
                    m.data.len()
                ));
            } else if let Some(sig) = m.data.get(..SIG_BYTES).and_then(CollSig::decode) {
                out.push(format!(
                    "collective mismatch on {comm}: rank {} called {}, which rank {me} never matched",
                    m.src,
                    sig.describe()
                ));
            }
        }
        for (ctx, src, tag, line) in self.unmatched_receives().into_iter().filter(|(ctx, ..)| user(*ctx) && ctx % 2 == 0) {
            let source = src.map_or("ANY_SOURCE".to_owned(), |s| s.to_string());
            let tag = tag.map_or("ANY_TAG".to_owned(), |t| t.to_string());
            out.push(format!(
                "rank {me} ended with a receive no message matched: irecv(source={source}, tag={tag}, comm={}){}",
                comm_name(ctx / 2),
                at_line(line)
            ));
        }
        for (ctx, call, peer, tag, line) in self.untaken_requests().into_iter().filter(|(ctx, ..)| user(*ctx) && ctx % 2 == 0) {
            let what = if call == "isend" { format!("isend to rank {peer}") } else { format!("irecv, which took a message from rank {peer}") };
            out.push(format!(
                "rank {me} never completed its {what} (tag {tag}, {}){}: no wait or test took the request",
                comm_name(ctx / 2),
                at_line(line)
            ));
        }
        out
    }
}

/// The error of a collective whose members disagree.
fn mismatch(me: u32, mine: &CollSig, them: u32, theirs: &CollSig, ctx: u32) -> MpiError {
    let what = if mine.call != theirs.call { "different collectives" } else { "the same collective with different arguments" };
    MpiError::new(
        ErrorClass::Other,
        &format!("MPI_{}", capitalised(mine.call.name())),
        format_args!(
            "Collective mismatch on {}: the ranks called {what}: rank {me} called {}, rank {them} called {}",
            comm_name(ctx),
            mine.describe(),
            theirs.describe()
        ),
    )
}

/// " at line N", or nothing when the line is unknown.
fn at_line(line: u32) -> String {
    if line == 0 { String::new() } else { format!(" at line {line}") }
}

fn capitalised(name: &str) -> String {
    let mut c = name.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(call: Call, root: i32, op: &str, count: u32, line: u32) -> CollSig {
        CollSig { call, root, op: CollSig::op_named(op), count, line }
    }

    #[test]
    fn signatures_round_trip_and_say_what_differs() {
        let s = sig(Call::Reduce, 0, "SUM", 8, 9);
        assert_eq!(CollSig::decode(&CollSig::encode(Some(&s))), Some(s));
        assert_eq!(CollSig::decode(&CollSig::encode(None)), None, "an unsigned message conflicts with nothing");
        assert_eq!(s.describe(), "reduce(root=0, op=SUM, 8 bytes) at line 9");
        assert!(s.conflicts(&sig(Call::Bcast, 0, "", 0, 7)));
        assert!(s.conflicts(&sig(Call::Reduce, 1, "SUM", 8, 9)));
        assert!(s.conflicts(&sig(Call::Reduce, 0, "MAX", 8, 9)));
        assert!(s.conflicts(&sig(Call::Reduce, 0, "SUM", 16, 9)));
        assert!(!s.conflicts(&sig(Call::Reduce, 0, "SUM", 8, 12)), "lines may differ");
        assert!(!s.conflicts(&sig(Call::Reduce, -1, "", 0, 9)), "unknown root, op and count match any");
    }
}
