"""Pega DX API v2 suite: cases, case actions, assignments, eTag optimistic locking."""
