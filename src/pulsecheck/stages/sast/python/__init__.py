"""The Python data-flow engine of the SAST stage (libcst, no interpreter dependence).

:mod:`.index` parses each module once and lists its functions, classes and imports;
:mod:`.values` holds the abstract values (taint sources with their path, constants, known-key
containers); :mod:`.interp` interprets one function flow-sensitively and computes its summary
(which parameters reach the return value and which reach a sink); :mod:`.engine` iterates the
summaries over the repository's call graph to a fixed point and reports the findings.
"""
