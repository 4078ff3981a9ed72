"""Uploaded ingest files (a zip of CSVs, an .xlsx workbook or a .json file), unpacked safely."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from graph.connection import Graph
from graph.errors import ValidationError
from ingest import reader
from ingest.pipeline import Summary, ingest_input

#: Upper bound on the unpacked size of a zip, as a multiple of the upload limit (zip bombs).
EXPANSION = 20


def ingest_upload(graph: Graph, name: str, content: bytes, limit: int, dry_run: bool = False) -> Summary:
    """Validate and ingest uploaded bytes exactly as `stkg ingest` would the same file."""
    suffix = PurePosixPath(name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="stkg-upload-") as tmp:
        root = Path(tmp)
        if suffix == ".zip":
            path = _unzip(name, content, root, limit * EXPANSION)
        elif suffix in {".xlsx", ".json", ".csv"}:
            path = root / PurePosixPath(name).name
            path.write_bytes(content)
        else:
            raise ValidationError([f"{name}:-:-: expected a .zip of CSV files, an .xlsx or a .json file"])
        data = reader.read(path)
        data.path = Path(f"upload:{name}")  # what the run records, rather than a temporary directory
        return ingest_input(graph, data, dry_run)


def _unzip(name: str, content: bytes, root: Path, budget: int) -> Path:
    """Extract the CSV files of a zip (flat, or in one folder) into root; refuse anything unsafe."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise ValidationError([f"{name}:-:-: not a valid zip file ({exc})"]) from exc
    members = [m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(".csv")]
    members = [m for m in members if not PurePosixPath(m.filename).name.startswith(("._", "."))]
    if not members:
        raise ValidationError([f"{name}:-:-: the zip holds no .csv files"])
    if sum(m.file_size for m in members) > budget:
        raise ValidationError([f"{name}:-:-: the zip unpacks to more than {budget} bytes"])
    seen: set[str] = set()
    for m in members:
        base = PurePosixPath(m.filename).name
        if base in seen:
            raise ValidationError([f"{name}:-:-: two files named {base} in the zip"])
        seen.add(base)
        (root / base).write_bytes(archive.read(m))
    return root
