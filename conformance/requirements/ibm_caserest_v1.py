"""IBM Case Manager / BAW CASEREST v1 requirements.

Sources: "seed 003" = ../shared/seeds/003_*.txt (POST /casetype/{name}: RequestMode,
ExternalDataIdentifier, dependent properties, choice lists, response codes); "VF" =
../shared/reference/vendor-facts.md, section "IBM Case Manager / BAW CASEREST v1"
(the other resources, property metadata, the UserMessage error body, the documents'
own inconsistencies, no optimistic locking); "acmdvNNN" = IBM's BAW "Case management REST
protocol" reference pages, as cited in ../shared/reference/vendor-audits/ibm-caserest-v1.md.
"""

from __future__ import annotations

from conformance.requirements._model import Requirement

_IBM = "ibm-caserest-v1"

CATALOGUE: tuple[Requirement, ...] = (
    Requirement(
        "IBM-TOS-001", _IBM, "request", "MUST",
        "Every CASEREST operation whose page lists the TargetObjectStore parameter (tos for POST /deletecase) MUST "
        "answer 400 when it is missing; GET /solutions, whose page lists none, may answer 200 or 400 (recorded).",
        "VF (IBM: 'TargetObjectStore is required on every call'); seed 003 (Table 2: TargetObjectStore "
        "Required Yes; 400 when a required parameter is missing); acmdv112 (GET /solutions: no parameter table); "
        "acmdv121delcase (tos Required Yes)",
        "request.required-parameter",
    ),
    Requirement(
        "IBM-TYPE-001", _IBM, "casetype", "MUST",
        "POST /casetype/{name} with RequestMode=initialNewObject MUST return every property defined for the "
        "case type (the properties GET /casetype/{name} lists), each with its symbolic name, PropertyType "
        "and Cardinality.",
        "seed 003 (Response content: 'If this property is set to initialNewObject, the response contains all "
        "the properties that are defined for the specified case type'); VF (property metadata keys)",
        "casetype.initial-properties",
    ),
    Requirement(
        "IBM-TYPE-002", _IBM, "casetype", "MUST",
        "GET /solutions MUST list the solution and GET /solution/{name}/casetypes MUST list its case type.",
        "VF (IBM table: GET /solutions 200, GET /solution/{name}/casetypes 200)",
        "discovery.list",
    ),
    Requirement(
        "IBM-DEP-001", _IBM, "dependent", "MUST",
        "POST /casetype/{name} with RequestMode=inProgressChanges, or without RequestMode (its default), MUST "
        "return only the properties the external data service changed because of the submitted values.",
        "seed 003 (RequestMode: 'The default value for the RequestMode is inProgressChanges'; Response "
        "content: 'the response contains only those properties that were updated by an external data service "
        "based on a change to another property value')",
        "dependent.only-changes",
    ),
    Requirement(
        "IBM-DEP-002", _IBM, "dependent", "MUST",
        "Changing the value of a property with dependent properties MUST change its dependents' choice list: "
        "DH2_State=CA MUST give DH2_City the choices Los Angeles, San Diego, San Francisco, and another state "
        "a different list.",
        "seed 003 (Example: POST method request and response, DH2_State CA -> CityChoiceList)",
        "dependent.choice-list",
    ),
    Requirement(
        "IBM-DEP-003", _IBM, "dependent", "MUST",
        "Every POST /casetype/{name} answer MUST carry an ExternalDataIdentifier, and that identifier is the one "
        "to send next: it MUST be accepted and stand for the state just returned (resubmitting the same values "
        "with it reports no further changes).",
        "seed 003 (ExternalDataIdentifier: 'indicates the state of the data that was returned by the external "
        "data service ... set by the service and is not modified by the client'; example '-1,0' -> '1,0')",
        "dependent.state-token",
    ),
    Requirement(
        "IBM-PROP-001", _IBM, "properties", "MUST",
        "POST /casetype/{name} MUST accept (200) Properties whose values match their PropertyType and "
        "Cardinality (null included) and MUST answer 400 when a value does not match its PropertyType.",
        "seed 003 (Properties: 'Important: The value must match the data type of the property'; 400 'a "
        "parameter value was invalid'); VF (numbers may be sent as strings)",
        "validation.property-type",
    ),
    Requirement(
        "IBM-PROP-002", _IBM, "properties", "MUST",
        "A LIST-cardinality property MUST take a JSON array of values of its PropertyType, and a case MUST "
        "return the array it was given, in order.",
        "seed 003 (request sample: DH2_MVInt [0, 100], DH2_MVString []); VF (metadata key Cardinality)",
        "validation.multi-valued",
    ),
    Requirement(
        "IBM-PROP-003", _IBM, "properties", "MUST",
        "A Properties array naming an unknown symbolic name MUST be ignored (200) or refused (400), never a "
        "server error, and the unknown name MUST NOT come back as a property of the case type.",
        "seed 003 (Properties: 'values for the properties that are defined for the case type'; 400 for an "
        "invalid parameter value; 500 only for a server error)",
        "validation.unknown-field",
    ),
    Requirement(
        "IBM-CASE-001", _IBM, "cases", "MUST",
        "POST /cases MUST answer 201 with a body carrying CaseTitle, CaseIdentifier and CaseFolderId.",
        "VF (IBM table: POST /cases 201 {CaseTitle, CaseIdentifier, CaseFolderId})",
        "create.status-and-headers",
    ),
    Requirement(
        "IBM-CASE-002", _IBM, "cases", "MUST",
        "GET /case/{caseFolderId} MUST return the property values the case was created with.",
        "VF (IBM table: GET /case/{caseFolderId} 200; POST /cases Properties[{SymbolicName, Value}])",
        "create.persisted",
    ),
    Requirement(
        "IBM-CASE-003", _IBM, "cases", "MUST",
        "PUT /case/{caseFolderId} MUST answer 200 and store the submitted property values, which a following "
        "GET shows, leaving the other properties as they were.",
        "VF (IBM table: PUT /case/{caseFolderId} 200, body {}; 'PUT simply overwrites')",
        "update.persisted",
    ),
    Requirement(
        "IBM-LOCK-001", _IBM, "locking", "MUST",
        "A PUT /case/{caseFolderId} from a writer holding stale data MUST either be refused with a 4xx error "
        "body, leaving the other writer's values, or be applied in full, never partially merged; whether it "
        "silently overwrites (a lost update) is recorded as lost_update_possible.",
        "VF (IBM: 'No optimistic locking is documented anywhere (no ETag, If-Match, 409 or 412): PUT simply "
        "overwrites')",
        "locking.no-lost-update",
    ),
    Requirement(
        "IBM-ERR-001", _IBM, "errors", "MUST",
        "An unknown case type (GET or POST /casetype/{name}, POST /cases) or case folder id (GET /case/{id}) "
        "MUST answer 404.",
        "seed 003 (404: 'The case type that was specified in the request was not found'); VF (404 on every "
        "operation)",
        "errors.unknown-resource",
    ),
    Requirement(
        "IBM-ERR-002", _IBM, "errors", "MUST",
        "A request body that is not JSON, or lacks a required member (CaseType on POST /cases), MUST answer 400.",
        "seed 003 (400: 'One of the required parameters was missing, or a parameter value was invalid'); VF "
        "(POST /cases: CaseType and TargetObjectStore required)",
        "errors.malformed-body",
    ),
    Requirement(
        "IBM-ERR-003", _IBM, "errors", "MUST",
        "A 4xx answer of CASEREST MUST carry the CASEREST error body: a UserMessage (or userMessage) object with a "
        "non-empty Text. The answer without credentials is the application server's, not CASEREST's (IBM-AUTH-001).",
        "VF (error body {UserMessage{UniqueId, Text, Severity}, UnderlyingDetails}; the status tables spell it "
        "userMessage); seed 003 (500: 'see the userMessage element')",
        "errors.body-detail",
    ),
    Requirement(
        "IBM-AUTH-001", _IBM, "auth", "MUST",
        "A request without credentials, or with wrong HTTP Basic credentials, MUST be refused: 401, or a redirect "
        "to the login page of a form or SSO login (which one is recorded, with whether a 401 carries the CASEREST "
        "error body).",
        "VF (IBM: 'Auth in the field is HTTP Basic or the container's login'); acmdv100, acmdv101 (CASEREST "
        "participates in the application server's single sign-on; no CASEREST page lists 401)",
        "auth.refuses-missing-token",
    ),
    Requirement(
        "IBM-TASK-001", _IBM, "tasks", "MUST",
        "PUT /task/{taskId} with TargetObjectStore and Grouping=ROD in the query and {action: enable} for an "
        "activity that is already enabled MUST answer 200, and the activity MUST stay enabled.",
        "acmdv128 (PUT .../task/{id}?TargetObjectStore=...&Grouping=ROD; 'the PUT method does not return an error "
        "when a request is made to enable an activity that is already enabled'); acmdv125 (the Disabled group)",
        "tasks.idempotent-action",
    ),
    Requirement(
        "IBM-COMMENT-001", _IBM, "comments", "MUST",
        "POST /case/{caseFolderId}/comments with CommentType Case, a CommentContext and a CommentText MUST answer "
        "200 or 201 with the comment, and GET /case/{caseFolderId}/comments?CommentType=Case MUST then list a "
        "comment with that text.",
        "acmdv130 ('The new comment was added to the case'; table 200 OK, example 201 Created with Id, CommentText); "
        "acmdv129 (GET returns the case comments: Creator, DateCreated, CommentText, CommentContext)",
        "comments.persisted",
    ),
    Requirement(
        "IBM-HIST-001", _IBM, "history", "MUST",
        "GET /case/{caseFolderId}/history with BatchSize=n MUST return at most n entries, newest first, with a "
        "ContinuationToken while more entries remain; that token MUST return the next, older, entries.",
        "acmdv131 (BatchSize 'The maximum number of entries to be returned'; 'returns the specified number of entries "
        "in reverse chronological order ... If there are more entries ... also returns a continuation token')",
        "paging.page-size",
    ),
    Requirement(
        "IBM-DEF-001", _IBM, "casetype", "MUST",
        "GET /solution/{name} MUST list the solution's case type among its CaseTypes; GET "
        "/casetype/{name}/viewdefinitions and /discretionarytasktypes MUST answer 200 for the case type and 404 for "
        "a case type that does not exist.",
        "acmdv091 ('For each case type, the method returns a list of the properties and a detailed description of "
        "the views'); acmdv114, acmdv115 (200; '404 Not Found The case type specified in the request URI was not "
        "found')",
        "discovery.list",
    ),
    Requirement(
        "IBM-REL-001", _IBM, "cases", "MUST",
        "POST /case/{caseFolderId} with Operation relate and another case's CaseFolderId MUST answer 201 with a "
        "RelationshipId, after which GET /case/{caseFolderId}/cases lists the other case; Operation unrelate with that "
        "RelationshipId MUST answer 2xx, after which the list no longer shows it.",
        "acmdv121 ('201 ... the case relationship was created. The response ... contains the ID of the new case "
        "relationship'; unrelate 'RelationshipId ... GUID of relationship to delete'); acmdv124 (the related cases)",
        "collaboration.related-round-trip",
    ),
    Requirement(
        "IBM-ACT-001", _IBM, "tasks", "MUST",
        "POST /case/{caseFolderId}/tasks with a discretionary activity type and a TaskName MUST answer 201 (200 for a "
        "detected duplicate), and GET /case/{caseFolderId}/tasks MUST then list an activity of that name.",
        "acmdv127 ('201 Created The method completed successfully. The workflow that is associated with the activity "
        "is started'; '200 OK A duplicate POST request was detected'); acmdv125 (the case's activities)",
        "create.persisted",
    ),
    Requirement(
        "IBM-ACT-002", _IBM, "tasks", "MUST",
        "GET /case/{caseFolderId}/tasktype/{name} MUST answer 200 for a discretionary activity type of the case, and "
        "404 for an activity type name the case type does not define.",
        "acmdv126 (Table 3: '200 OK ... The requested activity type information was returned'; '404 Not Found The "
        "case folder ID or the symbolic activity name specified in the request URI was not found')",
        "discovery.launch-info",
    ),
    Requirement(
        "IBM-DEF-002", _IBM, "casetypes", "MUST",
        "GET /casetype/{caseType}/page with PageType CaseCreationPage, and with CasePage, MUST answer 200 with a "
        "non-empty PhysicalPageId.",
        "acmdv118 ('returns the page ID of the Case Details page, the Add Case page, or the Split Case page for a "
        "specific case type'; example {\"PhysicalPageId\": \"e134f49999c112399a\"}); every case type has an Add "
        "Case and a Case Details page, a Split Case page only where splitting is set up, so CaseSplitPage is not asked",
        "discovery.case-page",
    ),
    Requirement(
        "IBM-STAGE-001", _IBM, "cases", "MUST",
        "POST /case/{caseFolderId}/stages?Operation=placeCurrentStageOnHold MUST answer 200, and then "
        "Operation=releaseCurrentOnHoldStage MUST answer 200 with removeStageOnHoldResult true.",
        "acmdv149 (Operation 'releaseCurrentOnHoldStage'; 'POST method response {\"removeStageOnHoldResult\":true}'); "
        "acmpdh57, acmpdh58 (the same engine's operations: 'Releases the hold on the current case stage', 'Puts the "
        "current case stage on hold')",
        "lifecycle.stage-hold",
    ),
    Requirement(
        "IBM-DOC-001", _IBM, "cases", "MUST",
        "GET /case/{caseFolderId}/casedocumentslist MUST answer 200 with a docList for a case of the run, and 404 "
        "for a case folder that does not exist.",
        "acmdv151 (Table 3: '200 OK The method completed successfully and returned the requested list of case "
        "folders, sub-folders and documents'; '404 Not Found The specified case folder was not found'; the example "
        "{\"docList\": [...]})",
        "documents.listed",
    ),
    Requirement(
        "IBM-DEL-001", _IBM, "cases", "MUST",
        "POST /deletecase with connectionpoint, caseid and tos MUST answer 200 and delete the case: GET "
        "/case/{caseFolderId} then answers 404.",
        "acmdv121delcase ('You can call this POST method to delete a case instance'; 'deletes the case and all "
        "associated activity processes'); acmdv120 (404 'The specified case folder was not found')",
        "delete.lifecycle",
    ),
    Requirement(
        "IBM-SCHEMA-001", _IBM, "schema", "MUST",
        "Every response MUST be one specs/ibm-caserest-v1.yaml allows for its operation (status, content type, "
        "body schema).",
        "VF (IBM table of operations, status codes and bodies); seed 003 (response sample)",
        "contract.schema",
    ),
)
