#!/usr/bin/env bash
# Fails when an #include runs up the layers: checks every source file under the folders that
# layers.rules names against that file's rules (which folder may include which, and which
# third-party libraries), and prints each offence as FILE:LINE: what, and the rule it breaks.
#
#   tests/layers/check_layers.sh [--rules FILE] [ROOT]
#
# ROOT defaults to this repository, FILE to the layers.rules beside this script. Exit status: 0 when
# every include runs down the layers, 1 when one does not, 2 when it cannot check (no rules file, a
# line of it it cannot read, no layer folder under ROOT).
# tests/run.sh runs it before the build; ctest runs it as layers.includes_run_down_the_layers.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rules=$here/layers.rules
root=$(cd "$here/../.." && pwd)
while [ $# -gt 0 ]; do
  case $1 in
    --rules) rules=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "check_layers: unknown option $1" >&2; exit 2 ;;
    *) root=$1; shift ;;
  esac
done
[ -r "$rules" ] || { echo "check_layers: cannot read the rules file $rules" >&2; exit 2; }
[ -d "$root" ] || { echo "check_layers: $root is not a directory" >&2; exit 2; }
root=$(cd "$root" && pwd)
rules=$(cd "$(dirname "$rules")" && pwd)/$(basename "$rules")
cd "$root"

# The top folders the layers live in (kernels, models, ...): every source file under them is checked.
tops=$(awk '$1 == "layer" { split($3, p, "/"); print p[1] }' "$rules" | LC_ALL=C sort -u)
[ -n "$tops" ] || { echo "check_layers: $rules names no layer" >&2; exit 2; }
existing=()
for t in $tops; do [ -d "$t" ] && existing+=("$t"); done
[ ${#existing[@]} -gt 0 ] || { echo "check_layers: none of" $tops "exists under $root" >&2; exit 2; }
files=$(find "${existing[@]}" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \
  -o -name '*.cc' -o -name '*.cu' -o -name '*.cuh' \) | LC_ALL=C sort)
[ -n "$files" ] || { echo "check_layers: no source files under $root ($tops)"; exit 0; }

# shellcheck disable=SC2086  # one argument per file (paths have no spaces)
awk -v rules_name="${rules#"$root"/}" '
  function fail(where, what) { print where ": " what; ++offences; bad[FILENAME] = 1 }
  function bad_rules(line, what) { print rules_name ":" line ": " what; rules_broken = 1; exit 2 }

  # The folder of `path` (the longest layer folder holding it), or "" when none does.
  function folder_of(path,    i, best) {
    best = ""
    for (i = 1; i <= nfolders; ++i)
      if (index(path, folders[i] "/") == 1 && length(folders[i]) > length(best)) best = folders[i]
    return best
  }
  function top_of(path) { return substr(path, 1, index(path "/", "/") - 1) }
  # The library an angle include uses, or "" for the standard library and system headers.
  function library_of(header,    i) {
    for (i = 1; i <= nprefixes; ++i)
      if (index(header, prefixes[i]) == 1) return prefix_library[i]
    return ""
  }
  function describe(f) { return f " (level " level[f] ")" }

  # --- the rules file ---
  NR == FNR {
    sub(/#.*/, "")
    if ($1 == "library") {
      for (i = 3; i <= NF; ++i) { prefixes[++nprefixes] = $i; prefix_library[nprefixes] = $2 }
      known_library[$2] = 1
    } else if ($1 == "layer") {
      if (NF < 3 || $2 !~ /^[0-9]+$/) { bad_rules(FNR, "expected: layer LEVEL FOLDER [LIBRARY ...]") }
      folders[++nfolders] = $3; level[$3] = $2 + 0; rule_line[$3] = FNR; is_top[top_of($3)] = 1
      uses[$3] = ""
      for (i = 4; i <= NF; ++i) {
        if (!($i in known_library)) bad_rules(FNR, "unknown library " $i " (declare it with a library line first)")
        uses[$3] = uses[$3] " " $i
      }
    } else if (NF > 0) {
      bad_rules(FNR, "expected a layer or library line, got: " $0)
    }
    next
  }

  # --- each source file ---
  FNR == 1 {
    ++nfiles
    from = folder_of(FILENAME)
    if (from == "") fail(FILENAME, "is in no layer: add its folder to " rules_name)
  }
  from == "" { next }
  /^[ \t]*#[ \t]*include/ || /__has_include/ {
    line = $0
    sub(/\/\/.*/, "", line)
    q = index(line, "\""); a = index(line, "<")
    if (q > 0 && (a == 0 || q < a)) {
      target = substr(line, q + 1); target = substr(target, 1, index(target, "\"") - 1)
      quoted = 1
    } else if (a > 0) {
      target = substr(line, a + 1); target = substr(target, 1, index(target, ">") - 1)
      quoted = 0
    } else {
      next
    }
    ++nincludes
    where = FILENAME ":" FNR
    rule = " [" rules_name ":" rule_line[from] "]"
    if (!quoted) {
      lib = library_of(target)
      if (lib != "" && index(uses[from] " ", " " lib " ") == 0)
        fail(where, "<" target "> uses " lib ", which " from " may not use (it may use:" \
             (uses[from] == "" ? " only the standard library" : uses[from]) ")" rule)
      next
    }
    to = folder_of(target)
    if (to == "") {
      if (is_top[top_of(target)])
        fail(where, "\"" target "\" is in no layer: add its folder to " rules_name)
      else
        fail(where, "\"" target "\" is not rooted at a layer folder: includes are written from " \
             "the repository top (\"models/...\", \"runtime/base/...\")" rule)
      next
    }
    if (to == from) next
    if (level[to] > level[from])
      fail(where, "\"" target "\" runs up the layers: " describe(from) " may not include " \
           describe(to) rule)
    else if (level[to] == level[from])
      fail(where, "\"" target "\" crosses a layer: " from " and " to " are both level " \
           level[from] " and stay independent of each other" rule)
  }
  END {
    if (rules_broken) exit 2
    if (offences > 0) {
      n = 0; for (f in bad) ++n
      print "check_layers: " offences " include(s) in " n " file(s) break the layers of " rules_name
      exit 1
    }
    print "check_layers: " nfiles " files, " nincludes " includes: every include runs down the layers (" rules_name ")"
  }
' "$rules" $files
