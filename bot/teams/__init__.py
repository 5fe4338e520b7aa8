"""Teams talking to the bot: the messages endpoint, the adapter, the turn handler and router, identity,
the dialog state."""

__all__ = [
    "adapter",
    "fast_adapter",
    "handler",
    "identity",
    "messages_endpoint",
    "model_copy",
    "request_body",
    "router",
    "state_storage",
]
