"""Settings shared by the whole test suite."""

# the kit's own tests run pytest inside pytest; declared here, at the root of the suite, so
# that it works whatever directory pytest is pointed at
pytest_plugins = ["pytester"]
