"""Speed: `modelsite bench` measures each variant on the device at hand, into committed result files
(`benchmarks/DEVICE-SETTING.csv`) that validate checks and the site shows."""

from modelsite.bench.results import BENCH_DIR, SETTINGS, BenchFile, BenchRow, bench_files, read_bench_file

__all__ = ["BENCH_DIR", "SETTINGS", "BenchFile", "BenchRow", "bench_files", "read_bench_file"]
