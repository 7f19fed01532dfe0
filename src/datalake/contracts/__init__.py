"""Data contracts shared across layers: pure declarations (no I/O, no Spark), so the generators, the
jobs and the reconcile checks can all derive their code from one place."""
