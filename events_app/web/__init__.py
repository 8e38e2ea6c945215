"""The layout, error page and stylesheet every page shares; served by the app itself, no CDN."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
