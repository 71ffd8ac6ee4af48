"""After `sam build`: every module in every layer has bytecode Python will use as it is.

Lambda's /opt is read-only: a module without a usable .pyc is compiled from source at every cold start,
and the result is thrown away. The layers' builds compile as unchecked-hash (layers/deps/Makefile,
layers/firebase/Makefile, shared/Makefile), which Python uses without checking the source's timestamp.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

BUILD_DIR = Path(__file__).resolve().parent.parent / ".aws-sam" / "build"
UNCHECKED_HASH = 0b01  # PEP 552's flags word: hash-based, source not checked


def without_usable_bytecode(layer: Path) -> list[Path]:
    missing = []
    for source in sorted(layer.rglob("*.py")):
        cached = Path(importlib.util.cache_from_source(str(source)))
        if not cached.exists() or int.from_bytes(cached.read_bytes()[4:8], "little") != UNCHECKED_HASH:
            missing.append(source)
    return missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR)
    build_dir = parser.parse_args().build_dir
    failures = []
    for layer in sorted(path for path in build_dir.glob("*Layer") if path.is_dir()):
        missing = without_usable_bytecode(layer)
        print(f"{layer.name}: {sum(1 for _ in layer.rglob('*.py')) - len(missing)} modules with bytecode")
        failures += [f"{source.relative_to(build_dir)}" for source in missing]
    if failures:
        print(f"No unchecked-hash bytecode for {len(failures)} modules, e.g. {failures[:5]}", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
