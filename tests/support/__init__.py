"""Helpers shared by the tests (no tests here): badge issuers, seeds, servers, harnesses."""
