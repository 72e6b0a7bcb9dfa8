"""Every write of command and dispatch, one module per part (responses, directives, duty, meetings):
validate, check scope, change, audit — in one transaction."""
