"""The sync worker: receives task events from Dapr pub/sub and fans them out to open tabs."""
