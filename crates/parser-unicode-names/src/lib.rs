//! The name lookup RustPython's parser makes for `"\N{...}"`, over the Unicode
//! name table the runtime already has for `unicodedata`.
//!
//! RustPython's parser depends on `unicode_names2` 1.x and `unicodedata` (through
//! `rustpython-unicode`) on 3.x; with both, the rank runtime carried two tables
//! of every character's name, about 0.3 MB of the served page each after
//! brotli. This crate takes 1.x's place (`[patch.crates-io]` in the root
//! Cargo.toml) and answers from 3.x's table.
//!
//! 3.x looks names up loosely (UAX #44: `latinsmalllettera` finds `a`), as
//! `unicodedata` may, but CPython's tokenizer does not, so [`character`] keeps
//! only what CPython accepts in `"\N{...}"` (`_getcode` in CPython's
//! `Modules/unicodedata.c`):
//! - a character's name in any letter case;
//! - a Hangul syllable's or CJK unified ideograph's algorithmic name, in
//!   upper case only (a CJK code point written with 4 or 5 hex digits);
//! - an alias from `NameAliases.txt`, in any letter case;
//! - never a named sequence.
//!
//! 3.x's table gives aliases only in their folded form, so an alias written
//! with its spaces or hyphens moved (`NEWLINE` for `NEW LINE`) is accepted
//! where CPython rejects it; every other loose spelling is refused.
//!
//! The page serves the name table apart from the rank runtime, which holds
//! zeros in its place until a rank first needs it (web/pack-dist.mjs's cold
//! data): the browser's host installs, with [`set_before_lookup`], what puts
//! it back before the parser's first lookup.

use rustpython_unicode::{LookupResult, character_name, lookup_name};
use std::sync::OnceLock;

static BEFORE_LOOKUP: OnceLock<fn() -> bool> = OnceLock::new();

/// Has `ensure_table` called before each lookup: it makes sure the name
/// table is in memory and says whether it is. Where it is not, a lookup
/// finds nothing (the parser's SyntaxError) rather than read zeros. The
/// first call wins; natively nobody calls it, as the table is always there.
pub fn set_before_lookup(ensure_table: fn() -> bool) {
    let _ = BEFORE_LOOKUP.set(ensure_table);
}

const HANGUL_SYLLABLE: &str = "HANGUL SYLLABLE ";
const CJK_UNIFIED_IDEOGRAPH: &str = "CJK UNIFIED IDEOGRAPH-";

/// The character `"\N{name}"` stands for in CPython, if any.
pub fn character(name: &str) -> Option<char> {
    if !BEFORE_LOOKUP.get().is_none_or(|ensure_table| ensure_table()) {
        return None;
    }
    let Some(LookupResult::Character(found)) = lookup_name(name) else {
        return None;
    };
    if let Some(digits) = name.strip_prefix(CJK_UNIFIED_IDEOGRAPH) {
        return is_code_point_in_hex(digits, found).then_some(found);
    }
    match character_name(found) {
        Some(own) if own.starts_with(HANGUL_SYLLABLE) || own.starts_with(CJK_UNIFIED_IDEOGRAPH) => {
            (own == name).then_some(found)
        }
        Some(own) if own.eq_ignore_ascii_case(name) => Some(found),
        // Not the character's own name: the loose lookup matched either an
        // alias or a loose spelling of the name. A loose spelling of the
        // name folds to the name; an alias does not.
        Some(own) if folded(&own) == folded(name) => None,
        _ => is_alias_shaped(name).then_some(found),
    }
}

/// Whether `digits` are 4 or 5 upper-case hex digits whose value is `c`.
fn is_code_point_in_hex(digits: &str, c: char) -> bool {
    (4..=5).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
        && u32::from_str_radix(digits, 16) == Ok(c as u32)
}

/// The name as UAX #44's loose matching sees it: upper case, without
/// spaces, underscores and hyphens between letters or digits.
fn folded(name: &str) -> String {
    let bytes = name.as_bytes();
    let medial = |i: usize| {
        i > 0 && bytes[i - 1].is_ascii_alphanumeric() && bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
    };
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| !(b == b'_' || b.is_ascii_whitespace() || (b == b'-' && medial(i))))
        .map(|(_, b)| b.to_ascii_uppercase() as char)
        .collect()
}

/// Whether `name` is written as names in `NameAliases.txt` are: words of
/// letters, digits and hyphens, one space between words.
fn is_alias_shaped(name: &str) -> bool {
    !name.is_empty()
        && name
            .split(' ')
            .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_what_loose_matching_ignores() {
        assert_eq!(folded("latin_small letter-a"), "LATINSMALLLETTERA");
        assert_eq!(folded("TIBETAN LETTER -A"), "TIBETANLETTER-A");
    }

    #[test]
    fn alias_shape_is_single_spaced_words() {
        assert!(is_alias_shaped("NEW LINE"));
        assert!(is_alias_shaped("zero width no-break space"));
        assert!(!is_alias_shaped("NEW  LINE"));
        assert!(!is_alias_shaped(" NEW LINE"));
        assert!(!is_alias_shaped("NEW_LINE"));
        assert!(!is_alias_shaped(""));
    }

    #[test]
    fn cjk_code_points_need_upper_case_hex_of_4_or_5_digits() {
        assert!(is_code_point_in_hex("4E00", '\u{4E00}'));
        assert!(is_code_point_in_hex("04E00", '\u{4E00}'));
        assert!(!is_code_point_in_hex("4e00", '\u{4E00}'));
        assert!(!is_code_point_in_hex("004E00", '\u{4E00}'));
    }
}
