"""The duty log: nights as they were driven, planned against driven, and the daily report."""
