"""`Evaluator`: the real-data side of evaluating models of one dataset, prepared once, used by every caller.

What it scores depends on the dataset's registered evaluation (`keras_gan.data.DatasetSpec.evaluation`):

- "images": the paper's Parzen protocol (window on the samples, sigma chosen on 1,000 validation images, mean ±
  std/sqrt(N) on the test split), and on features of the test images: Fréchet distance, precision/recall (k=3),
  density/coverage (k=5). With labels the features are the package's cached classifier's (plus the classifier
  score and the class histogram); without labels they are the pixels themselves.
- "mixture" (2-D Gaussian mixtures): modes covered, share within 3σ of a mode, and the k-NN metrics on the points.
- "moments" (1-D Gaussian): sample mean and standard deviation beside the data's.
"""

import numpy as np

from keras_gan import pictures, progress
from keras_gan.data import registry
from keras_gan.metrics import classifier as classifier_lib
from keras_gan.metrics.classifier_metrics import class_histogram, classifier_score, histogram_distance
from keras_gan.metrics.frechet import frechet_distance
from keras_gan.metrics.mixture import mode_coverage
from keras_gan.metrics.parzen import PAPER_SIGMAS, parzen_evaluation
from keras_gan.metrics.prdc import prdc

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

    Example:
        >>> evaluator = Evaluator.for_dataset("toy_ring", num_samples=1000)
        >>> evaluator.score(evaluator.reference_examples)["modes_covered"]
        8
    """

    def __init__(self, spec, real=None, *, classifier=None, parzen_data=None, reference_examples=None,
                 image_range="auto"):
        self.spec = spec
        self.real = real
        self.classifier = classifier
        self.parzen_data = parzen_data
        self.reference_examples = reference_examples
        self.image_range = image_range
        self._real_features = None
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
                   reference_examples=train_images[:num_samples], image_range=image_range)

    # ------------------------------------------------------------------------------------------------------------

    def _features(self, images):
        if self.classifier is None:
            return images.reshape(len(images), -1), None
        return self.classifier.predict(images, batch_size=500)

    def _real_side(self):
        if self._real_features is None:
            self._real_features, probs = self._features(np.asarray(self.real, np.float32))
            self._real_counts = None if probs is None else class_histogram(probs)
        return self._real_features, self._real_counts

    def score(self, samples, *, parzen=True, batch_size=1000, image_range=None):
        """Every metric of this dataset's evaluation for one set of samples.

        Args:
            samples: Array [n, ...]: generator outputs (images in the generator's range), or real examples.
            parzen: Bool, run the Parzen protocol (images, when validation images were loaded).
            batch_size: Positive int, distance-matrix rows held at once.
            image_range: Images: overrides the evaluator's range ("sigmoid" for real images in [0, 1]).

        Returns:
            Dict metric name -> value (JSON-ready).

        Raises:
            ValueError: if the samples do not fit the dataset or hold NaN/inf.
        """
        samples = np.asarray(samples, np.float32)
        if not np.isfinite(samples).all():
            raise ValueError("The samples hold NaN or infinite values: the model diverged. Evaluate an earlier "
                             "checkpoint or retrain with a lower learning rate.")
        if self.spec.evaluation == "moments":
            flat = samples.reshape(-1)
            return {"sample_mean": float(flat.mean()), "sample_stddev": float(flat.std()),
                    "data_mean": self.spec.mean, "data_stddev": self.spec.stddev}
        if self.spec.evaluation == "mixture":
            return self._mixture_row(samples, batch_size)
        return self._image_row(samples, parzen, batch_size, image_range or self.image_range)

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

    def _image_row(self, samples, parzen, batch_size, image_range):
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
        return row

    def scalar_names(self, parzen=False):
        """The names of the scalar figures `score` returns, known before any scoring (for logs' columns).

        Args:
            parzen: Bool, whether the Parzen figures are included.

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
        return names

    def real_class_histogram(self):
        """The classifier's class histogram of the real test images (None without a classifier)."""
        counts = self._real_side()[1]
        return None if counts is None else counts.tolist()
