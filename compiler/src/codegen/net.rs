//! TCP sockets (`std/net`) over the runtime's ABI (`runtime/src/abi/net.rs`,
//! docs/runtime.md §11).
//!
//! Every fallible operation returns a `Result` built from the runtime's success flag (or a
//! null handle) and its error message, stored in an out-parameter (`Str *err`, or the
//! result slot itself for `recv`), as `Channel.new` does.

use super::func::{FnCg, Val};
use crate::common::intrinsic::NetOp;
use crate::common::ty::Ty;
use crate::hir::Arg;
use crate::source::Span;
use inkwell::values::BasicMetadataValueEnum;

/// The runtime functions of this module: name and signature (see runtime_abi.rs).
pub const FUNCTIONS: &[(&str, &str)] = &[
    ("weft_rt_tcp_connect", "ppirp"),
    ("weft_rt_tcp_send", "bpprp"),
    ("weft_rt_tcp_send_bytes", "bpprp"),
    ("weft_rt_tcp_recv", "bprp"),
    ("weft_rt_tcp_recv_bytes", "bpirrp"),
    ("weft_rt_tcp_set_timeout", "vpi"),
    ("weft_rt_tcp_peer_addr", "bpr"),
    ("weft_rt_tcp_close", "vp"),
    ("weft_rt_tcp_bind", "ppir"),
    ("weft_rt_tcp_accept", "pprp"),
    ("weft_rt_tcp_listener_port", "ip"),
    ("weft_rt_tcp_listener_close", "vp"),
];

impl<'a, 'ctx, 'p> FnCg<'a, 'ctx, 'p> {
    /// `TcpStream` and `TcpListener` operations.
    pub fn net_intrinsic(&mut self, op: NetOp, args: &'p [Arg], ret: &Ty, span: Span) -> Val<'ctx> {
        let ptr = self.cg.ptr_ty();
        let loc = |s: &mut Self| -> BasicMetadataValueEnum<'ctx> { s.cg.loc(span).into() };
        match op {
            NetOp::Connect | NetOp::Bind | NetOp::Accept => {
                let mut vals: Vec<BasicMetadataValueEnum<'ctx>> =
                    args.iter().map(|a| self.arg_val(a).into()).collect();
                let err = self.alloca(ptr.into(), "err");
                vals.push(err.into());
                if op != NetOp::Bind {
                    vals.push(loc(self));
                }
                let name = format!("weft_rt_{}", op.name());
                let h = self.rt_value(&name, &vals).into_pointer_value();
                let ok = self.cg.builder.is_not_null(h, "ok");
                self.result_from(ok, h.into(), err, ret)
            }
            NetOp::Send | NetOp::SendBytes => {
                let s = self.arg_val(&args[0]);
                let data = self.arg_val(&args[1]);
                let err = self.alloca(ptr.into(), "err");
                let l = loc(self);
                let name = format!("weft_rt_{}", op.name());
                let ok = self
                    .rt_value(&name, &[s.into(), data.into(), err.into(), l])
                    .into_int_value();
                let unit = self.unit().v;
                self.result_from(ok, unit, err, ret)
            }
            NetOp::Recv | NetOp::PeerAddr => {
                let s = self.arg_val(&args[0]);
                let out = self.alloca(ptr.into(), "received");
                let ok = if op == NetOp::Recv {
                    let l = loc(self);
                    self.rt_value("weft_rt_tcp_recv", &[s.into(), out.into(), l])
                } else {
                    self.rt_value("weft_rt_tcp_peer_addr", &[s.into(), out.into()])
                }
                .into_int_value();
                // On failure the same slot holds the error message.
                let v = self.cg.builder.load(ptr, out, "text");
                self.result_from(ok, v, out, ret)
            }
            NetOp::RecvBytes => {
                let s = self.arg_val(&args[0]);
                let max = self.arg_val(&args[1]);
                let out = self.alloca(ptr.into(), "received");
                let err = self.alloca(ptr.into(), "err");
                let l = loc(self);
                let ok = self
                    .rt_value(
                        "weft_rt_tcp_recv_bytes",
                        &[s.into(), max.into(), out.into(), err.into(), l],
                    )
                    .into_int_value();
                let v = self.cg.builder.load(ptr, out, "bytes");
                self.result_from(ok, v, err, ret)
            }
            NetOp::SetTimeout => {
                let s = self.arg_val(&args[0]);
                let ms = self.arg_val(&args[1]);
                self.call_rt("weft_rt_tcp_set_timeout", &[s.into(), ms.into()]);
                self.unit()
            }
            NetOp::Close | NetOp::ListenerClose => {
                let h = self.arg_val(&args[0]);
                self.call_rt(&format!("weft_rt_{}", op.name()), &[h.into()]);
                self.unit()
            }
            NetOp::ListenerPort => {
                let l = self.arg_val(&args[0]);
                Val::stat(self.rt_value("weft_rt_tcp_listener_port", &[l.into()]))
            }
        }
    }
}
