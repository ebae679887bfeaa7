"""The PowerShell syntax checker catches broken code (with file:line:col) and passes the module."""

import subprocess
import sys
from pathlib import Path

import pscheck

HERE = Path(__file__).resolve().parent
POWERSHELL = HERE.parents[1] / "powershell"


def test_the_module_and_its_tests_parse():
    files = pscheck.files([str(POWERSHELL)])
    assert {f.suffix for f in files} == {".psd1", ".psm1", ".ps1"}
    for f in files:
        assert pscheck.problems(f.read_bytes()) == [], f


def test_a_missing_paren_is_caught_with_its_place(tmp_path):
    broken = tmp_path / "Broken.psm1"
    broken.write_text(
        "function Get-Thing {\n"
        "    param([string]$Name\n"  # the ')' is missing
        "    Write-Output $Name\n"
        "}\n"
    )
    out = subprocess.run([sys.executable, str(HERE / "pscheck.py"), str(broken)], capture_output=True, text=True)
    assert out.returncode == 1
    assert f"{broken}:" in out.stdout and "1 files" in out.stdout
    line = out.stdout.splitlines()[0]
    assert line.split(":")[1].isdigit() and line.split(":")[2].isdigit(), line


def test_unbalanced_braces_and_strings_are_caught():
    assert pscheck.problems(b"if ($true) { Write-Output 'x'\n")
    assert pscheck.problems(b"$a = @{ port = 50342\n")
    assert pscheck.problems(b"Write-Output \"unterminated\n")


def test_valid_51_syntax_passes():
    ok = b"""[CmdletBinding(SupportsShouldProcess = $true)]
param([ValidateSet('a', 'b')][string]$X, [hashtable]$Settings)
$Settings = @{ port = 50342 }
$h = @'
here
'@
switch -Regex ($X) {
    '^a' { 1 }
    default { 2 }
}
try { & { $args } 1 2 } catch { $_ } finally { }
"""
    assert pscheck.problems(ok) == []


def test_no_files_is_a_usage_error():
    assert pscheck.main([]) == 2


def rules(source: bytes) -> list[str]:
    return [rule for _, _, rule, _ in pscheck.analyze(source)]


def test_the_module_and_its_tests_pass_the_analyzer_rules():
    for f in pscheck.files([str(POWERSHELL)]):
        assert pscheck.analyze(f.read_bytes()) == [], f


def test_the_module_exports_what_the_analyzer_checks():
    psm1 = POWERSHELL / "MsiIdentity" / "MsiIdentity.psm1"
    exported = pscheck._exported(pscheck.PARSER.parse(psm1.read_bytes()).root_node)
    assert exported and len(exported) > 30 and "Get-MsiAccessToken" in exported and "Invoke-MsiCall" not in exported


GOOD = b"""function Remove-Thing {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    [OutputType([bool])]
    param([string]$Name)
    if ($PSCmdlet.ShouldProcess($Name, 'Remove')) { Write-Output $true }
}
"""


def test_a_clean_function_passes():
    assert pscheck.analyze(GOOD) == []


def test_unapproved_verbs_of_exported_functions_are_caught():
    bad = GOOD.replace(b"Remove-Thing", b"Fetch-Thing")
    assert rules(bad) == ["PSUseApprovedVerbs"]
    line, col, _, message = pscheck.analyze(bad)[0]
    assert (line, col) == (1, 10) and "'Fetch'" in message
    # Private helpers (not in Export-ModuleMember) are not checked.
    private = bad + b"function Get-Other {\n    [CmdletBinding()]\n    [OutputType([int])]\n    param()\n    1\n}\n" \
        b"Export-ModuleMember -Function 'Get-Other'\n"
    assert rules(private) == []


def test_state_changing_verbs_need_should_process():
    assert rules(GOOD.replace(b"SupportsShouldProcess = $true, ", b"")) == ["PSUseShouldProcessForStateChangingFunctions"]
    for verb in (b"New", b"Set", b"Start", b"Stop", b"Update"):
        assert rules(GOOD.replace(b"SupportsShouldProcess = $true, ", b"").replace(b"Remove-", verb + b"-")) == [
            "PSUseShouldProcessForStateChangingFunctions"]
    assert rules(GOOD.replace(b"SupportsShouldProcess = $true, ", b"").replace(b"Remove-", b"Get-")) == []


def test_advanced_functions_declare_output_type():
    assert rules(GOOD.replace(b"    [OutputType([bool])]\n", b"")) == ["MsiOutputTypeDeclared"]
    # A plain (not advanced) function is not asked for one.
    assert rules(b"function Get-Plain { 1 }\n") == []


def test_write_host_invoke_expression_aliases_and_globals_are_caught():
    assert rules(b"Write-Host 'hi'\n") == ["PSAvoidUsingWriteHost"]
    assert rules(b"Invoke-Expression $code\n") == ["PSAvoidUsingInvokeExpression"]
    assert sorted(rules(b"gci | % { $_ } | ? { $_ } | select -First 1\n")) == ["PSAvoidUsingCmdletAliases"] * 4
    assert rules(b"$global:State = 1\n") == ["PSAvoidGlobalVars"]
    assert rules(b"Get-ChildItem | ForEach-Object { $_ } | Where-Object { $_ }\nforeach ($x in 1..2) { $x }\n") == []


def test_findings_fail_the_check_with_their_place(tmp_path):
    f = tmp_path / "Bad.psm1"
    f.write_text("function Get-Thing {\n    [CmdletBinding()]\n    param()\n    Write-Host 'x'\n}\n")
    out = subprocess.run([sys.executable, str(HERE / "pscheck.py"), str(f)], capture_output=True, text=True)
    assert out.returncode == 1
    assert f"{f}:1:10: MsiOutputTypeDeclared:" in out.stdout
    assert f"{f}:4:5: PSAvoidUsingWriteHost:" in out.stdout
    assert "0 problems, 2 analyzer findings" in out.stdout
