"""Prints where a package installed under the prefix argv[1] is found by this interpreter,
relative to that prefix: the first entry of sys.path under it that is a site or dist
packages folder (Debian: lib/python3/dist-packages for /usr, lib/python3.X/dist-packages
for /usr/local), else the standard lib/python3.X/site-packages."""
import os
import sys
import sysconfig

prefix = os.path.realpath(sys.argv[1])
for entry in sys.path:
    real = os.path.realpath(entry) if entry else ""
    relative = os.path.relpath(real, prefix) if real.startswith(prefix + os.sep) else ""
    # prefix/lib*/...: not /usr/local's folders for the prefix /usr
    if relative.startswith("lib") and relative.endswith("-packages"):
        print(relative)
        break
else:
    scheme_vars = {"base": prefix, "platbase": prefix}
    print(os.path.relpath(sysconfig.get_path("platlib", "posix_prefix", scheme_vars), prefix))
