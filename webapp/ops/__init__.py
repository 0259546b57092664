"""The operator page: live health, event rate and delivery latency of every service."""
