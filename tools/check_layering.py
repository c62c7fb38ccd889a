#!/usr/bin/env python3
"""Checks that every #include between nfalab's folders points down.

    core  <-  layers, datasets  <-  metrics, optimizers  <-  report
          <-  experiment (the runner)  <-  studies  <-  cli

A file may include its own folder and folders of a lower rank only. A plugin's
library (plugins/*, not its *_test.cc) may include the public interfaces of
core, layers, datasets, metrics and optimizers only. tests/ and benchmarks/
may include anything. Prints each wrong-way include and exits 1 if any.

    python3 tools/check_layering.py [REPO_ROOT]
"""
import os
import re
import sys

RANK = {
    "core": 0,
    "layers": 1,
    "datasets": 1,
    "metrics": 2,
    "optimizers": 2,
    "report": 3,
    "experiment": 4,
    "studies": 5,
    "cli": 6,
}
PLUGIN_MAY_INCLUDE = {"core", "layers", "datasets", "metrics", "optimizers"}
INCLUDE = re.compile(r'^#include "([a-z_]+)/', re.M)


def wrong_way_includes(root):
    for folder in sorted(set(RANK) | {"plugins"}):
        for directory, _, files in os.walk(os.path.join(root, folder)):
            for name in sorted(files):
                if not name.endswith((".cc", ".h")):
                    continue
                path = os.path.join(directory, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                for target in INCLUDE.findall(text):
                    if target not in RANK or target == folder:
                        continue  # absl/, google/, tests/ helpers, own folder
                    if folder == "plugins":
                        ok = name.endswith("_test.cc") or target in PLUGIN_MAY_INCLUDE
                    else:
                        ok = RANK[target] < RANK[folder]
                    if not ok:
                        yield os.path.relpath(path, root), target


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..")
    bad = list(wrong_way_includes(root))
    for path, target in bad:
        print(f"layering: {path} includes {target}/, which is not below it")
    print(f"layering: {'FAIL' if bad else 'PASS'} ({len(bad)} wrong-way includes)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
