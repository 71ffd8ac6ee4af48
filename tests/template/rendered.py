"""The template as CloudFormation receives it: translated by the SAM translator of the pinned SAM CLI.

The translator lives in the SAM CLI's own environment (tools/sam), so it runs there, in a subprocess.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from typing import Any

from devstack.template import REPO_ROOT, TEMPLATE_PATH

SAM_PYTHON = REPO_ROOT / "tools" / "sam" / ".venv" / "bin" / "python"

# As `sam deploy` uploads them: CodeUri and ContentUri become S3 locations named by their content.
_TRANSLATE = """
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

class NoManagedPolicies:
    def load(self):
        return {}

template = yaml_parse(open(sys.argv[1]).read())
parameters, locations = json.loads(sys.argv[2]), json.loads(sys.argv[3])
for name, resource in template["Resources"].items():
    for key in ("CodeUri", "ContentUri"):
        if key in resource.get("Properties", {}):
            resource["Properties"][key] = locations.get(name, "s3://artifacts/" + name)
print(json.dumps(transform(template, parameters, NoManagedPolicies())))
"""


@cache
def _render(parameters: str, locations: str) -> dict[str, Any]:
    if not SAM_PYTHON.exists():
        raise RuntimeError("The SAM CLI's environment is missing: run `make install`")
    result = subprocess.run(  # noqa: S603 (the pinned SAM CLI's interpreter)
        [str(SAM_PYTHON), "-c", _TRANSLATE, str(TEMPLATE_PATH), parameters, locations],
        env={"AWS_DEFAULT_REGION": "eu-west-1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    rendered: dict[str, Any] = json.loads(result.stdout)
    return rendered


def render(environment: str = "dev", locations: dict[str, str] | None = None) -> dict[str, Any]:
    """CloudFormation's template for a stack of this Environment; `locations` moves a code artifact."""
    return _render(json.dumps({"Environment": environment}), json.dumps(locations or {}, sort_keys=True))


def physical_name(value: Any, stack: dict[str, Any], resources: dict[str, Any]) -> str:
    """Evaluates a name property (Ref, Sub, Join, If) as CloudFormation would for the given stack.

    A resource without a name of its own gets one generated from its stack, so a reference to it
    stands for a name unique to the stack.
    """

    def reference(name: str) -> str:
        if name in stack:
            return str(stack[name])
        if name.split(".")[0] in resources:
            return f"{stack['AWS::StackName']}-{name}-GENERATED"
        raise KeyError(name)

    if isinstance(value, str):
        return value
    ((function, argument),) = value.items()
    if function == "Ref":
        return reference(argument)
    if function == "Fn::GetAtt":
        return reference(".".join(argument) if isinstance(argument, list) else argument)
    if function == "Fn::Sub":
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        return re.sub(
            r"\$\{([^}!]+)\}",
            lambda m: (
                physical_name(variables[m.group(1)], stack, resources)
                if m.group(1) in variables
                else reference(m.group(1))
            ),
            text,
        )
    if function == "Fn::Join":
        separator, parts = argument
        return str(separator).join(physical_name(part, stack, resources) for part in parts)
    raise ValueError(f"cannot evaluate {function} in a name")
