"""IBM Case Manager / BAW CASEREST v1 conformance suite."""
