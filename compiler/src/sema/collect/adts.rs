//! ADT bodies: generic parameters, struct fields and enum variants lowered to semantic
//! types, the variants usable by bare name, and types that contain themselves by value.

use super::*;

impl Collector<'_> {
    pub(super) fn lower_adts(&mut self) {
        for i in 0..self.adt_items.len() {
            let (m, idx) = self.adt_items[i];
            let item = self.module_ast(m).items[idx as usize].clone();
            let generics_ast = match &item.kind {
                ItemKind::Struct(s) => &s.generics,
                ItemKind::Enum(e) => &e.generics,
                _ => continue,
            };
            let generics = self.lower_generics(m, generics_ast, &[]);
            self.defs.adts[i].generics = generics;
        }
        for i in 0..self.adt_items.len() {
            let (m, idx) = self.adt_items[i];
            let item = self.module_ast(m).items[idx as usize].clone();
            let generics = self.defs.adts[i].generics.clone();
            let cx = TypeCx {
                defs: &self.defs,
                module: m,
                generics: &generics,
            };
            let mut attrs = adt_attrs(&item, &generics);
            let kind = match &item.kind {
                ItemKind::Struct(s) => {
                    attrs.par = s.is_par;
                    match handle_kind(&item, self.diags) {
                        Some(h) => AdtKind::Handle(h),
                        None => AdtKind::Struct(lower_fields(&cx, &s.fields, self.diags)),
                    }
                }
                ItemKind::Enum(e) => AdtKind::Enum(lower_variants(&cx, &e.variants, self.diags)),
                _ => continue,
            };
            self.defs.adts[i].kind = kind;
            self.defs.adts[i].attrs = attrs;
        }
    }

    /// Lowers generic parameter declarations; `outer` are parameters already in scope
    /// (an impl's, for its methods).
    pub(super) fn lower_generics(
        &mut self,
        m: ModuleId,
        params: &[ast::GenericParam],
        outer: &[GenericDef],
    ) -> Vec<GenericDef> {
        let mut out: Vec<GenericDef> = outer.to_vec();
        for p in params {
            if let Some(prev) = out.iter().find(|g| g.name == p.name.name) {
                self.diags.push(
                    Diagnostic::error(
                        diag::E0105,
                        p.name.span,
                        format!("generic parameter `{}` is declared twice", p.name.name),
                    )
                    .with_label(prev.span, "first declared here"),
                );
            }
            let default = p.default.as_ref().map(|t| {
                let cx = TypeCx {
                    defs: &self.defs,
                    module: m,
                    generics: &out,
                };
                cx.lower(t, self.diags)
            });
            out.push(GenericDef {
                name: p.name.name.clone(),
                default,
                span: p.name.span,
            });
        }
        out.split_off(outer.len())
    }

    /// Variants of every enum visible in `m` (own, imported, prelude), by bare name.
    pub(super) fn compute_bare_variants(&mut self, m: ModuleId) {
        let mut enums: Vec<AdtId> = self
            .defs
            .module(m)
            .types
            .values()
            .filter_map(|t| match t {
                TypeDef::Adt(id) => Some(*id),
                _ => None,
            })
            .collect();
        for pm in 0..self.defs.prelude_count {
            let module = &self.defs.modules[pm];
            for (name, t) in &module.types {
                if let (TypeDef::Adt(id), Some(true)) = (t, module.exports.get(name)) {
                    enums.push(*id);
                }
            }
        }
        enums.sort();
        enums.dedup();
        let mut map: HashMap<String, Vec<(AdtId, u32)>> = HashMap::new();
        for id in enums {
            for (i, v) in self.defs.adt(id).variants().iter().enumerate() {
                map.entry(v.name.clone()).or_default().push((id, i as u32));
            }
        }
        self.defs.modules[m.0 as usize].bare_variants = map;
    }

    /// Reports structs and enums that contain themselves by value (E0114).
    pub(super) fn check_recursive_types(&mut self) {
        for i in 0..self.defs.adts.len() {
            let id = AdtId(i as u32);
            let mut path = Vec::new();
            if self.contains_by_value(id, id, &mut path, 0) {
                let adt = self.defs.adt(id);
                self.diags.push(
                    Diagnostic::error(
                        diag::E0114,
                        adt.span,
                        format!("recursive type `{}` has infinite size", adt.name),
                    )
                    .with_help("put the recursive part in a `Box`, a `Vec` or a `HashMap`: `next: Box<Node>?`"),
                );
            }
        }
    }

    pub(super) fn contains_by_value(
        &self,
        target: AdtId,
        cur: AdtId,
        seen: &mut Vec<AdtId>,
        depth: u32,
    ) -> bool {
        if depth > 64 || seen.contains(&cur) {
            return false;
        }
        seen.push(cur);
        let adt = self.defs.adt(cur);
        let tys: Vec<&Ty> = match &adt.kind {
            AdtKind::Struct(fs) => fs.iter().map(|f| &f.ty).collect(),
            AdtKind::Enum(vs) => vs.iter().flat_map(|v| v.fields.iter()).collect(),
            AdtKind::Handle(_) => Vec::new(),
        };
        let mut found = false;
        for t in tys {
            inline_adts(t, &mut |a| {
                if a == target || self.contains_by_value(target, a, seen, depth + 1) {
                    found = true;
                }
            });
        }
        seen.pop();
        found
    }
}

/// Calls `f` for every ADT stored inline in a value of type `t` (not behind Box/Vec/Map).
pub(super) fn inline_adts(t: &Ty, f: &mut dyn FnMut(AdtId)) {
    match t {
        Ty::Adt(id, args) => {
            f(*id);
            args.iter().for_each(|a| inline_adts(a, f));
        }
        Ty::Tuple(ts) => ts.iter().for_each(|a| inline_adts(a, f)),
        Ty::Array(e, _) => inline_adts(e, f),
        _ => {}
    }
}

/// Lowers a struct's field declarations, reporting duplicates.
pub(super) fn lower_fields(
    cx: &TypeCx,
    fields: &[ast::FieldDecl],
    diags: &mut Diagnostics,
) -> Vec<FieldDef> {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let mut out = Vec::new();
    for f in fields {
        if let Some(prev) = seen.insert(&f.name.name, f.name.span) {
            diags.push(
                Diagnostic::error(
                    diag::E0105,
                    f.name.span,
                    format!("field `{}` is declared twice", f.name.name),
                )
                .with_label(prev, "first declared here"),
            );
            continue;
        }
        out.push(FieldDef {
            name: f.name.name.clone(),
            ty: cx.lower(&f.ty, diags),
            span: f.name.span,
        });
    }
    out
}

/// Lowers an enum's variant declarations, reporting duplicates.
pub(super) fn lower_variants(
    cx: &TypeCx,
    variants: &[ast::VariantDecl],
    diags: &mut Diagnostics,
) -> Vec<VariantDef> {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let mut out = Vec::new();
    for v in variants {
        if let Some(prev) = seen.insert(&v.name.name, v.name.span) {
            diags.push(
                Diagnostic::error(
                    diag::E0105,
                    v.name.span,
                    format!("variant `{}` is declared twice", v.name.name),
                )
                .with_label(prev, "first declared here"),
            );
            continue;
        }
        out.push(VariantDef {
            name: v.name.name.clone(),
            fields: v.fields.iter().map(|t| cx.lower(t, diags)).collect(),
            span: v.name.span,
        });
    }
    out
}
