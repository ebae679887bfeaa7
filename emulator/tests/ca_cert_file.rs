//! `Emulator::ca_cert_file`: always a file holding the CA PEM; in memory mode `ca.pem` in a private
//! temporary directory, removed with the emulator (issue 10 item 10).

use msi_emulator::{Config, Emulator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_ca_file_is_private_and_removed_with_the_emulator() {
    let emu = Emulator::start(Config::default()).await.unwrap();
    assert!(emu.ca_cert_path().is_none());
    let path = emu.ca_cert_file().to_path_buf();
    let dir = path.parent().unwrap().to_path_buf();
    assert!(dir.starts_with(std::env::temp_dir()), "{}", path.display());
    assert_eq!(path.file_name().unwrap(), "ca.pem");
    // The directory's name is not predictable from anything the emulator shows (its port).
    let dir_name = dir.file_name().unwrap().to_string_lossy().to_string();
    let port = emu.endpoint().rsplit(':').next().unwrap().to_string();
    assert!(!dir_name.contains(&port), "{dir_name}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), emu.ca_cert_pem());
    let meta = std::fs::symlink_metadata(&path).unwrap();
    assert!(meta.file_type().is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }
    emu.shutdown().await;
    assert!(!path.exists(), "{} is left behind", path.display());
    assert!(!dir.exists(), "{} is left behind", dir.display());

    // Dropping (without shutdown) removes it too; two emulators get two directories.
    let a = Emulator::start(Config::default()).await.unwrap();
    let b = Emulator::start(Config::default()).await.unwrap();
    let (pa, pb) = (
        a.ca_cert_file().to_path_buf(),
        b.ca_cert_file().to_path_buf(),
    );
    assert_ne!(pa.parent(), pb.parent());
    drop(a);
    assert!(!pa.exists() && !pa.parent().unwrap().exists());
    assert!(pb.exists());
    drop(b);
    assert!(!pb.exists());
}

/// Links planted in the temporary directory under the names an older emulator used
/// (`msi-emulator-ca-PORT.pem`) are neither followed nor removed.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_links_are_not_followed() {
    let victim_dir = tempfile::tempdir().unwrap();
    let victim = victim_dir.path().join("victim");
    std::fs::write(&victim, "untouched").unwrap();
    // Reserve a port, plant a link under the old predictable name for it, start on that port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let planted = std::env::temp_dir().join(format!("msi-emulator-ca-{port}.pem"));
    let _ = std::fs::remove_file(&planted);
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let emu = Emulator::start(Config {
        port,
        ..Config::default()
    })
    .await
    .unwrap();
    let path = emu.ca_cert_file().to_path_buf();
    assert_ne!(path, planted);
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_file()
    );
    emu.shutdown().await;
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
    assert!(
        std::fs::symlink_metadata(&planted).is_ok(),
        "the planted link stays"
    );
    std::fs::remove_file(&planted).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_data_dir_the_ca_file_is_dir_ca_pem() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::start(Config {
        data_dir: Some(dir.path().join("state")),
        ..Config::default()
    })
    .await
    .unwrap();
    let expected = dir.path().join("state").join("ca.pem");
    assert_eq!(emu.ca_cert_file(), expected);
    assert_eq!(emu.ca_cert_path(), Some(expected.as_path()));
    assert_eq!(
        std::fs::read_to_string(&expected).unwrap(),
        emu.ca_cert_pem()
    );
    emu.shutdown().await;
    // The data directory's CA stays: it is part of the persisted state.
    assert!(expected.exists());
}
