"""Reading Dockerfiles: BuildKit-exact syntax, stages, and image knowledge."""
