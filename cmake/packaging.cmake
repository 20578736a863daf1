# Debian packages from the install components, in the split fastText's users know:
#   sentiment          (cli)      bin/sentiment, its man page and documentation
#   libsentiment0      (runtime)  libsentiment.so.0*, with a shlibs file and the ldconfig trigger
#   libsentiment-dev   (dev)      headers, the libsentiment.so link, the CMake package and
#                                 sentiment.pc; depends on libsentiment0 of the same version
# `cpack -G DEB` in the build folder writes them (docs/packaging.md). Everything is installed
# under /usr; the library directory is GNUInstallDirs' choice at configure time, so configure
# with -DCMAKE_INSTALL_PREFIX=/usr for Debian's multiarch lib/<triplet> (otherwise lib).
set(SENTIMENT_DEB_MAINTAINER "lstm-sentiment maintainers <maintainers@lstm-sentiment.invalid>"
    CACHE STRING "Maintainer field of the Debian packages")
set(SENTIMENT_DEB_RELEASE 1 CACHE STRING "Debian revision of the packages (VERSION-RELEASE)")

set(CPACK_PACKAGE_NAME lstm-sentiment)
set(CPACK_PACKAGE_VENDOR lstm-sentiment)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# Each package's Description is its own: a summary line, then the long description.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL cli runtime dev)
set(CPACK_COMPONENT_DEV_DEPENDS runtime)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # NAME_VERSION-RELEASE_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE ${SENTIMENT_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SENTIMENT_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps finds what the binaries link (OpenBLAS, oneDNN, libarchive, libcurl, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libsentiment-dev depends on exactly its own version of libsentiment0.
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_DEBIAN_CLI_PACKAGE_NAME sentiment)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION science)
# `sentiment train` draws its plots with gnuplot when it is there.
set(CPACK_DEBIAN_CLI_PACKAGE_RECOMMENDS gnuplot-nox)
set(CPACK_DEBIAN_CLI_DESCRIPTION
    "recurrent-network text classifiers: command-line tool
sentiment trains LSTM, GRU and SimpleRNN text classifiers natively on the CPU
(the Keras IMDB recipe by default, or any labelled corpus), evaluates them,
predicts, explains predictions word by word, exports weights and serves
models over HTTP.")

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libsentiment${SENTIMENT_SOVERSION})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
# A shlibs file, so packages built against the library depend on this one.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# The ldconfig trigger instead of CPack's postinst and postrm that call ldconfig: giving
# scripts of our own (which do nothing) is what keeps CPack from writing those.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/cmake/debian/triggers
    ${PROJECT_SOURCE_DIR}/cmake/debian/postinst ${PROJECT_SOURCE_DIR}/cmake/debian/postrm)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
    "recurrent-network text classifiers: shared library
libsentiment loads models trained by sentiment (LSTM, GRU, SimpleRNN),
classifies and explains text, and trains new models, from C++.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsentiment-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_DESCRIPTION
    "recurrent-network text classifiers: development files
The headers of libsentiment's C++ API, its CMake package
(find_package(lstm_sentiment CONFIG), target sentiment::sentiment) and its
pkg-config file (sentiment.pc).")

include(CPack)
