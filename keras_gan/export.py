"""Exports a trained generator as a TensorFlow SavedModel that TF Serving loads.

The layout is the one TF Serving's file-system source watches:

    <base_dir>/<model_name>/<version>/saved_model.pb
                                     variables/
                                     assets.extra/tf_serving_warmup_requests
                                     assets.extra/keras_gan_export.json

Each export goes into a new numbered version folder, written through `keras_gan.files.atomic_directory` (a
hidden, non-numeric temporary folder that TF Serving ignores, renamed when complete), so a server polling the base
folder never sees half a model, and a full or read-only disk leaves the earlier versions as they were. An existing
version is never overwritten.

Image generators get `serving_default` (z -> float images in [0, 1]), `sample` (num_samples, seed -> uint8
images) and `sample_png` (PNG files); vector generators (toy points, table rows) get `serving_default` and
`sample` with float samples. `keras_gan.serving.signatures` defines them; all run without keras or keras_gan.
`sample(n, seed)` serves the samples of `gan.generate(n, seed=seed)`.

A class-conditional export (a `keras_gan.ConditionalGAN`, or a generator of `[z, labels]` exported with
`num_classes=C`) serves the same signatures with one more input, `label` int32: one class per row of z for
`serving_default`, one class c for `sample` / `sample_png` (`sample(n, seed, c)` serves
`gan.generate(n, labels=c, seed=seed)`), or -1 for the class-balanced mix of `gan.generate(n, seed=seed)`. The
signatures require `label` (a TF signature has no optional inputs); `keras_gan.serving.client` sends -1 when asked
for no class. Labels out of range or of the wrong shape fail with INVALID_ARGUMENT (`keras_gan.serving.signatures`
has the table).
"""

import errno
import json
import math
import os
import re

import keras
import numpy as np
import tensorflow as tf

from keras_gan import checks
from keras_gan import files
from keras_gan import noise as noise_lib
from keras_gan import progress
from keras_gan.conditional import ConditionalGAN
from keras_gan.gan import GAN
from keras_gan.serving import outputs as outputs_lib
from keras_gan.serving import signatures as sig
from keras_gan.serving import warmup as warmup_lib

__all__ = ["DEFAULT_MAX_SAMPLES", "METADATA_FILE", "WARMUP_FILE", "export_from_file", "export_generator",
           "next_version"]

DEFAULT_MAX_SAMPLES = 1024
WARMUP_FILE = warmup_lib.WARMUP_FILE
METADATA_FILE = os.path.join("assets.extra", "keras_gan_export.json")
# Errors of a full or unwritable disk -> what to tell the user.
_DISK_PROBLEMS = {
    errno.ENOSPC: ("Disk full", "free space there"),
    errno.EDQUOT: ("Disk quota exceeded", "free space there"),
    errno.EROFS: ("Read-only file system", "make it writable"),
    errno.EACCES: ("Permission denied", "make it writable for this user"),
    errno.EPERM: ("Permission denied", "make it writable for this user"),
}


def export_generator(
    gan_or_generator,
    base_dir,
    model_name="gan",
    version=None,
    *,
    latent_dim=None,
    noise=None,
    noise_scale=None,
    num_classes=None,
    outputs="auto",
    image_shape=None,
    output_range=None,
    max_samples=DEFAULT_MAX_SAMPLES,
    jit_compile=False,
    warmup=True,
):
    """Writes the generator as a SavedModel in TF Serving's `<base>/<model_name>/<version>/` layout.

    Args:
        gan_or_generator: A `keras_gan.GAN` (its generator, latent size and noise prior are used; a
            `keras_gan.ConditionalGAN` also gives its classes) or a bare generator `keras.Model` mapping
            [batch, latent_dim] to samples (or `[z, labels]` to samples, with `num_classes`). A GAN with a weight
            average (`ema_decay`) serves the averaged generator (`gan.sampling_generator`); export `gan.generator`
            (with its latent_dim, noise and num_classes) for the raw one.
        base_dir: Str or path-like, the local folder TF Serving's `--model_base_path` points above
            (the version folder goes to `base_dir/model_name/version`). Cloud URLs are refused: renaming there
            is not atomic.
        model_name: Str, the model's name under `base_dir` (TF Serving's `MODEL_NAME`).
        version: Positive int, or None for one more than the highest existing version (1 for the first).
        latent_dim: Positive int, size of z; only for a bare generator (default: the generator's input width).
        noise: "uniform" (the paper's, default) or "normal"; only for a bare generator.
        noise_scale: Positive float s of the prior U[-s, s] or N(0, s^2); only for a bare generator (default
            sqrt(3) for uniform, 1 for normal).
        num_classes: Int C >= 2, only for a bare class-conditional generator taking `[z, labels int32 [batch]]`:
            every signature then takes a `label` (see the module docstring). A ConditionalGAN gives its own.
        outputs: "images" (served as images in [0, 1], uint8 and PNG), "vectors" (served as float32 samples
            of the generator's output shape, as they are), or "auto": images when `image_shape` is given or the
            output is [H, W, C], [H, W] or flat with s*s or 3*s*s values (s >= 2); vectors otherwise. Pass
            "vectors" for a flat output that happens to be square (e.g. 4-D points).
        image_shape: For images, the (H, W, C) the output is reshaped to, or None to infer it as above.
        output_range: For images, "sigmoid" (outputs in [0, 1], the paper's) or "tanh" (outputs in [-1, 1],
            mapped to [0, 1]), or None to read it from the generator's last activation.
        max_samples: Positive int, the largest `num_samples` the sampling signatures accept.
        jit_compile: Bool, compile the generator with XLA inside the exported functions. Off by default: TF
            Serving refuses XLA on CPU unless started with `--xla_cpu_compilation_enabled=true`, and builds
            without an XLA compiler for the device fail on the first request.
        warmup: Bool, or a sequence of batch sizes: writes TF Serving warm-up requests (one per signature and
            batch size; True means batch size 1) to `assets.extra/tf_serving_warmup_requests`.

    Returns:
        Str, the path of the new version folder.

    Raises:
        ValueError: if an argument is invalid or disagrees with the generator.
        FileExistsError: if the version already exists (it is left untouched).
        OSError: if the disk is full or cannot be written (the message names the folder and the fix); nothing is
            left behind and earlier versions are untouched.

    Example:
        >>> g = keras.Sequential([keras.Input((8,)), keras.layers.Dense(784, activation="sigmoid")])
        >>> path = export_generator(g, "/tmp/models", "gan")    # /tmp/models/gan/1
        >>> tf.saved_model.load(path).signatures["sample"](num_samples=tf.constant(2), seed=tf.constant(0, tf.int64))
        >>> points = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])    # 2-D points, not images
        >>> export_generator(points, "/tmp/models", "ring", noise="normal")   # serving_default, sample: float32 [n, 2]
        >>> path = export_generator(conditional_gan, "/tmp/models", "cgan")   # 8 samples of class 3:
        >>> tf.saved_model.load(path).signatures["sample"](num_samples=tf.constant(8),
        ...     seed=tf.constant(0, tf.int64), label=tf.constant(3))
    """
    generator, latent_dim, noise, noise_scale, num_classes = _resolve_model(
        gan_or_generator, latent_dim, noise, noise_scale, num_classes
    )
    kind, sample_shape, output_range = outputs_lib.resolve(
        generator, latent_dim, outputs, image_shape, output_range, num_classes
    )
    max_samples = checks.check_positive_int("max_samples", max_samples)
    if max_samples > np.iinfo(np.int32).max:
        raise ValueError(f"max_samples must fit in an int32 (num_samples is one), got {max_samples}.")
    warmup_sizes = _resolve_warmup(warmup, max_samples)
    if not isinstance(jit_compile, bool):
        raise ValueError(f"jit_compile must be True or False, got {jit_compile!r}.")
    model_dir = _model_dir(base_dir, model_name)
    if version is not None:
        version = checks.check_positive_int("version", version)

    with progress.phase(f"Tracing the serving signatures of the generator ({kind} {list(sample_shape)})"):
        functions = sig.serving_functions(
            generator, latent_dim=latent_dim, noise=noise, noise_scale=noise_scale, kind=kind,
            sample_shape=sample_shape, output_range=output_range, max_samples=max_samples, jit_compile=jit_compile,
            num_classes=num_classes,
        )
        archive = keras.export.ExportArchive()
        archive.track(generator)
        for name, fn in functions.items():
            archive.add_endpoint(name, fn)
    metadata = {
        "outputs": kind,
        "sample_shape": list(sample_shape),
        "image_shape": list(sample_shape) if kind == "images" else None,
        "output_range": output_range,
        "latent_dim": latent_dim,
        "noise": noise,
        "noise_scale": noise_scale,
        "num_classes": num_classes,
        "max_samples": max_samples,
        "jit_compile": jit_compile,
        "warmup_batch_sizes": list(warmup_sizes),
        "signatures": sig.describe(functions),
    }
    requests = warmup_lib.warmup_requests(model_name, latent_dim, warmup_sizes, list(functions), num_classes)
    # Folders this export creates, deepest first, so that a failure can take them back.
    created = []
    parent = os.path.abspath(model_dir)
    while not os.path.isdir(parent):
        created.append(parent)
        parent = os.path.dirname(parent)
    try:
        os.makedirs(model_dir, exist_ok=True)
        version = next_version(model_dir) if version is None else version
        final_dir = os.path.join(model_dir, str(version))
        if os.path.exists(final_dir):
            raise FileExistsError(
                f"Version {version} of model {model_name!r} already exists at {final_dir}; exported versions are "
                "never overwritten. Pass version=None for the next free number, or another version."
            )
        try:
            with files.atomic_directory(final_dir) as tmp_dir:
                _write_version(tmp_dir, final_dir, archive, requests, metadata)
        except OSError as e:
            if os.path.exists(final_dir):
                raise FileExistsError(
                    f"Version {version} of model {model_name!r} appeared at {final_dir} during the export (another "
                    "export?); it was left untouched. Export again for the next free version."
                ) from e
            raise
    except BaseException as e:
        for folder in created:
            try:
                os.rmdir(folder)  # Only if still empty.
            except OSError:
                break
        disk_error = _disk_error(e, model_dir)
        if disk_error is not None:
            raise disk_error from e
        raise
    return final_dir


def _write_version(folder, final_dir, archive, requests, metadata):
    """Fills the temporary `folder` that becomes `final_dir`: SavedModel, warm-up requests, metadata."""
    with progress.phase(f"Writing the SavedModel for {final_dir}"):
        archive.write_out(folder, verbose=False)
    if requests:
        with progress.phase(f"Writing {len(requests)} warm-up requests"):
            warmup_lib.write_warmup(os.path.join(folder, WARMUP_FILE), requests)
    os.makedirs(os.path.join(folder, os.path.dirname(METADATA_FILE)), exist_ok=True)
    with open(os.path.join(folder, METADATA_FILE), "w") as f:
        json.dump(metadata, f, indent=2)


def export_from_file(model_path, base_dir, model_name="gan", version=None, **kwargs):
    """Loads a saved `.keras` GAN or generator and exports it with `export_generator`.

    The plain-argument entry point for the `keras-gan export` command.

    Args:
        model_path: Str, a `.keras` file written by `gan.save(...)` or `generator.save(...)`.
        base_dir: Str, the TF Serving model base folder (see `export_generator`).
        model_name: Str, the model's name under `base_dir`.
        version: Positive int or None for the next free version.
        **kwargs: Passed on to `export_generator` (outputs, image_shape, output_range, max_samples, jit_compile,
            warmup, and latent_dim / noise / noise_scale / num_classes for a bare generator).

    Returns:
        Str, the path of the new version folder.

    Raises:
        ValueError: if the file is missing or is not a Keras model file, or an argument is invalid.
        FileExistsError: if the version already exists.

    Example:
        >>> export_from_file("runs/mnist/gan.keras", "/models", "gan")   # -> "/models/gan/1"
    """
    model_path = os.fspath(model_path)
    if not os.path.isfile(model_path):
        raise ValueError(f"No model file at {model_path!r}; pass the path of a .keras file saved after training.")
    try:
        model = keras.models.load_model(model_path, compile=False)
    except Exception as e:
        raise ValueError(f"Could not load {model_path!r} as a Keras model ({type(e).__name__}: {e}).") from e
    return export_generator(model, base_dir, model_name, version, **kwargs)


def next_version(model_dir):
    """Returns one more than the highest numbered version folder in `model_dir` (1 if there is none).

    Args:
        model_dir: Str, the `<base_dir>/<model_name>` folder.

    Returns:
        Int, the next free version number.

    Example:
        >>> next_version("/models/gan")   # with /models/gan/1 and /models/gan/2 present
        3
    """
    if not os.path.isdir(model_dir):
        return 1
    versions = [int(n) for n in os.listdir(model_dir) if re.fullmatch(r"[0-9]+", n)]
    return max(versions, default=0) + 1


# ---------------------------------------------------------------------------------------------------------------
# Argument resolution.


def _resolve_model(obj, latent_dim, noise, noise_scale, num_classes):
    """Returns (generator, latent_dim, noise, noise_scale, num_classes) from a GAN or a bare generator."""
    if isinstance(obj, GAN):
        given = {"latent_dim": latent_dim, "noise": noise, "noise_scale": noise_scale, "num_classes": num_classes}
        given = {k: v for k, v in given.items() if v is not None}
        if given:
            raise ValueError(
                f"{sorted(given)} come from the GAN when a GAN is exported; drop them, or export gan.generator "
                "with them instead."
            )
        num_classes = obj.num_classes if isinstance(obj, ConditionalGAN) else None
        return obj.sampling_generator, obj.latent_dim, obj.noise, obj.noise_scale, num_classes
    if not isinstance(obj, keras.Model):
        raise ValueError(
            f"export_generator needs a keras_gan.GAN or a generator keras.Model, got {type(obj).__name__}."
        )
    num_classes = _check_num_classes(obj, num_classes)
    input_width = _input_width(obj)
    if latent_dim is None:
        if input_width is None:
            raise ValueError("Cannot read the generator's latent size from its inputs; pass latent_dim=<size of z>.")
        latent_dim = input_width
    elif input_width is not None and input_width != latent_dim:
        raise ValueError(
            f"latent_dim={latent_dim} but the generator's input takes z of width {input_width}; pass "
            f"latent_dim={input_width} or leave it out."
        )
    latent_dim = checks.check_positive_int("latent_dim", latent_dim)
    noise = "uniform" if noise is None else noise
    if noise not in noise_lib.DEFAULT_SCALES:
        raise ValueError(f"noise must be 'uniform' or 'normal', got {noise!r}.")
    noise_scale = float(noise_lib.DEFAULT_SCALES[noise] if noise_scale is None else noise_scale)
    if not (math.isfinite(noise_scale) and noise_scale > 0):
        raise ValueError(f"noise_scale must be a positive finite float, got {noise_scale!r}.")
    return obj, latent_dim, noise, noise_scale, num_classes


def _check_num_classes(generator, num_classes):
    """num_classes of a bare generator, checked against its inputs: [z] (None) or [z, labels] (C >= 2)."""
    # Subclassed models have no symbolic inputs to check; their first call in the trace does it.
    num_inputs = len(getattr(generator, "inputs", None) or ())
    if num_classes is None:
        if num_inputs == 2:
            raise ValueError(
                "The generator takes two inputs, as a class-conditional generator of [z, labels] does; pass "
                "num_classes=<number of classes> to export it with a label input, or export the ConditionalGAN."
            )
        return None
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2 (labels are 0..num_classes-1), got {num_classes!r}.")
    if num_inputs not in (0, 2):
        raise ValueError(
            f"num_classes={num_classes} is for a generator of [z, labels], but this one takes {num_inputs} "
            "input(s); drop num_classes to export an unconditional generator."
        )
    return int(num_classes)


def _input_width(generator):
    # Subclassed models have no symbolic inputs until called; the caller then passes latent_dim.
    inputs = getattr(generator, "inputs", None)
    if not inputs or len(inputs[0].shape) != 2 or inputs[0].shape[-1] is None:
        return None
    return int(inputs[0].shape[-1])


def _resolve_warmup(warmup, max_samples):
    if warmup is True:
        return (1,)
    if warmup is False or warmup is None:
        return ()
    try:
        sizes = tuple(warmup)
    except TypeError:
        raise ValueError(f"warmup must be True, False or a sequence of batch sizes, got {warmup!r}.") from None
    sizes = tuple(checks.check_positive_int("each warmup batch size", s) for s in sizes)
    if any(s > max_samples for s in sizes):
        raise ValueError(f"warmup batch sizes {sizes} exceed max_samples={max_samples}; pass smaller ones.")
    if len(sizes) * len(sig.OUTPUTS["images"]) > warmup_lib.MAX_RECORDS:
        raise ValueError(f"TF Serving reads at most {warmup_lib.MAX_RECORDS} warm-up records; pass fewer batch sizes.")
    return sizes


def _model_dir(base_dir, model_name):
    base_dir = os.fspath(base_dir)
    if "://" in base_dir:
        raise ValueError(
            f"base_dir={base_dir!r} is a URL; export to a local folder (renames there are atomic) and copy the "
            "finished version folder to the bucket."
        )
    if not isinstance(model_name, str) or model_name in ("", ".", "..") or "/" in model_name or os.sep in model_name:
        raise ValueError(f"model_name must be a plain folder name such as 'gan', got {model_name!r}.")
    return os.path.join(base_dir, model_name)


def _disk_error(error, model_dir):
    """An OSError naming the problem and the fix for a full or unwritable disk, or None for other errors."""
    if isinstance(error, OSError):
        code = error.errno
    elif isinstance(error, tf.errors.OpError):
        # TensorFlow's C++ writers turn errno into a status; only the message keeps strerror.
        code = next((c for c in _DISK_PROBLEMS if os.strerror(c) in error.message), None)
    else:
        return None
    if code not in _DISK_PROBLEMS:
        return None
    problem, fix = _DISK_PROBLEMS[code]
    return OSError(
        code,
        f"{problem} at {model_dir}: the export was not written (nothing was left behind; earlier versions are "
        f"untouched). {fix[0].upper()}{fix[1:]}, or export to another folder (--export_dir, or export_generator's "
        "base_dir).",
    )
