"""Stateful reference servers for each API, with documented variants and injectable faults."""
