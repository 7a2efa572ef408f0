"""Speed of one GAN training step: keras_gan (XLA and not) against a PyTorch reference, measured in one run.

    python benchmarks/gan_step.py                 # the table below, about 3 minutes on 2 cores
    python benchmarks/gan_step.py --ablations     # + what each fast-path choice is worth, mixed precision
    python benchmarks/gan_step.py --rounds 3 --window 0.5     # quicker, noisier
    python benchmarks/gan_step.py --no-paper --no-dcgan          # only the quality configs' rows (issue 11)

Contenders (synthetic in-memory images: the input pipeline is `benchmarks/input_pipeline.py`'s subject):
- the paper's MLP GAN (`paper_generator()`, `paper_discriminator()`: G 100-1200-1200-784, D maxout 240x5 twice
  with dropout), m = 100, k = 1, SGD(0.1, momentum 0.5) for both players, non-saturating G loss;
  keras_gan with `jit_compile=True` and without, and `benchmarks/torch_reference.py` (eager PyTorch);
- the same keras_gan step with k = 5 (batches of 500), against the ratio its FLOP count predicts;
- the DCGAN nets (`dcgan_generator()`, `dcgan_discriminator()` defaults), m = 64, Adam(2e-4, 0.5), vs PyTorch;
- the named quality configs (`--configs`, default `dcgan_fashion_mnist` and `dcgan_modern_fashion_mnist`): the GAN
  exactly as training builds it (`keras_gan.train_lib.build_gan(config, (28, 28, 1))`: the config's nets, loss,
  optimizers, EMA, XLA and steps_per_execution), against `torch_reference.py`'s same nets and step (spectral norm
  by `torch.nn.utils.parametrizations.spectral_norm`, hinge loss, a foreach EMA of G) in eager PyTorch;
- the machine's fp32 matmul peak (2048^3, TF and torch, the higher counts) and the roofline it gives the MLP step:
  peak / (the step's matmul FLOPs).

"fast" = the discriminator's dropout as `keras_gan.networks.maxout.HashDropout` (the same maths as
`keras.layers.Dropout`, cheaper masks; used as-is if `paper_discriminator()` already has it), one D pass over
[real; fake] (automatic), `steps_per_execution=10`. "as shipped" = `paper_discriminator()` unchanged,
`steps_per_execution=1`.

The CPU is shared with other processes, so the contenders run interleaved: each round times one window of every
contender (forward, then backward order, so compared neighbours are timed seconds apart), and the table gives
medians over rounds. For every window the script also records how much of the CPU other processes took
(/proc/stat less this process's CPU time): "quiet" columns use only windows where that was under 10 %, and
ratios are paired per round. keras_gan rows time the compiled train function that `fit()` runs (one call per
`steps_per_execution` steps), without fit()'s per-call setup.
"""

import argparse
import math
import os
import re
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

PAPER_M, DCGAN_M = 100, 64


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="Timed windows per contender (median reported).")
    parser.add_argument("--window", type=float, default=1.0, help="Seconds per timed window.")
    parser.add_argument("--intra", type=int, default=2, help="TF intra-op threads (and torch threads).")
    parser.add_argument("--inter", type=int, default=1, help="TF inter-op threads.")
    parser.add_argument("--spe", type=int, default=10, help="steps_per_execution of the fast keras_gan rows.")
    parser.add_argument("--ablations", action="store_true", help="Also time each fast-path choice on its own.")
    parser.add_argument("--no-dcgan", dest="dcgan", action="store_false", help="Skip the DCGAN rows.")
    parser.add_argument("--no-torch", dest="torch", action="store_false", help="Skip PyTorch (peak from TF only).")
    parser.add_argument("--no-paper", dest="paper", action="store_false",
                        help="Skip the paper-MLP rows, the matmul peaks and the roofline.")
    parser.add_argument("--configs", default="dcgan_fashion_mnist,dcgan_modern_fashion_mnist",
                        help="Comma-separated named configs (keras_gan.configs) timed as training builds them, each "
                        "against its PyTorch reference; '' for none.")
    parser.add_argument("--xla_flags", default="", help="Appended to XLA_FLAGS before anything compiles, e.g. "
                        "--xla_flags=--xla_cpu_experimental_xnn_fusion_type=dot (XNNPACK dots; note the =).")
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------------------------------------
# FLOPs
# ---------------------------------------------------------------------------------------------------------------


def mlp_step_flops(g_kernels, d_kernels, m, k):
    """Matmul FLOPs of one Algorithm-1 step for MLP G and D (2 per multiply-add; elementwise work not counted).

    Args:
        g_kernels: [(in, out)] of G's kernels, first layer first; d_kernels: the same for D.
        m: Minibatch size; k: discriminator updates per generator update.

    Returns:
        (d_update_flops, g_update_flops, step_flops).

    D update: G forward on m (no gradient), D forward on the 2m real and fake examples, D's weight gradients, and
    D's input gradients for every layer but the first (nothing upstream needs them). G update: G and D forward on
    m, D's input gradients through every layer (they feed G), G's weight gradients, G's input gradients for every
    layer but the first. This is the minimum any implementation computes; XLA's HLO has exactly these dots.
    """
    wg, wd = sum(i * o for i, o in g_kernels), sum(i * o for i, o in d_kernels)
    wg1, wd1 = g_kernels[0][0] * g_kernels[0][1], d_kernels[0][0] * d_kernels[0][1]
    d_update = 2 * m * wg + 3 * 2 * (2 * m) * wd - 2 * (2 * m) * wd1
    g_update = 2 * m * wg + 2 * 2 * m * wd + 2 * 2 * m * wg - 2 * m * wg1
    return d_update, g_update, k * d_update + g_update


_HLO_SHAPE = re.compile(r"%([\w.\-]+) = \w+\[([\d,]*)\]")
_HLO_DOT = re.compile(r"= \w+\[([\d,]*)\][^ ]* dot\(%([\w.\-]+), %[\w.\-]+\), lhs_contracting_dims=\{([\d,]*)\}")


def hlo_dot_flops(hlo_text):
    """FLOPs of the dot instructions in XLA HLO text: 2 x output elements x contracted size, summed.

    Rank-1 products (a contracted size of 1, e.g. the logit layer's input gradient) are rewritten by XLA into
    multiplies and so are not counted here; they are a negligible share of any real step.
    """
    shapes = {name: [int(d) for d in dims.split(",") if d] for name, dims in _HLO_SHAPE.findall(hlo_text)}
    total = 0
    for out, lhs, contracting in _HLO_DOT.findall(hlo_text):
        lhs_shape = shapes[lhs]
        size = math.prod(lhs_shape[int(i)] for i in contracting.split(",") if i)
        total += 2 * math.prod(int(d) for d in out.split(",") if d) * size
    return total


def compiled_step_hlo(gan, batch):
    """The optimized HLO of `gan.train_step` on a batch like `batch`, compiled with XLA as fit() does."""
    step = tf.function(gan.train_step, jit_compile=True)
    return step.experimental_get_compiler_ir(batch)(stage="optimized_hlo")


def kernels(model):
    return [tuple(int(d) for d in w.shape) for w in model.trainable_weights if len(w.shape) == 2]


def step_matmuls(g_kernels, d_kernels, m, k):
    """The (rows, contracted, columns) of every matmul of one step, as `mlp_step_flops` counts them.

    A layer (in, out) on r rows costs a forward (r, in, out), a weight gradient (in, r, out) and an input gradient
    (r, out, in). Timing these alone, back to back, bounds what any implementation of the step can reach.
    """
    def forward(kernels_, r):
        return [(r, i, o) for i, o in kernels_]

    def weight_grads(kernels_, r):
        return [(i, r, o) for i, o in kernels_]

    def input_grads(kernels_, r, first=False):
        return [(r, o, i) for i, o in (kernels_ if first else kernels_[1:])]

    d_update = forward(g_kernels, m) + forward(d_kernels, 2 * m) + weight_grads(d_kernels, 2 * m) + input_grads(
        d_kernels, 2 * m)
    g_update = (forward(g_kernels, m) + forward(d_kernels, m) + input_grads(d_kernels, m, first=True)
                + weight_grads(g_kernels, m) + input_grads(g_kernels, m))
    return k * d_update + g_update


# ---------------------------------------------------------------------------------------------------------------
# Contenders: each has .name, .setup(), .run(n) -> seconds for n steps, .unit (what a step is)
# ---------------------------------------------------------------------------------------------------------------


def with_hash_dropout(model):
    """A copy of a functional model with each keras.layers.Dropout replaced by HashDropout (same rate and seed)."""
    import keras

    from keras_gan.networks import HashDropout

    def clone(layer):
        if type(layer) is keras.layers.Dropout:
            return HashDropout(layer.rate, seed=layer.seed, name=layer.name)
        return layer.__class__.from_config(layer.get_config())

    if not any(type(layer) is keras.layers.Dropout for layer in model.layers):
        return model
    copy = keras.models.clone_model(model, clone_function=clone)
    # Layer by layer: HashDropout has a weight of its own (its seed state), so the flat lists do not line up.
    for old, new in zip(model.layers, copy.layers):
        if type(old) is not keras.layers.Dropout:
            new.set_weights(old.get_weights())
    return copy


class KerasGAN:
    """keras_gan.GAN: the compiled train function fit() runs, called on one dataset iterator as fit() does."""

    def __init__(self, name, nets, m, k=1, jit=True, spe=1, optimizer="sgd", joint=None, policy=None,
                 hash_dropout=True):
        self.name, self.nets, self.m, self.k, self.jit, self.spe = name, nets, m, k, jit, spe
        self.optimizer, self.joint, self.policy, self.hash_dropout = optimizer, joint, policy, hash_dropout
        self.unit, self.last_losses = "steps", None

    def _optimizer(self):
        import keras

        if self.optimizer == "sgd":
            return keras.optimizers.SGD(0.1, momentum=0.5)
        return keras.optimizers.Adam(2e-4, beta_1=0.5)

    def setup(self):
        import keras

        import keras_gan

        if self.policy:
            keras.mixed_precision.set_global_policy(self.policy)
        try:
            generator, discriminator = self.nets()
            if self.hash_dropout:
                discriminator = with_hash_dropout(discriminator)
        finally:
            keras.mixed_precision.set_global_policy("float32")
        joint = self.joint
        if joint is None:
            # The architecture registry's rule: one pass over [real; fake] for per-example MLPs, two for conv nets.
            convolutional = any("Conv" in type(layer).__name__ for layer in discriminator.layers)
            joint = keras_gan.networks.acts_per_example(discriminator) and not convolutional
        gan = keras_gan.GAN(generator, discriminator, d_steps=self.k, seed=0, joint_discriminator_pass=joint)
        self.joint_used = gan.joint_discriminator_pass
        gan.compile(d_optimizer=self._optimizer(), g_optimizer=self._optimizer(), generator_loss="non_saturating",
                    jit_compile=self.jit, steps_per_execution=self.spe)
        shape = tuple(int(d) for d in discriminator.input_shape[1:])
        images = np.random.default_rng(0).uniform(size=(8 * self.k * self.m, *shape)).astype("float32")
        dataset = (tf.data.Dataset.from_tensor_slices(images).batch(self.k * self.m, drop_remainder=True)
                   .cache().repeat().prefetch(tf.data.AUTOTUNE))
        # One fit() builds the optimizers and traces/compiles the train function; then its loop is timed alone
        # (fit() itself adds ~30 ms per call, i.e. per epoch, for its iterator and callbacks).
        gan.fit(dataset, epochs=1, steps_per_epoch=2 * self.spe, verbose=0)
        self.gan, self.iterator = gan, iter(dataset)

    def run(self, n):
        calls = max(1, round(n / self.spe))
        start = time.perf_counter()
        for _ in range(calls):
            logs = self.gan.train_function(self.iterator)
        self.last_losses = (float(logs["d_loss"]), float(logs["g_loss"]))
        elapsed = time.perf_counter() - start
        return elapsed, calls * self.spe, calls * self.spe


class TorchGAN:
    """benchmarks/torch_reference.py's eager step; one window = n calls."""

    def __init__(self, name, nets, m, k=1, optimizer="sgd", threads=2, image_shape=(784,)):
        self.name, self.nets, self.m, self.k, self.optimizer = name, nets, m, k, optimizer
        self.threads, self.image_shape, self.unit, self.last_losses = threads, image_shape, "steps", None

    def setup(self):
        import torch

        import torch_reference

        torch.manual_seed(0)
        generator, discriminator = self.nets()

        def opt(params):
            if self.optimizer == "sgd":
                return torch.optim.SGD(params, lr=0.1, momentum=0.5)
            return torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))

        self.step = torch_reference.GANStep(generator, discriminator, opt(discriminator.parameters()),
                                            opt(generator.parameters()), d_steps=self.k)
        self.batches = [torch.rand(self.k * self.m, *self.image_shape) for _ in range(8)]
        self.run(2)

    def run(self, n):
        import torch

        torch.set_num_threads(self.threads)
        start = time.perf_counter()
        for i in range(n):
            losses = self.step(self.batches[i % len(self.batches)])
        self.last_losses = tuple(float(x) for x in losses)
        return time.perf_counter() - start, n, n


CONFIG_IMAGE_SHAPE = (28, 28, 1)


class KerasConfigGAN(KerasGAN):
    """A named config's GAN as training builds it (`train_lib.build_gan`), timed as KerasGAN times its rows.

    `overrides` (config fields, e.g. `steps_per_execution=10`) make the ablation rows; none for the main row.
    """

    def __init__(self, name, config_name, **overrides):
        self.name, self.config_name, self.overrides = name, config_name, overrides
        self.unit, self.last_losses, self.k = "steps", None, 1

    def setup(self):
        import dataclasses

        from keras_gan import configs, train_lib

        config = dataclasses.replace(configs.get_config(self.config_name), **self.overrides)
        configs.validate(config)
        self.k, self.m, self.spe = config.d_steps, config.batch_size, config.steps_per_execution
        gan = train_lib.build_gan(config, CONFIG_IMAGE_SHAPE)
        self.joint_used = gan.joint_discriminator_pass
        images = np.random.default_rng(0).uniform(size=(8 * self.k * self.m, *CONFIG_IMAGE_SHAPE)).astype("float32")
        dataset = (tf.data.Dataset.from_tensor_slices(images).batch(self.k * self.m, drop_remainder=True)
                   .cache().repeat().prefetch(tf.data.AUTOTUNE))
        gan.fit(dataset, epochs=1, steps_per_epoch=2 * self.spe, verbose=0)
        self.gan, self.iterator = gan, iter(dataset)


class TorchConfigGAN(TorchGAN):
    """torch_reference.py's nets and step for a named config (dcgan architecture only): its widths, loss, optimizers,
    spectral norm and EMA; `overrides` as in KerasConfigGAN."""

    def __init__(self, name, config_name, threads=2, **overrides):
        self.name, self.config_name, self.overrides, self.threads = name, config_name, overrides, threads
        self.unit, self.last_losses, self.k = "steps", None, 1

    def setup(self):
        import dataclasses

        import torch

        import torch_reference
        from keras_gan import configs

        c = dataclasses.replace(configs.get_config(self.config_name), **self.overrides)
        unsupported = {"architecture": c.architecture != "dcgan", "depth": c.depth != 2,
                       "optimizer": c.optimizer != "adam", "lr_decay_factor": c.lr_decay_factor != 1,
                       "noise": c.noise != "uniform", "generator_loss": c.generator_loss not in torch_reference.LOSSES,
                       "gradient_penalty": bool(c.gradient_penalty), "r1_penalty": bool(c.r1_penalty)}
        if any(unsupported.values()):
            raise ValueError(f"torch_reference.py has no equivalent of config {c.name}'s "
                             f"{[k for k, v in unsupported.items() if v]}; compare it without --configs.")
        torch.manual_seed(0)
        image_shape = (CONFIG_IMAGE_SHAPE[2], *CONFIG_IMAGE_SHAPE[:2])
        generator = torch_reference.dcgan_generator(c.latent_dim, image_shape, c.base_filters)
        discriminator = torch_reference.dcgan_discriminator(image_shape, c.base_filters, spectral_norm=c.spectral_norm)

        def adam(params, lr):
            # Keras's Adam epsilon; betas as floats (torch rejects a mix of int and float).
            return torch.optim.Adam(params, lr=lr, betas=(float(c.beta_1), float(c.beta_2)), eps=1e-7)

        self.k, self.m, self.image_shape = c.d_steps, c.batch_size, image_shape
        self.step = torch_reference.GANStep(
            generator, discriminator, adam(discriminator.parameters(), c.d_learning_rate),
            adam(generator.parameters(), c.g_learning_rate), latent_dim=c.latent_dim, d_steps=c.d_steps,
            noise_scale=c.noise_scale or math.sqrt(3.0), loss=c.generator_loss, ema_decay=c.ema_decay)
        self.batches = [torch.rand(self.k * self.m, *image_shape) for _ in range(8)]
        self.run(2)


class StepMatmuls:
    """Only the matmuls of one paper-MLP step (`step_matmuls`), back to back: the step's ceiling per library."""

    def __init__(self, name, framework, shapes, threads=2):
        self.name, self.framework, self.shapes, self.threads = name, framework, shapes, threads
        self.unit, self.last_losses, self.k = "steps", None, 1

    def setup(self):
        rng = np.random.default_rng(0)
        pairs = [(rng.uniform(size=(r, c)).astype("float32"), rng.uniform(size=(c, n)).astype("float32"))
                 for r, c, n in self.shapes]
        if self.framework == "xla":
            pairs = [(tf.constant(a), tf.constant(b)) for a, b in pairs]

            @tf.function(jit_compile=True)
            def step():
                # Every product is an output, so XLA can drop or shrink none of them.
                return [tf.matmul(a, b) for a, b in pairs]

            self.fn = lambda n: [step() for _ in range(n)]
        else:
            import torch

            pairs = [(torch.from_numpy(a), torch.from_numpy(b)) for a, b in pairs]

            def fn(n):
                torch.set_num_threads(self.threads)
                for _ in range(n):
                    outputs = [a @ b for a, b in pairs]
                return outputs

            self.fn = fn
        self.run(1)

    def run(self, n):
        start = time.perf_counter()
        self.fn(n)
        return time.perf_counter() - start, n, n


class Matmul:
    """fp32 [size, size] @ [size, size] in a loop; its rate is in GFLOP/s."""

    def __init__(self, name, framework, size=2048, threads=2):
        self.name, self.framework, self.size, self.threads, self.unit = name, framework, size, threads, "GFLOP/s"
        self.last_losses = None

    def setup(self):
        if self.framework == "tf":
            a = tf.random.uniform((self.size, self.size))
            b = tf.random.uniform((self.size, self.size))

            @tf.function
            def loop(n):
                acc = tf.zeros((self.size, self.size))
                for _ in tf.range(n):
                    acc += tf.matmul(a, b)
                return acc[0, 0]

            self.fn = lambda n: loop(tf.constant(n)).numpy()
        else:
            import torch

            a, b = torch.rand(self.size, self.size), torch.rand(self.size, self.size)

            def fn(n):
                torch.set_num_threads(self.threads)
                out = torch.empty(self.size, self.size)
                for _ in range(n):
                    torch.mm(a, b, out=out)
                return float(out[0, 0])

            self.fn = fn
        self.run(1)

    def run(self, n):
        start = time.perf_counter()
        self.fn(n)
        return time.perf_counter() - start, n, n * 2 * self.size**3 / 1e9


# ---------------------------------------------------------------------------------------------------------------
# Interleaved timing, with the CPU that other processes took during each window
# ---------------------------------------------------------------------------------------------------------------

QUIET = 0.10  # A window is "quiet" when other processes used under 10 % of the machine's CPU during it.
COOL_DOWN = 0.2  # Seconds between windows.


def _cpu_snapshot():
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
        busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # All but idle and iowait.
    except (OSError, ValueError):
        busy = None
    return time.perf_counter(), busy, time.process_time()


def _others_share(before, after):
    """Fraction of the machine's CPU that other processes used between two snapshots (None off Linux)."""
    if before[1] is None or after[1] is None:
        return None
    wall = after[0] - before[0]
    return max(0.0, ((after[1] - before[1]) - (after[2] - before[2])) / ((os.cpu_count() or 1) * wall))


def measure(contenders, rounds, window):
    """Times `rounds` windows of about `window` seconds of every contender, interleaved.

    Contenders run in list order, then in reverse order in the next round, so neighbours in the list (the pairs
    that get compared) are timed seconds apart in every round. `run(n)` returns (seconds, steps or calls made,
    work done: steps, or GFLOP for a matmul).

    Returns:
        {name: [(rate, others' CPU share), ...]}, one entry per round.
    """
    sizes, samples = {}, {c.name: [] for c in contenders}
    for c in contenders:
        print(f"  setting up {c.name} ...", flush=True)
        c.setup()
        elapsed, calls, _ = c.run(1)
        sizes[c.name] = max(1, round(window * calls / elapsed))
    for r in range(rounds):
        for c in contenders if r % 2 == 0 else contenders[::-1]:
            # Let the previous contender's worker threads (OpenMP, Eigen) stop spinning and sleep first.
            time.sleep(COOL_DOWN)
            before = _cpu_snapshot()
            elapsed, _, work = c.run(sizes[c.name])
            samples[c.name].append((work / elapsed, _others_share(before, _cpu_snapshot())))
        shares = [s for v in samples.values() for _, s in v[-1:] if s is not None]
        print(f"  round {r + 1}/{rounds}: other processes used {100 * statistics.median(shares or [0]):.0f} % "
              f"of the CPU (median window), load average {os.getloadavg()[0]:.1f}", flush=True)
    return samples


def _quiet(share):
    return share is not None and share < QUIET


def summary(values):
    """'median [quiet median]' of rates; the quiet median only over quiet windows."""
    rates = [v for v, _ in values]
    quiet = [v for v, s in values if _quiet(s)]
    return statistics.median(rates), (statistics.median(quiet) if quiet else None), len(quiet)


def paired(samples, a, b, transform=lambda ra, rb: ra / rb):
    """Median over rounds of transform(rate a, rate b) from the same round: (all rounds, quiet rounds, n quiet)."""
    pairs = list(zip(samples[a], samples[b]))
    values = [transform(ra, rb) for (ra, _), (rb, _) in pairs]
    quiet = [transform(ra, rb) for (ra, sa), (rb, sb) in pairs if _quiet(sa) and _quiet(sb)]
    return statistics.median(values), (statistics.median(quiet) if quiet else None), len(quiet)


def _fmt(value, fmt):
    return "-" if value is None else format(value, fmt)


def main(argv=None):
    args = parse_args(argv)
    if args.xla_flags:
        # Read when XLA first compiles, which is later than this.
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + args.xla_flags).strip()
    tf.config.threading.set_intra_op_parallelism_threads(args.intra)
    tf.config.threading.set_inter_op_parallelism_threads(args.inter)
    import keras

    import keras_gan
    from keras_gan import networks

    have_torch = args.torch
    if have_torch:
        try:
            import torch

            import torch_reference
        except ImportError:
            print("PyTorch not installed (pip install -e '.[bench]'): PyTorch rows skipped.")
            have_torch = False

    def paper():
        return networks.paper_generator(seed=0), networks.paper_discriminator(seed=1)

    def torch_paper():
        return torch_reference.paper_generator(), torch_reference.paper_discriminator()

    def dcgan():
        return networks.dcgan_generator(seed=0), networks.dcgan_discriminator(seed=1)

    def torch_dcgan():
        return torch_reference.dcgan_generator(), torch_reference.dcgan_discriminator()

    spe, threads = args.spe, args.intra
    fast = "keras_gan XLA, fast"
    rows = []
    if args.paper:
        paper_shapes = step_matmuls(kernels(networks.paper_generator()), kernels(networks.paper_discriminator()),
                                    PAPER_M, 1)
        # Neighbours are compared: fast/PyTorch, fast/no-XLA, fast/k=5, ... (see measure()).
        rows.append(KerasGAN(fast, paper, PAPER_M, spe=spe))
        if have_torch:
            rows.append(TorchGAN("PyTorch eager", torch_paper, PAPER_M, threads=threads))
        rows.append(KerasGAN("keras_gan XLA, fast, k=5", paper, PAPER_M, k=5, spe=spe))
        if have_torch:
            rows.append(TorchGAN("PyTorch eager, k=5", torch_paper, PAPER_M, k=5, threads=threads))
        if args.ablations:
            # Right after the fast row, so that each is timed close to it.
            rows += [
                KerasGAN("keras_gan XLA, fast, spe=1", paper, PAPER_M, spe=1),
                KerasGAN("keras_gan XLA, fast, two D passes", paper, PAPER_M, spe=spe, joint=False),
                KerasGAN("keras_gan XLA, fast, keras Dropout", paper, PAPER_M, spe=spe, hash_dropout=False),
                KerasGAN("keras_gan XLA, fast, mixed_bfloat16", paper, PAPER_M, spe=spe, policy="mixed_bfloat16"),
                KerasGAN("keras_gan XLA, fast, mixed_float16", paper, PAPER_M, spe=spe, policy="mixed_float16"),
            ]
            if have_torch:
                rows.append(TorchGAN("PyTorch eager, 1 thread", torch_paper, PAPER_M, threads=1))
        rows += [
            KerasGAN("keras_gan no XLA, fast", paper, PAPER_M, jit=False, spe=spe),
            KerasGAN("keras_gan no XLA, as shipped", paper, PAPER_M, jit=False, spe=1, hash_dropout=False),
            KerasGAN("keras_gan XLA, as shipped", paper, PAPER_M, spe=1, hash_dropout=False),
            Matmul("TF matmul 2048", "tf", threads=threads),
            StepMatmuls("step's matmuls only, XLA", "xla", paper_shapes, threads=threads),
        ]
        if have_torch:
            rows += [
                StepMatmuls("step's matmuls only, torch", "torch", paper_shapes, threads=threads),
                Matmul("torch matmul 2048", "torch", threads=threads),
            ]
    if args.dcgan:
        rows.append(KerasGAN("DCGAN keras_gan XLA", dcgan, DCGAN_M, spe=spe, optimizer="adam"))
        if have_torch:
            rows.append(TorchGAN("DCGAN PyTorch eager", torch_dcgan, DCGAN_M, optimizer="adam", threads=threads,
                                 image_shape=(1, 28, 28)))
        rows.append(KerasGAN("DCGAN keras_gan no XLA", dcgan, DCGAN_M, jit=False, spe=spe, optimizer="adam"))
        if args.ablations:
            rows.append(KerasGAN("DCGAN keras_gan XLA, one D pass", dcgan, DCGAN_M, spe=spe, optimizer="adam",
                                 joint=True))
    config_names = [name.strip() for name in args.configs.split(",") if name.strip()]
    for name in config_names:
        # The config as training builds it, then its PyTorch reference, neighbours (see measure()).
        config = keras_gan.configs.get_config(name)
        rows.append(KerasConfigGAN(f"{name}: keras_gan XLA", name))
        if have_torch:
            rows.append(TorchConfigGAN(f"{name}: PyTorch eager", name, threads=threads))
        if args.ablations:
            rows += [KerasConfigGAN(f"{name}: keras_gan, spe={spe}", name, steps_per_execution=spe),
                     KerasConfigGAN(f"{name}: keras_gan, no XLA", name, jit_compile=False)]
            # What each of the modern recipe's parts costs, on both sides.
            for label, field, off in (("no EMA", "ema_decay", None), ("no spectral norm", "spectral_norm", False)):
                if getattr(config, field):
                    rows.append(KerasConfigGAN(f"{name}: keras_gan, {label}", name, **{field: off}))
                    if have_torch:
                        rows.append(TorchConfigGAN(f"{name}: PyTorch eager, {label}", name, threads=threads,
                                                   **{field: off}))
    print(f"TF {tf.__version__}, Keras {keras.__version__}, keras_gan {keras_gan.__version__}"
          + (f", torch {torch.__version__}" if have_torch else "")
          + f"; {os.cpu_count()} CPUs; TF threads intra={args.intra} inter={args.inter}, torch threads {threads}"
          + (f"; XLA_FLAGS={os.environ['XLA_FLAGS']}" if os.environ.get("XLA_FLAGS") else ""),
          flush=True)
    start = time.perf_counter()
    samples = measure(rows, args.rounds, args.window)

    step1 = step5 = None
    if args.paper:
        # The matmul work of the step, counted (see mlp_step_flops) and read off the HLO XLA compiled.
        fast_gan = rows[0].gan
        g_kernels, d_kernels = kernels(fast_gan.generator), kernels(fast_gan.discriminator)
        d_flops, g_flops, step1 = mlp_step_flops(g_kernels, d_kernels, PAPER_M, 1)
        step5 = mlp_step_flops(g_kernels, d_kernels, PAPER_M, 5)[2]
        compiled = hlo_dot_flops(compiled_step_hlo(fast_gan, tf.zeros((PAPER_M, 784))))
        peaks = [c.name for c in rows if c.unit == "GFLOP/s"]
        # Per round, the higher of the two frameworks' peaks.
        peak_samples = [max(vals, key=lambda v: v[0]) for vals in zip(*(samples[p] for p in peaks))]
        samples["peak"] = peak_samples
        peak, peak_quiet, _ = summary(peak_samples)

        print()
        print(f"Paper MLP GAN, m={PAPER_M}: {step1 / 1e9:.4f} GFLOP of matmuls per step at k=1 (D update "
              f"{d_flops / 1e9:.4f}, G update {g_flops / 1e9:.4f}; XLA's compiled dots: {compiled / 1e9:.4f}), "
              f"{step5 / 1e9:.4f} at k=5")
        print(f"fp32 matmul peak (higher of TF and torch, 2048^3): {peak:.1f} GFLOP/s median, "
              f"{_fmt(peak_quiet, '.1f')} in quiet windows -> roofline {peak * 1e9 / step1:.1f} steps/s "
              f"({_fmt(peak_quiet and peak_quiet * 1e9 / step1, '.1f')} quiet)")
    print()
    width = max(40, *(len(c.name) for c in rows))
    print(f"{'contender':{width}s} {'rate':>8s} {'quiet':>8s} {'n':>3s} {'others':>7s} {'roofline':>9s}  notes")
    for c in rows:
        rate, quiet, n_quiet = summary(samples[c.name])
        shares = [s for _, s in samples[c.name] if s is not None]
        others = f"{100 * statistics.median(shares):.0f} %" if shares else "-"
        roof = ""
        if args.paper and c.unit == "steps" and not isinstance(c, (KerasConfigGAN, TorchConfigGAN)) \
                and not c.name.startswith("DCGAN"):
            work = step5 if c.k == 5 else step1
            roof = f"{100 * paired(samples, c.name, 'peak', lambda r, p: r * work / 1e9 / p)[0]:.0f} %"
        notes = [c.unit if c.unit != "steps" else "steps/s"]
        if isinstance(c, KerasGAN):
            notes.append(f"spe={c.spe}, {'one D pass' if c.joint_used else 'two D passes'}")
        if c.last_losses is not None:
            finite = all(math.isfinite(x) for x in c.last_losses)
            notes.append("losses finite" if finite else f"NON-FINITE losses {c.last_losses}")
        print(f"{c.name:{width}s} {rate:8.2f} {_fmt(quiet, '8.2f'):>8s} {n_quiet:3d} {others:>7s} {roof:>9s}  "
              + "; ".join(notes))

    print()
    print(f"Paired per-round ratios, median over {args.rounds} rounds [over quiet rounds, n] (min-max over rounds):")

    def line(label, a, b, target="", transform=lambda ra, rb: ra / rb, unit="x"):
        if a not in samples or b not in samples:
            return
        value, quiet, n = paired(samples, a, b, transform)
        spread = [transform(ra, rb) for (ra, _), (rb, _) in zip(samples[a], samples[b])]
        print(f"  {label:{max(58, len(label))}s} {value:6.2f}{unit} [{_fmt(quiet, '.2f')}{unit if quiet else ''}, {n}] "
              f"({min(spread):.2f}-{max(spread):.2f})  {target}")

    if args.paper:
        line("keras_gan XLA fast / PyTorch eager", fast, "PyTorch eager", "target >= 1.4x")
        line("keras_gan XLA fast / roofline (%)", fast, "peak", "target >= 80 %",
             lambda r, p: 100 * r * step1 / 1e9 / p, " %")
        for name in ("step's matmuls only, XLA", "step's matmuls only, torch"):
            line(f"{name} / roofline (%): the ceiling", name, "peak", "", lambda r, p: 100 * r * step1 / 1e9 / p,
                 " %")
            line(f"keras_gan XLA fast / {name} (%)", fast, name, "", lambda a, b: 100 * a / b, " %")
        line("XLA / no XLA (fast path)", fast, "keras_gan no XLA, fast", "target >= 1.5x")
        line("XLA / no XLA (as shipped)", "keras_gan XLA, as shipped", "keras_gan no XLA, as shipped")
        line("fast / as shipped (XLA)", fast, "keras_gan XLA, as shipped")
        line(f"time per step k=5 / k=1 (FLOPs predict {step5 / step1:.2f}x)", fast, "keras_gan XLA, fast, k=5")
        line("PyTorch: time per step k=5 / k=1", "PyTorch eager", "PyTorch eager, k=5")
    line("DCGAN keras_gan XLA / PyTorch eager", "DCGAN keras_gan XLA", "DCGAN PyTorch eager")
    line("DCGAN XLA / no XLA", "DCGAN keras_gan XLA", "DCGAN keras_gan no XLA")
    line("DCGAN two D passes (default) / one D pass", "DCGAN keras_gan XLA", "DCGAN keras_gan XLA, one D pass")
    for c in rows:
        if c.name.startswith("keras_gan XLA, fast, ") and c.name != "keras_gan XLA, fast, k=5":
            line(f"fast / ({c.name.split('fast, ')[1]})", fast, c.name)
    if args.ablations and have_torch:
        line("PyTorch 2 threads / 1 thread", "PyTorch eager", "PyTorch eager, 1 thread")
    for name in config_names:
        as_trained = f"{name}: keras_gan XLA"
        line(f"{name}: keras_gan XLA / PyTorch eager", as_trained, f"{name}: PyTorch eager", "target >= 1.4x")
        for c in rows:
            if c.name.startswith(f"{name}: keras_gan, "):
                variant = c.name.split(": keras_gan, ")[1]
                line(f"{name}: as trained / ({variant})", as_trained, c.name)
                line(f"{name}: keras_gan / PyTorch, both {variant}", c.name, f"{name}: PyTorch eager, {variant}")
    print(f"\n{time.perf_counter() - start:.0f} s; 'others' = CPU share other processes used during the windows "
          f"(quiet: < {100 * QUIET:.0f} %)")


if __name__ == "__main__":
    main()
