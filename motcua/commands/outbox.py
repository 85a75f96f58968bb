"""``motcua outbox status|flush``: inspect and drain the durable producer outbox."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from motcua.settings import Settings
from producers.outbox import Outbox, RelayBusy
from producers.runtime import bootstrap_for, make_relay, outbox_path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "outbox", help="show or deliver events waiting in the producer outbox",
        description="Producers commit every event to STATE_DIR/outbox.sqlite before sending it; "
                    "`status` shows what is pending, `flush` delivers it and exits.")
    sub = p.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    sub.add_parser("status", help="pending count and age of the oldest event").set_defaults(
        func=status)
    f = sub.add_parser("flush", help="deliver everything pending, then exit")
    f.add_argument("--timeout", type=float, default=60.0,
                   help="give up after this many seconds without delivering all (default 60)")
    f.add_argument("--batch", type=int, default=1000,
                   help="rows read from the outbox at a time; up to 4x that many in flight "
                        "(default 1000)")
    f.set_defaults(func=flush)


def status(args: argparse.Namespace, settings: Settings) -> int:
    st = Outbox(outbox_path(settings)).status()
    oldest = "-"
    if st.oldest_accepted_at is not None:
        when = dt.datetime.fromtimestamp(st.oldest_accepted_at).astimezone()
        oldest = f"{when.isoformat(timespec='seconds')} ({time.time() - st.oldest_accepted_at:.0f}s ago)"
    print(f"pending: {st.pending}\noldest: {oldest}\ndelivered: {st.delivered}\n"
          f"broker: {bootstrap_for(settings)}")
    return 0


def flush(args: argparse.Namespace, settings: Settings) -> int:
    outbox = Outbox(outbox_path(settings))
    deadline = time.monotonic() + args.timeout
    try:
        with outbox.relay_lock(wait=min(2.0, args.timeout)):
            relay = make_relay(settings, outbox, report=lambda m: print(m, file=sys.stderr),
                               batch=args.batch)
            try:
                left, error = relay.flush(max(0.0, deadline - time.monotonic()))
            finally:
                relay.sender.close()
            delivered = relay.delivered
    except RelayBusy:
        print("another process is relaying this outbox; waiting for it to drain", file=sys.stderr)
        left, error, delivered = _wait_drained(outbox, deadline), "the other relay did not drain it", 0
    if left:
        print(f"error: {left} events still in the outbox after {args.timeout:.0f}s; broker "
              f"{bootstrap_for(settings)}: {error}", file=sys.stderr)
        return 1
    print(f"flushed: {delivered} delivered, 0 pending")
    return 0


def _wait_drained(outbox: Outbox, deadline: float) -> int:
    while (left := outbox.status().pending) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left
