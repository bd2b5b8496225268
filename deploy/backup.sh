#!/usr/bin/env bash
# Back up GRS: the database (pg_dump, custom format) and the attachments folder (MEDIA_ROOT).
#   DATABASE_URL=postgres://... MEDIA_ROOT=/srv/grs/media deploy/backup.sh [BACKUP_DIR]
# Writes grs-db-STAMP.dump and grs-media-STAMP.tar.gz into BACKUP_DIR (default: /srv/grs/backups)
# and prints their paths. Safe while GRS runs: pg_dump reads one consistent snapshot. Attachments are
# written before the transaction that files them commits, so taking the database first means every
# attachment the dump names is already on disk when the folder is archived.
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL must name the database to back up}"
BACKUP_DIR=${1:-${BACKUP_DIR:-/srv/grs/backups}}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BACKUP_DIR"
umask 077  # the dump holds complainants' names and phone numbers

db="$BACKUP_DIR/grs-db-$STAMP.dump"
pg_dump --format=custom --no-owner --no-privileges --file="$db.partial" --dbname="$DATABASE_URL"
mv "$db.partial" "$db"
echo "$db"

if [ "${MEDIA_STORAGE:-local}" = "s3" ]; then
  echo "MEDIA_STORAGE=s3: attachments are in the bucket; back it up with the store's own versioning or replication" >&2
  exit 0
fi
media_root=${MEDIA_ROOT:-/srv/grs/media}
media="$BACKUP_DIR/grs-media-$STAMP.tar.gz"
if [ ! -d "$media_root" ]; then
  # A backup without the attachments would look complete until the day it is needed.
  echo "no attachments folder at $media_root: set MEDIA_ROOT as the app has it" >&2
  exit 1
fi
tar --create --gzip --file="$media.partial" --directory="$media_root" .
mv "$media.partial" "$media"
echo "$media"
