//! The `weft` command: argument parsing, running the pipeline, printing diagnostics, exit
//! codes (0 success, 1 errors in the program, 2 usage or internal failure).

pub mod build;
pub mod cli;
pub mod dump;
pub mod files;
pub mod format;

use crate::diagnostics::{render_all, Diagnostics, MessageFormat};
use crate::source::{FileId, SourceMap};
use crate::{sema, syntax};
use clap::Parser;
use cli::{CheckArgs, Cli, Command, DenyArg, DiagArgs, EmitKind, MessageFormatArg};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Exit code for a program with errors.
pub const EXIT_ERRORS: i32 = 1;
/// Exit code for usage errors and internal failures.
pub const EXIT_USAGE: i32 = 2;

/// Stack of the thread that runs the compiler: the stages recurse over the syntax tree, and
/// the parser admits nesting up to [`crate::syntax::depth::MAX_DEPTH`] levels, which takes
/// far more than a main thread's 8 MiB. Only reserved: pages are committed as they are used.
pub const COMPILER_STACK: usize = 1 << 30;

/// Runs `f` on a thread with a [`COMPILER_STACK`] stack and returns its result; a panic in
/// `f` is resumed in the caller.
pub fn with_big_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .name("weft".into())
            .stack_size(COMPILER_STACK)
            .spawn_scoped(s, f)
            .expect("cannot start the compiler thread");
        worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Runs the command line on a thread with a big stack ([`with_big_stack`]); returns the
/// process exit code.
pub fn main() -> i32 {
    with_big_stack(run_cli)
}

fn run_cli() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { 0 };
        }
    };
    match cli.command {
        Command::Check(a) => check(&a),
        Command::Emit(a) => emit(&a),
        Command::Build(a) => build_cmd(&a),
        Command::Run(a) => run_cmd(&a),
        Command::Fmt(a) => format::run(&a),
        Command::Test(a) => crate::testrun::run(&a),
        Command::Lsp => crate::lsp::run(),
    }
}

/// A reporter that prints diagnostics in the requested format.
fn reporter(args: &DiagArgs) -> impl FnMut(&SourceMap, Diagnostics) -> bool + '_ {
    move |map, diags| report(map, diags, args)
}

fn target_of(name: Option<&str>) -> Result<crate::codegen::target::TargetSpec, i32> {
    match name {
        None => Ok(crate::codegen::target::TargetSpec::host()),
        Some(n) => crate::codegen::target::TargetSpec::named(n).ok_or_else(|| {
            eprintln!("error: unknown target `{n}`; the targets are x86_64-linux-gnu and aarch64-linux-gnu");
            EXIT_USAGE
        }),
    }
}

/// The build of `file` into `output` that the code generation options `cg` ask for (the
/// usage exit code for an unknown target).
fn codegen_request<'a>(
    file: &'a Path,
    output: std::path::PathBuf,
    cg: &cli::CodegenArgs,
) -> Result<build::BuildRequest<'a>, i32> {
    Ok(build::BuildRequest {
        file,
        output,
        opt: cg.opt,
        debug: cg.debug,
        target: target_of(cg.target.as_deref())?,
        static_link: false,
        auto_par: true,
    })
}

fn build_cmd(a: &cli::BuildArgs) -> i32 {
    let output = a
        .output
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from(a.file.file_stem().unwrap_or_default()));
    let req = match codegen_request(&a.file, output, &a.codegen) {
        Ok(req) => build::BuildRequest {
            static_link: a.static_link,
            auto_par: !a.no_auto_par,
            ..req
        },
        Err(c) => return c,
    };
    match build::build(&req, &mut reporter(&a.diag)) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

fn run_cmd(a: &cli::RunArgs) -> i32 {
    let dir = match build::scratch_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let exe = dir.join(a.file.file_stem().unwrap_or_default());
    let req = build::BuildRequest {
        file: &a.file,
        output: exe.clone(),
        opt: a.opt,
        debug: false,
        target: crate::codegen::target::TargetSpec::host(),
        static_link: false,
        auto_par: !a.no_auto_par,
    };
    if let Err(code) = build::build(&req, &mut reporter(&a.diag)) {
        let _ = std::fs::remove_dir_all(&dir);
        return code;
    }
    let status = std::process::Command::new(&exe).args(&a.args).status();
    let _ = std::fs::remove_dir_all(&dir);
    match status {
        Ok(s) => exit_code_of(s),
        Err(e) => {
            eprintln!("error: cannot run the program: {e}");
            EXIT_USAGE
        }
    }
}

/// The exit code a shell reports for a child's status (128 + signal when killed).
fn exit_code_of(s: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
}

/// A loaded root file, or the exit code after reporting why it could not be read: a file
/// that is not UTF-8 is a program error (E0001 at its first invalid byte, through `report`,
/// exit 1); a file that cannot be read at all is a usage error (exit 2).
pub(crate) fn load_root(
    map: &mut SourceMap,
    path: &Path,
    report: &mut dyn FnMut(&SourceMap, Diagnostics) -> bool,
) -> Result<FileId, i32> {
    match map.load(path.to_string_lossy(), path) {
        Ok((file, None)) => Ok(file),
        Ok((_, Some(bad))) => {
            let mut diags = Diagnostics::new();
            diags.push(syntax::lexer::invalid_utf8(bad));
            report(map, diags);
            Err(EXIT_ERRORS)
        }
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            Err(EXIT_USAGE)
        }
    }
}

/// Prints diagnostics to stderr and returns whether there were errors.
pub(crate) fn report(map: &SourceMap, mut diags: Diagnostics, args: &DiagArgs) -> bool {
    if args.deny.contains(&DenyArg::Warnings) {
        diags.deny_warnings();
    }
    diags.sort_and_dedup();
    let format = match args.message_format {
        MessageFormatArg::Human => MessageFormat::Human,
        MessageFormatArg::Short => MessageFormat::Short,
        MessageFormatArg::Json => MessageFormat::Json,
    };
    let color = std::io::stderr().is_terminal();
    let text = render_all(map, &diags, format, color);
    let _ = std::io::stderr().write_all(text.as_bytes());
    diags.has_errors()
}

/// Runs the front end on source text (used by tests and tools): returns the source map
/// and the diagnostics. Runs on a thread with a big stack, as the `weft` command does.
pub fn check_text(name: &str, text: String) -> (SourceMap, Diagnostics) {
    with_big_stack(|| {
        let mut map = SourceMap::new();
        let root = map.add(name, None, text);
        let mut diags = Diagnostics::new();
        let _program = sema::analyze(&mut map, root, &mut diags);
        (map, diags)
    })
}

/// `weft check`: the whole front end, no code generation.
fn check(a: &CheckArgs) -> i32 {
    let args = &a.diag;
    let mut map = SourceMap::new();
    let root = match load_root(&mut map, &a.file, &mut reporter(args)) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut diags = Diagnostics::new();
    let opts = sema::effects::Options {
        auto_par: !a.no_auto_par,
    };
    let program = sema::analyze_with(&mut map, root, &mut diags, opts);
    let failed = report(&map, diags, args);
    let mut out = String::new();
    if a.print_effects && !failed {
        out.push_str(&sema::effects::explain::signatures(&program, &map));
    }
    if a.explain_par && !failed {
        out.push_str(&sema::effects::explain::par_groups(&program, &map));
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    if failed {
        EXIT_ERRORS
    } else {
        0
    }
}

/// `weft emit`: prints (or with `-o` writes) the tokens, the syntax tree, the HIR, the
/// LLVM IR, the assembly or the object code of a program.
fn emit(a: &cli::EmitArgs) -> i32 {
    let args = &a.diag;
    let path = a.file.as_path();
    let mut map = SourceMap::new();
    let root = match load_root(&mut map, path, &mut reporter(args)) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut diags = Diagnostics::new();
    let text = map.get(root).text.clone();
    let mut out = String::new();
    match a.emit {
        EmitKind::Tokens => {
            for (tok, span) in syntax::lexer::lex(root, &text, &mut diags) {
                let (line, col) = map.get(root).line_col(span.start);
                let shown = if span.is_empty()
                    && tok == syntax::token::Token::Punct(syntax::token::Punct::Semi)
                {
                    "; (inserted)".to_string()
                } else {
                    format!("{tok}")
                };
                out.push_str(&format!("{line}:{col}\t{shown}\n"));
            }
        }
        EmitKind::Ast => {
            let module = syntax::parser::parse_file(root, &text, &mut diags);
            out = dump::pretty(&module);
            out.push('\n');
        }
        other => {
            let stage = match other {
                EmitKind::Hir => build::Stage::Hir,
                EmitKind::Llvm => build::Stage::Llvm,
                EmitKind::Asm => build::Stage::Asm,
                _ => build::Stage::Obj,
            };
            let req = match codegen_request(path, std::path::PathBuf::new(), &a.codegen) {
                Ok(req) => req,
                Err(c) => return c,
            };
            return match build::emit(&req, stage, &mut reporter(args)) {
                Ok(bytes) => write_output(a.output.as_deref(), &bytes),
                Err(code) => code,
            };
        }
    }
    let code = write_output(a.output.as_deref(), out.as_bytes());
    if report(&map, diags, args) {
        EXIT_ERRORS
    } else {
        code
    }
}

/// Writes what `weft emit` produced to `path`, or to standard output.
fn write_output(path: Option<&Path>, bytes: &[u8]) -> i32 {
    let written = match path {
        Some(p) => {
            std::fs::write(p, bytes).map_err(|e| format!("cannot write `{}`: {e}", p.display()))
        }
        None => std::io::stdout()
            .write_all(bytes)
            .map_err(|e| format!("cannot write the output: {e}")),
    };
    match written {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
    }
}
