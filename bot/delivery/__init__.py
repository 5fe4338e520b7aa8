"""What runs without a person asking: the outbox worker, the scheduler, the prompt runtime, rate limits,
status cards."""

__all__ = ["outbox_worker", "periodic", "prompt_runtime", "rate_limit", "scheduler", "status_cards"]
