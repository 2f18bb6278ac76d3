"""check_array names the mistake whose result the answer reproduces, and still summarises other mismatches."""

import numpy as np
import pytest

from cnnkit.checks import GradingError, check_array


def test_a_known_mistake_is_named_with_the_rule():
    x = np.arange(6.0)
    with pytest.raises(GradingError, match=r"this is what ddof=1 gives; .*; divide by m"):
        check_array(x.var(ddof=1) * np.ones(2), x.var() * np.ones(2), "variance", why="divide by m",
                    mistakes=[(x.var(ddof=1) * np.ones(2), "ddof=1")])


def test_other_mismatches_are_summarised_and_matches_pass():
    with pytest.raises(GradingError, match="1 of 3 entries differ") as err:
        check_array([1.0, 2.0, 4.0], [1.0, 2.0, 3.0], "v", mistakes=[(np.zeros(3), "zeros"), (np.ones(2), "wrong shape")])
    assert "zeros" not in str(err.value)
    check_array([1.0, 2.0], [1.0, 2.0], "v", mistakes=[(np.array([1.0, 2.0]), "the same values")])
