"""`python -m benchmarks`: every benchmark in one run (benchmarks/run_all.py)."""

from benchmarks.run_all import main

main()
