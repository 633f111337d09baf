#!/usr/bin/env bash
# Train the shelf-row detector, then the outlet detector, on the CPU at lowest priority.
# Each run resumes from runs/<name>/weights/last.pt when present, so re-running this
# script after an interruption continues where it stopped.
#
#   training/detect/run_background.sh start   # detach (setsid + nohup), print the PID
#   training/detect/run_background.sh         # run in the foreground
#
# Logs: runs/<name>/train.log; runner log: runs/run_background.log; PID: runs/run_background.pid
set -u
cd "$(dirname "$0")/../.."
PY="${TRAIN_PYTHON:-/work/train-venv/bin/python}"
CONFIGS=(shelves_yolo11n outlet_yolo11n)
mkdir -p runs

if [[ "${1:-}" == "start" ]]; then
    setsid nohup "$0" </dev/null >>runs/run_background.log 2>&1 &
    echo $! | tee runs/run_background.pid
    exit 0
fi

for name in "${CONFIGS[@]}"; do
    mkdir -p "runs/$name"
    echo "=== $(date -Is) start $name (pid $$)" >>"runs/$name/train.log"
    nice -n 19 "$PY" -m training.detect.train --config "training/configs/$name.yaml" --resume \
        >>"runs/$name/train.log" 2>&1
    rc=$?
    echo "=== $(date -Is) $name exited with $rc" >>"runs/$name/train.log"
    echo "$(date -Is) $name exited with $rc"
done
