"""Backprop Lab: a typed program becomes a computation graph with every node's value and gradient.

The data flow is the architecture: ``parser`` (program text) → ``graph`` →
``forward`` → ``backward`` → ``serialize`` (JSON) → ``api`` (REST) → the page.
``ops`` is the one table of operations that all of them read.
"""

from .compute import compute_dot, compute_graph, compute_graph_json, sweep
from .engine.errors import ProgramError
from .engine.limits import Limits
from .engine.ops import catalogue

__all__ = ["compute_graph", "compute_graph_json", "compute_dot", "sweep", "catalogue", "ProgramError", "Limits"]
