//! What the tokens alone cannot tell the layout, read from the parsed tree:
//! - which `<` and `>` bracket generic lists (`Vec<i64>`, `fn f<T>`, `Channel<i64>.new`)
//!   rather than compare (`a < b` may start `a<b>(x)`): each generic list is bracketed by
//!   the `<` right before its first element and the first `>` at or after the end of its
//!   last element (a type's span includes its own closing `>`);
//! - which `?` and `??` make option types (`i64??`) rather than propagate or default
//!   (`a ?? b`): the first token at or after the end of an option type's inner type.

use crate::source::Span;
use crate::syntax::ast::{GenericParam, Module, Type, TypeKind};
use crate::syntax::token::{Punct, Token};
use crate::syntax::visit::{self, Visit};
use std::collections::HashSet;

/// Start offsets of tokens with a role the token kind does not show.
#[derive(Default)]
pub struct Marks {
    /// The `<` and `>` of generic lists.
    pub generic: HashSet<u32>,
    /// The `?` and `??` of option types.
    pub type_postfix: HashSet<u32>,
}

/// The marks of `module`, whose tokens (newline `;`s included) are `tokens`.
pub fn marks(module: &Module, tokens: &[(Token, Span)]) -> Marks {
    let mut c = Collect {
        lists: Vec::new(),
        option_ends: Vec::new(),
        marks: Marks::default(),
    };
    visit::walk_module(&mut c, module);
    let real: Vec<&(Token, Span)> = tokens
        .iter()
        .filter(|(t, s)| !(*t == Token::Punct(Punct::Semi) && s.is_empty()))
        .collect();
    for &(start, end) in &c.lists {
        let before = real.partition_point(|(_, s)| s.end <= start);
        if let Some((Token::Punct(Punct::Lt), s)) = before.checked_sub(1).map(|i| real[i]) {
            c.marks.generic.insert(s.start);
        }
        let after = real.partition_point(|(_, s)| s.start < end);
        if let Some((Token::Punct(Punct::Gt), s)) = real.get(after) {
            c.marks.generic.insert(s.start);
        }
    }
    for &end in &c.option_ends {
        let after = real.partition_point(|(_, s)| s.start < end);
        if let Some((Token::Punct(Punct::Question | Punct::QuestionQuestion), s)) = real.get(after)
        {
            c.marks.type_postfix.insert(s.start);
        }
    }
    c.marks
}

struct Collect {
    /// Byte ranges `(first element start, last element end)` of the generic lists.
    lists: Vec<(u32, u32)>,
    /// The end offsets of the inner types of option types.
    option_ends: Vec<u32>,
    marks: Marks,
}

impl Visit for Collect {
    fn generics(&mut self, g: &[GenericParam]) {
        if let (Some(first), Some(last)) = (g.first(), g.last()) {
            let end = last
                .default
                .as_ref()
                .map_or(last.name.span.end, |t| t.span.end);
            self.lists.push((first.name.span.start, end));
        }
        visit::walk_generics(self, g);
    }

    fn type_args(&mut self, args: &[Type]) {
        if let (Some(first), Some(last)) = (args.first(), args.last()) {
            self.lists.push((first.span.start, last.span.end));
        }
        for t in args {
            self.ty(t);
        }
    }

    fn ty(&mut self, t: &Type) {
        if let TypeKind::Option(inner) = &t.kind {
            self.option_ends.push(inner.span.end);
        }
        visit::walk_ty(self, t);
    }
}
