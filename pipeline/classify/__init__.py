"""Relevance: the rules in config/topics.yaml, the classifier that applies them, and its evaluation."""
