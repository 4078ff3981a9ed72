"""Regenerate the shipped ITAR exclusion lists from shared/reference/ITAR-EXCLUSIONS.md.

Each row of Table A (Supplement No. 1) and Table B (Supplement No. 2, the AUKUS Excluded
Technology List) becomes a Technology of scheme USML-EXCL under its USML category or categories,
and the exemptions the row names EXCLUDE it. Rows graded U are applied to all three Supplement
No. 1 exemptions and say UNCONFIRMED in their source. Run it after the reference file changes:

    .venv/bin/python scripts/make_exclusions.py ../shared/reference/ITAR-EXCLUSIONS.md
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[1] / "ingest" / "reference"
ROMAN = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI",
    "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI",
]  # fmt: skip
SUPP1 = ("ITAR-126.5", "ITAR-126.16", "ITAR-126.17")
SCHEME = "USML-EXCL"
AS_OF = "2025-10-02"
KEYS = {
    "K1": "ECTI compilation of 22 CFR 120-130 amended through 2025-10-02, extracted word for word "
    "(framework-files nodes_SupplementEntry.csv, commit 579c816)",
    "K2": "Supplement No. 1 notes, same compilation (nodes_Note.csv)",
    "K4": "USML paragraph gloss, same compilation (nodes_USMLEntry.csv)",
    "E1": "eCFR-derived text of 22 CFR ch. I, 2025-01-24",
}
#: stkg editorial: Supplement No. 1 items that lie wholly within an AUKUS ETL entry, so that the
#: AUKUS exemption excludes them too. (Supp. 1 category, item text starts with) -> ETL ref starts with.
WITHIN = {
    # Conservative: the ETL entry spares VIII(h)(12); linking keeps that one paragraph excluded too.
    ("I–XXI", "Any article on the MTCR Annex"): "I through XV",
    ("IV", "MANPADS"): "IV(a)(3)",
    ("IV", "Anti-personnel landmines"): "IV(a)(3)",
    ("IV", "Cluster munitions"): "III(a)(9)",
    ("VI", "Naval nuclear propulsion"): "VI(e)",
    ("XX", "Naval nuclear propulsion"): "VI(e)",
    ("XIII", "Carbon/carbon"): "XIII(d)(2)",
    ("XVI", "Nuclear-weapons design"): "XVI",
    ("XXI", "Articles, TD, services placed in Cat. XXI"): "XXI",
}
#: Supplement No. 1, Note 1: U.S.-origin Category XVII (classified) items cannot use the Canadian
#: or the UK treaty exemption, and classified items use the Australian treaty only under a written
#: DoD request: the whole category is excluded from all three, not only the row beneath it.
WHOLE_CATEGORY = {"USML-XVII": SUPP1}


def categories(text: str) -> list[str]:
    """'I–XV, XX' -> the USML category ids it names."""
    out: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        lo, _, hi = part.partition("–")
        span = ROMAN[ROMAN.index(lo.strip()) : ROMAN.index(hi.strip()) + 1] if hi else [lo.strip()]
        out += [f"USML-{c}" for c in span if f"USML-{c}" not in out]
    return out


def table(lines: list[str], heading: str) -> list[list[str]]:
    """The body rows of the markdown table that follows `heading`."""
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif rows:
            break
    return [r for r in rows[2:]]  # header and separator


def cited(source: str) -> str:
    """'[K1][k1]+[K2][k2]' -> the sources in words."""
    keys = re.findall(r"\[([A-Z]\d)\]", source)
    return "; ".join(KEYS.get(k, k) for k in dict.fromkeys(keys)) or source


def supp1(rows: list[list[str]]) -> list[dict[str, str]]:
    """Table A rows as technology rows with the Supplement No. 1 exemptions that exclude them."""
    out = []
    for n, (cat, ref, item, under, conf, source) in enumerate(rows, 1):
        ref = ref.replace(";", ",")  # ';' separates the parts of a source text
        unconfirmed = conf.startswith("U")
        named = re.findall(r"126\.(5|16|17)\b", re.sub(r"\[[^\]]*\]", "", under))
        excluded = SUPP1 if unconfirmed else tuple(f"ITAR-126.{x}" for x in dict.fromkeys(named))
        where = "all USML categories" if ref == "all" else f"USML {ref}"
        note = (
            "; UNCONFIRMED: the per-exemption flags conflict with a note, the wording or a twin row, "
            "or were lost, so stkg applies the row to all three Supplement No. 1 exemptions until the "
            "eCFR chart is checked"
            if unconfirmed
            else ""
        )
        out.append(
            {
                "id": f"USML-EXCL-S1-{n:02d}",
                "name": f"Supp. No. 1 exclusion, {where}: {item}",
                "broader": categories(cat),
                "excluded_by": list(excluded),
                "source": f"22 CFR Part 126 Supplement No. 1, USML {cat}, ref {ref}; excluded under "
                f"{under} (confidence {conf}); paraphrase, not regulatory text; {cited(source)}; "
                f"as of {AS_OF}{note}",
                "_cat": cat,
                "_item": item,
            }
        )
    return out


def supp2(rows: list[list[str]]) -> list[dict[str, str]]:
    """Table B rows as technology rows excluded from the AUKUS exemption."""
    return [
        {
            "id": f"USML-EXCL-S2-{n:02d}",
            "name": f"AUKUS Excluded Technology List (Supp. No. 2), USML {ref}: {item}",
            "broader": categories(cat),
            "excluded_by": ["ITAR-126.7"],
            "source": f"22 CFR Part 126 Supplement No. 2 (AUKUS Excluded Technology List), USML {cat}, "
            f"ref {ref}; paraphrase, not regulatory text; {cited(source)}; as of {AS_OF}; "
            "reportedly unchanged by the final rule of 2025-12-30 (90 FR 61053)",
            "_ref": ref.strip('"'),
        }
        for n, (cat, raw, item, _under, source) in enumerate(rows, 1)
        for ref in [raw.replace(";", ",")]
    ]


def link_within(s1: list[dict], s2: list[dict]) -> None:
    """Put Supplement No. 1 items that lie within an ETL entry under that entry too (stkg editorial)."""
    for row in s1:
        for (cat, start), ref in WITHIN.items():
            if row["_cat"] == cat and row["_item"].startswith(start):
                parent = next(r for r in s2 if r["_ref"].startswith(ref))
                row["broader"].append(parent["id"])
                row["source"] += (
                    f"; also under {parent['id']} (stkg editorial: the item lies within that AUKUS "
                    "Excluded Technology List entry, so the AUKUS exemption excludes it too)"
                )


def write_technologies(rows: list[dict]) -> None:
    """Replace the USML-EXCL rows of technologies.csv, keeping every other row as it is."""
    path = REFERENCE / "technologies.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        kept = [r for r in reader if r["scheme"] != SCHEME]
    kept += [
        {
            "id": r["id"],
            "name": r["name"],
            "scheme": SCHEME,
            "broader": ";".join(r["broader"]),
            "maps_to": "",
            "priority": "",
            "source": r["source"],
        }
        for r in rows
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)


def write_excludes(rows: list[dict]) -> None:
    """Set the `excludes` list of each exemption to the rows (and whole categories) it excludes."""
    path = REFERENCE / "exemptions.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        exemptions = list(reader)
    for ex in exemptions:
        whole = [c for c, by in WHOLE_CATEGORY.items() if ex["id"] in by]
        listed = [r["id"] for r in rows if ex["id"] in r["excluded_by"]]
        if whole or listed:
            ex["excludes"] = ";".join(whole + listed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(exemptions)


def main(source: Path) -> None:
    """Parse both tables, link, and write the reference CSVs."""
    lines = source.read_text(encoding="utf-8").splitlines()
    s1 = supp1(table(lines, "## Table A"))
    s2 = supp2(table(lines, "## Table B"))
    link_within(s1, s2)
    write_technologies(s1 + s2)
    write_excludes(s1 + s2)
    unconfirmed = sum("UNCONFIRMED" in r["source"] for r in s1)
    print(f"Supplement No. 1: {len(s1)} rows ({unconfirmed} UNCONFIRMED); Supplement No. 2: {len(s2)} rows")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/ITAR-EXCLUSIONS.md"))
