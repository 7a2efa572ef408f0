"""Crash-safe files: the package's one way to write anything a later run or a server reads.

Every write goes to a hidden temporary name in the destination's folder and is renamed into place when complete
(atomic on POSIX), so after a crash, `kill -9` or a full disk at any moment the destination is either its old
content or its new content, never partial. Temporaries are named `.<name>.tmp-<pid>-<random>` and removed when the
write fails; `remove_stale_temporaries` sweeps those a killed process left behind.

    atomic_write(path, data)              bytes or str to a file
    atomic_path(path) as tmp              for writers that need a file name (`keras.Model.save`, `np.save`)
    atomic_directory(path) as tmp         for writers that fill a folder (`SavedModel` export)
"""

import contextlib
import os
import shutil
import tempfile

__all__ = ["atomic_directory", "atomic_path", "atomic_write", "remove_stale_temporaries"]

_TMP_MARK = ".tmp-"


def _fsync_dir(folder):
    # Makes the rename itself durable; not every file system lets a folder be opened for that.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _temporary_name(path, directory=False):
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    os.makedirs(folder, exist_ok=True)
    # Keep the suffix: some writers (Keras: ".keras") insist on it.
    stem, suffix = os.path.splitext(name) if not directory else (name, "")
    prefix = f".{stem}{_TMP_MARK}{os.getpid()}-"
    if directory:
        return folder, tempfile.mkdtemp(prefix=prefix, dir=folder)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    os.close(fd)
    return folder, tmp


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary file name beside `path`; on a clean exit the file is fsync'd and renamed to `path`.

    Args:
        path: Str or path-like, the destination file (its folder is created if missing).

    Yields:
        Str, the temporary file to write (it exists, empty, with `path`'s suffix).

    Raises:
        OSError: from the writer or the rename (ENOSPC, EROFS, ...); `path` is then untouched.

    Example:
        >>> with atomic_path("run/gan.keras") as tmp:  # doctest: +SKIP
        ...     gan.save(tmp)
    """
    folder, tmp = _temporary_name(path)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, os.fspath(path))
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
    _fsync_dir(folder)


def atomic_write(path, data):
    """Writes `data` to `path` so that `path` is either its old content or all of `data`, never partial.

    Args:
        path: Str or path-like, the destination file (its folder is created if missing).
        data: Bytes, or str (written as UTF-8).

    Raises:
        OSError: if the write or the rename fails (a full or read-only disk); `path` is then untouched.

    Example:
        >>> atomic_write("/tmp/keras_gan_example.json", "{}")
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


@contextlib.contextmanager
def atomic_directory(path):
    """Yields a temporary folder beside `path`; on a clean exit it is renamed to `path` (which must not exist).

    Args:
        path: Str or path-like, the destination folder.

    Yields:
        Str, the temporary folder to fill.

    Raises:
        FileExistsError: if `path` exists when the folder is complete; the temporary folder is removed.
        OSError: from the writer (a full disk, ...); nothing is left behind.

    Example:
        >>> with atomic_directory("models/gan/3") as tmp:  # doctest: +SKIP
        ...     archive.write_out(tmp)
    """
    folder, tmp = _temporary_name(path, directory=True)
    try:
        os.chmod(tmp, 0o755)
        yield tmp
        if os.path.exists(path):
            raise FileExistsError(f"{os.fspath(path)} appeared while it was being written; nothing was replaced.")
        os.rename(tmp, os.fspath(path))
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    _fsync_dir(folder)


def remove_stale_temporaries(folder):
    """Deletes temporaries of writes a killed process left in `folder` (never a complete file).

    Args:
        folder: Str or path-like; a missing folder is fine.
    """
    if not os.path.isdir(folder):
        return
    for name in os.listdir(folder):
        if name.startswith(".") and _TMP_MARK in name:
            target = os.path.join(folder, name)
            if os.path.isdir(target):
                shutil.rmtree(target, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.remove(target)
