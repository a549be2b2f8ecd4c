#!/bin/sh
# silian-sim is deterministic: the same seed and flags print the same --json summary twice, apart from
# the wall-clock figures (the "wall" object). Usage: deterministic.sh PATH/TO/silian-sim
set -eu
sim="$1"
flags="--seed 7 --counties 2 --townships 3 --villages 8 --days 12 --json --quiet"
strip() { sed 's/,"wall":{[^}]*}//'; }
# shellcheck disable=SC2086
a=$("$sim" $flags | strip)
# shellcheck disable=SC2086
b=$("$sim" $flags | strip)
if [ -z "$a" ]; then
  echo "silian-sim printed nothing" >&2
  exit 1
fi
if [ "$a" != "$b" ]; then
  echo "silian-sim $flags printed different summaries:" >&2
  echo "first:  $a" >&2
  echo "second: $b" >&2
  exit 1
fi
echo "deterministic: $a"
