"""Output formats: each module renders findings as one format."""
