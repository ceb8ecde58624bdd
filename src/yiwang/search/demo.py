"""The search part of ``yiwang demo``: rebuild the index after every bank's demo data is in.

Idempotent: a rebuild replaces the documents (derived data), so a second run creates no
bank rows and leaves the same index.
"""

from .services import rebuild_index


def load(*, scale: int, log) -> None:
    counts = rebuild_index()
    log.write(f"  搜索索引：{sum(counts.values())} 条文档")
