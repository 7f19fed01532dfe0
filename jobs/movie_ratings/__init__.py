"""Movie ratings pipeline: MovieLens catalog and streamed ratings into Delta, daily top-100 into MariaDB."""

from __future__ import annotations
