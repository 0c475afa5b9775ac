"""What every layer shares: errors, the values that flow, frames, sources, data files."""
