"""The background work's heartbeat: recent e-mail delays and claim-timeout lateness.

Samples are kept in small Redis sorted sets (member ``<id>:<seconds>``, score
the time recorded), trimmed to the last ``SAMPLES_KEPT``; no tenant tables.
The operator console's health page and ``/operators/metrics`` read them with
the queue depths and the age of each queue's oldest job.
"""

import logging
import time

from rq import Queue

from yk_saas.extensions import QUEUE_NAMES, redis_conn

log = logging.getLogger("yk_saas.heartbeat")

SAMPLES_KEPT = 500
EMAIL_DELAY = "yk:heartbeat:email-delay"
CLAIM_LATENESS = "yk:heartbeat:claim-lateness"


def record(kind: str, sample_id: str, seconds: float) -> None:
    """Keep one sample (best effort: a Redis blip must not fail the job that measured it)."""
    try:
        conn = redis_conn()
        with conn.pipeline() as pipe:
            pipe.zadd(kind, {f"{sample_id}:{max(seconds, 0.0):.3f}": time.time()})
            pipe.zremrangebyrank(kind, 0, -SAMPLES_KEPT - 1)
            pipe.execute()
    except Exception:  # the sample is lost, the work is done
        log.warning("could not record a %s sample", kind, exc_info=True)


def record_since(kind: str, sample_id: str, started) -> None:
    """Record the seconds from ``started`` (an aware datetime) until now."""
    record(kind, sample_id, time.time() - started.timestamp())


def samples(kind: str, within_seconds: int = 3600) -> list[float]:
    """Seconds of the samples recorded within the last ``within_seconds``."""
    members = redis_conn().zrangebyscore(kind, time.time() - within_seconds, "+inf")
    return [float(m.decode().rsplit(":", 1)[1]) for m in members]


def summary(values: list[float]) -> dict:
    """Count, p95 and max of a list of seconds (zeros when empty)."""
    if not values:
        return {"count": 0, "p95": 0.0, "max": 0.0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"count": len(ordered), "p95": p95, "max": ordered[-1]}


def queue_stats() -> list[dict]:
    """Per queue: jobs waiting and the age in seconds of the oldest one."""
    conn = redis_conn()
    stats = []
    for name in QUEUE_NAMES:
        q = Queue(name, connection=conn)
        oldest = q.jobs[:1] if q.count else []
        enqueued = oldest[0].enqueued_at if oldest and oldest[0].enqueued_at else None
        age = max(time.time() - enqueued.timestamp(), 0.0) if enqueued else 0.0
        stats.append({"name": name, "depth": q.count, "oldest_age": age})
    return stats


def snapshot(threshold_seconds: float) -> dict:
    """Everything the health page and the metrics endpoint show."""
    lateness = summary(samples(CLAIM_LATENESS))
    return {
        "queues": queue_stats(),
        "email_delay": summary(samples(EMAIL_DELAY)),
        "claim_lateness": lateness,
        "lateness_warning": lateness["max"] > threshold_seconds,
        "threshold": threshold_seconds,
    }


def prometheus_text(threshold_seconds: float) -> tuple[bytes, str]:
    """The snapshot in Prometheus' text format, from a registry built per scrape."""
    from prometheus_client import CollectorRegistry, Gauge, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_LATEST

    beat = snapshot(threshold_seconds)
    registry = CollectorRegistry()
    depth = Gauge("yk_queue_depth", "Jobs waiting", ["queue"], registry=registry)
    age = Gauge(
        "yk_queue_oldest_job_seconds", "Age of the oldest waiting job", ["queue"], registry=registry
    )
    for q in beat["queues"]:
        depth.labels(q["name"]).set(q["depth"])
        age.labels(q["name"]).set(q["oldest_age"])
    for name, key in (("email_delay", "email_delay"), ("claim_lateness", "claim_lateness")):
        gauge = Gauge(
            f"yk_{name}_seconds", f"Recent {name.replace('_', ' ')}", ["stat"], registry=registry
        )
        for stat in ("p95", "max", "count"):
            gauge.labels(stat).set(beat[key][stat])
    Gauge(
        "yk_claim_lateness_warning", "1 when lateness passed the threshold", registry=registry
    ).set(int(beat["lateness_warning"]))
    return generate_latest(registry), CONTENT_TYPE_LATEST
