//! The one tokio runtime of the process, owned by the binding (toolchain notes, 9). Every exported call blocks
//! the calling thread on it; the client's connection pools belong to it.
//!
//! SIGPIPE: a C host has SIGPIPE at its default action (terminate), unlike a Rust program, and writing to a
//! socket the peer closed raises it. The library must not kill its host, nor change the host's signal handling,
//! so SIGPIPE is blocked in the runtime's own threads, and around each call on the caller's thread, where a
//! SIGPIPE raised meanwhile is consumed before the caller's mask is restored (as libcurl does). Writes then fail
//! with EPIPE, which the HTTP stack handles.

use std::future::Future;
use std::sync::LazyLock;
use tokio::runtime::Runtime;

/// Core's runtime (`msi_identity::runtime::runtime_builder`: its worker count and thread name), with SIGPIPE
/// blocked in each of its threads.
static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    msi::runtime::runtime_builder()
        .on_thread_start(sigpipe::block_in_this_thread)
        .build()
        .expect("msi_identity: cannot start the tokio runtime")
});

/// Run `fut` to completion on the runtime, blocking the calling (foreign) thread.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let _guard = sigpipe::Guard::new();
    RUNTIME.block_on(fut)
}

#[cfg(unix)]
mod sigpipe {
    use std::mem::MaybeUninit;

    fn sigpipe_set() -> libc::sigset_t {
        let mut set = MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: sigemptyset initialises the set; sigaddset adds a valid signal number to it.
        unsafe {
            libc::sigemptyset(set.as_mut_ptr());
            libc::sigaddset(set.as_mut_ptr(), libc::SIGPIPE);
            set.assume_init()
        }
    }

    /// Block SIGPIPE for good in a thread of the library's runtime.
    pub fn block_in_this_thread() {
        let set = sigpipe_set();
        // SAFETY: a valid set; the old mask is not needed.
        unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    }

    /// Blocks SIGPIPE on the caller's thread for one call; on drop consumes a SIGPIPE raised meanwhile and
    /// restores the caller's mask.
    pub struct Guard {
        old: libc::sigset_t,
        was_blocked: bool,
    }

    impl Guard {
        pub fn new() -> Guard {
            let set = sigpipe_set();
            let mut old = MaybeUninit::<libc::sigset_t>::uninit();
            // SAFETY: valid sets; pthread_sigmask writes the old mask.
            let old = unsafe {
                libc::pthread_sigmask(libc::SIG_BLOCK, &set, old.as_mut_ptr());
                old.assume_init()
            };
            // SAFETY: `old` is an initialised set.
            let was_blocked = unsafe { libc::sigismember(&old, libc::SIGPIPE) } == 1;
            Guard { old, was_blocked }
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            if self.was_blocked {
                return;
            }
            let set = sigpipe_set();
            // SAFETY: valid sets; a zero timeout only polls for a pending SIGPIPE of this thread.
            unsafe {
                let mut pending = MaybeUninit::<libc::sigset_t>::uninit();
                libc::sigpending(pending.as_mut_ptr());
                if libc::sigismember(pending.as_ptr(), libc::SIGPIPE) == 1 {
                    let zero = libc::timespec {
                        tv_sec: 0,
                        tv_nsec: 0,
                    };
                    libc::sigtimedwait(&set, std::ptr::null_mut(), &zero);
                }
                libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(not(unix))]
mod sigpipe {
    pub fn block_in_this_thread() {}

    pub struct Guard;

    impl Guard {
        pub fn new() -> Guard {
            Guard
        }
    }
}
