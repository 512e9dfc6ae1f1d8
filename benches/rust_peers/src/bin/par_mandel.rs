//! par-mandel peer: rayon, `(0..n).into_par_iter().map(row).sum()`. Prints 1588053.
use rayon::prelude::*;

fn row_count(y: usize, n: usize) -> u64 {
    let ci = -1.0 + 2.0 * y as f64 / n as f64;
    let mut count = 0;
    for x in 0..n {
        let cr = -1.5 + 2.0 * x as f64 / n as f64;
        let (mut zr, mut zi) = (0.0f64, 0.0f64);
        let mut inside = true;
        for _ in 0..50 {
            let next = zr * zr - zi * zi + cr;
            zi = 2.0 * zr * zi + ci;
            zr = next;
            if zr * zr + zi * zi > 4.0 {
                inside = false;
                break;
            }
        }
        count += inside as u64;
    }
    count
}

fn main() {
    let n = 2000;
    let total: u64 = (0..n).into_par_iter().map(|y| row_count(y, n)).sum();
    println!("{total}");
}
