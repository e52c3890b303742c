//! A panic is a bug in guardrail, but one file must not take the whole scan down with it: the
//! work on each file (parsing, Terraform evaluation, checks) runs under [`catch`], and a panic
//! becomes an internal error that names the file — exit code 2 — while the other files are
//! still scanned and reported. `main` catches whatever is left, so the process never ends
//! with the panic exit code.
//!
//! A stack overflow is not a panic and cannot be caught: depth limits and the worker stack
//! size ([`crate::engine::WORKER_STACK_SIZE`]) prevent it instead.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    /// The message and location of the last panic on this thread, for [`catch`].
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the default panic hook, which prints to stderr, with one that records the
/// message and location for [`catch`]: the panic is reported once, as an error that names
/// the file. With `RUST_BACKTRACE` set, the default hook also prints (with the backtrace).
pub fn install_hook() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        let msg = format!("{}{at}", info.payload_as_str().unwrap_or("panic"));
        LAST.with(|l| *l.borrow_mut() = Some(msg));
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
            default(info);
        }
    }));
}

/// Runs `f`; a panic inside it becomes `Err` with its message (and location, when the hook
/// of [`install_hook`] is installed).
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    LAST.with(|l| l.borrow_mut().take());
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        LAST.with(|l| l.borrow_mut().take()).unwrap_or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string())
        })
    })
}

/// The error line for a panic caught while working on `what`.
pub fn internal_error(what: &str, message: &str) -> String {
    format!("internal error while {what} (guardrail panicked: {message}); please report this bug")
}

/// Fault injection for the tests, in debug builds only: with
/// `GUARDRAIL_INJECT_PANIC=STAGE:PATH`, the `STAGE` panics for the file whose report path is
/// `PATH` (`parse`, `check`), for the Terraform root module whose directory is named `PATH`
/// (`terraform`), or while rendering the report (`report:-`), so the tests can prove that a
/// panic is contained.
pub fn inject(stage: &str, path: &str) {
    #[cfg(debug_assertions)]
    if let Some(v) = std::env::var_os("GUARDRAIL_INJECT_PANIC") {
        if v.to_str()
            .and_then(|v| v.split_once(':'))
            .is_some_and(|(s, p)| s == stage && p == path)
        {
            panic!("injected panic ({stage}) for {path}");
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = (stage, path);
}
