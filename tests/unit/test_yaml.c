/* Unit tests of manifests/yaml: typing, positions, aliases, merge keys and the limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "manifests/yaml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct loaded {
    struct wsl_arena *a;
    struct wsl_diags d;
    struct wsl_yaml_file f;
    int rc;
};

static struct loaded *load(const char *text, size_t len)
{
    struct loaded *l = calloc(1, sizeof *l);
    l->a = wsl_arena_new();
    l->rc = wsl_yaml_load_buf(l->a, "t.yaml", text, len, &l->f, &l->d);
    return l;
}

static struct loaded *loads(const char *text) { return load(text, strlen(text)); }

static void unload(struct loaded *l)
{
    wsl_diags_free(&l->d);
    wsl_arena_free(l->a);
    free(l);
}

/* The first diagnostic contains want, at line:col. */
static void assert_diag(const struct loaded *l, int line, int col, const char *want)
{
    assert_true(l->d.n > 0);
    if (!strstr(l->d.v[0].msg, want))
        fail_msg("message \"%s\" lacks \"%s\"", l->d.v[0].msg, want);
    assert_int_equal(l->d.v[0].line, line);
    assert_int_equal(l->d.v[0].col, col);
}

static void scalars_follow_yaml_1_2_core(void **state)
{
    struct loaded *l = loads("a: 12\nb: -0x1F\nc: 1.5e3\nd: true\ne: ~\nf: yes\ng: '12'\n"
                             "h: !!str 7\ni: 0o17\nj: .inf\nk: 0600\nl:\nm: \"true\"\n");
    assert_int_equal(l->rc, 0);
    const struct wsl_node *r = l->f.docs[0];
    assert_int_equal(wsl_node_get(r, "a")->type, WSL_Y_INT);
    assert_int_equal(wsl_node_get(r, "a")->i, 12);
    assert_int_equal(wsl_node_get(r, "b")->type, WSL_Y_STR); /* sign not allowed on hex */
    assert_int_equal(wsl_node_get(r, "c")->type, WSL_Y_FLOAT);
    assert_true(wsl_node_get(r, "c")->f == 1500.0);
    assert_int_equal(wsl_node_get(r, "d")->type, WSL_Y_BOOL);
    assert_true(wsl_node_get(r, "d")->b);
    assert_int_equal(wsl_node_get(r, "e")->type, WSL_Y_NULL);
    assert_int_equal(wsl_node_get(r, "f")->type, WSL_Y_STR); /* YAML 1.1 bool: a string in 1.2 */
    assert_int_equal(wsl_node_get(r, "g")->type, WSL_Y_STR);
    assert_int_equal(wsl_node_get(r, "h")->type, WSL_Y_STR);
    assert_int_equal(wsl_node_get(r, "i")->i, 15);
    assert_true(isinf(wsl_node_get(r, "j")->f));
    assert_int_equal(wsl_node_get(r, "k")->i, 600);
    assert_int_equal(wsl_node_get(r, "l")->type, WSL_Y_NULL);
    assert_int_equal(wsl_node_get(r, "m")->type, WSL_Y_STR);
    unload(l);
}

static void positions_are_one_based(void **state)
{
    struct loaded *l = loads("top:\n  list:\n    - x\n    - {k: v}\n");
    const struct wsl_node *list = wsl_node_get(wsl_node_get(l->f.docs[0], "top"), "list");
    assert_int_equal(list->line, 3);
    assert_int_equal(list->col, 5);
    assert_int_equal(list->vals[1]->kind, WSL_NODE_MAP);
    assert_int_equal(list->vals[1]->line, 4);
    assert_int_equal(list->vals[1]->col, 7);
    assert_string_equal(list->vals[1]->file, "t.yaml");
    unload(l);
}

static void multi_document(void **state)
{
    struct loaded *l = loads("a: 1\n---\nb: 2\n---\n---\nc: 3\n");
    assert_int_equal(l->rc, 0);
    assert_int_equal(l->f.ndocs, 3); /* the empty document has no root */
    assert_non_null(wsl_node_get(l->f.docs[2], "c"));
    unload(l);
}

static void duplicate_keys_are_errors(void **state)
{
    struct loaded *l = loads("a: 1\nb: 2\na: 3\n");
    assert_int_not_equal(l->rc, 0);
    assert_diag(l, 3, 1, "duplicate key \"a\"");
    assert_non_null(strstr(l->d.v[0].hint, "line 1"));
    unload(l);
}

static void aliases_and_merge_keys(void **state)
{
    struct loaded *l = loads("base: &b {x: 1, y: 2}\nuse: *b\nmerged:\n  <<: *b\n  y: 3\n");
    assert_int_equal(l->rc, 0);
    const struct wsl_node *r = l->f.docs[0];
    assert_int_equal(wsl_node_get(wsl_node_get(r, "use"), "x")->i, 1);
    const struct wsl_node *m = wsl_node_get(r, "merged");
    assert_int_equal(m->n, 2);
    assert_int_equal(wsl_node_get(m, "x")->i, 1);
    assert_int_equal(wsl_node_get(m, "y")->i, 3); /* own keys win over merged ones */
    json_t *j = wsl_node_to_json(r);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "use"), "y")), 2);
    json_decref(j);
    unload(l);
}

static void undefined_alias(void **state)
{
    struct loaded *l = loads("a: *nothing\n");
    assert_int_not_equal(l->rc, 0);
    /* libyaml itself refuses an undefined alias; either way it is a positioned error */
    assert_true(l->d.n > 0 && l->d.v[0].line == 1);
    unload(l);
}

static void alias_bomb_is_refused_quickly(void **state)
{
    struct wsl_buf b = WSL_BUF_INIT;
    wsl_buf_puts(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++) {
        wsl_buf_printf(&b, "a%d: &a%d [", i, i);
        for (int k = 0; k < 10; k++)
            wsl_buf_printf(&b, "%s*a%d", k ? ", " : "", i - 1);
        wsl_buf_puts(&b, "]\n");
    }
    clock_t t0 = clock();
    struct loaded *l = load(b.data, b.len);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_not_equal(l->rc, 0);
    assert_true(l->d.n > 0);
    assert_non_null(strstr(l->d.v[0].msg, "expands to more than"));
    assert_true(secs < 5.0); /* bounded, not a benchmark: a bomb would take hours */
    unload(l);
    wsl_buf_free(&b);
}

static void deep_nesting_is_refused(void **state)
{
    struct wsl_buf b = WSL_BUF_INIT;
    for (int i = 0; i < 10000; i++)
        wsl_buf_putc(&b, '[');
    struct loaded *l = load(b.data, b.len);
    assert_int_not_equal(l->rc, 0);
    assert_diag(l, 1, WSL_YAML_MAX_DEPTH + 1, "nesting deeper than");
    unload(l);
    wsl_buf_free(&b);
}

static void binary_and_bad_utf8(void **state)
{
    static const char bin[] = "a: 1\n\x00\x01\x02\x7f\xff";
    struct loaded *l = load(bin, sizeof bin - 1);
    assert_int_not_equal(l->rc, 0);
    assert_non_null(strstr(l->d.v[0].msg, "invalid YAML"));
    unload(l);
    l = loads("name: caf\xe9\n");
    assert_int_not_equal(l->rc, 0);
    assert_non_null(l->d.v[0].hint);
    assert_non_null(strstr(l->d.v[0].hint, "UTF-8"));
    unload(l);
}

static void tabs_get_a_hint(void **state)
{
    struct loaded *l = loads("a:\n\tb: 1\n");
    assert_int_not_equal(l->rc, 0);
    assert_int_equal(l->d.v[0].line, 2);
    assert_non_null(l->d.v[0].hint);
    assert_non_null(strstr(l->d.v[0].hint, "tabs"));
    unload(l);
}

static void huge_input_is_refused(void **state)
{
    size_t n = WSL_YAML_MAX_BYTES + 1;
    char *big = malloc(n);
    memset(big, '#', n);
    struct loaded *l = load(big, n);
    assert_int_not_equal(l->rc, 0);
    assert_non_null(strstr(l->d.v[0].msg, "limit"));
    unload(l);
    free(big);
}

static void complex_keys_and_tags(void **state)
{
    struct loaded *l = loads("? [a, b]\n: 1\n");
    assert_int_not_equal(l->rc, 0);
    assert_non_null(strstr(l->d.v[0].msg, "plain value"));
    unload(l);
    l = loads("a: !!int abc\nb: !custom x\n");
    assert_int_not_equal(l->rc, 0);
    assert_int_equal(l->d.n, 2);
    assert_non_null(strstr(l->d.v[1].msg, "unsupported YAML tag"));
    unload(l);
}

static void missing_file(void **state)
{
    struct wsl_arena *a = wsl_arena_new();
    struct wsl_diags d = {0};
    struct wsl_yaml_file f;
    assert_int_not_equal(wsl_yaml_load_file(a, "/nonexistent/x.yaml", &f, &d), 0);
    assert_non_null(strstr(d.v[0].msg, "cannot read"));
    wsl_diags_free(&d);
    wsl_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scalars_follow_yaml_1_2_core),
        cmocka_unit_test(positions_are_one_based),
        cmocka_unit_test(multi_document),
        cmocka_unit_test(duplicate_keys_are_errors),
        cmocka_unit_test(aliases_and_merge_keys),
        cmocka_unit_test(undefined_alias),
        cmocka_unit_test(alias_bomb_is_refused_quickly),
        cmocka_unit_test(deep_nesting_is_refused),
        cmocka_unit_test(binary_and_bad_utf8),
        cmocka_unit_test(tabs_get_a_hint),
        cmocka_unit_test(huge_input_is_refused),
        cmocka_unit_test(complex_keys_and_tags),
        cmocka_unit_test(missing_file),
    };
    return cmocka_run_group_tests_name("yaml", tests, NULL, NULL);
}
