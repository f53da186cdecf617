import math

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import app


@pytest.fixture(scope="session")
def client():
    with TestClient(app) as test_client:
        yield test_client


def assert_close(actual, expected, rel=1e-9, abs_=1e-12):
    """Numbers or nested lists equal to `rel` relative tolerance, element by element."""
    actual_array = np.asarray(actual, dtype=float)
    expected_array = np.asarray(expected, dtype=float)
    assert actual_array.shape == expected_array.shape, f"shape {actual_array.shape} != {expected_array.shape}"
    assert np.allclose(actual_array, expected_array, rtol=rel, atol=abs_, equal_nan=True), \
        f"{actual} != {expected}"


def newest_node_named(result, name):
    """The node a name refers to at the end of the program: the last one assigned to it."""
    return [node for node in result["nodes"] if node["name"] == name][-1]


def is_close(a, b, rel=1e-9):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)
