"""Work noted as a transaction goes, and done once, after it commits.

Several changes in one transaction (a review saved with its tags and credits, a comment
saved with its replies) note what they touched in the transaction's batch; once the
transaction commits the batch does its work once, for all of them. A transaction that
rolls back takes its batch with it. Outside a transaction a batch is done at once.
"""

import threading
import weakref

from django.db import transaction


class Batch:
    """One transaction's work: subclasses gather what to do and ``perform`` it."""

    def __init__(self):
        self.done = False
        self.pending_runs = weakref.WeakSet()  # see BatchRun

    def perform(self):
        raise NotImplementedError

    def run(self):
        if not self.done:
            self.done = True
            self.perform()


class BatchRun:
    """The callable given to ``transaction.on_commit`` to run a batch.

    Django keeps the callbacks of an open transaction and drops them when it (or the
    savepoint they were registered in) rolls back. A batch holds its runs only weakly, so
    a batch none of whose runs is still kept belongs to no open transaction: it has run,
    or was rolled back, and a change noted now starts a new one.
    """

    def __init__(self, batch):
        self.batch = batch

    def __call__(self):
        self.batch.run()


class PerTransaction:
    """The batch of the transaction open in this thread, of one kind of ``Batch``."""

    def __init__(self, batch_class):
        self.batch_class = batch_class
        self.local = threading.local()

    def current(self):
        """The open transaction's batch, to note changes in; then call ``run_after_commit``."""
        batch = getattr(self.local, "batch", None)
        if batch is None or batch.done or not batch.pending_runs:
            batch = self.local.batch = self.batch_class()
        return batch

    def run_after_commit(self, batch):
        # Registered for every change, so that running only the callbacks registered since
        # some point (as tests capture them) still runs the batch; the first call runs it
        # and the others find it done. Outside a transaction it runs at once.
        run = BatchRun(batch)
        batch.pending_runs.add(run)
        transaction.on_commit(run, robust=True)
