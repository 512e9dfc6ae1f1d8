//! The deadlock report: printed when every worker is idle, no timer is pending, no OS
//! thread runs outside a wait, and tasks are still parked (see [`super::scheduler`]).
//!
//! Format (one `write(2)`, then exit code 2):
//! ```text
//! fatal: deadlock: all tasks are asleep
//!   task main: awaiting a task at app.weft:20:13
//!   task app.weft:12:5: receiving from a channel at app.weft:7:9
//!   thread worker: awaiting a task
//! ```
//!
//! Each line names what the task or thread waits on and, when the waiting operation was
//! called from the program (not from the runtime itself), the source location of that
//! call.

use super::task::{Task, MAIN};
use super::waiter::WaitNode;

/// `<reason>` or `<reason> at <file:line:col>` of a parked node's wait.
fn waiting_on(node: &WaitNode) -> String {
    let reason = node.reason();
    let reason = if reason.is_empty() { "parked" } else { reason };
    match node.place() {
        Some(loc) => format!("{reason} at {}", loc.text()),
        None => reason.to_owned(),
    }
}

/// Prints the report for `tasks` (main first) and the parked `threads`, and exits with 2.
pub(crate) fn report(tasks: &[&'static Task], threads: &[(String, &'static WaitNode)]) -> ! {
    let mut text = String::from("fatal: deadlock: all tasks are asleep\n");
    let main = tasks.iter().filter(|t| t.has_flag(MAIN));
    let others = tasks.iter().filter(|t| !t.has_flag(MAIN));
    for task in main.chain(others) {
        // A task without an activation that is not done was claimed by its scope's owner,
        // which runs it inline (`sched::inline`): the owner's line says what it waits for.
        let wait = task.activation().map_or_else(
            || "run inline by its scope's owner".to_owned(),
            |a| waiting_on(&a.node),
        );
        text.push_str(&format!("  task {}: {}\n", task.name(), wait));
    }
    for (name, node) in threads {
        text.push_str(&format!("  thread {name}: {}\n", waiting_on(node)));
    }
    crate::os::write_stderr(text.as_bytes());
    crate::os::exit_process(2)
}
