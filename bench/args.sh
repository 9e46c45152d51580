# Command-line arguments shared by bench/run.sh and bench/capacity.sh (sourced; sets
# $build and $out, prints the script's header comment for --help). Needs $prog.
parse_bench_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
        --build) build=$(cd "$2" && pwd); shift 2 ;;
        --build=*) build=$(cd "${1#--build=}" && pwd); shift ;;
        --out) out=$2; shift 2 ;;
        --out=*) out=${1#--out=}; shift ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/!p}' "$0"; exit 0 ;;
        *) echo "$prog: unknown argument $1" >&2; exit 2 ;;
        esac
    done
}
