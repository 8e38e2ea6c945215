"""One module per part of the service; each ``measure(bench, seconds=)`` returns its Results, in the order run."""
