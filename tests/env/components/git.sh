# shellcheck shell=bash disable=SC2046,SC2086  # word splitting of name and URL lists is meant
# tests/env/components/git.sh — a git server for wissel's git source (sourced by lib.sh).
#
# One bare repository, $ENV_DIR/git/repos/gitops.git (branch main, seeded from
# examples/gemeente), served three ways on 127.0.50.1, all as the current user:
#   http://127.0.50.1:8080/gitops.git   nginx + fcgiwrap + `git http-backend`, basic auth
#   https://127.0.50.1:8443/gitops.git  the same over TLS, with a CA made here (tls/ca.crt)
#   ssh://USER@127.0.50.1:2222/...      Debian's sshd, key auth only, git commands only
# Fetch and push both need the user `wissel` and the password in git/http-password.
# tests/env/git-push pushes commits to it from a test. Data survives `down`; delete
# $ENV_DIR/git to start from a fresh repository and fresh keys.

GIT_ADDR=127.0.50.1
GIT_HTTP_PORT=8080
GIT_HTTPS_PORT=8443
GIT_SSH_PORT=2222
GIT_HTTP_BACKEND=/usr/lib/git-core/git-http-backend

_git_dir() { echo "$ENV_DIR/git"; }

# _git_url http|https|ssh: the repository's URL over that transport.
_git_url() {
    case $1 in
    http) echo "http://$GIT_ADDR:$GIT_HTTP_PORT/gitops.git" ;;
    https) echo "https://$GIT_ADDR:$GIT_HTTPS_PORT/gitops.git" ;;
    ssh) echo "ssh://$(id -un)@$GIT_ADDR:$GIT_SSH_PORT$(_git_dir)/repos/gitops.git" ;;
    esac
}
# _git_ssh_cmd: the ssh command line for git (GIT_SSH_COMMAND): the test key, the test
# known_hosts, strict host key checking, never a prompt.
_git_ssh_cmd() {
    local s; s=$(_git_dir)/ssh
    echo "ssh -i $s/client_key -o IdentitiesOnly=yes -o UserKnownHostsFile=$s/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes"
}

# The settings the tests read (also valid before the daemons run; they only name files).
_git_env() {
    local g; g=$(_git_dir)
    env_set GIT_HTTP_URL "$(_git_url http)"
    env_set GIT_HTTPS_URL "$(_git_url https)"
    env_set GIT_HTTPS_CA "$g/tls/ca.crt"
    env_set GIT_HTTP_USER wissel
    env_set GIT_HTTP_PASSWORD_FILE "$g/http-password"
    env_set GIT_HTTP_ASKPASS "$g/askpass"
    env_set GIT_SSH_URL "$(_git_url ssh)"
    env_set GIT_SSH_KEY "$g/ssh/client_key"
    env_set GIT_SSH_KNOWN_HOSTS "$g/ssh/known_hosts"
    env_set GIT_SSH_CMD "$(_git_ssh_cmd)"
    env_set GIT_PUSH "$ROOT/tests/env/git-push"
}

# _git_ls http|https|ssh: the server answers `git ls-remote` over that transport with
# branch main (the client's own git configuration left out).
_git_ls() {
    local g; g=$(_git_dir)
    GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 \
        GIT_ASKPASS=$g/askpass GIT_SSL_CAINFO=$g/tls/ca.crt \
        GIT_SSH_COMMAND="$(_git_ssh_cmd) -o ConnectTimeout=5" \
        timeout 10 git ls-remote "$(_git_url "$1")" refs/heads/main 2>/dev/null | grep -q refs/heads/main
}

git_status() {
    local head n v
    for n in git-fcgiwrap git-nginx git-sshd; do
        is_running "$n" || { echo "$n is not running"; return 1; }
    done
    for v in http https ssh; do
        _git_ls "$v" || { echo "$(_git_url "$v") does not answer"; return 1; }
    done
    head=$(git --git-dir="$(_git_dir)/repos/gitops.git" rev-parse --short main 2>/dev/null)
    echo "http://$GIT_ADDR:$GIT_HTTP_PORT https://$GIT_ADDR:$GIT_HTTPS_PORT ssh://$GIT_ADDR:$GIT_SSH_PORT gitops.git main=$head"
}

# Files made once and kept: password, keys, certificates, the seeded repository.
_git_make_files() {
    local g u pw; g=$(_git_dir); u=$(id -un)
    mkdir -p "$g/repos" "$g/ssh" "$g/tls" "$g/tmp"
    chmod 700 "$g/ssh"

    # Basic auth: user wissel, a generated password (0600), bcrypt in htpasswd.
    if [ ! -s "$g/http-password" ]; then
        (umask 077; tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24 >"$g/http-password")
    fi
    pw=$(cat "$g/http-password")
    htpasswd -cbB -C 5 "$g/htpasswd" wissel "$pw" 2>/dev/null || return 1
    # GIT_ASKPASS program for git clients: answers the user name and password prompts.
    cat >"$g/askpass" <<EOF
#!/bin/sh
case "\$1" in
Username*) echo wissel ;;
*) cat '$g/http-password' ;;
esac
EOF
    chmod 700 "$g/askpass"

    # TLS: a CA and a server certificate for 127.0.50.1 (ten years; made once).
    if [ ! -s "$g/tls/server.crt" ]; then
        (cd "$g/tls" && umask 077 &&
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
                -subj "/CN=wissel test git CA" -keyout ca.key -out ca.crt \
                -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign &&
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$GIT_ADDR" \
                -keyout server.key -out server.csr &&
            printf 'subjectAltName=IP:%s,DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:false\n' "$GIT_ADDR" "$GIT_ADDR" >server.ext &&
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
                -extfile server.ext -out server.crt &&
            chmod 644 ca.crt server.crt) >/dev/null 2>&1 || { say "git: making the TLS certificates failed"; return 1; }
    fi

    # SSH: a host key, a client key, authorized_keys (restricted), known_hosts.
    [ -s "$g/ssh/host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "wissel-test-git-host" -f "$g/ssh/host_ed25519_key" || return 1
    [ -s "$g/ssh/client_key" ] || ssh-keygen -q -t ed25519 -N '' -C "wissel-test-git-client" -f "$g/ssh/client_key" || return 1
    printf 'restrict %s\n' "$(cat "$g/ssh/client_key.pub")" >"$g/ssh/authorized_keys"
    printf '[%s]:%s %s\n' "$GIT_ADDR" "$GIT_SSH_PORT" "$(cut -d' ' -f1,2 "$g/ssh/host_ed25519_key.pub")" >"$g/ssh/known_hosts"
    {
        echo "# written by tests/env/components/git.sh"
        echo "ListenAddress $GIT_ADDR:$GIT_SSH_PORT"
        echo "HostKey $g/ssh/host_ed25519_key"
        echo "PidFile $g/ssh/sshd.pid"
        echo "AuthorizedKeysFile $g/ssh/authorized_keys"
        echo "AllowUsers $u"
        [ "$(id -u)" = 0 ] && echo "PermitRootLogin prohibit-password"
        echo "AuthenticationMethods publickey"
        echo "PubkeyAuthentication yes"
        echo "PasswordAuthentication no"
        echo "KbdInteractiveAuthentication no"
        echo "HostbasedAuthentication no"
        echo "UsePAM no"
        # The files live in the work tree, whose directories may be group-writable.
        echo "StrictModes no"
        echo "PermitTTY no"
        echo "DisableForwarding yes"
        echo "PermitUserEnvironment no"
        echo "PermitUserRC no"
        echo "PrintMotd no"
        echo "PrintLastLog no"
        # Whatever the client asks for goes through git-shell: only git-upload-pack,
        # git-receive-pack and git-upload-archive run; anything else is refused.
        echo "ForceCommand /usr/bin/git-shell -c \"\$SSH_ORIGINAL_COMMAND\""
        # sshd runs that through the user's login shell. bash then reads ~/.bashrc when it
        # sees SSH_CLIENT at shell level 1 (slow, and output there would break the git
        # protocol); starting it at level 2 skips that.
        echo "SetEnv SHLVL=1"
        echo "LogLevel VERBOSE"
    } >"$g/ssh/sshd_config"

    # The bare repository, seeded once with the example municipality on branch main.
    if [ ! -f "$g/repos/gitops.git/HEAD" ]; then
        local seed; seed=$(mktemp -d "$g/tmp/seed.XXXXXX")
        git init -q --bare -b main "$g/repos/gitops.git" &&
            git init -q -b main "$seed" &&
            cp -a "$ROOT/examples/gemeente/." "$seed/" &&
            git -C "$seed" add -A &&
            GIT_AUTHOR_NAME="wissel test" GIT_AUTHOR_EMAIL=test@wissel.invalid \
                GIT_COMMITTER_NAME="wissel test" GIT_COMMITTER_EMAIL=test@wissel.invalid \
                GIT_AUTHOR_DATE="2025-01-01T00:00:00Z" GIT_COMMITTER_DATE="2025-01-01T00:00:00Z" \
                git -C "$seed" -c commit.gpgsign=false commit -q -m "Seed: examples/gemeente" &&
            git -C "$seed" push -q "$g/repos/gitops.git" main:main
        local rc=$?
        rm -rf "$seed"
        [ $rc = 0 ] || { rm -rf "$g/repos/gitops.git"; say "git: seeding the repository failed"; return 1; }
    fi
    git --git-dir="$g/repos/gitops.git" config http.receivepack true
    git --git-dir="$g/repos/gitops.git" config receive.denyNonFastForwards false

    # nginx: basic auth in front of git http-backend (via fcgiwrap), plain and TLS.
    {
        echo "# written by tests/env/components/git.sh"
        echo "daemon off;"
        echo "worker_processes 1;"
        echo "pid $g/nginx.pid;"
        echo "error_log stderr notice;"
        [ "$(id -u)" = 0 ] && echo "user $u $(id -gn);"
        echo "events { worker_connections 64; }"
        cat <<EOF
http {
    access_log $LOG_DIR/git-nginx-access.log;
    client_body_temp_path $g/tmp/body;
    proxy_temp_path $g/tmp/proxy;
    fastcgi_temp_path $g/tmp/fastcgi;
    uwsgi_temp_path $g/tmp/uwsgi;
    scgi_temp_path $g/tmp/scgi;
    client_max_body_size 0;
    server {
        listen $GIT_ADDR:$GIT_HTTP_PORT;
        listen $GIT_ADDR:$GIT_HTTPS_PORT ssl;
        server_name $GIT_ADDR;
        ssl_certificate $g/tls/server.crt;
        ssl_certificate_key $g/tls/server.key;
        auth_basic "wissel test git";
        auth_basic_user_file $g/htpasswd;
        location / {
            fastcgi_pass unix:$g/fcgiwrap.sock;
            fastcgi_param SCRIPT_FILENAME $GIT_HTTP_BACKEND;
            fastcgi_param GIT_PROJECT_ROOT $g/repos;
            fastcgi_param GIT_HTTP_EXPORT_ALL 1;
            fastcgi_param PATH_INFO \$uri;
            fastcgi_param QUERY_STRING \$query_string;
            fastcgi_param REQUEST_METHOD \$request_method;
            fastcgi_param CONTENT_TYPE \$content_type;
            fastcgi_param CONTENT_LENGTH \$content_length;
            fastcgi_param REMOTE_USER \$remote_user;
            fastcgi_param REMOTE_ADDR \$remote_addr;
            fastcgi_param SERVER_PROTOCOL \$server_protocol;
            fastcgi_param HOME $g;
        }
    }
}
EOF
    } >"$g/nginx.conf"
}

# _git_port_taken PORT: something else already listens on $GIT_ADDR:PORT (says what).
_git_port_taken() {
    local who; who=$(ss -ltnpH "src $GIT_ADDR:$1" 2>/dev/null)
    [ -n "$who" ] && say "git: $GIT_ADDR:$1 is already taken: $who"
}

# _git_wait: until all three transports answer (30 s), or until a daemon exits. Prints
# what does not work when it gives up.
_git_wait() {
    local end=$(($(date +%s) + 30)) n why=""
    while [ "$(date +%s)" -lt "$end" ]; do
        _git_ls http && _git_ls https && _git_ls ssh && return 0
        for n in git-fcgiwrap git-nginx git-sshd; do
            is_running "$n" || { echo "$n exited (log: $LOG_DIR/$n.log)"; return 1; }
        done
        sleep 0.2
    done
    for n in http https ssh; do _git_ls "$n" || why="$why $(_git_url "$n")"; done
    echo "no git answer after 30s from$why"
    return 1
}

git_up() {
    local g started="" n p taken="" why; g=$(_git_dir)
    if git_status >/dev/null 2>&1; then _git_env; return 0; fi

    # Another program on one of the ports: say so and start nothing.
    is_running git-nginx || for p in "$GIT_HTTP_PORT" "$GIT_HTTPS_PORT"; do
        _git_port_taken "$p" && taken="$taken $GIT_ADDR:$p"
    done
    is_running git-sshd || ! _git_port_taken "$GIT_SSH_PORT" || taken="$taken $GIT_ADDR:$GIT_SSH_PORT"
    [ -z "$taken" ] || { say "git: not started: another program listens on$taken (see above)"; return 1; }

    _git_make_files || { say "git: preparing $g failed"; return 1; }
    # The daemons get no file descriptor above 2 from the caller (3>&- ... 9>&-): a lock or
    # a pipe of whoever ran `up` must not stay open for as long as they run.
    if ! is_running git-fcgiwrap; then
        rm -f "$g/fcgiwrap.sock"
        start_bg git-fcgiwrap /usr/sbin/fcgiwrap -f -c 2 -s "unix:$g/fcgiwrap.sock" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
        started="$started git-fcgiwrap"
    fi
    if ! is_running git-nginx; then
        start_bg git-nginx /usr/sbin/nginx -e stderr -p "$g" -c "$g/nginx.conf" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
        started="$started git-nginx"
    fi
    if ! is_running git-sshd; then
        [ "$(id -u)" = 0 ] && mkdir -p /run/sshd && chmod 755 /run/sshd
        start_bg git-sshd /usr/sbin/sshd -D -e -f "$g/ssh/sshd_config" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
        started="$started git-sshd"
    fi
    if why=$(_git_wait); then
        _git_env
        return 0
    fi
    say "git: $why"
    show_logs $started
    for n in $started; do stop_bg "$n"; done
    say "git: $why"    # again as the last line: tests/env/status shows that one
    return 1
}

git_down() {
    stop_bg git-sshd
    stop_bg git-nginx
    stop_bg git-fcgiwrap
    rm -f "$(_git_dir)/fcgiwrap.sock"
}
