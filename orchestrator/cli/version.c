/* wissel version — the version and the libraries it was built with. */
#include "orchestrator/cli/cli.h"
#include "lib/buf.h"
#include "providers/registry.h"

#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <openssl/opensslv.h>
#include <yaml.h>

#ifndef WSL_VERSION
#define WSL_VERSION "0.0.0-dev"
#endif

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_version, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    int major, minor, rev;
    git_libgit2_version(&major, &minor, &rev);
    size_t nd;
    const struct wsl_driver *const *d = wsl_drivers(&nd);
    struct wsl_buf drivers = WSL_BUF_INIT;
    json_t *dj = json_array();
    for (size_t i = 0; i < nd; i++) {
        wsl_buf_printf(&drivers, "%s%s", i ? ", " : "", d[i]->name);
        json_array_append_new(dj, json_string(d[i]->name));
    }
    if (cli->json) {
        json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s}", "version", WSL_VERSION, "curl",
                              curl_version_info(CURLVERSION_NOW)->version, "yaml",
                              yaml_get_version_string(), "jansson", JANSSON_VERSION, "openssl",
                              OPENSSL_VERSION_STR);
        json_object_set_new(v, "libgit2", json_sprintf("%d.%d.%d", major, minor, rev));
        json_object_set_new(v, "drivers", json_incref(dj));
        json_dumpf(v, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', cli->out);
        json_decref(v);
    } else {
        fprintf(cli->out, "wissel %s (libcurl %s, libyaml %s, jansson %s, OpenSSL %s, libgit2 %d.%d.%d)\n",
                WSL_VERSION, curl_version_info(CURLVERSION_NOW)->version,
                yaml_get_version_string(), JANSSON_VERSION, OPENSSL_VERSION_STR, major, minor, rev);
        fprintf(cli->out, "drivers: %s\n", wsl_buf_str(&drivers));
    }
    json_decref(dj);
    wsl_buf_free(&drivers);
    return WSL_EXIT_OK;
}

const struct wsl_cmd wsl_cmd_version = {"version", run, "print the version", "wissel version",
                                        "Prints wissel's version, those of its libraries, and the drivers it has.",
                                        NULL};
