#!/usr/bin/env python3
"""Referral rewards run from a spreadsheet — entry point. See README.md."""
import sys

from workflow.cli import main

if __name__ == "__main__":
    sys.exit(main())
