from django.apps import AppConfig


class PerfConfig(AppConfig):
    """Performance tooling: `tongxin synth` (a synthetic country) and the benchmark suite."""

    name = "tongxin.perf"
    label = "perf"
