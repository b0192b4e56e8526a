"""The results catalogue of a sweep: ``results.duckdb``, rebuilt from the run directories.

The run directories are the truth; the catalogue is an index over them, rebuilt by
:func:`build_catalogue` (at the end of every sweep, and by ``cohesion-sim-report``). It
holds:

- table ``runs``: one row per run directory: ``run`` (its path relative to the sweep
  dir), ``policy``, ``future``, ``seed``, ``sample`` (the point of the uncertainty
  design, NULL without one), ``status`` (``complete``, ``failed``, or ``incomplete`` for
  a job that started but never wrote run.json), ``in_sweep`` (the run belongs to the
  last sweep started in this directory; runs left over from an earlier, larger sweep
  are kept but flagged false), ``config_hash``, the timings (``started_at``,
  ``finished_at``, ``wall_time_s``, ``burn_in_s``, ``simulate_s``, ``setup_s``),
  ``start_state`` (whether the run's week-0 state was ``computed`` and stored for the
  sweep, ``shared`` from the store, or its ``own``), ``weeks`` and ``citizens``, the
  policy's ``euros_available`` and ``euros_spent`` and the number of ``warnings`` the
  run gave at its start (run.json holds their text), the ``model_version``,
  ``data_version`` and ``posterior_version`` (fingerprints, :mod:`sim.calibration.fingerprint`;
  the posterior's is NULL for a run with no calibration) and ``calibration_member``,
  ``error`` for failed runs, one
  column per other overridden key (named by the key, e.g. ``"dynamics.confidence"``, or
  the config group, e.g. ``population``) and one per uncertain parameter (named
  ``"uncertain.<key>"``);
- table ``columns``: which columns of ``runs`` are swept or uncertain parameters;
- table ``meta``: the sweep directory and when the catalogue was built;
- view ``timeseries``: every complete run's ``timeseries.parquet`` (step, metric,
  scope, value) with its run's ``run``, ``policy``, ``future``, ``seed`` and ``sample``;
- view ``final_values``: each run's last recorded value of every metric and scope;
- view ``final_state``: every complete run's ``final_state.parquet`` with its ``run``.

The views read the Parquet files where they are (absolute paths): after moving a sweep
directory, rebuild the catalogue (``cohesion-sim-report DIR`` does). Example::

    import duckdb
    con = duckdb.connect("multirun/quick/results.duckdb", read_only=True)
    con.sql("SELECT policy, future, avg(value) FROM final_values "
            "WHERE metric = 'cohesion_index' AND scope = 'all' GROUP BY ALL").df()

The file is written under a temporary name and renamed into place, so a reader never
sees a half-built catalogue. If it is deleted, or damaged (say by a disk that filled up
or a copy cut short), rebuild it from the run directories with::

    cohesion-sim-catalogue multirun/quick

Opening a damaged catalogue raises :class:`CatalogueError`, whose one-line message names
that command.

DuckDB locks the file even to read it. Where it cannot (the file system does not
support locking, as NFS without its lock service; or another process holds the file
open to write), :func:`connect` logs one warning line saying which, and returns an
in-memory catalogue built from the run files instead: the same tables and views, the
same rows. Such a lock error is never reported as damage. Where the sweep directory
cannot lock, :func:`build_catalogue` builds the file in the local temporary directory
and copies it into place, so ``results.duckdb`` is still there for outside tools.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from sim.io import read_json

__all__ = [
    "CATALOGUE",
    "CatalogueError",
    "build_catalogue",
    "connect",
    "find_run_dirs",
    "load_runs",
    "scan_runs",
]

#: The sweep's manifest in ``<sweep dir>/.sweep/`` (written when a sweep starts).
MANIFEST = "sweep.json"

CATALOGUE = "results.duckdb"


class CatalogueError(Exception):
    """A catalogue that cannot be read; the message says how to rebuild it."""


_log = logging.getLogger("cohesion_sim")


#: Overrides that are columns of their own (or not about the model).
_OWN_KEYS = ("policy", "scenario", "seed")
_SKIP_DIRS = {"report", "__pycache__"}


def find_run_dirs(sweep_dir: str | Path) -> list[Path]:
    """Every run directory under ``sweep_dir`` (one with run.json or Hydra's .hydra/)."""
    out: list[Path] = []
    for root, dirs, files in os.walk(sweep_dir):
        if "run.json" in files or ".hydra" in dirs:
            out.append(Path(root))
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
    return sorted(out)


def _hydra_record(run_dir: Path) -> tuple[list[str], dict[str, Any]]:
    """The job's overrides and (policy, future, seed) from Hydra's own record."""
    overrides: list[str] = []
    fields: dict[str, Any] = {}
    with contextlib.suppress(OSError, yaml.YAMLError, TypeError):
        listed = yaml.safe_load((run_dir / ".hydra" / "overrides.yaml").read_text())
        overrides = [str(o) for o in listed]
    try:
        cfg = yaml.safe_load((run_dir / ".hydra/config.yaml").read_text()) or {}
        fields = {
            "policy": (cfg.get("policy") or {}).get("name"),
            "future": (cfg.get("scenario") or {}).get("name"),
            "seed": cfg.get("seed"),
        }
    except (OSError, yaml.YAMLError, AttributeError):
        pass
    return overrides, fields


def _split(override: str) -> tuple[str, str]:
    key, _, value = override.partition("=")
    return key.lstrip("+~"), value


def _row(sweep_dir: Path, run_dir: Path) -> dict[str, Any]:
    info = read_json(run_dir / "run.json")
    row: dict[str, Any] = {"run": run_dir.relative_to(sweep_dir).as_posix() or "."}
    if info is None:
        overrides, fields = _hydra_record(run_dir)
        row.update(fields)
        row["status"] = "incomplete"
    else:
        overrides = [str(o) for o in info.get("overrides") or []]
        if not overrides:
            overrides = _hydra_record(run_dir)[0]
        timings = info.get("timings") or {}
        unc = info.get("uncertainty") or {}
        row.update(
            policy=info.get("policy"),
            future=info.get("future"),
            seed=info.get("seed"),
            sample=unc.get("sample"),
            status=info.get("status"),
            config_hash=info.get("config_hash"),
            preset=info.get("preset"),
            weeks=info.get("steps"),
            citizens=info.get("population"),
            euros_available=(info.get("budget") or {}).get("available"),
            euros_spent=(info.get("budget") or {}).get("spent"),
            warnings=len(info.get("warnings") or []) if "warnings" in info else None,
            started_at=info.get("started_at"),
            finished_at=info.get("finished_at"),
            wall_time_s=info.get("wall_time_s"),
            start_state=info.get("start_state"),
            burn_in_s=timings.get("burn_in_s"),
            simulate_s=timings.get("simulate_s"),
            setup_s=timings.get("setup_s"),
            host=info.get("host"),
            git_commit=info.get("git_commit"),
            model_version=(info.get("calibration") or {}).get("model"),
            data_version=(info.get("calibration") or {}).get("data"),
            posterior_version=(info.get("calibration") or {}).get("posterior"),
            calibration_member=(info.get("calibration") or {}).get("member"),
            error=info.get("error"),
        )
        for key, value in (unc.get("values") or {}).items():
            row[f"uncertain.{key}"] = value
    row["overrides"] = " ".join(sorted(overrides))
    row["_overrides"] = sorted(overrides)
    for o in overrides:
        key, value = _split(o)
        if key not in _OWN_KEYS and key not in _COLUMNS and not key.startswith("hydra"):
            row[key] = value
    row["run_dir"] = str(run_dir.resolve())
    ts = run_dir / "timeseries.parquet"
    row["timeseries_path"] = str(ts.resolve()) if row.get("status") == "complete" else None
    return row


_COLUMNS = [
    "run",
    "policy",
    "future",
    "seed",
    "sample",
    "status",
    "in_sweep",
    "config_hash",
    "preset",
    "weeks",
    "citizens",
    "euros_available",
    "euros_spent",
    "warnings",
    "started_at",
    "finished_at",
    "wall_time_s",
    "start_state",
    "burn_in_s",
    "simulate_s",
    "setup_s",
    "host",
    "git_commit",
    "model_version",
    "data_version",
    "posterior_version",
    "calibration_member",
    "error",
    "overrides",
    "run_dir",
    "timeseries_path",
]


def _numeric(s: pd.Series) -> pd.Series:
    try:
        return pd.to_numeric(s)
    except (ValueError, TypeError):
        return s.astype("string")


def scan_runs(sweep_dir: str | Path) -> pd.DataFrame:
    """The ``runs`` table, read from the run directories (see the module docstring).

    ``attrs["swept"]`` and ``attrs["uncertain"]`` list the parameter columns.
    """
    root = Path(sweep_dir).resolve()
    rows = [_row(root, d) for d in find_run_dirs(root)]
    df = pd.DataFrame(rows)
    for col in _COLUMNS:
        if col not in df:
            df[col] = None
    manifest = read_json(root / ".sweep" / MANIFEST)
    jobs = manifest.get("jobs") if manifest else None
    if jobs is None or df.empty:
        df["in_sweep"] = True
    else:
        wanted = {tuple(sorted(j)) for j in jobs}
        df["in_sweep"] = [tuple(o) in wanted for o in df["_overrides"]]
    if not df.empty:
        # Two directories holding the same job (a re-ordered sweep): keep the newest.
        order = df.sort_values("finished_at", na_position="first")
        dup = order.duplicated(subset=["overrides"], keep="last") & order["in_sweep"]
        df.loc[dup[dup].index, "in_sweep"] = False
    df = df.drop(columns=["_overrides"])
    swept = [c for c in df.columns if c not in _COLUMNS and not c.startswith("uncertain.")]
    uncertain = sorted(c for c in df.columns if c.startswith("uncertain."))
    for c in swept:
        df[c] = _numeric(df[c])
    for c in ("seed", "sample", "weeks", "citizens"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    for c in ("wall_time_s", "burn_in_s", "simulate_s", "setup_s"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in ("started_at", "finished_at"):
        df[c] = pd.to_datetime(df[c], utc=True, errors="coerce", format="ISO8601")
    for c in _COLUMNS:
        if df[c].dtype == object:
            df[c] = df[c].astype("string")
    df["in_sweep"] = df["in_sweep"].astype(bool)
    df = df[[*_COLUMNS, *sorted(swept), *uncertain]].reset_index(drop=True)
    df.attrs["swept"] = sorted(swept)
    df.attrs["uncertain"] = uncertain
    return df


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


_EMPTY_TS = (
    "SELECT NULL::VARCHAR AS run, NULL::VARCHAR AS policy, NULL::VARCHAR AS future, "
    "NULL::BIGINT AS seed, NULL::BIGINT AS sample, NULL::BIGINT AS step, "
    "NULL::VARCHAR AS metric, NULL::VARCHAR AS scope, NULL::DOUBLE AS value WHERE false"
)


def _create(con: duckdb.DuckDBPyConnection, runs: pd.DataFrame, root: Path) -> None:
    con.register("runs_df", runs)
    con.execute("CREATE TABLE runs AS SELECT * FROM runs_df")
    con.unregister("runs_df")
    cols = pd.DataFrame(
        [(c, "swept") for c in runs.attrs["swept"]]
        + [(c, "uncertain") for c in runs.attrs["uncertain"]],
        columns=["name", "kind"],
    ).astype("string")
    con.register("cols_df", cols)
    con.execute("CREATE TABLE columns AS SELECT * FROM cols_df")
    con.unregister("cols_df")
    con.execute(
        "CREATE TABLE meta AS SELECT ? AS sweep_dir, ? AS built_at, ? AS runs",
        [str(root), datetime.now(UTC).isoformat(timespec="seconds"), len(runs)],
    )
    done = runs[runs["status"] == "complete"]
    ts_paths = [str(p) for p in done["timeseries_path"]]
    fs_paths = [str(Path(p) / "final_state.parquet") for p in done["run_dir"]]
    if ts_paths:
        con.execute(
            f"""CREATE VIEW timeseries AS
            SELECT r.run, r.policy, r.future, r.seed, r.sample,
                   t.step, t.metric, t.scope, t.value
            FROM read_parquet({_sql_list(ts_paths)}, filename = true) AS t
            JOIN runs AS r ON r.timeseries_path = t.filename"""
        )
        con.execute(
            f"""CREATE VIEW final_state AS
            SELECT r.run, f.* EXCLUDE (filename)
            FROM read_parquet({_sql_list(fs_paths)}, filename = true,
                              union_by_name = true) AS f
            JOIN runs AS r ON r.run_dir || '/final_state.parquet' = f.filename"""
        )
    else:
        con.execute(f"CREATE VIEW timeseries AS {_EMPTY_TS}")
        con.execute("CREATE VIEW final_state AS SELECT NULL::VARCHAR AS run WHERE false")
    con.execute(
        """CREATE VIEW final_values AS
        SELECT run, policy, future, seed, sample, metric, scope,
               max(step) AS step, arg_max(value, step) AS value
        FROM timeseries GROUP BY ALL"""
    )


def _write(path: Path, runs: pd.DataFrame, root: Path) -> None:
    """Write the catalogue of ``runs`` into a new DuckDB file at ``path``."""
    try:
        con = duckdb.connect(str(path))
        try:
            _create(con, runs, root)
            con.execute("CHECKPOINT")
        finally:
            con.close()
    finally:
        Path(f"{path}.wal").unlink(missing_ok=True)


def build_catalogue(sweep_dir: str | Path) -> Path:
    """(Re)build ``results.duckdb`` in ``sweep_dir`` from its run directories; its path.

    Where the sweep directory's file system cannot lock (DuckDB locks the file it
    writes), the file is built in the local temporary directory and copied into place.
    """
    root = Path(sweep_dir).resolve()
    runs = scan_runs(root)
    final = root / CATALOGUE
    tmp = root / f".{CATALOGUE}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        try:
            _write(tmp, runs, root)
        except duckdb.Error as e:
            if _lock_problem(e) is None:
                raise
            tmp.unlink(missing_ok=True)
            with tempfile.TemporaryDirectory(prefix="cohesion-sim-catalogue.") as local:
                built = Path(local) / CATALOGUE
                _write(built, runs, root)
                shutil.copyfile(built, tmp)
        Path(f"{final}.wal").unlink(missing_ok=True)  # a stale log would be replayed
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return final


def _damaged(path: Path, error: BaseException) -> CatalogueError:
    """The error for a catalogue that cannot be read: what, and the command to rebuild it."""
    text = " ".join(str(error).split())
    text = text if len(text) <= 160 else text[:157] + "..."
    return CatalogueError(
        f"the catalogue {path} cannot be read ({type(error).__name__}: {text}); "
        f"rebuild it from the run files with: cohesion-sim-catalogue {path.parent}"
    )


#: DuckDB's message when it cannot lock a file, and how it names a holder.
_LOCK_TEXT = "could not set lock on file"
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")
_OTHER_SETTINGS = "different configuration"
#: The system's words (strerror) for a file system that cannot lock.
_UNSUPPORTED = ("no locks available", "not supported", "not implemented")


def _lock_problem(error: BaseException) -> str | None:
    """What an error of DuckDB says about locking the file, in a few words; else None."""
    text = " ".join(str(error).split())
    if isinstance(error, duckdb.ConnectionException) and _OTHER_SETTINGS in text:
        return "this process already has the file open with other settings (read-write)"
    if _LOCK_TEXT not in text.lower():
        return None
    holder = _HOLDER.search(text)
    if holder is not None:
        return (
            f"another process holds its lock (pid {holder['pid']}, {holder['program']}); "
            "it is probably being written or kept open"
        )
    reason = text.split('": ', 1)[-1].split(". See also", 1)[0].strip().rstrip(".")
    if any(t in reason.lower() for t in _UNSUPPORTED):
        return f"file locking is not supported on this file system ({reason})"
    return f"the file could not be locked ({reason})"


#: The (path, problem) pairs already warned about in this process: one line each.
_WARNED: set[tuple[Path, str]] = set()


def _in_memory(root: Path, path: Path, problem: str) -> duckdb.DuckDBPyConnection:
    """The catalogue built in memory from the run files, after one warning line."""
    if (path, problem) not in _WARNED:
        _WARNED.add((path, problem))
        _log.warning(
            "cannot open the catalogue %s: %s; reading the run files into memory instead "
            "(the same tables, not written to disk)",
            path,
            problem,
        )
    con = duckdb.connect(":memory:")
    try:
        _create(con, scan_runs(root), root)
    except BaseException:
        con.close()
        raise
    return con


def _open(root: Path, path: Path) -> duckdb.DuckDBPyConnection:
    """``path`` opened read-only, or the in-memory catalogue where it cannot be locked.

    Raises:
        CatalogueError: the file cannot be opened for any other reason (damage).
    """
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as e:
        problem = _lock_problem(e)
        if problem is None:
            raise _damaged(path, e) from None
        return _in_memory(root, path, problem)


def connect(sweep_dir: str | Path, *, rebuild: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the catalogue (built first if absent, moved, or asked).

    Where the file cannot be locked (see the module docstring), the connection is to an
    in-memory catalogue built from the run files, after one warning line.

    Raises:
        CatalogueError: the file is there but damaged (not a DuckDB file, truncated,
            tables missing); its message names the command that rebuilds it.
    """
    root = Path(sweep_dir).resolve()
    path = root / CATALOGUE
    if not rebuild and path.is_file():
        con = _open(root, path)
        try:
            row = con.execute("SELECT sweep_dir FROM meta").fetchone()
        except duckdb.Error as e:
            con.close()
            raise _damaged(path, e) from None
        if row is not None and row[0] == str(root):
            return con
        con.close()
    build_catalogue(root)
    return _open(root, path)


def load_runs(sweep_dir: str | Path) -> pd.DataFrame:
    """The ``runs`` table as a DataFrame (``attrs`` lists the parameter columns).

    Raises:
        CatalogueError: the catalogue is damaged (the message says how to rebuild it).
    """
    with connect(sweep_dir) as con:
        try:
            runs = con.execute("SELECT * FROM runs").df()
            cols = con.execute("SELECT name, kind FROM columns").fetchall()
        except duckdb.Error as e:
            raise _damaged(Path(sweep_dir).resolve() / CATALOGUE, e) from None
    runs.attrs["swept"] = [n for n, k in cols if k == "swept"]
    runs.attrs["uncertain"] = [n for n, k in cols if k == "uncertain"]
    return runs


def main(argv: list[str] | None = None) -> None:
    """``cohesion-sim-catalogue SWEEP_DIR``: rebuild ``results.duckdb`` from the run files."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="cohesion-sim-catalogue",
        description="Rebuild a sweep's results.duckdb from its run directories (after it "
        "was deleted or damaged, or the directory was moved).",
    )
    parser.add_argument("sweep_dir", type=Path, help="the sweep directory (hydra.sweep.dir)")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"cohesion-sim-catalogue: error: {args.sweep_dir}: not a directory", file=sys.stderr)
        sys.exit(1)
    try:
        path = build_catalogue(args.sweep_dir)
    except (OSError, duckdb.Error) as e:
        print(f"cohesion-sim-catalogue: error: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
    runs = load_runs(args.sweep_dir)
    counts = runs["status"].value_counts()
    parts = ", ".join(f"{int(counts[s])} {s}" for s in sorted(counts.index))
    print(f"catalogue: {path} ({len(runs)} runs: {parts or 'none'})")


if __name__ == "__main__":
    main()
