"""Forms of the appeals part."""
