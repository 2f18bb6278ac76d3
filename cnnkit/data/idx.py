"""IDX files (the MNIST format): parse, check structure and SHA-256, name the file on any problem."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import numpy as np

from cnnkit.data.errors import DataIntegrityError

# IDX header: two zero bytes, a type code, the number of dimensions, then one big-endian uint32
# per dimension (LeCun's format description on yann.lecun.com/exdb/mnist).
_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def sha256_of(data) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def parse_idx(data, source="<bytes>") -> np.ndarray:
    """Decode IDX ``data`` into an array; a bad magic number or wrong length raises DataIntegrityError."""
    if len(data) < 4:
        raise DataIntegrityError(source, f"only {len(data)} bytes — not an IDX file (truncated or empty)")
    zero, code, ndim = struct.unpack(">HBB", bytes(data[:4]))
    if zero != 0 or code not in _DTYPES or not 1 <= ndim <= 4:
        raise DataIntegrityError(
            source, f"bad IDX magic number 0x{bytes(data[:4]).hex()} (expected 0x0000080N: "
                    f"two zero bytes, type 0x08 = unsigned byte, N dimensions) — not an IDX file")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataIntegrityError(source, f"truncated inside the header ({len(data)} of {header} bytes)")
    dims = struct.unpack(f">{ndim}I", bytes(data[4:header]))
    dtype = np.dtype(_DTYPES[code])
    expected = header + int(np.prod(dims)) * dtype.itemsize
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "has trailing bytes"
        raise DataIntegrityError(
            source, f"{what}: the header says {'x'.join(map(str, dims))} so {expected:,} bytes, "
                    f"the file has {len(data):,}")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)


def check_idx(data, source, sha256: str | None = None, shape=None) -> np.ndarray:
    """Parse ``data`` and check it against the manifest's ``sha256`` and ``shape``."""
    array = parse_idx(data, source)
    if shape is not None and tuple(array.shape) != tuple(shape):
        raise DataIntegrityError(
            source, f"shape {tuple(array.shape)}, expected {tuple(shape)} — is this the right file?")
    if sha256 is not None:
        found = sha256_of(data)
        if found != sha256:
            raise DataIntegrityError(
                source, f"SHA-256 {found[:16]}… does not match the manifest's {sha256[:16]}… "
                        f"(DESIGN.md) — the file is corrupted")
    return array


def read_idx(path, sha256: str | None = None, shape=None) -> np.ndarray:
    """Read and check an uncompressed IDX file; the array is writable (it owns its buffer)."""
    path = Path(path)
    data = bytearray(path.stat().st_size)
    with open(path, "rb") as f:
        f.readinto(data)
    return check_idx(data, path, sha256, shape)
