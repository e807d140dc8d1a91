//! Work split across the machine's cores: a large CSV file is read in parts, a large table's
//! rows are typed, read as claims and placed in parallel, a catalog's layers are built side
//! by side, a filter is applied to a large table, and a crowded tile's points are put in
//! their cells; in contiguous runs, so every result keeps the file's order.

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` over `0..n` cut into one run per core (each of at least `min` items), the runs'
/// results in order. Small inputs run on the calling thread.
pub fn map_runs<R: Send>(n: usize, min: usize, f: impl Fn(Range<usize>) -> R + Sync) -> Vec<R> {
    let runs = runs(n, min);
    let size = n.div_ceil(runs);
    map_each(runs, |i| f((i * size).min(n)..((i + 1) * size).min(n)))
}

/// `f(0)`, `f(1)`, … `f(n - 1)`, the results in order: each on a thread of its own when
/// there are several.
pub fn map_each<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    map_owned((0..n).collect(), f)
}

/// `f` of each item, the results in order: each on a thread of its own when there are
/// several, which owns the item (and may give its memory back as it goes).
pub fn map_owned<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    if items.len() <= 1 {
        return items.into_iter().map(&f).collect();
    }
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| s.spawn(move || f(item)))
            .collect();
        joined(handles)
    })
}

/// `f(0)`, `f(1)`, … `f(n - 1)` on a thread per core at most, each taking the next item as
/// it finishes one (so no more items are held at once than there are cores); the results in
/// order.
pub fn map_queue<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let threads = runs(n, 1);
    if threads <= 1 {
        return (0..n).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        let r = f(i);
                        *done[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                    }
                })
            })
            .collect();
        joined(handles);
    });
    // Every item is done: a thread's panic has gone on in the caller above.
    done.into_iter()
        .filter_map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

/// Like [`map_runs`], writing into `out` in place: `f` gets each run's first index and its
/// part of `out` (a million claim rows were collected per run and then copied into one list,
/// holding them twice).
pub fn fill_runs<T: Send, R: Send>(
    out: &mut [T],
    min: usize,
    f: impl Fn(usize, &mut [T]) -> R + Sync,
) -> Vec<R> {
    let n = out.len();
    let runs = runs(n, min);
    if runs == 1 {
        return vec![f(0, out)];
    }
    let size = n.div_ceil(runs);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = out
            .chunks_mut(size)
            .enumerate()
            .map(|(i, part)| s.spawn(move || f(i * size, part)))
            .collect();
        joined(handles)
    })
}

/// The threads' results in order; a thread's panic goes on in the caller.
fn joined<R>(handles: Vec<std::thread::ScopedJoinHandle<'_, R>>) -> Vec<R> {
    handles
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
        .collect()
}

/// How many runs `n` items make: one per core, each of at least `min` items.
pub fn runs(n: usize, min: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    cores.min(n / min.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_every_item_once_in_order() {
        for n in [0, 1, 7, 10_000, 25_001] {
            let out: Vec<usize> = map_runs(n, 1000, |r| r.collect::<Vec<_>>())
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(out, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn queued_items_are_each_mapped_once_in_order() {
        for n in [0, 1, 2, 7, 100] {
            let calls = AtomicUsize::new(0);
            let out = map_queue(n, |i| {
                calls.fetch_add(1, Ordering::Relaxed);
                i * 2
            });
            assert_eq!(out, (0..n).map(|i| i * 2).collect::<Vec<_>>());
            assert_eq!(calls.into_inner(), n);
        }
    }

    #[test]
    fn filled_runs_write_every_place_once_from_their_start() {
        for n in [0, 1, 7, 10_000, 25_001] {
            let mut out = vec![usize::MAX; n];
            let sizes = fill_runs(&mut out, 1000, |start, run| {
                for (i, slot) in run.iter_mut().enumerate() {
                    *slot = start + i;
                }
                run.len()
            });
            assert_eq!(out, (0..n).collect::<Vec<_>>());
            assert_eq!(sizes.iter().sum::<usize>(), n);
        }
    }
}
