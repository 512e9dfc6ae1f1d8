//! The networking benchmarks of `cargo xtask bench`:
//!
//! - `http`: the Weft HTTP server (`examples/http_server.weft`) with `WEFT_THREADS=1` and
//!   `2`, Go's net/http and Crystal's HTTP::Server (`benches/http/`), each answering every
//!   request with the same 13-byte body over keep-alive connections, loaded one at a time by
//!   `wrk -t1 -c64 -d5s --latency` on 127.0.0.1, in seven interleaved rounds; reports the
//!   median requests per second (and the rounds' lowest and highest, in thousands), the
//!   median p99 latency, the Weft/peer ratios, and how busy wrk's one thread was (its CPU
//!   time over its wall time): from 95 % on, the load generator, not the server, limits
//!   the figure (on the 2-vCPU machine this was measured on, wrk's thread saturates at
//!   7-9 µs per request, about 110-140k requests/s);
//! - `idle_conns`: 10,000 keep-alive connections held open against each server (after one
//!   request each), opened by this process; reports the growth of the server's resident
//!   memory (`VmRSS` of `/proc/<pid>/status`) per connection, Weft against Go.
//!
//! The descriptor limit of this process (inherited by the servers) is raised to the hard
//! limit first: 10,000 connections need one descriptor each on both sides.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Connections `idle_conns` holds open.
const IDLE_CONNS: usize = 10_000;

/// A server under test.
struct Server {
    label: String,
    exe: PathBuf,
    env: Vec<(&'static str, &'static str)>,
}

/// A running server, killed on drop.
struct Running {
    child: Child,
    port: u16,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Raises this process's soft descriptor limit to the hard limit.
fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid out- and in-pointers.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// A port that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// Starts `server` on a free port and waits until it answers a request.
fn start(server: &Server) -> Result<Running, String> {
    let port = free_port()?;
    let mut cmd = Command::new(&server.exe);
    cmd.arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in &server.env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().map_err(|e| format!("{}: {e}", server.label))?;
    // The first line says it listens.
    if let Some(out) = child.stdout.take() {
        let mut line = String::new();
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let running = Running { child, port };
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if request_once(port).is_ok() {
            return Ok(running);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("{} did not answer on port {port}", server.label))
}

/// One keep-alive request on a new connection; returns the connection.
fn request_once(port: u16) -> Result<TcpStream, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    request_on(&mut s)?;
    Ok(s)
}

/// Sends `GET /` and reads one response with its 13-byte body.
fn request_on(s: &mut TcpStream) -> Result<(), String> {
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = s.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        got.extend_from_slice(&buf[..n]);
        if got.ends_with(b"Hello, World!") {
            return Ok(());
        }
    }
}

/// The servers: Weft at both thread counts, Go, Crystal (those that build).
fn servers(dir: &Path, with_crystal: bool) -> Result<Vec<Server>, String> {
    let root = crate::root();
    let weft = dir.join("http-weft");
    super::bench::build_weft(&root.join("examples/http_server.weft"), &weft)?;
    let mut out = vec![
        Server {
            label: "weft(T=1)".into(),
            exe: weft.clone(),
            env: vec![("WEFT_THREADS", "1")],
        },
        Server {
            label: "weft(T=2)".into(),
            exe: weft,
            env: vec![("WEFT_THREADS", "2")],
        },
    ];
    let mut peers = vec![(super::bench::Peer::Go("benches/http/hello.go"), "go")];
    if with_crystal {
        peers.push((
            super::bench::Peer::Crystal("benches/http/hello.cr"),
            "crystal",
        ));
    }
    for (i, (peer, label)) in peers.into_iter().enumerate() {
        let exe = dir.join(format!("http-peer{i}"));
        match super::bench::build_peer(peer, &exe) {
            Ok(_) => out.push(Server {
                label: label.into(),
                exe,
                env: vec![],
            }),
            Err(e) => println!("http: {label} skipped: {e}"),
        }
    }
    Ok(out)
}

/// What one wrk run measured.
struct Load {
    rps: f64,
    p99_ms: f64,
    /// wrk's CPU time over its wall time (1.0: its one thread never waited for the server).
    wrk_cpu: f64,
}

/// A wrk duration (`912.00us`, `1.23ms`, `2.00s`) in milliseconds.
fn wrk_ms(text: &str) -> Option<f64> {
    let (num, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    num.parse::<f64>().ok().map(|v| v * scale)
}

/// Parses wrk's report: `Requests/sec:` and the 99% line of `--latency`.
fn parse_wrk(out: &str, wrk_cpu: f64) -> Option<Load> {
    let mut rps = None;
    let mut p99 = None;
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => rps = v.parse::<f64>().ok(),
            ["99%", v] => p99 = wrk_ms(v),
            _ => {}
        }
    }
    Some(Load {
        rps: rps?,
        p99_ms: p99?,
        wrk_cpu,
    })
}

fn wrk(port: u16) -> Result<Load, String> {
    let run = crate::bench::measure(
        Command::new("wrk")
            .args(["-t1", "-c64", "-d5s", "--latency"])
            .arg(format!("http://127.0.0.1:{port}/")),
    )
    .map_err(|e| format!("wrk: {e} (cargo xtask setup installs it)"))?;
    let text = &run.stdout;
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        return Err(format!("wrk saw errors:\n{text}"));
    }
    let wrk_cpu = run.cpu.as_secs_f64() / run.wall.as_secs_f64();
    parse_wrk(text, wrk_cpu).ok_or_else(|| format!("cannot read wrk's report:\n{text}"))
}

/// From this share of a core on, wrk's one thread, not the server, limited a round.
const WRK_SATURATED: f64 = 0.95;

/// Rounds of the `http` benchmark: each server is loaded once per round, the servers in
/// turn, and the medians are reported (the machine is shared: a load that comes and goes
/// then touches every server alike). Seven: on the 2-vCPU machine this was measured on,
/// the same server's rate moves by up to 25 % between rounds a few seconds apart (wrk's
/// CPU per request alternates between about 7 and 9 µs), and five rounds still let two or
/// three slow rounds of one server meet quick rounds of another.
const HTTP_ROUNDS: usize = 7;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `cargo xtask bench http`.
pub fn http(dir: &Path) -> Result<(), String> {
    raise_fd_limit();
    let servers = servers(dir, true)?;
    let mut loads: Vec<Vec<Load>> = servers.iter().map(|_| Vec::new()).collect();
    for _ in 0..HTTP_ROUNDS {
        for (s, runs) in servers.iter().zip(loads.iter_mut()) {
            let running = start(s)?;
            let load = wrk(running.port).map_err(|e| format!("{}: {e}", s.label))?;
            drop(running);
            runs.push(load);
        }
    }
    // The lowest and highest rate of each server's rounds: how far the machine moved them.
    let ranges: Vec<(f64, f64)> = loads
        .iter()
        .map(|runs| {
            let rates = runs.iter().map(|l| l.rps);
            (
                rates.clone().fold(f64::INFINITY, f64::min),
                rates.fold(0.0, f64::max),
            )
        })
        .collect();
    let results: Vec<(String, Load)> = servers
        .iter()
        .zip(loads)
        .map(|(s, runs)| {
            let load = Load {
                rps: median(runs.iter().map(|l| l.rps).collect()),
                p99_ms: median(runs.iter().map(|l| l.p99_ms).collect()),
                wrk_cpu: median(runs.iter().map(|l| l.wrk_cpu).collect()),
            };
            (s.label.clone(), load)
        })
        .collect();
    let mut line = format!("http (wrk -t1 -c64 -d5s, median of {HTTP_ROUNDS} rounds):");
    for ((label, l), (lowest, highest)) in results.iter().zip(&ranges) {
        line.push_str(&format!(
            " | {label} {:.0} req/s (rounds {:.0}-{:.0}k) p99 {:.2} ms wrk {:.0} % CPU",
            l.rps,
            lowest / 1000.0,
            highest / 1000.0,
            l.p99_ms,
            100.0 * l.wrk_cpu
        ));
    }
    println!("{line}");
    for (label, l) in results.iter().filter(|(_, l)| l.wrk_cpu >= WRK_SATURATED) {
        println!(
            "    {label}: wrk's one thread was busy {:.0} % of the time: the load generator, \
             not the server, set this figure",
            100.0 * l.wrk_cpu
        );
    }
    let find = |name: &str| results.iter().find(|(l, _)| l == name).map(|(_, l)| l);
    for weft in ["weft(T=1)", "weft(T=2)"] {
        let Some(w) = find(weft) else { continue };
        for peer in ["go", "crystal"] {
            if let Some(p) = find(peer) {
                println!(
                    "    {weft}/{peer} requests/s {:.2}, p99 latency {:.2}",
                    w.rps / p.rps,
                    w.p99_ms / p.p99_ms
                );
            }
        }
    }
    Ok(())
}

/// The resident memory of process `pid` in KiB (`VmRSS`).
fn rss_kib(pid: u32) -> Result<i64, String> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS".to_string())
}

/// `cargo xtask bench idle_conns`.
pub fn idle_conns(dir: &Path) -> Result<(), String> {
    raise_fd_limit();
    let mut results = Vec::new();
    for s in servers(dir, false)? {
        let running = start(&s)?;
        std::thread::sleep(Duration::from_millis(200));
        let pid = running.child.id();
        let before = rss_kib(pid)?;
        let mut conns = Vec::with_capacity(IDLE_CONNS);
        for i in 0..IDLE_CONNS {
            let c = request_once(running.port)
                .map_err(|e| format!("{}: connection {i}: {e}", s.label))?;
            conns.push(c);
        }
        std::thread::sleep(Duration::from_millis(500));
        let after = rss_kib(pid)?;
        drop(conns);
        drop(running);
        let per_conn = (after - before) as f64 * 1024.0 / IDLE_CONNS as f64;
        println!(
            "idle_conns: {}: RSS {} KiB -> {} KiB, {:.0} bytes per connection",
            s.label, before, after, per_conn
        );
        results.push((s.label, per_conn));
    }
    if let Some((_, go)) = results.iter().find(|(l, _)| l == "go") {
        for (label, v) in results.iter().filter(|(l, _)| l.starts_with("weft")) {
            println!("    {label}/go memory per idle connection {:.2}", v / go);
        }
    }
    Ok(())
}
