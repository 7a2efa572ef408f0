"""The training configuration: one frozen dataclass whose every field says what it does where it is declared.

Named configs (`keras_gan/configs/<name>.py`) each define `get_config() -> Config`; the library derives variants
with `dataclasses.replace(config, epochs=10)`, and the command line makes one flag per field from the `help`
metadata below (`keras-gan train --config=paper_mnist --epochs=10`). Choices (losses, architectures, datasets)
are read from the package's registries, never listed here.
"""

import dataclasses
import math
from typing import Optional, Tuple

from keras_gan import distribute, losses, noise
from keras_gan.checks import is_open_unit_interval, is_positive_int, is_weight
from keras_gan.conditional import LABEL_DISTRIBUTIONS
from keras_gan.data import registry as datasets
from keras_gan.networks import architectures

OPTIMIZERS = ("sgd", "adam")

# Fields that may differ between a run and the checkpoints it resumes from: they change how long or how loudly
# training runs, not what is trained. Any other difference means the workdir holds another experiment.
RESUMABLE_FIELDS = (
    "epochs", "verbose", "keep_checkpoints", "jit_compile", "steps_per_execution", "num_grid_samples",
    "sample_every_epochs", "figure1_epochs", "data_dir", "local_dir", "eval_samples", "strategy",
)


def _field(default, help):  # noqa: A002  (the name absl and argparse use)
    return dataclasses.field(default=default, metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything `train_lib.train_and_evaluate` needs to train a GAN, with the paper's MNIST values as defaults.

    Each field's `help` (`dataclasses.fields(Config)[i].metadata["help"]`) documents it and is its flag's help.
    """

    name: str = _field("custom", "Name of the config (the file under keras_gan/configs/); checkpoints remember it.")

    # ---- data --------------------------------------------------------------------------------------------
    dataset: str = _field(
        "mnist",
        "Dataset: a toy distribution (toy_1d, toy_ring, toy_grid), a TFDS image dataset (mnist, fashion_mnist, "
        "...), a custom name for IDX files in --local_dir, or a path to a folder of images or a .npy/.npz file.")
    split: str = _field("train", "Split trained on; 'train' is the paper's train[0:50000].")
    data_dir: Optional[str] = _field(None, "TFDS data folder (default ~/tensorflow_datasets).")
    local_dir: Optional[str] = _field(
        None, "Folder of IDX files (train-images-idx3-ubyte.gz, ...) to prepare the dataset from, once; "
        "fashion_mnist defaults to Debian's /usr/share/datasets/fashion-mnist.")
    num_examples: int = _field(20_000, "Toy datasets: examples drawn once (seeded), reshuffled every epoch.")

    # ---- networks ----------------------------------------------------------------------------------------
    architecture: str = _field(
        "paper", "Network pair from keras_gan.networks.ARCHITECTURES: paper (MLP G, maxout/dropout D, flat "
        "images), dcgan (conv nets), mlp (toys).")
    latent_dim: int = _field(100, "Size of the noise vector z (paper: 100).")
    noise: str = _field("uniform", "Prior p_z: uniform U[-s, s] or normal N(0, s^2).")
    noise_scale: Optional[float] = _field(
        None, "s of the prior; unset: sqrt(3) for uniform (the paper's unit-variance U[-sqrt3, sqrt3]), 1 for normal.")
    output_bias_from_data: bool = _field(
        True, "paper G only: output bias = logit of the data's mean pixel (pylearn2's init_bias_from_marginals).")
    base_filters: int = _field(
        32, "dcgan: f, the conv nets' width (G: f*2^(depth-1) ... -> f channels, D: f -> ... f*2^(depth-1)); "
        "keras_io_dcgan: D's first width (64 is the keras.io example; both nets scale with it).")
    depth: int = _field(2, "dcgan only: stride-2 stages per network (28x28 images allow 2).")
    spectral_norm: bool = _field(False, "dcgan only: spectral normalisation on every layer of D.")
    hidden_units: Tuple[int, ...] = _field((32, 32), "mlp only: hidden widths of both toy nets, e.g. 128,128.")
    num_classes: Optional[int] = _field(
        None, "Conditional architectures (cgan, cgan_projection): classes C, labels 0..C-1; unset: the largest "
        "training label + 1.")
    label_distribution: str = _field(
        "uniform", "Conditional architectures: labels of the fakes, uniform over the classes or 'data' (the real "
        "minibatch's labels, so the data's class frequencies).")

    # ---- the game ----------------------------------------------------------------------------------------
    d_steps: int = _field(1, "k, discriminator updates per generator update (paper: 1).")
    generator_loss: str = _field(
        "non_saturating", "Loss family from keras_gan.losses.LOSSES, for both players: non_saturating (G ascends "
        "log D(G(z)), the paper's code), minimax (G descends log(1 - D(G(z)))), least_squares, hinge, wasserstein.")
    gradient_penalty: float = _field(0.0, "lambda of the WGAN-GP gradient penalty on D (10 in WGAN-GP; 0: off).")
    r1_penalty: float = _field(0.0, "gamma of the R1 penalty (gamma/2)*E|grad D(x)|^2 on data (0: off).")
    r1_interval: int = _field(1, "Apply R1 every this many D updates, scaled up to match (lazy R1; 1: every one).")
    ema_decay: Optional[float] = _field(
        None, "Keep an exponential moving average of G's weights with this decay (e.g. 0.999) and sample from it; "
        "unset: none.")

    # ---- optimisation ------------------------------------------------------------------------------------
    batch_size: int = _field(100, "m, examples per discriminator/generator update (paper: 100).")
    epochs: int = _field(300, "Total epochs of the run (a resumed run trains up to this many).")
    optimizer: str = _field("sgd", "sgd (momentum scheduled, the paper's) or adam.")
    d_learning_rate: float = _field(0.1, "Initial learning rate of the discriminator (paper: 0.1).")
    g_learning_rate: float = _field(0.1, "Initial learning rate of the generator (paper: 0.1).")
    lr_decay_factor: float = _field(
        1.000004, "Learning rate divided by this after every update (paper: 1.000004; 1 keeps it constant).")
    min_learning_rate: float = _field(1e-6, "Floor of the decayed learning rate (paper: 1e-6).")
    initial_momentum: float = _field(0.5, "SGD momentum at momentum_start_epoch (paper: 0.5).")
    final_momentum: float = _field(0.7, "SGD momentum from momentum_saturate_epoch on (paper: 0.7).")
    momentum_start_epoch: int = _field(1, "1-based epoch where the momentum ramp starts.")
    momentum_saturate_epoch: int = _field(250, "1-based epoch where the momentum ramp ends (paper: 250).")
    beta_1: float = _field(0.5, "Adam only: beta_1 (0.5 is the DCGAN recipe).")
    beta_2: float = _field(0.999, "Adam only: beta_2 (0.999 is Adam's default; 0.9 in SN-GAN's hinge recipe).")

    # ---- execution ---------------------------------------------------------------------------------------
    jit_compile: bool = _field(True, "Compile the train step with XLA (--nojit_compile: plain tf.function).")
    steps_per_execution: int = _field(1, "Train steps per compiled call (fewer host round trips for tiny nets).")
    strategy: str = _field(
        "default", "tf.distribute strategy: default (one device), mirrored (all local GPUs or logical CPUs), "
        "multi_worker (the workers of TF_CONFIG; BUILD.md), tpu. batch_size is the global m, split over replicas.")
    seed: int = _field(0, "Seeds the initial weights, dropout, the noise stream and the data order.")
    verbose: int = _field(1, "0 silent, 1 progress bar, 2 one line per epoch.")

    # ---- outputs -----------------------------------------------------------------------------------------
    keep_checkpoints: int = _field(3, "Newest checkpoints kept in WORKDIR/checkpoints.")
    num_grid_samples: int = _field(64, "Samples in WORKDIR/samples/epoch_NNNN.png (a square number tiles best).")
    sample_every_epochs: int = _field(1, "Write the sample grid every this many epochs (and after the last).")
    figure1_epochs: Tuple[int, ...] = _field((), "toy_1d only: 1-based epochs with a Figure-1 plot, e.g. 1,5,20.")
    eval_samples: Optional[int] = _field(
        None, "Samples evaluated at the end of training (WORKDIR/metrics.json); unset: 2500 for toy datasets, "
        "none for images (run `keras-gan evaluate`); 0: none.")

    @property
    def dataset_spec(self):
        """The `keras_gan.data.DatasetSpec` of `dataset`."""
        return datasets.get_dataset(self.dataset)

    @property
    def is_toy(self):
        """True for the registered toy (points) datasets."""
        return self.dataset_spec.kind == "points"

    def to_dict(self):
        """The config as a JSON-ready dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, values):
        """Inverse of `to_dict`; unknown keys raise ValueError."""
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - fields)
        if unknown:
            raise ValueError(f"Unknown config fields {unknown}; known fields: {sorted(fields)}.")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def _positive_number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def validate(config):
    """Checks a config and says how to fix the first problem found.

    Args:
        config: A `Config`.

    Returns:
        The same config.

    Raises:
        ValueError: naming the field, its bad value and a valid choice (with the flag to pass).

    Example:
        >>> validate(dataclasses.replace(keras_gan.configs.get_config("toy_ring"), d_steps=0))
        Traceback (most recent call last):
        ValueError: d_steps (--d_steps) must be an int >= 1, got 0.
    """
    def fail(msg):
        raise ValueError(msg)

    for field in ("epochs", "d_steps", "batch_size", "latent_dim", "steps_per_execution", "keep_checkpoints",
                  "num_grid_samples", "sample_every_epochs", "num_examples", "base_filters", "depth",
                  "r1_interval"):
        if not is_positive_int(getattr(config, field)):
            fail(f"{field} (--{field}) must be an int >= 1, got {getattr(config, field)!r}.")
    if config.verbose not in (0, 1, 2):
        fail(f"verbose (--verbose) must be 0, 1 or 2, got {config.verbose!r}.")
    if config.architecture not in architectures.ARCHITECTURES:
        fail(f"architecture (--architecture) must be one of {sorted(architectures.ARCHITECTURES)}, got "
             f"{config.architecture!r}.")
    kind = architectures.ARCHITECTURES[config.architecture].data_kind
    spec = datasets.get_dataset(config.dataset)
    if kind != spec.kind:
        matching = sorted(n for n, a in architectures.ARCHITECTURES.items() if a.data_kind == spec.kind)
        fail(f"architecture {config.architecture!r} takes {kind}, but dataset {config.dataset!r} holds {spec.kind}; "
             f"use --architecture={' or '.join(matching)}.")
    if config.num_classes is not None and (not is_positive_int(config.num_classes) or config.num_classes < 2):
        fail(f"num_classes (--num_classes) must be an int >= 2 or unset, got {config.num_classes!r}.")
    if config.label_distribution not in LABEL_DISTRIBUTIONS:
        fail(f"label_distribution (--label_distribution) must be one of {LABEL_DISTRIBUTIONS}, got "
             f"{config.label_distribution!r}.")
    if config.optimizer not in OPTIMIZERS:
        fail(f"optimizer (--optimizer) must be one of {OPTIMIZERS}, got {config.optimizer!r}.")
    if config.strategy not in distribute.STRATEGIES:
        fail(f"strategy (--strategy) must be one of {', '.join(distribute.STRATEGIES)}, got {config.strategy!r}.")
    if config.generator_loss not in losses.LOSSES:
        fail(f"generator_loss (--generator_loss) must be one of {sorted(losses.LOSSES)}, got "
             f"{config.generator_loss!r}.")
    if config.noise not in noise.PRIORS:
        fail(f"noise (--noise) must be one of {noise.PRIORS}, got {config.noise!r}.")
    if config.noise_scale is not None and not _positive_number(config.noise_scale):
        fail(f"noise_scale must be positive (or unset for the prior's default), got {config.noise_scale!r}.")
    for field in ("d_learning_rate", "g_learning_rate"):
        if not _positive_number(getattr(config, field)):
            fail(f"{field} (--{field} or --learning_rate) must be a positive number, got {getattr(config, field)!r}.")
    if not (_positive_number(config.lr_decay_factor) and config.lr_decay_factor >= 1):
        fail(f"lr_decay_factor must be >= 1 (1 = constant learning rate), got {config.lr_decay_factor!r}.")
    if not 0 <= config.min_learning_rate <= min(config.d_learning_rate, config.g_learning_rate):
        fail(f"min_learning_rate must lie in [0, the learning rates], got {config.min_learning_rate!r}.")
    for field in ("gradient_penalty", "r1_penalty"):
        value = getattr(config, field)
        if not is_weight(value):
            fail(f"{field} (--{field}) must be a weight >= 0 (0 turns it off), got {value!r}.")
    if config.ema_decay is not None and not is_open_unit_interval(config.ema_decay):
        fail(f"ema_decay (--ema_decay) must lie in (0, 1), e.g. 0.999, or be unset; got {config.ema_decay!r}.")
    for field in ("initial_momentum", "final_momentum", "beta_1", "beta_2"):
        if not 0 <= getattr(config, field) < 1:
            fail(f"{field} must lie in [0, 1), got {getattr(config, field)!r}.")
    if not config.momentum_saturate_epoch > config.momentum_start_epoch:
        fail("momentum_saturate_epoch must come after momentum_start_epoch.")
    if any(not is_positive_int(e) for e in config.figure1_epochs):
        fail(f"figure1_epochs must hold 1-based epoch numbers, got {config.figure1_epochs!r}.")
    if not config.hidden_units or not all(is_positive_int(u) for u in config.hidden_units):
        fail(f"hidden_units must be a non-empty tuple of positive ints, got {config.hidden_units!r}.")
    if config.eval_samples is not None and (isinstance(config.eval_samples, bool) or
                                            not isinstance(config.eval_samples, int) or config.eval_samples < 0):
        fail(f"eval_samples must be an int >= 0 (0: no evaluation) or unset, got {config.eval_samples!r}.")
    return config
