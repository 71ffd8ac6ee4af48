"""Reading template.yaml: functions, their HTTP routes and environment, and table definitions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads the short intrinsic tags (!Ref, !Sub, !If ...) as their long form ({"Ref": ...})."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@cache
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open() as stream:
        document: dict[str, Any] = yaml.load(stream, Loader=_CloudFormationLoader)  # noqa: S506 (SafeLoader subclass)
    return document


@dataclass(frozen=True)
class HttpRoute:
    method: str  # "ANY" for the $default route
    path: str  # "$default" or an API path template such as /v1/exercises/{exercise_id}
    requires_auth: bool
    function: str  # logical id

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"

    def match(self, path: str) -> dict[str, str] | None:
        if self.path == "$default":
            return {}
        pattern = re.sub(r"\{([^/}+]+)\+\}", r"(?P<\1>.+)", self.path)
        pattern = re.sub(r"\{([^/}]+)\}", r"(?P<\1>[^/]+)", pattern)
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class FunctionDefinition:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, Any] = field(hash=False)
    timeout_seconds: int
    memory_mb: int
    layers: tuple[str, ...] = ()  # logical ids: the global layers, then the function's own

    @property
    def module_name(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def handler_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == resource_type}


def functions(template: dict[str, Any] | None = None) -> dict[str, FunctionDefinition]:
    template = template or load_template()
    globals_ = template.get("Globals", {}).get("Function", {})
    result = {}
    for name, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        props = resource["Properties"]
        environment = {
            **globals_.get("Environment", {}).get("Variables", {}),
            **props.get("Environment", {}).get("Variables", {}),
        }
        result[name] = FunctionDefinition(
            logical_id=name,
            code_dir=REPO_ROOT / props["CodeUri"],
            handler=props["Handler"],
            environment=environment,
            timeout_seconds=int(props.get("Timeout", globals_.get("Timeout", 3))),
            memory_mb=int(props.get("MemorySize", globals_.get("MemorySize", 128))),
            layers=tuple(layer["Ref"] for layer in [*globals_.get("Layers", []), *props.get("Layers", [])]),
        )
    return result


def layer_packages(function: FunctionDefinition, template: dict[str, Any] | None = None) -> frozenset[str]:
    """The distributions the function's layers ship (normalized names), from their requirements.txt.

    A layer without one (the project's own code) adds none.
    """
    resources = (template or load_template())["Resources"]
    names: set[str] = set()
    for layer in function.layers:
        requirements = REPO_ROOT / resources[layer]["Properties"]["ContentUri"] / "requirements.txt"
        if requirements.exists():
            pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", requirements.read_text(), re.MULTILINE)
            names.update(normalized_distribution_name(pin) for pin in pins)
    return frozenset(names)


def normalized_distribution_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def http_routes(template: dict[str, Any] | None = None) -> list[HttpRoute]:
    """Every HttpApi event of every function; routes without an authorizer override need the JWT."""
    template = template or load_template()
    routes = []
    for name, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            props = event.get("Properties", {})
            authorizer = props.get("Auth", {}).get("Authorizer")
            routes.append(
                HttpRoute(
                    method=props.get("Method", "ANY").upper(),
                    path=props.get("Path", "$default"),
                    requires_auth=authorizer != "NONE",
                    function=name,
                )
            )
    # Like API Gateway: the most specific route wins; $default only when nothing else matches.
    return sorted(routes, key=lambda route: (route.path == "$default", route.path.count("{"), route.path))


def dynamodb_tables(template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    return resources_of_type(template or load_template(), "AWS::DynamoDB::Table")


def resolve(value: Any, references: dict[str, str]) -> Any:
    """Resolves the intrinsics environment variables use (Ref, GetAtt, Sub) against local names."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref":
            return references[argument]
        if key == "Fn::GetAtt":
            return references[".".join(argument)]
        if key == "Fn::Sub":
            return re.sub(r"\$\{([^}]+)\}", lambda m: references[m.group(1)], argument)
    if isinstance(value, (int, float)):
        return str(value)
    return value


def parameter_defaults(template: dict[str, Any] | None = None) -> dict[str, str]:
    template = template or load_template()
    return {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()}


def queue_visibility_timeout(logical_id: str, template: dict[str, Any] | None = None) -> int:
    queue = resources_of_type(template or load_template(), "AWS::SQS::Queue")[logical_id]
    return int(queue["Properties"].get("VisibilityTimeout", 30))
