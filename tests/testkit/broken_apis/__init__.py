"""Store APIs with a broken registry, one flaw per module, for ``--store-api=broken_apis.NAME``.

Each module provides what the kit needs of an implementation (`make_store`,
`register`, `Persistable`, `LoadError`, `StoreError`, `Store`): gc3store's,
except for one function that breaks clause 12 in the way its docstring says.
"""
