"""The bot talking to Teams: the connector client, tokens, activity JSON, prepared and
proactive sends."""

__all__ = [
    "activity_json",
    "client",
    "json_codec",
    "prepared_send",
    "proactive",
    "tokens",
]
