"""Tools that start the local system and the test fixtures: ports, commands, readiness."""
