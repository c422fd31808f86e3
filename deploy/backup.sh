#!/usr/bin/env bash
# Nightly backup: the whole database (pg_dump) and each plan in the portable fixture format.
set -euo pipefail
cd /srv/smartdocho
set -a; . /etc/smartdocho/env; set +a
stamp=$(date +%Y%m%d)
dest=/var/backups/smartdocho/$stamp
mkdir -p "$dest"
pg_dump --format=custom --file "$dest/smartdocho.dump" "$DATABASE_URL"
for slug in $(.venv/bin/python manage.py shell -c "from initiatives.models import Plan; print(*Plan.objects.values_list('slug', flat=True))"); do
  .venv/bin/python manage.py export_plan "$slug" --with-values -o "$dest/$slug.yaml"
done
find /var/backups/smartdocho -maxdepth 1 -type d -mtime +90 -exec rm -rf {} +
