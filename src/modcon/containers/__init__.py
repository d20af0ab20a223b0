"""Running containers: a real engine (docker or podman), and PID 1 in a new PID namespace without one."""
