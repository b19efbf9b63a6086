"""Tests of the PARS boundary: document codecs, web-service messages and the sandbox."""
