"""Loaders for structured domain data: payers, drugs, code sets, criteria, appeal rules."""
