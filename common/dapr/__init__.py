"""The one gateway to the local Dapr sidecar: every building block the services use.

No module outside this package builds a sidecar URL or holds an HTTP client to a sidecar.
Each concern has its module (state, lock, publish, invoke, actors, bindings, metadata),
all sharing one pooled client (`client`) and one error hierarchy (`errors`), which views,
consumers, actors and handlers map to their answers in one place each. `guards` checks the
calls the sidecar makes into the app.
"""
