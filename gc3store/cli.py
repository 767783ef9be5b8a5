"""The ``gc3store`` command: certify a store, and list, show, remove and copy its objects.

Exit statuses: 0 when everything asked was done; 1 when an object could not be found, loaded,
removed or copied (the others still are); 2 for a usage error or a store that cannot be opened
(a malformed URI, an unknown scheme, a missing directory or table); 3 when the storage cannot be
reached (a database server that is down); 130 when interrupted.  ``certify`` exits with the
status of pytest.  Messages show a store by its ``display_url``: a password in a URI is never
printed.

.. rubric:: How ``copy SRC DST`` works

*IDs are kept.*  DST is opened with an idfactory (`SourceIds`) whose ``new(obj)`` returns the
ID the object has in SRC: for the object being copied, the ID SRC listed it under (the only
place it is known for an object that carries no attributes, such as a ``dict`` or an ``int``);
for a `Persistable` reached through a reference, the ``persistent_id`` SRC's load gave it.  A
record refers to another by its ID, so with IDs kept every reference in a copied record names
the copy of what it named in SRC: objects shared by several records still load as one object and
cycles still load as cycles, with nothing to remap and no second pass.

*One object at a time.*  SRC's IDs are copied in `Id` order, each by one ``DST.save`` (one
transaction on SQL).  A `Persistable` reached through a reference loads with ``changed`` false,
so the save stores only its ID and the object is copied in its own turn: a reference may point
nowhere in DST until the copy is complete.  (One that loads with ``changed`` true is saved
along, under its own SRC ID, and its turn finds it copied.)

*Resumable.*  DST is listed once at the start, and an SRC ID that DST holds is skipped.  A save
creates a record whole or not at all (a file is linked into place, a SQL save is a transaction),
and the engine never creates a record under a taken ID, so a copy killed at any moment and
started again completes the copy without duplicating anything.  Objects that failed are tried
again by the next run.

*Limits.*  DST must be new or an earlier copy of SRC: whatever DST holds under an ID of SRC is
taken to be its copy (a note on stderr counts the IDs DST holds that SRC does not).  DST's store
must take an ``idfactory`` keyword and honour it; the copy stops at the first object saved under
another ID.  A SQL table keys records by the number of the ID alone, so two SRC IDs with the
same number and different prefixes cannot both be copied into one: the second fails.  IDs given
explicitly do not advance every store's sequence: a new file directory, SQLite and MariaDB
number later saves after the copied IDs, but PostgreSQL's sequence stays where it was, so
SqlStore's later saves there collide with copied records until the sequence passes them; so do
those of a file directory whose counter file predates the copy.  DST's ``extra_fields`` columns
are left NULL (their accessors are application code); ``state`` is filled as on any save.  The
classes of the objects must be importable where the command runs (``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any, NoReturn

from gc3store import __version__
from gc3store.errors import LoadError, SaveError, StoreError, StoreUnavailable
from gc3store.ids import Id, IdFactory
from gc3store.registry import _SCHEME_URL, hide_password, make_store
from gc3store.store import RecordStore, Store

if TYPE_CHECKING:
    import sqlalchemy as sa

    from gc3store.sql import SqlStore

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_INTERRUPTED = 130

PROGRAM = "gc3store"
SHORT_REPR_LENGTH = 80
PROGRESS_INTERVAL_S = 0.1
HELP_WIDTH = 79

# the URL syntax of a password; the same as gc3store.sql's, which is not imported so that
# SQLAlchemy stays unloaded for the stores that do not need it
_RELATIVE_SQLITE = re.compile(r"(?P<scheme>sqlite(?:\+\w+)?):///(?P<path>[^/?#][^?#]*)(?P<rest>.*)",
                              re.DOTALL)

Command = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A failure the command reports with a message and ends with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def main(argv: list[str] | None = None) -> int:
    """Run the ``gc3store`` command with `argv` (default: ``sys.argv[1:]``); return its status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help, --version and usage errors
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    run: Command = args.run
    try:
        return run(args)
    except StoreUnavailable as exc:
        return _fail(EXIT_UNAVAILABLE, str(exc))
    except (LoadError, SaveError) as exc:
        return _fail(EXIT_FAILED, str(exc))
    except StoreError as exc:
        return _fail(EXIT_USAGE, str(exc))
    except CommandError as exc:
        return _fail(exc.status, str(exc))
    except KeyboardInterrupt:
        return _fail(EXIT_INTERRUPTED, "interrupted")


def _fail(status: int, message: str) -> int:
    error(message)
    return status


def error(message: str) -> None:
    """Print `message` on stderr as an error, with any password in a URL hidden."""
    print(f"{PROGRAM}: error: {hide_password(message)}", file=sys.stderr, flush=True)


def note(message: str) -> None:
    """Print `message` on stderr as a note, with any password in a URL hidden."""
    print(f"{PROGRAM}: note: {hide_password(message)}", file=sys.stderr, flush=True)


# -- the command line --------------------------------------------------------


EXAMPLES = """\
examples:
  gc3store certify sqlite:////tmp/scratch.db
  gc3store ls file:///var/lib/jobs --long
  gc3store ls 'postgresql://app@dbhost/jobs#table=tasks' --where state=RUNNING
  gc3store show file:///var/lib/jobs Task.17
  gc3store rm file:///var/lib/jobs Task.17 Task.18
  gc3store copy file:///var/lib/jobs 'postgresql://app@dbhost/jobs#table=tasks'

exit status: 0 done; 1 an object could not be found, loaded, removed or copied;
2 usage error or a store that cannot be opened; 3 the storage cannot be reached;
certify exits with pytest's status."""

URI_HELP = ("store URI: file:///dir (or a plain path), sqlite:////file.db, "
            "postgresql://user@host/db#table=NAME, mysql://..., or a registered scheme")


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``gc3store`` command and its subcommands."""
    parser = argparse.ArgumentParser(
        prog=PROGRAM, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description=textwrap.fill("Certify a gc3store/gc3libs.persistence store, and list, "
                                  "show, remove and copy the objects it holds.", HELP_WIDTH))
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_certify(commands)
    _add_ls(commands)
    _add_show(commands)
    _add_rm(commands)
    _add_copy(commands)
    return parser


def _subcommand(commands: Any, name: str, run: Command, summary: str, description: str,
                examples: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=textwrap.fill(description, HELP_WIDTH),
        epilog=f"examples:\n{examples}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(run=run)
    return parser


def _add_certify(commands: Any) -> None:
    parser = _subcommand(
        commands, "certify", run_certify, "certify a store against the contract",
        "Run the certification kit against URI, as 'pytest --store-uri=URI' does, from an "
        "empty temporary directory (so that no conftest.py of yours interferes), and exit "
        "with pytest's status. Options after URI go to pytest; a relative URI path and "
        "--store-report path are taken from the current directory, other relative paths "
        "from the temporary one.",
        "  gc3store certify /tmp/my-store\n"
        "  gc3store certify sqlite:////tmp/scratch.db -q --store-report=/tmp/report.json\n"
        "  gc3store certify myscheme://x -p mypackage.store   # load the module registering "
        "myscheme")
    parser.add_argument("uri", metavar="URI", help=URI_HELP)
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, metavar="PYTEST_OPTION",
                        help="passed to pytest")


def _add_ls(commands: Any) -> None:
    parser = _subcommand(
        commands, "ls", run_ls, "list the IDs a store holds",
        "Print the IDs of the objects URI holds, one a line, in ID order (Task.9 before "
        "Task.10). --long loads each object (its class must be importable) and adds its "
        "class, the size of its record and, for a SQL store, its state and extra columns.",
        "  gc3store ls /var/lib/jobs\n"
        "  gc3store ls sqlite:////var/lib/jobs.db --long\n"
        "  gc3store ls 'mysql://app@dbhost/jobs#table=tasks' --where state=RUNNING "
        "--where jobname=align")
    parser.add_argument("uri", metavar="URI", help=URI_HELP)
    parser.add_argument("-l", "--long", action="store_true",
                        help="also show class, record size, and SQL columns")
    parser.add_argument("--where", action="append", default=[], type=_where_argument,
                        metavar="COLUMN=VALUE",
                        help="SQL stores: only objects whose COLUMN (state or an extra "
                             "column) equals VALUE; may be repeated")


def _add_show(commands: Any) -> None:
    parser = _subcommand(
        commands, "show", run_show, "describe one object",
        "Load the object saved under ID and print its class, its attributes (name, type, "
        "short repr) and the size of its record. Nothing of the object runs but its "
        "unpickling: attributes are read from its __dict__ and slots, and values of classes "
        "other than the built-in ones are shown by their class, never by their repr().",
        "  gc3store show /var/lib/jobs Task.17")
    parser.add_argument("uri", metavar="URI", help=URI_HELP)
    parser.add_argument("id", metavar="ID", help="the ID of the object, such as Task.17")


def _add_rm(commands: Any) -> None:
    parser = _subcommand(
        commands, "rm", run_rm, "remove objects",
        "Remove the objects saved under each ID. An ID the store does not hold is reported "
        "and makes the exit status 1; the other IDs are removed all the same.",
        "  gc3store rm /var/lib/jobs Task.17 Task.18")
    parser.add_argument("uri", metavar="URI", help=URI_HELP)
    parser.add_argument("ids", nargs="+", metavar="ID", help="the IDs to remove")


def _add_copy(commands: Any) -> None:
    parser = _subcommand(
        commands, "copy", run_copy, "copy every object of a store into another",
        "Copy every object SRC holds into DST under the same ID, so references between "
        "objects stay intact. DST should be new or an earlier copy of SRC: IDs DST holds are "
        "skipped, so a copy that was interrupted is resumed by running it again. A progress "
        "counter goes to stderr when it is a terminal; a summary (copied, skipped, failed) "
        "ends the copy.",
        "  gc3store copy /var/lib/jobs sqlite:////var/lib/jobs.db\n"
        "  gc3store copy sqlite:////var/lib/jobs.db 'postgresql://app@dbhost/jobs#table=tasks'"
        " --verbose")
    parser.add_argument("src", metavar="SRC", help="the store to copy from; " + URI_HELP)
    parser.add_argument("dst", metavar="DST", help="the store to copy into (created if missing)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print a line per object copied or skipped on stdout (failures "
                             "always go to stderr), instead of the progress counter")


def _where_argument(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"expected COLUMN=VALUE, such as state=RUNNING, "
                                         f"not {text!r}")
    return name, value


# -- opening stores ----------------------------------------------------------


def open_store(uri: str, **keywords: Any) -> Store:
    """The store `uri` names; a constructor refusing its arguments is a `CommandError`."""
    try:
        return make_store(uri, **keywords)
    except (TypeError, ValueError) as exc:
        raise CommandError(EXIT_USAGE, f"cannot open the store {uri!r}: {exc}") from exc


def shown(store: Store) -> str:
    """How messages name `store`: its ``display_url``, else its URL with the password hidden."""
    display = getattr(store, "display_url", None)
    return display if isinstance(display, str) else hide_password(str(store.url))


def listed_ids(store: Store, **filters: Any) -> list[str]:
    """``store.list(**filters)`` in `Id` order; a store that cannot list or filter is refused."""
    try:
        ids = store.list(**filters)
    except NotImplementedError as exc:
        raise CommandError(EXIT_USAGE, f"{shown(store)} cannot list its objects: {exc}") from exc
    except TypeError as exc:
        raise CommandError(EXIT_USAGE, f"cannot filter {shown(store)}: {exc}") from exc
    return sorted(ids, key=_id_order)


def _id_order(id_: str) -> tuple[int, str, int]:
    try:
        parsed = Id.parse(id_)
    except (TypeError, ValueError):
        return (1, str(id_), 0)
    return (0, parsed.prefix, parsed.seqno)


def record_size(store: Store, id_: str) -> int | None:
    """The size in bytes of the record of `id_`, for stores built on `RecordStore`."""
    if not isinstance(store, RecordStore):
        return None
    # the engine's read primitive: the stored bytes, whatever protocol wrote them
    data = store._read(Id.parse(id_))
    return None if data is None else len(data)


def qualified_name(kind: type) -> str:
    """``module.qualname`` of `kind`, without the module for built-in types."""
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


# -- certify -----------------------------------------------------------------


def run_certify(args: argparse.Namespace) -> int:
    """Run the certification kit on ``args.uri`` in a pytest subprocess; return its status."""
    if importlib.util.find_spec("pytest") is None:
        raise CommandError(EXIT_USAGE, "certify needs the test kit: pip install "
                                       "'gc3store[testkit]'")
    command = [sys.executable, "-m", "pytest", f"--store-uri={anchored_uri(args.uri)}",
               "-p", "no:cacheprovider", *_anchored_report(args.pytest_args)]
    with tempfile.TemporaryDirectory(prefix="gc3store-certify-") as directory:
        return subprocess.run(command, cwd=directory, check=False).returncode


def anchored_uri(uri: str) -> str:
    """`uri` with a relative directory or SQLite path made absolute (pytest runs elsewhere)."""
    if not _SCHEME_URL.match(uri):
        return os.path.abspath(uri)
    relative = _RELATIVE_SQLITE.fullmatch(uri)
    if relative is None or relative["path"] == ":memory:":
        return uri
    return f"{relative['scheme']}:///{os.path.abspath(relative['path'])}{relative['rest']}"


def _anchored_report(pytest_args: Sequence[str]) -> list[str]:
    anchored = list(pytest_args)
    for index, argument in enumerate(anchored):
        if argument.startswith("--store-report="):
            anchored[index] = "--store-report=" + os.path.abspath(argument.partition("=")[2])
        elif argument == "--store-report" and index + 1 < len(anchored):
            anchored[index + 1] = os.path.abspath(anchored[index + 1])
    return anchored


# -- ls ----------------------------------------------------------------------


def run_ls(args: argparse.Namespace) -> int:
    """Print the IDs of ``args.uri`` (with ``--long``, a table describing each object)."""
    store = open_store(args.uri, create=False)
    filters: dict[str, Any] = dict(args.where)
    sql = as_sql_store(store)
    table = None
    if sql is not None and (filters or args.long):
        sql, table = _with_table_columns(sql)
        store = sql
        filters = {name: _filter_value(table, name, value) for name, value in filters.items()}
    ids = listed_ids(store, **filters)
    if not args.long:
        for id_ in ids:
            print(id_)
        return EXIT_OK
    columns: tuple[str, ...] = ()
    values: dict[str, tuple[Any, ...]] = {}
    if sql is not None and table is not None:
        columns = sql.filterable_columns
        values = _column_values(sql, table)
    return _print_long(store, ids, columns, values)


def _print_long(store: Store, ids: list[str], columns: tuple[str, ...],
                values: dict[str, tuple[Any, ...]]) -> int:
    status = EXIT_OK
    rows = [("ID", "CLASS", "SIZE", *(name.upper() for name in columns))]
    for id_ in ids:
        try:
            kind = qualified_name(type(store.load(id_)))
        except LoadError as exc:
            error(str(exc))
            kind, status = "?", EXIT_FAILED
        size = record_size(store, id_)
        cells = values.get(id_, (None,) * len(columns))
        rows.append((id_, kind, "?" if size is None else str(size),
                     *("-" if cell is None else str(cell) for cell in cells)))
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    for row in rows:
        padded = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(padded).rstrip())
    return status


# -- SQL stores: the columns of their tables -----------------------------------


def as_sql_store(store: Store) -> SqlStore | None:
    """`store` if it is a `SqlStore` (whose module, and SQLAlchemy, are then loaded)."""
    if "gc3store.sql" not in sys.modules:
        return None
    from gc3store.sql import SqlStore

    return store if isinstance(store, SqlStore) else None


def _with_table_columns(store: SqlStore) -> tuple[SqlStore, sa.Table]:
    """`store` opened again with its table's extra columns, so that they can be filtered on.

    The accessors of those columns are the application's: this store must never save.
    """
    import sqlalchemy as sa

    from gc3store.sql import _RESERVED_COLUMNS, SqlStore

    try:
        table = sa.Table(store.table_name, sa.MetaData(), autoload_with=store.engine)
    except sa.exc.SQLAlchemyError as exc:
        store.list()  # raises the store's own error: an unreachable server, a missing table
        raise StoreError(f"cannot read the columns of table {store.table_name!r} in "
                         f"{shown(store)}: {exc}") from exc
    extra_fields = {sa.Column(column.name, column.type, nullable=True): _never_saves
                    for column in table.columns if column.name not in _RESERVED_COLUMNS}
    store.close()
    reopened = SqlStore(str(store.url), table_name=store.table_name, extra_fields=extra_fields,
                        create=False)
    return reopened, table


def _never_saves(obj: object) -> NoReturn:
    raise StoreError("the gc3store command opened this store to read it, not to save in it")


def _filter_value(table: sa.Table, name: str, text: str) -> Any:
    """The value of ``--where NAME=TEXT`` as the column's Python type (int, float or str)."""
    if name not in table.columns:
        return text  # SqlStore.list names the columns it can filter on
    try:
        python_type = table.columns[name].type.python_type
    except NotImplementedError:
        return text
    if python_type not in (int, float):
        return text
    try:
        return python_type(text)
    except ValueError:
        raise CommandError(EXIT_USAGE, f"--where {name}={text}: column {name!r} holds "
                                       f"{python_type.__name__} values") from None


def _column_values(store: SqlStore, table: sa.Table) -> dict[str, tuple[Any, ...]]:
    """Per ID, the values of the filterable columns (``state`` and the extra columns)."""
    import sqlalchemy as sa

    columns = [table.columns[name] for name in store.filterable_columns]
    query = (sa.select(table.columns.prefix, table.columns.id, *columns)
             .where(table.columns.data.is_not(None)))
    try:
        with store.engine.connect() as connection:
            rows = connection.execute(query).all()
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"cannot read the columns of table {store.table_name!r} in "
                         f"{shown(store)}: {exc}") from exc
    return {f"{prefix}.{seqno}": tuple(rest) for prefix, seqno, *rest in rows}


# -- show --------------------------------------------------------------------


def run_show(args: argparse.Namespace) -> int:
    """Print the class, attributes and record size of the object ``args.id``."""
    store = open_store(args.uri, create=False)
    obj = store.load(args.id)
    size = record_size(store, args.id)
    print(f"{args.id} in {shown(store)}")
    print(f"class:  {qualified_name(type(obj))}")
    print(f"record: {'?' if size is None else size} bytes")
    attributes = attributes_of(obj)
    if attributes is None:
        print(f"value:  {short_repr(obj)}")
        return EXIT_OK
    print("attributes:" if attributes else "attributes: none")
    rows = [(name, qualified_name(type(value)), short_repr(value))
            for name, value in sorted(attributes.items())]
    widths = [max((len(row[index]) for row in rows), default=0) for index in range(2)]
    for name, kind, text in rows:
        print(f"  {name.ljust(widths[0])}  {kind.ljust(widths[1])}  {text}")
    return EXIT_OK


def attributes_of(obj: object) -> dict[str, Any] | None:
    """The attributes in `obj`'s ``__dict__`` and slots, read without running its code.

    None when `obj` has neither (a ``dict``, an ``int``): it is its value.
    """
    attributes: dict[str, Any] | None = None
    with contextlib.suppress(TypeError):
        attributes = dict(vars(obj))
    for kind in type(obj).__mro__:
        for name, descriptor in _slot_descriptors(kind):
            attributes = {} if attributes is None else attributes
            try:
                attributes[name] = descriptor.__get__(obj, kind)
            except AttributeError:
                continue  # a slot never set
    return attributes


def _slot_descriptors(kind: type) -> Iterable[tuple[str, Any]]:
    slots = kind.__dict__.get("__slots__", ())
    for name in (slots,) if isinstance(slots, str) else slots:
        if name in ("__dict__", "__weakref__"):
            continue
        stored = f"_{kind.__name__.lstrip('_')}{name}" if name.startswith("__") else name
        descriptor = kind.__dict__.get(stored)
        if descriptor is not None:
            yield name, descriptor


_SCALARS = (type(None), bool, int, float, complex)
_TEXTS = (str, bytes, Id)
_SEQUENCES: dict[type, tuple[str, str]] = {
    list: ("[", "]"), tuple: ("(", ")"), set: ("{", "}"), frozenset: ("frozenset({", "})")}
_ITEMS_SHOWN = 6


def short_repr(value: object) -> str:
    """A repr of `value` of at most `SHORT_REPR_LENGTH` characters that runs none of its code.

    Built-in scalars, strings and containers show their contents; an object of any other
    class shows its class, and the ID it carries if it has one: ``<app.Task Task.3>``.
    """
    text = _describe(value, depth=2)
    if len(text) > SHORT_REPR_LENGTH:
        return text[:SHORT_REPR_LENGTH - 3] + "..."
    return text


def _describe(value: object, depth: int) -> str:
    kind = type(value)
    if kind in _SCALARS:
        try:
            return repr(value)
        except ValueError:  # an int too long to print
            assert isinstance(value, int)
            return f"<int of {value.bit_length()} bits>"
    if kind in _TEXTS and isinstance(value, (str, bytes)):
        return repr(value[:SHORT_REPR_LENGTH]) + ("..." if len(value) > SHORT_REPR_LENGTH else "")
    if kind in _SEQUENCES or kind is dict:
        return _describe_container(value, depth)
    carried = _carried_id(value)
    return f"<{qualified_name(kind)}{' ' + carried if carried else ' object'}>"


def _describe_container(value: Any, depth: int) -> str:
    if depth == 0:
        return f"<{type(value).__name__} of {len(value)}>"
    if type(value) is dict:
        items = [f"{_describe(key, depth - 1)}: {_describe(item, depth - 1)}"
                 for key, item in list(value.items())[:_ITEMS_SHOWN]]
        opening, closing = "{", "}"
    else:
        items = [_describe(item, depth - 1) for item in list(value)[:_ITEMS_SHOWN]]
        opening, closing = _SEQUENCES[type(value)]
    if len(value) > _ITEMS_SHOWN:
        items.append(f"... {len(value) - _ITEMS_SHOWN} more")
    trailing = "," if type(value) is tuple and len(value) == 1 else ""
    return f"{opening}{', '.join(items)}{trailing}{closing}"


def _carried_id(value: object) -> str | None:
    try:
        carried = vars(value).get("persistent_id")
    except TypeError:
        return None
    # an exact str: formatting a subclass could run its code
    return carried if type(carried) in (str, Id) else None


# -- rm ----------------------------------------------------------------------


def run_rm(args: argparse.Namespace) -> int:
    """Remove every ID of ``args.ids``; an unknown one is reported and makes the status 1."""
    store = open_store(args.uri, create=False)
    status = EXIT_OK
    for id_ in args.ids:
        try:
            store.remove(id_)
        except LoadError as exc:
            error(str(exc))
            status = EXIT_FAILED
            continue
        print(f"removed {id_}")
    return status


# -- copy --------------------------------------------------------------------


class SourceIds(IdFactory):
    """The idfactory of a copy's DST: it names every new record with the object's SRC ID."""

    def __init__(self) -> None:
        super().__init__(next_id_fn=self._draw_nothing)
        self.copying: tuple[object, Id] | None = None
        """The object being copied, and its SRC ID (set around each save)."""
        self.issued: list[Id] = []
        """The IDs handed out since the copy of the current object began."""

    def begin(self, obj: object, id_: Id) -> None:
        """Name `obj` `id_`: its ID is known from SRC's listing, whatever it carries."""
        self.copying = (obj, id_)
        self.issued.clear()

    def end(self) -> None:
        self.copying = None

    def new(self, obj: object) -> str:
        if self.copying is not None and obj is self.copying[0]:
            id_ = self.copying[1]
        else:
            id_ = self._carried(obj)
        self.issued.append(id_)
        return id_

    @staticmethod
    def _carried(obj: object) -> Id:
        try:
            return Id.parse(getattr(obj, "persistent_id", None))
        except (TypeError, ValueError):
            raise SaveError(f"cannot copy a {qualified_name(type(obj))} reached through a "
                            f"reference: it carries no ID of the source store") from None

    @staticmethod
    def _draw_nothing() -> int:
        raise SaveError("a copy gives every object its ID in the source store, never a new one")


class Progress:
    """A carriage-return counter on `stream`, shown only when `stream` is a terminal."""

    def __init__(self, total: int, stream: IO[str], enabled: bool) -> None:
        self.total = total
        self.stream = stream
        self.enabled = enabled and stream.isatty()
        self._shown_at: float | None = None

    def update(self, done: int) -> None:
        now = time.monotonic()
        if not self.enabled or (self._shown_at is not None and done < self.total
                                and now - self._shown_at < PROGRESS_INTERVAL_S):
            return
        self._shown_at = now
        self.stream.write(f"\rcopying: {done}/{self.total} objects")
        self.stream.flush()

    def clear(self) -> None:
        """Erase the counter, before a message is printed or when the copy ends."""
        if self._shown_at is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown_at = None


class Copy:
    """One run of ``copy SRC DST``: what it did so far, and how to copy one object."""

    def __init__(self, src: Store, dst: Store, ids: SourceIds, verbose: bool) -> None:
        self.src = src
        self.dst = dst
        self.ids = ids
        self.verbose = verbose
        self.copied: set[str] = set()
        self.skipped = 0
        self.failed = 0

    def run(self, src_ids: list[str], present: set[str]) -> None:
        progress = Progress(len(src_ids), sys.stderr, enabled=not self.verbose)
        try:
            for done, id_ in enumerate(src_ids, 1):
                if id_ in present:
                    self.skipped += 1
                    self._say(f"skipped {id_} (already in the destination)")
                elif id_ not in self.copied:
                    self._copy_or_report(id_, progress)
                progress.update(done)
        finally:
            progress.clear()

    def _copy_or_report(self, id_: str, progress: Progress) -> None:
        try:
            created = self.copy(Id.parse(id_))
        except (LoadError, SaveError, ValueError) as exc:
            self.failed += 1
            progress.clear()
            error(f"cannot copy {id_}: {exc}")
            return
        for new in created:
            self.copied.add(new)
            self._say(f"copied {new}")

    def copy(self, id_: Id) -> list[str]:
        """Copy `id_`; return the IDs it created in DST (with the objects saved along)."""
        obj = self.src.load(id_)
        self.ids.begin(obj, id_)
        try:
            saved = self.dst.save(obj)
        finally:
            self.ids.end()
        if saved != id_:
            raise CommandError(EXIT_FAILED, f"{shown(self.dst)} saved {id_} as {saved}: its "
                                            f"store does not honour the idfactory, so the copy "
                                            f"cannot keep IDs, nor the references between "
                                            f"objects")
        return list(dict.fromkeys([str(id_), *self.ids.issued]))

    def _say(self, line: str) -> None:
        if self.verbose:
            print(line, flush=True)

    def summary(self) -> str:
        return (f"copied {len(self.copied)}, skipped {self.skipped} (already copied), "
                f"failed {self.failed}: from {shown(self.src)} to {shown(self.dst)}")


def run_copy(args: argparse.Namespace) -> int:
    """Copy every object of ``args.src`` into ``args.dst``, keeping IDs; see the module doc."""
    src = open_store(args.src, create=False)
    ids = SourceIds()
    dst = open_store(args.dst, idfactory=ids)
    src_ids = listed_ids(src)
    present = set(listed_ids(dst))
    foreign = present.difference(src_ids)
    if foreign:
        note(f"{shown(dst)} holds {len(foreign)} object(s) that {shown(src)} does not, "
             f"such as {min(foreign, key=_id_order)}: the copy adds to them")
    copy = Copy(src, dst, ids, args.verbose)
    try:
        copy.run(src_ids, present)
    finally:
        print(copy.summary(), flush=True)
    return EXIT_FAILED if copy.failed else EXIT_OK
