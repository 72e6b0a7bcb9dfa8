"""Every read of mobilization that is more than a filter, one module per part."""
