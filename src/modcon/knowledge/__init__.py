"""What modcon knows about programs and images: servers, inits, base images, log paths, packages."""
