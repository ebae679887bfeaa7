//! `Emulator::ca_cert_file`: always a file holding the CA PEM; a private temporary file in memory
//! mode, removed with the emulator.

use msi_emulator::{Config, Emulator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_ca_file_is_private_and_removed_with_the_emulator() {
    let emu = Emulator::start(Config::default()).await.unwrap();
    assert!(emu.ca_cert_path().is_none());
    let path = emu.ca_cert_file().to_path_buf();
    assert!(path.starts_with(std::env::temp_dir()), "{}", path.display());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), emu.ca_cert_pem());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    emu.shutdown().await;
    assert!(!path.exists(), "{} is left behind", path.display());

    // Dropping (without shutdown) removes it too; two emulators get two files.
    let a = Emulator::start(Config::default()).await.unwrap();
    let b = Emulator::start(Config::default()).await.unwrap();
    let (pa, pb) = (
        a.ca_cert_file().to_path_buf(),
        b.ca_cert_file().to_path_buf(),
    );
    assert_ne!(pa, pb);
    drop(a);
    assert!(!pa.exists());
    assert!(pb.exists());
    drop(b);
    assert!(!pb.exists());
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
