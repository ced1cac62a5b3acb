"""Entry point of one verification worker process (see :mod:`.bounded`): ``python -m
anjuan.signing._verify_worker FD``, FD being its end of the job connection."""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from anjuan.signing.bounded import capture_output, worker_main

if __name__ == "__main__":
    records = capture_output()  # before pyHanko is imported: its import warns
    worker_main(Connection(int(sys.argv[1])), records)
