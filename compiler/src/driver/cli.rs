//! The command line, declared with clap (docs/reference.md section 8).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The Weft compiler.
#[derive(Parser, Debug)]
#[command(name = "weft", version, about = "The Weft compiler", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a program for errors without building it.
    Check(CheckArgs),
    /// Build an executable.
    Build(BuildArgs),
    /// Build to a temporary directory and run.
    Run(RunArgs),
    /// Print an intermediate form of a program.
    Emit(EmitArgs),
    /// Lay out source files in the canonical format.
    Fmt(FmtArgs),
    /// Build and run the `test fn`s of files and folders.
    Test(TestArgs),
    /// Run the language server on stdin and stdout (for editors).
    Lsp,
}

/// Options shared by everything that reports diagnostics.
#[derive(clap::Args, Debug, Clone)]
pub struct DiagArgs {
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    pub message_format: MessageFormatArg,
    /// `--deny warnings` turns warnings into errors.
    #[arg(long, value_name = "warnings")]
    pub deny: Vec<DenyArg>,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The program's root file.
    pub file: PathBuf,
    #[command(flatten)]
    pub diag: DiagArgs,
    /// List the groups of statements run as an implicit `par` (docs/reference.md section 7).
    #[arg(long)]
    pub explain_par: bool,
    /// Turn automatic parallelization off.
    #[arg(long)]
    pub no_auto_par: bool,
    /// Print every function's effects, declared or inferred (docs/reference.md section 7).
    #[arg(long)]
    pub print_effects: bool,
}

/// How code is generated (`weft build`, `weft emit`).
#[derive(clap::Args, Debug)]
pub struct CodegenArgs {
    /// Optimization level 0-3 (`-O0` ... `-O3`; default 2).
    #[arg(short = 'O', default_value = "2", value_parser = clap::value_parser!(u8).range(0..=3))]
    pub opt: u8,
    /// Emit DWARF debug information.
    #[arg(short = 'g')]
    pub debug: bool,
    /// Target triple: x86_64-linux-gnu or aarch64-linux-gnu.
    #[arg(long)]
    pub target: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    pub file: PathBuf,
    /// Output path (default: the file name without `.weft`).
    #[arg(short = 'o')]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub codegen: CodegenArgs,
    /// Link statically.
    #[arg(long = "static")]
    pub static_link: bool,
    /// Turn automatic parallelization off (docs/reference.md section 7).
    #[arg(long)]
    pub no_auto_par: bool,
    #[command(flatten)]
    pub diag: DiagArgs,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    pub file: PathBuf,
    #[arg(short = 'O', default_value = "2", value_parser = clap::value_parser!(u8).range(0..=3))]
    pub opt: u8,
    /// Turn automatic parallelization off (docs/reference.md section 7).
    #[arg(long)]
    pub no_auto_par: bool,
    #[command(flatten)]
    pub diag: DiagArgs,
    /// Arguments for the program (after `--`).
    #[arg(last = true)]
    pub args: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct EmitArgs {
    pub file: PathBuf,
    /// What to print.
    #[arg(long, value_enum)]
    pub emit: EmitKind,
    /// Write to this file instead of standard output.
    #[arg(short = 'o')]
    pub output: Option<PathBuf>,
    /// For `llvm`, `asm` and `obj`.
    #[command(flatten)]
    pub codegen: CodegenArgs,
    #[command(flatten)]
    pub diag: DiagArgs,
}

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Files and folders (searched recursively for `.weft` files).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Change nothing: list the files whose layout differs and exit with 1 if any does.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub diag: DiagArgs,
}

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Files and folders (searched recursively) with `test fn`s (default: the current
    /// folder).
    pub paths: Vec<PathBuf>,
    /// Run only the tests whose names contain this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// How many builds and tests run at once (default: the number of processors).
    #[arg(short = 'j', long = "jobs")]
    pub jobs: Option<usize>,
    /// Optimization level of the test programs (default 0).
    #[arg(short = 'O', default_value = "0", value_parser = clap::value_parser!(u8).range(0..=3))]
    pub opt: u8,
    /// Seconds a test may run before it is stopped and fails.
    #[arg(long, default_value = "60")]
    pub timeout: u64,
    #[command(flatten)]
    pub diag: DiagArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageFormatArg {
    Human,
    Short,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DenyArg {
    Warnings,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmitKind {
    /// The lexer's tokens, with inserted `;` marked.
    Tokens,
    /// The parsed syntax tree.
    Ast,
    /// The typed intermediate representation (also `ir`).
    #[value(alias = "ir")]
    Hir,
    /// LLVM IR.
    Llvm,
    /// Assembly.
    Asm,
    /// An object file.
    Obj,
}
