"""A small stateful fake of ConfigCat's Public Management API, on a loopback port, for `ops flags`.

No npm or PyPI package ships ConfigCat's OpenAPI document, so the shapes here are hand-written from
it: the operations `ops flags` calls (operationIds `get-products`, `get-configs`, `get-environments`,
`get-segments`, `get-setting-values-v2`) and their answer models (`ProductModel`, `ConfigModel`,
`EnvironmentModel`, `SegmentListModel`, `ConfigSettingFormulasModel` with `SettingFormulaModel`,
`TargetingRuleModel`, `ConditionModel`, `PercentageOptionModel`, `ValueModel`), each closed
(`additionalProperties: false`, as the spec declares them), as published in the OpenAPI v3 document
of api.configcat.com ("ConfigCat Public Management API", version v1; the copy in
configcat/configcat-publicapi-go-client v2.1.1 `api/openapi.yaml`, the client the pinned provider is
built on). Authentication is HTTP basic, the spec's only security scheme (`Basic`); a request without
the right credentials gets 401. Rate limiting is 429 with `Retry-After` (the spec's description).
Every answer is validated against these schemas, so the fake cannot drift into a shape the API never sends.
"""

from __future__ import annotations

import base64
import itertools
import re
import threading
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

import jsonschema

from tests.support.loopback import FakeHandler, Fault, LoopbackServer, reply_json

_NULLABLE_STRING = {"type": ["string", "null"]}
_VALUE = {"type": "object", "additionalProperties": False, "properties": {
    "boolValue": {"type": ["boolean", "null"]}, "stringValue": _NULLABLE_STRING,
    "intValue": {"type": ["integer", "null"]}, "doubleValue": {"type": ["number", "null"]}}}
_ORGANIZATION = {"type": "object", "additionalProperties": False,
                 "properties": {"organizationId": {"type": "string", "format": "uuid"}, "name": _NULLABLE_STRING}}
_PRODUCT = {"type": "object", "additionalProperties": False, "properties": {
    "organization": _ORGANIZATION, "productId": {"type": "string"}, "name": _NULLABLE_STRING,
    "order": {"type": "integer"}, "reasonRequired": {"type": "boolean"}}}
_CONFIG = {"type": "object", "additionalProperties": False, "properties": {
    "product": _PRODUCT, "configId": {"type": "string"}, "name": _NULLABLE_STRING, "order": {"type": "integer"},
    "migratedConfigId": _NULLABLE_STRING, "evaluationVersion": {"enum": ["v1", "v2"]}}}
_ENVIRONMENT = {"type": "object", "additionalProperties": False, "properties": {
    "product": _PRODUCT, "environmentId": {"type": "string"}, "name": _NULLABLE_STRING, "color": _NULLABLE_STRING,
    "order": {"type": "integer"}, "reasonRequired": {"type": "boolean"}}}
_SEGMENT = {"type": "object", "additionalProperties": False, "properties": {
    "product": _PRODUCT, "segmentId": {"type": "string"}, "name": _NULLABLE_STRING, "creatorEmail": _NULLABLE_STRING,
    "creatorFullName": _NULLABLE_STRING, "createdAt": {"type": "string"}, "lastUpdaterEmail": _NULLABLE_STRING,
    "lastUpdaterFullName": _NULLABLE_STRING, "updatedAt": {"type": "string"}, "usage": {"type": "integer"}}}
_CONDITION = {"type": "object", "additionalProperties": False, "properties": {
    "userCondition": {"type": "object", "required": ["comparator", "comparisonAttribute", "comparisonValue"]},
    "segmentCondition": {"type": "object", "additionalProperties": False, "required": ["comparator", "segmentId"],
                         "properties": {"segmentId": {"type": "string"}, "comparator": {"enum": ["isIn", "isNotIn"]}}},
    "prerequisiteFlagCondition": {"type": "object"}}}
_RULE = {"type": "object", "additionalProperties": False, "properties": {
    "conditions": {"type": ["array", "null"], "items": _CONDITION},
    "percentageOptions": {"type": ["array", "null"], "items": {
        "type": "object", "additionalProperties": False, "required": ["percentage", "value"],
        "properties": {"percentage": {"type": "integer"}, "value": _VALUE}}},
    "value": _VALUE}}
_SETTING = {"type": "object", "additionalProperties": False, "properties": {
    "settingId": {"type": "integer"}, "key": _NULLABLE_STRING, "name": _NULLABLE_STRING, "hint": _NULLABLE_STRING,
    "settingType": {"enum": ["boolean", "string", "int", "double"]}, "order": {"type": "integer"},
    "createdAt": _NULLABLE_STRING, "creatorEmail": _NULLABLE_STRING, "creatorFullName": _NULLABLE_STRING,
    "isWatching": {"type": "boolean"}}}
_FORMULA = {"type": "object", "additionalProperties": False, "properties": {
    "lastVersionId": {"type": "string"}, "defaultValue": _VALUE, "targetingRules": {"type": ["array", "null"], "items": _RULE},
    "setting": _SETTING, "updatedAt": _NULLABLE_STRING, "percentageEvaluationAttribute": _NULLABLE_STRING,
    "lastUpdaterUserEmail": _NULLABLE_STRING, "lastUpdaterUserFullName": _NULLABLE_STRING,
    "integrationLinks": {"type": ["array", "null"]}, "settingTags": {"type": ["array", "null"]},
    "settingIdsWherePrerequisite": {"type": ["array", "null"], "items": {"type": "integer"}}}}
_FORMULAS = {"type": "object", "additionalProperties": False, "properties": {
    "config": _CONFIG, "environment": _ENVIRONMENT, "readOnly": {"type": "boolean"},
    "settingFormulas": {"type": ["array", "null"], "items": _FORMULA}, "featureFlagLimitations": {"type": "object"}}}

# (method, path template, operationId, 200 answer schema)
ROUTES = [
    ("GET", "/v1/products", "get-products", {"type": "array", "items": _PRODUCT}),
    ("GET", "/v1/products/{productId}/configs", "get-configs", {"type": "array", "items": _CONFIG}),
    ("GET", "/v1/products/{productId}/environments", "get-environments", {"type": "array", "items": _ENVIRONMENT}),
    ("GET", "/v1/products/{productId}/segments", "get-segments", {"type": "array", "items": _SEGMENT}),
    ("GET", "/v2/configs/{configId}/environments/{environmentId}/values", "get-setting-values-v2", _FORMULAS),
]
_PATTERNS = [(m, re.compile("^" + re.sub(r"\{[^}]+\}", "([^/]+)", t) + "$"), op, schema) for m, t, op, schema in ROUTES]


class FakeConfigCat(LoopbackServer):
    """In-memory ConfigCat; `calls` records each request's operationId and status."""

    def __init__(self, username: str = "fake-user", password: str = "fake-password") -> None:
        self.expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        self.calls: list[tuple[str, int]] = []
        self.authorizations: list[str] = []
        self.schema_errors: list[str] = []
        self.faults: deque[Fault] = deque()
        self.products: dict[str, dict[str, Any]] = {}
        self.configs: dict[str, dict[str, Any]] = {}
        self.environments: dict[str, dict[str, Any]] = {}
        self.segments: dict[str, dict[str, Any]] = {}
        self.settings: dict[str, list[dict[str, Any]]] = {}  # config id -> SettingDataModel
        self.formulas: dict[tuple[str, int], dict[str, Any]] = {}  # (environment id, setting id) -> formula
        self._setting_ids = itertools.count(101)
        self._lock = threading.Lock()
        super().__init__(self._handler())

    # ---- state, as the dashboard (or the provider) would leave it --------------------------------
    def add_product(self, name: str) -> str:
        product_id = str(uuid.uuid4())
        self.products[product_id] = {"productId": product_id, "name": name, "order": 0, "reasonRequired": False,
                                     "organization": {"organizationId": str(uuid.uuid4()), "name": "Example"}}
        return product_id

    def add_config(self, product_id: str, name: str) -> str:
        config_id = str(uuid.uuid4())
        self.configs[config_id] = {"configId": config_id, "name": name, "order": 0, "evaluationVersion": "v2",
                                   "migratedConfigId": None, "product": self.products[product_id]}
        self.settings[config_id] = []
        return config_id

    def add_environment(self, product_id: str, name: str) -> str:
        environment_id = str(uuid.uuid4())
        self.environments[environment_id] = {"environmentId": environment_id, "name": name, "color": None, "order": 0,
                                             "reasonRequired": False, "product": self.products[product_id]}
        return environment_id

    def add_segment(self, product_id: str, name: str) -> str:
        segment_id = str(uuid.uuid4())
        self.segments[segment_id] = {"segmentId": segment_id, "name": name, "usage": 0, "product": self.products[product_id],
                                     "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"}
        return segment_id

    def add_setting(self, config_id: str, key: str, setting_type: str = "boolean") -> int:
        setting_id = next(self._setting_ids)
        self.settings[config_id].append({"settingId": setting_id, "key": key, "name": key, "hint": None,
                                         "settingType": setting_type, "order": len(self.settings[config_id])})
        return setting_id

    def set_value(self, environment_id: str, setting_id: int, default: dict[str, Any],
                  rules: list[dict[str, Any]] | None = None) -> None:
        """A flag's formula in an environment: `default` a ValueModel, `rules` TargetingRuleModels."""
        self.formulas[(environment_id, setting_id)] = {"defaultValue": default, "targetingRules": rules or []}

    def fail(self, operation: str, status: int, **headers: str) -> None:
        self.faults.append(Fault(operation, status, dict(headers)))

    def ops(self) -> list[str]:
        return [op for op, _ in self.calls]

    # ---- the API ---------------------------------------------------------------------------------
    def dispatch(self, method: str, path: str, authorization: str) -> tuple[int, Any, dict[str, str]]:
        for route_method, pattern, operation, schema in _PATTERNS:  # noqa: B007 (used after the break)
            match = pattern.match(path)
            if match and route_method == method:
                break
        else:
            return 404, {"message": f"no route {method} {path}"}, {}
        self.authorizations.append(authorization)
        if authorization != self.expected:
            self.calls.append((operation, 401))
            return 401, None, {}
        if self.faults and self.faults[0].operation == operation:
            fault = self.faults.popleft()
            self.calls.append((operation, fault.status))
            return fault.status, None, fault.headers
        status, body = getattr(self, "op_" + operation.replace("-", "_"))(*match.groups())
        if status == 200:
            self.schema_errors += [f"{operation}: {e.message} at {list(e.path)}"
                                   for e in jsonschema.Draft7Validator(schema).iter_errors(body)]
        self.calls.append((operation, status))
        return status, body, {}

    def op_get_products(self) -> tuple[int, Any]:
        return 200, list(self.products.values())

    def _of_product(self, table: dict[str, dict[str, Any]], product_id: str) -> tuple[int, Any]:
        if product_id not in self.products:
            return 404, None
        return 200, [item for item in table.values() if item["product"]["productId"] == product_id]

    def op_get_configs(self, product_id: str) -> tuple[int, Any]:
        return self._of_product(self.configs, product_id)

    def op_get_environments(self, product_id: str) -> tuple[int, Any]:
        return self._of_product(self.environments, product_id)

    def op_get_segments(self, product_id: str) -> tuple[int, Any]:
        return self._of_product(self.segments, product_id)

    def op_get_setting_values_v2(self, config_id: str, environment_id: str) -> tuple[int, Any]:
        if config_id not in self.configs or environment_id not in self.environments:
            return 404, None
        formulas = [{**self.formulas.get((environment_id, s["settingId"]), {"defaultValue": {"boolValue": False},
                                                                           "targetingRules": []}), "setting": s}
                    for s in self.settings[config_id]]
        return 200, {"config": self.configs[config_id], "environment": self.environments[environment_id],
                     "readOnly": False, "settingFormulas": formulas}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(FakeHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's method name)
                with fake._lock:
                    status, body, headers = fake.dispatch("GET", urlsplit(self.path).path,
                                                          self.headers.get("Authorization") or "")
                reply_json(self, status, body, headers)

        return Handler
