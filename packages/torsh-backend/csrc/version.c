/* Embeds the package version given by the build (-DTORSH_BACKEND_VERSION="x.y.z"). */
#include "version.h"

#ifndef TORSH_BACKEND_VERSION
#error "compile with -DTORSH_BACKEND_VERSION=\"<package version>\" (the build hook does this)"
#endif

const char *tb_version(void) { return TORSH_BACKEND_VERSION; }
