"""What runs without a person asking: the outbox worker, the scheduler, the prompt runtime, rate limits,
status cards, and the one send-failure policy they share."""

__all__ = [
    "failure_policy",
    "outbox_worker",
    "periodic",
    "prompt_runtime",
    "rate_limit",
    "scheduler",
    "status_cards",
]
