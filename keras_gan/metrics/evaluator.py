"""`Evaluator`: the real-data side of evaluating models of one dataset, prepared once, used by every caller.

What it scores depends on the dataset's registered evaluation (`keras_gan.data.DatasetSpec.evaluation`):

- "images": the paper's Parzen protocol (window on the samples, sigma chosen on 1,000 validation images, mean ±
  std/sqrt(N) on the test split), and on features of the test images: Fréchet distance, precision/recall (k=3),
  density/coverage (k=5). With labels the features are the package's cached classifier's (plus the classifier
  score and the class histogram); without labels they are the pixels themselves. Samples of a class-conditional
  model, scored with the labels they were requested as, add conditional accuracy, per-class class shares and the
  per-class Fréchet distance against the test images of each class (`keras_gan.metrics.conditional`).
- "mixture" (2-D Gaussian mixtures): modes covered, share within 3σ of a mode, and the k-NN metrics on the points.
- "moments" (1-D Gaussian): sample mean and standard deviation beside the data's.
"""

import numpy as np

from keras_gan import pictures, progress
from keras_gan.data import registry
from keras_gan.metrics import classifier as classifier_lib
from keras_gan.metrics.classifier_metrics import class_histogram, classifier_score, histogram_distance
from keras_gan.metrics.conditional import (
    MIN_SAMPLES_PER_CLASS, conditional_accuracy, per_class_accuracy, per_class_frechet_distance,
)
from keras_gan.metrics.frechet import frechet_distance
from keras_gan.metrics.mixture import mode_coverage
from keras_gan.metrics.parzen import PAPER_SIGMAS, parzen_evaluation
from keras_gan.metrics.prdc import prdc
from keras_gan.progress import logger

__all__ = ["Evaluator"]


class Evaluator:
    """Scores samples of one dataset against its real data; build it once (`for_dataset`), score many times.

    Args:
        spec: The `keras_gan.data.DatasetSpec` evaluated.
        real: Real examples the samples are compared with (test images in [0, 1], or mixture points).
        classifier: Images with labels: a `keras_gan.metrics.Classifier` giving features and class probabilities;
            None compares pixels.
        parzen_data: Images: (validation, test) images for the Parzen protocol (sigma chosen on the first 1,000
            validation images, the mean over every test image); None: no Parzen.
        reference_examples: Real examples scored as if they were samples, for the real-data reference row (real
            train images for image datasets).
        image_range: Images: the generator's output range, "sigmoid", "tanh" or "auto".
        real_labels: Optional int array [len(real)], the true classes of `real` (for the conditional metrics).
        reference_labels: Optional int array [len(reference_examples)], their true classes.

    Example:
        >>> evaluator = Evaluator.for_dataset("toy_ring", num_samples=1000)
        >>> evaluator.score(evaluator.reference_examples)["modes_covered"]
        8
    """

    def __init__(self, spec, real=None, *, classifier=None, parzen_data=None, reference_examples=None,
                 image_range="auto", real_labels=None, reference_labels=None):
        self.spec = spec
        self.real = real
        self.classifier = classifier
        self.parzen_data = parzen_data
        self.reference_examples = reference_examples
        self.image_range = image_range
        self.real_labels = None if real_labels is None else np.asarray(real_labels, np.int64)
        self.reference_labels = None if reference_labels is None else np.asarray(reference_labels, np.int64)
        self._real_features = None
        self._real_probs = None
        self._real_counts = None

    @classmethod
    def for_dataset(cls, dataset, *, num_samples=10_000, seed=0, data_dir=None, local_dir=None, classifier=None,
                    cache_dir=None, parzen=True, image_range="auto"):
        """Loads what evaluating models of `dataset` needs (image splits, the cached classifier, mixture points).

        Args:
            dataset: A dataset name (see `keras_gan.data.get_dataset`) or a `DatasetSpec`.
            num_samples: Positive int, samples each evaluation will score (real sets are cut to this size).
            seed: Int seeding the toy datasets' real and reference points.
            data_dir: Optional TFDS data folder.
            local_dir: Optional folder of IDX files.
            classifier: Optional `Classifier`; default the cached one for a labelled image dataset.
            cache_dir: Optional cache folder for classifiers.
            parzen: Bool, whether image evaluations will run the Parzen protocol (loads the validation split).
            image_range: Images: "sigmoid", "tanh" or "auto", the generator's output range.

        Returns:
            An `Evaluator`.

        Raises:
            ValueError: if the dataset cannot be loaded (the message names the fix).
        """
        spec = dataset if isinstance(dataset, registry.DatasetSpec) else registry.get_dataset(dataset)
        if spec.kind == "points":
            n = max(int(num_samples), 1)
            real, _ = spec.load("validation", seed=seed, num_examples=n)
            reference, _ = spec.load("test", seed=seed, num_examples=n)
            return cls(spec, real, reference_examples=reference)
        kwargs = dict(data_dir=data_dir, local_dir=local_dir)
        with progress.phase(f"Loading {spec.name} (train, test{', validation' if parzen else ''})"):
            train_images, train_labels = spec.load("train", **kwargs)
            test_images, test_labels = spec.load("test", **kwargs)
            parzen_data = (spec.load("validation", **kwargs)[0], test_images) if parzen else None
        if classifier is None and train_labels is not None and test_labels is not None:
            classifier = classifier_lib.load_or_train_classifier(
                train_images, train_labels, name=spec.name, cache_dir=cache_dir, test_data=(test_images, test_labels)
            )
        return cls(spec, test_images[:num_samples], classifier=classifier, parzen_data=parzen_data,
                   reference_examples=train_images[:num_samples], image_range=image_range,
                   real_labels=None if test_labels is None else test_labels[:num_samples],
                   reference_labels=None if train_labels is None else train_labels[:num_samples])

    @property
    def num_classes(self):
        """The dataset's number of classes: the classifier's, else the real labels' largest + 1; None without."""
        if self.classifier is not None:
            return self.classifier.num_classes
        return None if self.real_labels is None else int(self.real_labels.max()) + 1

    # ------------------------------------------------------------------------------------------------------------

    def _features(self, images):
        if self.classifier is None:
            return images.reshape(len(images), -1), None
        return self.classifier.predict(images, batch_size=500)

    def _real_side(self):
        if self._real_features is None:
            self._real_features, self._real_probs = self._features(np.asarray(self.real, np.float32))
            self._real_counts = None if self._real_probs is None else class_histogram(self._real_probs)
        return self._real_features, self._real_counts

    def score(self, samples, *, parzen=True, batch_size=1000, image_range=None, labels=None, num_classes=None):
        """Every metric of this dataset's evaluation for one set of samples.

        Args:
            samples: Array [n, ...]: generator outputs (images in the generator's range), or real examples.
            parzen: Bool, run the Parzen protocol (images, when validation images were loaded).
            batch_size: Positive int, distance-matrix rows held at once.
            image_range: Images: overrides the evaluator's range ("sigmoid" for real images in [0, 1]).
            labels: Optional int array [n], the class each sample was requested as (a conditional model's); adds
                the conditional metrics (see `conditional_row`).
            num_classes: With `labels`: the model's number of classes C (default `self.num_classes`).

        Returns:
            Dict metric name -> value (JSON-ready).

        Raises:
            ValueError: if the samples do not fit the dataset or hold NaN/inf, or labels are given for a dataset
                that is not one of images.
        """
        samples = np.asarray(samples, np.float32)
        if labels is not None and self.spec.evaluation != "images":
            raise ValueError(f"{self.spec.name} is not an image dataset with labels: its samples cannot be scored "
                             "as a class-conditional model's. Evaluate a conditional model on labelled images.")
        if not np.isfinite(samples).all():
            raise ValueError("The samples hold NaN or infinite values: the model diverged. Evaluate an earlier "
                             "checkpoint or retrain with a lower learning rate.")
        if self.spec.evaluation == "moments":
            flat = samples.reshape(-1)
            return {"sample_mean": float(flat.mean()), "sample_stddev": float(flat.std()),
                    "data_mean": self.spec.mean, "data_stddev": self.spec.stddev}
        if self.spec.evaluation == "mixture":
            return self._mixture_row(samples, batch_size)
        return self._image_row(samples, parzen, batch_size, image_range or self.image_range, labels, num_classes)

    def _mixture_row(self, samples, batch_size):
        modes = self.spec.modes
        points = samples.reshape(len(samples), -1)
        if points.shape[1] != modes.shape[1]:
            raise ValueError(f"{self.spec.name} holds {modes.shape[1]}-D points, but the samples have shape "
                             f"{samples.shape}; evaluate a generator of this dataset.")
        coverage = mode_coverage(points, modes, self.spec.stddev)
        row = {"modes_covered": coverage["modes_covered"], "num_modes": coverage["num_modes"],
               "high_quality_share": coverage["high_quality_share"], "mode_counts": coverage["counts"].tolist()}
        row["frechet_distance"] = frechet_distance(self.real, points)
        row.update(prdc(self.real, points, k_precision_recall=3, k_density_coverage=5, batch_size=batch_size))
        return row

    def _image_row(self, samples, parzen, batch_size, image_range, labels=None, num_classes=None):
        shape = np.asarray(self.real).shape[1:]
        size = int(np.prod(shape))
        if samples.ndim < 2 or int(np.prod(samples.shape[1:])) != size:
            raise ValueError(
                f"Samples of shape {samples.shape} do not fit {self.spec.name}'s images {tuple(shape)}; the generator "
                f"must output [n, {size}] or [n, {', '.join(map(str, shape))}]."
            )
        samples, used_range = pictures.to_unit_range(samples.reshape((-1,) + tuple(shape)), image_range)
        row = {"image_range": used_range}
        if parzen and self.parzen_data is not None:
            validation, test = self.parzen_data
            result = parzen_evaluation(samples, validation, test, PAPER_SIGMAS, num_validation=1000, batch_size=100)
            row.update(parzen_log_likelihood=result["mean"], parzen_stderr=result["stderr"],
                       parzen_sigma=result["sigma"], parzen_validation_means=result["validation_means"])
        real_features, real_counts = self._real_side()
        features, probs = self._features(samples)
        row["frechet_distance"] = frechet_distance(real_features, features)
        row.update(prdc(real_features, features, k_precision_recall=3, k_density_coverage=5, batch_size=batch_size))
        if probs is not None:
            counts = class_histogram(probs)
            row.update(classifier_score=classifier_score(probs), class_histogram=counts.tolist(),
                       class_histogram_tv=histogram_distance(counts, real_counts),
                       max_class_share=float(counts.max() / counts.sum()))
        if labels is not None:
            row.update(self.conditional_row(features, probs, labels, num_classes or self.num_classes))
        return row

    def conditional_row(self, features, probs, labels, num_classes):
        """The conditional metrics of samples requested as `labels`, from their features and class probabilities.

        Every key is present; a figure that cannot be computed is None: the accuracies and shares without a
        classifier, the Fréchet distances without real labels or with fewer than 2 real or generated examples of
        some class (logged with the counts).

        Args:
            features: Float array [n, d], the samples' features (the classifier's, or pixels).
            probs: Float array [n, K] of class probabilities, or None without a classifier.
            labels: Int array [n], the requested classes.
            num_classes: Int C >= 2, the model's number of classes.

        Returns:
            Dict with `conditional_accuracy`, `per_class_accuracy` [C], `class_shares` [K] (share of samples
            classified as each class), `min_class_share`, `intra_frechet_distance` (mean of the next) and
            `per_class_frechet_distance` [C].

        Raises:
            ValueError: if the labels do not match the samples or lie outside [0, num_classes).
        """
        row = dict.fromkeys(("conditional_accuracy", "per_class_accuracy", "class_shares", "min_class_share",
                             "intra_frechet_distance", "per_class_frechet_distance"))
        if probs is not None:
            row["per_class_accuracy"] = _json_list(per_class_accuracy(probs, labels, num_classes))
            row["conditional_accuracy"] = conditional_accuracy(probs, labels)
            shares = class_histogram(probs) / len(probs)
            row.update(class_shares=shares.tolist(), min_class_share=float(shares.min()))
        real_features, _ = self._real_side()
        if self.real_labels is None:
            return row
        if self.real_labels.max() >= num_classes:
            logger.warning("No per-class Fréchet distance: the real data has class %d, but the model only %d classes.",
                           self.real_labels.max(), num_classes)
            return row
        real_counts = np.bincount(self.real_labels, minlength=num_classes)
        fake_counts = np.bincount(np.asarray(labels, np.int64), minlength=num_classes)
        if min(real_counts.min(), fake_counts.min()) < MIN_SAMPLES_PER_CLASS:
            # Too few for a covariance: the other figures still count, so this one is None rather than an error.
            logger.warning(
                "No per-class Fréchet distance: it needs %d real and %d generated examples of each of the %d classes; "
                "the real examples per class are %s and the generated %s. Evaluate more samples.",
                MIN_SAMPLES_PER_CLASS, MIN_SAMPLES_PER_CLASS, num_classes, real_counts.tolist(), fake_counts.tolist())
            return row
        distances = per_class_frechet_distance(real_features, self.real_labels, features, labels, num_classes)
        row.update(intra_frechet_distance=float(distances.mean()), per_class_frechet_distance=distances.tolist())
        return row

    def real_accuracy(self, num_classes=None):
        """The classifier's conditional accuracy on the real test images with their true labels (None without).

        Args:
            num_classes: Optional int C, the length of `per_class_accuracy` (default `self.num_classes`).

        Returns:
            None (no classifier, no labels, or real classes beyond C), or a dict with `conditional_accuracy` and
            `per_class_accuracy` [C].
        """
        self._real_side()
        num_classes = num_classes or self.num_classes
        if self._real_probs is None or self.real_labels is None or self.real_labels.max() >= num_classes:
            return None
        return {"conditional_accuracy": conditional_accuracy(self._real_probs, self.real_labels),
                "per_class_accuracy": _json_list(per_class_accuracy(self._real_probs, self.real_labels,
                                                                    num_classes))}

    def scalar_names(self, parzen=False, conditional=False):
        """The names of the scalar figures `score` returns, known before any scoring (for logs' columns).

        Args:
            parzen: Bool, whether the Parzen figures are included.
            conditional: Bool, whether the samples are a conditional model's (scored with their labels).

        Returns:
            Tuple of str.
        """
        knn = ("frechet_distance", "precision", "recall", "density", "coverage")
        if self.spec.evaluation == "moments":
            return ("sample_mean", "sample_stddev", "data_mean", "data_stddev")
        if self.spec.evaluation == "mixture":
            return ("modes_covered", "num_modes", "high_quality_share") + knn
        names = ("parzen_log_likelihood", "parzen_stderr", "parzen_sigma") if parzen and self.parzen_data else ()
        names += knn
        if self.classifier is not None:
            names += ("classifier_score", "class_histogram_tv", "max_class_share")
        if conditional:
            names += ("conditional_accuracy", "min_class_share", "intra_frechet_distance")
        return names

    def real_class_histogram(self):
        """The classifier's class histogram of the real test images (None without a classifier)."""
        counts = self._real_side()[1]
        return None if counts is None else counts.tolist()


def _json_list(values):
    """A float array as a JSON-ready list, NaN (a class never requested) as None."""
    return [None if np.isnan(v) else float(v) for v in values]
