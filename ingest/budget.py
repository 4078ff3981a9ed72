"""What one input may cost before it is parsed: unpacked bytes, cell size, file names and rows.

Every check runs while the bytes stream past, so a small archive that unpacks to gigabytes, or one
huge cell, is refused before any parser holds it in memory.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from graph.errors import TooLargeError, ValidationError
from graph.settings import Settings, heap_bytes

#: Largest accepted cell, in characters (validate.py enforces it exactly after parsing; a 10 MB cell is an
#: error, not a node property).
MAX_CELL = 100_000
#: Bytes without a separator that must mean one cell over MAX_CELL (4 bytes per character at most).
MAX_RUN = MAX_CELL * 4
#: Longest file or member name accepted, in characters.
MAX_NAME = 255
CHUNK = 1 << 20
#: Bytes that end a cell, per format: CSV delimiters, XML markup (xlsx parts).
SEPARATORS = {"csv": b",\n\r", "xml": b"<>"}


@dataclass(frozen=True)
class Limits:
    """The budgets of one ingest (from settings; tests make smaller ones)."""

    unpacked: int = 200 * 1024 * 1024
    rows: int = 500_000

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        """The configured budgets."""
        return cls(settings.max_unpacked_bytes, settings.max_rows)


def longest_run(chunks: Iterable[bytes], separators: bytes) -> int:
    """The longest stretch of bytes containing none of the separators (across chunk boundaries)."""
    longest = current = 0
    for chunk in chunks:
        first, *rest = _split_any(chunk, separators)
        current += len(first)
        if rest:
            longest = max(longest, current, *(len(p) for p in rest[:-1]))
            current = len(rest[-1])
        longest = max(longest, current)
    return longest


def _split_any(chunk: bytes, separators: bytes) -> list[bytes]:
    """Split on any of several single-byte separators."""
    first = separators[:1]
    for sep in separators[1:]:
        chunk = chunk.replace(bytes([sep]), first)
    return chunk.split(first)


def check_cells(where: str, chunks: Iterable[bytes], kind: str) -> None:
    """Refuse a stream with a run of bytes longer than any cell may be."""
    if longest_run(chunks, SEPARATORS[kind]) > MAX_RUN:
        raise ValidationError([f"{where}:-:-: a cell is over {MAX_CELL:,} characters; nothing was read"])


def check_name(where: str, name: str) -> None:
    """Refuse names no file system takes (over MAX_NAME characters) or with control characters."""
    if len(name) > MAX_NAME or any(ord(c) < 32 for c in name):
        shown = repr(name[:40]) + ("…" if len(name) > 40 else "")
        raise ValidationError(
            [f"{where}:-:-: the file name {shown} is over {MAX_NAME} characters or has control characters"]
        )


def members(where: str, archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's file members, refusing encrypted ones, unknown compression and bad names."""
    found = []
    for m in archive.infolist():
        check_name(where, PurePosixPath(m.filename).name or m.filename)
        if m.is_dir():
            continue
        if m.flag_bits & 0x1:
            raise ValidationError([f"{where}:-:-: {m.filename} is encrypted; upload it unencrypted"])
        if m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ValidationError(
                [
                    f"{where}:-:-: {m.filename} uses a compression method stkg does not read "
                    f"({m.compress_type}); save it with ordinary (deflate) compression"
                ]
            )
        found.append(m)
    return found


def stream(
    where: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo, spent: list[int], limit: int
) -> Iterator[bytes]:
    """A member's bytes in chunks, counting against the unpacked budget and checking the CRC."""
    try:
        with archive.open(member) as fh:
            while chunk := fh.read(CHUNK):
                spent[0] += len(chunk)
                if spent[0] > limit:
                    raise TooLargeError(
                        f"{where}: unpacks to more than {limit:,} bytes (STKG_MAX_UNPACKED_BYTES)"
                    )
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ValidationError([f"{where}:-:-: {member.filename} is damaged or unreadable ({exc})"]) from exc


def check_archive(where: str, archive: zipfile.ZipFile, limit: int, kind: str = "xml") -> None:
    """Stream every member once: total unpacked size, CRCs and cell sizes, before anything parses it."""
    spent = [0]
    for m in members(where, archive):
        check_cells(f"{where}#{m.filename}", stream(where, archive, m, spent, limit), kind)


def open_zip(where: str, source: IO[bytes]) -> zipfile.ZipFile:
    """Open a zip (or xlsx) file, turning a broken or truncated one into a clear error."""
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise ValidationError(
            [f"{where}:-:-: not a valid zip or xlsx file (damaged or truncated: {exc})"]
        ) from exc


def check_rows(where: str, rows: int, limit: int) -> None:
    """Refuse an input with more data rows than one ingest takes."""
    if rows > limit:
        raise too_many(where, rows, limit)


def too_many(where: str, rows: int, limit: int) -> TooLargeError:
    """The refusal of an input over the row budget, naming the setting and the value it would need."""
    return TooLargeError(
        f"{where}: {rows:,} rows in one ingest, over the {limit:,} allowed (STKG_MAX_ROWS); "
        f"split the input, or set STKG_MAX_ROWS={rows} or more"
    )


#: Engine heap one row or relationship holds until its transaction commits: 1,167 bytes measured (JVM heap
#: in use after GC, before and just before the commit of 154,823 rows at 20k agreements), rounded up.
TX_ROW_BYTES = 1200
#: Share of the heap a transaction may fill; the rest is the engine's page cache, queries and headroom
#: (measured: 1.55 million rows in 1.2 GiB ground on past 6 minutes; in 2 GiB they committed).
TX_HEAP_SHARE = 0.75


def check_transaction(rows: int, heap: str) -> None:
    """Refuse before writing a transaction the engine's heap could not hold, naming the heap it needs."""
    room = int(heap_bytes(heap) * TX_HEAP_SHARE)
    if rows * TX_ROW_BYTES <= room:
        return
    need_mib = -(-rows * TX_ROW_BYTES // int(TX_HEAP_SHARE * 2**20))
    raise TooLargeError(
        f"this ingest writes {rows:,} rows and relationships in one transaction; the engine's heap "
        f"(STKG_HEAP={heap}) holds about {room // TX_ROW_BYTES:,}. Set STKG_HEAP={need_mib}m or more "
        "(in the process that starts the engine); new rows take the bulk path instead when the ingest runs "
        "in the process that owns the engine (no `stkg serve` running); nothing was written"
    )
