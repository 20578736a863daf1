# What `cmake --install` puts under the prefix, by component (the Debian packages of
# cmake/packaging.cmake follow the same split):
#   cli      bin/sentiment, and (cmake/docs.cmake) its man page and share/doc/lstm-sentiment
#   runtime  lib/libsentiment.so.0*
#   dev      include/sentiment/*.h, lib/libsentiment.so, the CMake package
#            (find_package(lstm_sentiment CONFIG) -> sentiment::sentiment) and sentiment.pc
include(CMakePackageConfigHelpers)

install(TARGETS sentiment RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
install(TARGETS sentiment_shared EXPORT lstm_sentiment_targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES include/sentiment/sentiment.h include/sentiment/sentiment_c.h
              include/sentiment/error.h include/sentiment/export.h
              ${PROJECT_BINARY_DIR}/include/sentiment/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sentiment COMPONENT dev)

set(SENTIMENT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/lstm_sentiment)
install(EXPORT lstm_sentiment_targets NAMESPACE sentiment:: FILE lstm_sentimentTargets.cmake
        DESTINATION ${SENTIMENT_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(cmake/lstm_sentimentConfig.cmake.in
  ${PROJECT_BINARY_DIR}/lstm_sentimentConfig.cmake INSTALL_DESTINATION ${SENTIMENT_CMAKE_DIR})
# 0.x: a minor release may change the API, so only the same MAJOR.MINOR is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/lstm_sentimentConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/lstm_sentimentConfig.cmake
              ${PROJECT_BINARY_DIR}/lstm_sentimentConfigVersion.cmake
        DESTINATION ${SENTIMENT_CMAKE_DIR} COMPONENT dev)

# pkg-config: the prefix is found from the file's own place (../.. for lib/pkgconfig), so the
# tree works wherever it is installed or unpacked.
string(REGEX REPLACE "[^/]+" ".." SENTIMENT_PC_UP "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
configure_file(cmake/sentiment.pc.in ${PROJECT_BINARY_DIR}/sentiment.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sentiment.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
