"""Exports a trained generator as a TensorFlow SavedModel that TF Serving loads.

The layout is the one TF Serving's file-system source watches:

    <base_dir>/<model_name>/<version>/saved_model.pb
                                     variables/
                                     assets.extra/tf_serving_warmup_requests
                                     assets.extra/keras_gan_export.json

Each export goes into a new numbered version folder. It is first written to a hidden temporary folder beside it
(a name that is not all digits, which TF Serving ignores) and then renamed, so a server polling the base folder
never sees half a model. An existing version is never overwritten.

Signatures (all usable without keras or keras_gan installed):

    serving_default   z float32 [batch, latent_dim]            -> images float32 [batch, H, W, C] in [0, 1]
    sample            num_samples int32 [], seed int64 []      -> images uint8 [num_samples, H, W, C]
    sample_png        num_samples int32 [], seed int64 []      -> png_bytes string [num_samples] (PNG files)

`sample` and `sample_png` draw z from the GAN's prior (uniform U[-s, s] or normal N(0, s^2)) with stateless
random ops (`keras_gan.noise`, the GAN's own sampler), so the same (num_samples, seed) always gives the images of
`gan.generate(num_samples, seed=seed)`; `num_samples` must lie in
[0, max_samples], else the call fails with InvalidArgument before anything is allocated. The `_bytes` suffix makes
TF Serving's REST API return the PNG strings as {"b64": ...}.
"""

import json
import math
import os
import re
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

from keras_gan import noise as noise_lib
from keras_gan.gan import GAN

__all__ = [
    "DEFAULT_MAX_SAMPLES",
    "SAMPLE_PNG_SIGNATURE",
    "SAMPLE_SIGNATURE",
    "SERVING_DEFAULT_SIGNATURE",
    "WARMUP_FILE",
    "export_from_file",
    "export_generator",
    "next_version",
]

SERVING_DEFAULT_SIGNATURE = "serving_default"
SAMPLE_SIGNATURE = "sample"
SAMPLE_PNG_SIGNATURE = "sample_png"
DEFAULT_MAX_SAMPLES = 1024
# Where TF Serving looks for warm-up requests inside a version folder.
WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
METADATA_FILE = os.path.join("assets.extra", "keras_gan_export.json")
# TF Serving reads at most 1000 warm-up records.
_MAX_WARMUP_RECORDS = 1000
_DEFAULT_NOISE_SCALE = {"uniform": math.sqrt(3.0), "normal": 1.0}
# Layers that only move values around; the generator's output range is set by the layer before them.
_SHAPE_ONLY_LAYERS = ("Reshape", "Flatten", "Identity", "Dropout", "InputLayer", "Permute")


def export_generator(
    gan_or_generator,
    base_dir,
    model_name="gan",
    version=None,
    *,
    latent_dim=None,
    noise=None,
    noise_scale=None,
    image_shape=None,
    output_range=None,
    max_samples=DEFAULT_MAX_SAMPLES,
    jit_compile=False,
    warmup=True,
):
    """Writes the generator as a SavedModel in TF Serving's `<base>/<model_name>/<version>/` layout.

    Args:
        gan_or_generator: A `keras_gan.GAN` (its generator, latent size and noise prior are used) or a bare
            generator `keras.Model` mapping [batch, latent_dim] to images (flat or [H, W, C]).
        base_dir: Str or path-like, the local folder TF Serving's `--model_base_path` points above
            (the version folder goes to `base_dir/model_name/version`). Cloud URLs are refused: renaming there
            is not atomic.
        model_name: Str, the model's name under `base_dir` (TF Serving's `MODEL_NAME`).
        version: Positive int, or None for one more than the highest existing version (1 for the first).
        latent_dim: Positive int, size of z; only for a bare generator (default: the generator's input width).
        noise: "uniform" (the paper's, default) or "normal"; only for a bare generator.
        noise_scale: Positive float s of the prior U[-s, s] or N(0, s^2); only for a bare generator (default
            sqrt(3) for uniform, 1 for normal).
        image_shape: Tuple (H, W, C) the generator's output is reshaped to, or None to infer it: an [H, W, C]
            output is kept, a flat output of d = s*s values becomes (s, s, 1) and d = 3*s*s becomes (s, s, 3).
        output_range: "sigmoid" (outputs in [0, 1], the paper's) or "tanh" (outputs in [-1, 1], mapped to
            [0, 1]), or None to read it from the generator's last activation.
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

    Example:
        >>> g = keras.Sequential([keras.Input((8,)), keras.layers.Dense(784, activation="sigmoid")])
        >>> path = export_generator(g, "/tmp/models", "gan")    # /tmp/models/gan/1
        >>> tf.saved_model.load(path).signatures["sample"](num_samples=tf.constant(2), seed=tf.constant(0, tf.int64))
    """
    generator, latent_dim, noise, noise_scale = _resolve_model(gan_or_generator, latent_dim, noise, noise_scale)
    image_shape = _resolve_image_shape(generator, latent_dim, image_shape)
    output_range = _resolve_output_range(generator, output_range)
    max_samples = _check_positive_int(max_samples, "max_samples")
    warmup_sizes = _resolve_warmup(warmup, max_samples)
    if not isinstance(jit_compile, bool):
        raise ValueError(f"jit_compile must be True or False, got {jit_compile!r}.")
    model_dir = _model_dir(base_dir, model_name)
    if version is not None:
        version = _check_positive_int(version, "version")

    archive = _build_archive(
        generator, latent_dim, noise, noise_scale, image_shape, output_range, max_samples, jit_compile
    )
    # Folders this export creates, deepest first, so that a failure can take them back.
    created = []
    parent = os.path.abspath(model_dir)
    while not os.path.isdir(parent):
        created.append(parent)
        parent = os.path.dirname(parent)
    os.makedirs(model_dir, exist_ok=True)
    if version is None:
        version = next_version(model_dir)
    final_dir = os.path.join(model_dir, str(version))
    if os.path.exists(final_dir):
        raise FileExistsError(
            f"Version {version} of model {model_name!r} already exists at {final_dir}; exported versions are never "
            "overwritten. Pass version=None for the next free number, or another version."
        )
    # A hidden, non-numeric name: TF Serving only loads all-digit folder names.
    tmp_dir = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=model_dir)
    try:
        # mkdtemp makes the folder private (0700); a server running as another user must still read it.
        os.chmod(tmp_dir, 0o755)
        archive.write_out(tmp_dir, verbose=False)
        if warmup_sizes:
            _write_warmup(
                os.path.join(tmp_dir, WARMUP_FILE), model_name, latent_dim, warmup_sizes, _png_ok(image_shape)
            )
        metadata = {
            "latent_dim": latent_dim,
            "noise": noise,
            "noise_scale": noise_scale,
            "image_shape": list(image_shape),
            "output_range": output_range,
            "max_samples": max_samples,
            "jit_compile": jit_compile,
            "signatures": [SERVING_DEFAULT_SIGNATURE, SAMPLE_SIGNATURE]
            + ([SAMPLE_PNG_SIGNATURE] if _png_ok(image_shape) else []),
        }
        os.makedirs(os.path.dirname(os.path.join(tmp_dir, METADATA_FILE)), exist_ok=True)
        with open(os.path.join(tmp_dir, METADATA_FILE), "w") as f:
            json.dump(metadata, f, indent=2)
        try:
            # Atomic on one file system; fails if another export took this version meanwhile.
            os.rename(tmp_dir, final_dir)
        except OSError as e:
            if os.path.exists(final_dir):
                raise FileExistsError(
                    f"Version {version} of model {model_name!r} appeared at {final_dir} during the export (another "
                    "export?); it was left untouched. Export again for the next free version."
                ) from e
            raise
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        for folder in created:
            try:
                os.rmdir(folder)  # Only if still empty.
            except OSError:
                break
        raise
    return final_dir


def export_from_file(model_path, base_dir, model_name="gan", version=None, **kwargs):
    """Loads a saved `.keras` GAN or generator and exports it with `export_generator`.

    The plain-argument entry point for the `keras-gan export` command.

    Args:
        model_path: Str, a `.keras` file written by `gan.save(...)` or `generator.save(...)`.
        base_dir: Str, the TF Serving model base folder (see `export_generator`).
        model_name: Str, the model's name under `base_dir`.
        version: Positive int or None for the next free version.
        **kwargs: Passed on to `export_generator` (image_shape, output_range, max_samples, jit_compile, warmup,
            and latent_dim / noise / noise_scale for a bare generator).

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
    # Registers keras_gan.GAN and the custom layers so load_model can rebuild them.
    import keras_gan  # noqa: F401

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


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")
    return int(value)


def _resolve_model(obj, latent_dim, noise, noise_scale):
    """Returns (generator, latent_dim, noise, noise_scale) from a GAN or a bare generator."""
    if isinstance(obj, GAN):
        given = {"latent_dim": latent_dim, "noise": noise, "noise_scale": noise_scale}
        given = {k: v for k, v in given.items() if v is not None}
        if given:
            raise ValueError(
                f"{sorted(given)} come from the GAN when a GAN is exported; drop them, or export gan.generator "
                "with them instead."
            )
        generator = obj.generator
        latent_dim, noise, noise_scale = obj.latent_dim, obj.noise, obj.noise_scale
    elif isinstance(obj, keras.Model):
        generator = obj
        input_width = _input_width(generator)
        if latent_dim is None:
            if input_width is None:
                raise ValueError(
                    "Cannot read the generator's latent size from its inputs; pass latent_dim=<size of z>."
                )
            latent_dim = input_width
        elif input_width is not None and input_width != latent_dim:
            raise ValueError(f"latent_dim={latent_dim} but the generator's input takes z of width {input_width}.")
        noise = "uniform" if noise is None else noise
    else:
        raise ValueError(
            f"export_generator needs a keras_gan.GAN or a generator keras.Model, got {type(obj).__name__}."
        )
    latent_dim = _check_positive_int(latent_dim, "latent_dim")
    if noise not in _DEFAULT_NOISE_SCALE:
        raise ValueError(f"noise must be 'uniform' or 'normal', got {noise!r}.")
    if noise_scale is None:
        noise_scale = _DEFAULT_NOISE_SCALE[noise]
    noise_scale = float(noise_scale)
    if not (math.isfinite(noise_scale) and noise_scale > 0):
        raise ValueError(f"noise_scale must be a positive finite float, got {noise_scale!r}.")
    return generator, latent_dim, noise, noise_scale


def _input_width(generator):
    try:
        shape = generator.inputs[0].shape
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    if len(shape) != 2 or shape[-1] is None:
        return None
    return int(shape[-1])


def _resolve_image_shape(generator, latent_dim, image_shape):
    """Returns (H, W, C) and checks it holds exactly the generator's output."""
    out_shape = generator.compute_output_shape((None, latent_dim))
    out_shape = tuple(out_shape)[1:]
    if any(d is None for d in out_shape):
        raise ValueError(f"The generator's output shape {out_shape} is not fully known; it must be fixed.")
    size = math.prod(out_shape)
    if image_shape is None:
        if len(out_shape) == 3:
            image_shape = out_shape
        elif len(out_shape) == 2:
            image_shape = out_shape + (1,)
        elif len(out_shape) == 1:
            side1, side3 = math.isqrt(size), math.isqrt(size // 3)
            if side1 * side1 == size:
                image_shape = (side1, side1, 1)
            elif size % 3 == 0 and side3 * side3 * 3 == size:
                image_shape = (side3, side3, 3)
        if image_shape is None:
            raise ValueError(
                f"Cannot infer the image shape of the generator's output {out_shape}; pass image_shape=(H, W, C)."
            )
    image_shape = tuple(image_shape)
    if len(image_shape) != 3 or any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1
                                    for d in image_shape):
        raise ValueError(f"image_shape must be (height, width, channels) of positive ints, got {image_shape!r}.")
    image_shape = tuple(int(d) for d in image_shape)
    if math.prod(image_shape) != size:
        raise ValueError(
            f"image_shape={image_shape} holds {math.prod(image_shape)} values but the generator emits {size} "
            f"(output shape {out_shape}); pass a shape with the same number of values."
        )
    return image_shape


def _last_activation(generator):
    """Returns "sigmoid", "tanh", another activation name, or None when it cannot be read."""
    layers = getattr(generator, "layers", None)
    if not layers:
        return None
    for layer in reversed(layers):
        if type(layer).__name__ in _SHAPE_ONLY_LAYERS:
            continue
        if isinstance(layer, keras.Model):
            return _last_activation(layer)
        activation = getattr(layer, "activation", None)
        return getattr(activation, "__name__", None)
    return None


def _resolve_output_range(generator, output_range):
    found = _last_activation(generator)
    if output_range is None:
        if found not in ("sigmoid", "tanh"):
            raise ValueError(
                f"Cannot tell the generator's output range from its last activation ({found!r}); pass "
                "output_range='sigmoid' for outputs in [0, 1] or 'tanh' for outputs in [-1, 1]."
            )
        return found
    if output_range not in ("sigmoid", "tanh"):
        raise ValueError(f"output_range must be 'sigmoid' or 'tanh', got {output_range!r}.")
    if found in ("sigmoid", "tanh") and found != output_range:
        raise ValueError(
            f"output_range={output_range!r} but the generator ends in {found}; pass output_range={found!r} "
            "(or None to infer it)."
        )
    return output_range


def _resolve_warmup(warmup, max_samples):
    if warmup is True:
        return (1,)
    if warmup is False or warmup is None:
        return ()
    try:
        sizes = tuple(warmup)
    except TypeError:
        raise ValueError(f"warmup must be True, False or a sequence of batch sizes, got {warmup!r}.") from None
    sizes = tuple(_check_positive_int(s, "each warmup batch size") for s in sizes)
    if any(s > max_samples for s in sizes):
        raise ValueError(f"warmup batch sizes {sizes} exceed max_samples={max_samples}.")
    if 3 * len(sizes) > _MAX_WARMUP_RECORDS:
        raise ValueError(f"TF Serving reads at most {_MAX_WARMUP_RECORDS} warm-up records; pass fewer batch sizes.")
    return sizes


def _model_dir(base_dir, model_name):
    base_dir = os.fspath(base_dir)
    if "://" in base_dir:
        raise ValueError(
            f"base_dir={base_dir!r} is a URL; export to a local folder (renames there are atomic) and copy the "
            "finished version folder to the bucket."
        )
    if (
        not isinstance(model_name, str)
        or not model_name
        or model_name in (".", "..")
        or "/" in model_name
        or os.sep in model_name
    ):
        raise ValueError(f"model_name must be a plain folder name such as 'gan', got {model_name!r}.")
    return os.path.join(base_dir, model_name)


def _png_ok(image_shape):
    return image_shape[-1] in (1, 2, 3, 4)


# ---------------------------------------------------------------------------------------------------------------
# The exported functions.


def _build_archive(generator, latent_dim, noise, noise_scale, image_shape, output_range, max_samples, jit_compile):
    """Returns a keras ExportArchive with the serving signatures."""
    height, width, channels = image_shape

    # The generator and the cheap post-processing, optionally XLA-compiled. Only this part is compiled: asserts
    # are dropped under XLA, and PNG encoding has no XLA kernel.
    @tf.function(jit_compile=jit_compile, autograph=False)
    def images_from_z(z):
        x = tf.cast(generator(z, training=False), tf.float32)
        x = tf.reshape(x, [-1, height, width, channels])
        if output_range == "tanh":
            x = (x + 1.0) / 2.0
        # Clip away float round-off so clients can rely on [0, 1].
        return tf.clip_by_value(x, 0.0, 1.0)

    def to_uint8(images):
        return tf.cast(tf.round(images * 255.0), tf.uint8)

    def noise_for(num_samples, seed):
        # Fail before allocating anything: a huge count must be an InvalidArgument, not an out-of-memory.
        checks = [
            tf.debugging.assert_non_negative(
                num_samples, message=f"num_samples must be in [0, {max_samples}] (a negative count was requested)"
            ),
            tf.debugging.assert_less_equal(
                num_samples,
                tf.constant(max_samples, tf.int32),
                message=f"num_samples must be in [0, {max_samples}] (max_samples of this export)",
            ),
        ]
        with tf.control_dependencies(checks):
            count = tf.identity(num_samples)
        # The GAN's own sampler (plain TF ops, traced into the graph): `sample(n, seed)` serves the images of
        # `gan.generate(n, seed=seed)`.
        return noise_lib.sample_prior((count, latent_dim), tf.stack([seed, tf.constant(0, tf.int64)]), noise, noise_scale)

    z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    count_specs = (tf.TensorSpec([], tf.int32, name="num_samples"), tf.TensorSpec([], tf.int64, name="seed"))

    @tf.function(input_signature=[z_spec], autograph=False)
    def serving_default(z):
        # The signature's shape is not enforced on every path (TF Serving feeds tensors as sent); say what is wrong
        # instead of a MatMul size error deep inside the generator.
        check = tf.debugging.assert_equal(
            tf.shape(z)[-1],
            latent_dim,
            message=f"z must have shape [batch, {latent_dim}] (latent_dim of this export); got a different width",
        )
        with tf.control_dependencies([check]):
            z = tf.identity(z)
        return {"images": images_from_z(z)}

    @tf.function(input_signature=count_specs, autograph=False)
    def sample(num_samples, seed):
        return {"images": to_uint8(images_from_z(noise_for(num_samples, seed)))}

    @tf.function(input_signature=count_specs, autograph=False)
    def sample_png(num_samples, seed):
        images = to_uint8(images_from_z(noise_for(num_samples, seed)))
        png = tf.map_fn(tf.io.encode_png, images, fn_output_signature=tf.TensorSpec([], tf.string))
        return {"png_bytes": png}

    archive = keras.export.ExportArchive()
    archive.track(generator)
    endpoints = {SERVING_DEFAULT_SIGNATURE: serving_default, SAMPLE_SIGNATURE: sample}
    if _png_ok(image_shape):
        endpoints[SAMPLE_PNG_SIGNATURE] = sample_png
    for name, fn in endpoints.items():
        fn.get_concrete_function()  # Traces once so the archive takes the tf.function as it is.
        archive.add_endpoint(name, fn)
    return archive


def _write_warmup(path, model_name, latent_dim, batch_sizes, png):
    """Writes TF Serving warm-up requests: each signature at each batch size."""
    try:
        from keras_gan.serving import client
    except ImportError as e:  # tensorflow-serving-api is an optional dependency.
        raise ValueError(
            "Writing warm-up requests needs tensorflow-serving-api (pip install 'keras_gan[serving]'); install it "
            "or pass warmup=False."
        ) from e
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for n in batch_sizes:
            z = np.zeros((n, latent_dim), np.float32)
            requests = [client.grpc_generate_request(z, model_name), client.grpc_sample_request(n, 0, model_name)]
            if png:
                requests.append(client.grpc_sample_request(n, 0, model_name, png=True))
            for request in requests:
                writer.write(client.warmup_record(request).SerializeToString())
