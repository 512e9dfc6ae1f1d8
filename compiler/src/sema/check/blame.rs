//! Where a generic mismatch is blamed. The type arguments of a generic call are fixed by
//! whatever comes first: a type annotation the call's result must match (`let x: string =
//! pick(1, 2)`), the receiver (`names.push(42)` on a `Vec<string>`), or the arguments. When
//! an annotation fixed a type argument and the arguments disagree with it, the one error
//! is at the annotation ("this annotation expects `string`, but the arguments of `pick`
//! make it return `{integer}`"), not one per argument; when the receiver's type comes from
//! an annotation, the argument's mismatch points at that annotation too.

use super::fncx::FnCx;
use crate::common::ty::Ty;
use crate::diagnostics::{self as diag, Diagnostic};
use crate::sema::defs::FnDef;
use crate::sema::tast::{TArg, TExprKind};
use crate::source::Span;
use crate::syntax::ast;

/// What a call remembers to blame its argument mismatches.
pub struct Blame {
    /// [`FnCx::annotation`] as it was before the call (restored after its arguments).
    saved: Option<(Ty, Span)>,
    /// The annotation the call's expected type comes from, and that type.
    origin: Option<(Span, Ty)>,
    /// Type arguments still unknown before the expected type was unified with the result.
    open: Vec<usize>,
    /// Those the expected type fixed.
    fixed: Vec<usize>,
    /// The receiver, when it is a local declared with a type annotation: its name and
    /// the annotation.
    receiver: Option<(String, Span)>,
}

impl FnCx<'_, '_> {
    /// Starts blaming a call with type arguments `type_args` whose result is expected to
    /// be `expected`; call before the expected type is unified with the result.
    pub(super) fn blame_begin(
        &mut self,
        type_args: &[Ty],
        expected: Option<&Ty>,
        receiver: Option<&TArg>,
    ) -> Blame {
        let saved = self.annotation.take();
        let origin = saved
            .as_ref()
            .filter(|(t, _)| Some(t) == expected)
            .map(|(t, s)| (*s, t.clone()));
        let open = (0..type_args.len())
            .filter(|&k| matches!(self.resolve(&type_args[k]), Ty::Infer(_)))
            .collect();
        let receiver = receiver.and_then(|r| match r.expr.kind {
            TExprKind::Local(id) => self
                .local_annotations
                .get(&id)
                .map(|s| (self.local(id).name.clone(), *s)),
            _ => None,
        });
        Blame {
            saved,
            origin,
            open,
            fixed: Vec::new(),
            receiver,
        }
    }

    /// Notes which type arguments the expected type fixed (call right after unifying it
    /// with the result).
    pub(super) fn blame_expected(&mut self, b: &mut Blame, type_args: &[Ty]) {
        if b.origin.is_some() {
            b.fixed = b
                .open
                .iter()
                .copied()
                .filter(|&k| !matches!(self.resolve(&type_args[k]), Ty::Infer(_)))
                .collect();
        }
    }

    /// Revises the diagnostics reported since `mark` while the arguments `args` of a call
    /// of `def` were checked (into `checked`).
    pub(super) fn blame_end(
        &mut self,
        b: Blame,
        mark: usize,
        def: &FnDef,
        args: &[ast::Expr],
        checked: &[TArg],
    ) {
        self.annotation = b.saved;
        if b.fixed.is_empty() && b.receiver.is_none() {
            return;
        }
        let mentions = |t: &Ty, ks: &mut dyn Iterator<Item = usize>| {
            let ks: Vec<usize> = ks.collect();
            let mut hit = false;
            t.walk(&mut |x| hit |= matches!(x, Ty::Param(k, _) if ks.contains(&(*k as usize))));
            hit
        };
        let mut blamed: Option<(usize, Diagnostic)> = None;
        let mut kept = Vec::new();
        for mut d in self.g.diags.split_off(mark) {
            let arg = args
                .iter()
                .position(|a| a.span.start <= d.primary.start && d.primary.end <= a.span.end);
            let param = arg.and_then(|i| def.params.get(i).map(|p| (i, &p.ty)));
            if d.code == diag::E0200 {
                if let Some((i, ty)) = param {
                    if mentions(ty, &mut b.fixed.iter().copied()) {
                        blamed.get_or_insert((i, d));
                        continue;
                    }
                    if let Some((name, at)) = &b.receiver {
                        if mentions(ty, &mut (0..def.impl_generics)) {
                            d = d.with_label(*at, format!("the type of `{name}` is fixed here"));
                        }
                    }
                }
            }
            kept.push(d);
        }
        self.g.diags.extend(kept);
        let (Some((i, first)), Some((origin, annotated))) = (blamed, b.origin) else {
            return;
        };
        let found = checked
            .get(i)
            .map(|a| self.show(&a.expr.ty))
            .unwrap_or_else(|| "?".into());
        let annotated = self.show(&annotated);
        let arg_label = first
            .primary_label
            .clone()
            .unwrap_or_else(|| format!("this argument is `{found}`"));
        let mut d = Diagnostic::error(
            diag::E0200,
            origin,
            format!(
                "mismatched types: this annotation makes `{}` return `{annotated}`, which its arguments do not fit",
                def.display
            ),
        )
        .with_primary_label(format!(
            "`{annotated}` fixes the type arguments of `{}` here",
            def.display
        ))
        .with_label(args[i].span, arg_label);
        // When the function returns its type parameter itself, the arguments' type is what
        // the annotation should say.
        let returns_param = matches!(&def.ret, Ty::Param(k, _) if b.fixed.contains(&(*k as usize)));
        let fix = match found.as_str() {
            "{integer}" => "i64".to_string(),
            "{float}" => "f64".to_string(),
            other => other.to_string(),
        };
        if returns_param && !fix.contains(['{', '?']) {
            d = d.with_suggestion(
                origin,
                fix.clone(),
                format!("annotate the type the arguments give: `{fix}`"),
            );
        } else {
            d = d.with_help("change the annotation or the arguments so that they agree");
        }
        self.push(d);
    }
}
