"""The reliability corpus: ways a careless user or a broken download damages an input, and what
a clean refusal looks like (shared by the tests of this folder)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Outcome:
    """What a user sees: exit status, standard output, standard error."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def assert_clean_error(outcome: Outcome, *fragments: str) -> None:
    """A refusal as a user should meet it: exit status 2, one error, no traceback."""
    assert outcome.code == 2, outcome.text
    assert "Traceback" not in outcome.text
    assert "internal error" not in outcome.text, outcome.text
    assert "error" in outcome.err.lower(), outcome.text
    for fragment in fragments:
        assert fragment in outcome.text, (fragment, outcome.text)


# ----------------------------------------------------------------------------- the damages


def truncate_mid(data: bytes) -> bytes:
    """A download cut in the middle of a line."""
    cut = len(data) // 2
    while cut < len(data) and data[cut:cut + 1] in (b"\n", b"\r", b"\t", b","):
        cut += 1
    return data[:cut + 1]


def truncate_lines(data: bytes) -> bytes:
    """Half the file, cut at a line end: every line whole, half of them gone."""
    cut = data.rfind(b"\n", 0, len(data) // 2)
    return data[:cut + 1]


def flip_bytes(data: bytes) -> bytes:
    """Three letters changed in the middle of the file (structure intact)."""
    out = bytearray(data)
    flipped = 0
    for pos in range(len(out) // 2, len(out)):
        if 97 <= out[pos] <= 121 and flipped < 3:
            out[pos] += 1
            flipped += 1
        if flipped == 3:
            break
    return bytes(out)


def header_only(data: bytes) -> bytes:
    return data[:data.find(b"\n") + 1]


def renamed_column(data: bytes) -> bytes:
    """The first column of the header renamed."""
    end = data.find(b"\n")
    header = data[:end]
    sep = b"\t" if b"\t" in header else b","
    first, _, rest = header.partition(sep)
    return first.strip(b'"\xef\xbb\xbf') .replace(b" ", b"_") + b"_renamed" + sep + rest + \
        data[end:]


def binary(data: bytes) -> bytes:
    """Random bytes of the same size (another file saved under the name)."""
    return os.urandom(len(data))


def zero_tail(data: bytes) -> bytes:
    """The last kilobyte zeroed (a workbook whose zip directory is gone)."""
    return data[:-1024] + bytes(1024)


DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "truncated mid-line": truncate_mid, "half the lines": truncate_lines,
    "bytes flipped": flip_bytes, "header only": header_only, "renamed column": renamed_column,
    "binary": binary, "empty": lambda data: b"", "tail zeroed": zero_tail,
}


def data_folder(root: Path, real: Path, rels: tuple[str, ...],
                damaged: dict[str, bytes]) -> Path:
    """A data folder under ``root``: links to the real (read-only) files, copies where damaged."""
    root.mkdir(parents=True, exist_ok=True)
    for rel in rels:
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if rel in damaged:
            dest.write_bytes(damaged[rel])
        else:
            dest.symlink_to(real / rel)
    return root
