"""Django settings of all three services (one codebase; DAPR_TODO_SERVICE picks the service)."""
