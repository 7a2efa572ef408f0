"""The class-conditional GAN: p(x | c), "adding c as input to both G and D" (Goodfellow et al., 2014, Section 7).

Why a subclass of `GAN` rather than a second model: the training step is the same Algorithm 1, and it stays in one
place, `GAN.train_step` in `keras_gan/gan.py`, where the labels visibly flow to both players (`_generator_inputs`,
`_critic`). What only a conditional model has lives here: the number of classes, how the labels of fake examples
are drawn, the checks that batches carry labels, and `generate(n, labels=...)`. A `GAN` ignores the labels of a
labelled dataset; a `ConditionalGAN` requires them.

Networks: G maps `[z, labels]` to examples and D maps `[x, labels]` to one logit per example, labels int32 [batch]
(`keras_gan.networks.conditional` builds the label-embedding and projection variants).
"""

import numpy as np
import tensorflow as tf
import keras
from keras import ops

from keras_gan import checks
from keras_gan import distribute
from keras_gan import noise as noise_lib
from keras_gan.gan import GAN

__all__ = ["LABEL_DISTRIBUTIONS", "MIX", "ConditionalGAN", "mix_labels"]

# `label_distribution` names: fake labels uniform over the classes, or the real minibatch's own labels (so the
# data's class frequencies, without a pass over the data to count them).
LABEL_DISTRIBUTIONS = ("uniform", "data")
# The label that asks for a mix of classes (`generate(labels=MIX)`, the export's `sample(label=-1)`).
MIX = -1


def mix_labels(num_samples, num_classes):
    """The labels of a class-balanced request: 0, 1, ..., C-1, 0, 1, ... (so every class gets n/C samples ± 1).

    `ConditionalGAN.generate` without labels, the evaluation's balanced sample and the export's `sample` with
    label -1 all use it, so they draw the same samples for the same seed.

    Args:
        num_samples: Int (or scalar int tensor) n >= 0.
        num_classes: Positive int C.

    Returns:
        Int32 tensor [n].

    Example:
        >>> mix_labels(5, 3).numpy().tolist()
        [0, 1, 2, 0, 1]
    """
    return tf.math.floormod(tf.range(num_samples, dtype=tf.int32), num_classes)


def _sample_labels(m, seed, probabilities):
    """m labels drawn from `probabilities` [C] as a pure function of `seed` (the same with and without XLA)."""
    u = noise_lib.sample_unit_uniform((m,), seed)
    edges = ops.convert_to_tensor(np.cumsum(probabilities)[:-1], "float32")
    # Inverse CDF: the number of cumulative edges u has passed.
    return ops.sum(ops.cast(u[:, None] >= edges[None, :], "int32"), axis=1)


@keras.saving.register_keras_serializable(package="keras_gan")
class ConditionalGAN(GAN):
    """A class-conditional GAN: Algorithm 1 with the labels given to both G and D.

    Each `train_step` takes a batch `(examples, labels)` of k·m labelled examples. Each of the k discriminator
    updates scores its own minibatch of m real examples *with their labels* against m fakes G(z, c̃) *with the
    labels c̃ they were generated for*; then one generator update on m fresh (z, c̃). The fake labels c̃ are drawn
    from `label_distribution`. Everything else (losses, penalties, EMA, XLA, tf.distribute, checkpoints) is
    `keras_gan.GAN`'s; a conditional D's gradient penalties are taken with respect to x at the real labels.

    Args:
        generator: A Keras model mapping `[z float [batch, latent_dim], labels int32 [batch]]` to examples.
        discriminator: A Keras model mapping `[examples, labels int32 [batch]]` to logits [batch, 1].
        num_classes: Int C >= 2; labels are 0..C-1.
        latent_dim: Positive int, size of z. Defaults to the width of the generator's first input.
        label_distribution: How fake labels are drawn: "uniform" (each class 1/C), "data" (the real minibatch's
            own labels, so the data's class frequencies), or a sequence of C non-negative weights (normalised).
        **kwargs: `keras_gan.GAN`'s arguments (`d_steps`, `noise`, `noise_scale`, `seed`,
            `joint_discriminator_pass`, `ema_decay`, `name`).

    Raises:
        ValueError: for fewer than 2 classes, an unknown or malformed `label_distribution`, or networks that do not
            take `[z, labels]` / `[x, labels]` or do not return one logit per example.

    Example:
        >>> from keras_gan import networks
        >>> g = networks.conditional_generator(latent_dim=16, num_classes=3, output_shape=(8, 8, 1), base_filters=4)
        >>> d = networks.projection_discriminator((8, 8, 1), num_classes=3, base_filters=4)
        >>> gan = ConditionalGAN(g, d, num_classes=3, seed=0)
        >>> gan.compile()
        >>> images = np.random.rand(64, 8, 8, 1).astype("float32"); labels = np.arange(64) % 3
        >>> history = gan.fit(images, labels, batch_size=32, epochs=1, verbose=0)
        >>> gan.generate(6, labels=2, seed=0).shape
        (6, 8, 8, 1)
    """

    def __init__(self, generator, discriminator, num_classes, latent_dim=None, label_distribution="uniform", **kwargs):
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
            raise ValueError(f"num_classes must be an int >= 2 (labels are 0..num_classes-1), got {num_classes!r}.")
        # Set before GAN.__init__, whose network check calls the players with labels.
        self._num_classes = int(num_classes)
        self._probabilities = _check_distribution(label_distribution, int(num_classes))
        if latent_dim is None:
            latent_dim = _first_input_width(generator)
        super().__init__(generator, discriminator, latent_dim=latent_dim, **kwargs)
        self.label_distribution = (
            label_distribution if isinstance(label_distribution, str) else [float(p) for p in label_distribution]
        )

    @property
    def num_classes(self):
        """Int C, the number of classes (labels 0..C-1)."""
        return self._num_classes

    def _check_networks(self):
        z = ops.zeros((2, self.latent_dim))
        labels = ops.convert_to_tensor([0, self._num_classes - 1], "int32")
        try:
            fake = self.generator([z, labels], training=False)
        except Exception as e:
            raise ValueError(
                f"The generator cannot take [z, labels] (z of size latent_dim={self.latent_dim}, labels int32 "
                f"[batch] in 0..{self._num_classes - 1}): {e}\nBuild it with two inputs, e.g. "
                "keras_gan.networks.conditional_generator(latent_dim, num_classes, ...)."
            ) from e
        try:
            logits = self.discriminator([fake, labels], training=False)
        except Exception as e:
            raise ValueError(
                f"The discriminator cannot take [examples, labels] with the generator's examples of shape "
                f"{tuple(fake.shape)[1:]}: {e}\nBuild it with two inputs, e.g. "
                "keras_gan.networks.projection_discriminator(input_shape, num_classes, ...)."
            ) from e
        if tuple(logits.shape) not in ((2,), (2, 1)):
            raise ValueError(
                f"The discriminator must return one logit per example, shape (batch, 1); it returned shape "
                f"{tuple(logits.shape)[1:]} per batch."
            )

    # ----------------------------------------------------------------------------------------------------------
    # The conditioning hooks of GAN.train_step
    # ----------------------------------------------------------------------------------------------------------

    def _unpack(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2 or data[1] is None:
            raise ValueError(_NO_LABELS)
        return data[0], ops.cast(data[1], "int32")

    def _fake_labels(self, m, real_labels):
        if self.label_distribution == "data" and real_labels is not None:
            return real_labels
        seed = self._next_seed()
        if self._probabilities is None:
            draw = lambda shape: ops.cast(  # noqa: E731
                ops.floor(noise_lib.sample_unit_uniform(shape, seed) * self._num_classes), "int32")
        else:
            draw = lambda shape: _sample_labels(shape[0], seed, self._probabilities)  # noqa: E731
        # Each replica keeps its rows of the global draw, as for the noise.
        return ops.minimum(distribute.replica_rows(draw, (m,)), self._num_classes - 1)

    # ----------------------------------------------------------------------------------------------------------
    # Using a trained model
    # ----------------------------------------------------------------------------------------------------------

    def labels_for(self, num_samples, labels=None):
        """The int32 labels of a request: a mix, one class, or one label per sample, checked.

        Args:
            num_samples: Positive int n.
            labels: None or -1 (`MIX`): a class-balanced mix (`mix_labels`); an int c in [0, C): n samples of
                class c; or an int array [n] of labels in [0, C).

        Returns:
            np.ndarray int32 [n].

        Raises:
            ValueError: for a label outside [0, C), a non-integer label, or an array whose length is not n.
        """
        n = checks.check_positive_int("num_samples", num_samples)
        c = self._num_classes
        if labels is None or (np.ndim(labels) == 0 and _is_int(labels) and int(labels) == MIX):
            return mix_labels(n, c).numpy()
        array = np.asarray(labels)
        if not (np.issubdtype(array.dtype, np.integer) or array.dtype == bool) or array.ndim > 1:
            raise ValueError(
                f"labels must be None or -1 (a mix), a class index in [0, {c}), or an int array of {n} class "
                f"indices; got {labels!r}."
            )
        if array.ndim == 0:
            array = np.full((n,), int(array))
        elif len(array) != n:
            raise ValueError(f"labels holds {len(array)} labels for num_samples={n}; pass one label per sample, or "
                             "one int for all of them.")
        if len(array) and (array.min() < 0 or array.max() >= c):
            bad = array[(array < 0) | (array >= c)][0]
            raise ValueError(f"Label {int(bad)} is outside the model's classes 0..{c - 1}; pass class indices in "
                             f"[0, {c}), or -1 for a mix of classes.")
        return array.astype(np.int32)

    def sample_inputs(self, num_samples, seed=None, labels=None):
        """The generator's inputs `[z, labels]` for a request (see `labels_for`), z from the model's prior.

        Args:
            num_samples: Positive int.
            seed: Optional int; the same seed gives the same z (`GAN.sample_noise`).
            labels: As in `labels_for`.

        Returns:
            [z float32 [n, latent_dim], labels int32 [n]].
        """
        labels = self.labels_for(num_samples, labels)
        return [self.sample_noise(num_samples, seed=seed), ops.convert_to_tensor(labels, "int32")]

    def generate(self, num_samples, labels=None, seed=None, batch_size=1000, use_ema=True):
        """Samples examples G(z, c), z ~ p_z, for the requested classes.

        Args:
            num_samples: Positive int.
            labels: None or -1 for a class-balanced mix (class i % C for sample i), an int c for n samples of
                class c, or an int array [n].
            seed: Optional int; the same seed gives the same z (so class c with seed s gives the same samples as
                the export's `sample(n, s, c)`).
            batch_size: Positive int, examples per forward pass.
            use_ema: Bool; True samples from the averaged generator when the model keeps one.

        Returns:
            np.ndarray [num_samples, *example shape].

        Raises:
            ValueError: for bad labels (see `labels_for`), a non-positive count or batch size, or samples that
                would not fit in half of this machine's memory.

        Example:
            >>> gan.generate(10, labels=3, seed=0).shape      # ten samples of class 3
            (10, 28, 28, 1)
        """
        checks.check_positive_int("batch_size", batch_size)
        self._check_fits_in_memory(num_samples)
        inputs = self.sample_inputs(num_samples, seed=seed, labels=labels)
        generator = self.sampling_generator if use_ema else self.generator
        return generator.predict(inputs, batch_size=int(batch_size), verbose=0)

    def call(self, inputs, training=False):
        """`gan([z, labels])` is `gan.sampling_generator([z, labels])`."""
        return (self.generator if training else self.sampling_generator)(inputs, training=training)

    # ----------------------------------------------------------------------------------------------------------
    # fit() input check and serialization
    # ----------------------------------------------------------------------------------------------------------

    def _check_batches(self, x, batch_size):
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            if not isinstance(spec, (tuple, list)) or len(spec) < 2 or not spec[1].dtype.is_integer:
                raise ValueError(_NO_LABELS)
        super()._check_batches(x, batch_size)

    def fit(self, x=None, y=None, batch_size=None, *args, **kwargs):
        """`GAN.fit` on labelled data: a dataset of `(examples, labels)` batches, or arrays `x` and labels `y`.

        Args:
            x: A `tf.data.Dataset` of `(examples [k·m, ...], labels int [k·m])`, or an array of examples.
            y: With an array `x`, the int labels [N] in [0, C).
            batch_size: With arrays, examples per step (k·m).
            *args: Passed to `GAN.fit`.
            **kwargs: Passed to `GAN.fit`.

        Returns:
            A `keras.callbacks.History`.

        Raises:
            ValueError: if the data carries no labels, labels are outside [0, C), or batches cannot be split.
        """
        if not isinstance(x, tf.data.Dataset):
            if y is None:
                raise ValueError(_NO_LABELS)
            self.labels_for(len(y), np.asarray(y))  # Range and dtype, before any step.
        return super().fit(x, y, batch_size, *args, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self._num_classes, label_distribution=self.label_distribution)
        return config


_NO_LABELS = (
    "ConditionalGAN needs labelled batches (examples, labels), but the data has no labels. Use "
    "keras_gan.data.image_dataset(..., with_labels=True), fit(images, labels), or a dataset whose elements are "
    "(images, int labels); for unlabelled data train keras_gan.GAN (an unconditional architecture) instead."
)


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_distribution(distribution, num_classes):
    """None for uniform labels, or the normalised probabilities [C] of a weight sequence; "data" gives None too."""
    if isinstance(distribution, str):
        if distribution not in LABEL_DISTRIBUTIONS:
            raise ValueError(f"label_distribution must be one of {LABEL_DISTRIBUTIONS} or {num_classes} class "
                             f"weights, got {distribution!r}.")
        return None
    weights = np.asarray(distribution, np.float64)
    if weights.shape != (num_classes,) or not np.all(np.isfinite(weights)) or weights.min() < 0 or weights.sum() <= 0:
        raise ValueError(f"label_distribution as weights must be {num_classes} finite non-negative numbers with a "
                         f"positive sum (one per class), got {distribution!r}.")
    return weights / weights.sum()


def _first_input_width(generator):
    inputs = getattr(generator, "inputs", None)
    if not inputs or len(inputs) != 2 or len(inputs[0].shape) != 2 or inputs[0].shape[-1] is None:
        raise ValueError(
            "latent_dim was not given and cannot be read off the generator: it must take [z [batch, latent_dim], "
            "labels [batch]]. Pass latent_dim=<size of z>, or build it with keras_gan.networks.conditional_generator."
        )
    return int(inputs[0].shape[-1])
