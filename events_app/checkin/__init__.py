"""Badges (signed QR), stations, scans, attendance and credit, badge printing and the live dashboard."""
