"""The layers agree: every function of the header has exactly one DllImport in the PowerShell module's C# with a
matching signature, the C# result enum is the C one, every result has an ErrorCategory in the module, the C tests
call every function, and every exported cmdlet has help, ShouldProcess where it changes something, and a Pester
test."""

import re
from pathlib import Path

import pytest

import header

FFI = Path(__file__).resolve().parents[2]
NATIVE_CS = FFI / "powershell" / "MsiIdentity" / "MsiIdentity.Native.cs"
PSM1 = FFI / "powershell" / "MsiIdentity" / "MsiIdentity.psm1"
PSD1 = FFI / "powershell" / "MsiIdentity" / "MsiIdentity.psd1"
PESTER = FFI / "powershell" / "tests"
C_TESTS = FFI / "tests" / "c"

FUNCTIONS = header.parse_functions()
RESULTS = header.parse_results()
HANDLES = {
    "MsiClient": "ClientHandle",
    "MsiSettings": "SettingsHandle",
    "MsiEmulator": "EmulatorHandle",
    "MsiManagedIdentityCredential": "CredentialHandle",
}
UTF8_STRING = "[MarshalAs(UnmanagedType.LPUTF8Str)] string"


def dllimports():
    text = NATIVE_CS.read_text(encoding="utf-8")
    pat = re.compile(r"\[DllImport\((\w+)[^\]]*\)\]\s*(?:private|internal) static extern (\w+) (\w+)\((.*?)\);")
    out = {}
    for m in pat.finditer(text):
        lib, ret, name, raw = m.groups()
        if lib != "Library":  # kernel32/libdl for the loader, not this library
            continue
        params = [] if not raw.strip() else [p.strip() for p in raw.split(",")]
        out.setdefault(name, []).append((ret, params))
    return out


IMPORTS = dllimports()


def allowed(ctype: str, fname: str) -> set[str]:
    """The C# parameter types a C parameter type may map to."""
    if ctype == "const char *":
        return {UTF8_STRING, "IntPtr"}
    if ctype == "char *":
        return {"IntPtr"}
    if ctype.endswith("**"):
        return {"out IntPtr"}
    if ctype == "bool":
        return {"[MarshalAs(UnmanagedType.U1)] bool"}
    if ctype == "bool *":
        return {"[MarshalAs(UnmanagedType.U1)] out bool"}
    if ctype == "int64_t *":
        return {"out long"}
    simple = {"uint16_t": "ushort", "uint32_t": "uint", "int32_t": "int"}
    if ctype in simple:
        return {simple[ctype]}
    m = re.fullmatch(r"(?:const )?struct (\w+) \*", ctype)
    if m and m.group(1) == "MsiError":
        return {"IntPtr"}
    if m and m.group(1) in HANDLES:
        # _free takes the raw pointer (from ReleaseHandle); other calls take the SafeHandle (or a raw pointer).
        return {"IntPtr"} if fname.endswith("_free") else {HANDLES[m.group(1)], "IntPtr"}
    raise AssertionError(f"{fname}: no C# mapping for {ctype}")


RETURNS = {"MsiResult": "MsiResult", "const char *": "IntPtr", "int32_t": "int", "void": "void"}


def test_every_header_function_has_exactly_one_dllimport():
    names = {f.name for f in FUNCTIONS}
    assert len(names) == len(FUNCTIONS) > 60
    missing = sorted(names - set(IMPORTS))
    extra = sorted(set(IMPORTS) - names)
    twice = sorted(n for n, v in IMPORTS.items() if len(v) > 1)
    assert (missing, extra, twice) == ([], [], [])


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.name)
def test_dllimport_signature_matches_the_header(f):
    (ret, params), = IMPORTS[f.name]
    # A `const char*` return is borrowed or static: as `string` the marshaller would free it. IntPtr only.
    assert ret == RETURNS[f.ret], f"{f.name}: returns {ret}, header {f.ret}"
    assert len(params) == len(f.params), f"{f.name}: {len(params)} parameters, header {len(f.params)}"
    for cs, c in zip(params, f.params):
        m = re.fullmatch(r"(.*) (\w+)", cs)
        assert m, cs
        cs_type, cs_name = m.group(1), m.group(2)
        assert cs_name == c.name, f"{f.name}: parameter {cs_name}, header {c.name}"
        assert cs_type in allowed(c.ctype, f.name), f"{f.name}({c.name}): {cs_type!r} for C {c.ctype!r}"


def test_the_csharp_result_enum_is_the_c_one():
    text = NATIVE_CS.read_text(encoding="utf-8")
    body = re.search(r"public enum MsiResult : int\s*\{(.*?)\}", text, re.S).group(1)
    cs = {m.group(1): int(m.group(2)) for m in re.finditer(r"(\w+) = (-?\d+)", body)}
    c = {"".join(w.capitalize() for w in k.removeprefix("MSI_RESULT_").split("_")): v for k, v in RESULTS.items()}
    assert cs == c
    assert list(cs) == list(c), "same order"


ERROR_CATEGORIES = {
    "NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected", "InvalidArgument", "InvalidData",
    "InvalidOperation", "InvalidResult", "InvalidType", "MetadataError", "NotImplemented", "NotInstalled",
    "ObjectNotFound", "OperationStopped", "OperationTimeout", "SyntaxError", "ParserError", "PermissionDenied",
    "ResourceBusy", "ResourceExists", "ResourceUnavailable", "ReadError", "WriteError", "FromStdErr",
    "SecurityError", "ProtocolError", "ConnectionError", "AuthenticationError", "LimitsExceeded", "QuotaExceeded",
    "NotEnabled",
}


def test_every_result_has_an_error_category_in_the_module():
    text = PSM1.read_text(encoding="utf-8")
    table = re.search(r"\$script:ErrorCategories = @\{(.*?)\n\}", text, re.S).group(1)
    mapping = dict(re.findall(r"(\w+)\s*=\s*'(\w+)'", table))
    names = {"".join(w.capitalize() for w in k.removeprefix("MSI_RESULT_").split("_")) for k in RESULTS} - {"Ok"}
    assert set(mapping) == names
    assert set(mapping.values()) <= ERROR_CATEGORIES
    assert mapping["NotFound"] == "ObjectNotFound" and mapping["Authorization"] == "PermissionDenied"
    assert mapping["Conflict"] == "ResourceExists" and mapping["Authentication"] == "AuthenticationError"


def test_the_c_tests_call_every_function():
    text = "\n".join(p.read_text(encoding="utf-8") for p in C_TESTS.glob("*.c"))
    uncalled = sorted(f.name for f in FUNCTIONS if not re.search(rf"\b{f.name}\(", text))
    assert uncalled == []


def exported_functions():
    text = PSM1.read_text(encoding="utf-8")
    block = re.search(r"Export-ModuleMember[^(]*@\((.*?)\)", text, re.S).group(1)
    return re.findall(r"'([\w-]+)'", block)


def function_bodies():
    text = PSM1.read_text(encoding="utf-8")
    parts = re.split(r"^function ([\w-]+) \{", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def test_the_manifest_exports_what_the_module_exports():
    manifest = PSD1.read_text(encoding="utf-8")
    listed = re.findall(r"'([\w-]+)'", re.search(r"FunctionsToExport\s*=\s*@\((.*?)\)", manifest, re.S).group(1))
    assert listed == exported_functions()
    assert set(listed) <= set(function_bodies())


CHANGES = ("New-", "Set-", "Update-", "Remove-", "Add-", "Start-", "Stop-", "Disconnect-")


@pytest.mark.parametrize("name", exported_functions())
def test_each_cmdlet_has_help_whatif_and_a_pester_test(name):
    body = function_bodies()[name]
    assert re.search(r"<#.*\.SYNOPSIS.*\.EXAMPLE.*#>", body, re.S), f"{name}: comment-based help"
    assert "[CmdletBinding(" in body
    if name.startswith(CHANGES):
        assert "SupportsShouldProcess = $true" in body, f"{name}: -WhatIf/-Confirm"
        assert "ShouldProcess(" in body or "Invoke-MsiCompute" in body or "Invoke-MsiExtension" in body
    pester = "\n".join(p.read_text(encoding="utf-8") for p in PESTER.glob("*.Tests.ps1"))
    assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", pester), f"{name}: no Pester test"


def test_pipeline_input_by_resource_id():
    bodies = function_bodies()
    for name in exported_functions():
        if re.search(r"-Msi(VM|Vmss)(Identity)?$", name) and not name.startswith("New-"):
            assert re.search(r"ValueFromPipelineByPropertyName = \$true\)\]\[Alias\('ResourceId'\)\]\[string\]\$Id", bodies[name]), name
