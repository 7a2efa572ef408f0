"""The functions a generator export serves, and the one table of their names, inputs and outputs.

Two kinds of export (`export_generator(outputs=...)`):

    images    serving_default  z float32 [batch, latent_dim]        -> images float32 [batch, H, W, C] in [0, 1]
              sample           num_samples int32 [], seed int64 []  -> images uint8 [num_samples, H, W, C]
              sample_png       num_samples int32 [], seed int64 []  -> png_bytes string [num_samples] (PNG files)
    vectors   serving_default  z float32 [batch, latent_dim]        -> samples float32 [batch, *sample_shape]
              sample           num_samples int32 [], seed int64 []  -> samples float32 [num_samples, *sample_shape]

`sample` draws z with `keras_gan.noise.sample_prior((n, latent_dim), [seed, 0], noise, noise_scale)`, exactly as
`GAN.generate(n, seed=seed)` does, so both give the same samples. Every request is checked inside the graph, so
TF Serving answers a bad one with INVALID_ARGUMENT and a message that says what to send instead.
"""

import tensorflow as tf

from keras_gan import noise as noise_lib
from keras_gan import pictures

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
    generator, *, latent_dim, noise, noise_scale, kind, sample_shape, output_range, max_samples, jit_compile
):
    """Returns the traced `tf.function`s of one export, by signature name.

    Args:
        generator: A `keras.Model` mapping [batch, latent_dim] to samples.
        latent_dim: Positive int, the width of z.
        noise: "uniform" or "normal", the prior p_z that `sample` draws z from.
        noise_scale: Positive float s of U[-s, s] or N(0, s^2).
        kind: "images" or "vectors".
        sample_shape: Tuple, the shape of one served sample: (H, W, C) for images, the generator's output shape
            (without the batch) for vectors.
        output_range: For images, "sigmoid" (outputs in [0, 1]) or "tanh" (outputs in [-1, 1]); None for vectors.
        max_samples: Positive int, the largest `num_samples` that `sample` accepts.
        jit_compile: Bool, compile the generator with XLA inside the functions.

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

    # Only the generator and the cheap post-processing are compiled: asserts are dropped under XLA, and PNG
    # encoding has no XLA kernel.
    @tf.function(jit_compile=jit_compile, autograph=False)
    def forward(z):
        x = tf.reshape(tf.cast(generator(z, training=False), tf.float32), [-1, *sample_shape])
        if kind == "vectors":
            return x
        low, high = pictures.IMAGE_RANGES[output_range]
        # Clip away float round-off so clients can rely on [0, 1].
        return tf.clip_by_value((x - low) / (high - low), 0.0, 1.0)

    def checked_z(z):
        # TF does not enforce a signature's shape, and TF Serving feeds tensors as sent: say what is wrong instead
        # of a MatMul size error deep inside the generator, or NaN samples.
        # The rank is read from the shape's values: TF folds tf.rank / tf.size to the signature's static rank.
        # Padded with -1, the shape of a [batch, latent_dim] z reads [batch, latent_dim, -1, -1].
        shape = tf.shape(z)
        padded = tf.concat([shape, [-1, -1]], axis=0)
        shape_ok = tf.logical_and(tf.equal(padded[1], latent_dim), tf.equal(padded[2], -1))
        check = tf.debugging.Assert(
            shape_ok,
            [f"z must have shape [batch, {latent_dim}] (latent_dim of this export): send a batch of noise "
             "vectors, one row each. Got shape", shape],
        )
        with tf.control_dependencies([check]):
            return tf.debugging.check_numerics(
                z, "z must be finite noise from the prior: it holds NaN or infinite values. Replace them, or "
                "call the 'sample' signature to have the server draw z"
            )

    def prior_noise(num_samples, seed):
        # Fail before allocating anything: a huge count must be an InvalidArgument, not an out-of-memory.
        checks = [
            tf.debugging.assert_non_negative(
                num_samples,
                message=f"num_samples must be in [0, {max_samples}]: a negative count was requested; ask for 0 or more",
            ),
            tf.debugging.assert_less_equal(
                num_samples,
                tf.constant(max_samples, tf.int32),
                message=f"num_samples must be in [0, {max_samples}] (max_samples of this export): ask for fewer "
                "per request and use other seeds for more, or export again with a larger max_samples",
            ),
        ]
        with tf.control_dependencies(checks):
            count = tf.identity(num_samples)
        # The GAN's own sampler and seed pair: `sample(n, seed)` serves `gan.generate(n, seed=seed)`.
        seed_pair = tf.stack([seed, tf.constant(0, tf.int64)])
        return noise_lib.sample_prior((count, latent_dim), seed_pair, noise, noise_scale)

    def to_uint8(images):
        return tf.cast(tf.round(images * 255.0), tf.uint8)

    z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    count_specs = (tf.TensorSpec([], tf.int32, name="num_samples"), tf.TensorSpec([], tf.int64, name="seed"))

    @tf.function(input_signature=[z_spec], autograph=False)
    def serving_default(z):
        return {output_name: forward(checked_z(z))}

    @tf.function(input_signature=count_specs, autograph=False)
    def sample(num_samples, seed):
        samples = forward(prior_noise(num_samples, seed))
        return {output_name: to_uint8(samples) if kind == "images" else samples}

    @tf.function(input_signature=count_specs, autograph=False)
    def sample_png(num_samples, seed):
        images = to_uint8(forward(prior_noise(num_samples, seed)))
        png = tf.map_fn(tf.io.encode_png, images, fn_output_signature=tf.TensorSpec([], tf.string))
        return {OUTPUTS["images"][SAMPLE_PNG][0]: png}

    functions = {SERVING_DEFAULT: serving_default, SAMPLE: sample}
    if kind == "images" and sample_shape[-1] in (1, 2, 3, 4):
        functions[SAMPLE_PNG] = sample_png
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
