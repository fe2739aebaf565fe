#include "manifests/checks.h"
#include "providers/directory/config.h"
#include "providers/registry.h"

#define F WSL_FIELD

static const struct wsl_field fields[] = {
    F("path", WSL_FT_STR, struct wsl_directory_config, path, WSL_F_REQUIRED,
      .check = &wsl_check_nonempty, .doc = "The folder the rendered objects are written to; relative to this file."),
    {0}};
static const struct wsl_type config_type = {"directoryConfig",
                                            sizeof(struct wsl_directory_config), fields, false,
                                            NULL, NULL};

const struct wsl_provider_schema wsl_directory_schema = {
    "directory", WSL_ROLE_HOSTING, NULL, &config_type, true,
    "A folder that receives each application's rendered objects as JSON files: for review, "
    "for hand-off to another pipeline, and for testing wissel itself."};
