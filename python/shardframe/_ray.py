"""The Ray backend: the staged executor's tasks as Ray tasks.

Imported only when ``sf.options.backend == "ray"`` (``import shardframe``
never imports Ray). The engine (Rust) plans the stages and calls this
module's :class:`RayBackend` to submit tasks and wait for them. Each task
runs ``shardframe._core.run_task`` on a worker: the shardframe engine, with
the GIL released, on the worker's own threads. A partition lives in Ray's
object store as compressed Arrow IPC bytes; the driver holds object
references and metadata (rows, sizes, column statistics) only, and fetches
bytes when a result is shown or converted.

Fault tolerance is Ray's: a task whose worker or node dies is retried
(``max_retries``), and a lost object is rebuilt from its lineage (object
reconstruction is on by default in Ray). A task that fails on bad data
raises its original exception (``retry_exceptions=False``), once.
"""

from __future__ import annotations

import os
from typing import Any

import ray
from ray.exceptions import RayTaskError

#: Retries of a task whose worker died (Ray's ``max_retries``).
MAX_RETRIES = int(os.environ.get("SHARDFRAME_RAY_MAX_RETRIES", "4"))


def _run_task(envelope: bytes, sizes: list[int], *parts: bytes) -> tuple[Any, ...]:
    """On a worker: run one engine task; returns (metadata, *outputs)."""
    from shardframe import _core

    data, i = [], 0
    for n in sizes:
        data.append(list(parts[i : i + n]))
        i += n
    outs = _core.run_task(envelope, data)
    return ([meta for meta, _ in outs], *[b for _, b in outs])


def get(ref: Any) -> Any:
    """``ray.get`` that raises a failed task's own exception (a KeyError from
    a missing column stays a KeyError), not Ray's wrapper."""
    try:
        return ray.get(ref)
    except RayTaskError as err:
        cause = err.cause
        if isinstance(cause, BaseException):
            raise cause from None
        raise


def fetch(ref: Any) -> bytes:
    """A partition's bytes from the object store."""
    return get(ref)


class RayBackend:
    """The protocol the engine calls (see ``rust/python/src/remote.rs``)."""

    def __init__(self) -> None:
        if not ray.is_initialized():
            # Connects to RAY_ADDRESS if set, else starts a local Ray.
            ray.init(log_to_driver=False)
        self._task = ray.remote(_run_task)

    def parallelism(self) -> int:
        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    def put(self, data: bytes) -> Any:
        return ray.put(data)

    def submit(self, envelope: bytes, inputs: list[list[Any]], outputs: int) -> tuple[Any, list]:
        flat = [ref for slot in inputs for ref in slot]
        refs = self._task.options(
            num_returns=outputs + 1, max_retries=MAX_RETRIES, retry_exceptions=False
        ).remote(
            envelope, [len(slot) for slot in inputs], *flat
        )
        return refs[0], list(refs[1:])

    def ready(self, refs: list, timeout: float) -> list[tuple[int, list[bytes]]]:
        """(position, metadata) of the tasks among ``refs`` that have finished."""
        done, _ = ray.wait(refs, num_returns=len(refs), timeout=timeout, fetch_local=True)
        if not done:
            return []
        position = {ref: i for i, ref in enumerate(refs)}
        return [(position[ref], get(ref)) for ref in done]

    def cancel(self, refs: list) -> None:
        for ref in refs:
            try:
                ray.cancel(ref)
            except Exception:  # noqa: BLE001 - already finished or gone
                pass


def init(address: str | None = None, **kwargs: Any) -> None:
    """Connect to the Ray cluster at ``address`` (``"auto"``, ``"ray://..."``,
    or None: ``RAY_ADDRESS`` or a new local Ray); other arguments go to
    ``ray.init``."""
    if not ray.is_initialized():
        kwargs.setdefault("log_to_driver", False)
        ray.init(address=address, **kwargs)
