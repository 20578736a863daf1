# Writes the man page sentiment(1) with help2man (run in script mode by cmake/docs.cmake):
# the top-level --help and --version, plus a COMMANDS section with each verb's own --help,
# the verbs read from the top-level help's SUBCOMMANDS list. Then gzip -9n, as Debian ships
# man pages.
#   cmake -DSENTIMENT=bin -DHELP2MAN=help2man -DGZIP=gzip -DOUT=man/sentiment.1 -P man_page.cmake
execute_process(COMMAND ${SENTIMENT} --help OUTPUT_VARIABLE help RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${SENTIMENT} --help failed (${status})")
endif()

# CLI11 lists the verbs under "Subcommands:" (upper case in some versions), one per line
# as "  verb  description", wrapped descriptions indented further.
string(REGEX MATCH "\n[Ss][Uu][Bb][Cc][Oo][Mm][Mm][Aa][Nn][Dd][Ss]:(\n  [^\n]*)*" verbs_block
       "${help}")
string(REGEX MATCHALL "\n  [a-z][a-z-]*" verbs "${verbs_block}")
list(TRANSFORM verbs STRIP)
if(NOT verbs)
  message(FATAL_ERROR "no SUBCOMMANDS in the output of ${SENTIMENT} --help:\n${help}")
endif()

# Each verb's help verbatim (no-fill), with roff's special characters escaped.
string(CONCAT include "[COMMANDS]\nEach command has its own options, which "
       "\\fBsentiment\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR prints:\n")
foreach(verb IN LISTS verbs)
  execute_process(COMMAND ${SENTIMENT} ${verb} --help OUTPUT_VARIABLE text
                  RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${SENTIMENT} ${verb} --help failed (${status})")
  endif()
  # The usage line names the binary by the path it was run as.
  string(REPLACE "${SENTIMENT}" "sentiment" text "${text}")
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  string(STRIP "${text}" text)
  string(APPEND include ".SS \"sentiment ${verb}\"\n.nf\n${text}\n.fi\n")
endforeach()
string(APPEND include "[SEE ALSO]\nREADME.md and docs/ in /usr/share/doc/lstm\\-sentiment "
                      "(or share/doc/lstm\\-sentiment under the installation prefix).\n")

get_filename_component(dir ${OUT} DIRECTORY)
file(MAKE_DIRECTORY ${dir})
file(WRITE ${OUT}.include "${include}")
execute_process(
  COMMAND ${HELP2MAN} --no-info --section 1
          --name "train, evaluate and serve recurrent-network text classifiers"
          --include ${OUT}.include --output ${OUT} ${SENTIMENT}
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "help2man failed (${status}) on ${SENTIMENT}")
endif()
execute_process(COMMAND ${GZIP} -9 -n -c ${OUT} OUTPUT_FILE ${OUT}.gz RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "gzip failed (${status}) on ${OUT}")
endif()
