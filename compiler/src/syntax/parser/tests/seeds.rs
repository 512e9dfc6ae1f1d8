//! Every code example of seed 000 (the concurrency chapter that fixes the surface
//! syntax) parses without a diagnostic. The snippets are copied verbatim, minus the prose
//! that follows them on their last line.

use super::{parse_ok, sexp};
use crate::syntax::ast::{ItemKind, StmtKind};

/// (name, source) of each snippet, in the order of the seed.
const SNIPPETS: &[(&str, &str)] = &[
    (
        "promise_basic",
        r#"from "std/runtime" import { Promise }
let p = Promise((): i64 => {
return expensiveComputation()
})
let result = p.await()!
"#,
    ),
    (
        "promise_captures",
        r#"from "std/runtime" import { Promise }
let msg = "hello world"
let p = Promise((): string => {
return msg // msg is auto-moved into the closure
})
print(p.await()!) // hello world
"#,
    ),
    (
        "promise_all",
        r#"from "std/runtime" import { Promise }
fn compute(n: i64): i64 {
return n * 10
}
fn main(): i32 {
var promises: Vec<Promise<i64>> = Vec.new()
promises.push(Promise((): i64 => { return compute(10) }))
promises.push(Promise((): i64 => { return compute(20) }))
let results = Promise.all(promises).await()!
for r in results {
print(r) // 100, 200
}
return 0
}
"#,
    ),
    (
        "promise_race",
        r#"from "std/runtime" import { Promise }
var promises: Vec<Promise<i64>> = Vec.new()
promises.push(Promise((): i64 => 10))
promises.push(Promise((): i64 => 20))
promises.push(Promise((): i64 => 30))
let first = Promise.race(promises).await()!
print(first) // whichever finishes first
"#,
    ),
    (
        "parallel_http_fetches",
        r#"from "std/runtime" import { Promise }
from "std/net" import { TcpStream }
fn fetchUrl(host: string, path: string): string {
let stream = TcpStream.connect(host, 80)!
stream.send($"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")!
return stream.recv()!
}
fn main(): i32 {
var promises: Vec<Promise<string>> = Vec.new()
promises.push(Promise((): string => { return fetchUrl("example.com", "/api/users") }))
promises.push(Promise((): string => { return fetchUrl("example.com", "/api/posts") }))
promises.push(Promise((): string => { return fetchUrl("example.com", "/api/comments") }))
let responses = Promise.all(promises).await()!
for resp in responses {
print(resp)
}
return 0
}
"#,
    ),
    (
        "timeout_pattern",
        r#"from "std/runtime" import { Promise }
from "std/time" import { sleepMs }
fn slowOperation(): string {
sleepMs(5000)
return "done"
}
fn main(): i32 {
var promises: Vec<Promise<string>> = Vec.new()
promises.push(Promise((): string => { return slowOperation() }))
promises.push(Promise((): string => {
sleepMs(1000)
return "timeout"
}))
let result = Promise.race(promises).await()!
if result == "timeout" {
print("operation timed out")
} else {
print(result)
}
return 0
}
"#,
    ),
    (
        "fan_out_fan_in",
        r#"from "std/runtime" import { Promise }
from "std/time" import { sleepMs }
fn processChunk(id: i64, data: i64): i64 {
sleepMs(100) // simulate work
return data * 2
}
fn main(): i32 {
var promises: Vec<Promise<i64>> = Vec.new()
var i: i64 = 1
while i <= 3 {
let val = i * 20
promises.push(Promise((): i64 => {
return processChunk(i, val)
}))
i = i + 1
}
let results = Promise.all(promises).await()!
var sum: i64 = 0
for r in results {
sum += r
}
print("total: ", sum) // total: 240
return 0
}
"#,
    ),
    (
        "green_thread",
        r#"from "std/runtime" import { Task }
fn main(): i32 {
Task.spawn((): void => {
print("hello from green thread")
})
return 0
}
"#,
    ),
    (
        "cooperative_yielding",
        r#"from "std/runtime" import { Task, schedulerYield }
fn main(): i32 {
Task.spawn((): void => {
print("A1")
schedulerYield()
print("A2")
})
Task.spawn((): void => {
print("B1")
schedulerYield()
print("B2")
})
return 0
}
// Output: A1, B1, A2, B2
"#,
    ),
    (
        "transparent_async_io",
        r#"from "std/net" import { TcpStream }
from "std/runtime" import { Task }
Task.spawn((): void => {
let stream = TcpStream.connect(ip, port)!
stream.send("hello")! // yields if socket buffer full
let data = stream.recv()! // yields until data arrives
print(data)
})
"#,
    ),
    (
        "os_thread",
        r#"from "std/thread" import { Thread }
let t = Thread.spawn((): void => {
print("hello from thread")
})!
t.join()!
"#,
    ),
    (
        "many_threads",
        r#"from "std/thread" import { Thread }
var threads: Vec<Thread> = Vec.new()
for i in 0..4 {
let id = i as i64
let t = Thread.spawn((): void => {
print($"thread {id}")
})!
threads.push(t)
}
for i in 0..4 {
threads[i].join()!
}
"#,
    ),
    (
        "send_and_sync",
        r#"// Compiles — i64 and string are Send
let msg = "hello"
let t = Thread.spawn((): void => { print(msg) })!
// Compile error — *u8 is not Send
var x: i32 = 42
unsafe {
let p = (&x) as *u8
let t = Thread.spawn((): void => { // error: cannot send 'p' of type '*u8'
print(p as i64)
})!
}
"#,
    ),
    (
        "channels",
        r#"from "std/thread" import { Thread }
from "std/sync" import { Channel }
var ch = Channel<i64>.new(8)!
let t = Thread.spawn(move (): void => {
ch.send(10)!
ch.send(20)!
ch.close()
})!
for val in ch {
print(val)
}
t.join()!
ch.destroy()
"#,
    ),
    (
        "non_blocking_channel_ops",
        r#"ch.trySend(42) // returns true if sent, false if full
ch.tryRecv() // returns Option<T> — None if empty
"#,
    ),
    (
        "mutex",
        r#"from "std/sync" import { Mutex }
let m = Mutex.new()!
var x: i64 = 0
m.withLock((): void => {
x = 42
})!
m.destroy()
"#,
    ),
    (
        "rwlock",
        r#"from "std/sync" import { RwLock }
let rw = RwLock.new()!
rw.withReadLock((): void => { /* read shared data */ })!
rw.withWriteLock((): void => { /* write shared data */ })!
rw.destroy()
"#,
    ),
    (
        "atomics",
        r#"from "std/sync" import { AtomicI64 }
let counter = AtomicI64.new(0)
counter.add(1)
print(counter.load()) // 1
counter.destroy()
"#,
    ),
];

fn snippet(name: &str) -> &'static str {
    SNIPPETS.iter().find(|(n, _)| *n == name).unwrap().1
}

#[test]
fn every_seed_snippet_parses() {
    for (name, src) in SNIPPETS {
        let module = parse_ok(src);
        assert!(!module.items.is_empty(), "{name} produced no items");
    }
}

#[test]
fn parenthesized_reference_cast_from_the_seed() {
    let module = parse_ok(snippet("send_and_sync"));
    let ItemKind::Stmt(stmt) = &module.items[3].kind else {
        panic!("unsafe block expected")
    };
    let StmtKind::Expr { expr, .. } = &stmt.kind else {
        panic!()
    };
    let rendered = sexp(expr);
    assert!(rendered.contains("(let p (as (& x) *u8))"), "{rendered}");
}

#[test]
fn seed_closures_and_unwraps_have_the_expected_shape() {
    let module = parse_ok(snippet("channels"));
    let rendered: Vec<String> = module.items.iter().map(super::item_sexp).collect();
    assert_eq!(rendered[2], "(var ch (unwrap (.new Channel<i64> 8)))");
    assert_eq!(
        rendered[3],
        "(let t (unwrap (.spawn Thread (move closure (): void {(unwrap (.send ch 10)) (unwrap (.send ch 20)) (.close ch)}))))"
    );
    assert_eq!(rendered[4], "(for val ch {(call print val)})");
}
