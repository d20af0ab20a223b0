"""Following a container's command into the repository, and the documents rules receive.

``resolve`` finds the files a Dockerfile's command runs; an ``Invocation``
says how one of them is run; ``DockerfileDocument`` and ``CodeDocument`` are
what a rule reads.
"""
