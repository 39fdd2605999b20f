"""Errors on a page: what the owner can act on as a plain message, anything else as a plain apology (details in
the server log). Never a traceback."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import streamlit as st

from smbcore.errors import NotEnoughDataError, SmbcoreError
from smbcore.safety import plain_text

__all__ = ["log", "plain_errors"]

log = logging.getLogger("smbcore.app")


@contextmanager
def plain_errors(what: str):
    """Show failures as a plain message, never a traceback; the full error goes to the server log.

    NotEnoughDataError (accepted data, too little for this figure) is a note; any other SmbcoreError an error
    with its own message; anything else is our bug: 'Something went wrong while <what>' and the log."""
    try:
        yield
    except NotEnoughDataError as exc:  # accepted data, too little for this figure: a note saying what to do
        st.info(plain_text(exc))
        st.stop()
    except SmbcoreError as exc:
        st.error(plain_text(exc))
        st.stop()
    except Exception:  # anything else is our bug: say so plainly, keep details for the log
        log.exception("Unexpected error while %s", what)
        st.error(
            f"Something went wrong while {what}. Nothing you saved was changed. Please try again; if it "
            "keeps happening, send the server log to whoever runs this app."
        )
        st.stop()
