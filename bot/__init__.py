"""Ember: a Telegram companion for the time between psychotherapy sessions."""

__version__ = "0.1.0"
