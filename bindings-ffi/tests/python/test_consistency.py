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
# The script files the module dot-sources (its functions live in them too).
PS1 = sorted((FFI / "powershell" / "MsiIdentity").glob("*.ps1"))
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
    if ctype == "MsiBulkCallback":
        return {"BulkCallback"}
    if ctype == "void *":
        return {"IntPtr"}
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


def module_text():
    """The module's script: MsiIdentity.psm1 and the files it dot-sources."""
    return "\n".join(p.read_text(encoding="utf-8") for p in [PSM1, *PS1])


def test_the_module_dot_sources_each_of_its_script_files():
    text = PSM1.read_text(encoding="utf-8")
    for p in PS1:
        assert f". (Join-Path $PSScriptRoot '{p.name}')" in text, p.name


def function_bodies():
    text = module_text()
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


FORMAT = FFI / "powershell" / "MsiIdentity" / "MsiIdentity.Format.ps1xml"
BUILD_MODULE = FFI / "powershell" / "build-module.sh"


def emitted_type_names():
    """The PSTypeNames the module gives its objects (PSTypeName = '...' and ConvertTo-MsiObject's names)."""
    return set(re.findall(r"'(MsiIdentity\.[A-Za-z]+)'", module_text()))


def test_every_exported_function_declares_its_output_type():
    bodies = function_bodies()
    emitted = emitted_type_names()
    for name in exported_functions():
        m = re.search(r"\[OutputType\(([^)]*)\)\]", bodies[name])
        assert m, f"{name}: no [OutputType()]"
        declared = m.group(1).strip()
        assert declared == "[System.Void]" or declared.strip("'") in emitted, f"{name}: OutputType {declared}"


def test_the_format_file_has_a_view_for_each_main_object_and_shows_no_secret():
    import xml.etree.ElementTree as ET

    root = ET.parse(FORMAT).getroot()
    views = {v.findtext("ViewSelectedBy/TypeName"): v for v in root.iter("View")}
    main = {"VirtualMachine", "VirtualMachineScaleSet", "Identity", "UserAssignedIdentity", "RoleAssignment",
            "Extension", "ResourceGroup", "AccessToken", "Context", "Emulator", "DeleteResult"}
    assert {f"MsiIdentity.{t}" for t in main} <= set(views)
    assert set(views) <= emitted_type_names(), "a view for a type the module never emits"
    for name, view in views.items():
        headers = [h.findtext("Label") for h in view.iter("TableColumnHeader")]
        items = list(view.iter("TableColumnItem"))
        assert len(headers) == len(items) > 0, name
        shown = " ".join(headers + ["".join(i.itertext()) for i in items]).lower()
        assert "secret" not in shown and "password" not in shown, name
        assert not any(h == "Token" for h in headers), name


def manifest_list(key):
    text = PSD1.read_text(encoding="utf-8")
    return re.findall(r"'([^']+)'", re.search(key + r"\s*=\s*@\((.*?)\)", text, re.S).group(1))


def test_the_manifest_describes_the_module_and_its_files():
    text = PSD1.read_text(encoding="utf-8")
    for field in ("CompanyName", "Copyright", "ProjectUri", "ReleaseNotes", "LicenseUri"):
        assert re.search(rf"^\s*{field}\s*=", text, re.M), field
    assert re.search(r"ProjectUri\s*=\s*'https://", text)
    assert manifest_list("FormatsToProcess") == ["MsiIdentity.Format.ps1xml"]
    files = manifest_list("FileList")
    assert {"lib/libmsi_identity.so", "lib/msi_identity.dll", "lib/libmsi_identity.dylib"} <= set(files)
    assert "MsiIdentity.Native.dll" in files
    # Everything but what the module build makes is in the source tree.
    built = {"MsiIdentity.Native.dll"} | {f for f in files if f.startswith("lib/")}
    for f in set(files) - built:
        assert (PSD1.parent / f).is_file(), f
    # The build lays out every file of the list (the native library of this platform only).
    script = BUILD_MODULE.read_text(encoding="utf-8")
    for f in set(files) - {f for f in files if f.startswith("lib/")}:
        assert f in script, f"build-module.sh does not lay out {f}"


def param_block(name):
    body = function_bodies()[name]
    return body[body.index("param(") : body.index("\n    )\n")]


@pytest.mark.parametrize("name", ["Update-MsiVM", "Update-MsiVmss", "New-MsiVM", "New-MsiVmss"])
def test_assign_identity_is_a_switch_with_the_azurerm_form_kept(name):
    params = param_block(name)
    assert "[switch]$AssignIdentity" in params
    # `-AssignIdentity SystemAssigned`: the value binds to a hidden positional parameter.
    assert "[Parameter(Position = 0, DontShow = $true)][ValidateSet('SystemAssigned')][string]$AssignIdentityType" in params
    assert params.count("Position = ") == 1, "no other positional parameter may take the value"


def test_extension_cmdlets_take_protected_settings_and_location_only_where_it_means_something():
    vm, vmss = param_block("Set-MsiVMExtension"), param_block("Set-MsiVmssExtension")
    assert "[hashtable]$ProtectedSettings" in vm and "[hashtable]$ProtectedSettings" in vmss
    assert "$Location" in vm and "$Location" not in vmss
    assert "ProtectedSettings = 'protectedSettings'; Location = 'location'" in PSM1.read_text(encoding="utf-8")


def test_get_msiaccesstoken_mirrors_get_azaccesstoken():
    params = param_block("Get-MsiAccessToken")
    for p in ("[string]$ResourceTypeName", "[string]$ResourceUrl", "[string]$TenantId", "[switch]$AsSecureString",
              "[switch]$Identity", "[switch]$AsPlainText"):
        assert p in params, p
    assert "[Alias('Resource', 'ResourceUri')]" in params
    body = function_bodies()["Get-MsiAccessToken"]
    assert "DefaultParameterSetName = 'KnownResourceTypeName'" in body
    # The managed-identity parameters are only in the -Identity sets, where -Identity is mandatory.
    for p in ("ClientId", "ObjectId", "ResourceId", "Source", "Endpoint", "IdentityHeader"):
        decl = re.search(r"((?:\[Parameter\([^)]*\)\])+)\s*(?:\[[^\]]+\])*\s*\$" + p + r"\b", params, re.S).group(1)
        assert "ParameterSetName = 'Identity" in decl and "'KnownResourceTypeName'" not in decl, p
    assert "Token       = $value" in body and "ConvertTo-SecureString" not in body


def test_connect_msiaccount_has_identity_and_account_id():
    params = param_block("Connect-MsiAccount")
    assert "[Parameter(ParameterSetName = 'Identity', Mandatory = $true)][switch]$Identity" in params
    assert "[Parameter(ParameterSetName = 'Identity')][string]$AccountId" in params
