"""The process itself: event loop, garbage collector tuning, logging, the dev runner of `make run`."""

__all__ = ["dev_runner", "event_loop", "gc_tuning", "logging_setup"]
