"""keras_gan.metrics' classifier, evaluate_generator and EvaluationCallback, on small real and synthetic data.

The image tests use a small classifier trained for a few seconds on 3,000 Fashion-MNIST images; the full one
(>= 90 % test accuracy) is trained by the slow test at the end.
"""

import functools
import json
import os
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import metrics
from keras_gan.metrics import classifier as classifier_lib

_SMALL = {"epochs": 1, "batch_size": 32}
# Captured before any test monkeypatches keras_gan.data.load_arrays.
_LOAD_ARRAYS = keras_gan.data.load_arrays


@functools.lru_cache(maxsize=None)
def fashion_mnist(split):
    """A Fashion-MNIST split from keras_gan.data.load_arrays, read once per test session."""
    try:
        return _LOAD_ARRAYS("fashion_mnist", split)
    except (ValueError, OSError, ConnectionError) as error:
        pytest.skip(f"Fashion-MNIST is not available offline here: {error}")


def _tiny_data(seed=0, n=64):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    images = rng.uniform(0, 0.5, size=(n, 8, 8, 1)).astype(np.float32)
    images[labels == 1, :4] += 0.5  # Class 1 is bright on top: learnable.
    return images, labels


@pytest.fixture(scope="module")
def small_classifier():
    """A classifier trained in seconds on 3,000 Fashion-MNIST train images (about 80 % test accuracy)."""
    images, labels = fashion_mnist("train")
    model = metrics.train_classifier(images[:3000], labels[:3000], num_classes=10, training={"epochs": 2}, seed=0)
    return metrics.Classifier(model)


@pytest.fixture(scope="module")
def fashion_test():
    return fashion_mnist("test")


# ------------------------------------------------------------------------------------------------------------------
# The classifier and its cache
# ------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def untrained(monkeypatch):
    """Replaces training by an untrained network and counts the calls: the cache logic, without the cost."""
    calls = []

    def train(images, labels, *, num_classes=None, architecture=None, training=None, seed=0, **kwargs):
        calls.append(seed)
        return metrics.classifier_network(images.shape[1:], 2, architecture, seed)

    monkeypatch.setattr(classifier_lib, "train_classifier", train)
    return calls


def test_cache_is_hit_the_second_time(tmp_path):
    images, labels = _tiny_data()
    first = metrics.load_or_train_classifier(images, labels, name="tiny", cache_dir=tmp_path, training=_SMALL)
    assert not first.from_cache and first.metadata["train_seconds"] >= 0
    second = metrics.load_or_train_classifier(images, labels, name="tiny", cache_dir=tmp_path, training=_SMALL)
    assert second.from_cache and second.fingerprint == first.fingerprint
    assert second.metadata == first.metadata
    for a, b in zip(first.model.weights, second.model.weights):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    np.testing.assert_allclose(second.predict(images)[1], first.predict(images)[1], atol=1e-6)
    # Nothing half-written: exactly one model and its metadata.
    assert sorted(p.suffix for p in (tmp_path / "classifiers").iterdir()) == [".json", ".keras"]


def test_cached_classifier_is_not_retrained(tmp_path, untrained):
    images, labels = _tiny_data()
    for _ in range(3):
        metrics.load_or_train_classifier(images, labels, name="tiny", cache_dir=tmp_path)
    assert len(untrained) == 1


@pytest.mark.parametrize(
    "change",
    [
        dict(seed=1),
        dict(name="other"),
        dict(training={"epochs": 2, "batch_size": 32}),
        dict(architecture={"dense_units": 16}),
        dict(images_offset=0.01),
    ],
)
def test_changed_fingerprint_retrains(tmp_path, untrained, change):
    images, labels = _tiny_data()
    base = dict(name="tiny", cache_dir=tmp_path, training=_SMALL)
    first = metrics.load_or_train_classifier(images, labels, **base)
    images = images + change.pop("images_offset", 0.0)
    second = metrics.load_or_train_classifier(images, labels, **{**base, **change})
    assert not second.from_cache and len(untrained) == 2
    assert second.fingerprint != first.fingerprint
    assert len(list((tmp_path / "classifiers").glob("*.keras"))) == 2


def test_code_version_is_in_the_fingerprint(tmp_path, untrained, monkeypatch):
    images, labels = _tiny_data()
    metrics.load_or_train_classifier(images, labels, name="tiny", cache_dir=tmp_path)
    monkeypatch.setattr(classifier_lib, "CLASSIFIER_CODE_VERSION", classifier_lib.CLASSIFIER_CODE_VERSION + 1)
    assert not metrics.load_or_train_classifier(images, labels, name="tiny", cache_dir=tmp_path).from_cache
    assert len(untrained) == 2


def test_fingerprint_records_what_decides_the_weights():
    images, labels = _tiny_data()
    fingerprint, fields = metrics.classifier_fingerprint("tiny", images, labels, seed=3)
    assert len(fingerprint) == 64
    assert fields["num_examples"] == 64 and fields["seed"] == 3 and fields["dataset"] == "tiny"
    assert set(fields) >= {"content_sha256", "architecture", "training", "code_version", "image_shape"}
    assert metrics.classifier_fingerprint("tiny", images, labels, seed=3)[0] == fingerprint


def test_training_is_deterministic():
    images, labels = _tiny_data()
    a = metrics.train_classifier(images, labels, training=_SMALL, seed=5)
    b = metrics.train_classifier(images, labels, training=_SMALL, seed=5)
    for wa, wb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(np.array(wa), np.array(wb))


def test_damaged_cache_entry_is_retrained(tmp_path, untrained):
    images, labels = _tiny_data()
    first = metrics.load_or_train_classifier(images, labels, name="tiny", cache_dir=tmp_path)
    with open(first.path, "wb") as f:
        f.write(b"not a zip file")
    second = metrics.load_or_train_classifier(images, labels, name="tiny", cache_dir=tmp_path)
    assert not second.from_cache and len(untrained) == 2
    assert keras.models.load_model(second.path) is not None


def test_classifier_rejects_bad_input(tmp_path):
    images, labels = _tiny_data()
    with pytest.raises(ValueError, match="height, width, channels"):
        metrics.train_classifier(images.reshape(64, -1), labels)
    with pytest.raises(ValueError, match="one per image"):
        metrics.train_classifier(images, labels[:10])
    with pytest.raises(ValueError, match="Unknown training keys"):
        metrics.train_classifier(images, labels, training={"epoch": 1})
    clf = metrics.Classifier(metrics.classifier_network((8, 8, 1), 2))
    with pytest.raises(ValueError, match="do not fit"):
        clf.predict(np.zeros((3, 7, 7, 1)))


def test_predict_takes_flat_or_image_batches(small_classifier, fashion_test):
    images = fashion_test[0][:10]
    features, probs = small_classifier.predict(images)
    flat_features, flat_probs = small_classifier.predict(images.reshape(10, 784), batch_size=3)
    assert features.shape == (10, 128) and probs.shape == (10, 10)
    np.testing.assert_allclose(flat_probs, probs, atol=1e-5)
    np.testing.assert_allclose(flat_features, features, rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------------------------------------------------------
# Mode dropping: a "generator" that emits only one class
# ------------------------------------------------------------------------------------------------------------------


def test_one_class_generator_scores_low(small_classifier, fashion_test):
    test_images, test_labels = fashion_test
    train_images, train_labels = fashion_mnist("train")
    real_features, _ = small_classifier.predict(test_images[:1000])
    diverse = train_images[:1000]  # Real images of every class: the reference.
    one_class = train_images[train_labels == 7][:1000]  # Real sneakers only: perfect quality, one mode.
    scores = {}
    for name, images in (("diverse", diverse), ("one_class", one_class)):
        features, probs = small_classifier.predict(images)
        scores[name] = {
            "score": metrics.classifier_score(probs),
            **metrics.density_coverage(real_features, features),
            **metrics.precision_recall(real_features, features),
            "histogram": metrics.class_histogram(probs),
            "frechet": metrics.frechet_distance(real_features, features),
        }
    diverse, one_class = scores["diverse"], scores["one_class"]
    assert diverse["score"] > 5.0 and one_class["score"] < 1.5
    assert diverse["coverage"] > 0.8 and one_class["coverage"] < 0.25  # Sneakers are 10 % of the test set.
    assert one_class["recall"] < 0.5 * diverse["recall"]
    assert one_class["histogram"].argmax() == 7 and one_class["histogram"][7] > 800
    assert one_class["frechet"] > 5 * diverse["frechet"]


# ------------------------------------------------------------------------------------------------------------------
# evaluate_generator
# ------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def small_fashion(monkeypatch):
    """keras_gan.data.load_arrays limited to small slices, so the whole protocol runs in seconds."""
    sizes = {"train": 2000, "validation": 1000, "test": 500}

    def load_arrays(name, split="train", *, data_dir=None, local_dir=None):
        assert name == "fashion_mnist"
        images, labels = fashion_mnist(split)
        return images[: sizes[split]], labels[: sizes[split]]

    monkeypatch.setattr(keras_gan.data.images, "load_arrays", load_arrays)
    return load_arrays


def test_evaluate_generator_writes_reports_with_the_reference(small_classifier, small_fashion, tmp_path):
    train_images, train_labels = fashion_mnist("train")
    one_class = train_images[train_labels == 7][:400]
    results = metrics.evaluate_generator(
        one_class, "fashion_mnist", num_samples=400, workdir=tmp_path, classifier=small_classifier,
        cache_dir=tmp_path / "cache", verbose=False,
    )
    model, reference = results["model"], results["reference"]
    for row in (model, reference):
        assert set(row) >= {"parzen_log_likelihood", "parzen_stderr", "parzen_sigma", "classifier_score",
                            "frechet_distance", "precision", "recall", "density", "coverage", "class_histogram"}
    assert model["coverage"] < reference["coverage"] and model["classifier_score"] < reference["classifier_score"]
    assert model["class_histogram_tv"] > 0.5 > reference["class_histogram_tv"]
    # The reference's Parzen figure is the protocol run on real train images: reproduce it directly.
    validation, _ = small_fashion("fashion_mnist", "validation")
    test, _ = small_fashion("fashion_mnist", "test")
    direct = metrics.parzen_evaluation(train_images[:400], validation, test)
    assert reference["parzen_log_likelihood"] == pytest.approx(direct["mean"])
    assert reference["parzen_sigma"] == direct["sigma"]
    # JSON and Markdown in workdir/eval/.
    saved = json.loads((tmp_path / "eval" / "results.json").read_text())
    assert saved["model"]["coverage"] == model["coverage"]
    markdown = (tmp_path / "eval" / "results.md").read_text()
    assert "| Metric | Better | Model | Real data (train vs test) |" in markdown
    assert "Parzen log-likelihood" in markdown and "±" in markdown
    assert sorted(os.listdir(tmp_path / "eval")) == ["results.json", "results.md"]


def test_evaluate_generator_caches_the_reference(small_classifier, small_fashion, tmp_path, monkeypatch):
    classifier = metrics.Classifier(small_classifier.model, fingerprint="f" * 64)
    kwargs = dict(num_samples=100, classifier=classifier, cache_dir=tmp_path, parzen=False, verbose=False)
    images = fashion_mnist("train")[0][:100]
    first = metrics.evaluate_generator(images, "fashion_mnist", **kwargs)
    calls = []
    original = metrics.Evaluator._image_row
    monkeypatch.setattr(metrics.Evaluator, "_image_row", lambda *a, **k: calls.append(1) or original(*a, **k))
    second = metrics.evaluate_generator(images, "fashion_mnist", **kwargs)
    assert len(calls) == 1  # The model row only.
    assert second["reference"] == first["reference"]


def test_evaluate_generator_takes_models_and_saved_files(small_classifier, small_fashion, tmp_path):
    generator = keras_gan.networks.paper_generator(latent_dim=100, seed=0)  # Flat [n, 784] sigmoid outputs.
    gan = keras_gan.GAN(generator, keras_gan.networks.paper_discriminator(seed=1), latent_dim=100, seed=0)
    gan.save(tmp_path / "gan.keras")
    generator.save(tmp_path / "generator.keras")
    kwargs = dict(num_samples=100, classifier=small_classifier, cache_dir=tmp_path, parzen=False, reference=False,
                  verbose=False)
    by_gan = metrics.evaluate_generator(gan, **kwargs)
    by_file = metrics.evaluate_generator(str(tmp_path / "gan.keras"), **kwargs)
    by_generator_file = metrics.evaluate_generator(tmp_path / "generator.keras", **kwargs)
    assert by_gan["model"] == by_file["model"]
    assert by_generator_file["image_range"] == "sigmoid" and by_generator_file["reference"] is None
    start = time.perf_counter()
    # A tanh generator's [-1, 1] outputs are mapped to [0, 1].
    tanh_samples = fashion_mnist("train")[0][:100] * 2 - 1
    tanh = metrics.evaluate_generator(tanh_samples, **kwargs)
    assert tanh["image_range"] == "tanh"
    assert time.perf_counter() - start < 60


@pytest.mark.parametrize(
    "samples, message",
    [
        (np.zeros((100, 10)), "do not fit"),
        (np.full((100, 784), 3.0), "span"),
        (np.zeros((10, 784)), "N >= num_samples"),
        ("missing.keras", "not a saved model"),
        (object(), "Cannot sample"),
    ],
)
def test_evaluate_generator_rejects_bad_input(small_classifier, small_fashion, samples, message):
    with pytest.raises(ValueError, match=message):
        metrics.evaluate_generator(samples, num_samples=100, classifier=small_classifier, verbose=False)


def test_evaluate_generator_on_a_mixture(tmp_path):
    toy = keras_gan.data.toy
    modes = toy.ring_modes()
    two_modes = toy.sample_mixture(1000, modes[:2], toy.RING_STDDEV, seed=0)
    results = metrics.evaluate_generator(two_modes, "toy_ring", num_samples=1000, workdir=tmp_path, verbose=False)
    assert results["model"]["modes_covered"] == 2 and results["reference"]["modes_covered"] == 8
    assert results["model"]["high_quality_share"] > 0.99
    assert results["model"]["coverage"] < 0.4 < results["reference"]["coverage"]
    assert "| Modes covered | higher | 2 / 8 | 8 / 8 |" in (tmp_path / "eval" / "results.md").read_text()


# ------------------------------------------------------------------------------------------------------------------
# EvaluationCallback
# ------------------------------------------------------------------------------------------------------------------


def test_callback_logs_mixture_metrics_every_n_epochs(make_toy_gan, tmp_path):
    toy = keras_gan.data.toy
    gan = make_toy_gan()
    callback = metrics.EvaluationCallback("toy_ring", every_n_epochs=2, num_samples=500)
    board = keras.callbacks.TensorBoard(str(tmp_path / "tb"))
    history = gan.fit(toy.ring_dataset(batch_size=100, num_examples=1000), epochs=4, verbose=0,
                      callbacks=[callback, board])
    assert len(history.history["eval_modes_covered"]) == 2  # After epochs 2 and 4.
    assert sorted(callback.history) == [2, 4]
    assert history.history["eval_modes_covered"] == [callback.history[e]["modes_covered"] for e in (2, 4)]
    assert 0.0 <= history.history["eval_high_quality_share"][-1] <= 1.0
    # TensorBoard, placed after the callback, wrote the figures too.
    tags = {
        value.tag
        for path in (tmp_path / "tb" / "train").glob("events.out.tfevents.*")
        for event in tf.compat.v1.train.summary_iterator(str(path))
        for value in event.summary.value
    }
    assert {"epoch_eval_modes_covered", "epoch_eval_high_quality_share"} <= tags


def test_callback_fill_value_keeps_one_entry_per_epoch(make_toy_gan, tmp_path):
    gan = make_toy_gan()
    callback = metrics.EvaluationCallback("toy_grid", every_n_epochs=2, num_samples=200, fill_value=float("nan"))
    csv_path = tmp_path / "log.csv"
    history = gan.fit(keras_gan.data.toy.grid_dataset(batch_size=100, num_examples=500), epochs=2, verbose=0,
                      callbacks=[callback, keras.callbacks.CSVLogger(str(csv_path))])
    covered = history.history["eval_modes_covered"]
    assert len(covered) == 2 and np.isnan(covered[0]) and covered[1] >= 0
    assert "eval_modes_covered" in csv_path.read_text().splitlines()[0]


def test_callback_logs_image_metrics(small_classifier, fashion_test):
    generator = keras_gan.networks.paper_generator(8, hidden_units=(32,), seed=0)  # sigmoid pixels in [0, 1]
    gan = keras_gan.GAN(generator, keras_gan.networks.mlp_discriminator(784, hidden_units=(32,), seed=1),
                        latent_dim=8, seed=0)
    gan.compile()
    evaluator = metrics.Evaluator(keras_gan.data.get_dataset("fashion_mnist"), fashion_test[0][:200],
                                  classifier=small_classifier, image_range="sigmoid")
    callback = metrics.EvaluationCallback(evaluator, num_samples=200)
    images = fashion_test[0][:400].reshape(400, 784)
    history = gan.fit(keras_gan.data.pipeline.epoch_batches(images, batch_size=100), epochs=1, verbose=0,
                      callbacks=[callback])
    for name in ("classifier_score", "frechet_distance", "precision", "recall", "density", "coverage",
                 "class_histogram_tv"):
        assert len(history.history["eval_" + name]) == 1 and np.isfinite(history.history["eval_" + name][0])


def test_callback_rejects_bad_configuration():
    with pytest.raises(ValueError, match="every_n_epochs must be a positive int"):
        metrics.EvaluationCallback("toy_ring", every_n_epochs=0)
    with pytest.raises(ValueError, match="num_samples must exceed 5"):
        metrics.EvaluationCallback("toy_ring", num_samples=3)


def test_evaluate_generate_and_the_generator_file_score_the_same_images(tmp_path):
    # Samples come from the model's own prior sampler: evaluate(seed=s) scores gan.generate(seed=s).
    gan = keras_gan.GAN(keras_gan.networks.mlp_generator(2, 2, seed=0), keras_gan.networks.mlp_discriminator(2),
                        latent_dim=2, noise="normal", seed=0)
    gan.generator.save(tmp_path / "generator.keras")
    via_gan = metrics.evaluate(gan, "toy_ring", 500, seed=7, reference=False)["model"]
    via_samples = metrics.evaluate(gan.generate(500, seed=7), "toy_ring", 500, seed=7, reference=False)["model"]
    via_file = metrics.evaluate(str(tmp_path / "generator.keras"), "toy_ring", 500, seed=7, reference=False,
                                noise="normal")["model"]
    assert via_gan == via_samples == via_file


# ------------------------------------------------------------------------------------------------------------------
# Slow: the full classifier on Fashion-MNIST
# ------------------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_fashion_mnist_classifier_reaches_90_percent(tmp_path):
    start = time.perf_counter()
    train_images, train_labels = fashion_mnist("train")
    test = fashion_mnist("test")
    clf = metrics.load_or_train_classifier(train_images, train_labels, name="fashion_mnist", cache_dir=tmp_path,
                                           test_data=test)
    accuracy = clf.accuracy(*test)
    print(f"\nFashion-MNIST classifier: test accuracy {accuracy:.4f}, trained in "
          f"{clf.metadata['train_seconds']:.0f} s ({time.perf_counter() - start:.0f} s in all)")
    assert accuracy >= 0.90
    assert clf.metadata["test_accuracy"] == pytest.approx(accuracy)
    assert metrics.load_or_train_classifier(train_images, train_labels, name="fashion_mnist",
                                            cache_dir=tmp_path).from_cache
