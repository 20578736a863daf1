"""`pip install` from the source tree with the system's Python and no package index: setup.py
builds libsentiment.so and the extension with CMake into the wheel, and the installed module
(RPATH $ORIGIN) imports and predicts as the build tree's. Slow: a CMake build of the library
(ccache makes it quick when the same sources were built before); ctest runs it on its own as
python.pip_install."""
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np

from conftest import TEXTS

SOURCE = pathlib.Path(__file__).resolve().parents[2]


def copy_sources(to):
    """The source tree without its build, run and data folders, so the install neither reads
    nor writes them."""
    top = {".git", ".cache", "runs", "data", "Testing"}

    def ignore(folder, names):
        left_out = {n for n in names if n == "__pycache__" or n.endswith(".egg-info")}
        if pathlib.Path(folder) == SOURCE:
            left_out |= {n for n in names if n in top or n.startswith("build")}
        return left_out

    shutil.copytree(SOURCE, to, ignore=ignore)


def test_pip_install_target(tmp_path, tiny, models):
    source = tmp_path / "src"
    target = tmp_path / "site"
    copy_sources(source)
    env = dict(os.environ)
    # Object files compiled for another checkout are reused by ccache when their paths are
    # the same relative to this base (build/<folder> below the source root).
    env["CCACHE_BASEDIR"] = str(source)
    env.pop("PYTHONPATH", None)
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation",
                    "--no-index", "--no-cache-dir", "--quiet", "--target", str(target),
                    str(source)], check=True, env=env, cwd=tmp_path)
    package = target / "lstm_sentiment"
    names = sorted(p.name for p in package.iterdir() if p.name != "__pycache__")
    assert "libsentiment.so.0" in names and "__init__.py" in names
    assert any(n.startswith("_core.") and n.endswith(".so") for n in names)

    env["PYTHONPATH"] = str(target)
    script = ("import sys, lstm_sentiment as m\n"
              "model = m.Model.load(sys.argv[1])\n"
              "print(m.__file__)\n"
              "print(model.predict(sys.argv[2:]).tobytes().hex())\n")
    out = subprocess.run([sys.executable, "-c", script, str(models / "tiny.model"), *TEXTS],
                         check=True, capture_output=True, text=True, env=env,
                         cwd=tmp_path).stdout.splitlines()
    assert pathlib.Path(out[0]).parent == package
    probs = np.frombuffer(bytes.fromhex(out[1]), dtype=np.float32).reshape(len(TEXTS), 2)
    assert np.array_equal(probs, tiny.predict(TEXTS))
