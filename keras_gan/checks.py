"""The package's one rule for counts and sizes (an int >= 1, bools excluded: True is not a batch size), and for
loss weights and decays (finite real numbers in a range)."""

import math

import numpy as np

__all__ = ["check_positive_int", "is_open_unit_interval", "is_positive_int", "is_weight"]


def is_positive_int(value):
    """True for an int (Python or NumPy) >= 1; False for bools, floats, strings and the rest.

    Example:
        >>> is_positive_int(3), is_positive_int(True), is_positive_int(2.0)
        (True, False, False)
    """
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, np.integer)) and value >= 1


def check_positive_int(name, value, fix=""):
    """Returns `value` as an int, or raises a ValueError naming the argument, the value and the fix.

    Args:
        name: Str, the argument's name (or flag) for the message.
        value: The value to check.
        fix: Optional str appended to the message (what to pass instead).

    Returns:
        Int.

    Raises:
        ValueError: if `value` is not an int >= 1.

    Example:
        >>> check_positive_int("batch_size", 100)
        100
    """
    if not is_positive_int(value):
        raise ValueError(f"{name} must be a positive int, got {value!r}." + (f" {fix}" if fix else ""))
    return int(value)


def _is_real(value):
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, float, np.integer, np.floating)) \
        and math.isfinite(value)


def is_weight(value):
    """True for a finite real number >= 0 (a loss weight; 0 turns the term off).

    Example:
        >>> is_weight(10.0), is_weight(0), is_weight(-1.0), is_weight(float("nan")), is_weight(True)
        (True, True, False, False, False)
    """
    return _is_real(value) and value >= 0


def is_open_unit_interval(value):
    """True for a real number strictly between 0 and 1 (a decay, e.g. 0.999).

    Example:
        >>> is_open_unit_interval(0.999), is_open_unit_interval(1.0), is_open_unit_interval("0.9")
        (True, False, False)
    """
    return _is_real(value) and 0 < value < 1
