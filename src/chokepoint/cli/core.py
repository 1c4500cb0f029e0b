"""``chokepoint`` commands: the demo and the server."""

from __future__ import annotations

from typing import Annotated

import typer

from chokepoint.cli.base import DEMO_PERSPECTIVE, DbOption, app, open_store, print_summary


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Run the REST API (and, later, the web UI). On an empty store it creates user 'admin' with the
    password from $CHOKEPOINT_ADMIN_PASSWORD, or prints a generated one once.
    """
    import uvicorn

    from chokepoint.api.app import create_app, ensure_admin

    store = open_store(db)
    generated = ensure_admin(store)
    if generated:
        typer.echo(
            f"created user 'admin' with password: {generated}  (shown once; change it with "
            "`chokepoint users passwd admin`)"
        )
    typer.echo(f"chokepoint API on http://{host}:{port}/api (OpenAPI at /docs)")
    uvicorn.run(create_app(store), host=host, port=port, log_level="warning")


@app.command("demo")
def demo(
    project: Annotated[str, typer.Option("--project", "-p", help="Project name to load the demo into.")] = (
        "semiconductors"
    ),
    serve_: Annotated[bool, typer.Option("--serve", help="Then start the web UI and API.")] = False,
    port: Annotated[int, typer.Option("--port", help="Port for --serve.")] = 8000,
    db: DbOption = None,
) -> None:
    """Load the bundled ETO semiconductor chain as a project, print its summary and its top
    chokepoints from the project's perspective (default: China, with USA, JPN, NLD, KOR, TWN restricted).
    """
    from chokepoint.datasets import load_semiconductors_report
    from chokepoint.report.assessment import format_table
    from chokepoint.service.assessment import assess_project
    from chokepoint.service.perspective import resolve_perspective, store_perspective

    report = load_semiconductors_report()
    store = open_store(db)
    chain = store.chains.save(project, report.chain)
    typer.echo(f"Loaded the demo chain into project {project!r} ({store!r})")
    s = chain.summary()
    s["merged_alias_rows"] = report.merged_alias_rows
    print_summary(s, f"Project {project!r}")
    if store.projects.get_perspective(project) is None:
        store_perspective(store, project, DEMO_PERSPECTIVE["home"], DEMO_PERSPECTIVE["restricted"])
    a = assess_project(store, project, resolve_perspective(store, project, chain=chain), chain=chain)
    typer.echo("")
    typer.echo("Top chokepoints (卡脖子):")
    typer.echo(format_table(a, 15))
    top = a.frame.iloc[0]["id"]
    typer.echo("")
    typer.echo(a.explanation(top))
    typer.echo(a.explanation(top, "zh"))
    if serve_:
        typer.echo("")
        serve(host="127.0.0.1", port=port, db=db)
