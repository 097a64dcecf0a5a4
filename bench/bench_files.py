"""Cost of sanitising and encrypting a phone photo, against Pillow's bare decode + encode.

Run with ``python -m bench.bench_files``. The question it answers: does the upload
pipeline (validation, full decode, EXIF rotation, downscale, metadata-free re-encode,
Fernet encryption) cost much more than the unavoidable minimum of decoding and
re-encoding the same JPEG? Target: at most 1.5x the baseline's median time.

Memory is measured as peak RSS in a fresh subprocess per pipeline, because Pillow
allocates pixel buffers outside Python's allocator, where tracemalloc cannot see them.
The machine may be shared: runs are interleaved so noise hits both sides alike.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from PIL import Image

from ordonnances import files
from ordonnances.files import JPEG_DRAFT_FLOOR, encrypt, generate_key, sanitise_upload
from tests.ordonnances.filesets import phone_jpeg

TARGET_RATIO = 1.5
RUNS = 7


def baseline(data: bytes) -> bytes:
    """The floor: decode the whole JPEG and encode it again, nothing else."""
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        out = io.BytesIO()
        img.save(out, "JPEG", quality=85)
    return out.getvalue()


def pipeline(data: bytes, keys: list[str]) -> bytes:
    """What an upload goes through before it is stored."""
    return encrypt(sanitise_upload(data).content, keys)


def pipeline_exact_max_side(data: bytes, keys: list[str]) -> bytes:
    """The pipeline without decoder-side scaling, output as close to 2500 px as possible."""
    saved = files.JPEG_DRAFT_FLOOR
    files.JPEG_DRAFT_FLOOR = 1.0
    try:
        return pipeline(data, keys)
    finally:
        files.JPEG_DRAFT_FLOOR = saved


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def peak_rss_mib() -> float:
    """Peak RSS of this process. VmHWM is per address space, so it starts afresh at exec;
    ru_maxrss would include the parent's footprint at fork time."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Make the peak start from the current RSS (Linux only; no-op elsewhere)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass


def measure_memory_in_child(which: str, path: str) -> None:
    with open(path, "rb") as f:
        data = f.read()
    keys = [generate_key()]
    reset_peak_rss()
    before = peak_rss_mib()
    if which == "baseline":
        baseline(data)
    else:
        pipeline(data, keys)
    after = peak_rss_mib()
    print(json.dumps({"peak": after, "increase": after - before}))


def measure_memory(which: str, path: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_files", "--memory", which, path],
        check=True,
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--memory", nargs=2, metavar=("WHICH", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        measure_memory_in_child(*args.memory)
        return 0

    started = time.perf_counter()
    data = phone_jpeg(4000, 3000, orientation=6)
    keys = [generate_key()]
    clean = sanitise_upload(data)
    print(
        f"Input: generated 4000x3000 phone JPEG, {len(data) / 1e6:.1f} MB, "
        "EXIF orientation 6 + GPS."
    )
    print(
        f"Sanitised: {clean.width}x{clean.height} JPEG, {len(clean.content) / 1e6:.2f} MB.\n"
        "Note: sanitise_upload downscales by design (longest side <= 2500 px; for JPEG, libjpeg\n"
        f"scales by 1/2 in the decoder when that stays >= {JPEG_DRAFT_FLOOR:.0%} of it), so it\n"
        "encodes fewer pixels than the baseline, which re-encodes all 12 Mpx."
    )

    baseline(data)
    pipeline(data, keys)
    times: dict[str, list[float]] = {
        "baseline": [],
        "pipeline": [],
        "sanitise": [],
        "encrypt": [],
        "exact": [],
    }
    for _ in range(args.runs):
        times["baseline"].append(timed(baseline, data))
        times["pipeline"].append(timed(pipeline, data, keys))
        times["sanitise"].append(timed(sanitise_upload, data))
        times["encrypt"].append(timed(encrypt, clean.content, keys))
        times["exact"].append(timed(pipeline_exact_max_side, data, keys))
    ms = {name: statistics.median(values) * 1000 for name, values in times.items()}
    ratio = ms["pipeline"] / ms["baseline"]
    print(f"\nMedian of {args.runs} interleaved runs:")
    print(f"  baseline  Pillow decode + encode (q85)          {ms['baseline']:7.1f} ms")
    print(f"  pipeline  sanitise_upload + encrypt             {ms['pipeline']:7.1f} ms")
    print(f"              of which sanitise_upload            {ms['sanitise']:7.1f} ms")
    print(f"              of which encrypt (Fernet)           {ms['encrypt']:7.1f} ms")
    verdict = "OK" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"  ratio     {ratio:.2f}x (target <= {TARGET_RATIO}x): {verdict}")
    print(
        f"  for reference, JPEG_DRAFT_FLOOR=1.0 (full decode, box resample to 2500 px): "
        f"{ms['exact']:.1f} ms, {ms['exact'] / ms['baseline']:.2f}x"
    )

    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(data)
        f.flush()
        memory = {which: measure_memory(which, f.name) for which in ("baseline", "pipeline")}
    print("\nPeak RSS, one run in a fresh process (VmHWM):")
    for which, mem in memory.items():
        print(
            f"  {which:9s} peak {mem['peak']:7.1f} MiB, "
            f"+{mem['increase']:6.1f} MiB over the process after imports"
        )
    print(f"\nTotal bench time: {time.perf_counter() - started:.1f} s")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
