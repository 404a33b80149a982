#!/usr/bin/env bash
# Mutation testing of the core files a change touched: the src/ files that differ from a base
# (default: main, or origin/main when there is no local main), run through `npm run mutation`.
# A full run of the core takes far longer than CI's budget; the files of one change fit.
#
#   scripts/mutation-changed.sh            # against main
#   scripts/mutation-changed.sh HEAD~3     # against any commit
#
# Only files that stryker.config.mjs would mutate are kept (no adapters, re-exports or types).
set -euo pipefail
cd "$(dirname "$0")/.."

base=${1:-}
if [ -z "$base" ]; then
  if git rev-parse --verify --quiet main >/dev/null; then base=main; else base=origin/main; fi
fi

# Committed, staged and unstaged changes since the merge base, deleted files left out.
files=$(
  { git diff --name-only --diff-filter=d "$(git merge-base "$base" HEAD)" -- 'src/*.ts'
    git ls-files --others --exclude-standard -- 'src/*.ts'; } |
    grep -v -e '^src/http/adapters/' -e '^src/index\.ts$' -e '^src/moved-exports\.ts$' \
      -e '^src/[^/]*/index\.ts$' -e '^src/contacts/contact\.ts$' |
    sort -u || true
)
if [ -z "$files" ]; then
  echo "no core file under src/ changed since $base: nothing to mutate"
  exit 0
fi
echo "mutating, against $base:"
printf '  %s\n' $files
exec npm run mutation -- --mutate "$(printf '%s,' $files | sed 's/,$//')"
