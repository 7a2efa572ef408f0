"""What the tf.distribute tests train, runnable as a script on each device set-up or worker.

`python tests/distribute_recipe.py '{"strategy": "mirrored", "logical_cpus": 2, "jit_compile": true}'` trains the
tiny GAN below for `steps` steps and prints one line `RESULT {json}`: the per-step losses, the final weights and the
noise counter. The one-device reference is the same call with `"strategy": "default"`; each test compares the two.
The discriminator has `HashDropout`, so its masks are checked along with the noise; `d_steps=2`, so the split of
each batch into k minibatches is too.
"""

import json
import sys

# Keys of the JSON argument, with their defaults.
DEFAULTS = {
    "strategy": "default",  # keras_gan.distribute.STRATEGIES
    "logical_cpus": 1,  # split the CPU into this many logical devices (MirroredStrategy replicas)
    "jit_compile": False,
    "d_steps": 2,
    "batch_size": 16,  # m: examples per update, over all replicas
    "steps": 3,  # train steps (each k + 1 updates)
    "epochs": 1,
    "compile": {},  # extra GAN.compile arguments (penalties)
    "gan": {},  # extra GAN arguments (ema_decay)
    "spectral_norm": False,  # wrap D's hidden layer in keras.layers.SpectralNormalization (power iteration)
    "checkpoint_dir": None,  # save a checkpoint there and report how it restores, with and without the strategy
    "replica_noise": 0,  # > 0: also report each replica's share of a first noise draw of this many rows
    "conditional": False,  # a ConditionalGAN (3 classes, labels embedded into both players' inputs)
}


def _conditional_nets(spectral_norm):
    """The same MLPs with a label input: each player sees [input, embed(label)]."""
    import keras

    import keras_gan

    def with_label(width):
        x, label = keras.Input((width,)), keras.Input((), dtype="int32")
        embedded = keras.layers.Embedding(3, 2, embeddings_initializer=keras.initializers.RandomNormal(seed=4))(label)
        return [x, label], keras.layers.Concatenate()([x, embedded])

    inputs, h = with_label(2)
    h = keras.layers.Dense(16, activation="relu", kernel_initializer=keras.initializers.GlorotUniform(5))(h)
    generator = keras.Model(inputs, keras.layers.Dense(2, kernel_initializer=keras.initializers.GlorotUniform(6))(h))
    inputs, h = with_label(2)
    hidden = keras.layers.Dense(16, activation="leaky_relu", kernel_initializer=keras.initializers.GlorotUniform(1))
    h = (keras.layers.SpectralNormalization(hidden) if spectral_norm else hidden)(h)
    h = keras_gan.networks.HashDropout(0.25, seed=2)(h)
    logit = keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(3))(h)
    return generator, keras.Model(inputs, logit, name="discriminator")


def build_gan(d_steps, gan_kwargs=None, compile_kwargs=None, jit_compile=False, spectral_norm=False,
              conditional=False):
    """A 2-d MLP GAN whose discriminator drops out with `HashDropout`; seeded, so every process builds the same."""
    import keras

    import keras_gan

    if conditional:
        generator, discriminator = _conditional_nets(spectral_norm)
        gan = keras_gan.ConditionalGAN(generator, discriminator, num_classes=3, latent_dim=2, d_steps=d_steps,
                                       seed=0, **(gan_kwargs or {}))
        gan.compile(
            d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
            jit_compile=jit_compile, **(compile_kwargs or {}),
        )
        return gan
    generator = keras_gan.networks.mlp_generator(2, 2, hidden_units=(16, 16), seed=0)
    hidden = keras.layers.Dense(16, activation="leaky_relu", kernel_initializer=keras.initializers.GlorotUniform(1))
    discriminator = keras.Sequential([
        keras.Input((2,)),
        keras.layers.SpectralNormalization(hidden) if spectral_norm else hidden,
        keras_gan.networks.HashDropout(0.25, seed=2),
        keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(3)),
    ], name="discriminator")
    gan = keras_gan.GAN(generator, discriminator, latent_dim=2, d_steps=d_steps, seed=0, **(gan_kwargs or {}))
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        jit_compile=jit_compile, **(compile_kwargs or {}),
    )
    return gan


def dataset(d_steps, batch_size, steps, replicas, conditional=False):
    """`steps` batches of k·m points (with labels 0..2 if `conditional`), laid out for `replicas` replicas
    (`keras_gan.distribute.minibatch_major`)."""
    import numpy as np
    import tensorflow as tf

    from keras_gan import distribute

    points = np.random.default_rng(0).normal(size=(steps * d_steps * batch_size, 2)).astype("float32")
    elements = (points, np.arange(len(points)) % 3) if conditional else points
    batches = tf.data.Dataset.from_tensor_slices(elements).batch(d_steps * batch_size, drop_remainder=True)
    return distribute.minibatch_major(batches, d_steps, replicas)


def run(options):
    """Trains as `options` (see DEFAULTS) says and returns the summary dict."""
    options = {**DEFAULTS, **options}
    import logging

    import tensorflow as tf

    # The package's INFO lines (which XLA path runs) on stderr, as the command line shows them.
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("keras_gan").setLevel(logging.INFO)

    if options["logical_cpus"] > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * options["logical_cpus"])
    import keras
    import numpy as np

    from keras_gan import distribute

    strategy = distribute.get_strategy(options["strategy"])
    # Unseeded initial values (spectral norm's u vector) come from Keras's global generator.
    keras.utils.set_random_seed(0)
    with strategy.scope():
        gan = build_gan(options["d_steps"], options["gan"], options["compile"], options["jit_compile"],
                        options["spectral_norm"], options["conditional"])
    result = {"replicas": strategy.num_replicas_in_sync, "chief": distribute.is_chief(strategy),
              "jit_compile": options["jit_compile"],
              "initial_weights": [w.tolist() for w in gan.get_weights()]}
    if options["replica_noise"]:
        # Each replica's draw, with the counter where the first training step finds it.
        state = gan.noise_state.numpy()
        rows = options["replica_noise"] // strategy.num_replicas_in_sync

        @tf.function
        def draw():
            return strategy.run(lambda: gan._noise(rows))

        per_replica = draw()
        result["replica_noise"] = [v.numpy().tolist() for v in strategy.experimental_local_results(per_replica)]
        gan.noise_state.assign(state)

    class StepLosses(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            result.setdefault("steps", []).append({k: float(v) for k, v in logs.items()})

    data = dataset(options["d_steps"], options["batch_size"], options["steps"], strategy.num_replicas_in_sync,
                   options["conditional"])
    gan.fit(data.repeat(), epochs=options["epochs"], steps_per_epoch=options["steps"], verbose=0,
            callbacks=[StepLosses()])
    result["weights"] = [w.tolist() for w in gan.get_weights()]
    result["noise_state"] = gan.noise_state.numpy().tolist()
    if options["checkpoint_dir"]:
        from keras_gan import checkpoints

        checkpoints.Checkpointer(gan, options["checkpoint_dir"]).save(epoch=1)
        result["restored"] = {}
        for name, scope in (("same_strategy", strategy), ("one_device", tf.distribute.get_strategy())):
            with scope.scope():
                fresh = build_gan(options["d_steps"], options["gan"], options["compile"], options["jit_compile"],
                                  options["spectral_norm"], options["conditional"])
            checkpoints.Checkpointer(fresh, options["checkpoint_dir"]).restore_latest()
            same = all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), gan.get_weights()))
            same_optimizer = all(np.array_equal(a, b) for a, b in zip(
                [v.numpy() for v in fresh.d_optimizer.variables], [v.numpy() for v in gan.d_optimizer.variables]))
            result["restored"][name] = same and same_optimizer
    return result


if __name__ == "__main__":
    print("RESULT " + json.dumps(run(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {})), flush=True)
