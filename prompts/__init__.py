"""Prompt files shipped with stancetrack (see prompts/README.md)."""
