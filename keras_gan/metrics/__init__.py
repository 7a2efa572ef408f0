"""Evaluation metrics that run offline: the paper's Parzen protocol, classifier-based metrics, mode coverage.

Pure functions, one signature per family, computed in TensorFlow with bounded memory:

    parzen_log_likelihood(samples, x, sigma, batch_size)      parzen_evaluation(samples, validation, test)
    frechet_distance(real_features, fake_features)            precision_recall(real_features, fake_features, k=3)
    density_coverage(real_features, fake_features, k=5)       classifier_score(probs)
    class_histogram(probs)                                    mode_coverage(samples, modes, stddev)
    prdc(real_features, fake_features) (all four k-NN metrics in shared passes)
    conditional_accuracy(probs, requested_labels)             per_class_accuracy(probs, requested_labels, C)
    per_class_frechet_distance(real_features, real_labels, fake_features, fake_labels, C)
    intra_frechet_distance(real_features, real_labels, fake_features, fake_labels, C)

plus the package's cached classifier (`dataset_classifier`), `Evaluator` (a dataset's real-data side, prepared
once), `evaluate` (the one evaluation function), `evaluate_generator` (`evaluate`, then eval/results.json and
eval/results.md) and `EvaluationCallback` (`evaluate` during training).
"""

from keras_gan.metrics.callback import EvaluationCallback
from keras_gan.metrics.classifier import (
    Classifier,
    classifier_fingerprint,
    classifier_network,
    dataset_classifier,
    default_cache_dir,
    load_or_train_classifier,
    train_classifier,
)
from keras_gan.metrics.classifier_metrics import class_histogram, classifier_score, histogram_distance
from keras_gan.metrics.conditional import (
    conditional_accuracy, intra_frechet_distance, per_class_accuracy, per_class_frechet_distance,
)
from keras_gan.metrics.evaluation import evaluate, evaluate_generator, generate_samples, results_markdown
from keras_gan.metrics.evaluator import Evaluator
from keras_gan.metrics.frechet import frechet_distance, gaussian_frechet_distance
from keras_gan.metrics.mixture import mode_coverage
from keras_gan.metrics.parzen import PAPER_SIGMAS, parzen_evaluation, parzen_log_likelihood
from keras_gan.metrics.prdc import density_coverage, prdc, precision_recall

__all__ = [
    "PAPER_SIGMAS",
    "Classifier",
    "EvaluationCallback",
    "Evaluator",
    "evaluate",
    "class_histogram",
    "classifier_fingerprint",
    "classifier_network",
    "classifier_score",
    "conditional_accuracy",
    "dataset_classifier",
    "default_cache_dir",
    "density_coverage",
    "evaluate_generator",
    "frechet_distance",
    "gaussian_frechet_distance",
    "generate_samples",
    "histogram_distance",
    "intra_frechet_distance",
    "load_or_train_classifier",
    "mode_coverage",
    "parzen_evaluation",
    "parzen_log_likelihood",
    "per_class_accuracy",
    "per_class_frechet_distance",
    "prdc",
    "precision_recall",
    "results_markdown",
    "train_classifier",
]
