//! The tape: a value staged between a host language and the canonical ABI.
//!
//! A value is written in the order a pre-order walk of its type visits it:
//!
//! | WIT type | on the tape |
//! |---|---|
//! | `bool`, integers, `char` | one word: the value (signed ones sign-extended), a `char` as its scalar value |
//! | `f32`, `f64` | one word: the bits |
//! | `string` | one run of bytes, with its encoding ([`Text`]) |
//! | `list<T>`, `T` a scalar above | one run of bytes: the elements, little-endian, as the guest stores them |
//! | `list<R>`, `R` a record whose fields are all integers and floats | one run of bytes: the elements as the guest stores them (the canonical ABI's layout, padding included) |
//! | `list<T>`, any other `T` | one word: the length; then each element |
//! | `record`, `tuple` | each field in order |
//! | `variant`, `option`, `result`, `enum` | one word: the case's index; then its payload, if it has one |
//! | `flags` | one word: the bits, flag `n` being `1 << n` |
//! | `own`, `borrow` | one [`Handle`] |
//!
//! Runs of bytes are either copied into the tape's own arena or borrowed
//! from outside: from a host object (a Python `bytes`), or from the guest's
//! memory while a call's results are being read. Borrowing is what makes a
//! large value cost one copy; see [`Tape::push_outside`] for what it asks
//! of the caller.

use std::any::Any;

use smallvec::SmallVec;

use wasmtime::component::{ResourceAny, ResourceDynamic};

use super::internal;

/// The encoding of a run of bytes that holds a `string`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// UTF-8 known to be valid (it came from the host, or was checked).
    Utf8,
    /// UTF-8 from a guest, not checked yet: whoever reads it checks it.
    UncheckedUtf8,
    /// UTF-16, little-endian, from a guest; lone surrogates not checked yet.
    Utf16,
    /// Latin-1, one byte per character, from a guest (always valid).
    Latin1,
}

/// A resource handle on a tape.
pub enum Handle {
    /// A resource of a guest (or any resource wasmtime's host table holds).
    Any(ResourceAny),
    /// A resource the host implements (`ResourceType::host_dynamic`).
    Host(ResourceDynamic),
}

/// Where a run's bytes are.
#[derive(Clone, Copy)]
enum Place {
    /// `len` bytes at this address, outside the tape.
    Outside(*const u8),
    /// `len` bytes at this offset of the arena.
    Arena(usize),
}

#[derive(Clone, Copy)]
struct Run {
    place: Place,
    len: usize,
    /// `None` for the elements of a list.
    text: Option<Text>,
}

/// A staged value (or several, such as a function's parameters); see the
/// module docs.
///
/// The words and runs of a small value live inside the tape itself: a call
/// makes two tapes (its parameters and its results), and a small call would
/// otherwise spend a fifth of its time allocating and freeing their vectors.
/// Only a value with more than [`INLINE_WORDS`] words, [`INLINE_RUNS`] runs
/// or [`INLINE_ARENA`] bytes copied allocates, once, and its size then
/// dwarfs that cost.
pub struct Tape {
    words: SmallVec<[u64; INLINE_WORDS]>,
    runs: SmallVec<[Run; INLINE_RUNS]>,
    arena: SmallVec<[u8; INLINE_ARENA]>,
    handles: Vec<Handle>,
    /// Whatever keeps the outside runs alive (host objects, buffer exports).
    keep: Vec<Box<dyn Any + Send + Sync>>,
}

/// The words a tape holds without allocating: enough for the flat
/// parameters of nearly every function (the canonical ABI passes at most
/// 16 flat).
pub const INLINE_WORDS: usize = 16;
/// The runs (strings, lists of numbers) a tape holds without allocating.
pub const INLINE_RUNS: usize = 4;
/// The bytes of copied runs a tape holds without allocating: a short
/// string argument, which a host copies rather than borrows, would
/// otherwise cost an allocation and a free, a sixth of a small call.
pub const INLINE_ARENA: usize = 64;

// SAFETY: the raw pointers of outside runs are only read, and
// `push_outside`'s contract makes them valid and unchanging for as long as
// the tape is used, from whichever thread uses it.
unsafe impl Send for Tape {}
// SAFETY: as for `Send`: nothing behind the pointers is written through them.
unsafe impl Sync for Tape {}

impl Default for Tape {
    fn default() -> Self {
        Tape::new()
    }
}

impl Tape {
    pub fn new() -> Self {
        Tape {
            words: SmallVec::new(),
            runs: SmallVec::new(),
            arena: SmallVec::new(),
            handles: Vec::new(),
            keep: Vec::new(),
        }
    }

    /// Drops everything, keeping the allocations for the next value.
    pub fn clear(&mut self) {
        self.words.clear();
        self.runs.clear();
        self.arena.clear();
        self.handles.clear();
        self.keep.clear();
    }

    pub fn push_word(&mut self, word: u64) {
        self.words.push(word);
    }

    /// Room for `more` words, when their number is known ahead.
    pub fn reserve_words(&mut self, more: usize) {
        self.words.reserve(more);
    }

    /// A run borrowed from outside the tape.
    ///
    /// # Safety
    ///
    /// `bytes` must stay valid, and must not change, for as long as this
    /// tape (or anything read from it) is used: borrow from an immutable
    /// object that the tape keeps alive ([`Tape::keep`]) or that outlives
    /// it, or from guest memory that nothing can write or move meanwhile.
    pub unsafe fn push_outside(&mut self, bytes: &[u8], text: Option<Text>) {
        self.runs.push(Run {
            place: Place::Outside(bytes.as_ptr()),
            len: bytes.len(),
            text,
        });
    }

    /// A run copied into the tape.
    pub fn push_copy(&mut self, bytes: &[u8], text: Option<Text>) {
        let start = self.arena.len();
        self.arena.extend_from_slice(bytes);
        self.push_arena_run(start, text);
    }

    /// The arena, for writing a run in place (then [`Tape::push_arena_run`]).
    pub fn arena(&mut self) -> &mut SmallVec<[u8; INLINE_ARENA]> {
        &mut self.arena
    }

    /// A run of what was written to the arena since it was `start` long.
    pub fn push_arena_run(&mut self, start: usize, text: Option<Text>) {
        self.runs.push(Run {
            place: Place::Arena(start),
            len: self.arena.len() - start,
            text,
        });
    }

    pub fn push_handle(&mut self, handle: Handle) {
        self.handles.push(handle);
    }

    /// Keeps `owner` alive with the tape: what an outside run borrows from.
    pub fn keep(&mut self, owner: Box<dyn Any + Send + Sync>) {
        self.keep.push(owner);
    }

    /// Takes what the tape keeps alive, to drop it at a time of the
    /// caller's choosing (a Python object wants the GIL for that).
    pub fn take_kept(&mut self) -> Vec<Box<dyn Any + Send + Sync>> {
        std::mem::take(&mut self.keep)
    }

    /// The handles, for a caller that must settle them (host resources
    /// staged before they are linked in).
    pub fn handles_mut(&mut self) -> &mut [Handle] {
        &mut self.handles
    }

    /// A reader from the start of the tape.
    pub fn reader(&self) -> TapeReader<'_> {
        TapeReader {
            tape: self,
            word: 0,
            run: 0,
            handle: 0,
        }
    }

    /// A copy that borrows nothing: every run in its own arena. What a
    /// guest's results become when they must outlive the guest's memory
    /// (passed on to another guest, say).
    pub fn detached(&self) -> Tape {
        let mut copy = Tape::new();
        copy.words.extend_from_slice(&self.words);
        for run in &self.runs {
            copy.push_copy(self.run_bytes(run), run.text);
        }
        copy.handles = self
            .handles
            .iter()
            .map(|handle| match handle {
                Handle::Any(r) => Handle::Any(*r),
                Handle::Host(r) if r.owned() => {
                    Handle::Host(ResourceDynamic::new_own(r.rep(), r.ty()))
                }
                Handle::Host(r) => Handle::Host(ResourceDynamic::new_borrow(r.rep(), r.ty())),
            })
            .collect();
        copy
    }

    fn run_bytes(&self, run: &Run) -> &[u8] {
        match run.place {
            // SAFETY: `push_outside`'s contract.
            Place::Outside(ptr) => unsafe { std::slice::from_raw_parts(ptr, run.len) },
            Place::Arena(start) => &self.arena[start..start + run.len],
        }
    }
}

/// Reads a tape front to back, in the order it was written.
pub struct TapeReader<'t> {
    tape: &'t Tape,
    word: usize,
    run: usize,
    handle: usize,
}

impl<'t> TapeReader<'t> {
    pub fn word(&mut self) -> wasmtime::Result<u64> {
        let word = self.tape.words.get(self.word).copied();
        self.word += 1;
        word.ok_or_else(|| internal("a staged value is shorter than its type (a word)"))
    }

    /// The next run, as a `string`'s text.
    pub fn text(&mut self) -> wasmtime::Result<(&'t [u8], Text)> {
        let (bytes, text) = self.run()?;
        let text = text.ok_or_else(|| internal("a staged string is a list"))?;
        Ok((bytes, text))
    }

    /// The next run, as the elements of a list of scalars.
    pub fn elements(&mut self) -> wasmtime::Result<&'t [u8]> {
        match self.run()? {
            (bytes, None) => Ok(bytes),
            (_, Some(_)) => Err(internal("a staged list is a string")),
        }
    }

    fn run(&mut self) -> wasmtime::Result<(&'t [u8], Option<Text>)> {
        let tape = self.tape;
        let run = tape
            .runs
            .get(self.run)
            .ok_or_else(|| internal("a staged value is shorter than its type (a run)"))?;
        self.run += 1;
        Ok((tape.run_bytes(run), run.text))
    }

    pub fn handle(&mut self) -> wasmtime::Result<&'t Handle> {
        let handle = self.tape.handles.get(self.handle);
        self.handle += 1;
        handle.ok_or_else(|| internal("a staged value is shorter than its type (a handle)"))
    }

    /// Checks that everything was read: a tape longer than its type means
    /// that whoever wrote it and whoever read it disagree.
    pub fn finish(&self) -> wasmtime::Result<()> {
        let tape = self.tape;
        if self.word != tape.words.len()
            || self.run != tape.runs.len()
            || self.handle != tape.handles.len()
        {
            return Err(internal("a staged value is longer than its type"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_written_in_order() {
        let mut tape = Tape::new();
        tape.push_word(7);
        tape.push_copy(b"abc", Some(Text::Utf8));
        let outside = vec![1u8, 2, 3, 4];
        // SAFETY: `outside` outlives the tape's use below.
        unsafe { tape.push_outside(&outside, None) };
        tape.push_word(u64::MAX);
        let start = tape.arena().len();
        tape.arena().extend_from_slice(&[9, 9]);
        tape.push_arena_run(start, None);

        let mut r = tape.reader();
        assert_eq!(r.word().unwrap(), 7);
        assert_eq!(r.text().unwrap(), (&b"abc"[..], Text::Utf8));
        assert_eq!(r.elements().unwrap(), &[1, 2, 3, 4]);
        assert_eq!(r.word().unwrap(), u64::MAX);
        assert_eq!(r.elements().unwrap(), &[9, 9]);
        r.finish().unwrap();
        assert!(
            r.word().is_err(),
            "reading past the end is an error, not a panic"
        );
    }

    #[test]
    fn a_small_value_stays_inside_the_tape_and_a_large_one_still_fits() {
        let mut small = Tape::new();
        for word in 0..INLINE_WORDS as u64 {
            small.push_word(word);
        }
        small.push_copy(b"short", Some(Text::Utf8));
        assert!(!small.words.spilled() && !small.runs.spilled());

        let mut large = Tape::new();
        for word in 0..10_000 {
            large.push_word(word);
        }
        for _ in 0..=INLINE_RUNS {
            large.push_copy(b"run", None);
        }
        assert!(large.words.spilled() && large.runs.spilled());
        let mut r = large.reader();
        for word in 0..10_000 {
            assert_eq!(r.word().unwrap(), word);
        }
        for _ in 0..=INLINE_RUNS {
            assert_eq!(r.elements().unwrap(), b"run");
        }
        r.finish().unwrap();
    }

    #[test]
    fn a_reader_that_stops_early_or_reads_the_wrong_kind_is_told() {
        let mut tape = Tape::new();
        tape.push_word(1);
        tape.push_copy(b"x", None);
        let mut r = tape.reader();
        r.word().unwrap();
        assert!(r.finish().is_err());
        assert!(r.text().is_err(), "a list's run is not a string");
    }
}
