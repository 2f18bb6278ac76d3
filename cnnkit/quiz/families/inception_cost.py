"""Cost of an inception branch with and without a 1x1 reduction (seed 000's 120M → 12.4M)."""

from __future__ import annotations

from cnnkit.quiz.errors import QuizError
from cnnkit.quiz.families._base import check_level, shape_of
from cnnkit.quiz.layers import fmt_shape, macs, macs_formula, walk
from cnnkit.quiz.question import Question

NAME = "inception_cost"
TITLE = "Cost of an inception branch with and without a 1x1 reduction"
ASKS = ("naive", "reduced", "saving")


def paths(kernel: int, filters: int, reduce: int) -> dict[str, list[dict]]:
    """The naive branch (k x k conv) and the reduced one (1x1 conv to ``reduce``, then k x k)."""
    conv = lambda f, k: {"type": "conv", "filters": f, "kernel": k, "padding": "same"}
    return {"naive": [conv(filters, kernel)], "reduced": [conv(reduce, 1), conv(filters, kernel)]}


def path_macs(in_shape, layers) -> tuple[int, str]:
    rows = walk(in_shape, layers)
    total = sum(macs(r["spec"], r["in"]) for r in rows)
    parts = [macs_formula(r["spec"], r["in"]) for r in rows]
    return total, (" + ".join(f"({p})" for p in parts) + f" = {total}" if len(parts) > 1 else parts[0])


def from_spec(input, kernel, filters, reduce, ask="naive", level="custom", source="") -> Question:
    if ask not in ASKS:
        raise QuizError(f"{NAME}: ask must be one of {ASKS}, got {ask!r}")
    in_shape = shape_of(input)
    branch = paths(kernel, filters, reduce)
    costs = {name: path_macs(in_shape, layers) for name, layers in branch.items()}
    (naive, why_naive), (reduced, why_reduced) = costs["naive"], costs["reduced"]
    answer = {"naive": naive, "reduced": reduced, "saving": naive - reduced}[ask]
    if answer < 1:
        raise QuizError(f"{NAME}: a 1x1 reduction to {reduce} channels saves nothing on "
                        f"{fmt_shape(in_shape)} → {filters}; pick fewer reduction channels")
    branch_words = f'a {kernel}x{kernel} convolution with {filters} filters (padding "same")'
    reduction_words = f"a 1x1 convolution to {reduce} channels first, then {branch_words}"
    stem = {
        "naive": f"An inception branch applies {branch_words} to a {fmt_shape(in_shape)} input. "
                 "How many multiply-accumulates (MACs) does it take?",
        "reduced": f"An inception branch applies {reduction_words}, on a {fmt_shape(in_shape)} input. "
                   "How many multiply-accumulates (MACs) does the branch take in total?",
        "saving": f"On a {fmt_shape(in_shape)} input, an inception branch can apply {branch_words} directly, "
                  f"or {reduction_words}. How many multiply-accumulates (MACs) does the reduction save?",
    }[ask]
    why = {"naive": why_naive, "reduced": why_reduced,
           "saving": f"naive {why_naive}; reduced {why_reduced}; saving {naive} - {reduced} = {naive - reduced}"}[ask]
    return Question(NAME, level, stem, answer, "integer", explanation=why, unit="MACs", input_shape=in_shape,
                    layers=branch["naive" if ask == "naive" else "reduced"], check="inception",
                    meta={"ask": ask, "kernel": kernel, "filters": filters, "reduce": reduce},
                    source=source)


def generate(rng, level: str) -> Question:
    check_level(NAME, level)
    n = rng.choice([7, 14, 28, 56])
    c = rng.choice([64, 128, 192, 256, 480, 512])
    k, f = rng.choice([3, 5]), rng.choice([32, 48, 64, 96, 128])
    r = rng.choice([16, 24, 32, 48, 64, 96])
    ask = {"easy": "naive", "medium": "reduced", "hard": "saving"}[level]
    return from_spec((n, n, c), k, f, r, ask, level)


def lectures() -> list[Question]:
    src = "seed 000, 'Using 1x1 filters' (28x28x192 → 5x5 conv, 32 filters; 1x1 reduction to 16)"
    return [from_spec((28, 28, 192), 5, 32, 16, ask, "lectures", f"{src}: naive 120M, reduced 12.4M")
            for ask in ASKS]
