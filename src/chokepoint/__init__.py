"""chokepoint: industrial-chain security analytics (产业链安全).

Entry points
------------
- :func:`chokepoint.datasets.load_semiconductors` - the bundled ETO demo chain
- :func:`chokepoint.io.read_chain` / :func:`chokepoint.io.write_chain` - exchange format
- :class:`chokepoint.model.ChainMap` - the chain map
- :class:`chokepoint.store.Store` - the embedded (SQLite) or PostgreSQL store
"""

from chokepoint.errors import ChainValidationError, ChokepointError, Problem
from chokepoint.model import ChainMap

__version__ = "0.1.0"
__all__ = ["ChainMap", "ChainValidationError", "ChokepointError", "Problem", "__version__"]
