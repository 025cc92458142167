#!/usr/bin/python3
"""Python's own view of Python package files, for Bulwark's cross-checks.

Run with Debian's /usr/bin/python3, whose pip, packaging, tomllib and
importlib.metadata are the reference implementations:

  python_reference.py metadata FILE...     email parser: Name and Version of each file
  python_reference.py dist DIR             importlib.metadata: every distribution in DIR
  python_reference.py requirements FILE... pip's requirements parser: pinned requirements
  python_reference.py pipfile FILE...      json: Pipfile.lock pins
  python_reference.py poetry FILE...       tomllib: poetry.lock packages
  python_reference.py uv FILE...           tomllib: uv.lock packages

Prints one JSON document on stdout.
"""
import email.parser
import json
import os
import re
import sys
import tempfile
import tomllib


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def metadata(files):
    out = {}
    for f in files:
        with open(f, encoding="utf-8", errors="surrogateescape") as fh:
            msg = email.parser.Parser().parse(fh, headersonly=True)
        out[f] = {"name": msg.get("Name"), "version": msg.get("Version")}
    return out


def dist(directory):
    import importlib.metadata as md
    from packaging.requirements import Requirement

    dists = list(md.distributions(path=[directory]))
    out = []
    for d in dists:
        base = d._path.name
        if base.endswith(".dist-info"):
            rel = base + "/METADATA"
        elif d._path.is_dir():
            rel = base + "/PKG-INFO"
        else:
            rel = base
        deps = set()
        for r in d.requires or []:
            req = Requirement(r)
            # Bulwark leaves out requirements that only apply with an extra.
            if req.marker and "extra" in str(req.marker):
                continue
            deps.add(canonical(req.name))
        out.append({"path": rel, "name": d.metadata["Name"], "version": d.version, "deps": sorted(deps)})
    return out


def requirements(files):
    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import parse_requirements
    from pip._internal.req.constructors import install_req_from_line
    from packaging.requirements import InvalidRequirement, Requirement

    session = PipSession()
    out = {}
    for f in files:
        with open(f, "rb") as fh:
            raw = fh.read()
        from pip._internal.utils.encoding import auto_decode

        lines = auto_decode(raw).splitlines()
        # Includes and constraints are other files; blank them (keeping the
        # numbering) so that only this file's own lines are read.
        kept = ["" if re.match(r"\s*(-r|-c|--requirement|--constraint)\b", l) else l for l in lines]
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as tmp:
            tmp.write("\n".join(kept) + "\n")
        result = {"pins": [], "invalid": []}
        try:
            for pr in parse_requirements(tmp.name, session=session):
                line = int(re.search(r"line (\d+)\)", pr.comes_from).group(1))
                if pr.is_editable:
                    continue
                try:
                    ireq = install_req_from_line(pr.requirement)
                except Exception:
                    result["invalid"].append(line)
                    continue
                if ireq.link is not None or ireq.req is None:
                    continue  # a URL or a path
                # pip's vendored packaging still takes legacy versions
                # ("3.0.0#comment"); Debian's packaging is strict PEP 440/508.
                try:
                    req = Requirement(pr.requirement)
                except InvalidRequirement:
                    result["invalid"].append(line)
                    continue
                pin = None
                for spec in req.specifier:
                    if spec.operator == "===" or (spec.operator == "==" and "*" not in spec.version):
                        pin = spec.version
                if pin is not None:
                    result["pins"].append({"name": req.name, "version": pin, "line": line})
        except Exception as e:  # pip refuses the whole file
            result = {"error": "%s: %s" % (type(e).__name__, e)}
        finally:
            os.unlink(tmp.name)
        out[f] = result
    return out


def pipfile(files):
    out = {}
    for f in files:
        try:
            with open(f, "rb") as fh:
                doc = json.load(fh)
        except Exception as e:
            out[f] = {"error": str(e)}
            continue
        pkgs = {}
        for section in ("default", "develop"):
            for name, info in (doc.get(section) or {}).items():
                v = info.get("version") if isinstance(info, dict) else None
                if not isinstance(v, str) or not v.startswith("=="):
                    continue
                key = name + "@" + v.lstrip("=")
                pkgs[key] = pkgs.get(key, True) and section == "develop"
        out[f] = {"packages": [{"id": k, "dev": d} for k, d in sorted(pkgs.items())]}
    return out


def toml_packages(files):
    out = {}
    for f in files:
        try:
            with open(f, "rb") as fh:
                doc = tomllib.load(fh)
        except Exception as e:
            out[f] = {"error": str(e)}
            continue
        ids = set()
        for p in doc.get("package", []):
            if isinstance(p, dict) and p.get("name") and p.get("version"):
                ids.add(p["name"] + "@" + p["version"])
        out[f] = {"packages": [{"id": i} for i in sorted(ids)]}
    return out


def main():
    # pip logs to stdout; only the JSON document goes there.
    out = sys.stdout
    sys.stdout = sys.stderr
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "metadata":
        result = metadata(args)
    elif mode == "dist":
        result = dist(args[0])
    elif mode == "requirements":
        result = requirements(args)
    elif mode == "pipfile":
        result = pipfile(args)
    elif mode in ("poetry", "uv"):
        result = toml_packages(args)
    else:
        sys.exit("unknown mode " + mode)
    json.dump(result, out, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
