"""Every read the API, the admin and the tasks share, one module per subject: ``ballots``,
``draws``, ``leaves`` (serial order) and ``dashboard`` (the staff's first page)."""
