"""The functions a generator export serves, and the one table of their names, inputs and outputs.

Two kinds of export (`export_generator(outputs=...)`):

    images    serving_default  z float32 [batch, latent_dim]        -> images float32 [batch, H, W, C] in [0, 1]
              sample           num_samples int32 [], seed int64 []  -> images uint8 [num_samples, H, W, C]
              sample_png       num_samples int32 [], seed int64 []  -> png_bytes string [num_samples] (PNG files)
    vectors   serving_default  z float32 [batch, latent_dim]        -> samples float32 [batch, *sample_shape]
              sample           num_samples int32 [], seed int64 []  -> samples float32 [num_samples, *sample_shape]

`sample` draws z with `keras_gan.noise.sample_prior((n, latent_dim), [seed, 0], noise, noise_scale)`, exactly as
`GAN.generate(n, seed=seed)` does, so both give the same samples. Every request is checked inside the graph
(`keras_gan.serving.inputs`), so TF Serving answers a bad one with INVALID_ARGUMENT and a message that says what to
send instead.

A class-conditional export (a `ConditionalGAN`, or a generator of `[z, labels]` with `num_classes=C`) serves the
same signatures and outputs, each with one more input, `label` int32:

    serving_default  z float32 [batch, latent_dim], label int32 [batch]  (one class in [0, C) per row of z)
    sample           num_samples int32 [], seed int64 [], label int32 []  (a class in [0, C), or -1: a mix)
    sample_png       num_samples int32 [], seed int64 [], label int32 []

`sample(n, seed, c)` serves `gan.generate(n, labels=c, seed=seed)`, and label -1 the class-balanced mix
0, 1, ..., C-1, 0, ... (`keras_gan.conditional.mix_labels`) of `gan.generate(n, seed=seed)`. A signature has no
optional inputs, so `label` is required by the model; "no label means a mix" is the package's clients' default
(`keras_gan.serving.client` sends -1 when given `num_classes` and no label). A label out of range (>= C, < -1 for
`sample`, < 0 for `serving_default`), of the wrong rank, or (`serving_default`) of another length than z's batch
fails with INVALID_ARGUMENT and what to send. A label of another dtype (float, int64) never reaches those checks:
the signature itself refuses it with TensorFlow's own INVALID_ARGUMENT ("expected to be a int32 tensor but is a
float" when called from Python); the package's clients always send int32.
"""

import tensorflow as tf

from keras_gan import pictures
from keras_gan.serving import inputs

__all__ = ["KINDS", "OUTPUTS", "SAMPLE", "SAMPLE_PNG", "SERVING_DEFAULT", "describe", "serving_functions"]

SERVING_DEFAULT = "serving_default"
SAMPLE = "sample"
SAMPLE_PNG = "sample_png"
KINDS = ("images", "vectors")
# Kind of export -> signature -> (output name, numpy dtype name). Clients parse responses with it. The `_bytes`
# suffix makes TF Serving's REST API send the PNG strings as {"b64": ...}.
OUTPUTS = {
    "images": {
        SERVING_DEFAULT: ("images", "float32"),
        SAMPLE: ("images", "uint8"),
        SAMPLE_PNG: ("png_bytes", "object"),
    },
    "vectors": {SERVING_DEFAULT: ("samples", "float32"), SAMPLE: ("samples", "float32")},
}


def serving_functions(
    generator, *, latent_dim, noise, noise_scale, kind, sample_shape, output_range, max_samples, jit_compile,
    num_classes=None,
):
    """Returns the traced `tf.function`s of one export, by signature name.

    Args:
        generator: A `keras.Model` mapping [batch, latent_dim] to samples, or `[z, labels int32 [batch]]` to
            samples when `num_classes` is given.
        latent_dim: Positive int, the width of z.
        noise: "uniform" or "normal", the prior p_z that `sample` draws z from.
        noise_scale: Positive float s of U[-s, s] or N(0, s^2).
        kind: "images" or "vectors".
        sample_shape: Tuple, the shape of one served sample: (H, W, C) for images, the generator's output shape
            (without the batch) for vectors.
        output_range: For images, "sigmoid" (outputs in [0, 1]) or "tanh" (outputs in [-1, 1]); None for vectors.
        max_samples: Positive int, the largest `num_samples` that `sample` accepts.
        jit_compile: Bool, compile the generator with XLA inside the functions.
        num_classes: None for an unconditional generator, or the int C >= 2 of a class-conditional one: every
            signature then takes a `label` too (see the module docstring).

    Returns:
        Dict from signature name to `tf.function` with a fixed input signature, traced once; `sample_png` only for
        images with 1 to 4 channels (what PNG holds).

    Raises:
        ValueError: for an unknown kind.

    Example:
        >>> fns = serving_functions(g, latent_dim=2, noise="normal", noise_scale=1.0, kind="vectors",
        ...                         sample_shape=(2,), output_range=None, max_samples=16, jit_compile=False)
        >>> sorted(fns)
        ['sample', 'serving_default']
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
    output_name = OUTPUTS[kind][SERVING_DEFAULT][0]
    conditional = num_classes is not None

    # Only the generator and the cheap post-processing are compiled: asserts are dropped under XLA, and PNG
    # encoding has no XLA kernel.
    @tf.function(jit_compile=jit_compile, autograph=False)
    def forward(z, labels=None):
        x = generator([z, labels] if conditional else z, training=False)
        x = tf.reshape(tf.cast(x, tf.float32), [-1, *sample_shape])
        if kind == "vectors":
            return x
        low, high = pictures.IMAGE_RANGES[output_range]
        # Clip away float round-off so clients can rely on [0, 1].
        return tf.clip_by_value((x - low) / (high - low), 0.0, 1.0)

    def draw(num_samples, seed, label=None):
        z = inputs.prior_noise(num_samples, seed, latent_dim=latent_dim, noise=noise, noise_scale=noise_scale,
                               max_samples=max_samples)
        if not conditional:
            return forward(z)
        return forward(z, inputs.sample_labels(label, tf.shape(z)[0], num_classes))

    def to_uint8(images):
        return tf.cast(tf.round(images * 255.0), tf.uint8)

    def to_png(images):
        return tf.map_fn(tf.io.encode_png, to_uint8(images), fn_output_signature=tf.TensorSpec([], tf.string))

    def serving_default(z, label=None):
        checked = inputs.checked_z(z, latent_dim)
        if not conditional:
            return {output_name: forward(checked)}
        return {output_name: forward(checked, inputs.checked_labels(label, z, num_classes))}

    def sample(num_samples, seed, label=None):
        samples = draw(num_samples, seed, label)
        return {output_name: to_uint8(samples) if kind == "images" else samples}

    def sample_png(num_samples, seed, label=None):
        return {OUTPUTS["images"][SAMPLE_PNG][0]: to_png(draw(num_samples, seed, label))}

    z_specs = [tf.TensorSpec([None, latent_dim], tf.float32, name="z")]
    count_specs = [tf.TensorSpec([], tf.int32, name="num_samples"), tf.TensorSpec([], tf.int64, name="seed")]
    if conditional:
        # One label per row of z; one label (or -1, a mix) for the whole sampled batch.
        z_specs.append(tf.TensorSpec([None], tf.int32, name="label"))
        count_specs.append(tf.TensorSpec([], tf.int32, name="label"))

    functions = {
        SERVING_DEFAULT: tf.function(serving_default, input_signature=z_specs, autograph=False),
        SAMPLE: tf.function(sample, input_signature=count_specs, autograph=False),
    }
    if kind == "images" and sample_shape[-1] in (1, 2, 3, 4):
        functions[SAMPLE_PNG] = tf.function(sample_png, input_signature=count_specs, autograph=False)
    for fn in functions.values():
        fn.get_concrete_function()  # Traces once, so the export takes each function as it is.
    return functions


def describe(functions):
    """Returns the inputs and outputs of traced serving functions, for the export's metadata file.

    Args:
        functions: Dict from signature name to a `tf.function` with an input signature (`serving_functions`).

    Returns:
        Dict {name: {"inputs": {input: {"dtype", "shape"}}, "outputs": {output: {"dtype", "shape"}}}}, with None
        for a dimension of any size.

    Example:
        >>> describe(fns)["sample"]["inputs"]["seed"]
        {'dtype': 'int64', 'shape': []}
    """

    def spec(x):
        return {"dtype": x.dtype.name, "shape": x.shape.as_list()}

    table = {}
    for name, fn in functions.items():
        outputs = fn.get_concrete_function().structured_outputs
        table[name] = {
            "inputs": {s.name: spec(s) for s in fn.input_signature},
            "outputs": {k: spec(v) for k, v in outputs.items()},
        }
    return table
