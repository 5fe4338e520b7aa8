"""A direct `copy.copy` for the SDK's account models, which it copies on every send and update.

`TurnContext.get_conversation_reference` copies the activity's sender, recipient and conversation
before every `send_activity` and `update_activity`. msrest models define no `__copy__`, so the
stdlib takes its general route (`__reduce_ex__(4)`, copyreg, `_reconstruct`): about a tenth of a
millisecond for the three, 4 % of the bot's CPU per card submission under load.

For a class that defines no `__copy__`, `__reduce__`, `__reduce_ex__`, `__getstate__` or
`__setstate__` of its own (none of msrest's or botbuilder's models do; tests/test_model_copy.py
checks), that route amounts to: a new instance made with `cls.__new__(cls)` without `__init__`,
whose `__dict__` is updated with the original's. The method installed here does exactly that, so
`copy.copy` returns the same thing, just without the detour.
"""

from __future__ import annotations

from typing import TypeVar

from botbuilder.schema import ChannelAccount, ConversationAccount

_T = TypeVar("_T")
COPIED_MODELS: tuple[type, ...] = (ChannelAccount, ConversationAccount)
_PICKLING_HOOKS = ("__copy__", "__reduce__", "__reduce_ex__", "__getstate__", "__setstate__")


def _shallow_copy(self: _T) -> _T:
    cls = type(self)
    new = cls.__new__(cls)
    new.__dict__.update(self.__dict__)
    return new


def has_own_copy_rules(cls: type) -> bool:
    """True if the class or a base other than `object` customises copying or pickling."""
    return any(
        hook in vars(base) and vars(base)[hook] is not _shallow_copy
        for base in cls.__mro__[:-1]
        for hook in _PICKLING_HOOKS
    )


def install_model_copy() -> None:
    """Idempotent; leaves any class alone that has copy rules of its own."""
    for cls in COPIED_MODELS:
        if not has_own_copy_rules(cls):
            cls.__copy__ = _shallow_copy  # type: ignore[attr-defined]  # added to the class on purpose
