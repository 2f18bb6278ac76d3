"""``python -m cnnkit.grading.sandbox``: can the grading sandbox run here? Exit 0 if so, 1 with the fix if not."""

import sys

from cnnkit.grading.sandbox.support import probe


def main() -> int:
    support = probe()
    print(support.message())
    return 0 if support.ok else 1


if __name__ == "__main__":
    sys.exit(main())
