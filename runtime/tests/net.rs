//! The reactor and TCP sockets (`sched/reactor.rs`, `net/`) from green tasks and OS
//! threads: a multi-threaded stress of many tasks on many sockets with large transfers
//! (parking on both sides), descriptor accounting over many connections, `close` waking
//! parked tasks and blocked threads, and timers sharing the reactor's wait. Bounded loops
//! on 127.0.0.1 only.

use std::ffi::c_void;
use std::time::{Duration, Instant};

use weft_rt::abi::net::{weft_rt_tcp_listener_release, weft_rt_tcp_stream_release};
use weft_rt::net::{TcpListener, TcpStream};
use weft_rt::sched;

/// A stream handle owned by Rust code (released on drop).
struct Stream(*mut TcpStream);
// SAFETY: handles are thread-safe.
unsafe impl Send for Stream {}
// SAFETY: as above.
unsafe impl Sync for Stream {}

impl Stream {
    fn connect(port: i64) -> Stream {
        Stream(TcpStream::connect("127.0.0.1", port, None).expect("connect"))
    }
    fn get(&self) -> &TcpStream {
        // SAFETY: a live handle while `self` lives.
        unsafe { &*self.0 }
    }
    fn recv(&self) -> Result<Vec<u8>, String> {
        self.get().recv_with(1 << 16, None, |b| b.to_vec())
    }
    fn recv_exact(&self, n: usize) -> Vec<u8> {
        let mut got = Vec::with_capacity(n);
        while got.len() < n {
            let part = self.recv().expect("recv");
            assert!(!part.is_empty(), "early end of stream");
            got.extend_from_slice(&part);
        }
        got
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // SAFETY: we own one count.
        unsafe { weft_rt_tcp_stream_release(self.0.cast::<c_void>()) }
    }
}

struct Listener(*mut TcpListener);
// SAFETY: handles are thread-safe.
unsafe impl Send for Listener {}
// SAFETY: as above.
unsafe impl Sync for Listener {}

impl Listener {
    fn bind() -> Listener {
        Listener(TcpListener::bind("127.0.0.1", 0).expect("bind"))
    }
    fn get(&self) -> &TcpListener {
        // SAFETY: a live handle while `self` lives.
        unsafe { &*self.0 }
    }
    fn accept(&self) -> Stream {
        Stream(self.get().accept(None).expect("accept"))
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        // SAFETY: we own one count.
        unsafe { weft_rt_tcp_listener_release(self.0.cast::<c_void>()) }
    }
}

/// Tests run one at a time: the descriptor count must see only its own test's sockets.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Open descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// A payload of `n` bytes that depends on `seed`.
fn payload(seed: usize, n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 + seed * 7) as u8).collect()
}

#[test]
fn many_tasks_on_many_sockets_echo_large_transfers() {
    let _serial = serial();
    const CLIENTS: usize = 48;
    const ROUNDS: usize = 20;
    let listener = std::sync::Arc::new(Listener::bind());
    let port = listener.get().port();
    let l = listener.clone();
    let server = sched::spawn(move || {
        let mut echoes = Vec::new();
        for _ in 0..CLIENTS {
            let conn = l.accept();
            echoes.push(sched::spawn(move || {
                let mut total = 0usize;
                loop {
                    let data = conn.recv().expect("server recv");
                    if data.is_empty() {
                        break;
                    }
                    total += data.len();
                    conn.get().send(&data, None).expect("server send");
                }
                total
            }));
        }
        echoes.into_iter().map(|e| e.join().unwrap()).sum::<usize>()
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            sched::spawn(move || {
                let s = Stream::connect(port);
                let mut sent = 0;
                for r in 0..ROUNDS {
                    // Up to 200 KB: more than the socket buffers hold, so both ends park
                    // on writes as well as reads.
                    let n = 1 + (c * 7919 + r * 104_729) % 200_000;
                    let data = payload(c + r, n);
                    let writer = {
                        let s2 = Stream(s.0);
                        // SAFETY: one more count for the writer task.
                        unsafe { weft_rt::abi::net::weft_rt_tcp_stream_retain(s.0.cast()) };
                        let d = data.clone();
                        sched::spawn(move || s2.get().send(&d, None).is_ok())
                    };
                    let echoed = s.recv_exact(n);
                    assert!(writer.join().unwrap());
                    assert!(echoed == data, "client {c} round {r}: echo differs");
                    sent += n;
                }
                s.get().close();
                sent
            })
        })
        .collect();
    let sent: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(server.join().unwrap(), sent);
}

#[test]
fn connections_leave_no_descriptor_behind() {
    let _serial = serial();
    // Warm up: the reactor's epoll and eventfd descriptors live for good.
    {
        let l = Listener::bind();
        let port = l.get().port();
        let h = sched::spawn(move || Stream::connect(port).recv().map(|v| v.len()));
        drop(l.accept());
        let _ = h.join();
    }
    let before = open_fds();
    let l = std::sync::Arc::new(Listener::bind());
    let port = l.get().port();
    let l2 = l.clone();
    let server = sched::spawn(move || {
        for i in 0..10_000 {
            let c = l2.accept();
            c.get().send(b"!", None).unwrap();
            if i % 3 == 0 {
                c.get().close();
            }
            // Otherwise dropped open: the last release closes it.
        }
    });
    let client = sched::spawn(move || {
        for i in 0..10_000 {
            let s = Stream::connect(port);
            assert_eq!(s.recv().unwrap(), b"!");
            if i % 2 == 0 {
                s.get().close();
            }
        }
    });
    client.join().unwrap();
    server.join().unwrap();
    drop(l);
    assert_eq!(open_fds(), before, "descriptors leaked");
}

#[test]
fn close_wakes_a_parked_task_and_a_blocked_thread() {
    let _serial = serial();
    let l = Listener::bind();
    let port = l.get().port();
    let a = std::sync::Arc::new(Stream::connect(port));
    let _peer = l.accept();
    let b = std::sync::Arc::new(Stream::connect(port));
    let _peer2 = l.accept();
    let a2 = a.clone();
    let task = sched::spawn(move || a2.recv().err().unwrap_or_default());
    let b2 = b.clone();
    let thread = std::thread::spawn(move || b2.recv().err().unwrap_or_default());
    std::thread::sleep(Duration::from_millis(50));
    a.get().close();
    b.get().close();
    assert_eq!(task.join().unwrap(), "recv: use of a closed socket");
    assert_eq!(thread.join().unwrap(), "recv: use of a closed socket");
}

#[test]
fn timers_fire_while_tasks_wait_on_sockets() {
    let _serial = serial();
    let l = Listener::bind();
    let port = l.get().port();
    let s = std::sync::Arc::new(Stream::connect(port));
    let peer = l.accept();
    let s2 = s.clone();
    let reader = sched::spawn(move || s2.recv().map(|v| v.len()));
    let start = Instant::now();
    let sleeper = sched::spawn(|| sched::sleep_ms(30));
    assert!(sleeper.join().unwrap());
    let slept = start.elapsed();
    assert!(
        slept >= Duration::from_millis(30) && slept < Duration::from_millis(1000),
        "{slept:?}"
    );
    peer.get().send(b"late", None).unwrap();
    assert_eq!(reader.join().unwrap(), Ok(4));
}

#[test]
fn cancelling_a_parked_receive_returns_cancelled() {
    let _serial = serial();
    let l = Listener::bind();
    let port = l.get().port();
    let s = std::sync::Arc::new(Stream::connect(port));
    let _peer = l.accept();
    let s2 = s.clone();
    let h = sched::spawn(move || s2.recv().err().unwrap_or_default());
    std::thread::sleep(Duration::from_millis(30));
    let start = Instant::now();
    h.cancel();
    // The task ends as cancelled; the wait ended at once.
    assert_eq!(h.join(), Err(sched::TaskError::Cancelled));
    assert!(start.elapsed() < Duration::from_millis(500));
}

#[test]
fn ready_io_is_not_starved_by_a_task_that_never_switches() {
    let _serial = serial();
    if sched::scheduler::configured_threads() < 2 {
        return; // one worker running a task that never switches runs nothing else
    }
    let l = Listener::bind();
    let port = l.get().port();
    let s = std::sync::Arc::new(Stream::connect(port));
    let peer = l.accept();
    let s2 = s.clone();
    let reader = sched::spawn(move || {
        let got = s2.recv().map(|v| v.len());
        (got, Instant::now())
    });
    std::thread::sleep(Duration::from_millis(20));
    // A task that computes for 300 ms without entering the runtime.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let busy = sched::spawn(move || {
        let start = Instant::now();
        let mut spins = 0u64;
        while start.elapsed() < Duration::from_millis(300)
            && !stop2.load(std::sync::atomic::Ordering::Relaxed)
        {
            spins = spins.wrapping_add(1);
            std::hint::spin_loop();
        }
        spins
    });
    std::thread::sleep(Duration::from_millis(20));
    let sent = Instant::now();
    peer.get().send(b"ping", None).unwrap();
    let (got, at) = reader.join().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    busy.join().unwrap();
    assert_eq!(got, Ok(4));
    let waited = at.duration_since(sent);
    assert!(
        waited < Duration::from_millis(150),
        "the reader waited {waited:?} behind a busy worker"
    );
}
