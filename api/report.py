"""Readable text reports for the disclosure trace and the pre-draft check (verdict first)."""

from __future__ import annotations

from typing import Any


def disclosure(trace: dict[str, Any]) -> str:
    """Verdict and its exceptions first, then warnings, then each reason with its citation."""
    lines = [
        f"{trace['nation']} / {trace['technology']} as of {trace['as_of']}: {trace['headline'].upper()}",
        trace["summary"],
    ]
    for e in trace["exceptions"]:
        cites = "; ".join(_cites(r) for r in e["reasons"])
        lines.append(f"  except {e['technology']} [{e['verdict']}] {e['name']}")
        lines.append(f"      {cites}")
    lines += [f"WARNING: {w}" for w in trace["warnings"]]
    lines.append("")
    for r in trace["reasons"]:
        where = " -> ".join(r["chain"]) if r["chain"] else f"every technology ({r['scope']})"
        state = "APPLIES" if r["applies"] else f"overridden by {', '.join(r['overridden_by'])}"
        lines.append(f"- {r['restriction']} [{r['effect']}] {r['citation']}")
        lines.append(f"    attaches: {where}; {state}")
        lines += [f"    exemption: {c}" for c in r["exemption_citations"]]
        lines += [
            f"    not covered by {x['exemption']}: {x['excluded']} is excluded"
            + (f" ({x['item_citation']})" if x["item_citation"] else "")
            for x in r["excluded_from"]
        ]
    if not trace["reasons"]:
        lines.append("- no restriction in force applies")
    agreements = ", ".join(a["agreement"] for a in trace["agreements"]) or "none"
    lines.append(f"\nactive agreements with {trace['nation']} on this technology: {agreements}")
    return "\n".join(lines)


def _cites(reason: dict[str, Any]) -> str:
    """A restriction with its citation and the exemptions that exclude the item."""
    excluded = ", ".join(f"excluded from {x['exemption']}" for x in reason["excluded_from"])
    return f"{reason['restriction']}: {reason['citation']}" + (f" ({excluded})" if excluded else "")


def predraft(check: dict[str, Any]) -> str:
    """Disclosure flags first, then what exists, where it could go, and who would be left out."""
    lines = [
        f"Pre-draft check: {', '.join(check['parties'])} on {', '.join(check['technologies'])} "
        f"as of {check['as_of']}",
        "",
        "Disclosure:",
    ]
    for d in check["disclosure"]:
        lines.append(f"  {d['nation']} / {d['technology']}: {d['headline'].upper()} - {d['summary']}")
        lines += [f"      except {e['technology']} [{e['verdict']}] {e['name']}" for e in d["exceptions"]]
    lines += [f"WARNING: {w}" for w in check.get("warnings", [])]
    lines.append("\nOverlapping agreements (party overlap, technology overlap):")
    lines += [
        f"  {o['agreement']} {o['title']} [{';'.join(o['parties'])}] "
        f"{o['party_overlap']:.2f} / {o['technology_overlap']:.2f}"
        for o in check["overlapping_agreements"][:15]
    ]
    lines.append("\nCandidate frameworks:")
    lines += [f"  {f['agreement']} {f['title']}" for f in check["candidate_frameworks"]] or ["  none"]
    lines.append("\nForums where all parties are members and which cover the technologies:")
    lines += [f"  {f['forum']} {f['name']}" for f in check["forums"]] or ["  none"]
    lines.append("\nExclusion warnings:")
    lines += [
        f"  {w['forum']}: leaves out {', '.join(w['left_out_names'])}" for w in check["exclusion_warnings"]
    ] or ["  none"]
    return "\n".join(lines)
