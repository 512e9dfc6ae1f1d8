//! The deadlock report: printed when every worker is idle, no timer is pending, no OS
//! thread runs outside a wait, and tasks are still parked (see [`super::scheduler`]).
//!
//! Format (one `write(2)`, then exit code 2):
//! ```text
//! fatal: deadlock: all tasks are asleep
//!   task main: awaiting a task
//!   task app.weft:12:5: receiving from a channel
//!   thread worker: awaiting a task
//! ```

use super::task::{Task, MAIN};

/// Prints the report for `tasks` (main first) and the parked `threads`, and exits with 2.
pub(crate) fn report(tasks: &[&'static Task], threads: &[(String, &'static str)]) -> ! {
    let mut text = String::from("fatal: deadlock: all tasks are asleep\n");
    let main = tasks.iter().filter(|t| t.has_flag(MAIN));
    let others = tasks.iter().filter(|t| !t.has_flag(MAIN));
    for task in main.chain(others) {
        let reason = task.activation().map_or("", |a| a.node.reason());
        let reason = if reason.is_empty() { "parked" } else { reason };
        text.push_str(&format!("  task {}: {}\n", task.name(), reason));
    }
    for (name, reason) in threads {
        text.push_str(&format!("  thread {name}: {reason}\n"));
    }
    crate::os::write_stderr(text.as_bytes());
    crate::os::exit_process(2)
}
