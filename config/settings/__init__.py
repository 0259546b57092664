"""Settings for all three services: base (from the environment), local, test, production."""
