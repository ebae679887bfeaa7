"""Reads include/msi_identity.h (as cbindgen writes it): the functions with their parameters and the
"Nullable:" list of each function's documentation, and the MsiResult codes. Shared by the ctypes tests and the
consistency test."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HEADER = Path(__file__).resolve().parents[2] / "include" / "msi_identity.h"


@dataclass
class Param:
    ctype: str  # normalised: "const char *", "struct MsiClient **", "bool", ...
    name: str


@dataclass
class Function:
    name: str
    ret: str
    params: list[Param]
    doc: str
    nullable: set[str] = field(default_factory=set)

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


def _norm(t: str) -> str:
    t = re.sub(r"\s+", " ", t.strip())
    t = re.sub(r"\s*\*", " *", t)
    return t.replace("* *", "**")


def parse_functions(text: str | None = None) -> list[Function]:
    text = text if text is not None else HEADER.read_text(encoding="utf-8")
    out = []
    pat = re.compile(r"/\*\*((?:(?!\*/).)*)\*/\s*([A-Za-z_][\w ]*?\**)\s*\b(msi_\w+)\(([^;]*?)\);", re.S)
    for m in pat.finditer(text):
        doc = " ".join(line.strip().lstrip("*").strip() for line in m.group(1).splitlines()).strip()
        ret = _norm(m.group(2))
        params = []
        raw = m.group(4).strip()
        if raw and raw != "void":
            for piece in raw.split(","):
                pm = re.match(r"^(.*?)(\w+)$", re.sub(r"\s+", " ", piece.strip()))
                assert pm, piece
                params.append(Param(_norm(pm.group(1)), pm.group(2)))
        nullable = set()
        nm = re.search(r"Nullable:(.*)$", doc)
        if nm:
            for part in nm.group(1).split(","):
                w = re.match(r"\s*(\w+)", part)
                if w:
                    nullable.add(w.group(1))
        out.append(Function(m.group(3), ret, params, doc, nullable))
    return out


def parse_results(text: str | None = None) -> dict[str, int]:
    """MSI_RESULT_X -> number, in header order."""
    text = text if text is not None else HEADER.read_text(encoding="utf-8")
    body = re.search(r"enum MsiResult[^{]*\{(.*?)\};", text, re.S).group(1)
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"\b(MSI_RESULT_\w+) = (-?\d+)", body)}
