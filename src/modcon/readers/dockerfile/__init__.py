"""Reading Dockerfiles: BuildKit-exact syntax, stages, and image names."""
