"""What a Pega DX v2 target file declares: fixtures (server-side names) and capabilities."""

from __future__ import annotations

from pydantic import Field

from conformance.target_base import Strict as _Strict


class Fixtures(_Strict):
    """Server-side names the tests need (they differ per installation)."""

    case_type_id: str = Field(min_length=1)
    update_action_id: str = Field(default="pyUpdateCaseDetails", min_length=1)
    # a text field of the case type's content the update action may set
    content_field: str = Field(default="pyLabel", min_length=1)
    # a case the operator may read; lets read-only runs verify what needs an existing case
    existing_case_id: str | None = Field(default=None, min_length=1)
    # attachments (seed 001): the categories to attach into, and the server's upload limit if known
    attachment_category: str = Field(default="File", min_length=1)
    url_category: str = Field(default="URL", min_length=1)
    upload_limit_bytes: int | None = Field(default=None, gt=0)
    # a data view with more than a few pages of rows (paging tests walk it; keep it under ~20k rows)
    data_view_id: str | None = Field(default=None, min_length=1)
    data_view_page_size: int = Field(default=250, ge=1, le=5000)
    # a case type whose create assignment is a multi-step form (a screen flow); navigation back is then
    # verified from its second step. Without it, navigation back is tried at a single-step form's first
    # step, where the sources do not say what a server answers (200 or a validation error are admitted)
    multistep_case_type_id: str | None = Field(default=None, min_length=1)
    # base URL of the v1 API, for the v1-style PUT (seed 000); needed with capabilities.v1_update
    v1_base_url: str | None = Field(default=None, pattern=r"^https?://")
    # a document the operator may read (GET /documents/{ID}; marco-looy/pega-dx-mcp get-document.js): no
    # operation lists documents, so the schema property test can judge a document's answer only with one named
    document_id: str | None = Field(default=None, min_length=1)


class Capabilities(_Strict):
    """What the server offers, group by group of operations. Tests ask for these, never for a
    vendor name. A capability is a promise both ways: an operation whose group the target does
    not declare is left out of every requirement (skipped, naming the capability), and a
    declared group whose operations the server breaks is a finding, never a skip."""

    # GET /assignments/next, GET /assignments/{ID}, the assignment action GET/PATCH and save
    # (seed 000's operation list; VF SW table)
    assignments: bool = True
    delete_case: bool = True  # DELETE /cases/{ID} in the create stage (seed 000)
    stages: bool = True  # GET /cases/{ID}/stages, POST .../stages/next, PUT .../stages/{stageID} (seed 000; VF SW)
    # the form refresh and navigation operations real clients use (recorded in ../shared/corpus:
    # PATCH .../actions/{actionID}/refresh, PATCH /cases/{ID}/views/{viewID}/refresh,
    # PATCH /assignments/{ID}/navigation_steps/previous); the documents list them only by name
    refresh_navigation: bool = False
    v1_update: bool = False
    attachments: bool = True  # upload, attach, list, download, delete (seed 001)
    data_views: bool = False  # needs fixtures.data_view_id
    # the operations of marco-looy/pega-dx-mcp's client (src/api/v2/client-v2.js) and seed 000's list beyond the
    # above, group by group; each defaults to what the bundled emulator serves
    case_types: bool = True  # GET /casetypes, GET /casetypes/{ID}/actions/{actionID}
    case_hierarchy: bool = True  # GET /cases/{ID}/ancestors, /descendants (VF SW)
    lock_release: bool = True  # DELETE /cases/{ID}/updates (VF SW)
    # POST /cases/bulk-actions, PATCH /cases?actionID= (seed 000 list; VF SW), GET /casetypes/{ID}/bulk-actions/{a}
    bulk_actions: bool = True
    optional_processes: bool = True  # POST /cases/{ID}/processes/{processID} (VF SW)
    case_views: bool = True  # GET /cases/{ID}/views/{viewID} (MCP)
    # PATCH .../actions/{actionID}/recalculate (case and assignment), POST /cases/{ID}/views/{v}/calculated_fields
    recalculate: bool = True
    data_records: bool = True  # GET /data_objects, PUT|PATCH|DELETE /data/{dataViewID} (MCP)
    # case collaboration (marco-looy/pega-dx-mcp src/api/v2/client-v2.js, one group per tool category of it):
    # participants and participant roles; followers; tags; related cases; documents
    participants: bool = True
    followers: bool = True
    tags: bool = True
    related_cases: bool = True
    documents: bool = True


# Which capabilities each operation of specs/pega-dx-v2.yaml needs (all of them must be declared);
# an empty tuple is the core every DX v2 server offers. tests/test_capabilities.py proves that every
# operation of the spec is listed here and nothing else is.
OPERATION_CAPABILITIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/cases"): (),
    ("GET", "/cases/{caseID}"): (),
    ("DELETE", "/cases/{caseID}"): ("delete_case",),
    ("GET", "/cases/{caseID}/actions/{actionID}"): (),
    ("PATCH", "/cases/{caseID}/actions/{actionID}"): (),
    ("GET", "/cases/{caseID}/stages"): ("stages",),
    ("POST", "/cases/{caseID}/stages/next"): ("stages",),
    ("PUT", "/cases/{caseID}/stages/{stageID}"): ("stages",),
    ("PATCH", "/cases/{caseID}/views/{viewID}/refresh"): ("refresh_navigation",),
    ("GET", "/assignments/next"): ("assignments",),
    ("GET", "/assignments/{assignmentID}"): ("assignments",),
    ("GET", "/assignments/{assignmentID}/actions/{actionID}"): ("assignments",),
    ("PATCH", "/assignments/{assignmentID}/actions/{actionID}"): ("assignments",),
    ("PATCH", "/assignments/{assignmentID}/actions/{actionID}/save"): ("assignments",),
    ("PATCH", "/assignments/{assignmentID}/actions/{actionID}/refresh"): ("assignments", "refresh_navigation"),
    ("PATCH", "/assignments/{assignmentID}/navigation_steps/previous"): ("assignments", "refresh_navigation"),
    ("POST", "/attachments/upload"): ("attachments",),
    ("POST", "/cases/{caseID}/attachments"): ("attachments",),
    ("GET", "/cases/{caseID}/attachments"): ("attachments",),
    ("GET", "/cases/{caseID}/attachment_categories"): ("attachments",),
    ("GET", "/attachments/{attachmentID}"): ("attachments",),
    ("PATCH", "/attachments/{attachmentID}"): ("attachments",),
    ("DELETE", "/attachments/{attachmentID}"): ("attachments",),
    ("GET", "/data_views/{dataViewID}"): ("data_views",),
    ("POST", "/data_views/{dataViewID}"): ("data_views",),
    ("POST", "/data_views/{dataViewID}/count"): ("data_views",),
    ("GET", "/casetypes"): ("case_types",),
    ("GET", "/casetypes/{caseTypeID}/actions/{actionID}"): ("case_types",),
    ("GET", "/casetypes/{caseTypeID}/bulk-actions/{actionID}"): ("case_types", "bulk_actions"),
    ("GET", "/cases/{caseID}/ancestors"): ("case_hierarchy",),
    ("GET", "/cases/{caseID}/descendants"): ("case_hierarchy",),
    ("PATCH", "/cases/{caseID}/actions/{actionID}/refresh"): ("refresh_navigation",),
    ("PATCH", "/cases/{caseID}/actions/{actionID}/recalculate"): ("recalculate",),
    ("DELETE", "/cases/{caseID}/updates"): ("lock_release",),
    ("POST", "/cases/bulk-actions"): ("bulk_actions",),
    ("PATCH", "/cases"): ("bulk_actions",),
    ("DELETE", "/assignments/{assignmentID}/actions/{actionID}"): ("assignments",),
    ("POST", "/cases/{caseID}/processes/{processID}"): ("optional_processes",),
    ("GET", "/cases/{caseID}/views/{viewID}"): ("case_views",),
    ("POST", "/cases/{caseID}/views/{viewID}/calculated_fields"): ("case_views", "recalculate"),
    ("PATCH", "/assignments/{assignmentID}/actions/{actionID}/recalculate"): ("assignments", "recalculate"),
    ("PATCH", "/assignments/{assignmentID}/navigation_steps/{stepID}"): ("assignments", "refresh_navigation"),
    ("GET", "/data_views/{dataViewID}/metadata"): ("data_views",),
    ("GET", "/data_objects"): ("data_records",),
    ("PUT", "/data/{dataViewID}"): ("data_records",),
    ("PATCH", "/data/{dataViewID}"): ("data_records",),
    ("DELETE", "/data/{dataViewID}"): ("data_records",),
    # case collaboration (MCP client-v2.js)
    ("GET", "/cases/{caseID}/participants"): ("participants",),
    ("POST", "/cases/{caseID}/participants"): ("participants",),
    ("GET", "/cases/{caseID}/participants/{participantID}"): ("participants",),
    ("PATCH", "/cases/{caseID}/participants/{participantID}"): ("participants",),
    ("DELETE", "/cases/{caseID}/participants/{participantID}"): ("participants",),
    ("GET", "/cases/{caseID}/participant_roles"): ("participants",),
    ("GET", "/cases/{caseID}/participant_roles/{participantRoleID}"): ("participants",),
    ("GET", "/cases/{caseID}/followers"): ("followers",),
    ("POST", "/cases/{caseID}/followers"): ("followers",),
    ("DELETE", "/cases/{caseID}/followers/{followerID}"): ("followers",),
    ("GET", "/cases/{caseID}/tags"): ("tags",),
    ("POST", "/cases/{caseID}/tags"): ("tags",),
    ("DELETE", "/cases/{caseID}/tags/{tagID}"): ("tags",),
    ("GET", "/cases/{caseID}/related_cases"): ("related_cases",),
    ("POST", "/cases/{caseID}/related_cases"): ("related_cases",),
    ("DELETE", "/cases/{caseID}/related_cases/{relatedCaseID}"): ("related_cases",),
    ("GET", "/documents/{documentID}"): ("documents",),
    ("DELETE", "/cases/{caseID}/documents/{documentID}"): ("documents",),
}


def validate_target(target) -> None:  # noqa: ANN001 - a conformance.target.Target
    if target.capabilities.v1_update and not target.fixtures.v1_base_url:
        raise ValueError("capabilities.v1_update is true but fixtures.v1_base_url is not set")
    if target.capabilities.data_views and not target.fixtures.data_view_id:
        raise ValueError("capabilities.data_views is true but fixtures.data_view_id is not set")
