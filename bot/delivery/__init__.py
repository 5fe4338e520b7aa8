"""What runs without a person asking: the outbox worker (its send lease, send loop, row sender, new
chats and shared config), the scheduler, the prompt runtime, rate limits, status cards, and the one
send-failure policy they share."""

__all__ = [
    "bank_runtime",
    "failure_policy",
    "new_chats",
    "outbox_worker",
    "periodic",
    "prompt_runtime",
    "rate_limit",
    "row_sender",
    "scheduler",
    "send_lease",
    "send_loop",
    "status_cards",
    "worker_config",
]
