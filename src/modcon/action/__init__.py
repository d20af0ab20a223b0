"""The GitHub Action: read the workflow's inputs and event, report, fix, open pull requests."""
