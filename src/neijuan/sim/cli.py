"""The simulator's commands (``neijuan simulate``, ``neijuan scenarios``), registered on the app."""

from __future__ import annotations
