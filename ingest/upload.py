"""Uploaded ingest files (a zip of CSVs, an .xlsx workbook or a .json file), unpacked safely.

Names, sizes, compression methods, CRCs and cell sizes are checked while the bytes stream, before
anything is parsed; a malformed upload is a 4xx with a message, never a crash.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from graph.connection import Graph
from graph.errors import ValidationError
from ingest import budget, crosswalk, reader
from ingest.budget import Limits
from ingest.pipeline import Preview, Summary, ingest_input

#: An upload's mapping file: (its name, its bytes).
Mapping = tuple[str, bytes]
#: Largest mapping file an upload takes: a mapping is a page of YAML.
MAPPING_BYTES = 1024 * 1024


def ingest_upload(
    graph: Graph,
    name: str,
    content: bytes,
    limits: Limits,
    dry_run: bool = False,
    mapping: Mapping | None = None,
    expect: Preview | None = None,
) -> Summary:
    """Validate and ingest uploaded bytes exactly as `stkg ingest [--mapping]` would the same files.

    `expect` is what a preview found: the commit refuses (StalePreviewError) when it would do otherwise.
    """
    base = _safe_name(name)
    suffix = PurePosixPath(base).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="stkg-upload-") as tmp:
        root = Path(tmp)
        if suffix == ".zip":
            path = _unzip(base, content, root, limits.unpacked)
        elif suffix in {".xlsx", ".json", ".csv"}:
            path = root / base
            path.write_bytes(content)
        else:
            raise ValidationError([f"{base}:-:-: expected a .zip of CSV files, an .xlsx or a .json file"])
        maps = _mapping(mapping, Path(tmp)) if mapping else None
        data = reader.read(path, limits, any_name=maps is not None)
        if maps is not None and mapping:
            data = crosswalk.apply(data, maps, _safe_name(mapping[0]))
        data.path = Path(f"upload:{base}")  # what the run records, rather than a temporary directory
        return ingest_input(graph, data, dry_run, expect=expect)


def _safe_name(name: str) -> str:
    """The file name part of an uploaded name, refused when no file system would take it."""
    base = PurePosixPath(name.replace("\\", "/")).name or "upload"
    budget.check_name("upload", base)
    return base


def _mapping(mapping: Mapping, tmp: Path) -> list[crosswalk.TableMap]:
    """An uploaded YAML mapping, read like `--mapping`."""
    name, content = mapping
    if len(content) > MAPPING_BYTES:
        raise ValidationError([f"{_safe_name(name)}:-:-: a mapping file over 1 MiB is not a mapping"])
    path = tmp / "mapping" / _safe_name(name)  # its own folder, so errors name the user's file
    path.parent.mkdir()
    path.write_bytes(content)
    return crosswalk.load(path)


def _unzip(name: str, content: bytes, root: Path, limit: int) -> Path:
    """Extract the CSV files of a zip (flat, or in one folder) into root; refuse anything unsafe."""
    with budget.open_zip(name, io.BytesIO(content)) as archive:
        found = [m for m in budget.members(name, archive) if m.filename.lower().endswith(".csv")]
        found = [m for m in found if not PurePosixPath(m.filename).name.startswith(("._", "."))]
        if not found:
            raise ValidationError([f"{name}:-:-: the zip holds no .csv files"])
        seen: set[str] = set()
        spent = [0]
        for m in found:
            base = PurePosixPath(m.filename).name
            if base in seen:
                raise ValidationError([f"{name}:-:-: two files named {base} in the zip"])
            seen.add(base)
            with (root / base).open("wb") as out:
                budget.check_cells(
                    f"{name}#{m.filename}", _tee(budget.stream(name, archive, m, spent, limit), out), "csv"
                )
    return root


def _tee(chunks: Iterator[bytes], out: BinaryIO) -> Iterator[bytes]:
    """Write each chunk to a file as it passes through a check."""
    for chunk in chunks:
        out.write(chunk)
        yield chunk
