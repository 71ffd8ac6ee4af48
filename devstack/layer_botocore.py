"""The functions' botocore as the DependenciesLayer ships it: only the services they call.

The layer's build slims botocore (layers/deps/slim_botocore.py). The local stack and `make bench` run
the functions on the same slimmed copy of the project's botocore, put ahead of the environment's on
their path, so a function calling a service the layer leaves out fails here as it would on Lambda, and
cold starts are measured as deployed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

import botocore

from devstack.template import REPO_ROOT
from layers.deps import slim_botocore

CACHE = REPO_ROOT / ".devstack" / "layer"


@cache
def layer_botocore_path() -> str:
    """The directory to put on a function's PYTHONPATH: it holds the slimmed `botocore` package."""
    # Keyed by what it is made from, so a service added to KEPT_SERVICES is there at the next start.
    rules = hashlib.sha256(Path(slim_botocore.__file__).read_bytes()).hexdigest()[:12]
    target = CACHE / f"botocore-{botocore.__version__}-{rules}"
    if not (target / "botocore").is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(dir=CACHE, prefix=".building-"))
        shutil.copytree(Path(botocore.__file__).parent, building / "botocore")
        slim_botocore.slim(building / "botocore")
        try:
            os.rename(building, target)  # atomic: a concurrent build's copy is as good as ours
        except OSError:
            shutil.rmtree(building)
    return str(target)
