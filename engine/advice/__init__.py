"""Advice without rules: which KPIs matter for a business model and its goals, and the SMART
check and status of each goal."""
