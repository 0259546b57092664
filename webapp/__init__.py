"""The Dapr Todo web application (Django + Channels)."""
