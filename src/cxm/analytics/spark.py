"""The analytics store as Parquet, and the same Ibis analytics on Spark (``cxm[spark]``).

``export_parquet`` writes every synced table (with its organization-time columns) to one
Parquet file per table; ``spark_connection`` opens an Ibis PySpark connection over such a
directory, local by default (``local[*]``) or on any master URL. The portable analytics in
``cxm.analytics.portable`` then run on it unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cxm.analytics.backend import Analytics
from cxm.analytics.tables import SYNCED
from cxm.core.errors import CxmError

SPARK_HINT = "Spark analytics need the spark extra: pip install 'cxm[spark]' (and Java 17)."


def export_parquet(analytics: Analytics, directory: Path) -> dict[str, int]:
    """Write each synced table to ``directory/<table>.parquet``; returns rows per table."""
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with analytics.fresh():
        duck = analytics.duck
        for synced in SYNCED:
            name = synced.table.name
            target = directory / f"{name}.parquet"
            duck.execute(f"COPY (SELECT * FROM \"{name}\") TO '{target}' (FORMAT parquet)")
            [(n,)] = duck.execute(f'SELECT count(*) FROM "{name}"').fetchall()
            counts[name] = int(n)
    return counts


def spark_connection(directory: Path, master: str = "local[*]") -> Any:
    """An Ibis PySpark connection with every exported table registered under its name."""
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the optional extra is missing
        raise CxmError(SPARK_HINT) from exc
    missing = [s.table.name for s in SYNCED if not (directory / f"{s.table.name}.parquet").exists()]
    if missing:
        raise CxmError(
            f"{directory} has no Parquet export of {', '.join(missing)}: "
            "run `cxm analytics export DIR` first."
        )
    session = (
        SparkSession.builder.master(master)
        .appName("cxm")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    con = ibis.pyspark.connect(session)
    for synced in SYNCED:
        name = synced.table.name
        con.read_parquet(str(directory / f"{name}.parquet"), table_name=name)
    return con
