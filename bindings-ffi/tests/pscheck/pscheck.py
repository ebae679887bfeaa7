"""Syntax check of PowerShell files (.ps1, .psm1, .psd1) with the tree-sitter PowerShell grammar: prints
file:line:col for every ERROR or MISSING node and exits 1 when there is any. PowerShell itself cannot be installed
on this project's machines; this catches what a parser catches (an unbalanced brace, a broken string, a bad
param block).

Known false positives of grammar 0.26.4 (toolchain notes): PowerShell 7 operators (?:, ?., ??, ??=), dotted base
classes and `: base()` chaining; also a hashtable literal as a parameter's default value
(`param([hashtable]$S = @{ a = 1 })`) and a whole `switch` with `default` on one line. The module keeps to
Windows PowerShell 5.1 syntax and avoids those forms, so none occur.

It also runs a few PSScriptAnalyzer rules that need only the syntax tree (PSScriptAnalyzer itself needs
PowerShell), reported as file:line:col: Rule: message under PSScriptAnalyzer's rule names:

- PSUseApprovedVerbs: an exported function's verb is one of Get-Verb's.
- PSUseShouldProcessForStateChangingFunctions: an exported New/Set/Remove/Start/Stop/Restart/Reset/Update
  function declares SupportsShouldProcess.
- PSAvoidUsingWriteHost, PSAvoidUsingInvokeExpression, PSAvoidUsingCmdletAliases (common aliases such as %, ?,
  gci, select, where), PSAvoidGlobalVars ($global:).
- MsiOutputTypeDeclared (this project's rule; PSScriptAnalyzer only checks OutputType when it is there): an
  exported advanced function declares [OutputType()].

Exported functions are those named by Export-ModuleMember in the same file; a file without one exports all of
its functions.

Usage: python pscheck.py FILE_OR_DIR...
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tree_sitter_powershell
from tree_sitter import Language, Parser

EXTENSIONS = {".ps1", ".psm1", ".psd1"}
PARSER = Parser(Language(tree_sitter_powershell.language()))


def problems(source: bytes) -> list[tuple[int, int, str]]:
    """(line, column, what) for every ERROR/MISSING node, 1-based."""
    tree = PARSER.parse(source)
    found = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            what = f"missing {node.type}" if node.is_missing else "syntax error"
            found.append((node.start_point[0] + 1, node.start_point[1] + 1, what))
            if node.is_error:
                continue  # one report per broken region
        if node.has_error or node.is_missing:
            stack.extend(reversed(node.children))
    return sorted(found)


# Get-Verb (PowerShell 7.4): the approved verbs.
APPROVED_VERBS = set("""
Add Clear Close Copy Enter Exit Find Format Get Hide Join Lock Move New Open Optimize Pop Push Redo Remove Rename
Reset Resize Search Select Set Show Skip Split Step Switch Undo Unlock Watch Connect Disconnect Read Receive Send
Write Backup Checkpoint Compare Compress Convert ConvertFrom ConvertTo Dismount Edit Expand Export Group Import
Initialize Limit Merge Mount Out Publish Restore Save Sync Unpublish Update Debug Measure Ping Repair Resolve Test
Trace Approve Assert Build Complete Confirm Deny Deploy Disable Enable Install Invoke Register Request Restart
Resume Start Stop Submit Suspend Uninstall Unregister Wait Block Grant Protect Revoke Unblock Unprotect Use
""".split())
# PSScriptAnalyzer's PSUseShouldProcessForStateChangingFunctions verbs.
STATE_CHANGING_VERBS = {"New", "Set", "Remove", "Start", "Stop", "Restart", "Reset", "Update"}
# Common built-in aliases (a subset of Get-Alias): scripts should spell the command out.
ALIASES = {
    "%", "?", "ac", "cat", "cd", "chdir", "clc", "clear", "cls", "copy", "cp", "del", "diff", "dir", "echo", "erase",
    "fl", "foreach", "ft", "fw", "gc", "gci", "gcm", "gi", "gl", "gm", "gp", "gps", "group", "gsv", "gv", "iex", "ii",
    "ipmo", "kill", "ls", "man", "md", "measure", "mi", "mount", "move", "mv", "ni", "popd", "ps", "pushd", "pwd",
    "r", "rd", "ren", "ri", "rm", "rmdir", "rp", "rv", "sal", "sc", "select", "set", "sleep", "sort", "sp", "spps",
    "start", "sv", "tee", "type", "where", "wget", "curl", "write",
}


def _walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _text(node) -> str:
    return node.text.decode("utf-8", "replace")


def _place(node) -> tuple[int, int]:
    return node.start_point[0] + 1, node.start_point[1] + 1


def _command_name(cmd) -> str | None:
    for c in cmd.children:
        if c.type == "command_name":
            return _text(c)
    return None


def _exported(root) -> set[str] | None:
    """The names Export-ModuleMember lists (its string arguments), or None when the file has no such call."""
    names = None
    for n in _walk(root):
        if n.type == "command" and (_command_name(n) or "").lower() == "export-modulemember":
            names = names or set()
            for s in _walk(n):
                if s.type in ("verbatim_string_characters", "expandable_string_literal", "string_literal"):
                    names.add(_text(s).strip("'\""))
    return names


def _attributes(function) -> dict[str, object]:
    """The attributes of a function's param block by name (lower case), with their nodes."""
    out = {}
    body = next((c for c in function.children if c.type == "script_block"), None)
    block = next((c for c in body.children if c.type == "param_block"), None) if body else None
    attrs = next((c for c in block.children if c.type == "attribute_list"), None) if block else None
    for a in attrs.children if attrs else []:
        name = next((c for c in a.children if c.type == "attribute_name"), None)
        if name is not None:
            out[_text(name).lower()] = a
    return out


def analyze(source: bytes) -> list[tuple[int, int, str, str]]:
    """(line, column, rule, message) for every finding of the rules above, 1-based."""
    root = PARSER.parse(source).root_node
    exported = _exported(root)
    found = []
    for n in _walk(root):
        if n.type == "function_statement":
            name_node = next((c for c in n.children if c.type == "function_name"), None)
            if name_node is None:
                continue
            name = _text(name_node)
            if exported is not None and name not in exported:
                continue
            line, col = _place(name_node)
            verb = name.split("-", 1)[0] if "-" in name else None
            if verb is not None and verb not in APPROVED_VERBS:
                found.append((line, col, "PSUseApprovedVerbs", f"{name}: '{verb}' is not an approved verb (Get-Verb)"))
            attrs = _attributes(n)
            binding = attrs.get("cmdletbinding")
            if verb in STATE_CHANGING_VERBS and (
                binding is None or not re.search(r"SupportsShouldProcess\s*(=\s*\$true)?\s*[,)]", _text(binding), re.I)
            ):
                found.append((line, col, "PSUseShouldProcessForStateChangingFunctions",
                              f"{name} changes state: declare [CmdletBinding(SupportsShouldProcess = $true)]"))
            if binding is not None and "outputtype" not in attrs:
                found.append((line, col, "MsiOutputTypeDeclared", f"{name}: declare [OutputType(...)]"))
        elif n.type == "command":
            cmd = _command_name(n)
            if cmd is None:
                continue
            line, col = _place(n)
            low = cmd.lower()
            if low == "write-host":
                found.append((line, col, "PSAvoidUsingWriteHost", "Write-Host: use Write-Output, Write-Verbose or Write-Information"))
            elif low in ("invoke-expression", "iex"):
                found.append((line, col, "PSAvoidUsingInvokeExpression", f"{cmd}: run code, not strings"))
            if low in ALIASES:
                found.append((line, col, "PSAvoidUsingCmdletAliases", f"'{cmd}' is an alias: spell the command out"))
        elif n.type == "variable" and _text(n).lower().startswith(("$global:", "${global:")):
            line, col = _place(n)
            found.append((line, col, "PSAvoidGlobalVars", f"{_text(n)}: keep state in $script: scope"))
    return sorted(found)


def files(args: list[str]) -> list[Path]:
    out = []
    for a in args:
        p = Path(a)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in EXTENSIONS))
        else:
            out.append(p)
    return out


def main(argv: list[str]) -> int:
    targets = files(argv)
    if not targets:
        print("pscheck: no PowerShell files given", file=sys.stderr)
        return 2
    bad = 0
    findings = 0
    for f in targets:
        source = f.read_bytes()
        for line, col, what in problems(source):
            print(f"{f}:{line}:{col}: {what}")
            bad += 1
        for line, col, rule, message in analyze(source):
            print(f"{f}:{line}:{col}: {rule}: {message}")
            findings += 1
    print(f"pscheck: {len(targets)} files, {bad} problems, {findings} analyzer findings")
    return 1 if bad or findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
