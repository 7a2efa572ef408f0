"""Conditional metrics: conditional accuracy and per-class (intra) Fréchet distance, alone and inside `evaluate`.

The metric functions are checked on constructed features whose answer is known. `evaluate` runs on a tiny labelled
dataset (an .npz of 8×8 images: class c lights the c-th band of rows) with a hand-made classifier that reads the
bands, so it is exact, and "generators" that return each class's template: one draws the requested class, one the
next class.
"""

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan import metrics, networks

C = 3
SHAPE = (8, 8, 1)
CONDITIONAL_KEYS = {"conditional_accuracy", "per_class_accuracy", "class_shares", "min_class_share",
                    "intra_frechet_distance", "per_class_frechet_distance"}


def _rng(seed=0):
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------------------------------------------------
# Conditional accuracy
# ------------------------------------------------------------------------------------------------------------------


def test_perfect_agreement_is_one():
    labels = np.arange(100) % 10
    assert metrics.conditional_accuracy(np.eye(10)[labels], labels) == 1.0
    assert metrics.conditional_accuracy(labels, labels) == 1.0  # Predicted labels work as probabilities do.


def test_a_generator_that_ignores_the_label_scores_about_one_over_c():
    labels = np.arange(10_000) % 10
    predicted = _rng().permutation(labels)  # Every class drawn equally often, but not the requested one.
    assert metrics.conditional_accuracy(predicted, labels) == pytest.approx(0.1, abs=0.01)


def test_per_class_accuracy_names_the_failing_class():
    requested = np.array([0, 0, 1, 1, 2, 2])
    predicted = np.array([0, 0, 1, 1, 0, 1])  # Class 2 is never drawn.
    np.testing.assert_array_equal(metrics.per_class_accuracy(predicted, requested, 3), [1.0, 1.0, 0.0])
    assert np.isnan(metrics.per_class_accuracy(predicted, requested, 4)[3])  # Never requested.


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.eye(3), [0, 1]), r"\[3\] \(one per sample\)"),
        ((np.eye(3), [0.0, 1.0, 2.0]), "integer class indices"),
        ((np.eye(3), [0, -1, 2]), "class indices >= 0"),
        ((np.zeros((0, 3)), []), "n >= 1"),
        ((np.array([0.5, 0.5]), [0, 1]), "probabilities"),
    ],
)
def test_conditional_accuracy_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        metrics.conditional_accuracy(*args)


# ------------------------------------------------------------------------------------------------------------------
# Per-class Fréchet distance
# ------------------------------------------------------------------------------------------------------------------


def _labelled_features(n=600, d=4, seed=0):
    rng = _rng(seed)
    labels = np.arange(n) % C
    return rng.normal(size=(n, d)) + 5.0 * labels[:, None], labels  # Classes far apart.


def test_per_class_fd_is_zero_for_identical_sets():
    features, labels = _labelled_features()
    distances = metrics.per_class_frechet_distance(features, labels, features, labels, C)
    np.testing.assert_allclose(distances, 0.0, atol=1e-6)
    assert metrics.intra_frechet_distance(features, labels, features, labels, C) == pytest.approx(0.0, abs=1e-6)


def test_per_class_fd_sees_the_shifted_class_only():
    features, labels = _labelled_features()
    fake = features.copy()
    fake[labels == 1] += np.array([1.0, 2.0, 0.0, 0.0])  # A mean shift of squared length 5, class 1 only.
    distances = metrics.per_class_frechet_distance(features, labels, fake, labels, C)
    np.testing.assert_allclose(distances, [0.0, 5.0, 0.0], atol=1e-6)
    assert metrics.intra_frechet_distance(features, labels, fake, labels, C) == pytest.approx(5.0 / 3)


def test_per_class_fd_sees_swapped_classes_that_the_pooled_fd_misses():
    # Generated class c looks like real class c + 1: every class is wrong, yet the pooled set is the same.
    features, labels = _labelled_features()
    swapped = (labels - 1) % C
    assert metrics.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)
    assert metrics.intra_frechet_distance(features, labels, features, swapped, C) > 20.0


def test_per_class_fd_is_the_fd_of_each_class():
    features, labels = _labelled_features(seed=1)
    fake, fake_labels = _labelled_features(n=300, seed=2)
    fake = 1.3 * fake
    distances = metrics.per_class_frechet_distance(features, labels, fake, fake_labels, C)
    for c in range(C):
        expected = metrics.frechet_distance(features[labels == c], fake[fake_labels == c])
        assert distances[c] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(fake_labels=np.array([0, 0, 1, 1, 2, 0])), r"at least 2 real and 2 generated .* class 2: 2 real, 1 "
                                                         r"generated.* n >= 6"),
        (dict(real_labels=np.array([0, 0, 0, 0, 0, 0])), "class 1: 0 real"),
        (dict(fake_labels=np.array([0, 1, 2])), r"fake_labels must be integer class indices \[6\]"),
        (dict(real_labels=np.array([0, 1, 2, 3, 0, 1])), r"real_labels must lie in \[0, 3\)"),
        (dict(fake_features=np.zeros((6, 5))), "differ in width"),
        (dict(num_classes=1), "num_classes must be an int >= 2"),
        (dict(real_features=np.full((6, 4), np.nan)), "NaN"),
    ],
)
def test_per_class_fd_rejects_bad_input(change, message):
    args = dict(real_features=np.zeros((6, 4)), real_labels=np.arange(6) % C, fake_features=np.zeros((6, 4)),
                fake_labels=np.arange(6) % C, num_classes=C)
    args.update(change)
    with pytest.raises(ValueError, match=message):
        metrics.per_class_frechet_distance(**args)


# ------------------------------------------------------------------------------------------------------------------
# evaluate on a tiny labelled dataset
# ------------------------------------------------------------------------------------------------------------------


def _templates():
    """Class c's image: rows 3c..3c+1 bright (0.9), the rest dark (0.05)."""
    templates = np.full((C, *SHAPE), 0.05, np.float32)
    for c in range(C):
        templates[c, 3 * c:3 * c + 2] = 0.9
    return templates


def _band_classifier():
    """An exact classifier: its features are the three bands' mean brightness; logits 20 × features."""
    inputs = keras.Input(SHAPE)
    x = keras.layers.Flatten()(inputs)
    bands = (_templates() > 0.5).reshape(C, -1).T.astype(np.float32)
    features = keras.layers.Dense(C, name="features")
    logits = keras.layers.Dense(C, name="logits")
    model = keras.Model(inputs, logits(features(x)))
    features.set_weights([bands / bands.sum(axis=0), np.zeros(C, np.float32)])
    logits.set_weights([20 * np.eye(C, dtype=np.float32), np.zeros(C, np.float32)])
    return metrics.Classifier(model, fingerprint="b" * 64)


def _template_generator(offset=0):
    """A generator of [z, labels] returning class (label + offset) % C's template; z is read and weighted by 0."""
    z, labels = keras.Input((2,)), keras.Input((), dtype="int32")
    shifted = keras.layers.Embedding(C, C, embeddings_initializer=keras.initializers.Constant(
        np.roll(np.eye(C), offset, axis=1)))(labels)
    images = keras.layers.Dense(int(np.prod(SHAPE)), use_bias=False, kernel_initializer=keras.initializers.Constant(
        _templates().reshape(C, -1)))(shifted)
    images = keras.layers.Add()([images, keras.layers.Dense(images.shape[-1], kernel_initializer="zeros")(z)])
    return keras.Model([z, labels], keras.layers.Reshape(SHAPE)(images))


def _gan(offset=0):
    discriminator = networks.projection_discriminator(SHAPE, num_classes=C, base_filters=4, seed=0)
    return keras_gan.ConditionalGAN(_template_generator(offset), discriminator, num_classes=C, seed=0)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """An .npz of 600 labelled images (template + noise): train 400, validation 100, test 100 by the split rule."""
    rng = _rng(3)
    labels = rng.integers(0, C, 600)
    images = np.clip(_templates()[labels] + rng.uniform(-0.04, 0.04, (600, *SHAPE)), 0, 1).astype(np.float32)
    path = tmp_path_factory.mktemp("data") / "bands.npz"
    np.savez(path, x=images, y=labels)
    return str(path)


@pytest.fixture(scope="module")
def classifier():
    return _band_classifier()


def _evaluate(source, dataset, classifier, tmp_path, **kwargs):
    kwargs = {"num_samples": 90, "seed": 1, "parzen": False, "classifier": classifier, "cache_dir": tmp_path,
              **kwargs}
    return metrics.evaluate(source, dataset, **kwargs)


def test_a_generator_of_the_requested_class_scores_conditional_accuracy_one(dataset, classifier, tmp_path):
    results = _evaluate(_gan(), dataset, classifier, tmp_path)
    model, reference = results["model"], results["reference"]
    assert results["num_classes"] == C
    assert CONDITIONAL_KEYS <= set(model) and CONDITIONAL_KEYS <= set(reference)
    assert model["conditional_accuracy"] == 1.0 and model["per_class_accuracy"] == [1.0] * C
    # A balanced request: 30 samples of each class, and the classifier agrees.
    assert model["class_histogram"] == [30] * C
    assert model["class_shares"] == [pytest.approx(1 / C)] * C and model["min_class_share"] == pytest.approx(1 / C)
    # Exact templates against noisy real images: small but not zero; the mean of the per-class figures.
    assert len(model["per_class_frechet_distance"]) == C
    assert 0 < model["intra_frechet_distance"] < 0.01
    assert model["intra_frechet_distance"] == pytest.approx(np.mean(model["per_class_frechet_distance"]))
    # Real data: the classifier on real test images, train vs test images of each class.
    assert reference["conditional_accuracy"] == 1.0
    assert 0 < reference["intra_frechet_distance"] < 0.01


def test_a_generator_of_the_wrong_class_is_caught_only_by_the_conditional_metrics(dataset, classifier, tmp_path):
    right = _evaluate(_gan(), dataset, classifier, tmp_path, reference=False)["model"]
    wrong = _evaluate(_gan(offset=1), dataset, classifier, tmp_path, reference=False)["model"]
    for key in ("frechet_distance", "precision", "recall", "coverage", "classifier_score", "class_histogram"):
        assert wrong[key] == pytest.approx(right[key], rel=1e-4), key  # The same balanced mix of images.
    assert wrong["conditional_accuracy"] == 0.0
    assert wrong["intra_frechet_distance"] > 100 * right["intra_frechet_distance"]


def test_evaluate_scores_the_balanced_mix_that_generate_draws(dataset, classifier, tmp_path):
    gan = _gan()
    by_gan = _evaluate(gan, dataset, classifier, tmp_path, reference=False)["model"]
    by_samples = _evaluate(gan.generate(90, seed=1), dataset, classifier, tmp_path, reference=False)["model"]
    assert CONDITIONAL_KEYS.isdisjoint(by_samples)  # Bare samples carry no labels: unconditional figures only.
    assert {k: v for k, v in by_gan.items() if k not in CONDITIONAL_KEYS} == by_samples
    # A bare conditional generator (and its .keras file) takes the dataset's classes and the same noise.
    gan.generator.save(tmp_path / "generator.keras")
    assert _evaluate(gan.generator, dataset, classifier, tmp_path, reference=False)["model"] == by_gan
    assert _evaluate(str(tmp_path / "generator.keras"), dataset, classifier, tmp_path,
                     reference=False)["model"] == by_gan


def test_the_conditional_reference_is_cached_apart_from_the_unconditional_one(dataset, classifier, tmp_path):
    first = _evaluate(_gan(), dataset, classifier, tmp_path)
    second = _evaluate(_gan(), dataset, classifier, tmp_path)
    unconditional = _evaluate(_gan().generate(90, seed=1), dataset, classifier, tmp_path)
    assert not first["reference_from_cache"] and second["reference_from_cache"]
    assert second["reference"] == first["reference"]
    assert not unconditional["reference_from_cache"] and CONDITIONAL_KEYS.isdisjoint(unconditional["reference"])


def test_too_few_examples_of_a_class_leave_only_the_fd_out(tmp_path, classifier, caplog):
    # The test split holds one image of class 2: no covariance for it, so no per-class FD; the rest still counts.
    rng = _rng(4)
    y_train, y_test = np.arange(60) % C, np.array([0] * 10 + [1] * 10 + [2])
    x_train, x_test = (np.clip(_templates()[y] + rng.uniform(-0.04, 0.04, (len(y), *SHAPE)), 0, 1) for y in
                       (y_train, y_test))
    np.savez(tmp_path / "few.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    model = _evaluate(_gan(), str(tmp_path / "few.npz"), classifier, tmp_path, num_samples=21)["model"]
    assert model["intra_frechet_distance"] is None and model["per_class_frechet_distance"] is None
    assert model["conditional_accuracy"] == 1.0
    assert "per class are [10, 10, 1]" in caplog.text


def test_the_report_shows_the_conditional_rows(dataset, classifier, tmp_path):
    results = metrics.evaluate_generator(_gan(), dataset, num_samples=90, parzen=False, classifier=classifier,
                                         cache_dir=tmp_path, workdir=tmp_path, verbose=False)
    markdown = (tmp_path / "eval" / "results.md").read_text()
    assert "a class-balanced request over 3 classes" in markdown
    assert "| Conditional accuracy (classified as requested) | higher | 1 | 1 |" in markdown
    assert "| Intra-class Fréchet distance (mean of per-class) | lower |" in markdown
    assert "| Smallest class share | about 1/classes | 0.3333 |" in markdown
    assert ("| Class | Model samples (classified as) | Real test | Model accuracy | Real test accuracy | Model Fréchet "
            "distance | Real Fréchet distance (train vs test) |") in markdown
    assert f"| 2 | 30 | {results['real_test_class_histogram'][2]} | 1 | 1 |" in markdown


def test_the_callback_logs_the_conditional_figures(dataset, classifier):
    evaluator = metrics.Evaluator.for_dataset(dataset, num_samples=90, parzen=False, classifier=classifier)
    callback = metrics.EvaluationCallback(evaluator, num_samples=90)
    callback.set_model(_gan())
    figures = callback.evaluate()
    assert figures["conditional_accuracy"] == 1.0 and figures["min_class_share"] == pytest.approx(1 / C)
    assert figures["intra_frechet_distance"] > 0


def test_labels_need_a_labelled_image_dataset():
    evaluator = metrics.Evaluator.for_dataset("toy_ring", num_samples=100)
    with pytest.raises(ValueError, match="not an image dataset with labels"):
        evaluator.score(evaluator.reference_examples, labels=np.arange(100) % C)


def test_a_bare_conditional_generator_needs_its_number_of_classes():
    with pytest.raises(ValueError, match="no number of classes is known"):
        metrics.generate_samples(_template_generator(), 10)
    samples, _ = metrics.generate_samples(_template_generator(), 6, num_classes=C)
    np.testing.assert_array_equal(samples, _templates()[[0, 1, 2, 0, 1, 2]])  # The balanced mix, i % C.
