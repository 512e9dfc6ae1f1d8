//! Run queues: each worker's local queue (a run-next slot plus a bounded FIFO ring that
//! other workers steal from) and the global injection queue.
//!
//! The local queue follows Go's `runtime/proc.go` (`runqput`, `runqget`, `runqgrab`):
//!
//! Invariants of [`LocalQueue`]:
//! - only the owning worker pushes (`tail` is written by the owner alone); the owner and
//!   thieves consume by CAS on `head`, so every entry is taken exactly once;
//! - `tail - head <= CAPACITY` (wrapping u32 arithmetic); slots `head..tail` hold entries;
//! - when the ring is full, the owner moves its older half plus the new entry to the global
//!   queue in one batch, dropping stale start entries on the way (tasks already claimed by
//!   a joiner), so stale entries never pile up in the ring;
//! - `runnext` holds at most one entry, consumed before the ring (LIFO hand-off for tasks
//!   woken by the running task); thieves take it only as a last resort.
//!
//! Invariants of [`GlobalQueue`]:
//! - a FIFO guarded by a mutex; `len` mirrors its length so that empty checks take no lock.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use super::task::Entry;

/// Entries a local ring holds (Go uses 256 too).
pub const CAPACITY: u32 = 256;
const EMPTY: u64 = 0;

/// A worker's local run queue (see the module docs).
#[derive(Debug)]
pub struct LocalQueue {
    /// No other worker steals from this queue (a single-worker runtime): the owner may
    /// consume without a CAS.
    exclusive: bool,
    head: AtomicU32,
    tail: AtomicU32,
    /// Counts the times the owner emptied the ring by taking its last entry back
    /// ([`LocalQueue::unpush_back`]): the tail then went back, and the positions a thief
    /// saw filled may hold newer entries.
    emptied: AtomicU32,
    runnext: AtomicU64,
    ring: [AtomicU64; CAPACITY as usize],
}

impl Default for LocalQueue {
    fn default() -> Self {
        LocalQueue::new(false)
    }
}

impl LocalQueue {
    /// An empty queue; `exclusive` when no other worker will ever steal from it.
    pub fn new(exclusive: bool) -> LocalQueue {
        LocalQueue {
            exclusive,
            head: AtomicU32::new(0),
            tail: AtomicU32::new(0),
            emptied: AtomicU32::new(0),
            runnext: AtomicU64::new(EMPTY),
            ring: [const { AtomicU64::new(EMPTY) }; CAPACITY as usize],
        }
    }

    /// Whether only the owner touches this queue now: always in a single-worker runtime,
    /// and while the owner runs in solo mode (`sched::solo`).
    #[inline]
    pub fn is_exclusive(&self) -> bool {
        self.exclusive || super::solo::active()
    }

    #[inline]
    fn slot(&self, index: u32) -> &AtomicU64 {
        &self.ring[(index % CAPACITY) as usize]
    }

    /// Owner only: appends `entry` at the back; when full, spills half to `global`.
    #[inline]
    pub fn push_back(&self, entry: Entry, global: &GlobalQueue) {
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Acquire);
        if tail.wrapping_sub(head) < CAPACITY {
            self.slot(tail).store(entry.0, Ordering::Relaxed);
            self.tail.store(tail.wrapping_add(1), Ordering::Release);
            return;
        }
        self.push_overflow(entry, head, global);
    }

    #[cold]
    fn push_overflow(&self, entry: Entry, head: u32, global: &GlobalQueue) {
        let n = CAPACITY / 2;
        let mut batch = Vec::with_capacity(n as usize + 1);
        for i in 0..n {
            batch.push(Entry(
                self.slot(head.wrapping_add(i)).load(Ordering::Relaxed),
            ));
        }
        if self
            .head
            .compare_exchange(
                head,
                head.wrapping_add(n),
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .is_err()
        {
            // Thieves made room meanwhile.
            return self.push_back(entry, global);
        }
        batch.push(entry);
        batch.retain(|e| !e.is_stale());
        global.push_batch(&batch);
    }

    /// Owner only: puts `entry` in the run-next slot; a previous occupant moves to the back
    /// of the ring. Returns whether it did (the ring grew).
    pub fn push_next(&self, entry: Entry, global: &GlobalQueue) -> bool {
        let old = if self.is_exclusive() {
            // No thief ever touches the slot: a plain exchange suffices.
            let old = self.runnext.load(Ordering::Relaxed);
            self.runnext.store(entry.0, Ordering::Relaxed);
            old
        } else {
            self.runnext.swap(entry.0, Ordering::AcqRel)
        };
        if old == EMPTY {
            return false;
        }
        self.push_back(Entry(old), global);
        true
    }

    /// Owner only: removes `entry` if it is the last one pushed to the ring (a child or job
    /// its spawner took back before anything ran it, see `sched::scope`), so that no stale
    /// entry stays behind. Returns whether it did.
    ///
    /// The owner takes the back of the ring as a Chase-Lev deque's owner pops: it publishes
    /// the shorter ring (`SeqCst`), then reads `head`. A thief takes at most the front half
    /// (rounded up) of the ring it saw, so it can only have taken the last slot if that was
    /// the only entry: then owner and thieves settle it with the CAS on `head` they all use.
    pub fn unpush_back(&self, entry: Entry) -> bool {
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Acquire);
        if tail == head {
            return false;
        }
        let last = tail.wrapping_sub(1);
        if self.slot(last).load(Ordering::Relaxed) != entry.0 {
            return false;
        }
        if last == head {
            // The ring becomes empty: a thief must not take what is pushed there next for
            // what it saw there before (see `waiting_since`). Recorded before the tail goes
            // back, so a thief that sees the ring refilled sees the count too.
            self.emptied.store(
                self.emptied.load(Ordering::Relaxed).wrapping_add(1),
                Ordering::Release,
            );
        }
        if self.is_exclusive() {
            self.tail.store(last, Ordering::Release);
            return true;
        }
        self.tail.store(last, Ordering::SeqCst);
        let head = self.head.load(Ordering::SeqCst);
        if (last.wrapping_sub(head) as i32) > 0 {
            // Entries remain before the last slot: no thief can reach it.
            return true;
        }
        // The last slot was the front: take it as a consumer would, then restore the tail
        // (the ring is empty either way).
        let won = head == last
            && self
                .head
                .compare_exchange(last, tail, Ordering::SeqCst, Ordering::Relaxed)
                .is_ok();
        self.tail.store(tail, Ordering::SeqCst);
        won
    }

    /// Owner only: takes the run-next entry, else the front of the ring.
    #[inline]
    pub fn pop(&self) -> Option<Entry> {
        self.pop_next().or_else(|| self.pop_ring())
    }

    /// Owner only: takes the run-next entry.
    #[inline]
    pub fn pop_next(&self) -> Option<Entry> {
        let next = self.runnext.load(Ordering::Relaxed);
        if next == EMPTY {
            return None;
        }
        if self.is_exclusive() {
            self.runnext.store(EMPTY, Ordering::Relaxed);
            return Some(Entry(next));
        }
        let next = self.runnext.swap(EMPTY, Ordering::AcqRel);
        (next != EMPTY).then_some(Entry(next))
    }

    /// Owner only: takes the front of the ring.
    #[inline]
    pub fn pop_ring(&self) -> Option<Entry> {
        let mut head = self.head.load(Ordering::Acquire);
        if self.is_exclusive() {
            if head == self.tail.load(Ordering::Relaxed) {
                return None;
            }
            let entry = self.slot(head).load(Ordering::Relaxed);
            self.head.store(head.wrapping_add(1), Ordering::Release);
            return Some(Entry(entry));
        }
        loop {
            let tail = self.tail.load(Ordering::Relaxed);
            if head == tail {
                return None;
            }
            let entry = self.slot(head).load(Ordering::Relaxed);
            match self.head.compare_exchange_weak(
                head,
                head.wrapping_add(1),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(Entry(entry)),
                Err(actual) => head = actual,
            }
        }
    }

    /// Number of entries in the ring (racy when read by others), plus the run-next entry.
    pub fn len(&self) -> usize {
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        let next = (self.runnext.load(Ordering::Acquire) != EMPTY) as usize;
        tail.wrapping_sub(head).min(CAPACITY) as usize + next
    }

    /// Whether both the ring and the run-next slot are empty (racy when read by others).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the ring (not counting run-next) has entries thieves could take.
    pub fn has_stealable(&self) -> bool {
        let head = self.head.load(Ordering::Acquire);
        self.tail.load(Ordering::Acquire) != head
    }

    /// Another worker's look at the ring: `Some(t)` when the ring holds entries that were
    /// already there at time `t` (the first sighting of those entries recorded in `seen`;
    /// `now` when they are new), `None` when it is empty. Entries the owner keeps consuming
    /// never grow old, so thieves can leave a few tasks that hand work to each other on one
    /// core and take only work that waits.
    pub fn waiting_since(&self, seen: &mut Sighting, now: u64) -> Option<u64> {
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        let emptied = self.emptied.load(Ordering::Acquire);
        if head == tail {
            *seen = Sighting::default();
            return None;
        }
        // Entries before the tail seen then are still unconsumed (unless the owner emptied
        // the ring by taking entries back since: then they may be newer ones).
        if seen.since_ns != 0
            && (head.wrapping_sub(seen.tail) as i32) < 0
            && seen.emptied == emptied
        {
            return Some(seen.since_ns);
        }
        *seen = Sighting {
            tail,
            emptied,
            since_ns: now,
        };
        Some(now)
    }

    /// Thief side: moves about half of `victim`'s ring into this (the thief's own) ring,
    /// as far as it has room, and returns one entry to run now. With `take_next`, takes the victim's run-next
    /// entry when its ring is empty.
    pub fn steal_from(&self, victim: &LocalQueue, take_next: bool) -> Option<Entry> {
        let own_tail = self.tail.load(Ordering::Relaxed);
        let room = CAPACITY - own_tail.wrapping_sub(self.head.load(Ordering::Acquire));
        loop {
            let head = victim.head.load(Ordering::Acquire);
            let tail = victim.tail.load(Ordering::Acquire);
            let n = tail.wrapping_sub(head);
            if n == 0 || n > CAPACITY {
                if n == 0 && take_next {
                    let next = victim.runnext.load(Ordering::Acquire);
                    if next != EMPTY
                        && victim
                            .runnext
                            .compare_exchange(next, EMPTY, Ordering::AcqRel, Ordering::Relaxed)
                            .is_ok()
                    {
                        return Some(Entry(next));
                    }
                }
                if n == 0 {
                    return None;
                }
                continue; // inconsistent snapshot
            }
            let n = (n - n / 2).min(room);
            if n == 0 {
                return None;
            }
            for i in 0..n {
                let e = victim.slot(head.wrapping_add(i)).load(Ordering::Relaxed);
                self.slot(own_tail.wrapping_add(i))
                    .store(e, Ordering::Relaxed);
            }
            if victim
                .head
                .compare_exchange(
                    head,
                    head.wrapping_add(n),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                let last = self
                    .slot(own_tail.wrapping_add(n - 1))
                    .load(Ordering::Relaxed);
                if n > 1 {
                    self.tail
                        .store(own_tail.wrapping_add(n - 1), Ordering::Release);
                }
                return Some(Entry(last));
            }
        }
    }
}

/// What a thief saw of a ring (see [`LocalQueue::waiting_since`]): its tail, and when
/// (`since_ns`, 0: nothing seen).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sighting {
    tail: u32,
    emptied: u32,
    since_ns: u64,
}

/// The global injection queue (see the module docs).
#[derive(Debug, Default)]
pub struct GlobalQueue {
    len: AtomicUsize,
    queue: Mutex<VecDeque<u64>>,
}

impl GlobalQueue {
    /// An empty queue.
    pub const fn new() -> GlobalQueue {
        GlobalQueue {
            len: AtomicUsize::new(0),
            queue: Mutex::new(VecDeque::new()),
        }
    }

    /// Number of queued entries (racy).
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether no entry is queued (racy).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends one entry.
    pub fn push(&self, entry: Entry) {
        self.push_batch(&[entry]);
    }

    /// Appends entries in order.
    pub fn push_batch(&self, entries: &[Entry]) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.extend(entries.iter().map(|e| e.0));
        self.len.store(queue.len(), Ordering::Release);
    }

    /// Takes the front entry and moves up to `max - 1` more into `local` (the caller's own
    /// ring, which must be empty when `max > 1`).
    pub fn pop_into(&self, local: &LocalQueue, max: usize) -> Option<Entry> {
        if self.is_empty() {
            return None;
        }
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let first = Entry(queue.pop_front()?);
        let extra = (max.saturating_sub(1))
            .min(queue.len())
            .min(CAPACITY as usize / 2);
        let tail = local.tail.load(Ordering::Relaxed);
        for i in 0..extra as u32 {
            let e = queue.pop_front().expect("counted");
            local.slot(tail.wrapping_add(i)).store(e, Ordering::Relaxed);
        }
        local
            .tail
            .store(tail.wrapping_add(extra as u32), Ordering::Release);
        self.len.store(queue.len(), Ordering::Release);
        Some(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(n: u64) -> Entry {
        Entry(n << 4)
    }

    #[test]
    fn fifo_with_runnext_first() {
        let g = GlobalQueue::new();
        let q = LocalQueue::new(false);
        q.push_back(e(1), &g);
        q.push_back(e(2), &g);
        q.push_next(e(3), &g);
        q.push_next(e(4), &g); // 3 moves to the back
        let order: Vec<u64> = std::iter::from_fn(|| q.pop()).map(|x| x.0 >> 4).collect();
        assert_eq!(order, vec![4, 1, 2, 3]);
    }

    #[test]
    fn overflow_spills_the_older_half_in_order() {
        let g = GlobalQueue::new();
        let q = LocalQueue::new(false);
        for i in 0..CAPACITY as u64 + 1 {
            q.push_back(e(i + 1), &g);
        }
        assert_eq!(g.len(), CAPACITY as usize / 2 + 1);
        assert_eq!(q.len(), CAPACITY as usize / 2);
        let local = LocalQueue::new(false);
        assert_eq!(g.pop_into(&local, 1).map(|x| x.0 >> 4), Some(1));
    }

    #[test]
    fn steal_takes_half() {
        let g = GlobalQueue::new();
        let victim = LocalQueue::new(false);
        let thief = LocalQueue::new(false);
        for i in 0..10 {
            victim.push_back(e(i + 1), &g);
        }
        let got = thief.steal_from(&victim, false).unwrap();
        assert_eq!(got.0 >> 4, 5);
        assert_eq!(thief.len(), 4);
        assert_eq!(victim.len(), 5);
        assert_eq!(thief.pop().unwrap().0 >> 4, 1);
    }

    #[test]
    fn steal_runnext_only_when_asked() {
        let g = GlobalQueue::new();
        let victim = LocalQueue::new(false);
        let thief = LocalQueue::new(false);
        victim.push_next(e(7), &g);
        assert!(thief.steal_from(&victim, false).is_none());
        assert_eq!(thief.steal_from(&victim, true).unwrap().0 >> 4, 7);
    }

    #[test]
    fn unpush_takes_only_the_last_entry() {
        let g = GlobalQueue::new();
        let q = LocalQueue::new(false);
        assert!(!q.unpush_back(e(1)), "empty");
        q.push_back(e(1), &g);
        q.push_back(e(2), &g);
        assert!(!q.unpush_back(e(1)), "not the last");
        assert!(q.unpush_back(e(2)));
        assert!(q.unpush_back(e(1)), "the only one");
        assert!(q.is_empty());
        q.push_back(e(3), &g);
        assert_eq!(q.pop().map(|x| x.0 >> 4), Some(3));
    }

    #[test]
    fn unpush_racing_thieves_takes_each_entry_once() {
        use std::sync::atomic::AtomicU64 as Sum;
        use std::sync::Arc;
        let g = GlobalQueue::new();
        let victim = Arc::new(LocalQueue::new(false));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stolen = Arc::new(Sum::new(0));
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let (victim, stop, stolen) = (victim.clone(), stop.clone(), stolen.clone());
                std::thread::spawn(move || {
                    let own = LocalQueue::new(false);
                    while !stop.load(Ordering::Acquire) {
                        if let Some(x) = own.steal_from(&victim, false) {
                            stolen.fetch_add(x.0 >> 4, Ordering::Relaxed);
                            while let Some(x) = own.pop() {
                                stolen.fetch_add(x.0 >> 4, Ordering::Relaxed);
                            }
                        }
                    }
                })
            })
            .collect();
        // The owner pushes one to three entries and takes the last back at once, as a
        // `par` block's owner does with its forks.
        let total = 200_000u64;
        let mut kept = 0u64;
        for i in 1..=total {
            victim.push_back(e(i), &g);
            if i % 3 != 0 {
                if victim.unpush_back(e(i)) {
                    kept += i;
                }
            } else if i % 2 == 0 {
                // Keep the ring short, so that thieves contend for its only entry.
                if let Some(x) = victim.pop() {
                    kept += x.0 >> 4;
                }
            }
        }
        stop.store(true, Ordering::Release);
        for t in thieves {
            t.join().unwrap();
        }
        // What stayed, in the ring and spilled to the global queue.
        while let Some(x) = victim.pop().or_else(|| g.pop_into(&victim, 1)) {
            kept += x.0 >> 4;
        }
        let stolen = stolen.load(Ordering::Relaxed);
        assert_eq!(
            kept + stolen,
            total * (total + 1) / 2,
            "every entry taken exactly once"
        );
    }

    #[test]
    fn concurrent_steal_takes_each_entry_once() {
        use std::sync::Arc;
        let g = Arc::new(GlobalQueue::new());
        let victim = Arc::new(LocalQueue::new(false));
        let total = 100_000u64;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thief = {
            let (victim, stop) = (victim.clone(), stop.clone());
            std::thread::spawn(move || {
                let own = LocalQueue::new(false);
                let mut sum = 0u64;
                while !stop.load(Ordering::Acquire) || !victim.is_empty() {
                    if let Some(x) = own.steal_from(&victim, false) {
                        sum += x.0 >> 4;
                        while let Some(x) = own.pop() {
                            sum += x.0 >> 4;
                        }
                    }
                }
                sum
            })
        };
        let mut sum = 0u64;
        for i in 1..=total {
            victim.push_back(e(i), &g);
            if i % 3 == 0 {
                if let Some(x) = victim.pop() {
                    sum += x.0 >> 4;
                }
            }
        }
        while let Some(x) = victim.pop() {
            sum += x.0 >> 4;
        }
        stop.store(true, Ordering::Release);
        sum += thief.join().unwrap();
        let local = LocalQueue::new(false);
        while let Some(x) = g.pop_into(&local, 1) {
            sum += x.0 >> 4;
        }
        assert_eq!(sum, total * (total + 1) / 2);
    }
}
