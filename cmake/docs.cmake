# The man page sentiment(1), made at build time by help2man from the CLI's own --help (and
# each verb's), and the documentation; both ship with the CLI (install component cli, the
# Debian package sentiment): share/man/man1/sentiment.1.gz, share/doc/lstm-sentiment/.
find_program(HELP2MAN_EXECUTABLE help2man)
find_program(GZIP_EXECUTABLE gzip)
if(HELP2MAN_EXECUTABLE AND GZIP_EXECUTABLE)
  set(SENTIMENT_MAN_PAGE ${PROJECT_BINARY_DIR}/man/sentiment.1)
  add_custom_command(
    OUTPUT ${SENTIMENT_MAN_PAGE} ${SENTIMENT_MAN_PAGE}.gz
    COMMAND ${CMAKE_COMMAND} -DSENTIMENT=$<TARGET_FILE:sentiment>
            -DHELP2MAN=${HELP2MAN_EXECUTABLE} -DGZIP=${GZIP_EXECUTABLE}
            -DOUT=${SENTIMENT_MAN_PAGE} -P ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    DEPENDS sentiment ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    COMMENT "Writing the man page sentiment(1) with help2man"
    VERBATIM)
  add_custom_target(sentiment_man ALL DEPENDS ${SENTIMENT_MAN_PAGE}.gz)
  install(FILES ${SENTIMENT_MAN_PAGE}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT cli)
else()
  message(WARNING "help2man or gzip not found: no man page is built or installed "
                  "(scripts/deps.sh installs help2man)")
endif()

# README.md beside docs/, so its links to docs/*.md still work.
set(SENTIMENT_DOC_DIR ${CMAKE_INSTALL_DATAROOTDIR}/doc/lstm-sentiment)
install(FILES README.md DESTINATION ${SENTIMENT_DOC_DIR} COMPONENT cli)
install(DIRECTORY docs/ DESTINATION ${SENTIMENT_DOC_DIR}/docs COMPONENT cli
        FILES_MATCHING PATTERN "*.md")
