"""The figures /metrics shows, in Prometheus' text format: counts about the service, never people.

Every label takes its value from a short fixed list written here (turn kinds, outcomes, send
results, loop names), never from an activity, a row or an error message: nothing per person, per
team or per round can become a label, and no answer value is ever counted. Counters live in this
process's memory and are bumped on the event loop's thread only, so a turn pays a dict update and
a bisect: no lock, no database read. What several replicas share (rounds open, the outbox, the
scheduler's lag) is read from the database when Prometheus scrapes (storage/db/service_gauges.py).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from storage.db.service_gauges import ServiceGauges

# Activity types that get a kind of their own; any other type counts as "other".
TURN_KINDS = ("message", "card", "invoke", "conversationUpdate", "installationUpdate", "other")
TURN_OUTCOMES = (
    "ok",
    "error",  # the bot's code failed; the person got the polite error reply
    "database_unavailable",
    "unauthorized",
    "foreign_tenant",
    "bad_request",
)
SEND_RESULTS = ("sent", "retried", "failed", "blocked", "throttled")
METRICS_PATH = "/metrics"
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Where a database outage can cost work: turns, the background loops (bot/delivery/periodic.py names),
# the outbox worker and the metrics page's own reads.
DATABASE_ERROR_PLACES = (
    "turn",
    "scheduler",
    "publications",
    "retention",
    "settle",
    "outbox",
    "metrics",
)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def turn_kind(activity_type: str | None, has_value: bool) -> str:
    """A card submission (Action.Submit) is a message with a value: its own kind."""
    if activity_type == "message":
        return "card" if has_value else "message"
    return activity_type if activity_type in TURN_KINDS else "other"


@dataclass
class Histogram:
    """Cumulative buckets as Prometheus wants them, kept as plain counts per bucket."""

    bounds: tuple[float, ...] = LATENCY_BUCKETS
    counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    total: float = 0.0
    observed: int = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, seconds)] += 1
        self.total += seconds
        self.observed += 1


@dataclass
class Metrics:
    """One per process. Counters only ever grow; Prometheus computes rates."""

    turns: dict[tuple[str, str], int] = field(default_factory=dict)
    latency: dict[str, Histogram] = field(default_factory=dict)
    database_errors: dict[str, int] = field(default_factory=dict)

    def turn(self, kind: str, outcome: str, seconds: float | None = None) -> None:
        key = (kind, outcome)
        self.turns[key] = self.turns.get(key, 0) + 1
        if seconds is not None:
            histogram = self.latency.get(kind)
            if histogram is None:
                histogram = self.latency[kind] = Histogram()
            histogram.observe(seconds)

    def database_error(self, where: str) -> None:
        self.database_errors[where] = self.database_errors.get(where, 0) + 1


@dataclass(frozen=True)
class WorkerFigures:
    """The outbox worker's own counts (bot/delivery/outbox_worker.py keeps them anyway)."""

    sends: Mapping[str, int]
    pauses: int
    paused_seconds: float
    holds_lease: bool
    database_errors: int = 0


@dataclass(frozen=True)
class SchedulerFigures:
    last_pass_age_seconds: float | None  # None: no pass finished yet in this process


def _number(value: float) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


class _Text:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, value: float, labels: Iterable[tuple[str, str]] = ()) -> None:
        pairs = ",".join(f'{key}="{label}"' for key, label in labels)
        self.lines.append(
            f"{name}{{{pairs}}} {_number(value)}" if pairs else f"{name} {_number(value)}"
        )


def render_metrics(
    metrics: Metrics,
    gauges: ServiceGauges | None,
    worker: WorkerFigures | None,
    scheduler: SchedulerFigures | None,
) -> str:
    """The exposition text. Every known label value is written, zeros too, so a dashboard's
    series exist from the start and a rate over a fresh process is 0, not missing."""
    out = _Text()
    out.family("trivselsbot_turns_total", "counter", "Turns by kind and outcome.")
    for kind in TURN_KINDS:
        for outcome in TURN_OUTCOMES:
            value = metrics.turns.get((kind, outcome), 0)
            out.sample("trivselsbot_turns_total", value, (("kind", kind), ("outcome", outcome)))
    out.family("trivselsbot_turn_duration_seconds", "histogram", "Turn latency by kind.")
    for kind in TURN_KINDS:
        histogram = metrics.latency.get(kind) or Histogram()
        running = 0
        for bound, count in zip((*histogram.bounds, float("inf")), histogram.counts, strict=True):
            running += count
            le = "+Inf" if bound == float("inf") else repr(bound)
            out.sample(
                "trivselsbot_turn_duration_seconds_bucket", running, (("kind", kind), ("le", le))
            )
        out.sample("trivselsbot_turn_duration_seconds_sum", histogram.total, (("kind", kind),))
        out.sample("trivselsbot_turn_duration_seconds_count", histogram.observed, (("kind", kind),))
    out.family(
        "trivselsbot_database_errors_total",
        "counter",
        "Failures because the database was unavailable, by where they happened.",
    )
    errors = dict(metrics.database_errors)
    if worker is not None:
        errors["outbox"] = worker.database_errors
    for where in sorted({*DATABASE_ERROR_PLACES, *errors}):
        out.sample("trivselsbot_database_errors_total", errors.get(where, 0), (("where", where),))
    if worker is not None:
        out.family("trivselsbot_sends_total", "counter", "Proactive sends by result.")
        for result in SEND_RESULTS:
            out.sample(
                "trivselsbot_sends_total", worker.sends.get(result, 0), (("result", result),)
            )
        out.family(
            "trivselsbot_send_429_total",
            "counter",
            "Sends Teams answered with 429 Too Many Requests.",
        )
        out.sample("trivselsbot_send_429_total", worker.sends.get("throttled", 0))
        out.family("trivselsbot_send_pauses_total", "counter", "Global pauses after repeated 429s.")
        out.sample("trivselsbot_send_pauses_total", worker.pauses)
        out.family("trivselsbot_send_paused_seconds", "gauge", "Seconds left of the current pause.")
        out.sample("trivselsbot_send_paused_seconds", round(worker.paused_seconds, 3))
        out.family(
            "trivselsbot_send_lease_held", "gauge", "1 when this process is the one that sends."
        )
        out.sample("trivselsbot_send_lease_held", int(worker.holds_lease))
    if scheduler is not None and scheduler.last_pass_age_seconds is not None:
        out.family(
            "trivselsbot_scheduler_last_pass_age_seconds",
            "gauge",
            "Seconds since this process's scheduler last finished a pass.",
        )
        out.sample(
            "trivselsbot_scheduler_last_pass_age_seconds", round(scheduler.last_pass_age_seconds, 3)
        )
    if gauges is not None:
        out.family("trivselsbot_rounds_open", "gauge", "Pulse rounds open now (all units).")
        out.sample("trivselsbot_rounds_open", gauges.rounds_open)
        out.family("trivselsbot_outbox_depth", "gauge", "Outbox rows waiting to be sent, by state.")
        for state, rows in sorted(gauges.outbox.items()):
            out.sample("trivselsbot_outbox_depth", rows, (("state", state),))
        out.family(
            "trivselsbot_scheduler_lag_seconds",
            "gauge",
            "How long the oldest due round step (open or close) has waited; 0 when on time.",
        )
        out.sample("trivselsbot_scheduler_lag_seconds", round(gauges.scheduler_lag_seconds, 3))
    out.family(
        "trivselsbot_metrics_database_up", "gauge", "1 when the scrape could read the database."
    )
    out.sample("trivselsbot_metrics_database_up", int(gauges is not None))
    return "\n".join(out.lines) + "\n"
