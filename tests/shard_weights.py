"""Write tests/shard_weights.json from pytest ``--durations=0`` reports (``make
shard-weights``): each test module's setup + call + teardown seconds, which
``make test-fast`` uses to split the modules into two halves of equal time."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

LINE = re.compile(r"\s*([\d.]+)s (?:call|setup|teardown)\s+(\S+?)::")


def main(reports: list[str]) -> None:
    seconds: Counter[str] = Counter()
    for report in reports:
        for line in Path(report).read_text().splitlines():
            found = LINE.match(line)
            if found:
                seconds[found.group(2)] += float(found.group(1))
    out = Path(__file__).with_name("shard_weights.json")
    out.write_text(json.dumps({k: round(v, 2) for k, v in sorted(seconds.items())},
                              indent=1) + "\n")
    print(f"{out}: {len(seconds)} modules, {sum(seconds.values()):.0f} s in all")


if __name__ == "__main__":
    main(sys.argv[1:])
