"""The bindings worker: cron input binding, SMTP output binding, reminder actors."""
