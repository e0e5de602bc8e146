"""Counters, gauges and histograms, and their Prometheus text exposition (format 0.0.4).

Written here rather than taken from prometheus_client: a few dozen lines, no process-wide
registry (each engine owns its metrics, so two engines in one process, as the tests run them,
count apart), and nothing any package must import but this module. A metric is defined by the
part that counts (the AMI client its round trips, the call tracker its calls) and gathered by
the engine (runtime/metrics.py), which serves them at /metrics."""
import bisect
import math
from collections.abc import Iterable, Iterator, Sequence

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Seconds, from a millisecond to a minute: AMI round trips, the event loop's lag, AGI turns.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                   10.0, 30.0, 60.0)
# Seconds a caller waits in a queue, from five seconds to half an hour.
WAIT_BUCKETS = (5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0, 1800.0)

Labels = tuple[str, ...]
Sample = tuple[str, dict[str, str], float]  # name (with its suffix), labels, value


class Metric:
    kind = ""

    def __init__(self, name: str, help: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help, self.labelnames = name, help, tuple(labels)

    def _key(self, labels: dict[str, str]) -> Labels:
        if set(labels) != set(self.labelnames):
            raise ValueError(f"{self.name} takes the labels {self.labelnames}, not {tuple(labels)}")
        return tuple(str(labels[n]) for n in self.labelnames)

    def _named(self, key: Labels) -> dict[str, str]:
        return dict(zip(self.labelnames, key))

    def samples(self) -> Iterator[Sample]:
        raise NotImplementedError


class Counter(Metric):
    """Only goes up. Its name ends in _total."""

    kind = "counter"

    def __init__(self, name: str, help: str, labels: Sequence[str] = ()) -> None:
        super().__init__(name, help, labels)
        self.values: dict[Labels, float] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = self._key(labels)
        self.values[key] = self.values.get(key, 0.0) + amount

    def samples(self) -> Iterator[Sample]:
        for key, value in sorted(self.values.items()):
            yield self.name, self._named(key), value


class Gauge(Counter):
    """A value now; the engine sets its gauges afresh at each scrape (`replace`)."""

    kind = "gauge"

    def set(self, value: float, **labels: str) -> None:
        self.values[self._key(labels)] = value

    def replace(self, values: Iterable[tuple[dict[str, str], float]]) -> None:
        self.values = {self._key(labels): value for labels, value in values}


class Histogram(Metric):
    kind = "histogram"

    def __init__(self, name: str, help: str, labels: Sequence[str] = (),
                 buckets: Sequence[float] = LATENCY_BUCKETS) -> None:
        super().__init__(name, help, labels)
        self.buckets = tuple(sorted(buckets))
        self.series: dict[Labels, list[float]] = {}  # per bucket (not cumulative), sum, count

    def observe(self, value: float, **labels: str) -> None:
        key = self._key(labels)
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = [0.0] * (len(self.buckets) + 2)
        i = bisect.bisect_left(self.buckets, value)  # the first bound >= value
        if i < len(self.buckets):  # else only in +Inf
            series[i] += 1
        series[-2] += value
        series[-1] += 1

    def count(self, **labels: str) -> int:
        series = self.series.get(self._key(labels))
        return int(series[-1]) if series else 0

    def samples(self) -> Iterator[Sample]:
        for key, series in sorted(self.series.items()):
            labels = self._named(key)
            running = 0.0
            for bound, n in zip(self.buckets, series):
                running += n
                yield f"{self.name}_bucket", {**labels, "le": _number(bound)}, running
            yield f"{self.name}_bucket", {**labels, "le": "+Inf"}, series[-1]
            yield f"{self.name}_sum", labels, series[-2]
            yield f"{self.name}_count", labels, series[-1]


def exposition(metrics: Iterable[Metric]) -> str:
    """The metrics in the Prometheus text format: HELP and TYPE, then each sample."""
    lines = []
    for metric in metrics:
        lines.append(f"# HELP {metric.name} {_escape_help(metric.help)}")
        lines.append(f"# TYPE {metric.name} {metric.kind}")
        for name, labels, value in metric.samples():
            said = ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels.items())
            lines.append(f"{name}{{{said}}} {_number(value)}" if said
                         else f"{name} {_number(value)}")
    return "\n".join(lines) + "\n"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)
