"""The whole stored path of one uploaded page, against Pillow's bare decode + encode.

Run with ``python -m bench.bench_ordonnances``. `bench.bench_files` measures sanitising and
encryption; this adds what `ordonnances.services.create_prescription` does on top for each page:
the admin thumbnail, encrypting both, and writing them through Django's storage API (a
FileSystemStorage in a temporary folder). Target: at most 1.5x the baseline's median time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import django
from django.conf import settings

from bench.bench_files import baseline, peak_rss_mib, reset_peak_rss, timed
from ordonnances.files import encrypt, generate_key, make_thumbnail, sanitise_upload
from tests.ordonnances.filesets import phone_jpeg

TARGET_RATIO = 1.5
RUNS = 7


def _storage(location: str):
    if not settings.configured:
        settings.configure(USE_TZ=True)
        django.setup()
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=location)


def stored_path(data: bytes, keys: list[str], storage) -> list[str]:
    """Exactly the per-file work of create_prescription, minus the database rows."""
    from django.core.files.base import ContentFile

    clean = sanitise_upload(data)
    thumbnail = make_thumbnail(clean.content, clean.content_type)
    names = [storage.save("ordonnances/page", ContentFile(encrypt(clean.content, keys)))]
    if thumbnail is not None:
        names.append(storage.save("ordonnances/thumb", ContentFile(encrypt(thumbnail, keys))))
    return names


def memory_child(which: str, path: str, folder: str) -> None:
    with open(path, "rb") as f:
        data = f.read()
    storage = _storage(folder)
    keys = [generate_key()]
    reset_peak_rss()
    before = peak_rss_mib()
    baseline(data) if which == "baseline" else stored_path(data, keys, storage)
    after = peak_rss_mib()
    print(json.dumps({"peak": after, "increase": after - before}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--memory", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        memory_child(*args.memory)
        return 0

    started = time.perf_counter()
    data = phone_jpeg(4000, 3000, orientation=6)
    keys = [generate_key()]
    with tempfile.TemporaryDirectory() as folder:
        storage = _storage(folder)
        baseline(data)
        stored_path(data, keys, storage)
        times: dict[str, list[float]] = {"baseline": [], "stored": []}
        for _ in range(args.runs):
            times["baseline"].append(timed(baseline, data))
            times["stored"].append(timed(stored_path, data, keys, storage))
        ms = {name: statistics.median(values) * 1000 for name, values in times.items()}
        ratio = ms["stored"] / ms["baseline"]
        print(f"Input: 4000x3000 phone JPEG, {len(data) / 1e6:.1f} MB, EXIF orientation 6 + GPS")
        print(f"Median of {args.runs} interleaved runs:")
        print(f"  baseline  Pillow decode + encode (q85)                 {ms['baseline']:7.1f} ms")
        print(f"  stored    sanitise + thumbnail + encrypt x2 + storage  {ms['stored']:7.1f} ms")
        verdict = "OK" if ratio <= TARGET_RATIO else "OVER TARGET"
        print(f"  ratio     {ratio:.2f}x (target <= {TARGET_RATIO}x): {verdict}")

        with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
            f.write(data)
            f.flush()
            print("Peak RSS, one run in a fresh process (VmHWM):")
            for which in ("baseline", "stored"):
                result = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "bench.bench_ordonnances",
                        "--memory",
                        which,
                        f.name,
                        folder,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                    cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                )
                mem = json.loads(result.stdout.strip().splitlines()[-1])
                print(f"  {which:9s} peak {mem['peak']:7.1f} MiB (+{mem['increase']:.1f} MiB)")
    print(f"Total bench time: {time.perf_counter() - started:.1f} s")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
