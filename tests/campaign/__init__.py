"""Tests of the pure domain: reading plans and documents, the rules of an activity, of the editor
and of the directory."""
