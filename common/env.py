"""Reading settings from the environment, failing loudly and by name."""

from __future__ import annotations

import math
import os
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured


def required(name: str) -> str:
    """The value of environment variable `name`; raises naming it when unset or empty."""
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"Required environment variable {name} is not set.")
    return value


def optional(name: str, default: str) -> str:
    return os.environ.get(name) or default


def flag(name: str, default: bool) -> bool:
    """A boolean variable: 1/true/yes/on or 0/false/no/off; anything else is an error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"Environment variable {name} must be a boolean, got {raw!r}.")


def integer(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be an integer, got {raw!r}."
        ) from None


def seconds(name: str, default: float) -> float:
    """A positive number of seconds (a deadline)."""
    return _number(name, default, lambda value: value > 0, "a positive number of seconds")


def listing(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def fraction(name: str, default: float) -> float:
    """A number from 0 to 1 (a sampling rate)."""
    return _number(name, default, lambda value: 0.0 <= value <= 1.0, "a number from 0 to 1")


def _number(name: str, default: float, accepts: Callable[[float], bool], what: str) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan  # fails every comparison, so `accepts` refuses it
    if not accepts(value):
        raise ImproperlyConfigured(f"Environment variable {name} must be {what}, got {raw!r}.")
    return value
