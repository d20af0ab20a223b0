"""Rules that read Dockerfiles."""
