"""The surviving mutants judged beyond any kit test, each with the reason: reviewable data.

Keyed by mutant ID (``file:line:column:operator``); ``code`` is the source
line the mutant was made on, so that the judgement follows the line when it
moves (see `mutation.judgements`).  ``equivalent``: the mutant behaves as the
original wherever the store is used.  ``unreachable``: it differs only in a
state that no use of the store through its interface can make.  A survivor
not listed here is a gap of the kit (``docs/mutation.md``).
"""

from __future__ import annotations

from mutation.judgements import EQUIVALENT, OPEN, UNREACHABLE, Judgement

__all__ = ["EQUIVALENT", "JUDGEMENTS", "OPEN", "UNREACHABLE"]

SWEEP = (
    "the cache-sweep threshold: it decides only when the entries of dead objects are dropped, "
    "never what a load returns"
)
CLOSED_STORE = (
    "only an IdFactory used after its store was garbage-collected; no Store method can do that"
)
FORK_LIST = (
    "_locked_for_fork is assigned whole at the next fork before any lock is taken; left full, it "
    "only keeps the stores alive until then"
)
UNUSED_RESULT = "no caller reads what _SaveSession.set_attribute returns"
EXISTS_DEFAULT = (
    "RecordStore._exists is a default every reference store overrides (memory, file, SQL): no "
    "store under test runs it"
)
UNANNOUNCED_FORK = (
    "this operation's own check for a fork matters only after a fork nobody announced with "
    "post_fork(); clause 9 requires pre_fork/post_fork around a fork, and noticing an unannounced "
    "one is gc3store's promise beyond the contract"
)
FILTERS = (
    "list() filters are the SQL store's extension: the kit lists without filters, and no clause "
    "says what a store without filters does with one"
)
DAMAGE_UNKNOWN = (
    "the damage hook called with an unknown ID or position: the kit damages only records it "
    "saved, at the three positions it names; the hook's own errors are no clause"
)
DAMAGE_CACHE = (
    "whether the instance that damaged a record keeps its cached object: clause 4 (the same "
    "object while alive) and clause 14 (a damaged record raises) disagree there, and the kit "
    "rightly reads through a new instance"
)
POST_FORK_MASKED = (
    "post_fork's check for the fork is repeated by every operation that touches the storage, so "
    "the first call after post_fork does the same work; invalidate_cache touches nothing"
)
STORAGE_FAILS = (
    "only a storage that fails (a transaction that cannot open or end, a primitive raising a "
    "StoreError, a remove or list that fails); the kit cannot make a backend's storage fail"
)
CACHE_AFTER_SAVE = (
    "whether a load right after save(obj) returns obj itself: clause 4 leaves it open"
)
ID_TAKEN = "only an ID handed out twice, which only a damaged or reset ID counter does"
RECACHE_REMOVED = (
    "after a failed save or batch, whether the cache again maps an ID whose record another "
    "instance removed to its old object: clause 6 lets a cache keep such an object until "
    "invalidate_cache(), and reading the storage (LoadError) is also allowed"
)
NO_CHANGED_FLAG = (
    "a referenced Persistable without any changed attribute (its __init__ never ran "
    "Persistable's): clause 8 says nothing of it"
)
SAME_LOAD_ERROR = (
    "the record fails to load either way, with a LoadError naming its ID; only the message "
    "differs"
)
NO_SWEEP = (
    "without the sweep (or its deletions) the entries of dead objects stay in the cache; a dead "
    "entry reads as not cached, so only memory grows"
)
REFUSED_WRITE_TYPE = (
    "a write the storage refuses still raises, as another exception (a LoadError or SaveError "
    "with another message, or a TypeError); clause 10 asks only that the failed call raise and "
    "change nothing, which holds"
)
MESSAGE = "only the text of an error message"
SELF_CONSISTENT = (
    "the record format's version number: the same code writes and reads it, so every record of a "
    "run reads back"
)
FORGED_RECORD = (
    "only a record forged with a valid CRC-32 (a non-string reference, another format version, "
    "unknown flags); one damaged byte fails the checksum first"
)
OUTSIDE_LOAD = (
    "only a reference unpickled outside a store's load (records.load_reference called directly): "
    "no Store method does that"
)
LEAVE_OUT = (
    "whether the ID attributes are left out of a pickled state: a loaded object gets them set "
    "anyway (_carry_id), so it is the same object; only the record is larger"
)
ZERO_TERM = (
    "HEADER.size + 0 and HEADER.size - 0 are equal: the term is TAG_SIZE only for a store with a "
    "secret"
)
POOL = (
    "the pool of idle picklers: it decides only whether a pickler is made anew or reused, and a "
    "reused one starts with an empty memo"
)
STALE_TAIL = (
    "a reused stream not truncated leaves bytes of an earlier record after the pickle's STOP "
    "opcode, which unpickling never reads (and the checksum covers)"
)
PADDING = (
    "__reduce_ex__'s result padded with five Nones instead of four is cut to the same six items"
)
DAMAGED_START = (
    "a record whose first byte is damaged fails to load either way: the mutant reads it as a "
    "GC3Pie pickle, whose first opcode is then invalid, and raises LoadError naming the ID as the "
    "original does"
)
UNSIGNED = "`signed` is always false without a secret, so the length test is never reached"
OTHER_DAMAGE = (
    "the damage hook damages the record elsewhere or otherwise (another byte, one byte more, the "
    "record cut to one byte): it is damaged all the same and fails to load"
)
EMPTY_RECORD = (
    "only the damage of an empty record, and every record holds at least its 12-byte header"
)
BLOCK_SIZE = (
    "the size of the blocks of numbers an instance reserves: every block is still taken whole "
    "from the shared counter, so numbers stay unique"
)
COUNTER_WIDTH = (
    "the width the counter is written in: it is written and read back with the same width"
)
HUGE_RECORD = "only a record of 2 GiB or more, which one read() cannot return"
URL_KEPT = (
    "store.url of a file store opened by URI: the built URL equals the kit's URI; clause 1 leaves "
    "open what url holds"
)
BLOCK_RESET = (
    "next and end of the reserved block are set equal either way, so the next number reserves a "
    "new block"
)
NO_TMPFILE = (
    "only where the kernel or the file system makes no unnamed files (O_TMPFILE): not on this "
    "host, so no run here can reach it (the other way of writing records is run by the "
    "FALLBACK_WRITES mutants, and certified)"
)
MKDIR_FAILS = "when the directory cannot be made, the check that follows raises a StoreError too"
NO_DIRECTORY = (
    "only a store opened with create=False on a missing directory; the kit opens with the default"
)
SPARSE_IDS = (
    "numbers are still unique, only sparser (a new block for every ID, or one more number "
    "skipped); clause 2 leaves gaps open"
)
CLOEXEC = (
    "only O_CLOEXEC lost: a descriptor inherited by a program another thread executes during the "
    "call, which no Store method shows"
)
FIFO = (
    "only a FIFO, a directory or another non-regular file put in the storage under a record's "
    "name, which no Store method creates"
)
DIR_SYNC_FAILS = "only an fsync of the directory that fails"
RENAME_FAILS = "only a rename of the store's own temporary file over its record that fails"
SYNC_MORE = (
    "the store flushes more (at every write of a batch, not once at its end): slower, never less "
    "durable"
)
SYNC_FAILS = "os.sync() never fails (it returns nothing); only a mocked one could"
FALLBACK_WRITES = (
    "records are written the other way, as named temporary files locked at once (the way without "
    "O_TMPFILE), which keeps every clause too: the kit certifies it"
)
CLOSED_BEFORE_LINK = (
    "the failed write has closed its file, so linking it fails at once and the save raises all "
    "the same"
)
FILE_MODE = "the mode bits a new file is created with: no clause says what they are"
NO_PROC = "only where /proc is not mounted: not on this host"
O_DIRECTORY = (
    "only O_DIRECTORY lost when opening the store's own directory to flush it, which is a "
    "directory"
)
COUNTER_LINK = "only an ID counter replaced by a symbolic link, which no Store method makes"
COUNTER_DAMAGED = (
    "only an ID counter file damaged by hand (not a number, negative, not a regular file), which "
    "no Store method makes"
)
COUNTER_READ = (
    "the counter's digits are read whole either way (one byte less is the line end; from offset "
    "1, a leading blank), until it holds 20 digits"
)
COUNTER_DELETED = (
    "only an ID counter deleted by hand while records remain; a new storage has no records, and "
    "then numbering from the highest (none) is the same"
)
SHORT_WRITE = (
    "only a write() to a regular file that writes part of its buffer (over 2 GiB, or "
    "interrupted), which the kit's records never meet"
)
FIRST_NUMBER = "IDs numbered from 0 instead of 1: still unique; clause 2 leaves the numbering open"
SEQNO_LIMIT = "only a sequence number of 10**18 or more, which no counter reaches"
PREFIX_CACHE = (
    "the set of known prefixes only decides which IDs skip the pattern check; those it holds "
    "passed it"
)
FAST_PATH = (
    "an ID then takes the slow path of Id(), which checks it with the pattern and makes the same "
    "ID"
)
TYPE_ERROR_ANYWAY = (
    "a non-string then fails the pattern match with TypeError, the error the check raises"
)
OWN_NEXT_ID = "only an IdFactory given its own next_id_fn, which the kit's stores never have"

JUDGEMENTS: dict[str, Judgement] = {
    "store.py:31:24:1024->1025": Judgement(EQUIVALENT, "_CACHE_SWEEP_MINIMUM = 1024", SWEEP),
    "store.py:54:13:RaiseToPass": Judgement(
        UNREACHABLE,
        "raise StoreError(\"the store this IdFactory draws its numbers from was"
        " closed\")",
        CLOSED_STORE),
    "store.py:72:5:CallToPass": Judgement(EQUIVALENT, "_locked_for_fork.clear()", FORK_LIST),
    "store.py:78:5:CallToPass": Judgement(EQUIVALENT, "_locked_for_fork.clear()", FORK_LIST),
    "store.py:158:20:False->True": Judgement(EQUIVALENT, "return False", UNUSED_RESULT),
    "store.py:160:16:ReturnNone": Judgement(EQUIVALENT, "return True", UNUSED_RESULT),
    "store.py:160:16:True->False": Judgement(EQUIVALENT, "return True", UNUSED_RESULT),
    "store.py:286:16:ReturnNone": Judgement(
        UNREACHABLE, "return self._read(id_) is not None",
        EXISTS_DEFAULT),
    "store.py:286:32:IsNot->Is": Judgement(
        UNREACHABLE, "return self._read(id_) is not None",
        EXISTS_DEFAULT),
    "store.py:317:13:CallToPass": Judgement(OPEN, "self._check_fork()", UNANNOUNCED_FORK),
    "store.py:323:13:CallToPass": Judgement(OPEN, "self._check_fork()", UNANNOUNCED_FORK),
    "store.py:331:9:CallToPass": Judgement(OPEN, "self._check_filters(filters)", FILTERS),
    "store.py:350:13:CallToPass": Judgement(OPEN, "self._check_fork()", UNANNOUNCED_FORK),
    "store.py:354:21:RaiseToPass": Judgement(OPEN, "raise self._unknown(checked)", DAMAGE_UNKNOWN),
    "store.py:356:13:CallToPass": Judgement(OPEN, "self._cache.pop(checked, None)", DAMAGE_CACHE),
    "store.py:364:13:CallToPass": Judgement(EQUIVALENT, "self._check_fork()", POST_FORK_MASKED),
    "store.py:379:13:CallToPass": Judgement(OPEN, "self._check_fork()", UNANNOUNCED_FORK),
    "store.py:420:13:CallToPass": Judgement(OPEN, "self._check_fork()", UNANNOUNCED_FORK),
    "store.py:429:17:CallToPass": Judgement(UNREACHABLE, "self._undo(session)", STORAGE_FAILS),
    "store.py:430:17:RaiseToPass": Judgement(
        UNREACHABLE, "raise self._storage_error(SaveError, None, exc) from exc",
        STORAGE_FAILS),
    "store.py:448:9:CallToPass": Judgement(OPEN, "self._remember(id_, obj)", CACHE_AFTER_SAVE),
    "store.py:479:13:RaiseToPass": Judgement(UNREACHABLE, "raise self._taken(id_)", ID_TAKEN),
    "store.py:520:17:CallToPass": Judgement(OPEN, "self._remember(id_, obj)", RECACHE_REMOVED),
    "store.py:541:51:True->False": Judgement(
        OPEN, "if id_ is None or getattr(obj, \"changed\", True):",
        NO_CHANGED_FLAG),
    "store.py:559:13:CallToPass": Judgement(
        OPEN, "session.uncached.append((previous, obj))",
        RECACHE_REMOVED),
    "store.py:567:13:CallToPass": Judgement(OPEN, "self._remember(id_, obj)", RECACHE_REMOVED),
    "store.py:579:13:RaiseToPass": Judgement(
        EQUIVALENT, "raise self._unknown(id_)",
        SAME_LOAD_ERROR),
    "store.py:626:29:GtE->Gt": Judgement(
        EQUIVALENT, "if len(self._cache) >= self._cache_sweep_at:",
        SWEEP),
    "store.py:627:13:CallToPass": Judgement(EQUIVALENT, "self._sweep_cache()", NO_SWEEP),
    "store.py:634:13:DelToPass": Judgement(EQUIVALENT, "del cache[id_]", NO_SWEEP),
    "store.py:635:58:2->3": Judgement(
        EQUIVALENT, "self._cache_sweep_at = max(_CACHE_SWEEP_MINIMUM, 2 * len(cache))",
        SWEEP),
    "store.py:647:16:ReturnNone": Judgement(
        UNREACHABLE,
        "return SaveError(f\"ID {str(id_)!r} is already taken in {self.display_"
        "url}: \"",
        ID_TAKEN),
    "store.py:657:13:ReRaiseToPass": Judgement(UNREACHABLE, "raise", STORAGE_FAILS),
    "store.py:659:13:RaiseToPass": Judgement(
        OPEN, "raise self._storage_error(error, id_, exc) from exc",
        REFUSED_WRITE_TYPE),
    "store.py:667:13:ReRaiseToPass": Judgement(UNREACHABLE, "raise", STORAGE_FAILS),
    "store.py:669:13:RaiseToPass": Judgement(
        UNREACHABLE, "raise self._storage_error(error, id_, exc) from exc",
        STORAGE_FAILS),
    "store.py:673:46:IsNot->Is": Judgement(
        EQUIVALENT, "about = f\" (ID {str(id_)!r})\" if id_ is not None else \"\"",
        MESSAGE),
    "store.py:674:16:ReturnNone": Judgement(
        OPEN, "return error(f\"{self.display_url}{about}: {type(exc).__name__}: {exc}\")",
        REFUSED_WRITE_TYPE),
    "records.py:58:18:1->0": Judgement(EQUIVALENT, "FORMAT_VERSION = 1", SELF_CONSISTENT),
    "records.py:92:9:RaiseToPass": Judgement(
        UNREACHABLE, "raise pickle.UnpicklingError(f\"reference {id_!r} is not an object ID\")",
        FORGED_RECORD),
    "records.py:96:9:RaiseToPass": Judgement(
        UNREACHABLE,
        "raise pickle.UnpicklingError(f\"a reference to {id_!r} outside of a gc"
        "3store record \"",
        OUTSIDE_LOAD),
    "records.py:116:16:DelNot": Judgement(EQUIVALENT, "if not self._leaves_out:", LEAVE_OUT),
    "records.py:128:16:False->True": Judgement(EQUIVALENT, "return False", LEAVE_OUT),
    "records.py:130:33:Eq->NotEq": Judgement(
        EQUIVALENT, "if attributes.get(name) == id_:",
        LEAVE_OUT),
    "records.py:131:20:ReturnNone": Judgement(EQUIVALENT, "return True", LEAVE_OUT),
    "records.py:131:20:True->False": Judgement(EQUIVALENT, "return True", LEAVE_OUT),
    "records.py:132:12:False->True": Judgement(EQUIVALENT, "return False", LEAVE_OUT),
    "records.py:137:65:In->NotIn": Judgement(
        EQUIVALENT,
        "if isinstance(obj, (type, types.FunctionType)) or type(obj) in copyreg"
        ".dispatch_table:",
        LEAVE_OUT),
    "records.py:142:22:IsNot->Is": Judgement(
        EQUIVALENT, "if type(reduced) is not tuple or len(reduced) < 3:",
        LEAVE_OUT),
    "records.py:142:51:Lt->LtE": Judgement(
        EQUIVALENT, "if type(reduced) is not tuple or len(reduced) < 3:",
        LEAVE_OUT),
    "records.py:142:53:3->4": Judgement(
        EQUIVALENT, "if type(reduced) is not tuple or len(reduced) < 3:",
        LEAVE_OUT),
    "records.py:145:29:Is->IsNot": Judgement(
        EQUIVALENT,
        "return reduced if state is reduced[2] else (*reduced[:2], state, *redu"
        "ced[3:])",
        LEAVE_OUT),
    "records.py:145:40:2->3": Judgement(
        EQUIVALENT,
        "return reduced if state is reduced[2] else (*reduced[:2], state, *redu"
        "ced[3:])",
        LEAVE_OUT),
    "records.py:150:8:DelNot": Judgement(
        EQUIVALENT,
        "if not bound_to or type(state) is not dict or hasattr(type(obj), \"__se"
        "tstate__\"):",
        LEAVE_OUT),
    "records.py:153:8:DelNot": Judgement(EQUIVALENT, "if not own:", LEAVE_OUT),
    "records.py:157:9:DelToPass": Judgement(EQUIVALENT, "del state[name]", LEAVE_OUT),
    "records.py:183:36:Add->Sub": Judgement(
        EQUIVALENT, "stream.write(bytes(HEADER.size + (TAG_SIZE if secret is not None else 0)))",
        ZERO_TERM),
    "records.py:204:5:CallToPass": Judgement(
        EQUIVALENT, "_give_back_pickler(protocol, stream, pickler)",
        POOL),
    "records.py:212:24:8->9": Judgement(EQUIVALENT, "_IDLE_PICKLERS_LIMIT = 8", POOL),
    "records.py:230:5:CallToPass": Judgement(EQUIVALENT, "stream.truncate()", STALE_TAIL),
    "records.py:232:18:Lt->LtE": Judgement(
        EQUIVALENT, "if len(idle) < _IDLE_PICKLERS_LIMIT:",
        POOL),
    "records.py:233:9:CallToPass": Judgement(EQUIVALENT, "idle.append((stream, pickler))", POOL),
    "records.py:249:85:4->5": Judgement(
        EQUIVALENT,
        "create, args, state, listitems, dictitems, setter = (tuple(reduced) + "
        "(None,) * 4)[:6]",
        PADDING),
    "records.py:250:15:Is->IsNot": Judgement(EQUIVALENT, "if setter is None:", LEAVE_OUT),
    "records.py:284:9:CallToPass": Judgement(UNREACHABLE, "_resolving.reset(token)", OUTSIDE_LOAD),
    "records.py:303:14:1->0": Judgement(
        EQUIVALENT, "if data[:1] != _LEGACY_PICKLE_START:",
        DAMAGED_START),
    "records.py:303:17:NotEq->Eq": Judgement(
        EQUIVALENT, "if data[:1] != _LEGACY_PICKLE_START:",
        DAMAGED_START),
    "records.py:304:9:RaiseToPass": Judgement(
        EQUIVALENT,
        "raise CorruptRecord(\"the data is neither a gc3store record nor a GC3Pi"
        "e pickle\")",
        DAMAGED_START),
    "records.py:325:18:Lt->LtE": Judgement(
        EQUIVALENT, "if len(view) < HEADER.size:",
        SAME_LOAD_ERROR),
    "records.py:326:9:RaiseToPass": Judgement(
        EQUIVALENT,
        "raise CorruptRecord(f\"the record is {len(view)} bytes long, shorter th"
        "an its header\")",
        SAME_LOAD_ERROR),
    "records.py:329:9:RaiseToPass": Judgement(
        UNREACHABLE, "raise CorruptRecord(f\"unknown record format version {version} \"",
        FORGED_RECORD),
    "records.py:335:9:RaiseToPass": Judgement(
        UNREACHABLE, "raise CorruptRecord(f\"unknown record flags {flags:#04x}\")",
        FORGED_RECORD),
    "records.py:337:29:Lt->LtE": Judgement(
        EQUIVALENT, "if signed and len(body) < TAG_SIZE:",
        UNSIGNED),
    "records.py:387:9:RaiseToPass": Judgement(
        OPEN, "raise ValueError(f\"where is one of {DAMAGE_POSITIONS}, not {where!r}\")",
        DAMAGE_UNKNOWN),
    "records.py:388:8:DelNot": Judgement(EQUIVALENT, "if not data:", OTHER_DAMAGE),
    "records.py:389:16:ReturnNone": Judgement(UNREACHABLE, "return b\"\\xff\"", EMPTY_RECORD),
    "records.py:390:23:0->1": Judgement(
        EQUIVALENT,
        "index = {\"start\": 0, \"middle\": len(data) // 2, \"end\": len(data) - 1}[w"
        "here]",
        OTHER_DAMAGE),
    "records.py:390:49:2->3": Judgement(
        EQUIVALENT,
        "index = {\"start\": 0, \"middle\": len(data) // 2, \"end\": len(data) - 1}[w"
        "here]",
        OTHER_DAMAGE),
    "records.py:391:69:Add->Sub": Judgement(
        EQUIVALENT, "return data[:index] + bytes((data[index] ^ 0xFF,)) + data[index + 1:]",
        OTHER_DAMAGE),
    "records.py:391:71:1->0": Judgement(
        EQUIVALENT, "return data[:index] + bytes((data[index] ^ 0xFF,)) + data[index + 1:]",
        OTHER_DAMAGE),
    "filesystem.py:21:18:64->65": Judgement(EQUIVALENT, "SEQUENCE_BLOCK = 64", BLOCK_SIZE),
    "filesystem.py:22:19:20->21": Judgement(EQUIVALENT, "_SEQUENCE_WIDTH = 20", COUNTER_WIDTH),
    "filesystem.py:35:17:2147479552->2147479553": Judgement(
        UNREACHABLE,
        "_LARGEST_READ = 0x7FFFF000  # the most one read() returns on Linux; a"
        " larger record takes more",
        HUGE_RECORD),
    "filesystem.py:84:30:Or->And": Judgement(
        OPEN,
        "super().__init__(url or f\"file://{quote(path)}\", idfactory=idfactory, protoc"
        "ol=protocol,",
        URL_KEPT),
    "filesystem.py:92:46:0->1": Judgement(
        EQUIVALENT, "self._block_next = self._block_end = 0",
        BLOCK_RESET),
    "filesystem.py:94:82:False->True": Judgement(
        UNREACHABLE,
        "self._unnamed_files: bool | None = None if hasattr(os, \"O_TMPFILE\") e"
        "lse False",
        NO_TMPFILE),
    "filesystem.py:123:17:RaiseToPass": Judgement(
        EQUIVALENT, "raise StoreError(f\"cannot create the store directory {self.directory!r}: \"",
        MKDIR_FAILS),
    "filesystem.py:126:13:RaiseToPass": Judgement(
        UNREACHABLE, "raise StoreError(f\"the store directory {self.directory!r} does not exist \"",
        NO_DIRECTORY),
    "filesystem.py:134:48:Add->Sub": Judgement(
        EQUIVALENT, "self._block_end = self._block_next + SEQUENCE_BLOCK",
        SPARSE_IDS),
    "filesystem.py:143:44:BitOr->BitAnd": Judgement(
        UNREACHABLE, "fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)",
        CLOEXEC),
    "filesystem.py:143:59:BitOr->BitAnd": Judgement(
        UNREACHABLE, "fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)",
        FIFO),
    "filesystem.py:160:17:CallToPass": Judgement(
        UNREACHABLE, "os.link(temporary, self._path(id_))",
        NO_TMPFILE),
    "filesystem.py:162:20:False->True": Judgement(UNREACHABLE, "return False", ID_TAKEN),
    "filesystem.py:165:17:CallToPass": Judgement(UNREACHABLE, "os.unlink(temporary)", NO_TMPFILE),
    "filesystem.py:172:17:CallToPass": Judgement(
        UNREACHABLE, "os.unlink(self._path(id_))",
        DIR_SYNC_FAILS),
    "filesystem.py:173:13:ReRaiseToPass": Judgement(UNREACHABLE, "raise", DIR_SYNC_FAILS),
    "filesystem.py:189:21:CallToPass": Judgement(UNREACHABLE, "os.unlink(temporary)", RENAME_FAILS),
    "filesystem.py:190:21:ReRaiseToPass": Judgement(UNREACHABLE, "raise", RENAME_FAILS),
    "filesystem.py:221:31:True->False": Judgement(
        EQUIVALENT, "self._sync_deferred = True",
        SYNC_MORE),
    "filesystem.py:230:21:RaiseToPass": Judgement(
        UNREACHABLE, "raise SaveError(f\"cannot flush the batch written to {self.display_url} \"",
        SYNC_FAILS),
    "filesystem.py:235:46:0->1": Judgement(
        EQUIVALENT, "self._block_next = self._block_end = 0",
        BLOCK_RESET),
    "filesystem.py:250:58:IsNot->Is": Judgement(
        EQUIVALENT, "fd = self._open_unnamed() if self._unnamed_files is not False else None",
        FALLBACK_WRITES),
    "filesystem.py:250:65:False->True": Judgement(
        EQUIVALENT, "fd = self._open_unnamed() if self._unnamed_files is not False else None",
        FALLBACK_WRITES),
    "filesystem.py:256:44:BitOr->BitAnd": Judgement(
        UNREACHABLE,
        "fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXE"
        "C, 0o666)",
        NO_TMPFILE),
    "filesystem.py:256:57:BitOr->BitAnd": Judgement(
        UNREACHABLE,
        "fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXE"
        "C, 0o666)",
        NO_TMPFILE),
    "filesystem.py:256:69:BitOr->BitAnd": Judgement(
        UNREACHABLE,
        "fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXE"
        "C, 0o666)",
        NO_TMPFILE),
    "filesystem.py:256:85:438->439": Judgement(
        UNREACHABLE,
        "fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXE"
        "C, 0o666)",
        NO_TMPFILE),
    "filesystem.py:260:29:And->Or": Judgement(
        EQUIVALENT, "if self.durable and not self._sync_deferred:",
        SYNC_MORE),
    "filesystem.py:264:17:CallToPass": Judgement(UNREACHABLE, "os.unlink(path)", NO_TMPFILE),
    "filesystem.py:266:13:ReRaiseToPass": Judgement(EQUIVALENT, "raise", CLOSED_BEFORE_LINK),
    "filesystem.py:273:69:BitOr->BitAnd": Judgement(
        EQUIVALENT,
        "fd = os.open(self.directory, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC"
        ", 0o666)",
        FALLBACK_WRITES),
    "filesystem.py:273:85:438->439": Judgement(
        EQUIVALENT,
        "fd = os.open(self.directory, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC"
        ", 0o666)",
        FILE_MODE),
    "filesystem.py:275:26:NotIn->In": Judgement(
        UNREACHABLE, "if exc.errno not in _NO_UNNAMED_FILES:",
        NO_TMPFILE),
    "filesystem.py:276:17:ReRaiseToPass": Judgement(UNREACHABLE, "raise", NO_TMPFILE),
    "filesystem.py:277:35:False->True": Judgement(
        UNREACHABLE, "self._unnamed_files = False",
        NO_TMPFILE),
    "filesystem.py:279:32:Is->IsNot": Judgement(
        UNREACHABLE, "if self._unnamed_files is None:",
        NO_PROC),
    "filesystem.py:282:16:DelNot": Judgement(
        EQUIVALENT, "if not self._unnamed_files:",
        FALLBACK_WRITES),
    "filesystem.py:283:17:CallToPass": Judgement(UNREACHABLE, "os.close(fd)", NO_PROC),
    "filesystem.py:285:16:ReturnNone": Judgement(EQUIVALENT, "return fd", FALLBACK_WRITES),
    "filesystem.py:297:48:BitOr->BitAnd": Judgement(
        UNREACHABLE, "fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)",
        CLOEXEC),
    "filesystem.py:297:63:BitOr->BitAnd": Judgement(
        UNREACHABLE, "fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)",
        FIFO),
    "filesystem.py:320:29:Or->And": Judgement(
        EQUIVALENT, "if not self.durable or self._sync_deferred:",
        SYNC_MORE),
    "filesystem.py:322:50:BitOr->BitAnd": Judgement(
        EQUIVALENT, "fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)",
        O_DIRECTORY),
    "filesystem.py:322:67:BitOr->BitAnd": Judgement(
        UNREACHABLE, "fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)",
        CLOEXEC),
    "filesystem.py:333:64:BitOr->BitAnd": Judgement(
        UNREACHABLE, "os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)",
        COUNTER_LINK),
    "filesystem.py:333:81:438->439": Judgement(
        EQUIVALENT, "os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)",
        FILE_MODE),
    "filesystem.py:335:26:NotEq->Eq": Judgement(
        UNREACHABLE, "if exc.errno != errno.ELOOP:",
        COUNTER_LINK),
    "filesystem.py:336:17:ReRaiseToPass": Judgement(UNREACHABLE, "raise", COUNTER_LINK),
    "filesystem.py:337:13:RaiseToPass": Judgement(
        UNREACHABLE,
        "raise StoreError(f\"the ID counter {self._sequence_path!r} of {self.di"
        "splay_url} is a \"",
        COUNTER_LINK),
    "filesystem.py:343:17:RaiseToPass": Judgement(
        UNREACHABLE,
        "raise StoreError(f\"the ID counter {self._sequence_path!r} of {self.di"
        "splay_url} \"",
        COUNTER_DAMAGED),
    "filesystem.py:346:51:1->0": Judgement(
        EQUIVALENT, "text = os.pread(fd, _SEQUENCE_WIDTH + 1, 0)",
        COUNTER_READ),
    "filesystem.py:346:54:0->1": Judgement(
        EQUIVALENT, "text = os.pread(fd, _SEQUENCE_WIDTH + 1, 0)",
        COUNTER_READ),
    "filesystem.py:347:85:1->0": Judgement(
        UNREACHABLE, "start = self._parse_sequence(text) if text else self._highest_seqno() + 1",
        COUNTER_DELETED),
    "filesystem.py:362:23:1->0": Judgement(UNREACHABLE, "number = -1", COUNTER_DAMAGED),
    "filesystem.py:363:19:Lt->LtE": Judgement(UNREACHABLE, "if number < 0:", COUNTER_DAMAGED),
    "filesystem.py:363:21:0->1": Judgement(UNREACHABLE, "if number < 0:", COUNTER_DAMAGED),
    "filesystem.py:364:13:RaiseToPass": Judgement(
        UNREACHABLE, "raise StoreError(f\"the ID counter {self._sequence_path!r} is damaged \"",
        COUNTER_DAMAGED),
    "filesystem.py:370:64:0->1": Judgement(
        EQUIVALENT, "return max((id_.seqno for id_ in self._ids()), default=0)",
        SPARSE_IDS),
    "filesystem.py:383:9:RaiseToPass": Judgement(
        UNREACHABLE, "raise OSError(errno.EINVAL, \"not a regular file, as a record is\", path)",
        FIFO),
    "filesystem.py:385:13:Lt->LtE": Judgement(UNREACHABLE, "if size < _LARGEST_READ:", HUGE_RECORD),
    "filesystem.py:387:33:False->True": Judgement(
        UNREACHABLE, "with open(fd, \"rb\", closefd=False) as stream:",
        HUGE_RECORD),
    "filesystem.py:388:16:ReturnNone": Judgement(UNREACHABLE, "return stream.read()", HUGE_RECORD),
    "filesystem.py:396:21:AddAssign->SubAssign": Judgement(
        UNREACHABLE, "written += os.write(fd, view[written:])",
        SHORT_WRITE),
    "memory.py:21:41:1->0": Judgement(
        EQUIVALENT, "self.sequence = itertools.count(1)",
        FIRST_NUMBER),
    "ids.py:13:16:10->11": Judgement(UNREACHABLE, "_SEQNO_LIMIT = 10**18", SEQNO_LIMIT),
    "ids.py:13:20:18->19": Judgement(UNREACHABLE, "_SEQNO_LIMIT = 10**18", SEQNO_LIMIT),
    "ids.py:14:25:10000->10001": Judgement(
        EQUIVALENT, "_KNOWN_PREFIXES_LIMIT = 10_000",
        PREFIX_CACHE),
    "ids.py:34:25:Is->IsNot": Judgement(
        EQUIVALENT,
        "if type(prefix) is str and prefix in _known_prefixes and type(seqno) i"
        "s int \\",
        FAST_PATH),
    "ids.py:34:78:Is->IsNot": Judgement(
        EQUIVALENT,
        "if type(prefix) is str and prefix in _known_prefixes and type(seqno) i"
        "s int \\",
        FAST_PATH),
    "ids.py:35:21:0->1": Judgement(EQUIVALENT, "and 0 <= seqno < _SEQNO_LIMIT:", FAST_PATH),
    "ids.py:35:23:LtE->Lt": Judgement(EQUIVALENT, "and 0 <= seqno < _SEQNO_LIMIT:", FAST_PATH),
    "ids.py:35:32:Lt->LtE": Judgement(UNREACHABLE, "and 0 <= seqno < _SEQNO_LIMIT:", SEQNO_LIMIT),
    "ids.py:41:25:Is->IsNot": Judgement(
        EQUIVALENT, "if type(prefix) is str and len(_known_prefixes) < _KNOWN_PREFIXES_LIMIT:",
        PREFIX_CACHE),
    "ids.py:41:32:And->Or": Judgement(
        EQUIVALENT, "if type(prefix) is str and len(_known_prefixes) < _KNOWN_PREFIXES_LIMIT:",
        PREFIX_CACHE),
    "ids.py:41:57:Lt->LtE": Judgement(
        EQUIVALENT, "if type(prefix) is str and len(_known_prefixes) < _KNOWN_PREFIXES_LIMIT:",
        PREFIX_CACHE),
    "ids.py:42:13:CallToPass": Judgement(EQUIVALENT, "_known_prefixes.add(prefix)", PREFIX_CACHE),
    "ids.py:63:13:RaiseToPass": Judgement(
        EQUIVALENT, "raise TypeError(f\"an object ID is a string of the form {ID_FORM}, \"",
        TYPE_ERROR_ANYWAY),
    "ids.py:116:20:ReturnNone": Judgement(UNREACHABLE, "return self", OWN_NEXT_ID),
}

