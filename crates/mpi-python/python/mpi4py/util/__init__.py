"""Utilities built on top of the MPI module: dtlib, pkl5, sync."""
