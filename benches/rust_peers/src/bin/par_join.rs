//! par_join peer: 1,000,000 `rayon::join`s of two trivial closures, each adding to its own
//! atomic counter. Prints 2000000. The loop runs inside the pool (`install`), as Weft's
//! `main` runs on a scheduler worker: a `join` called from outside the pool would pay for
//! injecting a job into the pool and blocking the caller each time.
use std::sync::atomic::{AtomicI64, Ordering};

fn main() {
    let left = AtomicI64::new(0);
    let right = AtomicI64::new(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .expect("a rayon thread pool");
    pool.install(|| {
        for _ in 0..1_000_000 {
            rayon::join(
                || left.fetch_add(1, Ordering::Relaxed),
                || right.fetch_add(1, Ordering::Relaxed),
            );
        }
    });
    let l = left.load(Ordering::Relaxed);
    let r = right.load(Ordering::Relaxed);
    println!("{}", l + r);
}
