"""Where independent tasks run — the accessibility analysis' chunks and simulations, the
planner's sweeps: in this process, on a local process pool (``concurrent.futures``) or on
Ray (``--ray auto`` starts a local Ray, ``--ray ADDRESS`` joins a cluster). Every engine
runs the same task functions on the same inputs, so results are identical."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from mobility.errors import RegionError

Done = Callable[[int], None]


class EngineError(RegionError):
    """An engine option is invalid or Ray cannot be started or joined; the message says how
    to fix it (the CLI exits with code 2)."""


class Engine:
    """Runs ``fn(*args)`` for each argument tuple and returns the results in order."""

    name = "local"
    workers = 1

    def map(self, fn: Callable[..., Any], args: Sequence[tuple[Any, ...]],
            done: Done | None = None) -> list[Any]:
        out = []
        for k, a in enumerate(args):
            out.append(fn(*a))
            if done is not None:
                done(k)
        return out

    def close(self) -> None:
        """Release the workers."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PoolEngine(Engine):
    """A local process pool of ``workers`` fresh interpreters (spawned: no forked numba
    state); each loads the region once."""

    name = "pool"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))

    def map(self, fn: Callable[..., Any], args: Sequence[tuple[Any, ...]],
            done: Done | None = None) -> list[Any]:
        futs: list[Future[Any]] = [self._pool.submit(fn, *a) for a in args]
        if done is not None:
            for k, f in enumerate(futs):
                f.add_done_callback(_callback(done, k))
        return [f.result() for f in futs]

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


def _callback(done: Done, k: int) -> Callable[[Future[Any]], None]:
    def call(_: Future[Any]) -> None:
        done(k)

    return call


class RayEngine(Engine):
    """Ray tasks: ``address`` "auto" starts a local Ray with ``workers`` CPUs (the project's
    import path passed on to its workers); any other address joins that cluster (the
    package must be installed on its nodes: ``pip install mobility[ray]``)."""

    name = "ray"

    def __init__(self, address: str, workers: int) -> None:
        try:
            import ray
        except ImportError:
            raise EngineError("--ray needs Ray: pip install 'mobility[ray]' (or run without "
                              "--ray on the local process pool)") from None
        self._ray = ray
        self.workers = workers
        if not ray.is_initialized():
            path = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
            env = {"env_vars": {"PYTHONPATH": path}}
            try:
                if address == "auto":
                    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                             runtime_env=env, configure_logging=False)
                else:
                    _reachable(address)
                    ray.init(address=address, log_to_driver=False, configure_logging=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise EngineError(f"--ray {address}: cannot start or join Ray ({exc})"
                                  ) from None
            self._owned = True
        else:
            self._owned = False
        self._remote: dict[Callable[..., Any], Any] = {}

    def map(self, fn: Callable[..., Any], args: Sequence[tuple[Any, ...]],
            done: Done | None = None) -> list[Any]:
        ray = self._ray
        remote = self._remote.setdefault(fn, ray.remote(fn))
        # an argument object several tasks share (the setup) goes into the store once
        seen: dict[int, int] = {}
        for a in args:
            for x in a:
                seen[id(x)] = seen.get(id(x), 0) + 1
        shared: dict[int, Any] = {}

        def ref(x: Any) -> Any:
            if seen[id(x)] < 2 or isinstance(x, (int, float, str)) or x is None:
                return x
            if id(x) not in shared:
                shared[id(x)] = ray.put(x)
            return shared[id(x)]

        refs = [remote.remote(*[ref(x) for x in a]) for a in args]
        pending = {r: k for k, r in enumerate(refs)}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for r in ready:
                k = pending.pop(r)
                if done is not None:
                    done(k)
        return ray.get(refs)

    def close(self) -> None:
        if self._owned:
            self._ray.shutdown()


def _reachable(address: str, timeout_s: float = 5.0) -> None:
    """Fail fast on a cluster address nothing answers at (Ray itself retries for minutes)."""
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise EngineError(f"--ray must be auto or HOST:PORT of a Ray cluster's head, not "
                          f"{address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise EngineError(f"--ray {address}: no Ray cluster answers there ({exc}); start "
                          "one with `ray start --head` or use --ray auto") from None


def engine(ray: str | None, workers: int) -> Engine:
    """The engine of the options: Ray when ``ray`` is given, else a local pool of
    ``workers`` processes (this process alone for one)."""
    if workers < 1:
        raise EngineError(f"--workers must be at least 1, not {workers}")
    if ray is not None:
        return RayEngine(ray, workers)
    return PoolEngine(workers) if workers > 1 else Engine()
