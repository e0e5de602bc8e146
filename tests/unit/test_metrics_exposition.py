"""The Prometheus text exposition (telemetry/metrics.py), read back by a small parser of the
format: HELP and TYPE before their samples, labels escaped, histograms cumulative."""
import re

import pytest

from telemetry.metrics import Counter, Gauge, Histogram, exposition

SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')
UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


def parse(text: str) -> tuple[dict[str, tuple[str, str]], list[tuple[str, dict, float]]]:
    """(metric name -> (kind, help)), [(sample name, labels, value)]; raises on a line out of
    the format, or a sample of a family whose TYPE has not been read."""
    assert text.endswith("\n")
    families: dict[str, tuple[str, str]] = {}
    helps: dict[str, str] = {}
    samples = []
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, said = line[7:].partition(" ")
            helps[name] = re.sub(r"\\\\|\\n", lambda m: UNESCAPE[m[0]], said)
        elif line.startswith("# TYPE "):
            name, kind = line[7:].split(" ")
            assert kind in ("counter", "gauge", "histogram") and name in helps
            families[name] = (kind, helps[name])
        else:
            match = SAMPLE.fullmatch(line)
            assert match, f"not a sample line: {line!r}"
            name, labels, value = match.groups()
            family = re.sub(r"_(bucket|sum|count)$", "", name)
            assert name in families or family in families, f"{name} before its TYPE"
            said = {}
            if labels:
                assert "".join(m[0] for m in LABEL.finditer(labels)) == labels, labels
                said = {k: re.sub(r'\\\\|\\"|\\n', lambda m: UNESCAPE[m[0]], v)
                        for k, v in LABEL.findall(labels)}
            samples.append((name, said, float(value)))
    return families, samples


def test_counters_and_gauges_read_back_with_their_labels_escaped():
    calls = Counter("hotline_calls_total", "Calls ended\nby outcome \\ direction",
                    ("direction", "outcome"))
    calls.inc(direction="inbound", outcome="answered")
    calls.inc(2, direction="inbound", outcome="abandoned_queue")
    agents = Gauge("hotline_agents", "Agents", ("branch",))
    agents.set(3, branch='B"J\\\nx')
    families, samples = parse(exposition([calls, agents]))
    assert families == {"hotline_calls_total": ("counter", "Calls ended\nby outcome \\ direction"),
                        "hotline_agents": ("gauge", "Agents")}
    assert samples == [
        ("hotline_calls_total", {"direction": "inbound", "outcome": "abandoned_queue"}, 2.0),
        ("hotline_calls_total", {"direction": "inbound", "outcome": "answered"}, 1.0),
        ("hotline_agents", {"branch": 'B"J\\\nx'}, 3.0)]


def test_a_gauge_replaced_keeps_no_stale_series_and_a_bare_metric_has_no_braces():
    gauge = Gauge("hotline_backlog", "Rows waiting", ("writer",))
    gauge.replace([({"writer": "call"}, 5), ({"writer": "journal"}, 0)])
    gauge.replace([({"writer": "call"}, 1)])
    up = Gauge("hotline_ami_connected", "1 while linked")
    up.set(1)
    text = exposition([gauge, up])
    assert "hotline_ami_connected 1\n" in text
    assert parse(text)[1] == [("hotline_backlog", {"writer": "call"}, 1.0),
                              ("hotline_ami_connected", {}, 1.0)]


def test_histogram_buckets_are_cumulative_and_end_in_inf_with_sum_and_count():
    waits = Histogram("hotline_queue_wait_seconds", "Waits", ("queue",), buckets=(1, 5, 10))
    for seconds in (0.5, 1, 4, 10, 30):  # a value on a bound counts in that bucket
        waits.observe(seconds, queue="BJ-order")
    waits.observe(2, queue="SH-order")
    _, samples = parse(exposition([waits]))
    bj = [(n, s.get("le"), v) for n, s, v in samples if s["queue"] == "BJ-order"]
    assert bj == [("hotline_queue_wait_seconds_bucket", "1", 2.0),
                  ("hotline_queue_wait_seconds_bucket", "5", 3.0),
                  ("hotline_queue_wait_seconds_bucket", "10", 4.0),
                  ("hotline_queue_wait_seconds_bucket", "+Inf", 5.0),
                  ("hotline_queue_wait_seconds_sum", None, 45.5),
                  ("hotline_queue_wait_seconds_count", None, 5.0)]
    assert waits.count(queue="SH-order") == 1 and waits.count(queue="BJ-order") == 5


def test_a_metric_refuses_labels_it_was_not_given():
    calls = Counter("hotline_calls_total", "Calls", ("outcome",))
    with pytest.raises(ValueError):
        calls.inc(queue="x")
    with pytest.raises(ValueError):
        Histogram("h", "h").observe(1.0, queue="x")
