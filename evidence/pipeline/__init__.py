"""The build's stages, in the order ``evidence.build.build`` runs them:

1. ``read``: every input's bytes, once, the problems of reading them, the content hash; block hashes
   (a block is one top-level item of a data file, or one entry of the bibliography) when asked for;
2. ``plan``: which blocks changed since the previous database was built; a full build is the plan
   "everything changed" (``Plan.everything``), and when a build must be full the reason is logged;
3. ``parse``: the inputs the plan names, parsed (every one, or the sources whose blocks changed);
4. ``rows`` (validation, ``evidence.validate``): records → rows and problems, each with its line;
   the ``input_blocks`` rows the next build plans from;
5. ``write``: a fresh database file, or the plan applied to a copy of the previous one; either is
   renamed over the database only when complete (``files.Staged``).

The full and the incremental build differ only in the plan (and so in the write stage's choice
between a fresh file and applying to a copy).
"""
