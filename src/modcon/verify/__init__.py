"""`modcon verify`: start the container's command as PID 1 and stop it as Docker does."""
