"""Speed of one GAN training step: keras_gan (XLA and not) against a PyTorch reference, measured in one run.

    python benchmarks/gan_step.py                 # the table below, about 3 minutes on 2 cores
    python benchmarks/gan_step.py --ablations     # + what each fast-path choice is worth, mixed precision
    python benchmarks/gan_step.py --rounds 3 --window 0.5     # quicker, noisier

Contenders (synthetic in-memory images: the input pipeline is `benchmarks/input_pipeline.py`'s subject):
- the paper's MLP GAN (`paper_generator()`, `paper_discriminator()`: G 100-1200-1200-784, D maxout 240x5 twice
  with dropout), m = 100, k = 1, SGD(0.1, momentum 0.5) for both players, non-saturating G loss;
  keras_gan with `jit_compile=True` and without, and `benchmarks/torch_reference.py` (eager PyTorch);
- the same keras_gan step with k = 5 (batches of 500), against the ratio its FLOP count predicts;
- the DCGAN nets (`dcgan_generator()`, `dcgan_discriminator()` defaults), m = 64, Adam(2e-4, 0.5), vs PyTorch;
- the machine's fp32 matmul peak (2048^3, TF and torch, the higher counts) and the roofline it gives the MLP step:
  peak / (the step's matmul FLOPs).

"fast" = the discriminator's dropout as `keras_gan.networks.maxout.HashDropout` (the same maths as
`keras.layers.Dropout`, cheaper masks; used as-is if `paper_discriminator()` already has it), one D pass over
[real; fake] (automatic), `steps_per_execution=10`. "as shipped" = `paper_discriminator()` unchanged,
`steps_per_execution=1`.

The CPU is shared with other processes, so the contenders run interleaved: each round times one window of every
contender (rotating the order), and the table gives the median over rounds, with the load average seen.
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


# ---------------------------------------------------------------------------------------------------------------
# Contenders: each has .name, .setup(), .run(n) -> seconds for n steps, .unit (what a step is)
# ---------------------------------------------------------------------------------------------------------------


def with_hash_dropout(model):
    """A copy of a functional model with each keras.layers.Dropout replaced by HashDropout (same rate and seed)."""
    import keras

    from keras_gan.networks.maxout import HashDropout

    def clone(layer):
        if type(layer) is keras.layers.Dropout:
            return HashDropout(layer.rate, seed=layer.seed, name=layer.name)
        return layer.__class__.from_config(layer.get_config())

    if not any(type(layer) is keras.layers.Dropout for layer in model.layers):
        return model
    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


class KerasGAN:
    """keras_gan.GAN.fit on an in-memory dataset; one window = one fit() call of n steps."""

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
        gan = keras_gan.GAN(generator, discriminator, d_steps=self.k, seed=0)
        if self.joint is not None:
            gan.joint_discriminator_pass = self.joint
        self.joint_used = gan.joint_discriminator_pass
        gan.compile(d_optimizer=self._optimizer(), g_optimizer=self._optimizer(), generator_loss="non_saturating",
                    jit_compile=self.jit, steps_per_execution=self.spe)
        shape = tuple(int(d) for d in discriminator.input_shape[1:])
        images = np.random.default_rng(0).uniform(size=(8 * self.k * self.m, *shape)).astype("float32")
        self.dataset = (tf.data.Dataset.from_tensor_slices(images).batch(self.k * self.m, drop_remainder=True)
                        .cache().repeat().prefetch(tf.data.AUTOTUNE))
        self.gan = gan
        self.run(2 * self.spe)  # Trace and compile.

    def run(self, n):
        n = max(self.spe, n - n % self.spe)
        start = time.perf_counter()
        history = self.gan.fit(self.dataset, epochs=1, steps_per_epoch=n, verbose=0)
        elapsed = time.perf_counter() - start
        self.last_losses = (history.history["d_loss"][-1], history.history["g_loss"][-1])
        return elapsed, n, n


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
        elapsed = time.perf_counter() - start
        self.last_losses = tuple(float(x) for x in losses)
        return elapsed, n, n


class Matmul:
    """fp32 [size, size] @ [size, size]; rate in GFLOP/s."""

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
# Interleaved timing
# ---------------------------------------------------------------------------------------------------------------


def measure(contenders, rounds, window):
    """Median rate of each contender over `rounds` interleaved windows of about `window` seconds.

    `run(n)` returns (seconds, calls made, work done: steps, or GFLOP for a matmul); the rate is work / second.
    """
    sizes, rates, loads = {}, {c.name: [] for c in contenders}, [os.getloadavg()[0]]
    for c in contenders:
        print(f"  setting up {c.name} ...", flush=True)
        c.setup()
        # Calibrate: calls that take about `window` seconds.
        elapsed, calls, _ = c.run(1)
        sizes[c.name] = max(1, round(window * calls / elapsed))
    for r in range(rounds):
        order = contenders[r % len(contenders):] + contenders[: r % len(contenders)]
        for c in order:
            elapsed, _, work = c.run(sizes[c.name])
            rates[c.name].append(work / elapsed)
        loads.append(os.getloadavg()[0])
        print(f"  round {r + 1}/{rounds} done, load average {loads[-1]:.1f}", flush=True)
    return {name: statistics.median(v) for name, v in rates.items()}, rates, loads


def main(argv=None):
    args = parse_args(argv)
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

    def dcgan():
        return networks.dcgan_generator(seed=0), networks.dcgan_discriminator(seed=1)

    spe = args.spe
    fast = KerasGAN("keras_gan XLA, fast", paper, PAPER_M, spe=spe)
    rows = [
        fast,
        KerasGAN("keras_gan XLA, as shipped", paper, PAPER_M, spe=1, hash_dropout=False),
        KerasGAN("keras_gan no XLA, fast", paper, PAPER_M, jit=False, spe=spe),
        KerasGAN("keras_gan no XLA, as shipped", paper, PAPER_M, jit=False, spe=1, hash_dropout=False),
        KerasGAN("keras_gan XLA, fast, k=5", paper, PAPER_M, k=5, spe=spe),
        Matmul("TF matmul 2048", "tf", threads=args.intra),
    ]
    if have_torch:
        rows += [
            TorchGAN("PyTorch eager", lambda: (torch_reference.paper_generator(), torch_reference.paper_discriminator()),
                     PAPER_M, threads=args.intra),
            TorchGAN("PyTorch eager, k=5",
                     lambda: (torch_reference.paper_generator(), torch_reference.paper_discriminator()),
                     PAPER_M, k=5, threads=args.intra),
            Matmul("torch matmul 2048", "torch", threads=args.intra),
        ]
    if args.dcgan:
        rows += [
            KerasGAN("DCGAN keras_gan XLA", dcgan, DCGAN_M, spe=spe, optimizer="adam"),
            KerasGAN("DCGAN keras_gan no XLA", dcgan, DCGAN_M, jit=False, spe=spe, optimizer="adam"),
        ]
        if have_torch:
            rows.append(TorchGAN(
                "DCGAN PyTorch eager",
                lambda: (torch_reference.dcgan_generator(), torch_reference.dcgan_discriminator()),
                DCGAN_M, optimizer="adam", threads=args.intra, image_shape=(1, 28, 28)))
    if args.ablations:
        rows += [
            KerasGAN("keras_gan XLA, fast, spe=1", paper, PAPER_M, spe=1),
            KerasGAN("keras_gan XLA, fast, two D passes", paper, PAPER_M, spe=spe, joint=False),
            KerasGAN("keras_gan XLA, fast, keras Dropout", paper, PAPER_M, spe=spe, hash_dropout=False),
            KerasGAN("keras_gan XLA, fast, mixed_bfloat16", paper, PAPER_M, spe=spe, policy="mixed_bfloat16"),
            KerasGAN("keras_gan XLA, fast, mixed_float16", paper, PAPER_M, spe=spe, policy="mixed_float16"),
        ]
        if have_torch:
            rows.append(TorchGAN(
                "PyTorch eager, 1 thread",
                lambda: (torch_reference.paper_generator(), torch_reference.paper_discriminator()), PAPER_M,
                threads=1))

    print(f"TF {tf.__version__}, Keras {keras.__version__}, keras_gan {keras_gan.__version__}"
          + (f", torch {torch.__version__}" if have_torch else "")
          + f"; {os.cpu_count()} CPUs; TF threads intra={args.intra} inter={args.inter}", flush=True)
    start = time.perf_counter()
    median, samples, loads = measure(rows, args.rounds, args.window)

    g_kernels = kernels(networks.paper_generator())
    d_kernels = kernels(networks.paper_discriminator())
    d_flops, g_flops, step1 = mlp_step_flops(g_kernels, d_kernels, PAPER_M, 1)
    step5 = mlp_step_flops(g_kernels, d_kernels, PAPER_M, 5)[2]
    peak_name = max((n for n in median if "matmul" in n), key=median.get)
    peak = median[peak_name]
    roofline = peak * 1e9 / step1
    torch_rate = median.get("PyTorch eager")

    def spread(name):
        v = samples[name]
        return f"{min(v):.2f}-{max(v):.2f}"

    print()
    print(f"Paper MLP GAN, m={PAPER_M}: matmul work per step {step1 / 1e9:.3f} GFLOP at k=1 "
          f"(D update {d_flops / 1e9:.3f}, G update {g_flops / 1e9:.3f}), {step5 / 1e9:.3f} at k=5")
    print(f"Peak fp32 matmul: {peak:.1f} GFLOP/s ({peak_name}) -> roofline {roofline:.1f} steps/s at k=1")
    print()
    print(f"{'contender':44s} {'rate':>9s} {'(min-max)':>13s} {'vs PyTorch':>10s} {'roofline':>9s}  notes")
    for c in rows:
        rate = median[c.name]
        if c.unit != "steps":
            print(f"{c.name:44s} {rate:9.1f} {spread(c.name):>13s} {'':>10s} {'':>9s}  GFLOP/s")
            continue
        reference = median.get("PyTorch eager, k=5" if getattr(c, "k", 1) == 5 else "PyTorch eager")
        if c.name.startswith("DCGAN"):
            reference = median.get("DCGAN PyTorch eager")
        versus = f"{rate / reference:.2f}x" if reference and not c.name.startswith(("PyTorch", "DCGAN PyTorch")) else ""
        roof = ""
        if not c.name.startswith("DCGAN"):
            work = step5 if getattr(c, "k", 1) == 5 else step1
            roof = f"{100 * rate * work / 1e9 / peak:.0f} %"
        notes = []
        if isinstance(c, KerasGAN):
            notes.append(f"spe={c.spe}, {'one D pass' if c.joint_used else 'two D passes'}")
        if c.last_losses is not None:
            finite = all(math.isfinite(x) for x in c.last_losses)
            notes.append("losses finite" if finite else f"NON-FINITE losses {c.last_losses}")
        print(f"{c.name:44s} {rate:9.2f} {spread(c.name):>13s} {versus:>10s} {roof:>9s}  {'; '.join(notes)}")

    print()
    xla, plain = median["keras_gan XLA, fast"], median["keras_gan no XLA, fast"]
    print(f"XLA speed-up (fast path): {xla / plain:.2f}x; as shipped: "
          f"{median['keras_gan XLA, as shipped'] / median['keras_gan no XLA, as shipped']:.2f}x")
    measured = median["keras_gan XLA, fast"] / median["keras_gan XLA, fast, k=5"]
    print(f"k=5 vs k=1 time per step: {measured:.2f}x measured, {step5 / step1:.2f}x predicted by FLOPs")
    if torch_rate:
        print(f"keras_gan XLA fast vs PyTorch eager: {xla / torch_rate:.2f}x "
              f"(target >= 1.4x); roofline {100 * xla / roofline:.0f} % (target >= 80 %)")
    print(f"Load average during the run: {min(loads):.1f}-{max(loads):.1f} "
          f"(start {loads[0]:.1f}, end {loads[-1]:.1f}); {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
