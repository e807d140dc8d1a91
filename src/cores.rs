//! Loading work split across the machine's cores: a large table's rows are typed, read as
//! claims and placed in parallel, in contiguous runs, so every result keeps the file's order.

use std::ops::Range;

/// `f` over `0..n` cut into one run per core (each of at least `min` items), the runs'
/// results in order. Small inputs run on the calling thread.
pub fn map_runs<R: Send>(n: usize, min: usize, f: impl Fn(Range<usize>) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let runs = cores.min(n / min.max(1)).max(1);
    if runs == 1 {
        return vec![f(0..n)];
    }
    let size = n.div_ceil(runs);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = (0..runs)
            .map(|i| {
                let run = (i * size).min(n)..((i + 1) * size).min(n);
                s.spawn(move || f(run))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
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
}
