from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Development only: the register generator (`generate_register`) and the benchmark.
    Installed by bench/settings.py and tests/settings.py, never by the product's settings."""

    name = "bench"
    verbose_name = "Benchmark"
