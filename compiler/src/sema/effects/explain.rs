//! What `weft check --print-effects` and `--explain-par` print.

use super::set::ShowSet;
use crate::sema::defs::CheckedProgram;
use crate::source::{SourceMap, Span};

/// `file:line: name: with <effects>` for every function of the program's own modules
/// (each generic instance on its own line), in source order; `(declared)` marks the sets
/// that come from a `with` clause.
pub fn signatures(program: &CheckedProgram, map: &SourceMap) -> String {
    let table = &program.effects;
    let mut lines: Vec<(Span, String)> = Vec::new();
    for (i, inst) in program.instances.iter().enumerate() {
        let def = program.defs.func(inst.fn_id);
        if program.defs.module(def.module).is_std || inst.body.is_none() {
            continue;
        }
        let Some(set) = table.of_instance.get(i) else {
            continue;
        };
        let declared = if def.effects.is_some() {
            " (declared)"
        } else {
            ""
        };
        lines.push((
            def.span,
            format!(
                "{}: {}: with {}{declared}",
                location(map, def.span),
                inst.name,
                ShowSet(set, &table.resources)
            ),
        ));
    }
    lines.sort_by_key(|(span, _)| (span.file.0, span.start));
    lines.into_iter().map(|(_, l)| l + "\n").collect()
}

/// Each group of `let` statements that runs as an implicit `par`, and each near miss with
/// its reason.
pub fn par_groups(program: &CheckedProgram, map: &SourceMap) -> String {
    let table = &program.effects;
    let mut lines: Vec<(Span, String)> = Vec::new();
    for g in &table.autopar {
        let calls: Vec<String> = g
            .calls
            .iter()
            .map(|(span, name)| format!("{name} (line {})", line(map, *span)))
            .collect();
        let first = g.calls[0].0;
        lines.push((
            first,
            format!(
                "{}: parallel: {}; none uses another's result, their resource effects do not conflict, {} of them suspend or do io",
                location(map, first),
                calls.join(", "),
                g.waiting
            ),
        ));
    }
    for m in &table.near_misses {
        lines.push((
            m.span,
            format!(
                "{}: not parallel: {}: {}",
                location(map, m.span),
                m.callee,
                m.reason
            ),
        ));
    }
    lines.sort_by_key(|(span, _)| (span.file.0, span.start));
    lines.dedup();
    lines.into_iter().map(|(_, l)| l + "\n").collect()
}

fn line(map: &SourceMap, span: Span) -> usize {
    map.get(span.file).line_col(span.start).0
}

fn location(map: &SourceMap, span: Span) -> String {
    let f = map.get(span.file);
    let (l, c) = f.line_col(span.start);
    format!("{}:{l}:{c}", f.name)
}
