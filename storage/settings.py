"""Reading settings as operators write them: `False`, `false`, `0`, `no` and `off` all mean off."""

from __future__ import annotations

_OFF = {"", "0", "false", "no", "off", "none", "null"}
_ON = {"1", "true", "yes", "on"}


class BadSetting(ValueError):
    """A setting that should be on or off holds something else."""


def is_on(value: object, *, name: str = "setting") -> bool:
    """Whether an on/off setting is on; anything but a recognised word is refused rather than guessed."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int | float):
        return value != 0
    word = str(value).strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise BadSetting(f"{name} is {value!r}: set it to true or false.")
