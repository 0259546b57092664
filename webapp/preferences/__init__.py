"""A user's preferences: stored in Dapr state (store), edited on the settings page (forms,
views), and passed on when they change (changes, events) to bindings-worker's reminders and
to the user's open tabs."""
