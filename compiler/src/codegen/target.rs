//! Targets, LLVM's optimization pipeline and object emission.

use inkwell::module::Module;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{
    CodeModel, FileType, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::OptimizationLevel;

/// A compilation target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetSpec {
    /// As written on the command line: `x86_64-linux-gnu` or `aarch64-linux-gnu`.
    pub name: String,
    /// LLVM's triple.
    pub llvm_triple: String,
    /// Rust's triple (where cargo puts the runtime library for it).
    pub rust_triple: String,
    /// The C compiler driver that links for it.
    pub linker: String,
}

impl TargetSpec {
    /// The host target.
    pub fn host() -> TargetSpec {
        if cfg!(target_arch = "aarch64") {
            TargetSpec::named("aarch64-linux-gnu").expect("known target")
        } else {
            TargetSpec::named("x86_64-linux-gnu").expect("known target")
        }
    }

    /// A target by name, or None when unsupported.
    pub fn named(name: &str) -> Option<TargetSpec> {
        let arch = match name {
            "x86_64-linux-gnu" | "x86_64-unknown-linux-gnu" => "x86_64",
            "aarch64-linux-gnu" | "aarch64-unknown-linux-gnu" => "aarch64",
            _ => return None,
        };
        let host_arch = if cfg!(target_arch = "aarch64") {
            "aarch64"
        } else {
            "x86_64"
        };
        let linker = if arch == host_arch {
            "cc".to_string()
        } else {
            format!("{arch}-linux-gnu-gcc")
        };
        Some(TargetSpec {
            name: format!("{arch}-linux-gnu"),
            llvm_triple: format!("{arch}-unknown-linux-gnu"),
            rust_triple: format!("{arch}-unknown-linux-gnu"),
            linker,
        })
    }

    pub fn is_host(&self) -> bool {
        *self == TargetSpec::host()
    }
}

/// An LLVM target machine for `spec` at optimization level `opt` (0–3). The CPU is the
/// architecture's baseline, so binaries run on any machine of that architecture.
pub fn machine(spec: &TargetSpec, opt: u8) -> Result<TargetMachine, String> {
    let config = InitializationConfig::default();
    Target::initialize_x86(&config);
    Target::initialize_aarch64(&config);
    let triple = TargetTriple::create(&spec.llvm_triple);
    let target = Target::from_triple(&triple).map_err(|e| e.to_string())?;
    let level = match opt {
        0 => OptimizationLevel::None,
        1 => OptimizationLevel::Less,
        2 => OptimizationLevel::Default,
        _ => OptimizationLevel::Aggressive,
    };
    target
        .create_target_machine(
            &triple,
            "generic",
            "",
            level,
            RelocMode::PIC,
            CodeModel::Default,
        )
        .ok_or_else(|| {
            format!(
                "LLVM cannot create a target machine for {}",
                spec.llvm_triple
            )
        })
}

/// Runs LLVM's standard pipeline (`default<O2>`, ...) over the module.
pub fn optimize(module: &Module, tm: &TargetMachine, opt: u8) -> Result<(), String> {
    let passes = format!("default<O{}>", opt.min(3));
    if let Ok(p) = std::env::var("WEFT_DEBUG_PREOPT") {
        let _ = module.print_to_file(p);
    }
    module
        .run_passes(&passes, tm, PassBuilderOptions::create())
        .map_err(|e| e.to_string())
}

/// Object code or assembly for the module.
pub fn emit(module: &Module, tm: &TargetMachine, asm: bool) -> Result<Vec<u8>, String> {
    let kind = if asm {
        FileType::Assembly
    } else {
        FileType::Object
    };
    let buf = tm
        .write_to_memory_buffer(module, kind)
        .map_err(|e| e.to_string())?;
    Ok(buf.as_slice().to_vec())
}
