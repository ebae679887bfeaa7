//! Write, restart the emulator on the same data directory, read everything back.

mod common;

use msi_emulator::{Config, Emulator};
use msi_identity::{ComputeKind, ComputeTarget, IdentityChange};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = || Config {
        data_dir: Some(dir.path().to_path_buf()),
        ..Config::default()
    };

    let env = common::start_with(config()).await;
    let (tenant, sub, client_id, secret, ca) = (
        env.emu.tenant_id().to_string(),
        env.emu.subscription_id().to_string(),
        env.emu.admin_client_id().to_string(),
        env.emu.admin_client_secret().to_string(),
        env.emu.ca_cert_pem().to_string(),
    );
    assert!(
        dir.path().join("ca.pem").exists(),
        "the CA is written where the banner says"
    );
    let c = &env.client;
    c.create_resource_group("rg", "westus").await.unwrap();
    let uai = c
        .create_user_identity("rg", "keepme", None, None)
        .await
        .unwrap();
    let vm = ComputeTarget::new(&sub, "rg", "vm1", ComputeKind::VirtualMachine).unwrap();
    c.create_compute(
        &vm,
        common::model(ComputeKind::VirtualMachine),
        true,
        std::slice::from_ref(&uai.id),
    )
    .await
    .unwrap();
    let vmss = ComputeTarget::new(&sub, "rg", "ss1", ComputeKind::VirtualMachineScaleSet).unwrap();
    c.create_compute(
        &vmss,
        common::model(ComputeKind::VirtualMachineScaleSet),
        true,
        &[],
    )
    .await
    .unwrap();
    c.set_msi_extension(
        &vm,
        &msi_identity::MsiExtension::from_spec(&msi_identity::MsiExtensionSpec {
            extension_type: Some("ManagedIdentityExtensionForLinux".into()),
            ..Default::default()
        })
        .unwrap(),
    )
    .await
    .unwrap();
    let vm_before = c.get_compute(&vm).await.unwrap();
    let vmss_before = c.get_compute(&vmss).await.unwrap();
    env.emu.shutdown().await;

    // Same directory, new process state: same identity of the emulator, same resources, same ids and etags.
    let emu = Emulator::start(config()).await.unwrap();
    assert_eq!(emu.tenant_id(), tenant);
    assert_eq!(emu.subscription_id(), sub);
    assert_eq!(emu.admin_client_id(), client_id);
    assert_eq!(emu.admin_client_secret(), secret);
    assert_eq!(
        emu.ca_cert_pem(),
        ca,
        "clients that trust the CA keep trusting it"
    );
    let http = msi_identity::HttpClient::new(Some(emu.ca_cert_pem())).unwrap();
    let c = common::client_for(&emu, &http);
    let mut vm_after = c.get_compute(&vm).await.unwrap();
    let vmss_after = c.get_compute(&vmss).await.unwrap();
    assert_eq!(vm_after, vm_before);
    assert_eq!(vmss_after, vmss_before);
    assert_eq!(c.get_user_identity("rg", "keepme").await.unwrap(), uai);
    assert_eq!(
        c.get_extension(&vm, "ManagedIdentityExtensionForLinux")
            .await
            .unwrap()["properties"]["settings"]["port"],
        50342
    );

    // And it keeps working after the restart; the change survives a second restart.
    c.update_identity(
        &vm,
        &IdentityChange::Remove {
            system: false,
            user: vec![],
            all_user: true,
        },
    )
    .await
    .unwrap();
    vm_after = c.get_compute(&vm).await.unwrap();
    emu.shutdown().await;
    let emu = Emulator::start(config()).await.unwrap();
    let c = common::client_for(
        &emu,
        &msi_identity::HttpClient::new(Some(emu.ca_cert_pem())).unwrap(),
    );
    assert_eq!(c.get_compute(&vm).await.unwrap(), vm_after);
    emu.shutdown().await;
}
