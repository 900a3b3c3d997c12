"""optkit.exercises.grade: verdicts and printed messages for every kind of answer; it never
raises for the reader's mistakes."""

import numpy as np
import pytest

from optkit.exercises import Verdict, grade

HINT = "the update is theta - lr * g"


def reader_sgd_step(theta, g, lr):  # a right answer
    return theta - lr * g


def reader_wrong(theta, g, lr):  # sign error
    return theta + lr * g


def reader_stub(theta, g, lr):
    raise NotImplementedError


def reader_crash(theta, g, lr):
    return theta - lr * g[5]  # IndexError


def make_test(fn):
    def test():
        theta, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
        got = fn(theta, g, 0.1)
        if not np.allclose(got, [0.95, 2.1]):
            return f"expected [0.95, 2.1], got {np.round(got, 4).tolist()}"
        return None
    return test


def test_passing_answer(capsys):
    v = grade("sgd_step", make_test(reader_sgd_step), HINT)
    out = capsys.readouterr().out
    assert isinstance(v, Verdict) and v.passed and bool(v)
    assert out.startswith("PASS [sgd_step]")
    assert "correct" in out
    assert HINT not in out
    assert v.message in out and repr(v) == "Verdict(passed=True)"


def test_verdict_is_not_shown_twice_in_a_notebook():
    """The message is printed once by grade(); as a cell's value the verdict shows nothing."""
    from IPython.core.interactiveshell import InteractiveShell

    v = Verdict(True, "msg")
    shell = InteractiveShell.instance()
    data, _ = shell.display_formatter.format(v)
    assert data == {}


def test_failing_answer(capsys):
    v = grade("sgd_step", make_test(reader_wrong), HINT)
    out = capsys.readouterr().out
    assert not v.passed and not bool(v)
    assert out.startswith("FAIL [sgd_step] not yet:")
    assert "expected [0.95, 2.1], got [1.05, 1.9]" in out
    assert f"Hint: {HINT}" in out


def test_stub_is_not_attempted(capsys):
    v = grade("sgd_step", make_test(reader_stub), HINT)
    out = capsys.readouterr().out
    assert not v.passed
    assert out.startswith("FAIL [sgd_step] not attempted yet")
    assert "NotImplementedError" in out  # tells the reader what to replace
    assert f"Hint: {HINT}" in out


@pytest.mark.parametrize("fn, error", [
    (reader_crash, "IndexError"),
    (lambda theta, g, lr: theta - lr * g @ np.ones(3), "ValueError"),
    (lambda theta, g, lr: theta - {}, "TypeError"),
])
def test_crashing_answer_is_reported_not_raised(capsys, fn, error):
    v = grade("sgd_step", make_test(fn), HINT)
    out = capsys.readouterr().out
    assert not v.passed
    assert out.startswith("FAIL [sgd_step] your function raised " + error)
    assert f"Hint: {HINT}" in out
    assert "Traceback" not in out  # only the last line, not a wall of text


def test_one_line_printed_verdict_per_call(capsys):
    grade("a", lambda: None, "h")
    grade("b", lambda: "wrong", "h")
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith(("PASS", "FAIL"))]
    assert lines == ["PASS [a] correct. Well done!", "FAIL [b] not yet: wrong"]


def test_verdict_is_frozen():
    v = Verdict(True, "ok")
    with pytest.raises(AttributeError):
        v.passed = False
