"""Settings shared by the whole test suite."""
