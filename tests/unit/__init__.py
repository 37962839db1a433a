"""One module at a time: no database server, no HTTP beyond MockTransport."""
