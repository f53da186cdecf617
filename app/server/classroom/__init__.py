"""A class in session: students follow the instructor's graph live, and answer together (routes.py; the state in
store.py, in memory or in Redis)."""

from .routes import router

__all__ = ["router"]
