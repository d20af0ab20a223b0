"""Readers: parse and read what a repository holds, with no rule logic and no tables of programs."""
