"""The fuzzing campaign: file mutants (files.py) and API misuse (api.py),
each case run by a worker process under a memory cap, watched from outside
for crashes and hangs. tests/fuzz/README.md has the figures.

    python tests/fuzz/fuzz.py --files 100000 --api 10000 --seed 1 --json out/fuzz.json
    python tests/fuzz/fuzz.py --replay files:1:4242     # one case, in this process

Workers run many cases each (importing shardframe costs a second); a worker
that dies or stops answering is replaced, and the case it was running is
recorded as a crash or a hang with the end of its stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import queue
import re
import resource
import select
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import DEFECTS, GOOD, OUTCOMES  # noqa: E402

# Defects no case may show, open finding or not.
NEVER = ("crash", "hang", "panic", "internal")
KNOWN = os.path.join(HERE, "known.txt")


def known_findings() -> set[str]:
    """Open findings, ``KIND:SEED:INDEX`` per line (a ``#`` starts a comment)."""
    with open(KNOWN) as f:
        return {line.split("#")[0].split()[0] for line in f if line.split("#")[0].strip()}


# --- the wire: length-prefixed pickles over the worker's stdin/stdout ----------

def _send(stream: Any, obj: Any) -> None:
    data = pickle.dumps(obj)
    stream.write(struct.pack("<I", len(data)) + data)
    stream.flush()


def _recv(stream: Any) -> Any:
    head = stream.read(4)
    if len(head) < 4:
        raise EOFError
    (n,) = struct.unpack("<I", head)
    return pickle.loads(stream.read(n))


def _run_case(kind: str, seed: int, index: int, case: Any, workdir: str) -> tuple[str, str, bool]:
    """One case in this process: (outcome, detail, whether it fell back to pandas)."""
    import warnings

    from shardframe.exceptions import FallbackWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if kind == "files":
            import files

            outcome, detail = files.run(seed, index, workdir)
        else:
            import api

            outcome, detail = api.run(case)
    return outcome, detail, any(issubclass(w.category, FallbackWarning) for w in caught)


def worker(mem_bytes: int) -> None:
    """The worker loop: a case in, its outcome out, until stdin closes."""
    resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
    import shardframe as sf

    sf.options.progress = False
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the wire
    with tempfile.TemporaryDirectory(prefix="sf-fuzz-") as workdir:
        while True:
            try:
                kind, seed, index, case = _recv(stdin)
            except EOFError:
                return
            _send(stdout, _run_case(kind, seed, index, case, workdir))


# --- the parent ---------------------------------------------------------------

class _Slot:
    """One worker process, replaced after a crash or a hang."""

    def __init__(self, mem_bytes: int) -> None:
        self.mem_bytes = mem_bytes
        self.proc: subprocess.Popen[bytes] | None = None
        self.err = tempfile.TemporaryFile()

    def _start(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            self.err.seek(0)
            self.err.truncate()
            self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", str(self.mem_bytes)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err)
        return self.proc

    def _stderr_tail(self) -> str:
        self.err.seek(0)
        return self.err.read()[-600:].decode("utf-8", "replace").replace("\n", " | ")

    def run(self, item: tuple[str, int, int, Any], timeout: float) -> tuple[str, str, bool]:
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            _send(proc.stdin, item)
            ready, _, _ = select.select([proc.stdout], [], [], timeout)
            if not ready:
                proc.kill()
                proc.wait()
                return "hang", f"no answer in {timeout:.0f} s", False
            return _recv(proc.stdout)  # type: ignore[no-any-return]
        except (EOFError, BrokenPipeError):
            code = proc.wait()
            return "crash", f"worker exit {code}: {self._stderr_tail()}", False

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


def campaign(files: int, api_cases: int, seed: int, workers: int = 2, timeout: float = 30.0,
             mem_gb: float = 8.0, progress: bool = False, only: set[tuple[str, int]] | None = None) -> dict[str, Any]:
    """Run the cases (of them, those in ``only`` if given: (kind, index)
    pairs); counts per kind and outcome, and every defect found."""
    items: queue.Queue[tuple[str, int, int, Any]] = queue.Queue()
    for i in range(files):
        if only is None or ("files", i) in only:
            items.put(("files", seed, i, None))
    for i, case in enumerate(api_cases_of(seed, api_cases) if api_cases else []):
        if only is None or ("api", i) in only:
            items.put(("api", seed, i, case))
    total = items.qsize()
    counts: dict[str, Counter[str]] = {"files": Counter(), "api": Counter()}
    fallbacks: Counter[str] = Counter()
    defects: list[dict[str, Any]] = []
    lock = threading.Lock()
    started = time.time()

    def drain() -> None:
        slot = _Slot(int(mem_gb * (1 << 30)))
        try:
            while True:
                try:
                    item = items.get_nowait()
                except queue.Empty:
                    return
                outcome, detail, fellback = slot.run(item, timeout)
                with lock:
                    counts[item[0]][outcome] += 1
                    fallbacks[item[0]] += fellback
                    if outcome in DEFECTS:
                        defects.append({"kind": item[0], "seed": item[1], "index": item[2], "outcome": outcome,
                                        "detail": detail, "case": _describe(item)})
                    done = sum(sum(c.values()) for c in counts.values())
                    if progress and done % 500 == 0:
                        print(f"  {done}/{total} cases, {len(defects)} defects, {time.time() - started:.0f} s",
                              file=sys.stderr, flush=True)
        finally:
            slot.close()

    threads = [threading.Thread(target=drain) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = sum(c[o] for c in counts.values() for o in ("clean_error", "stricter", "wrong_type"))
    wrong = sum(c["wrong_type"] for c in counts.values())
    return {
        "seed": seed, "cases": {k: sum(c.values()) for k, c in counts.items()},
        "outcomes": {k: {o: c[o] for o in OUTCOMES} for k, c in counts.items()},
        "fallbacks": dict(fallbacks), "wrong_type_share_of_errors": wrong / errors if errors else 0.0,
        "seconds": round(time.time() - started, 1), "defects": sorted(defects, key=lambda d: (d["kind"], d["index"])),
    }


def api_cases_of(seed: int, count: int) -> list[Any]:
    """The API cases of a seed, drawn in a fresh interpreter: Hypothesis draws
    other cases for the same seed in a process that ran other Hypothesis tests
    before (the smoke run inside the test suite)."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--emit-api", str(seed), str(count)],
                         capture_output=True, check=True)
    return pickle.loads(out.stdout)  # type: ignore[no-any-return]


def _describe(item: tuple[str, int, int, Any]) -> str:
    kind, seed, index, case = item
    if kind == "files":
        import files

        return files.describe(seed, index)
    import api

    return api.describe(case)


def report(result: dict[str, Any]) -> str:
    lines = [f"seed {result['seed']}, {result['seconds']} s"]
    for kind, outcomes in result["outcomes"].items():
        n = result["cases"][kind]
        good = ", ".join(f"{o} {outcomes[o]}" for o in GOOD)
        bad = ", ".join(f"{o} {outcomes[o]}" for o in DEFECTS)
        lines.append(f"{kind}: {n} cases ({result['fallbacks'].get(kind, 0)} through pandas) | {good} | {bad}")
    lines.append(f"wrong exception type: {100 * result['wrong_type_share_of_errors']:.2f}% of errors")
    for d in result["defects"][:40]:
        lines.append(f"  {d['outcome']:10} {d['kind']}:{d['seed']}:{d['index']} {d['case'][:200]} -> {d['detail'][:300]}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=2000, help="file mutants")
    parser.add_argument("--api", type=int, default=500, help="API cases")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a case is a hang")
    parser.add_argument("--mem-gb", type=float, default=8.0, help="address-space cap of a worker")
    parser.add_argument("--json", help="write the result here")
    parser.add_argument("--recheck", help="a --json result: run its defects again (the figures count only them)")
    parser.add_argument("--replay", help="KIND:SEED:INDEX, run in this process (a crash shows its traceback)")
    parser.add_argument("--update-known", action="store_true",
                        help="record this run's defects as the open findings in known.txt (the smoke run's seed)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--emit-api", type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return 0
    if args.emit_api:
        import api

        sys.stdout.buffer.write(pickle.dumps(api.generate(*args.emit_api)))
        return 0
    if args.replay:
        kind, seed, index = args.replay.split(":")
        case = None
        if kind == "api":
            case = api_cases_of(int(seed), int(index) + 1)[int(index)]
        item = (kind, int(seed), int(index), case)
        print(_describe(item))
        with tempfile.TemporaryDirectory() as workdir:
            print(_run_case(kind, int(seed), int(index), case, workdir))
        return 0
    if args.recheck:
        with open(args.recheck) as f:
            earlier = json.load(f)
        only = {(d["kind"], d["index"]) for d in earlier["defects"]}
        files_, api_ = (1 + max([i for k, i in only if k == kind], default=-1) for kind in ("files", "api"))
        result = campaign(files_, api_, earlier["seed"], args.workers, args.timeout, args.mem_gb, only=only)
    else:
        result = campaign(args.files, args.api, args.seed, args.workers, args.timeout, args.mem_gb, progress=True)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    print(report(result))
    if args.update_known:
        with open(KNOWN, "w") as f:
            f.write("# Open findings of the smoke run (tests/test_fuzz_smoke.py), written by\n"
                    "# `fuzz.py --update-known`: KIND:SEED:INDEX outcome, what differs\n")
            for d in result["defects"]:
                if d["outcome"] not in NEVER:
                    detail = re.sub(r"/tmp/sf-fuzz-\w+/", "", d["detail"])[:150]  # the worker's directory
                    f.write(f"{d['kind']}:{d['seed']}:{d['index']} {d['outcome']} # {detail}\n")
    return 1 if result["defects"] else 0


if __name__ == "__main__":
    sys.exit(main())
