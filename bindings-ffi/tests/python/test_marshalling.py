"""Marshalling through ctypes: strings in and out (non-ASCII included), out-parameters, freeing, error objects."""

import ctypes
import json
import threading
from ctypes import byref, c_bool, c_int64, c_void_p

import pytest
from conftest import LIB, OK, RESULTS, MsiFailure, call, call_json, read_error, s, take_string


def test_version_and_result_names_are_static_strings():
    assert ctypes.string_at(LIB.msi_version()).decode().count(".") == 2
    for name, number in RESULTS.items():
        got = ctypes.string_at(LIB.msi_result_name(number)).decode()
        assert got == name.removeprefix("MSI_RESULT_").lower()
    assert LIB.msi_result_name(12345) is None


def test_non_ascii_round_trips(client):
    group = "grüße-日本-ctypes"
    g = call_json("msi_group_create", client, s(group), s("West US"))
    assert g["name"] == group and g["location"] == "westus"
    assert call_json("msi_group_get", client, s(group))["name"] == group
    tags = {"owner": "Zoë ✓", "note": "naïve café 😀", "empty": ""}
    u = call_json("msi_user_identity_create", client, s("ctypes-rg"), s("uai-tags"), None, s(json.dumps(tags)))
    assert u["tags"] == tags
    again = call_json("msi_user_identity_get", client, None, s(u["id"]))
    assert again["tags"] == tags and again["properties"]["principalId"] == u["properties"]["principalId"]


def test_string_out_is_caller_owned_and_freed_once(client):
    out = c_void_p()
    call("msi_group_get", client, s("ctypes-rg"), byref(out))
    assert out.value
    text = ctypes.string_at(out.value).decode()
    assert json.loads(text)["name"] == "ctypes-rg"
    LIB.msi_string_free(out.value)
    LIB.msi_string_free(None)


def test_outputs_are_written_only_on_success(client):
    sentinel = 0xDEADBEEF
    out = c_void_p(sentinel)
    deleted = c_bool(True)
    err = c_void_p()
    r = LIB.msi_group_get(client, s("no-such-group"), byref(out), byref(err))
    assert r == RESULTS["MSI_RESULT_NOT_FOUND"]
    assert out.value == sentinel
    e = read_error(err.value)
    assert (e.kind, e.status, e.code) == ("not_found", 404, "ResourceGroupNotFound")
    assert e.request_id and "no-such-group" in e.message
    err = c_void_p()
    r = LIB.msi_vm_delete(client, s("bad/group"), s("vm"), byref(deleted), byref(err))
    assert r == RESULTS["MSI_RESULT_INVALID_ARGUMENT"] and deleted.value is True
    LIB.msi_error_free(err.value)


def test_error_out_may_be_null_and_is_untouched_on_success(client):
    out = c_void_p()
    assert LIB.msi_group_get(client, s("no-such-group"), byref(out), None) == RESULTS["MSI_RESULT_NOT_FOUND"]
    err = c_void_p(0x1234)
    assert LIB.msi_group_get(client, s("ctypes-rg"), byref(out), byref(err)) == OK
    assert err.value == 0x1234
    take_string(out.value)


def test_bool_and_int64_out_parameters(client, emulator):
    emu, _ = emulator
    vm = call_json("msi_vm_create_basic", client, s("ctypes-rg"), s("vm1"), s('{"identityType": "SystemAssigned"}'))
    changed = c_bool(True)
    out = c_void_p()
    call("msi_vm_identity_assign", client, s("ctypes-rg"), s("vm1"), None, byref(out), byref(changed), None)
    assert changed.value is False
    take_string(out.value)
    base = c_void_p()
    call("msi_emulator_imds_base_url", emu, s(vm["id"]), -1, byref(base))
    base_url = take_string(base.value)
    cred = c_void_p()
    call("msi_managed_identity_credential_new_imds", s(base_url), None, None, None, byref(cred))
    token, expires = c_void_p(), c_int64(0)
    call("msi_managed_identity_credential_get_token", cred, s("https://vault.azure.net"), byref(token), byref(expires))
    text = take_string(token.value)
    assert text.count(".") == 2 and expires.value > 1_700_000_000
    LIB.msi_managed_identity_credential_free(cred)
    deleted = c_bool(False)
    call("msi_vm_delete", client, None, s(vm["id"]), byref(deleted))
    assert deleted.value is True


def test_error_fields_of_a_service_error(client):
    out = c_void_p()
    with pytest.raises(MsiFailure) as e:
        call("msi_vm_identity_set", client, s("ctypes-rg"), s("missing-vm"), s('{"type": "SystemAssigned"}'), byref(out),
             None)
    assert not out.value
    assert e.value.kind == "not_found" and e.value.status == 404 and e.value.code == "ResourceNotFound"


def test_emulator_info_names_everything_a_script_needs(emulator):
    _, info = emulator
    for k in ("endpoint", "caCertPem", "caCertPath", "tenantId", "subscriptionId", "adminClientId",
              "adminClientSecret", "imdsEndpoint"):
        assert info[k], k
    assert info["env"]["MSI_ARM_ENDPOINT"] == info["endpoint"]
    with open(info["caCertPath"], encoding="ascii") as f:
        assert f.read() == info["caCertPem"]


def test_one_client_many_threads(client):
    errors = []

    def work():
        try:
            for _ in range(5):
                assert call_json("msi_group_get", client, s("ctypes-rg"))["name"] == "ctypes-rg"
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
