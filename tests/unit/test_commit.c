/*
 * Unit tests of orchestrator/git/commit.{h,c}: committing one file of a git working tree
 * alone (how `wissel switch --commit` records a move). Each test makes a repository with
 * the git command line in a temporary folder and asks git afterwards what happened: the
 * new commit and its parent, what it changes, the index and the working tree; and that a
 * file with uncommitted changes, an untracked or missing file, a file outside git and a
 * detached HEAD are refused with nothing written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "orchestrator/git/commit.h"
#include "tests/unit/helpers/asserts.h"
#include "tests/unit/helpers/shell.h"

#include <ftw.h>
#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp[PATH_MAX], repo[PATH_MAX], cwd[PATH_MAX];
static char out[8192]; /* what the last run() printed */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Everything a command prints on stdout, as is (trailing newline included). */
static const char *run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    return out;
}

static void put(const char *rel, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", repo, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *get(const char *rel)
{
    static char text[4096];
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", repo, rel);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void head(char rev[41])
{
    snprintf(rev, 41, "%s", run("git -C %s rev-parse HEAD", repo));
}

/* A repository on branch main with one commit: apps/app.yaml, other.yaml, notes.txt. */
static int setup(void **state)
{
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    snprintf(tmp, sizeof tmp, "/tmp/wsl-commit-test-XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    snprintf(repo, sizeof repo, "%s/repo", tmp);
    return sh("mkdir -p %s/apps %s/docs && cd %s && git init -q -b main && "
              "git config user.name t && git config user.email t@t && "
              "printf 'replicas: 1\\n' > apps/app.yaml && printf 'a: 1\\n' > other.yaml && "
              "printf 'notes\\n' > notes.txt && printf 'docs\\n' > docs/README && "
              "git add -A && git -c user.name=t -c user.email=t@t commit -q -m init",
              repo, repo, repo) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    if (chdir(cwd) != 0)
        return -1;
    return nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_commits_new_content(void **state)
{
    char old[41], rev[41], rev2[41], path[PATH_MAX], want[64];
    struct wsl_err err = {0};
    head(old);
    snprintf(path, sizeof path, "%s/apps/app.yaml", repo);
    const char *text = "replicas: 2\n";
    assert_code(wsl_git_commit_file(path, text, strlen(text), "move app to b", rev, &err),
                0, &err);
    assert_int_equal(strlen(rev), 40);
    assert_int_equal(strspn(rev, "0123456789abcdef"), 40);
    snprintf(want, sizeof want, "%s\n", rev);
    assert_string_equal(run("git -C %s rev-parse HEAD", repo), want);
    assert_string_equal(run("git -C %s rev-parse main", repo), want);
    assert_string_equal(run("git -C %s log -1 --format=%%s", repo), "move app to b\n");
    snprintf(want, sizeof want, "%s\n", old);
    assert_string_equal(run("git -C %s log -1 --format=%%P", repo), want);
    assert_string_equal(run("git -C %s show HEAD:apps/app.yaml", repo), text);
    assert_string_equal(get("apps/app.yaml"), text);
    assert_string_equal(run("git -C %s status --porcelain", repo), "");

    /* A relative path with .., from another folder of the working tree. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/docs", repo);
    assert_int_equal(chdir(dir), 0);
    const char *text2 = "replicas: 3\n";
    int rc = wsl_git_commit_file("../apps/app.yaml", text2, strlen(text2), "again", rev2, &err);
    assert_int_equal(chdir(cwd), 0);
    assert_code(rc, 0, &err);
    snprintf(want, sizeof want, "%s\n", rev2);
    assert_string_equal(run("git -C %s rev-parse HEAD", repo), want);
    snprintf(want, sizeof want, "%s\n", rev);
    assert_string_equal(run("git -C %s rev-parse HEAD^", repo), want);
    assert_string_equal(run("git -C %s log --format=%%s", repo), "again\nmove app to b\ninit\n");
    assert_string_equal(run("git -C %s show HEAD:apps/app.yaml", repo), text2);
    assert_string_equal(get("apps/app.yaml"), text2);
    assert_string_equal(run("git -C %s status --porcelain", repo), "");
}

static void test_commits_only_its_change(void **state)
{
    char rev[41], path[PATH_MAX];
    struct wsl_err err = {0};
    put("other.yaml", "a: 2\n");
    assert_int_equal(sh("git -C %s add other.yaml", repo), 0);
    put("notes.txt", "notes, edited\n");
    snprintf(path, sizeof path, "%s/apps/app.yaml", repo);
    assert_code(wsl_git_commit_file(path, "replicas: 5\n", 12, "mine", rev, &err), 0, &err);
    assert_string_equal(run("git -C %s show --name-only --format= HEAD", repo),
                        "apps/app.yaml\n");
    assert_string_equal(run("git -C %s show HEAD:other.yaml", repo), "a: 1\n");
    assert_string_equal(run("git -C %s diff --cached --name-only", repo), "other.yaml\n");
    assert_string_equal(run("git -C %s show :other.yaml", repo), "a: 2\n");
    assert_string_equal(run("git -C %s status --porcelain", repo),
                        " M notes.txt\nM  other.yaml\n");
    assert_string_equal(get("notes.txt"), "notes, edited\n");
    assert_string_equal(get("apps/app.yaml"), "replicas: 5\n");
}

/* A refused call leaves HEAD where it was and the file as it was. */
static void refused(const char *path, int code, const char *msg, const char *old,
                    const char *content)
{
    char rev[41], now[41];
    struct wsl_err err = {0};
    assert_code(wsl_git_commit_file(path, "replicas: 9\n", 12, "no", rev, &err), code, &err);
    assert_int_equal(err.code, code);
    assert_contains(err.msg, msg);
    assert_string_equal(rev, "");
    head(now);
    assert_string_equal(now, old);
    if (content)
        assert_string_equal(get("apps/app.yaml"), content);
}

static void test_refuses_uncommitted_changes(void **state)
{
    char old[41], path[PATH_MAX];
    head(old);
    snprintf(path, sizeof path, "%s/apps/app.yaml", repo);
    put("apps/app.yaml", "replicas: 7\n");
    refused(path, WSL_E_CONFLICT, "has changes that are not committed", old, "replicas: 7\n");
    assert_string_equal(run("git -C %s status --porcelain", repo), " M apps/app.yaml\n");

    assert_int_equal(sh("git -C %s add apps/app.yaml", repo), 0);
    refused(path, WSL_E_CONFLICT, "has changes that are not committed", old, "replicas: 7\n");
    assert_string_equal(run("git -C %s diff --cached --name-only", repo), "apps/app.yaml\n");
    assert_string_equal(run("git -C %s show :apps/app.yaml", repo), "replicas: 7\n");
}

static void test_refuses_untracked_outside_missing(void **state)
{
    char old[41], path[PATH_MAX];
    head(old);
    put("apps/new.yaml", "new\n");
    snprintf(path, sizeof path, "%s/apps/new.yaml", repo);
    refused(path, WSL_E_NOTFOUND, "not committed", old, "replicas: 1\n");

    snprintf(path, sizeof path, "%s/outside.yaml", tmp);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
    refused(path, WSL_E_NOTFOUND, "not in a git working tree", old, NULL);
    assert_string_equal(run("cat %s", path), "x\n");

    snprintf(path, sizeof path, "%s/apps/missing.yaml", repo);
    refused(path, WSL_E_NOTFOUND, "missing.yaml", old, "replicas: 1\n");
    assert_int_equal(access(path, F_OK), -1);
    assert_string_equal(run("git -C %s status --porcelain", repo), "?? apps/new.yaml\n");
}

static void test_refuses_detached_head(void **state)
{
    char old[41], path[PATH_MAX], want[64];
    head(old);
    assert_int_equal(sh("git -C %s checkout -q --detach", repo), 0);
    snprintf(path, sizeof path, "%s/apps/app.yaml", repo);
    refused(path, WSL_E_CONFLICT, "detached", old, "replicas: 1\n");
    snprintf(want, sizeof want, "%s\n", old);
    assert_string_equal(run("git -C %s rev-parse main", repo), want);
    assert_string_equal(run("git -C %s log --all --format=%%s", repo), "init\n");
    assert_string_equal(run("git -C %s status --porcelain", repo), "");
}

static void test_signs_as_wissel_without_identity(void **state)
{
    char rev[41], path[PATH_MAX], home[PATH_MAX], want[64];
    struct wsl_err err = {0};
    assert_int_equal(sh("git -C %s config --unset user.name && "
                        "git -C %s config --unset user.email", repo, repo), 0);
    snprintf(home, sizeof home, "%s/home", tmp);
    assert_int_equal(sh("mkdir %s", home), 0);
    const char *old_home = getenv("HOME");
    char saved[PATH_MAX] = "";
    if (old_home)
        snprintf(saved, sizeof saved, "%s", old_home);
    setenv("HOME", home, 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    /* libgit2 reads HOME once, when initialised: point its config search there too. */
    static const int levels[] = {GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
                                 GIT_CONFIG_LEVEL_GLOBAL};
    git_libgit2_init();
    for (size_t i = 0; i < 3; i++)
        git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], home);
    snprintf(path, sizeof path, "%s/apps/app.yaml", repo);
    int rc = wsl_git_commit_file(path, "replicas: 4\n", 12, "anonymous", rev, &err);
    if (old_home)
        setenv("HOME", saved, 1);
    else
        unsetenv("HOME");
    unsetenv("GIT_CONFIG_NOSYSTEM");
    for (size_t i = 0; i < 3; i++) /* NULL: back to the defaults, from HOME again */
        git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], NULL);
    git_libgit2_shutdown();
    assert_code(rc, 0, &err);
    snprintf(want, sizeof want, "%s\n", rev);
    assert_string_equal(run("git -C %s rev-parse HEAD", repo), want);
    assert_string_equal(run("git -C %s log -1 --format=%%an", repo), "wissel\n");
    assert_string_equal(run("git -C %s log -1 --format=%%cn", repo), "wissel\n");
    assert_string_equal(run("git -C %s status --porcelain", repo), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commits_new_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commits_only_its_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_uncommitted_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_untracked_outside_missing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refuses_detached_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signs_as_wissel_without_identity, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
