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
    # base URL of the v1 API, for the v1-style PUT (seed 000); needed with capabilities.v1_update
    v1_base_url: str | None = Field(default=None, pattern=r"^https?://")


class Capabilities(_Strict):
    """What the server offers. Tests ask for these, never for a vendor name."""

    assignments: bool = True
    delete_case: bool = True
    v1_update: bool = False
    attachments: bool = True  # upload, attach, list, download, delete (seed 001)
    data_views: bool = False  # needs fixtures.data_view_id


def validate_target(target) -> None:  # noqa: ANN001 - a conformance.target.Target
    if target.capabilities.v1_update and not target.fixtures.v1_base_url:
        raise ValueError("capabilities.v1_update is true but fixtures.v1_base_url is not set")
    if target.capabilities.data_views and not target.fixtures.data_view_id:
        raise ValueError("capabilities.data_views is true but fixtures.data_view_id is not set")
