"""What every part of modelsite shares: errors, files, problems, the block grammar of pages, and the types
that cross parts. Nothing here imports another part of modelsite."""
