//! The standard library's intrinsic operations: every `@intrinsic("name")` function of
//! `stdlib/std/*.weft`, plus the few the compiler itself calls (string interpolation,
//! `print`, `for` over a map).
//!
//! The checker resolves each annotation's name to an [`Intrinsic`] once, when it collects
//! the std modules (an unknown name is an error at the annotation); HIR lowering and code
//! generation match on the enum, group by group, exhaustively. The runtime functions each
//! one calls are listed in docs/runtime.md.

/// Declares one group of intrinsics: an enum whose variants map one to one to the names
/// used in `@intrinsic("...")`.
macro_rules! intrinsic_group {
    ($(#[$doc:meta])* $group:ident { $($variant:ident = $name:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $group {
            $($variant,)*
        }

        impl $group {
            /// Every member with its annotation name.
            pub const ALL: &'static [($group, &'static str)] = &[$(($group::$variant, $name),)*];

            /// The name used in `@intrinsic("...")`.
            pub fn name(self) -> &'static str {
                match self {
                    $($group::$variant => $name,)*
                }
            }
        }
    };
}

intrinsic_group! {
    /// Panics, assertions, printing, boxes and `bool`.
    CoreOp {
        Panic = "panic",
        Assert = "assert",
        AssertEq = "assert_eq",
        Print = "print",
        Eprint = "eprint",
        BoxNew = "box_new",
        BoxGet = "box_get",
        BoolToString = "bool_to_string",
    }
}

intrinsic_group! {
    /// Methods of `string` (and the interpolation helper `str_concat_n`).
    StrOp {
        Len = "str_len",
        Slice = "str_slice",
        Contains = "str_contains",
        StartsWith = "str_starts_with",
        EndsWith = "str_ends_with",
        Find = "str_find",
        Split = "str_split",
        Trim = "str_trim",
        ToUpper = "str_to_upper",
        ToLower = "str_to_lower",
        ParseInt = "str_parse_int",
        ParseFloat = "str_parse_float",
        Bytes = "str_bytes",
        ConcatN = "str_concat_n",
    }
}

intrinsic_group! {
    /// Methods of `Vec<T>`.
    VecOp {
        New = "vec_new",
        WithCapacity = "vec_with_capacity",
        Push = "vec_push",
        Pop = "vec_pop",
        Len = "vec_len",
        Insert = "vec_insert",
        Remove = "vec_remove",
        Sort = "vec_sort",
        Reverse = "vec_reverse",
        Slice = "vec_slice",
        Join = "vec_join",
    }
}

intrinsic_group! {
    /// Methods of `HashMap<K, V>` (and the cursor `map_next` that `for` over a map uses).
    MapOp {
        New = "map_new",
        Insert = "map_insert",
        Get = "map_get",
        Contains = "map_contains",
        Remove = "map_remove",
        Len = "map_len",
        Keys = "map_keys",
        Values = "map_values",
        Next = "map_next",
    }
}

intrinsic_group! {
    /// Methods of the integer types (`std/int`, instantiated per type).
    IntOp {
        ToString = "int_to_string",
        WrappingAdd = "int_wrapping_add",
        WrappingSub = "int_wrapping_sub",
        WrappingMul = "int_wrapping_mul",
        CheckedAdd = "int_checked_add",
        CheckedSub = "int_checked_sub",
        CheckedMul = "int_checked_mul",
        WrappingShl = "int_wrapping_shl",
        WrappingShr = "int_wrapping_shr",
        CheckedShl = "int_checked_shl",
        CheckedShr = "int_checked_shr",
    }
}

intrinsic_group! {
    /// Methods of the float types (`std/float`, instantiated per type).
    FloatOp {
        ToString = "float_to_string",
        ToFixed = "float_to_fixed",
        Sqrt = "float_sqrt",
        Abs = "float_abs",
        Floor = "float_floor",
        Ceil = "float_ceil",
        Round = "float_round",
        Sin = "float_sin",
        Cos = "float_cos",
        Exp = "float_exp",
        Ln = "float_ln",
        Pow = "float_pow",
        IsNan = "float_is_nan",
    }
}

intrinsic_group! {
    /// `std/io` and `std/time`.
    IoOp {
        Args = "io_args",
        ProgramName = "io_program_name",
        ReadFile = "io_read_file",
        WriteFile = "io_write_file",
        ReadLine = "io_read_line",
        Getenv = "io_getenv",
        Exit = "io_exit",
        SleepMs = "sleep_ms",
        NowMs = "now_ms",
        NowNs = "now_ns",
    }
}

intrinsic_group! {
    /// `std/runtime`: promises, tasks, task handles and groups.
    TaskOp {
        PromiseRun = "promise_run",
        PromiseBlocking = "promise_blocking",
        PromiseAwait = "promise_await",
        PromiseAwaitTimeout = "promise_await_timeout",
        PromiseCancel = "promise_cancel",
        PromiseWaitAny = "promise_wait_any",
        PromiseWaitAll = "promise_wait_all",
        Fail = "task_fail",
        Spawn = "task_spawn",
        SpawnWithStack = "task_spawn_with_stack",
        SpawnDaemon = "task_spawn_daemon",
        Join = "task_join",
        Cancel = "task_cancel",
        IsCancelled = "task_is_cancelled",
        Yield = "sched_yield",
        HandleJoin = "task_handle_join",
        GroupNew = "task_group_new",
        GroupSpawn = "task_group_spawn",
    }
}

intrinsic_group! {
    /// Scopes of `par`, `par for` and `concurrent` blocks (made by HIR lowering, not
    /// declared in std).
    ScopeOp {
        Open = "scope_open",
        Spawn = "scope_spawn",
        RunInline = "scope_run_inline",
        Fork = "scope_fork",
        ParFor = "scope_par_for",
        Join = "scope_join",
        TryJoin = "scope_try_join",
        Take = "scope_take",
        Close = "scope_close",
    }
}

intrinsic_group! {
    /// `std/sync`: channels, locks, condition variables, atomics, wait groups.
    SyncOp {
        ChannelNew = "channel_new",
        ChannelSend = "channel_send",
        ChannelRecv = "channel_recv",
        ChannelTrySend = "channel_try_send",
        ChannelTryRecv = "channel_try_recv",
        ChannelRecvTimeout = "channel_recv_timeout",
        ChannelClose = "channel_close",
        ChannelLen = "channel_len",
        ChannelNext = "channel_next",
        ChannelDestroy = "channel_destroy",
        MutexNew = "mutex_new",
        MutexWithLock = "mutex_with_lock",
        MutexDestroy = "mutex_destroy",
        MutexLock = "mutex_lock",
        MutexUnlock = "mutex_unlock",
        RwLockNew = "rwlock_new",
        RwLockWithReadLock = "rwlock_with_read_lock",
        RwLockWithWriteLock = "rwlock_with_write_lock",
        RwLockDestroy = "rwlock_destroy",
        CondvarNew = "condvar_new",
        CondvarWait = "condvar_wait",
        CondvarWaitTimeout = "condvar_wait_timeout",
        CondvarSignal = "condvar_signal",
        CondvarBroadcast = "condvar_broadcast",
        CondvarDestroy = "condvar_destroy",
        AtomicNew = "atomic_new",
        AtomicLoad = "atomic_load",
        AtomicStore = "atomic_store",
        AtomicAdd = "atomic_add",
        AtomicFetchAdd = "atomic_fetch_add",
        AtomicSwap = "atomic_swap",
        AtomicCompareExchange = "atomic_compare_exchange",
        AtomicDestroy = "atomic_destroy",
        WaitGroupNew = "wait_group_new",
        WaitGroupAdd = "wait_group_add",
        WaitGroupDone = "wait_group_done",
        WaitGroupWait = "wait_group_wait",
        WaitGroupDestroy = "wait_group_destroy",
    }
}

intrinsic_group! {
    /// `std/thread`: OS threads.
    ThreadOp {
        Spawn = "thread_spawn",
        Join = "thread_join",
        Current = "thread_current",
        Name = "thread_name",
        Ncpu = "ncpu",
    }
}

intrinsic_group! {
    /// Generators (the prelude's `Generator<T>`): `next`, and the steps of a `for` loop over
    /// a generator, made by HIR lowering (`acquire` once, `resume` per item, `release` at
    /// the loop's end; docs/runtime.md section 13).
    GenOp {
        Next = "generator_next",
        Acquire = "generator_acquire",
        Resume = "generator_resume",
        Release = "generator_release",
    }
}

intrinsic_group! {
    /// `std/net`: TCP sockets.
    NetOp {
        Connect = "tcp_connect",
        Send = "tcp_send",
        SendBytes = "tcp_send_bytes",
        Recv = "tcp_recv",
        RecvBytes = "tcp_recv_bytes",
        SetTimeout = "tcp_set_timeout",
        Close = "tcp_close",
        Bind = "tcp_bind",
        Accept = "tcp_accept",
        ListenerClose = "tcp_listener_close",
        ListenerPort = "tcp_listener_port",
        PeerAddr = "tcp_peer_addr",
    }
}

/// One intrinsic operation, by group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Intrinsic {
    Core(CoreOp),
    Str(StrOp),
    Vec(VecOp),
    Map(MapOp),
    Int(IntOp),
    Float(FloatOp),
    Io(IoOp),
    Task(TaskOp),
    Scope(ScopeOp),
    Sync(SyncOp),
    Thread(ThreadOp),
    Net(NetOp),
    Gen(GenOp),
}

impl Intrinsic {
    /// The intrinsic named `name` in `@intrinsic("name")`, if there is one.
    pub fn from_name(name: &str) -> Option<Intrinsic> {
        fn find<G: Copy>(
            all: &[(G, &str)],
            name: &str,
            wrap: fn(G) -> Intrinsic,
        ) -> Option<Intrinsic> {
            all.iter().find(|(_, n)| *n == name).map(|(g, _)| wrap(*g))
        }
        find(CoreOp::ALL, name, Intrinsic::Core)
            .or_else(|| find(StrOp::ALL, name, Intrinsic::Str))
            .or_else(|| find(VecOp::ALL, name, Intrinsic::Vec))
            .or_else(|| find(MapOp::ALL, name, Intrinsic::Map))
            .or_else(|| find(IntOp::ALL, name, Intrinsic::Int))
            .or_else(|| find(FloatOp::ALL, name, Intrinsic::Float))
            .or_else(|| find(IoOp::ALL, name, Intrinsic::Io))
            .or_else(|| find(TaskOp::ALL, name, Intrinsic::Task))
            .or_else(|| find(ScopeOp::ALL, name, Intrinsic::Scope))
            .or_else(|| find(SyncOp::ALL, name, Intrinsic::Sync))
            .or_else(|| find(ThreadOp::ALL, name, Intrinsic::Thread))
            .or_else(|| find(NetOp::ALL, name, Intrinsic::Net))
            .or_else(|| find(GenOp::ALL, name, Intrinsic::Gen))
    }

    /// The name used in `@intrinsic("...")`.
    pub fn name(self) -> &'static str {
        match self {
            Intrinsic::Core(op) => op.name(),
            Intrinsic::Str(op) => op.name(),
            Intrinsic::Vec(op) => op.name(),
            Intrinsic::Map(op) => op.name(),
            Intrinsic::Int(op) => op.name(),
            Intrinsic::Float(op) => op.name(),
            Intrinsic::Io(op) => op.name(),
            Intrinsic::Task(op) => op.name(),
            Intrinsic::Scope(op) => op.name(),
            Intrinsic::Sync(op) => op.name(),
            Intrinsic::Thread(op) => op.name(),
            Intrinsic::Net(op) => op.name(),
            Intrinsic::Gen(op) => op.name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        let all: Vec<&str> = [
            CoreOp::ALL.iter().map(|p| p.1).collect::<Vec<_>>(),
            StrOp::ALL.iter().map(|p| p.1).collect(),
            VecOp::ALL.iter().map(|p| p.1).collect(),
            MapOp::ALL.iter().map(|p| p.1).collect(),
            IntOp::ALL.iter().map(|p| p.1).collect(),
            FloatOp::ALL.iter().map(|p| p.1).collect(),
            IoOp::ALL.iter().map(|p| p.1).collect(),
            TaskOp::ALL.iter().map(|p| p.1).collect(),
            ScopeOp::ALL.iter().map(|p| p.1).collect(),
            SyncOp::ALL.iter().map(|p| p.1).collect(),
            ThreadOp::ALL.iter().map(|p| p.1).collect(),
            NetOp::ALL.iter().map(|p| p.1).collect(),
            GenOp::ALL.iter().map(|p| p.1).collect(),
        ]
        .concat();
        for name in all {
            assert!(seen.insert(name), "duplicate intrinsic name {name}");
            let i = Intrinsic::from_name(name).expect("known");
            assert_eq!(i.name(), name);
        }
        assert_eq!(Intrinsic::from_name("tcp_conect"), None);
    }
}
