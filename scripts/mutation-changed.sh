#!/usr/bin/env bash
# Mutation testing of what a change touched: the core files under src/ that differ from a base
# (default: main, or origin/main when there is no local main), run through `npm run mutation`.
# A full run of the core takes far longer than CI's budget; the files of one change fit, and
# their changed lines fit CI (.ci/run runs `--lines` against the previous commit).
#
#   scripts/mutation-changed.sh                  # the changed files, against main
#   scripts/mutation-changed.sh HEAD~3           # against any commit
#   scripts/mutation-changed.sh --lines HEAD~1   # only the lines the change added or modified
#
# Only files that stryker.config.mjs would mutate are kept (no adapters, re-exports or types).
# The tests run against each mutant are the suites of each file's concept (the scoped passes of
# docs/mutation-testing.md), unless MUTATION_TESTS is set by the caller.
set -euo pipefail
cd "$(dirname "$0")/.."

lines=false
if [ "${1:-}" = "--lines" ]; then
  lines=true
  shift
fi
base=${1:-}
if [ -z "$base" ]; then
  if git rev-parse --verify --quiet main >/dev/null; then base=main; else base=origin/main; fi
fi
since=$(git merge-base "$base" HEAD)

core() { # keeps the core files among the src/*.ts paths on stdin
  grep -v -e '^src/http/adapters/' -e '^src/index\.ts$' -e '^src/moved-exports\.ts$' \
    -e '^src/[^/]*/index\.ts$' -e '^src/contacts/contact\.ts$' || true
}

# Committed, staged and unstaged changes since the merge base, deleted files left out; new
# files not yet added count whole.
changed=$(git diff --name-only --diff-filter=d "$since" -- 'src/*.ts' | core | sort -u)
untracked=$(git ls-files --others --exclude-standard -- 'src/*.ts' | core | sort -u)
files=$(printf '%s\n%s\n' "$changed" "$untracked" | sed '/^$/d' | sort -u)
if [ -z "$files" ]; then
  echo "no core file under src/ changed since $base: nothing to mutate"
  exit 0
fi

# What to mutate: whole files, or the new side of each changed hunk (`file:first-last`; a hunk
# that only deletes lines has nothing left to mutate).
targets=()
for file in $files; do
  if [ "$lines" = false ] || grep -qx -- "$file" <<<"$untracked"; then
    targets+=("$file")
    continue
  fi
  while read -r first count; do
    [ "$count" -eq 0 ] && continue
    targets+=("$file:$first-$((first + count - 1))")
  done < <(git diff -U0 "$since" -- "$file" | sed -n 's/^@@ -[0-9,]* +\([0-9]*\)\(,\([0-9]*\)\)\{0,1\} @@.*/\1 \3/p' | awk '{ print $1, ($2 == "" ? 1 : $2) }')
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "the changes to src/ since $base only delete lines: nothing to mutate"
  exit 0
fi

# The suites of each file's concept, as in the scoped passes of docs/mutation-testing.md.
scope_of() {
  case "$1" in
    src/binlog/*) echo 'test/binlog/**/*.test.ts,test/redis/checkpoint-store.test.ts' ;;
    src/http/*) echo 'test/http/**/*.test.ts' ;;
    src/redis/*) echo 'test/redis/**/*.test.ts,test/binlog/bus-source.test.ts' ;;
    src/mysql/* | src/contacts/*)
      echo 'test/mysql/**/*.test.ts,test/repository/contacts-table.test.ts,test/faults/**/*.test.ts' ;;
    src/contact-repository*.ts | src/invalidation/* | src/observability/*)
      echo 'test/repository/**/*.test.ts,test/faults/stale-if-error.test.ts' ;;
    *) echo '' ;; # the cache, the loader, the validation, the errors: the unit tests reach them
  esac
}
if [ -z "${MUTATION_TESTS:-}" ]; then
  globs='test/unit/**/*.test.ts'
  for file in $files; do
    scope=$(scope_of "$file")
    [ -n "$scope" ] && globs="$globs,$scope"
  done
  if [ "$globs" = 'test/unit/**/*.test.ts' ]; then
    MUTATION_TESTS=unit # the unit project: test/unit plus the server-free files elsewhere
  else
    MUTATION_TESTS=$(tr ',' '\n' <<<"$globs" | awk '!seen[$0]++' | paste -sd, -)
  fi
  export MUTATION_TESTS
fi

echo "mutating, against $base (tests: $MUTATION_TESTS):"
printf '  %s\n' "${targets[@]}"
exec npm run mutation -- --mutate "$(IFS=,; echo "${targets[*]}")"
