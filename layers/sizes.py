"""After `sam build`: each function's unzipped size together with its layers, as Lambda counts it.

Lambda's quota is 250 MB unzipped for a function and all its layers together. The API functions have
a tighter budget of their own (API_BUDGET_MIB): their cold starts load from these bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO_ROOT / ".aws-sam" / "build"
MIB = 1024 * 1024
LAMBDA_LIMIT_MIB = 250 * 1000 * 1000 / MIB  # 250 MB, the quota's unit
API_BUDGET_MIB = 55


class _Loader(yaml.SafeLoader):
    """Reads the intrinsic tags (!Ref ...) as plain {"Ref": ...} values."""


_Loader.add_multi_constructor(
    "!",
    lambda loader, suffix, node: {
        ("Ref" if suffix == "Ref" else f"Fn::{suffix}"): (
            loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None
        )
    },
)


def tree_size(path: Path) -> int:
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())


def function_sizes(template: dict[str, Any], build_dir: Path) -> dict[str, dict[str, int]]:
    """Function logical id -> {"code": bytes, <layer logical id>: bytes, ...}."""
    resources = template["Resources"]
    global_layers = template.get("Globals", {}).get("Function", {}).get("Layers", [])
    sizes = {}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        parts = {"code": tree_size(build_dir / props["CodeUri"])}
        for layer in [*global_layers, *props.get("Layers", [])]:
            layer_id = layer["Ref"]
            parts[layer_id] = tree_size(build_dir / resources[layer_id]["Properties"]["ContentUri"])
        sizes[name] = parts
    return sizes


def serves_http(resource: dict[str, Any]) -> bool:
    return any(event["Type"] == "HttpApi" for event in resource["Properties"].get("Events", {}).values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR)
    build_dir = parser.parse_args().build_dir
    template = yaml.load((build_dir / "template.yaml").read_text(), Loader=_Loader)  # noqa: S506 (a SafeLoader)
    over_budget = []
    print(f"{'function':<28}{'unzipped with layers':>22}   parts (MiB)")
    for name, parts in sorted(function_sizes(template, build_dir).items()):
        total = sum(parts.values()) / MIB
        detail = ", ".join(f"{part} {size / MIB:.1f}" for part, size in parts.items())
        print(f"{name:<28}{total:>18.1f} MiB   {detail}")
        budget = API_BUDGET_MIB if serves_http(template["Resources"][name]) else LAMBDA_LIMIT_MIB
        if total > budget:
            over_budget.append(f"{name}: {total:.1f} MiB > {budget:.0f} MiB")
    if over_budget:
        print("Over budget: " + "; ".join(over_budget), file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
