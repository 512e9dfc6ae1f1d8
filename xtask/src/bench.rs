//! `cargo xtask bench`: benchmarks. Performance is quoted as ratios against peers measured
//! in the same run, never as absolute times (the machine is shared and noisy).
//!
//! `frontend`: `weft check` on a generated 5,000-line program (median of 5 runs; the
//! target is under 0.3 s).

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

pub fn run(args: &[String]) -> Result<(), String> {
    let which: Vec<&str> = args.iter().map(String::as_str).collect();
    let all = which.is_empty();
    crate::run(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args([
        "build",
        "--release",
        "-p",
        "weft",
    ]))?;
    if all || which.contains(&"frontend") {
        frontend()?;
    }
    Ok(())
}

/// Median wall time of `n` runs of a command (which must succeed or exit 1).
fn median_time(n: usize, mut make: impl FnMut() -> Command) -> Result<Duration, String> {
    let mut times = Vec::new();
    for _ in 0..n {
        let start = Instant::now();
        let out = make().output().map_err(|e| e.to_string())?;
        let elapsed = start.elapsed();
        if !out.status.success() {
            return Err(format!(
                "benchmark command failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        times.push(elapsed);
    }
    times.sort();
    Ok(times[n / 2])
}

fn frontend() -> Result<(), String> {
    let dir = std::env::temp_dir().join("weft-bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = dir.join("frontend.weft");
    let src = generate_program(5000);
    std::fs::write(&file, &src).map_err(|e| e.to_string())?;
    let weft = crate::root().join("target/release/weft");
    let t = median_time(5, || {
        let mut c = Command::new(&weft);
        c.arg("check").arg(&file);
        c
    })?;
    println!(
        "frontend: weft check of a {}-line program: {:.3} s (target < 0.300 s)",
        src.lines().count(),
        t.as_secs_f64()
    );
    Ok(())
}

/// A valid Weft program of about `lines` lines exercising most of the front end:
/// structs, enums, generics, closures, matches, loops, collections and string work.
pub fn generate_program(lines: usize) -> String {
    let mut s = String::new();
    s.push_str("from \"std/runtime\" import { Promise }\n\n");
    s.push_str("fn maxOf<T>(a: T, b: T): T {\n    if a > b {\n        return a\n    }\n    b\n}\n\n");
    let mut i = 0;
    while s.lines().count() < lines.saturating_sub(20) {
        unit(&mut s, i);
        i += 1;
    }
    s.push_str("fn main(): i32 {\n    var total: i64 = 0\n");
    for k in 0..i.min(200) {
        let _ = writeln!(s, "    total += run{k}({k})");
    }
    s.push_str("    print($\"total = {total}\")\n    return 0\n}\n");
    s
}

fn unit(s: &mut String, i: usize) {
    let _ = write!(
        s,
        r#"struct Point{i} {{
    x: f64,
    y: f64,
    label: string,
}}

enum Shape{i} {{
    Circle(f64),
    Rect(f64, f64),
    Empty,
}}

impl Point{i} {{
    fn new(x: f64, y: f64): Point{i} {{
        Point{i} {{ x: x, y: y, label: "p{i}" }}
    }}

    fn norm(self): f64 {{
        (self.x * self.x + self.y * self.y).sqrt()
    }}

    fn shift(mut self, dx: f64) {{
        self.x += dx
    }}
}}

fn area{i}(s: Shape{i}): f64 {{
    match s {{
        Shape{i}.Circle(r) => 3.14159 * r * r,
        Shape{i}.Rect(w, h) if w > h => w * h,
        Shape{i}.Rect(w, h) => h * w,
        Shape{i}.Empty => 0.0,
    }}
}}

fn run{i}(n: i64): i64 {{
    var p = Point{i}.new(1.0, 2.0)
    p.shift(0.5)
    var counts: HashMap<string, i64> = HashMap.new()
    var words: Vec<string> = Vec.new()
    for k in 0..n {{
        let w = $"w{{k % 7}}"
        words.push(w)
        counts.insert(w, (counts.get(w) ?? 0) + 1)
    }}
    let lens = words.map((w: string): i64 => w.len())
    let sum = lens.fold(0, (acc: i64, x: i64): i64 => acc + x)
    let big = maxOf(sum, n)
    let shapes = [Shape{i}.Circle(1.0), Shape{i}.Rect(2.0, 3.0), Shape{i}.Empty]
    var area = 0.0
    for sh in shapes {{
        area += area{i}(sh)
    }}
    let label = if area > 10.0 {{ "big" }} else {{ "small" }}
    let parsed = "42".parseInt() ?? 0
    var j: i64 = 0
    while j < 3 {{
        j += 1
        if j == 2 {{
            continue
        }}
    }}
    let r: Result<i64> = Ok(big + parsed + j)
    let opt: i64? = counts.get("w1")
    let extra = opt ?? 0
    print($"{{label}} {{p.norm()}} {{area}}")
    return r! + extra + (label.len() as i64)
}}

"#
    );
}
