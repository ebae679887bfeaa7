"""Bad input at the boundary, for every exported function read from the header: a NULL where a value is
required, text that is not UTF-8, `*_json` text that is not JSON. Each is its result code with an error object
naming the argument, the outputs untouched, never a crash."""

import ctypes
from ctypes import byref, c_bool, c_int64, c_void_p

import pytest
from conftest import FUNCTIONS, LIB, NO_CALLBACK, RESULTS, read_error

NULL_ARGUMENT = RESULTS["MSI_RESULT_NULL_ARGUMENT"]
INVALID_UTF8 = RESULTS["MSI_RESULT_INVALID_UTF8"]
INVALID_JSON = RESULTS["MSI_RESULT_INVALID_JSON"]
SENTINEL = 0x5EED

FALLIBLE = [f for f in FUNCTIONS.values() if f.ret == "MsiResult" and f.params and f.params[-1].name == "error_out"]


def test_every_fallible_function_is_covered():
    assert len(FALLIBLE) > 50
    assert {f.name for f in FUNCTIONS.values() if f.ret == "MsiResult"} - {f.name for f in FALLIBLE} == {
        "msi_error_result"
    }


def arguments(f, handles):
    """Valid-looking arguments for every parameter of `f` (no request is ever sent: each test breaks one)."""
    args, outs = [], {}
    for p in f.params[:-1]:
        t = p.ctype
        if t == "const char *":
            text = b"[]" if p.name == "identities_json" else b"{}" if p.name.endswith("_json") else b"x"
            args.append(ctypes.create_string_buffer(text))
        elif t in ("const struct MsiClient *",):
            args.append(handles["client"])
        elif t in ("struct MsiSettings *", "const struct MsiSettings *"):
            args.append(handles["settings"])
        elif t == "const struct MsiEmulator *":
            args.append(handles["emulator"])
        elif t == "const struct MsiManagedIdentityCredential *":
            args.append(handles["credential"])
        elif t.endswith("**"):
            outs[p.name] = c_void_p(SENTINEL)
            args.append(byref(outs[p.name]))
        elif t == "bool *":
            outs[p.name] = c_bool(True)
            args.append(byref(outs[p.name]))
        elif t == "int64_t *":
            outs[p.name] = c_int64(SENTINEL)
            args.append(byref(outs[p.name]))
        elif t == "bool":
            args.append(False)
        elif t in ("uint16_t", "uint32_t"):
            args.append(0)
        elif t == "int32_t":
            args.append(-1)
        elif t == "MsiBulkCallback":
            args.append(NO_CALLBACK)
        elif t == "void *":
            args.append(None)
        else:
            raise AssertionError(f"{f.name}: no test value for {t} {p.name}")
    return args, outs


@pytest.fixture()
def handles(client, emulator, settings, credential):
    return {"client": client, "emulator": emulator[0], "settings": settings, "credential": credential}


def expect(f, args, outs, want, arg_name):
    err = c_void_p()
    r = getattr(LIB, f.name)(*args, byref(err))
    assert r == want, f"{f.name}({arg_name}): got {r}, want {want}"
    e = read_error(err.value)
    assert e.result == want and arg_name in e.message, (f.name, e.message)
    for name, v in outs.items():
        assert v.value in (SENTINEL, True), f"{f.name}: {name} written on failure"


def cases(kind):
    for f in FALLIBLE:
        for i, p in enumerate(f.params[:-1]):
            pointer = p.ctype.endswith("*")
            if kind == "null" and pointer and p.name not in f.nullable:
                yield pytest.param(f, i, id=f"{f.name}-{p.name}")
            if kind == "utf8" and p.ctype == "const char *":
                yield pytest.param(f, i, id=f"{f.name}-{p.name}")
            if kind == "json" and p.ctype == "const char *" and p.name.endswith("_json"):
                yield pytest.param(f, i, id=f"{f.name}-{p.name}")


@pytest.mark.parametrize("f,i", list(cases("null")))
def test_null_is_null_argument(handles, f, i):
    args, outs = arguments(f, handles)
    args[i] = None
    outs.pop(f.params[i].name, None)
    expect(f, args, outs, NULL_ARGUMENT, f.params[i].name)


@pytest.mark.parametrize("f,i", list(cases("utf8")))
def test_invalid_utf8_is_invalid_utf8(handles, f, i):
    args, outs = arguments(f, handles)
    args[i] = ctypes.create_string_buffer(b"ab\xff\xfe\xc3")
    expect(f, args, outs, INVALID_UTF8, f.params[i].name)


@pytest.mark.parametrize("f,i", list(cases("json")))
def test_invalid_json_is_invalid_json(handles, f, i):
    args, outs = arguments(f, handles)
    args[i] = ctypes.create_string_buffer(b'{"unterminated": ')
    expect(f, args, outs, INVALID_JSON, f.params[i].name)


def test_accessors_and_frees_take_null():
    for name in ("msi_error_kind", "msi_error_code", "msi_error_message", "msi_error_request_id", "msi_error_target"):
        assert getattr(LIB, name)(None) is None
    assert LIB.msi_error_status(None) == 0
    assert LIB.msi_error_result(None) == NULL_ARGUMENT
    for f in FUNCTIONS.values():
        if f.name.endswith("_free"):
            getattr(LIB, f.name)(None)


def test_wrong_json_shapes_are_invalid_arguments(client):
    """JSON that is not the shape of core's request struct (a wrong type, an unknown field) is refused before
    anything is sent, naming the argument."""
    out = c_void_p(SENTINEL)
    invalid_argument = RESULTS["MSI_RESULT_INVALID_ARGUMENT"]
    for bad in (b'"a string"', b"[1, 2]", b"null", b'{"identities": "id1"}', b'{"identities": [1]}', b'{"colour": 1}',
                b'{"systemAssigned": "yes"}'):
        err = c_void_p()
        r = LIB.msi_vm_identity_assign(client, b"rg", b"vm", bad, byref(out), None, None, byref(err))
        assert r == invalid_argument, bad
        e = read_error(err.value)
        assert "request_json" in e.message, (bad, e.message)
    err = c_void_p()
    assert LIB.msi_vm_identity_set(client, b"rg", b"vm", b"{}", byref(out), None, byref(err)) == invalid_argument
    assert "type" in read_error(err.value).message  # the required field, named by serde
    err = c_void_p()
    r = LIB.msi_vmss_extension_set(client, b"rg", b"ss", b'{"type": "x", "extra": 1}', byref(out), byref(err))
    assert r == invalid_argument
    assert "extra" in read_error(err.value).message
    err = c_void_p()
    r = LIB.msi_vm_create_basic(client, b"rg", b"vm", b'{"instanceCount": "two"}', byref(out), byref(err))
    assert r == invalid_argument
    assert "options_json" in read_error(err.value).message
    assert out.value == SENTINEL
