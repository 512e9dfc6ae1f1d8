//! Printing, files, lines, arguments, environment and exit through the C ABI. Scenarios
//! that change process-wide state run in a child process (this binary re-executed with
//! `WEFT_CORE_IO_SCENARIO` set).

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{s, take, take_vec};
use weft_rt::abi::io::*;
use weft_rt::obj::io::LineReader;
use weft_rt::obj::string::WeftStr;

const SCENARIO: &str = "WEFT_CORE_IO_SCENARIO";

fn pipe() -> (i32, i32) {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    (fds[0], fds[1])
}

/// Everything readable from `fd` until end of input (then closes it).
fn read_to_end(fd: i32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            break;
        }
        out.extend_from_slice(&buf[..n as usize]);
    }
    unsafe { libc::close(fd) };
    out
}

/// Runs `scenario` in a child copy of this test binary.
fn run_child(scenario: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_entry",
            "--nocapture",
            "--test-threads=1",
            "--",
        ])
        .args(args)
        .env(SCENARIO, scenario)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// The child side of [`run_child`]: does nothing in a normal test run.
#[test]
fn child_entry() {
    let Ok(scenario) = std::env::var(SCENARIO) else {
        return;
    };
    unsafe {
        match scenario.as_str() {
            "stdin" => {
                let mut line = WeftStr::empty();
                let mut n = 0;
                while weft_rt_read_line(&mut line) {
                    let parts = [
                        s("line "),
                        weft_rt::abi::string::weft_rt_str_from_i64(n),
                        s(": ["),
                        line,
                        s("]"),
                    ];
                    weft_rt_print(parts.as_ptr(), parts.len() as i64, 1);
                    n += 1;
                }
                weft_rt_exit(0)
            }
            "args" => {
                let argv: Vec<std::ffi::CString> = ["/bin/prog", "first", "", "thïrd"]
                    .iter()
                    .map(|a| std::ffi::CString::new(*a).unwrap())
                    .collect();
                let ptrs: Vec<*const u8> = argv.iter().map(|a| a.as_ptr().cast()).collect();
                weft_rt::obj::io::init_args(ptrs.len() as i32, ptrs.as_ptr());
                let args = take_vec(weft_rt_args()).join("|");
                let parts = [weft_rt_program_name(), s(" "), s(&args)];
                weft_rt_print(parts.as_ptr(), 3, 1);
                std::mem::forget(argv);
                weft_rt_exit(0)
            }
            "exit" => {
                weft_rt_print([s("before exit")].as_ptr(), 1, 2);
                weft_rt_exit(7)
            }
            other => panic!("unknown scenario {other}"),
        }
    }
}

#[test]
fn eight_threads_print_whole_lines_into_a_pipe() {
    const THREADS: usize = 8;
    const LINES: usize = 10_000;
    let (r, w) = pipe();
    let reader = std::thread::spawn(move || read_to_end(r));
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            scope.spawn(move || {
                let tag = s(&format!("thread {t} "));
                let pad = s(&"x".repeat(t * 13));
                for i in 0..LINES {
                    let n = weft_rt::abi::string::weft_rt_str_from_i64(i as i64);
                    let parts = [tag, s("line "), n, s(" "), pad, s(" end")];
                    unsafe { weft_rt_print(parts.as_ptr(), parts.len() as i64, w) };
                    unsafe { n.release() };
                }
            });
        }
    });
    unsafe { libc::close(w) };
    let out = String::from_utf8(reader.join().unwrap()).unwrap();
    let mut next = [0usize; THREADS];
    let mut total = 0;
    for line in out.lines() {
        let words: Vec<&str> = line.split(' ').collect();
        assert_eq!(words.len(), 6, "intact line: {line:?}");
        let t: usize = words[1].parse().unwrap();
        let i: usize = words[3].parse().unwrap();
        assert_eq!(
            (words[0], words[2], words[5]),
            ("thread", "line", "end"),
            "{line:?}"
        );
        assert_eq!(words[4], "x".repeat(t * 13));
        assert_eq!(i, next[t], "each thread's lines in order");
        next[t] += 1;
        total += 1;
    }
    assert_eq!(total, THREADS * LINES);
    assert_eq!(next, [LINES; THREADS]);
}

#[test]
fn print_long_and_empty_lines() {
    let (r, w) = pipe();
    let long = "ab".repeat(3000);
    unsafe {
        weft_rt_print([s(&long), s("!")].as_ptr(), 2, w);
        weft_rt_print(std::ptr::null(), 0, w);
        weft_rt_print([s("")].as_ptr(), 1, w);
        libc::close(w);
    }
    assert_eq!(read_to_end(r), format!("{long}!\n\n\n").into_bytes());
}

#[test]
fn files_round_trip() {
    let dir = std::env::temp_dir().join(format!("weft-core-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("data.txt");
    let path_s = s(path.to_str().unwrap());
    unsafe {
        let mut err = WeftStr::empty();
        let data = "héllo\nworld\n".repeat(50_000);
        assert!(weft_rt_write_file(path_s, s(&data), &mut err));
        assert_eq!(err, WeftStr::empty(), "untouched on success");
        let mut out = WeftStr::empty();
        assert!(weft_rt_read_file(path_s, &mut out));
        assert_eq!(out.as_bytes(), data.as_bytes());
        out.release();

        assert!(weft_rt_write_file(path_s, s(""), &mut err));
        assert!(weft_rt_read_file(path_s, &mut out));
        assert!(out.is_empty());

        let missing = s("/nonexistent-weft-dir/x.txt");
        assert!(!weft_rt_read_file(missing, &mut out));
        assert_eq!(
            take(out),
            "cannot read '/nonexistent-weft-dir/x.txt': No such file or directory (os error 2)"
        );
        assert!(!weft_rt_write_file(missing, s("x"), &mut err));
        assert_eq!(
            take(err),
            "cannot write '/nonexistent-weft-dir/x.txt': No such file or directory (os error 2)"
        );
        let dir_s = s(dir.to_str().unwrap());
        assert!(!weft_rt_read_file(dir_s, &mut out));
        assert!(take(out).contains("Is a directory"));

        // Files whose size is unknown up front.
        assert!(weft_rt_read_file(s("/proc/self/status"), &mut out));
        assert!(take(out).contains("Name:"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn line_reader_strips_newlines() {
    let (r, w) = pipe();
    let long = "z".repeat(200_000);
    let input = format!("first\r\nsecond\n\n\r\n{long}\nlast without newline");
    let writer = std::thread::spawn(move || {
        let mut f = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(w) };
        f.write_all(input.as_bytes()).unwrap();
    });
    let mut reader = LineReader::new(r);
    let mut lines = vec![];
    while let Some(line) = reader.read_line() {
        lines.push(take(line));
    }
    writer.join().unwrap();
    assert_eq!(
        lines,
        [
            "first",
            "second",
            "",
            "",
            long.as_str(),
            "last without newline"
        ]
    );
    assert!(reader.read_line().is_none(), "stays at the end");
    unsafe { libc::close(r) };
}

#[test]
fn read_line_from_stdin() {
    let out = run_child("stdin", &[], b"alpha\r\n\nbeta\ngamma");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    // The harness may print `test child_entry ... ` just before the first line.
    let ours: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.find("line ").map(|i| &l[i..]))
        .collect();
    assert_eq!(
        ours,
        [
            "line 0: [alpha]",
            "line 1: []",
            "line 2: [beta]",
            "line 3: [gamma]"
        ]
    );
}

#[test]
fn args_come_from_init_args() {
    let out = run_child("args", &[], b"");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("/bin/prog first||thïrd\n"), "{stdout:?}");
}

#[test]
fn args_fall_back_to_the_process_arguments() {
    let expected: Vec<String> = std::env::args().skip(1).collect();
    assert_eq!(take_vec(weft_rt_args()), expected);
    assert_eq!(
        take(weft_rt_program_name()),
        std::env::args().next().unwrap()
    );
}

#[test]
fn exit_ends_the_process_with_its_code() {
    let out = run_child("exit", &[], b"");
    assert_eq!(out.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&out.stderr).contains("before exit\n"));
}

#[test]
fn getenv_reads_the_environment() {
    unsafe {
        let mut out = WeftStr::empty();
        assert!(weft_rt_getenv(s("PATH"), &mut out));
        assert_eq!(take(out), std::env::var("PATH").unwrap());
        assert!(!weft_rt_getenv(s("WEFT_SURELY_NOT_SET_ANYWHERE"), &mut out));
        assert!(!weft_rt_getenv(s(""), &mut out));
        assert!(!weft_rt_getenv(s("A=B"), &mut out));
    }
}
