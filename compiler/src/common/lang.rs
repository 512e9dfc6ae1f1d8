//! Lang items: the standard library's declarations that the compiler itself must know
//! (the types it builds implicitly, the functions it calls for desugared code).
//!
//! Each is marked in std with `@lang("name")`; the checker records them in one
//! [`LangItems`] table when it collects the std modules, and every later stage reads the
//! table instead of looking a module or an item up by its name.

use super::ty::{AdtId, Ty};
use super::FnId;

/// The name of a lang item, as written in `@lang("...")`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LangItem {
    /// `enum Option<T>` (prelude): the type of `T?`.
    Option,
    /// `enum Result<T, E>` (prelude): the type of `!`/`?` operands and fallible calls.
    Result,
    /// `struct Error` (prelude): the target of the `string` → `Error` conversion.
    Error,
    /// `struct Promise<T>` (std/runtime): what `async fn` and `blocking { }` return.
    Promise,
    /// `enum TaskError` (std/runtime): why a task failed.
    TaskError,
    /// `TaskError.toString` (std/runtime): the message of a re-raised task failure.
    TaskErrorToString,
    /// `struct Atomic<T>` (std/sync): its element type must be an integer or `bool`.
    Atomic,
    /// `struct TaskHandle<T>` (std/runtime): what `spawn` evaluates to.
    TaskHandle,
    /// `struct Generator<T>` (prelude): what a call of a `gen fn` returns.
    Generator,
}

impl LangItem {
    /// Every lang item with its annotation name.
    pub const ALL: &'static [(LangItem, &'static str)] = &[
        (LangItem::Option, "option"),
        (LangItem::Result, "result"),
        (LangItem::Error, "error"),
        (LangItem::Promise, "promise"),
        (LangItem::TaskError, "task_error"),
        (LangItem::TaskErrorToString, "task_error_to_string"),
        (LangItem::Atomic, "atomic"),
        (LangItem::TaskHandle, "task_handle"),
        (LangItem::Generator, "generator"),
    ];

    /// The lang item named `name` in `@lang("name")`.
    pub fn from_name(name: &str) -> Option<LangItem> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(l, _)| *l)
    }

    /// Whether the item is a function (the others are types).
    pub fn is_fn(self) -> bool {
        matches!(self, LangItem::TaskErrorToString)
    }
}

/// The lang items found in std; `None` only when std is broken (the checker then reports
/// types it cannot build as errors).
#[derive(Clone, Debug, Default)]
pub struct LangItems {
    pub option: Option<AdtId>,
    pub result: Option<AdtId>,
    pub error: Option<AdtId>,
    pub promise: Option<AdtId>,
    pub task_error: Option<AdtId>,
    pub task_error_to_string: Option<FnId>,
    pub atomic: Option<AdtId>,
    pub task_handle: Option<AdtId>,
    pub generator: Option<AdtId>,
}

impl LangItems {
    /// Records type lang item `item` as ADT `id`.
    pub fn set_adt(&mut self, item: LangItem, id: AdtId) {
        let slot = match item {
            LangItem::Option => &mut self.option,
            LangItem::Result => &mut self.result,
            LangItem::Error => &mut self.error,
            LangItem::Promise => &mut self.promise,
            LangItem::TaskError => &mut self.task_error,
            LangItem::Atomic => &mut self.atomic,
            LangItem::TaskHandle => &mut self.task_handle,
            LangItem::Generator => &mut self.generator,
            LangItem::TaskErrorToString => return,
        };
        *slot = Some(id);
    }

    /// Records function lang item `item` as function `id`.
    pub fn set_fn(&mut self, item: LangItem, id: FnId) {
        if item == LangItem::TaskErrorToString {
            self.task_error_to_string = Some(id);
        }
    }

    fn adt_of(id: Option<AdtId>, args: Vec<Ty>) -> Ty {
        match id {
            Some(id) => Ty::Adt(id, args),
            None => Ty::Error,
        }
    }

    /// `Option<t>`, or `Error` if the prelude is broken.
    pub fn option_of(&self, t: Ty) -> Ty {
        Self::adt_of(self.option, vec![t])
    }

    /// `Result<t, e>`.
    pub fn result_of(&self, t: Ty, e: Ty) -> Ty {
        Self::adt_of(self.result, vec![t, e])
    }

    /// The `Error` type.
    pub fn error_ty(&self) -> Ty {
        Self::adt_of(self.error, vec![])
    }

    /// `Promise<t>`.
    pub fn promise_of(&self, t: Ty) -> Ty {
        Self::adt_of(self.promise, vec![t])
    }

    /// `TaskHandle<t>`.
    pub fn task_handle_of(&self, t: Ty) -> Ty {
        Self::adt_of(self.task_handle, vec![t])
    }

    /// `Generator<t>`.
    pub fn generator_of(&self, t: Ty) -> Ty {
        Self::adt_of(self.generator, vec![t])
    }

    /// The element type if `t` is `Generator<T>`.
    pub fn as_generator<'a>(&self, t: &'a Ty) -> Option<&'a Ty> {
        match t {
            Ty::Adt(id, args) if Some(*id) == self.generator => args.first(),
            _ => None,
        }
    }

    /// The `TaskError` type.
    pub fn task_error_ty(&self) -> Ty {
        Self::adt_of(self.task_error, vec![])
    }

    /// The payload type if `t` is `Option<T>`.
    pub fn as_option<'a>(&self, t: &'a Ty) -> Option<&'a Ty> {
        match t {
            Ty::Adt(id, args) if Some(*id) == self.option => args.first(),
            _ => None,
        }
    }

    /// The value type if `t` is `Promise<T>`.
    pub fn as_promise<'a>(&self, t: &'a Ty) -> Option<&'a Ty> {
        match t {
            Ty::Adt(id, args) if Some(*id) == self.promise => args.first(),
            _ => None,
        }
    }

    /// `(T, E)` if `t` is `Result<T, E>`.
    pub fn as_result<'a>(&self, t: &'a Ty) -> Option<(&'a Ty, &'a Ty)> {
        match t {
            Ty::Adt(id, args) if Some(*id) == self.result && args.len() == 2 => {
                Some((&args[0], &args[1]))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (item, name) in LangItem::ALL {
            assert_eq!(LangItem::from_name(name), Some(*item));
        }
        assert_eq!(LangItem::from_name("optoin"), None);
    }
}
