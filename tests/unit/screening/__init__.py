"""Tests of the risk screener: clinical cases, normalisation, rule files and the loader."""
