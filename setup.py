"""Builds the Python module lstm_sentiment with CMake (python/CMakeLists.txt): the shared
library libsentiment.so and the extension lstm_sentiment._core, both placed in the package,
where the extension finds the library by its RPATH $ORIGIN. The C++ build folder is
build/python-wheel (or $SENTIMENT_CMAKE_BUILD_DIR); ccache is used when installed.

    python3 -m pip install --no-build-isolation --target DIR .     (or --user, or in a venv)
"""
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


def project_version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        return re.search(r"project\(lstm_sentiment VERSION ([0-9.]+)", f.read()).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("SENTIMENT_CMAKE_BUILD_DIR") or os.path.join(
            ROOT, "build", "python-wheel")
        stage = os.path.join(os.path.abspath(self.build_temp), "stage")
        shutil.rmtree(stage, ignore_errors=True)
        configure = [
            "cmake", "-S", ROOT, "-B", build_dir,
            "-DCMAKE_BUILD_TYPE=Release",
            "-DSENTIMENT_BUILD_TESTS=OFF", "-DSENTIMENT_BUILD_BENCH=OFF",
            "-DSENTIMENT_BUILD_PYTHON=ON",
            "-DPython3_EXECUTABLE=" + sys.executable,
            # The package folder is the prefix's library folder: the extension's RPATH is
            # then $ORIGIN, and libsentiment.so.0 lies beside it.
            "-DCMAKE_INSTALL_PREFIX=" + stage,
            "-DCMAKE_INSTALL_LIBDIR:PATH=lstm_sentiment",
            "-DSENTIMENT_PYTHON_INSTALL_DIR:STRING=.",
        ]
        if shutil.which("ninja") and not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            configure += ["-G", "Ninja"]
        if shutil.which("ccache"):
            configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        subprocess.run(configure, check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        subprocess.run(["cmake", "--build", build_dir, "--target", "sentiment_python",
                        "-j", jobs], check=True)
        for component in ("runtime", "python"):
            subprocess.run(["cmake", "--install", build_dir, "--component", component],
                           check=True)
        # Wheels hold no symbolic links: the library is copied under its SONAME
        # (libsentiment.so.0), the name the extension asks for; the file it points to is left.
        package = os.path.join(stage, "lstm_sentiment")
        target = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))
        os.makedirs(target, exist_ok=True)
        names = os.listdir(package)
        linked = {os.readlink(os.path.join(package, n)) for n in names
                  if os.path.islink(os.path.join(package, n))}
        for name in names:
            if name not in linked:
                shutil.copy(os.path.join(package, name), os.path.join(target, name))


setup(
    version=project_version(),
    packages=["lstm_sentiment"],
    package_dir={"": "python"},
    ext_modules=[Extension("lstm_sentiment._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
