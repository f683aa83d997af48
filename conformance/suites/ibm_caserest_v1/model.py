"""What an IBM Case Manager / BAW CASEREST v1 target file declares: fixtures and capabilities.

Every server-specific name the suite uses comes from here (the object store, the
solution, the case type, the properties of the seed's DH2_State -> DH2_City example).
"""

from __future__ import annotations

from pydantic import Field

from conformance.target_base import Strict as _Strict


class Fixtures(_Strict):
    """Server-side names the tests need (they differ per installation)."""

    # seed 003: TargetObjectStore is the symbolic name of the object store holding the case type
    target_object_store: str = Field(min_length=1)
    solution: str = Field(min_length=1)
    case_type: str = Field(min_length=1)
    # a writable String property of the case type; every case the run creates carries the run tag in it
    title_property: str = Field(min_length=1)
    # the seed's dependent-property example: a property with dependents, its dependent choice list,
    # a value and the choices it must give, and another value that gives different choices
    state_property: str = Field(default="DH2_State", min_length=1)
    city_property: str = Field(default="DH2_City", min_length=1)
    state_value: str = Field(default="CA", min_length=1)
    expected_choices: tuple[str, ...] = ("Los Angeles", "San Diego", "San Francisco")
    other_state_value: str = Field(default="NY", min_length=1)
    # a case the user may read; lets read-only runs verify what needs an existing case
    existing_case_folder_id: str | None = Field(default=None, min_length=1)
    # the process engine connection point POST /deletecase needs (acmdv121delcase: Administration Console for
    # Content Platform Engine > TargetObjectstore > Administrative > WorkflowSystem > Connection Points)
    connection_point: str | None = Field(default=None, min_length=1)
    # the CommentContext of a case comment: a value of the object store's CmAcmActionChoiceList (acmdv130; the
    # example of acmdv129 shows 101 for a case comment)
    comment_context: int = 101
    # a discretionary activity type of the case type that needs no launch information (acmdv115
    # RequiresLaunchInfo false), for POST /case/{id}/tasks; without it, the first such type
    # GET /casetype/{name}/discretionarytasktypes lists (with the capability definitions)
    discretionary_task_type: str | None = Field(default=None, min_length=1)


class Capabilities(_Strict):
    """What the server offers. Tests ask for these, never for a vendor name."""

    # an external data service is configured for the case type (seed 003); the dependent-property
    # requirements need one
    external_data: bool = True
    # GET /case/{id}/tasks and PUT /task/{id} (VF)
    tasks: bool = True
    # POST /deletecase (acmdv121delcase), with fixtures.connection_point: cleanup deletes the run's cases
    delete_case: bool = False
    # GET and POST /case/{id}/comments (acmdv129, acmdv130)
    comments: bool = False
    # GET /case/{id}/history (acmdv131)
    history: bool = False
    # GET /solution/{name}, /solution/{name}/documenttypes, /casetype/{name}/viewdefinitions and
    # /casetype/{name}/discretionarytasktypes (acmdv091, acmdv111, acmdv114, acmdv115)
    definitions: bool = False
    # POST /case/{id} (split, fetchProperties, relate, unrelate) and GET /case/{id}/cases (acmdv121, acmdv124)
    case_operations: bool = False
    # POST /case/{id}/tasks: add a discretionary activity (acmdv127); GET /case/{id}/tasktype/{name}: its launch
    # step information (acmdv126; IBM's "create new activity resource" has both methods)
    discretionary_tasks: bool = False
    # GET and POST /case/{id}/stages: the case's stages; complete, hold, release, restart (acmdv148, acmdv149)
    stages: bool = False
    # GET /case/{id}/casedocumentslist: the case's folders, sub-folders and documents (acmdv151)
    documents: bool = False


def validate_target(target) -> None:  # noqa: ANN001 - a conformance.target.Target
    f = target.fixtures
    if target.capabilities.external_data and f.state_value == f.other_state_value:
        raise ValueError("fixtures.state_value and fixtures.other_state_value must differ")
    if target.capabilities.external_data and not f.expected_choices:
        raise ValueError("capabilities.external_data is true but fixtures.expected_choices is empty")
    if target.capabilities.delete_case and not f.connection_point:
        raise ValueError("capabilities.delete_case is true but fixtures.connection_point is not set "
                         "(POST /deletecase needs it)")


# Which capabilities each operation of specs/ibm-caserest-v1.yaml needs (all of them must be declared);
# an empty tuple is what every CASEREST v1 server offers (seed 003, VF operation table). The plugin skips
# the generated test of an operation whose capabilities are not all declared, naming them;
# tests/test_ibm_caserest_v1_suite.py keeps this equal to the spec.
OPERATION_CAPABILITIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/solutions"): (),
    ("GET", "/solution/{solution}/casetypes"): (),
    ("GET", "/casetype/{caseType}"): (),
    ("POST", "/casetype/{caseType}"): (),
    ("POST", "/cases"): (),
    ("GET", "/case/{caseFolderId}"): (),
    ("PUT", "/case/{caseFolderId}"): (),
    ("GET", "/case/{caseFolderId}/status"): (),
    ("GET", "/case/{caseFolderId}/tasks"): ("tasks",),
    ("PUT", "/task/{taskId}"): ("tasks",),
    ("POST", "/deletecase"): ("delete_case",),
    ("GET", "/case/{caseFolderId}/comments"): ("comments",),
    ("POST", "/case/{caseFolderId}/comments"): ("comments",),
    ("GET", "/case/{caseFolderId}/history"): ("history",),
    ("POST", "/case/{caseFolderId}/tasks"): ("discretionary_tasks",),
    ("GET", "/case/{caseFolderId}/tasktype/{taskType}"): ("discretionary_tasks",),
    ("GET", "/case/{caseFolderId}/stages"): ("stages",),
    ("POST", "/case/{caseFolderId}/stages"): ("stages",),
    ("GET", "/case/{caseFolderId}/casedocumentslist"): ("documents",),
    ("POST", "/case/{caseFolderId}"): ("case_operations",),
    ("GET", "/case/{caseFolderId}/cases"): ("case_operations",),
    ("GET", "/solution/{solution}"): ("definitions",),
    ("GET", "/solution/{solution}/documenttypes"): ("definitions",),
    ("GET", "/casetype/{caseType}/viewdefinitions"): ("definitions",),
    ("GET", "/casetype/{caseType}/page"): ("definitions",),
    ("GET", "/casetype/{caseType}/discretionarytasktypes"): ("definitions",),
}

# query parameters every capability-probe GET carries (conformance/probe.py): an explicit BatchSize, so that the
# history GET never asks for its default 200 entries (acmdv131); other GETs ignore it
PROBE_QUERY = {"BatchSize": "1"}
