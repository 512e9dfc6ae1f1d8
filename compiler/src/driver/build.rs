//! `weft build` / `weft run` / `weft emit`: the whole pipeline to an executable.
//!
//! source → sema → HIR → LLVM module → optimized object → linked with `libweft_rt.a`
//! by the target's C compiler driver (found with the `cc` crate).

use crate::codegen::{self, target::TargetSpec};
use crate::diagnostics::Diagnostics;
use crate::source::SourceMap;
use crate::{hir, sema};
use inkwell::context::Context;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What to build.
pub struct BuildRequest<'a> {
    pub file: &'a Path,
    pub output: PathBuf,
    pub opt: u8,
    pub debug: bool,
    pub target: TargetSpec,
    pub static_link: bool,
    /// Automatic parallelization (off with `--no-auto-par`).
    pub auto_par: bool,
}

/// Where a failed build stopped: the exit code the command returns.
pub type ExitCode = i32;

/// What `weft emit` prints for the later stages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Hir,
    Llvm,
    Asm,
    Obj,
}

/// Runs the front end; on errors prints them and returns the exit code.
fn front_end(
    map: &mut SourceMap,
    req: &BuildRequest,
    report: &mut dyn FnMut(&SourceMap, Diagnostics) -> bool,
) -> Result<sema::defs::CheckedProgram, ExitCode> {
    let file = req.file;
    let root = super::load_root(map, file, report)?;
    let mut diags = Diagnostics::new();
    let opts = sema::effects::Options {
        auto_par: req.auto_par,
    };
    let program = sema::analyze_with(map, root, &mut diags, opts);
    if report(map, diags) {
        return Err(super::EXIT_ERRORS);
    }
    if program.main.is_none() {
        eprintln!(
            "error: `{}` has no `main` function and no top-level statements to run",
            file.display()
        );
        return Err(super::EXIT_ERRORS);
    }
    Ok(program)
}

/// Generates the optimized LLVM module and hands it to `use_module`.
fn with_module<R>(
    map: &SourceMap,
    program: &sema::defs::CheckedProgram,
    req: &BuildRequest,
    report: &mut dyn FnMut(&SourceMap, Diagnostics) -> bool,
    use_module: impl FnOnce(
        &inkwell::module::Module,
        &inkwell::targets::TargetMachine,
    ) -> Result<R, String>,
) -> Result<R, ExitCode> {
    let hir = lower(program, map, req.opt);
    let ctx = Context::create();
    let tm = codegen::target::machine(&req.target, req.opt).map_err(internal)?;
    let triple = tm.get_triple();
    let opts = codegen::Options {
        debug: req.debug,
        stack_checks: true,
    };
    let module = match codegen::generate(&ctx, &hir, tm.get_target_data(), &triple, &opts) {
        Ok(m) => m,
        Err(errors) => {
            let mut d = Diagnostics::new();
            d.extend(errors);
            report(map, d);
            return Err(super::EXIT_ERRORS);
        }
    };
    codegen::target::optimize(&module, &tm, req.opt).map_err(internal)?;
    use_module(&module, &tm).map_err(internal)
}

/// Lowers to HIR and, when optimizing, applies the HIR-level optimizations
/// ([`hir::accumulate`]).
fn lower(program: &sema::defs::CheckedProgram, map: &SourceMap, opt: u8) -> hir::Program {
    let mut hir = hir::lower(program, map);
    if opt > 0 {
        hir::accumulate::run(&mut hir);
    }
    hir
}

fn internal(msg: String) -> ExitCode {
    eprintln!("error: {msg}");
    super::EXIT_USAGE
}

/// Compiles and links an executable.
pub fn build(
    req: &BuildRequest,
    report: &mut dyn FnMut(&SourceMap, Diagnostics) -> bool,
) -> Result<(), ExitCode> {
    let mut map = SourceMap::new();
    let program = front_end(&mut map, req, report)?;
    let object = with_module(&map, &program, req, report, |m, tm| {
        codegen::target::emit(m, tm, false)
    })?;
    let runtime = find_runtime(&req.target).map_err(internal)?;
    link(req, &object, &runtime).map_err(internal)
}

/// Prints an intermediate form.
pub fn emit(
    req: &BuildRequest,
    stage: Stage,
    report: &mut dyn FnMut(&SourceMap, Diagnostics) -> bool,
) -> Result<Vec<u8>, ExitCode> {
    let mut map = SourceMap::new();
    let program = front_end(&mut map, req, report)?;
    if stage == Stage::Hir {
        let hir = lower(&program, &map, req.opt);
        let mut out = String::new();
        for f in &hir.funcs {
            let body = super::dump::pretty(&f.body);
            out.push_str(&format!("fn {} ({}):\n{body}\n\n", f.name, f.symbol));
        }
        return Ok(out.into_bytes());
    }
    with_module(&map, &program, req, report, |m, tm| match stage {
        Stage::Llvm => Ok(m.print_to_string().to_string().into_bytes()),
        Stage::Asm => codegen::target::emit(m, tm, true),
        _ => codegen::target::emit(m, tm, false),
    })
}

/// The runtime library for a target: `WEFT_RUNTIME_DIR`, then next to the `weft`
/// executable (`../lib/weft/<target>/`, or cargo's target directory in development).
pub fn find_runtime(target: &TargetSpec) -> Result<PathBuf, String> {
    const LIB: &str = "libweft_rt.a";
    let mut candidates = Vec::new();
    if let Ok(dir) = std::env::var("WEFT_RUNTIME_DIR") {
        candidates.push(PathBuf::from(dir).join(LIB));
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        candidates.push(exe_dir.join("../lib/weft").join(&target.name).join(LIB));
        if target.is_host() {
            candidates.push(exe_dir.join(LIB));
            // `cargo test` runs the compiler from target/<profile>/deps.
            candidates.push(exe_dir.join("..").join(LIB));
            for profile in ["release", "debug"] {
                candidates.push(exe_dir.join("..").join(profile).join(LIB));
            }
        }
        // Cargo's target directory (`target/<triple>/<profile>`), and `target/cross`, where
        // `cargo xtask test` builds the aarch64 runtime with Debian's rustc.
        for profile in ["release", "debug"] {
            for up in ["..", "../.."] {
                for dir in [PathBuf::new(), PathBuf::from("cross")] {
                    candidates.push(
                        exe_dir
                            .join(up)
                            .join(&dir)
                            .join(&target.rust_triple)
                            .join(profile)
                            .join(LIB),
                    );
                }
            }
        }
    }
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "cannot find the Weft runtime library ({LIB}) for {}; build it with `cargo build -p weft_rt{}` or set WEFT_RUNTIME_DIR",
                target.name,
                if target.is_host() { String::new() } else { format!(" --target {}", target.rust_triple) }
            )
        })
}

/// Links the object with the runtime into `req.output`.
fn link(req: &BuildRequest, object: &[u8], runtime: &Path) -> Result<(), String> {
    let dir = scratch_dir()?;
    let obj = dir.join("program.o");
    std::fs::write(&obj, object).map_err(|e| format!("cannot write {}: {e}", obj.display()))?;
    let compiler = c_compiler(&req.target)?;
    let mut cmd = Command::new(&compiler);
    cmd.arg(&obj).arg(runtime).arg("-o").arg(&req.output);
    if req.static_link {
        cmd.arg("-static");
    }
    // What Rust's std needs from the system (`rustc --print native-static-libs`).
    cmd.args(["-lpthread", "-ldl", "-lm", "-lrt", "-lutil"]);
    if !req.static_link {
        cmd.arg("-lgcc_s");
    }
    cmd.arg("-lc");
    let out = cmd.output().map_err(|e| {
        format!(
            "cannot run the linker `{}`: {e}; install a C compiler (gcc or clang)",
            compiler.display()
        )
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() {
        return Err(format!(
            "linking failed ({}):\n{}",
            compiler.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// The C compiler driver for a target, as the `cc` crate finds it (CC, CC_<target>, or
/// the conventional names).
fn c_compiler(target: &TargetSpec) -> Result<PathBuf, String> {
    let host = TargetSpec::host();
    let tool = cc::Build::new()
        .target(&target.rust_triple)
        .host(&host.rust_triple)
        .opt_level(0)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .try_get_compiler()
        .map_err(|e| format!("cannot find a C compiler for {}: {e}", target.name))?;
    Ok(tool.path().to_path_buf())
}

/// A fresh private directory for intermediate files.
pub fn scratch_dir() -> Result<PathBuf, String> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "weft-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}
