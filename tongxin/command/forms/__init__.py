"""Forms of command and dispatch, one module per part."""
