"""Pinned upstream files in, frames out: catalogue, fetch, readers, population bases."""
