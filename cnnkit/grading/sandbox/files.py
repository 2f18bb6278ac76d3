"""Read files a sandbox wrote without trusting them: no symlinks, no special files, a size limit.

A student can leave ``model.keras -> /course/solutions/model.keras`` in the work folder; a grader
that followed it would grade (or hand back) the instructor's file. Every path component is opened
with ``O_NOFOLLOW`` relative to the folder, and only a regular file within the limit is read.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path


class UnsafeFileError(ValueError):
    """The file is missing, not a regular file, or over its size limit; the message says which."""


def _open_inside(root: os.PathLike | str, relative: os.PathLike | str) -> int:
    parts = Path(relative).parts
    if not parts or Path(relative).is_absolute() or ".." in parts:
        raise UnsafeFileError(f"{relative}: expected a path relative to {root}, without '..'")
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            next_fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        return os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    except FileNotFoundError:
        raise UnsafeFileError(f"{relative}: no such file in {root}") from None
    except OSError as error:  # ELOOP / ENOTDIR: a symlink on the way
        raise UnsafeFileError(f"{relative}: not a plain file in {root} (a symbolic link?) — refusing to "
                              f"read it ({error.strerror})") from None
    finally:
        os.close(fd)


def _checked(fd: int, relative, max_bytes: int, what: str) -> os.stat_result:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFileError(f"{relative}: not a regular file (a folder, pipe or device) — refusing to read it")
    if info.st_size > max_bytes:
        raise UnsafeFileError(f"{relative}: {info.st_size / 2**20:.1f} MB, over the {max_bytes / 2**20:.1f} MB "
                              f"limit for {what} — make it smaller (fewer parameters, no optimizer state)")
    return info


def read_limited(root, relative, *, max_bytes: int, what: str = "this file") -> bytes:
    """The bytes of ``root/relative`` if it is a regular file of at most ``max_bytes``."""
    fd = _open_inside(root, relative)
    try:
        _checked(fd, relative, max_bytes, what)
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(max_bytes + 1)  # it may still be growing
        if len(data) > max_bytes:
            raise UnsafeFileError(f"{relative}: over the {max_bytes / 2**20:.1f} MB limit for {what}")
        return data
    finally:
        os.close(fd)


def copy_out(root, relative, dest: os.PathLike | str, *, max_bytes: int, what: str = "this file") -> Path:
    """Copy ``root/relative`` to ``dest`` under the same rules as ``read_limited``; returns ``dest``."""
    fd = _open_inside(root, relative)
    dest = Path(dest)
    try:
        _checked(fd, relative, max_bytes, what)
        with os.fdopen(os.dup(fd), "rb") as src, open(dest, "wb") as out:
            copied = 0
            while chunk := src.read(1 << 20):
                copied += len(chunk)
                if copied > max_bytes:
                    raise UnsafeFileError(f"{relative}: over the {max_bytes / 2**20:.1f} MB limit for {what}")
                out.write(chunk)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return dest


def clear_folder(folder: os.PathLike | str) -> None:
    """Empty ``folder`` (symlinks inside are removed, never followed)."""
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
