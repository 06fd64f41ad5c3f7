//! Scheduling of the hashing threads: they run at a lower priority than the async runtime, and on Linux with
//! a short time slice, so that a login storm that keeps every core hashing still lets calls through at once.
//!
//! The slice matters on kernels with the EEVDF scheduler (Linux 6.6 and later): a thread that takes the CPU
//! keeps it until its slice ends even when a higher-priority thread becomes runnable (`perf sched` showed
//! tokio workers waiting up to 5.4 ms behind a hashing thread), so a core busy hashing delays replies. Linux
//! 6.12 and later let a thread ask for a shorter slice; earlier kernels ignore the request.

/// Scheduling niceness of the hashing threads (0 is normal, 19 the lowest).
const HASHING_NICE: i32 = 10;

/// Time slice asked for by the hashing threads: the shortest Linux allows.
#[cfg(target_os = "linux")]
const HASHING_SLICE_NS: u64 = 100_000;

/// Lowers the calling thread's priority and shortens its time slice where the system allows; best effort
/// (a thread that keeps the defaults still hashes correctly).
pub(super) fn deprioritize_this_thread() {
    // One call sets both on Linux; elsewhere, or where it is refused, the nice value alone.
    #[cfg(target_os = "linux")]
    if set_nice_and_slice() {
        return;
    }
    // On Linux this nice value applies to this thread only; any process may lower its own priority.
    if let Err(e) = rustix::process::setpriority_process(None, HASHING_NICE) {
        tracing::debug!(error = %e, "lowering the priority of a hashing thread failed");
    }
}

/// `struct sched_attr` as of its first version (48 bytes), which every kernel since 3.14 accepts.
#[cfg(target_os = "linux")]
#[repr(C)]
struct SchedAttr {
    size: u32,
    sched_policy: u32,
    sched_flags: u64,
    sched_nice: i32,
    sched_priority: u32,
    sched_runtime: u64,
    sched_deadline: u64,
    sched_period: u64,
}

/// Sets the calling thread's nice value and time slice with sched_setattr(2); false if that was refused.
#[cfg(target_os = "linux")]
fn set_nice_and_slice() -> bool {
    let attr = SchedAttr {
        size: std::mem::size_of::<SchedAttr>() as u32,
        sched_policy: libc::SCHED_OTHER as u32,
        sched_flags: 0,
        sched_nice: HASHING_NICE,
        sched_priority: 0,
        sched_runtime: HASHING_SLICE_NS,
        sched_deadline: 0,
        sched_period: 0,
    };
    // SAFETY: sched_setattr(2) on the calling thread (pid 0) reads `size` bytes from a pointer to a live,
    // properly laid out `struct sched_attr` and writes nothing.
    let result = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const SchedAttr, 0u32) };
    if result != 0 {
        tracing::debug!(error = %std::io::Error::last_os_error(), "sched_setattr on a hashing thread failed");
    }
    result == 0
}

#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::*;

    #[test]
    fn the_struct_has_the_size_the_kernel_expects() {
        assert_eq!(std::mem::size_of::<SchedAttr>(), 48);
    }

    /// The kernel's (major, minor) version.
    fn kernel() -> (u32, u32) {
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").expect("osrelease");
        let mut parts = release
            .split(|c: char| !c.is_ascii_digit())
            .map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    }

    #[test]
    fn a_deprioritized_thread_runs_at_low_priority_with_a_short_slice() {
        let (nice, sched) = std::thread::spawn(|| {
            deprioritize_this_thread();
            let nice = rustix::process::getpriority_process(None).expect("getpriority");
            (nice, std::fs::read_to_string("/proc/thread-self/sched").expect("sched"))
        })
        .join()
        .expect("thread");
        // A test run that is already niced further keeps its value (lowering the niceness needs privileges).
        assert!(nice >= HASHING_NICE, "nice {nice}");
        if kernel() >= (6, 12) {
            let slice = sched
                .lines()
                .find(|l| l.starts_with("se.slice"))
                .and_then(|l| l.split(':').nth(1))
                .map(|v| v.trim().to_string());
            assert_eq!(slice.as_deref(), Some("100000"), "{sched}");
        }
    }
}
