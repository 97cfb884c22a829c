"""The browser app: `python app.py` serves the chat on http://127.0.0.1:7860.

On a first run (no index yet) it builds the index from corpus/ and prints the progress here.
Settings come from QA_* environment variables (QA_PORT, QA_HOST, QA_INDEX_DIR, QA_PASSWORD, …);
`qa serve --help` lists the same settings as flags. The app itself lives in qa/web/.
"""

import sys

from qa.config import Config
from qa.errors import QAError
from qa.web import serve

if __name__ == "__main__":
    try:
        config = Config.from_env()
        serve(config)  # opens index/, or builds it from corpus/ first; then serves until Ctrl+C
    except QAError as exc:  # one line, never a traceback
        sys.exit(f"Error: {exc}")
    except KeyboardInterrupt:
        sys.exit(130)
