"""The package's one rule for counts and sizes: an int >= 1, bools excluded (True is not a batch size)."""

import numpy as np

__all__ = ["check_positive_int", "is_positive_int"]


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
