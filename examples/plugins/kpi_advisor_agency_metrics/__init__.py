"""An agency's own metrics for kpi-advisor (a template: see plugin.py)."""
