"""Entry point: `python app.py` serves the app on the shipped corpus (the index is built on first run)."""

from qa.config import Config
from qa.ui import launch

if __name__ == "__main__":
    launch(Config.from_env())
