//! Sorting through one compiled sort routine.
//!
//! The standard library's sorts are generic: every element type and every comparator gets its own copy of the sort
//! (about 4 KB of wasm each). The crate sorts through these functions instead, which sort a list of positions once,
//! with a comparator behind a reference, and then move the elements into place: one copy of the sort for the whole
//! page. Like `slice::sort_by`, the sort is stable. Clippy refuses the standard sorts in this crate (`clippy.toml`).
//!
//! ```
//! let mut names = vec!["b", "a", "c"];
//! osv_lens::sorting::sort(&mut names);
//! assert_eq!(names, ["a", "b", "c"]);
//! ```

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `items` stably by `compare`.
pub fn sort_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let order = stable_order(items.len(), &mut |a, b| compare(&items[a], &items[b]));
    permute(items, order);
}

/// Sorts `items` stably by the key `key` gives each.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` stably in their own order.
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// A map of `pairs`; a later pair replaces an earlier one with the same key, as `collect` does. `collect` into a
/// map sorts the pairs first, with a copy of the sort per key and value type; inserting one by one does not.
pub fn map_of<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(pairs);
    map
}

/// A set of `items`, for the same reason as [`map_of`].
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

/// The positions `0..len` in the order `compare` gives them, stably: the one sort the crate compiles.
#[inline(never)]
#[allow(clippy::disallowed_methods)]
fn stable_order(len: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Moves the elements of `items` so that position `i` holds the element that was at `order[i]`, following each
/// cycle of the permutation once. `order` is used up as the record of what is done.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start || from == at {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_like_the_standard_sort() {
        // Pairs sorted by their first element only: equal keys keep their order.
        let mut state = 12_345_u32;
        let mut next = || {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) % 17
        };
        for len in [0, 1, 2, 3, 7, 20, 64, 257] {
            let items: Vec<(u32, usize)> = (0..len).map(|index| (next(), index)).collect();
            let mut ours = items.clone();
            sort_by_key(&mut ours, |item| item.0);
            let mut theirs = items.clone();
            #[allow(clippy::disallowed_methods)]
            theirs.sort_by_key(|item| item.0);
            assert_eq!(ours, theirs, "length {len}");
        }
    }

    #[test]
    fn moves_owned_values_without_losing_any() {
        let mut words: Vec<String> = ["pear", "apple", "fig", "apple", "kiwi"].map(String::from).to_vec();
        sort(&mut words);
        assert_eq!(words, ["apple", "apple", "fig", "kiwi", "pear"]);
        sort_by(&mut words, |a, b| b.len().cmp(&a.len()));
        assert_eq!(words, ["apple", "apple", "kiwi", "pear", "fig"]);
    }

    #[test]
    fn maps_keep_the_last_value_of_a_key_as_collect_does() {
        let pairs = [("a", 1), ("b", 2), ("a", 3)];
        assert_eq!(map_of(pairs), pairs.into_iter().collect::<BTreeMap<_, _>>());
        assert_eq!(set_of([3, 1, 3]), BTreeSet::from([1, 3]));
    }
}
