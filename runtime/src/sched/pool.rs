//! Type-stable object pools (task objects, activations): objects are carved in chunks
//! from [`super::slab`] memory, never freed, and recycled through the calling worker's
//! cache and a global free list, so a pointer to a pooled object stays dereferenceable
//! forever (what stale run-queue entries and waiters rely on).

use std::sync::Mutex;

/// Objects made at once when the free lists are empty.
const CHUNK: usize = 64;
/// Free objects a worker's cache keeps before it moves half of them to the global list.
const CACHE_LIMIT: usize = 4096;

/// A pool of `T`s; `blank` makes the state of a new object.
pub(crate) struct Pool<T: 'static> {
    /// Free objects cached by no worker (addresses).
    free: Mutex<Vec<usize>>,
    /// Every chunk ever made (addresses of `CHUNK` objects each).
    chunks: Mutex<Vec<usize>>,
    blank: fn() -> T,
}

impl<T: 'static> Pool<T> {
    pub(crate) const fn new(blank: fn() -> T) -> Pool<T> {
        Pool {
            free: Mutex::new(Vec::new()),
            chunks: Mutex::new(Vec::new()),
            blank,
        }
    }

    /// A free object (in the state its last user left it, or blank): from `cache` (the
    /// calling worker's, `None` off the workers), else a batch from the global list or
    /// a new chunk, whose rest goes to `cache`.
    pub(crate) fn alloc(&self, mut cache: Option<&mut Vec<&'static T>>) -> &'static T {
        if let Some(obj) = cache.as_mut().and_then(|c| c.pop()) {
            return obj;
        }
        let mut batch = self.batch();
        let first = batch.pop().expect("non-empty batch");
        match cache {
            Some(cache) => cache.extend(batch),
            None => self.give_back(batch),
        }
        first
    }

    /// Returns an object the caller no longer uses.
    pub(crate) fn free(&self, obj: &'static T, cache: Option<&mut Vec<&'static T>>) {
        match cache {
            Some(cache) => {
                cache.push(obj);
                if cache.len() > CACHE_LIMIT {
                    let half = cache.len() / 2;
                    self.give_back(cache.drain(..half).collect());
                }
            }
            None => self.give_back(vec![obj]),
        }
    }

    /// Visits every object that exists (cold: the deadlock report).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&'static T)) {
        let chunks = self
            .chunks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for chunk in chunks {
            for i in 0..CHUNK {
                // SAFETY: chunks hold CHUNK initialized objects and are never freed.
                f(unsafe { &*(chunk as *const T).add(i) });
            }
        }
    }

    fn give_back(&self, objs: Vec<&'static T>) {
        self.free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(objs.into_iter().map(|o| o as *const T as usize));
    }

    /// Up to `CHUNK` free objects from the global list, else a new chunk of them.
    #[cold]
    fn batch(&self) -> Vec<&'static T> {
        let from_list: Vec<usize> = {
            let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
            let keep = free.len() - free.len().min(CHUNK);
            free.split_off(keep)
        };
        let addrs = if from_list.is_empty() {
            self.new_chunk()
        } else {
            from_list
        };
        // SAFETY: addresses of pooled objects, which are never freed.
        addrs
            .into_iter()
            .map(|a| unsafe { &*(a as *const T) })
            .collect()
    }

    fn new_chunk(&self) -> Vec<usize> {
        let size = std::mem::size_of::<T>();
        assert!(
            std::mem::align_of::<T>() <= 64,
            "slab blocks are 64-byte aligned"
        );
        let chunk = super::slab::alloc(CHUNK * size).cast::<T>();
        for i in 0..CHUNK {
            // SAFETY: the slab block has room for CHUNK objects, suitably aligned.
            unsafe { chunk.add(i).write((self.blank)()) };
        }
        self.chunks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(chunk as usize);
        (0..CHUNK).map(|i| chunk as usize + i * size).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Obj(std::sync::atomic::AtomicUsize);

    fn blank() -> Obj {
        Obj(std::sync::atomic::AtomicUsize::new(7))
    }

    #[test]
    fn objects_are_blank_then_recycled_and_all_visited() {
        static POOL: Pool<Obj> = Pool::new(blank);
        let mut cache = Vec::new();
        let a = POOL.alloc(Some(&mut cache));
        assert_eq!(a.0.load(std::sync::atomic::Ordering::Relaxed), 7);
        assert_eq!(
            cache.len(),
            CHUNK - 1,
            "the rest of the chunk went to the cache"
        );
        a.0.store(9, std::sync::atomic::Ordering::Relaxed);
        POOL.free(a, Some(&mut cache));
        let again = POOL.alloc(Some(&mut cache));
        assert!(std::ptr::eq(a, again), "the cache is LIFO");
        assert_eq!(
            again.0.load(std::sync::atomic::Ordering::Relaxed),
            9,
            "state is kept"
        );
        let off_worker = POOL.alloc(None);
        POOL.free(off_worker, None);
        let mut seen = 0;
        POOL.for_each(|o| {
            seen += 1;
            assert!(o.0.load(std::sync::atomic::Ordering::Relaxed) >= 7);
        });
        assert_eq!(seen % CHUNK, 0);
        assert!(
            seen >= 2 * CHUNK,
            "the off-worker allocation took a second chunk"
        );
    }

    #[test]
    fn a_full_cache_spills_half_to_the_global_list() {
        static POOL: Pool<Obj> = Pool::new(blank);
        let mut cache = Vec::new();
        let objs: Vec<_> = (0..CACHE_LIMIT + 1).map(|_| POOL.alloc(None)).collect();
        for o in objs {
            POOL.free(o, Some(&mut cache));
        }
        assert!(cache.len() <= CACHE_LIMIT, "{}", cache.len());
        assert!(cache.len() > CACHE_LIMIT / 2 - 1);
    }
}
