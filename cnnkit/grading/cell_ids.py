"""Cell ids the grader gives the course's own cells, so the grading kernel knows which cells are tests.

Student code never sends requests to the kernel: only the grader does, with these ids in each
request's metadata (``cellId``). Kept in a module of its own so the kernel imports nothing else.
"""

TEST_ID_PREFIX = "cnnkit-test-"
PROVIDED_ID_PREFIX = "cnnkit-provided-"
