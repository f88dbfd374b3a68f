#!/usr/bin/python3
"""Validates shadowtap-report JSON documents against docs/report.schema.json.

    validate_report.py SCHEMA REPORT.json...

Uses Debian's python3-jsonschema (Draft 2020-12).  Prints every error of every
file as "file: path: message" and exits 1 if any file is invalid, 2 on bad usage.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("validate_report.py: python3-jsonschema is not installed (apt-get install python3-jsonschema)")


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=jsonschema.FormatChecker())
    failed = 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: cannot read JSON: {e}", file=sys.stderr)
            failed += 1
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors[:20]:
            where = "/".join(str(p) for p in e.absolute_path) or "(top)"
            print(f"{path}: {where}: {e.message[:300]}", file=sys.stderr)
        if len(errors) > 20:
            print(f"{path}: ... and {len(errors) - 20} more errors", file=sys.stderr)
        failed += bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
