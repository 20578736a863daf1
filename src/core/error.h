// Project exceptions. User-facing failures (bad input, bad files, bad flags) throw
// sentiment::Error with a message that names the thing at fault and, where it helps,
// what was got versus what was expected. The CLI catches these once in main; the public
// API lets them through (include/sentiment/error.h).
#pragma once

#include "sentiment/error.h"
