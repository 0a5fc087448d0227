"""``import skillode`` and the ``skillode`` command start without JAX; every way into skillode still gets float64.

The top-level names load on first use (PEP 562), the command's help needs no JAX, and ``jax_enable_x64`` is on
whichever of skillode and JAX is imported first. Each check runs in a fresh interpreter.
"""

import subprocess
import sys
import textwrap

import pytest

import skillode as sk
from skillode import cli


def python(code: str, **env) -> str:
    import os

    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip()


def test_the_package_and_the_command_line_import_no_jax():
    out = python("""
        import sys
        import skillode, skillode.cli, skillode.report
        from skillode.cli import main
        for argv in (["--help"], ["solve", "--help"], ["sweep", "--help"], ["report", "--help"]):
            try:
                main(argv)
            except SystemExit:
                pass
        print("RESULT", "jax" in sys.modules, "numpy" in sys.modules)
    """)
    assert out.splitlines()[-1] == "RESULT False False"


@pytest.mark.parametrize("code, env", [
    ("import skillode\nskillode.ResourceModel\nimport jax", ""),  # a top-level name
    ("import skillode.resource\nimport jax", "0"),  # a submodule, directly, against the user's JAX_ENABLE_X64=0
    ("import jax\nimport skillode\nskillode.zipf", "0"),  # JAX first
])
def test_every_way_in_turns_on_float64(code, env):
    out = python(code + "\nprint('X64', jax.config.jax_enable_x64, jax.numpy.zeros(1).dtype)",
                 **({"JAX_ENABLE_X64": env} if env else {}))
    assert out.splitlines()[-1] == "X64 True float64"


def test_top_level_names_load_on_first_use():
    for name in sk.__all__:
        assert getattr(sk, name) is not None
    assert set(sk.__all__) <= set(dir(sk))
    from skillode import ResourceModel, paper
    from skillode.resource import ResourceModel as defined

    assert ResourceModel is defined and sk.paper is paper
    assert sk.networks.MLP is not None  # any submodule is reachable as an attribute
    assert isinstance(sk.__version__, str)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        sk.no_such_name


def test_the_help_constants_of_the_command_line_match_the_library():
    from skillode import paper
    from skillode._validate import LOSS_KINDS
    from skillode.solvers import SOLVERS

    assert cli._ETA == paper.lr_eff(paper.LR, paper.DIM)
    assert (cli._LR, cli._DIM) == (paper.LR, paper.DIM)
    assert cli._METHODS == tuple(SOLVERS)
    assert cli._LOSS_KINDS == tuple(LOSS_KINDS)


def test_no_top_level_name_is_named_like_the_module_that_defines_it():
    """Loading ``skillode/x.py`` binds the module as ``skillode.x``; a top-level name ``x`` defined there would be
    replaced by it (the function ``forecast`` lives in ``skillode/forecasting.py`` for that reason)."""
    assert not [name for name, module in sk._WHERE.items() if name == module]
