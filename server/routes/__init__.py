"""HTTP routes of the protocol, under /api/v1."""
