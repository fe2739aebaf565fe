/* country.h — ISO 3166-1 alpha-2 country codes and the legal areas wissel reasons about. */
#ifndef WSL_COUNTRY_H
#define WSL_COUNTRY_H

#include <stdbool.h>

/* True for an assigned ISO 3166-1 alpha-2 code ("NL", "DE", "US"). */
bool wsl_country_known(const char *code);
/* Member state of the European Union. */
bool wsl_country_eu(const char *code);
/* Inside the European Economic Area (the EU plus Iceland, Liechtenstein and Norway). */
bool wsl_country_eea(const char *code);
/* Whether `code` lies in `area`: "EU", "EEA", or a country code (equal). */
bool wsl_country_in(const char *code, const char *area);

#endif
