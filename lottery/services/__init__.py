"""Every write of the lottery, one module per job: ``ballots`` (playing), ``draws`` (close,
draw, void, the midnight catch-up) and ``redraws`` (the two-person redraw). The audit log's
writer is ``lottery.audit``; the work done after a commit is queued through ``lottery.jobs``."""
