"""What a grading task carries: an assignment's trusted material and one submission's files, as bytes.

Workers need no shared folder and keep nothing between batches. The trusted ``Bundle`` (the course's
assignment folder — source notebook with hidden tests, ``assignment.toml``, ``instructor/`` models —
and the fresh release folder) goes once per batch and worker; a submission goes with its task. Only
what ``prepare`` reads is sent in full (the notebook and the declared hand-in files within their size
limits); every other file arrives as an empty file of its size, so ``prepare`` on the worker sees the
same names and sizes and makes the same decisions as on the central machine.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from cnnkit.grading.course import Course
from cnnkit.grading.executor import RunLimits
from cnnkit.grading.prepare import MB, TrustedAssignment

__all__ = ["Bundle", "Task", "pack_trusted", "unpack_trusted", "pack_submission", "unpack_submission"]

#: never shipped: editor and interpreter leftovers in the course's folders
_SKIP = (".ipynb_checkpoints", "__pycache__")


@dataclass(frozen=True)
class Bundle:
    """One assignment's trusted material: a tar.gz of ``solutions/<name>/`` and ``release/<name>/``."""

    name: str
    digest: str          # sha256 of ``data``: the workers' cache key
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Task:
    """Everything about one submission's run except its files and the bundle."""

    student: str
    assignment: str
    limits: RunLimits
    sandbox: bool = True
    preload: tuple[str, ...] = ()
    screen: dict = field(default_factory=dict)   # central paths → labels, also screened out of outputs


def pack_trusted(trusted: TrustedAssignment) -> Bundle:
    """The bundle of ``trusted`` (built by the central process from its course and fresh release)."""
    if trusted.release_folder is None:
        raise ValueError(f"{trusted.name}: a TrustedAssignment built without its release folder cannot be shipped")
    buffer = io.BytesIO()
    # no timestamps anywhere: the same material gives the same digest, so workers reuse their copy
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        for top, folder in (("solutions", trusted.assignment.folder), ("release", trusted.release_folder)):
            for path in sorted(Path(folder).rglob("*")):
                rel = path.relative_to(folder)
                if path.is_file() and not any(part in _SKIP for part in rel.parts):
                    content = path.read_bytes()  # a symlinked file travels as its content
                    info = tarfile.TarInfo(f"{top}/{trusted.name}/{rel.as_posix()}")
                    info.size, info.mode = len(content), 0o644
                    tar.addfile(info, io.BytesIO(content))
    data = buffer.getvalue()
    return Bundle(trusted.name, hashlib.sha256(data).hexdigest(), data)


def unpack_trusted(bundle: Bundle, root: Path) -> TrustedAssignment:
    """Extract ``bundle`` under ``root`` (a course of one assignment) and build its TrustedAssignment there."""
    if hashlib.sha256(bundle.data).hexdigest() != bundle.digest:
        raise ValueError(f"{bundle.name}: the trusted bundle's digest does not match its content")
    root = Path(root)
    with tarfile.open(fileobj=io.BytesIO(bundle.data), mode="r:gz") as tar:
        tar.extractall(root, filter="data")
    # nbgrader_config.py marks the folder as a course (Course.find); grading never reads it
    (root / "nbgrader_config.py").write_text("# a grading worker's copy of one assignment\n")
    return TrustedAssignment.build(Course(root).assignment(bundle.name), root / "release" / bundle.name)


def pack_submission(folder: Path, trusted: TrustedAssignment) -> dict[str, bytes | int]:
    """Relative path → content for the files ``prepare`` reads, → size (int) for every other file."""
    folder = Path(folder)
    handin = trusted.assignment.config.handin
    limits = {f"{trusted.name}.ipynb": handin.notebook_max_mb, **{f: handin.max_mb for f in handin.files}}
    files: dict[str, bytes | int] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        size = path.stat().st_size
        files[rel] = path.read_bytes() if rel in limits and size <= limits[rel] * MB else size
    return files


def unpack_submission(files: dict[str, bytes | int], folder: Path) -> Path:
    """Write ``files`` (from ``pack_submission``) into ``folder``; sizes become empty (sparse) files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        parts = PurePosixPath(rel).parts
        if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
            raise ValueError(f"submission file {rel!r}: not a path inside the submission folder")
        path = folder.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            if isinstance(content, (bytes, bytearray)):
                f.write(content)
            else:
                f.truncate(int(content))
    return folder
