//! `cargo xtask bench [NAME...]`: benchmarks. Each Weft program runs beside its peers
//! (C built with clang-19 -O2 and gcc -O2 (with -fopenmp for OpenMP peers), Go, Crystal,
//! Rust with rayon from `benches/rust_peers`) in the same run, interleaved, 5
//! times each; the table shows medians and the Weft/peer ratios (the machine is shared
//! and noisy: quote ratios, not absolute times). Sequential benchmarks compare CPU time
//! (user + system); concurrent ones wall time and peak memory, with WEFT_THREADS=1 and 2.
//!
//! Also: `frontend` (`weft check` of a generated 5,000-line program, target < 0.3 s),
//! `buildtime` (`weft build` of a generated 1,000-line program: < 1 s at -O0, < 3 s at -O2),
//! and the networking benchmarks `http` and `idle_conns` (`net_bench.rs`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 5;

/// A peer implementation of a benchmark.
#[derive(Clone, Copy)]
pub(crate) enum Peer {
    Clang(&'static str),
    Gcc(&'static str),
    Go(&'static str),
    Crystal(&'static str),
    /// C with OpenMP, built with gcc -O2 -fopenmp.
    OpenMp(&'static str),
    /// A binary of the Rust peer project `benches/rust_peers` (release build; rayon).
    Rust(&'static str),
}

struct Bench {
    name: &'static str,
    weft: &'static str,
    args: &'static [&'static str],
    peers: &'static [Peer],
    /// Compare wall time and memory with WEFT_THREADS=1 and 2 (else CPU time).
    concurrent: bool,
    /// Operations per run (round trips, messages, lock operations): when non-zero, the
    /// report also gives nanoseconds per operation.
    ops: u64,
}

const BENCHES: &[Bench] = &[
    Bench {
        name: "fib",
        weft: "benches/fib/fib.weft",
        args: &[],
        peers: &[
            Peer::Clang("benches/fib/fib.c"),
            Peer::Gcc("benches/fib/fib.c"),
        ],
        concurrent: false,
        ops: 0,
    },
    Bench {
        name: "nbody",
        weft: "examples/nbody.weft",
        args: &["5000000"],
        peers: &[
            Peer::Clang("benches/nbody/nbody.c"),
            Peer::Gcc("benches/nbody/nbody.c"),
        ],
        concurrent: false,
        ops: 0,
    },
    Bench {
        name: "spectralnorm",
        weft: "examples/spectralnorm.weft",
        args: &["2000"],
        peers: &[
            Peer::Clang("benches/spectralnorm/spectralnorm.c"),
            Peer::Gcc("benches/spectralnorm/spectralnorm.c"),
        ],
        concurrent: false,
        ops: 0,
    },
    Bench {
        name: "strvec",
        weft: "benches/strvec/strvec.weft",
        args: &[],
        peers: &[
            Peer::Clang("benches/strvec/strvec.c"),
            Peer::Gcc("benches/strvec/strvec.c"),
        ],
        concurrent: false,
        ops: 0,
    },
    Bench {
        name: "skynet",
        weft: "benches/skynet/skynet.weft",
        args: &[],
        peers: &[
            Peer::Go("benches/skynet/skynet.go"),
            Peer::Crystal("benches/skynet/skynet.cr"),
        ],
        concurrent: true,
        ops: 0,
    },
    Bench {
        name: "skynet_all",
        weft: "benches/skynet_all/skynet_all.weft",
        args: &[],
        peers: &[
            Peer::Go("benches/skynet/skynet.go"),
            Peer::Crystal("benches/skynet/skynet.cr"),
        ],
        concurrent: true,
        ops: 0,
    },
    Bench {
        name: "par_mandel",
        weft: "benches/par_mandel/par_mandel.weft",
        args: &[],
        peers: &[
            Peer::Rust("par_mandel"),
            Peer::OpenMp("benches/par_mandel/par_mandel.c"),
            Peer::Go("benches/par_mandel/par_mandel.go"),
        ],
        concurrent: true,
        ops: 0,
    },
    Bench {
        name: "par_join",
        weft: "benches/par_join/par_join.weft",
        args: &[],
        peers: &[Peer::Rust("par_join")],
        concurrent: true,
        ops: 1_000_000,
    },
    Bench {
        name: "concurrent_spawn",
        weft: "benches/concurrent_spawn/concurrent_spawn.weft",
        args: &[],
        peers: &[Peer::Go("benches/concurrent_spawn/concurrent_spawn.go")],
        concurrent: true,
        ops: 1_000_000,
    },
    Bench {
        name: "spawn_await",
        weft: "benches/spawn_await/spawn_await.weft",
        args: &[],
        peers: &[
            Peer::Go("benches/spawn_await/spawn_await.go"),
            Peer::Crystal("benches/spawn_await/spawn_await.cr"),
        ],
        concurrent: true,
        ops: 0,
    },
    Bench {
        name: "sleep_fanout",
        weft: "benches/sleep_fanout/sleep_fanout.weft",
        args: &[],
        peers: &[
            Peer::Go("benches/sleep_fanout/sleep_fanout.go"),
            Peer::Crystal("benches/sleep_fanout/sleep_fanout.cr"),
        ],
        concurrent: true,
        ops: 0,
    },
    Bench {
        name: "yield_pingpong",
        weft: "benches/yield_pingpong/yield_pingpong.weft",
        args: &[],
        peers: &[
            Peer::Go("benches/yield_pingpong/yield_pingpong.go"),
            Peer::Crystal("benches/yield_pingpong/yield_pingpong.cr"),
        ],
        concurrent: true,
        ops: 0,
    },
    Bench {
        name: "pingpong",
        weft: "benches/pingpong/pingpong.weft",
        args: &[],
        peers: &[
            Peer::Go("benches/pingpong/pingpong.go"),
            Peer::Crystal("benches/pingpong/pingpong.cr"),
            Peer::Clang("benches/pingpong/pingpong.c"),
        ],
        concurrent: true,
        ops: 1_000_000,
    },
    Bench {
        name: "threadring",
        weft: "benches/threadring/threadring.weft",
        args: &[],
        peers: &[
            Peer::Go("benches/threadring/threadring.go"),
            Peer::Crystal("benches/threadring/threadring.cr"),
        ],
        concurrent: true,
        ops: 10_000_000,
    },
    Bench {
        name: "mpmc",
        weft: "benches/mpmc/mpmc.weft",
        args: &[],
        peers: &[
            Peer::Go("benches/mpmc/mpmc.go"),
            Peer::Crystal("benches/mpmc/mpmc.cr"),
            Peer::Clang("benches/mpmc/mpmc.c"),
        ],
        concurrent: true,
        ops: 10_000_000,
    },
    Bench {
        name: "mutex",
        weft: "benches/mutex/mutex.weft",
        args: &[],
        peers: &[
            Peer::Go("benches/mutex/mutex.go"),
            Peer::Crystal("benches/mutex/mutex.cr"),
            Peer::Clang("benches/mutex/mutex.c"),
        ],
        concurrent: true,
        ops: 4_000_000,
    },
    Bench {
        name: "lock_uncontended",
        weft: "benches/lock_uncontended/lock_uncontended.weft",
        args: &[],
        peers: &[
            Peer::Go("benches/lock_uncontended/lock_uncontended.go"),
            Peer::Clang("benches/lock_uncontended/lock_uncontended.c"),
        ],
        concurrent: true,
        ops: 10_000_000,
    },
    Bench {
        name: "chan_buffered",
        weft: "benches/chan_buffered/chan_buffered.weft",
        args: &[],
        peers: &[
            Peer::Go("benches/chan_buffered/chan_buffered.go"),
            Peer::Crystal("benches/chan_buffered/chan_buffered.cr"),
        ],
        concurrent: true,
        ops: 10_000_000,
    },
    Bench {
        name: "select",
        weft: "benches/select/select.weft",
        args: &[],
        peers: &[
            Peer::Go("benches/select/select.go"),
            Peer::Crystal("benches/select/select.cr"),
        ],
        concurrent: true,
        ops: 1_000_000,
    },
    Bench {
        name: "generators",
        weft: "benches/generators/generators.weft",
        args: &["3"],
        peers: &[],
        concurrent: false,
        ops: 0,
    },
    Bench {
        name: "generators_alive",
        weft: "benches/generators/alive.weft",
        args: &["100000"],
        peers: &[],
        concurrent: false,
        ops: 0,
    },
    Bench {
        name: "parked",
        weft: "benches/parked/parked.weft",
        args: &["100000"],
        peers: &[],
        concurrent: true,
        ops: 0,
    },
    Bench {
        name: "parked_1m",
        weft: "benches/parked/parked.weft",
        args: &["1000000"],
        peers: &[],
        concurrent: true,
        ops: 0,
    },
];

pub fn run(args: &[String]) -> Result<(), String> {
    let want: Vec<&str> = args.iter().map(String::as_str).collect();
    let selected = |name: &str| want.is_empty() || want.contains(&name);
    crate::run(cargo().args(["build", "--release", "-p", "weft", "-p", "weft_rt"]))?;
    let dir = crate::root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if selected("frontend") {
        frontend(&dir)?;
    }
    if selected("buildtime") {
        build_time(&dir)?;
    }
    for b in BENCHES.iter().filter(|b| selected(b.name)) {
        if let Err(e) = bench(b, &dir) {
            println!("{}: error: {e}", b.name);
        }
    }
    if selected("http") {
        if let Err(e) = crate::net_bench::http(&dir) {
            println!("http: error: {e}");
        }
    }
    if selected("idle_conns") {
        if let Err(e) = crate::net_bench::idle_conns(&dir) {
            println!("idle_conns: error: {e}");
        }
    }
    Ok(())
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn weft_exe() -> PathBuf {
    crate::root().join("target/release/weft")
}

/// One measured run: wall time, CPU time (user + system), peak RSS in KiB, stdout.
pub(crate) struct Sample {
    pub(crate) wall: Duration,
    pub(crate) cpu: Duration,
    pub(crate) rss_kib: i64,
    pub(crate) stdout: String,
}

/// Runs a command to completion, measuring it with wait4's resource usage.
pub(crate) fn measure(cmd: &mut Command) -> Result<Sample, String> {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.ok_or("no stdout")?;
    let mut stderr = child.stderr.ok_or("no stderr")?;
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    let out = reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    if r < 0 {
        return Err("wait4 failed".into());
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let how = if libc::WIFSIGNALED(status) {
            format!("signal {}", libc::WTERMSIG(status))
        } else {
            format!("exit {}", libc::WEXITSTATUS(status))
        };
        let first = err.lines().next().unwrap_or("").to_string();
        return Err(format!("failed ({how}) {first}"));
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Ok(Sample {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        rss_kib: usage.ru_maxrss,
        stdout: out,
    })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A built variant of a benchmark.
struct Variant {
    label: String,
    exe: PathBuf,
    env: Vec<(&'static str, &'static str)>,
}

pub(crate) fn build_weft(src: &Path, out: &Path) -> Result<(), String> {
    let o = Command::new(weft_exe())
        .arg("build")
        .arg(src)
        .arg("-o")
        .arg(out)
        .output()
        .map_err(|e| e.to_string())?;
    if !o.status.success() {
        return Err(format!(
            "weft build failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    Ok(())
}

pub(crate) fn build_peer(p: Peer, out: &Path) -> Result<String, String> {
    let root = crate::root();
    let (label, mut cmd) = match p {
        Peer::Clang(src) => ("clang", cc_cmd("clang-19", &root.join(src), out)),
        Peer::Gcc(src) => ("gcc", cc_cmd("gcc", &root.join(src), out)),
        Peer::OpenMp(src) => {
            let mut c = cc_cmd("gcc", &root.join(src), out);
            c.arg("-fopenmp");
            ("gcc-openmp", c)
        }
        Peer::Rust(bin) => return build_rust_peer(bin, out),
        Peer::Go(src) => {
            let mut c = Command::new("go");
            c.arg("build")
                .arg("-o")
                .arg(out)
                .arg(root.join(src))
                .env("GOCACHE", root.join("target/bench/gocache"))
                .env("GO111MODULE", "off");
            ("go", c)
        }
        Peer::Crystal(src) => {
            let mut c = Command::new("crystal");
            c.args(["build", "--release", "--no-debug", "-o"])
                .arg(out)
                .arg(root.join(src))
                .env("CRYSTAL_CACHE_DIR", root.join("target/bench/crystal-cache"));
            ("crystal", c)
        }
    };
    let o = cmd.output().map_err(|e| format!("{label}: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "{label} build failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    Ok(label.to_string())
}

/// Builds `bin` of `benches/rust_peers` (release, its own target directory under
/// target/bench) and copies it to `out`.
fn build_rust_peer(bin: &str, out: &Path) -> Result<String, String> {
    let root = crate::root();
    let target = root.join("target/bench/rust");
    let o = cargo()
        .args([
            "build",
            "--release",
            "--quiet",
            "--bin",
            bin,
            "--manifest-path",
        ])
        .arg(root.join("benches/rust_peers/Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .map_err(|e| format!("rust: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "rust build failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    std::fs::copy(target.join("release").join(bin), out).map_err(|e| format!("rust: {e}"))?;
    Ok("rust-rayon".to_string())
}

fn cc_cmd(cc: &str, src: &Path, out: &Path) -> Command {
    let mut c = Command::new(cc);
    c.arg("-O2")
        .arg("-pthread")
        .arg(src)
        .arg("-o")
        .arg(out)
        .arg("-lm");
    c
}

fn bench(b: &Bench, dir: &Path) -> Result<(), String> {
    let root = crate::root();
    let wexe = dir.join(format!("{}-weft", b.name));
    build_weft(&root.join(b.weft), &wexe)?;
    let mut variants = Vec::new();
    if b.concurrent {
        for (label, t) in [("weft(T=1)", "1"), ("weft(T=2)", "2")] {
            variants.push(Variant {
                label: label.into(),
                exe: wexe.clone(),
                env: vec![("WEFT_THREADS", t)],
            });
        }
    } else {
        variants.push(Variant {
            label: "weft".into(),
            exe: wexe.clone(),
            env: vec![],
        });
    }
    let mut notes = Vec::new();
    for (i, p) in b.peers.iter().enumerate() {
        let exe = dir.join(format!("{}-peer{i}", b.name));
        match build_peer(*p, &exe) {
            Ok(label) => variants.push(Variant {
                label,
                exe,
                env: vec![],
            }),
            Err(e) => notes.push(e),
        }
    }
    let mut samples: Vec<Vec<Result<Sample, String>>> =
        (0..variants.len()).map(|_| Vec::new()).collect();
    for _ in 0..RUNS {
        for (i, v) in variants.iter().enumerate() {
            let mut cmd = Command::new(&v.exe);
            cmd.args(b.args).current_dir(&root);
            for (k, val) in &v.env {
                cmd.env(k, val);
            }
            samples[i].push(measure(&mut cmd));
        }
    }
    println!("{}", report(b, &variants, &samples, &notes));
    Ok(())
}

fn report(
    b: &Bench,
    variants: &[Variant],
    samples: &[Vec<Result<Sample, String>>],
    notes: &[String],
) -> String {
    let mut line = format!("{}:", b.name);
    let metric = |s: &Sample| if b.concurrent { s.wall } else { s.cpu };
    let mut medians: Vec<Option<(Duration, i64)>> = Vec::new();
    let reference = samples[0].iter().flatten().next().map(|s| s.stdout.clone());
    for (v, ss) in variants.iter().zip(samples) {
        let ok: Vec<&Sample> = ss.iter().flatten().collect();
        if ok.len() < ss.len() {
            let err = ss
                .iter()
                .find_map(|s| s.as_ref().err())
                .cloned()
                .unwrap_or_default();
            let _ = write!(line, " | {} {err}", v.label);
            medians.push(None);
            continue;
        }
        let m = median(ok.iter().map(|s| metric(s)).collect());
        let rss = ok.iter().map(|s| s.rss_kib).max().unwrap_or(0);
        let same = reference.as_deref() == Some(ok[0].stdout.as_str());
        let _ = write!(
            line,
            " | {} {:.3} s {} MiB{}",
            v.label,
            m.as_secs_f64(),
            rss / 1024,
            if same { "" } else { " (DIFFERENT OUTPUT)" }
        );
        if b.ops > 0 {
            let _ = write!(line, " {:.1} ns/op", m.as_secs_f64() * 1e9 / b.ops as f64);
        }
        medians.push(Some((m, rss)));
    }
    let weft_idx: Vec<usize> = (0..variants.len())
        .filter(|&i| variants[i].label.starts_with("weft"))
        .collect();
    for &w in &weft_idx {
        let Some((wt, wrss)) = medians[w] else {
            continue;
        };
        for (i, v) in variants
            .iter()
            .enumerate()
            .filter(|(i, _)| !weft_idx.contains(i))
        {
            if let Some((pt, prss)) = medians[i] {
                let _ = write!(
                    line,
                    "\n    {}/{} time {:.2}",
                    variants[w].label,
                    v.label,
                    wt.as_secs_f64() / pt.as_secs_f64()
                );
                if b.concurrent {
                    let _ = write!(line, ", memory {:.2}", wrss as f64 / prss.max(1) as f64);
                }
            }
        }
    }
    if let (Some(Some((t1, _))), Some(Some((t2, _)))) = (
        weft_idx.first().map(|&i| medians[i]),
        weft_idx.get(1).map(|&i| medians[i]),
    ) {
        let _ = write!(
            line,
            "\n    weft T=2 / T=1 time {:.2}",
            t2.as_secs_f64() / t1.as_secs_f64()
        );
    }
    if b.name.starts_with("parked") || b.name.starts_with("generators") {
        if let Some(Ok(s)) = samples[0].first() {
            let _ = write!(line, "\n    {}", s.stdout.trim());
        }
    }
    for n in notes {
        let _ = write!(line, "\n    note: {}", n.lines().next().unwrap_or(""));
    }
    line
}

/// `weft check` of a generated 5,000-line program.
fn frontend(dir: &Path) -> Result<(), String> {
    let file = dir.join("frontend.weft");
    let src = generate_program(5000);
    std::fs::write(&file, &src).map_err(|e| e.to_string())?;
    let t = median(
        (0..RUNS)
            .map(|_| measure(Command::new(weft_exe()).arg("check").arg(&file)).map(|s| s.wall))
            .collect::<Result<Vec<_>, _>>()?,
    );
    println!(
        "frontend: weft check of a {}-line program: {:.3} s (target < 0.300 s)",
        src.lines().count(),
        t.as_secs_f64()
    );
    Ok(())
}

/// `weft build` of a generated 1,000-line program at -O0 and -O2.
fn build_time(dir: &Path) -> Result<(), String> {
    let file = dir.join("buildtime.weft");
    let src = generate_program(1000);
    std::fs::write(&file, &src).map_err(|e| e.to_string())?;
    let mut line = format!(
        "buildtime: weft build of a {}-line program:",
        src.lines().count()
    );
    for (opt, target) in [("-O0", 1.0), ("-O2", 3.0)] {
        let out = dir.join(format!("buildtime{opt}"));
        let t = median(
            (0..RUNS)
                .map(|_| {
                    measure(
                        Command::new(weft_exe())
                            .arg("build")
                            .arg(opt)
                            .arg(&file)
                            .arg("-o")
                            .arg(&out),
                    )
                    .map(|s| s.wall)
                })
                .collect::<Result<Vec<_>, _>>()?,
        );
        let _ = write!(
            line,
            " {opt} {:.3} s (target < {target:.1} s)",
            t.as_secs_f64()
        );
    }
    println!("{line}");
    Ok(())
}

/// A valid Weft program of about `lines` lines exercising most of the front end:
/// structs, enums, generics, closures, matches, loops, collections and string work.
pub fn generate_program(lines: usize) -> String {
    let mut s = String::new();
    s.push_str(
        "fn maxOf<T>(a: T, b: T): T {\n    if a > b {\n        return a\n    }\n    b\n}\n\n",
    );
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
