"""Callbacks for training GANs with `fit()`, one job per module.

    SampleGrid          sample_grid.py   G(z) for one fixed latent batch, as PNGs and TensorBoard images
    Figure1Plot         figure1.py       the paper's Figure 1 for 1-D data
    GANCheckpoint       checkpoint.py    the whole training state on tf.train (keras_gan.checkpoints)
    CSVLog              csv_log.py       one CSV row per epoch, consistent across resumes
    StopOnDivergence    training.py      stops at a NaN/inf epoch before it is checkpointed
    EpochTimer          training.py      `epoch_seconds` in the logs

The paper's momentum schedule callback, `MomentumScheduler`, lives in `keras_gan.schedules`; the metrics callback,
`EvaluationCallback`, in `keras_gan.metrics`.
"""

from keras_gan.callbacks.checkpoint import GANCheckpoint
from keras_gan.callbacks.csv_log import CSVLog
from keras_gan.callbacks.figure1 import Figure1Plot
from keras_gan.callbacks.sample_grid import SampleGrid
from keras_gan.callbacks.training import EpochTimer, StopOnDivergence, TrainingDiverged

__all__ = ["CSVLog", "EpochTimer", "Figure1Plot", "GANCheckpoint", "SampleGrid", "StopOnDivergence",
           "TrainingDiverged"]
