//! Build time of large fixed arrays: a program with arrays of a million elements (and a
//! 48x48 grid passed around by value) must build about as fast as a small program at every
//! optimization level. Code generation used to unroll `[v; n]` and compile arrays as LLVM
//! values element by element: `[0u8; 4096]` took 2.2 s and 1.1 GB at -O2, `[0i64; 30000]`
//! ran out of memory, 100,000 elements crashed LLVM at -O0, the grid took 25 s.

mod common;

use common::programs::{self, Spec};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The longest a build may take here (the debug-built compiler on a shared machine; the
/// builds take well under a second).
const LIMIT: Duration = Duration::from_secs(30);

const MILLION: &str = r#"
// expect: 5 2 7 9 1 1000000
struct Row { cells: [i64; 1000000] }

fn last(r: Row): i64 { r.cells[999999] }

fn main() {
    var a = [0i64; 1000000]
    var b = [7u8; 1000000]
    var c = [[1i32; 1000]; 1000]
    var s = [""; 1000000]
    a[999999] = 5
    b[3] = 2
    c[999][999] = 9
    s[0] = "x"
    let r = Row { cells: a }
    print(last(r), " ", b[3], " ", b[4], " ", c[999][999], " ", c[0][0], " ", s.len())
}
"#;

fn out_dir() -> PathBuf {
    let d = common::root().join("target/weft-large-arrays");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Builds `text` at `opt` within [`LIMIT`] and runs it as its comments say.
fn build_in_time(name: &str, text: &str, opt: &str) -> Result<(), String> {
    let dir = out_dir();
    let src = dir.join(format!("{name}.weft"));
    std::fs::write(&src, text).map_err(|e| e.to_string())?;
    let exe = dir.join(format!("{name}{opt}"));
    let started = Instant::now();
    programs::build(&src, &[opt.to_string()], &exe)?;
    let took = started.elapsed();
    if took > LIMIT {
        return Err(format!("{name} at {opt}: the build took {took:?}"));
    }
    let spec = Spec::parse(text);
    let label = format!("{name} at {opt}");
    programs::run_and_check(None, &exe, &spec, "1", &label, Duration::from_secs(60))
}

#[test]
fn a_million_elements_build_quickly_at_every_level() {
    let levels = ["-O0", "-O1", "-O2", "-O3"];
    let failures = common::parallel(&levels, |opt| build_in_time("million", MILLION, opt));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_grid_passed_by_value_builds_quickly() {
    let grid = r#"
// expect: 2303
struct World { cells: [[bool; 48]; 48] }

fn count(g: [[bool; 48]; 48]): i64 {
    var n = 0
    for row in g {
        for c in row {
            if c { n += 1 }
        }
    }
    n
}

fn step(w: World): World {
    var next = [[false; 48]; 48]
    for y in 0..48 {
        for x in 0..48 {
            next[y][x] = !w.cells[y][x]
        }
    }
    World { cells: next }
}

fn main() {
    var w = World { cells: [[false; 48]; 48] }
    w.cells[3][4] = true
    w = step(w)
    print(count(w.cells))
}
"#;
    build_in_time("grid", grid, "-O2").unwrap();
}
