"""The suite's own rules (pyproject's [tool.pytest.ini_options]): a warning our code causes fails
the test that caused it, a library's warning about itself does not, and a marker nobody declared
is an error rather than a marker that quietly selects nothing.

Warnings are attributed to the module of the line they point at: a library that deprecates how we
call it warns at our line (stacklevel), so that counts as ours, as it should."""

from __future__ import annotations

import warnings

import pytest


def _warn_from(module: str, category: type[Warning] = DeprecationWarning) -> list[str]:
    """Raise a warning as if from `module`; what was shown (an error propagates)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.warn_explicit(
            "the old way", category, f"{module.replace('.', '/')}.py", 1, module, registry={}
        )
    return [str(warning.message) for warning in seen]


@pytest.mark.parametrize(
    "module", ["bot.app", "dialogs.flows.summary", "storage.db.engine", "tests.test_test_policy"]
)
@pytest.mark.parametrize("category", [DeprecationWarning, UserWarning, RuntimeWarning])
def test_a_warning_from_our_code_fails(module: str, category: type[Warning]) -> None:
    with pytest.raises(category, match="the old way"):
        _warn_from(module, category)


def test_a_warning_raised_here_fails() -> None:
    with pytest.raises(UserWarning):
        warnings.warn("careful", UserWarning, stacklevel=1)


@pytest.mark.parametrize(
    "module",
    ["botbuilder.core.turn_context", "botframework.connector", "msrest.serialization", "aiohttp"],
)
def test_a_library_warning_about_itself_stays_a_warning(module: str) -> None:
    assert _warn_from(module) == ["the old way"]


def test_an_undeclared_marker_is_an_error(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.getoption("strict_markers") is True
    declared = {line.split(":")[0] for line in pytestconfig.getini("markers")}
    assert {"e2e", "sqlite_only"} <= declared
