//! A channel handle for tests that drive channels through the C ABI (`Ch`): thin wrappers
//! over the `weft_rt_channel_*` entry points, values of type `i64`.

use std::ffi::c_void;
use std::ptr;

use weft_rt::abi::sync::*;
use weft_rt::obj::rc::WeftGlue;

use super::I64;

#[derive(Clone, Copy)]
pub struct Ch(pub *mut c_void);
// SAFETY: channels are thread-safe handles.
unsafe impl Send for Ch {}
unsafe impl Sync for Ch {}

impl Ch {
    pub fn new(cap: i64) -> Ch {
        Ch::with_glue(cap, &I64)
    }
    pub fn with_glue(cap: i64, glue: &'static WeftGlue) -> Ch {
        let ch = unsafe { weft_rt_channel_new(cap, glue, ptr::null_mut()) };
        assert!(!ch.is_null());
        Ch(ch)
    }
    pub fn send(self, v: i64) -> i32 {
        unsafe { weft_rt_channel_send(self.0, (&v as *const i64).cast(), None) }
    }
    pub fn recv(self) -> (i32, i64) {
        let mut v = -1i64;
        let s = unsafe { weft_rt_channel_recv(self.0, (&mut v as *mut i64).cast(), None) };
        (s, v)
    }
    pub fn try_send(self, v: i64) -> bool {
        unsafe { weft_rt_channel_try_send(self.0, (&v as *const i64).cast(), None) }
    }
    pub fn try_recv(self) -> Option<i64> {
        let mut v = 0i64;
        unsafe { weft_rt_channel_try_recv(self.0, (&mut v as *mut i64).cast(), None) }.then_some(v)
    }
    pub fn recv_timeout(self, ms: i64) -> (i32, i64) {
        let mut v = -1i64;
        let s =
            unsafe { weft_rt_channel_recv_timeout(self.0, (&mut v as *mut i64).cast(), ms, None) };
        (s, v)
    }
    pub fn close(self) {
        unsafe { weft_rt_channel_close(self.0, None) }
    }
    pub fn len(self) -> i64 {
        unsafe { weft_rt_channel_len(self.0, None) }
    }
    pub fn release(self) {
        unsafe { weft_rt_channel_release(self.0) }
    }
    /// `for v in ch`: receive until 1.
    pub fn drain(self) -> Vec<i64> {
        let mut out = Vec::new();
        loop {
            match self.recv() {
                (0, v) => out.push(v),
                (1, _) => return out,
                (s, _) => panic!("status {s}"),
            }
        }
    }
}
