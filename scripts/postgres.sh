# Used by test.sh: the PostgreSQL client tools (pg_dump, pg_restore, psql) that
# `mobility backup` / `mobility restore` run on a PostgreSQL store, from Debian's
# postgresql-client (its version, 15 on Debian 12, matches the server the tests use; pg_dump
# refuses a newer server than itself).
ensure_pg_client() {
  if command -v pg_dump >/dev/null && command -v pg_restore >/dev/null \
      && command -v psql >/dev/null; then
    return
  fi
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "installing Debian's postgresql-client for the backup tests (once)" >&2
    apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null
  else
    echo "the PostgreSQL backup tests need pg_dump, pg_restore and psql" \
      "(apt-get install postgresql-client); they are skipped without them" >&2
  fi
}
