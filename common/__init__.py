"""Code shared by the three Dapr Todo services: Dapr names, sidecar access, health, logging."""
