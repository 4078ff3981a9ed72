"""Readable text reports for the disclosure trace and the pre-draft check (verdict first)."""

from __future__ import annotations

from typing import Any


def disclosure(trace: dict[str, Any]) -> str:
    """Verdict, then each reason with its citation and where it attaches."""
    lines = [
        f"{trace['nation']} / {trace['technology']} as of {trace['as_of']}: {trace['verdict'].upper()}",
        trace["summary"],
        "",
    ]
    for r in trace["reasons"]:
        where = " -> ".join(r["chain"]) if r["chain"] else f"every technology ({r['scope']})"
        state = "APPLIES" if r["applies"] else f"overridden by {', '.join(r['overridden_by'])}"
        lines.append(f"- {r['restriction']} [{r['effect']}] {r['citation']}")
        lines.append(f"    attaches: {where}; {state}")
        lines += [f"    exemption: {c}" for c in r["exemption_citations"]]
    if not trace["reasons"]:
        lines.append("- no restriction in force applies")
    agreements = ", ".join(a["agreement"] for a in trace["agreements"]) or "none"
    lines.append(f"\nactive agreements with {trace['nation']} on this technology: {agreements}")
    return "\n".join(lines)


def predraft(check: dict[str, Any]) -> str:
    """Disclosure flags first, then what exists, where it could go, and who would be left out."""
    lines = [
        f"Pre-draft check: {', '.join(check['parties'])} on {', '.join(check['technologies'])} "
        f"as of {check['as_of']}",
        "",
        "Disclosure:",
    ]
    lines += [
        f"  {d['nation']} / {d['technology']}: {d['verdict'].upper()} - {d['summary']}"
        for d in check["disclosure"]
    ]
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
