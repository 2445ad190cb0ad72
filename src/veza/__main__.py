"""`python -m veza`: the same CLI as the `veza` script.

The guard matters: transcoding workers are spawned processes that import `__main__`.
"""

from veza.cli import app

if __name__ == "__main__":
    app(prog_name="veza")
