#!/usr/bin/env bash
# Copying a volume's data between two Docker Targets (127.0.30.1 and 127.0.30.2, one
# engine), as `wissel switch` does, through the driver's volume_export and volume_import
# (tests/integration/volume_copy.c calls them): an application whose web container mounts
# a volume resource is applied at both; files written into A's volume (a subfolder, modes,
# an owner, a symlink, the root's own mode and owner) arrive in B's volume as they are; the
# archive's entries are "./"-relative; a second copy is a no-op; a destination holding
# something the source lacks is refused and left as it is; a resource that is no volume,
# a target not applied yet, a damaged archive and a foreign container holding the
# helper's name are clear errors; a stale helper is replaced; no helper is ever left
# behind and a plan afterwards has nothing to do.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
. "$(dirname "$0")/dns_lib.sh"
env_require docker
need_prog volume_copy
work=$(mktemp -d)
ta="dkva-$$" tb="dkvb-$$" tc="dkvc-$$"
cleanup() {
    docker_cleanup "$ta" "$tb" "$tc"
    docker rm -f "$ta-files-web-data-wissel-copy" >/dev/null 2>&1
    for t in "$ta" "$tb" "$tc"; do
        docker volume ls -q --filter "label=wissel.dev/target=$t" | xargs -r docker volume rm >/dev/null 2>&1
    done
    rm -rf "$work"
}
trap cleanup EXIT

repo=$work/repo st=$work/state
mkdir -p "$repo"
{ docker_targets "$ta" "$tb" 21500
  printf 'apiVersion: wissel.dev/v1\nkind: Target\nmetadata: {name: %s}\nspec:\n  provider: docker\n  jurisdiction: NL\n  docker: {ports: 21600-21609, address: 127.0.30.3}\n---\n' "$tc"
  printf 'apiVersion: wissel.dev/v1\nkind: Application\nmetadata: {name: files}\nspec:\n  workloads: [web.score.yaml]\n  classification: internal\n  placement: {primary: %s, standby: [%s, %s]}\n' "$ta" "$tb" "$tc"
} >"$repo/manifests.yaml"
cat >"$repo/web.score.yaml" <<'YAML'
apiVersion: score.dev/v1b1
metadata: {name: web}
service: {ports: {http: {port: 8080}}}
containers:
  main:
    image: wissel-test/web:1
    volumes: [{source: "${resources.data}", target: /data}]
resources:
  data: {type: volume}
YAML
vol_a="$ta-files-web-data" vol_b="$tb-files-web-data"
ctr_a="$ta-files-web-0" ctr_b="$tb-files-web-0"
# listing CONTAINER: the volume at /data as `tar -tv` sees it (mode, owner, size, time, name)
listing() { docker cp "$1:/data/." - | tar --numeric-owner --full-time -tv; }
# helpers: the copy's helper containers of our targets
helpers() { for t in "$ta" "$tb" "$tc"; do docker ps -aq --filter label=wissel.dev/volume-copy --filter "label=wissel.dev/target=$t"; done; }
# copy ID FROM TO: runs the program, stdout in $work/out (an archive when TO is -) and as
# text in $OUT, stderr in $ERR, status in $RC
copy() {
    "$prog" "$repo" files "$@" >"$work/out" 2>"$work/err"
    RC=$? OUT=$(tr -d '\0' <"$work/out") ERR=$(cat "$work/err")
}
export -f listing helpers
export ta tb tc

for t in "$ta" "$tb"; do
    run_wissel apply -y --timeout 2m --state "$st" -t "$t" "$repo"
    [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
    check "apply at $t creates the volume and the web container that mounts it" \
        bash -c '[ "$1" = 0 ] && docker volume inspect "$2" >/dev/null && docker inspect "$3" >/dev/null' _ "$RC" "$t-files-web-data" "$t-files-web-0"
done

# --- A's volume gets data: files, a subfolder, modes, an owner, a link, the root's mode ---
src=$work/src
mkdir -p "$src/data/sub"
printf 'hallo\n' >"$src/data/hello.txt"
printf 'diep\n' >"$src/data/sub/deep.txt"
: >"$src/data/empty"
ln -s hello.txt "$src/data/link"
chmod 0600 "$src/data/hello.txt"
chmod 0750 "$src/data"
# "data/" lands on the mount point itself: the volume's root gets its mode and owner
tar --owner=4321 --group=4321 --numeric-owner -C "$src" -cf - data | docker cp - "$ctr_a:/"
check "the source volume holds the files, its root owned 4321 with mode 0750" \
    bash -c 'l=$(listing "$1"); grep -q "^drwxr-x--- 4321/4321 .* \./$" <<<"$l" && grep -q "^-rw------- 4321/4321 *6 .* \./hello.txt$" <<<"$l" && grep -q "\./link -> hello.txt$" <<<"$l"' _ "$ctr_a"

copy data "$ta" -
names=$(tar -tf "$work/out" 2>/dev/null | sort | tr '\n' ' ')
check "the export is a tar archive of names relative to the volume's root ($names)" \
    bash -c '[ "$1" = 0 ] && [ "$2" = "./ ./empty ./hello.txt ./link ./sub/ ./sub/deep.txt " ]' _ "$RC" "$names"

# --- A -> B -------------------------------------------------------------------------------
copy data "$ta" "$tb"
[ "$RC" = 0 ] || printf "# %s\n" "$ERR"
check "the copy from $ta to $tb succeeds ($OUT)" bash -c '[ "$1" = 0 ] && [[ $2 =~ ^copied\ [0-9]+\ bytes$ ]]' _ "$RC" "$OUT"
check "B's volume holds the file's content" \
    bash -c '[ "$(docker cp "$1:/data/sub/deep.txt" - | tar -xO)" = diep ]' _ "$ctr_b"
check "B's volume equals A's: names, modes, owners, sizes, times, the link, the root" \
    bash -c 'a=$(listing "$1") b=$(listing "$2"); [ -n "$a" ] && [ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b") | sed "s/^/# /"; exit 1; }' _ "$ctr_a" "$ctr_b"
check "no helper container is left behind" bash -c '[ -z "$(helpers)" ]'
copy data "$ta" "$tb"
check "a second copy (B holds what A holds) succeeds again" bash -c '[ "$1" = 0 ] && [ -z "$(helpers)" ]' _ "$RC"
run_wissel plan --state "$st" --detailed-exitcode -t "$ta" "$repo"
rc_a=$RC
run_wissel plan --state "$st" --detailed-exitcode -t "$tb" "$repo"
check "a plan at either target has nothing to do afterwards" bash -c '[ "$1" = 0 ] && [ "$2" = 0 ]' _ "$rc_a" "$RC"

# --- a destination that holds something the source lacks ------------------------------------
printf 'stray\n' >"$work/only-here.txt"
docker cp "$work/only-here.txt" "$ctr_b:/data/only-here.txt"
before=$(listing "$ctr_b")
copy data "$ta" "$tb"
check "a destination holding an entry the source lacks is refused, naming it and the volume" \
    bash -c '[ "$1" = 1 ] && grep -q "volume $3 at target $4 holds 1 entry that the copy does not have (only-here.txt)" <<<"$2" && grep -q "hint: .*docker volume rm $3" <<<"$2"' _ "$RC" "$ERR" "$vol_b" "$tb"
check "... and the destination is left as it was, with no helper behind" \
    bash -c '[ "$(listing "$1")" = "$2" ] && [ -z "$(helpers)" ]' _ "$ctr_b" "$before"

# --- errors ---------------------------------------------------------------------------------
copy nope "$ta" "$tb"
check "a resource that is no volume of the application is a clear error" \
    bash -c '[ "$1" = 1 ] && grep -q "application files has no resource nope of type volume" <<<"$2"' _ "$RC" "$ERR"
copy data "$ta" "$tc"
check "a target the application was not applied to: the volume does not exist, apply first" \
    bash -c '[ "$1" = 1 ] && grep -q "volume $3-files-web-data (resource data of files) does not exist at target $3" <<<"$2" && grep -q "wissel apply -t $3" <<<"$2"' _ "$RC" "$ERR" "$tc"
copy data - "$tb" <<<"this is no tar archive, but it is long enough to fill a header block of five hundred and twelve bytes: $(printf '%0600d' 0)"
check "a damaged archive is refused before anything is written" \
    bash -c '[ "$1" = 1 ] && grep -q "no tar archive" <<<"$2" && [ "$(listing "$3")" = "$4" ] && [ -z "$(helpers)" ]' _ "$RC" "$ERR" "$ctr_b" "$before"

# --- the helper's name ------------------------------------------------------------------------
docker create --name "$vol_a-wissel-copy" --label wissel.dev/volume-copy="$vol_a" \
    --label wissel.dev/app=files --label "wissel.dev/target=$ta" wissel-test/web:1 >/dev/null
stale=$(helpers)
copy data "$ta" -
check "a helper left behind by a crash is replaced, and removed with the copy" \
    bash -c '[ "$1" = 0 ] && [ -n "$4" ] && tar -tf "$2" | grep -qx ./hello.txt && [ -z "$(helpers)" ] && ! docker inspect "$3-wissel-copy" >/dev/null 2>&1' _ "$RC" "$work/out" "$vol_a" "$stale"
docker create --name "$vol_a-wissel-copy" wissel-test/web:1 >/dev/null
copy data "$ta" -
check "a foreign container holding the helper's name is an error, and is left alone" \
    bash -c '[ "$1" = 1 ] && grep -q "a container named $3-wissel-copy exists that is not a volume copy of target $4" <<<"$2" && docker inspect "$3-wissel-copy" >/dev/null 2>&1' _ "$RC" "$ERR" "$vol_a" "$ta"
docker rm -f "$vol_a-wissel-copy" >/dev/null

# --- what a crash leaves is the next apply's to remove ----------------------------------------
docker create --name "$vol_a-wissel-copy" --label wissel.dev/volume-copy="$vol_a" \
    --label wissel.dev/app=files --label "wissel.dev/target=$ta" wissel-test/web:1 >/dev/null
run_wissel plan --state "$st" -t "$ta" "$repo"
echo "$OUT" | grep -i "wissel-copy" | sed 's/^/# /'
check "a helper left behind shows in a plan as an owned container to delete" \
    bash -c 'grep -q "delete *container/$2-wissel-copy" <<<"$1"' _ "$OUT" "$vol_a"
run_wissel apply -y --timeout 2m --state "$st" -t "$ta" "$repo"
check "... and the next apply removes it, keeping the volume's data" \
    bash -c '[ "$1" = 0 ] && ! docker inspect "$2-wissel-copy" >/dev/null 2>&1 && [ "$(docker cp "$3:/data/hello.txt" - | tar -xO)" = hallo ]' _ "$RC" "$vol_a" "$ctr_a"
