"""Real DuckDB files, real signed badges, loopback or MockTransport HTTP."""
