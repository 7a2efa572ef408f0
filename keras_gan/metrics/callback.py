"""A Keras callback that tracks the offline metrics during `GAN.fit`, every N epochs, through the logs dict."""

import keras

from keras_gan.checks import check_positive_int
from keras_gan.conditional import ConditionalGAN
from keras_gan.metrics.evaluation import evaluate
from keras_gan.metrics.evaluator import Evaluator

__all__ = ["EvaluationCallback"]


class EvaluationCallback(keras.callbacks.Callback):
    """Evaluates the GAN's generator every `every_n_epochs` epochs and adds the figures to the epoch's logs.

    It calls `keras_gan.metrics.evaluate` (the function `keras-gan evaluate` uses) with an `Evaluator` prepared
    once, without the Parzen protocol or a reference row. The scalar figures go into the `logs` dict under `prefix`
    + name, so `History`, the progress bar, `TensorBoard` and `CSVLogger` record them: put this callback before
    `TensorBoard` / `CSVLogger` in the callbacks list. Like Keras's `validation_freq`, the figures appear only on
    evaluation epochs; `CSVLogger` fixes its columns at the first epoch, so with `every_n_epochs` > 1 pass
    `fill_value=float("nan")` to log a placeholder on the other epochs. Every evaluation uses the same noise
    (`seed`), so figures move only because the generator does. A `ConditionalGAN` also logs
    `conditional_accuracy`, `min_class_share` and `intra_frechet_distance` (the last when every class has at least
    2 samples and 2 real test images).

    Args:
        evaluator: An `Evaluator` (e.g. `Evaluator.for_dataset("fashion_mnist", num_samples=1000, parzen=False)`)
            or a dataset name to build one for.
        every_n_epochs: Positive int; evaluates after epochs N, 2N, ... (1-based).
        num_samples: Positive int, generated samples per evaluation (k-NN metrics need more than 5).
        seed: Int, the noise seed used at every evaluation.
        prefix: Str prepended to every logged name.
        fill_value: Optional value logged under every name on epochs without an evaluation (e.g. NaN); None logs
            nothing on those epochs.
        **evaluator_kwargs: With a dataset name: passed to `Evaluator.for_dataset` (data_dir, local_dir,
            cache_dir, image_range, ...).

    Raises:
        ValueError: if an argument is out of range.

    Example:
        >>> callback = EvaluationCallback("toy_ring", every_n_epochs=5)
        >>> history = gan.fit(keras_gan.data.toy.ring_dataset(), epochs=10, callbacks=[callback])  # doctest: +SKIP
        >>> history.history["eval_modes_covered"]  # doctest: +SKIP
        [3, 8]
    """

    def __init__(self, evaluator, *, every_n_epochs=1, num_samples=1000, seed=0, prefix="eval_", fill_value=None,
                 **evaluator_kwargs):
        super().__init__()
        for name, value in (("every_n_epochs", every_n_epochs), ("num_samples", num_samples)):
            check_positive_int(name, value)
        if num_samples <= 5:
            raise ValueError(f"num_samples must exceed 5 for the k-NN metrics, got {num_samples}.")
        if not isinstance(evaluator, Evaluator):
            evaluator = Evaluator.for_dataset(evaluator, num_samples=num_samples, parzen=False, **evaluator_kwargs)
        self.evaluator = evaluator
        self.every_n_epochs = int(every_n_epochs)
        self.num_samples = int(num_samples)
        self.seed = seed
        self.prefix = prefix
        self.fill_value = fill_value
        # {epoch (1-based): {name: value}} of every evaluation, also when logs are not kept.
        self.history = {}

    def evaluate(self):
        """Samples the generator once and returns its scalar figures {name: value} (names without the prefix)."""
        if not hasattr(self.model, "generate"):
            raise ValueError(f"EvaluationCallback needs a keras_gan.GAN (with .generate), but is attached to a "
                             f"{type(self.model).__name__}.")
        row = evaluate(self.model, self.evaluator, self.num_samples, seed=self.seed, parzen=False,
                       reference=False)["model"]
        return {name: row[name] for name in self._names() if row.get(name) is not None}

    def _names(self):
        return self.evaluator.scalar_names(conditional=isinstance(self.model, ConditionalGAN))

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            if self.fill_value is not None and logs is not None:
                logs.update({self.prefix + name: self.fill_value for name in self._names()})
            return
        metrics = self.evaluate()
        self.history[epoch + 1] = metrics
        if logs is not None:
            logs.update({self.prefix + name: value for name, value in metrics.items()})
