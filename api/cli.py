"""The `stkg` command line: one clear error line and a non-zero exit, never a traceback."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from api import render
from graph import schema
from graph.connection import Graph, connect
from graph.errors import ParameterError, ReadOnlyError, StkgError, ValidationError
from graph.settings import Settings

FORMATS = click.Choice(["table", "json", "csv"])


class Context:
    """Settings for this invocation and a graph connected on first use."""

    def __init__(self, settings: Settings, debug: bool) -> None:
        self.settings = settings
        self.debug = debug
        self._graph: Graph | None = None

    @property
    def graph(self) -> Graph:
        """Connect lazily, so `--help` and argument errors never start the engine."""
        if self._graph is None:
            self._graph = connect(self.settings)
        return self._graph


pass_ctx = click.make_pass_decorator(Context)


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    """Split `key=value` pairs; the value is kept as text for typed conversion later."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ParameterError(f"--param {pair!r} is not key=value", field=pair)
        out[key.strip()] = value
    return out


def _json_or_text(value: str) -> Any:
    """Ad hoc Cypher parameters: JSON when it parses (numbers, lists), else the text."""
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    envvar="STKG_DATA_DIR",
    help="Embedded engine data directory (default: ~/.local/share/stkg).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and engine logging.")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, debug: bool) -> None:
    """stkg: knowledge graph of international defense S&T cooperation."""
    settings = Settings.from_env()
    if data_dir is not None:
        settings = settings.with_(data_dir=data_dir)
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(message)s")
    ctx.obj = Context(settings, debug)


@cli.command()
@click.option("--bare", is_flag=True, help="Create the schema only; load no reference data.")
@pass_ctx
def init(c: Context, bare: bool) -> None:
    """Create constraints and indexes, then load the shipped reference data."""
    schema.ensure_schema(c.graph)
    click.echo(f"schema ready on {c.graph.engine} ({c.graph.uri})")
    if not bare:
        from ingest.reference import load_reference

        summary = load_reference(c.graph)
        click.echo(summary.describe())


@cli.command()
@click.option("--as-of", help="Date the findings are made for (default today).")
@pass_ctx
def demo(c: Context, as_of: str | None) -> None:
    """Main job: load reference data and the illustrative sample if the graph is empty, then show findings."""
    from queries.analysis import analysis

    g = c.graph
    _ensure_data(g)
    for name in (
        "coverage-gaps",
        "duplicate-clusters",
        "exclusionary-consortia",
        "expiring",
        "partner-centrality",
    ):
        found = analysis(name)
        rows = found.run(g, {"as_of": as_of})
        assert isinstance(rows, list)
        click.echo(f"\n== {name}: {found.purpose}\n" + render.table(rows[:8], list(found.returns)))
        if len(rows) > 8:
            click.echo(f"(first 8 of {len(rows)}; run `stkg query {name}` for all)")
    click.echo(f"\nengine: {g.engine} at {g.uri}; data directory {c.settings.data_dir}")


def _ensure_data(g: Graph) -> None:
    """Load the reference data and the illustrative sample when the graph has no agreements."""
    from ingest.pipeline import ingest_path
    from ingest.reference import SAMPLE_DIR, load_reference

    schema.ensure_schema(g)
    if not g.read("MATCH (a:Agreement) RETURN count(a) AS c")[0]["c"]:
        click.echo("empty graph: loading the reference data and the illustrative sample portfolio", err=True)
        click.echo(load_reference(g).describe(), err=True)
        click.echo(ingest_path(g, SAMPLE_DIR).describe(), err=True)


@cli.command()
@click.option("--host", help="Address to listen on (default STKG_HOST or 127.0.0.1; others need API keys).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default STKG_PORT or 8000; 0 = any free).")
@click.option(
    "--no-sample", is_flag=True, help="Do not load the reference data and sample into an empty graph."
)
@pass_ctx
def serve(c: Context, host: str | None, port: int | None, no_sample: bool) -> None:
    """Main job: serve the web pages and the API (loads the sample into an empty graph)."""
    from api import server

    settings = c.settings.with_(host=host or c.settings.host, port=c.settings.port if port is None else port)
    sock, note = server.bind(settings)  # refuse a public address without keys before starting anything
    g = c.graph
    if no_sample:
        schema.ensure_schema(g)
    else:
        _ensure_data(g)
    host_, port_ = sock.getsockname()[:2]
    click.echo(f"stkg: serving http://{host_}:{port_}/ (API docs at /docs) on {g.engine}; {note}")
    click.echo("stkg: press Ctrl+C to stop", err=True)
    server.run(settings, g, sock)


@cli.group()
def viz() -> None:
    """Draw a picture of the graph as a self-contained HTML file (works offline)."""


def _write_picture(html: str, out: Path) -> None:
    """Save a picture and say where."""
    out.write_text(html, encoding="utf-8")
    click.echo(f"wrote {out}", err=True)


OUT = click.option("--out", type=click.Path(path_type=Path), required=True, help="HTML file to write.")
AS_OF = click.option("--as-of", help="Date (YYYY-MM-DD; default today).")


def _viz_entity(name: str, kind: str, metavar: str, doc: str, convert: str | None = None) -> None:
    """`stkg viz NAME KEY`: one entity's picture (api/picture.DRAWINGS), keys converted as the API does."""

    @viz.command(name=name, help=doc)
    @click.argument("key", metavar=metavar)
    @AS_OF
    @OUT
    @pass_ctx
    def draw(c: Context, key: str, as_of: str | None, out: Path) -> None:
        from api import picture
        from queries.param import CONVERTERS

        found = CONVERTERS[convert](key) if convert else key
        _write_picture(picture.drawn(c.graph, kind, found, as_of), out)


_viz_entity("nation", "nations", "CODE", "A nation's partner network.", convert="nation")
_viz_entity("forum", "forums", "FORUM_ID", "A forum's members and agreements.")
_viz_entity(
    "agreement",
    "agreements",
    "AGREEMENT_ID",
    "An agreement as a tree: what it sits under, its parties and technologies.",
)
_viz_entity("technology", "technologies", "TECHNOLOGY_ID", "A technology in its taxonomy (a tree).")


@viz.command(name="disclosure")
@click.argument("nation")
@click.argument("technology")
@AS_OF
@OUT
@pass_ctx
def viz_disclosure(c: Context, nation: str, technology: str, as_of: str | None, out: Path) -> None:
    """The path of a disclosure trace."""
    from api import picture
    from queries.analysis import analysis

    trace = analysis("disclosure-trace").run(
        c.graph, {"nation": nation, "technology": technology, "as_of": as_of}
    )
    assert isinstance(trace, dict)
    _write_picture(picture.disclosure(c.graph, trace), out)


@viz.command(name="partners")
@AS_OF
@OUT
@pass_ctx
def viz_partners(c: Context, as_of: str | None, out: Path) -> None:
    """The whole partner network, coloured by community and sized by centrality."""
    from api import picture

    _write_picture(picture.partner_network(c.graph, as_of), out)


@viz.command(name="heatmap")
@click.option("--component", help="One component's plan (default: all components).")
@AS_OF
@click.option("--out", type=click.Path(path_type=Path), required=True, help="A .png or .svg file to write.")
@pass_ctx
def viz_heatmap(c: Context, component: str | None, as_of: str | None, out: Path) -> None:
    """The engagement heatmap: technologies x nations by strength, shortfalls and surpluses marked."""
    from api.heatmap import heatmap
    from queries.param import as_of as day

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ParameterError("--out must end in .png or .svg", field="out")
    out.write_bytes(heatmap(c.graph, day(as_of), component, fmt))
    click.echo(f"wrote {out}", err=True)


@cli.group()
def apikey() -> None:
    """Manage API keys for `stkg serve` (stored hashed)."""


@apikey.command(name="add")
@click.argument("key_id")
@click.argument("role", type=click.Choice(["viewer", "planner", "security_reviewer", "admin"]))
@pass_ctx
def apikey_add(c: Context, key_id: str, role: str) -> None:
    """Create a key for KEY_ID with ROLE; the key is printed once and only its hash is kept."""
    from api.keys import add_key

    path = c.settings.keys_path
    secret = add_key(path, key_id, role)
    click.echo(f"added {key_id} ({role}) to {path}; the key, shown only now:", err=True)
    click.echo(secret)


@apikey.command(name="list")
@pass_ctx
def apikey_list(c: Context) -> None:
    """Key ids and roles in the keys file (never the keys)."""
    from api.keys import read_entries

    path = c.settings.keys_path
    rows = [{"key_id": e.key_id, "role": e.role} for e in (read_entries(path) if path.exists() else [])]
    click.echo(render.table(rows) if rows else f"no keys in {path}")


@apikey.command(name="revoke")
@click.argument("key_id")
@pass_ctx
def apikey_revoke(c: Context, key_id: str) -> None:
    """Remove KEY_ID's key; a running server refuses it (and its browser sessions) from the next request."""
    from api.keys import revoke_key

    revoke_key(c.settings.keys_path, key_id)
    click.echo(f"revoked {key_id}", err=True)


@apikey.command(name="rotate")
@click.argument("key_id")
@pass_ctx
def apikey_rotate(c: Context, key_id: str) -> None:
    """Give KEY_ID a new key with the same role; the old key stops working at once."""
    from api.keys import rotate_key

    secret = rotate_key(c.settings.keys_path, key_id)
    click.echo(f"rotated {key_id}; the new key, shown only now:", err=True)
    click.echo(secret)


@cli.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="The .xlsx workbook to write.")
def template(out: Path) -> None:
    """Write an empty workbook to fill in: one sheet per table, hints, drop-downs, a README sheet."""
    from ingest.template import write_template

    if out.suffix.lower() != ".xlsx":
        raise ParameterError("--out must name an .xlsx file", field="out")
    sheets = write_template(out)
    click.echo(
        f"wrote {out} ({len(sheets) - 1} tables); fill it in, then: stkg ingest {out} --dry-run", err=True
    )


@cli.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="A directory (CSV files), a .xlsx workbook, a .json file or a .graphml file.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx", "json", "graphml"]), help="Default: from --out."
)
@click.option("--tables", help="Only these tables (comma-separated), in the ingest contract.")
@pass_ctx
def export(c: Context, out: Path, fmt: str | None, tables: str | None) -> None:
    """Write the graph in the ingest contract (ingesting it back gives the same graph), or as GraphML."""
    from ingest.export import export as write

    only = [t.strip() for t in tables.split(",") if t.strip()] if tables else None
    click.echo(f"wrote {write(c.graph, out, fmt, only)}", err=True)


@cli.command()
@click.option("--since", help="Only requests at or after this date or time (YYYY-MM-DD[THH:MM]).")
@click.option("--key", "key_id", help="Only requests made with this key id ('local' without keys).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def audit(c: Context, since: str | None, key_id: str | None, fmt: str) -> None:
    """Read the server's audit log: who read or changed what, when, with what outcome."""
    from api.audit import records

    rows = list(records(c.settings.audit_path, since, key_id))
    if fmt == "json":
        click.echo(render.to_json(rows))
        return
    cols = ("at", "key_id", "role", "method", "route", "params", "status", "bytes", "ms")
    flat = [{k: _audit_cell(r.get(k)) for k in cols} for r in rows]
    click.echo(render.table(flat) if flat else f"no audit records in {c.settings.audit_path}")


def _audit_cell(value: Any) -> Any:
    """Parameters as k=v pairs in a table cell."""
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    return value


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_ctx
def status(c: Context, fmt: str) -> None:
    """Engine, URI and counts per label and relationship type."""
    g = c.graph
    counted = schema.counts(g)
    from ingest.pipeline import reference_compiled

    compiled = reference_compiled(g)
    info: dict[str, Any] = {"engine": g.engine, "uri": g.uri, "database": g.database, **counted}
    info["reference_compiled"] = compiled.isoformat() if compiled else None
    if g.engine == "arcadedb-embedded":
        info["data_dir"] = str(c.settings.data_dir)
    if fmt == "json":
        click.echo(render.to_json(info))
        return
    click.echo(f"engine:   {info['engine']}\nuri:      {info['uri']}\ndatabase: {info['database']}")
    click.echo(f"reference data compiled: {info['reference_compiled'] or 'not loaded'}")
    if "data_dir" in info:
        click.echo(f"data dir: {info['data_dir']}")
    for kind in ("nodes", "relationships"):
        rows = [{kind[:-1]: k, "count": v} for k, v in counted[kind].items()]
        click.echo("\n" + render.table(rows))


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and show what would change; write nothing.")
@click.option(
    "--ignore-unknown-tables", is_flag=True, help="Warn about sheets, files or members that are not tables."
)
@click.option(
    "--mapping",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="A YAML mapping from your own sheets and columns to the contract (see ingest/examples/).",
)
@click.option("--quiet", is_flag=True, help="No progress bar (for scripts); the summary is still printed.")
@pass_ctx
def ingest(
    c: Context, path: Path, dry_run: bool, ignore_unknown_tables: bool, mapping: Path | None, quiet: bool
) -> None:
    """Load a CSV directory, an .xlsx workbook or a .json file (all or nothing)."""
    from ingest.pipeline import Progress, StderrBar, ingest_path

    bar = Progress() if quiet else StderrBar()
    summary = ingest_path(c.graph, path, dry_run, bar, ignore_unknown_tables, mapping)
    click.echo(summary.describe())
    if not dry_run and summary.changed:
        _recheck_watches(c)


def _recheck_watches(c: Context) -> None:
    """After a write, ask the saved watches again; say how many changed (`stkg watch check` shows how)."""
    from queries import watch

    changed = watch.after_ingest(c.graph, watch.Store(c.settings.watches_path))
    if changed:
        click.echo(f"{changed} watch(es) changed: run `stkg watch check` to see what changed", err=True)


@cli.group(name="watch")
def watch_group() -> None:
    """Saved questions asked again after every ingest: what changed in their answers."""


@watch_group.command(name="add")
@click.argument("name")
@click.argument("analysis")
@click.option("--param", "params", multiple=True, help="key=value, as for `stkg query`.")
@click.option("--owner", default="local", show_default=True, help="API key id the watch belongs to.")
@pass_ctx
def watch_add(c: Context, name: str, analysis: str, params: tuple[str, ...], owner: str) -> None:
    """Save ANALYSIS with its parameters (or `entity` with kind= and key=) as the watch NAME."""
    from queries import watch

    found = watch.add(
        c.graph, watch.Store(c.settings.watches_path), owner, name, analysis, parse_params(params)
    )
    click.echo(f"watching {found.name} ({found.id}): {found.describe()}")


@watch_group.command(name="list")
@click.option("--owner", default="local", show_default=True, help="API key id whose watches to list.")
@click.option("--format", "fmt", type=FORMATS, default="table")
@pass_ctx
def watch_list(c: Context, owner: str, fmt: str) -> None:
    """List the watches with when they were last checked and how many changes are unreported."""
    from queries import watch

    rows = [
        {
            "id": w.id,
            "name": w.name,
            "question": w.describe(),
            "checked": w.checked,
            "changes": len(w.changes),
            "unreported": len(w.unreported()),
        }
        for w in watch.mine(watch.Store(c.settings.watches_path), owner)
    ]
    click.echo(render.render(rows, fmt, ["id", "name", "question", "checked", "changes", "unreported"]))


@watch_group.command(name="remove")
@click.argument("which")
@click.option("--owner", default="local", show_default=True, help="API key id the watch belongs to.")
@pass_ctx
def watch_remove(c: Context, which: str, owner: str) -> None:
    """Delete a watch by id or name."""
    from queries import watch

    found = watch.remove(watch.Store(c.settings.watches_path), owner, which)
    click.echo(f"removed {found.name} ({found.id})")


@watch_group.command(name="check")
@click.option("--owner", help="Only this API key id's watches (default: every watch).")
@pass_ctx
def watch_check(c: Context, owner: str | None) -> None:
    """Ask every watch again and print what changed since the last check; exit 1 when anything did."""
    from queries import watch

    found = watch.check(c.graph, watch.Store(c.settings.watches_path), owner, report=True)
    for w, changes in found:
        click.echo(f"{w.name} ({w.id}, {w.describe()}): changed")
        for change in changes:
            for line in watch.summary(change):
                click.echo(line)
    if found:
        raise SystemExit(1)
    click.echo("no watch changed", err=True)


@cli.command()
@click.option("--agreements", type=click.IntRange(1), required=True, help="How many agreements.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option("--technologies", type=click.IntRange(20), default=300, show_default=True)
@click.option("--forums", type=click.IntRange(5), default=30, show_default=True)
@click.option("--plan-nations", type=click.IntRange(0), default=0, help="Also needs, strengths and factors.")
@click.option(
    "--party-values",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Share of agreements whose parties get contribution and benefit values (a parties table).",
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output directory.")
def synth(
    agreements: int,
    seed: int,
    technologies: int,
    forums: int,
    plan_nations: int,
    party_values: float,
    out: Path,
) -> None:
    """Write a synthetic, contract-conformant CSV dataset for tests and benchmarks."""
    from ingest.synth import synth as generate
    from ingest.synth import write_csv

    tables = generate(agreements, seed, technologies, forums, plan_nations, party_values)
    paths = write_csv(tables, out)
    click.echo(f"wrote {len(paths)} tables to {out}")


@cli.command()
@click.option("--format", "fmt", type=FORMATS, default="table")
@pass_ctx
def runs(c: Context, fmt: str) -> None:
    """List recorded ingest runs, newest first."""
    from ingest.pipeline import runs as list_runs

    click.echo(render.render(list_runs(c.graph), fmt))


@cli.command()
@click.argument("run_id", required=False)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Every run started on or after this day.")
@click.option("--format", "fmt", type=FORMATS, default="table")
@pass_ctx
def changes(c: Context, run_id: str | None, since: dt.datetime | None, fmt: str) -> None:
    """What ingest runs changed: each entity added, each value with its old and new value, each link."""
    from ingest import history

    if run_id is not None and since is not None:
        raise click.UsageError("give a run id or --since, not both")
    found = (
        history.of_run(c.graph, run_id)
        if run_id
        else history.rows(c.graph, since=since.date() if since else None)
    )
    click.echo(render.render(found, fmt, list(history.COLUMNS)))


@cli.command()
@click.argument("name")
@click.option("--as-of", help="Date the analysis is made for (YYYY-MM-DD; default today).")
@click.option("--param", "params", multiple=True, help="key=value; lists are ';'-separated.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table")
@click.option("--out", type=click.Path(path_type=Path), help="Write to this file instead of stdout.")
@click.option("--limit", help="At most this many rows.")
@click.option("--offset", help="Skip this many rows first.")
@click.option("--sort", help="Fields to sort by, comma-separated; -field for descending.")
@click.option("--filter", "filters", multiple=True, help="field:value; rows equal to, or lists holding, it.")
@click.option(
    "--show-cypher", is_flag=True, help="Print the Cypher behind the analysis (runnable with :param)."
)
@pass_ctx
def query(
    c: Context,
    name: str,
    as_of: str | None,
    params: tuple[str, ...],
    fmt: str,
    out: Path | None,
    limit: str | None,
    offset: str | None,
    sort: str | None,
    filters: tuple[str, ...],
    show_cypher: bool,
) -> None:
    """Run a named analysis (see `stkg queries`)."""
    from api import paging
    from queries.analysis import analysis, cypher_of

    found = analysis(name)
    if show_cypher:
        click.echo(cypher_of(found.name))
        return
    values: dict[str, Any] = parse_params(params)
    if as_of is not None:
        values["as_of"] = as_of
    found.bind(values)  # parameter errors before the engine starts
    shape = paging.parse(found.returns, limit, offset, sort, filters)
    result = found.run(c.graph, values)
    if isinstance(result, list) and not shape.idle:
        total, page = shape.apply(result)
        result = [dict(r) for r in page]
        click.echo(f"rows {shape.offset + 1}-{shape.offset + len(result)} of {total}", err=True)
    _emit(result, fmt, out, list(found.returns) if not found.single else None)


def _emit(result: Any, fmt: str, out: Path | None, cols: list[str] | None) -> None:
    """Print or save a result in the chosen format."""
    if fmt == "xlsx":
        if out is None:
            raise ParameterError("--format xlsx needs --out FILE", field="out")
        render.to_xlsx(result, out, cols)
        click.echo(f"wrote {out}", err=True)
        return
    text = render.render(result, fmt, cols)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


@cli.command()
@click.argument("nation")
@click.argument("technology")
@click.option("--as-of", help="Date (YYYY-MM-DD; default today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--out", type=click.Path(path_type=Path), help="Write a PDF report a reviewer can file (.pdf).")
@pass_ctx
def disclose(c: Context, nation: str, technology: str, as_of: str | None, fmt: str, out: Path | None) -> None:
    """May TECHNOLOGY be disclosed to NATION? Verdict and exceptions first, then reasons with citations."""
    from api import report
    from queries.analysis import analysis

    params = {"nation": nation, "technology": technology, "as_of": as_of}
    trace: Any = analysis("disclosure-trace").run(c.graph, params)
    if out is not None:
        if out.suffix.lower() != ".pdf":
            raise ParameterError("--out writes a PDF report: give a file ending in .pdf", field="out")
        from api import pdf

        out.write_bytes(pdf.disclosure(c.graph, trace, f"{getpass.getuser()} (stkg CLI)"))
        click.echo(f"wrote {out}: {trace['headline']}", err=True)
        return
    click.echo(render.to_json(trace) if fmt == "json" else report.disclosure(trace))


@cli.command()
@click.option("--parties", required=True, help="Comma-separated nations, e.g. USA,GBR,JPN.")
@click.option("--technologies", required=True, help="Comma-separated technology ids.")
@click.option("--as-of", help="Date (YYYY-MM-DD; default today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_ctx
def predraft(c: Context, parties: str, technologies: str, as_of: str | None, fmt: str) -> None:
    """Check a proposed agreement against what already exists before drafting it."""
    from api import report
    from queries.analysis import analysis

    params = {"parties": parties, "technologies": technologies, "as_of": as_of}
    check = analysis("predraft-check").run(c.graph, params)
    click.echo(render.to_json(check) if fmt == "json" else report.predraft(check))  # type: ignore[arg-type]


@cli.command(name="queries")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option(
    "--all", "everything", is_flag=True, help="Also the internal exports the analyses are built on."
)
def list_queries(fmt: str, everything: bool) -> None:
    """List the analyses with their purpose, parameters and returned fields."""
    from queries.analysis import PUBLIC, analyses

    rows = [
        {
            "name": a.name,
            "purpose": a.purpose,
            "params": "; ".join(
                f"{p.name}: {p.type}" + ("" if p.required else f" = {p.default or 'none'}") for p in a.params
            ),
            "returns": ", ".join(a.returns),
        }
        for a in analyses().values()
        if everything or a.name in PUBLIC
    ]
    if fmt == "json":
        click.echo(render.to_json(rows))
        return
    for r in rows:
        click.echo(f"{r['name']}\n  {r['purpose']}\n  params:  {r['params']}\n  returns: {r['returns']}\n")


@cli.command()
@click.argument("query")
@click.option("--param", "params", multiple=True, help="key=value (JSON values allowed).")
@click.option("--write", is_flag=True, help="Allow the query to change the graph.")
@click.option("--format", "fmt", type=FORMATS, default="table")
@pass_ctx
def cypher(c: Context, query: str, params: tuple[str, ...], write: bool, fmt: str) -> None:
    """Run ad hoc Cypher; read-only unless --write."""
    values = {k: _json_or_text(v) for k, v in parse_params(params).items()}
    try:
        rows = c.graph.write(query, values) if write else c.graph.read(query, values)
    except ReadOnlyError as exc:
        raise ReadOnlyError(f"{exc}; nothing was changed (pass --write to allow writes)") from exc
    click.echo(render.render(rows, fmt))


def _fail(message: str, extra: list[str] | None = None) -> None:
    """Print one error line (plus listed problems) on stderr."""
    click.echo(f"error: {message}", err=True)
    for line in extra or []:
        click.echo(line, err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the command, then exits through the engine's clean shutdown."""
    code = run(argv)
    from graph import engine

    engine.exit_process(code)


def run(argv: list[str] | None = None) -> int:
    """Run one command and map the exception tree to messages and exit codes, in one place."""
    debug = "--debug" in (argv if argv is not None else sys.argv)
    try:
        cli.main(args=argv, prog_name="stkg", standalone_mode=False)
    except ValidationError as exc:
        _fail(str(exc), exc.problems)
        return 1
    except StkgError as exc:
        if debug:
            raise
        suggestions = getattr(exc, "suggestions", None)
        _fail(str(exc) + (f" (did you mean: {', '.join(suggestions)}?)" if suggestions else ""))
        return 1
    except click.exceptions.Abort:
        _fail("aborted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except SystemExit as exc:  # SIGTERM arrives as SystemExit(143)
        return exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        if debug:
            raise
        _fail(f"{type(exc).__name__}: {exc} (rerun with --debug for details)")
        return 1
    return 0


if __name__ == "__main__":
    main()
