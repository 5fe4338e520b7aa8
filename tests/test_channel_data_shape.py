"""The edge's shortcut for channel data (bot/teams/messages_endpoint.py) never accepts what msrest refuses.

`surely_teams_channel_data` lets the common shape skip msrest's TeamsChannelData walk; for any
channel data it accepts, msrest must accept it too, or a turn would reach the SDK's Teams handler
with data that crashes it.
"""

from __future__ import annotations

from typing import Any

from botbuilder.schema.teams import TeamsChannelData
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.teams.messages_endpoint import _TEAMS_KEYS, surely_teams_channel_data

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
KEYS = st.sampled_from(sorted(_TEAMS_KEYS | {"source", "legacy", "id", "tenantId"}))
TENANTS = st.none() | JSON | st.dictionaries(st.sampled_from(["id", "name"]), JSON, max_size=2)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=4), TENANTS)
def test_what_the_shortcut_accepts_msrest_accepts(data: dict[str, Any], tenant: Any) -> None:
    data = {**data, "tenant": tenant}
    if surely_teams_channel_data(data):
        TeamsChannelData().deserialize(data)  # raises if the shortcut was wrong


def test_a_card_submission_takes_the_shortcut_and_odd_shapes_do_not() -> None:
    assert surely_teams_channel_data({"tenant": {"id": "t"}, "source": {"name": "message"}})
    assert surely_teams_channel_data({})
    assert not surely_teams_channel_data({"tenant": "t"})
    assert not surely_teams_channel_data({"tenant": {"id": 5}})
    assert not surely_teams_channel_data({"tenant": {"id": "t"}, "team": {"id": "19:x"}})
