"""Scale-out on TensorFlow's own engine: `tf.distribute` strategies for `GAN.fit`, with XLA kept per replica.

On the TensorFlow backend `keras.distribution` is not available, so the engine is `tf.distribute`: build the GAN
and compile it inside `strategy.scope()` and call `fit` as usual (`get_strategy` makes the strategy from a name;
`train_lib` and the `--strategy` flag do it for you). What the package adds on top of Keras's own handling:

* Losses are scaled to the global batch: each replica averages over its share and the optimizers sum the
  replicas' gradients (all-reduce), so dividing by the replica count gives the global-batch mean gradient, for
  both players' optimizers.
* Randomness: a replica's noise, gradient-penalty weights and `HashDropout` masks are *its rows of the draw one
  device would make for the global batch* (`replica_rows`). So replicas draw different values, and a run on R
  replicas is the single-device run on the same global batch up to float rounding, which the tests check.
* Metrics are averaged over the replicas inside the step (`reduce_metrics`), so every replica (and every worker)
  holds the same numbers; callbacks that stop training on them decide the same way on every worker.
* XLA (`jit_compile=True`): Keras 3 compiles the whole replicated step, all-reduce included, which fails under
  MirroredStrategy / MultiWorkerMirroredStrategy (TF 2.21 + Keras 3.15 on CPU: "Trying to access resource ...
  located in device CPU:1 from device CPU:0" on two logical devices, "Collectives are not yet implemented for CPU
  devices when compiling with XLA" across workers; keras-team/keras#19005, #20763). `xla_path` decides where XLA
  runs and the GAN logs it: under those strategies the GAN compiles each update's per-replica computation (noise,
  forward and backward passes, penalties) with XLA and leaves the all-reduce and the optimizer updates outside.
  Measured on 2 CPU cores it is not faster than no XLA (BENCHMARKS.md, "tf.distribute").
* With k > 1 discriminator updates per step, `minibatch_major` lays each global batch out so that every replica's
  share holds its slice of each of the k minibatches, as one device would split it.

Not covered: `keras.layers.Dropout` draws from Keras's seed generator, the same on every replica (use
`keras_gan.networks.HashDropout`); with `joint_discriminator_pass=True` a replica's `HashDropout` masks are rows
of the global draw but not the rows one device gives the same examples (same distribution, not the same values).

Multi-worker runs read `TF_CONFIG` (`check_tf_config` says what is wrong with a malformed one); the chief writes
the run's folder, other workers write their (collective) checkpoints to a scratch folder (`worker_workdir`).
"""

import json
import os

import tensorflow as tf

from keras_gan.progress import logger

__all__ = [
    "STRATEGIES",
    "XLA_PATHS",
    "check_batch_size",
    "check_tf_config",
    "get_strategy",
    "is_chief",
    "is_multi_worker",
    "log_xla_path",
    "minibatch_major",
    "num_replicas",
    "per_replica_function",
    "reduce_metrics",
    "replica_rows",
    "steps_per_execution",
    "worker_workdir",
    "xla_path",
]

# The --strategy choices.
STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
# Where XLA runs (see `xla_path`).
XLA_PATHS = ("off", "whole_step", "per_replica")
# Strategies whose replicated step Keras cannot compile with XLA as a whole (see `xla_path`).
_REPLICATED_STRATEGIES = (tf.distribute.MirroredStrategy, tf.distribute.MultiWorkerMirroredStrategy)
# Non-chief workers' own files (their share of each collective checkpoint, samples, logs) go here.
WORKERS_DIR = "workers"


# ----------------------------------------------------------------------------------------------------------------
# Building a strategy
# ----------------------------------------------------------------------------------------------------------------


def check_tf_config(text):
    """Parses and checks a `TF_CONFIG` value for a multi-worker run.

    Args:
        text: Str, the JSON TensorFlow reads from the `TF_CONFIG` environment variable, e.g.
            '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'.

    Returns:
        The parsed dict.

    Raises:
        ValueError: if it is not JSON, lacks `cluster` or `task`, names no workers, or the task's type or index is
            not in the cluster; the message names the problem and shows a valid value.

    Example:
        >>> check_tf_config('{"cluster": {"worker": ["localhost:2222"]}, "task": {"type": "worker", "index": 0}}')
        {'cluster': {'worker': ['localhost:2222']}, 'task': {'type': 'worker', 'index': 0}}
    """
    example = ('TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
               '"task": {"type": "worker", "index": 0}}\' (index 1 on the second worker; see BUILD.md)')
    try:
        config = json.loads(text)
    except ValueError as e:
        raise ValueError(f"TF_CONFIG is not valid JSON ({e}): {text[:200]!r}. Set it like {example}.") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict) or not isinstance(
            config.get("task"), dict):
        raise ValueError(f"TF_CONFIG needs a \"cluster\" and a \"task\" object, got {text[:200]!r}. Set it like "
                         f"{example}.")
    cluster, task = config["cluster"], config["task"]
    workers = [address for kind in ("chief", "worker") for address in cluster.get(kind, []) or []]
    if not workers:
        raise ValueError(f"TF_CONFIG's cluster names no \"worker\" (or \"chief\") addresses: {cluster!r}. Set it "
                         f"like {example}.")
    for kind, addresses in cluster.items():
        if not isinstance(addresses, list) or not all(isinstance(a, str) and ":" in a for a in addresses):
            raise ValueError(f"TF_CONFIG's cluster[{kind!r}] must be a list of \"host:port\" strings, got "
                             f"{addresses!r}. Set it like {example}.")
    kind, index = task.get("type"), task.get("index")
    if kind not in cluster:
        raise ValueError(f"TF_CONFIG's task type {kind!r} is not in its cluster ({sorted(cluster)}). Set "
                         f"\"task\": {{\"type\": \"worker\", \"index\": i}} with i this worker's place in the list.")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(cluster[kind]):
        raise ValueError(f"TF_CONFIG's task index {index!r} is not a position in cluster[{kind!r}] (0 to "
                         f"{len(cluster[kind]) - 1}). Give each worker its own index: 0 on the first, 1 on the "
                         "second, ...")
    return config


def get_strategy(name="default", devices=None):
    """Builds a `tf.distribute.Strategy` by name.

    Call it before TensorFlow runs its first op when `name` is "multi_worker" (collective ops are configured at
    start-up), and build and compile the GAN inside `strategy.scope()`.

    Args:
        name: One of `STRATEGIES`: "default" (one device, no replication), "mirrored" (every local GPU, or every
            logical CPU device, one replica each), "multi_worker" (MultiWorkerMirroredStrategy over the workers of
            `TF_CONFIG`; each worker replicates over its local devices), "tpu" (TPUStrategy on the TPU named by the
            `TPU_NAME` environment variable, or a local one).
        devices: Optional list of device names for "mirrored" (e.g. ["/cpu:0", "/cpu:1"]); default: all GPUs, else
            all logical CPUs.

    Returns:
        The strategy.

    Raises:
        ValueError: for an unknown name, "multi_worker" without a valid `TF_CONFIG`, or "tpu" with no TPU found;
            the message says what to set.

    Example:
        >>> strategy = get_strategy("mirrored")
        >>> with strategy.scope():  # doctest: +SKIP
        ...     gan = keras_gan.GAN(generator, discriminator)
        ...     gan.compile(jit_compile=True)
    """
    if name not in STRATEGIES:
        raise ValueError(f"Unknown strategy {name!r}; use one of {', '.join(STRATEGIES)} (--strategy=...).")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        if devices is None:
            gpus = tf.config.list_logical_devices("GPU")
            devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multi_worker":
        text = os.environ.get("TF_CONFIG")
        if not text:
            raise ValueError(
                "--strategy=multi_worker needs the TF_CONFIG environment variable on every worker, e.g. "
                "TF_CONFIG='{\"cluster\": {\"worker\": [\"host1:12345\", \"host2:12345\"]}, \"task\": {\"type\": "
                "\"worker\", \"index\": 0}}' (index 1 on the second worker). BUILD.md shows the commands."
            )
        check_tf_config(text)
        return tf.distribute.MultiWorkerMirroredStrategy()
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=os.environ.get("TPU_NAME", "local"))
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError, RuntimeError) as e:
        raise ValueError(
            f"--strategy=tpu found no TPU ({type(e).__name__}: {str(e).splitlines()[0][:200]}). Run on a TPU VM, or "
            "set TPU_NAME to the TPU's name; elsewhere use --strategy=mirrored or default."
        ) from None
    return tf.distribute.TPUStrategy(resolver)


def num_replicas(strategy=None):
    """Replicas in sync across all workers (1 without a strategy)."""
    return (strategy or tf.distribute.get_strategy()).num_replicas_in_sync


def is_multi_worker(strategy=None):
    """True under MultiWorkerMirroredStrategy with several workers (what Keras's metric reduction keys on)."""
    strategy = strategy or tf.distribute.get_strategy()
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return False
    return len(strategy.cluster_resolver.cluster_spec().as_dict()) > 0


def is_chief(strategy=None):
    """True on the worker that writes the run's files: the only one without a multi-worker strategy."""
    strategy = strategy or tf.distribute.get_strategy()
    if not is_multi_worker(strategy):
        return True
    resolver = strategy.cluster_resolver
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0
        and "chief" not in resolver.cluster_spec().as_dict()
    )


def worker_workdir(workdir, strategy=None):
    """The folder this worker writes to: `workdir` on the chief, `workdir/workers/<type>_<index>` on the others.

    Every worker must take part in each checkpoint (saving reads the replicas' variables collectively) and in
    every distributed `predict` (sample grids, evaluation), so every worker runs the whole training program; only
    the chief's copy is the run's. On two hosts, `workdir` must be a shared file system for a restarted worker
    to find the chief's checkpoints.

    Args:
        workdir: Str, the run's folder.
        strategy: Optional strategy; default: the current one.

    Returns:
        Str, the folder this worker writes.
    """
    strategy = strategy or tf.distribute.get_strategy()
    if is_chief(strategy):
        return workdir
    resolver = strategy.cluster_resolver
    return os.path.join(workdir, WORKERS_DIR, f"{resolver.task_type}_{resolver.task_id}")


# ----------------------------------------------------------------------------------------------------------------
# Inside the replicated step
# ----------------------------------------------------------------------------------------------------------------


def replica_rows(sample, shape):
    """This replica's rows of a draw over the global batch: `sample((R·n, ...))[r·n : (r+1)·n]`.

    Why this design: the package's random streams (`keras_gan.noise`) are counters shared by all replicas, so
    drawing `sample(shape)` on each replica would give every replica the same noise (and the same dropout masks).
    Folding the replica id into the seed would make them differ, but then no single-device run draws the same
    values, and "R replicas train like one device on the global batch" could not be checked. Taking this
    replica's rows of the global draw gives both: replicas draw different values, and together exactly the values
    one device draws for the global batch (a device's rows are its slice of the global batch, see
    `minibatch_major`). The cost is that each replica hashes the whole global draw (R times the values it keeps):
    `keras_gan.noise` costs ~1-3 ns per value, small beside the networks for the replica counts of a host or a
    few workers; a TPU pod would want a position offset in `keras_gan.noise` instead.

    Outside a replicated step, or with one replica, it is `sample(shape)`.

    Args:
        sample: Callable `shape -> tensor` whose rows are independent draws (e.g. `lambda s:
            noise.sample_prior(s, seed)`); called once, with the global shape.
        shape: Tuple (n, ...) of this replica's draw (entries may be scalar int tensors), or a 1-D int tensor.

    Returns:
        The tensor `sample` returns for `shape`, this replica's rows.

    Example:
        >>> z = replica_rows(lambda s: noise.sample_prior(s, [0, 0]), (64, 100))  # doctest: +SKIP
    """
    context = tf.distribute.get_replica_context()
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if context is None or replicas == 1:
        return sample(shape)
    n = shape[0]
    if isinstance(shape, (tuple, list)):
        values = sample((n * replicas, *shape[1:]))
    else:
        # A shape tensor (e.g. tf.shape(inputs) in a layer).
        values = sample(tf.concat([[n * replicas], shape[1:]], 0))
    start = tf.cast(context.replica_id_in_sync_group, tf.int32) * tf.cast(n, tf.int32)
    return values[start:start + n]


def reduce_metrics(results):
    """Averages a step's metric results over the replicas, inside the replicated step.

    Keras reduces what `train_step` returns itself, but under MultiWorkerMirroredStrategy it reduces along axis 0,
    which fails for scalar metrics ("Invalid reduction dimension 0 for input with 0 dimensions"); and under
    TPUStrategy it keeps the first replica's value. Averaging here (all replicas hold equal shares of the batch,
    so the mean of their means is the global mean) gives every replica the global value whatever Keras does next;
    across several workers each value becomes shape [1], whose axis-0 mean is that value again.

    Args:
        results: Dict {name: scalar tensor} of this replica's metric results.

    Returns:
        Dict of the same names: the replicas' mean (unchanged outside a replicated step or with one replica).
    """
    context = tf.distribute.get_replica_context()
    strategy = tf.distribute.get_strategy()
    if context is None or strategy.num_replicas_in_sync == 1:
        return results
    names = list(results)
    values = context.all_reduce(tf.distribute.ReduceOp.MEAN, [tf.cast(results[n], tf.float32) for n in names])
    if is_multi_worker(strategy):
        values = [tf.reshape(v, [1]) for v in values]
    return dict(zip(names, values))


def xla_path(jit_compile, strategy=None):
    """Where XLA runs for `GAN.compile(jit_compile=...)` under `strategy`, and why (one of `XLA_PATHS`).

    * "off": `jit_compile` is false.
    * "whole_step": no strategy (or TPUStrategy, which compiles the replicated step with XLA itself): Keras's
      `fit` compiles the whole train step, as on one device.
    * "per_replica": MirroredStrategy or MultiWorkerMirroredStrategy. Keras would compile the replicated step with
      the all-reduce inside it, which fails (see the module docstring), so the GAN compiles each update's
      per-replica computation (`per_replica_function`) and runs the all-reduce and the optimizer updates outside.

    Args:
        jit_compile: The `jit_compile` given to `compile` (True, False or "auto").
        strategy: Optional strategy; default: the current one.

    Returns:
        Str, one of `XLA_PATHS`.
    """
    strategy = strategy or tf.distribute.get_strategy()
    if not jit_compile or jit_compile == "auto":
        return "off"
    if isinstance(strategy, _REPLICATED_STRATEGIES):
        return "per_replica"
    return "whole_step"


def per_replica_function(fn, jit_compile):
    """`fn` compiled with XLA for one replica, or `fn` itself.

    Call it while the replicated step is traced, once per update: each call is a new `tf.function`, traced on the
    replica (and device) tracing the step, so it captures that replica's copies of the variables. (With k > 1
    the k discriminator updates compile the same computation k times, once, when the step is first traced.)
    The function must make no cross-replica calls (no optimizer updates, no metric updates on sync-on-read
    variables): those stay outside, in the replicated step.

    Args:
        fn: Callable of tensors (Python ints are static).
        jit_compile: Bool.

    Returns:
        A callable with `fn`'s signature.
    """
    return tf.function(fn, jit_compile=True, reduce_retracing=False) if jit_compile else fn


def log_xla_path(path, strategy=None):
    """Says which XLA path runs (the one place that logs it)."""
    strategy = strategy or tf.distribute.get_strategy()
    replicas = strategy.num_replicas_in_sync
    where = f"{type(strategy).__name__}, {replicas} replica{'s' if replicas != 1 else ''}"
    messages = {
        "off": "XLA off (jit_compile=False)",
        "whole_step": "XLA on: Keras compiles the whole train step",
        "per_replica": "XLA on, per replica: each update's forward/backward pass is compiled, the gradient "
                       "all-reduce and the optimizer updates run outside XLA (Keras's whole-step XLA fails under "
                       "this strategy)",
    }
    logger.info("GAN train step (%s): %s.", where, messages[path])


# ----------------------------------------------------------------------------------------------------------------
# Input
# ----------------------------------------------------------------------------------------------------------------


def steps_per_execution(requested, strategy=None):
    """The `steps_per_execution` that runs under `strategy`: 1 across several workers, with a warning.

    Keras 3.15's multi-step loop fails under MultiWorkerMirroredStrategy for any model ("You must feed a value for
    placeholder tensor ... while/cond", or "Attempt to convert a value (PerReplica...)" for a plain
    `keras.Sequential`), so several workers run one step per call.

    Args:
        requested: Positive int, the configured steps per execution.
        strategy: Optional strategy; default: the current one.

    Returns:
        Int, `requested` or 1.
    """
    if requested > 1 and is_multi_worker(strategy):
        logger.warning("steps_per_execution=%d runs as 1 across several workers: Keras 3.15's multi-step loop fails "
                       "under MultiWorkerMirroredStrategy.", requested)
        return 1
    return requested


def check_batch_size(batch_size, replicas):
    """Checks that each update's m examples split evenly over the replicas.

    Args:
        batch_size: Positive int m, examples per update over all replicas (the global batch).
        replicas: Positive int, replicas in sync.

    Raises:
        ValueError: if m is not a multiple of `replicas`; the message proposes one.
    """
    if batch_size % replicas:
        larger = (batch_size // replicas + 1) * replicas
        raise ValueError(
            f"batch_size (--batch_size) {batch_size} does not split over {replicas} replicas (each takes m / "
            f"{replicas} examples of every update). Use a multiple of {replicas}, e.g. --batch_size={larger}."
        )



def minibatch_major(dataset, d_steps, replicas):
    """Reorders each global batch of k·m examples so that replica r's share holds its slice of all k minibatches.

    One device splits a batch of k·m rows into k minibatches of m consecutive rows. A strategy gives replica r the
    rows [r·k·m/R, (r+1)·k·m/R) and the GAN splits those into k, so without this reordering replica r's update i
    would see other rows than its slice of the single device's minibatch i. Each batch [k, R, m/R, ...] becomes
    [R, k, m/R, ...]: the same examples in each update, split across replicas as `replica_rows` splits the noise.
    With k = 1 or one replica it is the identity.

    Args:
        dataset: A `tf.data.Dataset` of batches [k·m, ...] (or tuples whose first element is the batch).
        d_steps: Positive int k.
        replicas: Positive int R; m must be divisible by R.

    Returns:
        The reordered dataset.
    """
    if d_steps == 1 or replicas == 1:
        return dataset

    def reorder(batch):
        shape = tf.shape(batch)
        m = shape[0] // d_steps
        blocks = tf.reshape(batch, tf.concat([[d_steps, replicas, m // replicas], shape[1:]], 0))
        perm = tf.concat([[1, 0], tf.range(2, tf.rank(blocks))], 0)
        return tf.reshape(tf.transpose(blocks, perm), shape)

    def apply(*element):
        # Labels (ignored by the GAN) move with their examples.
        element = tuple(reorder(x) for x in element)
        return element[0] if len(element) == 1 else element

    return dataset.map(apply, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
