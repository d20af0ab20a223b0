"""GitHub through PyGithub: the only package that imports `github`."""
