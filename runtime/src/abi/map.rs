//! C ABI: hash maps (`weft_rt_map_*`).
//!
//! Keys travel as `uint64_t`: a string key is its `Str` pointer, an integer or bool key its
//! bits (see [`crate::obj::map`]). `MapP *m` parameters are in-out: mutation first makes `*m`
//! unique. Value pointers point to one value of the map's value glue size. Returned vectors
//! are owned (+1); returned value pointers are borrowed.

use crate::obj::map::{KeyKind, WeftMap};
use crate::obj::rc::WeftGlue;
use crate::obj::vec::WeftVec;

/// `MapP weft_rt_map_new(uint32_t key_kind, const WeftGlue *val)`: an empty map;
/// `key_kind` 0 = string keys, 1/2/4/8 = integer or bool keys of that many bytes (else a
/// fatal error); `val` describes the values and must outlive the map.
///
/// # Safety
/// `val` is a valid glue constant.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_map_new(key_kind: u32, val: *const WeftGlue) -> WeftMap {
    WeftMap::new(KeyKind::from_abi(key_kind), val)
}

/// `void weft_rt_map_free(MapP m)`: releases every key and value and frees a map whose
/// count reached zero.
///
/// # Safety
/// `m`'s count reached zero; it is not used again.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_map_free(m: WeftMap) {
    m.free();
}

/// `void weft_rt_map_make_unique(MapP *m)`: afterwards `*m` is unique (a shared map is
/// cloned, keys and values retained, and the old reference released).
///
/// # Safety
/// `m` points to an owned map.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_map_make_unique(m: *mut WeftMap) {
    (*m).make_unique();
}

/// `void weft_rt_map_insert(MapP *m, uint64_t key, const void *val)`: makes `*m` unique,
/// then moves `key` and `*val` in. If the key was present, the old value and the passed
/// key are released.
///
/// # Safety
/// `m` points to an owned map; `key` (an owned string for string keys) and `*val` are
/// owned by the caller.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_map_insert(m: *mut WeftMap, key: u64, val: *const u8) {
    (*m).insert(key, val);
}

/// `const void *weft_rt_map_get(MapP m, uint64_t key)`: a borrowed pointer to `key`'s
/// value (valid until the map is mutated or released), or NULL.
///
/// # Safety
/// `m` is a live map; `key` is a valid key (a live string for string keys).
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_map_get(m: WeftMap, key: u64) -> *const u8 {
    m.get(key)
}

/// `bool weft_rt_map_contains(MapP m, uint64_t key)`.
///
/// # Safety
/// As for `weft_rt_map_get`.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_map_contains(m: WeftMap, key: u64) -> bool {
    m.contains(key)
}

/// `bool weft_rt_map_remove(MapP *m, uint64_t key, void *out)`: removes `key` (borrowed);
/// its value moves into `*out`, or is released when `out` is NULL; the map's key is
/// released. False when absent (a shared map is then not copied).
///
/// # Safety
/// `m` points to an owned map; `key` is a valid key; `out` is NULL or has room for a value.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_map_remove(
    m: *mut WeftMap,
    key: u64,
    out: *mut u8,
) -> bool {
    (*m).remove(key, out)
}

/// `int64_t weft_rt_map_len(MapP m)`: the number of entries.
///
/// # Safety
/// `m` is a live map.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_map_len(m: WeftMap) -> i64 {
    m.len() as i64
}

/// `VecP weft_rt_map_keys(MapP m, const WeftGlue *key_glue)`: the keys as a new `Vec<K>`
/// (retained), in iteration order; `key_glue->size` (1, 2, 4 or 8) is the key width.
///
/// # Safety
/// `m` is a live map; `key_glue` describes its key type.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_map_keys(m: WeftMap, key_glue: *const WeftGlue) -> WeftVec {
    m.keys(&*key_glue)
}

/// `VecP weft_rt_map_values(MapP m)`: the values as a new `Vec<V>` (retained), in
/// iteration order.
///
/// # Safety
/// `m` is a live map.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_map_values(m: WeftMap) -> WeftVec {
    m.values()
}

/// `bool weft_rt_map_next(MapP m, int64_t *cursor, uint64_t *key_out, const void **val_out)`:
/// iteration. `*cursor` starts at 0; each call stores the next entry's key (borrowed;
/// integer keys zero-extended) and a borrowed value pointer, and advances the cursor;
/// false at the end. The map must not be mutated during the iteration.
///
/// # Safety
/// `m` is a live map; the three pointers are writable.
#[no_mangle]
pub unsafe extern "C-unwind" fn weft_rt_map_next(
    m: WeftMap,
    cursor: *mut i64,
    key_out: *mut u64,
    val_out: *mut *const u8,
) -> bool {
    let Some((key, val)) = m.next(&mut *cursor) else {
        return false;
    };
    key_out.write(key);
    val_out.write(val);
    true
}
