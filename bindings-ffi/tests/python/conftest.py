"""ctypes access to libmsi_identity, every signature declared from the header, and an emulator started through
the C ABI for the session."""

from __future__ import annotations

import ctypes
import json
import os
from ctypes import POINTER, byref, c_bool, c_char_p, c_int32, c_int64, c_uint16, c_uint32, c_void_p
from pathlib import Path

import pytest

import header

ROOT = Path(__file__).resolve().parents[3]
LIB_PATH = os.environ.get("MSI_FFI_LIB", str(ROOT / "target" / "debug" / "libmsi_identity.so"))

FUNCTIONS = {f.name: f for f in header.parse_functions()}
RESULTS = header.parse_results()
OK = RESULTS["MSI_RESULT_OK"]


# MsiBulkCallback: int32_t (*)(void *user_data, const char *event_json).
BULK_CALLBACK = ctypes.CFUNCTYPE(c_int32, c_void_p, c_void_p)
# A NULL MsiBulkCallback (ctypes refuses None for a function-pointer argument).
NO_CALLBACK = BULK_CALLBACK()


def ctype_of(t: str):
    # Strings and out-pointers are raw pointers (c_void_p), never c_char_p (which converts to bytes and loses the
    # pointer to free), as the toolchain notes say.
    if t in ("MsiResult", "int32_t"):
        return c_int32
    if t == "bool":
        return c_bool
    if t == "uint16_t":
        return c_uint16
    if t == "uint32_t":
        return c_uint32
    if t == "void":
        return None
    if t == "MsiBulkCallback":
        return BULK_CALLBACK
    if t == "int64_t *":
        return POINTER(c_int64)
    if t == "bool *":
        return POINTER(c_bool)
    if t.endswith("*"):
        return c_void_p
    raise AssertionError(f"unmapped C type {t!r}")


def load():
    lib = ctypes.CDLL(LIB_PATH)
    for f in FUNCTIONS.values():
        fn = getattr(lib, f.name)
        fn.restype = ctype_of(f.ret)
        fn.argtypes = [ctype_of(p.ctype) for p in f.params]
    return lib


LIB = load()


def s(text: str | bytes | None):
    """A C string argument (kept alive by the caller's reference)."""
    if text is None:
        return None
    return ctypes.create_string_buffer(text.encode() if isinstance(text, str) else text)


def take_string(p: int | None) -> str | None:
    """Read a string the library returned and free it."""
    if not p:
        return None
    try:
        return ctypes.string_at(p).decode("utf-8")
    finally:
        LIB.msi_string_free(p)


class MsiFailure(Exception):
    def __init__(self, result, kind, status, code, message, request_id, target):
        super().__init__(f"{kind}: {message}")
        self.result, self.kind, self.status, self.code = result, kind, status, code
        self.message, self.request_id, self.target = message, request_id, target


def read_error(err: int) -> MsiFailure:
    def borrowed(fn):
        p = fn(err)
        return ctypes.string_at(p).decode() if p else None

    e = MsiFailure(
        LIB.msi_error_result(err),
        borrowed(LIB.msi_error_kind),
        LIB.msi_error_status(err),
        borrowed(LIB.msi_error_code),
        borrowed(LIB.msi_error_message),
        borrowed(LIB.msi_error_request_id),
        borrowed(LIB.msi_error_target),
    )
    LIB.msi_error_free(err)
    return e


def call(name: str, *args):
    """Call `name` with `args` plus an error out-parameter; raise MsiFailure unless it succeeds."""
    err = c_void_p()
    r = getattr(LIB, name)(*args, byref(err))
    if r != OK:
        assert err.value, f"{name} failed ({r}) without an error object"
        e = read_error(err.value)
        assert e.result == r
        raise e
    assert not err.value, "error_out written on success"
    return r


def call_json(name: str, *args):
    out = c_void_p()
    call(name, *args, byref(out))
    return json.loads(take_string(out.value))


@pytest.fixture(scope="session")
def emulator():
    emu = c_void_p()
    call("msi_emulator_start", None, 0, 0, True, b"off", byref(emu))
    info = call_json("msi_emulator_info", emu)
    yield emu, info
    LIB.msi_emulator_free(emu)


@pytest.fixture(scope="session")
def client(emulator):
    emu, _ = emulator
    c = c_void_p()
    call("msi_emulator_client_new", emu, byref(c))
    call_json("msi_group_create", c, s("ctypes-rg"), s("westus"))
    yield c
    LIB.msi_client_free(c)


@pytest.fixture()
def settings():
    st = c_void_p()
    call("msi_settings_new", byref(st))
    yield st
    LIB.msi_settings_free(st)


@pytest.fixture()
def credential():
    cred = c_void_p()
    call("msi_managed_identity_credential_new_imds", s("http://127.0.0.1:9"), None, None, None, byref(cred))
    yield cred
    LIB.msi_managed_identity_credential_free(cred)


__all__ = ["LIB", "FUNCTIONS", "RESULTS", "OK", "s", "take_string", "call", "call_json", "read_error",
           "MsiFailure", "c_char_p"]
