"""The ``iiotid`` command line."""
