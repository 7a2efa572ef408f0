"""The training configuration: one dataclass whose every field is documented where it is declared.

Named configs (`keras_gan/configs/<name>.py`) each define `get_config() -> Config`; the command line overrides
fields with flags (`keras-gan train --config=paper_mnist --epochs=10`), and the library with
`dataclasses.replace(config, epochs=10)`.
"""

import dataclasses
import math
from typing import Optional, Tuple

ARCHITECTURES = ("paper", "dcgan", "mlp")
TOY_DATASETS = ("toy_1d", "toy_ring", "toy_grid")
OPTIMIZERS = ("sgd", "adam")
GENERATOR_LOSSES = ("non_saturating", "minimax")
NOISE_PRIORS = ("uniform", "normal")

# Fields that may differ between a run and the checkpoints it resumes from: they change how long or how loudly
# training runs, not what is trained. Any other difference means the workdir holds another experiment.
RESUMABLE_FIELDS = (
    "epochs", "verbose", "keep_checkpoints", "jit_compile", "steps_per_execution", "num_grid_samples",
    "sample_every_epochs", "figure1_epochs", "data_dir", "local_dir",
)


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything `train_lib.train_and_evaluate` needs to train a GAN, with the paper's MNIST values as defaults."""

    # Name of the config (the file under keras_gan/configs/); checkpoints remember it.
    name: str = "custom"

    # ---- data --------------------------------------------------------------------------------------------
    # "mnist" / "fashion_mnist" / any TFDS image dataset (via keras_gan.data.load_arrays), or one of the toy
    # distributions "toy_1d" (paper Figure 1), "toy_ring" (8 Gaussians), "toy_grid" (25 Gaussians).
    dataset: str = "mnist"
    # Split trained on; "train" is the paper's train[0:50000] (validation = train[50000:60000]).
    split: str = "train"
    # TFDS data folder (None: TFDS's default, ~/tensorflow_datasets).
    data_dir: Optional[str] = None
    # Folder of IDX files (train-images-idx3-ubyte.gz, ...); None: keras_gan.data's default (Debian's
    # /usr/share/datasets/fashion-mnist for fashion_mnist).
    local_dir: Optional[str] = None
    # Toy datasets only: examples drawn once (seeded) and reshuffled every epoch.
    num_examples: int = 20_000

    # ---- networks ----------------------------------------------------------------------------------------
    # "paper" (MLP G, maxout/dropout D, flat 784-d images), "dcgan" (conv G and D on H×W×C images), "mlp" (toys).
    architecture: str = "paper"
    # Size of z (100 in the paper).
    latent_dim: int = 100
    # Prior p_z: "uniform" U[-s, s] or "normal" N(0, s²).
    noise: str = "uniform"
    # s above; None: sqrt(3) for uniform (the paper's unit-variance U[-√3, √3]), 1 for normal.
    noise_scale: Optional[float] = None
    # "paper" G only: initialise the output bias to the logit of the data's mean pixel (pylearn2's
    # init_bias_from_marginals, as the paper's code does).
    output_bias_from_data: bool = True
    # "dcgan" only: f, the conv nets' width (G: 2f → f channels, D: f → 2f).
    base_filters: int = 32
    # "mlp" only: hidden widths of both toy nets.
    hidden_units: Tuple[int, ...] = (32, 32)

    # ---- the game ----------------------------------------------------------------------------------------
    # k: discriminator updates per generator update (1 in the paper).
    d_steps: int = 1
    # "non_saturating" (G ascends log D(G(z)); the paper's code) or "minimax" (G descends log(1 - D(G(z)))).
    generator_loss: str = "non_saturating"

    # ---- optimisation ------------------------------------------------------------------------------------
    # m: examples per update (each training step consumes k·m).
    batch_size: int = 100
    # Epochs to train in total (a resumed run continues up to this many).
    epochs: int = 300
    # "sgd" (keras_gan.schedules.ScheduledSGD, momentum scheduled) or "adam".
    optimizer: str = "sgd"
    # Initial learning rates of D and G (0.1 in the paper).
    d_learning_rate: float = 0.1
    g_learning_rate: float = 0.1
    # Learning rate divided by this after every update (1.000004 in the paper; 1 keeps it constant).
    lr_decay_factor: float = 1.000004
    # Floor of the decayed learning rate (1e-6 in the paper).
    min_learning_rate: float = 1e-6
    # SGD momentum at epoch `momentum_start_epoch` (0.5 in the paper) ...
    initial_momentum: float = 0.5
    # ... rising linearly to this at `momentum_saturate_epoch` (0.7 at 250), constant after. Equal = constant.
    final_momentum: float = 0.7
    # 1-based epochs of the momentum ramp's ends.
    momentum_start_epoch: int = 1
    momentum_saturate_epoch: int = 250
    # Adam only: beta_1 (0.5 is the DCGAN recipe).
    beta_1: float = 0.5

    # ---- execution ---------------------------------------------------------------------------------------
    # Compile the train step with XLA.
    jit_compile: bool = True
    # Train steps run per compiled call (fewer host round trips on small models).
    steps_per_execution: int = 1
    # Seeds the initial weights, dropout, the noise stream and the data order: a run is a function of it.
    seed: int = 0
    # Keras fit verbosity: 0 silent, 1 progress bar, 2 one line per epoch.
    verbose: int = 1

    # ---- outputs -----------------------------------------------------------------------------------------
    # Checkpoints kept in workdir/checkpoints (the newest ones; older ones are deleted).
    keep_checkpoints: int = 3
    # Samples drawn from one fixed latent batch for workdir/samples/epoch_NNNN.png (a square number tiles best).
    num_grid_samples: int = 64
    # Write the sample grid every this many epochs (and after the last).
    sample_every_epochs: int = 1
    # toy_1d only: 1-based epochs after which a paper-Figure-1-style plot is written to workdir/figure1/.
    figure1_epochs: Tuple[int, ...] = ()

    @property
    def is_toy(self):
        """True for the embedded toy distributions."""
        return self.dataset in TOY_DATASETS

    def to_dict(self):
        """The config as a JSON-ready dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, values):
        """Inverse of `to_dict`; unknown keys raise ValueError."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise ValueError(f"Unknown config fields {unknown}; known fields: {sorted(fields)}.")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def _positive_int(value):
    return not isinstance(value, bool) and isinstance(value, int) and value >= 1


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
        ValueError: d_steps (k, --d_steps) must be an int >= 1, got 0. The paper uses 1.
    """
    def fail(msg):
        raise ValueError(msg)

    if not _positive_int(config.epochs):
        fail(f"epochs (--epochs) must be an int >= 1, got {config.epochs!r}. It counts all epochs of the run, "
             "including those already in the workdir's checkpoints.")
    if not _positive_int(config.d_steps):
        fail(f"d_steps (k, --d_steps) must be an int >= 1, got {config.d_steps!r}. The paper uses 1.")
    if not _positive_int(config.batch_size):
        fail(f"batch_size (m, --batch_size) must be an int >= 1, got {config.batch_size!r}. The paper uses 100.")
    if not _positive_int(config.latent_dim):
        fail(f"latent_dim (--latent_dim) must be an int >= 1, got {config.latent_dim!r}. The paper uses 100.")
    for field in ("steps_per_execution", "keep_checkpoints", "num_grid_samples", "sample_every_epochs",
                  "num_examples", "base_filters"):
        if not _positive_int(getattr(config, field)):
            fail(f"{field} must be an int >= 1, got {getattr(config, field)!r}.")
    if config.verbose not in (0, 1, 2):
        fail(f"verbose (--verbose) must be 0, 1 or 2, got {config.verbose!r}.")
    if config.architecture not in ARCHITECTURES:
        fail(f"architecture must be one of {ARCHITECTURES}, got {config.architecture!r}.")
    if config.is_toy and config.architecture != "mlp":
        fail(f"The toy dataset {config.dataset!r} needs architecture='mlp', got {config.architecture!r}.")
    if not config.is_toy and config.architecture == "mlp":
        fail(f"architecture='mlp' is for the toy datasets {TOY_DATASETS}; use 'paper' or 'dcgan' for images.")
    if config.optimizer not in OPTIMIZERS:
        fail(f"optimizer must be one of {OPTIMIZERS}, got {config.optimizer!r}.")
    if config.generator_loss not in GENERATOR_LOSSES:
        fail(f"generator_loss (--generator_loss) must be one of {GENERATOR_LOSSES}, got {config.generator_loss!r}.")
    if config.noise not in NOISE_PRIORS:
        fail(f"noise must be one of {NOISE_PRIORS}, got {config.noise!r}.")
    if config.noise_scale is not None and not config.noise_scale > 0:
        fail(f"noise_scale must be positive (or None for the prior's default), got {config.noise_scale!r}.")
    for field in ("d_learning_rate", "g_learning_rate"):
        value = getattr(config, field)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            fail(f"{field} (--{field} or --learning_rate) must be a positive number, got {value!r}.")
    if not config.lr_decay_factor >= 1:
        fail(f"lr_decay_factor must be >= 1 (1 = constant learning rate), got {config.lr_decay_factor!r}.")
    if not 0 <= config.min_learning_rate <= min(config.d_learning_rate, config.g_learning_rate):
        fail(f"min_learning_rate must lie in [0, the learning rates], got {config.min_learning_rate!r}.")
    for field in ("initial_momentum", "final_momentum", "beta_1"):
        if not 0 <= getattr(config, field) < 1:
            fail(f"{field} must lie in [0, 1), got {getattr(config, field)!r}.")
    if not config.momentum_saturate_epoch > config.momentum_start_epoch:
        fail("momentum_saturate_epoch must come after momentum_start_epoch.")
    if any(not _positive_int(e) for e in config.figure1_epochs):
        fail(f"figure1_epochs must hold 1-based epoch numbers, got {config.figure1_epochs!r}.")
    if not all(_positive_int(u) for u in config.hidden_units) or not config.hidden_units:
        fail(f"hidden_units must be a non-empty tuple of positive ints, got {config.hidden_units!r}.")
    return config
