"""Parse a Prometheus text exposition (stdin) with the reference client's
parser and print what it understood as JSON: t/metrics.t compares that,
not its own reading of the text, with the requests it made."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = []
for family in text_string_to_metric_families(sys.stdin.read()):
    families.append({
        "name": family.name,
        "type": family.type,
        "help": family.documentation,
        "samples": [[s.name, s.labels, s.value] for s in family.samples],
    })
json.dump(families, sys.stdout)
