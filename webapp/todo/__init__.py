"""The todo app: task lists, their views and templates."""
