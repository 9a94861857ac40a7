"""Runs `flask ...` or `gunicorn ...` exactly as an operator would, but converting with the quick converter, for
tests that start real processes and are not about conversion: `python -m tests.support.quick_launch flask worker`."""

from __future__ import annotations

import sys

from doc_templates.pdf import use_converter
from tests.support.quick_pdf import quick_pdf


def main() -> None:
    use_converter(quick_pdf)  # set before gunicorn forks its workers, so they convert quickly too
    tool = sys.argv[1]
    sys.argv = sys.argv[1:]
    if tool == "gunicorn":
        from gunicorn.app.wsgiapp import run

        run()
    elif tool == "flask":
        from flask.cli import main as flask

        flask()
    else:
        raise SystemExit(f"quick_launch runs flask or gunicorn, not {tool!r}")


if __name__ == "__main__":
    main()
