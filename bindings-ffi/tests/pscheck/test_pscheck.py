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
