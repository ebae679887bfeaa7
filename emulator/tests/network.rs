//! Issue 12 over real HTTPS: the image catalogue `az vm create` reads first, Microsoft.Network
//! (stateful, references checked, in-use deletions refused, access control), and the PATCH `null`
//! semantics of az 2.91's system-only identity removal.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const NET: &str = "2024-05-01";
const COMPUTE: &str = "2024-07-01";

fn net_path(h: &Harness, rg: &str, ty: &str, name: &str) -> String {
    format!("{}/providers/Microsoft.Network/{ty}/{name}", h.rg_path(rg))
}

fn images(h: &Harness) -> String {
    format!(
        "/subscriptions/{}/providers/Microsoft.Compute/locations/westus/publishers",
        h.sub()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_lookups_of_az_vm_create() {
    let h = start().await;
    let sku = format!(
        "{}/Canonical/artifacttypes/vmimage/offers/0001-com-ubuntu-server-jammy/skus/22_04-lts-gen2/versions",
        images(&h)
    );
    // `$top=1&$orderby=name desc`: the newest version.
    let url = format!(
        "{}{sku}?$top=1&$orderby=name%20desc&api-version={COMPUTE}",
        h.emu.endpoint()
    );
    let latest = h.send(Method::GET, &url, &[], None).await;
    assert_eq!(latest.status, 200, "{:?}", latest.body);
    let list = latest.body.as_array().expect("a bare array");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "22.04.202502040");
    assert_eq!(list[0]["location"], "westus");
    assert_eq!(
        list[0]["id"],
        format!(
            "/Subscriptions/{}/Providers/Microsoft.Compute/Locations/westus/Publishers/Canonical/ArtifactTypes/VMImage/Offers/0001-com-ubuntu-server-jammy/Skus/22_04-lts-gen2/Versions/22.04.202502040",
            h.sub()
        )
    );
    let all = h.arm(Method::GET, &sku, COMPUTE, None).await;
    assert_eq!(all.body.as_array().unwrap().len(), 3);
    let exact = h
        .arm(
            Method::GET,
            &format!("{sku}/22.04.202409270"),
            COMPUTE,
            None,
        )
        .await;
    assert_eq!(exact.status, 200);
    assert_eq!(
        exact.body["properties"]["osDiskImage"]["operatingSystem"],
        "Linux"
    );
    assert_eq!(exact.body["properties"]["hyperVGeneration"], "V2");
    let missing = h
        .arm(Method::GET, &format!("{sku}/1.2.3"), COMPUTE, None)
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "NotFound");
    assert_eq!(
        missing.body["error"]["message"],
        "Artifact: VMImage was not found."
    );

    // Every alias az names, in any casing.
    for (p, o, s, os) in [
        (
            "MicrosoftWindowsServer",
            "WindowsServer",
            "2016-datacenter-gensecond",
            "Windows",
        ),
        (
            "MicrosoftWindowsServer",
            "WindowsServer",
            "2019-datacenter-gensecond",
            "Windows",
        ),
        (
            "MicrosoftWindowsServer",
            "WindowsServer",
            "2022-datacenter-g2",
            "Windows",
        ),
        ("canonical", "ubuntu-24_04-lts", "server", "Linux"),
        ("Canonical", "UbuntuServer", "18.04-LTS", "Linux"),
        ("Debian", "debian-11", "11-backports-gen2", "Linux"),
        ("Debian", "debian-12", "12-gen2", "Linux"),
        ("OpenLogic", "CentOS", "8_5-gen2", "Linux"),
    ] {
        let base = format!(
            "{}/{p}/artifacttypes/vmimage/offers/{o}/skus/{s}/versions",
            images(&h)
        );
        let v = h.arm(Method::GET, &base, COMPUTE, None).await;
        assert_eq!(v.status, 200, "{p}:{o}:{s} {:?}", v.body);
        let name = v.body[0]["name"].as_str().unwrap().to_string();
        let img = h
            .arm(Method::GET, &format!("{base}/{name}"), COMPUTE, None)
            .await;
        assert_eq!(img.body["properties"]["osDiskImage"]["operatingSystem"], os);
    }
    let offers = h
        .arm(
            Method::GET,
            &format!("{}/Canonical/artifacttypes/vmimage/offers", images(&h)),
            COMPUTE,
            None,
        )
        .await;
    assert!(
        offers
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "ubuntu-24_04-lts")
    );
    let skus = h
        .arm(
            Method::GET,
            &format!(
                "{}/Debian/artifacttypes/vmimage/offers/debian-12/skus",
                images(&h)
            ),
            COMPUTE,
            None,
        )
        .await;
    assert!(
        skus.body
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "12-gen2")
    );

    // Unknown Compute types name Microsoft.Compute, not Microsoft.Resources.
    let bad = h
        .arm(
            Method::GET,
            &format!(
                "/subscriptions/{}/providers/Microsoft.Compute/fooBars/x/y",
                h.sub()
            ),
            COMPUTE,
            None,
        )
        .await;
    assert_eq!(bad.status, 404);
    assert_eq!(bad.code(), "InvalidResourceType");
    assert_eq!(
        bad.body["error"]["message"],
        format!(
            "The resource type 'fooBars' could not be found in the namespace 'Microsoft.Compute' for api version '{COMPUTE}'."
        )
    );
}

async fn put(h: &Harness, path: &str, body: Value) -> common::Reply {
    h.arm(Method::PUT, path, NET, Some(&body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_resources_are_stateful_and_checked() {
    let h = start().await;
    h.create_rg("rg").await;
    let vnet = net_path(&h, "rg", "virtualNetworks", "vnet1");
    let nsg = net_path(&h, "rg", "networkSecurityGroups", "nsg1");
    let pip = net_path(&h, "rg", "publicIPAddresses", "pip1");
    let nic = net_path(&h, "rg", "networkInterfaces", "nic1");
    let subnet_id = format!("{vnet}/subnets/default");

    // A NIC naming a subnet that does not exist is refused, and nothing is created.
    let nic_body = json!({"location": "westus", "properties": {
        "networkSecurityGroup": {"id": nsg},
        "ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": subnet_id}, "publicIPAddress": {"id": pip},
            "privateIPAllocationMethod": "Dynamic"}}]}});
    let refused = put(&h, &nic, nic_body.clone()).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.code(), "InvalidResourceReference");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("referenced by resource")
    );
    assert_eq!(refused.body["error"]["details"][0]["code"], "NotFound");
    assert_eq!(h.arm(Method::GET, &nic, NET, None).await.status, 404);

    let v = put(
        &h,
        &vnet,
        json!({"location": "westus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}]}}),
    )
    .await;
    assert_eq!(v.status, 201, "{:?}", v.body);
    assert_eq!(v.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(v.body["properties"]["subnets"][0]["id"], subnet_id);
    assert!(v.body["etag"].as_str().unwrap().starts_with("W/\""));
    let n = put(&h, &nsg, json!({"location": "westus"})).await;
    assert_eq!(n.status, 201);
    assert_eq!(
        n.body["properties"]["defaultSecurityRules"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    let p = put(
        &h,
        &pip,
        json!({"location": "westus", "sku": {"name": "Standard"}}),
    )
    .await;
    assert_eq!(p.status, 201);
    assert_eq!(p.body["properties"]["publicIPAllocationMethod"], "Static");
    let ip = p.body["properties"]["ipAddress"].clone();
    assert!(ip.is_string());

    let created = put(&h, &nic, nic_body.clone()).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let cfg = &created.body["properties"]["ipConfigurations"][0];
    assert_eq!(cfg["properties"]["privateIPAddress"], "10.0.0.4");
    assert_eq!(cfg["id"], format!("{nic}/ipConfigurations/ipconfig1"));
    let again = put(&h, &nic, nic_body.clone()).await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.body["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"],
        "10.0.0.4"
    );

    // Back-references.
    let s = h.arm(Method::GET, &subnet_id, NET, None).await;
    assert_eq!(
        s.body["properties"]["ipConfigurations"][0]["id"],
        format!("{nic}/ipConfigurations/ipconfig1")
    );
    let p2 = h.arm(Method::GET, &pip, NET, None).await;
    assert_eq!(p2.body["properties"]["ipAddress"], ip);
    assert!(p2.body["properties"]["ipConfiguration"]["id"].is_string());

    // In use: none of them can go.
    let d = h.arm(Method::DELETE, &subnet_id, NET, None).await;
    assert_eq!(
        (d.status.as_u16(), d.code()),
        (400, "InUseSubnetCannotBeDeleted")
    );
    let d = h.arm(Method::DELETE, &vnet, NET, None).await;
    assert_eq!(d.code(), "InUseSubnetCannotBeDeleted");
    let d = h.arm(Method::DELETE, &pip, NET, None).await;
    assert_eq!(d.code(), "PublicIPAddressInUse");
    let d = h.arm(Method::DELETE, &nsg, NET, None).await;
    assert_eq!(d.code(), "InUseNetworkSecurityGroupCannotBeDeleted");

    // A VM naming a NIC that does not exist is refused; naming the NIC makes it in use.
    let vm = h.vm_path("rg", "vm1");
    let vm_body = |nic_id: &str| {
        json!({"location": "westus", "properties": {
        "hardwareProfile": {"vmSize": "Standard_B1s"},
        "networkProfile": {"networkInterfaces": [{"id": nic_id, "properties": {"primary": true}}]}}})
    };
    let bad = h
        .arm(
            Method::PUT,
            &vm,
            COMPUTE,
            Some(&vm_body(&format!("{nic}x"))),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.code(), "NotFound");
    assert_eq!(h.arm(Method::GET, &vm, COMPUTE, None).await.status, 404);
    let ok = h
        .arm(
            Method::PUT,
            &vm,
            COMPUTE,
            Some(&vm_body(&nic.to_ascii_lowercase())),
        )
        .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    let got = h.arm(Method::GET, &nic, NET, None).await;
    assert_eq!(
        got.body["properties"]["virtualMachine"]["id"],
        format!("{}", h.vm_path("rg", "vm1"))
    );
    let d = h.arm(Method::DELETE, &nic, NET, None).await;
    assert_eq!((d.status.as_u16(), d.code()), (400, "NicInUse"));

    // Lists by group and subscription.
    let list = h
        .arm(
            Method::GET,
            &format!(
                "{}/providers/Microsoft.Network/networkInterfaces",
                h.rg_path("rg")
            ),
            NET,
            None,
        )
        .await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);
    let subs = h
        .arm(
            Method::GET,
            &format!(
                "/subscriptions/{}/providers/Microsoft.Network/virtualNetworks",
                h.sub()
            ),
            NET,
            None,
        )
        .await;
    assert_eq!(subs.body["value"][0]["name"], "vnet1");
    let subnets = h
        .arm(Method::GET, &format!("{vnet}/subnets"), NET, None)
        .await;
    assert_eq!(subnets.body["value"].as_array().unwrap().len(), 1);

    // Subnets as child resources.
    let s2 = put(
        &h,
        &format!("{vnet}/subnets/second"),
        json!({"properties": {"addressPrefix": "10.0.1.0/24"}}),
    )
    .await;
    assert_eq!(s2.status, 201);
    let missing = h
        .arm(Method::GET, &format!("{vnet}/subnets/none"), NET, None)
        .await;
    assert_eq!((missing.status.as_u16(), missing.code()), (404, "NotFound"));
    assert_eq!(
        h.arm(Method::DELETE, &format!("{vnet}/subnets/second"), NET, None)
            .await
            .status,
        200
    );
    assert_eq!(
        h.arm(Method::DELETE, &format!("{vnet}/subnets/second"), NET, None)
            .await
            .status,
        204
    );

    // Deleting in order frees everything.
    assert_eq!(h.arm(Method::DELETE, &vm, COMPUTE, None).await.status, 202);
    assert_eq!(h.arm(Method::DELETE, &nic, NET, None).await.status, 200);
    for r in [&pip, &nsg, &vnet] {
        let d = h.arm(Method::DELETE, r, NET, None).await;
        assert_eq!(d.status, 200, "{r} {:?}", d.body);
    }
    assert_eq!(h.arm(Method::DELETE, &vnet, NET, None).await.status, 204);
    let gone = h.arm(Method::GET, &vnet, NET, None).await;
    assert_eq!(gone.code(), "ResourceNotFound");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_writes_need_write_access() {
    let h = start().await;
    h.create_rg("rg").await;
    let caller = h
        .create_vm("rg", "caller", Some(json!({"type": "SystemAssigned"})))
        .await;
    let oid = caller["identity"]["principalId"]
        .as_str()
        .unwrap()
        .to_string();
    let t = h
        .imds_token(
            &h.vm_path("rg", "caller"),
            "",
            "https://management.azure.com/",
        )
        .await;
    let token = t["access_token"].as_str().unwrap().to_string();
    let vnet = net_path(&h, "rg", "virtualNetworks", "v");
    let body = json!({"location": "westus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}});
    h.grant(
        &h.rg_path("rg"),
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        &oid,
    )
    .await;
    let r = h.arm_as(&token, Method::PUT, &vnet, NET, Some(&body)).await;
    assert_eq!(r.status, 403);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Microsoft.Network/virtualNetworks/write")
    );
    put(&h, &vnet, body.clone()).await;
    assert_eq!(
        h.arm_as(&token, Method::GET, &vnet, NET, None).await.status,
        200
    );
    let s = h
        .arm_as(
            &token,
            Method::PUT,
            &format!("{vnet}/subnets/s"),
            NET,
            Some(&json!({"properties": {}})),
        )
        .await;
    assert!(
        s.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Microsoft.Network/virtualNetworks/subnets/write")
    );
    h.grant(
        &h.rg_path("rg"),
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        &oid,
    )
    .await;
    let r = h.arm_as(&token, Method::PUT, &vnet, NET, Some(&body)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_only_removal_of_az_2_91_keeps_user_identities() {
    let h = start().await;
    h.create_rg("rg").await;
    let uai = h.create_uai("rg", "id1").await;
    let uai_id = uai["id"].as_str().unwrap().to_string();
    h.create_vm(
        "rg",
        "vm",
        Some(json!({"type": "SystemAssigned, UserAssigned",
        "userAssignedIdentities": {uai_id.clone(): {}}})),
    )
    .await;
    let vm = h.vm_path("rg", "vm");
    let r = h
        .arm(
            Method::PATCH,
            &vm,
            COMPUTE,
            Some(&json!({"identity": {"userAssignedIdentities": null, "type": "UserAssigned"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let got = h.arm(Method::GET, &vm, COMPUTE, None).await;
    assert_eq!(got.body["identity"]["type"], "UserAssigned");
    assert!(got.body["identity"].get("principalId").is_none());
    let map = got.body["identity"]["userAssignedIdentities"]
        .as_object()
        .unwrap();
    assert_eq!(map.len(), 1);
    assert_eq!(
        map.values().next().unwrap()["clientId"],
        uai["properties"]["clientId"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = msi_emulator::Config {
        data_dir: Some(dir.path().join("state")),
        ..msi_emulator::Config::default()
    };
    let h = start_with(config.clone()).await;
    h.create_rg("rg").await;
    let vnet = net_path(&h, "rg", "virtualNetworks", "v");
    let nic = net_path(&h, "rg", "networkInterfaces", "n");
    put(
        &h,
        &vnet,
        json!({"location": "westus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
        "subnets": [{"name": "s", "properties": {"addressPrefix": "10.1.2.0/24"}}]}}),
    )
    .await;
    let created = put(
        &h,
        &nic,
        json!({"location": "westus", "properties": {"ipConfigurations": [
        {"name": "c", "properties": {"subnet": {"id": format!("{vnet}/subnets/s")}}}]}}),
    )
    .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let Harness { emu, .. } = h;
    emu.shutdown().await;

    let h = start_with(config).await;
    let got = h.arm(Method::GET, &nic, NET, None).await;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.body["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"],
        "10.1.2.4"
    );
    assert_eq!(
        got.body["properties"]["resourceGuid"],
        created.body["properties"]["resourceGuid"]
    );
    let d = h
        .arm(Method::DELETE, &format!("{vnet}/subnets/s"), NET, None)
        .await;
    assert_eq!(d.code(), "InUseSubnetCannotBeDeleted");
}
