//! `-r` and `-c`: requirements and constraints files that include others.
//!
//! osv-lens never reads files by itself, so an include is resolved among the files given together. The included
//! file's dependencies stay under that file (each dependency is reported once); the including file gets a note
//! saying where they are, a warning when the file was not given, or a warning naming the cycle when files include
//! each other (pip refuses such files).

use crate::model::Origin;
use crate::sources::{InputFile, NoteLevel, ParsedInput, SourceNote};

/// One `-r` or `-c` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Include {
    /// The path as written.
    pub target: String,
    /// `-c` rather than `-r`.
    pub constraint: bool,
    /// Where the option is.
    pub origin: Origin,
}

/// Resolves the `-r` and `-c` lines of every requirements file among `inputs` (in the order of `parsed.files`,
/// which [`parse_files`](crate::sources::parse_files) keeps) and adds a note for each to the including file.
/// `includes` holds each file's include lines, as [`parse_with_includes`](super::parse_with_includes) found them.
pub(crate) fn resolve_includes(inputs: &[InputFile], parsed: &mut ParsedInput, includes: &[Vec<Include>]) {
    let count = inputs.len().min(parsed.files.len()).min(includes.len());
    let targets: Vec<Vec<Option<usize>>> = (0..count)
        .map(|file| {
            let from = &inputs[file].name;
            includes[file].iter().map(|include| find_input(&inputs[..count], from, &include.target)).collect()
        })
        .collect();
    let cycles = find_cycles(&targets);
    mark_constraints_only(&targets, includes, parsed);
    for (file, file_includes) in includes.iter().enumerate().take(count) {
        if file_includes.is_empty() {
            continue;
        }
        for (number, include) in file_includes.iter().enumerate() {
            let option = if include.constraint { "-c" } else { "-r" };
            let written = &include.target;
            let (level, message) = if is_remote(written) {
                (NoteLevel::Warning, format!("`{option} {written}` is a remote file; osv-lens does not fetch it"))
            } else if let Some(cycle) = cycles.iter().find(|cycle| cycle.file == file && cycle.include == number) {
                let names: Vec<String> = cycle.files.iter().map(|&file| format!("`{}`", inputs[file].name)).collect();
                (NoteLevel::Warning, format!("include cycle {}; pip refuses such files", names.join(" → ")))
            } else if let Some(target) = targets[file][number] {
                let what = if include.constraint { "its pins are audited" } else { "its dependencies are listed" };
                (
                    NoteLevel::Info,
                    format!("`{option} {written}` includes `{}`; {what} under that file", inputs[target].name),
                )
            } else {
                let message =
                    format!("`{option} {written}` names a file that was not given; add `{written}` to audit it");
                (NoteLevel::Warning, message)
            };
            parsed.files[file].notes.push(SourceNote { origin: include.origin.clone(), level, message });
        }
        crate::sorting::sort_by_key(&mut parsed.files[file].notes, |note| (note.origin.line, note.origin.column));
    }
}

/// Marks each file that some file includes with `-c` and none with `-r`.
fn mark_constraints_only(targets: &[Vec<Option<usize>>], includes: &[Vec<Include>], parsed: &mut ParsedInput) {
    let mut by_constraint = vec![false; parsed.files.len()];
    let mut by_requirement = vec![false; parsed.files.len()];
    for (file_targets, file_includes) in targets.iter().zip(includes) {
        for (target, include) in file_targets.iter().zip(file_includes) {
            let Some(target) = target.filter(|_| !is_remote(&include.target)) else { continue };
            let marks = if include.constraint { &mut by_constraint } else { &mut by_requirement };
            if let Some(mark) = marks.get_mut(target) {
                *mark = true;
            }
        }
    }
    for (file, parsed_file) in parsed.files.iter_mut().enumerate() {
        parsed_file.constraints_only = by_constraint[file] && !by_requirement[file];
    }
}

/// pip fetches includes that are `http:`, `https:` or `file:` URLs.
fn is_remote(target: &str) -> bool {
    let lower = target.to_ascii_lowercase();
    ["http:", "https:", "file:"].iter().any(|scheme| lower.starts_with(scheme))
}

/// The given file that `target`, written in `from`, names: the same path relative to `from`'s folder if given,
/// otherwise the file whose path shares the longest tail with it (at least the file name), the first on a tie.
fn find_input(inputs: &[InputFile], from: &str, target: &str) -> Option<usize> {
    let mut wanted = segments(from);
    wanted.pop();
    wanted.extend(segments(target));
    let wanted = normalise(wanted);
    let mut best: Option<(usize, (bool, usize))> = None;
    for (index, input) in inputs.iter().enumerate() {
        let path = normalise(segments(&input.name));
        let shared = path.iter().rev().zip(wanted.iter().rev()).take_while(|(a, b)| a == b).count();
        let score = (shared == path.len() && shared == wanted.len(), shared);
        if shared > 0 && best.is_none_or(|(_, best_score)| score > best_score) {
            best = Some((index, score));
        }
    }
    best.map(|(index, _)| index)
}

fn segments(path: &str) -> Vec<&str> {
    path.split(['/', '\\']).filter(|segment| !segment.is_empty() && *segment != ".").collect()
}

/// Resolves `..` against the segment before it, where there is one.
fn normalise(segments: Vec<&str>) -> Vec<&str> {
    let mut result: Vec<&str> = Vec::new();
    for segment in segments {
        if segment == ".." && result.last().is_some_and(|last| *last != "..") {
            result.pop();
        } else {
            result.push(segment);
        }
    }
    result
}

/// An include that closes a cycle.
struct Cycle {
    /// The including file.
    file: usize,
    /// Which of its includes.
    include: usize,
    /// The files around the cycle, the first repeated at the end.
    files: Vec<usize>,
}

/// Every include that leads back to a file on the current include chain (pip's "recursively references itself"),
/// found by a depth-first walk from each file in the order given. The walk keeps its own stack, so a long chain of
/// files cannot overflow the call stack.
fn find_cycles(targets: &[Vec<Option<usize>>]) -> Vec<Cycle> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnChain,
        Done,
    }
    let mut state = vec![State::New; targets.len()];
    let mut found = Vec::new();
    for root in 0..targets.len() {
        if state[root] != State::New {
            continue;
        }
        // The chain of files being walked, each with the index of its next include to follow.
        let mut chain: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = State::OnChain;
        while let Some((file, include)) = chain.last_mut() {
            let (file, include_index) = (*file, *include);
            let Some(target) = targets[file].get(include_index) else {
                state[file] = State::Done;
                chain.pop();
                continue;
            };
            *include += 1;
            let Some(target) = *target else { continue };
            match state[target] {
                State::OnChain => {
                    let from = chain.iter().position(|&(on_chain, _)| on_chain == target).unwrap_or(0);
                    let mut files: Vec<usize> = chain[from..].iter().map(|&(on_chain, _)| on_chain).collect();
                    files.push(target);
                    found.push(Cycle { file, include: include_index, files });
                }
                State::New => {
                    state[target] = State::OnChain;
                    chain.push((target, 0));
                }
                State::Done => {}
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_chain_of_includes_is_walked_without_recursion() {
        let count = 100_000;
        let mut targets: Vec<Vec<Option<usize>>> = (0..count).map(|file| vec![Some(file + 1)]).collect();
        targets[count - 1] = vec![Some(0), None];
        let cycles = find_cycles(&targets);
        assert_eq!(cycles.len(), 1);
        assert_eq!((cycles[0].file, cycles[0].include, cycles[0].files.len()), (count - 1, 0, count + 1));
    }

    #[test]
    fn paths_match_by_folder_then_by_the_longest_shared_tail() {
        let inputs = [
            InputFile::new("a/common.txt", ""),
            InputFile::new("b/common.txt", ""),
            InputFile::new("common.txt", ""),
            InputFile::new("req/dev.txt", ""),
        ];
        assert_eq!(find_input(&inputs, "b/main.txt", "common.txt"), Some(1));
        assert_eq!(find_input(&inputs, "main.txt", "./common.txt"), Some(2));
        assert_eq!(find_input(&inputs, "x/main.txt", "../a/common.txt"), Some(0));
        assert_eq!(find_input(&inputs, "main.txt", "other/dev.txt"), Some(3));
        assert_eq!(find_input(&inputs, "main.txt", "missing.txt"), None);
    }
}
