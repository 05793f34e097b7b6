"""The worker side: what workers do (accept, submit, return), for simulated workers and pages."""
