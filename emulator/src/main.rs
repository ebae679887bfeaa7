//! `msi-emulator [--data-dir DIR | --in-memory] [--port N] [--imds-port N] [--no-rbac] [--lro-delay-ms N]
//! [--page-size N] [--relaxed-durability] [--open-test-hooks] [--throttle off|arm|NUMBERS]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use msi_emulator::{Config, Durability, Throttle};

/// mimalloc instead of glibc's malloc: glibc kept a heap per blocking thread (up to 16 arenas on
/// 2 cores) and returned little of what the handlers freed (140 MB RSS after 10^6 requests with
/// 10,000 VMs, ~45 MB of it live).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's own options (`mi_option_e` of mimalloc.h, v3), in the C library the crate links.
unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
const MI_OPTION_ARENA_EAGER_COMMIT: std::ffi::c_int = 4;
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Memory is committed as it is used and handed back to the OS as soon as it is free: by default
/// mimalloc commits its arenas eagerly and purges after a delay, which kept ~70 MB more resident
/// after storing 10,000 VMs. Set before the first allocation (the first arena is made then), so
/// from the executable's initialisers on Linux; MIMALLOC_ARENA_EAGER_COMMIT and
/// MIMALLOC_PURGE_DELAY still override these.
extern "C" fn tune_allocator() {
    // SQLite allocates with the C library's malloc, from whichever blocking thread runs the
    // handler: glibc gave those threads heaps of their own (up to 8 per core), each keeping what
    // it freed. One heap: SQLite's calls on a connection are serialised by its mutex anyway.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a malloc parameter; no other thread exists yet.
    unsafe {
        if libc::getenv(c"MALLOC_ARENA_MAX".as_ptr()).is_null() {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
    for (option, value, env) in [
        (
            MI_OPTION_ARENA_EAGER_COMMIT,
            0,
            c"MIMALLOC_ARENA_EAGER_COMMIT",
        ),
        (MI_OPTION_PURGE_DELAY, 0, c"MIMALLOC_PURGE_DELAY"),
    ] {
        // SAFETY: getenv reads the environment (nothing else runs yet: no thread, no setenv);
        // mi_option_set sets one of mimalloc's integer options (a valid index of its table).
        unsafe {
            if libc::getenv(env.as_ptr()).is_null() {
                mi_option_set(option, value);
            }
        }
    }
}

#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static TUNE_ALLOCATOR: extern "C" fn() = tune_allocator;

const USAGE: &str = "\
usage: msi-emulator [--data-dir DIR | --in-memory] [--port N] [--imds-port N] [--no-rbac]
                    [--lro-delay-ms N] [--page-size N] [--relaxed-durability] [--open-test-hooks]
                    [--throttle off|arm|NUMBERS]

  --data-dir DIR      keep state in DIR (default: msi-emulator under the user data directory)
  --in-memory         keep everything in memory
  --port N            HTTPS port on 127.0.0.1 for ARM and Entra ID (default 8443; 0 picks a free port)
  --imds-port N       plain-HTTP port on 127.0.0.1 for the machines' token endpoints (IMDS, MSI
                      extension, App Service style) (default 50340; 0 picks a free port)
  --no-rbac           do not enforce role assignments on ARM requests
  --lro-delay-ms N    how long compute operations stay in progress (default 0)
  --page-size N       list page size (default 100)
  --relaxed-durability  answer writes once they reach the OS, without waiting for the disk (faster;
                      an OS crash or power loss can lose the last writes; by default every
                      acknowledged write is on disk)
  --open-test-hooks   serve the /_emulator/ test hooks without a token (by default they need the
                      admin service principal's bearer token)
  --throttle T        request throttling: arm (default: Azure's token buckets, ARM's reads 250 /
                      25 per s, writes and deletes 200 / 10 per s per subscription and principal,
                      15x per subscription; Compute's per policy, per resource and per
                      subscription, e.g. 12 updates of one VM refilled at 4 a minute), off, or
                      numbers e.g. reads=250/25,writes=200/10,deletes=200/10,global=15,compute=1
                      (capacity/refill per second; factor; a factor scaling every Compute bucket;
                      parts left out keep Azure's numbers)
";

/// Default port of the token endpoints (next to the MSI extension's 50342).
const DEFAULT_IMDS_PORT: u16 = 50340;

fn parse(args: &[String]) -> Result<Config, String> {
    let mut config = Config {
        port: 8443,
        imds_port: DEFAULT_IMDS_PORT,
        ..Config::default()
    };
    let mut data_dir: Option<PathBuf> = None;
    let mut in_memory = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let number = |name: &str, v: String| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: '{v}' is not a number"))
        };
        match flag {
            "--data-dir" => data_dir = Some(PathBuf::from(value(flag)?)),
            "--in-memory" => in_memory = true,
            "--port" => {
                let v = value(flag)?;
                config.port = v
                    .parse()
                    .map_err(|_| format!("--port: '{v}' is not a port number"))?;
            }
            "--imds-port" => {
                let v = value(flag)?;
                config.imds_port = v
                    .parse()
                    .map_err(|_| format!("--imds-port: '{v}' is not a port number"))?;
            }
            "--no-rbac" => config.enforce_rbac = false,
            "--relaxed-durability" => config.durability = Durability::Relaxed,
            "--open-test-hooks" => config.open_test_hooks = true,
            "--throttle" => {
                config.throttle = value(flag)?
                    .parse::<Throttle>()
                    .map_err(|e| format!("--throttle: {e}"))?;
            }
            "--lro-delay-ms" => {
                config.lro_delay = Duration::from_millis(number(flag, value(flag)?)?);
            }
            "--page-size" => {
                config.page_size = usize::try_from(number(flag, value(flag)?)?)
                    .map_err(|_| "--page-size is too large".to_string())?
                    .max(1);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    if in_memory && data_dir.is_some() {
        return Err("--data-dir and --in-memory exclude each other".into());
    }
    if !in_memory {
        config.data_dir = Some(
            data_dir
                .or_else(msi_emulator::default_data_dir)
                .ok_or("no user data directory found; pass --data-dir or --in-memory")?,
        );
    }
    Ok(config)
}

fn main() -> ExitCode {
    if !cfg!(target_os = "linux") {
        tune_allocator();
    }
    // Long handlers run on blocking threads, at most MAX_BLOCKING_HANDLERS at once (fewer for an
    // in-memory store; short ones run on the async workers); without a cap on
    // the pool, a call arriving just before a finished thread went idle made a new one (70
    // threads under 8 connections), each leaving its stack and allocator pages behind when it
    // ended 10 s later.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(msi_emulator::MAX_BLOCKING_HANDLERS + 2)
        .thread_keep_alive(Duration::from_secs(60))
        .build();
    match runtime {
        Ok(rt) => rt.block_on(serve()),
        Err(e) => {
            eprintln!("msi-emulator: cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse(&args) {
        Ok(c) => c,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("msi-emulator: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match msi_emulator::run_forever(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("msi-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_flags() {
        let c = parse(&args("--in-memory --port 0 --lro-delay-ms=250")).unwrap();
        assert!(c.data_dir.is_none());
        assert_eq!(c.port, 0);
        assert_eq!(c.lro_delay, Duration::from_millis(250));
        let c = parse(&args("--data-dir /tmp/x")).unwrap();
        assert_eq!(c.data_dir, Some(PathBuf::from("/tmp/x")));
        assert_eq!(c.port, 8443);
        assert_eq!(c.imds_port, DEFAULT_IMDS_PORT);
        assert!(c.enforce_rbac);
        assert_eq!(c.durability, Durability::Synced);
        assert!(!c.open_test_hooks);
        let c = parse(&args(
            "--in-memory --imds-port 0 --no-rbac --relaxed-durability --open-test-hooks",
        ))
        .unwrap();
        assert_eq!(c.imds_port, 0);
        assert!(!c.enforce_rbac);
        assert_eq!(c.durability, Durability::Relaxed);
        assert!(c.open_test_hooks);
        assert!(parse(&args("--in-memory --data-dir /tmp/x")).is_err());
        assert!(parse(&args("--port nope")).is_err());
        assert!(parse(&args("--bogus")).is_err());
        assert_eq!(parse(&args("--in-memory")).unwrap().throttle, Throttle::Arm);
        assert_eq!(
            parse(&args("--in-memory --throttle off")).unwrap().throttle,
            Throttle::Off
        );
        assert!(matches!(
            parse(&args("--in-memory --throttle=writes=5/1")).unwrap().throttle,
            Throttle::Custom(l) if l.writes.capacity == 5
        ));
        let e = parse(&args("--in-memory --throttle writes=5/1,wirtes=1/1")).unwrap_err();
        assert!(e.contains("--throttle") && e.contains("wirtes"), "{e}");
    }
}
