"""Printed codes and the records they are stuck on: issuing, scanning, sheets, imports, visits."""
