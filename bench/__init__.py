"""Load benchmarks: each scenario beside a bare Litestar endpoint measured in the same run."""
