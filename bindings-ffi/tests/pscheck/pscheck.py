"""Syntax check of PowerShell files (.ps1, .psm1, .psd1) with the tree-sitter PowerShell grammar: prints
file:line:col for every ERROR or MISSING node and exits 1 when there is any. PowerShell itself cannot be installed
on this project's machines; this catches what a parser catches (an unbalanced brace, a broken string, a bad
param block).

Known false positives of grammar 0.26.4 (toolchain notes): PowerShell 7 operators (?:, ?., ??, ??=), dotted base
classes and `: base()` chaining; also a hashtable literal as a parameter's default value
(`param([hashtable]$S = @{ a = 1 })`) and a whole `switch` with `default` on one line. The module keeps to
Windows PowerShell 5.1 syntax and avoids those forms, so none occur.

Usage: python pscheck.py FILE_OR_DIR...
"""

from __future__ import annotations

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
    for f in targets:
        for line, col, what in problems(f.read_bytes()):
            print(f"{f}:{line}:{col}: {what}")
            bad += 1
    print(f"pscheck: {len(targets)} files, {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
