# -*- coding: utf-8 -*-
# ansible-otel-sidecar: Ansible callback shim.
#
# Forwards every callback event ansible-core emits, as NDJSON frames (see
# docs/protocol.md), to a sidecar process over a Unix domain socket or a WebSocket.
# The sidecar turns the frames into OpenTelemetry traces.
#
# Design rules: standard library only (the file is installed by copying it
# onto a controller), never block and never break the playbook, never leak
# secrets (no_log results, task arguments of no_log tasks, URL credentials, vault plaintexts):
# every rule about a secret is in one section, "Secrets", which says what it guarantees.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: otel_sidecar
type: notification
short_description: Stream playbook events to the ansible-otel sidecar for OpenTelemetry tracing
description:
  - Forwards every event of an C(ansible-playbook) run (plays, tasks, per-host results, loop items,
    retries, async polls, handler notifications, includes, stats) as newline-delimited JSON frames
    to a sidecar process listening on a Unix domain socket (or a WebSocket, for a sidecar in another
    container or pod). The sidecar builds OpenTelemetry
    traces from them and exports them.
  - The plugin never blocks the playbook. Frames are queued in memory and written by a background
    thread, which first appends them to a per-run spool file and then sends them to the sidecar.
    If the sidecar cannot be reached, dies or stops reading, a single warning names the spool file
    and the playbook goes on; the plugin reconnects in the background and sends the run on from the
    spool file (a sidecar in another pod included), a running C(ansible-otel serve) that sees the
    file replays it later (or run C(ansible-otel replay FILE)), and the next run sends the runs
    earlier ones left. The spool file is deleted at exit once the sidecar acks that the
    run is exported (with an older sidecar that never acks, once every frame reached it).
    With C(overflow=drop) there is no spool file and undelivered frames are counted as dropped.
  - Results of C(no_log) tasks and items are never sent, C(no_log) tasks never send their
    arguments, and C(user:password@) credentials are removed from URLs in every frame.
  - Vault values are sent as C(<vaulted>), never decrypted. The plaintexts of the individually
    vaulted values the plugin can reach (play vars, vars files, extra vars, inventory and
    host_vars/group_vars, task arguments) are replaced by C(***) wherever a result shows them;
    plaintexts shorter than 6 characters are not.
  - The plugin needs the sidecar to be running; it does not export traces by itself.
  - It can also be the stdout callback (C(ANSIBLE_STDOUT_CALLBACK=otel_sidecar), or
    C(stdout_callback = otel_sidecar) in ansible.cfg, as C(ansible-otel run --format table|json|summary)
    sets it). It then prints no task output of its own, only the warnings and deprecations that
    module results carry, and the sidecar formats the run instead. Prompts, warnings and errors that
    ansible-core prints itself still appear.
author:
  - ansible-otel-sidecar contributors
requirements:
  - A running ansible-otel sidecar listening on the configured Unix socket or WebSocket URL.
  - Python standard library only on the controller.
options:
  socket:
    description:
      - Path of the Unix domain socket the sidecar listens on, or the C(ws://host:port) URL of a sidecar
        started with C(ansible-otel serve --ws-port PORT) (another container or pod). A URL without a
        path means C(/frames). Use C(wss://host:port) for a sidecar started with C(--ws-tls-cert); the
        server certificate and its name are verified (system CAs, or C(tls_ca_file)).
      - When empty, C($XDG_RUNTIME_DIR/ansible-otel/sidecar.sock) is used if C(XDG_RUNTIME_DIR) is set,
        else C(~/.cache/ansible-otel/sidecar.sock).
    type: str
    default: ''
    env:
      - name: ANSIBLE_OTEL_SOCKET
    ini:
      - section: callback_otel_sidecar
        key: socket
  token:
    description:
      - Bearer token sent when connecting to a WebSocket sidecar (the C(Authorization) header of the
        upgrade request); the sidecar's C(--ws-token) or C(ANSIBLE_OTEL_TOKEN). Never sent in a frame.
      - Sent only over C(wss://) or to a loopback address. With C(ws://) to any other host the shim
        does not connect (one warning) and the run goes to the spool file.
      - Not used with a Unix socket (its file mode guards it).
    type: str
    default: ''
    env:
      - name: ANSIBLE_OTEL_TOKEN
    ini:
      - section: callback_otel_sidecar
        key: token
  tls_ca_file:
    description:
      - PEM file of the CA certificates that verify a C(wss://) sidecar's certificate, instead of the
        system's. The certificate must also name the host of the C(socket) URL.
    type: path
    env:
      - name: ANSIBLE_OTEL_TLS_CA_FILE
    ini:
      - section: callback_otel_sidecar
        key: tls_ca_file
  tls_client_cert:
    description:
      - PEM client certificate presented to a C(wss://) sidecar that requires one
        (C(ansible-otel serve --ws-tls-client-ca)). The key is in C(tls_client_key), or in this file.
    type: path
    env:
      - name: ANSIBLE_OTEL_TLS_CLIENT_CERT
    ini:
      - section: callback_otel_sidecar
        key: tls_client_cert
  tls_client_key:
    description:
      - PEM private key of C(tls_client_cert), unencrypted.
    type: path
    env:
      - name: ANSIBLE_OTEL_TLS_CLIENT_KEY
    ini:
      - section: callback_otel_sidecar
        key: tls_client_key
  hide_task_arguments:
    description:
      - Do not send task arguments at all.
    type: bool
    default: false
    env:
      - name: ANSIBLE_OTEL_HIDE_TASK_ARGUMENTS
    ini:
      - section: callback_otel_sidecar
        key: hide_task_arguments
  redact_arg_names:
    description:
      - Task arguments whose name has one of these words as a part (split at C(_), C(-) and C(.),
        case-insensitive) are sent as C(<redacted>), e.g. C(password), C(api_key), C(private_key).
      - An empty list turns name-based redaction off.
    type: list
    elements: str
    default: [password, passwd, pass, passphrase, secret, token, key, credential, credentials, auth, apikey]
    env:
      - name: ANSIBLE_OTEL_REDACT_ARG_NAMES
    ini:
      - section: callback_otel_sidecar
        key: redact_arg_names
  redact_value_patterns:
    description:
      - Regular expressions (Python C(re) syntax); every match anywhere in a frame (arguments, messages,
        stdout, stderr, item labels) is replaced by C(<redacted>). Matched against the frame's JSON text,
        so a newline inside a value is the two characters C(\n).
      - Ansible splits list options at commas, so a pattern cannot contain one (write C(x{8,}) as C(x{8}x*)).
      - The default catches PEM private keys, AWS access key ids, bearer tokens and GitHub tokens.
    type: list
    elements: str
    default:
      - '-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----'
      - '\bAKIA[0-9A-Z]{16}\b'
      - '(?i)\bbearer\s+[A-Za-z0-9._~+/-]{8}[A-Za-z0-9._~+/-]*=*'
      - '\bgh[pousr]_[A-Za-z0-9]{20}[A-Za-z0-9]*\b'
    env:
      - name: ANSIBLE_OTEL_REDACT_VALUE_PATTERNS
    ini:
      - section: callback_otel_sidecar
        key: redact_value_patterns
  max_result_bytes:
    description:
      - Longest string (in UTF-8 bytes) sent for one value of a task argument or result field.
        Longer strings are cut and end in C(…[truncated N bytes]).
      - 0 or a negative number disables truncation.
    type: int
    default: 4096
    env:
      - name: ANSIBLE_OTEL_MAX_RESULT_BYTES
    ini:
      - section: callback_otel_sidecar
        key: max_result_bytes
  include_facts:
    description:
      - Send the C(ansible_facts) returned by tasks (for example fact gathering or C(set_fact)).
    type: bool
    default: false
    env:
      - name: ANSIBLE_OTEL_INCLUDE_FACTS
    ini:
      - section: callback_otel_sidecar
        key: include_facts
  queue_size:
    description:
      - Most frames held in memory while waiting to be written to the sidecar.
        When the queue is full, new frames are dropped and counted (one warning is shown).
    type: int
    default: 10000
    env:
      - name: ANSIBLE_OTEL_QUEUE_SIZE
    ini:
      - section: callback_otel_sidecar
        key: queue_size
  drain_timeout:
    description:
      - Seconds to wait, when C(ansible-playbook) exits, for the queued frames to be written to the sidecar
        and for its ack (the run is exported, the spool file can go); without a connection then, to
        reconnect once more and send what the sidecar lacks.
    type: float
    default: 2.0
    env:
      - name: ANSIBLE_OTEL_DRAIN_TIMEOUT
    ini:
      - section: callback_otel_sidecar
        key: drain_timeout
  spool_dir:
    description:
      - Directory of the spool files (one C(<run>-<pid>.ndjson) file per run, mode 0600), created
        with mode 0700 when missing.
      - When empty, C($XDG_CACHE_HOME/ansible-otel/spool) is used if C(XDG_CACHE_HOME) is set,
        else C(~/.cache/ansible-otel/spool).
    type: str
    default: ''
    env:
      - name: ANSIBLE_OTEL_SPOOL_DIR
    ini:
      - section: callback_otel_sidecar
        key: spool_dir
  spool_max_mb:
    description:
      - Most MiB all spool files in C(spool_dir) may take together. At the start of each run, when they
        take more, the oldest files of runs no sidecar took are deleted (never one whose
        C(ansible-playbook) still runs, or that a sidecar is replaying), with one warning; the next
        sidecar the shim reaches is told how many runs that cost.
      - 0 turns the size cap off.
    type: int
    default: 1024
    env:
      - name: ANSIBLE_OTEL_SPOOL_MAX_MB
    ini:
      - section: callback_otel_sidecar
        key: spool_max_mb
  spool_max_age_days:
    description:
      - Spool files not written for this many days are deleted at the start of a run, as for
        C(spool_max_mb). Keep it shorter than the sidecar's C(--ledger-retention) (14 days by default),
        so that a replayed run is still filtered by the sidecar's ledger.
      - 0 turns the age cap off.
    type: float
    default: 7
    env:
      - name: ANSIBLE_OTEL_SPOOL_MAX_AGE_DAYS
    ini:
      - section: callback_otel_sidecar
        key: spool_max_age_days
  overflow:
    description:
      - What happens to frames the sidecar does not get (absent, dead, or not reading).
      - C(spool) keeps a write-ahead copy of the whole run in a spool file under C(spool_dir); the
        file is deleted at exit when every frame reached the sidecar, else kept for replay.
      - C(drop) writes no file; undeliverable frames are dropped, counted, and reported at the end.
      - Either way, frames that do not fit in the memory queue (C(queue_size)) are dropped and counted.
    type: str
    default: spool
    choices: [spool, drop]
    env:
      - name: ANSIBLE_OTEL_OVERFLOW
    ini:
      - section: callback_otel_sidecar
        key: overflow
  host_spans:
    description:
      - Which host spans the sidecar gives each task of this run; it wins over the sidecar's
        C(--host-spans), so one C(ansible-otel serve) honours each run's choice.
      - C(all) every host result; C(problems) only failed, unreachable, changed, rescued and ignored
        hosts and the 5 slowest of each task; C(none) no host spans; C(auto:N) C(all) for a play (or
        C(serial) batch) of up to N hosts, C(problems) above. Every task span still carries the
        counts by status and the duration percentiles of all its hosts.
      - Empty leaves the choice to the sidecar. Any other value is ignored with a warning.
    type: str
    default: ''
    env:
      - name: ANSIBLE_OTEL_HOST_SPANS
    ini:
      - section: callback_otel_sidecar
        key: host_spans
  send_timeout:
    description:
      - Seconds one write to the sidecar socket may take. When it does not complete in time (the
        sidecar stopped reading), the connection is given up for the rest of the run and the frames
        go to the spool file only (dropped with C(overflow=drop)).
      - Must be greater than 0.
    type: float
    default: 5.0
    env:
      - name: ANSIBLE_OTEL_SEND_TIMEOUT
    ini:
      - section: callback_otel_sidecar
        key: send_timeout
"""

import atexit
import collections
import collections.abc
import functools
import getpass
import json
import os
import platform
import random
import re
import select
import socket
import sys
import threading
import time
import uuid
import weakref

from ansible import constants as C
from ansible import context
from ansible.plugins.callback import CallbackBase

try:
    from ansible.release import __version__ as _ANSIBLE_VERSION
except Exception:  # pragma: no cover - very old or unusual installs
    _ANSIBLE_VERSION = None
_CORE = tuple(int(n) for n in re.findall(r'\d+', _ANSIBLE_VERSION or '')[:2])

# A retry's result carries the attempt that just failed its `until` on 2.14 and 2.19; from 2.22 on
# the attempt about to run (task_executor sets attempts = attempt + 1 before v2_runner_retry;
# 2.20 and 2.21 were not checked). The frame's `attempt` keeps the first meaning on every version
# (docs/compatibility.md, difference 11).
_RETRY_ATTEMPT_AHEAD = _CORE >= (2, 22)

try:
    from ansible.playbook.block import Block as _Block
except Exception:  # pragma: no cover
    _Block = None
try:
    from ansible.playbook.task_include import TaskInclude as _TaskInclude
except Exception:  # pragma: no cover
    _TaskInclude = None
try:
    from ansible.playbook.role_include import IncludeRole as _IncludeRole
except Exception:  # pragma: no cover
    _IncludeRole = None
try:
    from ansible.playbook.handler import Handler as _Handler
except Exception:  # pragma: no cover
    _Handler = None

SHIM_VERSION = '0.1.0'
PROTOCOL_VERSION = 1

# Keys of a module result that are forwarded (docs/protocol.md, "res").
_RES_KEYS = ('msg', 'rc', 'stdout', 'stderr', 'exception', 'skip_reason', 'reason', 'changed', 'failed',
             'attempts', 'retries', 'ansible_job_id', 'finished', 'warnings', 'deprecations', 'module_stderr')
_RES_KEYSET = frozenset(_RES_KEYS)

# ============================================================================================
# Secrets: what never leaves this process. Everything the shim does to keep a secret out of a
# frame, a spool file or a warning is in this section, in this order; the callback and the
# writer apply it at the places named in brackets, and nothing else decides about a secret.
#
#  1. no_log is absolute: a result ansible censored, or of a no_log task or item, is sent as
#     CENSORED (its item label as CENSORED_LABEL), a no_log task sends no arguments, and a no_log
#     still a template counts as true. [CallbackModule._res, _label, _args, _task_start]
#  2. Task arguments named like a secret (a part of the name in redact_arg_names) are sent as
#     <redacted>, none at all with hide_task_arguments; the -e/--extra-vars values of the command
#     line are <redacted> in `hello`. [CallbackModule._args, _send_hello]
#  3. Every frame's JSON text, before it is queued: the user:password@ of every URL removed, and
#     every match of redact_value_patterns replaced by <redacted>. [CallbackModule._emit]
#  4. A vault value is never decrypted into a frame: it is sent as <vaulted> (the JSON encoder and
#     the clippers never call str() on one). The plaintexts of those the shim can reach are
#     registered once per play and per task and replaced by *** in every frame the writer thread
#     writes after that. [CallbackModule._collect_secrets, FrameWriter._write]
#  5. The token crosses a network only inside TLS (wss://), or goes to a loopback address; it is
#     sent in the WebSocket upgrade only, never in a frame or a warning. wss:// verifies the
#     sidecar's certificate and its name. [WebSocketConnection.connect]
#  6. A spool file (it holds what the frames hold) is the user's alone. [FrameWriter._spool_ready]
#
# The per-event cost stays small: 1 and 2 are a few lookups, 3 is one '@' test and one search of
# one regex of literal hints on nearly every frame, and 4's masking runs on the writer thread.

# -- 1. no_log ---------------------------------------------------------------------------------

CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
CENSORED_LABEL = '(censored due to no_log)'


def _truthy_no_log(value):
    # A templated (not yet evaluated) no_log counts as true: never risk sending args.
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return value.strip().lower() not in ('', 'false', 'no', 'off', '0', 'n', 'f')
    return bool(value)


def _no_log_of(r, task):
    """Whether a result (its data ``r``, its ``task``) is no_log: censored, or said so either way."""
    if 'censored' in r or r.get('_ansible_no_log'):
        return True
    return task is not None and _truthy_no_log(getattr(task, 'no_log', None))


# -- 2. Task arguments, and the command line ---------------------------------------------------

REDACTED = '<redacted>'
_NAME_PARTS = re.compile(r'[_.\-]+')


def _secret_name(name, words):
    """True when a part of the argument name (api_key -> api, key) is one of the secret words."""
    if not isinstance(name, str):
        return False
    lowered = name.lower()
    return lowered in words or any(part in words for part in _NAME_PARTS.split(lowered))


def redact_args(args, words, clip):
    """A task's arguments as sent: ansible's own ``_ansible_*`` keys left out, those whose name has
    one of ``words`` as a part <redacted>, every other value clipped."""
    return dict((k, REDACTED if words and _secret_name(k, words) else clip(v)) for k, v in args.items()
                if not (isinstance(k, str) and k.startswith('_ansible_')))


def _redact_argv(argv):
    """argv with the values of -e/--extra-vars hidden (they often carry secrets)."""
    out = []
    hide_next = False
    for arg in argv:
        if hide_next:
            out.append(arg if arg.startswith('@') else '<redacted>')
            hide_next = False
            continue
        if arg in ('-e', '--extra-vars'):
            out.append(arg)
            hide_next = True
        elif arg.startswith('--extra-vars='):
            value = arg[len('--extra-vars='):]
            out.append(arg if value.startswith('@') else '--extra-vars=<redacted>')
        elif arg.startswith('-e') and not arg.startswith('--') and len(arg) > 2:
            value = arg[2:]
            out.append(arg if value.startswith('@') else '-e<redacted>')
        else:
            out.append(arg)
    return out


# -- 3. Every frame's text ---------------------------------------------------------------------

# scheme://userinfo@  ->  scheme://   (run over the serialized JSON text of a frame)
# The userinfo may hold JSON escapes (\" or \\) and unrendered Jinja ({{ secret }}, as task
# args are sent as written) but never other whitespace, '/' or an unescaped quote.
_URL_CREDENTIALS = re.compile(r'([A-Za-z][A-Za-z0-9+.\-]*://)(?:[^\s"/\\{]|\\["\\]|\{\{[^{}]*\}\}|\{)*@')

# Literal text each default pattern cannot match without: a frame holding none of it (nearly
# every frame) skips that regex, which keeps redaction off the per-event bill.
_PATTERN_HINTS = {
    '-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----': ('PRIVATE KEY-----',),
    '\\bAKIA[0-9A-Z]{16}\\b': ('AKIA',),
    '(?i)\\bbearer\\s+[A-Za-z0-9._~+/-]{8}[A-Za-z0-9._~+/-]*=*': ('earer', 'EARER'),
    '\\bgh[pousr]_[A-Za-z0-9]{20}[A-Za-z0-9]*\\b': ('ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'),
}


class ValuePatterns(object):
    """The redact_value_patterns, compiled once. ``hinted`` are the default patterns with the
    literal text each cannot match without, ``hint`` one regex of all that text: a frame holding
    none of it (nearly every frame) costs one search. ``always`` are a user's own patterns."""

    __slots__ = ('hinted', 'hint', 'always')

    def __init__(self, hinted, always):
        self.hinted = hinted
        self.hint = re.compile('|'.join(re.escape(h) for _, hints in hinted for h in hints)) if hinted else None
        self.always = always


def _compile_value_patterns(patterns, display=None):
    """ValuePatterns, or None when there are none. A pattern that does not compile is skipped
    with a warning rather than breaking the plugin."""
    hinted, always = [], []
    for p in patterns:
        try:
            rx = re.compile(p, re.DOTALL)
        except re.error as e:
            if display is not None:
                display.warning('otel_sidecar: redact_value_patterns: %r is not a valid regular expression (%s); ignored' % (p, e))
            continue
        hints = _PATTERN_HINTS.get(p)
        if hints is None:
            always.append(rx)
        else:
            hinted.append((rx, hints))
    return ValuePatterns(hinted, always) if hinted or always else None


def _redact_values(body, patterns):
    if patterns.hint is not None and patterns.hint.search(body) is not None:
        for rx, hints in patterns.hinted:
            for h in hints:
                if h in body:
                    body = rx.sub(REDACTED, body)
                    break
    for rx in patterns.always:
        body = rx.sub(REDACTED, body)
    return body


# -- 4. Vault values ---------------------------------------------------------------------------

# Vault values of every ansible-core: 2.14's AnsibleVaultEncryptedUnicode, 2.19's EncryptedString
# (no longer a str) and VaultExceptionMarker (an undecryptable one). str() of any of them decrypts
# (or raises), so they are recognised by class, before json or the clippers ever call str().
_VAULT_TYPES = frozenset(('AnsibleVaultEncryptedUnicode', 'EncryptedString', 'VaultExceptionMarker'))
VAULTED = '<vaulted>'


def is_vaulted(obj):
    t = type(obj)
    return t.__name__ in _VAULT_TYPES or (t.__module__ or '').startswith('ansible.parsing.vault')


def _json_default(obj):
    """The frame encoder's last resort (_ENCODER, _c_dumps) for objects json cannot encode:
    never raise, never decrypt."""
    name = type(obj).__name__
    if is_vaulted(obj):
        return VAULTED
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj).decode('utf-8', 'replace')
    if isinstance(obj, (set, frozenset)):
        try:
            return sorted(obj)
        except TypeError:
            return list(obj)
    if isinstance(obj, collections.abc.Mapping):
        return dict(obj)
    try:
        return str(obj)
    except Exception:
        return '<%s>' % name


# Vault plaintexts: registered when the controller comes across them (once per play or task),
# masked by the writer thread in every frame it writes after that, the way CI systems mask
# registered secrets. ansible's own console shows a task that echoes a vaulted value in clear.

MASK = '***'
# Shorter plaintexts are not registered: masking "yes" or "8080" would blank ordinary words and
# numbers all over the trace. They are still never decrypted into a frame (VAULTED).
MIN_SECRET_CHARS = 6
_ENVELOPE_KEYS = frozenset(('v', 't', 'run', 'seq', 'ts'))


def vault_plaintext(obj):
    """The decrypted text of a vault object, or None when it cannot be decrypted here."""
    name = type(obj).__name__
    try:
        if name == 'AnsibleVaultEncryptedUnicode':
            # without a vault, .data is the ciphertext itself
            return obj.data if getattr(obj, 'vault', None) else None
        if name == 'EncryptedString':
            return str.__str__(str(obj))  # decrypts on purpose; a plain str, without data tags
    except Exception:  # pylint: disable=broad-except  (no password for this vault id, ...)
        return None
    return None


def iter_vaulted(value, budget):
    """The vault objects inside ``value`` (nested dicts, lists, tuples), looking at no more than
    ``budget[0]`` values (shared across calls, so a huge structure costs a bounded time)."""
    stack = [value]
    while stack and budget[0] > 0:
        v = stack.pop()
        budget[0] -= 1
        if isinstance(v, (str, int, float, bool)) or v is None:
            continue
        if is_vaulted(v):
            yield v
        elif isinstance(v, collections.abc.Mapping):
            stack.extend(v.values())
        elif isinstance(v, (list, tuple, set, frozenset)):
            stack.extend(v)


def _secret_forms(text):
    """The texts one plaintext is registered as: the whole (stripped: ansible strips stdout) and
    each line of a multi-line one, each long enough to be worth masking."""
    whole = text.strip()
    lines = [line.strip() for line in whole.splitlines()]
    forms = [whole] + (lines if len(lines) > 1 else [])
    return [f for f in dict.fromkeys(forms) if len(f) >= MIN_SECRET_CHARS]


def _no_cache(loader):
    """load_from_file's "do not cache" on this version (2.14: False, 2.19+: 'none'): a copy the
    shim read must never be the one ansible-core finds later (2.19 caches trust tags with it)."""
    try:
        import inspect
        default = inspect.signature(loader.load_from_file).parameters['cache'].default
    except Exception:  # pylint: disable=broad-except
        return False
    return False if isinstance(default, bool) else 'none'


class VaultSecrets(object):
    """The plaintexts registered so far, and where vaulted values are cheap to reach. ``masks``
    is replaced whole (never mutated), so the writer thread reads a consistent tuple without a
    lock."""

    def __init__(self):
        self._ciphertexts = set()   # vault values already decrypted (decrypt each once)
        self._texts = set()
        self.masks = ()             # ((needles as bytes), (texts to replace)) per plaintext
        self._loader = None         # ansible's DataLoader: its cache of parsed files
        self._inventory = None      # the inventory whose vars were searched
        self._files_seen = 0        # how many of those were searched for vault values

    def collect(self, value, budget):
        for obj in iter_vaulted(value, budget):
            key = getattr(obj, '_ciphertext', None)
            if key is None:
                continue
            key = bytes(key) if isinstance(key, (bytes, bytearray)) else str(key)
            if key in self._ciphertexts:
                continue
            self._ciphertexts.add(key)
            text = vault_plaintext(obj)
            if isinstance(text, str):
                self.add(text)

    def add(self, text):
        masks = list(self.masks)
        for form in _secret_forms(text):
            if form in self._texts:
                continue
            self._texts.add(form)
            escaped = _dumps(form)[1:-1]              # as in the frame's JSON text
            twice = _dumps(escaped)[1:-1]             # inside a JSON text in a string (labels)
            texts = tuple(sorted({form, escaped}, key=len, reverse=True))
            needles = tuple(sorted({escaped.encode('utf-8'), twice.encode('utf-8')}, key=len))
            masks.append((needles, texts))
        # longest first: a secret that contains another is masked whole
        self.masks = tuple(sorted(masks, key=lambda m: -len(m[1][0])))

    def play_sources(self, play):
        """Where vaulted variables are cheap to reach: the play's vars and vars_files, extra vars,
        the inventory's host and group vars, and every file ansible's loader parsed and cached
        (playbooks, roles, host_vars and group_vars files)."""
        out = [getattr(play, 'vars', None)]
        try:
            vm = play.get_variable_manager()
        except Exception:  # pylint: disable=broad-except
            return out
        self._loader = getattr(vm, '_loader', None)
        inventory = getattr(vm, '_inventory', None)
        if inventory is not None and inventory is not self._inventory:
            self._inventory = inventory  # once per run, not per play or serial batch
            try:
                out.append(vm.extra_vars)
                out.extend(h.vars for h in inventory.hosts.values())
                out.extend(g.vars for g in inventory.groups.values())
            except Exception:  # pylint: disable=broad-except
                pass
        out.extend(self._vars_files(play))
        out.extend(self.files_loaded_since())
        return out

    def _vars_files(self, play):
        """The play's vars_files with a literal path (ansible-core reads them per host, uncached)."""
        loader = self._loader
        try:
            names = play.get_vars_files()
        except Exception:  # pylint: disable=broad-except
            return []
        out = []
        for name in names or ():
            if isinstance(name, str) and '{{' not in name and loader is not None:
                try:
                    out.append(loader.load_from_file(name, cache=_no_cache(loader), unsafe=True))
                except Exception:  # pylint: disable=broad-except
                    pass
        return out

    def files_loaded_since(self):
        """The parsed files the loader cached since the last look (a count, per task)."""
        try:
            cache = self._loader._FILE_CACHE
        except AttributeError:
            return []
        if len(cache) == self._files_seen:
            return []
        data = list(cache.values())
        new, self._files_seen = data[self._files_seen:], len(data)
        return new


def mask_batch(data, masks):
    """``data`` (NDJSON lines) with every registered plaintext replaced by MASK. Runs on the
    writer thread. A batch without any (nearly all) costs one substring search per plaintext; a
    line with one is decoded and re-encoded, so a secret that looks like a number or a key never
    breaks the JSON, and the envelope (run, seq, ts) is never touched."""
    hits = [m for m in masks if any(n in data for n in m[0])]
    if not hits:
        return data
    lines = data.split(b'\n')
    for i, line in enumerate(lines):
        if line and any(n in line for m in hits for n in m[0]):
            lines[i] = _mask_line(line, hits)
    return b'\n'.join(lines)


def _mask_line(line, hits):
    try:
        frame = json.loads(line.decode('utf-8'))
    except ValueError:  # never the shim's own frames; still, mask what can be found
        for needles, _ in hits:
            for n in needles:
                line = line.replace(n, MASK.encode('ascii'))
        return line
    texts = [t for m in hits for t in m[1]]
    for k in list(frame):
        if k not in _ENVELOPE_KEYS:
            frame[k] = _mask_value(frame[k], texts)
    return _dumps(frame).encode('utf-8')


def _mask_value(v, texts):
    if isinstance(v, str):
        for t in texts:
            if t in v:
                v = v.replace(t, MASK)
        return v
    if isinstance(v, dict):
        return dict((_mask_value(k, texts), _mask_value(x, texts)) for k, x in v.items())
    if isinstance(v, list):
        return [_mask_value(x, texts) for x in v]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        text = _dumps(v)
        return MASK if any(t in text for t in texts) else v
    return v


# -- 5. TLS and the token ----------------------------------------------------------------------

# The files of the wss:// client side: CA bundle (None: the system's), client certificate and key.
TlsFiles = collections.namedtuple('TlsFiles', 'ca_file client_cert client_key')


def _is_loopback(host):
    return host in ('localhost', '::1') or re.match(r'^127\.\d+\.\d+\.\d+$', host) is not None


def _tls_context(files):
    """Verifies the sidecar's certificate and name (ssl.create_default_context); reads the files
    now, so a missing one is a connect problem like any other."""
    import ssl
    files = files or TlsFiles(None, None, None)
    what = 'tls_ca_file %s' % files.ca_file if files.ca_file else 'the system CAs'
    try:
        context = ssl.create_default_context(cafile=files.ca_file or None)
        if files.client_cert:
            what = 'tls_client_cert %s' % files.client_cert
            context.load_cert_chain(files.client_cert, files.client_key or None)
    except (OSError, ValueError) as e:  # ssl.SSLError is an OSError
        raise WebSocketError('TLS: cannot load %s: %s' % (what, _tls_reason(e)))
    return context


# OpenSSL's X509_V_ERR_INVALID_CA (79) to X509_V_ERR_EC_KEY_EXPLICIT_PARAMS (94): the RFC 5280
# checks of VERIFY_X509_STRICT, on in ssl.create_default_context from Python 3.13 (ansible-core
# 2.22's minimum), so a CA that worked with an older Python can be refused.
_X509_STRICT_CODES = range(79, 95)


def _tls_reason(exc):
    import ssl  # loaded already: only wss:// gets here
    verify = getattr(exc, 'verify_message', None)
    if verify and getattr(exc, 'verify_code', None) in _X509_STRICT_CODES:
        return ('certificate verify failed: %s (a certificate of the sidecar\'s chain breaks RFC 5280, which '
                'Python 3.13+ checks: a CA needs critical basicConstraints CA:TRUE and keyUsage keyCertSign)' % verify)
    if verify:
        return ('certificate verify failed: %s (the sidecar\'s certificate must be signed by a CA of '
                'tls_ca_file, or of the system when it is empty, and name the host of the URL)' % verify)
    if isinstance(exc, ssl.SSLError):  # its errno is OpenSSL's, not the system's
        text = re.sub(r'\s*\(_ssl\.c:\d+\)$', '', str(exc))
    else:
        text = _errno_text(exc)
    if 'CERTIFICATE_REQUIRED' in text:
        text += ' (the sidecar requires a client certificate: tls_client_cert)'
    return text


def refuse_cleartext_token(token, secure, host):
    """Raises unless the token may go to ``host``: inside TLS (wss://), or to a loopback address."""
    if token and not secure and not _is_loopback(host):
        raise WebSocketError('not sending the token in cleartext to %s: use wss:// (serve --ws-tls-cert), '
                             'or ws:// only to a loopback address' % host)


# -- 6. Spool files ----------------------------------------------------------------------------

def open_spool_file(path):
    """Creates a spool file for writing, the user's alone: mode 0600, in a directory of mode
    0700 that the user owns (made when missing)."""
    d = os.path.dirname(path)
    if not os.path.isdir(d):
        parent = os.path.dirname(d)
        if parent:
            os.makedirs(parent, 0o700, exist_ok=True)
        try:
            os.mkdir(d, 0o700)
        except FileExistsError:
            pass
        else:
            os.chmod(d, 0o700)  # whatever the umask
    if hasattr(os, 'getuid') and os.stat(d).st_uid != os.getuid():
        raise OSError('the directory %s belongs to another user' % d)
    # O_EXCL: the name holds a fresh random run id; never append to a file or symlink
    # someone else put there.
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
             | getattr(os, 'O_CLOEXEC', 0) | getattr(os, 'O_NOFOLLOW', 0))
    return os.open(path, flags, 0o600)


# ============================================================================================ end of Secrets

_STATE_CONNECTING = 0
_STATE_UP = 1
_STATE_DOWN = 2

_MAX_BATCH_BYTES = 1 << 20


def _xdg_path(environ, var, *tail):
    """``$var/tail`` if that variable is set, else ``~/.cache/tail``."""
    env = os.environ if environ is None else environ
    base = env.get(var) or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, *tail)


def default_socket_path(environ=None):
    """Where the sidecar listens when the ``socket`` option is empty."""
    return _xdg_path(environ, 'XDG_RUNTIME_DIR', 'ansible-otel', 'sidecar.sock')


def default_spool_dir(environ=None):
    """Where spool files go when the ``spool_dir`` option is empty."""
    return _xdg_path(environ, 'XDG_CACHE_HOME', 'ansible-otel', 'spool')


def _errno_text(exc):
    if isinstance(exc, OSError) and exc.errno:
        return '[Errno %d] %s' % (exc.errno, os.strerror(exc.errno))
    return str(exc) or type(exc).__name__


_ENCODER = json.JSONEncoder(default=_json_default, ensure_ascii=False, separators=(',', ':'))


def _c_dumps():
    """json's C encoder, made once. JSONEncoder.encode builds a new one in Python on every call,
    and on ansible's controller every object that touches is a page copied after each fork of a
    worker (BENCHMARKS.md, issue 14). No circularity check: frames hold JSON-born data and
    clipped copies; a cycle would end in RecursionError, which the callback guard catches."""
    try:
        from _json import make_encoder  # CPython's accelerator (ansible-core runs on CPython)
        from _json import encode_basestring
        encoder = make_encoder(None, _json_default, encode_basestring, None, ':', ',', False, False, True)
    except (ImportError, TypeError):
        return None
    join = ''.join

    def dumps(obj):
        return join(encoder(obj, 0))
    sample = {'a': [1, 2.5, None, True, u'\u00e9\n"'], 'b': {'c': b'x'}}
    try:
        if dumps(sample) == _ENCODER.encode(sample):
            return dumps
    except Exception:  # pylint: disable=broad-except
        pass
    return None


_dumps = _c_dumps() or _ENCODER.encode


# --------------------------------------------------------------------------------------------
# Truncation (compiled once per callback instance from max_result_bytes)

def make_clippers(max_bytes):
    """Return (clip_str, clip_value, clip_deep) closures bound to ``max_bytes``.

    clip_str:   a string cut to max_bytes UTF-8 bytes, with a ``…[truncated N bytes]`` suffix.
    clip_value: any value; strings are clipped, containers whose JSON form is longer than
                max_bytes become a clipped string of that JSON.
    clip_deep:  recursive; keeps the structure, clips every string inside.
    """
    if max_bytes is None or max_bytes <= 0:
        def clip_str(s):
            return s

        def clip_value(v):
            return v

        def clip_deep(v):
            return v

        return clip_str, clip_value, clip_deep

    quick = max_bytes // 4  # a str of at most this many chars is at most max_bytes UTF-8 bytes

    def clip_str(s):
        if len(s) <= quick:
            return s
        b = s.encode('utf-8', 'replace')
        if len(b) <= max_bytes:
            return s
        head = b[:max_bytes].decode('utf-8', 'ignore')
        kept = len(head.encode('utf-8'))
        return u'%s\u2026[truncated %d bytes]' % (head, len(b) - kept)

    def clip_value(v):
        if isinstance(v, str):
            return clip_str(v)
        if v is None or isinstance(v, (bool, int, float)):
            return v
        if isinstance(v, (dict, list, tuple)):
            try:
                text = _dumps(v)
            except Exception:
                return '<%s>' % type(v).__name__  # str() could decrypt a vault value inside
            if len(text) <= quick or len(text.encode('utf-8', 'replace')) <= max_bytes:
                return v
            return clip_str(text)
        return v  # left to _json_default

    def clip_deep(v, _depth=0):
        if isinstance(v, str):
            return clip_str(v)
        if _depth > 32:
            return clip_value(v)
        if isinstance(v, dict):
            return dict((k, clip_deep(x, _depth + 1)) for k, x in v.items())
        if isinstance(v, (list, tuple)):
            return [clip_deep(x, _depth + 1) for x in v]
        return v

    return clip_str, clip_value, clip_deep


# --------------------------------------------------------------------------------------------
# WebSocket transport (RFC 6455, client side): the same NDJSON byte stream, carried in binary
# messages whose boundaries mean nothing, for a sidecar in another container or pod.

_WS_GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
_WS_CHUNK = 256 * 1024  # well under the sidecar's default maxPayload (1 MiB)
_WS_OP_BINARY = 0x2
_WS_OP_CLOSE = 0x8
_WS_OP_PING = 0x9
_WS_OP_PONG = 0xA
_WS_OPS_DATA = (0x0, 0x1, 0x2)  # continuation, text, binary


def is_websocket_url(path):
    return path.startswith('ws://') or path.startswith('wss://')


def _ws_mask(payload, key):
    # One big-integer XOR: C speed, where a byte loop in Python would cost ~100 ns per byte.
    n = len(payload)
    if not n:
        return b''
    keys = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, 'little') ^ int.from_bytes(keys, 'little')).to_bytes(n, 'little')


def _ws_frame(opcode, payload):
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, 'big')
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, 'big')
    key = os.urandom(4)
    return head + key + _ws_mask(payload, key)


class WebSocketError(OSError):
    """The sidecar refused the upgrade, closed the connection, or spoke something else."""


class WebSocketConnection(object):
    """A connected ws:// or wss:// client with the socket methods the writer uses (sendall,
    shutdown, close); ``service`` answers the sidecar's pings (its heartbeat drops silent peers)."""

    def __init__(self, sock, timeout=None, would_block=None):
        self.sock = sock
        self._inbox = b''
        self._timeout = timeout
        # TLS only: the exceptions of a non-blocking read that found no data.
        self._would_block = would_block
        self.received = b''  # payload of the sidecar's data messages: its ready and ack lines

    @classmethod
    def connect(cls, url, token, timeout, tls=None):
        """Connects and upgrades; runs on the writer thread (the TLS handshake too)."""
        from urllib.parse import urlsplit
        import base64
        import hashlib
        parts = urlsplit(url)
        if parts.scheme not in ('ws', 'wss'):
            raise WebSocketError('%s:// is not a WebSocket URL: use ws://, wss:// or a Unix socket path' % parts.scheme)
        secure = parts.scheme == 'wss'
        host, port = parts.hostname or '127.0.0.1', parts.port or (443 if secure else 80)
        refuse_cleartext_token(token, secure, host)
        path = parts.path if parts.path not in ('', '/') else '/frames'
        context = _tls_context(tls) if secure else None
        sock = socket.create_connection((host, port), timeout)
        try:
            sock.settimeout(timeout)
            if context is not None:
                sock = context.wrap_socket(sock, server_hostname=host)
            key = base64.b64encode(os.urandom(16))
            lines = ['GET %s HTTP/1.1' % path, 'Host: %s' % parts.netloc.rpartition('@')[2],
                     'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13',
                     'Sec-WebSocket-Key: %s' % key.decode('ascii'),
                     'User-Agent: ansible-otel-shim/%s' % SHIM_VERSION]
            if token:  # the one place it is sent (Secrets, 5)
                lines.append('Authorization: Bearer %s' % token)
            sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1'))
            reply = b''
            while b'\r\n\r\n' not in reply:
                chunk = sock.recv(4096)
                if not chunk or len(reply) > 16384:
                    raise WebSocketError('the sidecar closed the connection during the WebSocket upgrade%s'
                                         % ('' if secure else ' (a wss:// sidecar?)'))
                reply += chunk
            head, _, rest = reply.partition(b'\r\n\r\n')
            status = head.split(b'\r\n', 1)[0].decode('latin-1')
            code = status.split(' ')[1] if status.count(' ') else status
            if code == '401':
                raise WebSocketError('the sidecar refused the token (HTTP 401): set the same token '
                                     '(ANSIBLE_OTEL_TOKEN) for the shim and for `ansible-otel serve`')
            if code != '101':
                raise WebSocketError('the WebSocket upgrade was refused: %s' % status)
            accept = base64.b64encode(hashlib.sha1(key + _WS_GUID).digest())
            if accept not in head:
                raise WebSocketError('not a WebSocket server (wrong Sec-WebSocket-Accept)')
        except BaseException as e:
            sock.close()
            if context is not None and isinstance(e, OSError) and not isinstance(e, (WebSocketError, socket.timeout)):
                raise WebSocketError('TLS: ' + _tls_reason(e))  # a refused handshake: retrying cannot help
            raise
        if context is None:
            conn = cls(sock)
        else:
            import ssl
            conn = cls(sock, timeout, (ssl.SSLWantReadError, ssl.SSLWantWriteError))
        conn._inbox = rest
        return conn

    def sendall(self, data):
        view = memoryview(data)
        for start in range(0, len(view), _WS_CHUNK):
            self.sock.sendall(_ws_frame(_WS_OP_BINARY, view[start:start + _WS_CHUNK]))

    def service(self):
        """Read what the sidecar sent without blocking: answer pings, raise on close."""
        while True:
            chunk = self._recv_now()
            if chunk is None:
                break
            if not chunk:
                raise WebSocketError('the sidecar closed the connection')
            self._inbox += chunk
        while len(self._inbox) >= 2:
            b0, b1 = self._inbox[0], self._inbox[1]
            n, at = b1 & 0x7F, 2
            if n == 126:
                n, at = int.from_bytes(self._inbox[2:4], 'big'), 4
            elif n == 127:
                n, at = int.from_bytes(self._inbox[2:10], 'big'), 10
            if len(self._inbox) < at + n:
                return
            payload, self._inbox = self._inbox[at:at + n], self._inbox[at + n:]
            opcode = b0 & 0x0F
            if opcode in _WS_OPS_DATA and len(self.received) < _ACK_BUF_MAX:
                self.received += payload
            elif opcode == _WS_OP_PING:
                self.sock.sendall(_ws_frame(_WS_OP_PONG, payload))
            elif opcode == _WS_OP_CLOSE:
                why = int.from_bytes(payload[:2], 'big') if len(payload) >= 2 else 1005
                raise WebSocketError('the sidecar closed the WebSocket (%d %s)' % (
                    why, payload[2:].decode('utf-8', 'replace')))

    def _recv_now(self):
        """What can be read without waiting: bytes, b'' at EOF, None when nothing is there."""
        if self._would_block is None:
            return self.sock.recv(65536) if select.select([self.sock], [], [], 0)[0] else None
        # TLS: select() sees the socket, not the bytes the TLS layer already decrypted (they would
        # wait for the next packet), and a record without data makes the socket readable while a
        # blocking read would wait for data that may never come.
        self.sock.settimeout(0.0)
        try:
            return self.sock.recv(65536)
        except self._would_block:
            return None
        finally:
            self.sock.settimeout(self._timeout)

    def shutdown(self, how):
        self.sock.shutdown(how)

    def close(self):
        self.sock.close()


# --------------------------------------------------------------------------------------------
# How the run ended. ansible-playbook's exit code is what CI acts on, and an error that aborts the
# run (a role that cannot be found, a parse error, Ctrl-C) never reaches a callback method. Every
# ansible-core from 2.14 to 2.22 ends its CLI with sys.exit(exit_code) and shows such errors with
# Display.error: both are wrapped once, to record, never to change what they do.

_EXIT_CODE = [None]   # what this process handed to sys.exit, as the exit status it becomes
_ERROR_SINKS = []     # callables taking an error ansible displayed (the live shims)
_END_HOOKS_LOCK = threading.Lock()


def _exit_status(status):
    """The process exit status sys.exit(status) gives (None: 0; an int: itself; else 1)."""
    if status is None:
        return 0
    if isinstance(status, int):
        return int(status)
    return 1


def error_text(msg):
    """An error Display.error was given (a string, or on 2.19+ an exception) as one text."""
    if isinstance(msg, str):
        return msg
    message = getattr(msg, 'message', None)
    return message if isinstance(message, str) else '%s: %s' % (type(msg).__name__, msg)


def _install_end_hooks(display, sink):
    with _END_HOOKS_LOCK:
        if not getattr(sys.exit, '_otel_sidecar', False):
            original_exit = sys.exit

            def exit(status=None):
                _EXIT_CODE[0] = _exit_status(status)
                return original_exit(status)
            exit._otel_sidecar = True
            sys.exit = exit
        _ERROR_SINKS.append(sink)
        if display is None or getattr(display.error, '_otel_sidecar', False):
            return
        original_error = display.error

        def error(msg, *args, **kwargs):
            for each in list(_ERROR_SINKS):
                try:
                    each(msg)
                except Exception:  # pylint: disable=broad-except
                    pass
            return original_error(msg, *args, **kwargs)
        error._otel_sidecar = True
        display.error = error


# --------------------------------------------------------------------------------------------
# Writer: a bounded in-memory queue drained by a daemon thread into the Unix socket.

_LIVE_WRITERS = weakref.WeakSet()
_FORK_HOOK_LOCK = threading.Lock()
_FORK_HOOK_INSTALLED = [False]


def _after_fork_in_child():
    # Runs in every forked child (ansible's worker processes). The writer thread does not
    # exist there and its lock may be held: never touch the queue, only drop the inherited
    # socket so the sidecar sees EOF as soon as ansible-playbook itself is gone.
    for writer in list(_LIVE_WRITERS):
        try:
            writer._forked_child()
        except Exception:
            pass


def _install_fork_hook():
    with _FORK_HOOK_LOCK:
        if _FORK_HOOK_INSTALLED[0]:
            return
        if hasattr(os, 'register_at_fork'):
            os.register_at_fork(after_in_child=_after_fork_in_child)
        _FORK_HOOK_INSTALLED[0] = True


# --------------------------------------------------------------------------------------------
# The spool directory as a whole: its cap, and the count of runs the cap cost

_SPOOL_FILE = re.compile(r'^[0-9a-f]+-(\d+)\.ndjson$')
_SPOOL_CLAIMED = re.compile(r'^[0-9a-f]+-\d+\.ndjson\.replaying-(\d+)$')
_SPOOL_BAD = re.compile(r'^[0-9a-f]+-\d+\.ndjson\.bad$')
# Runs the cap deleted and no sidecar was told of yet: a line "<runs> <bytes>" per eviction.
SPOOL_EVICTED = 'evicted-runs'
SpoolCap = collections.namedtuple('SpoolCap', 'max_bytes max_age')  # bytes, seconds; 0: no cap


def spool_cap_from(max_mb, max_age_days):
    """The options as a SpoolCap; a value that is not a number is the default."""
    try:
        max_bytes = max(0, int(float(max_mb) * 1048576))
    except (TypeError, ValueError):
        max_bytes = 1024 * 1048576
    try:
        max_age = max(0.0, float(max_age_days) * 86400)
    except (TypeError, ValueError):
        max_age = 7 * 86400.0
    return SpoolCap(max_bytes, max_age)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # EPERM: alive, someone else's
    return True


def cap_spool(directory, cap, keep=None, now=None):
    """Deletes the spool files over ``cap``: those not written for ``max_age`` seconds, then the
    oldest while all of them together are over ``max_bytes``. A file still written (its
    ansible-playbook runs) or being replayed (its sidecar runs), and ``keep``, are never deleted.
    Each deleted file is one run no sidecar got whole: appended to SPOOL_EVICTED, so the next
    sidecar is told. Returns (runs, bytes) deleted."""
    now = time.time() if now is None else now
    total = 0
    free = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0, 0
    for e in entries:
        name = e.name
        live = _SPOOL_FILE.match(name) or _SPOOL_CLAIMED.match(name)
        if not live and not _SPOOL_BAD.match(name):
            continue
        try:
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        total += st.st_size
        if name != keep and not (live and _pid_alive(int(live.group(1)))):
            free.append((st.st_mtime, name, st.st_size))
    free.sort()
    runs = size = 0
    for mtime, name, nbytes in free:
        old = cap.max_age > 0 and now - mtime > cap.max_age
        if not old and not (cap.max_bytes > 0 and total > cap.max_bytes):
            continue
        try:
            os.unlink(os.path.join(directory, name))
        except OSError:
            continue  # gone meanwhile: a sidecar or another shim took it
        total -= nbytes
        runs += 1
        size += nbytes
    if runs:
        fd = os.open(os.path.join(directory, SPOOL_EVICTED),
                     os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, 'O_NOFOLLOW', 0), 0o600)
        try:
            os.write(fd, b'%d %d\n' % (runs, size))
        finally:
            os.close(fd)
    return runs, size


def spool_evicted(directory):
    """The runs the cap deleted that no sidecar was told of: (runs, bytes, how much of the file
    that is), for ``bye``; ``spool_evicted_told`` forgets them once a sidecar has the run."""
    try:
        with open(os.path.join(directory, SPOOL_EVICTED), 'rb') as f:
            data = f.read()
    except OSError:
        return 0, 0, 0
    runs = size = 0
    told = data.rfind(b'\n') + 1  # a line cut short is for the next time
    for line in data[:told].split(b'\n'):
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            runs += int(parts[0])
            size += int(parts[1])
    return runs, size, told


def spool_evicted_told(directory, told):
    """A sidecar acked the run whose ``bye`` counted the first ``told`` bytes of SPOOL_EVICTED."""
    path = os.path.join(directory, SPOOL_EVICTED)
    try:
        with open(path, 'rb') as f:
            data = f.read()
        if len(data) <= told:
            os.unlink(path)
            return
        tmp = '%s.%d.tmp' % (path, os.getpid())  # evictions since the bye: they stay
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, 'O_NOFOLLOW', 0), 0o600)
        try:
            os.write(fd, data[told:])
        finally:
            os.close(fd)
        os.rename(tmp, path)
    except OSError:
        pass  # told again with the next run's bye: a count said twice, never lost


# The sidecar says on connect that it acks ({"t":"ready","ack":true}); a sidecar that said nothing
# within this long at exit is older and never acks.
_ACK_READY_GRACE = 0.25
_ACK_BUF_MAX = 65536

# Reconnect (docs/protocol.md, "Reconnect and resume"): the waits between attempts, in seconds,
# the last one repeated, each scaled by a random factor in [0.5, 1.5) so that the shims of a
# fleet do not all come back at once; a retry's connect and handshake take at most
# _RETRY_TIMEOUT (send_timeout if that is shorter).
RECONNECT_BACKOFF = (0.25, 0.5, 1.0, 2.0, 4.0, 5.0)
_RETRY_TIMEOUT = 2.0
# A resumed connection gets the spool file in slices this large, the queue spooled between them.
_CATCH_UP_SLICE = 256 * 1024
_SEQ = re.compile(br'"seq":(\d+)')


def reconnect_delay(attempt, rnd=None):
    """Seconds before reconnect attempt ``attempt`` (0: the first after the loss), with jitter."""
    base = RECONNECT_BACKOFF[min(max(0, attempt), len(RECONNECT_BACKOFF) - 1)]
    return base * (0.5 + (random.random() if rnd is None else rnd()))


def _seq_of(line):
    """The ``seq`` of a frame line: from its envelope (v, t, run, seq come first), never from a
    key of the same name further in."""
    if not line.startswith(b'{"v":'):
        return None
    m = _SEQ.search(line, 0, 160)
    return int(m.group(1)) if m else None


def last_seq(data):
    """The ``seq`` of the last whole line of ``data`` (frames, in order), or None."""
    end = len(data) - 1 if data.endswith(b'\n') else data.rfind(b'\n')
    if end < 0:
        return None
    return _seq_of(data[data.rfind(b'\n', 0, end) + 1:end])


def spool_offset_after(path, applied):
    """Where in the spool file the frames after ``applied`` (a ``seq``; -1: none) start: the byte
    offset of the first whole line with a higher ``seq``, else the end of the whole lines."""
    if applied < 0:
        return 0
    offset = 0
    with open(path, 'rb') as f:
        for line in f:
            if not line.endswith(b'\n'):
                break  # cut short by a failed write: never sent whole, sent again from here
            seq = _seq_of(line)
            if seq is not None and seq > applied:
                break
            offset += len(line)
    return offset


def spool_last_seq(path):
    """The ``seq`` of the last whole line of a spool file (read from its end), or None."""
    with open(path, 'rb') as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        window = 65536
        while True:
            start = max(0, size - window)
            f.seek(start)
            data = f.read(size - start)
            end = len(data) - 1 if data.endswith(b'\n') else data.rfind(b'\n')
            if end < 0:
                return None
            line_start = data.rfind(b'\n', 0, end)
            if line_start >= 0 or start == 0:
                return _seq_of(data[line_start + 1:end])
            window *= 4  # a line longer than the window: look further back


class SidecarLines(object):
    """What a sidecar writes back on one connection (``ready``, ``ack``), read by the thread that
    owns the connection. Lines it does not know are skipped (docs/protocol.md, "Ack")."""

    def __init__(self, sock, websocket):
        self.sock = sock
        self._websocket = websocket
        self._buf = b''
        self.ready = None       # the first `ready`: what this sidecar does (ack, resume)
        self.applied = {}       # run -> `applied` of the `ready` that answered its `resume`
        self.acked = set()      # runs acked on this connection

    def _parse(self):
        if self._websocket:
            self._buf += self.sock.received
            self.sock.received = b''
        while b'\n' in self._buf:
            line, self._buf = self._buf.split(b'\n', 1)
            try:
                msg = json.loads(line.decode('utf-8'))
            except ValueError:
                continue
            if not isinstance(msg, dict):
                continue
            if msg.get('t') == 'ready' and 'run' in msg:
                applied = msg.get('applied')
                self.applied[msg['run']] = applied if isinstance(applied, int) else -1
            elif msg.get('t') == 'ready' and self.ready is None:
                self.ready = msg
            elif msg.get('t') == 'ack':
                self.acked.add(msg.get('run'))
        self._buf = self._buf[-_ACK_BUF_MAX:]

    def read_until(self, done, deadline):
        """Reads until ``done()`` holds (True) or the deadline (False); raises OSError when the
        sidecar closes the connection."""
        raw = self.sock.sock if self._websocket else self.sock
        while True:
            if self._websocket:
                # reads without waiting, bytes the TLS layer already decrypted too (select would
                # not see those)
                self.sock.service()
            else:
                while select.select([raw], [], [], 0)[0]:
                    data = raw.recv(4096)
                    if not data:
                        self._parse()  # what it said before it closed still counts
                        raise ConnectionError('the sidecar closed the connection')
                    self._buf += data
            self._parse()
            if done():
                return True
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([raw], [], [], left)[0]:
                return done()

    def poll(self):
        """Reads what is there without waiting; raises OSError when the sidecar closed the connection."""
        self.read_until(lambda: True, 0)

    @property
    def acks(self):
        return bool(self.ready and self.ready.get('ack') is True)

    @property
    def resumes(self):
        return bool(self.ready and self.ready.get('resume') is True)


def _resume_frame(run_id, seq, leftover=False):
    frame = {'v': PROTOCOL_VERSION, 't': 'resume', 'run': run_id, 'seq': max(0, seq), 'ts': time.time_ns()}
    if leftover:
        frame['leftover'] = True
    return (json.dumps(frame, separators=(',', ':')) + '\n').encode('utf-8')


class FrameWriter(object):
    """Owns the queue, the socket, the spool file and the writer thread.

    ``append_locked`` never blocks. The writer thread appends each batch to the spool file (when
    ``spool_path`` is set: write-ahead, before the socket) and then sends it to the socket with a
    ``send_timeout``. A failed or timed-out send drops the connection; later batches go to the
    spool file, and the writer reconnects with backoff (``RECONNECT_BACKOFF``): a sidecar that
    takes ``resume`` says which frames it has, and the rest of the spool file goes first, in
    order (docs/protocol.md, "Reconnect and resume"). Frames that end up nowhere (queue full, no
    connection and no spool file, still queued when the exit wait ran out) go to
    ``_undeliverable_locked``, the one place where frames are counted as lost.
    """

    CONNECT_BACKOFF = (0.05, 0.15, 0.3)  # sleeps between the first connect attempts

    # The writer is not woken per frame. Each wake takes the GIL from ansible's main thread and,
    # after ansible forked its workers, copies the pages it touches (BENCHMARKS.md): it wakes
    # every FLUSH_INTERVAL s and writes what gathered as one batch; the callback path wakes it
    # early only when WAKE_AT frames are queued (or drain, ack and close do).
    FLUSH_INTERVAL = 0.2
    WAKE_AT = 256

    def __init__(self, path, queue_size, spool_path=None, send_timeout=5.0, token=None, tls=None, spool_cap=None,
                 run_id=None, leftovers=False):
        self.path = path
        self.spool_cap = spool_cap       # SpoolCap of the spool directory, applied once at start
        self._evicted_told = 0           # bytes of SPOOL_EVICTED this run's bye counted
        self.token = token
        self.tls = tls                   # TlsFiles for wss://
        self._websocket = is_websocket_url(path)
        self.maxlen = max(1, int(queue_size))
        self.spool_path = spool_path     # None: overflow=drop, no spool file
        self.send_timeout = send_timeout if send_timeout and send_timeout > 0 else 5.0
        self.run_id = run_id
        self._q = collections.deque()
        # The callback path takes the bare lock (a C call); the writer thread waits on the
        # condition built on it.
        self._lock = threading.Lock()
        self._cv = threading.Condition(self._lock)
        self._wake_at = max(1, min(self.WAKE_AT, self.maxlen // 2))
        self._urgent = False             # drain, ack or close: no more gathering, write at once
        self._inflight = 0
        self._closing = False
        self._child = False
        self._sock = None
        self._lines = None               # SidecarLines of the connection
        self._state = _STATE_CONNECTING
        self._thread = None
        self._give_up_reason = None
        self._spool_fd = None            # raw fd (os.write: nothing buffered, nothing to flush)
        self._spool_off = spool_path is None
        self._spool_size = 0             # bytes written to the spool file
        self._sent_off = 0               # bytes of it the connection has (behind: a resume catches up)
        self._read_fd = None             # the spool file, read by a catch-up
        self._lost = False               # the connection went away and no other has everything since
        self._sent_all = True            # no spool file: every batch was written whole to the socket
        self._last_seq = -1              # seq of the last frame written
        self._attempt = 0                # reconnect attempts since the connection was lost
        self._retry_at = None            # monotonic time of the next attempt; None: none planned
        self._hopeless = False           # the sidecar refused us (token, TLS), or does not resume
        self._ever_up = False            # a connection was up at some point
        self._resume_seen = False        # a sidecar of this run takes `resume`: worth coming back to
        self.resumes = 0                 # connections that took the run over after a loss
        self.spool_announced = False     # a warning already named the spool file
        self.dropped = 0
        self.dropped_by = {}             # why ('full', 'down', 'timeout') -> frames
        self._full_warned = False
        self._conn_warned = False
        self.pending_warnings = []  # filled by the writer thread, shown by the callback threads
        self.masks = ()                  # VaultSecrets.masks, set by the controller thread
        self._ack_run = None             # at exit: the run whose ack the writer thread waits for
        self._ack_deadline = 0.0
        self.acked = False               # the sidecar has the run safely exported
        self.sidecar_acks = False        # the sidecar announced acks (an older one never sends them)
        self.leftovers = LeftoverSender(self) if leftovers and spool_path is not None else None
        _install_fork_hook()
        _LIVE_WRITERS.add(self)

    # -- producer side ----------------------------------------------------------------------
    def start(self):
        if self._thread is None:
            t = threading.Thread(target=self._run, name='otel-sidecar-writer')
            t.daemon = True
            self._thread = t
            t.start()

    def append_locked(self, data):
        """Queue one frame, the caller holding ``_cv``; wakes the writer only when it must."""
        q = self._q
        if len(q) >= self.maxlen:
            self._undeliverable_locked(1, 'full')
            return False
        q.append(data)
        if len(q) == self._wake_at:
            self._cv.notify()
        return True

    def _wait_for_batch(self):
        """Writer thread, holding ``_cv``: let frames gather for FLUSH_INTERVAL (cut short by
        WAKE_AT frames, drain, ack or close); at once when there is a reason to hurry."""
        if self._q and (self._urgent or len(self._q) >= self._wake_at):
            return
        if self._closing or self._behind_locked():
            return
        if self._ack_run is not None:
            if self._sock is not None:
                return  # read the ack
            if self._retry_at is None:
                self._cv.wait(self.FLUSH_INTERVAL)
                return
            self._cv.wait(max(0.0, min(self.FLUSH_INTERVAL, self._retry_at - time.monotonic())))
            return
        self._cv.wait(self.FLUSH_INTERVAL)

    def _behind_locked(self):
        """Connected, but the connection does not have the whole spool file yet (a resume)."""
        return self._sock is not None and self._sent_off < self._spool_size

    # -- writer thread: spool file ------------------------------------------------------------
    @property
    def spooling(self):
        """True while batches still go to the spool file (overflow=spool and no write error)."""
        return not self._spool_off

    @property
    def all_sent(self):
        """Every frame so far reached the sidecar on the connection of the moment (whole)."""
        if self.spool_path is not None and not self._spool_off:
            return not self._lost and self._sent_off >= self._spool_size
        return self._sent_all

    def _spool_ready(self):
        """Open the spool file at the first use. False when there is none (or it failed)."""
        if self._spool_off:
            return False
        if self._spool_fd is None:
            try:
                self._spool_fd = open_spool_file(self.spool_path)
            except OSError as e:
                self._spool_problem('cannot create the spool file', e)
                return False
        return True

    def _spool(self, data):
        """Append one batch to the spool file. True if all of it was written."""
        if not self._spool_ready():
            return False
        try:
            view = memoryview(data)
            while view:
                n = os.write(self._spool_fd, view)
                self._spool_size += n
                view = view[n:]
            return True
        except OSError as e:
            self._spool_problem('cannot write the spool file', e)
            return False

    def _spool_problem(self, what, exc):
        self._spool_off = True
        fd = self._spool_fd
        self._spool_fd = None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass
        self.pending_warnings.append(
            'otel_sidecar: %s %s: %s; going on without it (frames the sidecar does not get are lost)'
            % (what, self.spool_path, _errno_text(exc)))

    def _cap_spool(self):
        """Writer thread, before the first batch: the spool directory within its cap."""
        cap = self.spool_cap
        if cap is None or self.spool_path is None or not (cap.max_bytes > 0 or cap.max_age > 0):
            return
        try:
            runs, size = cap_spool(os.path.dirname(self.spool_path), cap, keep=os.path.basename(self.spool_path))
        except OSError as e:
            self.pending_warnings.append('otel_sidecar: cannot keep the spool directory %s within its cap: %s'
                                         % (os.path.dirname(self.spool_path), _errno_text(e)))
            return
        if runs:
            limits = []
            if cap.max_bytes > 0:
                limits.append('spool_max_mb=%g' % (cap.max_bytes / 1048576.0))
            if cap.max_age > 0:
                limits.append('spool_max_age_days=%g' % (cap.max_age / 86400.0))
            self.pending_warnings.append(
                'otel_sidecar: the spool directory %s was over its cap (%s): deleted the %d oldest spool '
                'file(s) (%d bytes) of runs no sidecar had taken; those traces are lost, and the next '
                'sidecar this shim reaches is told' % (os.path.dirname(self.spool_path), ', '.join(limits), runs, size))

    def bye_fields(self):
        """Controller thread, at exit: what ``bye`` says (frames lost, runs the spool cap cost)."""
        fields = {'dropped': self.dropped}
        if self.spool_path is not None:
            runs, size, self._evicted_told = spool_evicted(os.path.dirname(self.spool_path))
            if runs:
                fields['spool_evicted'] = {'runs': runs, 'bytes': size}
        return fields

    # -- writer thread: socket ------------------------------------------------------------------
    def open_connection(self, timeout):
        """One connection to the sidecar (Unix socket, or ws:// / wss:// with its upgrade)."""
        if self._websocket:
            return WebSocketConnection.connect(self.path, self.token, timeout, self.tls)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            # connect (a full backlog) and sendall (nobody reads) raise socket.timeout
            s.settimeout(timeout)
            s.connect(self.path)
        except BaseException:
            s.close()
            raise
        return s

    def _connect(self):
        last = None
        for attempt in range(len(self.CONNECT_BACKOFF) + 1):
            if (self._closing or self._give_up_reason) and attempt:
                break
            try:
                return self.open_connection(self.send_timeout)
            except OSError as e:
                last = e
                if isinstance(e, (socket.timeout, WebSocketError)):
                    self._hopeless = isinstance(e, WebSocketError)
                    break  # retrying now cannot help: the sidecar is stuck, or refused us
            if attempt < len(self.CONNECT_BACKOFF):
                time.sleep(self.CONNECT_BACKOFF[attempt])
        self._connection_problem('cannot connect to the sidecar at', last)
        return None

    def _plan_retry_locked(self, now=False):
        """After a loss (or a failed attempt): when to try again. Never when that cannot help: a
        sidecar that refused us, or that does not take `resume` (its replayer gets the spool file,
        as before), or without a spool file to send from. At exit (the ack awaited) one attempt
        only, unless a sidecar of this run took `resume`: then it is likely to come back."""
        give_up = (self._child or self._hopeless or (self._give_up_reason and not now)
                   or (self._ever_up and not self._resume_seen) or (self._spool_off and not self._resume_seen))
        if not give_up and self._ack_run is not None and not now and not self._resume_seen:
            give_up = True
        if give_up:
            self._retry_at = None
            if self._ack_run is not None and self._sock is None:
                self._ack_run = None  # nothing to wait for any more
                self._cv.notify_all()
            return
        delay = 0.0 if now else reconnect_delay(self._attempt)
        self._attempt += 1
        self._retry_at = time.monotonic() + delay

    def _retry_due(self):
        with self._cv:
            return self._retry_at is not None and not self._closing and time.monotonic() >= self._retry_at

    def _reconnect(self):
        """Writer thread: one attempt to get the run back to a sidecar. The connection, or None."""
        timeout = min(self.send_timeout, _RETRY_TIMEOUT)
        if self._ack_run is not None:
            timeout = max(0.05, min(timeout, self._ack_deadline - time.monotonic()))
        sock = None
        try:
            sock = self.open_connection(timeout)
            lines = SidecarLines(sock, self._websocket)
            deadline = time.monotonic() + timeout
            # a sidecar that says nothing is older than acks: it gets the whole file again
            lines.read_until(lambda: lines.ready is not None, deadline)
            if not (lines.resumes and self.run_id):
                # an older sidecar: it would take the frames as a new run; its replayer gets the file
                raise WebSocketError('the sidecar does not take resume')
            sock.sendall(_resume_frame(self.run_id, self._last_seq))
            lines.read_until(lambda: self.run_id in lines.applied, deadline)
            applied = lines.applied.get(self.run_id, None)
            if applied is None:
                raise socket.timeout('no answer to resume within %g s' % timeout)
            if self._spool_off:
                if applied < 0:
                    raise WebSocketError('the sidecar does not know the run, and there is no spool file to send it again')
                offset = self._spool_size
            else:
                offset = spool_offset_after(self.spool_path, applied)
        except OSError as e:
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass
            with self._cv:
                if isinstance(e, WebSocketError):
                    self._hopeless = True
                self._plan_retry_locked()
            return None
        self._note_lines(lines)
        with self._cv:
            if self._closing or self._child:
                sock.close()
                return None
            self._sock = sock
            self._lines = lines
            self._state = _STATE_UP
            self._sent_off = offset
            self._lost = False
            self._attempt = 0
            self._retry_at = None
            self._ever_up = self._resume_seen = True
            self.resumes += 1
            self._cv.notify_all()
        return sock

    def _poll_lines(self, sock):
        """Writer thread, at each wake: what the sidecar said (its `ready`: whether it resumes
        runs), and whether it went away (then the writer comes back sooner than the next batch)."""
        try:
            self._lines.poll()
        except (OSError, ValueError) as e:
            self._note_lines(self._lines)
            return self._drop_socket(sock, e if isinstance(e, OSError) else None)
        self._note_lines(self._lines)
        return sock

    def _note_lines(self, lines):
        if lines.acks:
            self.sidecar_acks = True
        if lines.resumes:
            self._resume_seen = True
        if self.run_id in lines.acked:
            with self._cv:
                self.acked = True
                self._cv.notify_all()

    def _catch_up(self, sock):
        """Writer thread: the next slice of the spool file the connection does not have yet."""
        try:
            if self._read_fd is None:
                self._read_fd = os.open(self.spool_path, os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0))
            data = os.pread(self._read_fd, min(_CATCH_UP_SLICE, self._spool_size - self._sent_off), self._sent_off)
            if not data:
                raise OSError('the spool file %s is shorter than what was written to it' % self.spool_path)
            sock.sendall(data)
        except OSError as e:
            return self._drop_socket(sock, e)
        self._sent_off += len(data)
        if self._sent_off >= self._spool_size:
            self._close_read_fd()
            with self._cv:
                self._cv.notify_all()  # caught up: a drain waiting for it may go on
        return sock

    def _close_read_fd(self):
        fd, self._read_fd = self._read_fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def _connection_problem(self, what, exc, given_up=None):
        if self._closing or self._conn_warned:
            return
        self._conn_warned = True
        if given_up:
            what, reason = 'gave up the connection to the sidecar at', given_up
        elif isinstance(exc, socket.timeout) and what.startswith('cannot connect'):
            reason = 'no answer within %g s (send_timeout): the sidecar does not accept connections' % (
                self.send_timeout)
        elif isinstance(exc, socket.timeout):
            what = 'gave up the connection to the sidecar at'
            reason = 'a write made no progress for %g s (send_timeout): the sidecar stopped reading' % (
                self.send_timeout)
        else:
            reason = _errno_text(exc)
        if self._spool_ready():
            self.spool_announced = True
            p = self.spool_path
            tail = ('this run\'s frames are kept in the spool file %s and sent when the sidecar is back (or a '
                    'running `ansible-otel serve` replays it, or run `ansible-otel replay %s`); the playbook is '
                    'not affected' % (p, p))
        else:
            tail = 'traces of this run are dropped (the playbook is not affected)'
        self.pending_warnings.append('otel_sidecar: %s %s: %s; %s' % (what, self.path, reason, tail))

    def _run(self):
        self._cap_spool()
        if self.leftovers is not None:
            self.leftovers.start()
        sock = self._connect()
        with self._cv:
            if sock is not None and not self._child and not self._closing and not self._give_up_reason:
                self._sock = sock
                self._lines = SidecarLines(sock, self._websocket)
                self._state = _STATE_UP
                self._ever_up = True
            else:
                if sock is not None:
                    sock.close()
                    sock = None
                self._state = _STATE_DOWN
                self._lost = True
                self._plan_retry_locked()
            self._cv.notify_all()
        while True:
            batch = None
            with self._cv:
                self._wait_for_batch()
                if self._q:
                    batch = []
                    size = 0
                    q = self._q
                    while q and size < _MAX_BATCH_BYTES:
                        item = q.popleft()
                        batch.append(item)
                        size += len(item)
                    self._inflight = len(batch)
                elif self._closing:
                    break
            if sock is None and self._retry_due():
                sock = self._reconnect()
            if sock is not None:
                # WebSocket pings first (the sidecar drops a peer that does not answer), then what
                # the sidecar said, and whether it went away
                sock = self._poll_lines(sock)
            if batch is not None:
                sock = self._write(sock, batch)
            if sock is not None and self._sent_off < self._spool_size:
                sock = self._catch_up(sock)
            elif batch is None and sock is not None and self._ack_run is not None:
                sock = self._read_ack(sock)
        self._close_read_fd()

    def _write(self, sock, batch):
        """One batch: to the spool file, then to the socket (unless a catch-up sends it later)."""
        data = b''.join(batch)
        masks = self.masks
        if masks:
            data = mask_batch(data, masks)
        seq = last_seq(data)
        if seq is not None:
            self._last_seq = seq
        behind = self._sent_off < self._spool_size
        spooled = self._spool(data)  # write-ahead: the file holds at least what the sidecar got
        sent = False
        if sock is not None and self._sock is None and not self._closing:
            sock = self._drop_socket(sock, None)  # given up (give_up_connection)
        if sock is not None and not (spooled and behind):
            try:
                sock.sendall(data)
                sent = True
                if spooled:
                    self._sent_off = self._spool_size
            except OSError as e:  # EPIPE, ECONNRESET, socket.timeout (send_timeout)
                sock = self._drop_socket(sock, e)
        with self._cv:
            if not sent and not spooled:
                self._sent_all = False
                self._undeliverable_locked(len(batch), 'down')
            self._inflight = 0
            self._cv.notify_all()
        return sock

    def _read_ack(self, sock):
        """Writer thread, at exit: read the sidecar's lines until its ack of this run, the
        deadline, or EOF (then the connection is dropped, and the writer tries once more within
        the deadline). An older sidecar announces nothing: then there is no ack to wait for."""
        lines = self._lines
        run = self._ack_run
        try:
            # a sidecar that acks says so first thing; one silent for a moment never will
            grace_end = time.monotonic() + _ACK_READY_GRACE
            lines.read_until(lambda: lines.ready is not None or run in lines.acked, min(self._ack_deadline, grace_end))
            self._note_lines(lines)
            if self.sidecar_acks:
                lines.read_until(lambda: run in lines.acked, self._ack_deadline)
                self._note_lines(lines)
        except (OSError, ValueError) as e:
            # the sidecar went away after bye: a sidecar that resumes is tried again (within
            # drain_timeout); an older one's replayer gets the spool file
            self._note_lines(lines)
            if self.acked:
                with self._cv:
                    self._ack_run = None
                    self._cv.notify_all()
            return self._drop_socket(sock, e if isinstance(e, OSError) else None)
        with self._cv:
            self._ack_run = None
            self._cv.notify_all()
        return sock

    def _drop_socket(self, sock, exc):
        self._connection_problem('lost the connection to the sidecar at', exc, self._give_up_reason)
        try:
            sock.close()
        except OSError:
            pass
        self._close_read_fd()
        with self._cv:
            self._sock = None
            self._state = _STATE_DOWN
            self._lost = True
            self._plan_retry_locked()
        return None

    def _undeliverable_locked(self, count, why):
        # The one place frames are lost (with overflow=spool only those that are not on disk).
        self.dropped += count
        self.dropped_by[why] = self.dropped_by.get(why, 0) + count
        if why == 'full' and not self._full_warned:
            self._full_warned = True
            self.pending_warnings.append(
                'otel_sidecar: the frame queue is full (%d frames); new frames are dropped (not spooled) '
                'until the writer catches up' % self.maxlen)

    # -- shutdown ---------------------------------------------------------------------------
    def drain(self, timeout):
        """Wait (at most ``timeout`` s) until everything queued was written. True if it was."""
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cv:
            self._urgent = True
            self._cv.notify_all()
            while self._q or self._inflight or self._state == _STATE_CONNECTING or self._behind_locked():
                if self._thread is None or not self._thread.is_alive():
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(left)
            return True

    def await_ack(self, run_id, timeout):
        """At exit, after ``bye`` was written: wait at most ``timeout`` s for the sidecar to say
        the run is safely exported. Without a connection the writer thread tries once more now,
        and sends what the sidecar does not have first. True if it was acked."""
        with self._cv:
            t = self._thread
            if t is None or not t.is_alive():
                return False
            if self._sock is None and (self._spool_off or self._hopeless):
                return False
            self._ack_deadline = time.monotonic() + max(0.0, timeout)
            self._ack_run = run_id
            self._urgent = True
            self._give_up_reason = None
            if self._sock is None:
                self._plan_retry_locked(now=True)
            self._cv.notify_all()
            while not self.acked and self._ack_run is not None:
                left = self._ack_deadline + 0.05 - time.monotonic()
                if left <= 0 or not t.is_alive():
                    break
                self._cv.wait(left)
            self._ack_run = None
            return self.acked

    def give_up_connection(self, reason):
        """End the connection (the writer goes on with the spool file only). False if none is up."""
        with self._cv:
            sock = self._sock
            if sock is None:
                if self._state != _STATE_CONNECTING:
                    self._give_up_reason = reason
                    self._retry_at = None
                    return False
                self._give_up_reason = reason  # stops the connect attempts
                return True
            self._sock = None
            self._state = _STATE_DOWN
            self._give_up_reason = reason
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes a writer blocked in sendall
        except OSError:
            pass
        return True

    def discard_queued(self):
        """Give up on everything still queued (counted as dropped). Returns how many."""
        with self._cv:
            n = len(self._q)
            if n:
                self._q.clear()
                self._undeliverable_locked(n, 'timeout')
            return n

    def wait_leftovers(self, timeout):
        """At exit: the leftover thread may finish the file it sends, within ``timeout`` s."""
        if self.leftovers is not None:
            self.leftovers.join(timeout)

    def close(self):
        if self.leftovers is not None:
            self.leftovers.stop()
        with self._cv:
            self._closing = True
            self._urgent = True
            sock = self._sock
            self._sock = None
            self._cv.notify_all()
        if sock is not None:
            try:
                # Wakes a writer blocked in sendall on a sidecar that stopped reading.
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(0.2)
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
        if self.leftovers is not None:
            self.leftovers.join(0.2)

    def finish_spool(self, delivered):
        """After close(), in the controller: delete the spool file when ``delivered`` (the
        sidecar acked the run, or an older sidecar that never acks got every frame, bye
        included), else keep it. Returns the kept path or None."""
        path = self.spool_path
        if path is None or self._child:
            return None
        t = self._thread
        idle = delivered or t is None or not t.is_alive()  # else the writer may still append
        fd = self._spool_fd
        if idle and fd is not None:
            self._spool_fd = None
            self._spool_off = True
            try:
                os.close(fd)
            except OSError:
                pass
        if delivered:
            try:
                os.unlink(path)
            except OSError:
                pass
            if self._evicted_told and self.acked:
                spool_evicted_told(os.path.dirname(path), self._evicted_told)
            return None
        return path if os.path.exists(path) else None

    def _forked_child(self):
        self._child = True
        self._closing = True
        sock = self._sock
        self._sock = None
        self._thread = None
        # Only the controller writes (and deletes) the spool file: the child forgets it. A raw
        # fd has no buffer, so closing this process' copy writes nothing.
        fd = self._spool_fd
        self._spool_fd = None
        self._spool_off = True
        self.spool_path = None
        for f in (fd, self._read_fd):
            if f is not None:
                try:
                    os.close(f)
                except OSError:
                    pass
        self._read_fd = None
        if sock is not None:
            sock.close()  # this process' copy only; the parent's connection stays up
        if self.leftovers is not None:
            self.leftovers._forked_child()

    @property
    def in_child(self):
        return self._child


class LeftoverSender(object):
    """At the start of a run, the spool files earlier runs of this controller left (no sidecar
    took them: theirs was away, or cannot see this disk) go to the sidecar, each on a connection
    of its own, on a thread of its own: claimed by the rename a sidecar's replayer makes
    (``<file>.replaying-<pid>``, so two never send one file), sent with ``resume`` ``leftover``
    from what the sidecar lacks, ended with ``eof``, and deleted once acked. At most MAX_BYTES and
    MAX_SECONDS per run start, and never past this run's exit: a file not finished is renamed
    back for the next one, and a file over the bytes left is skipped, not the ones after it
    (docs/protocol.md, "Reconnect and resume")."""

    MAX_BYTES = 64 << 20
    MAX_SECONDS = 60.0
    ACK_WAIT = 30.0     # for the ack of one file, within MAX_SECONDS

    def __init__(self, writer):
        self.writer = writer
        self.dir = os.path.dirname(writer.spool_path)
        self.own = os.path.basename(writer.spool_path)
        self._stop = threading.Event()
        self._thread = None
        self._sock = None
        self.sent = []                   # files sent and acked (their names)
        self.kept = []                   # files tried and given back

    def start(self):
        t = threading.Thread(target=self._run, name='otel-sidecar-leftovers')
        t.daemon = True
        self._thread = t
        t.start()

    def stop(self):
        self._stop.set()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a send or a read under way
            except OSError:
                pass

    def join(self, timeout):
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)

    def _forked_child(self):
        self._stop.set()
        self._thread = None
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def claim(self):
        """Renames the spool files of gone controllers (or of a claimer that is gone) to ours."""
        try:
            names = sorted(os.listdir(self.dir))
        except OSError:
            return []
        claimed = []
        me = os.getpid()
        for name in names:
            spool = _SPOOL_FILE.match(name)
            stale = _SPOOL_CLAIMED.match(name)
            if name == self.own or not (spool or stale):
                continue
            pid = int((spool or stale).group(1))
            if pid == me or _pid_alive(pid):
                continue
            base = name if spool else name.rsplit('.replaying-', 1)[0]
            target = os.path.join(self.dir, '%s.replaying-%d' % (base, me))
            try:
                os.rename(os.path.join(self.dir, name), target)
            except OSError:
                continue  # a sidecar or another shim was faster
            claimed.append((target, os.path.join(self.dir, base)))
        return claimed

    def _run(self):
        deadline = time.monotonic() + self.MAX_SECONDS
        budget = self.MAX_BYTES
        claimed = []
        try:
            claimed = self.claim()
            for i, (path, original) in enumerate(claimed):
                if self._stop.is_set() or time.monotonic() >= deadline:
                    break
                size = os.path.getsize(path)
                if size > budget:
                    continue  # given back below; a smaller file may still fit
                budget -= size
                sent = self._send(path, deadline)
                if sent:
                    self.sent.append(os.path.basename(original))
                    claimed[i] = None
                    continue
                if sent is None or self._refused:
                    break  # no sidecar to send to now, or one that does not resume
        except Exception:  # pylint: disable=broad-except
            pass  # never the playbook's problem: what is left is given back below
        for c in claimed:
            if c is None:
                continue
            path, original = c
            try:
                os.rename(path, original)
                self.kept.append(os.path.basename(original))
            except OSError:
                pass

    _refused = False

    def _send(self, path, deadline):
        """One leftover file to the sidecar; True once it is acked (and deleted), None when no
        sidecar could be reached."""
        run_id = os.path.basename(path).split('-', 1)[0]
        w = self.writer
        timeout = min(w.send_timeout, _RETRY_TIMEOUT)
        sock = None
        try:
            last = spool_last_seq(path)
            if last is None:
                return False  # not one whole frame: not for a sidecar (the cap takes it in time)
            try:
                sock = w.open_connection(timeout)
            except OSError:
                return None
            self._sock = sock
            lines = SidecarLines(sock, w._websocket)
            lines.read_until(lambda: lines.ready is not None, time.monotonic() + timeout)
            if not lines.resumes:
                self._refused = True  # an older sidecar: leftovers are not for it
                return False
            sock.sendall(_resume_frame(run_id, last, leftover=True))
            lines.read_until(lambda: run_id in lines.applied, time.monotonic() + timeout)
            if run_id not in lines.applied:
                return False
            if run_id not in lines.acked:
                offset = spool_offset_after(path, lines.applied[run_id])
                with open(path, 'rb') as f:
                    f.seek(offset)
                    while not self._stop.is_set():
                        chunk = f.read(_CATCH_UP_SLICE)
                        if not chunk:
                            break
                        if not chunk.endswith(b'\n'):
                            chunk += f.readline()
                        if not chunk.endswith(b'\n'):
                            chunk = chunk[:chunk.rfind(b'\n') + 1]  # a torn last line: not sent
                        sock.sendall(chunk)
                if self._stop.is_set():
                    return False
                sock.sendall((json.dumps({'v': PROTOCOL_VERSION, 't': 'eof', 'run': run_id, 'seq': last,
                                          'ts': time.time_ns()}, separators=(',', ':')) + '\n').encode('utf-8'))
                lines.read_until(lambda: run_id in lines.acked or self._stop.is_set(),
                                 min(deadline, time.monotonic() + self.ACK_WAIT))
            if run_id not in lines.acked:
                return False
            os.unlink(path)
            return True
        except (OSError, ValueError):
            return False
        finally:
            self._sock = None
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass


# --------------------------------------------------------------------------------------------
# Helpers reading ansible objects

# 2.19+ hands callbacks a CallbackTaskResult with public ``result``, ``task`` and ``host``; its
# ``_result``, ``_task`` and ``_host`` are compatibility properties to be deprecated (2.23). 2.14
# has only those. Never ``task_fields``: 2.22 warns on it.
def result_data(result):
    data = getattr(result, 'result', None)
    return result._result if data is None else data


def result_task(result):
    task = getattr(result, 'task', None)
    return result._task if task is None else task


def result_host(result):
    host = getattr(result, 'host', None)
    return result._host if host is None else host


def _failed_attempt(attempts):
    """The attempt of a retry's result that failed its `until` (_RETRY_ATTEMPT_AHEAD)."""
    return attempts - 1 if _RETRY_ATTEMPT_AHEAD and type(attempts) is int else attempts


def notifications(notify):
    """The names in a task's ``notify`` (one name or a list)."""
    if isinstance(notify, str):
        return [notify]
    if isinstance(notify, (list, tuple)):
        return [n for n in notify if isinstance(n, str)]
    return []


def _handler_names(handler):
    names = {getattr(handler, 'name', None)}
    for fqcn in (False, True):
        try:
            names.add(handler.get_name(include_role_fqcn=fqcn))
        except Exception:  # pylint: disable=broad-except
            pass
    return names


def handlers_notified(play, notification):
    """The play's handlers that ``notification`` reaches, as the strategy resolves it: the last
    handler with that name (plain or role-qualified), and every handler listening to it."""
    handlers = [h for b in reversed(getattr(play, 'handlers', None) or []) for h in (getattr(b, 'block', None) or [])]
    out = []
    for h in handlers:
        if notification in _handler_names(h):
            out.append(h)
            break
    for h in handlers:
        listen = getattr(h, 'listen', None) or []
        if notification in ([listen] if isinstance(listen, str) else listen) and not any(h is o for o in out):
            out.append(h)
    return out


def _batch_host_count(play):
    # ansible-core restricts the inventory to the serial batch before this callback: counting the
    # play's pattern now gives the batch. Private attribute, hence the guard.
    try:
        return len(play.get_variable_manager()._inventory.get_hosts(play.hosts, order=play.order))
    except Exception:
        return None


def _is_static(node):
    return bool(getattr(node, 'statically_loaded', False))


def _is_dynamic_include(task):
    """include_tasks or include_role (the static import_* send no result)."""
    return (_TaskInclude is not None and isinstance(task, _TaskInclude) or
            _IncludeRole is not None and isinstance(task, _IncludeRole)) and not _is_static(task)


def _dep_chain(node):
    try:
        chain = node.get_dep_chain()
    except Exception:
        return []
    return list(chain) if chain else []


def _same_role(a, b):
    return a is b or getattr(a, '_uuid', None) == getattr(b, '_uuid', 0)


def _role_name(role):
    try:
        return role.get_name()
    except Exception:
        return getattr(role, '_role_name', None) or '?'


def _path_of(node):
    try:
        return node.get_path() or None
    except Exception:  # pylint: disable=broad-except
        return None


def task_scopes(task):
    """Enclosing roles and includes of ``task``, outermost first (docs/protocol.md, scopes)."""
    out = []
    chain = _dep_chain(task)
    node = getattr(task, '_parent', None)
    guard = 0
    while node is not None and guard < 256:
        guard += 1
        if _IncludeRole is not None and isinstance(node, _IncludeRole):
            above = _dep_chain(node)
            if len(above) <= len(chain) and all(_same_role(a, b) for a, b in zip(above, chain)):
                owned = chain[len(above):]
            else:
                owned = chain[-1:]
            for role in reversed(owned[1:]):
                out.append({'kind': 'role', 'id': role._uuid, 'name': _role_name(role), 'via': 'dependency'})
            name = _role_name(owned[0]) if owned else (getattr(node, '_role_name', None) or '?')
            out.append({'kind': 'role', 'id': node._uuid, 'name': name,
                        'via': 'import_role' if _is_static(node) else 'include_role', 'path': _path_of(node)})
            chain = above
        elif _TaskInclude is not None and isinstance(node, _TaskInclude) and not _is_static(node):
            args = getattr(node, 'args', None) or {}
            name = args.get('_raw_params') or args.get('file')
            out.append({'kind': 'include', 'id': node._uuid,
                        'name': name if isinstance(name, str) else str(name), 'via': 'include_tasks', 'path': _path_of(node)})
        node = getattr(node, '_parent', None)
    for i in range(len(chain) - 1, -1, -1):
        role = chain[i]
        out.append({'kind': 'role', 'id': role._uuid, 'name': _role_name(role),
                    'via': 'roles' if i == 0 else 'dependency'})
    out.reverse()
    return out


def _block_section(block, child):
    """Which section of ``block`` (block/rescue/always) holds ``child``, or None."""
    cu = child._uuid
    cp = getattr(child, '_parent', None)
    cpu = getattr(cp, '_uuid', None)
    loose = None
    for section in ('block', 'rescue', 'always'):
        for item in getattr(block, section, None) or ():
            if getattr(item, '_uuid', None) != cu:
                continue
            ip = getattr(item, '_parent', None)
            if cpu is None or ip is None or getattr(ip, '_uuid', None) == cpu:
                return section
            if loose is None:
                loose = section
    return loose


def task_is_rescued(task):
    """True when ``task`` sits (directly, or through nested blocks/includes/imports) in the
    ``block:`` section of a Block whose ``rescue:`` section is not empty."""
    if _Block is None:
        return False
    handler = _Handler is not None and isinstance(task, _Handler)
    child = task
    node = getattr(task, '_parent', None)
    guard = 0
    while node is not None and guard < 256:
        guard += 1
        if isinstance(node, _Block):
            if node.rescue and _block_section(node, child) == 'block':
                return True
            child = node
        elif handler and not isinstance(node, _Handler):
            # A handler runs when handlers are flushed, outside the block of the task that
            # included its role or file: that block's rescue does not catch it.
            return False
        elif not _is_static(node):
            # a dynamic include sits in its block like a task; static imports are flattened
            # into their block, so keep looking for the imported block itself
            child = node
        node = getattr(node, '_parent', None)
    return False


def _throttle_of(task):
    """The task's throttle (inherited from its block or play) as a number; None for a template."""
    value = getattr(task, 'throttle', 0)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return max(0, value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _controller_cpus():
    """The CPUs this process may run on (its affinity, else the machine's), or None."""
    try:
        return len(os.sched_getaffinity(0)) or None
    except (AttributeError, OSError):
        return os.cpu_count()


def _cpu_fields():
    """The CPU clocks the what-if reads, as the kernel counts them: `worker_cpu`, the seconds of
    this process's finished children (ansible's workers and the modules they waited for, counted
    when reaped); `controller_cpu`, this process's own; `machine_cpu`, the seconds the CPUs it may
    run on were busy since boot, whoever ran on them (/proc/stat; None elsewhere). The last less
    the first two is what other processes took of the controller's CPUs."""
    t = os.times()
    return {
        'worker_cpu': round(t.children_user + t.children_system, 3),
        'controller_cpu': round(t.user + t.system, 3),
        'machine_cpu': _machine_cpu(),
    }


_PROC_STAT = None  # (the cpuN line prefixes of this process's affinity, clock ticks a second); False: none


def _machine_cpu():
    """Busy seconds of the CPUs this process may run on (user, nice, system, irq, softirq, steal
    from /proc/stat), or None where there is no /proc/stat. One small read per task."""
    global _PROC_STAT  # pylint: disable=global-statement
    if _PROC_STAT is None:
        try:
            cpus = sorted(os.sched_getaffinity(0))
            _PROC_STAT = (tuple('cpu%d ' % c for c in cpus), os.sysconf('SC_CLK_TCK'))
        except (AttributeError, OSError, ValueError):
            _PROC_STAT = False
    if not _PROC_STAT:
        return None
    prefixes, hz = _PROC_STAT
    try:
        with open('/proc/stat', 'rb') as f:
            text = f.read().decode('ascii', 'replace')
    except OSError:
        return None
    busy = 0
    seen = 0
    for line in text.splitlines():
        if line.startswith(prefixes):
            v = line.split()
            # user nice system idle iowait irq softirq steal (guest is inside user)
            busy += sum(int(x) for x in v[1:4]) + sum(int(x) for x in v[6:9])
            seen += 1
    return round(busy / hz, 2) if seen and hz > 0 else None


def _configured_as_stdout_callback():
    """True when ansible-core is told to use this plugin as its stdout callback."""
    try:
        return getattr(C, 'DEFAULT_STDOUT_CALLBACK', None) == 'otel_sidecar'
    except Exception:  # pylint: disable=broad-except
        return False


def _guard(method):
    """No exception may escape into ansible: warn once, then go on silently."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as e:  # pylint: disable=broad-except
            self._internal_error(name, e)
        return None
    return wrapper


def _guard_and_warnings(method):
    """_guard, then, as the stdout callback, the result's warnings and deprecations, shown as
    ansible-core's default callback does for the same events. One wrapper, not two stacked: on
    ansible's hot path every frame is objects touched after a fork (_c_dumps)."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self, result, *args, **kwargs):
        try:
            method(self, result, *args, **kwargs)
        except Exception as e:  # pylint: disable=broad-except
            self._internal_error(name, e)
        if self.CALLBACK_TYPE == 'stdout':
            try:
                self._handle_warnings(result_data(result))
            except Exception:  # pylint: disable=broad-except
                pass
    return wrapper


class CallbackModule(CallbackBase):
    """Stream playbook events to the ansible-otel sidecar."""

    CALLBACK_VERSION = 2.0
    # As the configured stdout callback it must say so: ansible-core then skips this class when
    # it loads the enabled notification callbacks, so the run is not reported twice.
    CALLBACK_TYPE = 'stdout' if _configured_as_stdout_callback() else 'notification'
    CALLBACK_NAME = 'otel_sidecar'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None):
        self._ready = False
        self._run_id = uuid.uuid4().hex
        self._seq = 0
        self._pid = os.getpid()
        self._writer = None
        self._hello_sent = False
        self._error_warned = False
        self._exited = False
        self._hide_args = False
        self._include_facts = False
        self._drain_timeout = 2.0
        self._overflow = 'spool'
        self._host_spans = None
        self._socket_path = None
        self._play_uuid = None
        self._host_task = {}          # host name -> uuid of the task it last started (async_poll)
        self._stats_prev = {}         # host -> summary at the previous stats frame
        self._pb_hosts = set()        # hosts that reported results in the current playbook
        self._clip_str, self._clip_value, self._clip_deep = make_clippers(4096)
        self._play = None
        self._vault = VaultSecrets()
        self._pending = {}            # host name -> uuid of the task whose result is due
        self._awaiting_flush = set()  # (handler uuid, host) sent, until ansible flushes handlers
        self._task_uuid = None        # the task started last: what an error ansible shows is about
        self._errors_sent = 0
        super(CallbackModule, self).__init__(display=display, options=options)

    # ---------------------------------------------------------------------------------------
    # setup
    def set_options(self, task_keys=None, var_options=None, direct=None):
        try:
            super(CallbackModule, self).set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        except Exception:  # pylint: disable=broad-except
            # not loaded through ansible's plugin loader (tests, embedding): direct options only
            self._plugin_options = dict(direct or {})
        if self._ready:
            return
        try:
            self._configure()
        except Exception as e:  # pylint: disable=broad-except
            self._internal_error('set_options', e)

    def _opt(self, name, default):
        try:
            value = self.get_option(name)
        except KeyError:
            return default
        return default if value is None else value

    def _configure(self):
        path = self._opt('socket', '') or ''
        path = str(path).strip() if path else ''
        if path and not is_websocket_url(path):
            path = os.path.expanduser(os.path.expandvars(path))
        path = path or default_socket_path()
        self._socket_path = path
        self._hide_args = bool(self._opt('hide_task_arguments', False))
        self._secret_arg_words = frozenset(w.strip().lower() for w in (self._opt('redact_arg_names', None) or []) if str(w).strip())
        self._secret_values = _compile_value_patterns(self._opt('redact_value_patterns', None) or [], self._display)
        self._include_facts = bool(self._opt('include_facts', False))
        try:
            max_bytes = int(self._opt('max_result_bytes', 4096))
        except (TypeError, ValueError):
            max_bytes = 4096
        self._clip_str, self._clip_value, self._clip_deep = make_clippers(max_bytes)
        try:
            queue_size = int(self._opt('queue_size', 10000))
        except (TypeError, ValueError):
            queue_size = 10000
        try:
            self._drain_timeout = max(0.0, float(self._opt('drain_timeout', 2.0)))
        except (TypeError, ValueError):
            self._drain_timeout = 2.0
        host_spans = str(self._opt('host_spans', '') or '').strip().lower()
        valid = host_spans in ('all', 'problems', 'none') or re.match(r'^auto:[1-9][0-9]{0,8}$', host_spans)
        self._host_spans = host_spans if valid else None
        if host_spans and not valid:
            self._display.warning('otel_sidecar: host_spans=%s is not all, problems, none or auto:N; the sidecar chooses' % host_spans)
        overflow = str(self._opt('overflow', 'spool') or 'spool').strip().lower()
        self._overflow = 'drop' if overflow == 'drop' else 'spool'
        spool_path = None
        if self._overflow == 'spool':
            spool_dir = self._opt('spool_dir', '') or ''
            spool_dir = os.path.expanduser(os.path.expandvars(str(spool_dir))) if spool_dir else default_spool_dir()
            spool_path = os.path.join(os.path.abspath(spool_dir), '%s-%d.ndjson' % (self._run_id, self._pid))
        try:
            send_timeout = float(self._opt('send_timeout', 5.0))
        except (TypeError, ValueError):
            send_timeout = 5.0
        spool_cap = spool_cap_from(self._opt('spool_max_mb', 1024), self._opt('spool_max_age_days', 7))
        self._writer = FrameWriter(path, queue_size if queue_size > 0 else 10000, spool_path=spool_path,
                                   send_timeout=send_timeout if send_timeout > 0 else 5.0,
                                   token=str(self._opt('token', '') or '') or None,
                                   tls=TlsFiles(*(str(self._opt(k, '') or '') or None
                                                  for k in ('tls_ca_file', 'tls_client_cert', 'tls_client_key'))),
                                   spool_cap=spool_cap, run_id=self._run_id, leftovers=True)
        self._ready = True
        self._writer.start()
        atexit.register(self._at_exit)
        self._send_hello()
        _install_end_hooks(self._display, self._ansible_error)

    def _ensure_ready(self):
        # set_options is normally called right after the plugin is loaded; be safe if not.
        if not self._ready:
            self.set_options()
        return self._ready

    # ---------------------------------------------------------------------------------------
    # the fast path: pick fields -> dumps -> enqueue
    def _emit(self, t, fields, ts=None):
        if ts is None:
            ts = time.time_ns()
        writer = self._writer
        if writer is None:
            if not self._ensure_ready():
                return
            writer = self._writer
        if writer._child:
            return
        body = _dumps(fields) if fields else '{}'
        # Secrets, 3: on the text of every frame, before it is queued
        if '@' in body:
            body = _URL_CREDENTIALS.sub(r'\1', body)
        if self._secret_values is not None:
            body = _redact_values(body, self._secret_values)
        # seq numbers and queue order must match: both under the writer's lock (callbacks come
        # from two of ansible's threads); the writer is not woken per frame (append_locked).
        with writer._lock:
            seq = self._seq
            self._seq = seq + 1
            if len(body) > 2:
                line = '{"v":%d,"t":"%s","run":"%s","seq":%d,"ts":%d,%s\n' % (
                    PROTOCOL_VERSION, t, self._run_id, seq, ts, body[1:])
            else:
                line = '{"v":%d,"t":"%s","run":"%s","seq":%d,"ts":%d}\n' % (
                    PROTOCOL_VERSION, t, self._run_id, seq, ts)
            writer.append_locked(line.encode('utf-8', 'replace'))
        if writer.pending_warnings:
            self._flush_warnings()

    MAX_ERROR_FRAMES = 20  # ansible shows few errors; a run that shows more sends the first ones

    def _ansible_error(self, msg):
        """An error ansible displayed: an ``error`` frame, about the task started last."""
        writer = self._writer
        if writer is None or writer._child or os.getpid() != self._pid or self._exited:
            return
        if self._errors_sent >= self.MAX_ERROR_FRAMES:
            return
        self._errors_sent += 1
        self._emit('error', {'msg': self._clip_str(error_text(msg)), 'task': self._task_uuid, 'play': self._play_uuid})

    def _flush_warnings(self):
        writer = self._writer
        while writer is not None and writer.pending_warnings:
            try:
                msg = writer.pending_warnings.pop(0)
            except IndexError:
                break
            self._display.warning(msg)

    def _internal_error(self, where, exc):
        """Said once; never raises (it runs where an exception would reach ansible)."""
        if self._error_warned:
            return
        self._error_warned = True
        try:
            self._display.warning('otel_sidecar: internal error in %s: %s: %s (the playbook is not affected; '
                                  'further errors of this plugin are not shown)' % (where, type(exc).__name__, exc))
        except Exception:  # pylint: disable=broad-except
            pass

    # ---------------------------------------------------------------------------------------
    # what of a result and a task is sent (Secrets, 1 and 2)
    def _res(self, r, no_log):
        if no_log:
            return {'censored': CENSORED}
        clip = self._clip_value
        out = {}
        # Over the result's own items: made after the worker's fork, touching them copies no
        # page (see _c_dumps); the key names are shared, read only by the set lookup.
        for key, value in r.items():
            if key in _RES_KEYSET:
                out[key] = clip(value)
        results = r.get('results')
        if isinstance(results, list):
            out['results_count'] = len(results)
        if self._include_facts and 'ansible_facts' in r:
            out['ansible_facts'] = self._clip_deep(r['ansible_facts'])
        return out

    @staticmethod
    def _result_no_log(result):
        return _no_log_of(result_data(result), result_task(result))

    def _args(self, task, no_log):
        if no_log or self._hide_args:
            return None
        args = getattr(task, 'args', None)
        if not args:
            return {}
        return redact_args(args, self._secret_arg_words, self._clip_value)

    def _label(self, r, no_log):
        if no_log:
            return CENSORED_LABEL
        label = r.get('_ansible_item_label', r.get('item'))
        if isinstance(label, str):
            return self._clip_str(label)
        if label is None:
            return None
        try:
            return self._clip_str(_dumps(label))
        except Exception:
            return '<%s>' % type(label).__name__  # str() could decrypt a vault value inside

    # ---------------------------------------------------------------------------------------
    # vault secrets (Secrets, 4): searched once per play and per task, never per result
    SECRET_SEARCH_BUDGET = 200000  # values looked at per play or task, at most

    def _collect_secrets(self, *values):
        """Registers the plaintexts of the vault values in ``values``; the writer masks them."""
        budget = [self.SECRET_SEARCH_BUDGET]
        for value in values:
            if value:
                self._vault.collect(value, budget)
        writer = self._writer
        if writer is not None and writer.masks is not self._vault.masks:
            writer.masks = self._vault.masks

    # ---------------------------------------------------------------------------------------
    # frames
    def _send_hello(self):
        if self._hello_sent:
            return
        self._hello_sent = True
        ts = time.time_ns()
        cli = context.CLIARGS
        try:
            user = getpass.getuser()
        except Exception:
            user = str(os.getuid()) if hasattr(os, 'getuid') else None
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = None
        hello = {
            'ansible_version': _ANSIBLE_VERSION,
            'shim_version': SHIM_VERSION,
            'python': platform.python_version(),
            'pid': self._pid,
            'argv': _redact_argv([str(a) for a in sys.argv]),
            'cwd': cwd,
            'user': user,
            'hostname': socket.gethostname(),
            'check': bool(cli.get('check', False)),
            'diff': bool(cli.get('diff', False)),
            'traceparent': os.environ.get('TRACEPARENT') or None,
            'tracestate': os.environ.get('TRACESTATE') or None,
        }
        if self._host_spans:  # absent, not null: older sidecars and the schema know no null here
            hello['host_spans'] = self._host_spans
        forks = cli.get('forks')  # the CLI's default is ansible.cfg's / ANSIBLE_FORKS
        hello['forks'] = forks if isinstance(forks, int) and not isinstance(forks, bool) and forks > 0 else None
        hello['cpus'] = _controller_cpus()
        hello['resume'] = True  # this shim reconnects and resumes (docs/protocol.md)
        self._emit('hello', hello, ts)

    def _host_result(self, result, status, ignored=False):
        ts = time.time_ns()
        task = result_task(result)
        r = result_data(result)
        host = result_host(result).get_name()
        no_log = _no_log_of(r, task)
        rescued = False
        if not ignored and (status == 'failed' or (status == 'ok' and _is_dynamic_include(task))):
            # an include's ok: whether a failure to load what it includes would be rescued
            rescued = task_is_rescued(task)
        self._pb_hosts.add(host)
        pending = self._pending.pop(host, None)
        if status == 'ok' and r.get('changed') and getattr(task, 'notify', None):
            self._notify_from_result(task, host, pending[1] if pending else set(), ts)
        self._emit('host_result', {
            'task': task._uuid,
            'host': host,
            'status': status,
            'changed': bool(r.get('changed', False)),
            'ignored': bool(ignored),
            'rescued': rescued,
            'action': getattr(task, 'resolved_action', None) or task.action,
            'delegated_to': task.delegate_to if isinstance(task.delegate_to, str) else None,
            'no_log': no_log,
            'res': self._res(r, no_log),
        }, ts)

    def _item_result(self, result, status):
        ts = time.time_ns()
        r = result_data(result)
        no_log = self._result_no_log(result)
        self._emit('item_result', {
            'task': result_task(result)._uuid,
            'host': result_host(result).get_name(),
            'status': status,
            'changed': bool(r.get('changed', False)),
            'label': self._label(r, no_log),
            'no_log': no_log,
            'res': self._res(r, no_log),
        }, ts)

    def _async(self, t, result):
        ts = time.time_ns()
        r = result_data(result)
        host = result_host(result).get_name()
        job = r.get('ansible_job_id')
        if not job and isinstance(r.get('async_result'), dict):
            job = r['async_result'].get('ansible_job_id')
        task_uuid = result_task(result)._uuid
        no_log = self._result_no_log(result)
        if t == 'async_poll':
            # ansible-core polls with a throw-away async_status task (fresh uuid, default no_log):
            # report the task that started the job instead (a host runs one task at a time).
            started = self._host_task.get(host)
            if started is not None:
                task_uuid = started[0]
                no_log = no_log or started[1]
        self._emit(t, {
            'task': task_uuid,
            'host': host,
            'job': job,
            'no_log': no_log,
            'res': self._res(r, no_log),
        }, ts)

    def _task_start(self, task, handler):
        ts = time.time_ns()
        self._task_uuid = task._uuid
        self._collect_secrets(getattr(task, 'args', None), getattr(task, 'vars', None), *self._vault.files_loaded_since())
        no_log = _truthy_no_log(getattr(task, 'no_log', None)) or bool(getattr(C, 'DEFAULT_NO_LOG', False))
        role = getattr(task, '_role', None)
        fields = {
            'task': task._uuid,
            'play': self._play_uuid,
            'name': self._clip_str(task.get_name() or ''),
            'action': task.action,
            'handler': handler,
            'path': task.get_path() or None,
            'role': _role_name(role) if role is not None else None,
            'tags': [task.tags] if isinstance(task.tags, str) else list(task.tags or []),
            'no_log': no_log,
        }
        args = self._args(task, no_log)
        if args is not None:
            fields['args'] = args
        fields['scopes'] = task_scopes(task)
        fields['throttle'] = _throttle_of(task)
        fields.update(_cpu_fields())
        self._emit('task_start', fields, ts)

    # ---------------------------------------------------------------------------------------
    # ansible-core callbacks
    @_guard
    def v2_playbook_on_start(self, playbook):
        ts = time.time_ns()
        self._ensure_ready()
        self._pb_hosts = set()
        path = getattr(playbook, '_file_name', None)
        if path == '__adhoc_playbook__':
            # an ad-hoc command (`ansible PATTERN -m MODULE`, ANSIBLE_LOAD_CALLBACK_PLUGINS set):
            # named the way people type it; the module's arguments stay out of the name
            cli = context.CLIARGS
            command = self._clip_str('ansible %s -m %s' % (cli.get('args') or 'all', cli.get('module_name') or 'command'))
            self._emit('playbook_start', {'path': command, 'name': command}, ts)
            return
        self._emit('playbook_start', {
            'path': os.path.abspath(path) if path else None,
            'name': os.path.basename(path) if path else None,
        }, ts)

    @_guard
    def v2_playbook_on_vars_prompt(self, varname, private=True, prompt=None, encrypt=None, confirm=False,
                                   salt_size=None, salt=None, default=None, unsafe=None):
        self._emit('vars_prompt', {'varname': varname, 'private': bool(private)})

    @_guard
    def v2_playbook_on_play_start(self, play):
        ts = time.time_ns()
        self._play_uuid = play._uuid
        self._play = play
        self._task_uuid = None
        self._collect_secrets(*self._vault.play_sources(play))
        hosts = play.hosts
        if isinstance(hosts, str):
            hosts = [hosts]
        serial = getattr(play, 'serial', None)
        check = getattr(play, 'check_mode', None)
        self._emit('play_start', {
            'play': play._uuid,
            'name': self._clip_str(play.get_name() or ''),
            'hosts': list(hosts or []),
            'strategy': getattr(play, 'strategy', None),
            'serial': list(serial) if isinstance(serial, (list, tuple)) and serial else None,
            'check': check if isinstance(check, bool) else None,
            'host_count': _batch_host_count(play),
        }, ts)

    @_guard
    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task, False)

    @_guard
    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task, True)

    @_guard
    def v2_playbook_on_cleanup_task_start(self, task):
        self._task_start(task, False)

    @_guard
    def v2_runner_on_start(self, host, task):
        ts = time.time_ns()
        name = host.get_name()
        self._host_task[name] = (task._uuid, _truthy_no_log(getattr(task, 'no_log', None)))
        self._pending[name] = (task._uuid, set())
        self._emit('host_start', {'task': task._uuid, 'host': name}, ts)

    @_guard_and_warnings
    def v2_runner_on_ok(self, result):
        self._host_result(result, 'ok')

    @_guard_and_warnings
    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._host_result(result, 'failed', ignored=bool(ignore_errors))

    @_guard
    def v2_runner_on_skipped(self, result):
        self._host_result(result, 'skipped')

    @_guard
    def v2_runner_on_unreachable(self, result):
        ignored = bool(getattr(result_task(result), 'ignore_unreachable', False))
        self._host_result(result, 'unreachable', ignored=ignored)

    @_guard
    def v2_runner_item_on_ok(self, result):
        self._item_result(result, 'ok')

    @_guard_and_warnings
    def v2_runner_item_on_failed(self, result):
        self._item_result(result, 'failed')

    @_guard
    def v2_runner_item_on_skipped(self, result):
        self._item_result(result, 'skipped')

    @_guard
    def v2_runner_retry(self, result):
        ts = time.time_ns()
        r = result_data(result)
        no_log = self._result_no_log(result)
        self._emit('retry', {
            'task': result_task(result)._uuid,
            'host': result_host(result).get_name(),
            'attempt': _failed_attempt(r.get('attempts')),
            'retries': r.get('retries'),
            'no_log': no_log,
            'res': self._res(r, no_log),
        }, ts)

    @_guard
    def v2_runner_on_async_poll(self, result):
        self._async('async_poll', result)

    @_guard
    def v2_runner_on_async_ok(self, result):
        self._async('async_ok', result)

    @_guard
    def v2_runner_on_async_failed(self, result):
        self._async('async_failed', result)

    @_guard
    def v2_playbook_on_notify(self, handler, host):
        name = host.get_name() if hasattr(host, 'get_name') else str(host)
        pending = self._pending.get(name)
        if pending is not None:
            # while the notifying result is processed: always on 2.14-2.17, on 2.18+ only for a
            # handler that notifies another one; the result's own notify may follow (deduped)
            self._send_notify(handler, name, pending[1])
        elif (handler._uuid, name) in self._awaiting_flush:
            # 2.18+ calls this when it flushes handlers: already sent with the notifying result
            self._awaiting_flush.discard((handler._uuid, name))
        else:
            # a notification the shim could not resolve itself (a templated name): late is
            # better than lost
            self._send_notify(handler, name, None)

    def _notify_from_result(self, task, host, sent, ts):
        """``notify`` frames of a changed ``ok`` result, before its host_result: the strategy's own
        condition, checked here on every version, because from 2.18 on ansible-core calls
        v2_playbook_on_notify only when it flushes handlers (for hosts still running then)."""
        for name in notifications(task.notify):
            if '{{' in name:
                continue  # templated per host or item: left to v2_playbook_on_notify
            for handler in handlers_notified(self._play, name):
                self._send_notify(handler, host, sent, ts)

    def _send_notify(self, handler, host, sent, ts=None):
        """One ``notify`` frame per handler and host result (``sent``: the handlers this result
        already notified), remembered until ansible-core flushes that handler."""
        uuid_ = handler._uuid
        if sent is not None:
            if uuid_ in sent:
                return
            sent.add(uuid_)
        self._awaiting_flush.add((uuid_, host))
        self._emit('notify', {
            'handler': self._clip_str(handler.get_name() or ''),
            'handler_task': uuid_,
            'host': host,
        }, ts)

    @_guard
    def v2_playbook_on_include(self, included_file):
        self._emit('include', {
            'file': included_file._filename,
            'hosts': [h.get_name() for h in included_file._hosts],
            'task': included_file._task._uuid,
        })

    @_guard
    def v2_on_file_diff(self, result):
        ts = time.time_ns()
        r = result_data(result)
        if self._result_no_log(result) or 'diff' not in r:
            return
        diff = r['diff']
        if isinstance(diff, dict):
            diff = [diff]
        if not isinstance(diff, list):
            return
        diffs = []
        for d in diff:
            if isinstance(d, dict):
                diffs.append({'before_header': d.get('before_header'), 'after_header': d.get('after_header')})
        self._emit('file_diff', {
            'task': result_task(result)._uuid,
            'host': result_host(result).get_name(),
            'diffs': diffs,
        }, ts)

    @_guard
    def v2_playbook_on_no_hosts_matched(self):
        self._emit('no_hosts_matched', {'play': self._play_uuid})

    @_guard
    def v2_playbook_on_no_hosts_remaining(self):
        self._emit('no_hosts_remaining', {'play': self._play_uuid})

    @_guard
    def v2_playbook_on_stats(self, stats):
        ts = time.time_ns()
        hosts = set(self._pb_hosts)
        hosts.update(getattr(stats, 'processed', {}) or {})
        out = {}
        prev_all = self._stats_prev
        for host in sorted(hosts):
            now = stats.summarize(host)
            prev = prev_all.get(host)
            if prev:
                delta = dict((k, v - prev.get(k, 0)) for k, v in now.items())
            else:
                delta = dict(now)
            prev_all[host] = now
            if host in self._pb_hosts or any(delta.values()):
                out[host] = delta
        self._pb_hosts = set()
        self._emit('stats', {'hosts': out}, ts)

    # ---------------------------------------------------------------------------------------
    # exit
    def _at_exit(self):
        writer = self._writer
        if writer is None or writer.in_child or self._exited or os.getpid() != self._pid:
            return
        self._exited = True
        delivered = unconfirmed = False
        try:
            budget = self._drain_timeout
            deadline = time.monotonic() + budget
            # 1) let the queued frames (stats...) go out, keeping some time for bye
            if writer.spooling:
                # a sidecar that is slow to take them loses the connection: the spool file is fast.
                # Drain again even when there was no connection left to give up: the writer may
                # have lost it (send_timeout) a moment ago and be spooling the rest now.
                if not writer.drain(budget * 0.6):
                    writer.give_up_connection('it did not take the last frames within drain_timeout (%g s) at exit' % budget)
                    writer.drain(max(0.0, deadline - budget * 0.2 - time.monotonic()))
            else:
                writer.drain(budget * 0.8)
            writer.discard_queued()  # what is still queued now is lost (counted)
            # 2) bye carries the count of frames that could not be delivered, the runs the spool
            # cap cost, and the exit code
            bye = writer.bye_fields()
            if _EXIT_CODE[0] is not None:
                bye['exit_code'] = _EXIT_CODE[0]
            self._emit('bye', bye)
            delivered = writer.drain(max(0.0, deadline - time.monotonic())) and writer.all_sent
            # 3) the spool file may go once the sidecar says the run is safely exported (an older
            # sidecar never says so: for it, every frame reaching it is enough, as before; with no
            # spool file there is nothing to wait for). Without a connection the writer tries once
            # more, and sends first what the sidecar lacks.
            if writer.spooling:
                acked = writer.await_ack(self._run_id, max(0.0, deadline - time.monotonic()))
                delivered = acked or (not writer.sidecar_acks and writer.all_sent)
                unconfirmed = writer.all_sent and not delivered
            writer.wait_leftovers(max(0.0, deadline - time.monotonic()))
        except Exception as e:  # pylint: disable=broad-except
            self._internal_error('exit', e)
        finally:
            try:
                writer.close()
            except Exception:
                pass
            try:
                self._finish_spool(writer, delivered, unconfirmed)
            except Exception as e:  # pylint: disable=broad-except
                self._internal_error('exit', e)
            try:
                self._flush_warnings()
            except Exception:
                pass

    def _finish_spool(self, writer, delivered, unconfirmed):
        # 4) the spool file: deleted when the sidecar has the run, else kept and named once
        kept = writer.finish_spool(delivered)
        if kept and not writer.spool_announced:
            writer.spool_announced = True
            what = ('the sidecar did not confirm within drain_timeout (%g s) that this run is exported; its frames'
                    % self._drain_timeout if unconfirmed else 'not every frame of this run reached the sidecar; they')
            writer.pending_warnings.append(
                'otel_sidecar: %s are kept in the spool '
                'file %s (a running `ansible-otel serve` replays it, or run `ansible-otel replay %s`); the '
                'playbook is not affected' % (what, kept, kept))
        if writer.dropped:
            why = dict(writer.dropped_by)
            parts = ['%d undeliverable' % why.pop('down', 0), '%d with the queue full' % why.pop('full', 0),
                     '%d still queued at exit' % why.pop('timeout', 0)]
            writer.pending_warnings.append(
                'otel_sidecar: %d frame(s) of this run were dropped (%s; overflow=%s): the trace has gaps'
                % (writer.dropped, ', '.join(p for p in parts if not p.startswith('0 ')), self._overflow))
