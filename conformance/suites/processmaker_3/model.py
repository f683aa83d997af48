"""What a ProcessMaker 3 target file declares: fixtures (server-side names) and capabilities.

Every uid the suite needs comes from here, never from the emulator: a real server
has its own processes, tasks and users (seed 004 tells how to look them up).
"""

from __future__ import annotations

from pydantic import Field

from conformance.target_base import Strict as _Strict

_UID = r"^[A-Za-z0-9]{1,64}$"


class Fixtures(_Strict):
    """Server-side names the tests need (they differ per installation)."""

    # the process and its start task where the caller may start cases (GET /case/start-cases)
    process_uid: str = Field(pattern=_UID)
    task_uid: str = Field(pattern=_UID)
    # the process's category, and every process in that category (cat_uid filter oracle)
    category_uid: str = Field(pattern=_UID)
    category_processes: list[str] = Field(default_factory=list)
    # the user the target's credentials log in as (new cases are assigned to it, seed 004)
    caller_user_uid: str = Field(pattern=_UID)
    # a user in the pool of the start task (reassign target) and one outside every pool
    reassign_user_uid: str = Field(pattern=_UID)
    outsider_user_uid: str = Field(pattern=_UID)
    # a word found, in some letter case, in case titles or task titles of the caller's cases
    search_term: str = Field(default="invoice", min_length=1)
    # a category uid that does not exist (seed 004's own sample by default)
    unknown_category_uid: str = Field(default="93718116854ca5884585758048057153", pattern=_UID)
    # an input document of the process (VF: POST /cases/{app_uid}/input-document names one); without it,
    # generated uploads carry generated names and only the refusals are exercised
    input_document_uid: str | None = Field(default=None, pattern=_UID)
    # paging cost bounds: a walk fetches at most max_pages pages; the oracle fetches at most
    # oracle_cap cases in one request (the cost grows with these, not with the server's data)
    max_pages: int = Field(default=6, ge=2, le=100)
    oracle_cap: int = Field(default=300, ge=20, le=5000)


class Capabilities(_Strict):
    """What the server offers. Tests ask for these, never for a vendor name."""

    advanced_search: bool = True  # GET /cases/advanced-search[/paged] (needs PM_ALLCASES for full results)
    reassign: bool = True  # PUT /cases/{app_uid}/reassign-case (PM_REASSIGNCASE)
    batch_reassign: bool = True  # POST /cases/reassign
    pause: bool = True  # PUT pause / unpause
    delete_case: bool = True  # DELETE /cases/{app_uid} in the initial task


def validate_target(target) -> None:  # noqa: ANN001 - a conformance.target.Target
    fx = target.fixtures
    if len({fx.caller_user_uid, fx.reassign_user_uid, fx.outsider_user_uid}) != 3:
        raise ValueError("fixtures.caller_user_uid, reassign_user_uid and outsider_user_uid must be three different users")
    if fx.category_processes and fx.process_uid not in fx.category_processes:
        raise ValueError("fixtures.category_processes must include fixtures.process_uid (its category's processes)")


# conformance probe: its list GET (advanced search) names a small limit; the 3.5.8 server has no default one
# (Api:228 `$limit = 0`; vendor audit F1) and would answer with every case
PROBE_QUERY = {"limit": "1"}

# Which capabilities each operation of specs/processmaker-3.yaml needs (all of them must be declared);
# an empty tuple is what every ProcessMaker 3 server offers (seed 004; VF for notes, variables, input
# documents and the token). The plugin skips the generated test of an operation whose capabilities are
# not all declared, naming them; tests/test_processmaker_3_suite.py keeps this equal to the spec.
OPERATION_CAPABILITIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/cases"): (),
    ("GET", "/cases/paged"): (),
    ("GET", "/cases/draft"): (),
    ("GET", "/cases/draft/paged"): (),
    ("GET", "/cases/participated"): (),
    ("GET", "/cases/participated/paged"): (),
    ("GET", "/cases/unassigned"): (),
    ("GET", "/cases/unassigned/paged"): (),
    ("GET", "/cases/paused"): (),
    ("GET", "/cases/paused/paged"): (),
    ("GET", "/cases/advanced-search"): ("advanced_search",),
    ("GET", "/cases/advanced-search/paged"): ("advanced_search",),
    ("POST", "/cases"): (),
    ("POST", "/cases/impersonate"): (),
    ("POST", "/cases/reassign"): ("batch_reassign",),
    ("GET", "/case/start-cases"): (),
    ("GET", "/cases/{app_uid}"): (),
    ("DELETE", "/cases/{app_uid}"): ("delete_case",),
    ("GET", "/cases/{app_uid}/current-task"): (),
    ("GET", "/cases/{app_uid}/tasks"): (),
    ("PUT", "/cases/{app_uid}/reassign-case"): ("reassign",),
    ("PUT", "/cases/{app_uid}/route-case"): (),
    ("PUT", "/cases/{app_uid}/cancel"): (),
    ("PUT", "/cases/{app_uid}/pause"): ("pause",),
    ("PUT", "/cases/{app_uid}/unpause"): ("pause",),
    ("PUT", "/cases/{app_uid}/execute-trigger/{tri_uid}"): (),
    ("GET", "/cases/{app_uid}/variables"): (),
    ("PUT", "/cases/{app_uid}/variable"): (),
    ("GET", "/cases/{app_uid}/notes"): (),
    ("GET", "/cases/{app_uid}/notes/paged"): (),
    ("POST", "/cases/{app_uid}/note"): (),
    ("GET", "/cases/{app_uid}/input-documents"): (),
    ("POST", "/cases/{app_uid}/input-document"): (),
    ("DELETE", "/cases/{app_uid}/{del_index}/input-document/{app_doc_uid}"): (),
    ("POST", "/oauth2/token"): (),
}
