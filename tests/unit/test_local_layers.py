"""The local stack runs each function with only what its layers ship importable, as on Lambda."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from devstack.template import REPO_ROOT, functions, layer_packages

_TRY_IMPORTS = (
    "import os, sys\n"
    "from devstack.worker import OnlyLayerPackages\n"
    "sys.meta_path.insert(0, OnlyLayerPackages(frozenset(os.environ['SELFKIND_LOCAL_LAYER_PACKAGES'].split(','))))\n"
    "for name in sys.argv[1:]:\n"
    "    try:\n"
    "        __import__(name)\n"
    "        print(name, 'importable')\n"
    "    except ModuleNotFoundError:\n"
    "        print(name, 'missing')\n"
)


def _importable(function: str, *modules: str) -> dict[str, bool]:
    shipped = ",".join(sorted(layer_packages(functions()[function])))
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", _TRY_IMPORTS, *modules],
        env={**os.environ, "SELFKIND_LOCAL_LAYER_PACKAGES": shipped, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    return {line.split()[0]: line.split()[1] == "importable" for line in result.stdout.splitlines()}


@pytest.mark.parametrize(
    "function", ["CatalogFunction", "SyncFunction", "AccountFunction", "ReminderSchedulerFunction"]
)
def test_functions_without_the_firebase_layer_cannot_import_firebase_or_google(function: str) -> None:
    assert _importable(function, "firebase_admin", "grpc", "google.auth", "pydantic", "boto3", "moto") == {
        "firebase_admin": False,
        "grpc": False,
        "google.auth": False,
        "pydantic": True,
        "boto3": True,
        "moto": False,  # a dev tool is never in a layer
    }


def test_the_sender_imports_firebase_messaging_but_not_what_its_layer_leaves_out() -> None:
    assert _importable("ReminderSenderFunction", "firebase_admin.messaging", "grpc", "google.cloud.firestore") == {
        "firebase_admin.messaging": True,
        "grpc": False,
        "google.cloud.firestore": False,
    }
