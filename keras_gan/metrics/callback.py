"""A Keras callback that tracks the offline metrics during `GAN.fit`, every N epochs, through the logs dict."""

import keras
import numpy as np

from keras_gan.metrics.classifier_metrics import class_histogram, classifier_score, histogram_distance
from keras_gan.metrics.frechet import frechet_distance
from keras_gan.metrics.mixture import mode_coverage
from keras_gan.metrics.prdc import prdc

__all__ = ["EvaluationCallback"]


class EvaluationCallback(keras.callbacks.Callback):
    """Evaluates the GAN's generator every `every_n_epochs` epochs and adds the figures to the epoch's logs.

    The figures go into the `logs` dict under `prefix` + name, so `History`, the progress bar, `TensorBoard` and
    `CSVLogger` record them. Put this callback before `TensorBoard` / `CSVLogger` in the callbacks list (Keras
    calls callbacks in order; `History` and the progress bar always come last). Like Keras's `validation_freq`,
    the figures appear only on evaluation epochs, so `History` lists hold one entry per evaluation; `CSVLogger`
    fixes its columns at the first epoch, so with `every_n_epochs` > 1 pass `fill_value=float("nan")` to log a
    placeholder on the other epochs. Every evaluation uses the same noise (`seed`), so figures move only
    because the generator does.

    Two modes:

    - Images: pass a `classifier` (a `keras_gan.metrics.Classifier`, e.g. `dataset_classifier("fashion_mnist")`)
      and `real_images` in [0, 1]. Logs `classifier_score`, `frechet_distance`, `precision`, `recall`, `density`,
      `coverage` and `class_histogram_tv` against the real images' features (computed once).
    - 2-D mixtures: pass `modes` and `stddev` (e.g. `keras_gan.data.toy.ring_modes()` and `RING_STDDEV`). Logs
      `modes_covered` and `high_quality_share` (share of samples within 3σ of a mode).

    Args:
        classifier: Optional `Classifier` for the image metrics.
        real_images: Array-like [n, ...] of real images in [0, 1] (e.g. the first 1,000 test images); needed with
            `classifier`. Up to `num_samples` of them are used.
        modes: Optional array-like [num_modes, 2] of mixture means, for the mixture metrics.
        stddev: Positive float, the mixture components' standard deviation (with `modes`).
        every_n_epochs: Positive int; evaluates after epochs N, 2N, ... (1-based).
        num_samples: Positive int, generated samples per evaluation (k-NN metrics need more than 5).
        image_range: "sigmoid" (generator outputs in [0, 1]) or "tanh" ([-1, 1], mapped to [0, 1]).
        seed: Int, the noise seed used at every evaluation.
        prefix: Str prepended to every logged name.
        fill_value: Optional value logged under every name on epochs without an evaluation (e.g. NaN, which keeps
            `History` lists one entry per epoch); None logs nothing on those epochs.

    Raises:
        ValueError: if neither mode (or both) is configured, or an argument is out of range.

    Example:
        >>> from keras_gan.data import toy
        >>> callback = EvaluationCallback(modes=toy.ring_modes(), stddev=toy.RING_STDDEV, every_n_epochs=5)
        >>> history = gan.fit(toy.ring_dataset(), epochs=10, callbacks=[callback])  # doctest: +SKIP
        >>> history.history["eval_modes_covered"]  # doctest: +SKIP
        [3, 8]
    """

    def __init__(
        self,
        classifier=None,
        real_images=None,
        *,
        modes=None,
        stddev=None,
        every_n_epochs=1,
        num_samples=1000,
        image_range="sigmoid",
        seed=0,
        prefix="eval_",
        fill_value=None,
    ):
        super().__init__()
        for name, value in (("every_n_epochs", every_n_epochs), ("num_samples", num_samples)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}.")
        images_mode = classifier is not None or real_images is not None
        mixture_mode = modes is not None or stddev is not None
        if images_mode == mixture_mode:
            raise ValueError(
                "EvaluationCallback needs exactly one mode: classifier= and real_images= (images), or modes= and "
                "stddev= (2-D mixtures)."
            )
        if images_mode and (classifier is None or real_images is None):
            raise ValueError("Image metrics need both classifier= and real_images=.")
        if mixture_mode and (modes is None or stddev is None or not stddev > 0):
            raise ValueError("Mixture metrics need modes= and a positive stddev=.")
        if image_range not in ("sigmoid", "tanh"):
            raise ValueError(f"image_range must be 'sigmoid' or 'tanh', got {image_range!r}.")
        if images_mode and num_samples <= 5:
            raise ValueError(f"num_samples must exceed 5 for the k-NN metrics, got {num_samples}.")
        self.classifier = classifier
        self.modes = None if modes is None else np.asarray(modes, np.float32)
        self.stddev = stddev
        self.every_n_epochs = int(every_n_epochs)
        self.num_samples = int(num_samples)
        self.image_range = image_range
        self.seed = seed
        self.prefix = prefix
        self.fill_value = fill_value
        self._names = (
            ("modes_covered", "high_quality_share")
            if mixture_mode
            else ("classifier_score", "frechet_distance", "precision", "recall", "density", "coverage",
                  "class_histogram_tv")
        )
        # {epoch (1-based): {name: value}} of every evaluation, also when logs are not kept.
        self.history = {}
        self._real_features = None
        self._real_counts = None
        if images_mode:
            real_images = np.asarray(real_images, np.float32)[:num_samples]
            if len(real_images) <= 5:
                raise ValueError(f"real_images must hold more than 5 images, got {len(real_images)}.")
            self._real_images = real_images

    @classmethod
    def from_dataset(cls, dataset, *, cache_dir=None, data_dir=None, local_dir=None, **kwargs):
        """Builds the callback for a named dataset: "ring" / "grid", or an image dataset (cached classifier).

        Args:
            dataset: Str, "ring", "grid", or a name `keras_gan.data.load_arrays` knows (e.g. "fashion_mnist"); for
                images the real side is the test split and the classifier is `dataset_classifier(dataset)`
                (trained on first use, a few minutes on 2 CPU cores, then cached).
            cache_dir: Optional classifier cache folder (see `default_cache_dir`).
            data_dir: Optional TFDS data folder.
            local_dir: Optional folder of IDX files.
            **kwargs: Passed to `EvaluationCallback` (`every_n_epochs`, `num_samples`, `image_range`, ...).

        Returns:
            An `EvaluationCallback`.

        Example:
            >>> callback = EvaluationCallback.from_dataset("ring", every_n_epochs=10)
        """
        if dataset in ("ring", "grid"):
            from keras_gan.data import toy

            if dataset == "ring":
                return cls(modes=toy.ring_modes(), stddev=toy.RING_STDDEV, **kwargs)
            return cls(modes=toy.grid_modes(), stddev=toy.GRID_STDDEV, **kwargs)
        from keras_gan import data
        from keras_gan.metrics.classifier import dataset_classifier

        classifier = dataset_classifier(dataset, cache_dir=cache_dir, data_dir=data_dir, local_dir=local_dir)
        test_images, _ = data.load_arrays(dataset, "test", data_dir=data_dir, local_dir=local_dir)
        return cls(classifier, test_images, **kwargs)

    def _samples(self):
        model = self.model
        if not hasattr(model, "generate"):
            raise ValueError(
                f"EvaluationCallback needs a keras_gan.GAN (with .generate), but is attached to a "
                f"{type(model).__name__}."
            )
        return np.asarray(model.generate(self.num_samples, seed=self.seed), np.float32)

    def evaluate(self):
        """Samples the generator once and returns {name: value} (names without the prefix)."""
        samples = self._samples()
        if self.modes is not None:
            coverage = mode_coverage(samples.reshape(len(samples), -1), self.modes, self.stddev)
            return {"modes_covered": coverage["modes_covered"], "high_quality_share": coverage["high_quality_share"]}
        if self._real_features is None:
            self._real_features, real_probs = self.classifier.predict(self._real_images)
            self._real_counts = class_histogram(real_probs)
        if self.image_range == "tanh":
            samples = (samples + 1.0) / 2.0
        features, probs = self.classifier.predict(np.clip(samples, 0.0, 1.0))
        metrics = {
            "classifier_score": classifier_score(probs),
            "frechet_distance": frechet_distance(self._real_features, features),
        }
        metrics.update(prdc(self._real_features, features, k_precision_recall=3, k_density_coverage=5))
        metrics["class_histogram_tv"] = histogram_distance(class_histogram(probs), self._real_counts)
        return metrics

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            if self.fill_value is not None and logs is not None:
                logs.update({self.prefix + name: self.fill_value for name in self._names})
            return
        metrics = self.evaluate()
        self.history[epoch + 1] = metrics
        if logs is not None:
            logs.update({self.prefix + name: value for name, value in metrics.items()})
