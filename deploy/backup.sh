#!/usr/bin/env bash
# Nightly backup: the whole database (pg_dump, the full copy: restore with pg_restore) and each
# organization (団体) in the portable fixture format, <org-slug>.yaml: its plans, departments,
# staff, values, reports and history (import_plan; what it leaves out is listed in the README).
# One file per organization replaces the former one per plan, which repeated every user.
# Everything is written readable by its owner only: the files name users.
set -euo pipefail
umask 077
cd "${SMARTDOCHO_HOME:-/srv/smartdocho}"
set -a; . "${SMARTDOCHO_ENV_FILE:-/etc/smartdocho/env}"; set +a
root=${SMARTDOCHO_BACKUP_DIR:-/var/backups/smartdocho}
stamp=$(date +%Y%m%d)
dest=$root/$stamp
mkdir -p "$dest"
chmod 700 "$root" "$dest"
pg_dump --format=custom --file "$dest/smartdocho.dump" "$DATABASE_URL"
# An assignment, so that set -e stops the backup if listing the organizations fails.
slugs=$(.venv/bin/python manage.py shell --no-imports --verbosity 0 -c "from initiatives.models import Organization; print(*Organization.objects.values_list('slug', flat=True))")
for slug in $slugs; do
  .venv/bin/python manage.py export_plan --organization "$slug" --with-values -o "$dest/$slug.yaml"
done
find "$root" -mindepth 1 -maxdepth 1 -type d -mtime +90 -exec rm -rf {} +
