#!/bin/sh
# Run once by the postgres image on an empty volume (docker-entrypoint-initdb.d): the two logins
# Ferry needs (README, Postgres mode) and its database, owned by the platform login.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$FERRY_OWNER_PASSWORD" -v runtime_password="$FERRY_RUNTIME_PASSWORD" <<'SQL'
CREATE ROLE ferry_app NOLOGIN;
CREATE ROLE ferry_owner LOGIN BYPASSRLS PASSWORD :'owner_password';
CREATE ROLE ferry_runtime LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'runtime_password';
GRANT ferry_app TO ferry_owner, ferry_runtime;
CREATE DATABASE ferry OWNER ferry_owner;
SQL
