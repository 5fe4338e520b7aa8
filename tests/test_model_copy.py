"""The direct copy of the SDK's account models makes what the stdlib's general route makes."""

from __future__ import annotations

import copy
import inspect

from botbuilder.core import TurnContext
from botbuilder.schema import ChannelAccount, ConversationAccount, teams
from botframework.connector import models
from msrest.serialization import Model

from bot.connector.activity_json import parse_activity
from bot.teams.model_copy import COPIED_MODELS, has_own_copy_rules, install_model_copy


def _general_copy(value: object) -> object:
    """What copy.copy does for a class without __copy__ (the reduce_ex route)."""
    return copy._reconstruct(value, None, *value.__reduce_ex__(4))  # type: ignore[attr-defined]


def _model_classes() -> list[type]:
    found = {
        cls
        for module in (models, teams)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Model)
    }
    return sorted(found, key=lambda cls: cls.__name__)


def test_no_sdk_model_has_copy_rules_of_its_own() -> None:
    install_model_copy()
    for cls in _model_classes():
        assert not has_own_copy_rules(cls), cls


def test_the_copy_equals_the_general_route_and_is_shallow() -> None:
    install_model_copy()
    activity = parse_activity(
        {
            "type": "message",
            "id": "1",
            "channelId": "msteams",
            "serviceUrl": "https://smba.example/",
            "from": {"id": "29:u", "name": "P", "aadObjectId": "aad", "extra": {"x": [1]}},
            "recipient": {"id": "28:bot", "name": "Bot"},
            "conversation": {"id": "a:1", "conversationType": "personal", "tenantId": "t"},
        }
    )
    for original in (activity.from_property, activity.recipient, activity.conversation):
        assert type(original) in COPIED_MODELS
        assert "__copy__" in vars(type(original))
        fast, general = copy.copy(original), _general_copy(original)
        assert type(fast) is type(general) is type(original)
        assert fast is not original
        assert vars(fast) == vars(general) == vars(original)
        for key, value in vars(original).items():  # shallow: the same inner objects
            assert getattr(fast, key) is value
    reference = TurnContext.get_conversation_reference(activity)
    assert reference.user is not activity.from_property
    assert reference.user == activity.from_property
    assert reference.conversation == activity.conversation
    # A subclass (Teams' own account type) copies as itself.
    member = teams.TeamsChannelAccount(id="29:m", name="M", email="m@example.org")
    assert isinstance(member, ChannelAccount)
    assert vars(copy.copy(member)) == vars(_general_copy(member))
    assert type(copy.copy(member)) is teams.TeamsChannelAccount
    assert copy.copy(ConversationAccount()).__dict__ == ConversationAccount().__dict__
