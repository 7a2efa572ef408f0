"""keras_gan.metrics: each test checks a metric on a case whose answer is known."""

import math

import numpy as np
import pytest

from keras_gan import metrics
from keras_gan.metrics import parzen as parzen_lib


def _rng(seed=0):
    return np.random.default_rng(seed)


def _numpy_parzen(samples, x, sigma):
    """The paper's formula, directly in float64 NumPy."""
    samples = samples.reshape(len(samples), -1).astype(np.float64)
    x = x.reshape(len(x), -1).astype(np.float64)
    a = -((x[:, None, :] - samples[None, :, :]) ** 2).sum(-1) / (2 * sigma**2)
    m = a.max(axis=1, keepdims=True)
    log_mean = (m + np.log(np.exp(a - m).mean(axis=1, keepdims=True)))[:, 0]
    return log_mean - x.shape[1] * np.log(sigma * np.sqrt(2 * np.pi))


def _numpy_prdc(real, fake, k):
    """Brute-force precision / recall / density / coverage in float64 NumPy (<= boundaries)."""
    def dist(a, b):
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))

    real_radii = np.sort(dist(real, real), axis=1)[:, k]
    fake_radii = np.sort(dist(fake, fake), axis=1)[:, k]
    rf = dist(real, fake)
    return {
        "precision": (rf <= real_radii[:, None]).any(axis=0).mean(),
        "recall": (rf <= fake_radii[None, :]).any(axis=1).mean(),
        "density": (rf <= real_radii[:, None]).sum(axis=0).mean() / k,
        "coverage": (rf.min(axis=1) <= real_radii).mean(),
    }


# ------------------------------------------------------------------------------------------------------------------
# Parzen window
# ------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.1, 0.3, 1.0])
def test_parzen_matches_numpy(sigma):
    rng = _rng()
    samples = rng.uniform(size=(300, 6, 6, 1)).astype(np.float32)
    x = rng.uniform(size=(37, 36)).astype(np.float32)  # Flat vs image shape; 37 leaves a padded last batch.
    got = metrics.parzen_log_likelihood(samples, x, sigma, batch_size=16)
    np.testing.assert_allclose(got, _numpy_parzen(samples, x, sigma), rtol=1e-5, atol=1e-3)


def test_parzen_several_sigmas_at_once():
    rng = _rng(1)
    samples, x = rng.uniform(size=(50, 4)), rng.uniform(size=(10, 4))
    got = metrics.parzen_log_likelihood(samples, x, [0.2, 0.5])
    assert got.shape == (2, 10)
    np.testing.assert_allclose(got[1], _numpy_parzen(samples, x, 0.5), rtol=1e-5, atol=1e-4)


def test_parzen_evaluation_follows_the_protocol():
    rng = _rng(2)
    samples = rng.normal(0.5, 0.2, size=(400, 8))
    validation = rng.normal(0.5, 0.2, size=(30, 8))
    test = rng.normal(0.5, 0.2, size=(50, 8))
    result = metrics.parzen_evaluation(samples, validation, test, num_validation=20)
    # Sigma: the grid value with the best mean log-likelihood on the first 20 validation points only.
    scores = [_numpy_parzen(samples, validation[:20], s).mean() for s in parzen_lib.PAPER_SIGMAS]
    assert result["sigma"] == pytest.approx(parzen_lib.PAPER_SIGMAS[int(np.argmax(scores))])
    np.testing.assert_allclose([m for _, m in result["validation_means"]], scores, rtol=1e-5)
    ll = _numpy_parzen(samples, test, result["sigma"])
    assert result["mean"] == pytest.approx(ll.mean(), rel=1e-5)
    assert result["stderr"] == pytest.approx(ll.std() / math.sqrt(50), rel=1e-4)
    assert (result["num_samples"], result["num_validation"], result["num_test"]) == (400, 20, 50)


def test_paper_sigma_grid():
    np.testing.assert_allclose(metrics.PAPER_SIGMAS, np.logspace(-1, 0, 10))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(sigma=0.0), "sigma"),
        (dict(sigma=0.1, batch_size=0), "batch_size"),
        (dict(sigma=0.1, x=np.zeros((3, 5))), "values per point"),
        (dict(sigma=0.1, x=np.full((3, 4), np.nan)), "NaN"),
    ],
)
def test_parzen_rejects_bad_input(kwargs, message):
    args = dict(samples=np.zeros((5, 4)), x=np.zeros((3, 4)))
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        metrics.parzen_log_likelihood(**args)


# ------------------------------------------------------------------------------------------------------------------
# Fréchet distance
# ------------------------------------------------------------------------------------------------------------------


def test_frechet_identical_sets_is_zero():
    features = _rng().normal(size=(2000, 16))
    assert metrics.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)


def test_frechet_two_gaussians_matches_closed_form():
    # Diagonal covariances commute: FD = |mu1 - mu2|^2 + sum (s1 - s2)^2 with s the standard deviations.
    rng = _rng(3)
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, -1.0, 2.0])
    s1, s2 = np.array([1.0, 2.0, 0.5]), np.array([2.0, 1.0, 0.5])
    expected = ((mu1 - mu2) ** 2).sum() + ((s1 - s2) ** 2).sum()  # 5 + 2 = 7
    real = mu1 + s1 * rng.standard_normal((200_000, 3))
    fake = mu2 + s2 * rng.standard_normal((200_000, 3))
    assert metrics.frechet_distance(real, fake) == pytest.approx(expected, rel=0.02)


def test_gaussian_frechet_matches_scipy_on_non_commuting_covariances():
    linalg = pytest.importorskip("scipy.linalg")
    rng = _rng(4)
    a, b = rng.normal(size=(2, 5, 5))
    cov1, cov2 = a @ a.T + 0.1 * np.eye(5), b @ b.T
    mu1, mu2 = rng.normal(size=(2, 5))
    expected = ((mu1 - mu2) ** 2).sum() + np.trace(cov1 + cov2 - 2 * linalg.sqrtm(cov1 @ cov2).real)
    assert metrics.gaussian_frechet_distance(mu1, cov1, mu2, cov2) == pytest.approx(expected, rel=1e-8)


def test_frechet_rejects_mismatched_widths():
    with pytest.raises(ValueError, match="width"):
        metrics.frechet_distance(np.zeros((10, 3)), np.zeros((10, 4)))
    with pytest.raises(ValueError, match="at least 2"):
        metrics.frechet_distance(np.zeros((1, 3)), np.zeros((10, 3)))


# ------------------------------------------------------------------------------------------------------------------
# Precision / recall, density / coverage
# ------------------------------------------------------------------------------------------------------------------


def test_knn_metrics_identical_sets():
    features = _rng(5).normal(size=(600, 8))
    assert metrics.precision_recall(features, features, k=3) == {"precision": 1.0, "recall": 1.0}
    result = metrics.density_coverage(features, features, k=5)
    assert result["coverage"] == 1.0
    assert result["density"] == pytest.approx(1.0, abs=0.2)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_knn_metrics_match_brute_force(k):
    rng = _rng(k)
    real = rng.normal(size=(150, 4))
    fake = rng.normal(0.5, 1.3, size=(130, 4))
    expected = _numpy_prdc(real, fake, k)
    got = {**metrics.precision_recall(real, fake, k=k, batch_size=32), **metrics.density_coverage(real, fake, k=k,
                                                                                                   batch_size=32)}
    for name in expected:
        assert got[name] == pytest.approx(expected[name], abs=1e-9), name


def test_prdc_equals_the_separate_functions():
    rng = _rng(9)
    real, fake = rng.normal(size=(300, 5)), rng.normal(0.3, 1.2, size=(250, 5))
    expected = {**metrics.precision_recall(real, fake, k=3), **metrics.density_coverage(real, fake, k=5)}
    assert metrics.prdc(real, fake, k_precision_recall=3, k_density_coverage=5, batch_size=64) == expected
    assert metrics.prdc(real, fake) == pytest.approx(_numpy_prdc_mixed(real, fake))


def _numpy_prdc_mixed(real, fake):
    pr, dc = _numpy_prdc(real, fake, 3), _numpy_prdc(real, fake, 5)
    return {"precision": pr["precision"], "recall": pr["recall"], "density": dc["density"], "coverage": dc["coverage"]}


def test_knn_metrics_see_mode_dropping():
    # Real: ten well-separated clusters. Generated: every point in cluster 0.
    rng = _rng(6)
    centres = 10 * rng.normal(size=(10, 8))
    real = centres[rng.integers(10, size=1000)] + rng.normal(size=(1000, 8))
    fake = centres[0] + rng.normal(size=(1000, 8))
    pr = metrics.precision_recall(real, fake)
    dc = metrics.density_coverage(real, fake)
    assert pr["precision"] > 0.8 and pr["recall"] < 0.2  # Samples stay realistic; diversity is lost.
    assert dc["coverage"] < 0.2


def test_knn_metrics_disjoint_sets_are_zero():
    rng = _rng(7)
    real, fake = rng.normal(size=(100, 3)), 100 + rng.normal(size=(100, 3))
    assert metrics.precision_recall(real, fake) == {"precision": 0.0, "recall": 0.0}
    assert metrics.density_coverage(real, fake) == {"density": 0.0, "coverage": 0.0}


def test_knn_metrics_reject_bad_input():
    with pytest.raises(ValueError, match="more than k=5"):
        metrics.density_coverage(np.zeros((5, 2)), np.zeros((10, 2)), k=5)
    with pytest.raises(ValueError, match="k must be a positive int"):
        metrics.precision_recall(np.zeros((5, 2)), np.zeros((10, 2)), k=0)


# ------------------------------------------------------------------------------------------------------------------
# Classifier score and class histogram
# ------------------------------------------------------------------------------------------------------------------


def test_classifier_score_known_values():
    assert metrics.classifier_score(np.eye(10)) == pytest.approx(10.0)
    one_class = np.tile(np.eye(10)[3], (50, 1))
    assert metrics.classifier_score(one_class) == pytest.approx(1.0)
    uncertain = np.full((50, 10), 0.1)
    assert metrics.classifier_score(uncertain) == pytest.approx(1.0)


def test_classifier_score_matches_numpy():
    logits = _rng(8).normal(size=(200, 10)) * 3
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    py = p.mean(0)
    expected = np.exp((p * (np.log(p) - np.log(py))).sum(1).mean())
    assert metrics.classifier_score(p) == pytest.approx(expected, rel=1e-10)


def test_classifier_score_rejects_logits():
    with pytest.raises(ValueError, match="softmax"):
        metrics.classifier_score(_rng().normal(size=(5, 10)))


def test_class_histogram_and_distance():
    probs = np.eye(4)[[0, 0, 1, 3]]
    np.testing.assert_array_equal(metrics.class_histogram(probs), [2, 1, 0, 1])
    np.testing.assert_array_equal(metrics.class_histogram([0, 2, 2], num_classes=4), [1, 0, 2, 0])
    assert metrics.histogram_distance([10, 0, 0, 0], [1, 1, 1, 1]) == pytest.approx(0.75)
    assert metrics.histogram_distance([2, 2], [5, 5]) == 0.0
    with pytest.raises(ValueError, match="num_classes"):
        metrics.class_histogram([0, 1])
