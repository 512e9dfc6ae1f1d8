//! Examples checked against independent computations: `wordfreq` against a coreutils
//! pipeline, `sieve` against trial division; the networking examples (`http_server`,
//! `echo_server`, `parallel_fetch`) on 127.0.0.1 with one and two scheduler threads.

mod common;

use std::path::PathBuf;
use std::process::Command;

/// Builds `examples/<name>.weft` into `target/weft-run-tests/<exe>`.
fn build_example(name: &str, exe: &str) -> PathBuf {
    let out = common::root().join("target/weft-run-tests").join(exe);
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let build = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("build")
        .arg(common::root().join(format!("examples/{name}.weft")))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    out
}

const TEXT: &str = "/usr/share/common-licenses/GPL-3";

/// The same top-10 list computed by `tr | sort | uniq -c | sort | head`.
fn coreutils_top10() -> Vec<String> {
    let script = format!(
        "tr -cs 'A-Za-z' '\\n' < {TEXT} | tr 'A-Z' 'a-z' | grep -v '^$' | sort | uniq -c | sort -k1,1nr -k2,2 | head -10"
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn wordfreq_matches_coreutils() {
    if !std::path::Path::new(TEXT).exists() {
        eprintln!("{TEXT} is missing; skipping");
        return;
    }
    let exe = build_example("wordfreq", "wordfreq");
    let out = Command::new(&exe).arg(TEXT).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect();
    let want = coreutils_top10();
    assert_eq!(want.len(), 10);
    assert_eq!(got, want);
}

#[test]
fn wordfreq_reports_a_missing_file() {
    let exe = build_example("wordfreq", "wordfreq-missing");
    let out = Command::new(&exe)
        .arg("/nonexistent/file.txt")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

/// Runs `exe` with `args` on `threads` scheduler threads; it must succeed.
fn run_ok(exe: &std::path::Path, args: &[&str], threads: &str) -> std::process::Output {
    let out = Command::new(exe)
        .args(args)
        .env("WEFT_THREADS", threads)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The first `n` primes by trial division.
fn primes(n: usize) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    let mut k = 2;
    while out.len() < n {
        if out.iter().take_while(|p| *p * *p <= k).all(|p| k % p != 0) {
            out.push(k);
        }
        k += 1;
    }
    out
}

#[test]
fn sieve_prints_the_first_primes_on_one_and_two_threads() {
    let exe = build_example("sieve", "sieve");
    let want: Vec<String> = primes(1000).iter().map(u64::to_string).collect();
    for threads in ["1", "2"] {
        let out = run_ok(&exe, &["1000"], threads);
        let got: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect();
        assert_eq!(got, want, "WEFT_THREADS={threads}");
    }
    let usage = Command::new(&exe).arg("many").output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("usage: sieve"));
}

/// A server example started on a free port of 127.0.0.1 (its first line says which),
/// killed when dropped.
struct Server {
    child: std::process::Child,
    port: u16,
}

impl Server {
    fn start(exe: &std::path::Path, threads: &str) -> Server {
        Server::start_with(exe, threads, std::process::Stdio::inherit())
    }

    /// Starts `exe` on a free port with its standard error going to `stderr`.
    fn start_with(exe: &std::path::Path, threads: &str, stderr: std::process::Stdio) -> Server {
        use std::io::BufRead;
        let mut child = Command::new(exe)
            .arg("0")
            .env("WEFT_THREADS", threads)
            .stdout(std::process::Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        Server { child, port }
    }

    fn connect(&self) -> std::net::TcpStream {
        let s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        s
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads from `s` until `n` complete HTTP responses (with Content-Length bodies) arrived,
/// or the server closed; returns them as (status line, body, whether it said close).
fn read_responses(s: &mut std::net::TcpStream, n: usize) -> Vec<(String, String, bool)> {
    use std::io::Read;
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    while out.len() < n {
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let head = &text[..end];
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .map_or(0, |v| v.trim().parse().unwrap());
            if text.len() >= end + 4 + len {
                let status = head.lines().next().unwrap().to_string();
                let body = text[end + 4..end + 4 + len].to_string();
                let close = head.contains("Connection: close");
                out.push((status, body, close));
                buf.drain(..end + 4 + len);
                continue;
            }
        }
        let k = s.read(&mut chunk).unwrap();
        if k == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..k]);
    }
    out
}

/// Reads from `s` until what arrived ends with `end`.
fn read_until(s: &mut std::net::TcpStream, end: &str) -> String {
    use std::io::Read;
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    while !got.ends_with(end.as_bytes()) {
        let k = s.read(&mut chunk).unwrap();
        assert!(k > 0, "closed after {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&chunk[..k]);
    }
    String::from_utf8(got).unwrap()
}

#[test]
fn http_server_keeps_alive_pipelines_reads_bodies_and_rejects_garbage() {
    use std::io::{Read, Write};
    let exe = build_example("http_server", "http_server");
    for threads in ["1", "2"] {
        let server = Server::start(&exe, threads);
        // Every task parked on a socket, nothing else to run: not a deadlock (a client may
        // come), so the server is still there after a while.
        std::thread::sleep(std::time::Duration::from_millis(200));
        // Keep-alive: three requests, one at a time, on one connection.
        let mut s = server.connect();
        for path in ["/", "/hello/weft", "/nowhere"] {
            write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let r = read_responses(&mut s, 1);
            let want = match path {
                "/" => ("HTTP/1.1 200 OK", "Hello, World!"),
                "/hello/weft" => ("HTTP/1.1 200 OK", "Hello, weft!"),
                _ => ("HTTP/1.1 404 Not Found", "not found\n"),
            };
            assert_eq!(
                (r[0].0.as_str(), r[0].1.as_str(), r[0].2),
                (want.0, want.1, false)
            );
        }
        // HEAD: GET's headers without the body, so the next response follows the head at
        // once; 405 names the allowed methods.
        s.write_all(b"HEAD / HTTP/1.1\r\n\r\nDELETE / HTTP/1.1\r\n\r\n")
            .unwrap();
        let text = read_until(&mut s, "method not allowed\n");
        let (head, rest) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK"), "{text:?}");
        assert!(head.contains("Content-Length: 13"), "{text:?}");
        assert!(
            rest.starts_with("HTTP/1.1 405 Method Not Allowed"),
            "{text:?}"
        );
        assert!(rest.contains("\r\nAllow: GET, HEAD\r\n"), "{text:?}");
        // Pipelined: three requests in one write, a body split across writes, then close.
        s.write_all(
            b"GET / HTTP/1.1\r\n\r\nPOST /echo HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello",
        )
        .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        s.write_all(b" world").unwrap();
        s.write_all(b"GET /echo HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        let r = read_responses(&mut s, 3);
        assert_eq!(r.len(), 3, "{r:?}");
        assert_eq!(r[0].1, "Hello, World!");
        assert_eq!(r[1].1, "hello world");
        assert_eq!(
            (r[2].0.as_str(), r[2].2),
            ("HTTP/1.1 405 Method Not Allowed", true)
        );
        let mut rest = Vec::new();
        assert_eq!(s.read_to_end(&mut rest).unwrap(), 0, "closed after close");
        // Garbage, a body over 1 MiB, a head over 16 KiB: an error status, then the
        // connection is closed.
        let huge_head = format!("GET / HTTP/1.1\r\nX-Pad: {}", "a".repeat(17_000));
        for (bad, status) in [
            ("NONSENSE\r\n\r\n", "400 Bad Request"),
            ("GET / HTTP/9.9\r\n\r\n", "400 Bad Request"),
            ("GET / HTTP/1.1\r\nNo colon here\r\n\r\n", "400 Bad Request"),
            (
                "POST /echo HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                "400 Bad Request",
            ),
            (
                "POST /echo HTTP/1.1\r\nContent-Length: +1\r\n\r\nx",
                "400 Bad Request",
            ),
            (
                "POST /echo HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
                "400 Bad Request",
            ),
            (
                "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "501 Not Implemented",
            ),
            (
                "POST /echo HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n",
                "413 Content Too Large",
            ),
            (
                "POST /echo HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
                "413 Content Too Large",
            ),
            (huge_head.as_str(), "431 Request Header Fields Too Large"),
        ] {
            let mut b = server.connect();
            b.write_all(bad.as_bytes()).unwrap();
            let r = read_responses(&mut b, 1);
            assert_eq!(r[0].0, format!("HTTP/1.1 {status}"), "{bad:.40?}");
            assert!(r[0].2, "{bad:.40?}");
        }
        // Many connections at once, one task each.
        let clients: Vec<_> = (0..20)
            .map(|i| {
                let mut c = server.connect();
                std::thread::spawn(move || {
                    for _ in 0..10 {
                        write!(c, "GET /hello/{i} HTTP/1.1\r\n\r\n").unwrap();
                        let r = read_responses(&mut c, 1);
                        assert_eq!(r[0].1, format!("Hello, {i}!"));
                    }
                })
            })
            .collect();
        for c in clients {
            c.join().unwrap();
        }
    }
}

/// Sets the soft descriptor limit of process `pid` (the hard limit stays).
fn set_fd_limit(pid: u32, limit: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    let pid = pid as libc::pid_t;
    // SAFETY: valid in- and out-pointers; a null pointer is allowed for either.
    let rc = unsafe {
        if libc::prlimit(pid, libc::RLIMIT_NOFILE, std::ptr::null(), &mut lim) == 0 {
            lim.rlim_cur = limit.min(lim.rlim_max);
            libc::prlimit(pid, libc::RLIMIT_NOFILE, &lim, std::ptr::null_mut())
        } else {
            -1
        }
    };
    assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());
}

#[test]
fn http_server_backs_off_when_out_of_descriptors() {
    use std::io::{BufRead, Write};
    let exe = build_example("http_server", "http_server_backoff");
    let mut server = Server::start_with(&exe, "1", std::process::Stdio::piped());
    let pid = server.child.id();
    let stderr = std::io::BufReader::new(server.child.stderr.take().unwrap());
    let lines = std::thread::spawn(move || stderr.lines().map_while(Result::ok).count());
    // Room for two more descriptors: most of these connections wait in the listen backlog
    // while every accept fails with EMFILE.
    let open = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count() as u64;
    set_fd_limit(pid, open + 2);
    let waiting: Vec<_> = (0..8).map(|_| server.connect()).collect();
    std::thread::sleep(std::time::Duration::from_millis(400));
    drop(waiting);
    set_fd_limit(pid, 1024);
    // Served again within the longest wait (1 s) once descriptors are free.
    let mut s = server.connect();
    s.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let r = read_responses(&mut s, 1);
    assert_eq!(r[0].1, "Hello, World!");
    drop(server);
    // 5 + 10 + ... ms: a handful of failed accepts in 400 ms, not a spin of thousands.
    let failed = lines.join().unwrap();
    assert!(
        (1..=12).contains(&failed),
        "{failed} failed accepts reported"
    );
}

#[test]
fn echo_server_echoes_and_stops_on_quit() {
    use std::io::{Read, Write};
    let exe = build_example("echo_server", "echo_server");
    for threads in ["1", "2"] {
        let mut server = Server::start(&exe, threads);
        let conns: Vec<_> = (0..5).map(|_| server.connect()).collect();
        for (i, mut c) in conns.into_iter().enumerate() {
            let msg = format!("message {i}");
            c.write_all(msg.as_bytes()).unwrap();
            let mut got = vec![0u8; msg.len()];
            c.read_exact(&mut got).unwrap();
            assert_eq!(String::from_utf8(got).unwrap(), msg);
        }
        let mut q = server.connect();
        q.write_all(b"quit").unwrap();
        let mut got = [0u8; 4];
        q.read_exact(&mut got).unwrap();
        drop(q);
        let status = server.child.wait().unwrap();
        assert!(status.success(), "echo_server exits after quit: {status}");
    }
}

#[test]
fn parallel_fetch_gets_three_responses_in_order() {
    let exe = build_example("parallel_fetch", "parallel_fetch");
    for threads in ["1", "2"] {
        let out = run_ok(&exe, &[], threads);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "HTTP/1.1 200 OK | data for /api/users\n\
             HTTP/1.1 200 OK | data for /api/posts\n\
             HTTP/1.1 200 OK | data for /api/comments\n"
        );
    }
}
