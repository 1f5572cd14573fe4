"""Run as a child process: hold an index's Whoosh write lock until stdin closes.

``python -m tests.search.hold_lock <generation dir>`` prints "locked" once it holds it.
"""

import sys

from whoosh import index

if __name__ == "__main__":
    ix = index.open_dir(sys.argv[1])
    writer = ix.writer(timeout=10)
    print("locked", flush=True)
    sys.stdin.read()
    writer.cancel()
