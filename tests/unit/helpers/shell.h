/* shell.h — a shell command for the unit tests that build their fixtures with real tools
 * (git, gpg, ssh-keygen). */
#ifndef WSL_TEST_SHELL_H
#define WSL_TEST_SHELL_H

/* Run the printf-formatted command with system(); its status. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
