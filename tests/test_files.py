"""Crash-safe writes: a destination is its old content or its new content, never partial, and never a temporary."""

import errno
import os

import pytest

from keras_gan import files


def test_atomic_write_replaces_whole_files_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "sub" / "f.bin"
    files.atomic_write(path, b"old")
    files.atomic_write(path, "new contents")
    assert path.read_bytes() == b"new contents"
    assert os.listdir(tmp_path / "sub") == ["f.bin"]


def test_a_full_disk_during_a_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "config.json"
    files.atomic_write(path, "{}")

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        files.atomic_write(path, "{\"new\": 1}")
    assert path.read_text() == "{}"
    assert os.listdir(tmp_path) == ["config.json"]


def test_atomic_path_keeps_the_suffix_writers_insist_on(tmp_path):
    with files.atomic_path(tmp_path / "gan.keras") as tmp:
        assert tmp.endswith(".keras") and os.path.basename(tmp).startswith(".gan.tmp-")
        open(tmp, "wb").write(b"model")
    assert (tmp_path / "gan.keras").read_bytes() == b"model"


def test_atomic_directory_appears_whole_or_not_at_all(tmp_path):
    with files.atomic_directory(tmp_path / "1") as tmp:
        open(os.path.join(tmp, "saved_model.pb"), "wb").write(b"pb")
    assert os.listdir(tmp_path / "1") == ["saved_model.pb"]
    with pytest.raises(RuntimeError):
        with files.atomic_directory(tmp_path / "2") as tmp:
            raise RuntimeError("writer failed")
    assert sorted(os.listdir(tmp_path)) == ["1"]
    with pytest.raises(FileExistsError, match="appeared while it was being written"):
        with files.atomic_directory(tmp_path / "1"):
            pass
    assert sorted(os.listdir(tmp_path)) == ["1"]


def test_stale_temporaries_of_killed_writes_are_swept(tmp_path):
    (tmp_path / ".log.tmp-4242-abc.csv").write_text("half")
    (tmp_path / ".export.tmp-4242-x").mkdir()
    (tmp_path / "log.csv").write_text("whole")
    files.remove_stale_temporaries(tmp_path)
    assert os.listdir(tmp_path) == ["log.csv"]
