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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_balancers_are_stateful_and_referenced_by_scale_sets() {
    let h = start().await;
    h.create_rg("rg").await;
    let pip = net_path(&h, "rg", "publicIPAddresses", "lbpip");
    let lb = net_path(&h, "rg", "loadBalancers", "lb1");
    let fe = format!("{lb}/frontendIPConfigurations/fe");
    let pool = format!("{lb}/backendAddressPools/pool");
    let nat_pool = format!("{lb}/inboundNatPools/natpool");
    let lb_body = |probe: &str| {
        json!({"location": "westus", "sku": {"name": "Standard"}, "properties": {
            "frontendIPConfigurations": [{"name": "fe", "properties": {"publicIPAddress": {"id": pip}}}],
            "backendAddressPools": [{"name": "pool"}],
            "probes": [{"name": "probe", "properties": {"protocol": "Tcp", "port": 22}}],
            "loadBalancingRules": [{"name": "rule", "properties": {
                "frontendIPConfiguration": {"id": fe}, "backendAddressPool": {"id": pool},
                "probe": {"id": probe}, "protocol": "Tcp", "frontendPort": 80, "backendPort": 80}}],
            "inboundNatPools": [{"name": "natpool", "properties": {
                "frontendIPConfiguration": {"id": fe}, "protocol": "Tcp",
                "frontendPortRangeStart": 50000, "frontendPortRangeEnd": 50119, "backendPort": 22}}]}})
    };
    let probe = format!("{lb}/probes/probe");

    // The public IP does not exist yet: refused, nothing created.
    let refused = put(&h, &lb, lb_body(&probe)).await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (400, "InvalidResourceReference"),
        "{:?}",
        refused.body
    );
    assert_eq!(h.arm(Method::GET, &lb, NET, None).await.status, 404);
    assert_eq!(
        put(
            &h,
            &pip,
            json!({"location": "westus", "sku": {"name": "Standard"}})
        )
        .await
        .status,
        201
    );
    // A rule naming a probe the balancer does not have is refused too.
    let bad_probe = put(&h, &lb, lb_body(&format!("{lb}/probes/none"))).await;
    assert_eq!(bad_probe.code(), "InvalidResourceReference");

    let created = put(&h, &lb, lb_body(&probe)).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let p = &created.body["properties"];
    assert_eq!(p["provisioningState"], "Succeeded");
    assert!(created.body["etag"].as_str().unwrap().starts_with("W/\""));
    assert_eq!(p["frontendIPConfigurations"][0]["id"], fe);
    assert_eq!(
        p["frontendIPConfigurations"][0]["type"],
        "Microsoft.Network/loadBalancers/frontendIPConfigurations"
    );
    assert_eq!(p["backendAddressPools"][0]["id"], pool);
    assert_eq!(p["inboundNatPools"][0]["id"], nat_pool);
    assert_eq!(
        p["inboundNatPools"][0]["properties"]["frontendPortRangeStart"],
        50000
    );
    assert_eq!(
        p["frontendIPConfigurations"][0]["properties"]["loadBalancingRules"][0]["id"],
        format!("{lb}/loadBalancingRules/rule")
    );
    assert_eq!(
        p["probes"][0]["properties"]["loadBalancingRules"][0]["id"],
        format!("{lb}/loadBalancingRules/rule")
    );
    assert_eq!(put(&h, &lb, lb_body(&probe)).await.status, 200);

    // The frontend uses the public IP.
    let got_pip = h.arm(Method::GET, &pip, NET, None).await;
    assert_eq!(got_pip.body["properties"]["ipConfiguration"]["id"], fe);
    let d = h.arm(Method::DELETE, &pip, NET, None).await;
    assert_eq!((d.status.as_u16(), d.code()), (400, "PublicIPAddressInUse"));

    // Children as resources of their own (az vmss create's deployment PUTs an inbound NAT rule).
    let rule = put(
        &h,
        &format!("{lb}/inboundNatRules/NatRule"),
        json!({"properties": {"frontendIPConfiguration": {"id": fe},
            "backendAddressPool": {"id": pool}, "protocol": "Tcp",
            "frontendPortRangeStart": 50000, "frontendPortRangeEnd": 50099, "backendPort": 22}}),
    )
    .await;
    assert_eq!(rule.status, 201, "{:?}", rule.body);
    assert_eq!(rule.body["id"], format!("{lb}/inboundNatRules/NatRule"));
    let rules = h
        .arm(Method::GET, &format!("{lb}/inboundNatRules"), NET, None)
        .await;
    assert_eq!(rules.body["value"].as_array().unwrap().len(), 1);
    let missing = h
        .arm(Method::GET, &format!("{lb}/probes/none"), NET, None)
        .await;
    assert_eq!((missing.status.as_u16(), missing.code()), (404, "NotFound"));

    // A scale set naming a pool the balancer does not have is refused; naming it, accepted.
    let ss = h.vmss_path("rg", "ss1");
    let ss_body = |pool_id: &str| {
        json!({"location": "westus", "sku": {"name": "Standard_B1s", "capacity": 1},
        "properties": {"upgradePolicy": {"mode": "Manual"}, "virtualMachineProfile": {
            "networkProfile": {"networkInterfaceConfigurations": [{"name": "nic", "properties": {
                "primary": true, "ipConfigurations": [{"name": "ipc", "properties": {
                    "loadBalancerBackendAddressPools": [{"id": pool_id}],
                    "loadBalancerInboundNatPools": [{"id": nat_pool}]}}]}}]}}}})
    };
    let bad = h
        .arm(
            Method::PUT,
            &ss,
            COMPUTE,
            Some(&ss_body(&format!("{lb}/backendAddressPools/other"))),
        )
        .await;
    assert_eq!(
        (bad.status.as_u16(), bad.code()),
        (400, "InvalidResourceReference"),
        "{:?}",
        bad.body
    );
    assert_eq!(h.arm(Method::GET, &ss, COMPUTE, None).await.status, 404);
    let ok = h
        .arm(
            Method::PUT,
            &ss,
            COMPUTE,
            Some(&ss_body(&pool.to_ascii_lowercase())),
        )
        .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);

    // In use by the scale set: neither the balancer nor its pool can go.
    let d = h.arm(Method::DELETE, &lb, NET, None).await;
    assert_eq!(
        (d.status.as_u16(), d.code()),
        (400, "LoadBalancerInUseByVirtualMachineScaleSet")
    );
    let d = h.arm(Method::DELETE, &pool, NET, None).await;
    assert_eq!(d.code(), "LoadBalancerInUseByVirtualMachineScaleSet");
    let mut without_pool = lb_body(&probe);
    without_pool["properties"]["backendAddressPools"] = json!([]);
    without_pool["properties"]["loadBalancingRules"] = json!([]);
    let d = put(&h, &lb, without_pool).await;
    assert_eq!(
        (d.status.as_u16(), d.code()),
        (400, "LoadBalancerInUseByVirtualMachineScaleSet"),
        "{:?}",
        d.body
    );
    let kept = h.arm(Method::GET, &pool, NET, None).await;
    assert_eq!(kept.status, 200);

    // A NIC naming a pool that does not exist is refused.
    let nic = put(
        &h,
        &net_path(&h, "rg", "networkInterfaces", "lbnic"),
        json!({"location": "westus", "properties": {"ipConfigurations": [{"name": "c",
            "properties": {"loadBalancerBackendAddressPools": [{"id": format!("{lb}/backendAddressPools/x")}]}}]}}),
    )
    .await;
    assert_eq!(nic.code(), "InvalidResourceReference");

    // Lists by group and subscription.
    let list = h
        .arm(
            Method::GET,
            &format!(
                "{}/providers/Microsoft.Network/loadBalancers",
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
                "/subscriptions/{}/providers/Microsoft.Network/loadBalancers",
                h.sub()
            ),
            NET,
            None,
        )
        .await;
    assert_eq!(subs.body["value"][0]["name"], "lb1");

    // Deleting in order frees everything.
    assert_eq!(h.arm(Method::DELETE, &ss, COMPUTE, None).await.status, 202);
    assert_eq!(h.arm(Method::DELETE, &lb, NET, None).await.status, 200);
    assert_eq!(h.arm(Method::DELETE, &pip, NET, None).await.status, 200);
    assert_eq!(h.arm(Method::DELETE, &lb, NET, None).await.status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_load_balancer_frontends_take_subnet_addresses() {
    let h = start().await;
    h.create_rg("rg").await;
    let vnet = net_path(&h, "rg", "virtualNetworks", "v");
    let subnet_id = format!("{vnet}/subnets/default");
    let v = put(
        &h,
        &vnet,
        json!({"location": "westus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}]}}),
    )
    .await;
    assert_eq!(v.status, 201);
    let lb = net_path(&h, "rg", "loadBalancers", "ilb");
    let body = json!({"location": "westus", "properties": {"frontendIPConfigurations": [
        {"name": "a", "properties": {"subnet": {"id": subnet_id}}},
        {"name": "b", "properties": {"subnet": {"id": subnet_id}}}]}});
    let created = put(&h, &lb, body.clone()).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let fe = &created.body["properties"]["frontendIPConfigurations"];
    assert_eq!(fe[0]["properties"]["privateIPAddress"], "10.0.0.4");
    assert_eq!(fe[1]["properties"]["privateIPAddress"], "10.0.0.5");
    let again = put(&h, &lb, body).await;
    assert_eq!(
        again.body["properties"]["frontendIPConfigurations"][1]["properties"]["privateIPAddress"],
        "10.0.0.5"
    );
    let nic = put(
        &h,
        &net_path(&h, "rg", "networkInterfaces", "n"),
        json!({"location": "westus", "properties": {"ipConfigurations": [{"name": "c",
            "properties": {"subnet": {"id": subnet_id}}}]}}),
    )
    .await;
    assert_eq!(
        nic.body["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"],
        "10.0.0.6"
    );
    // The frontends use the subnet.
    let d = h.arm(Method::DELETE, &subnet_id, NET, None).await;
    assert_eq!(d.code(), "InUseSubnetCannotBeDeleted");
    let s = h.arm(Method::GET, &subnet_id, NET, None).await;
    assert_eq!(
        s.body["properties"]["ipConfigurations"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}
