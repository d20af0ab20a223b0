"""Reading Python code with the stdlib ``ast``: the pieces every Python reader shares."""
