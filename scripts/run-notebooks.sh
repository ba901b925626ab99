#!/usr/bin/env bash
# run-notebooks.sh — execute every lesson notebook (notebooks/NN-*.ipynb) headlessly with the Deno
# Jupyter kernel; exit non-zero if any cell of any notebook raises.
#
#   bash scripts/run-notebooks.sh                 # all lessons
#   bash scripts/run-notebooks.sh 04 07           # some lessons
#
# What it needs, and installs when missing (idempotent; the apt step needs root, as in CI):
#   - Debian's jupyter-nbconvert (it runs on /usr/bin/python3; the `python3` first on PATH may be a
#     pyenv one without Jupyter, so this script always calls /usr/bin/jupyter).
#   - deno 2.9.6 from npm (a devDependency of notebooks/, installed by `pnpm install`).
#   - a "deno" kernelspec. Instead of `deno jupyter --install` (which writes into ~/.local and
#     points at whichever checkout ran it last), it writes the same kernel.json under
#     out/jupyter/kernels/deno for this checkout's deno and puts out/jupyter first on JUPYTER_PATH.
# Executed copies go to out/notebooks/; the committed notebooks must stay unexecuted (checked here).
# The kernel starts in notebooks/, where deno.json ("nodeModulesDir": "manual") makes Deno resolve
# @paligemma-ts/* through notebooks/node_modules, i.e. to the workspace packages' .ts sources.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# 1. jupyter nbconvert
bash scripts/apt-ensure.sh /usr/bin/jupyter-nbconvert jupyter-nbconvert --no-install-recommends

# 2. deno (the npm package's bin script hard-links the platform binary next to itself on first run)
DENO_BIN_SCRIPT=notebooks/node_modules/.bin/deno
if [ ! -x "$DENO_BIN_SCRIPT" ]; then
  echo "run-notebooks: $DENO_BIN_SCRIPT is missing; run \`npx -y pnpm@10.34.9 install\` first" >&2
  exit 1
fi
export DENO_NO_UPDATE_CHECK=1
"$DENO_BIN_SCRIPT" --version | head -1
DENO="$(readlink -f notebooks/node_modules/deno)/deno"
[ -x "$DENO" ] || { echo "run-notebooks: no deno binary at $DENO" >&2; exit 1; }

# 3. a kernelspec named "deno" for this checkout (what `deno jupyter --install` would write)
mkdir -p out/jupyter/kernels/deno out/notebooks
cat > out/jupyter/kernels/deno/kernel.json <<EOF
{
  "argv": ["$DENO", "jupyter", "--kernel", "--conn", "{connection_file}"],
  "display_name": "Deno",
  "language": "typescript",
  "env": { "DENO_NO_UPDATE_CHECK": "1", "NO_COLOR": "1" }
}
EOF
export JUPYTER_PATH="$ROOT/out/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"

# 4. which notebooks
if [ $# -gt 0 ]; then
  notebooks=()
  for n in "$@"; do
    n=$(printf '%02d' "$((10#$n))")
    matches=(notebooks/"$n"-*.ipynb)
    [ -e "${matches[0]}" ] || { echo "run-notebooks: no notebooks/$n-*.ipynb" >&2; exit 2; }
    notebooks+=("${matches[@]}")
  done
else
  shopt -s nullglob
  notebooks=(notebooks/[0-9][0-9]-*.ipynb)
fi
[ ${#notebooks[@]} -gt 0 ] || { echo "run-notebooks: no notebooks/NN-*.ipynb found" >&2; exit 1; }

# 5. committed notebooks carry no outputs (executed copies belong in out/, not in git)
node -e '
  let bad = 0;
  for (const f of process.argv.slice(1)) {
    const nb = JSON.parse(require("fs").readFileSync(f, "utf8"));
    if (nb.metadata?.kernelspec?.name !== "deno") { console.error(`${f}: kernelspec.name must be "deno"`); bad++; }
    const n = nb.cells.filter((c) => c.cell_type === "code" && ((c.outputs ?? []).length || c.execution_count != null)).length;
    if (n) { console.error(`${f}: ${n} code cell(s) carry outputs; commit notebooks unexecuted (clear outputs)`); bad++; }
  }
  process.exit(bad ? 1 : 0);
' "${notebooks[@]}"

# 6. execute
passed=0
failed=()
for nb in "${notebooks[@]}"; do
  start=$(date +%s%N)
  if /usr/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=180 \
      --output-dir out/notebooks "$nb" >out/notebooks/"$(basename "$nb" .ipynb)".log 2>&1; then
    passed=$((passed + 1))
    ms=$((($(date +%s%N) - start) / 1000000))
    printf 'ok   %s (%d.%d s)\n' "$nb" $((ms / 1000)) $((ms % 1000 / 100))
  else
    failed+=("$nb")
    printf 'FAIL %s\n' "$nb"
    grep -v '^\[NbConvertApp\]\|unstable and might change' out/notebooks/"$(basename "$nb" .ipynb)".log | tail -25 | sed 's/^/     /'
  fi
done
echo
echo "notebooks: $passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
