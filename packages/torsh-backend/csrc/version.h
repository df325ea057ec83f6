/* The torsh-backend version this library was compiled for, so Python can refuse a stale build. */
#ifndef TORSH_VERSION_H
#define TORSH_VERSION_H

const char *tb_version(void);

#endif
