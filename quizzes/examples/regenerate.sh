#!/usr/bin/env bash
# Regenerate the sample quiz of the sample class (key + every export) and grade the sample responses.
# Deterministic: the same seed and roster give the same files.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-../../.venv/bin/python}
rm -rf quiz
$PY -m cnnkit.cli.quiz make --family output_shape,layer_params,model_params,macs,receptive_field,inception_cost,no_params \
    --level easy --count 1 --seed 2024 --students roster.csv --mac-tolerance 0.01 \
    --title "CNN sample quiz" --format gift,xml,canvas,blackboard,markdown,pdf --out quiz
$PY -m cnnkit.cli.quiz grade quiz/key.json responses.csv --out grades.csv --feedback feedback.md
