"""Print the field reference of docs/SCENARIOS.md from the JSON Schemas.

Usage: python3 scripts/scenario_reference.py SCENARIO_SCHEMA.json SWEEP_SCHEMA.json
(the schemas come from `placesim schema` and `placesim schema sweep`).
A test checks that docs/SCENARIOS.md names every key the schemas have.
"""
import json
import sys


def resolve(root, n):
    if "$ref" in n:
        return resolve(root, root["$defs"][n["$ref"].split("/")[-1]])
    for key in ("anyOf", "oneOf"):
        if key in n:
            for b in n[key]:
                if b.get("type") != "null":
                    return resolve(root, b)
    return n


def kind(n, desc=""):
    t = n.get("type")
    if isinstance(t, list):
        t = [x for x in t if x != "null"][0]
    if "enum" in n:
        return "one of " + ", ".join(f"`{e}`" for e in n["enum"] if e is not None)
    if t == "array":
        if n.get("minItems") == 2 and n.get("maxItems") == 2:
            # A pair that is not a range says what it is at the start of its description.
            if desc.startswith("[level 2, level 3]"):
                return "[level 2, level 3]"
            return "[min, max]"
        return "list"
    return {"integer": "whole number", "number": "number", "string": "text", "boolean": "true/false", "object": "table"}.get(t, str(t))


def is_table(root, n):
    ap = n.get("additionalProperties")
    return bool(n.get("properties")) or (isinstance(ap, dict) and bool(resolve(root, ap).get("properties")))


def rows(root, node, path, out):
    node = resolve(root, node)
    for k, v in (node.get("properties") or {}).items():
        p = f"{path}.{k}" if path else k
        sub = resolve(root, v)
        desc = (v.get("description") or sub.get("description") or "").replace("\n", " ").replace("|", "/")
        if is_table(root, sub):
            if desc:
                out.append((p, "table", desc))
            rows(root, sub, p, out)
        elif "array" in (sub.get("type") if isinstance(sub.get("type"), list) else [sub.get("type")]) and isinstance(sub.get("items"), dict) and resolve(root, sub["items"]).get("properties"):
            out.append((p, "list of tables", desc))
            rows(root, sub["items"], p + "[]", out)
        else:
            out.append((p, kind(sub, desc), desc))
    ap = node.get("additionalProperties")
    if isinstance(ap, dict) and resolve(root, ap).get("properties"):
        rows(root, ap, path + ".<id>", out)


for title, file in [("Scenario files", sys.argv[1]), ("Sweep files", sys.argv[2])]:
    schema = json.load(open(file, encoding="utf-8"))
    out = []
    rows(schema, schema, "", out)
    print(f"### {title}\n")
    print("| key | kind | unit, range and meaning |\n| --- | --- | --- |")
    for p, k, d in out:
        print(f"| `{p}` | {k} | {d} |")
    print()
