"""Every family's keys agree with Keras: a few hundred random questions each, plus the lecture sets."""

import random

import pytest

from cnnkit.quiz import families as fam
from cnnkit.quiz.make import generate
from cnnkit.quiz.verify import verify

PER_LEVEL = 70  # 3 levels → 210 random questions per family, each built in Keras


@pytest.mark.parametrize("family", fam.names())
def test_random_keys_match_keras(family):
    for level in ("easy", "medium", "hard"):
        questions = generate(family, level, PER_LEVEL, random.Random(f"keys:{family}:{level}"))
        assert len(questions) == PER_LEVEL
        for q in questions:
            # a generator never emits an answer that is not a positive integer of the right shape
            values = q.answer if isinstance(q.answer, tuple) else (q.answer,)
            assert all(isinstance(v, int) and v > 0 for v in values)
            if q.kind == "shape":
                assert len(q.answer) == 3
            verify(q)  # raises QuizError when Keras disagrees


@pytest.mark.parametrize("family", fam.names())
def test_lecture_keys_match_keras(family):
    for q in fam.get(family).lectures():
        assert q.source
        verify(q)


def _lecture(family, needle):
    return next(q for q in fam.get(family).lectures() if needle in q.source)


def test_lecture_numbers_are_the_seeds():
    # seed 001, "Designing a Convolutional Neural Network": 28x28x16, 14x14x16, 14x14x32, 7x7x32
    shapes = [q.answer for q in fam.get("output_shape").lectures() if "seed 001, 'Designing" in q.source]
    assert shapes == [(28, 28, 16), (14, 14, 16), (14, 14, 32), (7, 7, 32)]
    # seed 002, Table 14-2: AlexNet C1 55x55x96, LeNet-5 C5 1x1x120
    assert _lecture("output_shape", "AlexNet C1").answer == (55, 55, 96)
    assert _lecture("output_shape", "LeNet-5 C5").answer == (1, 1, 120)
    # seed 001, "Why not fully connected": 2352 and 120,000 weights per hidden neuron
    assert _lecture("layer_params", "28x28x3").answer == 2352
    assert _lecture("layer_params", "200x200x3").answer == 120_000
    # seed 001 network: 29,130 parameters (DESIGN.md reference numbers)
    assert _lecture("model_params", "seed 001").answer == 29_130
    # seed 000: 28·28·32·5·5·192 = 120,422,400 naive; 12,443,648 with the 1x1 → 16 reduction (DESIGN.md)
    costs = {q.meta["ask"]: q.answer for q in fam.get("inception_cost").lectures()}
    assert costs["naive"] == 120_422_400 and costs["reduced"] == 12_443_648
    assert _lecture("macs", "120M").answer == 120_422_400
    # seed 001/002: two stacked 3x3 convolutions see what one 5x5 sees
    assert _lecture("receptive_field", "two stacked").answer == 5
    # seed 002 Table 14-1: LeNet-5 S2 and S4 (average pooling) are the parameter-free layers
    assert _lecture("no_params", "LeNet-5").answer == (2, 4, 6)
