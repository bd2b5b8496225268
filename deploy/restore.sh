#!/usr/bin/env bash
# Restore a GRS backup made by deploy/backup.sh into an EMPTY database and attachments folder.
#   createdb grs_restored
#   DATABASE_URL=postgres://.../grs_restored MEDIA_ROOT=/srv/grs/media deploy/restore.sh DUMP [MEDIA_TAR]
# Refuses a database that already has tables, so a typo can never overwrite the live one.
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL must name the empty database to restore into}"
dump=${1:?usage: restore.sh grs-db-STAMP.dump [grs-media-STAMP.tar.gz]}
media=${2:-}

tables=$(psql --no-psqlrc --quiet --tuples-only --no-align --dbname="$DATABASE_URL" \
  --command="SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
if [ "$tables" != "0" ]; then
  echo "refusing to restore: the database already has $tables tables (restore into a new, empty one)" >&2
  exit 1
fi
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$dump"
echo "database restored from $dump"

if [ -n "$media" ]; then
  media_root=${MEDIA_ROOT:?MEDIA_ROOT must name the folder to restore the attachments into}
  mkdir -p "$media_root"
  tar --extract --gzip --file="$media" --directory="$media_root" --no-same-owner
  echo "attachments restored into $media_root"
fi
