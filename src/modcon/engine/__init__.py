"""The engine: what to check (``scope``), checking (``check``) and the one fix loop
(``fixloop``), the batch on every core (``parallel``), with the config, the
discovery of files and their reading and writing. The faces (``cli``,
``action``, ``github``) use it; it knows none of them."""
