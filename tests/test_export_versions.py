"""Specifications of keras_gan.export's version folders: new versions beside old ones, and failures (a full or
read-only disk, a crash mid-export, a concurrent export) that leave the earlier versions loadable and no
temporary folder behind.

Running as root makes chmod ineffective, so unwritable disks are simulated by raising the errors the writers
raise: OSError from Python, and tf.errors with strerror in the message from TensorFlow's C++ writers (checked
against /dev/full: `ResourceExhaustedError: /dev/full; No space left on device`).
"""

import errno
import os

import keras
import pytest
import tensorflow as tf

import keras_gan
from conftest import snapshot
from keras_gan import export
from keras_gan import files

LATENT = 4
# ExportArchive() returns a backend subclass; its write_out is the one the export calls.
ARCHIVE = type(keras.export.ExportArchive())


def small_generator():
    return keras_gan.networks.paper_generator(latent_dim=LATENT, hidden_units=(8,), output_shape=(4, 4, 1), seed=0)


@pytest.fixture
def first_version(tmp_path):
    """(model folder, version 1 path, its files) of a model exported once."""
    path = export.export_generator(small_generator(), tmp_path, "gan", warmup=False)
    return tmp_path / "gan", path, snapshot(path)


def assert_still_loadable(model_dir, path, before):
    assert os.listdir(model_dir) == ["1"]  # No version 2, no temporary folder.
    assert snapshot(path) == before
    images = tf.saved_model.load(path).signatures["serving_default"](z=tf.zeros([1, LATENT]))["images"]
    assert images.shape == (1, 4, 4, 1)


def test_a_new_version_keeps_the_old_one_and_a_taken_version_is_refused(tmp_path):
    generator = small_generator()
    first = export.export_generator(generator, tmp_path, "gan", warmup=False)
    before = snapshot(first)
    generator.set_weights([w * 0 for w in generator.get_weights()])
    second = export.export_generator(generator, tmp_path, "gan", warmup=False)
    assert os.path.basename(second) == "2"
    assert snapshot(first) == before
    with pytest.raises(FileExistsError, match="already exists.*Pass version=None"):
        export.export_generator(generator, tmp_path, "gan", version=1)
    assert snapshot(first) == before
    assert export.export_generator(generator, tmp_path, "gan", version=7, warmup=False).endswith("7")
    assert export.next_version(os.path.join(tmp_path, "gan")) == 8
    assert sorted(os.listdir(tmp_path / "gan")) == ["1", "2", "7"]


def disk_full_in_write_out(error):
    """A SavedModel writer that writes part of the model, then fails with `error`."""

    def write_out(self, path, **kwargs):
        os.makedirs(os.path.join(path, "variables"))
        with open(os.path.join(path, "saved_model.pb"), "wb") as f:
            f.write(b"partial")
        raise error

    return write_out


@pytest.mark.parametrize(
    "error, message",
    [
        (OSError(errno.ENOSPC, "No space left on device"), "Disk full at .*gan: .*Free space there"),
        # What TensorFlow's own writers raise on a full disk.
        (tf.errors.ResourceExhaustedError(None, None, "variables.data; No space left on device"), "Disk full at"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "Disk quota exceeded at .*Free space there"),
        (PermissionError(errno.EACCES, "Permission denied"), "Permission denied at .*Make it writable"),
    ],
)
def test_a_full_disk_keeps_the_earlier_version(first_version, monkeypatch, error, message):
    model_dir, path, before = first_version
    monkeypatch.setattr(ARCHIVE, "write_out", disk_full_in_write_out(error))
    with pytest.raises(OSError, match=message) as info:
        export.export_generator(small_generator(), model_dir.parent, "gan", warmup=False)
    assert "another folder (--export_dir" in str(info.value)
    assert info.value.errno == (error.errno if isinstance(error, OSError) else errno.ENOSPC)
    assert type(info.value) is (type(error) if isinstance(error, OSError) else OSError)  # PermissionError stays one.
    assert_still_loadable(model_dir, path, before)


def test_a_read_only_base_folder_is_named_with_the_fix(first_version, monkeypatch):
    model_dir, path, before = first_version

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(model_dir))

    # The first write into the model folder: the hidden temporary version folder.
    monkeypatch.setattr(files.tempfile, "mkdtemp", read_only)
    with pytest.raises(OSError, match=r"Read-only file system at .*gan: .*Make it writable, or export to another"):
        export.export_generator(small_generator(), model_dir.parent, "gan", warmup=False)
    assert_still_loadable(model_dir, path, before)


def test_a_read_only_base_cannot_take_a_new_model_folder(tmp_path, monkeypatch):
    def read_only(name, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", name)

    generator = small_generator()
    monkeypatch.setattr(export.os, "makedirs", read_only)
    with pytest.raises(OSError, match=r"Permission denied at .*new_model: .*Make it writable for this user"):
        export.export_generator(generator, tmp_path, "new_model", warmup=False)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_other_errors_pass_through_and_leave_no_folder(tmp_path, monkeypatch):
    def fail(path, *args):
        # Late in the export, TF Serving would see no new numbered folder: only the hidden temporary one.
        version_dir = os.path.dirname(os.path.dirname(path))
        assert os.path.isfile(os.path.join(version_dir, "saved_model.pb"))
        assert [n for n in os.listdir(os.path.dirname(version_dir)) if not n.startswith(".")] == existing
        raise RuntimeError("crash")

    monkeypatch.setattr(export.warmup_lib, "write_warmup", fail)
    existing = []
    with pytest.raises(RuntimeError, match="crash"):
        export.export_generator(small_generator(), tmp_path, "gan")
    assert os.listdir(tmp_path) == []  # Not even the model folder it created.
    with pytest.raises(RuntimeError, match="crash"):
        export.export_generator(small_generator(), tmp_path / "new" / "base", "gan")
    assert os.listdir(tmp_path) == []  # Nor the base folders.

    with monkeypatch.context() as m:
        m.setattr(export.warmup_lib, "write_warmup", lambda *args: None)
        export.export_generator(small_generator(), tmp_path, "gan")
    existing = ["1"]
    with pytest.raises(RuntimeError, match="crash"):
        export.export_generator(small_generator(), tmp_path, "gan")
    assert os.listdir(tmp_path / "gan") == ["1"]


def test_a_version_taken_during_the_export_is_refused(tmp_path, monkeypatch):
    rename = os.rename

    def racing_rename(src, dst):
        os.makedirs(os.path.join(dst, "variables"))  # Another export finished first.
        rename(src, dst)

    monkeypatch.setattr(files.os, "rename", racing_rename)
    with pytest.raises(FileExistsError, match="appeared at .* Export again for the next free version"):
        export.export_generator(small_generator(), tmp_path, "gan", warmup=False)
    assert os.listdir(tmp_path / "gan") == ["1"]
    assert os.listdir(tmp_path / "gan" / "1") == ["variables"]


def test_a_version_that_appears_before_the_rename_is_refused(tmp_path, monkeypatch):
    write_out = ARCHIVE.write_out

    def then_another_export(self, path, **kwargs):
        write_out(self, path, **kwargs)
        os.makedirs(tmp_path / "gan" / "1")

    monkeypatch.setattr(ARCHIVE, "write_out", then_another_export)
    with pytest.raises(FileExistsError, match="appeared at"):
        export.export_generator(small_generator(), tmp_path, "gan", warmup=False)
    assert os.listdir(tmp_path / "gan") == ["1"] and os.listdir(tmp_path / "gan" / "1") == []
