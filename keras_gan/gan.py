"""The GAN model: Algorithm 1 of Goodfellow et al. (2014) as a `keras.Model.train_step`.

Everything a training iteration does is in `GAN.train_step`, `_discriminator_step` and `_generator_step` below;
Keras's own `fit()` supplies the loop, XLA (`jit_compile`), `steps_per_execution`, distribution, callbacks and the
progress bar.
"""

import copy
import math
import os
import random

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gan import checks
from keras_gan import distribute
from keras_gan import losses as losses_lib
from keras_gan import noise as noise_lib
from keras_gan import penalties
from keras_gan import rng_state

NOISE_PRIORS = noise_lib.PRIORS


def _default_optimizer():
    # The DCGAN recipe; the paper's own SGD schedule lives in the `paper_*` configs.
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


def _scale_for_replicas(loss):
    # Each replica averages over its share of the batch; gradients are summed across replicas, so dividing by the
    # replica count gives the gradient of the global-batch mean (a Python int: no per-step host work).
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss / replicas if replicas > 1 else loss


@keras.saving.register_keras_serializable(package="keras_gan")
class GAN(keras.Model):
    """A generative adversarial net trained by Algorithm 1 of Goodfellow et al. (2014).

    Each `train_step` receives a batch of k·m real examples (k = `d_steps`). It splits the batch into k minibatches
    of m and makes k discriminator updates, each on its own minibatch and m fresh noise vectors, then one generator
    update on m fresh noise vectors. So with k > 1 a dataset must be batched with k·m examples per batch and
    `drop_remainder=True` (`keras_gan.data.image_dataset(..., d_steps=k)` does this); `fit()` rejects batches
    that cannot be split.

    The discriminator must return one *logit* per example ([batch] or [batch, 1]); D(x) = sigmoid(logit). All
    randomness (the noise z) comes from a counter owned by the model (`noise_state`, a non-trainable weight), saved
    and restored with the weights, so runs with the same `seed` are reproducible and resumed runs continue the same
    stream. The random streams of D's and G's own layers (e.g. `keras.layers.Dropout`) are saved too.

    Speed: with `joint_discriminator_pass=True` each discriminator update runs D once on the concatenated
    [real; fake] minibatch rather than twice: the same logits and gradients from twice-as-tall matmuls, valid only
    when D maps each example independently of the rest of its batch (no batch normalization;
    `keras_gan.networks.acts_per_example` tells). The architecture registry sets it where it pays
    (`benchmarks/gan_step.py`: faster for the paper's MLP, slower for conv nets on XLA CPU).

    Generator EMA: with `ema_decay=β` the model keeps `ema_generator`, an exponential moving average of G's weights
    (θ̄ ← β·θ̄ + (1 - β)·θ after every generator update; batch-norm statistics copied). `generate`, `gan(z)`, the
    sample grids, evaluation and export use `sampling_generator`, which is the averaged one when it exists; the raw
    generator that training updates stays at `gan.generator`. Keras's optimizer `use_ema` is not used because it
    *overwrites* the trained weights with the average (`finalize_variable_values` at the end of `fit`, and every
    `ema_overwrite_frequency` steps): a GAN must keep training the raw G against D and sample from the average.

    Metrics (progress bar and History): `d_loss` and `g_loss` (what each player minimises, D's penalties
    included), `d_real` (mean D(x)) and `d_fake` (mean D(G(z))), averaged over the step's k discriminator updates.

    Args:
        generator: A Keras model mapping [batch, latent_dim] noise to examples.
        discriminator: A Keras model mapping examples to logits [batch, 1] (or [batch]).
        latent_dim: Positive int, size of z. Defaults to the generator's input size.
        d_steps: Positive int, discriminator updates per generator update (k in the paper; the paper uses 1).
        noise: "uniform" (U[-s, s]) or "normal" (N(0, s²)), the prior p_z.
        noise_scale: Positive float s. Defaults to sqrt(3) for "uniform" (unit variance, the paper's
            U[-√3, √3]) and 1 for "normal".
        seed: Optional int seeding the model's noise stream.
        joint_discriminator_pass: Bool; True runs D once over [real; fake] (see Speed). Only for a D that maps
            each example independently; the default False always makes two passes.
        ema_decay: Optional float β in (0, 1) (e.g. 0.999): keep an exponential moving average of G's weights and
            sample from it (see Generator EMA). None: no average.
        **kwargs: Passed to `keras.Model` (e.g. `name`).

    Raises:
        ValueError: if `d_steps` or `latent_dim` is not a positive int, the prior is unknown, the generator cannot
            take latent vectors, the discriminator cannot take the generator's output, or the discriminator does
            not return one logit per example, or `ema_decay` is outside (0, 1) or the generator cannot be cloned.

    Example:
        >>> import keras_gan
        >>> gan = keras_gan.GAN(
        ...     keras_gan.networks.mlp_generator(latent_dim=1, output_dim=1),
        ...     keras_gan.networks.mlp_discriminator(input_dim=1),
        ...     latent_dim=1, seed=0)
        >>> gan.compile(generator_loss="non_saturating")
        >>> history = gan.fit(keras_gan.data.toy.gaussian_1d_dataset(batch_size=64), epochs=1, verbose=0)
        >>> sorted(history.history)
        ['d_fake', 'd_loss', 'd_real', 'g_loss']
    """

    def __init__(
        self, generator, discriminator, latent_dim=None, d_steps=1, noise="uniform", noise_scale=None, seed=None,
        joint_discriminator_pass=False, ema_decay=None, **kwargs,
    ):
        super().__init__(**kwargs)
        for label, net in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(net, keras.layers.Layer):
                raise ValueError(f"{label} must be a Keras model or layer, got {type(net).__name__}.")
        if latent_dim is None:
            latent_dim = _input_size(generator)
        checks.check_positive_int("latent_dim", latent_dim, "It is the size of z; the paper uses 100.")
        checks.check_positive_int("d_steps", d_steps, "It is k, discriminator updates per generator update; "
                                  "the paper uses 1.")
        if noise not in NOISE_PRIORS:
            raise ValueError(f"Unknown noise prior {noise!r}; use one of {NOISE_PRIORS}.")
        if noise_scale is None:
            noise_scale = noise_lib.DEFAULT_SCALES[noise]
        if not noise_scale > 0:
            raise ValueError(f"noise_scale must be positive, got {noise_scale!r}.")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.d_steps = int(d_steps)
        self.noise = noise
        self.noise_scale = float(noise_scale)
        self.seed = seed
        start = random.randint(1, 2**30) if seed is None else int(seed)
        self.noise_state = self.add_weight(
            name="noise_state", shape=(2,), dtype="int64", trainable=False,
            initializer=lambda shape, dtype: ops.convert_to_tensor([start, 0], dtype=dtype),
        )
        self._check_networks()
        self.joint_discriminator_pass = bool(joint_discriminator_pass)
        if ema_decay is not None and not checks.is_open_unit_interval(ema_decay):
            raise ValueError(f"ema_decay must be a float in (0, 1), e.g. 0.999, or None; got {ema_decay!r}.")
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self.ema_generator = None if ema_decay is None else _clone_weights(generator)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.built = True

    def _check_networks(self):
        """Runs G and D once on a tiny batch so shape mistakes fail here, with a fix, not deep inside fit()."""
        z = ops.zeros((2, self.latent_dim))
        try:
            fake = self.generator(z, training=False)
        except Exception as e:
            raise ValueError(
                f"The generator cannot take latent vectors of size latent_dim={self.latent_dim}: {e}\n"
                f"Build the generator with input shape ({self.latent_dim},) or pass the matching latent_dim."
            ) from e
        try:
            logits = self.discriminator(fake, training=False)
        except Exception as e:
            raise ValueError(
                f"The discriminator cannot take the generator's output of shape {tuple(fake.shape)[1:]}: {e}\n"
                "Make the generator's output shape match the discriminator's input shape (add a Reshape layer "
                "to one of them, or build both for the same image shape)."
            ) from e
        shape = tuple(logits.shape)
        if shape not in ((2,), (2, 1)):
            raise ValueError(
                f"The discriminator must return one logit per example, shape (batch, 1) or (batch,); it returned "
                f"shape {shape[1:]} per batch. End it with keras.layers.Dense(1) and no activation."
            )
        last = self.discriminator.layers[-1] if hasattr(self.discriminator, "layers") and self.discriminator.layers else None
        activation = getattr(last, "activation", None)
        if activation in (keras.activations.sigmoid, keras.activations.softmax):
            raise ValueError(
                "The discriminator ends in a sigmoid/softmax, but GAN needs logits (losses are computed stably "
                "from logits, D(x) = sigmoid(logit)). Remove the final activation."
            )

    # ----------------------------------------------------------------------------------------------------------
    # compile / metrics
    # ----------------------------------------------------------------------------------------------------------

    def compile(
        self, d_optimizer=None, g_optimizer=None, generator_loss="non_saturating", discriminator_loss=None,
        gradient_penalty=0.0, r1_penalty=0.0, r1_interval=1, auto_scale_loss=True, **kwargs,
    ):
        """Configures the two players' optimizers and losses.

        Args:
            d_optimizer: Discriminator optimizer (instance, name or config). Defaults to Adam(2e-4, beta_1=0.5).
            g_optimizer: Generator optimizer, a different instance. Defaults to Adam(2e-4, beta_1=0.5).
            generator_loss: A loss family of `keras_gan.losses.LOSSES` ("non_saturating": G ascends log D(G(z)), the
                paper's practical choice and its code's; "minimax": G descends log(1 - D(G(z))) exactly), whose
                generator loss G minimises, or a callable `fn(fake_logits) -> scalar`.
            discriminator_loss: None (the family's discriminator loss), a family name, or a callable
                `fn(real_logits, fake_logits) -> scalar`.
            gradient_penalty: Float λ ≥ 0: adds λ·E[(‖∇D(x̂)‖ - 1)²] (WGAN-GP, `keras_gan.penalties`) to every
                discriminator update; 10 in the WGAN-GP paper. 0 turns it off.
            r1_penalty: Float γ ≥ 0: adds (γ/2)·E[‖∇D(x)‖²] on the data minibatch (R1). 0 turns it off.
            r1_interval: Positive int N: apply R1 on every N-th discriminator update only, weighted N·γ/2 (lazy
                regularisation, StyleGAN2); 1 applies it on every update.
            auto_scale_loss: If True and the networks compute in float16 (`mixed_float16` policy), both
                optimizers are wrapped in `keras.optimizers.LossScaleOptimizer`.
            **kwargs: Passed to `keras.Model.compile`: `jit_compile`, `steps_per_execution`, `run_eagerly`, ...

        Raises:
            ValueError: for an unknown loss name, both players sharing one optimizer instance, a negative penalty
                weight, a non-positive `r1_interval`, or `optimizer` / `loss` arguments (a GAN has two of each).

        Example:
            >>> gan.compile(d_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
            ...             g_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
            ...             generator_loss="minimax", jit_compile=True)
        """
        for arg in ("optimizer", "loss"):
            if arg in kwargs:
                raise ValueError(
                    f"GAN.compile takes no `{arg}`: pass d_optimizer/g_optimizer and generator_loss/"
                    "discriminator_loss instead."
                )
        d_optimizer = keras.optimizers.get(d_optimizer) if d_optimizer is not None else _default_optimizer()
        g_optimizer = keras.optimizers.get(g_optimizer) if g_optimizer is not None else _default_optimizer()
        if d_optimizer is g_optimizer:
            raise ValueError(
                "d_optimizer and g_optimizer are the same object; each player needs its own optimizer state. "
                "Pass two instances, e.g. d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam()."
            )
        for name, weight in (("gradient_penalty", gradient_penalty), ("r1_penalty", r1_penalty)):
            if not checks.is_weight(weight):
                raise ValueError(f"{name} must be a weight >= 0 (0 turns it off), got {weight!r}.")
        checks.check_positive_int("r1_interval", r1_interval, "Apply R1 every N discriminator updates; 1 is "
                                  "every update.")
        self.gradient_penalty = float(gradient_penalty)
        self.r1_penalty = float(r1_penalty)
        self.r1_interval = int(r1_interval)
        self.generator_loss_fn = losses_lib.get_generator_loss(generator_loss)
        self.discriminator_loss_fn = losses_lib.get_discriminator_loss(
            generator_loss if discriminator_loss is None and isinstance(generator_loss, str) else discriminator_loss
        )
        self._gan_compile_config = {
            "d_optimizer": d_optimizer, "g_optimizer": g_optimizer, "generator_loss": generator_loss,
            "discriminator_loss": discriminator_loss, "gradient_penalty": gradient_penalty,
            "r1_penalty": r1_penalty, "r1_interval": r1_interval, "auto_scale_loss": auto_scale_loss, **kwargs,
        }
        if auto_scale_loss and _computes_in_float16(self.generator, self.discriminator):
            wrap = keras.optimizers.LossScaleOptimizer
            d_optimizer = d_optimizer if isinstance(d_optimizer, wrap) else wrap(d_optimizer)
            g_optimizer = g_optimizer if isinstance(g_optimizer, wrap) else wrap(g_optimizer)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # Under MirroredStrategy / MultiWorkerMirroredStrategy Keras's whole-step XLA fails: the step compiles its
        # per-replica updates itself instead (keras_gan.distribute.xla_path), and says so.
        xla = distribute.xla_path(kwargs.get("jit_compile", "auto"), self.distribute_strategy)
        self._per_replica_xla = xla == "per_replica"
        if self._per_replica_xla:
            kwargs["jit_compile"] = False
        super().compile(optimizer=None, loss=None, **kwargs)
        self._xla_path = "whole_step" if self.jit_compile else xla
        # Slots now, not inside the first step: a checkpoint or .keras file can restore them before training, and
        # under a tf.distribute strategy slots created inside the replicated step fail ("must feed a value for
        # placeholder tensor").
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    # ----------------------------------------------------------------------------------------------------------
    # Algorithm 1
    # ----------------------------------------------------------------------------------------------------------

    def train_step(self, data):
        """One iteration of Algorithm 1: k discriminator updates, then one generator update.

        Args:
            data: A batch of k·m real examples, or a tuple whose first element is that batch (labels ignored).

        Returns:
            Dict of metric results: d_loss, g_loss, d_real, d_fake.

        Raises:
            ValueError: if the batch size is known and not a multiple of `d_steps`.
        """
        real, labels = self._unpack(data)
        k = self.d_steps
        batch = real.shape[0]
        if batch is None:
            batch = tf.shape(real)[0]
            if k > 1:
                tf.debugging.assert_equal(
                    batch % k, 0, message=f"GAN with d_steps={k}: the batch size must be a multiple of {k}."
                )
        elif batch % k:
            raise ValueError(_split_message(k, batch))
        m = batch // k
        # Train the discriminator k times, each on its own minibatch of m real examples (with their labels, for a
        # ConditionalGAN) and m fresh noise vectors.
        for i in range(k):
            rows = slice(i * m, (i + 1) * m)
            self._discriminator_step(real[rows], None if labels is None else labels[rows], m)
        # Then the generator once, on m fresh noise vectors.
        self._generator_step(m, None if labels is None else labels[:m])
        if self.ema_generator is not None:
            self._update_average()
        # Averaged over the replicas here: every replica and worker reports the global values.
        return distribute.reduce_metrics({metric.name: metric.result() for metric in self.metrics})

    def _discriminator_step(self, real, real_labels, m):
        # Under a replicating strategy with XLA, the gradients come from an XLA function on this replica; the
        # all-reduce and the optimizer update stay outside it (keras_gan.distribute.per_replica_function).
        gradients = distribute.per_replica_function(self._discriminator_gradients, self._per_replica_xla)
        loss, grads, real_logits, fake_logits = gradients(real, real_labels, m)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        self.d_loss_tracker.update_state(loss)
        self.d_real_tracker.update_state(ops.sigmoid(ops.cast(real_logits, "float32")))
        self.d_fake_tracker.update_state(ops.sigmoid(ops.cast(fake_logits, "float32")))

    def _discriminator_gradients(self, real, real_labels, m):
        fake_labels = self._fake_labels(m, real_labels)
        fake = self.generator(self._generator_inputs(self._noise(m), fake_labels), training=True)
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            real_logits, fake_logits = self._discriminate(real, real_labels, fake, fake_labels)
            loss = self.discriminator_loss_fn(real_logits, fake_logits) + self._penalties(real, real_labels, fake, m)
            scaled_loss = self.d_optimizer.scale_loss(_scale_for_replicas(loss))
        return loss, tape.gradient(scaled_loss, variables), real_logits, fake_logits

    def _penalties(self, real, real_labels, fake, m):
        """D's gradient regularisers (keras_gan.penalties), inside D's tape so their own gradients train D.

        A conditional D is penalised as a function of x at the real minibatch's labels (interpolates included).
        """
        total = 0.0
        critic = self._critic(real_labels)
        if self.gradient_penalty:
            seed = self._next_seed()
            alpha = distribute.replica_rows(lambda shape: noise_lib.sample_unit_uniform(shape, seed), (m,))
            total += self.gradient_penalty * penalties.gradient_penalty(critic, real, fake, alpha)
        if self.r1_penalty:
            n = self.r1_interval
            if n == 1:
                total += 0.5 * self.r1_penalty * penalties.r1_penalty(critic, real)
            else:
                # Lazy R1: every n-th D update (counted by D's optimizer), n times as strong.
                due = ops.equal(self.d_optimizer.iterations % n, 0)
                total += ops.cond(due, lambda: 0.5 * n * self.r1_penalty * penalties.r1_penalty(critic, real),
                                  lambda: ops.zeros((), "float32"))
        return total

    def _update_average(self):
        beta = self.ema_decay
        for average, weight in zip(self.ema_generator.weights, self.generator.weights):
            if not average.dtype.startswith("float"):
                continue
            # Trained weights are averaged; running statistics (batch norm) are copied.
            average.assign(beta * average + (1.0 - beta) * weight if weight.trainable else weight)

    def _discriminate(self, real, real_labels, fake, fake_labels):
        if self.joint_discriminator_pass and tuple(real.shape[1:]) == tuple(fake.shape[1:]):
            # One pass over [real; fake]: twice-as-tall matmuls, the same per-example logits (keras_gan.networks.acts_per_example).
            dtype = keras.backend.result_type(real.dtype, fake.dtype)
            both = ops.concatenate([ops.cast(real, dtype), ops.cast(fake, dtype)])
            labels = None if real_labels is None else ops.concatenate([real_labels, fake_labels])
            logits = self._critic(labels)(both, training=True)
            m = ops.shape(real)[0]
            return logits[:m], logits[m:]
        return self._critic(real_labels)(real, training=True), self._critic(fake_labels)(fake, training=True)

    def _generator_step(self, m, labels):
        gradients = distribute.per_replica_function(self._generator_gradients, self._per_replica_xla)
        loss, grads = gradients(m, labels)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        self.g_loss_tracker.update_state(loss)

    def _generator_gradients(self, m, real_labels):
        fake_labels = self._fake_labels(m, real_labels)
        z = self._noise(m)
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake = self.generator(self._generator_inputs(z, fake_labels), training=True)
            fake_logits = self._critic(fake_labels)(fake, training=True)
            loss = self.generator_loss_fn(fake_logits)
            scaled_loss = self.g_optimizer.scale_loss(_scale_for_replicas(loss))
        return loss, tape.gradient(scaled_loss, variables)

    # The conditioning hooks: an unconditional GAN ignores labels; keras_gan.ConditionalGAN overrides `_unpack` and
    # `_fake_labels`, and these two pass the labels to the players.

    def _unpack(self, data):
        """(real examples, their labels or None) of one batch."""
        return _real_examples(data), None

    def _fake_labels(self, m, real_labels):
        """The labels the generator is asked for in one update (None: unconditional)."""
        del m, real_labels
        return None

    @staticmethod
    def _generator_inputs(z, labels):
        return z if labels is None else [z, labels]

    def _critic(self, labels):
        """D as a function of the examples alone (given the labels), as the penalties need it."""
        if labels is None:
            return self.discriminator
        return lambda x, training=True: self.discriminator([x, labels], training=training)

    def _next_seed(self):
        # The model's one random stream: every draw in training takes the next counter value.
        seed = self.noise_state.value
        self.noise_state.assign_add(ops.convert_to_tensor([0, 1], dtype="int64"))
        return seed

    def _noise(self, n, seed=None):
        if seed is None:
            seed = self._next_seed()
        elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            seed = tf.constant([int(seed), 0], tf.int64)
        else:
            raise ValueError(f"seed must be None or an int, got {seed!r}.")
        # keras_gan.noise, not keras.random: the same seed must give the same noise with jit_compile=True or False.
        # Under a strategy, each replica takes its rows of the global batch's draw (keras_gan.distribute.replica_rows).
        return distribute.replica_rows(
            lambda shape: noise_lib.sample_prior(shape, seed, self.noise, self.noise_scale), (n, self.latent_dim)
        )

    # ----------------------------------------------------------------------------------------------------------
    # Using a trained GAN
    # ----------------------------------------------------------------------------------------------------------

    @property
    def sampling_generator(self):
        """The generator that samples: `ema_generator` when the model keeps an average, else `generator`."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def call(self, inputs, training=False):
        """Maps noise to examples: `gan(z)` is `gan.sampling_generator(z)` (the raw `gan.generator` in training)."""
        return (self.generator if training else self.sampling_generator)(inputs, training=training)

    def sample_noise(self, num_samples, seed=None):
        """Draws noise vectors from the model's prior p_z without touching the training noise stream.

        Args:
            num_samples: Positive int.
            seed: Optional int; the same seed gives the same noise. None draws from Keras's global RNG
                (`keras.utils.set_random_seed` fixes it).

        Returns:
            Float32 tensor [num_samples, latent_dim].

        Raises:
            ValueError: if `num_samples` is not a positive int.

        Example:
            >>> gan.sample_noise(16, seed=1).shape
            TensorShape([16, 100])
        """
        checks.check_positive_int("num_samples", num_samples)
        return self._noise(int(num_samples), seed=seed)

    def generate(self, num_samples, seed=None, batch_size=1000, use_ema=True):
        """Samples examples G(z), z ~ p_z, in batches so memory stays bounded.

        Args:
            num_samples: Positive int.
            seed: Optional int; the same seed gives the same samples.
            batch_size: Positive int, examples per forward pass.
            use_ema: Bool; True samples from the averaged generator when the model keeps one (`ema_decay`),
                False from the raw `generator`.

        Returns:
            np.ndarray [num_samples, *example shape].

        Raises:
            ValueError: if `num_samples` or `batch_size` is not a positive int, or the samples would not fit in
                half of this machine's memory.

        Example:
            >>> gan.generate(64, seed=0).shape
            (64, 784)
        """
        checks.check_positive_int("batch_size", batch_size)
        self._check_fits_in_memory(num_samples)
        z = self.sample_noise(num_samples, seed=seed)
        generator = self.sampling_generator if use_ema else self.generator
        return generator.predict(z, batch_size=int(batch_size), verbose=0)

    def _check_fits_in_memory(self, num_samples):
        if checks.is_positive_int(num_samples):
            needed = int(num_samples) * math.prod(self.generator.output_shape[1:]) * 4
            available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
            if needed > available // 2:
                raise ValueError(
                    f"{num_samples} samples would need {needed / 2**30:.1f} GiB, more than half of this machine's "
                    f"{available / 2**30:.0f} GiB. Ask for fewer, or draw them in parts with different seeds."
                )

    # ----------------------------------------------------------------------------------------------------------
    # fit() input check and serialization
    # ----------------------------------------------------------------------------------------------------------

    def fit(self, x=None, y=None, batch_size=None, *args, **kwargs):
        """`keras.Model.fit`, after checking that every batch splits into `d_steps` minibatches.

        Args:
            x: A `tf.data.Dataset` of batches (of k·m examples when d_steps = k > 1), or an array of examples.
            y: Ignored labels, accepted for API compatibility.
            batch_size: With arrays, examples per step (k·m); the array length must split too.
            *args: Passed to `keras.Model.fit`.
            **kwargs: Passed to `keras.Model.fit`.

        Returns:
            A `keras.callbacks.History`.

        Raises:
            ValueError: if a batch cannot be split into `d_steps` equal minibatches, or an array holds NaN/inf.
        """
        self._check_batches(x, batch_size)
        distribute.log_xla_path(getattr(self, "_xla_path", "off"), self.distribute_strategy)
        if isinstance(x, tf.data.Dataset) and not args:
            # A dataset is shuffled by its own pipeline; Keras's default shuffle=True would only warn.
            kwargs.setdefault("shuffle", False)
        return super().fit(x, y, batch_size, *args, **kwargs)

    def _check_batches(self, x, batch_size):
        if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
            raise ValueError(
                f"The training data holds {int((~np.isfinite(x)).sum())} NaN or infinite values (first at index "
                f"{tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])}); every update would be NaN. Remove or "
                "replace those examples first."
            )
        k = self.d_steps
        if k == 1:
            return
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            spec = spec[0] if isinstance(spec, (tuple, list)) else spec
            size = spec.shape[0] if spec.shape.rank else None
            if size is None:
                raise ValueError(
                    f"GAN with d_steps={k} splits each batch into {k} minibatches, but this dataset's batch size "
                    f"is not fixed (the last batch may be short). Batch it with dataset.batch({k} * m, "
                    f"drop_remainder=True), or use keras_gan.data.image_dataset(..., d_steps={k})."
                )
            if size % k:
                raise ValueError(_split_message(k, size))
        elif hasattr(x, "shape") and len(x.shape):
            size = batch_size or 32
            if size % k or (x.shape[0] % size) % k:
                raise ValueError(
                    _split_message(k, size)
                    + f" With arrays, the {x.shape[0]} examples must also leave a last batch divisible by {k}."
                )

    def save_own_variables(self, store):
        # Keras saves no SeedGenerator state (e.g. keras.layers.Dropout's); a resumed run must continue the same
        # dropout streams, so they are saved with the GAN's own weights (keras_gan.rng_state says how).
        super().save_own_variables(store)
        for key, variable in rng_state.seed_states(self).items():
            store[key] = variable

    def load_own_variables(self, store):
        saved = rng_state.seed_states(self)
        for key, variable in saved.items():
            if key in store.keys():
                variable.assign(store[key])
        super().load_own_variables({k: store[k] for k in store.keys() if k not in saved})

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "d_steps": self.d_steps,
            "noise": self.noise,
            "noise_scale": self.noise_scale,
            "seed": self.seed,
            "joint_discriminator_pass": self.joint_discriminator_pass,
            "ema_decay": self.ema_decay,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # Keras's deserializer consumes nested dicts in place; a deep copy leaves the caller's config intact.
        config = copy.deepcopy(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key], custom_objects=custom_objects)
        return cls(**config)

    def get_compile_config(self):
        if not getattr(self, "_gan_compile_config", None):
            return {}
        return keras.saving.serialize_keras_object(self._gan_compile_config)

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)


def _real_examples(data):
    if isinstance(data, (tuple, list)):
        return data[0]
    if isinstance(data, dict):
        raise ValueError(
            "GAN.fit got a dict per batch; map the dataset to the images alone, e.g. ds.map(lambda d: d['image'])."
        )
    return data


def _split_message(k, batch):
    return (
        f"GAN with d_steps={k} splits each batch of k·m examples into {k} minibatches of m, but got batches of "
        f"{batch}, which is not a multiple of {k}. Use a batch size divisible by {k} (e.g. {k * 64}) with "
        "drop_remainder=True."
    )


def _input_size(model):
    try:
        shape = model.input_shape if hasattr(model, "input_shape") else None
    except (AttributeError, ValueError):
        shape = None
    if not shape or isinstance(shape, list) or shape[-1] is None:
        raise ValueError(
            "latent_dim was not given and cannot be read off the generator's input; pass latent_dim=<size of z>."
        )
    return int(shape[-1])


def _clone_weights(generator):
    """A structural copy of `generator` holding its current weights: the start of the moving average."""
    try:
        clone = keras.models.clone_model(generator)
    except Exception as e:
        raise ValueError(
            f"ema_decay needs a copy of the generator, but keras.models.clone_model failed: {e}\n"
            "Build the generator as a functional or Sequential model, or give its layers get_config()."
        ) from e
    clone.set_weights(generator.get_weights())
    clone.trainable = False
    return clone


def _computes_in_float16(*models):
    return any(getattr(m, "compute_dtype", "float32") == "float16" for m in models)
