"""The one shim over Keras internals-by-convention: finding the random-stream states that Keras does not save.

Keras 3 keeps each `keras.random.SeedGenerator`'s state (e.g. `keras.layers.Dropout`'s mask stream) in a variable
that `layer.variables` lists but `layer.weights` does not, and neither `.keras` files nor `tf.train.Checkpoint`
save it. A resumed run must continue the same streams to end bit-identical to an uninterrupted one, so
`seed_states` collects them, keyed by the layer's position in the model tree (the same structural keys
`tf.train.Checkpoint` uses, stable across processes, unlike auto-generated layer names). `keras_gan.GAN` saves them
in `.keras` files, `keras_gan.checkpoints` in checkpoints. `tests/test_rng_state.py` fails loudly if a Keras
release changes the convention. The package's own layers keep their streams in ordinary weights instead
(`GAN.noise_state`, `HashDropout.mask_state`).
"""

__all__ = ["seed_states"]


def _leaf_layers(layer, path):
    children = getattr(layer, "layers", None) or []
    for i, child in enumerate(children):
        yield from _leaf_layers(child, f"{path}.{i}")
    if not children:
        yield path, layer


def seed_states(model):
    """Random-stream state variables of every layer of `model` that its weights do not include.

    Args:
        model: A Keras layer or model (e.g. a `keras_gan.GAN`).

    Returns:
        Dict {"rng.<i>.<j>...": variable}, ordered by position in the model tree.

    Example:
        >>> d = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.5), keras.layers.Dense(1)])
        >>> list(seed_states(d))
        ['rng.0']
    """
    states = {}
    for path, layer in _leaf_layers(model, "rng"):
        weights = {id(w) for w in layer.weights}
        extra = [v for v in layer.variables if id(v) not in weights]
        for i, variable in enumerate(extra):
            states[path if len(extra) == 1 else f"{path}.{i}"] = variable
    return states
