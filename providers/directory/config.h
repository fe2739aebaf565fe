/* config.h — the directory block of a Target: rendered manifests written to a folder. */
#ifndef WSL_DIRECTORY_CONFIG_H
#define WSL_DIRECTORY_CONFIG_H

#include "manifests/schema.h"

struct wsl_directory_config {
    struct wsl_hdr hdr;
    const char *path; /* the folder; a relative path is relative to the Target's file */
};

#endif
